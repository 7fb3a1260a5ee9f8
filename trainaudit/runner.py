"""Run one rule: skipped when its inputs are absent, an error when it breaks,
otherwise passed or failed with its findings."""

from __future__ import annotations

import datetime as dt
import time

import pyarrow as pa

from .model import Finding, RuleResult, Status
from .rules.registry import Rule, RuleContext


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _display(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


def render_message(rule: Rule, evidence: dict, lang: str) -> str:
    template = rule.message.get(lang) or rule.message["en"]
    return template.format_map(_Blank({k: _display(v) for k, v in evidence.items()}))


def to_findings(
    rule: Rule, rows: pa.Table, lang: str, sources: dict[str, tuple[str, str]]
) -> list[Finding]:
    """Offending rows (as a rule returned them) → Finding objects."""
    findings = []
    for record in rows.to_pylist():
        table = record.get("_table") or (rule.reads[0] if rule.reads else "")
        row = record.get("_row")
        source, sheet = sources.get(table, ("", ""))
        findings.append(
            Finding(
                rule=rule.code,
                name=rule.name,
                severity=rule.severity,
                table=table,
                row=int(row) if row is not None else None,
                id_number=record.get("id_number") or None,
                subject=str(_display(record.get("subject"))),
                message=render_message(rule, record, lang),
                source=source,
                sheet=sheet,
                column=record.get("_column") or rule.column,
                value=str(_display(record.get("_value"))),
            )
        )
    return findings


def run_rule(
    rule: Rule, ctx: RuleContext, lang: str, sources: dict[str, tuple[str, str]]
) -> RuleResult:
    """Never raises: a rule that breaks ends as status `error` with its reason."""
    reason = rule.skip_reason(ctx, lang)
    if reason is not None:
        return RuleResult(rule.code, rule.name, rule.severity, Status.SKIPPED, detail=reason)
    started = time.perf_counter()
    try:
        produced = rule.func(ctx)
        rows = (
            ctx.engine.query(rule.code, produced, ctx.params())
            if isinstance(produced, str)
            else produced
        )
        findings = to_findings(rule, rows, lang, sources)
    except Exception as exc:  # one broken rule must not sink the audit
        detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return RuleResult(rule.code, rule.name, rule.severity, Status.ERROR, detail=detail,
                          seconds=time.perf_counter() - started)  # fmt: skip
    status = Status.FAILED if findings else Status.PASSED
    detail = rule.note(ctx, lang) if rule.note else ""
    return RuleResult(rule.code, rule.name, rule.severity, status, tuple(findings), detail=detail,
                      seconds=time.perf_counter() - started)  # fmt: skip

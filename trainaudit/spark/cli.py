"""`trainaudit audit --engine spark`: the command's body (cli.py calls `audit_command`).

What the Spark path does not do fails with one line before Spark starts: the annotated
workbook (`--out`: it annotates an upload a clerk opens, not national data), the
history store (`--history`: it stays on DuckDB) and `--hash-ids` (findings would carry
ID numbers: pseudonymise with DuckDB).
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path

import typer

from ..errors import InputError
from ..i18n import Words, render, severity_label, status_label
from ..model import Severity, Status
from ..policy import load_policy

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


class EngineName(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


UNSUPPORTED = {
    "--out": "the annotated workbook is for uploads a clerk opens, not for national data",
    "--history": "the history store stays on DuckDB",
    "--hash-ids": "pseudonymised findings are written by the DuckDB engine",
}


class _Said(Words):
    """A catalogued phrase as a field of another message, in that message's language."""

    def __init__(self, msgid: str):
        self.msgid = msgid

    def render(self, lang: str) -> str:
        return render(self.msgid, lang)


def audit_command(
    inputs: dict[str, list[str] | None],
    *,
    master: str,
    conf: list[str] | None,
    policy: Path | None,
    lang: str,
    rules: str | None,
    findings: Path | str | None,
    fail_on: str,
    quiet: bool,
    as_json: bool,
    baseline: Path | str | None,
    waivers: Path | str | None,
    unsupported: dict[str, object],
    tracer=None,
) -> None:
    """Audit on Spark, print the summary (text or JSON), exit 0/1/2 as the DuckDB audit."""
    for option, value in unsupported.items():
        if value:
            raise InputError(
                "{option} is not supported with --engine spark: {why} (docs/spark.md)",
                option=option,
                why=_Said(UNSUPPORTED[option]),
            )
    if findings is not None and not str(findings).rstrip("/").endswith(".parquet"):
        raise InputError(
            "{path}: with --engine spark the findings are a Parquet dataset: name it *.parquet",
            path=str(findings),
        )
    from .audit import audit_spark
    from .session import parse_conf, start

    settings = parse_conf(conf)
    loaded_policy = load_policy(policy)
    spark = start(master, settings)
    report = audit_spark(
        spark,
        inputs,
        policy=loaded_policy,
        lang=lang,
        rules=rules.split(",") if rules else None,
        tracer=tracer,
        findings=_uri(findings),
        baseline=_uri(baseline),
        waivers=_uri(waivers),
    )
    code = exit_code(report, fail_on)
    if as_json:
        typer.echo(json.dumps(summary(report, code, fail_on), ensure_ascii=False, indent=2))
    elif not quiet:
        for line in summary_lines(report):
            typer.echo(line)
    raise typer.Exit(code)


def _uri(path: Path | str | None) -> str | None:
    """A path option as Spark reads it: `s3a://bucket/x` survives the Path type of a
    shared option, which folds it to `s3a:/bucket/x`."""
    if path is None:
        return None
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]+):/(?!/)", r"\1://", str(path))


def exit_code(report, fail_on: str) -> int:
    """2 when the input was not fully auditable (D001, a rule that broke), 1 when findings
    reach --fail-on, else 0: as cli.exit_code."""
    unauditable = any(r.code == "D001" and r.findings for r in report.results)
    if unauditable or report.broken:
        return EXIT_INPUT
    if fail_on == "never":
        return EXIT_OK
    threshold = Severity.parse(fail_on)
    reached = any(r.findings for r in report.results if r.severity >= threshold)
    return EXIT_FINDINGS if reached else EXIT_OK


def summary(report, code: int, fail_on: str) -> dict:
    """Counts for machines: no row values, no ID numbers."""
    return {
        "exit_code": code,
        "fail_on": fail_on,
        "engine": "spark",
        "findings": {s.label: report.count(s) for s in reversed(Severity)},
        "rules": {
            r.code: {
                "status": r.status.value,
                "findings": r.findings,
                "waived": r.waived,
                "baselined": r.baselined,
                **({"detail": r.detail} if r.detail else {}),
            }
            for r in report.results
        },
        "outputs": [report.findings_path] if report.findings_path else [],
    }


def summary_lines(report) -> list[str]:
    """The console summary, from the rules' counts (no finding is read back)."""
    lang = report.lang
    lines = []
    for r in report.results:
        if r.status is Status.PASSED:
            continue
        counted = render("{n} findings", lang, n=r.findings) if r.status is Status.FAILED else ""
        words = [r.code, r.name, severity_label(r.severity, lang), status_label(r.status, lang)]
        extra = "; ".join(x for x in (counted, r.detail) if x)
        lines.append("  ".join(words) + (f"  {extra}" if extra else ""))
    totals = {s: report.count(s) for s in reversed(Severity)}
    lines.append(
        render(
            "{errors} errors, {warnings} warnings, {infos} infos ({engine})",
            lang,
            errors=totals[Severity.ERROR],
            warnings=totals[Severity.WARNING],
            infos=totals[Severity.INFO],
            engine="Spark",
        )
    )
    if report.findings_path:
        lines.append(f"→ {report.findings_path}")
    return lines

"""Run one rule: skipped when its inputs are absent, an error when it breaks,
otherwise passed or failed with its findings.

With a history store (history.py) the tables also hold history rows, whose `_row` is
negative. A rule sees them all, but only findings on today's rows are kept: a row
finding on a history row is dropped, and a finding without a row must name something
of today's upload (a class or institution of today's rows, today's file). A message that
points at another row (`first_row`, `other_rows` …) names a history row by file and row.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import string
import time
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from .engine import Engine
from .fingerprint import Located, fingerprints
from .i18n import column_label
from .model import Finding, RuleResult, Status
from .multifile import ROW_STRIDE, split_row
from .rules import staging
from .rules.registry import Rule, RuleContext


@dataclass(frozen=True)
class HistoryScope:
    """What tells today's findings from history's, and names history rows."""

    subjects: dict[str, frozenset[str]]
    """table -> what a finding without a row may name: today's classes, institutions, file"""
    locate: Callable[[list[int]], dict[int, tuple[str, int]]]
    """history row keys -> (upload as messages name it, row as the clerk saw it)"""


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _display(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


_REF_COLUMN = re.compile(r".*_rows?$")
_NUMBER = re.compile(r"-?\d+")


def _row_phrase(row: int, lang: str, refs: dict[int, tuple[str, int]]) -> str:
    if row < 0 or row >= ROW_STRIDE:  # a history row, or a row of one of several files
        source, row = refs.get(row, ("history", 0))
        return f"“{source}”第{row}行" if lang == "zh" else f"{source} row {row}"
    return f"第{row}行" if lang == "zh" else f"row {row}"


def _with_refs(
    template: str, key: str, value: object, lang: str, refs: dict[int, tuple[str, int]]
) -> tuple[str, object]:
    """When `value` points at a history row: the template without its own "row …"
    around `{key}`, and the value as "file.xlsx row 12" (zh: “file.xlsx”第12行)."""
    numbers = [int(n) for n in _NUMBER.findall(str(value))] if value is not None else []
    if not any(n < 0 or n >= ROW_STRIDE for n in numbers):
        return template, value
    phrases = [_row_phrase(n, lang, refs) for n in numbers]
    field = "{" + key + "}"
    template = re.sub(r"\brow(?:\(s\)|s)? " + re.escape(field), field, template)
    template = template.replace("第" + field + "行", field)
    return template, ("、" if lang == "zh" else ", ").join(phrases)


@functools.lru_cache(maxsize=512)
def _fields(template: str) -> tuple[str, ...]:
    """The names a message template formats ({name}, {name:.2f})."""
    names = (f for _, f, _, _ in string.Formatter().parse(template) if f)
    return tuple({re.split(r"[.\[]", f, maxsplit=1)[0] for f in names})


def render_message(rule: Rule, evidence: dict, lang: str, refs: dict[int, tuple[str, int]]) -> str:
    """The message of one row with a history store: rows it points at (`*_row`,
    `*_rows`) named by file and row when they are history rows (`refs`)."""
    template = rule.message.get(lang) or rule.message["en"]
    values = {k: _display(v) for k, v in evidence.items()}
    if lang == "zh" and values.get("_column"):
        values["_column"] = column_label(values["_column"], lang, evidence.get("_table"))
    for key, value in evidence.items():
        if _REF_COLUMN.match(key) and key != "_row":
            template, values[key] = _with_refs(template, key, value, lang, refs)
    return template.format_map(_Blank(values))


def _values(rows: pa.Table, name: str, shown: bool = False) -> list:
    """One column of a rule's rows as Python values (None where the rule has no such
    column); `shown`: as a message shows them (`_display`)."""
    if name not in rows.column_names:
        return [""] * rows.num_rows if shown else [None] * rows.num_rows
    column = rows.column(name)
    if not shown:
        return column.to_pylist()
    if pa.types.is_date(column.type):  # ISO text, as date.isoformat()
        column = pc.cast(column, pa.string())
    return [_display(v) for v in column.to_pylist()]


def _messages(rule: Rule, rows: pa.Table, lang: str) -> list[str]:
    """The message of every row, a column at a time: a rule may flag a hundred thousand
    rows, and only the columns its message shows are converted."""
    template = rule.message.get(lang) or rule.message["en"]
    fields = _fields(template)
    if not fields:
        return [template] * rows.num_rows
    shown = [_values(rows, name, shown=True) for name in fields]
    if lang == "zh" and "_column" in fields:  # 「身份证号码」, never 「id_number」
        tables = _values(rows, "_table")
        at = fields.index("_column")
        pairs = zip(shown[at], tables, strict=True)
        shown[at] = [column_label(c, lang, t) if c else c for c, t in pairs]
    return [
        template.format_map(_Blank(zip(fields, values, strict=True)))
        for values in zip(*shown, strict=True)
    ]


def _today_only(rows: pa.Table) -> pa.Table:
    """Drop rows flagged on history rows (negative `_row`)."""
    if "_row" not in rows.column_names or rows.num_rows == 0:
        return rows
    column = rows.column("_row")
    if pa.types.is_null(column.type):
        return rows
    return rows.filter(pc.or_kleene(pc.is_null(column), pc.greater_equal(column, 0)))


def _history_keys(rows: pa.Table, keyed: bool = False) -> list[int]:
    """Every history row key an evidence column (`*_row`, `*_rows`) points at; `keyed`:
    also every key of a row of a table read from several files (multifile.py)."""
    keys: set[int] = set()
    for name in rows.column_names:
        if name == "_row" or not _REF_COLUMN.match(name):
            continue
        column = rows.column(name)
        if pa.types.is_integer(column.type):
            far = pc.less(column, 0)
            if keyed:
                far = pc.or_(far, pc.greater_equal(column, ROW_STRIDE))
            keys.update(k for k in pc.filter(column, far).to_pylist())
        elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            texts = (
                column.drop_null() if keyed else pc.filter(column, pc.match_substring(column, "-"))
            )
            for text in texts.to_pylist():
                keys.update(
                    int(n)
                    for n in _NUMBER.findall(text)
                    if int(n) < 0 or (keyed and int(n) >= ROW_STRIDE)
                )
    return sorted(keys)


def to_findings(
    rule: Rule,
    rows: pa.Table,
    lang: str,
    sources: dict[str, tuple[str, str]],
    scope: HistoryScope | None = None,
    engine: Engine | None = None,
    secret: bytes | None = None,
    files: dict[int, tuple[str, str]] | None = None,
) -> list[Finding]:
    """Offending rows (as a rule returned them) → Finding objects (today's only, with a
    history scope), with their fingerprints when `engine` holds the rows' tables
    (fingerprint.py; keyed with `secret`). `files`: file number -> (file, sheet) of the
    tables read from several files, whose row keys name the file (multifile.py)."""
    if scope is not None or files:
        rows = _today_only(rows) if scope is not None else rows
        keys = _history_keys(rows, keyed=bool(files))
        refs = scope.locate([k for k in keys if k < 0]) if scope is not None else {}
        for key in (k for k in keys if k >= ROW_STRIDE):
            number, row = split_row(key)
            refs[key] = ((files or {}).get(number, ("", ""))[0], row)
        messages = [render_message(rule, record, lang, refs) for record in rows.to_pylist()]
    else:
        messages = _messages(rule, rows, lang)
    default_table = rule.reads[0] if rule.reads else ""
    found: list[Located] = []
    rest: list[tuple[str | None, str, str]] = []
    for table, row, subject, column, id_number, value, message in zip(
        _values(rows, "_table"),
        _values(rows, "_row"),
        _values(rows, "subject", shown=True),
        _values(rows, "_column"),
        _values(rows, "id_number"),
        _values(rows, "_value", shown=True),
        messages,
        strict=True,
    ):
        table = table or default_table
        subject = str(subject)
        if scope is not None and row is None and subject not in scope.subjects.get(table, ()):
            continue  # about a class or institution of history alone
        source, sheet = sources.get(table, ("", ""))
        if files and row is not None and row >= ROW_STRIDE:
            source, sheet = files[split_row(row)[0]]
        found.append(
            Located(
                table=table,
                row=int(row) if row is not None else None,
                column=column or rule.column,
                subject=subject,
                source=source,
                message=message,
            )
        )
        rest.append((id_number or None, sheet, str(value)))
    prints = fingerprints(engine, rule.code, found, secret) if engine else [""] * len(found)
    return [
        Finding(
            rule=rule.code,
            name=rule.name,
            severity=rule.severity,
            table=f.table,
            row=split_row(f.row)[1] if f.row is not None else None,
            id_number=id_number,
            subject=f.subject,
            message=f.message,
            source=f.source,
            sheet=sheet,
            column=f.column,
            value=value,
            fingerprint=fingerprint,
        )
        for f, (id_number, sheet, value), fingerprint in zip(found, rest, prints, strict=True)
    ]


def run_rule(
    rule: Rule,
    ctx: RuleContext,
    lang: str,
    sources: dict[str, tuple[str, str]],
    scope: HistoryScope | None = None,
    secret: bytes | None = None,
    files: dict[int, tuple[str, str]] | None = None,
) -> RuleResult:
    """Never raises: a rule that breaks ends as status `error` with its reason.
    `secret`: the --hash-ids key, which fingerprints are keyed with; `files`: see
    to_findings."""
    reason = rule.skip_reason(ctx, lang)
    if reason is not None:
        return RuleResult(rule.code, rule.name, rule.severity, Status.SKIPPED, detail=reason)
    started = time.perf_counter()
    try:
        if rule.stages:
            staging.build(ctx, rule.stages)
        produced = rule.func(ctx)
        rows = (
            ctx.engine.query(rule.code, produced, ctx.params())
            if isinstance(produced, str)
            else produced
        )
        findings = to_findings(rule, rows, lang, sources, scope, ctx.engine, secret, files)
    except Exception as exc:  # one broken rule must not sink the audit
        detail = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return RuleResult(rule.code, rule.name, rule.severity, Status.ERROR, detail=detail,
                          seconds=time.perf_counter() - started)  # fmt: skip
    status = Status.FAILED if findings else Status.PASSED
    notes = (rule.note(ctx, lang) if rule.note else "", rule.unchecked(ctx, lang))
    detail = ("；" if lang == "zh" else "; ").join(n for n in notes if n)
    return RuleResult(rule.code, rule.name, rule.severity, status, tuple(findings), detail=detail,
                      seconds=time.perf_counter() - started)  # fmt: skip


def prepare(ctx: RuleContext, rules: list[Rule]) -> None:
    """Build the staging tables of the rules that will run, before they run: with every
    thread of the engine (the rules then run one thread each), and before two rules
    would wait on the same one. A table that fails to build is left to the rules that
    read it, which then end as `error` with the reason."""
    names = [s for r in rules if r.skip_reason(ctx) is None for s in r.stages]
    for name in staging.needed(names):
        try:
            staging.build(ctx, [name])
        except Exception:  # noqa: BLE001, S112  (reported by each rule that reads it)
            continue

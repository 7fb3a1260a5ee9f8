"""The rule catalogue: each rule is metadata plus one function returning offending rows.

A rule function takes a RuleContext and returns either SQL text (run through the
engine, parameters bound from the policy) or an Arrow table of rows it computed itself
(for what SQL cannot say: name similarity, Benford). Either way each row carries
`_table`, `_row` and `subject`; other columns are evidence for the message.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

from ..engine import Engine
from ..model import Severity
from ..policy import Policy


@dataclass
class RuleContext:
    engine: Engine
    policy: Policy
    present: dict[str, frozenset[str]]
    """input tables given -> canonical columns each has"""
    audit_date: dt.date
    sources: dict[str, str] = field(default_factory=dict)
    """input table -> file name, for findings about a whole file"""
    lacking: dict[tuple[str, str], str] = field(default_factory=dict)
    """(table, required column) -> the files lacking it, when a table has several files"""
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """input table -> the header cells found in its (first) file, for D001's message"""

    def has(self, table: str, column: str | None = None) -> bool:
        if table not in self.present:
            return False
        return column is None or column in self.present[table]

    def params(self) -> dict:
        return {**self.policy.sql_params(), "audit_date": self.audit_date}


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    reads: tuple[str, ...]
    """tables the rule needs (all of them, or any one when `any_table`)"""
    message: dict[str, str]
    func: Callable[[RuleContext], object]
    needs: tuple[str, ...] = ()
    """columns the rule reads, as "table.column" ("*.column": that column of each table
    it reads, for `any_table` rules); a column absent from a given file → skipped with
    the reason, never passed on an empty column"""
    column: str = ""
    """the cell to flag when a row does not name one in `_column`"""
    any_table: bool = False
    doc: str = field(default="", compare=False)
    note: Callable[[RuleContext, str], str] | None = None
    """what the run did not check although the rule ran (shown as the result's detail)"""
    stages: tuple[str, ...] = ()
    """staging tables its SQL reads (rules/staging.py), built before it runs"""

    @property
    def family(self) -> str:
        return self.code[0]

    def skip_reason(self, ctx: RuleContext, lang: str = "en") -> str | None:
        """Why the rule cannot run on these inputs, or None when it can."""
        from ..i18n import table_label

        given = [t for t in self.reads if ctx.has(t)]
        if self.any_table and not given:
            names = "/".join(table_label(t, "zh") for t in self.reads)
            return _say(lang, f"no {' / '.join(self.reads)} input", f"未提供{names}表")
        if not self.any_table:
            for table in self.reads:
                if not ctx.has(table):
                    return _say(lang, f"no {table} input", f"未提供{table_label(table, 'zh')}表")
        missing = self.missing_columns(ctx)
        if not missing:
            return None
        if self.any_table:
            lacking = {t for t, _ in missing}
            if any(t not in lacking for t in given):
                return None  # runs on the tables that have the column (see `unchecked`)
        return _missing_phrase(missing, lang)

    def missing_columns(self, ctx: RuleContext) -> list[tuple[str, str]]:
        """(table, column) of every needed column absent from a given table."""
        missing = []
        for need in self.needs:
            table, column = need.split(".")
            for t in self.reads if table == "*" else (table,):
                if ctx.has(t) and not ctx.has(t, column):
                    missing.append((t, column))
        return missing

    def unchecked(self, ctx: RuleContext, lang: str = "en") -> str:
        """For an `any_table` rule that ran: the given tables it could not check."""
        missing = self.missing_columns(ctx)
        return _missing_phrase(missing, lang) if missing and self.any_table else ""


def _missing_phrase(missing: list[tuple[str, str]], lang: str) -> str:
    """Why: `trainees has no id_number column`, 花名册无「身份证号码」列."""
    from ..i18n import column_label, table_label

    if lang == "zh":
        return "；".join(
            f"{table_label(t, lang)}无「{column_label(c, lang, t)}」列，未核查" for t, c in missing
        )
    return "; ".join(f"{t} has no {c} column" for t, c in missing)


def _say(lang: str, en: str, zh: str) -> str:
    return zh if lang == "zh" else en


REGISTRY: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    *,
    severity: Severity,
    reads: tuple[str, ...],
    message: dict[str, str],
    needs: tuple[str, ...] = (),
    column: str = "",
    any_table: bool = False,
    note: Callable[[RuleContext, str], str] | None = None,
    stages: tuple[str, ...] = (),
) -> Callable:
    """Register a rule function under its SPEC code."""

    def register(func: Callable[[RuleContext], object]) -> Callable:
        if code in REGISTRY:
            raise ValueError(f"rule {code} registered twice")
        REGISTRY[code] = Rule(
            code, name, severity, reads, message, func, needs, column, any_table,
            inspect.getdoc(func) or "", note, stages,
        )  # fmt: skip
        return func

    return register


def all_rules() -> list[Rule]:
    """Every registered rule, in catalogue order."""
    from . import catalogue  # noqa: F401  (importing registers the rule modules)

    return [REGISTRY[code] for code in sorted(REGISTRY)]


def get_rule(code: str) -> Rule | None:
    all_rules()
    return REGISTRY.get(code.upper())

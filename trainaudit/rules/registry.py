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
    """optional columns the rule needs, as "table.column"; absent → skipped"""
    column: str = ""
    """the cell to flag when a row does not name one in `_column`"""
    any_table: bool = False
    doc: str = field(default="", compare=False)
    note: Callable[[RuleContext, str], str] | None = None
    """what the run did not check although the rule ran (shown as the result's detail)"""

    @property
    def family(self) -> str:
        return self.code[0]

    def skip_reason(self, ctx: RuleContext, lang: str = "en") -> str | None:
        """Why the rule cannot run on these inputs, or None when it can."""
        given = [t for t in self.reads if ctx.has(t)]
        if self.any_table and not given:
            return _say(lang, f"no {' / '.join(self.reads)} input", f"未提供{'/'.join(self.reads)}")
        if not self.any_table:
            for table in self.reads:
                if not ctx.has(table):
                    return _say(lang, f"no {table} input", f"未提供{table}表")
        for need in self.needs:
            table, column = need.split(".")
            if ctx.has(table) and not ctx.has(table, column):
                return _say(lang, f"{table} has no {column} column", f"{table}表无{column}列")
        return None


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
) -> Callable:
    """Register a rule function under its SPEC code."""

    def register(func: Callable[[RuleContext], object]) -> Callable:
        if code in REGISTRY:
            raise ValueError(f"rule {code} registered twice")
        REGISTRY[code] = Rule(
            code, name, severity, reads, message, func, needs, column, any_table,
            inspect.getdoc(func) or "", note,
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

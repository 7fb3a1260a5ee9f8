"""Staging tables: work several rules share, built once per audit after loading.

A staging table is a named query over the loaded tables (or other staging tables),
materialised by the engine before the rules that read it run. A rule that reads one
says so in its `stages` (registry.rule); a test holds every rule's SQL to the staging
tables it declares, so a rule run alone builds exactly what it reads and nothing more.
The SQL keeps to the portable subset of issue 16 (it runs on Spark too).

Each staging table is documented like a rule: what one row is, which rules read it and
why sharing it pays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .registry import REGISTRY, RuleContext


@dataclass(frozen=True)
class Stage:
    name: str
    """the table's name in the engine (always `stage_…`)"""
    func: Callable[[RuleContext], str]
    after: tuple[str, ...] = ()
    """staging tables its query reads"""
    doc: str = field(default="", compare=False)

    @property
    def used_by(self) -> list[str]:
        """Codes of the rules that read it."""
        return sorted(code for code, r in REGISTRY.items() if self.name in r.stages)


STAGES: dict[str, Stage] = {}


def stage(name: str, *, after: tuple[str, ...] = ()) -> Callable:
    """Register a staging query under its table name."""

    def register(func: Callable[[RuleContext], str]) -> Callable:
        if not name.startswith("stage_") or name in STAGES:
            raise ValueError(f"bad or repeated staging table name {name!r}")
        STAGES[name] = Stage(name, func, after, (func.__doc__ or "").strip())
        return func

    return register


PERSON_PAYMENT = "p.id_number__raw IS NOT NULL"
"""A person-level payment names an ID (as payments.PERSON)."""


@stage("stage_payment_certificate")
def payment_certificate(ctx: RuleContext) -> str:
    """One row per person-level certificate subsidy (取证补贴): which occupation and level
    it pays for, and the certificates of the ID that match them.

    SPEC §5 readings: a payment that names a class is for that class's occupation and
    level (from the ID's enrollment in that class), unless the payment names its own.
    Each of occupation and level is the payment's when it names it, else the class's;
    the class's level only when the payment names no other occupation. When the ID's
    enrollments in that class disagree (a defect R201 reports) that value stays open,
    as it does when the ID has no enrollment there (P401's business). A payment that
    names neither a class nor an occupation and level matches any certificate of the ID.

    Columns: `_row`, `id_number`; `occupation`, `level` (resolved, NULL = any);
    `certificates` (how many match), `first_issued` / `last_issued` (their earliest and
    latest issue dates), `cap_level` (the level whose cap applies: the resolved level,
    else the one level all matching certificates share).

    Read by P402 (no matching certificate), P403 (the cap of `cap_level`), P405 (paid
    before `first_issued`) and P409 (`last_issued` before the policy start): one
    resolution of "which certificate, which level" instead of four copies.
    """
    return f"""
        WITH paid AS (
            SELECT p._row, p.id_number, p.class_id, p.occupation, p.level
            FROM payments p
            WHERE {PERSON_PAYMENT} AND p.subsidy_type = 'certificate'
        ),
        enrolled AS (
            -- the ID's enrollment in the class the payment names; min = max: they agree
            SELECT p._row,
                   CASE WHEN min(t.occupation) = max(t.occupation) THEN min(t.occupation) END
                       AS occupation,
                   CASE WHEN min(t.level) = max(t.level) THEN min(t.level) END AS level
            FROM paid p JOIN trainees t ON t.id_number = p.id_number AND t.class_id = p.class_id
            WHERE p.class_id IS NOT NULL
            GROUP BY p._row
        ),
        target AS (
            SELECT p._row, p.id_number,
                   coalesce(p.occupation, e.occupation) AS occupation,
                   coalesce(p.level,
                            CASE WHEN p.occupation IS NULL OR p.occupation = e.occupation
                                 THEN e.level END) AS level
            FROM paid p LEFT JOIN enrolled e ON e._row = p._row
        ),
        matched AS (
            SELECT g._row, count(*) AS certificates, min(c.issue_date) AS first_issued,
                   max(c.issue_date) AS last_issued, min(c.level) AS low, max(c.level) AS high
            FROM target g JOIN certificates c ON c.id_number = g.id_number
            WHERE (g.occupation IS NULL OR c.occupation = g.occupation)
              AND (g.level IS NULL OR c.level = g.level)
            GROUP BY g._row
        )
        SELECT g._row, g.id_number, g.occupation, g.level,
               coalesce(m.certificates, 0) AS certificates, m.first_issued, m.last_issued,
               coalesce(g.level, CASE WHEN m.low = m.high THEN m.low END) AS cap_level
        FROM target g LEFT JOIN matched m ON m._row = g._row
    """


def needed(names: Iterable[str]) -> list[str]:
    """The staging tables `names` read, with those they read first, each once."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for before in STAGES[name].after:
            visit(before)
        order.append(name)

    for name in names:
        visit(name)
    return order


def build(ctx: RuleContext, names: Iterable[str]) -> None:
    """Materialise the staging tables `names` (and what they read) that this audit's
    engine does not hold yet (Engine.materialise builds each once, whatever the thread)."""
    for name in needed(names):
        ctx.engine.materialise(f"stage {name}", name, lambda n=name: STAGES[n].func(ctx),
                               ctx.params())  # fmt: skip

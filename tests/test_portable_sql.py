"""Every rule and staging query keeps to the portable SQL subset (SPEC §6, issue 16).

Rule SQL is written once, in DuckDB's dialect, and transpiled to Spark SQL with sqlglot
(trainaudit/spark/engine.py). These constructs either fail on Spark or, worse, run
there with other results, so they are refused here, by name, with the portable spelling:

- isinf/isnan/isfinite: `abs(x) = CAST('Infinity' AS DOUBLE)`;
- regexp_full_match: `regexp_matches(x, '^(?:p)$')`;
- a backslash in a string literal (a regex class like \\s or \\.): Spark unescapes
  string literals, DuckDB does not; write `[.]`, `[+]`, `[0-9]`;
- a cast of text to a number or date outside TRY_CAST: Spark may evaluate it before
  the filter meant to guard it (I108's 17th ID digit) and fails the whole query;
- date minus date: an interval on Spark, a number of days on DuckDB: `date_diff('day', a, b)`;
- an ordered aggregate whose order sqlglot cannot carry over (`list(x ORDER BY y)`
  becomes collect_list(x), the ORDER BY silently dropped; string_agg keeps it);
- hash() other than as a pre-filter (`hash(k) IN (SELECT hash(k) …)`): 64-bit on DuckDB,
  32-bit on Spark, so a hash value must never reach a result;

NULLs sort last by default on DuckDB and first on Spark; sqlglot writes DuckDB's order out
(`NULLS LAST`) when it transpiles, which the last test here holds it to.

Which text these queries hold comes from the code itself: every registered rule's SQL,
every staging query, the I109/I110 candidate query and the fingerprint keys.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from trainaudit.engine import Engine
from trainaudit.fingerprint import BUSINESS_KEYS
from trainaudit.io.schema import TABLES
from trainaudit.policy import Policy
from trainaudit.rules.registry import RuleContext, all_rules

sqlglot = pytest.importorskip("sqlglot", reason="the spark extra (sqlglot) is not installed")
exp = sqlglot.exp

_FORBIDDEN_FUNCTIONS = {
    "isinf": "abs(x) = CAST('Infinity' AS DOUBLE)",
    "isnan": "x <> x",
    "isfinite": "abs(x) < CAST('Infinity' AS DOUBLE)",
    "regexp_full_match": "regexp_matches(x, '^(?:p)$')",
}
_TEXT_TYPES = {"VARCHAR", "TEXT", "CHAR", "NCHAR", "NVARCHAR", "STRING"}
_TEXT_MAKERS = (
    exp.Substring,
    exp.Concat,
    exp.ConcatWs,
    exp.Trim,
    exp.Lower,
    exp.Upper,
    exp.Left,
    exp.Right,
    exp.RegexpExtract,
    exp.RegexpReplace,
)
_TEXT_FUNCTIONS = {"printf", "format", "split_part", "replace", "substr", "substring"}
_DATE_NAME = re.compile(r"(^|_)(date|birth|issued|from|until)$")


def _context() -> RuleContext:
    present = {t: frozenset(spec.column_names) for t, spec in TABLES.items()}
    return RuleContext(
        engine=Engine(),
        policy=Policy(),
        present=present,
        audit_date=dt.date(2024, 6, 30),
        sources={t: f"{t}.xlsx" for t in TABLES},
    )


def queries() -> list[tuple[str, str]]:
    """(label, SQL) of every query the rules run on an engine."""
    from trainaudit.rules import identity

    ctx = _context()
    found = []
    for rule in all_rules():
        produced = rule.func(ctx) if rule.code not in ("I109", "I110") else None
        if isinstance(produced, str):
            found.append((rule.code, produced))
    found.append(("I109-I110 candidates", identity._NAME_CONFLICTS))
    try:
        from trainaudit.rules.staging import STAGES
    except ImportError:  # before the staging tables existed
        STAGES = {}
    for name, stage in STAGES.items():
        found.append((name, stage.func(ctx)))
    for table, exprs in BUSINESS_KEYS.items():
        parts = ", ".join(f"coalesce(CAST({e} AS VARCHAR), '')" for e in exprs)
        found.append((f"fingerprint {table}", f"SELECT concat_ws('|', {parts}) FROM {table}"))
    return found


def _name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    return node.sql_name().lower() if isinstance(node, exp.Func) else ""


def _datelike(node: exp.Expression) -> bool:
    if isinstance(node, exp.Paren):
        return _datelike(node.this)
    if isinstance(node, exp.Column):
        return bool(_DATE_NAME.search(node.name))
    if isinstance(node, exp.Cast):
        return node.to.this in (exp.DataType.Type.DATE, exp.DataType.Type.TIMESTAMP)
    if isinstance(node, exp.Placeholder):
        return "date" in str(node.this)
    return isinstance(node, (exp.CurrentDate, exp.DateStrToDate, exp.TsOrDsToDate))


def _makes_text(node: exp.Expression) -> bool:
    for inner in node.walk():
        if isinstance(inner, _TEXT_MAKERS) or _name(inner) in _TEXT_FUNCTIONS:
            return True
        if isinstance(inner, exp.Column) and inner.name.endswith("__raw"):
            return True
    return False


def problems(sql: str) -> list[str]:
    """What in `sql` is outside the portable subset, one line each."""
    found = []
    for name, instead in _FORBIDDEN_FUNCTIONS.items():
        if re.search(rf"\b{name}\s*\(", sql, re.IGNORECASE):
            found.append(f"{name}(): write {instead}")
    tree = sqlglot.parse_one(sql, read="duckdb")
    for node in tree.walk():
        if isinstance(node, exp.Literal) and node.is_string and "\\" in node.this:
            found.append(f"backslash in the string {node.sql()}: use a class like [.] or [0-9]")
        elif type(node) is exp.Cast and node.to.this.name not in _TEXT_TYPES:
            if not isinstance(node.this, exp.Literal) and _makes_text(node.this):
                found.append(f"{node.sql()}: a cast of text outside TRY_CAST")
        elif isinstance(node, exp.Sub) and _datelike(node.this) and _datelike(node.expression):
            found.append(f"{node.sql()}: date minus date; write date_diff('day', a, b)")
        elif isinstance(node, exp.Order) and not isinstance(
            node.parent, (exp.Select, exp.Window, exp.SetOperation, exp.Subquery)
        ):
            if "ORDER BY" not in node.parent.sql(dialect="spark"):
                found.append(f"{node.parent.sql()[:80]}: an ordered aggregate that loses its order")
        elif _name(node) == "hash" and node.find_ancestor(exp.In) is None:
            found.append(f"{node.sql()}: hash() outside a pre-filter `hash(k) IN (…)`")
    return found


@pytest.mark.parametrize("label,sql", queries(), ids=lambda v: v if len(v) < 40 else None)
def test_query_is_portable(label: str, sql: str) -> None:
    assert problems(sql) == [], f"{label}: outside the portable subset"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM payments WHERE isinf(amount)",
        "SELECT * FROM t WHERE regexp_full_match(phone, '1[3-9][0-9]{9}')",
        "SELECT * FROM t WHERE regexp_matches(x, '^(?:\\s*[0-9]+)$')",
        "SELECT * FROM t WHERE CAST(substr(id_number, 17, 1) AS INTEGER) % 2 = 1",
        "SELECT * FROM t WHERE amount__raw::DOUBLE > 0",
        "SELECT end_date - start_date + 1 AS days FROM trainees",
        "SELECT $audit_date - issue_date FROM certificates",
        "SELECT list(class_id ORDER BY start_date) FROM trainees GROUP BY id_number",
        "SELECT hash(id_number) AS h FROM trainees",
    ],
)
def test_each_construct_is_caught(sql: str) -> None:
    """The lint can fail: each non-portable construct it names is found."""
    assert problems(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM payments WHERE abs(amount) = CAST('Infinity' AS DOUBLE)",
        "SELECT * FROM t WHERE regexp_matches(x, '^(?:[0-9]+[.][0-9]*)$')",
        "SELECT * FROM t WHERE substr(id_number, 17, 1) IN ('1', '3', '5', '7', '9')",
        "SELECT TRY_CAST(substr(x, 1, 1) AS INTEGER), CAST(n AS BIGINT) FROM t",
        "SELECT date_diff('day', start_date, end_date) + 1 AS days FROM trainees",
        "SELECT hours - 8 FROM trainees",
        "SELECT * FROM t WHERE hash(k) IN (SELECT hash(k) AS h FROM t GROUP BY h)",
        "SELECT string_agg(CAST(r AS VARCHAR), ', ' ORDER BY r NULLS LAST) FROM t",
    ],
)
def test_portable_spellings_pass(sql: str) -> None:
    """The near-misses: the portable spelling of each construct is not flagged."""
    assert problems(sql) == []


def test_transpiled_sql_keeps_duckdbs_null_order() -> None:
    """DuckDB puts NULLs last, Spark first: the transpiled SQL must say DuckDB's order."""
    from trainaudit.spark.engine import to_spark_sql

    spark = to_spark_sql(
        "SELECT row_number() OVER (PARTITION BY id_number ORDER BY start_date, _row DESC) "
        "FROM trainees ORDER BY end_date"
    )
    assert "ORDER BY start_date NULLS LAST, _row DESC" in spark
    assert spark.endswith("ORDER BY end_date NULLS LAST")

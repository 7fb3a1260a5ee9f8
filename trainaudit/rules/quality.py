"""D — data quality: what must be right before anything can be cross-checked."""

from __future__ import annotations

import pyarrow as pa

from ..i18n import table_label
from ..io.schema import TABLES, nearest_alias
from ..model import Severity
from .registry import RuleContext, rule
from .sqlbits import PERSON_SUBJECT, blank_test, raw_columns, repeated

ALL_TABLES = tuple(TABLES)


def _subject(table: str) -> str:
    if "id_number" in TABLES[table].column_names:
        return PERSON_SUBJECT
    key = TABLES[table].columns[0].name
    return f"coalesce({key}, '')"


def _union(parts: list[str]) -> str:
    if not parts:
        return "SELECT NULL AS _table, NULL AS _row, NULL AS subject WHERE FALSE"
    return "\nUNION ALL\n".join(parts)


@rule(
    "D001",
    "missing-column",
    severity=Severity.ERROR,
    reads=ALL_TABLES,
    any_table=True,
    message={
        "en": "{subject}: no column for {column_name} (required in {table_name}); "
        "headers found: {found}; closest: {nearest}",
        "zh": "{subject}：缺少必填列「{column_label}」（{table_label}）；找到的表头：{found}；"
        "最接近的是「{nearest}」",
    },
)
def missing_column(ctx: RuleContext) -> pa.Table:
    """A required column is absent from the file.

    Why it matters: without it whole rules cannot run, so the upload cannot be audited;
    the command exits 2 after writing what it could check.
    Example: a roster without 班级编号 cannot be checked for duplicate enrollment.
    How to resolve: add the column (any alias in `trainaudit rules explain` works), or
    map the header in the policy file under [header_aliases]. How headers are matched
    (whole, never by containment; facts above the header count): docs/reading-forms.md.
    """
    rows = []
    for table in ALL_TABLES:
        if table not in ctx.present:
            continue
        headers = ctx.headers.get(table, ())
        for column in TABLES[table].required:
            if column not in ctx.present[table]:
                aliases = TABLES[table].column(column).aliases
                rows.append(
                    {
                        "_table": table,
                        "_row": None,
                        "subject": ctx.lacking.get((table, column))
                        or ctx.sources.get(table, table),
                        "_column": column,
                        "column_name": column,
                        "column_label": aliases[1] if len(aliases) > 1 else column,
                        "table_name": table,
                        "table_label": table_label(table, "zh"),
                        "found": "、".join(headers[:8]) + ("…" if len(headers) > 8 else "") or "—",
                        "nearest": nearest_alias(column, list(headers), table) or "—",
                    }
                )
    return pa.Table.from_pylist(rows) if rows else pa.table({"_table": pa.array([], pa.string())})


@rule(
    "D002",
    "missing-value",
    severity=Severity.ERROR,
    reads=ALL_TABLES,
    any_table=True,
    message={"en": "required cell {_column} is blank", "zh": "必填项「{_column}」为空"},
)
def missing_value(ctx: RuleContext) -> str:
    """A required cell is blank.

    Why it matters: a record without its ID, class or dates cannot be matched against
    anything else, so it cannot be verified.
    Example: row 12 of the roster has a name but no 身份证号码.
    How to resolve: fill the cell from the source documents, or remove the row.
    Payments: the ID is optional (an institution-level payment has none).
    """
    parts = []
    for table in ALL_TABLES:
        for column in TABLES[table].required:
            if ctx.has(table, column):
                parts.append(
                    f"SELECT '{table}' AS _table, _row, {_subject(table)} AS subject, "
                    f"'{column}' AS _column FROM {table} WHERE {blank_test(table, column)}"
                )
    return _union(parts)


@rule(
    "D003",
    "bad-date",
    severity=Severity.ERROR,
    reads=ALL_TABLES,
    any_table=True,
    message={
        "en": "{_column} '{_value}' is not a date",
        "zh": "「{_column}」的值“{_value}”不是有效日期",
    },
)
def bad_date(ctx: RuleContext) -> str:
    """A date cell cannot be read as one day.

    Accepted: Excel dates and serial numbers, 2019-07-01, 2019/7/1, 2019.7.1, 20190701,
    2019年7月1日, full-width digits, 二〇一九年七月一日. Refused: month-only values
    (2019.7, which Excel may also have turned into 2019.1), impossible days (2月30日),
    ambiguous US order (7/1/2019).
    How to resolve: type the full date, e.g. 2019-07-01.
    """
    parts = []
    for table in ALL_TABLES:
        for col in TABLES[table].columns:
            if col.kind == "date" and ctx.has(table, col.name):
                parts.append(
                    f"SELECT '{table}' AS _table, _row, {_subject(table)} AS subject, "
                    f"'{col.name}' AS _column, {col.name}__raw AS _value FROM {table} "
                    f"WHERE {col.name}__raw IS NOT NULL AND {col.name} IS NULL"
                )
    return _union(parts)


@rule(
    "D004",
    "date-order",
    severity=Severity.ERROR,
    reads=("trainees",),
    column="end_date",
    message={
        "en": "class ends {end_date} before it starts {start_date}",
        "zh": "结业日期{end_date}早于开班日期{start_date}",
    },
)
def date_order(ctx: RuleContext) -> str:
    """end_date before start_date.

    Why it matters: training days, living allowance and overlap checks all depend on the
    period; a reversed period is usually a typing error, sometimes a back-dated claim.
    How to resolve: correct the dates from the class records.
    """
    return f"""
        SELECT 'trainees' AS _table, _row, {PERSON_SUBJECT} AS subject, id_number,
               start_date, end_date
        FROM trainees
        WHERE end_date < start_date
    """


@rule(
    "D005",
    "bad-amount",
    severity=Severity.ERROR,
    reads=("payments",),
    column="amount",
    message={
        "en": "amount '{_value}' is not a positive number",
        "zh": "金额“{_value}”不是正数",
    },
)
def bad_amount(ctx: RuleContext) -> str:
    """Amount not a number, or zero or negative.

    Accepted: 1000, 1,000.00, ￥1000, 1000元. A reversal (negative amount) must be
    reported through the ledger's correction process, not as a payment row.
    """
    return """
        SELECT 'payments' AS _table, _row, coalesce(id_number, payment_id, '') AS subject,
               id_number, amount__raw AS _value
        FROM payments
        WHERE amount__raw IS NOT NULL AND (amount IS NULL OR amount <= 0 OR abs(amount) = CAST('Infinity' AS DOUBLE))
    """


@rule(
    "D006",
    "unknown-level",
    severity=Severity.WARNING,
    reads=("trainees", "certificates", "payments", "occupations"),
    any_table=True,
    column="level",
    message={
        "en": "level '{_value}' is not one of 专项职业能力, 五级…一级",
        "zh": "等级“{_value}”不在等级目录中（专项职业能力、五级至一级）",
    },
)
def unknown_level(ctx: RuleContext) -> str:
    """A level outside the six canonical values.

    Recognised: 专项职业能力 (专项), 五级/初级(工), 四级/中级(工), 三级/高级(工), 二级/技师,
    一级/高级技师, and the digits 1–5. Not recognised on purpose: 特级技师 and 首席技师
    (after 2022), 1+X levels (Ministry of Education), 合格 (completion only).
    Rows with an unknown level are left out of the repeat-level check.
    """
    parts = []
    for table in ("trainees", "certificates", "payments", "occupations"):
        if ctx.has(table, "level"):
            subject = _subject(table)
            parts.append(
                f"SELECT '{table}' AS _table, _row, {subject} AS subject, level__raw AS _value "
                f"FROM {table} WHERE level__raw IS NOT NULL AND level IS NULL"
            )
    return _union(parts)


_D007_FIRST_PASS = {
    "trainees": ("id_number", "class_id", "start_date"),
    "certificates": ("cert_no", "id_number"),
    "payments": ("payment_id", "id_number", "pay_date"),
}
"""D007: columns that seldom repeat together except on a copied row, checked first on the
big tables (any of a row's columns would do for correctness)."""


@rule(
    "D007",
    "duplicate-row",
    severity=Severity.WARNING,
    reads=ALL_TABLES,
    any_table=True,
    message={
        "en": "same as row {first_row} (after normalisation)",
        "zh": "与第{first_row}行重复（规范化后完全相同）",
    },
)
def duplicate_row(ctx: RuleContext) -> str:
    """A row identical to an earlier row of the same table.

    Compared after normalisation: ID width and case, spaces, every date form, level
    spellings. A value normalisation cannot read (特级, 2019.7) is compared as typed, so
    two different unreadable values do not make two rows identical.
    The first copy stays quiet; the later copies are flagged.
    Why it matters: a pasted-twice block double-counts trainees and payments.
    """
    parts = []
    for table in ALL_TABLES:
        if table not in ctx.present:
            continue
        raw = raw_columns(table)
        keys = []
        for c in TABLES[table].columns:
            if c.name in ctx.present[table]:
                keys.append(c.name)
                if f"{c.name}__raw" in raw:
                    # two different texts that normalisation cannot read are not identical
                    keys.append(f"CASE WHEN {c.name} IS NULL THEN trim({c.name}__raw) END")
        cols = ", ".join(keys)
        # A window over every column of a million rows sorts them all. Identical rows agree
        # on any few of their columns, so the rows whose few telling columns repeat are
        # found first (by hash: equal values hash alike, NULLs included) without reading
        # or hashing the rest; picked by `_row`, only they are read whole, and the window
        # then compares them exactly.
        first_pass = [c for c in _D007_FIRST_PASS.get(table, ()) if c in ctx.present[table]]
        candidates = repeated(table, ", ".join(first_pass) if first_pass else cols, "TRUE")
        parts.append(
            f"""SELECT '{table}' AS _table, _row, {_subject(table)} AS subject, first_row FROM (
                SELECT *, row_number() OVER w AS n, first_value(_row) OVER w AS first_row
                FROM {table}
                WHERE _row IN (SELECT _row FROM {table} WHERE {candidates})
                WINDOW w AS (PARTITION BY {cols} ORDER BY _row)
            ) t WHERE n > 1"""
        )
    return _union(parts)

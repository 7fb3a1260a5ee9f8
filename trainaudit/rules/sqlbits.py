"""Small SQL fragments shared by several rules (identifiers only, never values)."""

from __future__ import annotations

from ..io.normalise import KEEP_RAW_KINDS
from ..io.schema import TABLES

ID_TABLES = ("trainees", "certificates", "payments")
"""Tables whose ID column the identity format rules check (SPEC: a clerk may validate
a payment list alone)."""

PERSON_SUBJECT = "coalesce(id_number, id_number__raw, '')"

NAME_KEY = "lower(replace(replace(name, '·', ''), ' ', ''))"
"""Names as compared: `·`, spaces and Latin case do not make two names different
(阿卜杜拉·艾力 = 阿卜杜拉艾力, 'Li Na' = 'LI NA'); io/normalise has already applied NFKC
and unified the middle dots."""


def accepted_first(alias: str = "") -> str:
    """An ORDER BY term that puts history rows before today's.

    With a history store (history.py) the tables also hold rows accepted on earlier
    nights, under negative `_row` keys. Where a rule keeps the first of several claims
    quiet and flags the rest, the accepted claim is the first whatever its dates, so that
    a back-dated claim in today's upload is the one flagged. Without history every `_row`
    is positive and the term changes no order.
    """
    return f"({alias}{'.' if alias else ''}_row >= 0)"


def id_union(extra: str = "") -> str:
    """Every ID cell of the three main tables, one row each (absent tables are empty)."""
    parts = [
        f"SELECT '{t}' AS _table, _row, id_number, id_number__raw, id_check_ok, id_birth, "
        f"id_legacy, id_number__numeric{extra} FROM {t}"
        for t in ID_TABLES
    ]
    return "\n    UNION ALL\n    ".join(parts)


def blank_test(table: str, column: str) -> str:
    """SQL that is true when the user left the cell blank (not: typed something unreadable)."""
    kind = TABLES[table].column(column).kind
    if kind == "id" or f"{column}__raw" in raw_columns(table):
        return f"{column}__raw IS NULL"
    return f"{column} IS NULL"


def raw_columns(table: str) -> set[str]:
    return {f"{c.name}__raw" for c in TABLES[table].columns if c.kind in KEEP_RAW_KINDS}


def age_at(start: str, birth: str) -> str:
    """Whole years from `birth` to `start`, portable SQL."""
    return (
        f"(extract(year FROM {start}) - extract(year FROM {birth}) - "
        f"CASE WHEN extract(month FROM {start}) * 100 + extract(day FROM {start}) < "
        f"extract(month FROM {birth}) * 100 + extract(day FROM {birth}) THEN 1 ELSE 0 END)"
    )


ID_SHAPED = "id_check_ok IS NOT NULL"
"""18 characters: 17 digits and a digit or X (the checksum itself may be wrong)."""

ID_SEX = "CASE WHEN substr(id_number, 17, 1) IN ('1', '3', '5', '7', '9') THEN 'M' ELSE 'F' END"
"""Sex from the 17th digit: odd male, even female (GB 11643)."""


def repeated(table: str, keys: str, where: str, more_than: str = "1") -> str:
    """A predicate true for rows of `table` whose `keys` occur on more than `more_than`
    rows (of those passing `where`): the partitions a `row_number() > n` window can flag.

    A window over a million rows sorts them all; filtering first to the few repeated keys
    makes it cheap. The keys are compared by hash (NULLs hash alike, as PARTITION BY
    groups them); a collision only lets a row through to the exact window.
    """
    return (
        f"hash({keys}) IN (SELECT hash({keys}) AS h FROM {table} WHERE {where} "
        f"GROUP BY h HAVING count(*) > {more_than})"
    )

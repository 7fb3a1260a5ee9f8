"""Stable fingerprints: the same finding keeps its fingerprint from one run to the next.

A fingerprint hashes the rule, the table, the flagged column and the *business key* of
the flagged row — who (ID number) and what (class, certificate number, payment id,
occupation and level) — never the row number or the file name, so re-sorting a roster,
inserting rows above, renaming the file or adding it to history changes nothing.
Two findings of one rule on rows with the same key (a line pasted three times) are told
apart by their order among themselves, which re-sorting cannot change.

A finding without a row (a class, an institution) is keyed by its subject; one about a
whole file (D001) by the missing column alone.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from typing import NamedTuple

from .engine import Engine

VERSION = "1"
"""Part of every hash: bump it only when keys change on purpose (old baselines then
no longer match, which the README says)."""

PERSON = "coalesce(id_number, nullif(trim(id_number__raw), ''), 'name:' || coalesce(name, ''))"
"""The person of a row: the normalised ID, else the ID as typed, else the name."""

BUSINESS_KEYS: dict[str, tuple[str, ...]] = {
    "trainees": (PERSON, "class_id", "occupation", "coalesce(level, level__raw)"),
    "certificates": ("cert_no", PERSON, "occupation", "coalesce(level, level__raw)"),
    "payments": (
        "payment_id",
        PERSON,
        "coalesce(subsidy_type, subsidy_type__raw)",
        "class_id",
        "occupation",
        "coalesce(level, level__raw)",
    ),
    "institutions": ("institution", "institution_code"),
    "watchlist": ("coalesce(id_number, id_number__raw)",),
    "occupations": ("occupation", "coalesce(level, level__raw)"),
}
"""SQL expressions over the canonical (normalised) table: an ID typed in lower case or
full width, a date written another way or 中级工 for 四级 keeps the same key."""

_SEP = "\x1f"


def row_keys(engine: Engine, table: str, rows: list[int]) -> dict[int, str]:
    """user row -> business key, for the given rows of `table` (today's rows)."""
    if not rows or table not in BUSINESS_KEYS:
        return {}
    parts = ", ".join(f"coalesce(CAST({expr} AS VARCHAR), '')" for expr in BUSINESS_KEYS[table])
    rows = sorted(set(rows))
    flagged = engine.rows_of(table, rows)
    if flagged is not None:  # the few rows, out of the Arrow data the audit queries
        sql = f"SELECT _row, concat_ws('{_SEP}', {parts}) AS k FROM _flagged"
        keyed = engine.query(f"fingerprint {table}", sql, tables={"_flagged": flagged})
    else:
        keyed = engine.query(
            f"fingerprint {table}",
            f"SELECT _row, concat_ws('{_SEP}', {parts}) AS k "
            f"FROM {table} WHERE _row IN (SELECT unnest($rows))",
            {"rows": rows},
        )
    return dict(zip(keyed.column("_row").to_pylist(), keyed.column("k").to_pylist(), strict=True))


def fingerprint(
    rule: str, table: str, column: str, key: str, occurrence: int = 1, secret: bytes | None = None
) -> str:
    """`R202-` and 16 hex digits: readable, and never mistaken for a number by Excel.

    With `secret` (the --hash-ids key) the digest is an HMAC: the business key holds the
    ID number, and the space of real ID numbers is small enough to brute-force a plain
    hash, so pseudonymised findings must not carry one."""
    text = _SEP.join((VERSION, rule, table, column, key, str(occurrence))).encode("utf-8")
    digest = hmac.new(secret, text, hashlib.sha256) if secret is not None else hashlib.sha256(text)
    return f"{rule}-{digest.hexdigest()[:16]}"


class Located(NamedTuple):
    """What a finding's fingerprint depends on, known before the finding is built."""

    table: str
    row: int | None
    column: str
    subject: str
    source: str
    message: str


def fingerprints(
    engine: Engine, rule: str, found: list[Located], secret: bytes | None = None
) -> list[str]:
    """The fingerprint of each of one rule's findings (keyed when `secret`): from the
    rule, table, column and business key of its row, and its rank among the rule's
    findings with that key (by row; row-less ones by message)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for f in found:
        if f.row is not None:
            wanted[f.table].add(f.row)
    keys = {table: row_keys(engine, table, sorted(rows)) for table, rows in wanted.items()}
    seen: dict[tuple, int] = defaultdict(int)
    out = [""] * len(found)
    for i in sorted(range(len(found)), key=lambda i: _order(found[i])):
        f = found[i]
        if f.row is None:
            key = "" if f.subject == f.source else f"subject:{f.subject}"
        else:
            key = keys.get(f.table, {}).get(f.row, f"row:{f.row}")
        ident = (f.table, f.column, key)
        seen[ident] += 1
        out[i] = fingerprint(rule, f.table, f.column, key, seen[ident], secret)
    return out


def _order(f: Located) -> tuple:
    """Among findings with one key, the n-th by row (row-less ones by message)."""
    return (f.row is None, f.row or 0, f.column, f.message)

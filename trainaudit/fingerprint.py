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
from dataclasses import replace

import pyarrow as pa

from .engine import Engine
from .model import Finding, RuleResult

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
    engine.register("_flagged", pa.table({"_row": pa.array(sorted(set(rows)), pa.int64())}))
    keyed = engine.query(
        f"fingerprint {table}",
        f"SELECT t._row, concat_ws('{_SEP}', {parts}) AS k "
        f"FROM {table} t JOIN _flagged f ON f._row = t._row",
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


def _row_less_key(f: Finding) -> str:
    return "" if f.subject == f.source else f"subject:{f.subject}"


def stamp(
    engine: Engine, results: list[RuleResult], secret: bytes | None = None
) -> list[RuleResult]:
    """The same results, every finding carrying its fingerprint (keyed when `secret`)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for r in results:
        for f in r.findings:
            if f.row is not None:
                wanted[f.table].add(f.row)
    keys = {table: row_keys(engine, table, sorted(rows)) for table, rows in wanted.items()}
    stamped = []
    for r in results:
        seen: dict[tuple, int] = defaultdict(int)
        new: dict[int, Finding] = {}
        for f in sorted(r.findings, key=_order):
            if f.row is None:
                key = _row_less_key(f)
            else:
                key = keys.get(f.table, {}).get(f.row, f"row:{f.row}")
            ident = (f.table, f.column, key)
            seen[ident] += 1
            fp = fingerprint(r.code, f.table, f.column, key, seen[ident], secret)
            new[id(f)] = _stamped(f, fp)
        stamped.append(replace(r, findings=tuple(new[id(f)] for f in r.findings)))
    return stamped


def _stamped(f: Finding, fingerprint: str) -> Finding:
    """`replace(f, fingerprint=…)` without its cost (a tenth of a second per ten thousand
    findings, most of the stamping at provincial scale)."""
    return Finding(
        f.rule, f.name, f.severity, f.table, f.row, f.id_number, f.subject, f.message,
        f.source, f.sheet, f.column, f.value, fingerprint,
    )  # fmt: skip


def _order(f: Finding) -> tuple:
    """Among findings with one key, the n-th by row (row-less ones by message)."""
    return (f.row is None, f.row or 0, f.column, f.message)

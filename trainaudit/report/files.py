"""Findings files: .csv, .jsonl, .parquet — one finding per row, SPEC §3 columns first."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from ..model import EXTRA_COLUMNS, FINDING_COLUMNS, Finding
from .atomic import atomic_path

COLUMNS = FINDING_COLUMNS + EXTRA_COLUMNS
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """OWASP CSV-injection defence: text that a spreadsheet would run gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


BASELINE_COLUMN = "baseline"
"""Last column of a findings file written with --baseline: `known` on a finding left out
of the report because the baseline holds it, empty on a finding reported. Recorded so
that `diff` tells "left out as known" from "gone", and so that this file can be the next
night's baseline without the known findings coming back as new."""

KNOWN = "known"


def _records(findings: list[Finding], known: list[Finding] | None) -> tuple[tuple, list[dict]]:
    """The columns and records of a findings file (with the baseline column when
    `known` is given: every finding of the run, in one deterministic order)."""
    if known is None:
        return COLUMNS, [f.as_record() for f in findings]
    marked = [(f, "") for f in findings] + [(f, KNOWN) for f in known]
    marked.sort(key=lambda pair: (pair[0].sort_key(), pair[1]))
    return (*COLUMNS, BASELINE_COLUMN), [{**f.as_record(), BASELINE_COLUMN: m} for f, m in marked]


def findings_table(findings: list[Finding], known: list[Finding] | None = None) -> pa.Table:
    columns, records = _records(findings, known)
    schema = pa.schema([(c, pa.int64() if c == "row" else pa.string()) for c in columns])
    return pa.Table.from_pylist(records, schema=schema)


CSV_ENCODING = "utf-8-sig"
"""UTF-8 with a byte-order mark: Excel on a Chinese Windows opens it by double-click
(without the mark it reads the bytes as GBK); `csv` with encoding="utf-8-sig" reads it."""

CSV_LINE_END = "\r\n"
"""Records end in CRLF, as RFC 4180 says and Excel writes; a line break inside a quoted
field is kept as it was."""


def write_findings(findings: list[Finding], path: Path, known: list[Finding] | None = None) -> None:
    """Format by extension; written to a temporary file and renamed into place.
    `known`: the findings --baseline left out, recorded as such (BASELINE_COLUMN)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".parquet"):
        raise InputError("{path}: findings file must end in .csv, .jsonl or .parquet", path=path)
    columns, records = _records(findings, known)
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            with tmp.open("w", encoding=CSV_ENCODING, newline="") as fh:
                writer = csv.writer(fh, lineterminator=CSV_LINE_END)
                writer.writerow(columns)
                for record in records:
                    writer.writerow(
                        ["" if record[c] is None else csv_safe(record[c]) for c in columns]
                    )
        elif suffix == ".jsonl":
            with tmp.open("w", encoding="utf-8") as fh:
                for record in records:
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            pq.write_table(findings_table(findings, known), tmp)

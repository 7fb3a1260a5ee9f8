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


def findings_table(findings: list[Finding]) -> pa.Table:
    records = [f.as_record() for f in findings]
    schema = pa.schema([(c, pa.int64() if c == "row" else pa.string()) for c in COLUMNS])
    return pa.Table.from_pylist(records, schema=schema)


CSV_ENCODING = "utf-8-sig"
"""UTF-8 with a byte-order mark: Excel on a Chinese Windows opens it by double-click
(without the mark it reads the bytes as GBK); `csv` with encoding="utf-8-sig" reads it."""

CSV_LINE_END = "\r\n"
"""Records end in CRLF, as RFC 4180 says and Excel writes; a line break inside a quoted
field is kept as it was."""


def write_findings(findings: list[Finding], path: Path) -> None:
    """Format by extension; written to a temporary file and renamed into place."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".parquet"):
        raise InputError("{path}: findings file must end in .csv, .jsonl or .parquet", path=path)
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            with tmp.open("w", encoding=CSV_ENCODING, newline="") as fh:
                writer = csv.writer(fh, lineterminator=CSV_LINE_END)
                writer.writerow(COLUMNS)
                for f in findings:
                    record = f.as_record()
                    writer.writerow(
                        ["" if record[c] is None else csv_safe(record[c]) for c in COLUMNS]
                    )
        elif suffix == ".jsonl":
            with tmp.open("w", encoding="utf-8") as fh:
                for f in findings:
                    fh.write(json.dumps(f.as_record(), ensure_ascii=False) + "\n")
        else:
            pq.write_table(findings_table(findings), tmp)

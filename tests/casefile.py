"""Case files: rows that must fire and rows that must not, per rule (tests/cases/<CODE>.yaml).

Format:

    rule: R202
    policy: {max_class_size: 3}        # optional overrides
    tables:
      trainees:
        defaults: {name: 张三, institution: 甲机构, ...}
        rows:
          - {id_number: "@140105-19900102-123", class_id: C1, expect: quiet}
          - {id_number: "@140105-19900102-123", class_id: C2, expect: fire}

`@REGION-YYYYMMDD-SEQ` makes a checksum-valid ID. Each table is written as a CSV whose
header uses the canonical column names, so row k of the list is CSV line k + 2; the test
asserts the set of flagged lines equals the rows marked `fire` — no more, no less.
A table-level expectation: `expect_subjects: [C1]` lists the subjects of findings with no row.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import yaml

from trainaudit.ids import make_id

CASES = Path(__file__).parent / "cases"
_ID_TEMPLATE = re.compile(r"^@(\d{6})-(\d{8})-(\d{3})$")


def expand(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    m = _ID_TEMPLATE.match(text)
    if m:
        return make_id(m[1], dt.datetime.strptime(m[2], "%Y%m%d").date(), int(m[3]))
    return text


def load_case(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write_tables(case: dict, folder: Path) -> tuple[dict[str, Path], dict[str, set[int]]]:
    """Write each table of a case as CSV; return paths and the lines expected to fire."""
    paths, expected = {}, {}
    for table, spec in case["tables"].items():
        defaults = spec.get("defaults", {})
        rows = [{**defaults, **row} for row in spec.get("rows", [])]
        columns: list[str] = []
        for row in rows:
            for key in row:
                if key != "expect" and key not in columns:
                    columns.append(key)
        if not columns:
            columns = list(spec.get("columns", []))
        path = folder / f"{table}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([expand(row.get(c)) for c in columns])
        paths[table] = path
        expected[table] = {i + 2 for i, row in enumerate(rows) if row.get("expect") == "fire"}
    return paths, expected

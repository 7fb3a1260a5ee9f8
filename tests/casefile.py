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

Many similar rows (F505 needs 100 payments) come from one row with `repeat: N` and/or
`each: {column: [v1, v2, ...]}`: the row stands for N rows (N defaults to the length of
the longest `each` list), the k-th taking the k-th value of each list (cycling) and
`{i}` in any text value replaced by k (1-based; `{i:03d}` pads it, e.g. in an ID template
`@140105-19900101-{i:03d}`). `expect` applies to every copy.
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
_INDEX = re.compile(r"\{i(?::([^}]*))?\}")


def expand(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    m = _ID_TEMPLATE.match(text)
    if m:
        return make_id(m[1], dt.datetime.strptime(m[2], "%Y%m%d").date(), int(m[3]))
    return text


def expand_row(row: dict) -> list[dict]:
    """One case row, or its N copies when it carries `repeat` and/or `each`."""
    each = row.get("each") or {}
    if "repeat" not in row and not each:
        return [row]
    count = row.get("repeat") or max(len(values) for values in each.values())
    base = {k: v for k, v in row.items() if k not in ("repeat", "each")}
    copies = []
    for k in range(count):
        copy = {**base, **{col: values[k % len(values)] for col, values in each.items()}}
        for key, value in copy.items():
            if isinstance(value, str):
                copy[key] = _INDEX.sub(lambda m, n=k + 1: format(n, m[1] or ""), value)
        copies.append(copy)
    return copies


def load_case(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write_tables(case: dict, folder: Path) -> tuple[dict[str, Path], dict[str, set[int]]]:
    """Write each table of a case as CSV; return paths and the lines expected to fire."""
    paths, expected = {}, {}
    for table, spec in case["tables"].items():
        defaults = spec.get("defaults", {})
        rows = [copy for row in spec.get("rows", []) for copy in expand_row({**defaults, **row})]
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

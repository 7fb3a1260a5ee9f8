"""Findings files read back: `audit --baseline OLD` and `trainaudit diff OLD NEW`.

Findings are matched by their `fingerprint` (fingerprint.py), never by row number: a
re-sorted or extended upload keeps the fingerprints of the findings it still has.

A findings file written with `--baseline` also records the findings it left out as
known (its `baseline` column says `known`, report/files.py): they are findings of that
run all the same, so `diff` counts them as persisting (or new), never as resolved, and
the file can be the next run's baseline without them coming back.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from .errors import InputError
from .model import FINDING_COLUMNS


def read_findings(path: str | Path) -> list[dict]:
    """The records of a findings file (.csv, .jsonl or .parquet), as written by `audit`."""
    path = Path(path)
    if not path.is_file():
        raise InputError("{path}: findings file not found", path=path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as fh:
                records = list(csv.DictReader(fh))
            for r in records:  # undo the CSV-injection guard of report/files.py
                for k, v in r.items():
                    if isinstance(v, str) and v[:2] in ("'=", "'+", "'-", "'@", "'\t", "'\r"):
                        r[k] = v[1:]
        elif suffix == ".jsonl":
            with path.open(encoding="utf-8") as fh:
                records = [json.loads(line) for line in fh if line.strip()]
        elif suffix == ".parquet":
            records = pq.read_table(path).to_pylist()
        else:
            raise InputError("{path}: a findings file ends in .csv, .jsonl or .parquet", path=path)
    except (UnicodeDecodeError, json.JSONDecodeError, OSError, ValueError) as exc:
        raise InputError(
            "{path}: not a readable findings file ({kind})", path=path, kind=type(exc).__name__
        ) from None
    if records and "fingerprint" not in records[0]:
        raise InputError(
            "{path}: no fingerprint column (written by an older trainaudit?); "
            "run the audit again to get one",
            path=path,
        )
    for r in records:
        if not r.get("fingerprint"):
            raise InputError(
                "{path}: a finding without a fingerprint ({rule})",
                path=path,
                rule=r.get("rule", "?"),
            )
        row = r.get("row")
        r["row"] = int(row) if row not in (None, "") else None
    return records


def read_fingerprints(path: str | Path) -> frozenset[str]:
    """The fingerprints of a findings file, those it recorded as known included: what
    `--baseline` does not report again."""
    return frozenset(r["fingerprint"] for r in read_findings(path))


@dataclass
class FindingsDiff:
    new: list[dict]
    """in NEW only"""
    resolved: list[dict]
    """in OLD only (as OLD recorded them)"""
    persisting: list[dict]
    """in both (as NEW records them: the row may have moved)"""

    def counts(self) -> dict[str, int]:
        """How many of each; `known`: of NEW's findings, those it left out as known."""
        known = sum(1 for r in self.new + self.persisting if is_known(r))
        return {"new": len(self.new), "resolved": len(self.resolved),
                "persisting": len(self.persisting), "known": known}  # fmt: skip


def is_known(record: dict) -> bool:
    """A finding the run left out of its report because its --baseline held it."""
    return record.get("baseline") == "known"


def diff_findings(old: str | Path, new: str | Path) -> FindingsDiff:
    """Which findings of NEW are new, which of OLD are gone, which stayed."""
    before, after = read_findings(old), read_findings(new)
    old_fps = {r["fingerprint"] for r in before}
    new_fps = {r["fingerprint"] for r in after}
    return FindingsDiff(
        new=[r for r in after if r["fingerprint"] not in old_fps],
        resolved=[r for r in before if r["fingerprint"] not in new_fps],
        persisting=[r for r in after if r["fingerprint"] in old_fps],
    )


SHOWN_COLUMNS = (*FINDING_COLUMNS, "fingerprint", "baseline")

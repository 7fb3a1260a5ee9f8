"""Speed work must not change what the audit finds: every sample_data finding (rule,
table, row, subject, message, fingerprint) is the one recorded in tests/golden/ before
the staging tables (issue 15) were built.

The golden file was written by the code of commit ee36e55. A rule whose findings change
on purpose is listed in CHANGED with the reason, and its lines in the golden file are
rewritten by `python tests/test_golden.py RULE ...` (the other rules' lines stay).
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

from trainaudit import api

HERE = Path(__file__).parent
SAMPLE = HERE.parent / "sample_data"
GOLDEN = HERE / "golden" / "sample_findings.csv"
COLUMNS = ["rule", "table", "row", "subject", "message", "fingerprint"]

CHANGED: dict[str, str] = {
    "F505": "issue 14.10: amounts fixed by policy are left out; the sample's plant had "
    "fired on its 108 certificate subsidies of 300, so its made-up amounts are no longer "
    "round (403-693, living 3 short of 15 a day): 105 payments, same subject and fingerprint",
    "I103": "issue 14.11: a birth date before 1900 is I103 too; the message says so "
    "(same rows, same fingerprints)",
    "I105": "issue 14.12: the message says what was seen (a number cell, scientific "
    "notation, a decimal tail, a zeroed tail failing the check), same rows and fingerprints",
    "P402": "issue 14.3: a payment naming a class is for that class's occupation and level; "
    "the message now names them (same row, same fingerprint)",
}
"""rule -> why its golden lines were rewritten after ee36e55"""


def sample_findings() -> list[list[str]]:
    """The findings of the demo audit, one sorted line each."""
    report = api.audit(
        trainees=SAMPLE / "trainees.xlsx",
        certificates=SAMPLE / "certificates.csv",
        payments=SAMPLE / "payments.csv",
        institutions=SAMPLE / "institutions.csv",
        watchlist=SAMPLE / "watchlist.csv",
        occupations=SAMPLE / "occupations.csv",
        lang="en",
        audit_date=dt.date(2021, 6, 30),
    )
    lines = [
        [f.rule, f.table, "" if f.row is None else str(f.row), f.subject, f.message, f.fingerprint]
        for f in report.findings
    ]
    return sorted(lines)


def read_golden() -> list[list[str]]:
    with GOLDEN.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == COLUMNS
    return rows[1:]


def write_golden(lines: list[list[str]]) -> None:
    GOLDEN.parent.mkdir(exist_ok=True)
    with GOLDEN.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(sorted(lines))


def test_sample_findings_are_the_golden_ones():
    now = sample_findings()
    golden = read_golden()
    assert len(golden) > 60, "the golden file holds the whole demo audit"
    missing = [line for line in golden if line not in now]
    extra = [line for line in now if line not in golden]
    assert (missing, extra) == ([], [])


def test_every_rewritten_rule_says_why():
    golden_rules = {line[0] for line in read_golden()}
    assert set(CHANGED) <= golden_rules
    assert all(reason.strip() for reason in CHANGED.values())


if __name__ == "__main__":
    # no argument: write the whole file; RULE ...: rewrite only those rules' lines
    rules = set(sys.argv[1:])
    current = sample_findings()
    if rules:
        kept = [line for line in read_golden() if line[0] not in rules]
        current = kept + [line for line in current if line[0] in rules]
    write_golden(current)
    print(f"{GOLDEN}: {len(current)} findings")

"""The demo is the end-to-end test: every rule fires on sample_data/, and sample_data/
is exactly what `trainaudit sample` writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from trainaudit import api
from trainaudit.model import Status
from trainaudit.rules.registry import all_rules
from trainaudit.sample import PLANTED, write_sample

SAMPLE = Path(__file__).parent.parent / "sample_data"
INPUTS = {
    "trainees": SAMPLE / "trainees.xlsx",
    "certificates": SAMPLE / "certificates.csv",
    "payments": SAMPLE / "payments.csv",
    "institutions": SAMPLE / "institutions.csv",
    "watchlist": SAMPLE / "watchlist.csv",
    "occupations": SAMPLE / "occupations.csv",
}


@pytest.fixture(scope="module")
def report():
    return api.audit(**INPUTS, lang="en", audit_date=dt.date(2021, 6, 30))


def test_every_rule_runs(report):
    broken = [
        (r.code, r.detail) for r in report.results if r.status in (Status.ERROR, Status.SKIPPED)
    ]
    assert broken == []


@pytest.mark.parametrize("code", [r.code for r in all_rules() if r.code != "D001"])
def test_rule_fires_on_sample_data(report, code):
    assert any(f.rule == code for f in report.findings), (
        f"{code} never fires on sample_data: {PLANTED.get(code)}"
    )


def test_most_rows_are_clean(report):
    flagged = {(f.table, f.row) for f in report.findings if f.row is not None}
    total = sum(info.rows for info in report.inputs.values())
    assert len(flagged) < 0.2 * total


def test_sample_data_is_the_generators_output(tmp_path):
    for path in write_sample(tmp_path):
        committed = SAMPLE / path.name
        assert committed.read_bytes() == path.read_bytes(), (
            f"sample_data/{path.name} is stale: run make sample"
        )

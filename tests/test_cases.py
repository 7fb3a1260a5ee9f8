"""Every case file through the real engine: exactly the rows marked `fire` are flagged."""

from __future__ import annotations

import datetime as dt

import pytest
from casefile import CASES, load_case, write_tables

from trainaudit import api
from trainaudit.model import Status
from trainaudit.policy import policy_from_mapping

CASE_FILES = sorted(CASES.glob("*.yaml"))
AUDIT_DATE = dt.date(2021, 6, 30)


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case(path, tmp_path):
    case = load_case(path)
    code = case["rule"]
    paths, expected = write_tables(case, tmp_path)
    policy = policy_from_mapping(case.get("policy", {}))
    report = api.audit(**paths, policy=policy, lang="en", rules=[code], audit_date=AUDIT_DATE)
    (result,) = report.results
    assert result.status in (Status.PASSED, Status.FAILED), result.detail
    flagged: dict[str, set[int]] = {}
    subjects = set()
    for f in result.findings:
        if f.row is None:
            subjects.add(f.subject)
        else:
            flagged.setdefault(f.table, set()).add(f.row)
    for table in paths:
        assert flagged.get(table, set()) == expected[table], f"{code} on {table}"
    assert subjects == set(case.get("expect_subjects", [])), f"{code} table-level subjects"
    assert any(expected.values()) or case.get("expect_subjects"), "a case must fire somewhere"
    assert all(f.message for f in result.findings)

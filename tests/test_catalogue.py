"""The catalogue documents and tests itself: every SPEC code is registered, documented,
has a case file, and its SQL runs on empty tables."""

from __future__ import annotations

import datetime as dt
import re
import string

import pytest
from casefile import CASES

from trainaudit import api
from trainaudit.io.schema import TABLES
from trainaudit.model import Severity, Status
from trainaudit.policy import Policy
from trainaudit.rules.registry import all_rules

SPEC = {
    "D001": ("missing-column", "error"), "D002": ("missing-value", "error"),
    "D003": ("bad-date", "error"), "D004": ("date-order", "error"),
    "D005": ("bad-amount", "error"), "D006": ("unknown-level", "warning"),
    "D007": ("duplicate-row", "warning"),
    "I101": ("id-format", "error"), "I102": ("id-checksum", "error"),
    "I103": ("id-birthdate", "error"), "I104": ("id-region", "error"),
    "I105": ("id-mangled", "error"), "I106": ("id-legacy", "info"),
    "I107": ("age-out-of-range", "warning"), "I108": ("gender-mismatch", "warning"),
    "I109": ("id-name-conflict", "error"), "I110": ("id-name-variant", "warning"),
    "I111": ("same-person-many-ids", "warning"), "I112": ("id-masked", "error"),
    "R201": ("duplicate-enrollment", "error"), "R202": ("repeat-level", "error"),
    "R203": ("annual-limit", "error"), "R204": ("overlapping-training", "error"),
    "R205": ("class-size", "warning"), "R206": ("implausible-hours", "warning"),
    "R207": ("occupation-not-in-catalogue", "error"),
    "C301": ("cert-without-training", "warning"), "C302": ("cert-before-training-end", "error"),
    "C303": ("cert-number-reused", "error"),
    "P401": ("payment-no-enrollment", "error"), "P402": ("payment-no-certificate", "error"),
    "P403": ("payment-over-cap", "error"), "P404": ("duplicate-payment", "error"),
    "P405": ("paid-before-completion", "warning"), "P406": ("payee-mismatch", "error"),
    "P407": ("banned-institution", "error"), "P408": ("class-total-over-cap", "error"),
    "P409": ("cert-subsidy-before-policy", "error"),
    "F501": ("shared-phone", "warning"), "F502": ("shared-account", "warning"),
    "F503": ("clustered-ids", "warning"), "F504": ("roster-reuse", "warning"),
    "F505": ("benford-deviation", "info"), "F506": ("watchlisted-id", "error"),
    "F507": ("placeholder-name", "warning"),
}  # fmt: skip
"""SPEC §5, copied exactly: codes, names and severities are a contract."""

REGISTERED = {r.code: r for r in all_rules()}


def test_registered_rules_match_spec_exactly():
    for code, rule in REGISTERED.items():
        assert code in SPEC, f"{code} is not a SPEC code"
        assert (rule.name, rule.severity.label) == SPEC[code]
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)


@pytest.mark.parametrize("code", sorted(REGISTERED))
def test_rule_is_documented(code):
    rule = REGISTERED[code]
    assert len(rule.doc) > 80, "the docstring is the auditor's explanation"
    assert set(rule.message) == {"en", "zh"}
    for text in rule.message.values():
        list(string.Formatter().parse(text))  # a malformed template fails here
    assert re.search(r"[\u4e00-\u9fff]", rule.message["zh"])


@pytest.mark.parametrize("code", sorted(REGISTERED))
def test_rule_has_a_case_file(code):
    assert (CASES / f"{code}.yaml").exists()


def test_every_rule_runs_on_empty_tables():
    tables = {t: api.empty_table(t, f"{t}.csv") for t in TABLES}
    report = api.audit_tables(
        tables, policy=Policy(), lang="en", rules=None, only_tables=None,
        audit_date=dt.date(2021, 6, 30), progress=lambda *a: None, tracer=None,
    )  # fmt: skip
    assert {r.code for r in report.results} == set(REGISTERED)
    for result in report.results:
        assert result.status is Status.PASSED, f"{result.code}: {result.status} {result.detail}"
    assert not report.findings


def test_missing_inputs_mean_skipped_not_passed():
    tables = {"trainees": api.empty_table("trainees", "trainees.csv")}
    report = api.audit_tables(
        tables, policy=Policy(), lang="en", rules=None, only_tables=None,
        audit_date=dt.date(2021, 6, 30), progress=lambda *a: None, tracer=None,
    )  # fmt: skip
    by_code = {r.code: r for r in report.results}
    for code in ("C301", "P401", "P407", "R207"):
        if code in by_code:
            assert by_code[code].status is Status.SKIPPED
            assert "no " in by_code[code].detail
    assert by_code["R202"].status is Status.PASSED
    assert Severity.ERROR > Severity.WARNING > Severity.INFO


def test_every_rule_has_chinese_doc():
    from trainaudit.report.console import explain_rule
    from trainaudit.rules.docs_zh import DOCS_ZH
    from trainaudit.rules.registry import get_rule

    for rule in all_rules():
        assert rule.code in DOCS_ZH, f"{rule.code} has no DOCS_ZH entry"
        assert re.search(r"[\u4e00-\u9fff]", DOCS_ZH[rule.code]), rule.code
    text = explain_rule(get_rule("P403"), "zh")
    assert "1000" in text
    assert DOCS_ZH["P403"] in text


def _traced(rules: list[str] | None) -> list[tuple[str, str]]:
    """(label, SQL) of every query an audit of empty tables runs."""
    seen: list[tuple[str, str]] = []
    tables = {t: api.empty_table(t, f"{t}.csv") for t in TABLES}
    api.audit_tables(
        tables, policy=Policy(), lang="en", rules=rules, only_tables=None,
        audit_date=dt.date(2021, 6, 30), progress=lambda *a: None,
        tracer=lambda label, sql, seconds: seen.append((label, sql)),
    )  # fmt: skip
    return seen


def test_rule_sql_reads_exactly_the_staging_tables_it_declares():
    from trainaudit.rules.staging import STAGES

    traced = _traced(None)
    for code, rule in REGISTERED.items():
        read = {s for label, sql in traced if label == code for s in re.findall(r"stage_\w+", sql)}
        assert read == set(rule.stages), code
    for name, stage in STAGES.items():
        built = [sql for label, sql in traced if label == f"stage {name}"]
        assert len(built) == 1, f"{name} is built once per audit"
        reads = set(re.findall(r"stage_\w+", built[0].split(" AS ", 1)[1]))
        assert reads == set(stage.after), name


def test_every_staging_table_is_documented_with_its_readers():
    from trainaudit.rules.staging import STAGES

    for name, stage in STAGES.items():
        assert stage.used_by, f"{name} is read by no rule"
        for code in stage.used_by:
            assert code in stage.doc, f"{name}: its doc does not name {code}"


def test_a_rule_run_alone_builds_only_the_staging_tables_it_reads():
    built = {label for label, _ in _traced(["P409"]) if label.startswith("stage ")}
    assert built == {"stage stage_payment_certificate"}
    assert not [label for label, _ in _traced(["R201"]) if label.startswith("stage ")]

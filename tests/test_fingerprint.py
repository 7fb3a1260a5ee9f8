"""Fingerprints, waivers and baselines: what lets yesterday's accepted findings stay quiet."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from casefile import expand

from trainaudit import api
from trainaudit.errors import InputError
from trainaudit.model import FINDING_COLUMNS
from trainaudit.report.files import write_findings
from trainaudit.waivers import load_waivers

AUDIT_DATE = dt.date(2021, 6, 30)
HEADER = ["序号", "姓名", "身份证号码", "性别", "培训机构", "班级编号", "培训工种", "培训等级",
          "开班日期", "结业日期"]  # fmt: skip
A = "@140105-19900102-123"
B = "@140107-19850506-222"
ROWS = [
    ["张伟", A, "男", "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"],
    ["张伟", A, "男", "甲机构", "C2", "电工", "中级工", "2021-03-01", "2021-03-20"],  # R202
    ["李娜", B, "男", "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"],  # I108
    ["李娜", B, "女", "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"],  # R201
    ["李娜", B, "女", "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"],  # R201 again
]


def roster(path: Path, rows: list[list[str]], title: bool = False) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        if title:
            writer.writerow(["2021年第一批培训花名册"])
        writer.writerow(HEADER)
        for n, row in enumerate(rows, start=1):
            writer.writerow([n, *(expand(v) for v in row)])
    return path


def fingerprints(report) -> dict[str, tuple[str, str]]:
    return {f.fingerprint: (f.rule, f.subject) for f in report.findings}


def test_fingerprint_survives_reordering_and_moved_rows(tmp_path):
    before = api.audit(trainees=roster(tmp_path / "a.csv", ROWS), lang="en", audit_date=AUDIT_DATE)
    shuffled = [ROWS[4], ROWS[1], ROWS[3], ROWS[0], ROWS[2]]
    after = api.audit(trainees=roster(tmp_path / "b.csv", shuffled, title=True), lang="en",
                      audit_date=AUDIT_DATE)  # fmt: skip
    assert {f.rule for f in before.findings} >= {"R202", "I108", "R201"}
    assert fingerprints(before) == fingerprints(after)
    assert {f.row for f in before.findings} != {f.row for f in after.findings}
    assert len(fingerprints(before)) == len(before.findings), "unique within a run"


def test_fingerprint_is_the_same_with_a_history_store(tmp_path):
    """Keys come from the Arrow data of the few flagged rows, or, when history rows are
    appended to today's (the tables are then copied into DuckDB), from a query: both
    give one fingerprint."""
    path = roster(tmp_path / "r.csv", ROWS)
    store = tmp_path / "history.duckdb"
    api.init_history(store)
    alone = api.audit(trainees=path, lang="en", audit_date=AUDIT_DATE)
    with_history = api.audit(trainees=path, lang="en", audit_date=AUDIT_DATE, history=store)
    assert len(alone.findings) >= 4
    assert fingerprints(with_history) == fingerprints(alone)


def test_fingerprint_follows_the_business_key_not_the_spelling(tmp_path):
    before = api.audit(trainees=roster(tmp_path / "a.csv", ROWS), lang="en", audit_date=AUDIT_DATE)
    respelled = [list(r) for r in ROWS]
    respelled[1][6] = "4"  # level 4 = 四级 = 中级工
    respelled[1][7] = "2021年3月1日"
    same = api.audit(
        trainees=roster(tmp_path / "b.csv", respelled), lang="en", audit_date=AUDIT_DATE
    )
    assert fingerprints(same) == fingerprints(before)
    moved = [list(r) for r in ROWS]
    moved[1][4] = "C3"  # another class: another claim
    other = api.audit(trainees=roster(tmp_path / "c.csv", moved), lang="en", audit_date=AUDIT_DATE)
    r202 = {fp for fp, (rule, _) in fingerprints(before).items() if rule == "R202"}
    assert r202 and not r202 & set(fingerprints(other))


def test_findings_file_has_the_fingerprint_after_the_spec_columns(tmp_path):
    report = api.audit(trainees=roster(tmp_path / "a.csv", ROWS), lang="en", audit_date=AUDIT_DATE)
    out = tmp_path / "f.csv"
    write_findings(report.findings, out)
    header = next(csv.reader(out.open(encoding="utf-8-sig")))
    assert tuple(header[: len(FINDING_COLUMNS)]) == FINDING_COLUMNS
    assert header[-1] == "fingerprint"
    for suffix in (".jsonl", ".parquet", ".csv"):
        path = tmp_path / f"f{suffix}"
        write_findings(report.findings, path)
        assert api.diff(path, out).counts() == {"new": 0, "resolved": 0, "known": 0,
                                                "persisting": len(report.findings)}  # fmt: skip


def waivers_file(path: Path, lines: list[list[str]], header=("fingerprint", "reason", "who", "until"),
                 encoding="utf-8") -> Path:  # fmt: skip
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(lines)
    return path


def test_an_expired_waiver_applies_no_more(tmp_path):
    path = roster(tmp_path / "a.csv", ROWS)
    report = api.audit(trainees=path, lang="en", audit_date=AUDIT_DATE)
    (r202,) = [f for f in report.findings if f.rule == "R202"]
    waivers = waivers_file(
        tmp_path / "w.csv", [[r202.fingerprint, "复训经批准", "王审计", "2021-06-30"]]
    )
    on_the_day = api.audit(trainees=path, lang="en", audit_date=AUDIT_DATE, waivers=waivers)
    assert "R202" not in {f.rule for f in on_the_day.findings}
    assert [(f.rule, w.who) for f, w in on_the_day.waived] == [("R202", "王审计")]
    assert {r.code: r.detail for r in on_the_day.results}["R202"] == "1 waived"
    day_after = api.audit(trainees=path, lang="en", audit_date=AUDIT_DATE + dt.timedelta(days=1),
                          waivers=waivers)  # fmt: skip
    assert "R202" in {f.rule for f in day_after.findings}
    assert not day_after.waived and [w.fingerprint for w in day_after.expired_waivers] == [
        r202.fingerprint
    ]


def test_waivers_file_forms_and_mistakes(tmp_path):
    fp = "R202-0123456789abcdef"
    zh = waivers_file(tmp_path / "zh.csv", [[fp, "理由", "王审计", "2021年12月31日", "备注"]],
                      header=("指纹", "理由", "审批人", "有效期至", "说明"), encoding="utf-8-sig")  # fmt: skip
    assert load_waivers(zh)[fp].until == dt.date(2021, 12, 31)
    gbk = waivers_file(tmp_path / "gbk.csv", [["# 注释", "", "", ""], [fp, "理由", "王审计", ""]],
                       encoding="gb18030")  # fmt: skip
    assert load_waivers(gbk)[fp].until is None
    mistakes = {
        "not a fingerprint": [["R202-xyz", "r", "w", ""]],
        "who is blank": [[fp, "r", "", ""]],
        "is not a date": [[fp, "r", "w", "someday"]],
        "already waived on line 2": [[fp, "r", "w", ""], [fp, "r", "w", ""]],
    }
    for message, lines in mistakes.items():
        with pytest.raises(InputError, match=message):
            load_waivers(waivers_file(tmp_path / "bad.csv", lines))
    with pytest.raises(InputError, match="no column for who"):
        load_waivers(
            waivers_file(tmp_path / "h.csv", [[fp, "r"]], header=("fingerprint", "reason"))
        )


def test_waived_findings_are_listed_not_coloured_and_do_not_fail(tmp_path):
    path = roster(tmp_path / "a.csv", ROWS)
    report = api.audit(trainees=path, lang="en", audit_date=AUDIT_DATE)
    errors = [f for f in report.findings if f.severity.label == "error"]
    lines = [[f.fingerprint, "核实无误", "王审计", ""] for f in errors]
    waived = api.audit(trainees=path, lang="en", audit_date=AUDIT_DATE,
                       waivers=waivers_file(tmp_path / "w.csv", lines))  # fmt: skip
    assert waived.count_at_or_above(errors[0].severity) == 0
    out = tmp_path / "report.xlsx"
    api.write_outputs(waived, out=out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["trainees", "Findings", "Waived", "Summary"]
    listed = list(wb["Waived"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[8] for r in listed) == sorted(f.fingerprint for f in errors)
    fills = {
        c.fill.fgColor.rgb for row in wb["trainees"].iter_rows() for c in row if c.fill.fill_type
    }
    assert not any(rgb.endswith("FFC7CE") for rgb in fills), "no waived error is red"


def test_baseline_reports_only_new_findings(tmp_path):
    first = api.audit(
        trainees=roster(tmp_path / "a.csv", ROWS[:3]), lang="en", audit_date=AUDIT_DATE
    )
    old = tmp_path / "old.jsonl"
    write_findings(first.findings, old)
    again = api.audit(trainees=roster(tmp_path / "b.csv", ROWS), lang="en", audit_date=AUDIT_DATE,
                      baseline=old)  # fmt: skip
    assert {f.rule for f in again.findings} == {"R201", "D007"}  # the two pasted lines
    assert len(again.baselined) == len(first.findings)

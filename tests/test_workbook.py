"""The annotated workbook: reopen what write_workbook wrote and compare normalised dumps."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest
from openpyxl.styles import Font

from trainaudit.io.readers import LoadedTable
from trainaudit.model import AuditReport, Finding, InputFile, RuleResult, Severity, Status
from trainaudit.report import workbook
from trainaudit.report.workbook import write_workbook

ERROR_FILL = "FFC7CE"
WARNING_FILL = "FFEB9C"

ROSTER_HEADER = ["序号", "姓名", "身份证号码", "培训机构", "县区", "备注"]
ROSTER_ROWS = [
    ["1", "王小明", "11010119900307123X", "阳光职业培训学校", "东城区", ""],
    ["2", "测试", "110101199003071234", "阳光职业培训学校", "东城区", "=1+2"],
    ["3", "李华", "110101199003075678", "明德技校", "西城区", "@note"],
]
ROSTER_COLUMNS = {
    "name": "姓名",
    "id_number": "身份证号码",
    "institution": "培训机构",
    "county": "县区",
}

PAYMENT_HEADER = ["支付编号", "身份证号码", "金额", "银行账号", "备注"]
PAYMENT_ROWS = [
    ["P001", "11010119900307123X", "800", "6222020200112233445", "+86 10 1234"],
    ["P002", "110101199003071234", "1500", "6222020200112233445", "=1+2"],
    ["P003", "110101199003075678", "300", "6222020200112233445", "-5"],
]
PAYMENT_COLUMNS = {
    "payment_id": "支付编号",
    "id_number": "身份证号码",
    "amount": "金额",
    "account": "银行账号",
}


# --------------------------------------------------------------------------- inputs


def write_roster_xlsx(path: Path) -> None:
    """A clerk's workbook: a merged title row, a bold header on row 2, a second sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws["A1"] = "2020年职业技能培训花名册"
    ws.merge_cells("A1:F1")
    for c, header in enumerate(ROSTER_HEADER, start=1):
        cell = ws.cell(2, c, header)
        cell.font = Font(bold=True)
    for r, row in enumerate(ROSTER_ROWS, start=3):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(r, c, value or None)
            cell.data_type = "s"  # the user typed "=1+2" as text
    wb.create_sheet("说明")["A1"] = "填表说明"
    wb.save(path)


def write_payments_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(PAYMENT_HEADER)
        writer.writerows(PAYMENT_ROWS)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def loaded(
    name: str,
    path: Path,
    kind: str,
    sheet: str,
    header: list[str],
    rows: list[list[str]],
    columns: dict[str, str],
    first_row: int,
    header_row: int,
) -> LoadedTable:
    row_numbers = list(range(first_row, first_row + len(rows)))
    original = {h: [row[i] for row in rows] for i, h in enumerate(header)}
    original["_row"] = row_numbers
    data = {canon: [row[header.index(h)] for row in rows] for canon, h in columns.items()}
    data.update(_source=[str(path)] * len(rows), _sheet=[sheet] * len(rows), _row=row_numbers)
    info = InputFile(
        table=name,
        path=str(path),
        sha256=sha256(path),
        sheet=sheet,
        rows=len(rows),
        columns=columns,
        header_row=header_row,
        kind=kind,
    )
    return LoadedTable(
        name=name,
        info=info,
        data=pa.table(data),
        original=pa.table(original),
        column_index={canon: header.index(h) for canon, h in columns.items()},
        present=frozenset(columns),
    )


def finding(
    rule: str,
    name: str,
    severity: Severity,
    table: str,
    row: int | None,
    column: str,
    message: str,
    id_number: str | None = None,
    subject: str = "",
) -> Finding:
    return Finding(
        rule=rule,
        name=name,
        severity=severity,
        table=table,
        row=row,
        id_number=id_number,
        subject=subject or (id_number or ""),
        message=message,
        column=column,
    )


FINDINGS = [
    finding(
        "I102",
        "id-checksum",
        Severity.ERROR,
        "trainees",
        4,
        "id_number",
        "身份证校验位错误",
        "110101199003071234",
    ),
    finding(
        "F506",
        "watchlisted-id",
        Severity.ERROR,
        "trainees",
        4,
        "id_number",
        "身份证号码在比对名单中",
        "110101199003071234",
    ),
    finding(
        "F507",
        "placeholder-name",
        Severity.WARNING,
        "trainees",
        4,
        "name",
        "姓名为占位词",
        "110101199003071234",
    ),
    finding(
        "R204",
        "overlapping-training",
        Severity.ERROR,
        "trainees",
        5,
        "",
        "培训时间重叠",
        "110101199003075678",
    ),
    finding(
        "R205",
        "class-size",
        Severity.WARNING,
        "trainees",
        None,
        "",
        "班级人数超过60人",
        subject="C2020-01",
    ),
    finding(
        "P403",
        "payment-over-cap",
        Severity.ERROR,
        "payments",
        3,
        "amount",
        "金额超过补贴上限",
        "110101199003071234",
    ),
    finding(
        "F502",
        "shared-account",
        Severity.WARNING,
        "payments",
        4,
        "account",
        "同一账号收款人数过多",
        "110101199003075678",
    ),
]


def make_report(tables: dict[str, LoadedTable], findings: list[Finding]) -> AuditReport:
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    results = [
        RuleResult(fs[0].rule, fs[0].name, fs[0].severity, Status.FAILED, tuple(fs))
        for fs in by_rule.values()
    ]
    results.append(RuleResult("I101", "id-format", Severity.ERROR, Status.PASSED))
    results.append(
        RuleResult(
            "R207",
            "occupation-not-in-catalogue",
            Severity.ERROR,
            Status.SKIPPED,
            detail="no occupations table given",
        )
    )
    return AuditReport(
        results=results,
        inputs={name: t.info for name, t in tables.items()},
        policy={
            "max_trainings_per_year": 3,
            "certificate_subsidy": {"专项职业能力": 150},
            "training_cap": 1000.0,
        },
        version="0.1.0",
        lang="zh",
        findings=sorted(findings, key=Finding.sort_key),
        tables=tables,
        audit_date="2021-03-01",
    )


@pytest.fixture
def roster(tmp_path: Path) -> LoadedTable:
    path = tmp_path / "roster.xlsx"
    write_roster_xlsx(path)
    return loaded(
        "trainees",
        path,
        "xlsx",
        "花名册",
        ROSTER_HEADER,
        ROSTER_ROWS,
        ROSTER_COLUMNS,
        first_row=3,
        header_row=2,
    )


@pytest.fixture
def payments(tmp_path: Path) -> LoadedTable:
    path = tmp_path / "payments.csv"
    write_payments_csv(path)
    return loaded(
        "payments",
        path,
        "csv",
        "",
        PAYMENT_HEADER,
        PAYMENT_ROWS,
        PAYMENT_COLUMNS,
        first_row=2,
        header_row=1,
    )


# --------------------------------------------------------------------------- dumps


def dump(ws) -> list[list]:
    """A sheet as a list of rows of values, trailing empty cells dropped."""
    rows = []
    for row in ws.iter_rows(values_only=True):
        values = list(row)
        while values and values[-1] is None:
            values.pop()
        rows.append(values)
    return rows


def fill(cell) -> str | None:
    if cell.fill is None or cell.fill.fill_type != "solid":
        return None
    return str(cell.fill.start_color.rgb)[-6:]


def link_target(wb, cell):
    """Follow an internal hyperlink `'Sheet'!C5` to the cell it names."""
    assert cell.hyperlink is not None, f"no hyperlink on {cell.coordinate}"
    location = cell.hyperlink.location
    assert location, "the hyperlink is not internal"
    sheet, coordinate = location.rsplit("!", 1)
    return wb[sheet.strip("'").replace("''", "'")][coordinate]


def findings_rows(wb, sheet: str = "") -> list[dict]:
    sheet = sheet or ("Findings" if "Findings" in wb.sheetnames else "问题清单")
    """The Findings sheet as dicts of header -> cell."""
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, row, strict=False)) for row in ws.iter_rows(min_row=2)]


def summary_line(wb, first: str) -> list:
    for row in dump(wb["Summary" if "Summary" in wb.sheetnames else "汇总"]):
        if row and row[0] == first:
            return row
    raise AssertionError(f"no Summary line starting with {first!r}")


# --------------------------------------------------------------------------- tests


def test_annotated_copy_of_the_users_workbook(tmp_path, roster, payments):
    before = sha256(Path(roster.info.path))
    out = tmp_path / "out" / "report.xlsx"
    write_workbook(make_report({"trainees": roster, "payments": payments}, FINDINGS), out, "en")

    assert sha256(Path(roster.info.path)) == before, "the input must never be modified"
    assert sorted(p.name for p in out.parent.iterdir()) == ["report.xlsx"], "no temp file left"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["花名册", "说明", "payments", "Findings", "Summary"]

    ws = wb["花名册"]
    # the user's sheet, values and formatting survive
    assert dump(ws)[:2] == [["2020年职业技能培训花名册"], ROSTER_HEADER]
    assert ws["B2"].font.bold
    assert "A1:F1" in {str(r) for r in ws.merged_cells.ranges}
    assert wb["说明"]["A1"].value == "填表说明"

    # two errors and a warning on one row: the ID cell carries both error codes, red
    assert fill(ws["C4"]) == ERROR_FILL
    assert "I102" in ws["C4"].comment.text and "F506" in ws["C4"].comment.text
    assert fill(ws["B4"]) == WARNING_FILL and "F507" in ws["B4"].comment.text
    # no column named: the first cell of the row
    assert fill(ws["A5"]) == ERROR_FILL and "R204" in ws["A5"].comment.text
    assert ws["C3"].comment is None and fill(ws["C3"]) is None

    # IDs stay text, "=1+2" typed by the user stays a string
    assert ws["C4"].data_type == "s" and ws["C4"].value == "110101199003071234"
    assert ws["F4"].value == "=1+2" and ws["F4"].data_type == "s"


def test_findings_sheet_one_row_per_finding_with_links(tmp_path, roster, payments):
    out = tmp_path / "report.xlsx"
    report = make_report({"trainees": roster, "payments": payments}, FINDINGS)
    write_workbook(report, out, "en")
    wb = openpyxl.load_workbook(out)

    ws = wb["Findings"]
    header = [c.value for c in ws[1]]
    assert header[:8] == [
        "rule",
        "name",
        "severity",
        "table",
        "row",
        "id_number",
        "subject",
        "message",
    ]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")

    rows = findings_rows(wb)
    assert [r["rule"].value for r in rows] == [f.rule for f in report.findings]
    assert [r["row"].value for r in rows] == [f.row for f in report.findings]
    for row in rows:
        if row["row"].value is None:  # the class-level finding has no cell to link to
            assert row["rule"].value == "R205" and row["subject"].value == "C2020-01"
            assert row["row"].hyperlink is None
            continue
        target = link_target(wb, row["row"])
        assert target.comment is not None and row["rule"].value in target.comment.text
        if row["id_number"].value:
            assert row["id_number"].data_type == "s" and row["id_number"].number_format == "@"

    by_rule = {r["rule"].value: r for r in rows}
    assert by_rule["I102"]["row"].hyperlink.location == "'花名册'!C4"
    assert by_rule["P403"]["row"].hyperlink.location == "'payments'!D3"


def test_csv_table_becomes_a_fresh_sheet_with_row_numbers(tmp_path, roster, payments):
    out = tmp_path / "report.xlsx"
    write_workbook(make_report({"trainees": roster, "payments": payments}, FINDINGS), out, "en")
    ws = openpyxl.load_workbook(out)["payments"]

    assert dump(ws) == [["row", *PAYMENT_HEADER]] + [
        [n, *row] for n, row in enumerate(PAYMENT_ROWS, start=2)
    ]
    assert fill(ws["D3"]) == ERROR_FILL and "P403" in ws["D3"].comment.text
    assert fill(ws["E4"]) == WARNING_FILL and "F502" in ws["E4"].comment.text
    for row in ws.iter_rows(min_row=2):
        assert all(c.data_type == "s" for c in row[1:] if c.value is not None)
        assert row[2].number_format == "@" and row[4].number_format == "@"  # ID, account
    assert ws["F3"].value == "=1+2" and ws["F3"].data_type == "s"
    assert ws["F2"].value == "+86 10 1234" and ws["F4"].value == "-5"


def test_summary_lists_every_rule_and_the_manifest(tmp_path, roster, payments):
    out = tmp_path / "report.xlsx"
    write_workbook(make_report({"trainees": roster, "payments": payments}, FINDINGS), out, "en")
    wb = openpyxl.load_workbook(out)
    ws = wb["Summary"]

    assert summary_line(wb, "R207")[1:6] == [
        "occupation-not-in-catalogue",
        "error",
        "skipped",
        0,
        "no occupations table given",
    ]
    assert summary_line(wb, "I101")[3:5] == ["passed", 0]
    assert summary_line(wb, "I102")[3:5] == ["failed", 1]
    # institution and county of the flagged rows: row 4 (I102, F506, F507) and row 5 (R204)
    assert summary_line(wb, "阳光职业培训学校")[1:] == [2, 1, 0, 3]
    assert summary_line(wb, "明德技校")[1:] == [1, 0, 0, 1]
    assert summary_line(wb, "西城区")[1:] == [1, 0, 0, 1]
    assert summary_line(wb, "(not row-level)")[1:] == [0, 1, 0, 1]
    assert len(ws._charts) == 1

    trainees = summary_line(wb, "trainees")
    assert trainees[2] == roster.info.sha256 and trainees[4:6] == [3, "xlsx"]
    assert "annotated" in trainees[6]
    assert summary_line(wb, "payments")[6] == "all 3 rows on sheet 'payments'"
    assert summary_line(wb, "max_trainings_per_year")[1:] == [
        3,
        "subsidised trainings per person a year, at most",
        "《山西省职业技能提升行动实施方案（2019—2021年）》",
    ]  # the document a default comes from, by title (SPEC §0), never a seed file
    assert summary_line(wb, "certificate_subsidy.专项职业能力")[1] == 150
    assert summary_line(wb, "trainaudit version")[1] == "0.1.0"
    assert summary_line(wb, "audit date")[1] == "2021-03-01"


def test_csv_only_is_written_fresh_in_chinese(tmp_path, payments):
    out = tmp_path / "report.xlsx"
    findings = [f for f in FINDINGS if f.table == "payments"]
    write_workbook(make_report({"payments": payments}, findings), out, "zh")
    wb = openpyxl.load_workbook(out)

    # sheets by their Chinese names; the row-number column is 行号, never `_row`
    assert wb.sheetnames == ["支付", "问题清单", "汇总"]
    ws = wb["支付"]
    assert dump(ws)[0] == ["行号", *PAYMENT_HEADER]
    assert dump(ws)[1] == [2, *PAYMENT_ROWS[0]]
    assert ws["F3"].value == "=1+2" and ws["F3"].data_type == "s"
    assert ws["B2"].data_type == "s" and ws["C2"].number_format == "@"
    assert fill(ws["D3"]) == ERROR_FILL and "P403" in ws["D3"].comment.text
    assert ws["D3"].comment.text.startswith("P403 补贴超过标准【错误】：")

    header = [c.value for c in wb["问题清单"][1]]
    assert header[:8] == [
        "规则",
        "规则名称",
        "严重程度",
        "数据表",
        "行号",
        "身份证号码",
        "对象",
        "说明",
    ]
    rows = findings_rows(wb)
    assert [r["规则"].value for r in rows] == ["P403", "F502"]
    assert rows[0]["行号"].value == 3 and rows[0]["严重程度"].value == "错误"
    # table and column as the clerk names them, never `payments` / `amount`
    assert rows[0]["数据表"].value == "支付" and rows[0]["列"].value == "金额"
    assert link_target(wb, rows[0]["行号"]).coordinate == "D3"
    assert wb["问题清单"].freeze_panes == "A2"
    assert summary_line(wb, "R207")[3] == "跳过"
    # the Summary opens with the answer: findings, rows flagged, rows with an error, rules
    lines = dump(wb["汇总"])
    assert lines[0] == ["审核概况"]
    assert lines[1][:3] == ["问题总数", 2, "错误 1 条，警告 1 条，提示 0 条"]
    assert summary_line(wb, "有问题的行（支付）")[1] == 2
    assert summary_line(wb, "有“错误”的行（各表合计）")[1] == 1
    assert summary_line(wb, "发现问题的规则")[1:] == [2, "P403 (1)、F502 (1)"]
    assert summary_line(wb, "跳过的规则（缺少输入或列）")[2] == "R207"
    assert summary_line(wb, "支付")[4:6] == [3, "csv"]  # the inputs by their Chinese names
    overview_end = lines.index([])
    assert overview_end < lines.index(["按规则统计"]) < lines.index(["运行清单"])
    english = [
        v
        for row in lines
        for v in row
        if isinstance(v, str)
        and re.search(r"\b(rows?|rules?|findings?|passed|failed|skipped)\b", v)
    ]
    assert not english, english


def test_large_table_keeps_only_flagged_rows(tmp_path, payments, monkeypatch):
    monkeypatch.setattr(workbook, "FULL_ROWS_LIMIT", 2)
    out = tmp_path / "report.xlsx"
    findings = [f for f in FINDINGS if f.table == "payments"]
    write_workbook(make_report({"payments": payments}, findings), out, "en")
    wb = openpyxl.load_workbook(out)

    assert dump(wb["payments"]) == [
        ["row", *PAYMENT_HEADER],
        [3, *PAYMENT_ROWS[1]],
        [4, *PAYMENT_ROWS[2]],
    ]
    assert fill(wb["payments"]["D2"]) == ERROR_FILL
    rows = findings_rows(wb)
    assert link_target(wb, rows[1]["row"]).coordinate == "E3"  # F502 on user row 4
    assert summary_line(wb, "payments")[6] == (
        "more than 2 rows: only the 2 flagged rows (of 3) on sheet 'payments'"
    )


def test_user_sheet_names_are_kept(tmp_path, payments):
    path = tmp_path / "roster.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Findings"
    wb.active.append(ROSTER_HEADER[1:3])
    wb.active.append(ROSTER_ROWS[1][1:3])
    wb.create_sheet("payments")
    wb.save(path)
    roster = loaded(
        "trainees",
        path,
        "xlsx",
        "Findings",
        ROSTER_HEADER[1:3],
        [ROSTER_ROWS[1][1:3]],
        {"name": "姓名", "id_number": "身份证号码"},
        first_row=2,
        header_row=1,
    )
    findings = [
        finding(
            "I102",
            "id-checksum",
            Severity.ERROR,
            "trainees",
            2,
            "id_number",
            "校验位错误",
            "110101199003071234",
        )
    ]
    out = tmp_path / "report.xlsx"
    write_workbook(make_report({"trainees": roster, "payments": payments}, findings), out, "en")

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Findings", "payments", "payments (2)", "Findings (2)", "Summary"]
    assert "I102" in wb["Findings"]["B2"].comment.text
    link = findings_rows(wb, "Findings (2)")[0]["row"]
    assert link_target(wb, link).coordinate == "B2"


def test_merged_cells_rich_text_and_user_comments_survive(tmp_path, payments):
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.comments import Comment

    path = tmp_path / "roster.xlsx"
    write_roster_xlsx(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["花名册"]
    ws["D4"] = None
    ws.merge_cells("D3:D4")  # one institution cell for two trainees, as clerks do
    ws["F3"] = CellRichText(["请", TextBlock(InlineFont(b=True), "核对")])
    ws["C4"].comment = Comment("已电话核实", "clerk")
    wb.save(path)
    roster = loaded(
        "trainees",
        path,
        "xlsx",
        "花名册",
        ROSTER_HEADER,
        ROSTER_ROWS,
        ROSTER_COLUMNS,
        first_row=3,
        header_row=2,
    )
    findings = [
        finding("P407", "banned-institution", Severity.ERROR, "trainees", 4, "institution", "禁入"),
        *FINDINGS[:2],
    ]
    out = tmp_path / "report.xlsx"
    write_workbook(make_report({"trainees": roster, "payments": payments}, findings), out, "en")

    wb = openpyxl.load_workbook(out, rich_text=True)
    ws = wb["花名册"]
    assert "D3:D4" in {str(r) for r in ws.merged_cells.ranges}
    assert fill(ws["D3"]) == ERROR_FILL and "P407" in ws["D3"].comment.text
    assert isinstance(ws["F3"].value, CellRichText) and str(ws["F3"].value) == "请核对"
    assert ws["C4"].comment.text.startswith("已电话核实") and "I102" in ws["C4"].comment.text
    p407 = next(r for r in findings_rows(wb) if r["rule"].value == "P407")
    assert link_target(wb, p407["row"]).coordinate == "D3"


@pytest.mark.parametrize("with_xlsx", [False, True], ids=["xlsxwriter", "openpyxl"])
def test_control_characters_and_odd_values_are_written(tmp_path, roster, payments, with_xlsx):
    rows = [[*PAYMENT_ROWS[0][:4], "bad\x01char"], [*PAYMENT_ROWS[1][:4], "#N/A"]]
    table = loaded(
        "payments",
        Path(payments.info.path),
        "csv",
        "",
        PAYMENT_HEADER,
        rows,
        PAYMENT_COLUMNS,
        first_row=2,
        header_row=1,
    )
    tables = {"trainees": roster, "payments": table} if with_xlsx else {"payments": table}
    report = make_report(tables, [])
    report.policy["nan"] = float("nan")
    out = tmp_path / "report.xlsx"
    write_workbook(report, out, "en")
    wb = openpyxl.load_workbook(out)
    assert wb["payments"]["F3"].value == "#N/A" and wb["payments"]["F3"].data_type == "s"
    assert wb["payments"]["F2"].value.startswith("bad")
    assert summary_line(wb, "R207")[3] == "skipped"


def test_a_failed_run_leaves_no_file(tmp_path, roster, payments, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(workbook, "_write_summary_sheet", boom)
    out = tmp_path / "out" / "report.xlsx"
    with pytest.raises(RuntimeError):
        write_workbook(make_report({"trainees": roster, "payments": payments}, FINDINGS), out)
    assert list(out.parent.iterdir()) == []


def test_workbook_too_large_to_copy_streams_its_flagged_rows(tmp_path, roster, monkeypatch):
    """Beyond KEEP_FORMAT_CELLS the user's book is not copied with openpyxl: its flagged
    rows go to a fresh sheet (xlsxwriter, streaming) and the Summary says so."""
    monkeypatch.setattr(workbook, "KEEP_FORMAT_CELLS", 5)
    out = tmp_path / "report.xlsx"
    findings = [f for f in FINDINGS if f.table == "trainees"]
    write_workbook(make_report({"trainees": roster}, findings), out, "en")
    wb = openpyxl.load_workbook(out)

    assert wb.sheetnames == ["trainees", "Findings", "Summary"]
    flagged = sorted({f.row for f in findings if f.row is not None})
    assert [r[0] for r in dump(wb["trainees"])[1:]] == flagged
    assert summary_line(wb, "trainees")[6].startswith(f"only the {len(flagged)} flagged rows")
    notes = [row[0] for row in dump(wb["Summary"]) if row and "streaming mode" in str(row[0])]
    assert notes and "copied with their formatting" in notes[0]


def test_comment_boxes_fit_their_text():
    """A short note gets a small box, a long Chinese one a wide box tall enough for all
    its wrapped lines; neither is the fixed size that hid text or left half a box empty."""
    short_w, short_h = workbook._comment_size("I102 id-checksum [错误]: 校验位错误")
    long_text = "\n".join(
        ["F501 shared-phone [警告]: " + "同一电话号码出现在多个不同人员的行上" * 3] * 3
    )
    long_w, long_h = workbook._comment_size(long_text)
    assert short_w < long_w == workbook.COMMENT_MAX_PX
    assert short_h < long_h
    chars_per_line = (long_w - 16) // (2 * workbook.CHAR_PX)
    wrapped = 3 * -(-len(long_text.splitlines()[0]) // chars_per_line)
    assert long_h >= wrapped * workbook.LINE_PX


def test_comment_boxes_in_the_file_have_the_size_of_their_text(tmp_path, roster, payments):
    """Both writers size each box in pixels from its text: the user's copy (openpyxl VML)
    and the fresh sheets (xlsxwriter)."""
    import zipfile

    out = tmp_path / "report.xlsx"
    write_workbook(make_report({"trainees": roster, "payments": payments}, FINDINGS), out, "zh")
    wb = openpyxl.load_workbook(out)
    texts = [c.comment.text for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.comment is not None]  # fmt: skip
    expected = {workbook._comment_size(t) for t in texts}
    with zipfile.ZipFile(out) as z:
        vml = b"".join(z.read(n) for n in z.namelist() if n.endswith(".vml")).decode()
    found = {(int(w), int(h)) for w, h in re.findall(r"width:(\d+)px;\s*height:(\d+)px", vml)}
    assert found and found <= expected, (found, expected)
    # Excel sizes a note by its anchor (corner cells), not by the CSS: every box has one
    shapes = re.findall(r"<\w+:shape ", vml)
    anchors = re.findall(
        r"<\w+:Anchor>(\d+), (\d+), (\d+), (\d+), (\d+), (\d+), (\d+), (\d+)<", vml
    )
    assert len(anchors) == len(shapes) == len(texts)
    assert all(int(a[4]) >= int(a[0]) and int(a[6]) >= int(a[2]) for a in anchors)

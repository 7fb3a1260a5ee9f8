"""The real-forms corpus: layouts clerks really send, rebuilt with FAKE people.

Each layout copies the shape of a public template or export (title rows, facts above
the header, headers as those systems spell them, footers, formats) and fills it with
made-up names (测试甲 …) and checksum-valid IDs of no one (trainaudit.ids.make_id), with
anomalies planted at known rows. `LAYOUTS` lists them with the exact (rule, row)
findings expected from the rules in `RULES`; `build(folder)` writes the files.

Run `python tests/forms/build.py DIR` to write them and time how long each takes to read.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from trainaudit.ids import make_id

RULES = ["D001", "D002", "D003", "D004", "I101", "I102"]
"""The rules whose findings each layout states exactly (the others depend on the mix
of people, not on the layout)."""

NAMES = ["测试甲", "测试乙", "测试丙", "测试丁", "测试戊"]
IDS = [make_id("110101", dt.date(1990, 1, 1) + dt.timedelta(days=97 * i), 11 + i) for i in range(5)]
BAD_CHECKSUM = IDS[0][:-1] + ("0" if IDS[0][-1] != "0" else "1")
"""Planted in the first record of most layouts: an I102."""


@dataclass
class Layout:
    name: str
    source: str
    """the public template or export whose shape it copies (repository and path)"""
    file: str
    table: str
    make: Callable[[], list[list[object]]] | None
    """rows of the sheet (None: `text` writes the file itself)"""
    expected: set[tuple[str, int | None]]
    fmt: str = "xlsx"
    merges: list[str] = field(default_factory=list)
    sheets: dict[str, list[list[object]]] = field(default_factory=dict)
    """other sheets before the roster (a cover, instructions, a summary)"""


def _people(n: int = 5) -> list[tuple[str, str]]:
    return [(NAMES[i], IDS[i]) for i in range(n)]


def _plain(
    header: list[str],
    values: Callable[[int, str, str], list[object]],
    *,
    above: list[list[object]] = (),
    below: list[list[object]] = (),
    bad_id: bool = True,
    blank_name: bool = True,
) -> Callable[[], list[list[object]]]:
    """Rows: `above`, the header, five records (the first with a bad checksum, the
    second without a name), then `below`."""

    def make() -> list[list[object]]:
        rows = [list(r) for r in above] + [header]
        for i, (name, id_number) in enumerate(_people()):
            if i == 0 and bad_id:
                id_number = BAD_CHECKSUM
            if i == 1 and blank_name:
                name = None
            rows.append(values(i, name, id_number))
        return rows + [list(r) for r in below]

    return make


def _std(i: int, name: str, id_number: str) -> list[object]:
    return [i + 1, name, "男" if i % 2 else "女", id_number]


FOOTER = [
    ["合  计", None, "5人"],
    ["单位（盖章）：", None, None, "填表日期：    年   月   日"],
    ["培训机构负责人：", None, "联系电话：", None],
]

LAYOUTS: list[Layout] = [
    Layout(
        "county_roster_with_facts",
        "county 花名册 template shape: title, 培训机构（印章）/培训专业/培训时间 above the header, "
        "合计 and signature lines below (issue 12, SPEC §2)",
        "county_roster.xlsx",
        "trainees",
        _plain(
            ["序号", "姓名", "性别", "身份证号码", "联系电话", "人员类别"],
            lambda i, n, d: [*_std(i, n, d), f"1390000000{i}", "城乡未继续升学的应届初高中毕业生"],
            above=[
                ["某某县2024年职业技能培训花名册"],
                [
                    "培训机构（印章）：测试职业培训学校    培训专业：中式烹调师   培训时间：2024年3月1日-2024年3月20日"
                ],
            ],
            below=FOOTER,
        ),
        {("I102", 4), ("D002", 5)},
        merges=["A1:F1", "A2:F2"],
    ),
    Layout(
        "union_roster_label_cells",
        "成都市总工会…培训学员花名册 export (a Vue page writing it with SheetJS: 培训机构 | value | "
        "工种班次 | value | 开班日期 | value above the header; found with find_string)",
        "union_roster.xlsx",
        "trainees",
        _plain(
            [
                "序号",
                "姓名",
                "性别",
                "身份证号码",
                "民族",
                "文化程度",
                "工种",
                "工作单位",
                "联系电话",
                "证书类型",
                "原技术等级",
                "培训等级",
                "证书编号",
                "家庭地址",
            ],  # fmt: skip
            lambda i, n, d: [
                *_std(i, n, d),
                "汉",
                "高中",
                "电工",
                "测试公司",
                "13900000000",
                "职业技能等级证书",
                None,
                "五级",
                None,
                None,
            ],  # fmt: skip
            above=[
                ["成都市总工会在职职工万人免费技能提升培训学员花名册"],
                [
                    "培训机构",
                    "测试培训学校",
                    None,
                    "工种班次",
                    "电工01班",
                    None,
                    "开班日期",
                    "2024-03-01",
                ],
            ],
        ),
        # no end date anywhere on this template: the one column it cannot give
        {("I102", 4), ("D002", 5), ("D001", None)},
    ),
    Layout(
        "hr_export_bilingual",
        "HR-system export with bilingual headers (中文_english), 职类/职级 columns that are not "
        "class or level (issue 12)",
        "hr_export.xlsx",
        "trainees",
        _plain(
            [
                "员工姓名_name",
                "证件号码_id_no",
                "培训项目名称_training_project_name",
                "职类_job_class",
                "职级_job_level",
                "培训机构_institution",
                "班级编号_class_no",
                "开始时间_start_time",
                "结束时间_end_time",
            ],  # fmt: skip
            lambda i, n, d: [
                n,
                d,
                "电工",
                "技术类",
                "P5",
                "测试培训学校",
                "2024-001",
                "2024-03-01",
                "2024-02-20" if i == 2 else "2024-03-20",
            ],  # fmt: skip
        ),
        {("I102", 2), ("D002", 3), ("D004", 4)},
    ),
    Layout(
        "hr_export_html_as_xls",
        "HR systems' 'Excel' export that is an HTML table saved as .xls (issue 12)",
        "hr_export_html.xls",
        "trainees",
        _plain(
            ["姓名", "身份证号", "培训机构名称", "班级名称", "培训工种", "开班时间", "结业时间"],
            lambda i, n, d: [n, d, "测试培训学校", "电工一期", "电工", "2024/3/1", "2024/3/20"],
            above=[["培训人员名单导出"]],
        ),
        {("I102", 3), ("D002", 4)},
        fmt="html",
    ),
    Layout(
        "spreadsheetml_as_xls",
        "15254714507/hr-ms webapp/src/main/resources/templates/down/employeesTemplates.ftl "
        "(an Excel 2003 XML workbook served as .xls)",
        "employees_2003.xls",
        "trainees",
        _plain(
            [
                "姓名",
                "身份证号码",
                "培训单位",
                "班次",
                "职业（工种）",
                "技能等级",
                "开班日期",
                "结业日期",
            ],  # fmt: skip
            lambda i, n, d: [
                n,
                d,
                "测试培训学校",
                "第3期",
                "育婴员",
                "四级",
                "2024-04-01",
                "2024.13.01" if i == 3 else "2024-04-15",
            ],  # fmt: skip
        ),
        {("I102", 2), ("D002", 3), ("D003", 5)},
        fmt="xml",
    ),
    Layout(
        "one_cell_period",
        "rosters with 培训起止时间 holding 2024.03.01-2024.03.20 (issue 12)",
        "period_cell.xlsx",
        "trainees",
        _plain(
            ["序号", "姓名", "身份证号码", "培训机构", "班级编号", "培训工种", "培训起止时间"],
            lambda i, n, d: [
                i + 1,
                n,
                d,
                "测试培训学校",
                "2024-007",
                "电工",
                "2024.03.01-" if i == 4 else "2024.03.01-2024.03.20",
            ],  # fmt: skip
            above=[["2024年第7期电工培训花名册"]],
        ),
        # the range that cannot be read is D003 in both dates it should give
        {("I102", 3), ("D002", 4), ("D003", 7)},
    ),
    Layout(
        "title_facts_in_brackets",
        "notice-style roster: （工种：中式烹调师 等级：五级） in the title, 班级编号/培训时间 "
        "written 2024.3.1至3.20 above the header (issue 12)",
        "title_facts.xlsx",
        "trainees",
        _plain(
            ["序号", "姓名", "性别", "身份证号码"],
            _std,
            above=[
                ["就业技能培训学员花名册（工种：中式烹调师 等级：五级）"],
                ["培训机构：测试培训学校  班级编号：2024-011  培训时间：2024.3.1至3.20"],
            ],
            below=[["制表人：", None, "审核人："]],
        ),
        {("I102", 4), ("D002", 5)},
    ),
    Layout(
        "group_headings_and_numbered_blanks",
        "county template printed with 第一组（n人） headings and numbered empty rows",
        "groups.xlsx",
        "trainees",
        lambda: [
            ["姓名", "身份证号码", "培训机构", "班级编号", "培训工种", "开班日期", "结业日期"],
            ["第一组（2人）"],
            [NAMES[0], BAD_CHECKSUM, "测试学校", "A1", "电工", "2024-03-01", "2024-03-20"],
            [None, IDS[1], "测试学校", "A1", "电工", "2024-03-01", "2024-03-20"],
            ["第二组（3人）"],
            [NAMES[2], IDS[2], "测试学校", "A1", "电工", "2024-03-01", "2024-03-20"],
            [NAMES[3], IDS[3], "测试学校", "A1", "电工", "2024-03-01", "2024-03-20"],
            [NAMES[4], IDS[4], "测试学校", "A1", "电工", "2024-03-01", "2024-03-20"],
        ],
        {("I102", 3), ("D002", 4)},
    ),
    Layout(
        "pages_pasted_together",
        "a printed roster pasted page after page: 本页小计 and the header again",
        "pages.xlsx",
        "trainees",
        lambda: [
            [
                "序号",
                "姓名",
                "身份证号码",
                "培训机构",
                "班级编号",
                "培训工种",
                "开班日期",
                "结业日期",
            ],
            [1, NAMES[0], BAD_CHECKSUM, "测试学校", "B2", "焊工", "2024-05-06", "2024-05-26"],
            [2, NAMES[1], IDS[1], "测试学校", "B2", "焊工", "2024-05-06", "2024-05-26"],
            ["本页小计", None, None, None, None, None, None, None],
            [
                "序号",
                "姓名",
                "身份证号码",
                "培训机构",
                "班级编号",
                "培训工种",
                "开班日期",
                "结业日期",
            ],
            [3, NAMES[2], IDS[2], "测试学校", "B2", "焊工", "2024-05-06", "2024-05-26"],
            [4, None, IDS[3], "测试学校", "B2", "焊工", "2024-05-06", "2024-05-26"],
        ],
        {("I102", 2), ("D002", 7)},
    ),
    Layout(
        "notes_after_the_table",
        "subsidy notice annex: 注：/说明： lines and a signature line after the table",
        "notes.xlsx",
        "trainees",
        _plain(
            ["姓名", "公民身份号码", "承训机构", "培训班次", "培训职业", "开班日期", "结业日期"],
            lambda i, n, d: [n, d, "测试学校", "C3", "保育员", "2024-06-01", "2024-06-10"],
            below=[
                ["注：1.本表一式三份；2.身份证号码须填写18位。"],
                ["说明：人员类别按政策文件填写"],
                ["经办人：", None, "负责人：", None, "联系电话："],
            ],
        ),
        {("I102", 2), ("D002", 3)},
    ),
    Layout(
        "decoy_headers",
        "headers that contain an alias but name something else: 职称等级, 职业培训补贴标准(元) "
        "beside 职业资格等级 and 培训工种 (issue 12)",
        "decoys.xlsx",
        "trainees",
        _plain(
            [
                "姓名",
                "身份证号码",
                "职称等级",
                "职业培训补贴标准(元)",
                "培训机构",
                "班级编号",
                "培训工种",
                "职业资格等级",
                "开班日期",
                "结业日期",
            ],  # fmt: skip
            lambda i, n, d: [
                n,
                d,
                "助理工程师",
                1200,
                "测试学校",
                "D4",
                "电工",
                "四级",
                "2024-07-01",
                "2024-07-20",
            ],  # fmt: skip
        ),
        {("I102", 2), ("D002", 3)},
    ),
    Layout(
        "roster_behind_other_sheets",
        "a 12-sheet HR workbook shape: instructions and a summary sheet before the roster",
        "many_sheets.xlsx",
        "trainees",
        _plain(
            ["姓名", "身份证号码", "培训机构", "班级编号", "培训工种", "开班日期", "结业日期"],
            lambda i, n, d: [n, d, "测试学校", "E5", "电工", "2024-08-01", "2024-08-20"],
        ),
        {("I102", 2), ("D002", 3)},
        sheets={
            "填表说明": [
                ["填表说明"],
                ["1. 姓名、职业等须与身份证一致"],
                ["2. 培训工种按目录填写"],
            ],
            "汇总": [["培训机构", "人数", "补贴标准"], ["测试学校", 5, 1200]],
        },
    ),
    Layout(
        "gb18030_csv_with_title",
        "county systems' CSV export in GB18030 with a title line and a total line",
        "roster_gbk.csv",
        "trainees",
        _plain(
            ["姓名", "证件号", "培训机构", "班级编号", "培训工种", "开班日期", "结业日期"],
            lambda i, n, d: [n, d, "测试学校", "F6", "电工", "2024年9月1日", "2024年9月20日"],
            above=[["某县培训人员花名册"]],
            below=[["合计", "5人"]],
        ),
        {("I102", 3), ("D002", 4)},
        fmt="csv",
    ),
    Layout(
        "two_level_header",
        "培训时间 merged over 开班日期 / 结业日期 (county template)",
        "two_level.xlsx",
        "trainees",
        _plain(
            ["姓名", "身份证号码", "培训机构", "班级编号", "培训工种", "开班日期", "结业日期"],
            lambda i, n, d: [
                n,
                d,
                "测试学校",
                "G7",
                "电工",
                "2024-10-20" if i == 3 else "2024-10-01",
                "2024-10-10",
            ],  # fmt: skip
            above=[
                ["姓名", "身份证号码", "培训机构", "班级编号", "培训工种", "培训时间", None],
            ],
        ),
        {("I102", 3), ("D002", 4), ("D004", 6)},
        merges=["F1:G1", "A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2"],
    ),
    Layout(
        "certificate_list",
        "certificate list as evaluation bodies publish it: 证书编号 姓名 证件号 职业（工种）名称 "
        "等级 获证时间 发证机关",
        "certificates.xlsx",
        "certificates",
        _plain(
            [
                "序号",
                "证书编号",
                "姓名",
                "证件号",
                "职业（工种）名称",
                "等级",
                "获证时间",
                "发证机关",
            ],
            lambda i, n, d: [
                i + 1,
                f"Z2024{i:05d}",
                n,
                d,
                "电工",
                "四级",
                "2024.13.01" if i == 2 else "2024.05.01",
                "测试评价机构",
            ],  # fmt: skip
            above=[["2024年职业技能等级证书获证人员名单"]],
        ),
        {("I102", 3), ("D002", 4), ("D003", 5)},
    ),
    Layout(
        "hrss_certificate_export",
        "HRSS system export whose columns carry the national field codes (aac147 证件号码, "
        "aac003 姓名, agc164 职业资格名称, age618 技工院校职业资格等级, age553 职业资格证书编号, "
        "age654 发放时间; a public Java @Excel entity found with find_string)",
        "hrss_certificates.xlsx",
        "certificates",
        _plain(
            [
                "证件号码",
                "姓名",
                "职业资格名称",
                "技工院校职业资格等级",
                "职业资格证书编号",
                "发放时间",
                "学籍编码",
                "证件类型",
            ],  # fmt: skip
            lambda i, n, d: [
                d,
                n,
                "数控车工",
                "高级工",
                f"S3702{i:06d}",
                "2024-06-30" if i != 4 else "2024-06",
                "X1",
                "居民身份证",
            ],  # fmt: skip
        ),
        {("I102", 2), ("D002", 3), ("D003", 6)},
    ),
]


def _write_xlsx(path: Path, layout: Layout) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in layout.sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    sheet = book.create_sheet("花名册")
    for row in layout.make():
        sheet.append(row)
    for ref in layout.merges:
        sheet.merge_cells(ref)
    book.save(path)


def _write_html(path: Path, layout: Layout) -> None:
    rows = layout.make()
    body = "".join(
        "<tr>" + "".join(f"<td>{'' if v is None else escape(str(v))}</td>" for v in row) + "</tr>"
        for row in rows
    )
    text = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
        f"<body><table border=1>{body}</table></body></html>"
    )
    path.write_text(text, encoding="utf-8")


def _write_spreadsheetml(path: Path, layout: Layout) -> None:
    rows = layout.make()
    xml_rows = []
    for row in rows:
        cells = "".join(
            f'<Cell><Data ss:Type="String">{escape(str(v))}</Data></Cell>'
            if v is not None
            else "<Cell/>"
            for v in row
        )
        xml_rows.append(f"<Row>{cells}</Row>")
    text = (
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        f'<Worksheet ss:Name="员工"><Table>{"".join(xml_rows)}</Table></Worksheet></Workbook>'
    )
    path.write_text(text, encoding="utf-8")


def _write_csv(path: Path, layout: Layout) -> None:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows([["" if v is None else v for v in row] for row in layout.make()])
    path.write_bytes(buffer.getvalue().encode("gb18030"))


WRITERS = {"xlsx": _write_xlsx, "html": _write_html, "xml": _write_spreadsheetml, "csv": _write_csv}


def build(folder: Path) -> dict[str, Path]:
    """Write every layout into `folder`; name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for layout in LAYOUTS:
        path = folder / layout.file
        WRITERS[layout.fmt](path, layout)
        out[layout.name] = path
    return out


if __name__ == "__main__":
    import time

    from trainaudit.io.readers import read_table

    paths = build(Path(sys.argv[1] if len(sys.argv) > 1 else "forms-out"))
    for layout in LAYOUTS:
        started = time.perf_counter()
        table = read_table(paths[layout.name], layout.table)
        ms = (time.perf_counter() - started) * 1000
        info = table.info
        print(f"{layout.name:36} {ms:6.1f} ms  header row {info.header_row}, {info.rows} rows, "
              f"dropped {list(info.dropped_rows)}")  # fmt: skip
        print("    " + "; ".join(f"{c} ← {h}" for c, h in info.columns.items()))

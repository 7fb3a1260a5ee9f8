"""The reading layer on files made the way clerks make them (SPEC §2, DOMAIN §3.4, §5).

Every file is written here, in tmp_path: openpyxl or xlsxwriter for workbooks, bytes for
text files.
"""

from __future__ import annotations

import codecs
import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from corpus import HEADER, one_line_error, random_sheets
from hypothesis import given, settings
from hypothesis import strategies as st

from trainaudit.errors import InputError
from trainaudit.ids import make_id
from trainaudit.io.normalise import normalise_level, normalise_table, parse_date
from trainaudit.io.readers import ReadLimits, read_table

ID1 = "11010519491231002X"
ID2 = "440524188001010014"
ID3 = make_id("500101", dt.date(1985, 3, 4), 17)
NUMERIC_ID = 370523196906116000  # what Excel keeps of 370523196906116xxx typed as a number
ROWS = [
    ["张三", ID1, "阳光职业培训学校", "B2019-01", "电工", "初级工", "2019-07-01", "2019-07-15"],
    ["李四", ID2, "阳光职业培训学校", "B2019-01", "电工", "初级工", "2019-07-01", "2019-07-15"],
    ["王五", ID3, "明德技校", "B2019-02", "焊工", "中级工", "2019-08-01", "2019-08-20"],
]


def _xlsx(path: Path, sheets: dict[str, dict], active: str | None = None) -> Path:
    """sheets: name -> {"cells": {(row, col): value} (1-based), "merge": [...], "state": ...}."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, spec in sheets.items():
        ws = wb.create_sheet(name)
        for (r, c), value in spec.get("cells", {}).items():
            ws.cell(r, c, value)
        for rng in spec.get("merge", []):
            ws.merge_cells(rng)
        if "state" in spec:
            ws.sheet_state = spec["state"]
    if active:
        wb.active = wb.sheetnames.index(active)
    wb.save(path)
    return path


def _block(rows: list[list], top: int = 1, left: int = 1) -> dict[tuple[int, int], object]:
    return {
        (top + i, left + j): v
        for i, row in enumerate(rows)
        for j, v in enumerate(row)
        if v is not None
    }


def _column(table, name: str) -> list:
    return table.data.column(name).to_pylist()


# --- xlsx layouts -------------------------------------------------------------------------


def test_title_rows_above_the_header(tmp_path):
    cells = {
        (1, 1): "2019年XX县职业技能培训补贴人员花名册",
        (2, 1): "培训机构（盖章）：阳光  填报日期：2019年7月1日",
    }
    cells.update(_block([HEADER, *ROWS], top=3))
    path = _xlsx(
        tmp_path / "roster.xlsx", {"花名册": {"cells": cells, "merge": ["A1:H1", "A2:H2"]}}
    )
    table = read_table(path, "trainees")
    assert _column(table, "_row") == [4, 5, 6]  # the rows Excel shows
    assert table.info.header_row == 3
    assert _column(table, "name") == ["张三", "李四", "王五"]
    assert _column(table, "id_number__numeric") == [False, False, False]
    assert _column(table, "_sheet") == ["花名册"] * 3
    assert _column(table, "_source") == ["roster.xlsx"] * 3
    assert table.column_index["id_number"] == 1
    assert table.present == frozenset(
        {
            "name",
            "id_number",
            "institution",
            "class_id",
            "occupation",
            "level",
            "start_date",
            "end_date",
        }
    )
    assert table.original.column("_row").to_pylist() == [4, 5, 6]
    assert table.original.column("身份证号码").to_pylist() == [ID1, ID2, ID3]


def test_two_level_merged_header(tmp_path):
    top = ["姓名", "身份证号码", "培训机构", "班级编号", "培训工种", "培训等级", "培训时间", None]
    sub = [None, None, None, None, None, None, "开班日期", "结业日期"]
    cells = {(1, 1): "花名册"}
    cells.update(_block([top, sub, *ROWS], top=2))
    merges = ["A1:H1", "G2:H2"] + [f"{c}2:{c}3" for c in "ABCDEF"]
    path = _xlsx(tmp_path / "two_level.xlsx", {"Sheet1": {"cells": cells, "merge": merges}})
    table = read_table(path, "trainees")
    assert table.info.header_row == 3
    assert _column(table, "_row") == [4, 5, 6]
    assert table.column_index["start_date"] == 6 and table.column_index["end_date"] == 7
    assert _column(table, "start_date") == ["2019-07-01", "2019-07-01", "2019-08-01"]
    assert _column(table, "end_date") == ["2019-07-15", "2019-07-15", "2019-08-20"]
    assert _column(table, "name") == ["张三", "李四", "王五"]


def test_two_level_header_whose_lower_row_names_no_column(tmp_path):
    """An HR roster (优格科技员工花名册 in sunye520/check-work): every header cell merged down
    over two rows but 工龄, split into 年 / 月 beneath. The lower row is header too."""
    top = [*HEADER, "工龄", None]
    sub = [None] * len(HEADER) + ["年", "月"]
    cells = {(1, 1): "员工花名册"}
    cells.update(_block([top, sub, *ROWS], top=2))
    letters = "ABCDEFGHIJ"
    merges = ["A1:J1", "I2:J2"] + [f"{c}2:{c}3" for c in letters[: len(HEADER)]]
    path = _xlsx(tmp_path / "hr.xlsx", {"Sheet1": {"cells": cells, "merge": merges}})
    table = read_table(path, "trainees")
    assert table.info.header_row == 3
    assert table.info.dropped_rows == ()
    assert _column(table, "_row") == [4, 5, 6]


def test_vertically_merged_data_cells_are_filled_down(tmp_path):
    rows = [list(r) for r in ROWS] + [
        [
            "赵六",
            make_id("110101", dt.date(1990, 1, 1), 3),
            None,
            None,
            "焊工",
            "中级工",
            None,
            None,
        ]
    ]
    for r in rows[1:]:
        r[2] = None  # institution merged over the rows below
    rows[3][3] = None
    rows[3][6:8] = [None, None]
    cells = _block([HEADER, *rows], top=1)
    merges = ["C2:C5", "D4:D5", "G4:H5"]  # one institution; a class; a date block over two columns
    path = _xlsx(tmp_path / "merged.xlsx", {"Sheet1": {"cells": cells, "merge": merges}})
    table = read_table(path, "trainees")
    assert _column(table, "_row") == [2, 3, 4, 5]
    assert _column(table, "institution") == ["阳光职业培训学校"] * 4
    assert _column(table, "class_id") == ["B2019-01", "B2019-01", "B2019-02", "B2019-02"]
    assert _column(table, "start_date")[2:] == ["2019-08-01", "2019-08-01"]
    assert _column(table, "end_date")[2:] == [
        "2019-08-01",
        "2019-08-01",
    ]  # top-left value spans right
    # the original-layout copy keeps what the user wrote, for the annotated copy
    assert table.original.column("培训机构").to_pylist()[0] == "阳光职业培训学校"


def test_table_starting_at_c3(tmp_path):
    cells = _block([HEADER, *ROWS], top=3, left=3)
    path = _xlsx(tmp_path / "c3.xlsx", {"Sheet1": {"cells": cells}})
    table = read_table(path, "trainees")
    assert _column(table, "_row") == [4, 5, 6]
    assert table.info.header_row == 3
    assert table.column_index["name"] == 2  # column C
    assert table.column_index["end_date"] == 9  # column J
    assert _column(table, "id_number") == [ID1, ID2, ID3]


def test_table_starting_at_c3_with_a_merge_and_a_number(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][1] = NUMERIC_ID
    rows[1][2] = rows[2][2] = None
    cells = _block([HEADER, *rows], top=3, left=3)
    path = _xlsx(tmp_path / "c3m.xlsx", {"Sheet1": {"cells": cells, "merge": ["E4:E6"]}})
    table = read_table(path, "trainees")
    assert _column(table, "_row") == [4, 5, 6]
    assert _column(table, "institution") == ["阳光职业培训学校"] * 3
    assert _column(table, "id_number__numeric") == [True, False, False]


def test_styled_empty_rows_above_do_not_shift_row_numbers(tmp_path):
    from openpyxl.styles import Font, PatternFill

    path = tmp_path / "styled.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in (1, 2):
        for c in range(1, 9):
            ws.cell(r, c).fill = PatternFill("solid", fgColor="FFFF00")  # styled, no value
    ws.cell(3, 1).font = Font(bold=True)
    for (r, c), v in _block([HEADER, *ROWS], top=4).items():
        ws.cell(r, c, v)
    wb.save(path)
    table = read_table(path, "trainees")
    assert table.info.header_row == 4
    assert _column(table, "_row") == [5, 6, 7]


def test_table_on_second_sheet_after_a_cover_page(tmp_path):
    cover = {
        (1, 1): "2019年职业技能培训补贴申请",
        (3, 1): "申请单位：阳光职业培训学校",
        (4, 2): "填报日期：2019年7月1日",
    }
    path = _xlsx(
        tmp_path / "book.xlsx",
        {"封面": {"cells": cover}, "花名册": {"cells": _block([HEADER, *ROWS], top=2)}},
        active="封面",
    )
    table = read_table(path, "trainees")
    assert table.info.sheet == "花名册"
    assert _column(table, "_sheet") == ["花名册"] * 3
    assert _column(table, "_row") == [3, 4, 5]


def test_hidden_sheet_is_ignored_and_reported(tmp_path):
    hidden_rows = [HEADER] + [
        [
            f"隐{i}",
            make_id("110101", dt.date(1990, 1, 1), i),
            "X",
            "B",
            "电工",
            "初级",
            "2019-07-01",
            "2019-07-02",
        ]
        for i in range(10)
    ]
    path = _xlsx(
        tmp_path / "hidden.xlsx",
        {
            "旧数据": {"cells": _block(hidden_rows), "state": "hidden"},
            "很隐藏": {"cells": _block(hidden_rows), "state": "veryHidden"},
            "花名册": {"cells": _block([HEADER, *ROWS])},
        },
        active="花名册",
    )
    table = read_table(path, "trainees")
    assert table.info.sheet == "花名册"
    assert _column(table, "name") == ["张三", "李四", "王五"]
    assert any("旧数据" in note for note in table.info.notes)
    assert any("很隐藏" in note for note in table.info.notes)


def test_only_hidden_sheets_hold_the_table(tmp_path):
    path = _xlsx(
        tmp_path / "only_hidden.xlsx",
        {
            "说明": {"cells": {(1, 1): "填表说明"}},
            "花名册": {"cells": _block([HEADER, *ROWS]), "state": "hidden"},
        },
        active="说明",
    )
    with pytest.raises(InputError) as exc:
        read_table(path, "trainees")
    message = one_line_error(exc, path)
    assert "花名册" in message  # the hidden sheet is named so the user knows where to look


def test_footer_and_repeated_header_rows_are_dropped(tmp_path):
    rows = [
        HEADER,
        ROWS[0],
        ROWS[1],
        HEADER,  # page two of a printed roster pasted back
        ROWS[2],
        [None] * 8,
        ["合计", None, "3人", None, None, None, None, None],
        ["填表人：王芳", None, None, "审核人：李强", None, None, None, None],
        ["注：身份证号码须为18位", None, None, None, None, None, None, None],
    ]
    path = _xlsx(tmp_path / "footer.xlsx", {"Sheet1": {"cells": _block(rows)}})
    table = read_table(path, "trainees")
    assert _column(table, "name") == ["张三", "李四", "王五"]
    assert _column(table, "_row") == [2, 3, 5]
    assert table.info.rows == 3
    assert table.original.num_rows == 3


def test_english_headers(tmp_path):
    header = [
        "Name",
        "ID Number",
        "Training Institution",
        "Class ID",
        "Occupation",
        "Skill Level",
        "Start Date",
        "End Date",
    ]
    path = _xlsx(tmp_path / "english.xlsx", {"Sheet1": {"cells": _block([header, *ROWS])}})
    table = read_table(path, "trainees")
    assert set(table.present) == {
        "name",
        "id_number",
        "institution",
        "class_id",
        "occupation",
        "level",
        "start_date",
        "end_date",
    }
    assert table.info.columns["id_number"] == "ID Number"
    assert _column(table, "id_number") == [ID1, ID2, ID3]


def test_numeric_id_cells(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][1] = NUMERIC_ID
    rows[2][1] = 110105491231002  # a legacy number typed as a number: exact
    path = _xlsx(tmp_path / "numeric.xlsx", {"Sheet1": {"cells": _block([HEADER, *rows])}})
    table = read_table(path, "trainees")
    flags = _column(table, "id_number__numeric")
    assert flags[:2] == [True, False]
    ids = _column(table, "id_number")
    assert ids[1] == ID2
    assert ids[0].startswith("3705231969061")  # the float's digits, whatever they are
    canonical = normalise_table(table)
    assert canonical.column("id_number__numeric").to_pylist()[:2] == [True, False]
    assert canonical.column("id_number").to_pylist()[2] == "11010519491231002X"


def test_numeric_ids_in_a_large_sheet(tmp_path):
    """More than 20,000 rows, three of them with the ID stored as a number."""
    import xlsxwriter

    n = 25_000
    numeric_rows = {7, 12_345, 24_999}
    path = tmp_path / "large.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("花名册")
    sheet.write_row(0, 0, ["2019年花名册"])
    sheet.write_row(1, 0, HEADER)
    for i in range(n):
        id_number = make_id("370523", dt.date(1960, 1, 1) + dt.timedelta(days=i % 15000), i % 1000)
        sheet.write_row(
            i + 2,
            0,
            [f"学员{i}", id_number, "阳光", "B1", "电工", "初级", "2019-07-01", "2019-07-15"],
        )
        if i in numeric_rows:
            sheet.write_number(i + 2, 1, NUMERIC_ID)
    book.close()
    table = read_table(path, "trainees")
    assert table.data.num_rows == n
    flags = _column(table, "id_number__numeric")
    rows = _column(table, "_row")
    assert [rows[i] for i, f in enumerate(flags) if f] == [i + 3 for i in sorted(numeric_rows)]


def test_parquet_with_a_float_id_column(tmp_path):
    path = tmp_path / "roster.parquet"
    table = pa.table(
        {
            "姓名": ["张三", "李四"],
            "身份证号码": pa.array([float(NUMERIC_ID), 4.40524188001010e17], pa.float64()),
            "培训机构": ["阳光", "阳光"],
            "班级编号": ["B1", "B1"],
            "培训工种": ["电工", "电工"],
            "培训等级": ["初级", "初级"],
            "开班日期": pa.array([dt.date(2019, 7, 1), None], pa.date32()),
            "结业日期": ["2019-07-15", "2019-07-15"],
        }
    )
    pq.write_table(table, path)
    loaded = read_table(path, "trainees")
    assert _column(loaded, "id_number__numeric") == [True, True]
    assert _column(loaded, "_row") == [2, 3]
    assert _column(loaded, "start_date")[0] == "2019-07-01"
    text_path = tmp_path / "text.parquet"
    pq.write_table(table.set_column(1, "身份证号码", pa.array([ID1, ID2])), text_path)
    assert _column(read_table(text_path, "trainees"), "id_number__numeric") == [False, False]


def test_merged_footer_and_section_rows_are_not_records(tmp_path):
    rows = [
        HEADER,
        [
            "一、电工班",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],  # a section title across the table
        ROWS[0],
        ROWS[1],
        ["合计", None, None, None, None, None, None, None],
        ["填表人：王芳        审核人：李强", None, None, None, None, None, None, None],
    ]
    merges = ["A2:H2", "A5:B5", "A6:H6"]
    path = _xlsx(
        tmp_path / "merged_footer.xlsx", {"Sheet1": {"cells": _block(rows), "merge": merges}}
    )
    table = read_table(path, "trainees")
    assert _column(table, "id_number")[-2:] == [ID1, ID2]
    assert "合计" not in _column(table, "name")
    assert all(not (name or "").startswith("填表人") for name in _column(table, "name"))
    assert all(v != "一、电工班" for v in _column(table, "id_number"))


def test_a_person_whose_category_looks_like_a_footer_word_is_kept(tmp_path):
    header = [*HEADER, "人员类别"]
    rows = [header, [*ROWS[0], "负责人"], [*ROWS[1], "农民工"]]
    path = _xlsx(tmp_path / "category.xlsx", {"Sheet1": {"cells": _block(rows)}})
    table = read_table(path, "trainees")
    assert _column(table, "category") == ["负责人", "农民工"]


def test_repeated_two_level_header_is_dropped(tmp_path):
    top = ["姓名", "身份证号码", "培训机构", "班级编号", "培训工种", "培训等级", "培训时间", None]
    sub = [None, None, None, None, None, None, "开班日期", "结业日期"]
    rows = [top, sub, ROWS[0], ROWS[1], top, sub, ROWS[2]]
    merges = (
        ["G1:H1", "G5:H5"] + [f"{c}1:{c}2" for c in "ABCDEF"] + [f"{c}5:{c}6" for c in "ABCDEF"]
    )
    path = _xlsx(tmp_path / "pages.xlsx", {"Sheet1": {"cells": _block(rows), "merge": merges}})
    table = read_table(path, "trainees")
    assert _column(table, "name") == ["张三", "李四", "王五"]
    assert _column(table, "_row") == [3, 4, 7]


def test_numeric_15_digit_legacy_id_is_not_flagged(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][1] = 110105491231002  # exact as a number: a safe legacy ID
    rows[1][1] = 4405241880010100  # 16 digits: the 16th is already at risk
    path = _xlsx(tmp_path / "legacy_number.xlsx", {"Sheet1": {"cells": _block([HEADER, *rows])}})
    table = read_table(path, "trainees")
    assert _column(table, "id_number__numeric") == [False, True, False]


def test_numeric_flags_without_the_xml_scan(tmp_path, monkeypatch):
    """When the sheet XML cannot place the number cells, the reader asks fastexcel."""
    from trainaudit.io import xlsx, xlsx_scan

    rows = [list(r) for r in ROWS]
    rows[0][1] = NUMERIC_ID
    rows[2][1] = 110105491231002
    cells = {(1, 1): "花名册"}
    cells.update(_block([HEADER, *rows], top=3, left=2))
    path = _xlsx(tmp_path / "fallback.xlsx", {"Sheet1": {"cells": cells}})

    def scan(*args, **kwargs):
        layout = xlsx_scan.scan_sheet_xml(*args, **kwargs)
        layout.numbers_complete = False
        layout.numbers.clear()
        return layout

    monkeypatch.setattr(xlsx, "scan_sheet_xml", scan)
    table = read_table(path, "trainees")
    assert _column(table, "_row") == [4, 5, 6]
    assert _column(table, "id_number__numeric") == [True, False, False]


def test_number_cells_found_by_the_xml_scan():
    from trainaudit.io.xlsx_scan import SheetLayout, _record_big_numbers

    xml = (
        b'<row r="4"><c r="B4" s="1"><v>3.70523196906116e+17</v></c><c r="C4" t="s"><v>12345678901234567</v></c>'
        b'<c r="D4" t="str"><f>A1</f><v>370523196906116000</v></c><c r="E4"><v>110105491231002</v></c>'
        b'<c r="F4" t="n"><f>B4*1</f><v>3.7052319690611603E+17</v></c><x:c r="G4"><x:v>4405241880010100</x:v></x:c>'
        b'<c r="H4"><v>3.70523196906116E+017</v></c><c r="I4"><v>1.5E+14</v></c><c r="J4"><v>43647</v></c>'
        b"<c t='s' r='K4'><v>12345678901234567</v></c><c r = 'l4'><v>1.2e17</v></c></row>"
    )
    layout = SheetLayout()
    _record_big_numbers(layout, xml, 0, -1)
    assert layout.numbers == {1: [4], 5: [4], 6: [4], 7: [4], 11: [4]}
    assert layout.numbers_complete


@pytest.mark.parametrize("shift", [-40, -25, -12, -5, 0, 3, 9, 30])
def test_number_cells_cut_by_the_read_chunks(tmp_path, shift):
    """A number cell whose tag or value straddles the 1 MiB read boundary is found once."""
    from trainaudit.io.xlsx_scan import scan_sheet_xml

    head = b'<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    filler = b'<row r="2"><c r="A2" t="s"><v>1</v></c></row>'
    target = b'<row r="3"><c r="C3"><v>3.70523196906116E+17</v></c></row>'
    pad = (1 << 20) - len(head) - len(filler) - target.index(b"<v>") - shift
    xml = head + filler[:-6] + b"<!--" + b"x" * (pad - 7) + b"-->" + b"</row>" + target
    xml += b'<row r="4"><c r="C4"><v>4.4052418800101E+17</v></c></row></sheetData></worksheet>'
    path = tmp_path / "chunks.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sheet.xml", xml)
    layout = scan_sheet_xml(path, "sheet.xml")
    assert layout.numbers == {2: [3, 4]}
    assert layout.first_row == 1


def _sheet_zip(path: Path, xml: bytes) -> Path:
    """A zip holding one sheet's XML as `sheet.xml`, for scan_sheet_xml."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("sheet.xml", xml)
    return path


@pytest.mark.parametrize(
    "cell, block",
    [
        (b"<c r='XFD1048576'><v>1</v></c>", (1_048_576, 16_384)),
        (b'<c r = "XFD1048576"><v>1</v></c>', (1_048_576, 16_384)),
        (b'<c\tr\n=\t"XFD1048576"><v>1</v></c>', (1_048_576, 16_384)),
        (b'<c r="xfd1048576"><v>1</v></c>', (1_048_576, 16_384)),
        (b'<c t="n"r="XFD1048576"><v>1</v></c>', (1_048_576, 16_384)),
        (b'<c s="1" r="XFD1048576"><v>1</v></c>', (1_048_576, 16_384)),
        (b'<c r="A1" r="XFD1048576"><v>1</v></c>', (1_048_576, 16_384)),
        (b'<x:c r="XFD1048576"><x:v>1</x:v></x:c>', (1_048_576, 16_384)),
        (b"<c r='XFD1048576' s='1'/>", (1, 1)),  # formatted, no value: nothing to hold
    ],
)
def test_the_last_cell_is_seen_however_its_reference_is_written(tmp_path, cell, block):
    """calamine reads every one of these as XFD1048576 and would build a block of 550 GB:
    the scan must find it, whatever the quotes, spaces, case or attribute order."""
    from trainaudit.io.xlsx_scan import scan_sheet_xml

    xml = b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
    xml += b'<row r="1048576">' + cell + b"</row></sheetData></worksheet>"
    layout = scan_sheet_xml(_sheet_zip(tmp_path / "far.zip", xml), "sheet.xml")
    assert (layout.max_row, layout.max_col) == block


@pytest.mark.parametrize(
    "cell, words",
    [
        (b'<c r="A%s"><v>1</v></c>' % (b"1" * 5000), "thousands of characters"),
        (b"<c r='a%s'><v>1</v></c>" % (b"9" * 9), "A999999999"),
        (b'<c r = "abcd3"><v>1</v></c>', "ABCD1"),
    ],
)
def test_references_calamine_cannot_hold_are_damage(tmp_path, cell, words):
    """A row or column past Excel's last (calamine's arithmetic overflows on them)."""
    from trainaudit.io.xlsx_scan import scan_sheet_xml

    xml = b'<worksheet><sheetData><row r="3">' + cell + b"</row></sheetData></worksheet>"
    with pytest.raises(InputError, match="damaged") as exc:
        scan_sheet_xml(_sheet_zip(tmp_path / "beyond.zip", xml), "sheet.xml")
    assert words in str(exc.value)


@pytest.mark.parametrize("cut", [False, True], ids=["whole", "cut-by-the-read-chunks"])
def test_the_bound_holds_the_block_calamine_builds(tmp_path, cut):
    """On odd and damaged sheets, the block calamine builds lies within the scan's cheap
    bound and its exact extent; with `cut`, the 1 MiB read boundary falls at a random
    byte of the rows (inside a tag, a reference, a value)."""
    import python_calamine

    from trainaudit.io.xlsx_scan import scan_sheet_xml

    checked = 0
    for seed, path in random_sheets(tmp_path, 60 if cut else 150, cut):
        try:
            end = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).end
        except Exception:  # calamine refuses the sheet: it builds nothing
            continue
        if end is None:
            continue
        checked += 1
        block = (end[0] + 1, end[1] + 1)
        cheap = scan_sheet_xml(path, "xl/worksheets/sheet1.xml")
        exact = scan_sheet_xml(path, "xl/worksheets/sheet1.xml", max_cells=0)
        assert cheap.max_row >= block[0] and cheap.max_col >= block[1], (seed, block, cheap)
        assert exact.max_row >= block[0] and exact.max_col >= block[1], (seed, block, exact)
    assert checked > (30 if cut else 75)


def test_a_prefixed_sheet_is_bounded_without_the_slow_pass(tmp_path, monkeypatch):
    """`<x:c>` … `</x:c>` throughout: the closing tags do not count as cells placed one
    after the other, so the cheap bound is enough."""
    from trainaudit.io import xlsx_scan

    def slow_pass(*args):
        raise AssertionError("the exact extent was computed")

    rows = b"".join(
        b'<x:row r="%d">' % r
        + b"".join(
            b'<x:c r="%s%d" t="s"><x:v>%d</x:v></x:c>' % (c, r, r)
            for c in (b"A", b"B", b"C", b"D", b"E", b"F", b"G", b"H")
        )
        + b"</x:row>"
        for r in range(1, 301)
    )
    xml = b'<x:worksheet xmlns:x="main"><x:sheetData>' + rows + b"</x:sheetData></x:worksheet>"
    monkeypatch.setattr(xlsx_scan, "_exact_extent", slow_pass)
    path = _sheet_zip(tmp_path / "prefixed.zip", xml)
    layout = xlsx_scan.scan_sheet_xml(path, "sheet.xml", max_cells=100_000)
    assert (layout.max_row, layout.max_col) == (999, 26)


def test_an_ordinary_roster_takes_the_quick_path(tmp_path, monkeypatch):
    """Column widths (`width="6.7109375"`) and 18-digit IDs typed as text in every row do
    not send each chunk down the slow paths; the one ID typed as a number is found."""
    from trainaudit.io import xlsx_scan

    calls = {"refs": 0, "numbers": 0}

    def counted(name, real):
        def wrapper(*args):
            calls[name] += 1
            return real(*args)

        return wrapper

    monkeypatch.setattr(
        xlsx_scan._Extent, "_look_closer", counted("refs", xlsx_scan._Extent._look_closer)
    )
    monkeypatch.setattr(
        xlsx_scan, "_record_big_numbers", counted("numbers", xlsx_scan._record_big_numbers)
    )
    head = b'<worksheet><cols><col min="1" max="1" width="6.7109375" customWidth="1"/></cols>'
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>%s</t></is></c>'
        b'<c r="C%d" t="inlineStr"><is><t>%s</t></is></c></row>'
        % (r, r, r, r, ID2.encode(), r, b"\xe9\x98\xb3\xe5\x85\x89\xe8\x81\x8c\xe4\xb8\x9a" * 3)
        for r in range(1, 60_001)
    )
    number = b'<row r="60001"><c r="B60001"><v>3.70523196906116E+17</v></c></row>'
    xml = head + b"<sheetData>" + rows + number + b"</sheetData></worksheet>"
    assert len(xml) > 8 << 20
    layout = xlsx_scan.scan_sheet_xml(_sheet_zip(tmp_path / "roster.zip", xml), "sheet.xml")
    assert layout.numbers == {1: [60001]}
    assert (layout.max_row, layout.first_row) == (99_999 + 2, 1)  # <cols>, <col>: counted, safe
    assert calls["refs"] <= 4  # the chunks where rows reach 3, 4 and 5 digits
    assert calls["numbers"] == 2  # the seam and the chunk holding the number


def test_merged_ranges_across_the_read_chunks(tmp_path):
    from trainaudit.io.xlsx_scan import scan_sheet_xml

    merges = b"".join(b'<mergeCell ref="A%d:C%d"/>' % (r, r) for r in range(1, 60_001))
    xml = b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
    xml += b'<mergeCells count="60000">' + merges + b"</mergeCells></worksheet>"
    assert len(xml) > 1 << 20
    layout = scan_sheet_xml(_sheet_zip(tmp_path / "merges.zip", xml), "sheet.xml")
    assert layout.merges == [(r, 0, r, 2) for r in range(1, 60_001)]


def test_calamine_and_fastexcel_agree_on_an_xlsx(tmp_path, monkeypatch):
    """The xls/ods path (python-calamine) on the same workbook gives the same table."""
    from trainaudit.io import readers, xls, xlsx

    rows = [list(r) for r in ROWS]
    rows[0][1] = NUMERIC_ID
    rows[1][2] = rows[2][2] = None
    cells = {(2, 3): "2019年花名册"}
    cells.update(
        _block([HEADER, *rows, ["合计", None, None, None, None, None, None, None]], top=4, left=3)
    )
    path = _xlsx(
        tmp_path / "both.xlsx",
        {"封面": {"cells": {(1, 1): "封面"}}, "花名册": {"cells": cells, "merge": ["E5:E7"]}},
    )
    via_fastexcel = read_table(path, "trainees")
    grids, hidden = xls.calamine_grids(path)
    fast_grids, _ = xlsx.xlsx_grids(path)
    assert [(g.name, g.first_row, g.first_col, g.height) for g in grids] == [
        (g.name, g.first_row, g.first_col, g.height) for g in fast_grids
    ]
    assert sorted(grids[1].merges) == sorted(fast_grids[1].merges)
    monkeypatch.setattr(readers, "xlsx_grids", xls.calamine_grids)  # the xls/ods path
    via_calamine = read_table(path, "trainees")
    assert via_calamine.data.to_pydict() == via_fastexcel.data.to_pydict()
    assert via_calamine.column_index == via_fastexcel.column_index


COVERED = object()
"""A cell under a merged one in `_write_ods`."""


def _write_ods(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A minimal OpenDocument spreadsheet (what LibreOffice and WPS write, stripped down)."""
    from xml.sax.saxutils import escape

    def cell(v) -> str:
        if v is None:
            return "<table:table-cell/>"
        if v is COVERED:
            return "<table:covered-table-cell/>"
        if isinstance(v, tuple):  # (text, rows spanned, columns spanned)
            return (
                f'<table:table-cell table:number-rows-spanned="{v[1]}" '
                f'table:number-columns-spanned="{v[2]}" office:value-type="string">'
                f"<text:p>{escape(v[0])}</text:p></table:table-cell>"
            )
        if isinstance(v, (int, float)):
            return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p></table:table-cell>'

    body = "".join(
        f'<table:table table:name="{escape(name)}">'
        + "".join(
            "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
            for row in rows
        )
        + "</table:table>"
        for name, rows in sheets.items()
    )
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
        f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
        zf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return path


def test_ods_workbook(tmp_path):
    rows = [[], [None, None, "2019年花名册"], [None, None, *HEADER]]
    rows += [[None, None, *r] for r in ROWS]
    rows[3][3] = NUMERIC_ID
    rows[5][3] = 110105491231002
    path = _write_ods(tmp_path / "roster.ods", {"封面": [["封面"]], "花名册": rows})
    table = read_table(path, "trainees")
    assert table.info.kind == "ods"
    assert table.info.sheet == "花名册"
    assert _column(table, "_row") == [4, 5, 6]
    assert table.column_index["name"] == 2
    assert _column(table, "id_number__numeric") == [True, False, False]
    assert _column(table, "id_number")[1:] == [ID2, "110105491231002"]


def test_ods_merged_cells_are_filled_down_as_in_xlsx(tmp_path):
    """(issue 12) calamine reports no merges for .ods: they are read from content.xml, so
    a class merged over its rows is no D002 (a row repeated by the ODS writer counts)."""
    rows = [[("花名册", 1, len(HEADER)), *[COVERED] * (len(HEADER) - 1)], list(HEADER)]
    rows += [list(r) for r in ROWS]
    class_col = HEADER.index("班级编号")
    rows[2][class_col] = ("C-01", len(ROWS), 1)
    for r in rows[3:]:
        r[class_col] = COVERED
    path = _write_ods(tmp_path / "merged.ods", {"花名册": rows})
    table = read_table(path, "trainees")
    assert _column(table, "class_id") == ["C-01"] * len(ROWS)
    assert _column(table, "_row") == [3, 4, 5]


# --- text files ---------------------------------------------------------------------------------


def _csv_bytes(
    rows: list[list], encoding: str = "utf-8", sep: str = ",", newline: str = "\r\n"
) -> bytes:
    text = (
        newline.join(sep.join("" if v is None else str(v) for v in row) for row in rows) + newline
    )
    return text.encode(encoding)


def test_gb18030_csv(tmp_path):
    rows = [["2019年花名册"], HEADER, ROWS[0], ["䶮𬌗", ID2, *ROWS[1][2:]], ROWS[2]]
    path = tmp_path / "gbk.csv"
    path.write_bytes(_csv_bytes(rows, "gb18030"))
    table = read_table(path, "trainees")
    assert _column(table, "name") == ["张三", "䶮𬌗", "王五"]
    assert _column(table, "_row") == [3, 4, 5]
    assert "encoding gb18030" in table.info.notes
    assert table.info.kind == "csv"


def test_gb18030_csv_whose_first_megabyte_is_ascii(tmp_path):
    """UTF-8 is handed to Arrow undecoded when the file's start is UTF-8; Chinese in
    GB18030 further down still ends as GB18030 text, not as an error or mojibake."""
    ascii_rows = [[f"Li Na {i:06d}", ID1, "Training Centre " + "x" * 40] for i in range(16_000)]
    body = _csv_bytes([["name", "id_number", "institution"], *ascii_rows], "ascii")
    body += _csv_bytes([["张三", ID2, "阳光培训学校"]], "gb18030")
    assert len(body) > 1 << 20 and body[: 1 << 20].isascii()
    path = tmp_path / "late_gbk.csv"
    path.write_bytes(body)
    table = read_table(path, "trainees")
    assert _column(table, "name")[-2:] == ["Li Na 015999", "张三"]
    assert _column(table, "_row")[-1] == 16_002
    assert "encoding gb18030" in table.info.notes


def test_utf8_bom_csv(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + _csv_bytes([HEADER, *ROWS]))
    table = read_table(path, "trainees")
    assert table.info.columns["name"] == "姓名"  # no BOM glued to the first header
    assert _column(table, "_row") == [2, 3, 4]
    assert "encoding utf-8-sig" in table.info.notes


def test_utf16_tab_separated_text(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes(
        codecs.BOM_UTF16_LE + _csv_bytes([["花名册"], HEADER, *ROWS], "utf-16-le", "\t")
    )
    table = read_table(path, "trainees")
    assert _column(table, "id_number") == [ID1, ID2, ID3]
    assert _column(table, "_row") == [3, 4, 5]
    assert table.info.notes == ("encoding utf-16",)


def test_csv_with_a_quoted_multi_line_cell(tmp_path):
    text = (
        ",".join(HEADER)
        + "\r\n"
        + ",".join(ROWS[0])
        + "\r\n"
        + f'李四,{ID2},"阳光职业\r\n培训学校\r\n（总部）",B2019-01,电工,初级工,2019-07-01,2019-07-15\r\n'
        + ",".join(ROWS[2])
        + "\r\n"
        + f'赵六,{ID1},"a\nb",B,电工,初级,2019-07-01,2019-07-15\n'
        + ",".join(ROWS[2])
        + "\n"
    )
    path = tmp_path / "multiline.csv"
    path.write_bytes(text.encode("utf-8"))
    table = read_table(path, "trainees")
    assert _column(table, "name") == ["张三", "李四", "王五", "赵六", "王五"]
    assert _column(table, "_row") == [2, 3, 6, 7, 9]  # the line each record starts on
    assert _column(table, "institution")[1] == "阳光职业\r\n培训学校\r\n（总部）"


def test_csv_line_numbers_with_odd_line_endings(tmp_path):
    path = tmp_path / "mac.csv"  # classic Mac line endings, and a lone CR inside a quoted cell
    text = "\r".join(
        [
            ",".join(HEADER),
            ",".join(ROWS[0]),
            f'李四,{ID2},"阳光\r学校",B,电工,初级,2019-07-01,2019-07-15',
            ",".join(ROWS[2]),
        ]
    )
    path.write_bytes(text.encode("utf-8"))
    table = read_table(path, "trainees")
    assert _column(table, "_row") == [2, 3, 5]


def test_csv_one_line_per_record(tmp_path):
    path = tmp_path / "plain_rows.csv"
    path.write_bytes(_csv_bytes([HEADER, *ROWS, *ROWS]))
    table = read_table(path, "trainees")
    assert _column(table, "_row") == [2, 3, 4, 5, 6, 7]


def test_csv_blank_lines_and_semicolons(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_bytes(b"\r\n" + _csv_bytes([HEADER, ROWS[0], [], ROWS[1]], sep=";"))
    table = read_table(path, "trainees")
    assert _column(table, "_row") == [3, 5]


def test_csv_renamed_xlsx_is_read_by_content(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(_csv_bytes([HEADER, *ROWS]))
    table = read_table(path, "trainees")
    assert table.info.kind == "csv"
    assert table.data.num_rows == 3
    assert any("read as csv" in note and ".xlsx" in note for note in table.info.notes)


# --- dates ------------------------------------------------------------------------------------

JULY_1 = dt.date(2019, 7, 1)


@pytest.mark.parametrize(
    "text",
    [
        "43647",
        "43647.0",
        "43647.75",
        "2019年7月1日",
        "2019年07月01日",
        "2019 年 7 月 1 日",
        "2019.7.1",
        "2019.07.01",
        "2019/07/01",
        "2019/7/1",
        "2019-07-01",
        "2019-7-1",
        "２０１９年７月１日",
        "２０１９．０７．０１",
        "20190701",
        "2019-07-01 00:00:00",
        "2019-7-1 0:00:00",
        "2019/7/1 8:30",
        "2019-07-01T08:30:00",
        "2019-07-01 00:00:00.000",
        " 2019.7.1 ",
        "\u00a02019.7.1\u3000",
        "19.7.1",
        "二〇一九年七月一日",
    ],
)
def test_parse_date_forms(text):
    assert parse_date(text) == JULY_1


def test_parse_date_tens_in_chinese_numerals():
    assert parse_date("二〇一九年十二月三十一日") == dt.date(2019, 12, 31)
    assert parse_date("二〇二〇年十月十日") == dt.date(2020, 10, 10)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "  ",
        "2019年7月",
        "2019.7",
        "2019.2.30",
        "20190230",
        "2019-13-01",
        "abc",
        "7/1/2019",
        "123",
        "2019.7.1-2019.7.15",
    ],
)
def test_parse_date_rejects_what_is_not_one_day(text):
    assert parse_date(text) is None


def test_parse_date_unambiguous_us_order():
    assert parse_date("7/15/2019") == dt.date(2019, 7, 15)


def test_dates_through_real_xlsx_cells(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][6] = dt.datetime(2019, 7, 1)
    rows[0][7] = dt.date(2019, 7, 15)
    rows[1][6] = 43647  # a serial whose CJK date format openpyxl does not know
    rows[1][7] = "2019年7月15日"
    rows[2][6] = "２０１９．８．１"
    path = _xlsx(tmp_path / "dates.xlsx", {"Sheet1": {"cells": _block([HEADER, *rows])}})
    wb = openpyxl.load_workbook(path)
    wb.active["H2"].number_format = 'yyyy"年"m"月"d"日"'
    wb.save(path)
    canonical = normalise_table(read_table(path, "trainees"))
    assert canonical.column("start_date").to_pylist() == [JULY_1, JULY_1, dt.date(2019, 8, 1)]
    assert canonical.column("end_date").to_pylist() == [
        dt.date(2019, 7, 15),
        dt.date(2019, 7, 15),
        dt.date(2019, 8, 20),
    ]
    assert canonical.column("level").to_pylist() == ["五级", "五级", "四级"]


_EPOCH = dt.date(1899, 12, 30)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_date_never_raises(text):
    result = parse_date(text)
    assert result is None or isinstance(result, dt.date)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789年月日.-/ :T十〇一二三九０９"), max_size=24))
def test_parse_date_never_raises_on_date_like_text(text):
    result = parse_date(text)
    assert result is None or isinstance(result, dt.date)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2049, 12, 31)))
def test_parse_date_round_trips(d):
    assert parse_date(f"{d.year}年{d.month}月{d.day}日") == d
    assert parse_date(f"{d.year}.{d.month}.{d.day}") == d
    assert parse_date(d.isoformat()) == d
    assert parse_date(str((d - _EPOCH).days)) == d


def test_normalise_level_spellings():
    assert normalise_level("五级/初级工") == "五级"
    assert normalise_level("高级技师") == "一级"
    assert normalise_level("技师") == "二级"
    assert normalise_level("高级工") == "三级"
    assert normalise_level("4") == "四级"
    assert normalise_level("专项职业能力") == "专项职业能力"
    assert normalise_level("") is None and normalise_level(None) is None


def test_parse_amount():
    from trainaudit.io.normalise import parse_amount

    assert parse_amount("1,500.00元") == 1500.0
    assert parse_amount("￥８００") == 800.0
    assert parse_amount("RMB 300") == 300.0
    for text in ("nan", "inf", "-Infinity", "abc", "", None):
        assert parse_amount(text) is None


# --- errors -------------------------------------------------------------------------------------


def test_empty_file(tmp_path):
    for name, data in (("empty.xlsx", b""), ("empty.csv", b""), ("blank.csv", b"\r\n  \r\n")):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputError) as exc:
            read_table(path, "trainees")
        assert "empty" in one_line_error(exc, path)


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.xlsx"
    with pytest.raises(InputError) as exc:
        read_table(path, "trainees")
    assert "not found" in one_line_error(exc, path)


def test_a_directory_is_not_a_file(tmp_path):
    with pytest.raises(InputError):
        read_table(tmp_path, "trainees")


def test_truncated_xlsx(tmp_path):
    good = _xlsx(tmp_path / "good.xlsx", {"Sheet1": {"cells": _block([HEADER, *ROWS])}})
    data = good.read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as exc:
        read_table(path, "trainees")
    assert "damaged or truncated" in one_line_error(exc, path)


def test_xlsx_with_a_damaged_sheet(tmp_path):
    good = _xlsx(tmp_path / "good.xlsx", {"Sheet1": {"cells": _block([HEADER, *ROWS])}})
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    with pytest.raises(InputError) as exc:
        read_table(path, "trainees")
    one_line_error(exc, path)


def test_encrypted_ole_file(tmp_path):
    path = tmp_path / "secret.xlsx"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 1000
        + "EncryptionInfo".encode("utf-16-le")
        + b"\x00" * 1000
    )
    with pytest.raises(InputError) as exc:
        read_table(path, "trainees")
    assert "encrypted" in one_line_error(exc, path)


def test_broken_ole_file(tmp_path):
    path = tmp_path / "broken.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8)
    with pytest.raises(InputError) as exc:
        read_table(path, "trainees")
    one_line_error(exc, path)


def test_binary_garbage(tmp_path):
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(5000)))
    with pytest.raises(InputError) as exc:
        read_table(path, "trainees")
    one_line_error(exc, path)


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(InputError) as exc:
        read_table(path, "trainees")
    one_line_error(exc, path)


def test_invalid_bytes_in_a_gb18030_csv(tmp_path):
    path = tmp_path / "bad.csv"
    data = (
        _csv_bytes([HEADER, ROWS[0]], "gb18030")
        + b"\xff\xfe\xff,1\r\n"
        + _csv_bytes([ROWS[1]], "gb18030")
    )
    path.write_bytes(data)
    with pytest.raises(InputError) as exc:
        read_table(path, "trainees")
    message = one_line_error(exc, path)
    assert "line 3" in message


def test_invalid_bytes_after_a_utf8_bom(tmp_path):
    path = tmp_path / "bad_bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + _csv_bytes([HEADER, ROWS[0]]) + b"\xff\xfe,1\r\n")
    with pytest.raises(InputError) as exc:
        read_table(path, "trainees")
    assert "line 3" in one_line_error(exc, path)


def test_no_recognisable_header(tmp_path):
    path = tmp_path / "other.csv"
    path.write_bytes(
        _csv_bytes([["日期", "摘要", "借方", "贷方"], ["2019-07-01", "购买", "10", ""]])
    )
    with pytest.raises(InputError) as exc:
        read_table(path, "trainees")
    message = one_line_error(exc, path)
    assert "日期" in message and "摘要" in message and "贷方" in message


def test_no_recognisable_header_below_a_title(tmp_path):
    path = tmp_path / "titled.csv"
    path.write_bytes(
        _csv_bytes([["2019年培训台账"], ["学员", "证件", "单位"], ["张三", ID1, "阳光"]])
    )
    with pytest.raises(InputError) as exc:
        read_table(path, "trainees")
    message = one_line_error(exc, path)
    assert "学员" in message and "证件" in message and "单位" in message


def test_no_recognisable_header_in_a_workbook(tmp_path):
    path = _xlsx(
        tmp_path / "other.xlsx",
        {"A": {"cells": {(1, 1): "科目", (1, 2): "金额"}}, "B": {"cells": {(2, 2): "备注"}}},
    )
    with pytest.raises(InputError) as exc:
        read_table(path, "trainees")
    message = one_line_error(exc, path)
    assert "科目" in message and "备注" in message


def test_html_saved_as_xls(tmp_path):
    path = tmp_path / "export.xls"
    path.write_bytes(b"<html><body><table><tr><td>x</td></tr></table></body></html>")
    with pytest.raises(InputError) as exc:
        read_table(path, "trainees")
    one_line_error(exc, path)


def test_html_table_with_spans_is_read_as_a_roster(tmp_path):
    """An HR system's "Excel" export that is an HTML page under .xls (GBK declared): a
    title spanning the table, a header with a line break, a class merged over its rows."""
    rows = "".join(
        f"<tr><td>{r[0]}</td><td>{r[1]}</td><td>{r[2]}</td>"
        + ('<td rowspan="3">B2019-01</td>' if i == 0 else "")
        + "".join(f"<td>{v}</td>" for v in r[4:])
        + "</tr>"
        for i, r in enumerate(ROWS)
    )
    head = "".join(f"<th>{h}</th>" for h in HEADER).replace("身份证号码", "身份证<br>号码")
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head>'
        f'<body><table><tr><td colspan="8">花名册导出</td></tr><tr>{head}</tr>{rows}'
        "<tr><td>合计</td><td>3人</td></tr></table></body></html>"
    )
    path = tmp_path / "export.xls"
    path.write_bytes(page.encode("gb18030"))
    table = read_table(path, "trainees")
    assert table.info.kind == "html"
    assert table.info.header_row == 2
    assert _column(table, "_row") == [3, 4, 5]
    assert _column(table, "class_id") == ["B2019-01"] * 3
    assert _column(table, "name") == [r[0] for r in ROWS]
    assert table.info.dropped_rows == (6,)
    assert any("HTML" in note for note in table.info.notes)


def test_html_tables_keep_the_cell_limit(tmp_path):
    path = tmp_path / "big.html"
    body = "".join(f"<tr><td>{i}</td><td>x</td></tr>" for i in range(200))
    path.write_text(f"<table>{body}</table>", encoding="utf-8")
    with pytest.raises(InputError, match="--max-cells"):
        read_table(path, "trainees", limits=ReadLimits(max_cells=100))


def _spreadsheetml(sheets: str) -> bytes:
    return (
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel" '
        f'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">{sheets}</Workbook>'
    ).encode()


def test_spreadsheetml_saved_as_xls(tmp_path):
    """Excel 2003 XML: ss:Index gaps, MergeDown over a class, a number-typed ID that lost
    its tail, and a hidden sheet that is named, not read."""

    def cell(v, extra=""):
        kind = "Number" if isinstance(v, int) else "String"
        return f'<Cell{extra}><Data ss:Type="{kind}">{v}</Data></Cell>'

    data = [list(r) for r in ROWS]
    data[0][1] = NUMERIC_ID
    rows = '<Row ss:Index="2">' + "".join(cell(h) for h in HEADER) + "</Row>"
    for i, r in enumerate(data):
        cells = [cell(v) for v in r]
        cells[3] = cell("B2019-01", ' ss:MergeDown="2"') if i == 0 else ""
        if i:
            cells[4] = cell(r[4], ' ss:Index="5"')
        rows += "<Row>" + "".join(cells) + "</Row>"
    hidden = (
        '<Worksheet ss:Name="旧数据"><Table><Row>' + "".join(cell(h) for h in HEADER)
        + "</Row></Table><WorksheetOptions xmlns=\"urn:schemas-microsoft-com:office:excel\">"
        "<Visible>SheetHidden</Visible></WorksheetOptions></Worksheet>"
    )  # fmt: skip
    path = tmp_path / "export.xls"
    path.write_bytes(
        _spreadsheetml(f'<Worksheet ss:Name="花名册"><Table>{rows}</Table></Worksheet>{hidden}')
    )
    table = read_table(path, "trainees")
    assert table.info.kind == "xml" and table.info.sheet == "花名册"
    assert _column(table, "_row") == [3, 4, 5]
    assert _column(table, "class_id") == ["B2019-01"] * 3
    assert _column(table, "occupation") == [r[4] for r in ROWS]
    assert _column(table, "id_number")[0] == str(NUMERIC_ID)
    assert _column(table, "id_number__numeric") == [True, False, False]
    assert any("旧数据" in note for note in table.info.notes)


def test_spreadsheetml_with_a_doctype_is_refused(tmp_path):
    path = tmp_path / "entities.xls"
    path.write_bytes(
        _spreadsheetml("").replace(b"<Workbook", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><Workbook')
    )
    with pytest.raises(InputError, match="DOCTYPE"):
        read_table(path, "trainees")


def test_a_str_path_is_accepted(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_bytes(_csv_bytes([HEADER, *ROWS]))
    assert read_table(str(path), "trainees").data.num_rows == 3

"""The streaming look at an xlsx sheet's XML (trainaudit/io/xlsx_scan.py), checked against
what calamine itself does with the same bytes: python-calamine and fastexcel (each with
its own copy of calamine) are the reference for the first row, the merged ranges, the
big number cells and the block of cells the memory guard bounds."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import fastexcel
import pytest
import python_calamine
from corpus import (
    HEADER,
    ROWS,
    SHEET_HEAD,
    inline_cell,
    one_line_error,
    random_sheets,
    raw_xlsx,
    rezip,
)

from trainaudit.errors import InputError
from trainaudit.io import xlsx_scan
from trainaudit.io.readers import read_table
from trainaudit.io.xlsx_scan import scan_sheet_xml

SHEET = "xl/worksheets/sheet1.xml"


def _workbook(tmp_path: Path, rows: bytes, after: bytes = b"", name: str = "book.xlsx") -> Path:
    """A one-sheet workbook (sheet S1) with `rows` inside <sheetData> and `after` after it."""
    base = raw_xlsx(tmp_path / "base.xlsx", [])
    xml = SHEET_HEAD + b"<sheetData>" + rows + b"</sheetData>" + after + b"</worksheet>"
    return rezip(base, tmp_path / name, {SHEET: xml})


def _scan(path: Path, **kwargs) -> xlsx_scan.SheetLayout:
    return scan_sheet_xml(path, SHEET, sheet="S1", **kwargs)


def _calamine_sheet(path: Path):
    return python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)


def _calamine_first_row(path: Path) -> int | None:
    """The spreadsheet row of the first row calamine returns (it drops empty ones)."""
    start = _calamine_sheet(path).start
    return None if start is None else start[0] + 1


def _calamine_merges(path: Path) -> list[tuple[int, int, int, int]]:
    """calamine's merged ranges as the scan gives them: rows 1-based, columns 0-based."""
    ranges = _calamine_sheet(path).merged_cell_ranges
    return [(r1 + 1, c1, r2 + 1, c2) for (r1, c1), (r2, c2) in ranges]


# --- the first row ----------------------------------------------------------------------


ROW_2 = b'<row r="2">' + inline_cell("A2", "two") + b"</row>"
ROW_4 = b'<row r="4"><c r="A4"><v>4</v></c></row>'
ROW_5 = b'<row r="5">' + inline_cell("A5", "five") + b"</row>"


@pytest.mark.parametrize(
    "rows, first_row",
    [
        pytest.param(ROW_5 + ROW_2, 2, id="a-row-above-comes-later"),
        pytest.param(ROW_2 + ROW_5, 2, id="rows-in-order"),
        pytest.param(b'<row r="5"><c r="A3"><v>1</v></c></row>', 3, id="a-cell-above-its-row"),
        pytest.param(
            b'<row r="2"><c r="A5"><v>1</v></c><c><v>2</v></c></row>',
            2,
            id="a-cell-without-r-goes-to-its-row",
        ),
        pytest.param(b'<row r="4"/><row><c><v>1</v></c></row>', 5, id="a-row-without-r"),
        pytest.param(b'<row r="2"><c r="A2"><v></v></c></row>' + ROW_4, 4, id="empty-v"),
        pytest.param(
            b'<row r="2"><c r="A2"><v>&#49;</v></c></row>' + ROW_4, 4, id="v-starts-with-an-entity"
        ),
        pytest.param(
            b'<row r="2"><c r="A2" t="inlineStr"><v>5</v></c></row>' + ROW_4,
            4,
            id="v-of-an-inline-string",
        ),
        pytest.param(
            b'<row r="2"><c r="A2"><v>1</v><f>1+1</f></c></row>' + ROW_4,
            4,
            id="the-last-child-is-a-formula",
        ),
        pytest.param(
            b'<row r="2"><c r="A2" t="str"><v/></c></row>' + ROW_4, 2, id="empty-text-is-text"
        ),
        pytest.param(
            b'<!-- <row r="1"><c r="A1"><v>1</v></c></row> --><row r="3"><c r="A3"><v>3</v></c></row>',
            3,
            id="a-commented-out-row",
        ),
    ],
)
def test_first_row_is_where_calamine_starts(tmp_path, rows, first_row):
    """calamine's block starts at the smallest row holding a value as it reads values (an
    empty <v>, a formula after the value, the <v> of an inline string hold none; an
    empty string result does), placing each cell by its own reference, or after the
    previous one; findings must name the row the user sees."""
    path = _workbook(tmp_path, rows)
    assert _calamine_first_row(path) == first_row
    assert _scan(path).first_row == first_row
    assert _scan(path, max_cells=0).first_row == first_row  # the exact pass agrees


def test_first_row_of_rows_out_of_order_as_fastexcel_reads_them(tmp_path):
    path = _workbook(tmp_path, ROW_5 + ROW_2)
    sheet = fastexcel.read_excel(str(path)).load_sheet(0, header_row=None, dtypes="string")
    assert sheet.to_arrow().column(0).to_pylist() == ["two", None, None, "five"]
    assert _scan(path).first_row == 2  # the row of "two", where fastexcel's first row is


def test_row_numbers_of_a_roster_written_out_of_order(tmp_path):
    """The header row (2) comes after the records (3, 4) in the XML: the records keep the
    row numbers the user sees."""

    def row(number: int, values: list) -> bytes:
        cells = b"".join(
            inline_cell(f"{chr(65 + c)}{number}", str(v)) for c, v in enumerate(values)
        )
        return b'<row r="%d">' % number + cells + b"</row>"

    path = raw_xlsx(tmp_path / "roster.xlsx", [row(3, ROWS[0]), row(4, ROWS[1]), row(2, HEADER)])
    table = read_table(path, "trainees")
    assert table.info.header_row == 2
    assert table.data.column("_row").to_pylist() == [3, 4]


def _in_order(first: int, megabytes: float, columns: int = 8) -> list[bytes]:
    """Rows from `first` on, in order, as a writer puts them, about `megabytes` of them."""
    letters = [xlsx_scan.column_letters(c) for c in range(1, columns + 1)]
    parts, size, row = [], 0, first
    while size < megabytes * (1 << 20):
        cells = b"".join(inline_cell(f"{c}{row}", f"v{row}") for c in letters)
        parts.append(b'<row r="%d" spans="1:%d">' % (row, columns) + cells + b"</row>")
        size += len(parts[-1])
        row += 1
    return parts


@pytest.mark.parametrize(
    "late, first_row",
    [
        (b'<row r="2"><c t="inlineStr"><is><t>up</t></is></c></row>', 2),
        (b'<row r="90000"><c r="B2"><v>7</v></c></row>', 2),
        (b'<row r="2"><c r="A2" s="1"/></row>', 3),  # formatted, no value
        (b'<row r="90000"><c r="B2"><v></v></c></row>', 3),  # no value either
    ],
    ids=["a-row", "a-cell", "a-formatted-cell", "an-empty-value"],
)
@pytest.mark.parametrize("chunk", [1, 2])
def test_a_value_above_the_first_found_far_down_the_sheet(tmp_path, late, first_row, chunk):
    """The first row found in file order is watched for a reference above it in every
    later chunk; the sheet is then read tag by tag again for the smallest row."""
    parts = _in_order(3, 2.5)
    at = len(parts) * chunk // 3
    path = raw_xlsx(tmp_path / "late.xlsx", [*parts[:at], late, *parts[at:]])
    assert _calamine_first_row(path) == first_row
    assert _scan(path).first_row == first_row


@pytest.mark.parametrize("boundary", [1, 2], ids=["first-chunk", "later-chunk"])
@pytest.mark.parametrize("shift", range(-14, 15, 2))
def test_a_value_above_the_first_cut_by_the_read_chunks(tmp_path, boundary, shift):
    """The reference above the first row straddles a 1 MiB read boundary, wherever the
    boundary falls in it: the end of the chunk where the first value is found, or a
    later one."""
    first = b'<row r="3">' + inline_cell("A3", "x") + b"</row>"
    late = b'<row r="7"><c r="A2"><v>2</v></c></row>'
    start = len(SHEET_HEAD) + len(b"<sheetData>") + len(first)
    pad = b" " * ((boundary << 20) - shift - start - 7 - late.index(b'r="A2"'))
    path = raw_xlsx(
        tmp_path / "cut.xlsx", [first, b"<!--" + pad + b"-->", late, *_in_order(8, 0.1)]
    )
    assert _calamine_first_row(path) == 2
    assert _scan(path).first_row == 2


@pytest.mark.parametrize("columns", [8, 30], ids=["narrow", "wide"])
def test_rows_in_order_take_no_second_pass(tmp_path, monkeypatch, columns):
    """Formatted empty rows above the first value, then rows in order, across chunks:
    the first row comes from the one pass."""

    def slow_pass(*args):
        raise AssertionError("the sheet was read a second time")

    formatted = b"".join(b'<row r="%d" s="1" customFormat="1"/>' % r for r in (1, 2))
    path = raw_xlsx(tmp_path / "roster.xlsx", [formatted, *_in_order(3, 2.5, columns)])
    monkeypatch.setattr(xlsx_scan, "_exact_extent", slow_pass)
    assert _scan(path).first_row == 3


@pytest.mark.parametrize("cut", [False, True], ids=["whole", "cut-by-the-read-chunks"])
def test_first_row_of_odd_sheets_is_calamines(tmp_path, cut):
    """Random odd and damaged sheets (references missing, out of order, doubled, quoted
    and spaced every way, prefixed tags): the first row is calamine's, with the one
    pass and with the exact one."""
    checked = 0
    for seed, path in random_sheets(tmp_path, 60 if cut else 200, cut):
        try:
            first_row = _calamine_first_row(path)
        except Exception:  # calamine refuses the sheet: no row to agree on
            continue
        checked += 1
        assert _scan(path).first_row == first_row, seed
        assert _scan(path, max_cells=0).first_row == first_row, seed
    assert checked > (30 if cut else 100)


# --- merged ranges ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "merges",
    [
        b"<mergeCells count='1'><mergeCell ref='a2:a3'/></mergeCells>",
        b'<mergeCells><mergeCell ref = "A2:B3"/></mergeCells>',
        b'<mergeCells><mergeCell\tref\n=\t"A2:B3"/></mergeCells>',
        b'<x:mergeCells xmlns:x="m"><x:mergeCell ref="A2:B3"/></x:mergeCells>',
        b'<mergeCells><mergeCell id="1"ref="A2:B3"></mergeCell></mergeCells>',
        b'<mergeCells><mergeCell ref="A2:B3" ref="C5:D6"/></mergeCells>',
        b'<mergeCells><mergeCell foo=">" ref="A2:B3"/></mergeCells>',
        b'<mergeCells><mergeCell x:ref="A2:B3"/><mergeCell REF="C4:C5"/></mergeCells>',
        b'<mergeCells><mergeCell ref="B3"/><mergeCell ref="A02:B03"/></mergeCells>',
        b'<mergeCells><mergeCell ref="A2:B3"/></mergeCells><mergeCells><mergeCell ref="C4:C5"/></mergeCells>',
    ],
    ids=[
        "single-quotes-lower-case",
        "spaced",
        "tab-and-newline",
        "prefixed",
        "after-a-quote",
        "the-first-ref-of-two",
        "a-quoted-gt-before",
        "other-attributes",
        "one-cell-leading-zeros",
        "the-first-block-only",
    ],
)
def test_merged_ranges_are_calamines(tmp_path, merges):
    path = _workbook(tmp_path, b'<row r="1"><c r="A1"><v>1</v></c></row>', merges)
    assert _scan(path).merges == _calamine_merges(path)


@pytest.mark.parametrize("ref", [b"$A$2:$B$3", b" A2:B3", b"A0:B3", b"A2:B3:C4", b"A:B"])
def test_merged_ranges_calamine_refuses_are_left_out(tmp_path, ref):
    merges = b'<mergeCells><mergeCell ref="%s"/><mergeCell ref="D4:D5"/></mergeCells>' % ref
    path = _workbook(tmp_path, b'<row r="1"><c r="A1"><v>1</v></c></row>', merges)
    with pytest.raises(python_calamine.CalamineError):
        _calamine_merges(path)
    assert _scan(path).merges == [(4, 3, 5, 3)]


# --- number cells of 16 digits or more ----------------------------------------------------


NUMBER_CELLS = [
    b'<c r="A1"><v xml:space="preserve">1234567890123456789</v></c>',
    b"<c r='B1'><v foo='1'>3.7052319690611603E+17</v></c>",
    b'<x:c r="C1"><x:v a="b">1234567890123456789</x:v></x:c>',
    b'<c r="D1" t="n"><v\n>1234567890123456789</v></c>',
    b'<c r="E1"><v>12.5E15</v></c>',
    b'<c r="F1"><v>+1234567890123456789</v></c>',
    b'<c r="G1"><v>1234567890123456&#55;</v></c>',
    b'<c r="H1"><v xml:space="preserve"> 1234567890123456789 </v></c>',  # text, to calamine
    b'<c r="I1"><v> 1234567890123456789</v></c>',  # text as well
    b'<c r="J1" t="str"><v xml:space="preserve">1234567890123456789</v></c>',  # text
    b'<c r="K1"><v>0001234567890123</v></c>',  # 1.2e12
    b'<c r="L1"><v xml:space="preserve">123456789012345</v></c>',  # 15 digits: exact
    b'<c r="M1"><v a="1">1.5E+14</v></c>',
]


def test_big_numbers_in_every_spelling_calamine_reads(tmp_path):
    """A <v> with attributes, a prefix, a sign, an exponent of any mantissa: a number of
    10^15 or more is found; text padded with spaces (calamine keeps it as text) and
    numbers below 10^15 are not."""
    path = _workbook(tmp_path, b'<row r="1">' + b"".join(NUMBER_CELLS) + b"</row>")
    values = _calamine_sheet(path).to_python()[0]
    big = {col for col, v in enumerate(values) if isinstance(v, float) and v >= 1e15}
    assert big == {0, 1, 2, 3, 4, 5, 6}  # what calamine reads
    layout = _scan(path)
    assert layout.numbers == {col: [1] for col in sorted(big)}
    assert layout.numbers_complete


@pytest.mark.parametrize("shift", [-60, -40, -25, -12, -5, 0, 3, 9, 30])
def test_big_numbers_with_attributes_cut_by_the_read_chunks(tmp_path, shift):
    head = b'<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    target = b'<row r="3"><c r="C3"><v xml:space="preserve">3.70523196906116E+17</v></c></row>'
    pad = (1 << 20) - len(head) - target.index(b"<v") - shift
    xml = head + b"<!--" + b"x" * (pad - 7) + b"-->" + target + b"</sheetData></worksheet>"
    path = tmp_path / "chunks.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sheet.xml", xml)
    assert scan_sheet_xml(path, "sheet.xml").numbers == {2: [3]}


# --- the memory guard ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, block",
    [
        (b'<c x=">" r="XFD1048576"><v>1</v></c>', (1_048_576, 16_384)),
        (b'<c r="XFD00000000000001048576"><v>1</v></c>', (1_048_576, 16_384)),
        (b'<c x=">" r="J20"><v>1</v></c>', (20, 10)),
    ],
    ids=["a-quoted-gt-before-r", "leading-zeros", "a-small-one"],
)
def test_the_exact_block_reads_references_as_calamine_does(tmp_path, cell, block):
    """quick-xml (in calamine) reads a `>` inside quotes as part of the tag, and a row
    number's leading zeros as nothing: the block must not come out smaller."""
    path = _workbook(
        tmp_path, b'<row r="1"><c r="A1"><v>1</v></c></row><row r="20">' + cell + b"</row>"
    )
    layout = _scan(path, max_cells=0)
    assert (layout.max_row, layout.max_col) == block
    if block[0] < 100:  # a block calamine can build: it is the same
        end = _calamine_sheet(path).end
        assert (end[0] + 1, end[1] + 1) == block


@pytest.mark.parametrize("shift", range(-5, 140, 8))
def test_a_long_reference_cut_by_the_read_chunks_is_seen_whole(tmp_path, shift):
    """A reference padded with zeros (row 2,000,000, beyond Excel) whose tag starts in one
    chunk and whose row ends in the next."""
    ref = b"A" + b"0" * 100 + b"2000000"
    head = b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
    cell = b'<row r="7"><c r="%s"><v>1</v></c></row>' % ref
    pad = (1 << 20) - len(head) - cell.index(ref) - shift
    xml = head + b"<!--" + b" " * (pad - 7) + b"-->" + cell + b"</sheetData></worksheet>"
    path = tmp_path / "straddle.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sheet.xml", xml)
    with pytest.raises(InputError, match=r"\(A2000000\) beyond Excel's last cell"):
        scan_sheet_xml(path, "sheet.xml")


# --- a tag that never ends ----------------------------------------------------------------


@pytest.mark.parametrize("slow_pass", [False, True], ids=["before-the-first-value", "exact-pass"])
def test_a_tag_that_never_ends_is_damage(tmp_path, monkeypatch, slow_pass):
    """Bytes held over from chunk to chunk are bounded: past the limit (lowered here to
    1 MiB), one line naming the file and the sheet."""
    monkeypatch.setattr(xlsx_scan, "_TAG_LIMIT", 1 << 20)
    first = b'<row r="1"><c r="A1"><v>1</v></c></row>' if slow_pass else b""
    run_on = b'<row r="2"><c r="A2" s="' + b"1" * (3 << 20)
    path = raw_xlsx(tmp_path / "runon.xlsx", [first, run_on])
    with pytest.raises(InputError) as exc:
        _scan(path, max_cells=0 if slow_pass else xlsx_scan.MAX_CELLS)
    line = one_line_error(exc, path)
    assert line.startswith(f"{path}, sheet S1: the workbook is damaged: a tag runs on")


def test_long_text_is_not_a_long_tag(tmp_path, monkeypatch):
    """The same bytes as a cell's text: nothing held over, nothing refused."""
    monkeypatch.setattr(xlsx_scan, "_TAG_LIMIT", 1 << 20, raising=False)
    text = b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"1" * (3 << 20) + b"</t></is></c></row>"
    path = raw_xlsx(tmp_path / "text.xlsx", [text])
    layout = _scan(path, max_cells=0)
    assert (layout.first_row, layout.max_row, layout.max_col) == (2, 2, 1)


def test_a_tag_that_never_ends_at_the_real_limit(tmp_path):
    run_on = b'<row r="1"><c r="A1" s="' + b"1" * (xlsx_scan._TAG_LIMIT + (1 << 20))
    path = raw_xlsx(tmp_path / "runon.xlsx", [run_on])
    with pytest.raises(InputError, match="damaged: a tag runs on"):
        _scan(path)


@pytest.mark.parametrize("unit", [b"<c ", b'<c "', b"<!--<c", b"<"])
def test_the_walk_is_linear_on_markup_that_never_closes(tmp_path, unit):
    """Megabytes of tags, quotes or comments that never end, in the exact pass: each byte
    is looked at a bounded number of times (a regex retried at every `<` would take
    hours here)."""
    body = b'<row r="1"><c r="A1"><v>1</v></c></row>' + unit * ((4 << 20) // len(unit))
    path = raw_xlsx(tmp_path / "open.xlsx", [body])
    started = time.perf_counter()
    layout = _scan(path, max_cells=0)
    assert time.perf_counter() - started < 20
    assert (layout.first_row, layout.max_row, layout.max_col) == (1, 1, 1)

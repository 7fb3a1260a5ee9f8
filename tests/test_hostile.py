"""Hostile and broken input through the command line (issue 5, items 1 and 2).

Every input that cannot be audited ends in exit 2 with one line on stderr that names
the file (and sheet or line where known) and no traceback; what can be audited (a
header-only file, a very wide sheet, a 1 MB cell, a table on the second sheet) is.
Resource limits refuse zip bombs and impossible sheets before they reach memory.
"""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from corpus import (
    ALICE,
    HEADER,
    ROWS,
    encrypted_ole,
    gb18030_with_bad_bytes,
    header_and_rows_xml,
    raw_xlsx,
    rezip,
    roster_csv,
    roster_xlsx,
    write_csv,
    write_xlsx,
)
from typer.testing import CliRunner

from trainaudit import api
from trainaudit.cli import app
from trainaudit.errors import InputError
from trainaudit.io.readers import DEFAULT_LIMITS, ReadLimits, read_table

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def assert_refused(result, path: Path, *words: str) -> str:
    """Exit 2, one line on stderr naming the file, no traceback; returns the line."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("trainaudit: error: ")
    assert path.name in line, line
    assert "Traceback" not in result.output + result.stderr
    assert "unexpected" not in line, line
    for word in words:
        assert word in line, (word, line)
    return line


# --- the corpus of files that cannot be audited ----------------------------------------------


def _empty(tmp: Path) -> tuple[Path, tuple[str, ...]]:
    path = tmp / "empty.xlsx"
    path.write_bytes(b"")
    return path, ("empty",)


def _blank_csv(tmp: Path):
    path = tmp / "blank.csv"
    path.write_bytes(b"\r\n   \r\n\t\r\n")
    return path, ("empty",)


def _truncated_xlsx(tmp: Path):
    data = roster_xlsx(tmp / "good.xlsx").read_bytes()
    path = tmp / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path, ("damaged or truncated",)


def _damaged_sheet(tmp: Path):
    good = roster_xlsx(tmp / "good.xlsx")
    sheet = zipfile.ZipFile(good).read("xl/worksheets/sheet1.xml")
    path = rezip(good, tmp / "damaged.xlsx", {"xl/worksheets/sheet1.xml": sheet[: len(sheet) // 2]})
    return path, ("sheet 花名册",)


def _sheet_missing(tmp: Path):
    good = roster_xlsx(tmp / "good.xlsx")
    return rezip(good, tmp / "nosheet.xlsx", {"xl/worksheets/sheet1.xml": None}), ()


def _zip_from_the_future(tmp: Path):
    """A damaged header claiming "version 6.7 needed to extract" (found by the fuzzer:
    zipfile raises NotImplementedError, which once escaped as an unexpected error)."""
    data = bytearray(roster_xlsx(tmp / "good.xlsx").read_bytes())
    at = data.find(b"PK\x01\x02")
    while at != -1:
        data[at + 6] = 67
        at = data.find(b"PK\x01\x02", at + 4)
    path = tmp / "future.xlsx"
    path.write_bytes(bytes(data))
    return path, ("damaged or truncated",)


def _unknown_encoding(tmp: Path):
    """workbook.xml declaring encoding="UTF-9" (found by the fuzzer: ElementTree raises
    LookupError, which once escaped as an unexpected error)."""
    good = roster_xlsx(tmp / "good.xlsx")
    book = zipfile.ZipFile(good).read("xl/workbook.xml")
    book = book.replace(b'encoding="UTF-8"', b'encoding="UTF-9"', 1)
    book = book if b"UTF-9" in book else b'<?xml version="1.0" encoding="UTF-9"?>' + book
    return rezip(good, tmp / "utf9.xlsx", {"xl/workbook.xml": book}), ()


def _zip_not_workbook(tmp: Path):
    path = tmp / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    return path, ("neither an Excel nor an ODS workbook",)


def _encrypted(tmp: Path):
    return encrypted_ole(tmp / "secret.xlsx"), ("encrypted", "save it without a password")


def _broken_ole(tmp: Path):
    path = tmp / "broken.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8)
    return path, ("cannot open the workbook",)


def _garbage_csv(tmp: Path):
    path = tmp / "garbage.csv"
    path.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(5000)))
    return path, ("binary data",)


def _garbage_xlsx(tmp: Path):
    path = tmp / "garbage.xlsx"
    path.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(5000)))
    return path, ("binary data", "named .xlsx, but it is not a workbook")


def _text_named_xlsx_without_header(tmp: Path):
    path = write_csv(tmp / "notes.xlsx", [["日期", "摘要"], ["2020-01-01", "购买"]])
    return path, ("no header row", "日期", "named .xlsx, but it is text, not a workbook")


def _bad_gb18030(tmp: Path):
    return gb18030_with_bad_bytes(tmp / "bad.csv"), ("line 3", "GB18030".lower())


def _no_header(tmp: Path):
    path = write_csv(
        tmp / "ledger.csv", [["日期", "摘要", "借方", "贷方"], ["2019-07-01", "购买", "10", ""]]
    )
    return path, ("no header row", "日期", "摘要", "借方", "贷方")


def _no_header_workbook(tmp: Path):
    path = write_xlsx(tmp / "other.xlsx", {"A": [["科目", "金额"]], "B": [[None], [None, "备注"]]})
    return path, ("no header row", "科目", "备注")


def _html_as_xls(tmp: Path):
    path = tmp / "export.xls"
    path.write_bytes(b"<html><body><table><tr><td>x</td></tr></table></body></html>")
    return path, ("HTML",)


def _missing_columns(tmp: Path):
    path = write_csv(tmp / "few.csv", [HEADER[:3], ROWS[0][:3]])
    return path, ("D001", "class_id", "end_date")


def _nul_bytes(tmp: Path):
    path = tmp / "nul.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\r\n\x00\x00\x00,1\r\n")
    return path, ("binary data",)


def _unclosed_quote_ragged(tmp: Path):
    path = tmp / "quote.csv"
    path.write_bytes(
        ("\r\n".join(",".join(r) for r in [HEADER, *ROWS]) + '\r\n"open,1\r\n').encode()
    )
    return path, ()


def _missing(tmp: Path):
    return tmp / "nowhere.xlsx", ("not found",)


def _folder(tmp: Path):
    path = tmp / "folder.xlsx"
    path.mkdir()
    return path, ("not a file",)


BROKEN = [
    _empty,
    _blank_csv,
    _truncated_xlsx,
    _damaged_sheet,
    _sheet_missing,
    _zip_from_the_future,
    _zip_not_workbook,
    _encrypted,
    _broken_ole,
    _garbage_csv,
    _garbage_xlsx,
    _text_named_xlsx_without_header,
    _bad_gb18030,
    _no_header,
    _no_header_workbook,
    _html_as_xls,
    _missing_columns,
    _nul_bytes,
    _missing,
    _folder,
]


@pytest.mark.parametrize("make", BROKEN, ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("command", ["audit", "validate"])
def test_unauditable_input_is_one_line_and_exit_2(tmp_path, make, command):
    path, words = make(tmp_path)
    if command == "audit":
        result = invoke("audit", "--trainees", path, "-q", "--lang", "en")
    else:
        result = invoke("validate", path, "--table", "trainees", "-q", "--lang", "en")
    assert_refused(result, path, *words)


def test_a_quote_left_open_is_not_a_crash(tmp_path):
    path, _ = _unclosed_quote_ragged(tmp_path)
    result = invoke("audit", "-t", path, "-q", "--lang", "en")
    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.output + result.stderr


def test_an_unknown_xml_encoding_is_not_a_crash(tmp_path):
    path, _ = _unknown_encoding(tmp_path)
    result = invoke("audit", "-t", path, "-q", "--lang", "en")
    assert result.exit_code == 0, result.stderr  # calamine reads it; our own look-in copes
    assert result.stderr == ""


def test_debug_shows_the_traceback(tmp_path):
    path, _ = _garbage_csv(tmp_path)
    result = invoke("audit", "-t", path, "--debug")
    assert result.exit_code == 2  # --debug shows where, and keeps the exit code (issue 14)
    assert "Traceback" in result.stderr and "InputError" in result.stderr


# --- what can be audited ---------------------------------------------------------------------


@pytest.mark.parametrize("writer", [roster_xlsx, roster_csv], ids=["xlsx", "csv"])
def test_header_only_file_is_auditable(tmp_path, writer):
    path = writer(tmp_path / f"header_only{'.xlsx' if writer is roster_xlsx else '.csv'}", [])
    findings = tmp_path / "f.csv"
    out = tmp_path / "report.xlsx"
    result = invoke("audit", "-t", path, "--findings", findings, "--out", out, "--lang", "en")
    assert result.exit_code == 0, result.output + result.stderr
    assert findings.read_text(encoding="utf-8-sig").splitlines()[0].startswith("rule,name,severity")
    assert len(findings.read_text(encoding="utf-8-sig").splitlines()) == 1
    assert read_table(path, "trainees").data.num_rows == 0
    assert out.exists()


def test_csv_renamed_xlsx_is_read_by_its_content(tmp_path):
    """Kept, not refused: DOMAIN §5.1 says sniff by content, and government systems
    export text as .xls. The note says so; a text file that is not a table either is
    refused saying the name promised a workbook (see the corpus above)."""
    path = roster_csv(tmp_path / "roster.xlsx")
    report = api.audit(trainees=path, lang="en")
    assert report.inputs["trainees"].kind == "csv"
    assert any("named .xlsx" in n for n in report.inputs["trainees"].notes)
    assert invoke("audit", "-t", path, "-q").exit_code == 0


def test_very_wide_sheet(tmp_path):
    width = 2000
    header = HEADER + [f"备注{i}" for i in range(width - len(HEADER))]
    rows = [r + [f"v{i}" for i in range(width - len(r))] for r in ROWS]
    path = write_xlsx(tmp_path / "wide.xlsx", {"花名册": [header, *rows]})
    table = read_table(path, "trainees")
    assert table.original.num_columns == width + 1  # every column, plus _row
    out = tmp_path / "report.xlsx"
    result = invoke("audit", "-t", path, "-q", "--out", out)
    assert result.exit_code == 0, result.stderr
    csv_path = write_csv(tmp_path / "wide.csv", [header, *rows])
    assert read_table(csv_path, "trainees").original.num_columns == width + 1


def test_wide_sheet_with_a_far_column_is_read(tmp_path):
    """A value in XFD (the last column) is legal: 16,384 columns × 3 rows."""
    parts = [
        header_and_rows_xml(),
        b'<row r="4"><c r="XFD4" t="inlineStr"><is><t>x</t></is></c></row>',
    ]
    path = raw_xlsx(tmp_path / "far.xlsx", parts)
    assert read_table(path, "trainees").data.num_rows == 2


def test_one_megabyte_cells(tmp_path):
    big = "长" * 1_000_000
    rows = [list(r) for r in ROWS]
    rows[0][2] = big  # the institution cell
    for path in (
        roster_csv(tmp_path / "big.csv", rows),
        # openpyxl cuts a string at Excel's 32,767 characters; other writers do not
        raw_xlsx(tmp_path / "big.xlsx", [header_and_rows_xml(rows)]),
    ):
        table = read_table(path, "trainees")
        assert table.data.column("institution").to_pylist()[0] == big
        out, findings = tmp_path / f"{path.stem}.out.xlsx", tmp_path / f"{path.stem}.f.csv"
        result = invoke("audit", "-t", path, "-q", "--out", out, "--findings", findings)
        assert result.exit_code in (0, 1), result.stderr
        assert out.exists() and findings.exists()


def test_table_on_the_second_sheet(tmp_path):
    path = write_xlsx(
        tmp_path / "book.xlsx",
        {
            "封面": [["2020年职业技能培训补贴申请"], [None, "填报日期：2020年3月1日"]],
            "花名册": [HEADER, *ROWS],
        },
    )
    findings = tmp_path / "f.csv"
    result = invoke("audit", "-t", path, "-q", "--findings", findings, "--fail-on", "never")
    assert result.exit_code == 0, result.stderr
    assert api.audit(trainees=path).inputs["trainees"].sheet == "花名册"


# --- resource limits ------------------------------------------------------------------------


def _filler(megabytes: int) -> list[bytes]:
    """Highly compressible XML (a comment of spaces): a megabyte becomes about a kilobyte."""
    return [b"<!--" + b" " * (1 << 20) + b"-->" for _ in range(megabytes)]


def test_zip_bomb_is_refused_before_it_is_read(tmp_path):
    path = raw_xlsx(tmp_path / "bomb.xlsx", [header_and_rows_xml(), *_filler(24)])
    assert path.stat().st_size < 200_000  # 24 MB of XML in a small file
    started = time.perf_counter()
    result = invoke("audit", "-t", path, "-q", "--max-sheet-mb", "8")
    line = assert_refused(result, path, "more than 8 MB of XML", "--max-sheet-mb")
    assert "sheet S1" in line
    assert time.perf_counter() - started < 10
    # raised limits: the same file is read (it is a roster, after all)
    raised = ("--max-sheet-mb", "64", "--max-inflate-ratio", "100000")
    assert invoke("audit", "-t", path, "-q", *raised).exit_code == 0


def test_a_sheet_that_inflates_hundreds_of_times_is_refused_in_seconds(tmp_path):
    """(issue 14.14) Far below --max-sheet-mb, but 24 MB of XML from a 30 KB member: refused
    from the zip's directory, before a byte is inflated, naming the ratio and the option."""
    path = raw_xlsx(tmp_path / "ratio.xlsx", [header_and_rows_xml(), *_filler(24)])
    started = time.perf_counter()
    line = assert_refused(invoke("audit", "-t", path, "-q"), path, "--max-inflate-ratio")
    assert time.perf_counter() - started < 5
    assert "times" in line and "more than the limit of 100 times" in line
    ratio = int(line.split("expands ")[1].split(" times")[0].replace(",", ""))
    assert ratio > 100
    with pytest.raises(InputError, match="more than the limit of 100 times"):
        read_table(path, "trainees")
    allowed = ReadLimits(max_inflate_ratio=ratio + 1)
    assert read_table(path, "trainees", limits=allowed).data.num_rows == len(ROWS)


def test_a_small_well_compressed_part_is_not_a_bomb(tmp_path):
    """Below the grace size a part may compress as well as it likes (styles, blank rows)."""
    path = raw_xlsx(tmp_path / "small.xlsx", [header_and_rows_xml(), *_filler(4)])
    assert read_table(path, "trainees").data.num_rows == len(ROWS)


def test_xml_budget_counts_the_whole_workbook(tmp_path):
    """Three sheets of 5 MB each pass one by one a 12 MB limit, not together."""
    parts = [header_and_rows_xml(), *_filler(5)]
    path = raw_xlsx(tmp_path / "three.xlsx", parts, sheets=3)
    limits = ReadLimits(max_sheet_mb=12)
    with pytest.raises(InputError, match="more than 12 MB"):
        read_table(path, "trainees", limits=limits)
    assert read_table(path, "trainees", limits=ReadLimits(max_sheet_mb=20)).data.num_rows == 2


def test_millions_of_empty_styled_rows_are_read_in_bounded_time(tmp_path):
    def parts():
        yield header_and_rows_xml()
        for start in range(4, 1_000_004, 50_000):
            yield b"".join(
                f'<row r="{r}" s="1" customFormat="1"/>'.encode()
                for r in range(start, start + 50_000)
            )

    path = raw_xlsx(tmp_path / "styled.xlsx", parts())
    started = time.perf_counter()
    assert read_table(path, "trainees").data.num_rows == 2
    assert time.perf_counter() - started < 30
    result = invoke("audit", "-t", path, "-q", "--max-sheet-mb", "16")
    assert_refused(result, path, "more than 16 MB of XML")


def test_a_value_in_the_last_cell_of_the_sheet_is_refused(tmp_path):
    """calamine would allocate 1,048,576 × 16,384 cells (550 GB) and abort the process."""
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    path = raw_xlsx(tmp_path / "corner.xlsx", [header_and_rows_xml(), far])
    line = assert_refused(invoke("audit", "-t", path, "-q"), path, "--max-cells", "XFD1048576")
    assert "sheet S1" in line


def test_a_formatted_empty_cell_in_the_last_cell_is_fine(tmp_path):
    """Ctrl+End in Excel lands there after someone formats it: no value, nothing to hold."""
    far = b'<row r="1048576"><c r="XFD1048576" s="1"/></row>'
    path = raw_xlsx(tmp_path / "formatted_corner.xlsx", [header_and_rows_xml(), far])
    assert invoke("audit", "-t", path, "-q").exit_code == 0


def test_cell_limit_is_adjustable(tmp_path):
    path = roster_xlsx(tmp_path / "small.xlsx")
    assert_refused(invoke("audit", "-t", path, "-q", "--max-cells", "10"), path, "--max-cells")
    assert invoke("audit", "-t", path, "-q", "--max-cells", "1000").exit_code == 0


@pytest.mark.parametrize(
    "ref, words",
    [("A99999999", ("A99999999", "damaged")), ("ZZZZ3", ("ZZZZ", "damaged"))],
)
def test_cell_references_beyond_excel_are_damage(tmp_path, ref, words):
    bad = f'<row r="3"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
    path = raw_xlsx(tmp_path / "beyond.xlsx", [header_and_rows_xml(), bad])
    assert_refused(invoke("audit", "-t", path, "-q"), path, *words)


def test_shared_string_count_that_lies_is_refused(tmp_path):
    """calamine reserves room for the count it is told: four billion strings is 96 GB."""
    import xlsxwriter

    good = tmp_path / "good.xlsx"
    with xlsxwriter.Workbook(str(good)) as book:  # writes a shared string table
        sheet = book.add_worksheet("花名册")
        for r, row in enumerate([HEADER, *ROWS]):
            sheet.write_row(r, 0, row)
    sst = zipfile.ZipFile(good).read("xl/sharedStrings.xml")
    lying = sst.replace(b'uniqueCount="', b'uniqueCount="4000000000" x="', 1)
    path = rezip(good, tmp_path / "sst.xlsx", {"xl/sharedStrings.xml": lying})
    assert_refused(invoke("audit", "-t", path, "-q"), path, "claims 4,000,000,000 strings")


def test_many_repeated_strings_are_not_damage(tmp_path):
    """(issue 14.13) 200 columns of repeated values: the shared-string table's `count`
    (cells referring to it) is far beyond its size; only `uniqueCount` is reserved."""
    import xlsxwriter

    path = tmp_path / "repeated.xlsx"
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("花名册")
        sheet.write_row(0, 0, HEADER + [f"考勤{i}" for i in range(200 - len(HEADER))])
        for r, row in enumerate(ROWS * 100, start=1):
            sheet.write_row(r, 0, list(row) + ["是"] * (200 - len(HEADER)))
    sst = zipfile.ZipFile(path).read("xl/sharedStrings.xml")
    head = sst[: sst.index(b">", sst.index(b"<sst")) + 1].decode()
    count = int(head.split(' count="')[1].split('"')[0])
    assert count > len(sst) // 4  # the guard comparing `count` refused this workbook
    table = read_table(path, "trainees")
    assert table.data.num_rows == len(ROWS) * 100
    assert table.info.rows == len(ROWS) * 100


def test_csv_file_size_limit(tmp_path):
    path = roster_csv(tmp_path / "t.csv", ROWS * 10_000)
    assert path.stat().st_size > 1 << 20
    assert_refused(invoke("audit", "-t", path, "-q", "--max-file-mb", "1"), path, "--max-file-mb")
    assert (
        invoke("audit", "-t", path, "-q", "--max-file-mb", "2", "--fail-on", "never").exit_code == 0
    )


def test_csv_cell_limit_before_parsing(tmp_path):
    path = tmp_path / "commas.csv"
    path.write_bytes((",".join(HEADER) + "\r\n").encode() + b"," * 3_000_000 + b"\r\n")
    assert_refused(invoke("audit", "-t", path, "-q", "--max-cells", "1000000"), path, "--max-cells")


@pytest.mark.parametrize("where", ["first", "later"])
def test_csv_wider_than_any_spreadsheet_is_refused(tmp_path, where):
    wide = b"x," * 20_000 + b"x\r\n"
    head = (",".join(HEADER) + "\r\n").encode()
    body = (",".join(ROWS[0]) + "\r\n").encode()
    path = tmp_path / "wide.csv"
    path.write_bytes(wide + head + body if where == "first" else head + body + b"\r\n" + wide)
    line = assert_refused(invoke("audit", "-t", path, "-q"), path, "16,384 columns")
    assert ("line 1" if where == "first" else "line 4") in line


def test_parquet_limits(tmp_path):
    path = tmp_path / "t.parquet"
    table = pa.table({h: [r[i] for r in ROWS] * 1000 for i, h in enumerate(HEADER)})
    pq.write_table(table, path)
    assert_refused(invoke("audit", "-t", path, "-q", "--max-cells", "1000"), path, "--max-cells")
    assert invoke("audit", "-t", path, "-q", "--fail-on", "never").exit_code == 0


def test_ods_content_is_bounded(tmp_path):
    path = tmp_path / "book.ods"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", b"<x>" + b" " * (12 << 20) + b"</x>")
    assert_refused(invoke("audit", "-t", path, "-q", "--max-sheet-mb", "4"), path, "--max-sheet-mb")


def test_limits_are_a_parameter_not_a_global(tmp_path):
    path = roster_xlsx(tmp_path / "small.xlsx")
    with pytest.raises(InputError, match="limit of 5 cells"):
        api.audit(trainees=path, limits=ReadLimits(max_cells=5))
    assert DEFAULT_LIMITS == ReadLimits()
    assert api.audit(trainees=path).inputs["trainees"].rows == 2
    with pytest.raises(InputError):
        ReadLimits(max_cells=0)


def test_alice_is_a_valid_id():
    """The corpus's IDs are checksum-valid, so findings are about what the tests vary."""
    from trainaudit.ids import is_valid

    assert is_valid(ALICE)

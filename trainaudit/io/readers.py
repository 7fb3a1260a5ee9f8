"""Files → Arrow tables of text with provenance (`_source`, `_sheet`, `_row`).

Every cell is read as text so that no type guess touches an ID; what an ID cell was
stored as (a number or text) is kept in `id_number__numeric`.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import re
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..model import InputFile
from ..privacy import redact_ids
from .schema import TABLES, alias_table, map_headers
from .xlsx_scan import (
    EXCEL_MAX_COL,
    MAX_CELLS,
    MAX_SHEET_XML_BYTES,
    ZIP_ERRORS,
    XmlBudget,
    check_declared_sizes,
    check_part,
    column_letters,
    hidden_sheets,
    scan_sheet_xml,
    shared_parts,
    sheet_xml_paths,
)


@dataclass(frozen=True)
class ReadLimits:
    """How much one input may make the reader hold; beyond them the input is refused
    with a message naming the limit and its option (SPEC §3: exit 2).

    The defaults suit the project's 2-core, 24 GB machine and a province-night of a few
    million rows; a smaller machine wants smaller ones."""

    max_file_mb: int = 1024
    """size on disk of any input file (`--max-file-mb`): a CSV is read whole and
    decoded, about five times its size at the peak"""
    max_sheet_mb: int = MAX_SHEET_XML_BYTES >> 20
    """XML an .xlsx/.xlsm/.ods may expand to, its sheets and shared strings together, and
    the uncompressed data of a Parquet file (`--max-sheet-mb`): bounds the time spent"""
    max_cells: int = MAX_CELLS
    """rows × columns a sheet, a text file or a Parquet file spans (`--max-cells`):
    bounds memory (the xlsx reader holds 32 bytes a cell of the block a sheet spans)"""

    def __post_init__(self) -> None:
        for name in ("max_file_mb", "max_sheet_mb", "max_cells"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InputError(f"{name} must be a whole number of at least 1, not {value!r}")

    @property
    def max_sheet_bytes(self) -> int:
        return self.max_sheet_mb << 20


DEFAULT_LIMITS = ReadLimits()


@dataclass
class LoadedTable:
    """One input table as read, before normalisation."""

    name: str
    """canonical table name: trainees, certificates, payments, institutions, watchlist, occupations"""
    info: InputFile
    data: pa.Table
    """canonical columns present in the file (text as the user typed it), `_source`,
    `_sheet`, `_row` (the row number the user sees) and, for tables with an ID column,
    `id_number__numeric` (true where the cell was stored as a number of 16 digits or
    more, 10^15 and up: one whose tail Excel or float64 has lost; a 15-digit legacy ID
    typed as a number is exact and is not flagged)."""
    original: pa.Table
    """every column of the user's table as text, under the user's own header names,
    plus `_row`; used to write fresh sheets for csv/parquet inputs."""
    column_index: dict[str, int] = field(default_factory=dict)
    """canonical column -> 0-based column index in the user's sheet or file"""
    present: frozenset[str] = frozenset()
    """canonical columns the file has"""


HEADER_SCAN_ROWS = 30
"""How far below the top a header row may sit (title and info rows above it)."""

KEY_COLUMNS = ("id_number", "name", "institution", "occupation", "cert_no", "payment_id")
_FOOTER = re.compile(
    r"^\s*(合计|小计|总计|共计|填表人|填报人|审核人|负责人|制表人|经办人|注[:：]|说明[:：])"
)


@dataclass
class SheetGrid:
    """A sheet or file as columns of text, before we know where the header is."""

    name: str
    columns: list[pa.Array] | list[pa.ChunkedArray]
    first_row: int
    """the user-visible row (or CSV line) number of grid row 0"""
    first_col: int
    """0-based column index of grid column 0 in the user's sheet"""
    numeric_cells: Callable[[int], np.ndarray] | None = None
    """grid column -> bool per grid row: the cell was stored as a number"""
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    """merged ranges as (first_row, first_col, last_row, last_col): rows 1-based, columns
    0-based, both absolute in the user's sheet"""
    row_numbers: np.ndarray | None = None
    """the user-visible number of each grid row, when rows are not consecutive lines
    (a CSV whose quoted cells span lines)"""

    @property
    def height(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def head(self, n: int) -> list[list[str | None]]:
        cols = [c.slice(0, n).to_pylist() for c in self.columns]
        return [list(row) for row in zip(*cols, strict=True)] if cols else []


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


def sniff_kind(path: Path) -> str:
    """xlsx | ods | xls | parquet | csv, from the first bytes rather than the name."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head:
        raise InputError(f"{path}: the file is empty")
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except ZIP_ERRORS:  # incl. an impossible "zip file version 6.7" in a damaged header
            raise InputError(
                f"{path}: a damaged or truncated workbook (not a readable zip)"
            ) from None
        if "xl/workbook.xml" in names:
            return "xlsm" if path.suffix.lower() == ".xlsm" else "xlsx"
        if "content.xml" in names:
            return "ods"
        raise InputError(f"{path}: a zip file that is neither an Excel nor an ODS workbook")
    if head.startswith(_OLE_MAGIC):
        if _ENCRYPTION_INFO in path.read_bytes():
            raise InputError(f"{path}: the workbook is encrypted; save it without a password")
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.lstrip().lower().startswith((b"<html", b"<!doc", b"<table", b"<?xml")):
        raise InputError(
            f"{path}: an HTML or XML page, not a spreadsheet; open it and save as .xlsx"
        )
    return "csv"


# --- xlsx (fastexcel) ----------------------------------------------------------------------


BIG_NUMBER = 1e15
"""Numbers from here up have 16 digits or more: Excel keeps 15 significant digits and a
float64 about 15.9, so an ID stored as such a number has lost its tail (DOMAIN §3.4).
Shorter numbers are exact (a 15-digit legacy ID typed as a number is safe)."""


def _xlsx_grids(
    path: Path, limits: ReadLimits = DEFAULT_LIMITS
) -> tuple[list[SheetGrid], list[str]]:
    """Visible sheets as grids, and the names of the hidden ones (not read).

    Nothing reaches fastexcel before its size is known: the shared parts calamine reads
    on opening, then each sheet's XML and the block of cells it spans (xlsx_scan)."""
    import fastexcel

    budget = XmlBudget(path, limits.max_sheet_bytes)
    xml_paths = sheet_xml_paths(path)
    check_declared_sizes(path, budget, {member: name for name, member in xml_paths.items()})
    for member in shared_parts(path):
        check_part(path, member, budget)
    try:
        reader = fastexcel.read_excel(str(path))
        sheet_names = list(reader.sheet_names)
    except BaseException as exc:  # fastexcel raises its own types, calamine may panic
        _reraise_interrupt(exc)
        raise InputError(f"{path}: cannot open the workbook ({_short(exc)})") from None
    # Hidden sheets are known from workbook.xml before any of them is parsed; they are
    # reported by name, never audited silently.
    hidden = [name for name in hidden_sheets(path) if name in sheet_names]
    unmapped = [n for n in sheet_names if n not in hidden and n not in xml_paths]
    if unmapped:
        _guard_unmapped_sheets(path, set(xml_paths.values()), budget, limits)
    grids = []
    total_cells = 0
    for sheet_name in sheet_names:
        if sheet_name in hidden:
            continue
        layout = scan_sheet_xml(
            path,
            xml_paths.get(sheet_name),
            budget=budget,
            max_cells=limits.max_cells,
            sheet=sheet_name,
        )
        total_cells += layout.cells
        if layout.cells > limits.max_cells or total_cells > limits.max_cells:
            raise InputError(
                _too_many_cells(
                    f"{path}, sheet {sheet_name}",
                    f"spans up to {layout.max_row:,} rows × {layout.max_col:,} columns "
                    f"(to cell {column_letters(layout.max_col)}{layout.max_row})"
                    if layout.cells > limits.max_cells
                    else f"with the sheets before it spans up to {total_cells:,} cells",
                    limits,
                )
            )
        try:
            sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string")
            visible = str(sheet.visible).lower() == "visible"
            batch = sheet.to_arrow() if visible else None
            infos = sheet.available_columns() if visible else []
        except BaseException as exc:
            _reraise_interrupt(exc)
            raise InputError(
                f"{path}, sheet {sheet_name}: cannot read it ({_short(exc)})"
            ) from None
        if batch is None:
            hidden.append(sheet_name)
            continue
        if batch.num_columns == 0:
            continue
        first_row = layout.first_row or 1

        def numeric_cells(
            col: int, _name=sheet_name, _infos=infos, _layout=layout, _first=first_row, _batch=batch
        ) -> np.ndarray:
            _n = _batch.num_rows
            where = _infos[col].absolute_index
            flags = np.zeros(_n, dtype=bool)
            if _layout.numbers_complete:
                # the XML scan saw every number cell of 16 digits or more: no second read
                at = np.asarray(_layout.numbers.get(where, []), dtype=np.int64) - _first
                flags[at[(at >= 0) & (at < _n)]] = True
                return flags
            # A second read of the one column as booleans: a number cell gives a value, a
            # text cell null. use_columns and dtypes keys are absolute column indices
            # (fastexcel 0.21). The text of a number cell is its exact value, all digits.
            try:
                typed = (
                    reader.load_sheet(
                        _name, header_row=None, dtypes={where: "boolean"}, use_columns=[where]
                    )
                    .to_arrow()
                    .column(0)
                )
            except BaseException as exc:
                _reraise_interrupt(exc)
                raise InputError(f"{path}, sheet {_name}: cannot read it ({_short(exc)})") from None
            big = pc.fill_null(
                pc.match_substring_regex(_batch.column(col), r"^\d{16,}(\.\d*)?$"), False
            )
            found = np.asarray(pc.and_(pc.is_valid(typed), big).to_numpy(zero_copy_only=False))
            flags[: min(_n, len(found))] = found[:_n]
            return flags

        grids.append(
            SheetGrid(
                name=sheet_name,
                columns=[batch.column(i) for i in range(batch.num_columns)],
                first_row=first_row,
                first_col=infos[0].absolute_index,
                numeric_cells=numeric_cells,
                merges=layout.merges,
            )
        )
    return grids, hidden


def _guard_unmapped_sheets(
    path: Path, mapped: set[str], budget: XmlBudget, limits: ReadLimits
) -> None:
    """A sheet whose XML workbook.xml does not lead to (odd relationships) is still found
    by calamine: bound every worksheet part not bounded otherwise."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = [
                n for n in zf.namelist() if n.lower().endswith(".xml") and "sheet" in n.lower()
            ]
    except Exception:
        return
    for member in members:
        if member in mapped or not member.lower().startswith("xl/"):
            continue
        layout = scan_sheet_xml(path, member, budget=budget, max_cells=limits.max_cells)
        if layout.cells > limits.max_cells:
            raise InputError(
                _too_many_cells(
                    f"{path} ({member})",
                    f"spans up to {layout.max_row:,} rows × {layout.max_col:,} columns",
                    limits,
                )
            )


def _too_many_cells(where: str, what: str, limits: ReadLimits) -> str:
    return (
        f"{where}: {what}, more than the limit of {limits.max_cells:,} cells; refused "
        "(raise the limit with --max-cells if the file is genuine)"
    )


def _reraise_interrupt(exc: BaseException) -> None:
    """Ctrl-C and exit pass through; anything else a reader raises is the file's fault
    (a Rust panic inside calamine arrives as pyo3's PanicException, a BaseException)."""
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
        raise exc


# --- xls / ods (python-calamine) ---------------------------------------------------------------


def _cell_text(value: object) -> str | None:
    import datetime as dt

    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _calamine_grids(
    path: Path, limits: ReadLimits = DEFAULT_LIMITS, kind: str = "xls"
) -> tuple[list[SheetGrid], list[str]]:
    """xls and ods workbooks. An .xls (BIFF8) cannot span more than 65,536 × 256 cells and
    is bounded by the file-size limit; an .ods is zipped XML, so its content is bounded
    like an xlsx sheet's (calamine itself refuses more than 100 million cells)."""
    import python_calamine

    if kind == "ods":
        budget = XmlBudget(path, limits.max_sheet_bytes)
        check_declared_sizes(path, budget, {})
        with contextlib.suppress(KeyError):
            check_part(path, "content.xml", budget)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        metas = list(book.sheets_metadata)
    except BaseException as exc:
        _reraise_interrupt(exc)
        raise InputError(f"{path}: cannot open the workbook ({_short(exc)})") from None
    grids, hidden = [], []
    total_cells = 0
    for meta in metas:
        if str(meta.visible).rsplit(".", 1)[-1].lower() != "visible":
            hidden.append(meta.name)
            continue
        try:
            sheet = book.get_sheet_by_name(meta.name)
            total_cells += sheet.height * sheet.width
            _check_width(f"{path}, sheet {meta.name}", sheet.width)
            if sheet.height * sheet.width > limits.max_cells or total_cells > limits.max_cells:
                raise InputError(
                    _too_many_cells(
                        f"{path}, sheet {meta.name}",
                        f"spans {sheet.height:,} rows × {sheet.width:,} columns",
                        limits,
                    )
                )
            rows = sheet.to_python(skip_empty_area=True)
            merged = sheet.merged_cell_ranges or []
            start = sheet.start or (0, 0)
        except InputError:
            raise
        except BaseException as exc:
            _reraise_interrupt(exc)
            raise InputError(f"{path}, sheet {meta.name}: cannot read it ({_short(exc)})") from None
        if not rows or not rows[0]:
            continue
        width = max(len(r) for r in rows)
        typed = [[r[i] if i < len(r) else None for r in rows] for i in range(width)]
        columns = [pa.array([_cell_text(v) for v in col], pa.string()) for col in typed]
        merges = [(m[0][0] + 1, m[0][1], m[1][0] + 1, m[1][1]) for m in merged]

        def numeric_cells(col: int, _typed=typed) -> np.ndarray:
            return np.array(
                [
                    isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) >= BIG_NUMBER
                    for v in _typed[col]
                ],
                dtype=bool,
            )

        grids.append(SheetGrid(meta.name, columns, start[0] + 1, start[1], numeric_cells, merges))
    return grids, hidden


# --- csv -------------------------------------------------------------------------------------


def decode_text(data: bytes, path: Path) -> tuple[str, str]:
    """(text, encoding): BOM first, then strict UTF-8, then strict GB18030."""
    # (name reported, codec, bytes after the BOM): positions in errors are then positions
    # in those bytes, whatever the BOM.
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "utf-8", data[len(codecs.BOM_UTF8) :])]
    elif data.startswith(codecs.BOM_UTF16_LE):
        candidates = [("utf-16", "utf-16-le", data[2:])]
    elif data.startswith(codecs.BOM_UTF16_BE):
        candidates = [("utf-16", "utf-16-be", data[2:])]
    else:
        candidates = [("utf-8", "utf-8", data), ("gb18030", "gb18030", data)]
    error: tuple[UnicodeDecodeError, str, bytes] | None = None
    for name, codec, raw in candidates:
        try:
            return raw.decode(codec), name
        except UnicodeDecodeError as exc:
            error = (exc, codec, raw)  # the last candidate's position is the one worth naming
    assert error is not None
    exc, codec, raw = error
    line = raw[: exc.start].decode(codec, errors="replace").count("\n") + 1
    tried = " or ".join(name for name, _, _ in candidates)
    raise InputError(f"{path}: line {line}: bytes that are not valid {tried} text")


def _sniff_delimiter(lines: list[str]) -> str:
    sample = "\n".join(lines)
    counts = {d: sample.count(d) for d in (",", "\t", ";", "|")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _csv_grid_fast(body: bytes, shape: _CsvShape) -> SheetGrid | None:
    """Arrow's multi-threaded parser over UTF-8 bytes, when every record is one line.

    Returns None (the careful path takes over) when the bytes are not UTF-8 or the file
    has blank lines, lone CR line ends (classic Mac), quoted line breaks or ragged rows,
    where line numbers need the record-by-record reader.
    """
    import pyarrow.csv as pacsv

    if shape.width == 0 or shape.lone_cr or b"\n\n" in body or b"\n\r\n" in body:
        return None
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=shape.delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(shape.width)},
                null_values=[""],
                strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # incl. bytes that are not UTF-8
        return None
    lines = shape.newlines + (0 if body.endswith(b"\n") else 1)
    if table.num_rows != lines or table.num_columns != shape.width:
        return None
    return SheetGrid(name="", columns=table.columns, first_row=1, first_col=0)


@contextlib.contextmanager
def _csv_field_limit(size: int) -> Iterator[None]:
    """Let the csv module read a cell as long as the file (its default stops at 128 KB,
    and a 1 MB cell is a cell like any other), then put its limit back."""
    before = csv.field_size_limit()
    csv.field_size_limit(max(before, min(size + 1, sys.maxsize)))
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _check_width(where: str, width: int) -> None:
    """Every spreadsheet stops at 16,384 columns (XFD); a record wider than that is not a
    table row, and each column costs the readers far more than a cell."""
    if width > EXCEL_MAX_COL:
        raise InputError(
            f"{where}: {width:,} fields, more than a spreadsheet's {EXCEL_MAX_COL:,} columns"
        )


def _first_record_width(first_line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([first_line], delimiter=delimiter), []))
    except csv.Error:
        return 0


def _utf8_body(data: bytes) -> tuple[bytes, str] | None:
    """The bytes after a UTF-8 BOM, or all of them when there is no BOM (whether they
    are UTF-8 is Arrow's parser's to find out); None for UTF-16."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    return data, "utf-8"


def _utf8_head(body: bytes) -> str | None:
    """The first megabyte as text when it is UTF-8 (a character cut at its end aside)."""
    head = body[: 1 << 20]
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if len(head) == len(body) or exc.start < len(head) - 3:
            return None
        return head[: exc.start].decode("utf-8")


class _CsvShape(NamedTuple):
    delimiter: str
    width: int
    """fields of the first record"""
    lines: int
    newlines: int
    lone_cr: bool
    """a line ends in CR alone (classic Mac)"""


def _csv_shape(path: Path, body: bytes, head: str, limits: ReadLimits) -> _CsvShape:
    """The shape of UTF-8 text (`head`: its start, decoded), refusing before any parser
    runs what holds more cells than the limit or a line wider than a sheet."""
    delimiter = _sniff_delimiter(head.splitlines()[:HEADER_SCAN_ROWS])
    sep = delimiter.encode()
    # Every delimiter and every line end closes a cell: more of them than the limit is
    # refused before any parser builds a record of a million fields.
    newlines = body.count(b"\n")
    cr = body.count(b"\r")
    crlf = body.count(b"\r\n") if cr else 0
    lines = newlines + cr - crlf + 1
    if body.count(sep) + lines > limits.max_cells:
        raise InputError(
            _too_many_cells(f"{path}", f"holds more than {limits.max_cells:,} cells", limits)
        )
    end = body.find(b"\n")
    first = body if end == -1 else body[:end]
    _check_width(f"{path}: line 1", (first.count(sep, 0, 4 << 20) + 1) // 4)  # quoted: margin
    width = _first_record_width(first.decode("utf-8", errors="replace"), delimiter)
    _check_width(f"{path}: line 1", width)
    return _CsvShape(delimiter, width, lines, newlines, cr != crlf)


def _csv_grid(path: Path, limits: ReadLimits) -> tuple[SheetGrid, str]:
    data = path.read_bytes()
    if not data or data.isspace():
        raise InputError(f"{path}: the file is empty")
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{path}: binary data, not a spreadsheet or CSV text")
    # UTF-8 goes to Arrow's parser as it is: decoding a large file into a Python string
    # and encoding it back cost more than the parse.
    utf8 = _utf8_body(data)
    head = _utf8_head(utf8[0]) if utf8 is not None else None
    if utf8 is not None and head is not None:
        body, encoding = utf8
        shape = _csv_shape(path, body, head, limits)
        if shape.width * shape.lines <= limits.max_cells:
            fast = _csv_grid_fast(body, shape)
            if fast is not None:
                return fast, encoding
        del body
    text, encoding = decode_text(data, path)
    del data
    if head is None or encoding not in ("utf-8", "utf-8-sig"):  # GB18030, UTF-16: to UTF-8
        body = text.encode("utf-8")
        shape = _csv_shape(path, body, text[: 1 << 20], limits)
        if shape.width * shape.lines <= limits.max_cells:
            fast = _csv_grid_fast(body, shape)
            if fast is not None:
                return fast, encoding
        del body
    rows: list[list[str]] = []
    row_lines: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=shape.delimiter)
    last_line = 0
    with _csv_field_limit(len(text)):
        try:
            for record in reader:
                rows.append(record)
                # A record starts on the line after the previous one ended (line_num is the
                # last line read; a quoted field may span several).
                row_lines.append(last_line + 1)
                last_line = reader.line_num
        except csv.Error as exc:
            raise InputError(f"{path}: line {reader.line_num}: {exc}") from None
    width = max((len(r) for r in rows), default=0)
    if width == 0:
        raise InputError(f"{path}: the file is empty")
    widest = max(range(len(rows)), key=lambda i: len(rows[i]))
    _check_width(f"{path}: line {row_lines[widest]}", width)
    if width * len(rows) > limits.max_cells:
        raise InputError(
            _too_many_cells(f"{path}", f"spans {len(rows):,} records × {width:,} columns", limits)
        )
    columns = []
    for i in range(width):
        col = [r[i] if i < len(r) and r[i] != "" else None for r in rows]
        columns.append(pa.array(col, pa.string()))
    grid = SheetGrid(
        name="",
        columns=columns,
        first_row=1,
        first_col=0,
        row_numbers=np.asarray(row_lines, dtype=np.int64),
    )
    return grid, encoding


# --- parquet ---------------------------------------------------------------------------------


def _parquet_grid(path: Path, limits: ReadLimits) -> SheetGrid:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
        cells = meta.num_rows * max(meta.num_columns, 1)
        expanded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    except Exception as exc:
        raise InputError(f"{path}: cannot read the Parquet file ({_short(exc)})") from None
    _check_width(f"{path}", meta.num_columns)
    if cells > limits.max_cells:
        raise InputError(
            _too_many_cells(
                f"{path}", f"holds {meta.num_rows:,} rows × {meta.num_columns:,} columns", limits
            )
        )
    if expanded > limits.max_sheet_bytes:
        raise InputError(
            f"{path}: the Parquet data expands to {expanded >> 20:,} MB, more than the limit "
            f"of {limits.max_sheet_mb:,} MB; refused (raise the limit with --max-sheet-mb "
            "if the file is genuine)"
        )
    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise InputError(f"{path}: cannot read the Parquet file ({_short(exc)})") from None
    header = [pa.array([name], pa.string()) for name in table.column_names]
    columns = []
    floats = []
    for i, name in enumerate(table.column_names):
        col = table.column(name)
        floats.append(pa.types.is_floating(col.type))
        # the header as a chunk of its own: no copy of a million cells to put one on top
        text = pc.cast(col, pa.string()) if col.type != pa.string() else col
        columns.append(pa.chunked_array([header[i], *text.chunks], pa.string()))

    def numeric_cells(col: int) -> np.ndarray:
        flags = np.zeros(len(columns[col]), dtype=bool)
        if floats[col]:
            values = table.column(col).combine_chunks()
            big = pc.fill_null(pc.greater_equal(pc.abs(values), BIG_NUMBER), False)
            flags[1:] = np.asarray(big.to_numpy(zero_copy_only=False))
        return flags

    return SheetGrid(
        name="", columns=columns, first_row=1, first_col=0, numeric_cells=numeric_cells
    )


# --- header detection and assembly ----------------------------------------------------------


@dataclass
class HeaderMatch:
    score: int
    row: int
    """grid row of the (last) header row"""
    labels: list[str]
    mapping: dict[str, int]


def _score(mapping: dict[str, int], table: str) -> int:
    spec = TABLES[table]
    if not any(k in mapping for k in KEY_COLUMNS if k in spec.column_names):
        return 0
    return sum(2 if c in spec.required else 1 for c in mapping)


def _combine(parent: list[str | None], child: list[str | None]) -> list[str]:
    """Two header rows into one: the child label where there is one (开班日期 under a
    merged 培训时间), else the parent (姓名 merged down over both rows)."""
    return [c or p or "" for p, c in zip(parent, child, strict=True)]


def find_header(
    head: list[list[str | None]], table: str, aliases: dict[str, str]
) -> HeaderMatch | None:
    best: HeaderMatch | None = None
    for i, row in enumerate(head):
        labels = [v or "" for v in row]
        mapping = map_headers(labels, aliases)
        candidates = [HeaderMatch(_score(mapping, table), i, labels, mapping)]
        if i + 1 < len(head):
            combined = _combine(row, head[i + 1])
            mapping2 = map_headers(combined, aliases)
            candidates.append(HeaderMatch(_score(mapping2, table), i + 1, combined, mapping2))
        for cand in candidates:
            if cand.score > 0 and (best is None or cand.score > best.score):
                best = cand
    return best


def _fill_merged(
    columns: list[pa.Array], grid: SheetGrid, header_row: int, where: str = ""
) -> list[pa.Array]:
    """Vertically merged data cells (one class name over 40 rows): copy the value down,
    and across when the block is wider than one column.

    A merge one row high is layout, not data: a section title, a `合计` label or a
    `填表人：` line spread across the table. Copying it across would put the label into
    the ID column and make the row look like a record."""
    touched: dict[int, list] = {}
    # Merged ranges never overlap in a sound workbook; a damaged one listing the same
    # huge range thousands of times must not keep us copying for hours.
    work_left = 4 * len(columns) * grid.height + 1_000_000
    for r1, c1, r2, c2 in grid.merges:
        top, left = r1 - grid.first_row, c1 - grid.first_col
        if (
            r2 <= r1
            or r1 <= header_row
            or not 0 <= left < len(columns)
            or top >= len(columns[left])
        ):
            continue
        work_left -= max(0, min(c2 - grid.first_col + 1, len(columns)) - left) * max(
            0, min(r2 - grid.first_row + 1, grid.height) - top
        )
        if work_left < 0:
            raise InputError(
                f"{where}: {len(grid.merges):,} merged ranges that overlap again and again; "
                "the workbook is damaged"
            )
        value = touched.setdefault(left, columns[left].to_pylist())[top]
        for c in range(left, min(c2 - grid.first_col + 1, len(columns))):
            values = touched.setdefault(c, columns[c].to_pylist())
            for r in range(top, min(r2 - grid.first_row + 1, len(values))):
                values[r] = value
    return [
        pa.array(touched[i], pa.string()) if i in touched else col for i, col in enumerate(columns)
    ]


def _unique_labels(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, label in enumerate(labels):
        label = label.strip() or f"列{i + 1}"
        if label in seen:
            seen[label] += 1
            label = f"{label}_{seen[label]}"
        else:
            seen[label] = 1
        out.append(label)
    return out


def _flags(values: pa.Array) -> np.ndarray:
    """A boolean Arrow array as numpy, null as false."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def _assemble(
    grid: SheetGrid,
    match: HeaderMatch,
    table: str,
    path: Path,
    kind: str,
    sha: str,
    notes: list[str],
) -> LoadedTable:
    start = match.row + 1
    n = grid.height - start
    full = (
        _fill_merged(
            grid.columns,
            grid,
            grid.first_row + match.row,
            f"{path}" + (f", sheet {grid.name}" if grid.name else ""),
        )
        if grid.merges
        else grid.columns
    )
    columns = [c.slice(start) for c in full]
    if grid.row_numbers is not None:
        rows = grid.row_numbers[start:]
    else:
        rows = np.arange(n, dtype=np.int64) + grid.first_row + start

    # Keep rows that hold a record: not blank, not a footer, not a repeated header.
    mapped = [columns[i] for i in match.mapping.values()]
    keep = np.zeros(n, dtype=bool)
    for col in mapped:
        keep |= _flags(pc.is_valid(col))
    footer = np.zeros(n, dtype=bool)
    # A footer row has no ID (or a footer word in the ID cell), checked below: with an ID
    # column, only such rows are scanned (a regex over every cell cost seconds at 1M rows).
    maybe = None
    if "id_number" in match.mapping:
        id_cells = columns[match.mapping["id_number"]]
        maybe = np.flatnonzero(
            _flags(pc.is_null(id_cells))
            | _flags(pc.match_substring_regex(id_cells, _FOOTER.pattern))
        )
    for col in mapped:
        if maybe is None:
            footer |= _flags(pc.match_substring_regex(col, _FOOTER.pattern))
        elif len(maybe):
            footer[maybe] |= _flags(pc.match_substring_regex(col.take(maybe), _FOOTER.pattern))
    # A repeated header (pages of a printed roster pasted together): two of its cells, or
    # its ID cell alone, equal to the header labels, either row of a two-level header.
    header_rows = [match.labels]
    if match.row > 0:
        header_rows.append([v or "" for v in grid.head(match.row + 1)[match.row - 1]])
    label_hits = np.zeros(n, dtype=np.int64)
    for canonical, index in match.mapping.items():
        hit = np.zeros(n, dtype=bool)
        for labels in header_rows:
            if labels[index]:
                hit |= _flags(pc.equal(columns[index], labels[index]))
        label_hits += hit
        if canonical == "id_number":
            label_hits += hit  # an ID cell that reads 身份证号码 is never a record
    keep &= label_hits < 2
    # With an ID column, footers were looked for only where the ID is blank or itself a
    # footer word: 合计 with an ID next to it is a person's row after all (a category 负责人).
    keep &= ~footer
    mask = pa.array(keep)
    everything = bool(keep.all())  # the usual case: no copy of every column

    def _kept(col: pa.Array) -> pa.Array:
        return col if everything else pc.filter(col, mask)

    data_cols: dict[str, pa.Array] = {}
    for canonical, index in match.mapping.items():
        data_cols[canonical] = _kept(columns[index])
    kept_rows = pa.array(rows[keep], pa.int64())
    n_kept = int(keep.sum())
    sheet_label = grid.name
    data_cols["_source"] = pa.repeat(pa.scalar(path.name, pa.string()), n_kept)
    data_cols["_sheet"] = pa.repeat(pa.scalar(sheet_label, pa.string()), n_kept)
    data_cols["_row"] = kept_rows
    if "id_number" in match.mapping and TABLES[table].column("id_number").kind == "id":
        data_cols["id_number__numeric"] = _numeric_ids(
            grid, match, start, keep, data_cols["id_number"]
        )

    labels = _unique_labels(match.labels)
    original = {"_row": kept_rows}
    for i, label in enumerate(labels):
        original[label] = _kept(columns[i])

    info = InputFile(
        table=table,
        path=str(path),
        sha256=sha,
        sheet=sheet_label,
        rows=n_kept,
        columns={c: match.labels[i] for c, i in match.mapping.items()},
        header_row=int(grid.first_row + match.row),
        kind=kind,
        notes=tuple(notes),
    )
    return LoadedTable(
        name=table,
        info=info,
        data=pa.table(data_cols),
        original=pa.table(original),
        column_index={c: grid.first_col + i for c, i in match.mapping.items()},
        present=frozenset(match.mapping),
    )


def _numeric_ids(
    grid: SheetGrid, match: HeaderMatch, start: int, keep: np.ndarray, ids: pa.Array
) -> pa.Array:
    """Which ID cells the file stored as numbers of 16 digits or more (Excel keeps only
    15 significant digits, DOMAIN §3.4)."""
    if grid.numeric_cells is None:
        return pa.array(np.zeros(len(ids), dtype=bool))
    flags = np.asarray(grid.numeric_cells(match.mapping["id_number"]), dtype=bool)
    flags = np.pad(flags, (0, max(0, grid.height - len(flags))))[: grid.height]
    return pa.array(flags[start:][keep])


def _short(exc: BaseException) -> str:
    """The first line of a library's error, ID numbers masked (it may quote a cell)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return redact_ids(text[:200])


_WORKBOOK_SUFFIXES = ("xlsx", "xlsm", "xls", "ods")


def read_table(
    path: str | Path,
    table: str,
    extra_aliases: dict[str, list[str]] | None = None,
    limits: ReadLimits | None = None,
) -> LoadedTable:
    """Read one input file as canonical table `table` (its best-matching sheet).

    Raises InputError, naming the file (and sheet, line) and what was found, for anything
    that cannot be audited; `limits` bounds what a file may make the reader hold.
    """
    path = Path(path)
    limits = limits or DEFAULT_LIMITS
    try:
        if not path.exists():
            raise InputError(f"{path}: file not found")
        if not path.is_file():
            raise InputError(f"{path}: not a file")
        size = path.stat().st_size
        if size > limits.max_file_mb << 20:
            raise InputError(
                f"{path}: {size / (1 << 20):,.0f} MB, more than the limit of "
                f"{limits.max_file_mb:,} MB; refused (raise the limit with --max-file-mb "
                "if the file is genuine)"
            )
        return _read(path, table, extra_aliases, limits)
    except OSError as exc:  # unreadable: permissions, a file vanishing, a device error
        raise InputError(f"{path}: cannot read it ({exc.strerror or _short(exc)})") from None
    except MemoryError:
        raise InputError(
            f"{path}: not enough memory to read it; lower --max-cells or --max-file-mb, "
            "or split the file"
        ) from None


def _read(
    path: Path, table: str, extra_aliases: dict[str, list[str]] | None, limits: ReadLimits
) -> LoadedTable:
    kind = sniff_kind(path)
    notes: list[str] = []
    suffix = path.suffix.lower().lstrip(".")
    if suffix and suffix != kind and not (suffix in ("txt", "tsv") and kind == "csv"):
        notes.append(f"read as {kind} by its content, although named .{suffix}")
    # A text file named like a workbook is read as the text it is (DOMAIN §5.1: sniff the
    # content, not the name; government systems export CSV as .xls). When that text is
    # not a table either, the message says the name promised a workbook.
    misnamed = kind == "csv" and suffix in _WORKBOOK_SUFFIXES
    hidden: list[str] = []
    try:
        if kind in ("xlsx", "xlsm"):
            grids, hidden = _xlsx_grids(path, limits)
        elif kind in ("xls", "ods"):
            grids, hidden = _calamine_grids(path, limits, kind)
        elif kind == "parquet":
            grids = [_parquet_grid(path, limits)]
        else:
            grid, encoding = _csv_grid(path, limits)
            grids = [grid]
            notes.append(f"encoding {encoding}")
    except InputError as exc:
        if misnamed:
            raise InputError(f"{exc} (named .{suffix}, but it is not a workbook)") from None
        raise
    aliases = alias_table(TABLES[table], extra_aliases)
    best: tuple[HeaderMatch, SheetGrid] | None = None
    seen: list[str] = []
    for grid in grids:
        match = find_header(grid.head(HEADER_SCAN_ROWS), table, aliases)
        if match is None:
            # the fullest row near the top is the best guess at the user's header
            head = grid.head(HEADER_SCAN_ROWS)
            fullest = max(head, key=lambda r: sum(1 for v in r if v), default=[])
            seen.extend(_quoted(v) for v in fullest if v)
            continue
        if best is None or match.score > best[0].score:
            best = (match, grid)
    if best is None:
        where = f"{path}" + (
            f", sheet {grids[0].name}" if len(grids) == 1 and grids[0].name else ""
        )
        found = ", ".join(seen[:12]) or "nothing"
        unread = f"; hidden sheets not read: {', '.join(hidden)}" if hidden else ""
        named = f" (named .{suffix}, but it is text, not a workbook)" if misnamed else ""
        raise InputError(
            f"{where}: no header row for {table} in the first {HEADER_SCAN_ROWS} rows; "
            f"found {found}{unread}{named}"
        )
    match, grid = best
    notes.extend(f"hidden sheet {name} not read" for name in hidden)
    return _assemble(grid, match, table, path, kind, sha256_of(path), notes)


def _quoted(value: object) -> str:
    """A cell quoted in a message: one line, at most 40 characters, ID numbers masked
    (when there is no header the fullest row may be a person's)."""
    text = redact_ids(" ".join(str(value).split()))
    return text if len(text) <= 40 else text[:39] + "…"

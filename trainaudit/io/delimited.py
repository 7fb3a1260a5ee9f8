"""Delimited text (CSV, TSV; UTF-8, UTF-8 with BOM, UTF-16, GB18030) → one grid."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa

from ..errors import InputError
from .grid import ReadLimits, SheetGrid, check_width
from .words import at

HEADER_SCAN_ROWS = 30
"""Lines looked at to guess the delimiter (the header may sit below title lines)."""


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
    raise InputError(
        "{path}: line {line}: bytes that are not valid {tried} text",
        path=path,
        line=line,
        tried=tried,
    )


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
            "{path}: holds more than {most} cells"
            ", more than the limit of {limit} cells; refused "
            "(raise the limit with --max-cells if the file is genuine)",
            limit=f"{limits.max_cells:,}",
            path=path,
            most=f"{limits.max_cells:,}",
        )
    end = body.find(b"\n")
    first = body if end == -1 else body[:end]
    check_width(at(path, line=1), (first.count(sep, 0, 4 << 20) + 1) // 4)  # quoted: margin
    width = _first_record_width(first.decode("utf-8", errors="replace"), delimiter)
    check_width(at(path, line=1), width)
    return _CsvShape(delimiter, width, lines, newlines, cr != crlf)


def csv_grid(path: Path, limits: ReadLimits) -> tuple[SheetGrid, str]:
    data = path.read_bytes()
    if not data or data.isspace():
        raise InputError("{path}: the file is empty", path=path)
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("{path}: binary data, not a spreadsheet or CSV text", path=path)
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
            raise InputError(
                "{path}: line {line}: {error}", path=path, line=reader.line_num, error=str(exc)
            ) from None
    width = max((len(r) for r in rows), default=0)
    if width == 0:
        raise InputError("{path}: the file is empty", path=path)
    widest = max(range(len(rows)), key=lambda i: len(rows[i]))
    check_width(at(path, line=row_lines[widest]), width)
    if width * len(rows) > limits.max_cells:
        raise InputError(
            "{path}: spans {rows} records × {cols} columns"
            ", more than the limit of {limit} cells; refused "
            "(raise the limit with --max-cells if the file is genuine)",
            limit=f"{limits.max_cells:,}",
            path=path,
            rows=f"{len(rows):,}",
            cols=f"{width:,}",
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

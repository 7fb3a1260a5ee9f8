"""A streaming look inside an xlsx sheet's XML for what fastexcel does not tell us:
the row number of the first non-empty row (calamine drops leading empty rows), the
merged-cell ranges (kept at the end of the sheet XML) and the number cells too long for
Excel to hold exactly (ID numbers typed as numbers, DOMAIN §3.4), all in the one pass."""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

MAX_SHEET_XML_BYTES = 4 << 30
"""A sheet whose XML expands beyond this is refused (a zip bomb, or millions of styled rows)."""

_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_HAS_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b[^/]*?>")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


@dataclass
class SheetLayout:
    first_row: int | None = None
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    """(first_row, first_col, last_row, last_col): rows 1-based, columns 0-based"""
    xml_bytes: int = 0
    numbers: dict[int, list[int]] = field(default_factory=dict)
    """0-based column -> 1-based rows of the number cells holding 10^15 or more"""
    numbers_complete: bool = True
    """false when some such cell could not be placed (no `r` attribute): ask the reader"""


def column_number(letters: bytes | str) -> int:
    """A → 1, Z → 26, AA → 27."""
    if isinstance(letters, bytes):
        letters = letters.decode()
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _workbook_xml(path: Path) -> ElementTree.Element | None:
    try:
        with zipfile.ZipFile(path) as zf:
            return ElementTree.fromstring(zf.read("xl/workbook.xml"))
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, ElementTree.ParseError):
        return None


def hidden_sheets(path: Path) -> list[str]:
    """Names of the sheets marked hidden or veryHidden in xl/workbook.xml."""
    book = _workbook_xml(path)
    if book is None:
        return []
    return [
        sheet.get("name", "")
        for sheet in book.iter(f"{_NS_MAIN}sheet")
        if sheet.get("state", "visible") in ("hidden", "veryHidden")
    ]


def sheet_xml_paths(path: Path) -> dict[str, str]:
    """Sheet name → the zip member holding its XML."""
    ns_main = _NS_MAIN
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with zipfile.ZipFile(path) as zf:
            book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, ElementTree.ParseError):
        return {}
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join("xl", target))
        )
        targets[rel.get("Id")] = target
    out = {}
    for sheet in book.iter(f"{ns_main}sheet"):
        rid = sheet.get(f"{ns_rel}id")
        if rid in targets:
            out[sheet.get("name")] = targets[rid]
    return out


_MERGE_ZONE = re.compile(rb"<(?:\w+:)?mergeCells\b")
"""Where the merged ranges start (a `<` inside text is escaped, so text cannot fake it)."""
_BIG_NUMBER = re.compile(
    rb"<(?:\w+:)?v>\s*(?:\d{16,}(?:\.\d*)?|\d(?:\.\d+)?[eE]\+?0*(?:1[5-9]|[2-9]\d))\s*</(?:\w+:)?v>"
)
"""A cell value of 10^15 or more: 16 digits or more, which Excel cannot hold exactly."""
_CELL_START = re.compile(rb"<(?:\w+:)?c\b([^>]*)>")
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_TYPE = re.compile(rb'\bt="(\w+)"')
_DIGIT_RUNS = bytes.maketrans(b"123456789", b"000000000")
_OVERLAP = 2048
"""Bytes of the previous chunk scanned again, so that no cell is cut in two."""


def _maybe_big_numbers(window: bytes) -> bool:
    """Cheap test before the regex: an exponent or a run of 16 digits."""
    return b"E+" in window or b"e+" in window or b"0" * 16 in window.translate(_DIGIT_RUNS)


def _record_big_numbers(layout: SheetLayout, window: bytes, base: int, seen_upto: int) -> int:
    """Number cells of 16 digits or more in `window` (which starts at absolute offset
    `base`) whose value starts after `seen_upto`; returns the new `seen_upto`."""
    for m in _BIG_NUMBER.finditer(window):
        if base + m.start() <= seen_upto:
            continue
        seen_upto = base + m.start()
        opened = list(_CELL_START.finditer(window, max(0, m.start() - _OVERLAP), m.start()))
        cell = opened[-1] if opened else None  # the last cell tag opened before the value
        if cell is None:
            layout.numbers_complete = False
            continue
        kind = _CELL_TYPE.search(cell.group(1))
        if kind and kind.group(1) != b"n":
            continue  # text (a formula's string result, inline or shared string)
        ref = _CELL_REF.search(cell.group(1))
        if ref is None:
            layout.numbers_complete = False
            continue
        col = column_number(ref.group(1)) - 1
        layout.numbers.setdefault(col, []).append(int(ref.group(2)))
    return seen_upto


def scan_sheet_xml(path: Path, member: str | None, limit: int = MAX_SHEET_XML_BYTES) -> SheetLayout:
    """One streaming pass: first non-empty row number, merged ranges, number cells of 16
    digits or more, expanded size."""
    from ..errors import InputError

    layout = SheetLayout()
    if member is None:
        layout.numbers_complete = False
        return layout
    tail = b""
    pending = b""
    row_counter = 0
    merge_zone = False
    previous = b""  # the end of the previous chunk, for values cut in two
    offset = 0  # absolute offset of the current chunk
    seen_upto = -1
    try:
        with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
            while chunk := fh.read(1 << 20):
                layout.xml_bytes += len(chunk)
                if layout.xml_bytes > limit:
                    raise InputError(
                        f"{path}: the sheet expands to more than {limit >> 20} MB of XML; "
                        "refused (raise the limit with --max-sheet-mb if the file is genuine)"
                    )
                if layout.first_row is None:
                    pending += chunk
                    last_end = 0
                    for m in _ROW.finditer(pending):
                        last_end = m.end()
                        number = _ROW_NUMBER.search(m.group(1))
                        row_counter = int(number.group(1)) if number else row_counter + 1
                        if m.group(2) and _HAS_VALUE.search(m.group(2)):
                            layout.first_row = row_counter
                            break
                    pending = b"" if layout.first_row else pending[last_end:]
                scanned = previous + chunk
                if _maybe_big_numbers(scanned):
                    seen_upto = _record_big_numbers(
                        layout, scanned, offset - len(previous), seen_upto
                    )
                previous = chunk[-_OVERLAP:]
                offset += len(chunk)
                window = tail + chunk
                if (
                    not merge_zone
                    and b"mergeCells" in window
                    and (zone := _MERGE_ZONE.search(window))
                ):
                    merge_zone = True
                    window = window[zone.start() :]
                if merge_zone:
                    tail = window
                else:
                    tail = window[-64:]
    except (zipfile.BadZipFile, KeyError, zlib.error, EOFError) as exc:
        raise InputError(f"{path}: the workbook is damaged or truncated ({exc})") from None
    if merge_zone:
        for m in _MERGE.finditer(tail):
            c1, r1 = column_number(m.group(1)), int(m.group(2))
            c2 = column_number(m.group(3)) if m.group(3) else c1
            r2 = int(m.group(4)) if m.group(4) else r1
            layout.merges.append((r1, c1 - 1, r2, c2 - 1))
    return layout

"""A streaming look inside an xlsx sheet's XML for what fastexcel does not tell us:
the row number of the first non-empty row (calamine drops leading empty rows) and the
merged-cell ranges (kept at the end of the sheet XML)."""

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
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        targets[rel.get("Id")] = target
    out = {}
    for sheet in book.iter(f"{ns_main}sheet"):
        rid = sheet.get(f"{ns_rel}id")
        if rid in targets:
            out[sheet.get("name")] = targets[rid]
    return out


def scan_sheet_xml(path: Path, member: str | None, limit: int = MAX_SHEET_XML_BYTES) -> SheetLayout:
    """One streaming pass: first non-empty row number, merged ranges, expanded size."""
    from ..errors import InputError

    layout = SheetLayout()
    if member is None:
        return layout
    tail = b""
    pending = b""
    row_counter = 0
    merge_zone = False
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
                window = tail + chunk
                if not merge_zone and b"mergeCell" in window:
                    merge_zone = True
                    window = window[window.find(b"mergeCell") - 8 :]
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

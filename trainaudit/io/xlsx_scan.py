"""A streaming look inside an xlsx sheet's XML for what fastexcel does not tell us:
the row number of the first non-empty row (calamine drops leading empty rows), the
merged-cell ranges (kept at the end of the sheet XML) and the number cells too long for
Excel to hold exactly (ID numbers typed as numbers, DOMAIN §3.4), all in the one pass.

The same pass guards memory before fastexcel is let near the sheet. calamine (inside
fastexcel) holds a sheet as one dense block of 32-byte cells from its first to its last
cell with a value, and aborts the whole process when that block cannot be allocated: a
1 KB workbook with one value in A1 and one in XFD1048576 asks for 550 GB. So before a
sheet is loaded, this module bounds

* the XML it expands to (a zip bomb: a few MB that inflate to gigabytes), counted
  across the whole workbook as it is read, and refused beyond the limit;
* the rows × columns of the block calamine would build, from the cell references
  (however calamine accepts them written: either quote, spaced, lower case, doubled);
* cell references beyond Excel's last row and column, which only damage produces;
* the size the shared-string table claims in advance (calamine reserves it).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree

from ..errors import InputError

MAX_SHEET_XML_BYTES = 2048 << 20
"""Default: the XML a workbook's sheets (and shared strings) may expand to, together.
A genuine sheet of Excel's full 1,048,576 rows × 20 columns is about 1 GB."""
MAX_CELLS = 100_000_000
"""Default: rows × columns of the block a sheet occupies (calamine: 32 bytes a cell,
so 3.2 GB at the limit)."""
EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COL = 16_384
_PART_BYTES = 64 << 20
"""workbook.xml and its relationships are read whole; more than this is not a workbook."""

_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_HAS_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b[^/]*?>")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_PENDING_LIMIT = 8 << 20
"""Bytes kept while looking for the first row with a value; past this (a row that never
closes) the first value cell's own reference is used instead."""


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
    max_row: int = 0
    """an upper bound of the last row calamine will hold"""
    max_col: int = 0
    """an upper bound of the last column (1-based) calamine will hold"""

    @property
    def cells(self) -> int:
        """An upper bound of the cells calamine allocates for the sheet."""
        return self.max_row * self.max_col


def column_number(letters: bytes | str) -> int:
    """A → 1, Z → 26, AA → 27."""
    if isinstance(letters, bytes):
        letters = letters.decode()
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(number: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while number > 0:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError)
"""What zipfile raises on damage (NotImplementedError: an unknown compression method,
ValueError: a negative size in a mangled header)."""
_PART_ERRORS = (KeyError, LookupError, ElementTree.ParseError, *ZIP_ERRORS)
"""...and ElementTree on a damaged part (LookupError: `encoding="UTF-9"`, found by the fuzzer)."""


class XmlBudget:
    """Expanded XML bytes one workbook may still read; refuses what goes beyond."""

    def __init__(self, path: Path, limit: int = MAX_SHEET_XML_BYTES) -> None:
        self.path, self.limit, self.used = path, limit, 0

    def spend(self, n: int, where: str) -> None:
        self.used += n
        if self.used > self.limit:
            raise InputError(self.refusal(where))

    def refusal(self, where: str) -> str:
        return (
            f"{self.path}{where}: the workbook expands to more than {self.limit >> 20} MB of "
            "XML (a zip bomb, or millions of styled rows); refused (raise the limit with "
            "--max-sheet-mb if the file is genuine)"
        )


def read_member(zf: zipfile.ZipFile, name: str, cap: int) -> bytes | None:
    """A zip member read whole, or None when it expands beyond `cap` bytes."""
    with zf.open(name) as fh:
        data = fh.read(cap + 1)
    return None if len(data) > cap else data


def check_declared_sizes(path: Path, budget: XmlBudget, where: dict[str, str]) -> None:
    """Refuse at once a member whose declared size is beyond the limit (a zip bomb that
    tells the truth); `where` names the sheet of a member, for the message."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except ZIP_ERRORS:
        return  # the reader says what is wrong with it
    for info in infos:
        if info.file_size > budget.limit and info.filename.lower().endswith((".xml", ".rels")):
            label = where.get(info.filename)
            raise InputError(budget.refusal(f", sheet {label}" if label else f" ({info.filename})"))


def _workbook_xml(path: Path) -> ElementTree.Element | None:
    try:
        with zipfile.ZipFile(path) as zf:
            data = read_member(zf, "xl/workbook.xml", _PART_BYTES)
        return None if data is None else ElementTree.fromstring(data)
    except _PART_ERRORS:
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


def _relationships(path: Path) -> tuple[ElementTree.Element, dict[str, tuple[str, str]]] | None:
    """workbook.xml and its relationships: id -> (type, zip member)."""
    try:
        with zipfile.ZipFile(path) as zf:
            book_xml = read_member(zf, "xl/workbook.xml", _PART_BYTES)
            rels_xml = read_member(zf, "xl/_rels/workbook.xml.rels", _PART_BYTES)
        if book_xml is None or rels_xml is None:
            return None
        book = ElementTree.fromstring(book_xml)
        rels = ElementTree.fromstring(rels_xml)
    except _PART_ERRORS:
        return None
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join("xl", target))
        )
        targets[rel.get("Id")] = (rel.get("Type", "").rsplit("/", 1)[-1], target)
    return book, targets


def sheet_xml_paths(path: Path) -> dict[str, str]:
    """Sheet name → the zip member holding its XML."""
    found = _relationships(path)
    if found is None:
        return {}
    book, targets = found
    out = {}
    for sheet in book.iter(f"{_NS_MAIN}sheet"):
        rid = sheet.get(f"{_NS_REL}id")
        if rid in targets:
            out[sheet.get("name")] = targets[rid][1]
    return out


def shared_parts(path: Path) -> list[str]:
    """The members calamine reads whole when it opens the workbook (shared strings,
    styles), that exist in the zip."""
    found = _relationships(path)
    wanted = {"xl/sharedStrings.xml", "xl/styles.xml"}
    if found is not None:
        wanted |= {t for kind, t in found[1].values() if kind in ("sharedStrings", "styles")}
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except ZIP_ERRORS:
        return []
    return sorted(wanted & names)


_SST_TAG = re.compile(rb"<(?:\w+:)?sst\b[^>]*>")
_SST_COUNT = re.compile(rb'\b(?:uniqueCount|count)\s*=\s*["\'](\d+)')
_SST_MIN_ITEM = 4
"""Bytes of the smallest shared string (`<si/>` is 5): a count beyond size / 4 is a lie."""


def check_part(path: Path, member: str, budget: XmlBudget) -> None:
    """Stream one shared part, counting its bytes against the budget; refuse a shared
    string table that claims more strings than its bytes can hold (calamine reserves
    room for the claimed count up front: four billion strings is 96 GB)."""
    claimed = 0
    size = 0
    head = b""
    try:
        with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
            while chunk := fh.read(1 << 20):
                size += len(chunk)
                budget.spend(len(chunk), f" ({member})")
                if len(head) < 4096:
                    head += chunk[:4096]
                    if tag := _SST_TAG.search(head):
                        counts = _SST_COUNT.findall(tag.group(0))
                        claimed = max((int(n) for n in counts), default=0)
    except ZIP_ERRORS as exc:
        raise InputError(
            f"{path}: the workbook is damaged or truncated ({member}: {exc})"
        ) from None
    if claimed > size // _SST_MIN_ITEM + 1:
        raise InputError(
            f"{path}: the workbook is damaged: {member} claims {claimed:,} strings "
            f"in {size:,} bytes"
        )


_MERGE_ZONE = re.compile(rb"<(?:\w+:)?mergeCells\b")
"""Where the merged ranges start (a `<` inside text is escaped, so text cannot fake it)."""
_BIG_NUMBER = re.compile(
    rb"v>\s*(?:\d{16,}(?:\.\d*)?|\d(?:\.\d+)?[eE]\+?0*(?:1[5-9]|[2-9]\d))\s*</(?:\w+:)?v>"
)
"""A cell value of 10^15 or more: 16 digits or more, which Excel cannot hold exactly.
It starts at `v>` so that the regex engine can skip ahead to that literal; the `<` or
`ns:` before it is checked by hand."""
_CELL_START = re.compile(rb"<(?:\w+:)?c\b([^>]*)>")
_ATTR_R = re.compile(rb"""(?<![^\s"'])r\s*=\s*["']([A-Za-z]*)(\d+)["']""")
"""The `r` attribute as calamine reads it: either quote, spaces around `=`, letters in
either case."""
_ATTR_T = re.compile(rb"""(?:^|[\s"'])t\s*=\s*["'](\w+)["']""")
_OVERLAP = 2048
"""Bytes of the previous chunk scanned again, so that no cell is cut in two."""


def _ref(attrs: bytes) -> tuple[int, int] | None:
    """(row, column) of a tag's `r` attribute, column 0 when it names a row only (the
    largest of each when a damaged tag has two; calamine takes the last)."""
    found = _ATTR_R.findall(attrs)
    if len(found) == 1:
        letters, digits = found[0]
        return int(digits[:12]), _column_of(letters)
    if not found:
        return None
    return max(int(d[:12]) for _, d in found), max(_column_of(a) for a, _ in found)


@lru_cache(maxsize=4096)
def _column_of(letters: bytes) -> int:
    return column_number(letters[:8].upper())


def _record_big_numbers(layout: SheetLayout, window: bytes, base: int, seen_upto: int) -> int:
    """Number cells of 16 digits or more in `window` (which starts at absolute offset
    `base`) whose value starts after `seen_upto`; returns the new `seen_upto`."""
    for m in _BIG_NUMBER.finditer(window):
        if base + m.start() <= seen_upto or window[m.start() - 1 : m.start()] not in (b"<", b":"):
            continue
        seen_upto = base + m.start()
        opened = list(_CELL_START.finditer(window, max(0, m.start() - _OVERLAP), m.start()))
        cell = opened[-1] if opened else None  # the last cell tag opened before the value
        if cell is None:
            layout.numbers_complete = False
            continue
        kind = _ATTR_T.search(cell.group(1))
        if kind and kind.group(1) != b"n":
            continue  # text (a formula's string result, inline or shared string)
        ref = _ref(cell.group(1))
        if ref is None or ref[1] == 0:
            layout.numbers_complete = False
            continue
        layout.numbers.setdefault(ref[1] - 1, []).append(ref[0])
    return seen_upto


_BUT_R = b"abcdefghijklmnopqstuvwxyz"
_SHAPE = bytes.maketrans(_BUT_R + b"':", _BUT_R.upper() + b'"<')
_WHITESPACE = b" \t\n\r"
"""A chunk's shape (with `_WHITESPACE` deleted), for searches at close to memory speed:
single quotes read as double ones and lower-case letters as capitals, except `r`, the
one attribute name calamine places cells by (and only in lower case); `:` reads `<`.
So every cell tag calamine reads reads `<C`, and one with its reference first
`<Cr="B7"`, however it is quoted, spaced, cased or prefixed (`<x:c` reads `<X<C`)."""
_UNPLACED = (re.compile(rb'<C(?!r=")'), re.compile(rb'<rOW(?!r=")'))
"""Cell and row tags that do not start with their reference, which calamine places one
after the previous (and a few other tags: `<col`, `<cfRule`; counting them is safe)."""
_WIDE_REF = re.compile(rb'r="([A-Zr]{2,})\d')
_LONG_ROW = re.compile(rb'r="[A-Zr]*0*([1-9]\d{6,})')
_ENDLESS_REF = re.compile(rb'r="[A-Zr\d]{4000}')
_MAYBE_BIG = re.compile(rb"<V>(?:\d{16}|\d(?:\.\d+)?E)")
"""A value of 16 digits or more, or with an exponent, in a chunk's shape."""
_HELD = 64
"""Bytes at the end of a shaped chunk looked at again with the next one: no tag or
reference is cut in two (a reference is followed up to `_CARRY` bytes back)."""
_CARRY = 4096


@lru_cache(maxsize=8)
def _odd_refs(digits: int) -> re.Pattern[bytes]:
    """References of two letters or more, or whose row has `digits` digits or more."""
    return re.compile(rb'r="(?:[A-Zr]{2}|[A-Zr]?\d{%d})' % digits)


@lru_cache(maxsize=8)
def _row_digits(digits: int) -> re.Pattern[bytes]:
    return re.compile(rb'r="[A-Zr]*\d{%d}' % digits)


@lru_cache(maxsize=8)
def _unusual_tags(digits: int) -> tuple[re.Pattern[bytes], ...]:
    """Cell and row tags that do not start with a reference of one letter and at most
    `digits` digits (a second `r` in a tag reads `"r="`)."""
    return (
        re.compile(rb'<C(?!r="[A-Z]\d{1,%d}")' % digits),
        re.compile(rb'<rOW(?!r="\d{1,%d}")' % digits),
        re.compile(rb'"r="'),
    )


class _Extent:
    """A bound of the block of cells a sheet spans, chunk by chunk, at close to memory
    speed: one translation of the chunk (`_SHAPE`) and three searches for tags out of
    the ordinary, with more work only in the chunks where they find one.

    * columns: 26 unless a reference has two letters or more; then the widest of those;
    * rows: below 10^d where d is the most digits of a reference (at most 7, then the
      largest row of seven digits or more, checked against Excel's last row);
    * cells and rows that do not start with their reference (calamine places one
      without a reference after the previous) widen the bound by their number.
    The exact block is computed (`_exact_extent`) only when this bound is too big.

    On the way it tells whether the chunk may hold a number of 16 digits or more
    (`big_numbers`), which is then looked for in the chunk itself."""

    def __init__(self, prefix: bytes = b"") -> None:
        self.end_tag = b"</" + prefix + b":" if prefix else b""
        """`</x:` when the sheet's tags have a prefix: dropped, so that `</x:c>` does not
        read `</X<C>` and count as one more cell"""
        self.widest = b""
        self.digits = 1
        self.long_row = 0
        self.endless = False
        self.unplaced = 0
        self.big_numbers = False
        self.carry = b""
        self.counted = 0
        """bytes at the start of `carry` whose tags are already counted"""

    def feed(self, chunk: bytes) -> None:
        if self.end_tag:
            chunk = chunk.replace(self.end_tag, b"</")
        window = self.carry + chunk.translate(_SHAPE, _WHITESPACE)
        held = max(0, len(window) - _HELD)
        if any(tag.search(window, self.counted) for tag in _unusual_tags(min(self.digits, 6))):
            self._count(window, self.counted, held)
            if _odd_refs(min(self.digits + 1, 7)).search(window):
                self._look_closer(window)
        self.big_numbers = _MAYBE_BIG.search(window) is not None
        # Keep the last bytes, from the last reference when there is one near the end.
        cut = window.rfind(b'r="', max(0, len(window) - _CARRY))
        cut = held if cut < 0 else min(cut, held)
        self.carry, self.counted = window[cut:], held - cut

    def close(self) -> None:
        self._count(self.carry, self.counted, len(self.carry))

    def _count(self, window: bytes, start: int, end: int) -> None:
        """Count the unplaced tags starting in window[start:end] (seen whole)."""
        for tag in _UNPLACED:
            self.unplaced += len(tag.findall(window, start)) - len(tag.findall(window, end))

    def _look_closer(self, window: bytes) -> None:
        if _ENDLESS_REF.search(window):
            self.endless = True
        for letters in set(_WIDE_REF.findall(window)):
            letters = letters.upper()[:8]
            if (len(letters), letters) > (len(self.widest), self.widest):
                self.widest = letters
        while self.digits < 7 and _row_digits(self.digits + 1).search(window):
            self.digits += 1
        if self.digits >= 7:
            rows = _LONG_ROW.findall(window)
            self.long_row = max(self.long_row, *(int(r[:12]) for r in rows), 0)

    @property
    def max_col(self) -> int:
        return column_number(self.widest) if self.widest else 26

    @property
    def max_row(self) -> int:
        """Rows of seven digits or more are exact (and may be beyond Excel)."""
        return max(self.long_row, 999_999) if self.digits >= 7 else 10**self.digits - 1


_TAG = re.compile(rb"<(/?)(?:\w+:)?(row|c|v|is)\b([^>]*?)(/?)>")
_PREFIXED_ROOT = re.compile(rb"<(\w+):worksheet\b")


def _exact_extent(path: Path, member: str) -> tuple[int, int]:
    """(last row, last column) of the cells with a value, as calamine places them,
    counting on over rows and cells without `r`. Slow (every tag is looked at), so run
    only when the cheap bound is over the limit: a lone formatted cell at XFD1048576
    must not get a genuine roster refused."""
    max_row = max_col = 0
    row = col = 0
    cell: tuple[int, int] | None = None
    tail = b""
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        while chunk := fh.read(1 << 20):
            window = tail + chunk
            cut = window.rfind(b"<")
            window, tail = window[:cut], window[cut:]  # no tag cut in two
            for m in _TAG.finditer(window):
                closing, name, attrs, empty = m.groups()
                if closing:
                    if name == b"c":
                        cell = None
                    continue
                if name == b"row":
                    ref = _ref(attrs)
                    row = ref[0] if ref else row + 1
                    col = 0
                elif name == b"c":
                    ref = _ref(attrs)
                    if ref and ref[1]:
                        row_of_cell, col = ref
                    else:
                        row_of_cell, col = row, col + 1
                    cell = None if empty else (row_of_cell, col)
                elif cell is not None:  # <v> or <is> inside a cell: it holds a value
                    max_row, max_col = max(max_row, cell[0]), max(max_col, cell[1])
    return max_row, max_col


def scan_sheet_xml(
    path: Path,
    member: str | None,
    limit: int = MAX_SHEET_XML_BYTES,
    *,
    budget: XmlBudget | None = None,
    max_cells: int = MAX_CELLS,
    sheet: str = "",
) -> SheetLayout:
    """One streaming pass: first non-empty row number, merged ranges, number cells of 16
    digits or more, expanded size, and the block of cells the sheet spans.

    Raises InputError when the XML expands beyond the budget (`limit` bytes when no
    budget is given) or a cell reference lies beyond Excel's last row or column. When
    the cheap bound of the block is over `max_cells`, the exact one is computed; the
    caller compares `layout.cells` with its limit."""
    layout = SheetLayout()
    if member is None:
        layout.numbers_complete = False
        return layout
    budget = budget or XmlBudget(path, limit)
    where = f", sheet {sheet}" if sheet else ""
    extent: _Extent | None = None
    pending = b""
    row_counter = 0
    merge_zone = False
    merge_tail = b""  # the unparsed end of the merge zone, or the end of the last chunk
    previous = b""  # the end of the previous chunk, for values cut in two
    offset = 0  # absolute offset of the current chunk
    seen_upto = -1
    try:
        with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
            while chunk := fh.read(1 << 20):
                layout.xml_bytes += len(chunk)
                budget.spend(len(chunk), where)
                if extent is None:
                    root = _PREFIXED_ROOT.search(chunk, 0, 4096)
                    extent = _Extent(root.group(1) if root else b"")
                extent.feed(chunk)
                if layout.first_row is None:
                    pending += chunk
                    last_end = 0
                    for m in _ROW.finditer(pending):
                        last_end = m.end()
                        ref = _ref(m.group(1))
                        row_counter = ref[0] if ref else row_counter + 1
                        if m.group(2) and _HAS_VALUE.search(m.group(2)):
                            layout.first_row = row_counter
                            break
                    pending = b"" if layout.first_row else pending[last_end:]
                    if len(pending) > _PENDING_LIMIT:
                        layout.first_row = _first_value_row(pending) or row_counter + 1
                        pending = b""
                if extent.big_numbers:  # the seam with the previous chunk, then the chunk
                    seam = previous + chunk[: 2 * _OVERLAP]
                    seen_upto = _record_big_numbers(layout, seam, offset - len(previous), seen_upto)
                    seen_upto = _record_big_numbers(layout, chunk, offset, seen_upto)
                previous = chunk[-_OVERLAP:]
                offset += len(chunk)
                if merge_zone or b"mergeCells" in merge_tail + chunk[:16] or b"mergeCells" in chunk:
                    window = merge_tail + chunk
                    if not merge_zone and (zone := _MERGE_ZONE.search(window)):
                        merge_zone, window = True, window[zone.start() :]
                    if merge_zone:
                        merge_tail = window[_read_merges(layout, window) :][-_OVERLAP:]
                        continue
                merge_tail = chunk[-64:]
    except (KeyError, *ZIP_ERRORS) as exc:
        raise InputError(
            f"{path}{where}: the workbook is damaged or truncated ({_first_line(exc)})"
        ) from None
    if extent is None:
        extent = _Extent()
    extent.close()
    widest, max_row = extent.max_col, extent.max_row
    if extent.endless:
        raise InputError(
            f"{path}{where}: the workbook is damaged: a cell reference thousands of characters long"
        )
    if widest > EXCEL_MAX_COL or max_row > EXCEL_MAX_ROW:
        ref = f"{column_letters(widest) if widest > EXCEL_MAX_COL else 'A'}"
        ref += str(max_row if max_row > EXCEL_MAX_ROW else 1)
        raise InputError(
            f"{path}{where}: the workbook is damaged: a cell reference ({ref}) beyond "
            f"Excel's last cell XFD{EXCEL_MAX_ROW}"
        )
    layout.max_row = max_row + extent.unplaced
    layout.max_col = widest + extent.unplaced
    if layout.cells > max_cells:
        try:
            layout.max_row, layout.max_col = _exact_extent(path, member)
        except (KeyError, *ZIP_ERRORS) as exc:
            raise InputError(
                f"{path}{where}: the workbook is damaged or truncated ({_first_line(exc)})"
            ) from None
    return layout


def _read_merges(layout: SheetLayout, xml: bytes) -> int:
    """Add the merged ranges in `xml` to the layout; returns where the last one ends."""
    end = 0
    for m in _MERGE.finditer(xml):
        c1, r1 = column_number(m.group(1)), int(m.group(2))
        c2 = column_number(m.group(3)) if m.group(3) else c1
        r2 = int(m.group(4)) if m.group(4) else r1
        layout.merges.append((r1, c1 - 1, r2, c2 - 1))
        end = m.end()
    return end


_FIRST_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b")


def _first_value_row(xml: bytes) -> int | None:
    """The row of the first cell with a value, from that cell's own reference."""
    value = _FIRST_VALUE.search(xml)
    if value is None:
        return None
    opened = list(_CELL_START.finditer(xml, max(0, value.start() - _OVERLAP), value.start()))
    if opened and (ref := _ref(opened[-1].group(1))):
        return ref[0]
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__

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
* the rows × columns of the block calamine would build, from the cell references;
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
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
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
    rb"<(?:\w+:)?v>\s*(?:\d{16,}(?:\.\d*)?|\d(?:\.\d+)?[eE]\+?0*(?:1[5-9]|[2-9]\d))\s*</(?:\w+:)?v>"
)
"""A cell value of 10^15 or more: 16 digits or more, which Excel cannot hold exactly."""
_CELL_START = re.compile(rb"<(?:\w+:)?c\b([^>]*)>")
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_TYPE = re.compile(rb'\bt="(\w+)"')
_OVERLAP = 2048
"""Bytes of the previous chunk scanned again, so that no cell is cut in two."""

_SHAPE = bytes.maketrans(
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\t\n\r:>/",
    b"0" * 10 + b"A" * 26 + b"   <  ",
)
"""A chunk's shape, for plain substring tests at memory speed: digits become 0, capital
letters A, whitespace a space, and `:`, `>`, `/` are folded so that `<c `, `<c>`,
`<x:c ` all read `<c ` (and `</c>` does not)."""
_WIDE_REF = re.compile(rb' r="([A-Z]{2,})\d')
"""Cell references beyond column Z; narrower sheets are bounded by 26 columns."""
_WIDE_REF_ANY = re.compile(rb'\sr="([A-Z]{2,})\d')
_ANY_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})0*(\d+)"')


def _maybe_big_numbers(window: bytes, shape: bytes | None = None) -> bool:
    """Cheap test before the regex: an exponent or a run of 16 digits."""
    shape = shape if shape is not None else window.translate(_SHAPE)
    return b"E+" in window or b"e+" in window or b"0" * 16 in shape


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


@lru_cache(maxsize=8)
def _refs_beyond(row: int) -> re.Pattern[bytes]:
    """Cell references whose row number is greater than `row`."""
    s = str(row)
    alts = [rf"[1-9]\d{{{len(s)},}}"]
    for i, ch in enumerate(s):
        if ch != "9":
            rest = len(s) - i - 1
            alts.append(s[:i] + f"[{int(ch) + 1}-9]" + (rf"\d{{{rest}}}" if rest else ""))
    return re.compile(rb'\sr="[A-Z]{1,3}0*(?:' + "|".join(alts).encode() + rb')"')


class _Extent:
    """A bound of the block of cells a sheet spans, chunk by chunk, at close to memory
    speed: plain substring tests on the chunk's shape (`_SHAPE`), a regex only where
    they find something unusual.

    * columns: 26 unless a reference has two letters or more; then the widest of those;
    * rows: below 10^d where d is the longest run of digits closing a quoted attribute
      (`r="A123"` closes with 123"); a run of seven digits or more is checked against
      Excel's last row with a regex;
    * cells and rows without an `r` attribute, which calamine places one after the
      previous, widen the bound by their number.
    The exact block is computed (`_exact_extent`) only when this bound is too big."""

    def __init__(self) -> None:
        self.widest = b""
        self.digits = 1
        self.beyond_excel = 0
        self.r_attrs = 0
        self.tags = 0
        self.tail = b""
        self.tail_shape = b""

    def feed(self, chunk: bytes, shape: bytes) -> None:
        # Tests run on the chunk and on a small seam across the previous one, so that
        # nothing is missed or counted twice and no megabyte is copied.
        seam, seam_shape = self.tail + chunk[:16], self.tail_shape + shape[:16]

        def has(pattern: bytes) -> bool:
            return pattern in shape or pattern in seam_shape

        if has(b' r="AA'):
            for part in (seam, chunk):
                regex = _WIDE_REF if b' r="AA' in part else _WIDE_REF_ANY
                for ref in regex.findall(part):
                    if (len(ref), ref) > (len(self.widest), self.widest):
                        self.widest = ref
        while has(b"0" * (self.digits + 1) + b'"'):
            self.digits += 1
        if self.digits >= 7:
            beyond = _refs_beyond(EXCEL_MAX_ROW)
            for part in (seam, chunk):
                if m := beyond.search(part):
                    row = int(_ANY_CELL_REF.match(m.group(0)).group(2))
                    self.beyond_excel = max(self.beyond_excel, row)
        for pattern in (b' r="', b"<c ", b"<row "):
            n = shape.count(pattern) + (
                self.tail_shape[-len(pattern) + 1 :] + shape[: len(pattern) - 1]
            ).count(pattern)
            if pattern == b' r="':
                self.r_attrs += n
            else:
                self.tags += n
        self.tail, self.tail_shape = chunk[-16:], shape[-16:]

    @property
    def max_col(self) -> int:
        return column_number(self.widest) if self.widest else 26

    @property
    def max_row(self) -> int:
        if self.beyond_excel:
            return self.beyond_excel
        return min(10**self.digits - 1, EXCEL_MAX_ROW)

    @property
    def unplaced(self) -> int:
        """Cells and rows without an `r` attribute: calamine counts them on from the
        previous one, so each may add a row or a column to the block."""
        return max(0, self.tags - self.r_attrs)


_TAG = re.compile(rb"<(/?)(?:\w+:)?(row|c|v|is)\b([^>]*?)(/?)>")


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
                    ref = _ROW_NUMBER.search(attrs)
                    row = int(ref.group(1)) if ref else row + 1
                    col = 0
                elif name == b"c":
                    ref = _CELL_REF.search(attrs)
                    if ref:
                        col, row_of_cell = column_number(ref.group(1)), int(ref.group(2))
                    else:
                        col, row_of_cell = col + 1, row
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
    extent = _Extent()
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
                budget.spend(len(chunk), where)
                shape = chunk.translate(_SHAPE)
                extent.feed(chunk, shape)
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
                    if len(pending) > _PENDING_LIMIT:
                        layout.first_row = _first_value_row(pending) or row_counter + 1
                        pending = b""
                seam = previous[-32:] + chunk[:32]
                if _maybe_big_numbers(chunk, shape) or _maybe_big_numbers(seam):
                    seen_upto = _record_big_numbers(
                        layout, previous + chunk, offset - len(previous), seen_upto
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
    except (KeyError, *ZIP_ERRORS) as exc:
        raise InputError(
            f"{path}{where}: the workbook is damaged or truncated ({_first_line(exc)})"
        ) from None
    widest = extent.max_col
    if widest > EXCEL_MAX_COL or extent.max_row > EXCEL_MAX_ROW:
        ref = f"{column_letters(widest) if widest > EXCEL_MAX_COL else 'A'}"
        ref += str(extent.max_row if extent.max_row > EXCEL_MAX_ROW else 1)
        raise InputError(
            f"{path}{where}: the workbook is damaged: a cell reference ({ref}) beyond "
            f"Excel's last cell XFD{EXCEL_MAX_ROW}"
        )
    layout.max_row = extent.max_row + extent.unplaced
    layout.max_col = widest + extent.unplaced
    if layout.cells > max_cells:
        try:
            layout.max_row, layout.max_col = _exact_extent(path, member)
        except (KeyError, *ZIP_ERRORS) as exc:
            raise InputError(
                f"{path}{where}: the workbook is damaged or truncated ({_first_line(exc)})"
            ) from None
    if merge_zone:
        for m in _MERGE.finditer(tail):
            c1, r1 = column_number(m.group(1)), int(m.group(2))
            c2 = column_number(m.group(3)) if m.group(3) else c1
            r2 = int(m.group(4)) if m.group(4) else r1
            layout.merges.append((r1, c1 - 1, r2, c2 - 1))
    return layout


_FIRST_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b")


def _first_value_row(xml: bytes) -> int | None:
    """The row of the first cell with a value, from that cell's own reference."""
    value = _FIRST_VALUE.search(xml)
    if value is None:
        return None
    opened = list(_CELL_START.finditer(xml, max(0, value.start() - _OVERLAP), value.start()))
    if opened and (ref := _CELL_REF.search(opened[-1].group(1))):
        return int(ref.group(2))
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__

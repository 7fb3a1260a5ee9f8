"""A streaming look inside an xlsx sheet's XML for what fastexcel does not tell us:
the row number of the first non-empty row (calamine drops leading empty rows), the
merged-cell ranges (kept at the end of the sheet XML) and the number cells too long for
Excel to hold exactly (ID numbers typed as numbers, DOMAIN §3.4), all in the one pass.

The first row must be exact (findings name the row the user sees in Excel): it is the
smallest row calamine places a value in, which is the first one in the file when rows
come in order, as every writer puts them. The pass reads tag by tag only up to the
first value, then watches, at close to memory speed, for a reference to a row above
it; only a sheet that has one is read tag by tag again (`_exact_extent`).

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
* the size the shared-string table claims in advance (calamine reserves it);
* a tag that never ends (`_TAG_LIMIT`), which only damage produces.
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
from .words import in_sheet

MAX_SHEET_XML_BYTES = 2048 << 20
"""Default: the XML a workbook's sheets (and shared strings) may expand to, together.
A genuine sheet of Excel's full 1,048,576 rows × 20 columns is about 1 GB."""
MAX_CELLS = 100_000_000
"""Default: rows × columns of the block a sheet occupies (calamine: 32 bytes a cell,
so 3.2 GB at the limit)."""
EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COL = 16_384
INFLATE_GRACE_BYTES = 8 << 20
"""Expanded bytes a zip member may reach before its inflate ratio is looked at: small
parts of repeated markup (styles, a few blank styled rows) compress very well and are
harmless at this size (Apache POI's ZipSecureFile has the same grace)."""
_PART_BYTES = 64 << 20
"""workbook.xml and its relationships are read whole; more than this is not a workbook."""

_TAG_LIMIT = 16 << 20
"""Bytes a tag, comment or CDATA section may run on before the workbook is called damaged
(a cell's text is at most 32,767 characters; calamine would read on to the end of the
sheet and fail there). Bounds the bytes held over from one read chunk to the next, which
would otherwise grow and be searched again with every chunk."""


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

    def __init__(
        self, path: Path, limit: int = MAX_SHEET_XML_BYTES, max_ratio: int | None = None
    ) -> None:
        self.path, self.limit, self.used = path, limit, 0
        self.max_ratio = max_ratio
        """times its compressed size a member may expand past INFLATE_GRACE_BYTES"""

    def spend(self, n: int, where: str) -> None:
        self.used += n
        if self.used > self.limit:
            raise self.refusal(where)

    def refusal(self, where: object) -> InputError:
        return InputError(
            "{path}{where}: the workbook expands to more than {limit} MB of XML (a zip bomb, "
            "or millions of styled rows); refused (raise the limit with --max-sheet-mb if "
            "the file is genuine)",
            path=self.path,
            where=where,
            limit=self.limit >> 20,
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
            raise budget.refusal(in_sheet(label) if label else f" ({info.filename})")
    if budget.max_ratio is None:
        return
    for info in infos:
        # zipfile never yields more than the declared size, so the declared sizes bound
        # what reading the member costs: a bomb is refused before a byte is inflated.
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > INFLATE_GRACE_BYTES and ratio > budget.max_ratio:
            raise InputError(
                "{path} ({member}): expands {ratio:,.0f} times, from {packed} to {size} MB, "
                "more than the limit of {limit} times (a zip bomb); refused (raise the limit "
                "with --max-inflate-ratio if the file is genuine)",
                path=path,
                member=info.filename,
                ratio=ratio,
                packed=f"{info.compress_size / (1 << 20):,.1f} MB",
                size=f"{info.file_size >> 20:,}",
                limit=budget.max_ratio,
            )


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
_SST_COUNT = re.compile(rb'\buniqueCount\s*=\s*["\'](\d+)')
"""calamine reserves room for `uniqueCount` entries; `count` is the number of cells that
refer to the table, which a sheet of repeated values puts far above its size."""
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
            "{path}: the workbook is damaged or truncated ({member}: {error})",
            path=path,
            member=member,
            error=exc,
        ) from None
    if claimed > size // _SST_MIN_ITEM + 1:
        raise InputError(
            "{path}: the workbook is damaged: {member} claims {claimed} strings in {size} bytes",
            path=path,
            member=member,
            claimed=f"{claimed:,}",
            size=f"{size:,}",
        )


_MERGE_ZONE = re.compile(rb"<(?:\w+:)?mergeCells\b")
"""Where the merged ranges start (a `<` inside text is escaped, so text cannot fake it)."""
_MERGE_ZONE_END = re.compile(rb"</(?:\w+:)?mergeCells\s*>")
"""Where they end: calamine reads the first <mergeCells> only."""
_MERGE = re.compile(rb"""<(?:\w+:)?mergeCell(?=[\s/>])((?:[^<>"']|"[^"<]*"|'[^'<]*')*)>""")
"""A merged range's tag and its attributes (a `>` inside quotes belongs to them; a `<`
does not, which keeps every try within the bytes up to the next tag)."""


def _attribute(names: bytes) -> re.Pattern[bytes]:
    """Attributes named by the regex `names` as calamine reads them: either quote, spaces
    around `=`, after a space or the quote of the attribute before (`x:r` is another
    attribute). Groups: the name, then the value in double or in single quotes."""
    return re.compile(rb"""(?<![^\s"'])(""" + names + rb""")\s*=\s*(?:"([^"]*)"|'([^']*)')""")


_ATTR_REF = _attribute(rb"ref")
_RANGE = re.compile(rb"([A-Za-z]+)(\d+)(?::([A-Za-z]+)(\d+))?")
"""A range calamine accepts whole: `A2:B3` or `B3`, letters in either case, leading zeros
(anything else, `$A$2` or ` A2`, it refuses)."""
_BIG_NUMBER = re.compile(
    rb"v(?<=[<:]v)(?:\s[^<>]{0,200})?(?<!/)>"
    rb"(\+?(?:0*[1-9]\d{15,}(?:\.\d*)?|(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+))(?=[<&])"
)
"""A <v> (any prefix, any attributes) whose text calamine reads as a number of 16 digits
or more, or with an exponent (its size is checked after): calamine parses the first
piece of text only, up to a tag or an entity, and reads it as text when it is padded
with spaces. It starts at `v` so that the regex engine can skip ahead to that literal."""
_CELL_START = re.compile(rb"<(?:\w+:)?c(?=[\s/>])([^>]*)>")
_CELL_END = re.compile(rb"</(?:\w+:)?c\s*>")
_CELL_ATTR = _attribute(rb"[rt]")
_CELL_REF = re.compile(rb"([A-Za-z]+)(\d+)")
_ROW_REF = re.compile(rb"[A-Za-z]*(\d+)")
_OVERLAP = 2048
"""Bytes of the previous chunk scanned again, so that no cell is cut in two."""


@lru_cache(maxsize=4096)
def _column_of(letters: bytes) -> int:
    return column_number(letters[:8].upper())


def _row_of(digits: bytes) -> int:
    """A reference's row, as calamine reads it: leading zeros do not count (`A0005` is
    row 5, `XFD0…01048576` the last row), and past 12 digits the row is beyond Excel."""
    return int(digits.lstrip(b"0")[:12] or b"0")


def _cell_attrs(attrs: bytes) -> tuple[tuple[int, int] | None, bytes | None]:
    """A cell tag's (row, column) (1-based) and type, as calamine reads them: the last `r`
    and the last `t`; no place when `r` is missing or not a cell reference."""
    ref = kind = None
    for name, double, single in _CELL_ATTR.findall(attrs):
        if name == b"r":
            ref = double or single
        else:
            kind = double or single
    placed = _CELL_REF.fullmatch(ref) if ref is not None else None
    if placed is None or _row_of(placed[2]) == 0:
        return None, kind
    return (_row_of(placed[2]), _column_of(placed[1])), kind


def _row_tag_row(attrs: bytes) -> int | None:
    """A row tag's row (1-based), as calamine reads it: its first `r`, when that names
    a row (letters before the digits are ignored)."""
    for name, double, single in _CELL_ATTR.findall(attrs):
        if name == b"r":
            number = _ROW_REF.fullmatch(double or single)
            return (_row_of(number[1]) or None) if number else None
    return None


def _cell_tag_before(window: bytes, end: int) -> re.Match[bytes] | None:
    """The tag of the cell open at `end`, if it starts in the `_OVERLAP` bytes before
    (stepping back tag by tag: it is one or two tags before its value); None past the
    end of the cell before (a value outside a cell)."""
    low = max(0, end - _OVERLAP)
    while (at := window.rfind(b"<", low, end)) >= 0:
        if tag := _CELL_START.match(window, at):
            return tag
        if _CELL_END.match(window, at):
            return None
        end = at
    return None


def _record_big_numbers(layout: SheetLayout, window: bytes, base: int, seen_upto: int) -> int:
    """Number cells of 16 digits or more in `window` (which starts at absolute offset
    `base`) whose value starts after `seen_upto`; returns the new `seen_upto`."""
    for m in _BIG_NUMBER.finditer(window):
        number = m.group(1)
        if base + m.start() <= seen_upto or (
            (b"e" in number or b"E" in number) and float(number) < 1e15
        ):
            continue
        seen_upto = base + m.start()
        cell = _cell_tag_before(window, m.start())
        if cell is None:
            layout.numbers_complete = False
            continue
        ref, kind = _cell_attrs(cell.group(1))
        if kind is not None and kind != b"n":
            continue  # text (a formula's string result, inline or shared string)
        if ref is None:
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
_MAYBE_BIG = re.compile(rb"<V[^>]{0,200}>\+?(?:\d{16}|[\d.]*E)")
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


@lru_cache(maxsize=64)
def _unusual_tags(fewest: int, most: int) -> tuple[re.Pattern[bytes], ...]:
    """Cell and row tags that do not start with a reference of one letter and a row of
    `fewest` to `most` digits, and no leading zero unless `fewest` is 1 (all of them
    when `fewest` > `most`; a second `r` in a tag reads `"r="`)."""
    if fewest > most:
        return (re.compile(rb"<C"), re.compile(rb"<rOW"), re.compile(rb'"r="'))
    digits = rb"\d{1,%d}" % most if fewest == 1 else rb"[1-9]\d{%d,%d}" % (fewest - 1, most - 1)
    return (
        re.compile(rb'<C(?!r="[A-Z]' + digits + rb'")'),
        re.compile(rb'<rOW(?!r="' + digits + rb'")'),
        re.compile(rb'"r="'),
    )


@lru_cache(maxsize=8)
def _short_refs(digits: int) -> re.Pattern[bytes]:
    """References whose row has at most `digits` digits (leading zeros aside)."""
    return re.compile(rb'r="[A-Zr]*+0*+(\d{1,%d})"' % digits)


def _ref_above(window: bytes, row: int, ends_after: int, endpos: int) -> bool:
    """Whether a row or cell reference in a shaped window[:endpos] that ends past
    `ends_after` names a row above `row`. A reference is an `r` after the tag's name
    (`<Cr=`, `<rOWr=`) or after the quote of the attribute before it; one at the very
    start of the window cannot be told from `header=` and counts as one."""
    for m in _short_refs(len(str(row))).finditer(window, 0, endpos):
        if (
            m.end() > ends_after
            and window[m.start() - 1 : m.start()] in (b"C", b"W", b'"', b"")
            and int(m.group(1)) < row
        ):
            return True
    return False


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
    (`big_numbers`), which is then looked for in the chunk itself.

    Once told the row of the first value (`watch_above`), it also watches for a row or
    cell reference above that row (`above_first`): the tags that could hold one are out
    of the ordinary (a reference with fewer digits than `first_row` has, or as many),
    and references cut by the chunk boundary start in the carry, looked at each time."""

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
        self.first_row = 0
        self.above_first = False
        self.carry_seen = False
        """whether the references in `carry` were looked at for `above_first` already"""

    def watch_above(self, first_row: int, rest: bytes) -> None:
        """Watch for references above `first_row` from now on, and in `rest`: the rest of
        the bytes of the last chunk, after the first value's cell."""
        if first_row > 1:
            self.first_row = first_row
            shape = rest.translate(_SHAPE, _WHITESPACE)
            self.above_first = _ref_above(shape, first_row, 0, len(shape))
            self.carry_seen = True  # what of it is after the first value is in `rest`

    def feed(self, chunk: bytes, last: bool = False) -> None:
        if self.end_tag:
            chunk = chunk.replace(self.end_tag, b"</")
        carried = len(self.carry)
        window = self.carry + chunk.translate(_SHAPE, _WHITESPACE)
        # Tags that start in the last `_HELD` bytes are looked at with the next chunk,
        # whole (one cut by the chunk boundary would read as out of the ordinary).
        held = len(window) if last else max(0, len(window) - _HELD)
        watching = self.first_row > 1 and not self.above_first
        fewest = len(str(self.first_row)) + 1 if watching else 1
        most = min(self.digits, 6)
        odd = self._unusual(window, held, _unusual_tags(fewest, most))
        if odd:
            self._count(window, self.counted, held)
        # A reference that starts in the carry may belong to a tag begun before it (a
        # long one, cut by the chunk boundary): the carry is looked at every time.
        if _odd_refs(min(self.digits + 1, 7)).search(
            window, 0, len(window) if odd else carried + _CARRY
        ):
            self._look_closer(window)
        if watching:
            ends_after = carried if self.carry_seen else 0
            endpos = len(window) if odd else carried + _CARRY
            self.above_first = _ref_above(window, self.first_row, ends_after, endpos)
            self.carry_seen = False
        self.big_numbers = _MAYBE_BIG.search(window) is not None
        # Keep the last bytes, from the last reference when there is one near the end.
        cut = window.rfind(b'r="', max(0, len(window) - _CARRY))
        cut = held if cut < 0 else min(cut, held)
        self.carry, self.counted = window[cut:], held - cut

    def close(self) -> None:
        """Look at the bytes held back for a next chunk that does not come."""
        self.feed(b"", last=True)

    def _unusual(self, window: bytes, held: int, tags: tuple[re.Pattern[bytes], ...]) -> bool:
        """Whether one of `tags` starts in window[counted:held]."""
        for tag in tags:
            found = tag.search(window, self.counted)
            if found is not None and found.start() < held:
                return True
        return False

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


_ATTRS = rb"""(?:[^<>"'/]++|/(?!>)|"[^"<>]*+"|'[^'<>]*+')*+"""
"""A tag's attributes with no `<` or `>` in them, quoted or not."""
_EMPTY_CELL = rb"<(?:\w+:)?c(?=[\s/>])" + _ATTRS + rb"(?:/>|>\s*+</(?:\w+:)?c\s*>)"
_EMPTY_ROW = (
    rb"<(?:\w+:)?row(?=[\s/>])"
    + _ATTRS
    + rb"(?:/>|>(?:\s*+"
    + _EMPTY_CELL
    + rb")*+\s*+</(?:\w+:)?row\s*>)"
)
_EMPTY_ROWS = _EMPTY_ROW + rb"(?:\s*+" + _EMPTY_ROW + rb")*+"
"""Whole rows whose cells hold nothing (formatted rows and cells): the row counter is all
they change, which the last of them tells."""
_PLAIN_CELL = (
    rb"<c(?=[\s/>])(?P<cell>"
    + _ATTRS
    + rb")(?:/>|>(?:<f(?:\s"
    + _ATTRS
    + rb")?(?:/>|>[^<]*+</f>))?(?:<v>(?P<text>[^<]*+)</v>|(?P<inline><is>(?:<t(?:\s"
    + _ATTRS
    + rb")?>[^<]*+</t>)?</is>))?</c>)"
)
"""A cell as most writers put it, read in one step: no prefix, no spaces between tags,
at most a formula and then a value or an inline string (the value's text has no tag)."""
_TAG_TOKEN = (
    rb"<!--.*?-->|<!\[CDATA\[.*?]]>|<\?.*?\?>|<!(?!--|\[CDATA\[)[^>]*>"
    rb"|<(?P<closing>/?)(?![!?])(?P<name>[^\s/>]*+)"
    rb"(?P<attrs>(?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+)>(?=(?P<next>[\s\S]?))"
    rb"|(?P<cut><)"
)
_TOKEN = re.compile(
    rb"(?P<rows>" + _EMPTY_ROWS + rb")|(?P<plain>" + _PLAIN_CELL + rb")|" + _TAG_TOKEN, re.S
)
"""The sheet XML token by token as quick-xml (inside calamine) reads it: a run of rows
without values; a plain cell; a comment, CDATA section, processing instruction or
declaration (skipped whole); a tag with its closing slash, name, attributes (a `>` or
`<` inside quotes is theirs) and the byte after it; or a `<` whose token does not end in
the bytes at hand (`cut`). Every part is possessive or stops at its end: a try that
fails either scans bytes that the next token reads anyway, or runs to the end of the
chunk, where the walk stops. Linear time, whatever the bytes."""
_ONE_TAG = re.compile(_TAG_TOKEN, re.S)
_LAST_ROW = re.compile(rb".*<(?:\w+:)?row(?=[\s/>])(" + _ATTRS + rb")", re.S)
_PLAIN_TYPES = (None, b"n", b"s", b"b", b"e")
"""Cell types whose <v> calamine reads from its first piece of text only: no value when
the <v> is empty or starts with a tag, comment, CDATA or entity."""
_PREFIXED_ROOT = re.compile(rb"<(\w+):worksheet\b")


class _RunOnTag(Exception):
    """A tag, comment or CDATA section runs on for more than `_TAG_LIMIT` bytes."""


class _CellWalk:
    """The cells of a sheet as calamine places them, token by token (slow: a Python step
    per cell or tag, so only up to the first value unless the sheet is out of the
    ordinary or too big for the cheap bound).

    calamine reads the cells inside <sheetData> only. A row's `r` (the first one) sets
    the row, a cell's `r` (the last one) its row and column; a row or cell without one
    follows the previous: the row counter moves on at each </row>, the column counter
    after each cell. The value of a cell is that of its last child: <is> holds one, <f>
    none, <v> one as `_child_value` says. Inside <v>, <is> and <f> calamine reads on to
    their end tag.

    `first_row` is the smallest row holding a value (the first in file order with
    `stop_at_first`, which stops there and keeps in `rest` the bytes after that cell when
    it is not in row 1, and in `row_counter` the row that a cell without `r` would go to
    then). `max_row` and
    `max_col` bound the block from every cell with a <v> or <is>, kept by calamine or not
    (1-based, like `first_row`)."""

    def __init__(self, stop_at_first: bool = False) -> None:
        self.stop_at_first = stop_at_first
        self.first_row: int | None = None
        self.row_counter = 0
        self.max_row = self.max_col = 0
        self.rest = b""
        self.done = False
        self._tail = b""
        self._in_sheet = False
        self._row = self._col = 0  # calamine's counters, 0-based
        self._cell: tuple[int, int] | None = None  # (row, column) of the open cell, 0-based
        self._cell_type: bytes | None = None
        self._cell_value = self._cell_tagged = False
        self._skip_name: bytes | None = None  # inside this <v>, <is> or <f>
        self._skip_depth = 0

    def feed(self, chunk: bytes) -> None:
        if self.done:
            return
        window = self._tail + chunk
        for m in _TOKEN.finditer(window):
            if m["rows"] is not None:
                self._rows(m["rows"])
            elif m["plain"] is not None:
                self._plain_cell(m)
            elif m.lastgroup == "cut" or (
                m["name"] is not None
                and not self._step(m["closing"], m["name"], m["attrs"], m["next"])
            ):
                self._tail = window[m.start() :]
                if len(self._tail) > _TAG_LIMIT:
                    raise _RunOnTag
                return
            if self.done:
                if self.first_row and self.first_row > 1:  # a row above it may come yet
                    self.rest = window[m.end() :]
                return
        self._tail = b""

    def _rows(self, rows: bytes) -> None:
        """Take a run of rows without values: the row counter goes past the last of them
        (its first `r`), when the walk is between rows and that row has one."""
        if self._in_sheet and self._cell is None and self._skip_name is None:
            if row := _row_tag_row(_LAST_ROW.match(rows)[1]):
                self._row, self._col = row, 0
                return
        self._tag_by_tag(rows)

    def _plain_cell(self, m: re.Match[bytes]) -> None:
        """Take a cell read in one step (`_PLAIN_CELL`)."""
        if not self._in_sheet or self._cell is not None or self._skip_name is not None:
            self._tag_by_tag(m["plain"])
            return
        self._open_cell(m["cell"])
        text = m["text"]
        if text is not None:
            self._cell_tagged = True
            after = text[:1] or b"<"  # the byte after <v>
            self._cell_value = self._child_value(b"v", False, after)
        elif m["inline"] is not None:
            self._cell_tagged = self._cell_value = True
        self._end_cell()

    def _tag_by_tag(self, tokens: bytes) -> None:
        for m in _ONE_TAG.finditer(tokens):
            if m["name"] is not None:
                self._step(m["closing"], m["name"], m["attrs"], m["next"])

    def _step(self, closing: bytes, name: bytes, attrs: bytes, after: bytes) -> bool:
        """Take one tag; False when the byte after it is needed and not here yet."""
        local = name.partition(b":")[2] or name
        empty = attrs.endswith(b"/")  # <c/> reads as <c></c>
        if self._skip_name is not None:
            if name == self._skip_name:
                self._skip_depth += -1 if closing else 0 if empty else 1
                if self._skip_depth == 0:
                    self._skip_name = None
            return True
        if not self._in_sheet:
            if local == b"sheetData" and not closing:
                self._in_sheet, self.done = True, empty
            return True
        if self._cell is not None:  # calamine looks only for </c> and child tags here
            if closing:
                if local == b"c":
                    self._end_cell()
            elif local == b"v" and not empty and not after:
                return False
            else:
                self._cell_value = self._child_value(local, empty, after)
                self._cell_tagged |= local in (b"v", b"is")
                if local in (b"v", b"is", b"f") and not empty:
                    self._skip_name, self._skip_depth = name, 1
            return True
        if local == b"sheetData" and closing:
            self.done = True
        elif local == b"row":
            if not closing and (row := _row_tag_row(attrs)):
                self._row = row - 1
            if closing or empty:
                self._row, self._col = self._row + 1, 0
        elif local == b"c" and not closing:
            self._open_cell(attrs)
            if empty:
                self._end_cell()
        return True

    def _open_cell(self, attrs: bytes) -> None:
        ref, self._cell_type = _cell_attrs(attrs)
        self._cell = (ref[0] - 1, ref[1] - 1) if ref else (self._row, self._col)
        self._cell_value = self._cell_tagged = False

    def _child_value(self, local: bytes, empty: bool, after: bytes) -> bool:
        """Whether calamine reads a value from this child of a cell (other children than
        <v>, <is> and <f> make it refuse the sheet)."""
        if local == b"is":
            return True
        if local != b"v" or self._cell_type in (b"inlineStr", b"is"):
            return False
        if self._cell_type in _PLAIN_TYPES:
            return not empty and after not in (b"<", b"&")
        return True  # str, d: the text is read whole, even when empty

    def _end_cell(self) -> None:
        row, col = self._cell
        if self._cell_tagged:
            self.max_row, self.max_col = max(self.max_row, row + 1), max(self.max_col, col + 1)
        if self._cell_value and (self.first_row is None or row + 1 < self.first_row):
            self.first_row, self.row_counter = row + 1, self._row + 1
            self.done = self.stop_at_first
        self._cell, self._col = None, col + 1


def _exact_extent(path: Path, member: str) -> tuple[int | None, int, int]:
    """(first row, last row, last column) of the cells with a value, as calamine places
    them, tag by tag. Slow, so run only when the cheap bound of the block is over the
    limit (a lone formatted cell at XFD1048576 must not get a genuine roster refused) or
    a reference above the first value was seen."""
    walk = _CellWalk()
    with zipfile.ZipFile(path) as zf, zf.open(member) as fh:
        while not walk.done and (chunk := fh.read(1 << 20)):
            walk.feed(chunk)
    return walk.first_row, walk.max_row, walk.max_col


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
    budget is given), a cell reference lies beyond Excel's last row or column, or a tag
    runs on beyond `_TAG_LIMIT`. When the cheap bound of the block is over `max_cells`,
    the exact one is computed; the caller compares `layout.cells` with its limit."""
    layout = SheetLayout()
    if member is None:
        layout.numbers_complete = False
        return layout
    budget = budget or XmlBudget(path, limit)
    where = in_sheet(sheet)
    extent: _Extent | None = None
    first = _CellWalk(stop_at_first=True)
    first_in_order = True  # no cell that could hold a value above the first one found
    merge_zone = merges_read = False
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
                if not first.done:
                    first.feed(chunk)
                    if first.first_row is not None:  # found in this chunk
                        layout.first_row = first.first_row
                        # a cell without `r` after it in the same row goes to row_counter
                        first_in_order = first.row_counter >= first.first_row
                        extent.watch_above(first.first_row, first.rest)
                if extent.big_numbers:  # the seam with the previous chunk, then the chunk
                    seam = previous + chunk[: 2 * _OVERLAP]
                    seen_upto = _record_big_numbers(layout, seam, offset - len(previous), seen_upto)
                    seen_upto = _record_big_numbers(layout, chunk, offset, seen_upto)
                previous = chunk[-_OVERLAP:]
                offset += len(chunk)
                if merges_read:
                    continue
                if merge_zone or b"mergeCells" in merge_tail + chunk[:16] or b"mergeCells" in chunk:
                    window = merge_tail + chunk
                    if not merge_zone and (zone := _MERGE_ZONE.search(window)):
                        merge_zone, window = True, window[zone.start() :]
                    if merge_zone:
                        end, merges_read = _read_merges(layout, window)
                        merge_tail = window[end:][-_OVERLAP:]
                        continue
                merge_tail = chunk[-64:]
    except (KeyError, *ZIP_ERRORS) as exc:
        raise InputError(
            "{path}{where}: the workbook is damaged or truncated ({error})",
            path=path,
            where=where,
            error=_first_line(exc),
        ) from None
    except _RunOnTag:
        raise _run_on_tag(path, where) from None
    if extent is None:
        extent = _Extent()
    extent.close()
    widest, max_row = extent.max_col, extent.max_row
    if extent.endless:
        raise InputError(
            "{path}{where}: the workbook is damaged: a cell reference thousands of characters long",
            path=path,
            where=where,
        )
    if widest > EXCEL_MAX_COL or max_row > EXCEL_MAX_ROW:
        ref = f"{column_letters(widest) if widest > EXCEL_MAX_COL else 'A'}"
        ref += str(max_row if max_row > EXCEL_MAX_ROW else 1)
        raise InputError(
            "{path}{where}: the workbook is damaged: a cell reference ({ref}) beyond "
            "Excel's last cell XFD{last}",
            path=path,
            where=where,
            ref=ref,
            last=EXCEL_MAX_ROW,
        )
    layout.max_row = max_row + extent.unplaced
    layout.max_col = widest + extent.unplaced
    too_big = layout.cells > max_cells
    out_of_order = not first_in_order or extent.above_first
    if too_big or out_of_order:
        try:
            first_row, exact_rows, exact_cols = _exact_extent(path, member)
        except (KeyError, *ZIP_ERRORS) as exc:
            raise InputError(
                "{path}{where}: the workbook is damaged or truncated ({error})",
                path=path,
                where=where,
                error=_first_line(exc),
            ) from None
        except _RunOnTag:
            raise _run_on_tag(path, where) from None
        if too_big:
            layout.max_row, layout.max_col = exact_rows, exact_cols
        if out_of_order:
            layout.first_row = first_row
    return layout


def _run_on_tag(path: Path, where: str) -> InputError:
    return InputError(
        "{path}{where}: the workbook is damaged: a tag runs on for more than {mb} MB "
        "without an end",
        path=path,
        where=where,
        mb=_TAG_LIMIT >> 20,
    )


def _read_merges(layout: SheetLayout, xml: bytes) -> tuple[int, bool]:
    """Add the merged ranges in `xml` (from the start of the merge zone or the end of
    the last chunk) to the layout; returns where the last one ends, and whether the
    zone ended (calamine reads the first <mergeCells> only)."""
    zone_end = _MERGE_ZONE_END.search(xml)
    end = 0
    for m in _MERGE.finditer(xml, 0, zone_end.start() if zone_end else len(xml)):
        end = m.end()
        ref = _ATTR_REF.search(m.group(1))  # the first `ref`, as calamine takes it
        cells = ref and _RANGE.fullmatch(ref.group(2) or ref.group(3) or b"")
        r1 = _row_of(cells[2]) if cells else 0
        r2 = _row_of(cells[4]) if cells and cells[4] else r1
        if not r1 or not r2:
            continue  # a range calamine refuses (`$A$2`, ` A2`, `A0`, `A:B`)
        c1 = _column_of(cells[1])
        c2 = _column_of(cells[3]) if cells[3] else c1
        layout.merges.append((r1, c1 - 1, r2, c2 - 1))
    return end, zone_end is not None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__

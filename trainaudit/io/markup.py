"""Tables saved as markup: HTML pages and Excel 2003 XML (SpreadsheetML) workbooks,
which government systems export under an .xls name. Both → grids.

Parsers: the standard library's `html.parser` (tolerant of the unclosed tags such
exports are full of, no dependency to add: lxml and html5lib are not installed here) and
`xml.etree.ElementTree.iterparse` for SpreadsheetML (streaming, so the cell limit is
kept while reading; a DOCTYPE, which SpreadsheetML never has, is refused so that no
entity can expand). The read limits hold: the file size (`--max-file-mb`) bounds the
text, `--max-cells` the cells, counted as they are read.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

from ..errors import InputError
from .delimited import decode_text
from .grid import BIG_NUMBER, ReadLimits, SheetGrid, grid_from_rows

_SS = "urn:schemas-microsoft-com:office:spreadsheet"
_X = "urn:schemas-microsoft-com:office:excel"


def is_spreadsheetml(head: bytes) -> bool:
    """An Excel 2003 XML workbook: its root is `Workbook` in the spreadsheet namespace."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<?xml") and (b'progid="Excel.Sheet"' in head or _SS.encode() in head)


def is_html(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    return text.startswith((b"<html", b"<!doc", b"<table", b"<meta", b"<head", b"<body")) or (
        text.startswith(b"<") and b"<table" in text
    )


# --- HTML -------------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Every innermost <table> as rows of cells, with its rowspan/colspan merges."""

    def __init__(self, max_cells: int) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[list[str | None]], list[tuple[int, int, int, int]]]] = []
        self.stack: list[dict] = []
        self.cells = 0
        self.max_cells = max_cells

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.stack.append({"rows": [], "merges": [], "taken": {}, "cell": None, "row": None})
        elif not self.stack:
            return
        elif tag == "tr":
            self._end_cell()
            t = self.stack[-1]
            t["rows"].append([])
            t["row"] = len(t["rows"]) - 1
        elif tag in ("td", "th"):
            t = self.stack[-1]
            self._end_cell()
            if t["row"] is None:
                t["rows"].append([])
                t["row"] = len(t["rows"]) - 1
            a = dict(attrs)
            t["cell"] = {
                "text": [],
                "rowspan": _span(a.get("rowspan")),
                "colspan": _span(a.get("colspan")),
            }
        elif tag == "br" and self.stack[-1]["cell"] is not None:
            self.stack[-1]["cell"]["text"].append("\n")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            return
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr":
            self._end_cell()
            self.stack[-1]["row"] = None
        elif tag == "table":
            self._end_cell()
            t = self.stack.pop()
            if t["rows"]:
                self.tables.append((t["rows"], t["merges"]))

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1]["cell"] is not None:
            self.stack[-1]["cell"]["text"].append(data)

    def _end_cell(self) -> None:
        t = self.stack[-1] if self.stack else None
        if t is None or t["cell"] is None:
            return
        cell, t["cell"] = t["cell"], None
        r = t["row"]
        row = t["rows"][r]
        c = len(row)
        while (r, c) in t["taken"]:  # a cell of a rowspan from above sits here
            row.append(None)
            c += 1
        text = " ".join("".join(cell["text"]).split()) or None
        rs, cs = cell["rowspan"], cell["colspan"]
        for dr in range(rs):
            for dc in range(cs):
                if dr or dc:
                    t["taken"][(r + dr, c + dc)] = True
        row.append(text)
        row.extend([None] * (cs - 1))
        self.cells += cs * rs
        if self.cells > self.max_cells:
            raise _TooMany
        if rs > 1 or cs > 1:
            t["merges"].append((r + 1, c, r + rs, c + cs - 1))


class _TooMany(Exception):
    pass


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(str(value).strip()), 10_000))
    except (TypeError, ValueError):
        return 1


def _fill_taken(rows: list[list[str | None]]) -> list[list[str | None]]:
    width = max((len(r) for r in rows), default=0)
    return [r + [None] * (width - len(r)) for r in rows]


def html_grids(path: Path, limits: ReadLimits) -> list[SheetGrid]:
    """Each table of an HTML page (an HR system's "Excel export") as a grid."""
    text, _ = decode_text(path.read_bytes(), path)
    if m := re.search(r"charset\s*=\s*[\"']?([\w-]+)", text[:4096], re.IGNORECASE):
        charset = m.group(1).lower()
        if charset in ("gbk", "gb2312", "gb18030") and "\ufffd" in text:
            text = path.read_bytes().decode("gb18030", errors="replace")
    parser = _Tables(limits.max_cells)
    try:
        parser.feed(text)
        parser.close()
    except _TooMany:
        raise InputError(
            "{path}: its HTML tables hold more than {most} cells"
            ", more than the limit of {limit} cells; refused "
            "(raise the limit with --max-cells if the file is genuine)",
            limit=f"{limits.max_cells:,}",
            path=path,
            most=f"{limits.max_cells:,}",
        ) from None
    grids = []
    for k, (rows, merges) in enumerate(parser.tables):
        name = f"table {k + 1}" if len(parser.tables) > 1 else ""
        grids.append(grid_from_rows(name, _fill_taken(rows), merges=merges))
    if not grids:
        raise InputError("{path}: an HTML page without a table", path=path)
    return grids


# --- SpreadsheetML (Excel 2003 XML) -----------------------------------------------------------


def spreadsheetml_grids(path: Path, limits: ReadLimits) -> tuple[list[SheetGrid], list[str]]:
    """The visible worksheets of an Excel 2003 XML workbook, and the hidden ones' names."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise InputError("{path}: an XML workbook with a DOCTYPE; refused (entities)", path=path)
    grids: list[SheetGrid] = []
    hidden: list[str] = []
    cells = 0
    rows: list[list[str | None]] = []
    numbers: list[tuple[int, int]] = []
    merges: list[tuple[int, int, int, int]] = []
    row = col = 0
    sheet = ""
    sheet_hidden = False
    try:
        for event, el in ElementTree.iterparse(path, events=("start", "end")):
            tag = el.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "Worksheet":
                    sheet = el.get(f"{{{_SS}}}Name", "")
                    rows, numbers, merges, row, sheet_hidden = [], [], [], 0, False
                elif tag == "Row":
                    index = el.get(f"{{{_SS}}}Index")
                    row = int(index) if index else row + 1
                    col = 0
                elif tag == "Cell":
                    index = el.get(f"{{{_SS}}}Index")
                    col = int(index) if index else col + 1
                continue
            if tag == "Cell":
                data = next((d for d in el if d.tag.rsplit("}", 1)[-1] == "Data"), None)
                value = "".join(data.itertext()).strip() if data is not None else ""
                across = int(el.get(f"{{{_SS}}}MergeAcross", "0") or 0)
                down = int(el.get(f"{{{_SS}}}MergeDown", "0") or 0)
                cells += 1 + across
                if cells > limits.max_cells or row > 1_048_576 or col + across > 16_384:
                    raise _TooMany
                while len(rows) < row:
                    rows.append([])
                target = rows[row - 1]
                while len(target) < col:
                    target.append(None)
                if value:
                    target[col - 1] = _number_text(value, data)
                    if data is not None and data.get(f"{{{_SS}}}Type") == "Number":
                        try:
                            if abs(float(value)) >= BIG_NUMBER:
                                numbers.append((row - 1, col - 1))
                        except ValueError:
                            pass
                if across or down:
                    merges.append((row, col - 1, row + down, col - 1 + across))
                col += across
                el.clear()
            elif tag == "Visible" and (el.text or "").strip() in ("SheetHidden", "SheetVeryHidden"):
                sheet_hidden = True
            elif tag == "Worksheet":
                if sheet_hidden:
                    hidden.append(sheet)
                elif rows:
                    grids.append(_sheet_grid(sheet, rows, numbers, merges))
                el.clear()
    except _TooMany:
        raise InputError(
            "{path}: its XML sheets hold more than {most} cells"
            ", more than the limit of {limit} cells; refused "
            "(raise the limit with --max-cells if the file is genuine)",
            limit=f"{limits.max_cells:,}",
            path=path,
            most=f"{limits.max_cells:,}",
        ) from None
    except (ElementTree.ParseError, ValueError) as exc:
        raise InputError(
            "{path}: a damaged Excel 2003 XML workbook ({error})", path=path, error=str(exc)[:200]
        ) from None
    return grids, hidden


def _number_text(value: str, data: ElementTree.Element | None) -> str:
    """A Number cell as Excel shows its digits (1.10101199001011E+17 → 110101199001011000)."""
    if data is None or data.get(f"{{{_SS}}}Type") != "Number":
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    if not number.is_integer():
        return value
    if abs(number) >= BIG_NUMBER:  # Excel's 15 significant digits, not float64's tail
        return str(int(Decimal(format(number, ".15g"))))
    return str(int(number))


def _sheet_grid(
    name: str,
    rows: list[list[str | None]],
    numbers: list[tuple[int, int]],
    merges: list[tuple[int, int, int, int]],
) -> SheetGrid:
    grid = grid_from_rows(name, _fill_taken(rows), merges=merges)
    height = len(rows)

    def numeric_cells(col: int) -> np.ndarray:
        flags = np.zeros(height, dtype=bool)
        for r, c in numbers:
            if c == col:
                flags[r] = True
        return flags

    grid.numeric_cells = numeric_cells
    return grid

"""The annotated workbook (SPEC §3): the user's rows with flagged cells, `Findings`, `Summary`.

Two ways to build it:

* an .xlsx/.xlsm input exists → a copy of the user's own workbook (openpyxl, their sheets and
  formatting kept) whose flagged cells are filled and commented in place; every other table
  gets a fresh sheet in the same book;
* no such input → a fresh book written with xlsxwriter in constant-memory mode, about twice
  as fast as openpyxl on 100k-row tables.

Both go through the small `_Book` interface, so each sheet kind is written by one function.
Every string is written as a string cell, never a formula, whatever it begins with.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from ..i18n import column_label, render, severity_label, status_label, table_label
from ..model import EXTRA_COLUMNS, FINDING_COLUMNS, AuditReport, Finding, Severity, Status
from ..policy import meaning_of, source_of
from ..rules.docs_zh import rule_title
from .atomic import atomic_path
from .labels import label

FULL_ROWS_LIMIT = 100_000
KEEP_FORMAT_CELLS = 250_000
"""Up to this many cells (rows × columns) the user's own workbook is copied with openpyxl,
formatting kept (about 75 µs a cell to load, annotate and save on a 2-core server: 20 s
here). Beyond, its flagged rows go to a fresh sheet written in streaming mode (xlsxwriter,
constant memory), and the Summary says so: a 100k-row upload takes seconds, not minutes."""
"""A fresh sheet holds every row up to this many; beyond it only the flagged rows (SPEC §3)."""

EXCEL_ROWS = 1_048_576
EXCEL_LINKS = 65_530
EXCEL_CELL_CHARS = 32_767
"""Excel's hyperlink limit per worksheet."""

FILL_COLOURS = {Severity.ERROR: "FFC7CE", Severity.WARNING: "FFEB9C", Severity.INFO: "DDEBF7"}
FILLS = {s: PatternFill("solid", start_color=c, end_color=c) for s, c in FILL_COLOURS.items()}
LINK_COLOUR = "0563C1"
AUTHOR = "trainaudit"

TEXT_COLUMNS = frozenset(
    {"id_number", "cert_no", "account", "phone", "institution_code", "payment_id"}
)
"""Canonical columns written with the text number format "@", so Excel never reads them as numbers."""

EXCEL_KINDS = frozenset({"xlsx", "xlsm"})
ROW_COLUMN = "_row"


def write_workbook(report: AuditReport, path: Path, lang: str = "zh") -> None:
    """Write the annotated workbook for `report` to `path`, atomically.

    Uses `report.tables` (name -> LoadedTable) for the user's rows: `info` (InputFile),
    `column_index` (for cells of the user's own .xlsx/.xlsm sheet), `original` (every user
    column as text plus `_row`, for fresh sheets) and `data` (canonical `institution` /
    `county` for the Summary). Findings of a table absent from `report.tables` are listed
    on the Findings sheet only.
    """
    path = Path(path)
    report = _per_file(report)
    plan = _plan(report, path, lang)
    with atomic_path(path) as tmp:
        book: _Book
        if plan.base is not None:
            book = _OpenpyxlBook(plan.base)
        else:
            book = _XlsxwriterBook(tmp)
        placements: dict[str, _Placement] = {}
        for name, sheet in plan.annotated.items():
            placements[name] = _annotate_sheet(
                plan.base[sheet], report.tables[name], _of_table(report.findings, name), lang
            )
        for name, sheet in plan.fresh.items():
            placements[name] = _write_table_sheet(
                book, sheet, report.tables[name], _of_table(report.findings, name), plan, lang
            )
            if name != report.tables[name].name:  # one file of several: its own line
                plan.written[name] = plan.written.pop(report.tables[name].name)
        _write_findings_sheet(book, plan.findings_sheet, report.findings, placements, plan, lang)
        if plan.waived_sheet:
            _write_waived_sheet(book, plan.waived_sheet, report, placements, lang)
        _write_summary_sheet(book, plan.summary_sheet, report, plan, lang)
        book.save(tmp)


# --------------------------------------------------------------------------- planning


@dataclass
class _Plan:
    base: Any = None
    """the user's workbook opened with openpyxl, or None for a fresh book"""
    annotated: dict[str, str] = field(default_factory=dict)
    """table -> sheet of the base workbook annotated in place"""
    fresh: dict[str, str] = field(default_factory=dict)
    """table -> name of the fresh sheet written for it"""
    findings_sheet: str = "Findings"
    summary_sheet: str = "Summary"
    waived_sheet: str = ""
    """written when the audit was given waivers"""
    written: dict[str, str] = field(default_factory=dict)
    """table -> how it was written, for the Summary"""
    notes: list[str] = field(default_factory=list)
    flagged_only: set[str] = field(default_factory=set)
    """tables too large to copy with their formatting: only flagged rows, streamed"""


def _plan(report: AuditReport, out: Path, lang: str) -> _Plan:
    plan = _Plan()
    taken: set[str] = set()
    base_file = _choose_base(report, plan, lang)
    if base_file is not None:
        info = report.tables[base_file[0]].info
        keep_vba = info.kind == "xlsm" and out.suffix.lower() == ".xlsm"
        if info.kind == "xlsm" and not keep_vba:
            plan.notes.append(label(lang, "xlsm_macros_dropped"))
        try:
            plan.base = _load_user_workbook(Path(info.path), keep_vba)
        except Exception as exc:  # an odd workbook must not sink the report: write fresh sheets
            plan.notes.append(label(lang, "base_unreadable", path=info.path, error=exc))
        else:
            taken = {s.lower() for s in plan.base.sheetnames}
            for name in base_file[1]:
                sheet = _user_sheet(plan.base, report.tables[name].info.sheet)
                if sheet is not None:
                    plan.annotated[name] = sheet
                    plan.written[name] = label(lang, "annotated", sheet=sheet)
    for name in report.tables:
        if name not in plan.annotated:
            plan.fresh[name] = _unique_sheet_name(table_label(name, lang), taken)
    plan.findings_sheet = _unique_sheet_name(label(lang, "sheet_findings"), taken)
    if report.waivers_file:
        plan.waived_sheet = _unique_sheet_name(label(lang, "sheet_waived"), taken)
    plan.summary_sheet = _unique_sheet_name(label(lang, "sheet_summary"), taken)
    return plan


def _choose_base(report: AuditReport, plan: _Plan, lang: str) -> tuple[str, list[str]] | None:
    """The table whose .xlsx/.xlsm is copied (trainees first) and every table in that file."""
    candidates = []
    for name, table in report.tables.items():
        info = table.info
        if info.kind not in EXCEL_KINDS or not Path(info.path).is_file():
            continue
        if name != table.name:  # one file of a table read from several: a fresh sheet
            continue
        if info.rows > FULL_ROWS_LIMIT:
            # openpyxl would need minutes and gigabytes: flagged rows go to a fresh sheet instead
            plan.notes.append(label(lang, "base_too_large", path=info.path, limit=FULL_ROWS_LIMIT))
            continue
        width = table.original.num_columns - 1 if table.original is not None else 1
        if info.rows * max(width, 1) > KEEP_FORMAT_CELLS:
            plan.flagged_only.add(name)
            plan.notes.append(
                label(lang, "base_too_costly", path=info.path, cells=info.rows * max(width, 1),
                      limit=KEEP_FORMAT_CELLS)
            )  # fmt: skip
            continue
        candidates.append(name)
    if not candidates:
        return None
    first = "trainees" if "trainees" in candidates else candidates[0]
    same_file = Path(report.tables[first].info.path).resolve()
    in_file = [n for n in candidates if Path(report.tables[n].info.path).resolve() == same_file]
    return first, in_file


def _load_user_workbook(path: Path, keep_vba: bool):
    return openpyxl.load_workbook(path, keep_vba=keep_vba, rich_text=True)


def _user_sheet(wb, sheet: str) -> str | None:
    if not sheet:
        return wb.worksheets[0].title if wb.worksheets else None
    if sheet in wb.sheetnames and isinstance(wb[sheet], Worksheet):
        return sheet
    return None


def _unique_sheet_name(wanted: str, taken: set[str]) -> str:
    """`wanted` cleaned for Excel, or `wanted (2)` … when the user already has that name."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in wanted).strip("'")[:31] or "Sheet"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.lower())
    return name


def _of_table(findings: Iterable[Finding], table: str) -> list[Finding]:
    return [f for f in findings if table in (f.table, _part_key(f.table, f.source))]


def _part_key(table: str, source: str) -> str:
    """The key (and sheet name) of one file of a table read from several files."""
    return f"{table} {source}"


def _sheet_of(f: Finding, tables: dict) -> str:
    """The key in `tables` of the finding's sheet: its table, or its table and file."""
    return f.table if f.table in tables else _part_key(f.table, f.source)


def _per_file(report: AuditReport) -> AuditReport:
    """A table read from several files (multifile.py) as one fresh sheet per file, under
    the key `trainees a.xlsx`: its rows are numbered within each file, so one sheet for
    all of them would put two files' row 5 on one line (and the user's own workbook is
    one file, not the table). Other tables are left as they are."""
    import copy

    parts = {n: t.parts for n, t in report.tables.items() if getattr(t, "parts", ())}
    if not parts:
        return report
    out = copy.copy(report)
    out.tables, out.inputs = {}, {}
    for name, table in report.tables.items():
        for part in parts.get(name, (table,)):
            key = _part_key(name, Path(part.info.path).name) if name in parts else name
            out.tables[key] = part
            out.inputs[key] = part.info
    for name, info in report.inputs.items():
        if name not in out.inputs and name not in parts:
            out.inputs[name] = info
    return out


# --------------------------------------------------------------------------- placements


@dataclass
class _Placement:
    """Where a table's findings land: sheet, 0-based row and column of the flagged cell."""

    sheet: str
    columns: dict[str, int]
    """canonical column -> 0-based sheet column"""
    rows: dict[int, int] | None = None
    """user row -> 0-based sheet row; None when the sheet is the user's own (row - 1)"""
    merged: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    """cell inside a merged range -> its top-left cell, where a comment can live"""
    facts: dict[str, tuple[int, int]] = field(default_factory=dict)
    """canonical column filled from a fact above the header -> (row, 0-based column) of
    the cell it is written in: a finding on that value points there (user's sheet only)"""

    def cell(self, finding: Finding) -> tuple[int, int] | None:
        if finding.row is None:
            return None
        if self.rows is None and finding.column in self.facts:
            row, col = self.facts[finding.column]
            return self.merged.get((row - 1, col), (row - 1, col))
        r = finding.row - 1 if self.rows is None else self.rows.get(finding.row)
        if r is None or not 0 <= r < EXCEL_ROWS:
            return None
        at = (r, self.columns.get(finding.column, 0))
        return self.merged.get(at, at)

    def location(self, finding: Finding) -> str | None:
        at = self.cell(finding)
        if at is None:
            return None
        return f"'{self.sheet.replace(chr(39), chr(39) * 2)}'!{_column_letter(at[1])}{at[0] + 1}"


def _by_cell(
    findings: Iterable[Finding], place: _Placement
) -> dict[tuple[int, int], list[Finding]]:
    cells: dict[tuple[int, int], list[Finding]] = defaultdict(list)
    for f in findings:
        at = place.cell(f)
        if at is not None:
            cells[at].append(f)
    return cells


def _comment_text(findings: Sequence[Finding], lang: str) -> str:
    """One line per finding on the cell: `I102 身份证号码校验位错误【错误】：…` under zh,
    `I102 id-checksum [error]: …` under en."""
    form = (
        "{code} {name}【{severity}】：{message}"
        if lang == "zh"
        else "{code} {name} [{severity}]: {message}"
    )
    return "\n".join(
        form.format(code=f.rule, name=rule_title(f.rule, f.name, lang),
                    severity=_severity_label(f.severity, lang), message=f.message)
        for f in findings
    )  # fmt: skip


def _severity_label(severity: Severity, lang: str) -> str:
    return severity_label(severity, lang)


def _column_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --------------------------------------------------------------------------- books


class Style(NamedTuple):
    fill: Severity | None = None
    text: bool = False
    bold: bool = False
    link: bool = False


PLAIN = Style()
BOLD = Style(bold=True)
TEXT = Style(text=True)


class _Book:
    """What the sheet writers need from a workbook library. Rows and columns are 0-based.

    A sheet is written top to bottom, and a row's comments and links before the next row:
    xlsxwriter's constant-memory mode flushes each row and drops anything written above it.
    """

    def sheet(self, name: str) -> Any: ...
    def row(self, ws: Any, r: int, values: Sequence[Any], styles: Sequence[Style]) -> None: ...
    def comment(self, ws: Any, r: int, c: int, text: str) -> None: ...
    def link(self, ws: Any, r: int, c: int, location: str, value: Any) -> None: ...
    def table_view(self, ws: Any, last_row: int, last_col: int) -> None: ...
    def widths(self, ws: Any, widths: Sequence[float]) -> None: ...
    def bar_chart(
        self, ws: Any, title: str, first: int, last: int, cat: int, val: int, at: tuple[int, int]
    ) -> None: ...
    def save(self, path: Path) -> None: ...


COMMENT_MIN_PX, COMMENT_MAX_PX = 160, 420
CHAR_PX, LINE_PX = 7, 17
"""Calibri 11 in a comment box: about 7 px for a Latin character, twice that for a
Chinese one, 17 px a line; boxes grow with their text up to 420 px wide, then wrap."""


def _comment_size(text: str) -> tuple[int, int]:
    """Width and height in pixels of a comment box that shows `text` whole, without a
    wide empty margin: as wide as its longest line (within bounds), as tall as its lines
    once wrapped at that width."""
    widths = [
        sum(2 if ord(ch) > 0x2E80 else 1 for ch in line) * CHAR_PX for line in text.splitlines()
    ]
    width = min(max([COMMENT_MIN_PX, *widths]) + 16, COMMENT_MAX_PX)
    usable = width - 16
    lines = sum(max(1, math.ceil(w / usable)) for w in widths) or 1
    return width, min(12 + LINE_PX * lines, 900)


class _XlsxwriterBook(_Book):
    def __init__(self, path: Path) -> None:
        self.wb = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_urls": False}
        )
        self._formats: dict[Style, Any] = {}
        self._last: tuple[Sequence[Style] | None, list[Any]] = (None, [])

    def _format(self, style: Style):
        if style == PLAIN:
            return None
        if style not in self._formats:
            props: dict[str, Any] = {}
            if style.fill is not None:
                props.update(bg_color="#" + FILL_COLOURS[style.fill], pattern=1)
            if style.text:
                props["num_format"] = "@"
            if style.bold:
                props["bold"] = True
            if style.link:
                props.update(font_color="#" + LINK_COLOUR, underline=1)
            self._formats[style] = self.wb.add_format(props)
        return self._formats[style]

    def sheet(self, name):
        return self.wb.add_worksheet(name)

    def row(self, ws, r, values, styles):
        if styles is self._last[0]:
            formats = self._last[1]
        else:
            formats = [self._format(s) for s in styles]
            self._last = (styles, formats)
        for c, value in enumerate(values):
            if not isinstance(value, str):
                value = _cell_value(value)
            if value is None or value == "":
                if styles[c].fill is not None:
                    ws.write_blank(r, c, None, formats[c])
            elif isinstance(value, str):
                ws.write_string(r, c, value, formats[c])
            else:
                ws.write_number(r, c, value, formats[c])

    def comment(self, ws, r, c, text):
        width, height = _comment_size(text)
        ws.write_comment(r, c, text, {"author": AUTHOR, "width": width, "height": height})

    def link(self, ws, r, c, location, value):
        fmt = self._format(Style(link=True))
        ws.write_url(r, c, "internal:" + location, fmt, string=str(value))
        if not isinstance(value, str):
            ws.write_number(r, c, value, fmt)  # the link stays; the cell keeps a sortable number

    def table_view(self, ws, last_row, last_col):
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(last_row, 0), last_col)

    def widths(self, ws, widths):
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)

    def bar_chart(self, ws, title, first, last, cat, val, at):
        chart = self.wb.add_chart({"type": "column"})
        name = ws.get_name()
        chart.add_series(
            {"categories": [name, first, cat, last, cat], "values": [name, first, val, last, val]}
        )
        chart.set_title({"name": title})
        chart.set_legend({"none": True})
        chart.set_size({"width": max(480, 28 * (last - first + 1)), "height": 300})
        ws.insert_chart(at[0], at[1], chart)

    def save(self, path):
        self.wb.close()


class _OpenpyxlBook(_Book):
    def __init__(self, wb) -> None:
        self.wb = wb

    def sheet(self, name):
        return self.wb.create_sheet(name)

    def row(self, ws, r, values, styles):
        for c, value in enumerate(values):
            style = styles[c]
            if not isinstance(value, str):
                value = _cell_value(value)
            if value is None or value == "":
                if style.fill is None:
                    continue
                cell = ws.cell(r + 1, c + 1)
            else:
                cell = ws.cell(r + 1, c + 1)
                _set_value(cell, value)
            if style != PLAIN:
                self._style(cell, style)

    def _style(self, cell, style: Style) -> None:
        if style.fill is not None:
            cell.fill = FILLS[style.fill]
        if style.text:
            cell.number_format = "@"
        if style.bold:
            cell.font = Font(bold=True)
        if style.link:
            cell.font = Font(color=LINK_COLOUR, underline="single")

    def comment(self, ws, r, c, text):
        _set_comment(ws.cell(r + 1, c + 1), text)

    def link(self, ws, r, c, location, value):
        cell = ws.cell(r + 1, c + 1)
        _set_value(cell, value)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=location)
        self._style(cell, Style(link=True))

    def table_view(self, ws, last_row, last_col):
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{_column_letter(last_col)}{max(last_row, 0) + 1}"

    def widths(self, ws, widths):
        for c, width in enumerate(widths):
            ws.column_dimensions[_column_letter(c)].width = width

    def bar_chart(self, ws, title, first, last, cat, val, at):
        chart = BarChart()
        chart.type = "col"
        chart.title = title
        chart.legend = None
        chart.add_data(Reference(ws, min_col=val + 1, min_row=first + 1, max_row=last + 1))
        chart.set_categories(Reference(ws, min_col=cat + 1, min_row=first + 1, max_row=last + 1))
        chart.width = max(12.0, 0.75 * (last - first + 1))
        ws.add_chart(chart, f"{_column_letter(at[1])}{at[0] + 1}")

    def save(self, path):
        self.wb.save(path)
        _anchor_comments(Path(path), self.wb)


def _cell_value(value: Any) -> str | int | float | None:
    """A number stays a number (Excel cannot store NaN or infinity); anything else is text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return str(value)


def _set_value(cell, value: Any) -> None:
    """Assign `value`; a string stays a string cell even when it starts with `=` or is `#N/A`.

    A string longer than Excel's 32,767 characters a cell is cut there (xlsxwriter does
    the same): Excel calls a workbook with a longer one damaged."""
    if isinstance(value, str):
        if len(value) > EXCEL_CELL_CHARS:
            value = value[:EXCEL_CELL_CHARS]
        try:
            cell.value = value
        except IllegalCharacterError:  # control characters xlsx cannot hold
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value


def _set_comment(cell, text: str) -> None:
    if cell.comment is not None and cell.comment.author != AUTHOR:
        text = f"{cell.comment.text}\n\n{text}"  # the user's own note stays first
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    width, height = _comment_size(text)  # openpyxl writes them as px in the VML shape
    cell.comment = Comment(text, AUTHOR, height=height, width=width)


_SHAPE = re.compile(
    rb"(<(?:\w+:)?shape\b[^>]*?width:(\d+)px;\s*height:(\d+)px.*?"
    rb"<(\w+:)?Row>(\d+)</(?:\w+:)?Row>\s*<(?:\w+:)?Column>(\d+)</(?:\w+:)?Column>)",
    re.S,
)


def _anchor_comments(path: Path, wb) -> None:
    """Give each comment box openpyxl wrote an `x:Anchor`, the corners Excel sizes a note
    by: openpyxl writes only a CSS width and height, which Excel ignores (every box the
    default size, long messages cut off). The box starts right of its cell and spans the
    columns and rows its pixel size needs."""
    import zipfile

    sheet_of = {}  # VML part -> worksheet
    with zipfile.ZipFile(path) as z:
        for i, ws in enumerate(wb.worksheets, start=1):
            rels = f"xl/worksheets/_rels/sheet{i}.xml.rels"
            if rels in z.namelist():
                for target in re.findall(rb'Target="([^"]+\.vml)"', z.read(rels)):
                    sheet_of["xl/drawings/" + target.decode().rsplit("/", 1)[-1]] = ws
        if not sheet_of:
            return
        parts = {item: z.read(item.filename) for item in z.infolist()}
    for item, data in parts.items():
        ws = sheet_of.get(item.filename)
        if ws is not None:
            parts[item] = _SHAPE.sub(lambda m, ws=ws: _with_anchor(m, ws), data)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for item, data in parts.items():
            z.writestr(item, data)


def _with_anchor(match: re.Match, ws) -> bytes:
    width, height = int(match.group(2)), int(match.group(3))
    prefix, row, col = match.group(4) or b"", int(match.group(5)), int(match.group(6))

    def column_px(c: int) -> int:  # 0-based column
        chars = ws.column_dimensions[_column_letter(c)].width or 8.43
        return int(chars * 7 + 5)

    def row_px(r: int) -> int:  # 0-based row
        points = ws.row_dimensions[r + 1].height or 15
        return int(points * 4 / 3)

    left_col, left_off = col + 1, 15
    right_col, right_off, need = left_col, left_off + width, left_off + width
    while need > column_px(right_col):
        need -= column_px(right_col)
        right_col += 1
    right_off = need
    top_row, top_off = max(row - 1, 0), 10
    bottom_row, need = top_row, top_off + height
    while need > row_px(bottom_row):
        need -= row_px(bottom_row)
        bottom_row += 1
    anchor = f"{left_col}, {left_off}, {top_row}, {top_off}, {right_col}, {right_off}, {bottom_row}, {need}"
    tag = b"<" + prefix + b"Anchor>" + anchor.encode() + b"</" + prefix + b"Anchor>"
    shape = match.group(1)
    # where Excel and xlsxwriter put it: after SizeWithCells, before AutoFill and Row
    before = b"<" + prefix + (b"AutoFill>" if b"AutoFill>" in shape else b"Row>")
    return shape.replace(before, tag + before, 1)


# --------------------------------------------------------------------------- sheets


def _annotate_sheet(ws, table, findings: list[Finding], lang: str) -> _Placement:
    """Fill and comment the flagged cells of the user's own sheet (openpyxl)."""
    place = _Placement(sheet=ws.title, columns=dict(table.column_index), merged=_merged_cells(ws),
                       facts=dict(getattr(table, "facts", {})))  # fmt: skip
    for (r, c), hits in _by_cell(findings, place).items():
        cell = ws.cell(r + 1, c + 1)
        cell.fill = FILLS[max(f.severity for f in hits)]
        _set_comment(cell, _comment_text(hits, lang))
    return place


def _merged_cells(ws) -> dict[tuple[int, int], tuple[int, int]]:
    merged = {}
    for rng in ws.merged_cells.ranges:
        top_left = (rng.min_row - 1, rng.min_col - 1)
        for row, col in rng.cells:
            if (row - 1, col - 1) != top_left:
                merged[(row - 1, col - 1)] = top_left
    return merged


def _write_table_sheet(
    book: _Book, sheet: str, table, findings: list[Finding], plan: _Plan, lang: str
) -> _Placement:
    """A fresh sheet of the user's columns, `_row` first: every row, or only the flagged ones."""
    original: pa.Table = table.original if table.original is not None else table.data
    user_columns = [c for c in original.column_names if c != ROW_COLUMN]
    rows_col = _int_column(original[ROW_COLUMN]) if ROW_COLUMN in original.column_names else None
    total = original.num_rows
    whole = (total <= FULL_ROWS_LIMIT and table.name not in plan.flagged_only) or rows_col is None
    if not whole:
        wanted = pa.array(sorted({f.row for f in findings if f.row is not None}), pa.int64())
        original = original.filter(pc.is_in(rows_col, value_set=wanted))
        rows_col = _int_column(original[ROW_COLUMN])
    shown = min(original.num_rows, EXCEL_ROWS - 1)
    row_numbers = (
        rows_col.to_pylist()[:shown] if rows_col is not None else list(range(1, shown + 1))
    )

    place = _Placement(
        sheet=sheet,
        columns=_fresh_columns(table, user_columns),
        rows={n: i + 1 for i, n in enumerate(row_numbers) if n is not None},
    )
    plan.written[table.name] = (
        label(lang, "all_rows", rows=total, sheet=sheet)
        if whole
        else label(lang, "flagged_rows_streamed", shown=shown, rows=total, sheet=sheet)
        if table.name in plan.flagged_only
        else label(
            lang, "flagged_rows", limit=FULL_ROWS_LIMIT, shown=shown, rows=total, sheet=sheet
        )
    )

    text_cols = {c for name, c in place.columns.items() if name in TEXT_COLUMNS}
    base_styles = [TEXT if c in text_cols else PLAIN for c in range(len(user_columns) + 1)]
    flagged: dict[int, dict[int, list[Finding]]] = defaultdict(dict)
    for (r, c), hits in _by_cell(findings, place).items():
        flagged[r][c] = hits

    ws = book.sheet(sheet)
    book.row(ws, 0, [label(lang, "row"), *user_columns], [BOLD] * (len(user_columns) + 1))
    columns = [original[c].to_pylist() for c in user_columns]
    for i, values in enumerate(zip(row_numbers, *columns, strict=False), start=1):
        if i not in flagged:
            book.row(ws, i, values, base_styles)
            continue
        styles = list(base_styles)
        for c, hits in flagged[i].items():
            styles[c] = styles[c]._replace(fill=max(f.severity for f in hits))
        book.row(ws, i, values, styles)
        for c, hits in flagged[i].items():  # in-row: constant-memory mode drops earlier rows
            book.comment(ws, i, c, _comment_text(hits, lang))
    book.table_view(ws, shown, len(user_columns))
    book.widths(ws, [8] + [_width(h, c in text_cols) for c, h in enumerate(user_columns, 1)])
    return place


def _int_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.cast(column, pa.int64())


def _fresh_columns(table, user_columns: list[str]) -> dict[str, int]:
    """canonical column -> 0-based column of the fresh sheet (`_row` is column 0)."""
    by_header = {h: i + 1 for i, h in enumerate(user_columns)}
    columns = {}
    for name in {*table.info.columns, *table.column_index}:
        header = table.info.columns.get(name)
        if header in by_header:
            columns[name] = by_header[header]
        elif table.column_index.get(name, len(user_columns)) < len(user_columns):
            columns[name] = table.column_index[name] + 1
    return columns


def _width(header: str, text: bool) -> float:
    wide = sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(header))
    return max(20 if text else 10, min(wide + 2, 40))


def _write_findings_sheet(
    book: _Book,
    sheet: str,
    findings: list[Finding],
    placements: dict[str, _Placement],
    plan: _Plan,
    lang: str,
) -> None:
    """One row per finding, SPEC §3 column order, the row number linking to the flagged cell."""
    columns = FINDING_COLUMNS + EXTRA_COLUMNS
    row_col = columns.index("row")
    ws = book.sheet(sheet)
    book.row(ws, 0, [label(lang, c) for c in columns], [BOLD] * len(columns))
    text = [TEXT if c in ("id_number", "subject", "value") else PLAIN for c in columns]
    severity_col = columns.index("severity")
    styles = {
        s: [Style(fill=s) if c == severity_col else style for c, style in enumerate(text)]
        for s in Severity
    }
    shown = findings[: EXCEL_ROWS - 1]
    if len(shown) < len(findings):
        plan.notes.append(label(lang, "findings_truncated", shown=len(shown), total=len(findings)))
    links = 0
    for i, f in enumerate(shown, start=1):
        record = _shown_record(f, lang)
        values = [record[c] if record[c] is not None else "" for c in columns]
        place = placements.get(_sheet_of(f, placements))
        location = place.location(f) if place is not None else None
        if location is not None and links < EXCEL_LINKS:
            values[row_col] = None
        book.row(ws, i, values, styles[f.severity])
        if values[row_col] is None:
            book.link(ws, i, row_col, location, f.row)
            links += 1
    if links == EXCEL_LINKS and len(shown) > links:
        plan.notes.append(label(lang, "links_capped", limit=EXCEL_LINKS))
    book.table_view(ws, len(shown), len(columns) - 1)
    book.widths(ws, [8, 26, 10, 12, 8, 22, 22, 60, 24, 14, 14, 22, 22])


def _shown_record(f: Finding, lang: str) -> dict:
    """A finding as a person reads it on a sheet: severity, table and column in `lang`
    (错误, 花名册, 身份证号码 under zh); the findings file keeps the machine words."""
    record = f.as_record()
    record["severity"] = _severity_label(f.severity, lang)
    record["name"] = rule_title(f.rule, f.name, lang)
    record["table"] = table_label(f.table, lang)
    if f.column:
        record["column"] = column_label(f.column, lang, f.table)
    return record


WAIVED_COLUMNS = (*FINDING_COLUMNS, "fingerprint", "reason", "who", "until")


def _write_waived_sheet(
    book: _Book, sheet: str, report: AuditReport, placements: dict[str, _Placement], lang: str
) -> None:
    """Findings set aside by a waiver in force: listed, never filled with a severity colour."""
    ws = book.sheet(sheet)
    book.row(ws, 0, [label(lang, c) for c in WAIVED_COLUMNS], [BOLD] * len(WAIVED_COLUMNS))
    styles = [
        TEXT if c in ("id_number", "subject", "fingerprint") else PLAIN for c in WAIVED_COLUMNS
    ]
    row_col = WAIVED_COLUMNS.index("row")
    shown = report.waived[: EXCEL_ROWS - 2]
    for i, (f, waiver) in enumerate(shown, start=1):
        record = _shown_record(f, lang)
        record.update(reason=waiver.reason, who=waiver.who,
                      until=waiver.until.isoformat() if waiver.until else label(lang, "no_end"))  # fmt: skip
        values = [record[c] if record[c] is not None else "" for c in WAIVED_COLUMNS]
        place = placements.get(_sheet_of(f, placements))
        location = place.location(f) if place is not None and i <= EXCEL_LINKS else None
        if location is not None:
            values[row_col] = None
        book.row(ws, i, values, styles)
        if location is not None:
            book.link(ws, i, row_col, location, f.row)
    if not shown:
        book.row(ws, 1, [label(lang, "waived_none")], [PLAIN])
    book.table_view(ws, max(len(shown), 1), len(WAIVED_COLUMNS) - 1)
    book.widths(ws, [8, 26, 10, 12, 8, 22, 22, 60, 22, 40, 12, 12])


def _write_summary_sheet(
    book: _Book, sheet: str, report: AuditReport, plan: _Plan, lang: str
) -> None:
    """What a clerk needs first (rows with errors, which rules, which institutions), then
    counts by rule (with a chart), by institution, by county, then the run manifest."""
    ws = book.sheet(sheet)
    rows = _Rows(book, ws)

    counts = Counter(f.rule for f in report.findings)
    _write_overview(rows, report, counts, lang)
    rows.blank()
    chart_row = rows.next
    rows.title(label(lang, "by_rule"))
    rows.header(lang, "code", "name", "severity", "status", "count", "detail")
    first = rows.next
    for code, name, severity, status, detail in _rule_lines(report, counts):
        rows.add(
            code,
            rule_title(code, name, lang),
            _severity_label(severity, lang),
            status_label(status, lang),
            counts[code],
            detail,
        )
    if counts:  # rules with findings come first: the chart covers those rows
        last = first + len(counts) - 1
        book.bar_chart(ws, label(lang, "chart_title"), first, last, cat=0, val=4, at=(chart_row, 7))
    rows.blank()

    for key in ("institution", "county"):
        rows.title(label(lang, f"by_{key}"))
        rows.header(lang, key, "sev_error", "sev_warning", "sev_info", "total")
        for value, n in _count_by(report, key, lang):
            rows.add(value, n[Severity.ERROR], n[Severity.WARNING], n[Severity.INFO], n.total())
        rows.blank()

    rows.title(label(lang, "manifest"))
    rows.add(label(lang, "version"), report.version)
    rows.add(label(lang, "audit_date"), report.audit_date)
    for key, value in _nightly_lines(report, lang):
        rows.add(key, value)
    rows.blank()
    rows.title(label(lang, "inputs"))
    rows.header(lang, "table", "path", "sha256", "sheet", "rows", "kind", "written")
    for name, info in report.inputs.items():
        written = plan.written.get(name, label(lang, "not_written"))
        rows.add(
            table_label(name, lang),
            info.path,
            info.sha256,
            info.sheet,
            info.rows,
            info.kind,
            written,
        )
    rows.blank()
    _write_mapping(rows, report, lang)
    rows.title(label(lang, "policy"))
    rows.header(lang, "key", "setting", "policy_meaning", "policy_source")
    for key, value in _policy_items(report.policy):
        rows.add(key, value, meaning_of(key, lang), source_of(key))
    if plan.notes:
        rows.blank()
        rows.title(label(lang, "notes"))
        for note in plan.notes:
            rows.add(note)
    book.widths(ws, [28, 28, 12, 12, 10, 12, 40])


def _write_mapping(rows: _Rows, report: AuditReport, lang: str) -> None:
    """What the reader understood of each input (SPEC §2): sheet, header row, data rows,
    rows not read as records, and each column with the header (or fact) it came from."""
    rows.title(label(lang, "mapping"))
    for files in report.all_inputs().values():
        for info in files:
            if not info.path:
                continue
            rows.add(table_label(info.table, lang), Path(info.path).name, info.sheet,
                     f"{label(lang, 'header_row')} {info.header_row}",
                     f"{label(lang, 'rows')} {info.rows}",
                     info.dropped_text())  # fmt: skip
            for column, header in info.columns.items():
                rows.add("", column_label(column, lang, info.table), " ".join(str(header).split()))
            for note in info.notes:
                msgid = getattr(note, "msgid", None)
                rows.add("", render(msgid, lang, **note.fields) if msgid else note)
    rows.blank()


OVERVIEW_RULES = 6
OVERVIEW_INSTITUTIONS = 3


def _write_overview(rows: _Rows, report: AuditReport, counts: Counter, lang: str) -> None:
    """How many rows have findings and errors, the rules that found most (the full count
    follows under "by rule"), the rules skipped or broken and the institutions most
    flagged: the answer before the detail. Each line fits the width of a printed page."""
    sep = "、" if lang == "zh" else ", "
    bad = defaultdict(set)
    error_rows = set()
    for f in report.findings:
        if f.row is not None:
            bad[f.table].add(f.row)
            if f.severity is Severity.ERROR:
                error_rows.add((f.table, f.row))
    by_sev = Counter(f.severity for f in report.findings)
    rows.title(label(lang, "overview"))
    rows.add(label(lang, "findings_total"), len(report.findings),
             label(lang, "by_severity", e=by_sev[Severity.ERROR], w=by_sev[Severity.WARNING],
                   i=by_sev[Severity.INFO]))  # fmt: skip
    order = {name: i for i, name in enumerate(report.tables)}
    for table, flagged in sorted(bad.items(), key=lambda item: order.get(item[0], len(order))):
        rows.add(label(lang, "rows_flagged", table=table_label(table, lang)), len(flagged))
    rows.add(label(lang, "rows_with_errors"), len(error_rows))
    failed = [f"{code} ({n})" for code, n in counts.most_common()]
    shown = sep.join(failed[:OVERVIEW_RULES]) + (
        label(lang, "and_more") if failed[OVERVIEW_RULES:] else ""
    )
    rows.add(label(lang, "rules_failed"), len(failed), shown or label(lang, "none"))
    for key, status in (("rules_skipped", Status.SKIPPED), ("rules_broken", Status.ERROR)):
        codes = [r.code for r in report.results if r.status is status]
        if codes:
            rows.add(label(lang, key), len(codes), sep.join(codes))
    top = [(name, n) for name, n in _count_by(report, "institution", lang) if name not in
           (label(lang, "no_row"), label(lang, "unknown"))][:OVERVIEW_INSTITUTIONS]  # fmt: skip
    for i, (name, n) in enumerate(top):
        rows.add(label(lang, "top_institutions") if i == 0 else "", n.total(), name)


def _nightly_lines(report: AuditReport, lang: str) -> list[tuple[str, Any]]:
    """History store, waivers and baseline of the run, when it had them."""
    lines: list[tuple[str, Any]] = []
    if report.history is not None:
        lines.append((label(lang, "history_store"), report.history.store))
        lines.append((label(lang, "history_uploads"), report.history.uploads))
        for table, n in report.history.rows.items():
            lines.append((label(lang, "history_rows", table=table), n))
        if report.history.excluded:
            lines.append((label(lang, "history_excluded"), ", ".join(report.history.excluded)))
    if report.waivers_file:
        lines.append((label(lang, "waivers_file"), report.waivers_file))
        lines.append((label(lang, "waived_count"), len(report.waived)))
        if report.expired_waivers:
            expired = ", ".join(w.fingerprint for w in report.expired_waivers)
            lines.append((label(lang, "waivers_expired"), expired))
    if report.baseline_file:
        lines.append((label(lang, "baseline_file"), report.baseline_file))
        lines.append((label(lang, "baselined_count"), len(report.baselined)))
    return lines


class _Rows:
    """Appends rows to a sheet top to bottom (the Summary is several small tables)."""

    def __init__(self, book: _Book, ws: Any) -> None:
        self.book, self.ws, self.next = book, ws, 0

    def add(self, *values: Any, style: Style = PLAIN) -> None:
        self.book.row(self.ws, self.next, values, [style] * len(values))
        self.next += 1

    def title(self, text: str) -> None:
        self.add(text, style=BOLD)

    def header(self, lang: str, *keys: str) -> None:
        self.add(*(label(lang, k) for k in keys), style=BOLD)

    def blank(self) -> None:
        self.next += 1


def _rule_lines(report: AuditReport, counts: Counter) -> list[tuple]:
    """Every rule result, those with findings first (most first), then catalogue order."""
    lines = [(r.code, r.name, r.severity, r.status, r.detail) for r in report.results]
    known = {line[0] for line in lines}
    for f in report.findings:  # a finding whose rule has no result still gets counted
        if f.rule not in known:
            known.add(f.rule)
            lines.append((f.rule, f.name, f.severity, Status.FAILED, ""))
    order = {line[0]: i for i, line in enumerate(lines)}
    return sorted(lines, key=lambda line: (-counts.get(line[0], 0), order[line[0]]))


def _count_by(report: AuditReport, column: str, lang: str) -> list[tuple[str, Counter]]:
    """Findings per value of `column` (institution, county) on the flagged row, most first."""
    values = _row_values(report, column)
    counts: dict[str, Counter] = defaultdict(Counter)
    for f in report.findings:
        if f.row is None:
            key = label(lang, "no_row")
        else:
            key = values.get((_sheet_of(f, report.tables), f.row)) or label(lang, "unknown")
        counts[key][f.severity] += 1
    return sorted(counts.items(), key=lambda item: (-item[1].total(), item[0]))


def _row_values(report: AuditReport, column: str) -> dict[tuple[str, int], str]:
    """(table, user row) -> text of `column` in that row, for the flagged rows only."""
    flagged: dict[str, set[int]] = defaultdict(set)
    for f in report.findings:
        if f.row is not None:
            flagged[_sheet_of(f, report.tables)].add(f.row)
    values = {}
    for name, rows in flagged.items():
        table = report.tables.get(name)
        if table is None or column not in table.data.column_names:
            continue
        data = table.data.select([ROW_COLUMN, column])
        row_numbers = _int_column(data[ROW_COLUMN])
        data = data.filter(pc.is_in(row_numbers, value_set=pa.array(sorted(rows), pa.int64())))
        rows_of = _int_column(data[ROW_COLUMN]).to_pylist()
        for row, value in zip(rows_of, data[column].to_pylist(), strict=True):
            if value is not None and str(value).strip():
                values[(name, row)] = str(value).strip()
    return values


def _policy_items(policy: dict, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in policy.items():
        if isinstance(value, dict):
            yield from _policy_items(value, f"{prefix}{key}.")
        elif isinstance(value, bool) or value is None:
            yield f"{prefix}{key}", json.dumps(value)
        elif isinstance(value, int | float):
            yield f"{prefix}{key}", value
        elif isinstance(value, list | tuple | set | frozenset):
            yield f"{prefix}{key}", json.dumps(list(value), ensure_ascii=False, default=str)
        else:
            yield f"{prefix}{key}", str(value)

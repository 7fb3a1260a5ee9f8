"""xls (BIFF) and ods workbooks → grids, through python-calamine."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..errors import InputError
from .grid import (
    BIG_NUMBER,
    DEFAULT_LIMITS,
    ReadLimits,
    SheetGrid,
    check_width,
    reraise_interrupt,
    short,
)
from .words import at
from .xlsx_scan import ZIP_ERRORS, XmlBudget, check_declared_sizes, check_part


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


def calamine_grids(
    path: Path, limits: ReadLimits = DEFAULT_LIMITS, kind: str = "xls"
) -> tuple[list[SheetGrid], list[str]]:
    """xls and ods workbooks. An .xls (BIFF8) cannot span more than 65,536 × 256 cells and
    is bounded by the file-size limit; an .ods is zipped XML, so its content is bounded
    like an xlsx sheet's (calamine itself refuses more than 100 million cells)."""
    import python_calamine

    if kind == "ods":
        budget = XmlBudget(path, limits.max_sheet_bytes, limits.max_inflate_ratio)
        check_declared_sizes(path, budget, {})
        with contextlib.suppress(KeyError):
            check_part(path, "content.xml", budget)
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        metas = list(book.sheets_metadata)
    except BaseException as exc:
        reraise_interrupt(exc)
        raise InputError(
            "{path}: cannot open the workbook ({error})", path=path, error=short(exc)
        ) from None
    grids, hidden = [], []
    ods_merges: dict[str, list[tuple[int, int, int, int]]] | None = None
    total_cells = 0
    for meta in metas:
        if str(meta.visible).rsplit(".", 1)[-1].lower() != "visible":
            hidden.append(meta.name)
            continue
        try:
            sheet = book.get_sheet_by_name(meta.name)
            total_cells += sheet.height * sheet.width
            check_width(at(path, meta.name), sheet.width)
            if sheet.height * sheet.width > limits.max_cells or total_cells > limits.max_cells:
                raise InputError(
                    "{path}, sheet {sheet}: spans {rows} rows × {cols} columns"
                    ", more than the limit of {limit} cells; refused "
                    "(raise the limit with --max-cells if the file is genuine)",
                    limit=f"{limits.max_cells:,}",
                    path=path,
                    sheet=meta.name,
                    rows=f"{sheet.height:,}",
                    cols=f"{sheet.width:,}",
                )
            rows = sheet.to_python(skip_empty_area=True)
            merged = sheet.merged_cell_ranges or []
            start = sheet.start or (0, 0)
        except InputError:
            raise
        except BaseException as exc:
            reraise_interrupt(exc)
            raise InputError(
                "{path}, sheet {sheet}: cannot read it ({error})",
                path=path,
                sheet=meta.name,
                error=short(exc),
            ) from None
        if not rows or not rows[0]:
            continue
        width = max(len(r) for r in rows)
        typed = [[r[i] if i < len(r) else None for r in rows] for i in range(width)]
        columns = [pa.array([_cell_text(v) for v in col], pa.string()) for col in typed]
        merges = [(m[0][0] + 1, m[0][1], m[1][0] + 1, m[1][1]) for m in merged]
        if kind == "ods" and not merges:
            ods_merges = ods_merges if ods_merges is not None else _ods_merges(path)
            merges = ods_merges.get(meta.name, [])

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


_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_MOST_REPEATS = 1 << 20
"""An ODS row or cell says how many times it repeats (a styled blank row to the sheet's
end repeats a million times): counted, never expanded."""


def _ods_merges(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """Merged ranges of each sheet of an .ods, which calamine does not report: a cell
    with `table:number-rows-spanned`/`number-columns-spanned` covers the cells after it.
    (content.xml has been bounded by the XML budget before this streaming pass.)"""
    import zipfile
    from xml.etree import ElementTree

    t = f"{{{_TABLE_NS}}}"
    out: dict[str, list[tuple[int, int, int, int]]] = {}
    sheet, row, col = "", -1, 0
    try:
        with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
            for event, el in ElementTree.iterparse(fh, events=("start", "end")):
                tag = el.tag
                if event == "start":
                    if tag == f"{t}table":
                        sheet, row = el.get(f"{t}name", ""), -1
                    elif tag == f"{t}table-row":
                        row, col = row + 1, 0
                    continue
                if tag == f"{t}table-row":
                    row += min(int(el.get(f"{t}number-rows-repeated", "1") or 1), _MOST_REPEATS) - 1
                    el.clear()
                elif tag in (f"{t}table-cell", f"{t}covered-table-cell"):
                    rows = int(el.get(f"{t}number-rows-spanned", "1") or 1)
                    cols = int(el.get(f"{t}number-columns-spanned", "1") or 1)
                    if rows > 1 or cols > 1:
                        out.setdefault(sheet, []).append((row + 1, col, row + rows, col + cols - 1))
                    col += min(int(el.get(f"{t}number-columns-repeated", "1") or 1), _MOST_REPEATS)
    except (KeyError, ValueError, ElementTree.ParseError, *ZIP_ERRORS):
        return {}  # calamine read the sheet; merges are a refinement, not worth a refusal
    return out

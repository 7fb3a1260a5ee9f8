"""xlsx and xlsm workbooks → grids, through fastexcel (calamine), after xlsx_scan has
bounded what each part expands to and the block of cells each sheet spans."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pyarrow.compute as pc

from ..errors import InputError
from .grid import (
    DEFAULT_LIMITS,
    ReadLimits,
    SheetGrid,
    reraise_interrupt,
    short,
)
from .xlsx_scan import (
    XmlBudget,
    check_declared_sizes,
    check_part,
    column_letters,
    hidden_sheets,
    scan_sheet_xml,
    shared_parts,
    sheet_xml_paths,
)


def xlsx_grids(
    path: Path, limits: ReadLimits = DEFAULT_LIMITS
) -> tuple[list[SheetGrid], list[str]]:
    """Visible sheets as grids, and the names of the hidden ones (not read).

    Nothing reaches fastexcel before its size is known: the shared parts calamine reads
    on opening, then each sheet's XML and the block of cells it spans (xlsx_scan)."""
    import fastexcel

    budget = XmlBudget(path, limits.max_sheet_bytes, limits.max_inflate_ratio)
    xml_paths = sheet_xml_paths(path)
    check_declared_sizes(path, budget, {member: name for name, member in xml_paths.items()})
    for member in shared_parts(path):
        check_part(path, member, budget)
    try:
        reader = fastexcel.read_excel(str(path))
        sheet_names = list(reader.sheet_names)
    except BaseException as exc:  # fastexcel raises its own types, calamine may panic
        reraise_interrupt(exc)
        raise InputError(
            "{path}: cannot open the workbook ({error})", path=path, error=short(exc)
        ) from None
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
            if layout.cells > limits.max_cells:
                raise InputError(
                    "{path}, sheet {sheet}: spans up to {rows} rows × {cols} columns (to cell {cell})"
                    ", more than the limit of {limit} cells; refused "
                    "(raise the limit with --max-cells if the file is genuine)",
                    limit=f"{limits.max_cells:,}",
                    path=path,
                    sheet=sheet_name,
                    rows=f"{layout.max_row:,}",
                    cols=f"{layout.max_col:,}",
                    cell=f"{column_letters(layout.max_col)}{layout.max_row}",
                )
            raise InputError(
                "{path}, sheet {sheet}: with the sheets before it spans up to {cells} cells"
                ", more than the limit of {limit} cells; refused "
                "(raise the limit with --max-cells if the file is genuine)",
                limit=f"{limits.max_cells:,}",
                path=path,
                sheet=sheet_name,
                cells=f"{total_cells:,}",
            )
        try:
            sheet = reader.load_sheet(sheet_name, header_row=None, dtypes="string")
            visible = str(sheet.visible).lower() == "visible"
            batch = sheet.to_arrow() if visible else None
            infos = sheet.available_columns() if visible else []
        except BaseException as exc:
            reraise_interrupt(exc)
            raise InputError(
                "{path}, sheet {sheet}: cannot read it ({error})",
                path=path,
                sheet=sheet_name,
                error=short(exc),
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
                reraise_interrupt(exc)
                raise InputError(
                    "{path}, sheet {sheet}: cannot read it ({error})",
                    path=path,
                    sheet=_name,
                    error=short(exc),
                ) from None
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
                "{path} ({member}): spans up to {rows} rows × {cols} columns"
                ", more than the limit of {limit} cells; refused "
                "(raise the limit with --max-cells if the file is genuine)",
                limit=f"{limits.max_cells:,}",
                path=path,
                member=member,
                rows=f"{layout.max_row:,}",
                cols=f"{layout.max_col:,}",
            )

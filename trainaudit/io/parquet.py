"""Parquet → one grid whose first row is the column names (the header, as in a sheet)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from .grid import BIG_NUMBER, ReadLimits, SheetGrid, check_width, short
from .words import at


def parquet_grid(path: Path, limits: ReadLimits) -> SheetGrid:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
        cells = meta.num_rows * max(meta.num_columns, 1)
        expanded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    except Exception as exc:
        raise InputError(
            "{path}: cannot read the Parquet file ({error})", path=path, error=short(exc)
        ) from None
    check_width(at(path), meta.num_columns)
    if cells > limits.max_cells:
        raise InputError(
            "{path}: holds {rows} rows × {cols} columns"
            ", more than the limit of {limit} cells; refused "
            "(raise the limit with --max-cells if the file is genuine)",
            limit=f"{limits.max_cells:,}",
            path=path,
            rows=f"{meta.num_rows:,}",
            cols=f"{meta.num_columns:,}",
        )
    if expanded > limits.max_sheet_bytes:
        raise InputError(
            "{path}: the Parquet data expands to {size} MB, more than the limit of {limit} MB; "
            "refused (raise the limit with --max-sheet-mb if the file is genuine)",
            path=path,
            size=f"{expanded >> 20:,}",
            limit=f"{limits.max_sheet_mb:,}",
        )
    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise InputError(
            "{path}: cannot read the Parquet file ({error})", path=path, error=short(exc)
        ) from None
    header = [pa.array([name], pa.string()) for name in table.column_names]
    columns = []
    floats = []
    for i, name in enumerate(table.column_names):
        col = table.column(name)
        floats.append(pa.types.is_floating(col.type))
        # the header as a chunk of its own: no copy of a million cells to put one on top
        text = pc.cast(col, pa.string()) if col.type != pa.string() else col
        columns.append(pa.chunked_array([header[i], *text.chunks], pa.string()))

    def numeric_cells(col: int) -> np.ndarray:
        flags = np.zeros(len(columns[col]), dtype=bool)
        if floats[col]:
            values = table.column(col).combine_chunks()
            big = pc.fill_null(pc.greater_equal(pc.abs(values), BIG_NUMBER), False)
            flags[1:] = np.asarray(big.to_numpy(zero_copy_only=False))
        return flags

    return SheetGrid(
        name="", columns=columns, first_row=1, first_col=0, numeric_cells=numeric_cells
    )

"""Files → Arrow tables of text with provenance (`_source`, `_sheet`, `_row`).

Every cell is read as text so that no type guess touches an ID; what an ID cell was
stored as (a number or text) is kept in `id_number__numeric`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from ..model import InputFile


@dataclass
class LoadedTable:
    """One input table as read, before normalisation."""

    name: str
    """canonical table name: trainees, certificates, payments, institutions, watchlist, occupations"""
    info: InputFile
    data: pa.Table
    """canonical columns present in the file (text as the user typed it), `_source`,
    `_sheet`, `_row` (the row number the user sees) and, for tables with an ID column,
    `id_number__numeric` (true where the cell was stored as a number)."""
    original: pa.Table
    """every column of the user's table as text, under the user's own header names,
    plus `_row`; used to write fresh sheets for csv/parquet inputs."""
    column_index: dict[str, int] = field(default_factory=dict)
    """canonical column -> 0-based column index in the user's sheet or file"""
    present: frozenset[str] = frozenset()
    """canonical columns the file has"""

"""Several files for one table (`-t a.xlsx -t b.xlsx`, `-t 'inbox/*.xlsx'`): audited as one.

A person in two counties' rosters is one person, so the files of a table are stacked into
one canonical table before any rule runs. Each file keeps its own header mapping (it was
read on its own) and every row its provenance. Rows are told apart by their `_row` key:
the rule SQL, fingerprints and the workbook all address a row by it, and row 5 of
`a.xlsx` is not row 5 of `b.xlsx`. So a table read from several files numbers the rows of
its n-th file (counted over all inputs, from 1) as ``n * ROW_STRIDE + row``; a table read
from one file keeps its rows as they are, exactly as before. `split_row` turns a key back
into the file and the row the user sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .io.readers import LoadedTable
from .model import InputFile

ROW_STRIDE = 1_000_000_000
"""Above any row a sheet (1,048,576) or a CSV file of the size limits can hold."""


@dataclass
class CombinedTable(LoadedTable):
    """The files of one table as one: `data` stacked (keyed rows), `present` the columns
    every file has (a rule never runs on a column some files lack), `info` the first
    file's (its path names the table in messages about the whole table)."""

    parts: tuple[LoadedTable, ...] = ()
    """each file as read, its rows numbered as the user sees them"""
    numbers: tuple[int, ...] = ()
    """the file number (over all inputs, from 1) of each part: its rows are keyed
    ``number * ROW_STRIDE + row``"""
    lacking: dict[str, str] = field(default_factory=dict)
    """required column -> the files (names, comma-separated) that have no such column"""

    @property
    def files(self) -> tuple[InputFile, ...]:
        return tuple(p.info for p in self.parts)


def files_of(table: LoadedTable) -> tuple[InputFile, ...]:
    """Every file a table was read from, in the order given."""
    return table.files if isinstance(table, CombinedTable) else (table.info,)


def rekey(data: pa.Table, number: int) -> pa.Table:
    """`data` with its `_row` keyed for file `number`."""
    i = data.column_names.index("_row")
    rows = pc.add(data.column("_row"), pa.scalar(number * ROW_STRIDE, pa.int64()))
    return data.set_column(i, "_row", rows)


def combine(
    parts: list[LoadedTable], canonical: list[pa.Table], first_number: int
) -> tuple[CombinedTable, pa.Table]:
    """The files of one table as one table, read and normalised: (as read, canonical)."""
    from .io.schema import TABLES

    numbers = tuple(range(first_number, first_number + len(parts)))
    data = pa.concat_tables(
        [rekey(p.data, n) for p, n in zip(parts, numbers, strict=True)], promote_options="default"
    )
    ready = pa.concat_tables(
        [rekey(c, n) for c, n in zip(canonical, numbers, strict=True)], promote_options="default"
    )
    present = frozenset.intersection(*(p.present for p in parts))
    lacking = {}
    for column in TABLES[parts[0].name].required:
        without = [Path(p.info.path).name for p in parts if column not in p.present]
        if without:
            lacking[column] = ", ".join(without)
    first = parts[0]
    combined = CombinedTable(
        name=first.name,
        info=first.info,
        data=data,
        original=first.original,
        column_index=first.column_index,
        present=present,
        parts=tuple(parts),
        numbers=numbers,
        lacking=lacking,
    )
    return combined, ready


def file_names(tables: dict[str, LoadedTable]) -> dict[int, tuple[str, str]]:
    """file number -> (file name, sheet) of every file of a table read from several."""
    names: dict[int, tuple[str, str]] = {}
    for table in tables.values():
        if isinstance(table, CombinedTable):
            for part, number in zip(table.parts, table.numbers, strict=True):
                names[number] = (Path(part.info.path).name, part.info.sheet)
    return names


def split_row(key: int) -> tuple[int, int]:
    """(file number, row the user sees) of a row key; file number 0 for a table of one file."""
    return (key // ROW_STRIDE, key % ROW_STRIDE) if key >= ROW_STRIDE else (0, key)

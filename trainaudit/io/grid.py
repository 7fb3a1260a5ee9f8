"""The one hand-over between format readers and the layout: a sheet as a grid of text
cells with the row numbers the user sees, and the limits every reader keeps.

A format reader (xlsx.py, xls.py, delimited.py, parquet.py, markup.py) turns bytes into
`SheetGrid`s and knows nothing of headers; the layout (layout.py) finds the table in any
grid and knows nothing of formats.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..errors import InputError
from ..privacy import redact_ids
from .xlsx_scan import EXCEL_MAX_COL, MAX_CELLS, MAX_SHEET_XML_BYTES

MAX_INFLATE_RATIO = 100
"""Default: how many times its compressed size a zip member may expand once it is past
xlsx_scan.INFLATE_GRACE_BYTES (Apache POI's ZipSecureFile refuses below 1/100 as well).
Real sheets expand 5-30 times; a bomb hundreds or thousands of times."""


@dataclass(frozen=True)
class ReadLimits:
    """How much one input may make the reader hold; beyond them the input is refused
    with a message naming the limit and its option (SPEC §3: exit 2).

    The defaults suit the project's 2-core, 24 GB machine and a province-night of a few
    million rows; a smaller machine wants smaller ones."""

    max_file_mb: int = 1024
    """size on disk of any input file (`--max-file-mb`): a CSV is read whole and
    decoded, about five times its size at the peak"""
    max_sheet_mb: int = MAX_SHEET_XML_BYTES >> 20
    """XML an .xlsx/.xlsm/.ods may expand to, its sheets and shared strings together, and
    the uncompressed data of a Parquet file (`--max-sheet-mb`): bounds the time spent"""
    max_cells: int = MAX_CELLS
    """rows × columns a sheet, a text file or a Parquet file spans (`--max-cells`):
    bounds memory (the xlsx reader holds 32 bytes a cell of the block a sheet spans)"""
    max_inflate_ratio: int = MAX_INFLATE_RATIO
    """how many times its compressed size one member of a zipped workbook may expand
    beyond the first few MB (`--max-inflate-ratio`): a bomb is refused in seconds
    instead of being read for minutes up to --max-sheet-mb"""

    def __post_init__(self) -> None:
        for name in ("max_file_mb", "max_sheet_mb", "max_cells", "max_inflate_ratio"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InputError(
                    "{name} must be a whole number of at least 1, not {value}",
                    name=name,
                    value=repr(value),
                )

    @property
    def max_sheet_bytes(self) -> int:
        return self.max_sheet_mb << 20


DEFAULT_LIMITS = ReadLimits()

BIG_NUMBER = 1e15
"""Numbers from here up have 16 digits or more: Excel keeps 15 significant digits and a
float64 about 15.9, so an ID stored as such a number has lost its tail (DOMAIN §3.4).
Shorter numbers are exact (a 15-digit legacy ID typed as a number is safe)."""


@dataclass
class SheetGrid:
    """A sheet or file as columns of text, before we know where the header is."""

    name: str
    columns: list[pa.Array] | list[pa.ChunkedArray]
    first_row: int
    """the user-visible row (or CSV line) number of grid row 0"""
    first_col: int
    """0-based column index of grid column 0 in the user's sheet"""
    numeric_cells: Callable[[int], np.ndarray] | None = None
    """grid column -> bool per grid row: the cell was stored as a number"""
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    """merged ranges as (first_row, first_col, last_row, last_col): rows 1-based, columns
    0-based, both absolute in the user's sheet"""
    row_numbers: np.ndarray | None = None
    """the user-visible number of each grid row, when rows are not consecutive lines
    (a CSV whose quoted cells span lines)"""

    @property
    def height(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def head(self, n: int) -> list[list[str | None]]:
        cols = [c.slice(0, n).to_pylist() for c in self.columns]
        return [list(row) for row in zip(*cols, strict=True)] if cols else []

    def row_number(self, index: int) -> int:
        """The row number the user sees for grid row `index`."""
        if self.row_numbers is not None and index < len(self.row_numbers):
            return int(self.row_numbers[index])
        return self.first_row + index


def grid_from_rows(name: str, rows: list[list[str | None]], **extra) -> SheetGrid:
    """A grid from rows of text (HTML, SpreadsheetML: small tables read cell by cell)."""
    width = max((len(r) for r in rows), default=0)
    columns = [
        pa.array(
            [r[i] if i < len(r) and r[i] not in ("", None) else None for r in rows], pa.string()
        )
        for i in range(width)
    ]
    return SheetGrid(name=name, columns=columns, first_row=1, first_col=0, **extra)


class Note(str):
    """A note on how a file was read: the English sentence, with its msgid and fields
    so that the edge can say it in the run's language (`render(note.msgid, lang, ...)`)."""

    msgid: str
    fields: dict

    def __new__(cls, msgid: str, **fields: object) -> Note:
        note = super().__new__(cls, msgid.format(**fields) if fields else msgid)
        note.msgid, note.fields = msgid, fields
        return note


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def reraise_interrupt(exc: BaseException) -> None:
    """Ctrl-C and exit pass through; anything else a reader raises is the file's fault
    (a Rust panic inside calamine arrives as pyo3's PanicException, a BaseException)."""
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
        raise exc


def check_width(where: object, width: int) -> None:
    """Every spreadsheet stops at 16,384 columns (XFD); a record wider than that is not a
    table row, and each column costs the readers far more than a cell."""
    if width > EXCEL_MAX_COL:
        raise InputError(
            "{where}: {width} fields, more than a spreadsheet's {most} columns",
            where=where,
            width=f"{width:,}",
            most=f"{EXCEL_MAX_COL:,}",
        )


def short(exc: BaseException) -> str:
    """The first line of a library's error, ID numbers masked (it may quote a cell)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return redact_ids(text[:200])

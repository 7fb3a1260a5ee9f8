"""Files → canonical tables of text with provenance (`_source`, `_sheet`, `_row`).

The pipeline: `sniff_kind` names the format from the first bytes; a format reader turns
the bytes into grids (grid.py: xlsx.py, xls.py, delimited.py, parquet.py, markup.py);
the layout (layout.py) finds in the grids the table, its header row, the facts above it
and the rows that are not records; schema.py says which header names which column.

Every cell is read as text so that no type guess touches an ID; what an ID cell was
stored as (a number or text) is kept in `id_number__numeric`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import InputError
from ..i18n import Table
from ..privacy import redact_ids
from .delimited import csv_grid
from .grid import DEFAULT_LIMITS, Note, ReadLimits, SheetGrid, sha256_of, short
from .layout import (
    HEADER_SCAN_ROWS,
    HeaderMatch,
    LoadedTable,
    assemble,
    find_header,
    header_over_merges,
    sheet_rank,
)
from .markup import html_grids, is_html, is_spreadsheetml, spreadsheetml_grids
from .parquet import parquet_grid
from .schema import MAIN_TABLES, PERIODS, TABLES, vocabulary
from .words import Said, at
from .xls import calamine_grids
from .xlsx import xlsx_grids
from .xlsx_scan import ZIP_ERRORS

__all__ = [
    "DEFAULT_LIMITS",
    "LoadedTable",
    "ReadLimits",
    "SheetGrid",
    "read_table",
    "recognise",
    "sniff_kind",
]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


def sniff_kind(path: Path) -> str:
    """xlsx | xlsm | ods | xls | parquet | html | xml | csv, from the first bytes rather
    than the name (government systems save HTML and Excel 2003 XML as .xls)."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head:
        raise InputError("{path}: the file is empty", path=path)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except ZIP_ERRORS:  # incl. an impossible "zip file version 6.7" in a damaged header
            raise InputError(
                "{path}: a damaged or truncated workbook (not a readable zip)", path=path
            ) from None
        if "xl/workbook.xml" in names:
            return "xlsm" if path.suffix.lower() == ".xlsm" else "xlsx"
        if "content.xml" in names:
            return "ods"
        raise InputError(
            "{path}: a zip file that is neither an Excel nor an ODS workbook", path=path
        )
    if head.startswith(_OLE_MAGIC):
        if _ENCRYPTION_INFO in path.read_bytes():
            raise InputError(
                "{path}: the workbook is encrypted; save it without a password", path=path
            )
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    if is_spreadsheetml(head):
        return "xml"
    if is_html(head):
        return "html"
    if head.lstrip().lower().startswith(b"<?xml"):
        raise InputError(
            "{path}: an XML file that is not an Excel 2003 workbook; open it and save as .xlsx",
            path=path,
        )
    return "csv"


_WORKBOOK_SUFFIXES = ("xlsx", "xlsm", "xls", "ods")


def read_table(
    path: str | Path,
    table: str | None = None,
    extra_aliases: dict[str, list[str]] | None = None,
    limits: ReadLimits | None = None,
    *,
    aliases_by_table: dict[str, dict[str, list[str]]] | None = None,
) -> LoadedTable:
    """Read one input file as canonical table `table` (its best-matching sheet), or as
    the main table it fits when `table` is None.

    Raises InputError, naming the file (and sheet, line) and what was found, for anything
    that cannot be audited — also when the file plainly holds another main table than
    `table` (a payment list given as a roster); `limits` bounds what a file may make the
    reader hold. `extra_aliases`: column -> header spellings, for `table`;
    `aliases_by_table`: the same for every table, when `table` is None.
    """
    path = Path(path)
    limits = limits or DEFAULT_LIMITS
    try:
        if not path.exists():
            raise InputError("{path}: file not found", path=path)
        if not path.is_file():
            raise InputError("{path}: not a file", path=path)
        size = path.stat().st_size
        if size > limits.max_file_mb << 20:
            raise InputError(
                "{path}: {size} MB, more than the limit of {limit} MB; refused (raise the "
                "limit with --max-file-mb if the file is genuine)",
                path=path,
                size=f"{size / (1 << 20):,.0f}",
                limit=f"{limits.max_file_mb:,}",
            )
        kind, grids, notes, hidden, misnamed = _grids(path, limits)
        if table is not None:
            return _layout(path, kind, grids, notes, hidden, misnamed, table, extra_aliases, None)
        return _layout(path, kind, grids, notes, hidden, misnamed, None, None, aliases_by_table)
    except OSError as exc:  # unreadable: permissions, a file vanishing, a device error
        raise InputError(
            "{path}: cannot read it ({error})", path=path, error=exc.strerror or short(exc)
        ) from None
    except MemoryError:
        raise InputError(
            "{path}: not enough memory to read it; lower --max-cells or --max-file-mb, "
            "or split the file",
            path=path,
        ) from None


def _grids(
    path: Path, limits: ReadLimits
) -> tuple[str, list[SheetGrid], list[str], list[str], str]:
    """The file's format, its grids, notes on how it was read, hidden sheets, and the
    suffix it was misnamed with ("" when its name fits)."""
    kind = sniff_kind(path)
    notes: list[str] = []
    suffix = path.suffix.lower().lstrip(".")
    if (
        suffix
        and suffix != kind
        and not (suffix in ("txt", "tsv") and kind == "csv")
        and not (suffix in ("htm", "html") and kind == "html")
    ):
        notes.append(
            Note(
                "read as {kind} by its content, although named .{suffix}", kind=kind, suffix=suffix
            )
        )
    # A text file named like a workbook is read as the text it is (DOMAIN §5.1: sniff the
    # content, not the name; government systems export CSV, HTML and XML as .xls).
    misnamed = suffix if kind == "csv" and suffix in _WORKBOOK_SUFFIXES else ""
    hidden: list[str] = []
    try:
        if kind in ("xlsx", "xlsm"):
            grids, hidden = xlsx_grids(path, limits)
        elif kind in ("xls", "ods"):
            grids, hidden = calamine_grids(path, limits, kind)
        elif kind == "parquet":
            grids = [parquet_grid(path, limits)]
        elif kind == "html":
            grids = html_grids(path, limits)
            notes.append(Note("an HTML page, not a real workbook: read its tables"))
        elif kind == "xml":
            grids, hidden = spreadsheetml_grids(path, limits)
            notes.append(Note("an Excel 2003 XML workbook, not a real .xls: read its sheets"))
        else:
            grid, encoding = csv_grid(path, limits)
            grids = [grid]
            notes.append(Note("encoding {encoding}", encoding=encoding))
    except InputError as exc:
        if misnamed:
            raise InputError(
                "{error} (named .{suffix}, but it is not a workbook)", error=exc, suffix=suffix
            ) from None
        raise
    return kind, grids, notes, hidden, misnamed


def _best(
    grids: list[SheetGrid], table: str, extra_aliases: dict[str, list[str]] | None
) -> tuple[HeaderMatch, SheetGrid] | None:
    vocab = vocabulary(table, extra_aliases)
    best: tuple[HeaderMatch, SheetGrid] | None = None
    for grid in grids:
        match = find_header(grid.head(HEADER_SCAN_ROWS), table, vocab)
        if match is not None:
            match = header_over_merges(match, grid, table, vocab)
        if match is not None and (best is None or sheet_rank(match) > sheet_rank(best[0])):
            best = (match, grid)
    return best


def _fits(match: HeaderMatch | None, table: str) -> float:
    """The share of `table`'s required columns its header names (a period counts for
    the two dates it holds)."""
    if match is None:
        return 0.0
    named = set(match.mapping.columns)
    for period, pair in PERIODS.get(table, {}).items():
        if period in named:
            named |= set(pair)
    required = TABLES[table].required
    return sum(1 for c in required if c in named) / len(required)


def recognise(
    grids: list[SheetGrid], aliases: dict[str, dict[str, list[str]]] | None = None
) -> dict[str, tuple[float, int]]:
    """Main table -> (share of its required columns named, header score), for grids."""
    out = {}
    for table in MAIN_TABLES:
        best = _best(grids, table, (aliases or {}).get(table))
        out[table] = (_fits(best[0] if best else None, table), best[0].score if best else 0)
    return out


def _layout(
    path: Path,
    kind: str,
    grids: list[SheetGrid],
    notes: list[str],
    hidden: list[str],
    misnamed: str,
    table: str | None,
    extra_aliases: dict[str, list[str]] | None,
    aliases_by_table: dict[str, dict[str, list[str]]] | None,
) -> LoadedTable:
    fits = recognise(grids, {table: extra_aliases} if table else aliases_by_table)
    if table is None:
        extra_aliases = (aliases_by_table or {}).get(
            max(MAIN_TABLES, key=lambda t: (fits[t][0] == 1, fits[t][1]))
        )
        # the table whose required columns the file has, else the best-named header
        # (ties to the first: a roster whose class is described above its header)
        table = max(MAIN_TABLES, key=lambda t: (fits[t][0] == 1, fits[t][1]))
        if fits[table][0] == 0:
            table = "trainees"
        else:
            notes.append(Note("recognised as {table}", table=Table(table)))
    elif table in MAIN_TABLES and fits[table][0] < 1:
        other = [t for t in MAIN_TABLES if t != table and fits[t][0] == 1]
        if other:
            raise InputError(
                "{path}: this looks like {other}, not {table}: it has every column {other} "
                "needs; check which file goes where",
                path=path,
                other=Table(other[0]),
                table=Table(table),
            )
    best = _best(grids, table, extra_aliases)
    if best is None:
        seen: list[str] = []
        for grid in grids:
            head = grid.head(HEADER_SCAN_ROWS)
            fullest = max(head, key=lambda r: sum(1 for v in r if v), default=[])
            seen.extend(_quoted(v) for v in fullest if v)
        where = at(path, grids[0].name if len(grids) == 1 else None)
        found = ", ".join(seen[:12]) or "nothing"
        extra = Said()
        if hidden:
            extra.add("; hidden sheets not read: {sheets}", sheets=", ".join(hidden))
        if misnamed:
            extra.add(" (named .{suffix}, but it is text, not a workbook)", suffix=misnamed)
        elif kind == "html":
            extra.add(" (an HTML page)")
        elif kind == "xml":
            extra.add(" (an Excel 2003 XML workbook)")
        raise InputError(
            "{where}: no header row for {table} in the first {n} rows; found {found}{extra}",
            where=where,
            table=Table(table),
            n=HEADER_SCAN_ROWS,
            found=found,
            extra=extra,
        )
    match, grid = best
    notes.extend(Note("hidden sheet {name} not read", name=name) for name in hidden)
    vocab = vocabulary(table, extra_aliases)
    return assemble(grid, match, table, vocab, path, kind, sha256_of(path), notes)


def _quoted(value: object) -> str:
    """A cell quoted in a message: one line, at most 40 characters, ID numbers masked
    (when there is no header the fullest row may be a person's)."""
    text = redact_ids(" ".join(str(value).split()))
    return text if len(text) <= 40 else text[:39] + "…"

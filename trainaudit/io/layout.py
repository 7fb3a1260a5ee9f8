"""Where the table is in a grid: its header row, the facts written above it, the rows
under it that are not records; and the table as canonical columns with provenance.

Works on any `SheetGrid` (grid.py), whatever format it came from. Header cells are
matched to columns by schema.py; what was read is kept in the InputFile so that it can
be shown (SPEC §2 "Reading real forms").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..i18n import Columns
from ..model import InputFile
from .grid import Note, SheetGrid
from .normalise import parse_date
from .schema import (
    PERIODS,
    SCORE_AFFIX,
    SCORE_NOTE,
    TABLES,
    HeaderMapping,
    Vocabulary,
    assign_headers,
    header_forms,
    score_header,
)
from .words import at

HEADER_SCAN_ROWS = 30
"""How far below the top a header row may sit (title and fact rows above it)."""

KEY_COLUMNS = ("id_number", "name", "institution", "occupation", "cert_no", "payment_id")
"""A header row must name one of these: a row naming only dates or a level is not one."""


@dataclass
class LoadedTable:
    """One input table as read, before normalisation."""

    name: str
    """canonical table name: trainees, certificates, payments, institutions, watchlist, occupations"""
    info: InputFile
    data: pa.Table
    """canonical columns present in the file (text as the user typed it), `_source`,
    `_sheet`, `_row` (the row number the user sees) and, for tables with an ID column,
    `id_number__numeric` (true where the cell was stored as a number of 16 digits or
    more, 10^15 and up: one whose tail Excel or float64 has lost; a 15-digit legacy ID
    typed as a number is exact and is not flagged)."""
    original: pa.Table
    """every column of the user's table as text, under the user's own header names,
    plus `_row`; used to write fresh sheets for csv/parquet inputs."""
    column_index: dict[str, int] = field(default_factory=dict)
    """canonical column -> 0-based column index in the user's sheet or file"""
    present: frozenset[str] = frozenset()
    """canonical columns the file has (a column filled from a fact above the header too)"""
    facts: dict[str, tuple[int, int]] = field(default_factory=dict)
    """canonical column filled from a fact -> (row, 0-based column) of the cell it is
    written in: a finding on that value points there"""
    headers: tuple[str, ...] = ()
    """the header cells found, for a message about a missing column"""


@dataclass
class Fact:
    """A `label：value` written above the header or in the title."""

    column: str
    label: str
    value: str
    row: int
    """the row number the user sees"""
    col: int
    """0-based column of the cell in the user's sheet"""

    @property
    def text(self) -> str:
        return f"{self.label}：{self.value}"


@dataclass
class HeaderMatch:
    score: int
    row: int
    """grid row of the (last) header row"""
    labels: list[str]
    mapping: HeaderMapping
    data_rows: int = 0
    """rows under the header (within the look-ahead) holding two mapped cells or more"""
    span: int = 1
    """header rows: 2 when a row of sub-headers sits under merged ones"""


# --- the header row -------------------------------------------------------------------------


def _score(mapping: HeaderMapping, table: str) -> int:
    """How well a row's assignment covers the table: each column by how surely it was
    named, required ones twice; none without a key column."""
    spec = TABLES[table]
    if not any(k in mapping.columns for k in KEY_COLUMNS if k in spec.column_names):
        return 0
    total = 0
    periods = PERIODS.get(table, {})
    for column, score in mapping.scores.items():
        if column in periods:
            # a range in one cell counts a little less than two date columns: under a
            # merged 培训时间, the row of 开班日期 / 结业日期 is the header
            total += sum(2 * (score - 10) for c in periods[column] if c not in mapping.columns)
        else:
            total += score * (2 if spec.column(column).required else 1)
    return total


def _combine(parent: list[str | None], child: list[str | None]) -> list[str]:
    """Two header rows into one: the child label where there is one (开班日期 under a
    merged 培训时间), else the parent (姓名 merged down over both rows)."""
    return [c or p or "" for p, c in zip(parent, child, strict=True)]


def find_header(head: list[list[str | None]], table: str, vocab: Vocabulary) -> HeaderMatch | None:
    """The row (or two rows) among the first ones whose cells are best assigned to the
    table's columns; None when no row names a key column."""
    best: HeaderMatch | None = None
    for i, row in enumerate(head):
        labels = [v or "" for v in row]
        mapping = assign_headers(labels, vocab)
        candidates = [HeaderMatch(_score(mapping, table), i, labels, mapping)]
        if i + 1 < len(head) and mapping.columns:
            combined = _combine(row, head[i + 1])
            mapping2 = assign_headers(combined, vocab)
            candidates.append(
                HeaderMatch(_score(mapping2, table), i + 1, combined, mapping2, span=2)
            )
        for cand in candidates:
            if cand.score > 0 and (
                best is None
                or cand.score > best.score
                # the same row alone as well as under the row above: alone (that row
                # is a fact, not a parent header)
                or (cand.score == best.score and cand.row == best.row and cand.span < best.span)
            ):
                best = cand
    if best is not None:
        below = head[best.row + 1 :]
        idx = list(best.mapping.columns.values())
        best.data_rows = sum(
            1 for r in below if sum(1 for i in idx if i < len(r) and r[i] not in (None, "")) >= 2
        )
    return best


def header_over_merges(
    match: HeaderMatch, grid: SheetGrid, table: str, vocab: Vocabulary
) -> HeaderMatch:
    """A header whose cells are merged down into the row below (姓名 over two rows, with
    工龄 split into 年 / 月 beneath) ends on that row: the row under it is header, not a
    record, even when it names no column more."""
    if match.span != 1 or not grid.merges:
        return match
    user_row = grid.row_number(match.row)
    down = {c1 for r1, c1, r2, _ in grid.merges if r1 == user_row and r2 == user_row + 1}
    mapped = {grid.first_col + i for i in match.mapping.columns.values()}
    if not mapped or len(down & mapped) * 2 < len(mapped):
        return match
    head = grid.head(match.row + 2)
    if len(head) < match.row + 2:
        return match
    labels = _combine(head[match.row], head[match.row + 1])
    mapping = assign_headers(labels, vocab)
    score = _score(mapping, table)
    if score < match.score:
        return match
    return HeaderMatch(score, match.row + 1, labels, mapping, match.data_rows, span=2)


def sheet_rank(match: HeaderMatch) -> tuple:
    """Sheets are compared by whether data sits under the header, then by the header."""
    return (match.data_rows > 0, match.score, match.data_rows)


# --- facts above the header -----------------------------------------------------------------

_LABEL = r"[^\s：:，,。;；（()）]{1,15}(?:[（(][^（()）]{1,8}[）)])?"
_PAIR = re.compile(
    rf"({_LABEL})\s*[：:]\s*(.*?)(?=\s+{_LABEL}\s*[：:]|[，,;；）)]\s*{_LABEL}\s*[：:]|[）)]?\s*$)"
)


def facts_above(
    rows: list[list[str | None]], grid: SheetGrid, vocab: Vocabulary, wanted: set[str]
) -> dict[str, Fact]:
    """`label：value` pairs in the rows above the header (and the title) naming a column
    in `wanted`: 培训专业：电工, 培训时间：2024年3月1日-3月20日, （工种：中式烹调师 等级：五级）.
    A label alone in a cell takes its value from the next filled cell of the row."""
    found: dict[str, Fact] = {}
    for r, row in enumerate(rows):
        cells = [(c, str(v)) for c, v in enumerate(row) if v not in (None, "")]
        for k, (c, text) in enumerate(cells):
            text = unicodedata.normalize("NFKC", text).replace("\n", " ")
            pairs = [(m.group(1), m.group(2).strip()) for m in _PAIR.finditer(text)]
            if not pairs and k + 1 < len(cells):
                # a label cell without a colon and its value in the next cell (培训机构 | …)
                hit = score_header(text, vocab)
                following = score_header(cells[k + 1][1], vocab)
                if (
                    hit is not None
                    and hit[1] >= SCORE_NOTE
                    and (following or ("", 0))[1] < SCORE_AFFIX
                ):
                    pairs = [(text.strip(), cells[k + 1][1].strip())]
            if not pairs:
                continue
            if len(pairs) == 1 and not pairs[0][1] and k + 1 < len(cells):
                pairs = [(pairs[0][0], cells[k + 1][1].strip())]
            for label, value in pairs:
                hit = score_header(label, vocab)
                if hit is None or hit[1] < SCORE_AFFIX or not value:
                    continue
                column = hit[0]
                if column in wanted and column not in found:
                    found[column] = Fact(
                        column, label, value.strip(" _"), grid.row_number(r), grid.first_col + c
                    )
    return found


# --- two dates in one cell ------------------------------------------------------------------

_RANGE_SEP = re.compile(r"\s*(?:--?|—+|–|~|～|至|到)\s*")
_PARTIAL = re.compile(r"^(?:(\d{1,2})\s*[月./-]\s*)?(\d{1,2})\s*日?$")


def split_period(text: str | None) -> tuple[str | None, str | None] | None:
    """(start, end) as ISO dates from one cell holding a range in any date form
    (`2024.03.01-2024.03.20`, `2024年3月1日至3月20日`, `2024/3/1~2024/3/20`); None when
    the cell is not a readable range."""
    if text is None or not str(text).strip():
        return (None, None)
    s = unicodedata.normalize("NFKC", str(text)).strip()
    for m in _RANGE_SEP.finditer(s):
        left, right = s[: m.start()], s[m.end() :]
        start = parse_date(left)
        if start is None or not right:
            continue
        end = parse_date(right)
        if end is None and (p := _PARTIAL.match(right.strip())):
            month = int(p.group(1)) if p.group(1) else start.month
            try:
                end = start.replace(month=month, day=int(p.group(2)))
            except ValueError:
                end = None
        if end is not None:
            return start.isoformat(), end.isoformat()
    return None


def _split_column(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """A period column split into start and end text, once per distinct value; a value
    that is not a readable range stays whole in both (D003 names it)."""
    distinct = pc.unique(values)
    starts, ends = [], []
    for value in distinct.to_pylist():
        pair = split_period(value)
        if pair is None:
            pair = (value, value)
        starts.append(pair[0])
        ends.append(pair[1])
    where = pc.index_in(values, distinct)
    return (
        pc.take(pa.array(starts, pa.string()), where),
        pc.take(pa.array(ends, pa.string()), where),
    )


# --- rows that are not records -------------------------------------------------------------

_TOTAL = re.compile(r"^(合计|小计|总计|共计|累计|总数|本页小计|本页合计|本页|全部合计)")
_SIGNATURE = re.compile(
    r"(制表|填表|填报|审核|审批|复核|经办|负责人|联系人|联系电话|盖章|印章|签字|签名|签章|日期|"
    r"单位|说明|备注|注)"
)
_LABEL_CELL = re.compile(r"^\s*[^\s：:]{1,15}(?:[（(][^）)]{0,8}[）)])?\s*[：:]")
_NOTE = re.compile(r"^(注|说明|备注|附注|填表说明)\s*[\d一二三四五六七八九十、.．:：]")
_GROUP = re.compile(r"^第[\d一二三四五六七八九十百]+[组队班批期]|[（(]\d+人[）)]$")
_ID_LIKE = r"\d{6}"
_SP = r"[\s\x{3000}]*"
_SUSPECT = (
    rf"^{_SP}(合{_SP}计|小{_SP}计|总{_SP}计|共{_SP}计|累{_SP}计|本页|全部合计|注|说明|备注|附注|填表"
    rf"|第[\d一二三四五六七八九十百]+[组队班批期])|[：:]|[（(]\d+人[）)]{_SP}$"
)
"""What a row that is not a record may show in some cell (Arrow's RE2 syntax): looked
at closer in Python only where it does."""


def _flags(values: pa.Array) -> np.ndarray:
    """A boolean Arrow array as numpy, null as false."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _not_a_record(cells: list[str], mapped_filled: int, mapped_total: int) -> bool:
    """Whether a row without an ID number is a total, a signature or stamp line, a note
    or a group heading, by its shape: a `label：` first, a total word, one text alone."""
    if not cells:
        return mapped_filled == 0
    first = _squeeze(cells[0])
    if _TOTAL.match(first) or _NOTE.match(first):
        return True
    if _GROUP.search(first) and mapped_filled <= 1:  # 第一组（12人）, not a class named 第3期…
        return True
    for k, cell in enumerate(cells):
        if m := _LABEL_CELL.match(cell):
            label = m.group(0)
            if k == 0 or _SIGNATURE.search(label):
                return True
    if mapped_filled == 0:
        return True  # numbered blank rows: only 序号 (or a stray mark) filled
    return len(cells) == 1 and mapped_filled <= 1 and mapped_total >= 3


def _fill_merged(
    columns: list[pa.Array], grid: SheetGrid, header_row: int, where: str = ""
) -> list[pa.Array]:
    """Vertically merged data cells (one class name over 40 rows): copy the value down,
    and across when the block is wider than one column.

    A merge one row high is layout, not data: a section title, a `合计` label or a
    `填表人：` line spread across the table. Copying it across would put the label into
    the ID column and make the row look like a record."""
    touched: dict[int, list] = {}
    # Merged ranges never overlap in a sound workbook; a damaged one listing the same
    # huge range thousands of times must not keep us copying for hours.
    work_left = 4 * len(columns) * grid.height + 1_000_000
    for r1, c1, r2, c2 in grid.merges:
        top, left = r1 - grid.first_row, c1 - grid.first_col
        if (
            r2 <= r1
            or r1 <= header_row
            or not 0 <= left < len(columns)
            or top >= len(columns[left])
        ):
            continue
        work_left -= max(0, min(c2 - grid.first_col + 1, len(columns)) - left) * max(
            0, min(r2 - grid.first_row + 1, grid.height) - top
        )
        if work_left < 0:
            raise InputError(
                "{where}: {n} merged ranges that overlap again and again; the workbook is damaged",
                where=where,
                n=f"{len(grid.merges):,}",
            )
        value = touched.setdefault(left, columns[left].to_pylist())[top]
        for c in range(left, min(c2 - grid.first_col + 1, len(columns))):
            values = touched.setdefault(c, columns[c].to_pylist())
            for r in range(top, min(r2 - grid.first_row + 1, len(values))):
                values[r] = value
    return [
        pa.array(touched[i], pa.string()) if i in touched else col for i, col in enumerate(columns)
    ]


def _unique_labels(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, label in enumerate(labels):
        label = label.strip() or f"列{i + 1}"
        if label in seen:
            seen[label] += 1
            label = f"{label}_{seen[label]}"
        else:
            seen[label] = 1
        out.append(label)
    return out


def _records(
    columns: list[pa.Array], match: HeaderMatch, header_rows: list[list[str]], n: int
) -> np.ndarray:
    """Which rows under the header hold a record (vectorised; only rows without an
    ID-like value are looked at one by one, and only those that could be something else)."""
    index = match.mapping.columns
    mapped = [columns[i] for c, i in index.items() if i < len(columns)]
    filled = np.zeros(n, dtype=np.int64)
    for col in mapped:
        filled += _flags(pc.is_valid(col))
    any_cell = np.zeros(n, dtype=bool)
    for col in columns:
        any_cell |= _flags(pc.is_valid(col))
    keep = any_cell.copy()
    # A repeated header (pages of a printed roster pasted together): two of its cells, or
    # its ID cell alone, equal to the header labels, either row of a two-level header.
    label_hits = np.zeros(n, dtype=np.int64)
    for canonical, i in index.items():
        hit = np.zeros(n, dtype=bool)
        for labels in header_rows:
            if i < len(labels) and labels[i]:
                hit |= _flags(pc.equal(columns[i], labels[i]))
        label_hits += hit
        if canonical == "id_number":
            label_hits += hit  # an ID cell that reads 身份证号码 is never a record
    keep &= label_hits < 2
    # Rows with an ID-like value are records whatever else they hold (合计 as a category).
    if "id_number" in index:
        maybe = ~_flags(pc.match_substring_regex(columns[index["id_number"]], _ID_LIKE))
    else:
        maybe = np.ones(n, dtype=bool)
    maybe &= keep
    look = np.flatnonzero(maybe)
    if len(look) == 0:
        return keep
    # Of those, only rows whose shape could be a layout row are looked at one by one:
    # a label with a colon, a total or note word first, one cell alone, nothing mapped.
    # (An institution-level payment list has no IDs: 100k rows cost 0.9 s one by one.)
    taken = [c.take(pa.array(look)) for c in columns]
    cells_filled = np.zeros(len(look), dtype=np.int64)
    suspect = filled[look] == 0
    for col in taken:
        cells_filled += _flags(pc.is_valid(col))
        suspect |= _flags(pc.match_substring_regex(col, _SUSPECT))
    suspect |= cells_filled <= 1
    look, taken = look[suspect], [c.filter(pa.array(suspect)) for c in taken]
    cells_text = [c.to_pylist() for c in taken]
    for k, r in enumerate(look):
        cells = [str(col[k]) for col in cells_text if col[k] not in (None, "")]
        if _not_a_record(cells, int(filled[r]), len(mapped)):
            keep[r] = False
    return keep


# --- the table ------------------------------------------------------------------------------


def assemble(
    grid: SheetGrid,
    match: HeaderMatch,
    table: str,
    vocab: Vocabulary,
    path: Path,
    kind: str,
    sha: str,
    notes: list[str],
) -> LoadedTable:
    """The canonical table from the grid, given where its header is."""
    spec = TABLES[table]
    where = at(path, grid.name)
    start = match.row + 1
    n = max(grid.height - start, 0)
    full = (
        _fill_merged(grid.columns, grid, grid.first_row + match.row, where)
        if grid.merges
        else grid.columns
    )
    columns = [c.slice(start) for c in full]
    if grid.row_numbers is not None:
        rows = grid.row_numbers[start:]
    else:
        rows = np.arange(n, dtype=np.int64) + grid.first_row + start

    header_rows = [match.labels]
    head = grid.head(match.row + 1)
    if match.row > 0:
        header_rows.append([v or "" for v in head[match.row - 1]])
    keep = _records(columns, match, header_rows, n)
    filled_any = np.zeros(n, dtype=bool)
    for col in columns:
        filled_any |= _flags(pc.is_valid(col))
    dropped = tuple(int(r) for r in rows[filled_any & ~keep])

    mask = pa.array(keep)
    everything = bool(keep.all())  # the usual case: no copy of every column

    def _kept(col: pa.Array) -> pa.Array:
        return col if everything else pc.filter(col, mask)

    n_kept = int(keep.sum())
    mapping = dict(match.mapping.columns)
    shown: dict[str, str] = {c: match.labels[i] for c, i in mapping.items()}
    data_cols: dict[str, pa.Array] = {}
    column_index: dict[str, int] = {}
    periods = PERIODS.get(table, {})
    for canonical, index in mapping.items():
        if canonical in periods:
            continue
        data_cols[canonical] = _kept(columns[index])
        column_index[canonical] = grid.first_col + index
    for period, (first, last) in periods.items():
        index = mapping.get(period)
        shown.pop(period, None)
        if index is None or (first in data_cols and last in data_cols):
            continue
        begin, end = _split_column(_kept(columns[index]))
        for canonical, values in ((first, begin), (last, end)):
            if canonical not in data_cols:
                data_cols[canonical] = values
                column_index[canonical] = grid.first_col + index
                shown[canonical] = match.labels[index]

    # Facts above the header (or in the title) fill the columns the table lacks.
    wanted = {c.name for c in spec.columns if c.name not in data_cols} | (
        {p for p, pair in periods.items() if not set(pair) <= set(data_cols)}
    )
    facts = (
        facts_above(
            head[: match.row + 1 - match.span],
            grid,
            vocab,
            wanted,
        )
        if wanted
        else {}
    )
    fact_cells: dict[str, tuple[int, int]] = {}

    def _constant(value: str | None) -> pa.Array:
        return pa.repeat(pa.scalar(value, pa.string()), n_kept)

    for column, fact in facts.items():
        if column in periods:
            pair = split_period(fact.value) or (fact.value, fact.value)
            for canonical, value in zip(periods[column], pair, strict=True):
                if canonical not in data_cols:
                    data_cols[canonical] = _constant(value)
                    shown[canonical] = fact.text
                    fact_cells[canonical] = (fact.row, fact.col)
            continue
        data_cols[column] = _constant(fact.value)
        shown[column] = fact.text
        fact_cells[column] = (fact.row, fact.col)
    if table == "trainees" and "class_id" not in data_cols and facts:
        # One class described above the header: its facts are its key.
        parts = [
            facts[c].value
            for c in ("institution", "occupation", "level", "period", "start_date")
            if c in facts
        ]
        data_cols["class_id"] = _constant("/".join(parts))
        shown["class_id"] = "/".join(f.text for f in facts.values())
        first = next(iter(facts.values()))
        fact_cells["class_id"] = (first.row, first.col)

    kept_rows = pa.array(rows[keep], pa.int64())
    data_cols["_source"] = pa.repeat(pa.scalar(path.name, pa.string()), n_kept)
    data_cols["_sheet"] = pa.repeat(pa.scalar(grid.name, pa.string()), n_kept)
    data_cols["_row"] = kept_rows
    if "id_number" in mapping and spec.column("id_number").kind == "id":
        data_cols["id_number__numeric"] = _numeric_ids(grid, mapping["id_number"], start, keep)

    labels = _unique_labels(match.labels)
    original = {"_row": kept_rows}
    for i, label in enumerate(labels):
        if i < len(columns):
            original[label] = _kept(columns[i])

    for column, indices in match.mapping.ties.items():
        texts = "、".join(f"「{match.labels[i]}」" for i in indices)
        notes.append(
            Note(
                "headers {headers} all name {column}; the first is used",
                headers=texts,
                column=Columns(column, table),
            )
        )
    present = frozenset(c for c in data_cols if c in spec.column_names)
    info = InputFile(
        table=table,
        path=str(path),
        sha256=sha,
        sheet=grid.name,
        rows=n_kept,
        columns={c: shown[c] for c in spec.column_names if c in shown},
        header_row=int(grid.row_number(match.row)),
        kind=kind,
        notes=tuple(notes),
        dropped_rows=dropped,
    )
    return LoadedTable(
        name=table,
        info=info,
        data=pa.table(data_cols),
        original=pa.table(original),
        column_index=column_index,
        present=present,
        facts=fact_cells,
        headers=tuple(label for label in match.labels if label),
    )


def _numeric_ids(grid: SheetGrid, index: int, start: int, keep: np.ndarray) -> pa.Array:
    """Which ID cells the file stored as numbers of 16 digits or more (Excel keeps only
    15 significant digits, DOMAIN §3.4)."""
    if grid.numeric_cells is None:
        return pa.array(np.zeros(int(keep.sum()), dtype=bool))
    flags = np.asarray(grid.numeric_cells(index), dtype=bool)
    flags = np.pad(flags, (0, max(0, grid.height - len(flags))))[: grid.height]
    return pa.array(flags[start:][keep])


def header_text(labels: list[str]) -> list[str]:
    """The header cells as a person reads them (one line each)."""
    return [" ".join(str(v).split()) for v in labels if v and header_forms(v).full]

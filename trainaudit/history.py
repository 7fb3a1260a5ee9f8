"""The history store: every accepted upload, so that tonight's upload is checked against
all the years before it.

The store is one DuckDB file (the embedded default; all SQL goes through engine.Store).
It holds

* `uploads` — one row per accepted file: its sha256 (the identity of an upload: adding
  the same file twice is a no-op), table, file name, sheet, rows, columns, date added;
* `trainees`, `certificates`, `payments` — the canonical (normalised) rows of those
  uploads, exactly as the rules read them, with their provenance (`_source`, `_sheet`,
  `_row`: the row the clerk saw) plus `_upload` and `_hkey`, a key unique in the store.

An audit with history attaches the store read-only and appends its rows to today's
tables. History rows get `_row = _hkey - HISTORY_ROW_OFFSET`, a negative number: unique
across files (two files both have a row 12), sorted before today's rows and in the order
they were added (so "the first of several claims" is the accepted one), and told apart
from today's rows without a flag column. Findings on them are dropped (runner.py); a
message that names one says its file and row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from . import __version__
from .engine import Engine, Store
from .errors import EngineError, InputError
from .i18n import Columns, Table
from .io.normalise import normalise_table
from .io.readers import LoadedTable, read_table
from .io.schema import TABLES
from .model import HistoryInfo
from .multifile import files_of
from .runner import HistoryScope

STORE_TABLES = ("trainees", "certificates", "payments")
"""What an upload can be. Reference tables (institutions, watchlist, occupations) are
given afresh to every audit: the current list is the one that counts."""

FORMAT = "1"
HISTORY_ROW_OFFSET = 10**12
ALIAS = "history"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS store_info (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS uploads (
        upload_id INTEGER PRIMARY KEY,
        sha256 VARCHAR NOT NULL UNIQUE,
        table_name VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        path VARCHAR NOT NULL,
        sheet VARCHAR,
        rows BIGINT NOT NULL,
        columns VARCHAR NOT NULL,
        first_key BIGINT NOT NULL,
        added TIMESTAMP NOT NULL,
        trainaudit VARCHAR NOT NULL
    )""",
)


@dataclass(frozen=True)
class Upload:
    """One accepted file in the store."""

    upload_id: int
    sha256: str
    table: str
    source: str
    """file name, as findings name it"""
    path: str
    """path as given when it was added"""
    sheet: str
    rows: int
    columns: tuple[str, ...]
    """canonical columns the file had"""
    added: str
    """ISO date and time it was added"""

    def as_dict(self) -> dict:
        return {
            "upload": self.upload_id,
            "sha256": self.sha256,
            "table": self.table,
            "source": self.source,
            "path": self.path,
            "sheet": self.sheet,
            "rows": self.rows,
            "added": self.added,
        }


@dataclass(frozen=True)
class Added:
    """What `add_uploads` did with one file: stored it, or found it already there."""

    path: Path
    table: str
    upload: Upload
    already: bool


# --------------------------------------------------------------------------- the store


NO_STORE = "{store}: no history store there (`trainaudit history init` makes one)"
CANNOT_OPEN = "{store}: cannot open the history store ({cause})"


def _open(store: Path, *, create: bool) -> Store:
    """The store, read-only unless `create` (writable; made when there is no file yet).
    An existing file that is not a history store is refused, never written to."""
    existed = store.is_file()
    if not create and not existed:
        raise InputError(NO_STORE, store=store)
    try:
        db = Store(store, read_only=not create)
    except EngineError as exc:
        raise InputError(CANNOT_OPEN, store=store, cause=_cause(exc)) from None
    try:
        if create and not existed:
            with db.transaction():
                for sql in _SCHEMA:
                    db.query("history: schema", sql)
                db.query(
                    "history: format",
                    "INSERT INTO store_info VALUES ('format', $format) ON CONFLICT DO NOTHING",
                    {"format": FORMAT},
                )
        _check_format(db, store)
    except BaseException:
        db.close()
        raise
    return db


def _cause(exc: EngineError) -> str:
    return str(exc.cause).strip().splitlines()[0] if str(exc.cause).strip() else "unknown"


def _check_format(db: Engine, store: Path, schema: str = "") -> None:
    prefix = f"{schema}." if schema else ""
    try:
        found = db.query(
            "history: format", f"SELECT value FROM {prefix}store_info WHERE key = 'format'"
        ).column("value")
    except EngineError:
        raise InputError("{store}: not a trainaudit history store", store=store) from None
    if found.to_pylist() != [FORMAT]:
        raise InputError(
            "{store}: history store format {found}, this trainaudit reads {format}",
            store=store, found=found.to_pylist(), format=FORMAT,
        )  # fmt: skip


def _uploads(db: Engine, schema: str = "") -> list[Upload]:
    prefix = f"{schema}." if schema else ""
    rows = db.query(
        "history: uploads",
        f"SELECT upload_id, sha256, table_name, source, path, coalesce(sheet, '') AS sheet, rows, "
        f"columns, strftime(added, '%Y-%m-%d %H:%M:%S') AS added "
        f"FROM {prefix}uploads ORDER BY upload_id",
    ).to_pylist()
    return [
        Upload(
            r["upload_id"],
            r["sha256"],
            r["table_name"],
            r["source"],
            r["path"],
            r["sheet"],
            r["rows"],
            tuple(json.loads(r["columns"])),
            r["added"],
        )  # fmt: skip
        for r in rows
    ]


def init_store(store: str | Path) -> bool:
    """Create an empty store (the first night has no history yet); False if one is there."""
    store = Path(store)
    existed = store.is_file()
    store.parent.mkdir(parents=True, exist_ok=True)
    _open(store, create=True).close()
    return not existed


def list_uploads(store: str | Path) -> list[Upload]:
    """Every upload in the store, oldest first."""
    db = _open(Path(store), create=False)
    try:
        return _uploads(db)
    finally:
        db.close()


def detect_table(path: Path, aliases: dict | None = None) -> LoadedTable:
    """Read `path` as the one main table whose required columns it has."""
    fits: list[LoadedTable] = []
    seen: list[InputError] = []
    for table in STORE_TABLES:
        try:
            loaded = read_table(path, table, (aliases or {}).get(table))
        except InputError as exc:
            seen.append(exc)
            continue
        if set(TABLES[table].required) <= loaded.present:
            fits.append(loaded)
    if len(fits) == 1:
        return fits[0]
    if not fits and seen and all("no header row" not in str(e) for e in seen):
        raise seen[0]  # unreadable, whatever table it holds
    if fits:
        raise InputError(
            "{path}: cannot tell which table it is (its columns fit both {tables}); "
            "give it as --trainees, --certificates or --payments",
            path=path, tables=" and ".join(t.name for t in fits),
        )  # fmt: skip
    raise InputError(
        "{path}: cannot tell which table it is (its columns fit none of {tables}); "
        "give it as --trainees, --certificates or --payments",
        path=path, tables=", ".join(STORE_TABLES),
    )  # fmt: skip


def add_uploads(
    store: str | Path,
    files: list[tuple[str | None, str | Path]],
    header_aliases: dict | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Added]:
    """Append accepted uploads to the store (created when missing), all or none.

    `files` pairs a table name (or None: told from the columns) with a path. A file
    whose sha256 is already in the store is left alone (`already=True`): never stored
    twice. A file missing a required column is refused: it could not be audited, so it
    cannot be history either.
    """
    report = progress or (lambda step, done, total: None)
    loaded: list[tuple[Path, LoadedTable]] = []
    for i, (table, path) in enumerate(files):
        report("read", i, len(files))
        path = Path(path)
        if table is not None and table not in STORE_TABLES:
            raise InputError(
                "{path}: history holds {tables}, not {table}",
                path=path, tables=", ".join(STORE_TABLES), table=table,
            )  # fmt: skip
        if table is None:
            t = detect_table(path, header_aliases)
        else:
            t = read_table(path, table, (header_aliases or {}).get(table))
        missing = [c for c in TABLES[t.name].required if c not in t.present]
        if missing:
            raise InputError(
                "{path}: not added: no column for {columns} (required in {table})",
                path=path, columns=Columns(missing, t.name), table=Table(t.name),
            )  # fmt: skip
        loaded.append((path, t))
    report("read", len(files), len(files))

    store = Path(store)
    store.parent.mkdir(parents=True, exist_ok=True)
    db = _open(store, create=True)
    done: list[Added] = []
    try:
        with db.transaction():
            known = {u.sha256: u for u in _uploads(db)}
            for i, (path, t) in enumerate(loaded):
                report("store", i, len(loaded))
                if t.info.sha256 in known:
                    done.append(Added(path, known[t.info.sha256].table, known[t.info.sha256], True))
                    continue
                upload = _store_one(db, path, t)
                known[upload.sha256] = upload
                done.append(Added(path, t.name, upload, False))
            report("store", len(loaded), len(loaded))
    finally:
        db.close()
    return done


def _store_one(db: Store, path: Path, t: LoadedTable) -> Upload:
    ids = db.query(
        "history: next keys",
        "SELECT coalesce(max(upload_id), 0) + 1 AS upload_id, "
        "coalesce(max(first_key + rows), 1) AS first_key FROM uploads",
    ).to_pylist()[0]
    upload = Upload(
        upload_id=ids["upload_id"],
        sha256=t.info.sha256,
        table=t.name,
        source=path.name,
        path=str(path),
        sheet=t.info.sheet,
        rows=t.data.num_rows,
        columns=tuple(sorted(t.present)),
        added=dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
    )
    canonical = normalise_table(t)
    n = canonical.num_rows
    canonical = canonical.append_column(
        "_upload", pa.array([upload.upload_id] * n, pa.int32())
    ).append_column("_hkey", pa.array(range(ids["first_key"], ids["first_key"] + n), pa.int64()))
    db.append(t.name, canonical)
    db.query(
        "history: record upload",
        "INSERT INTO uploads VALUES ($upload_id, $sha256, $table, $source, $path, $sheet, "
        "$rows, $columns, $first_key, CAST($added AS TIMESTAMP), $version)",
        {
            "upload_id": upload.upload_id,
            "sha256": upload.sha256,
            "table": upload.table,
            "source": upload.source,
            "path": upload.path,
            "sheet": upload.sheet,
            "rows": upload.rows,
            "columns": json.dumps(list(upload.columns)),
            "first_key": ids["first_key"],
            "added": upload.added,
            "version": __version__,
        },
    )
    return upload


def remove_upload(store: str | Path, which: str) -> Upload:
    """Take one upload (its number, or a unique prefix of its sha256) out of the store."""
    store = Path(store)
    if not store.is_file():
        raise InputError(NO_STORE, store=store)
    db = _open(store, create=True)
    try:
        uploads = _uploads(db)
        text = which.strip().lower()
        hits = [u for u in uploads if str(u.upload_id) == text] or (
            [u for u in uploads if u.sha256.startswith(text)] if len(text) >= 6 else []
        )
        if len(hits) != 1:
            if not hits:
                raise InputError(
                    "{store}: no upload matches {which} (give its number from `trainaudit "
                    "history list`, or 6+ characters of its sha256)",
                    store=store, which=repr(which),
                )  # fmt: skip
            raise InputError(
                "{store}: more than one upload matches {which} (give its number from "
                "`trainaudit history list`, or 6+ characters of its sha256)",
                store=store, which=repr(which),
            )  # fmt: skip
        upload = hits[0]
        with db.transaction():
            db.query(
                "history: remove rows",
                f"DELETE FROM {upload.table} WHERE _upload = $u",
                {"u": upload.upload_id},
            )
            db.query(
                "history: remove upload",
                "DELETE FROM uploads WHERE upload_id = $u",
                {"u": upload.upload_id},
            )
        return upload
    finally:
        db.close()


# --------------------------------------------------------------------------- in an audit


@dataclass
class HistoryView:
    """The store as one audit sees it: what was merged and how to name history rows."""

    info: HistoryInfo
    present: dict[str, frozenset[str]]
    """table -> canonical columns the history uploads of that table had"""
    scope: HistoryScope


def _labels(uploads: list[Upload]) -> dict[int, str]:
    """upload -> how a message names it: the file name, with its upload number and date
    when several uploads share that name (every county sends 花名册.xlsx)."""
    counts: dict[str, int] = {}
    for u in uploads:
        counts[u.source] = counts.get(u.source, 0) + 1
    return {
        u.upload_id: u.source if counts[u.source] == 1 else f"{u.source} (upload {u.upload_id}, {u.added[:10]})"
        for u in uploads
    }  # fmt: skip


PRUNE = True
"""Load only the history rows that can change a finding on today's rows (see `RELEVANT`).
Tests switch it off to check that pruning changes no finding."""

KEYS: dict[str, str] = {
    "id": """SELECT id_number FROM trainees UNION SELECT id_number FROM certificates
             UNION SELECT id_number FROM payments""",
    "prefix": "SELECT substr(id_number, 1, 14) FROM trainees WHERE length(id_number) = 18",
    "class": "SELECT class_id FROM trainees UNION SELECT class_id FROM payments",
    "phone": "SELECT right(phone, 7) FROM trainees",
    "cert": "SELECT cert_no FROM certificates",
    "account": "SELECT account FROM payments",
    "institution": "SELECT institution FROM payments",
    "payment": "SELECT payment_id FROM payments",
}
"""Keys of today's rows, each a one-column query over today's tables."""

RELEVANT: dict[str, tuple[str, ...]] = {
    "trainees": (
        "id_number IN (SELECT v FROM _key_id)",  # R201–R204, I109/I110, D007, C3xx, P4xx
        "id_number IS NULL",  # D007 on rows without an ID (few)
        "substr(id_number, 1, 14) IN (SELECT v FROM _key_prefix)",  # I111: region + birth date
        "class_id IN (SELECT v FROM _key_class)",  # R205, F503, F504, P405, P406, P408
        "right(phone, 7) IN (SELECT v FROM _key_phone)",  # F501 (a superset: last 7 digits)
    ),
    "certificates": (
        "id_number IN (SELECT v FROM _key_id)",  # C301, C302, P402, P403, P405, P409
        "id_number IS NULL",
        "cert_no IN (SELECT v FROM _key_cert)",  # C303
    ),
    "payments": (
        "id_number IN (SELECT v FROM _key_id)",  # P404, D007
        "class_id IN (SELECT v FROM _key_class)",  # P405, P408 (class totals)
        "account IN (SELECT v FROM _key_account)",  # F502
        "institution IN (SELECT v FROM _key_institution)",  # F505 (per institution)
        "payment_id IN (SELECT v FROM _key_payment)",  # D007
    ),
}
"""Which history rows can matter to a finding on today's rows: those sharing a person,
a class, a phone, an account, a certificate number, a payee or a payment id with them,
and every row of a class that shares a person with them (F504 needs the whole roster of
such a class). Every other history row could only change findings on history rows,
which are not reported. A new rule that compares rows by another key must add it here;
tests/test_history.py checks that pruning changes no finding of any rule."""


def merge(engine: Engine, store: str | Path, tables: dict[str, LoadedTable]) -> HistoryView:
    """Append the store's rows to the tables `engine` holds (today's, registered already).

    Uploads with the sha256 of one of today's files are left out: re-running last night's
    audit must not find every row a duplicate of itself.
    """
    store = Path(store)
    if not store.is_file():
        raise InputError(NO_STORE, store=store)
    try:
        engine.attach(store, ALIAS)
    except EngineError as exc:
        raise InputError(CANNOT_OPEN, store=store, cause=_cause(exc)) from None
    _check_format(engine, store, ALIAS)
    uploads = _uploads(engine, ALIAS)
    today = {i.sha256 for t in tables.values() for i in files_of(t) if i.sha256}
    included = [u for u in uploads if u.sha256 not in today]
    excluded = tuple(u.source for u in uploads if u.sha256 in today)
    subjects = _today_subjects(engine, tables)

    by_table = {t: [u for u in included if u.table == t] for t in STORE_TABLES}
    by_table = {t: mine for t, mine in by_table.items() if mine}
    if PRUNE and by_table:
        _key_tables(engine, "trainees" in by_table)
    rows, loaded, present = {}, {}, {}
    for table, mine in by_table.items():
        rows[table] = sum(u.rows for u in mine)
        present[table] = frozenset(c for u in mine for c in u.columns)
        every = len(mine) == sum(1 for u in uploads if u.table == table)
        loaded[table] = _append(engine, table, None if every else [u.upload_id for u in mine])

    labels = _labels(uploads)

    def locate(keys: list[int]) -> dict[int, tuple[str, int]]:
        wanted = sorted({k + HISTORY_ROW_OFFSET for k in keys if k < 0})
        found: dict[int, tuple[str, int]] = {}
        for table in by_table if wanted else ():
            hits = engine.query(
                f"history: locate {table} rows",
                f"SELECT _hkey, _upload, _row FROM {ALIAS}.{table} "
                "WHERE _hkey IN (SELECT unnest($keys))",
                {"keys": wanted},
            ).to_pylist()
            for h in hits:
                found[h["_hkey"] - HISTORY_ROW_OFFSET] = (labels[h["_upload"]], h["_row"])
        return found

    info = HistoryInfo(str(store), len(included), rows, excluded, loaded)
    return HistoryView(info, present, HistoryScope(subjects, locate))


def _key_tables(engine: Engine, hop: bool) -> None:
    """`_key_<name>` tables of today's keys (before any history row is appended)."""
    for name, sql in KEYS.items():
        engine.query(
            f"history: today's {name} keys",
            f"CREATE OR REPLACE TEMP TABLE _key_{name} AS "
            f"SELECT DISTINCT v FROM ({sql}) k(v) WHERE v IS NOT NULL",
        )
    if hop:  # classes in history that today's people attended: their whole roster (F504)
        engine.query(
            "history: classes of today's people",
            f"INSERT INTO _key_class SELECT DISTINCT class_id FROM {ALIAS}.trainees "
            "WHERE id_number IN (SELECT v FROM _key_id) AND class_id IS NOT NULL",
        )


def _append(engine: Engine, table: str, upload_ids: list[int] | None) -> int:
    """Append the (relevant) rows of `table` from the store; returns how many."""
    have = engine.query(f"history: {table} columns", f"SELECT * FROM {table} LIMIT 0")
    stored = {
        r["column_name"]: r["column_type"]
        for r in engine.query(
            f"history: stored {table} columns", f"DESCRIBE SELECT * FROM {ALIAS}.{table}"
        ).to_pylist()
    }
    for field in have.schema:  # an input given empty (or not at all) has untyped columns
        if pa.types.is_null(field.type) and field.name in stored:
            engine.query(
                f"history: type {table}.{field.name}",
                f'ALTER TABLE {table} ALTER COLUMN "{field.name}" SET DATA TYPE {stored[field.name]}',
            )
    exprs = []
    for name in have.column_names:
        if name == "_row":
            exprs.append(f"_hkey - {HISTORY_ROW_OFFSET} AS _row")
        elif name in stored:
            exprs.append(f'"{name}"')
        else:  # a column this version added after the upload was stored
            exprs.append(f'NULL AS "{name}"')
    conditions = []
    if upload_ids is not None:
        conditions.append("_upload IN (SELECT unnest($uploads))")
    if PRUNE:
        conditions.append("(" + " OR ".join(RELEVANT[table]) + ")")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    before = _count(engine, table)
    columns = ", ".join(f'"{c}"' for c in have.column_names)
    engine.query(
        f"history: merge {table}",
        f"INSERT INTO {table} ({columns}) SELECT {', '.join(exprs)} FROM {ALIAS}.{table} {where}",
        {"uploads": upload_ids} if upload_ids is not None else None,
    )
    return _count(engine, table) - before


def _count(engine: Engine, table: str) -> int:
    return (
        engine.query(f"history: count {table}", f"SELECT count(*) AS n FROM {table}")
        .column("n")[0]
        .as_py()
    )


_SUBJECT_COLUMNS = ("class_id", "institution")


def _today_subjects(engine: Engine, tables: dict[str, LoadedTable]) -> dict[str, frozenset[str]]:
    """What a finding without a row may name and still be about today's upload: a class
    or an institution of today's rows, or today's file."""
    subjects: dict[str, frozenset[str]] = {}
    for name, t in tables.items():
        names = [Path(i.path).name for i in files_of(t) if i.path]
        values = {*names, ", ".join(names)} if names else set()  # each file, and all of them
        for column in _SUBJECT_COLUMNS:
            if column in TABLES[name].column_names:
                got = engine.query(
                    f"history: today's {name} {column}",
                    f"SELECT DISTINCT {column} AS v FROM {name} WHERE {column} IS NOT NULL",
                )
                values.update(got.column("v").to_pylist())
        subjects[name] = frozenset(values)
    return subjects

"""The one place that talks to the SQL engine (DuckDB, embedded).

Every query goes through `Engine.query()`: it is labelled, can be traced (`--show-sql`),
and a failure comes back as an EngineError carrying the label and the SQL.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from .errors import EngineError

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")

Tracer = Callable[[str, str, float], None]

OFFLINE = {"autoinstall_known_extensions": False, "allow_community_extensions": False}
"""No network access, ever: DuckDB would otherwise download an extension that a query
happens to need (README: what is written where)."""


def bind_params(label: str, sql: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """The `$name` parameters `sql` mentions, taken from `params` (every engine binds only
    those: DuckDB and Spark both refuse a value the query does not name)."""
    wanted = set(_PARAM.findall(sql))
    bound = {k: v for k, v in (params or {}).items() if k in wanted}
    missing = wanted - bound.keys()
    if missing:
        raise EngineError(label, sql, KeyError(f"no value for ${', $'.join(sorted(missing))}"))
    return bound


class Engine:
    """An in-memory database holding the canonical tables of one audit.

    Safe to use from several threads at once (the audit loads its tables and runs its
    rules two at a time): each thread talks to the database through its own connection.
    """

    def __init__(self, tracer: Tracer | None = None, threads: int | None = None):
        self._con = duckdb.connect(":memory:", config=OFFLINE)
        self._con.execute("SET enable_progress_bar = false")  # stdout is for --format json
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")
        self._tracer = tracer
        self._owner = threading.get_ident()
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._views: dict[str, pa.Table] = {}
        self._lock = threading.Lock()
        self._staging: dict[str, threading.Lock] = {}
        self.staged: set[str] = set()
        """staging tables (rules/staging.py) materialised so far"""

    @property
    def _here(self) -> duckdb.DuckDBPyConnection:
        """This thread's connection to the one database (the first one's for its owner)."""
        if threading.get_ident() == self._owner:
            return self._con
        cursor = getattr(self._local, "con", None)
        if cursor is None:
            with self._lock:
                cursor = self._con.cursor()
                self._cursors.append(cursor)
                for name, table in self._views.items():
                    cursor.register(name, table)
            cursor.execute("SET enable_progress_bar = false")
            self._local.con = cursor
        return cursor

    def register(self, name: str, table: pa.Table, *, copy: bool = True) -> None:
        """Load an Arrow table as a native table, or with `copy=False` let queries read
        the Arrow data where it is: no second copy of a province's rows in memory and
        no time spent copying, as fast to query here, but read-only (no INSERT)."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"bad table name {name!r}")
        if not copy:
            with self._lock:  # every connection sees it, those to come included
                self._views[name] = table
                for con in (self._con, *self._cursors):
                    con.register(name, table)
            return
        con = self._here
        incoming = f"_incoming_{name}"
        con.register(incoming, table)
        try:
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {incoming}")
        finally:
            con.unregister(incoming)

    def rows_of(self, name: str, rows: list[int]) -> pa.Table | None:
        """The given `_row`s of a table registered with `copy=False`, taken from its
        Arrow data (None for a copied table): a query about a few rows of a million
        need not convert the million from Arrow first."""
        table = self._views.get(name)
        if table is None:
            return None
        return table.filter(pc.is_in(table.column("_row"), value_set=pa.array(rows, pa.int64())))

    @contextmanager
    def one_thread_per_query(self) -> Iterator[None]:
        """While several threads run queries at once, each runs its own on its own
        thread: measured at 1M rows, 10 % less CPU than two queries sharing a pool of
        two threads (less hand-over between threads)."""
        before = self._con.execute("SELECT current_setting('threads')").fetchone()[0]
        self._con.execute("SET threads = 1")
        try:
            yield
        finally:
            self._con.execute(f"SET threads = {int(before)}")

    def query(
        self,
        label: str,
        sql: str,
        params: dict[str, Any] | None = None,
        tables: dict[str, pa.Table] | None = None,
    ) -> pa.Table:
        """Run one labelled query; only the `$name` parameters it mentions are bound.
        `tables`: Arrow tables the query reads by these names, seen by it alone."""
        bound = bind_params(label, sql, params)
        started = time.perf_counter()
        con = self._here
        for name, table in (tables or {}).items():
            con.register(name, table)
        try:
            relation = con.sql(sql, params=bound or None)
            result = relation.to_arrow_table() if relation is not None else pa.table({})
        except duckdb.Error as exc:
            raise EngineError(label, sql, exc) from exc
        finally:
            for name in tables or {}:
                con.unregister(name)
            if self._tracer:
                self._tracer(label, sql, time.perf_counter() - started)
        return result

    def materialise(
        self, label: str, name: str, sql: Callable[[], str], params: dict[str, Any] | None = None
    ) -> None:
        """Store the result of `sql()` as table `name`, once per engine: a staging table
        several rules read. Threads asking for it meanwhile wait for the one building it."""
        if not re.fullmatch(r"stage_[a-z0-9_]*", name):
            raise ValueError(f"bad staging table name {name!r}")
        with self._lock:
            lock = self._staging.setdefault(name, threading.Lock())
        with lock:
            if name in self.staged:
                return
            self.query(label, f"CREATE TABLE {name} AS {sql()}", params)
            self.staged.add(name)

    def attach(self, path: str | Path, alias: str) -> None:
        """Attach a database file read-only under `alias` (the history store of an audit)."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", alias):
            raise ValueError(f"bad database alias {alias!r}")
        sql = f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS {alias} (READ_ONLY)"
        try:
            self._con.execute(sql)
        except duckdb.Error as exc:
            raise EngineError(f"attach {alias}", sql, exc) from exc

    def close(self) -> None:
        for cursor in self._cursors:
            cursor.close()
        self._con.close()


class Store(Engine):
    """A database file that outlives one run: the history store (see history.py).

    The same labelled `query()` as the audit engine, plus what persistence needs:
    appending Arrow tables (creating the table, or a column a newer version added) and
    transactions, so an upload is stored whole or not at all.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False, tracer: Tracer | None = None):
        super().__init__(tracer=tracer)
        self._con.close()
        try:
            self._con = duckdb.connect(str(path), read_only=read_only, config=OFFLINE)
            self._con.execute("SET enable_progress_bar = false")
        except duckdb.Error as exc:
            raise EngineError(f"open {Path(path).name}", "", exc) from exc

    def append(self, name: str, table: pa.Table) -> None:
        """Append `table` to table `name` by column name, creating what is missing."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"bad table name {name!r}")
        con = self._con
        con.register("_incoming", table)
        try:
            have = {
                row[0]
                for row in con.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'main' AND table_name = ?",
                    [name],
                ).fetchall()
            }
            if not have:
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM _incoming")
                return
            for column, kind, *_ in con.execute("DESCRIBE SELECT * FROM _incoming").fetchall():
                if column not in have:
                    con.execute(f'ALTER TABLE {name} ADD COLUMN "{column}" {kind}')
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _incoming")
        except duckdb.Error as exc:
            raise EngineError(f"append {name}", f"INSERT INTO {name} BY NAME ...", exc) from exc
        finally:
            con.unregister("_incoming")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside is committed together, or rolled back on any error."""
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

"""The one place that talks to the SQL engine (DuckDB, embedded).

Every query goes through `Engine.query()`: it is labelled, can be traced (`--show-sql`),
and a failure comes back as an EngineError carrying the label and the SQL.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import duckdb
import pyarrow as pa

from .errors import EngineError

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")

Tracer = Callable[[str, str, float], None]


class Engine:
    """An in-memory database holding the canonical tables of one audit."""

    def __init__(self, tracer: Tracer | None = None, threads: int | None = None):
        self._con = duckdb.connect(":memory:")
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")
        self._tracer = tracer

    def register(self, name: str, table: pa.Table) -> None:
        """Load an Arrow table as a native table (rules read it many times)."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"bad table name {name!r}")
        self._con.register("_incoming", table)
        try:
            self._con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _incoming")
        finally:
            self._con.unregister("_incoming")

    def query(self, label: str, sql: str, params: dict[str, Any] | None = None) -> pa.Table:
        """Run one labelled query; only the `$name` parameters it mentions are bound."""
        wanted = set(_PARAM.findall(sql))
        bound = {k: v for k, v in (params or {}).items() if k in wanted}
        missing = wanted - bound.keys()
        if missing:
            raise EngineError(label, sql, KeyError(f"no value for ${', $'.join(sorted(missing))}"))
        started = time.perf_counter()
        try:
            relation = self._con.sql(sql, params=bound or None)
            result = relation.to_arrow_table() if relation is not None else pa.table({})
        except duckdb.Error as exc:
            raise EngineError(label, sql, exc) from exc
        finally:
            if self._tracer:
                self._tracer(label, sql, time.perf_counter() - started)
        return result

    def close(self) -> None:
        self._con.close()

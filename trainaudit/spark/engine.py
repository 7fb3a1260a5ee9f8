"""The one place that talks to Spark: `SparkEngine.query()`, the contract of `Engine`.

Rule and staging SQL is written once, in the portable subset of DuckDB's dialect that
tests/test_portable_sql.py holds it to; here it is transpiled to Spark SQL with sqlglot
(splink's pattern, STYLE.md), its `$name` parameters bound as `:name` arguments. A query
returns a Spark DataFrame: nothing is computed, and nothing comes to the driver, until
the findings are written.
"""

from __future__ import annotations

import functools
import re
import time
from typing import Any

import sqlglot
from pyspark import StorageLevel
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from sqlglot import exp

from ..engine import Tracer, bind_params
from ..errors import EngineError

_NAME = re.compile(r"[a-z_][a-z0-9_]*")


@functools.lru_cache(maxsize=1024)
def to_spark_sql(sql: str) -> str:
    """DuckDB-dialect SQL as Spark SQL (`$name` → `:name`, list() → collect_list(), …)."""
    statements = sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level="raise")
    if len(statements) != 1:
        raise ValueError(f"expected one SQL statement, found {len(statements)}")
    return statements[0]


def _params(tree: exp.Expression) -> frozenset[str]:
    return frozenset(str(p.this) for p in tree.find_all(exp.Placeholder))


@functools.lru_cache(maxsize=1024)
def _split(sql: str) -> tuple[tuple[str | None, str, bool, frozenset[str]], ...]:
    tree = sqlglot.parse_one(sql, read="duckdb")
    with_ = tree.args.get("with_") or tree.args.get("with")
    if with_ is None or with_.args.get("recursive"):
        return ((None, to_spark_sql(sql), False, _params(tree)),)
    ctes = list(with_.expressions)
    names = [c.alias for c in ctes]
    body = tree.copy()
    body.set("with_" if "with_" in tree.args else "with", None)
    parts = [c.this.copy() for c in ctes] + [body]
    uses = {name: 0 for name in names}
    for part in parts:
        for table in part.find_all(exp.Table):
            if not table.args.get("db") and table.name in uses:
                uses[table.name] += 1
    if all(n < 2 for n in uses.values()):
        return ((None, to_spark_sql(sql), False, _params(tree)),)
    pieces = []
    for i, part in enumerate(parts):
        for table in list(part.find_all(exp.Table)):
            if not table.args.get("db") and table.name in uses:
                alias = table.alias or table.name
                table.set("this", exp.to_identifier(f"{{q}}{table.name}"))
                table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
        text = part.sql(dialect="spark")
        if i < len(ctes):
            pieces.append((f"{{q}}{names[i]}", text, uses[names[i]] >= 2, _params(part)))
        else:
            pieces.append((None, text, False, _params(part)))
    return tuple(pieces)


def split_ctes(sql: str, tag: str) -> list[tuple[str | None, str, bool, frozenset[str]]]:
    """A query as Spark SQL pieces: (view, SQL, shared, parameters) for each common table
    expression, then (None, SQL, False, parameters) for the query itself.

    DuckDB computes a CTE once however often the query reads it; Spark inlines it at
    every reference, so a CTE read by CTEs that are read twice (F504's pairs, sizes and
    classes) multiplied the plan until the driver ran out of memory planning it. A query
    whose CTEs are each read once stays whole; otherwise every CTE becomes a temporary
    view (named `_cte<tag>_<name>`), cached when it is read more than once."""
    prefix = f"_cte{tag}_"
    return [
        (view.replace("{q}", prefix) if view else None, text.replace("{q}", prefix), shared, names)
        for view, text, shared, names in _split(sql)
    ]


KEEP = StorageLevel.MEMORY_AND_DISK


def keep(frame: DataFrame) -> DataFrame:
    """`frame` computed now and kept on the executors (spilled to local disk when memory
    runs short), its lineage cut: what later queries read is a scan of it, not its whole
    plan again. A plan that carries every step before it grows with each shared part
    (the canonical tables, a CTE read twice, a staging table); printing such plans ran
    the driver out of memory. Like a cache, a local checkpoint is lost with an executor
    (docs/spark.md: cluster settings)."""
    return frame.localCheckpoint(eager=True, storageLevel=KEEP)


class SparkEngine:
    """A Spark session holding the canonical tables of one audit as temporary views.

    The same `query(label, sql, params)` as the DuckDB engine: labelled, traced
    (`--show-sql` shows the Spark SQL that ran), a failure raised as an EngineError
    carrying the label and the SQL."""

    def __init__(self, spark: SparkSession, tracer: Tracer | None = None):
        self.spark = spark
        self._tracer = tracer
        self._views: set[str] = set()
        self._temp: list[tuple[str, DataFrame]] = []
        self.shared: dict[str, DataFrame] = {}
        """results two rules read (cached), by name: pyrules.py"""

    def register(self, name: str, frame: DataFrame) -> None:
        """Make `frame` readable by queries under `name` (a temporary view)."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"bad table name {name!r}")
        frame.createOrReplaceTempView(name)
        self._views.add(name)

    def query(
        self,
        label: str,
        sql: str,
        params: dict[str, Any] | None = None,
        tables: dict[str, DataFrame] | None = None,
    ) -> DataFrame:
        """Run one labelled query (lazily: Spark plans it now, computes it when its
        result is written); only the `$name` parameters it mentions are bound.
        `tables`: DataFrames the query reads by these names."""
        bound = bind_params(label, sql, params)
        started = time.perf_counter()
        shown = sql
        try:
            for name, frame in (tables or {}).items():
                self.register(name, frame)
            pieces = split_ctes(sql, f"_{len(self._temp)}")
            shown = ";\n".join(
                f"CREATE TEMPORARY VIEW {view} AS {text}" if view else text
                for view, text, _, _ in pieces
            )
            for view, text, shared, names in pieces:
                frame = self.spark.sql(text, args={k: bound[k] for k in names} or None)
                if view is None:
                    return frame
                if shared:
                    frame = keep(frame)
                frame.createOrReplaceTempView(view)
                self._temp.append((view, frame))
            raise AssertionError("split_ctes returned no final query")
        except (PySparkException, sqlglot.errors.SqlglotError, ValueError) as exc:
            raise EngineError(label, shown, exc) from exc
        finally:
            if self._tracer:
                self._tracer(label, shown, time.perf_counter() - started)

    def release(self) -> None:
        """Drop what the queries since the last release kept for themselves (their
        shared parts, cached): called once a rule's findings are written."""
        for view, frame in self._temp:
            frame.unpersist()  # a checkpoint's blocks, like a cache's
            self.spark.catalog.dropTempView(view)
        self._temp.clear()

    def materialise(self, label: str, name: str, make_sql, params: dict[str, Any]) -> None:
        """A staging table (rules/staging.py), built once and kept on the executors for
        every rule that reads it."""
        if name in self._views:
            return
        self.register(name, keep(self.query(label, make_sql(), params)))

    def close(self) -> None:
        """Drop this audit's views and cached data; the session itself stays (the caller's)."""
        self.release()
        for name in self._views:
            self.spark.catalog.dropTempView(name)
        self._views.clear()
        for frame in self.shared.values():
            frame.unpersist()
        self.shared.clear()
        self.spark.catalog.clearCache()

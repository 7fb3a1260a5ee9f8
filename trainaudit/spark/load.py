"""Inputs read by Spark and normalised on the executors.

An input is a Parquet file, a directory or a glob on any filesystem Spark reads (local,
HDFS, S3 …), with canonical column names or any header alias (io/schema.map_headers:
the same matching as a sheet's header row). Each table is normalised batch by batch on
the executors by the Arrow normaliser the DuckDB path uses (io/normalise.normalise_table,
through `mapInArrow`): one implementation, and nothing proportional to the data comes to
the driver. Row numbers are those the DuckDB reader gives one Parquet file (its first
row is row 2, under the header); the files of a directory or glob follow one another in
path order, so a row number names one row of the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema

from ..errors import InputError
from ..i18n import Table
from ..io.normalise import normalise_table
from ..io.schema import TABLES, map_headers

try:  # where the readers keep it (io/ is being reorganised)
    from ..io.grid import BIG_NUMBER
except ImportError:  # pragma: no cover
    from ..io.readers import BIG_NUMBER


class _Read(NamedTuple):
    """What normalise_table reads of a loaded table: its name and its data."""

    name: str
    data: pa.Table


FIRST_ROW = 2
"""The row number of a Parquet file's first record, as the DuckDB reader counts."""


@dataclass
class SparkTable:
    """One input as Spark reads it, and its canonical (normalised) table."""

    name: str
    paths: tuple[str, ...]
    frame: DataFrame
    """canonical columns, normalised, with `_source`, `_sheet`, `_row`"""
    present: frozenset[str]
    """canonical columns the input has"""
    columns: dict[str, str]
    """canonical column -> the input's own column name"""
    headers: tuple[str, ...] = ()
    """every column name of the input (D001 says which were found)"""


def canonical_schema(table: str) -> pa.Schema:
    """The Arrow schema normalise_table gives `table` (every column of its spec), from
    one blank row (no rows would leave the type of a computed flag open)."""
    spec = TABLES[table]
    blank = {c.name: pa.nulls(1, pa.string()) for c in spec.columns}
    blank |= {"_source": pa.array([""]), "_sheet": pa.array([""]), "_row": pa.array([0])}
    if "id_number" in spec.column_names:
        blank["id_number__numeric"] = pa.array([False])
    loaded = _Read(table, pa.table(blank))
    return normalise_table(loaded).schema


def read_input(
    spark: SparkSession,
    table: str,
    paths: list[str],
    extra_aliases: dict[str, list[str]] | None = None,
) -> SparkTable:
    """Read one input (Parquet files, directories or globs, read as one table) as
    canonical table `table`."""
    path = ", ".join(paths)
    try:
        raw = spark.read.parquet(*paths)
    except PySparkException as exc:
        raise InputError(
            "{path}: cannot read it as Parquet ({reason})",
            path=path,
            reason=str(exc).strip().splitlines()[0][:200],
        ) from None
    names = raw.columns
    mapping = {
        column: names[index]
        for column, index in map_headers(names, table, extra_aliases).items()
        if column in TABLES[table].column_names
    }
    if not mapping:
        raise InputError(
            "{path}: no column of {table} found (columns: {columns})",
            path=path,
            table=Table(table),
            columns=", ".join(names[:12]),
        )
    numeric_id = "id_number" in mapping and _is_float(raw, mapping["id_number"])
    picked = raw.select(
        *[F.col(f"`{name}`").alias(column) for column, name in mapping.items()],
        F.col("_metadata.file_path").alias("_path"),
        F.col("_metadata.row_index").alias("_index"),
    )
    # a record holds something: rows blank in every column read are not rows (as the reader)
    picked = picked.where(F.greatest(*[F.col(c).isNotNull() for c in mapping]))
    numbered = _numbered(spark, picked)
    schema = canonical_schema(table)
    spec_names = list(mapping)

    def normalise(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield from _normalise_batch(table, batch, spec_names, numeric_id, schema)

    frame = numbered.mapInArrow(normalise, from_arrow_schema(schema))
    return SparkTable(table, tuple(paths), frame, frozenset(mapping), mapping, tuple(names))


def _is_float(frame: DataFrame, name: str) -> bool:
    kind = frame.schema[name].dataType.typeName()
    return kind in ("double", "float")


def _numbered(spark: SparkSession, picked: DataFrame) -> DataFrame:
    """`_row` and `_source` for every record: a file's rows counted from FIRST_ROW, the
    files in path order one after another. Only one count per file reaches the driver."""
    counts = picked.groupBy("_path").agg(F.max("_index").alias("last")).orderBy("_path").collect()
    offsets, start = [], 0
    for path, last in ((r["_path"], r["last"]) for r in counts):
        offsets.append((path, start))
        start += int(last) + 1
    starts = spark.createDataFrame(offsets or [("", 0)], "_path string, _offset long")
    return (
        picked.join(F.broadcast(starts), "_path")
        .withColumn("_row", F.col("_index") + F.col("_offset") + F.lit(FIRST_ROW))
        .withColumn("_source", F.element_at(F.split(F.col("_path"), "/"), -1))
        .withColumn("_sheet", F.lit(""))
        .drop("_path", "_index", "_offset")
    )


def _normalise_batch(
    table: str,
    batch: pa.RecordBatch,
    columns: list[str],
    numeric_id: bool,
    schema: pa.Schema,
) -> Iterator[pa.RecordBatch]:
    """One batch through io/normalise, the cells as text the way the Parquet reader
    turns them into text (Arrow's cast), ID cells flagged as the reader flags them."""
    data: dict[str, pa.Array] = {}
    for column in columns:
        values = batch.column(column)
        data[column] = values if values.type == pa.string() else pc.cast(values, pa.string())
    if "id_number" in columns:
        if numeric_id:
            ids = batch.column("id_number")
            flags = pc.fill_null(pc.greater_equal(pc.abs(ids), BIG_NUMBER), False)
        else:
            flags = pa.array([False] * batch.num_rows)
        data["id_number__numeric"] = flags
    for column in ("_source", "_sheet", "_row"):
        data[column] = batch.column(column)
    loaded = _Read(table, pa.table(data))
    normalised = normalise_table(loaded).select(schema.names).cast(schema)
    yield from normalised.to_batches()

"""Findings built by Spark: a rule's rows → the columns of a findings file, on the executors.

Messages are rendered by the DuckDB path's own code (runner._messages) batch by batch
(`mapInArrow`), so the text is the same to the character; fingerprints hash the same
business keys (fingerprint.BUSINESS_KEYS, as SQL over the canonical tables) with the
same function (fingerprint.fingerprint), their occurrence counted by a window in the
order fingerprint.fingerprints counts it. A baseline from one engine serves the other.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, NullType, StringType, StructField, StructType
from pyspark.sql.window import Window

from ..fingerprint import _SEP, BUSINESS_KEYS, fingerprint
from ..model import EXTRA_COLUMNS, FINDING_COLUMNS
from ..rules.registry import Rule
from ..runner import _messages, _values
from .engine import SparkEngine

_LOCATED = StructType(
    [
        StructField("table", StringType()),
        StructField("row", LongType()),
        StructField("column", StringType()),
        StructField("subject", StringType()),
        StructField("id_number", StringType()),
        StructField("value", StringType()),
        StructField("message", StringType()),
    ]
)

FINDINGS = StructType(
    [
        StructField(name, LongType() if name == "row" else StringType())
        for name in FINDING_COLUMNS + EXTRA_COLUMNS
    ]
)
"""The columns of a findings file, in the order of SPEC §3 (as report/files.py writes)."""


def key_frame(engine: SparkEngine, tables: list[str]) -> DataFrame | None:
    """(`_table`, `_row`, `k`): the business key of every row of `tables`, the same
    text fingerprint.row_keys gives (its SQL, transpiled)."""
    parts = []
    for table in tables:
        if table not in BUSINESS_KEYS:
            continue
        exprs = ", ".join(f"coalesce(CAST({expr} AS VARCHAR), '')" for expr in BUSINESS_KEYS[table])
        sql = f"SELECT '{table}' AS _table, _row, concat_ws('{_SEP}', {exprs}) AS k FROM {table}"
        parts.append(engine.query(f"fingerprint {table}", sql))
    if not parts:
        return None
    union = parts[0]
    for part in parts[1:]:
        union = union.unionByName(part)
    return union


def _plain(frame: DataFrame) -> DataFrame:
    """Columns of no type (a bare NULL in a SELECT) as text: Arrow cannot carry them."""
    return frame.select(
        *[
            F.col(f"`{f.name}`").cast("string").alias(f.name)
            if isinstance(f.dataType, NullType)
            else F.col(f"`{f.name}`")
            for f in frame.schema.fields
        ]
    )


def _as_duckdb_types(table: pa.Table) -> pa.Table:
    """Spark's decimals as the doubles DuckDB computes (0.5 * n / m is a double there),
    through their text: Arrow's direct cast gives 267 × 0.1 = 26.700000000000003 for 26.7."""
    for i, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type):
            text = pc.cast(table.column(i), pa.string())
            table = table.set_column(i, field.name, pc.cast(text, pa.float64()))
    return table


def located(rule: Rule, rows: DataFrame, lang: str) -> DataFrame:
    """Table, row, column, subject, ID, value and message of every row a rule returned,
    as runner.to_findings works them out (without a history store)."""
    default_table = rule.reads[0] if rule.reads else ""

    def build(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            data = _as_duckdb_types(pa.Table.from_batches([batch]))
            tables = [t or default_table for t in _values(data, "_table")]
            rows_ = _values(data, "_row")
            columns = [c or rule.column for c in _values(data, "_column")]
            subjects = [str(s) for s in _values(data, "subject", shown=True)]
            ids = [i or None for i in _values(data, "id_number")]
            values = [str(v) for v in _values(data, "_value", shown=True)]
            yield pa.RecordBatch.from_pydict(
                {
                    "table": tables,
                    "row": [int(r) if r is not None else None for r in rows_],
                    "column": columns,
                    "subject": subjects,
                    "id_number": [str(i) if i is not None else None for i in ids],
                    "value": values,
                    "message": _messages(rule, data, lang),
                },
                schema=pa.schema(
                    [
                        ("table", pa.string()),
                        ("row", pa.int64()),
                        ("column", pa.string()),
                        ("subject", pa.string()),
                        ("id_number", pa.string()),
                        ("value", pa.string()),
                        ("message", pa.string()),
                    ]
                ),
            )

    return _plain(rows).mapInArrow(build, _LOCATED)


def findings_frame(
    rule: Rule,
    rows: DataFrame,
    lang: str,
    sources: dict[str, tuple[str, str]],
    keys: DataFrame | None,
    secret: bytes | None = None,
) -> DataFrame:
    """The findings of one rule, every column of a findings file, fingerprints included."""
    found = located(rule, rows, lang)
    source = F.create_map(*[F.lit(x) for t, (s, _) in sources.items() for x in (t, s)])
    sheet = F.create_map(*[F.lit(x) for t, (_, sh) in sources.items() for x in (t, sh)])
    if sources:
        found = found.withColumn("source", F.coalesce(source[F.col("table")], F.lit("")))
        found = found.withColumn("sheet", F.coalesce(sheet[F.col("table")], F.lit("")))
    else:
        found = found.withColumn("source", F.lit("")).withColumn("sheet", F.lit(""))
    if keys is not None:
        found = found.join(
            keys.withColumnRenamed("_table", "table").withColumnRenamed("_row", "row"),
            ["table", "row"],
            "left",
        )
    else:
        found = found.withColumn("k", F.lit(None).cast("string"))
    key = (
        F.when(
            F.col("row").isNull(),
            F.when(F.col("subject") == F.col("source"), F.lit("")).otherwise(
                F.concat(F.lit("subject:"), F.col("subject"))
            ),
        )
        .when(F.col("k").isNotNull(), F.col("k"))
        .otherwise(F.concat(F.lit("row:"), F.col("row").cast("string")))
    )
    order = Window.partitionBy("table", "column", "_key").orderBy(
        F.col("row").isNull(), F.coalesce(F.col("row"), F.lit(0)), "column", "message"
    )
    found = found.withColumn("_key", key).withColumn("_n", F.row_number().over(order))
    code = rule.code

    def stamp(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            prints = [
                fingerprint(code, t, c, k, n, secret)
                for t, c, k, n in zip(
                    batch.column("table").to_pylist(),
                    batch.column("column").to_pylist(),
                    batch.column("_key").to_pylist(),
                    batch.column("_n").to_pylist(),
                    strict=True,
                )
            ]
            yield pa.RecordBatch.from_arrays(
                [*batch.columns, pa.array(prints, pa.string())],
                names=[*batch.schema.names, "fingerprint"],
            )

    found = found.select(
        "table", "row", "column", "subject", "id_number", "value", "message", "source",
        "sheet", "_key", "_n",
    )  # fmt: skip
    schema = StructType([*found.schema.fields, StructField("fingerprint", StringType())])
    stamped = found.mapInArrow(stamp, schema)
    return stamped.select(
        F.lit(rule.code).alias("rule"),
        F.lit(rule.name).alias("name"),
        F.lit(rule.severity.label).alias("severity"),
        *[F.col(c) for c in FINDINGS.names if c not in ("rule", "name", "severity")],
    )

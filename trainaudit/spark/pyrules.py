"""The rules whose last step is Python, run on the executors.

I109/I110 compare names with rapidfuzz (rules/identity.py): SQL narrows the roster to
the rows whose name differs from their ID's roster name (the same candidate query as on
DuckDB), then the same `is_name_slip` sorts those rows batch by batch where they lie.
Benford (F505) is SQL on both engines; D001 is worked out from the inputs' columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql.pandas.types import from_arrow_schema

from ..rules.identity import _NAME_CONFLICTS, is_name_slip
from ..rules.registry import RuleContext
from .engine import keep

_CONFLICTS = pa.schema(
    [
        ("_table", pa.string()),
        ("_row", pa.int64()),
        ("subject", pa.string()),
        ("id_number", pa.string()),
        ("name", pa.string()),
        ("_value", pa.string()),
        ("roster_name", pa.string()),
        ("roster_row", pa.int64()),
    ]
)


def _candidates(ctx: RuleContext) -> DataFrame:
    """The I109/I110 candidate rows, computed once for both rules (cached)."""
    engine = ctx.engine
    if "_name_candidates" not in engine.shared:
        frame = engine.query("I109-I110 candidates", _NAME_CONFLICTS)
        engine.shared["_name_candidates"] = keep(frame)
    return engine.shared["_name_candidates"]


def _name_conflicts(slips: bool) -> Callable[[RuleContext], DataFrame]:
    def rows(ctx: RuleContext) -> DataFrame:
        def keep(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for batch in batches:
                found = [
                    r
                    for r in batch.to_pylist()
                    if is_name_slip(r["name_key"], r["roster_key"]) == slips
                ]
                yield pa.RecordBatch.from_pydict(
                    {
                        "_table": ["trainees"] * len(found),
                        "_row": [r["_row"] for r in found],
                        "subject": [r["id_number"] for r in found],
                        "id_number": [r["id_number"] for r in found],
                        "name": [r["name"] for r in found],
                        "_value": [r["name"] for r in found],
                        "roster_name": [r["roster_name"] for r in found],
                        "roster_row": [r["roster_row"] for r in found],
                    },
                    schema=_CONFLICTS,
                )

        return _candidates(ctx).mapInArrow(keep, from_arrow_schema(_CONFLICTS))

    return rows


SPARK_SIDE: dict[str, Callable[[RuleContext], DataFrame]] = {
    "I109": _name_conflicts(slips=False),
    "I110": _name_conflicts(slips=True),
}
"""Rules whose Python step runs on the executors here (on DuckDB it runs in-process)."""

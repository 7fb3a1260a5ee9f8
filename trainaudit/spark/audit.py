"""`trainaudit audit --engine spark`: every rule on Spark, findings written by Spark.

The same rules as the DuckDB audit (rules/*.py, one source each) on the same canonical
tables; what differs is only where the work happens. Each rule's findings are computed
and cached on the executors, counted (the console summary comes from those counts),
set against the waivers and the baseline by joins, and written together as one Parquet
dataset partitioned by rule. Nothing proportional to the data reaches the driver.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.pandas.types import from_arrow_schema

from ..api import certificate_caps_table, select_rules
from ..errors import InputError
from ..io.schema import TABLES
from ..model import Severity, Status
from ..policy import Policy
from ..rules.registry import Rule, RuleContext
from .engine import KEEP, SparkEngine, Tracer, keep
from .findings import findings_frame, key_frame
from .load import SparkTable, canonical_schema, read_input
from .pyrules import SPARK_SIDE


@dataclass(frozen=True)
class SparkResult:
    """One rule's outcome: its status and how many findings (reported, waived, baselined)."""

    code: str
    name: str
    severity: Severity
    status: Status
    findings: int = 0
    waived: int = 0
    baselined: int = 0
    detail: str = ""
    seconds: float = 0.0


@dataclass
class SparkReport:
    results: list[SparkResult]
    inputs: dict[str, tuple[str, ...]]
    lang: str
    audit_date: str
    findings_path: str | None = None
    expired_waivers: int = 0
    present: dict[str, frozenset[str]] = field(default_factory=dict)

    def count(self, severity: Severity) -> int:
        return sum(r.findings for r in self.results if r.severity == severity)

    @property
    def broken(self) -> list[SparkResult]:
        return [r for r in self.results if r.status == Status.ERROR]


def _name(paths: tuple[str, ...]) -> str:
    """What findings name an input by: the file (or directory, or glob) name."""
    return ", ".join(PurePosixPath(p.rstrip("/")).name for p in paths)


def audit_spark(
    spark: SparkSession,
    paths: dict[str, list[str] | None],
    *,
    policy: Policy,
    lang: str,
    rules: list[str] | None = None,
    audit_date: dt.date | None = None,
    tracer: Tracer | None = None,
    findings: str | None = None,
    baseline: str | None = None,
    waivers: str | None = None,
) -> SparkReport:
    """Audit Parquet inputs on Spark; write the findings to `findings` (a directory,
    partitioned by rule) when given. Raises InputError for an input Spark cannot read."""
    audit_date = audit_date or dt.date.today()
    given = {t: list(p) for t, p in paths.items() if p}
    unknown = set(given) - set(TABLES)
    if unknown:
        raise InputError("unknown table(s): {tables}", tables=", ".join(sorted(unknown)))
    if not given:
        raise InputError("no input file given")
    engine = SparkEngine(spark, tracer)
    if findings is not None:
        _clear(spark, findings)
    try:
        loaded: dict[str, SparkTable] = {
            t: read_input(spark, t, ps, policy.header_aliases.get(t)) for t, ps in given.items()
        }
        for table in TABLES:
            frame = (
                loaded[table].frame
                if table in loaded
                else spark.createDataFrame([], from_arrow_schema(canonical_schema(table)))
            )
            engine.register(table, keep(frame))
        engine.register("policy_certificate_caps", _frame(spark, certificate_caps_table(policy)))
        ctx = RuleContext(
            engine=engine,
            policy=policy,
            present={t: s.present for t, s in loaded.items()},
            audit_date=audit_date,
            sources={t: _name(s.paths) for t, s in loaded.items()},
        )
        if hasattr(ctx, "headers"):  # the header cells found, for D001's message
            ctx.headers = {t: s.headers for t, s in loaded.items()}
        sources = {t: (_name(s.paths), "") for t, s in loaded.items()}
        keys = key_frame(engine, list(loaded))
        waived, expired = _waiver_frame(spark, waivers, audit_date)
        known = _baseline_frame(spark, baseline)
        results = [
            _run_rule(rule, ctx, lang, sources, keys, (waived, known), findings)
            for rule in select_rules(rules)
        ]
    finally:
        engine.close()
    return SparkReport(
        results=results,
        inputs={t: s.paths for t, s in loaded.items()},
        lang=lang,
        audit_date=audit_date.isoformat(),
        findings_path=findings,
        expired_waivers=expired,
        present=ctx.present,
    )


def _frame(spark: SparkSession, table: pa.Table) -> DataFrame:
    """A small Arrow table made on the driver (policy values) as a DataFrame."""
    return spark.createDataFrame(table.to_pylist(), from_arrow_schema(table.schema))


def rows_of(rule: Rule, ctx: RuleContext) -> DataFrame:
    """The rows a rule flags, as a DataFrame: its SQL through the engine, its Python
    side on the executors (pyrules.py), or a table it worked out from what the run
    knows (D001: the columns of the inputs)."""
    engine: SparkEngine = ctx.engine
    if rule.code in SPARK_SIDE:
        return SPARK_SIDE[rule.code](ctx)
    produced = rule.func(ctx)
    if isinstance(produced, str):
        return engine.query(rule.code, produced, ctx.params())
    if isinstance(produced, pa.Table):
        return _frame(engine.spark, produced)
    raise TypeError(f"rule {rule.code} returned {type(produced).__name__}")


def _run_rule(
    rule: Rule,
    ctx: RuleContext,
    lang: str,
    sources: dict[str, tuple[str, str]],
    keys: DataFrame | None,
    set_aside: tuple[DataFrame | None, DataFrame | None],
    target: str | None,
) -> SparkResult:
    """Never raises: a rule that breaks ends as status `error` with its reason (as
    runner.run_rule). `set_aside`: the waived and the baseline fingerprints; `target`:
    the findings dataset, where this rule's reported findings go (rule=CODE)."""
    reason = rule.skip_reason(ctx, lang)
    if reason is not None:
        return SparkResult(rule.code, rule.name, rule.severity, Status.SKIPPED, detail=reason)
    started = time.perf_counter()
    found = None
    try:
        stages = getattr(rule, "stages", ())
        if stages:
            from ..rules import staging

            staging.build(ctx, stages)
        found = findings_frame(rule, rows_of(rule, ctx), lang, sources, keys).persist(KEEP)
        total = found.count()
        counts = {"waived": 0, "baselined": 0}
        reported = found
        for what, against in zip(("waived", "baselined"), set_aside, strict=True):
            if against is not None and total:
                counts[what] = reported.join(against, "fingerprint", "left_semi").count()
                reported = reported.join(against, "fingerprint", "left_anti")
        shown = total - counts["waived"] - counts["baselined"]
        if target is not None and shown:
            reported.drop("rule").write.mode("overwrite").parquet(f"{target}/rule={rule.code}")
    except Exception as exc:  # one broken rule must not sink the audit
        detail = why_failed(exc)
        return SparkResult(rule.code, rule.name, rule.severity, Status.ERROR, detail=detail,
                           seconds=time.perf_counter() - started)  # fmt: skip
    finally:
        if found is not None:
            found.unpersist()
        ctx.engine.release()
    sep = "；" if lang == "zh" else "; "
    notes = [rule.note(ctx, lang) if rule.note else "", rule.unchecked(ctx, lang)]
    if counts["waived"]:
        notes.append(f"{counts['waived']} waived")
    if counts["baselined"]:
        notes.append(f"{counts['baselined']} in baseline")
    result = SparkResult(
        rule.code, rule.name, rule.severity, Status.FAILED if shown else Status.PASSED,
        shown, counts["waived"], counts["baselined"], sep.join(n for n in notes if n),
        time.perf_counter() - started,
    )  # fmt: skip
    return result


def why_failed(exc: BaseException) -> str:
    """The first line of why a query failed: for an error inside the JVM, the Java
    exception's own message, not py4j's "An error occurred while calling o123.count"."""
    java = getattr(exc, "java_exception", None)
    text = (java.toString() if java is not None else str(exc)).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"[:500]


def _waiver_frame(
    spark: SparkSession, path: str | None, day: dt.date
) -> tuple[DataFrame | None, int]:
    """The fingerprints of the waivers in force on the audit day (a waivers file is
    written by hand: small), and how many have expired."""
    if path is None:
        return None, 0
    from ..waivers import load_waivers

    waivers = load_waivers(path)
    in_force = sorted(fp for fp, w in waivers.items() if w.applies_on(day))
    frame = spark.createDataFrame([(fp,) for fp in in_force], "fingerprint string")
    return frame, len(waivers) - len(in_force)


def _baseline_frame(spark: SparkSession, path: str | None) -> DataFrame | None:
    """The fingerprints of an earlier run's findings: a findings file of either engine
    (.csv, .jsonl, .parquet), or a findings dataset Spark wrote (read by Spark)."""
    if path is None:
        return None
    from pathlib import Path

    local = Path(path)
    if local.is_file():
        from ..baseline import read_fingerprints

        prints = sorted(read_fingerprints(local))
        return spark.createDataFrame([(fp,) for fp in prints], "fingerprint string")
    try:
        return spark.read.parquet(path).select("fingerprint").distinct()
    except Exception as exc:  # noqa: BLE001  (a path Spark cannot read, or no fingerprint)
        text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise InputError(
            "{path}: not a readable findings file ({reason})", path=path, reason=text
        ) from None


def _clear(spark: SparkSession, path: str) -> None:
    """Make way for the findings dataset at `path` (local, HDFS, S3 …): an earlier one is
    removed; anything else there is refused, never deleted."""
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    fs = hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(hpath):
        return
    ours = fs.getFileStatus(hpath).isDirectory() and all(
        status.getPath().getName().startswith(("rule=", "_", "."))
        for status in fs.listStatus(hpath)
    )
    if not ours:
        raise InputError(
            "{path}: exists and is not a findings dataset of trainaudit; refusing to replace it",
            path=path,
        )
    fs.delete(hpath, True)

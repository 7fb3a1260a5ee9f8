"""The Spark session of an audit: `--spark-master` and `--spark-conf key=value`."""

from __future__ import annotations

import os
import shutil
import sys

from ..errors import InputError

DEFAULTS = {
    "spark.app.name": "trainaudit",
    "spark.ui.showConsoleProgress": "false",  # stdout is for --format json
    "spark.sql.maxPlanStringLength": str(1 << 20),
    "spark.sql.execution.arrow.maxRecordsPerBatch": "10000",
}
"""Set unless `--spark-conf` says otherwise. Plan strings are capped: Spark prints a
plan for every adaptive re-plan, and an uncapped one of a rule over checkpointed
tables is still the driver's memory spent on text."""

LOCAL_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "8",
}
"""In local mode only: no web UI, and few shuffle partitions (the 200 of a cluster's
default are 200 tiny tasks on one machine)."""


def parse_conf(items: list[str] | None) -> dict[str, str]:
    """`key=value` strings (repeatable --spark-conf) as a dict; a malformed one is an
    InputError naming it."""
    conf = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError("--spark-conf {item}: expected key=value", item=repr(item))
        conf[key.strip()] = value.strip()
    return conf


NO_JAVA = (
    "cannot start Spark: no Java runtime (java not on PATH, JAVA_HOME not set); "
    "Spark needs Java 17 or later"
)


def java_missing() -> str | None:
    """Why Spark cannot start here (no Java runtime), or None."""
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return None
    if shutil.which("java"):
        return None
    return "no Java runtime (java not on PATH, JAVA_HOME not set): Spark needs Java 17 or later"


def start(master: str = "local[*]", conf: dict[str, str] | None = None):
    """A Spark session for `master` with `conf` (an existing session in this process
    is reused: Spark allows one). In local mode the executors' Python is this one."""
    if java_missing():
        raise InputError(NO_JAVA)
    from pyspark.sql import SparkSession

    if master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings = {**DEFAULTS, **(LOCAL_DEFAULTS if master.startswith("local") else {})}
    settings.update(conf or {})
    builder = SparkSession.builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001  (the JVM did not start: say why, in one line)
        text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise InputError("cannot start Spark: {reason}", reason=text) from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark

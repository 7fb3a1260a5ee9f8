"""`make bench-spark`: the audit on Spark local mode against DuckDB, at the same sizes.

For each size n (default 1M and 5M enrollments; 0.6 n certificates and 1.2 n payments,
bench/data.py's generator, written once as typed Parquet under .bench-cache/spark/), each
engine audits the same files in a child process of its own while this process samples
the child's process tree from /proc every half second. Reported per engine and size:
wall time, and peak resident memory of the driver (the Python process that runs the
audit), the JVM (Spark's driver and executor are one JVM in local mode) and the Python
workers Spark starts for the Arrow steps (normalisation, messages, fingerprints; summed
over the workers alive at once). Growth is the ratio of times between consecutive sizes.

    .venv/bin/python bench/spark.py --sizes 100000,1000000 [--master local[2]]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench-cache" / "spark"
DAY = "2024-06-30"


def inputs(n: int) -> dict[str, str]:
    """The Parquet files of size n, generated once."""
    folder = CACHE / str(n)
    paths = {t: str(folder / f"{t}.parquet") for t in ("trainees", "certificates", "payments")}
    if all(Path(p).exists() for p in paths.values()):
        return paths
    sys.path.insert(0, str(ROOT / "bench"))
    import data
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    for table, content in data.generate(n).items():
        pq.write_table(data.as_typed(table, content), paths[table], row_group_size=256_000)
    return paths


def _tree(pid: int) -> dict[int, tuple[str, int]]:
    """pid -> (command name, resident bytes) of `pid` and all its descendants."""
    parents: dict[int, int] = {}
    info: dict[int, tuple[str, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        rss = next(
            (int(x.split()[1]) * 1024 for x in status.splitlines() if x.startswith("VmRSS")), 0
        )
        parents[int(entry.name)] = ppid
        info[int(entry.name)] = (name, rss)
    tree = {pid}
    grew = True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in tree and child not in tree:
                tree.add(child)
                grew = True
    return {p: info[p] for p in tree if p in info}


def measure(command: list[str]) -> dict:
    """Run `command`; its wall time and peak memory by kind of process, and its output."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = {"driver": 0, "jvm": 0, "workers": 0}
    while child.poll() is None:
        tree = _tree(child.pid)
        now = {"driver": 0, "jvm": 0, "workers": 0}
        for pid, (name, rss) in tree.items():
            kind = "driver" if pid == child.pid else "jvm" if name == "java" else "workers"
            now[kind] += rss
        peak = {k: max(peak[k], now[k]) for k in peak}
        time.sleep(0.5)
    out = child.stdout.read() if child.stdout else ""
    seconds = time.perf_counter() - started
    result = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    return {"seconds": round(seconds, 1), **{f"{k}_mb": v >> 20 for k, v in peak.items()}, **result}


def run_duckdb(paths: dict[str, str]) -> None:
    import datetime as dt

    from trainaudit import api

    report = api.audit(**paths, lang="en", audit_date=dt.date.fromisoformat(DAY))
    print(json.dumps({"findings": len(report.findings)}))


def run_spark(paths: dict[str, str], master: str) -> None:
    import datetime as dt
    import tempfile

    from trainaudit.policy import Policy
    from trainaudit.spark.audit import audit_spark
    from trainaudit.spark.session import start

    spark = start(master, {"spark.driver.memory": "4g"})
    with tempfile.TemporaryDirectory() as folder:
        report = audit_spark(
            spark,
            {t: [p] for t, p in paths.items()},
            policy=Policy(),
            lang="en",
            audit_date=dt.date.fromisoformat(DAY),
            findings=f"{folder}/findings.parquet",
        )
    broken = [r.code for r in report.broken]
    found = sum(r.findings for r in report.results)
    print(json.dumps({"findings": found, "broken": broken}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,5000000")
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--only", choices=("duckdb", "spark"))
    parser.add_argument("--one", nargs=2, metavar=("ENGINE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        engine, n = args.one[0], int(args.one[1])
        paths = inputs(n)
        run_duckdb(paths) if engine == "duckdb" else run_spark(paths, args.master)
        return
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        inputs(n)
        for engine in ("duckdb", "spark"):
            if args.only and engine != args.only:
                continue
            command = [sys.executable, __file__, "--one", engine, str(n), "--master", args.master]
            result = measure(command)
            rows.append({"engine": engine, "n": n, **result})
            print(json.dumps(rows[-1]), flush=True)
    print(f"\n{'engine':8} {'enrollments':>12} {'seconds':>8} {'growth':>7} "
          f"{'driver MB':>10} {'JVM MB':>8} {'workers MB':>11} {'findings':>9}")  # fmt: skip
    last: dict[str, dict] = {}
    for row in rows:
        before = last.get(row["engine"])
        growth = f"{row['seconds'] / before['seconds']:.2f}x" if before else ""
        print(f"{row['engine']:8} {row['n']:>12,} {row['seconds']:>8} {growth:>7} "
              f"{row['driver_mb']:>10} {row['jvm_mb']:>8} {row['workers_mb']:>11} "
              f"{row.get('findings', '?'):>9}")  # fmt: skip
        last[row["engine"]] = row


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()

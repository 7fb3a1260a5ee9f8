"""`make bench`: the provincial-scale figures of issues 6 and 15, each against its floor.

Inputs are generated deterministically (bench/data.py) once and cached in .bench-cache/
(outside git). Every measurement runs in a fresh Python process, so its wall time
includes imports and its peak RSS is its own.

    python bench/run.py                      # the targets: 1M enrollments, 100k xlsx
    python bench/run.py --only cli           # issue 15: the CLI against DuckDB and the peer
    python bench/run.py --sizes 100000,1000000,3000000 --only growth
    python bench/run.py --only audit --formats parquet

Targets of issue 15 (`--only cli`; medians of 3 runs of each, in turns): the whole CLI
as a user runs it on the 1M / 0.6M / 1.2M CSV set, all rules, findings file and
workbook, ≤ 4× DuckDB's bare `read_csv` of the same files into tables, ≥ 2× faster
than the hand-written pandas peer (bench/peer_pandas.py, 8 rules), peak RSS ≤ 2 GB.
Issue 6's: full audit ≤ 3× DuckDB's bare read of the same files and peak RSS
≤ 4 GB, from CSV and from Parquet; `validate` of the 100k-row xlsx ≤ 1.5× fastexcel's
read; the annotated workbook for that upload ≤ 30 s.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench-cache"
VERSION = "v2"
"""Bump when bench/data.py changes what it generates: the cache is keyed on it."""
TABLES = ("trainees", "certificates", "payments")
AUDIT_DATE = "2022-06-30"
UPLOAD_ROWS = 100_000
GB = 1024


def _inputs_for(n: int) -> dict[str, dict[str, Path]]:
    folder = CACHE / f"{VERSION}-{n}"
    return {fmt: {t: folder / f"{t}.{fmt}" for t in TABLES} for fmt in ("csv", "parquet")}


def make_inputs(n: int) -> dict[str, dict[str, Path]]:
    """The three tables of n enrollments as CSV and Parquet (generated once)."""
    paths = _inputs_for(n)
    if all(p.exists() for by_table in paths.values() for p in by_table.values()):
        return paths
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    sys.path.insert(0, str(ROOT))
    from bench.data import as_exported, as_typed, generate

    folder = paths["csv"]["trainees"].parent
    folder.mkdir(parents=True, exist_ok=True)
    for table, data in generate(n).items():
        for fmt, write in (
            ("csv", lambda d, p: pacsv.write_csv(d, p, pacsv.WriteOptions(quoting_style="needed"))),
            ("parquet", lambda d, p: pq.write_table(d, p, compression="snappy")),
        ):
            exported = as_exported(table, data) if fmt == "csv" else as_typed(table, data)
            tmp = paths[fmt][table].with_suffix(".tmp")
            write(exported, tmp)
            tmp.replace(paths[fmt][table])
    return paths


def make_upload(rows: int = UPLOAD_ROWS) -> Path:
    """A roster as a clerk uploads it: a title row, then the header, formatted."""
    path = CACHE / f"{VERSION}-upload-{rows}.xlsx"
    if path.exists():
        return path
    import xlsxwriter

    sys.path.insert(0, str(ROOT))
    from bench.data import TRAINEE_HEADERS, generate

    data = generate(rows, seed=7)["trainees"]
    CACHE.mkdir(exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    sheet = book.add_worksheet("花名册")
    bold = book.add_format({"bold": True, "border": 1, "bg_color": "#D9E1F2"})
    text = book.add_format({"num_format": "@"})
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 2, 20, text)
    sheet.set_column(3, len(TRAINEE_HEADERS) - 1, 14)
    sheet.write_row(0, 0, [f"{rows}人培训补贴花名册"])
    sheet.write_row(1, 0, list(TRAINEE_HEADERS.values()), bold)
    columns = [data.column(c).to_pylist() for c in TRAINEE_HEADERS]
    numeric = {"seq", "hours"}
    for r, values in enumerate(zip(*columns, strict=True), start=2):
        for c, (key, value) in enumerate(zip(TRAINEE_HEADERS, values, strict=True)):
            if value is None:
                continue
            if key in numeric and value.isdigit():
                sheet.write_number(r, c, int(value))
            else:
                sheet.write_string(r, c, value)
    sheet.freeze_panes(2, 0)
    book.close()
    tmp.replace(path)
    return path


# --- measuring in a fresh process -------------------------------------------------------------

_CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
{body}
_usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"seconds": time.perf_counter() - t0,
                   "cpu_seconds": _usage.ru_utime + _usage.ru_stime,
                   "peak_rss_mb": _usage.ru_maxrss / 1024,
                   **globals().get("extra", {{}})}}))
"""


def measure(body: str) -> dict:
    """Run `body` in a fresh interpreter; its wall time (imports included), CPU time, peak
    RSS, and the load average before it started (other work on the machine slows it)."""
    code = _CHILD.format(root=str(ROOT), body=body)
    load = os.getloadavg()[0]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"bench child failed:\n{code}\n{out.stderr[-4000:]}")
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "load": load}


def floor_body(paths: dict[str, Path], fmt: str) -> str:
    """DuckDB reading the same files into memory, every column: the floor."""
    reader = (
        "read_csv('{p}', all_varchar=true, header=true)" if fmt == "csv" else "read_parquet('{p}')"
    )
    lines = ["import duckdb", "con = duckdb.connect()"]
    for t, p in paths.items():
        lines.append(f'con.execute("CREATE TABLE {t} AS SELECT * FROM {reader.format(p=p)}")')
    return "\n".join(lines)


def audit_body(paths: dict[str, Path]) -> str:
    args = ", ".join(f"{t}={str(p)!r}" for t, p in paths.items())
    return (
        "import datetime as dt\n"
        "from trainaudit import api\n"
        f"report = api.audit({args}, lang='en', audit_date=dt.date.fromisoformat({AUDIT_DATE!r}))\n"
        "extra = {'findings': len(report.findings), 'rules': len(report.results),\n"
        "         'rows': sum(i.rows for i in report.inputs.values()),\n"
        "         'broken': [r.code for r in report.broken]}"
    )


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _mem_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    except (ValueError, OSError):
        return 0.0


def _verdict(ok: bool) -> str:
    return "OK  " if ok else "MISS"


def bench_audit(n: int, formats: list[str]) -> list[dict]:
    t = time.perf_counter()
    paths = make_inputs(n)
    print(f"inputs for {n:,} enrollments ready in {time.perf_counter() - t:.1f} s "
          f"({paths['csv']['trainees'].parent.relative_to(ROOT)})", flush=True)  # fmt: skip
    results = []
    for fmt in formats:
        floor = measure(floor_body(paths[fmt], fmt))
        full = measure(audit_body(paths[fmt]))
        ratio = full["seconds"] / floor["seconds"]
        ok = ratio <= 3 and full["peak_rss_mb"] <= 4 * GB and not full["broken"]
        print(
            f"{_verdict(ok)} audit {n:>9,} enrollments from {fmt:7}: {full['seconds']:6.2f} s "
            f"(CPU {full['cpu_seconds']:5.1f} s), peak RSS {full['peak_rss_mb']:6.0f} MB, "
            f"{full['findings']:,} findings ({full['rows']:,} rows, {full['rules']} rules) | "
            f"DuckDB read alone {floor['seconds']:5.2f} s (CPU {floor['cpu_seconds']:4.1f} s) "
            f"→ {ratio:.2f}× (target ≤ 3×, ≤ 4096 MB) [load {full['load']:.1f}]",
            flush=True,
        )
        results.append({"n": n, "format": fmt, "audit": full, "floor": floor, "ratio": ratio})
    return results


PEER_RULES = "I102,R201,R202,R203,R204,C303,P404,F501"
"""The checks bench/peer_pandas.py writes by hand."""


def cli_body(paths: dict[str, Path], out: Path, rules: str | None = None) -> str:
    """`trainaudit audit` as a user runs it: the three files, findings file, workbook."""
    argv = ["trainaudit", "audit", "-t", str(paths["trainees"]), "-c", str(paths["certificates"]),
            "-p", str(paths["payments"]), "--findings", str(out / "findings.csv"),
            "--out", str(out / "report.xlsx"), "--fail-on", "never", "--quiet", "--lang", "en"]  # fmt: skip
    if rules:
        argv += ["--rules", rules]
    return (
        "from trainaudit.cli import main\n"
        f"sys.argv = {argv!r}\n"
        "try:\n    main()\nexcept SystemExit as exc:\n"
        "    assert not exc.code, f'exit {exc.code}'"
    )


def peer_body(paths: dict[str, Path], out: Path) -> str:
    script = ROOT / "bench" / "peer_pandas.py"
    argv = [str(script), *(str(paths[t]) for t in TABLES), str(out / "peer-findings.csv")]
    return (
        f"import runpy\nsys.argv = {argv!r}\nrunpy.run_path({str(script)!r}, run_name='__main__')"
    )


def _median(runs: list[dict], key: str) -> float:
    values = sorted(r[key] for r in runs)
    return values[len(values) // 2]


def bench_cli(n: int, repeat: int = 3) -> None:
    """Issue 15's targets: the CLI against DuckDB's bare read and the pandas peer, each
    run `repeat` times in turns (so a burst of load hits all alike), medians compared."""
    paths = make_inputs(n)["csv"]
    out = CACHE / "cli-out"
    out.mkdir(exist_ok=True)
    bodies = {
        "duckdb read_csv": floor_body(paths, "csv"),
        "pandas peer (8 rules)": peer_body(paths, out),
        "trainaudit, 8 rules": cli_body(paths, out, PEER_RULES),
        "trainaudit, all rules": cli_body(paths, out),
    }
    runs: dict[str, list[dict]] = {name: [] for name in bodies}
    for _ in range(repeat):
        for name, body in bodies.items():
            runs[name].append(measure(body))
    med = {name: {k: _median(r, k) for k in ("seconds", "cpu_seconds", "peak_rss_mb")}
           for name, r in runs.items()}  # fmt: skip
    print(f"whole CLI on {n:,} enrollments (CSV), medians of {repeat} runs in turns:")
    for name, m in med.items():
        spread = ", ".join(f"{r['seconds']:.2f}" for r in runs[name])
        print(f"  {name:24} {m['seconds']:6.2f} s (runs {spread}; CPU {m['cpu_seconds']:5.1f} s), "
              f"peak RSS {m['peak_rss_mb']:5.0f} MB")  # fmt: skip
    mine = med["trainaudit, all rules"]
    floor = mine["seconds"] / med["duckdb read_csv"]["seconds"]
    peer = med["pandas peer (8 rules)"]["seconds"] / mine["seconds"]
    cpu_floor = mine["cpu_seconds"] / med["duckdb read_csv"]["cpu_seconds"]
    cpu_peer = med["pandas peer (8 rules)"]["cpu_seconds"] / mine["cpu_seconds"]
    loads = [r["load"] for rs in runs.values() for r in rs]
    print(f"{_verdict(floor <= 4)} all rules / DuckDB read_csv: {floor:.2f}× (target ≤ 4×)")
    print(f"{_verdict(peer >= 2)} pandas peer / all rules: {peer:.2f}× faster (target ≥ 2×)")
    print(f"     in CPU seconds (steadier on a shared machine): {cpu_floor:.2f}× the read, "
          f"the peer {cpu_peer:.2f}× faster")  # fmt: skip
    print(f"{_verdict(mine['peak_rss_mb'] <= 2 * GB)} peak RSS {mine['peak_rss_mb']:.0f} MB "
          f"(target ≤ 2048 MB) [load {min(loads):.1f}–{max(loads):.1f}]", flush=True)  # fmt: skip


def bench_upload() -> None:
    t = time.perf_counter()
    path = make_upload()
    print(f"upload of {UPLOAD_ROWS:,} rows ready in {time.perf_counter() - t:.1f} s "
          f"({path.relative_to(ROOT)})", flush=True)  # fmt: skip
    floor = measure(
        "import fastexcel\n"
        f"fastexcel.read_excel({str(path)!r}).load_sheet(0, header_row=None, dtypes='string').to_arrow()"
    )
    cli = measure(
        "from trainaudit.cli import main\n"
        f"sys.argv = ['trainaudit', 'validate', {str(path)!r}, '--quiet', '--fail-on', 'never']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    ratio = cli["seconds"] / floor["seconds"]
    print(
        f"{_verdict(ratio <= 1.5)} validate {UPLOAD_ROWS:,}-row xlsx: {cli['seconds']:5.2f} s, "
        f"peak RSS {cli['peak_rss_mb']:5.0f} MB | fastexcel read alone {floor['seconds']:5.2f} s "
        f"→ {ratio:.2f}× (target ≤ 1.5×)",
        flush=True,
    )
    out = CACHE / "upload-report.xlsx"
    book = measure(
        "import datetime as dt\n"
        "from trainaudit import api\n"
        f"report = api.audit(trainees={str(path)!r}, only_tables={{'trainees'}}, lang='zh',\n"
        f"                   audit_date=dt.date.fromisoformat({AUDIT_DATE!r}))\n"
        "t1 = time.perf_counter()\n"
        f"api.write_outputs(report, out={str(out)!r})\n"
        "extra = {'write': time.perf_counter() - t1, 'findings': len(report.findings)}"
    )
    print(
        f"{_verdict(book['seconds'] <= 30)} validate --out for the {UPLOAD_ROWS:,}-row upload: "
        f"{book['seconds']:5.2f} s in all, of which writing the workbook {book['write']:5.2f} s "
        f"({book['findings']:,} findings), peak RSS {book['peak_rss_mb']:5.0f} MB "
        f"(target ≤ 30 s)",
        flush=True,
    )


def bench_growth(sizes: list[int], formats: list[str]) -> None:
    rows = []
    for n in sizes:
        rows.extend(bench_audit(n, formats))
    print(
        "\ngrowth (CPU seconds, steadier than wall time on a shared machine; per million "
        "enrollments: flat or slowly rising = n log n or better)"
    )
    for fmt in formats:
        mine = [r for r in rows if r["format"] == fmt]
        for prev, cur in zip([None, *mine], mine, strict=False):
            per_m = cur["audit"]["cpu_seconds"] / cur["n"] * 1e6
            step = ""
            if prev is not None:
                grow = cur["n"] / prev["n"]
                took = cur["audit"]["cpu_seconds"] / prev["audit"]["cpu_seconds"]
                nlogn = grow * math.log(cur["n"]) / math.log(prev["n"])
                step = f"; ×{grow:.0f} rows → ×{took:.2f} time (n log n would be ×{nlogn:.2f})"
            print(f"  {fmt:7} {cur['n']:>9,}: CPU {cur['audit']['cpu_seconds']:6.1f} s, wall "
                  f"{cur['audit']['seconds']:6.1f} s ({per_m:5.1f} CPU s per M), peak RSS "
                  f"{cur['audit']['peak_rss_mb']:6.0f} MB{step}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000", help="enrollments, comma-separated")
    parser.add_argument("--formats", default="csv,parquet")
    parser.add_argument("--only", choices=("cli", "audit", "upload", "growth"), default=None)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each in --only cli")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    formats = args.formats.split(",")
    print(f"machine: {os.cpu_count()} cores ({_cpu()}), {_mem_gb():.0f} GiB RAM, "
          f"Python {platform.python_version()}", flush=True)  # fmt: skip
    if args.only in (None, "cli"):
        for n in sizes:
            bench_cli(n, args.repeat)
    if args.only in (None, "audit"):
        for n in sizes:
            bench_audit(n, formats)
    if args.only in (None, "upload"):
        bench_upload()
    if args.only == "growth":
        bench_growth(sizes, formats)


if __name__ == "__main__":
    main()

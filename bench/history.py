"""Nightly audit at scale: a 10,000-row upload against a 1,000,000-row history store.

The history is the clean synthetic population of bench/population.py (1M enrollments,
2019–2021), stored as 10 uploads of 100,000 rows; the upload is another 10,000 clean
enrollments four years later, 100 of them people already in history retaking an
occupation and level they were subsidised for (R202 must name their history row).
Both are generated deterministically once and cached in .bench-cache/ (outside git).
Each measurement runs the real CLI in a fresh process (wall time, peak RSS).

Usage: python bench/history.py [--history-rows N] [--upload-rows N]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench-cache"
UPLOADS = 10
REPEATERS = 100
AUDIT_DATE_NOTE = "dates of the upload are 2023–2025"

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))


def _write_csv(table, path: Path) -> None:
    import pyarrow.csv as pacsv

    tmp = path.with_suffix(".tmp")
    pacsv.write_csv(table, tmp, pacsv.WriteOptions(quoting_style="needed"))
    tmp.replace(path)


def _shift_years(values: list[str | None], years: int) -> list[str | None]:
    return [None if v is None else f"{int(v[:4]) + years}{v[4:]}" for v in values]


def make_history(rows: int) -> tuple[Path, list[Path]]:
    """The history uploads as CSV files and the store holding them (built once)."""
    folder = CACHE / f"history_{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "history.duckdb"
    files = [folder / f"upload_{i + 1:02d}.csv" for i in range(UPLOADS)]
    if not all(f.exists() for f in files):
        from population import clean_population

        trainees = clean_population(rows, seed=7)["trainees"]
        size = -(-rows // UPLOADS)
        for i, path in enumerate(files):
            _write_csv(trainees.slice(i * size, size), path)
    if not store.exists():
        from trainaudit import api

        t = time.perf_counter()
        tmp = store.with_suffix(".tmp.duckdb")
        tmp.unlink(missing_ok=True)
        api.add_to_history(tmp, [("trainees", f) for f in files])
        tmp.replace(store)
        print(f"history store built in {time.perf_counter() - t:.1f} s", flush=True)
    return store, files


def make_upload(rows: int, history_files: list[Path]) -> Path:
    """Tonight's upload: clean newcomers, plus people from history retaking a level."""
    path = CACHE / f"upload_{rows}.csv"
    if path.exists():
        return path
    import pyarrow as pa
    from population import clean_population

    today = clean_population(rows - REPEATERS, seed=8)["trainees"]
    data = {c: today.column(c).to_pylist() for c in today.column_names}
    for date in ("start_date", "end_date"):
        data[date] = _shift_years(data[date], 4)
    data["class_id"] = [f"N{c}" for c in data["class_id"]]
    with history_files[0].open(encoding="utf-8", newline="") as fh:
        old = [r for _, r in zip(range(REPEATERS), csv.DictReader(fh), strict=False)]
    for r in old:
        for column in data:
            value = r.get(column) or None
            if column in ("start_date", "end_date") and value:
                value = _shift_years([value], 4)[0]
            if column == "class_id":
                value = f"R{value}"
            data[column].append(value)
    _write_csv(pa.table({c: pa.array(v, pa.string()) for c, v in data.items()}), path)
    return path


def run(args: list[str]) -> dict:
    """The CLI in a fresh process: wall seconds and that process's peak RSS."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "trainaudit", *args], capture_output=True, text=True, cwd=ROOT
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"trainaudit {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "peak_rss_mb": peak, "stdout": done.stdout}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history-rows", type=int, default=1_000_000)
    parser.add_argument("--upload-rows", type=int, default=10_000)
    opts = parser.parse_args(argv)

    t = time.perf_counter()
    store, files = make_history(opts.history_rows)
    upload = make_upload(opts.upload_rows, files)
    print(f"inputs ready in {time.perf_counter() - t:.1f} s: {store.relative_to(ROOT)} "
          f"({opts.history_rows:,} rows in {UPLOADS} uploads), {upload.relative_to(ROOT)}",
          flush=True)  # fmt: skip

    out = CACHE / "history-findings.csv"
    common = ["--fail-on", "never", "--lang", "en", "--format", "json"]
    alone = run(["audit", "--trainees", str(upload), "--findings", str(out), *common])
    nightly = run(["audit", "--trainees", str(upload), "--history", str(store),
                   "--findings", str(out), *common])  # fmt: skip
    summary = json.loads(nightly["stdout"])
    print(f"audit of the {opts.upload_rows:,}-row upload alone:          "
          f"{alone['seconds']:6.2f} s", flush=True)  # fmt: skip
    print(f"audit of the {opts.upload_rows:,}-row upload with history:   "
          f"{nightly['seconds']:6.2f} s, peak RSS {nightly['peak_rss_mb']:.0f} MB, "
          f"{summary['findings']:,} findings {summary['by_rule']}", flush=True)  # fmt: skip

    copy = CACHE / "history-add.duckdb"
    shutil.copyfile(store, copy)
    added = run(["history", "add", "--store", str(copy), "--trainees", str(upload), "-q"])
    copy.unlink()
    print(f"history add of the upload to the store:           {added['seconds']:6.2f} s",
          flush=True)  # fmt: skip
    print(f"command: trainaudit audit --trainees {upload.relative_to(ROOT)} "
          f"--history {store.relative_to(ROOT)} --findings {out.relative_to(ROOT)} "
          f"{' '.join(common)}")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])

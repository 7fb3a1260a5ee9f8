"""`make bench`: time the audit of a synthetic 100k-enrollment roster from xlsx and csv.

Inputs are generated deterministically once and cached in .bench-cache/ (outside git).
Each measurement runs in a fresh process so peak RSS is that run's own.
Usage: python bench/run.py [--rows N]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench-cache"
HEADER = ["序号", "姓名", "身份证号码", "性别", "联系电话", "培训机构", "班级编号", "培训工种",
          "培训等级", "开班日期", "结业日期", "培训课时", "县区", "人员类别"]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平刚桂兰"
OCCUPATIONS = [
    "电工",
    "焊工",
    "中式烹调师",
    "育婴员",
    "养老护理员",
    "美容师",
    "保安员",
    "计算机操作员",
]
LEVELS = ["五级", "四级", "三级", "专项职业能力"]


def roster_rows(n: int, seed: int = 20190701):
    """A mostly clean roster: classes of ~40, people trained once or twice."""
    from trainaudit.ids import make_id

    rng = random.Random(seed)
    people = max(n * 3 // 4, 1)
    start = dt.date(2020, 1, 6)
    for i in range(n):
        person = rng.randrange(people)
        prng = random.Random(person)
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=prng.randrange(365 * 35))
        region = prng.choice(["140105", "140107", "140202", "140302", "140402"])
        seq = prng.randrange(1000)
        class_no = i // 40
        begin = start + dt.timedelta(days=(class_no * 3) % 700)
        days = 10 + class_no % 20
        yield [
            i + 1,
            prng.choice(SURNAMES)
            + prng.choice(GIVEN)
            + (prng.choice(GIVEN) if prng.random() < 0.6 else ""),
            make_id(region, birth, seq),
            "男" if seq % 2 else "女",
            f"13{prng.randrange(10**9):09d}",
            f"培训学校{class_no % 97:02d}",
            f"C{class_no:06d}",
            OCCUPATIONS[class_no % len(OCCUPATIONS)],
            LEVELS[class_no % len(LEVELS)],
            begin.isoformat(),
            (begin + dt.timedelta(days=days - 1)).isoformat(),
            days * 6,
            f"县{class_no % 11}",
            "失业人员",
        ]


def make_inputs(n: int) -> dict[str, Path]:
    CACHE.mkdir(exist_ok=True)
    csv_path, xlsx_path = CACHE / f"roster_{n}.csv", CACHE / f"roster_{n}.xlsx"
    if not csv_path.exists() or not xlsx_path.exists():
        import xlsxwriter

        rows = list(roster_rows(n))
        with csv_path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows(rows)
        book = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True})
        sheet = book.add_worksheet("花名册")
        sheet.write_row(0, 0, [f"{n}人培训补贴花名册"])
        sheet.write_row(1, 0, HEADER)
        for r, row in enumerate(rows, start=2):
            sheet.write_row(r, 0, row)
        book.close()
    return {"csv": csv_path, "xlsx": xlsx_path}


_CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
{body}
print(json.dumps({{"seconds": time.perf_counter() - t0,
                   "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(body: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(body=body)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    t = time.perf_counter()
    inputs = make_inputs(args.rows)
    print(
        f"inputs ready in {time.perf_counter() - t:.1f} s: {', '.join(str(p.relative_to(ROOT)) for p in inputs.values())}"
    )
    for kind, path in inputs.items():
        read = measure(
            f"import fastexcel; fastexcel.read_excel({str(path)!r}).load_sheet(0, header_row=None, dtypes='string').to_arrow()"
            if kind == "xlsx"
            else f"import duckdb; duckdb.sql(\"SELECT count(*) FROM read_csv('{path}', all_varchar=true)\").fetchall()"
        )
        full = measure(f"from trainaudit import api; api.audit(trainees={str(path)!r}, lang='en')")
        print(
            f"{args.rows:>9,} enrollments from {kind:4}: audit {full['seconds']:6.2f} s, "
            f"peak RSS {full['peak_rss_mb']:6.0f} MB | read alone ({'fastexcel' if kind == 'xlsx' else 'duckdb'}) "
            f"{read['seconds']:5.2f} s"
        )


if __name__ == "__main__":
    main()

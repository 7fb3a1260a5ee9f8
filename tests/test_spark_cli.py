"""`trainaudit audit --engine spark` from the command line: options refused in one line,
findings written as a dataset partitioned by rule, a baseline set aside by a join."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from trainaudit.cli import app
from trainaudit.io.readers import read_table

pytest.importorskip("pyspark", reason="the spark extra (pyspark) is not installed")

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(map(str, args)))


@pytest.mark.parametrize(
    "option,value",
    [("--out", "report.xlsx"), ("--history", "history.duckdb"), ("--hash-ids", "secret")],
)
def test_unsupported_option_is_one_line(tmp_path: Path, option: str, value: str) -> None:
    """Refused before Spark starts, with exit 2 and one line naming the option."""
    result = invoke("audit", "--engine", "spark", "-t", tmp_path / "t.parquet",
                    option, tmp_path / value, "--lang", "en")  # fmt: skip
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and option in lines[0] and "--engine spark" in lines[0]


def test_bad_spark_conf_is_one_line(tmp_path: Path) -> None:
    result = invoke("audit", "--engine", "spark", "-t", tmp_path / "t.parquet",
                    "--spark-conf", "no-equals-sign", "--lang", "zh")  # fmt: skip
    assert result.exit_code == 2
    assert "--spark-conf 'no-equals-sign'" in result.output and "key=value" in result.output


def test_findings_must_be_a_parquet_dataset(tmp_path: Path) -> None:
    result = invoke("audit", "--engine", "spark", "-t", tmp_path / "t.parquet",
                    "--findings", tmp_path / "findings.csv", "--lang", "en")  # fmt: skip
    assert result.exit_code == 2 and "Parquet dataset" in result.output
    assert not (tmp_path / "findings.csv").exists()


@pytest.fixture(scope="module")
def roster(tmp_path_factory) -> Path:
    if os.environ.get("CI") != "true":
        from trainaudit.spark.session import java_missing

        if java_missing():
            pytest.skip(java_missing())
    folder = tmp_path_factory.mktemp("spark_cli")
    loaded = read_table(ROOT / "sample_data" / "trainees.xlsx", "trainees")
    path = folder / "trainees.parquet"
    pq.write_table(loaded.original.drop(["_row"]), path)
    return path


def test_findings_dataset_and_baseline(roster: Path, tmp_path: Path) -> None:
    """Findings land in rule=CODE directories with the counts the summary gives; run
    again with that dataset as the baseline, nothing is reported and all is counted."""
    common = ["audit", "--engine", "spark", "--spark-master", "local[2]", "-t", roster,
              "--rules", "R203,I109", "--format", "json", "--lang", "en"]  # fmt: skip
    first = invoke(*common, "--findings", tmp_path / "f.parquet")
    summary = json.loads(first.stdout)
    assert first.exit_code == 1 and summary["engine"] == "spark"
    counts = {code: r["findings"] for code, r in summary["rules"].items()}
    assert counts["R203"] >= 1 and counts["I109"] >= 1
    written = {p.name for p in (tmp_path / "f.parquet").iterdir() if p.is_dir()}
    assert written == {"rule=R203", "rule=I109"}
    rows = pq.read_table(tmp_path / "f.parquet").to_pylist()
    assert len(rows) == sum(counts.values())
    again = invoke(*common, "--baseline", tmp_path / "f.parquet")
    summary = json.loads(again.stdout)
    assert again.exit_code == 0
    assert {c: (r["findings"], r["baselined"]) for c, r in summary["rules"].items()} == {
        c: (0, n) for c, n in counts.items()
    }

"""Two nights of an auditor's cron job, end to end through the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
from casefile import expand
from corpus import HEADER_WITH_GENDER as HEADER
from typer.testing import CliRunner

from trainaudit.cli import app

runner = CliRunner()
ZHANG = "@140105-19900102-123"
LI = "@140107-19850506-222"
ZHAO = "@140107-19880506-333"
WANG = "@140105-19920304-445"

NIGHT1 = [
    ["张伟", ZHANG, "男", "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"],
    ["李娜", LI, "女", "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"],
    ["赵敏", ZHAO, "女", "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"],  # I108
]
NIGHT2 = [
    ["王强", WANG, "男", "乙机构", "N1", "焊工", "五级", "2021-04-01", "2021-04-20"],
    ["张伟", ZHANG, "男", "乙机构", "N2", "电工", "中级工", "2021-03-01", "2021-03-20"],  # R202
    ["李明", LI, "女", "乙机构", "N1", "焊工", "五级", "2021-04-01", "2021-04-20"],  # I110
]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows([[expand(v) for v in row] for row in rows])
    return path


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def findings(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open(encoding="utf-8-sig")))


def test_two_nights(tmp_path):
    store = tmp_path / "history.duckdb"
    assert cli("history", "init", "--store", store).exit_code == 0

    # night 1: audit the upload against the (empty) history, then accept it
    night1 = write(tmp_path / "county-a-0301.csv", NIGHT1)
    done = cli("audit", "-t", night1, "--history", store, "--findings", tmp_path / "n1.csv",
               "--lang", "en", "--format", "json")  # fmt: skip
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["by_rule"] == {"I108": 1} and summary["history"]["uploads"] == 0
    added = cli("history", "add", night1, "--store", store)
    assert added.exit_code == 0 and "added" in added.stdout
    again = cli("history", "add", "--trainees", night1, "--store", store)
    assert again.exit_code == 0 and "not added again" in again.stdout

    # night 2: a new upload repeats a night-1 person; only its own findings are reported
    night2 = write(tmp_path / "county-b-0302.csv", NIGHT2)
    n2 = tmp_path / "n2.csv"
    done = cli("audit", "-t", night2, "--history", store, "--findings", n2, "--lang", "en",
               "--format", "json")  # fmt: skip
    assert done.exit_code == 1, done.output
    got = {(f["rule"], int(f["row"])): f["message"] for f in findings(n2)}
    assert got == {
        ("R202", 3): "already trained in 电工 at 四级 (class C1, county-a-0301.csv row 2)",
        ("I110", 4): "name 李明 is a near-identical variant of 李娜, the name of this ID at "
        "county-a-0301.csv row 3: a typing slip?",
    }
    summary = json.loads(done.stdout)
    assert summary["exit_code"] == 1 and summary["findings"] == 2
    assert summary["history"]["uploads"] == 1 and summary["outputs"] == [str(n2)]

    # the diff of the two nights: exactly night 2's findings are new
    diff = cli("diff", tmp_path / "n1.csv", n2, "--format", "json")
    assert diff.exit_code == 1
    changes = json.loads(diff.stdout)
    assert {r["fingerprint"] for r in changes["new"]} == {f["fingerprint"] for f in findings(n2)}
    assert [r["rule"] for r in changes["resolved"]] == ["I108"]  # a history row: not re-reported
    assert changes["persisting"] == [] and ZHANG not in diff.stdout  # IDs masked

    # the auditor accepts the repeat training (approved retake); the error stops failing
    (r202,) = [f for f in findings(n2) if f["rule"] == "R202"]
    waivers = tmp_path / "waivers.csv"
    waivers.write_text(
        f"fingerprint,reason,who,until\n{r202['fingerprint']},省厅批准复训,王审计,2099-12-31\n",
        encoding="utf-8",
    )
    n2w, report = tmp_path / "n2w.csv", tmp_path / "n2w.xlsx"
    done = cli("audit", "-t", night2, "--history", store, "--waivers", waivers, "--findings", n2w,
               "--out", report, "--lang", "en", "--format", "json")  # fmt: skip
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert (summary["waived"], summary["by_rule"]) == (1, {"I110": 1})
    assert [f["rule"] for f in findings(n2w)] == ["I110"]
    waived = list(openpyxl.load_workbook(report)["Waived"].iter_rows(min_row=2, values_only=True))
    assert [(w[0], w[4], w[8], w[9], w[10]) for w in waived] == [
        ("R202", 3, r202["fingerprint"], "省厅批准复训", "王审计")
    ]
    diff = json.loads(cli("diff", tmp_path / "n1.csv", n2w, "--format", "json").stdout)
    assert [r["rule"] for r in diff["new"]] == ["I110"]

    # the clerk sends night 2 again, re-sorted, with the name corrected: nothing new
    fixed = [["李娜", *NIGHT2[2][1:]], NIGHT2[0], NIGHT2[1]]  # 张伟 moves from row 3 to 4
    resent = write(tmp_path / "county-b-0302-v2.csv", fixed)
    n2b = tmp_path / "n2b.csv"
    done = cli("audit", "-t", resent, "--history", store, "--baseline", n2, "--findings", n2b,
               "--lang", "en", "--format", "json")  # fmt: skip
    assert done.exit_code == 0
    assert json.loads(done.stdout)["baselined"] == 1
    # the file records what --baseline left out (issue 14.4): the R202, as known
    assert [(f["rule"], f["baseline"]) for f in findings(n2b)] == [("R202", "known")]
    changes = json.loads(cli("diff", n2, n2b, "--format", "json").stdout)
    assert changes["counts"] == {"new": 0, "resolved": 1, "persisting": 1, "known": 1}
    assert changes["resolved"][0]["rule"] == "I110"  # corrected: gone
    assert changes["persisting"][0]["rule"] == "R202"  # left out as known: not gone
    assert changes["persisting"][0]["baseline"] == "known"
    # and the file is the next baseline: the known finding stays quiet
    n2c = tmp_path / "n2c.csv"
    done = cli("audit", "-t", resent, "--history", store, "--baseline", n2b, "--findings", n2c,
               "--format", "json")  # fmt: skip
    assert done.exit_code == 0 and json.loads(done.stdout)["baselined"] == 1
    full = tmp_path / "n2b-full.csv"
    assert cli("audit", "-t", resent, "--history", store, "--findings", full, "-q").exit_code == 1
    done = cli("diff", n2, full, "--format", "json")
    assert done.exit_code == 0  # nothing new
    changes = json.loads(done.stdout)
    assert changes["counts"] == {"new": 0, "resolved": 1, "persisting": 1, "known": 0}
    assert changes["persisting"][0]["row"] == 4 and changes["resolved"][0]["rule"] == "I110"


def test_json_summary_for_an_input_error(tmp_path):
    done = cli("audit", "-t", tmp_path / "missing.csv", "--format", "json")
    assert done.exit_code == 2
    assert json.loads(done.stdout)["exit_code"] == 2 and "missing.csv" in done.stderr


# --------------------------------------------------------------- the documented cron job

DOCS = Path(__file__).resolve().parent.parent / "docs" / "nightly.md"


def documented_script() -> str:
    """The nightly.sh of docs/nightly.md, exactly as the guide prints it."""
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("```sh\n#!/bin/sh") + len("```sh\n")
    return text[start : text.index("```", start)]


def xlsx_upload(path: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append([expand(v) for v in row])
    book.save(path)
    return path


def run_night(folder: Path, day: str) -> list[str]:
    """One night of cron: the script run from its own folder with `date` saying `day`
    (a fake crontab day), trainaudit on PATH; returns the log lines it appended."""
    import os
    import subprocess
    import sys

    shims = folder.parent / "shims"
    shims.mkdir(exist_ok=True)
    fake_date = shims / "date"
    fake_date.write_text(
        '#!/bin/sh\ncase "$1" in\n  +%F) echo "$FAKE_DAY" ;;\n  *) echo "$FAKE_DAY 02:30:00" ;;\nesac\n',
        encoding="utf-8",
    )
    fake_date.chmod(0o755)
    env = {
        "PATH": os.pathsep.join([str(shims), str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
        "FAKE_DAY": day,
        "HOME": str(folder),
        "LANG": "C.UTF-8",
    }
    done = subprocess.run(["/bin/sh", str(folder / "nightly.sh")], env=env, cwd="/",
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_the_documented_nightly_script_runs_as_written_on_a_fresh_folder(tmp_path):
    folder = tmp_path / "audit"
    folder.mkdir()
    script = folder / "nightly.sh"
    script.write_text(documented_script(), encoding="utf-8")
    script.chmod(0o755)
    (folder / "inbox").mkdir()
    xlsx_upload(folder / "inbox" / "county-a-0301.xlsx", NIGHT1[:2])
    xlsx_upload(folder / "inbox" / "county-c-0301.xlsx", [NIGHT1[0][:3] + ["丙机构", "C9"] + NIGHT1[0][5:]] * 2)  # fmt: skip

    # night 1, a fresh folder: no store, no waivers file, no reference lists
    log = run_night(folder, "2021-03-01")
    assert log == [
        "2021-03-01 02:30:00 inbox/county-a-0301.xlsx: exit 0, accepted; "
        "out/2021-03-01/county-a-0301.json",
        "2021-03-01 02:30:00 inbox/county-c-0301.xlsx: exit 1, review (findings); "
        "out/2021-03-01/county-c-0301.json",
    ]
    assert (folder / "accepted" / "county-a-0301.xlsx").is_file()
    assert (folder / "review" / "county-c-0301.xlsx").is_file()
    summary = json.loads((folder / "out" / "2021-03-01" / "county-a-0301.json").read_text())
    assert summary["exit_code"] == 0 and summary["waived"] == 0
    assert "F506" in summary["skip_reasons"]  # no watchlist yet: skipped, and says why
    assert (folder / "waivers.csv").read_text() == "fingerprint,reason,who,until\n"

    # night 2: a repeat of a person accepted on night 1, and a file that is no workbook
    xlsx_upload(folder / "inbox" / "county-b-0302.xlsx", NIGHT2[1:2])
    (folder / "inbox" / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    log = run_night(folder, "2021-03-02")
    assert log[0].startswith("2021-03-02 02:30:00 inbox/broken.xlsx: exit 2, rejected: ")
    assert "broken.xlsx" in log[0].split("rejected: ", 1)[1]
    assert log[1] == (
        "2021-03-02 02:30:00 inbox/county-b-0302.xlsx: exit 1, review (findings); "
        "out/2021-03-02/county-b-0302.json"
    )
    night2 = json.loads((folder / "out" / "2021-03-02" / "county-b-0302.json").read_text())
    assert night2["by_rule"] == {"R202": 1} and night2["history"]["uploads"] == 1
    broken = json.loads((folder / "out" / "2021-03-02" / "broken.json").read_text())
    assert broken["exit_code"] == 2 and "broken.xlsx" in broken["error"]
    assert (folder / "rejected" / "broken.xlsx").is_file()
    assert sorted(p.name for p in (folder / "inbox").iterdir()) == []


def test_a_missing_file_named_on_the_command_line_is_an_error(tmp_path):
    roster_file = write(tmp_path / "t.csv", NIGHT1)
    for option in ("--waivers", "--baseline", "--watchlist", "--institutions", "--history"):
        done = cli("audit", "-t", roster_file, option, tmp_path / "nope.csv", "--format", "json",
                   "--lang", "en")  # fmt: skip
        assert done.exit_code == 2, option
        assert "nope.csv" in json.loads(done.stdout)["error"], option
    empty = tmp_path / "waivers.csv"
    empty.write_text("fingerprint,reason,who,until\n", encoding="utf-8")
    assert cli("audit", "-t", roster_file, "--waivers", empty, "-q").exit_code == 0

"""Nothing lost, no formula from input text (issue 5, items 3 and 4).

Inputs are never modified; outputs appear whole or not at all; an output may not name
an input however the path is spelled; no output workbook cell is a formula; CSV
findings escape what a spreadsheet would run.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest
from corpus import ALICE, HEADER, ROWS, roster_csv, roster_xlsx
from typer.testing import CliRunner

from trainaudit import api
from trainaudit.cli import app
from trainaudit.model import Finding, Severity
from trainaudit.report import files as findings_files
from trainaudit.report import workbook as workbook_module
from trainaudit.report.files import csv_safe, write_findings

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def strays(folder: Path) -> list[str]:
    """Temporary files atomic_path leaves only when killed hard."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --- inputs are never modified --------------------------------------------------------------


def test_a_full_audit_modifies_no_input(tmp_path):
    inputs = {}
    for name in ("trainees.xlsx", "certificates.csv", "payments.csv", "institutions.csv",
                 "watchlist.csv", "occupations.csv"):  # fmt: skip
        inputs[name] = shutil.copy(SAMPLES / name, tmp_path / name)
    before = {name: (sha256(Path(p)), os.stat(p).st_mtime_ns) for name, p in inputs.items()}
    result = invoke(
        "audit", "--trainees", inputs["trainees.xlsx"], "--certificates", inputs["certificates.csv"],
        "--payments", inputs["payments.csv"], "--institutions", inputs["institutions.csv"],
        "--watchlist", inputs["watchlist.csv"], "--occupations", inputs["occupations.csv"],
        "--out", tmp_path / "report.xlsx", "--findings", tmp_path / "findings.csv", "-q",
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    after = {name: (sha256(Path(p)), os.stat(p).st_mtime_ns) for name, p in inputs.items()}
    assert after == before
    assert (tmp_path / "report.xlsx").exists() and (tmp_path / "findings.csv").exists()
    assert strays(tmp_path) == []


# --- outputs are written whole or not at all ------------------------------------------------


def test_a_failure_while_writing_the_workbook_leaves_nothing(tmp_path, monkeypatch):
    path = roster_xlsx(tmp_path / "t.xlsx", ROWS * 2)
    out = tmp_path / "report.xlsx"

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    # the Findings sheet is written, then the Summary fails: a half-made book on disk
    monkeypatch.setattr(workbook_module, "_write_summary_sheet", broken)
    result = invoke("audit", "-t", path, "--out", out, "-q")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert strays(tmp_path) == []


def test_a_failure_keeps_the_previous_output(tmp_path, monkeypatch):
    path = roster_csv(tmp_path / "t.csv", ROWS * 2)
    found = tmp_path / "findings.csv"
    assert invoke("audit", "-t", path, "--findings", found, "-q").exit_code == 1
    previous = found.read_bytes()
    calls = {"n": 0}

    def fail_midway(value):
        calls["n"] += 1
        if calls["n"] > 20:
            raise KeyboardInterrupt  # Ctrl-C halfway through the rows
        return value

    monkeypatch.setattr(findings_files, "csv_safe", fail_midway)
    result = invoke("audit", "-t", path, "--findings", found, "-q")
    assert result.exit_code == 130
    assert found.read_bytes() == previous
    assert strays(tmp_path) == []


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_findings_file_is_replaced_at_once(tmp_path, suffix):
    target = tmp_path / f"f{suffix}"
    target.write_bytes(b"old")
    write_findings([_finding("=1+1")], target)
    assert target.read_bytes() != b"old"
    assert strays(tmp_path) == []


# --- an output may not be an input ----------------------------------------------------------


def _spellings(tmp_path: Path, path: Path) -> dict[str, Path]:
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.csv"
    link.symlink_to(path)
    hard = tmp_path / "hard.csv"
    os.link(path, hard)
    return {
        "same": path,
        "dotdot": tmp_path / "sub" / ".." / path.name,
        "dot": tmp_path / "." / path.name,
        "symlink": link,
        "hardlink": hard,
    }


@pytest.mark.parametrize("spelling", ["same", "dotdot", "dot", "symlink", "hardlink"])
@pytest.mark.parametrize("option", ["--out", "--findings"])
def test_output_may_not_be_an_input_under_any_spelling(tmp_path, spelling, option):
    path = roster_csv(tmp_path / "t.csv", ROWS * 2)
    before = sha256(path)
    target = _spellings(tmp_path, path)[spelling]
    result = invoke("audit", "-t", path, option, target, "-q")
    assert result.exit_code == 2
    assert "is an input file" in result.stderr  # not merely a wrong suffix
    assert sha256(path) == before


def test_workbook_output_may_not_be_the_xlsx_input_via_a_symlink(tmp_path):
    path = roster_xlsx(tmp_path / "t.xlsx", ROWS * 2)
    link = tmp_path / "report.xlsx"
    link.symlink_to(path)
    before = sha256(path)
    result = invoke("audit", "-t", path, "--out", link, "-q")
    assert result.exit_code == 2 and "input file" in result.stderr
    assert sha256(path) == before


def test_out_and_findings_may_not_be_one_file(tmp_path):
    path = roster_csv(tmp_path / "t.csv")
    result = invoke("audit", "-t", path, "--out", tmp_path / "x.xlsx",
                    "--findings", tmp_path / "sub" / ".." / "x.xlsx", "-q")  # fmt: skip
    assert result.exit_code == 2 and "both --out and --findings" in result.stderr


def test_nothing_is_written_when_a_target_is_refused(tmp_path):
    path = roster_csv(tmp_path / "t.csv", ROWS * 2)
    found = tmp_path / "findings.csv"
    result = invoke("audit", "-t", path, "--findings", found, "--out", tmp_path / "r.txt", "-q")
    assert result.exit_code == 2
    assert not found.exists()


# --- no formula from input text -------------------------------------------------------------

HOSTILE = [
    "=1+1",
    '=HYPERLINK("http://example.invalid","x")',
    "=cmd|' /C calc'!A0",
    "+SUM(1)",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


def _hostile_rows() -> list[list]:
    rows = []
    for i, text in enumerate(HOSTILE):
        row = list(ROWS[i % 2])
        row[0] = text  # the name
        row[2] = text  # the institution
        row[3] = text  # the class
        rows.append(row)
    rows.append(list(ROWS[0]))  # a duplicate enrollment: findings quote the ID
    return rows


def _formula_cells(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    found = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    isinstance(cell.value, str)
                    and cell.data_type != "s"
                    and cell.value.startswith("=")
                ):
                    found.append(f"{ws.title}!{cell.coordinate}")
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            xml = zf.read(name)
            if name.startswith("xl/worksheets/") and (b"<f>" in xml or b"<f " in xml):
                found.append(name)
    return found


def _text_xlsx(path: Path, rows: list[list]) -> Path:
    """A roster whose cells are text, even those starting with `=` (typed as '=1+1)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.data_type = "s"
    wb.save(path)
    return path


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_no_output_workbook_cell_is_a_formula(tmp_path, kind):
    """Both writers: openpyxl (a copy of the user's .xlsx) and xlsxwriter (fresh sheets).
    (A formula the user wrote in their own workbook stays in their copy: it is theirs,
    not text of theirs that we turned into a formula.)"""
    writer = _text_xlsx if kind == "xlsx" else roster_csv
    path = writer(tmp_path / f"t.{kind}", _hostile_rows())
    out = tmp_path / "report.xlsx"
    result = invoke("audit", "-t", path, "--out", out, "-q", "--fail-on", "never")
    assert result.exit_code == 0, result.stderr
    assert _formula_cells(out) == []
    texts = {
        c.value for ws in openpyxl.load_workbook(out).worksheets for r in ws.iter_rows() for c in r
    }
    assert "=cmd|' /C calc'!A0" in texts  # kept as the text it is, not dropped


def _finding(text: str) -> Finding:
    return Finding(
        rule="D004", name=text, severity=Severity.ERROR, table="trainees", row=2,
        id_number=ALICE, subject=text, message=text, source=text, sheet=text,
        column="name", value=text,
    )  # fmt: skip


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_csv_findings_escape_every_text_column(tmp_path, text):
    target = tmp_path / "f.csv"
    write_findings([_finding(text)], target)
    with target.open(encoding="utf-8", newline="") as fh:
        record = list(csv.DictReader(fh))[0]
    for column in ("name", "subject", "message", "source", "sheet", "value"):
        assert record[column] == "'" + text, column
    assert record["row"] == "2"
    assert record["id_number"] == ALICE


def test_csv_safe_leaves_ordinary_text_alone():
    assert csv_safe("张三") == "张三"
    assert csv_safe("a=b") == "a=b"
    assert csv_safe(12) == 12
    assert csv_safe(None) is None


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_jsonl_and_parquet_keep_the_exact_text(tmp_path, suffix):
    """Not opened by spreadsheets as formulas: the data stays exactly as found."""
    target = tmp_path / f"f{suffix}"
    write_findings([_finding("=1+1")], target)
    if suffix == ".jsonl":
        record = json.loads(target.read_text(encoding="utf-8").splitlines()[0])
    else:
        record = pq.read_table(target).to_pylist()[0]
    assert record["message"] == "=1+1" and record["subject"] == "=1+1"


def test_api_and_cli_write_the_same_escaped_csv(tmp_path):
    path = roster_csv(tmp_path / "t.csv", _hostile_rows())
    via_cli = tmp_path / "cli.csv"
    result = invoke("audit", "-t", path, "--findings", via_cli, "-q", "--fail-on", "never",
                    "--lang", "en")  # fmt: skip
    assert result.exit_code == 0
    via_api = tmp_path / "api.csv"
    api.write_outputs(api.audit(trainees=path, lang="en"), findings=via_api)
    assert via_cli.read_bytes() == via_api.read_bytes()
    for record in csv.DictReader(via_cli.open(encoding="utf-8-sig", newline="")):
        for value in record.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


# ------------------------------------------------------------- issue 14: umask, CSV encoding


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
@pytest.mark.parametrize("option,name", [("--findings", "f.csv"), ("--findings", "f.parquet"),
                                         ("--out", "r.xlsx")])  # fmt: skip
def test_outputs_are_created_with_the_users_umask(tmp_path, umask, option, name):
    source = roster_csv(tmp_path / "t.csv")
    old = os.umask(umask)
    try:
        result = invoke("audit", "-t", source, option, tmp_path / name, "-q")
    finally:
        os.umask(old)
    assert result.exit_code in (0, 1), result.output
    assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_output_replaced_keeps_its_permissions(tmp_path):
    source = roster_csv(tmp_path / "t.csv")
    target = tmp_path / "f.csv"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    assert invoke("audit", "-t", source, "--findings", target, "-q").exit_code in (0, 1)
    assert target.stat().st_mode & 0o777 == 0o640
    assert target.read_bytes().startswith(b"\xef\xbb\xbfrule,")


def test_findings_csv_is_utf8_with_bom_and_crlf_and_reads_back_exactly(tmp_path):
    tricky = [
        "培训机构“甲”, 第2行",  # Chinese, a comma, curly quotes
        'a "quoted" word',
        "two\nlines",  # a line break inside a field stays as it was
        "trailing space ",
        "１２３ full width",
    ]
    found = [
        Finding("R201", "duplicate-enrollment", Severity.ERROR, "trainees", i + 2, ALICE, ALICE,
                text, source="名单.xlsx", sheet="花名册", column="id_number", value=text,
                fingerprint=f"R201-{i:016x}")
        for i, text in enumerate(tricky)
    ]  # fmt: skip
    path = tmp_path / "f.csv"
    write_findings(found, path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM, once
    assert data.count(b"\xef\xbb\xbf") == 1
    records = data[3:].split(b"\r\n")
    assert (
        records[0]
        == b"rule,name,severity,table,row,id_number,subject,message,source,sheet,column,value,fingerprint"
    )
    assert records[-1] == b""  # every record, the last included, ends in CRLF
    with path.open(encoding="utf-8-sig", newline="") as fh:
        back = list(csv.DictReader(fh))
    expected = [{k: "" if v is None else str(v) for k, v in f.as_record().items()} for f in found]
    assert back == expected

"""What a script reads (issue 14): exit codes, the JSON object on stdout, skipped rules
with their reason, several files per table."""

from __future__ import annotations

import csv
import json

import pytest
from corpus import ALICE, BOB, HEADER, write_csv
from typer.testing import CliRunner

from trainaudit import api
from trainaudit.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(map(str, args)))


def roster(path, rows, header=HEADER):
    return write_csv(path, [header, *rows])


CLEAN = [
    ["张伟", ALICE, "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"],
    ["李娜", BOB, "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"],
]


def as_json(result) -> dict:
    """The one JSON object on stdout (whatever else went to stderr)."""
    return json.loads(result.stdout)


# ---------------------------------------------------------------- item 2: skipped, not passed

ID_RULES = {f"I1{n:02d}" for n in range(1, 13)}
PERSON_RULES = {"R201", "R202", "R203", "R204"}


def test_rules_on_an_absent_id_column_are_skipped_with_the_reason(tmp_path):
    header = [h for h in HEADER if h != "身份证号码"]
    path = roster(tmp_path / "t.csv", [[c for c in r if c not in (ALICE, BOB)] for r in CLEAN],
                  header)  # fmt: skip
    result = invoke("audit", "-t", path, "--format", "json", "--lang", "en")
    assert result.exit_code == 2
    out = as_json(result)
    assert "D001" in out["error"] and "id_number" in out["error"]
    assert not (ID_RULES | PERSON_RULES) & set(out["rules"]["passed"])
    assert (ID_RULES | PERSON_RULES) <= set(out["rules"]["skipped"])
    assert out["skip_reasons"]["I101"] == "trainees has no id_number column"
    assert out["skip_reasons"]["R202"] == "trainees has no id_number column"
    report = api.audit(trainees=path, lang="zh")
    detail = {r.code: r.detail for r in report.results}
    assert detail["I102"] == "花名册无「身份证号码」列，未核查"
    console = invoke("audit", "-t", path, "--lang", "en")
    assert "trainees has no" in console.stdout


def test_an_any_table_rule_runs_where_the_column_is_and_says_where_it_is_not(tmp_path):
    trainees = roster(tmp_path / "t.csv", [[*CLEAN[0][:1], "1234", *CLEAN[0][2:]]])
    payments = write_csv(
        tmp_path / "p.csv",
        [["支付编号", "培训机构", "补贴类型", "金额", "支付日期"],
         ["P1", "甲机构", "培训补贴", "800", "2020-05-01"]],
    )  # fmt: skip
    report = api.audit(trainees=trainees, payments=payments, lang="en")
    i101 = next(r for r in report.results if r.code == "I101")
    assert i101.status.value == "failed"
    assert i101.detail == "payments has no id_number column"
    p401 = next(r for r in report.results if r.code == "P401")
    assert p401.status.value == "skipped" and p401.detail == "payments has no id_number column"


# ---------------------------------------------------------------- item 5: every exit path


def test_exit_0_and_1_json(tmp_path):
    clean = roster(tmp_path / "t.csv", CLEAN)
    result = invoke("audit", "-t", clean, "--format", "json")
    assert result.exit_code == 0 and as_json(result)["exit_code"] == 0
    assert "error" not in as_json(result)
    dup = roster(tmp_path / "d.csv", CLEAN + CLEAN[:1])
    result = invoke("audit", "-t", dup, "--format", "json")
    assert result.exit_code == 1 and as_json(result)["exit_code"] == 1
    assert as_json(result)["by_rule"]["R201"] == 1


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "-t", "{missing}", "--format", "json"],  # our InputError
        ["audit", "-t", "{clean}", "--fail-on", "sometimes", "--format", "json"],  # bad value
        ["audit", "-t", "{clean}", "--no-such-option", "--format", "json"],  # mistyped option
        ["audit", "--format", "json", "-t"],  # option without its value
        ["validate", "--format", "json"],  # missing argument
        ["audit", "-t", "{clean}", "--policy", "{bad_policy}", "--format", "json"],
        ["diff", "{missing}", "{missing}", "--format", "json"],
        ["history", "list", "--store", "{missing}", "--format", "json"],
    ],
)
def test_every_exit_2_prints_one_json_object_with_error(tmp_path, args):
    clean = roster(tmp_path / "t.csv", CLEAN)
    bad_policy = tmp_path / "policy.toml"
    bad_policy.write_text("max_class_size = 'big'\n", encoding="utf-8")
    names = {"missing": tmp_path / "nope.csv", "clean": clean, "bad_policy": bad_policy}
    result = invoke(*[a.format(**names) for a in args])
    assert result.exit_code == 2, result.output
    out = as_json(result)
    assert out["exit_code"] == 2 and out["error"].strip()
    assert "Traceback" not in result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_usage_error_without_json_is_one_line_exit_2(tmp_path):
    result = invoke("audit", "--no-such-option")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--no-such-option" in result.stderr


def test_debug_keeps_exit_2(tmp_path):
    result = invoke("audit", "-t", tmp_path / "nope.csv", "--debug")
    assert result.exit_code == 2
    assert "not found" in result.stderr
    assert "Traceback" in result.stderr  # --debug shows where


def test_debug_keeps_exit_2_for_an_unauditable_input(tmp_path):
    header = [h for h in HEADER if h != "结业日期"]
    path = roster(tmp_path / "t.csv", [r[:-1] for r in CLEAN], header)
    assert invoke("audit", "-t", path, "--debug", "-q").exit_code == 2


def test_findings_csv_of_a_cli_run_reads_back_with_csv(tmp_path):
    path = roster(tmp_path / "t.csv", CLEAN + CLEAN[:1])
    out = tmp_path / "f.csv"
    assert invoke("audit", "-t", path, "--findings", out, "-q").exit_code == 1
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["rule"] for r in rows] == ["D007", "R201"]


# ---------------------------------------------------------------- item 1: several files per table


def county_rosters(tmp_path):
    """Two counties' rosters: ALICE in both (same level twice, overlapping classes); the
    second file has English headers in another order (mapped on its own)."""
    a = roster(tmp_path / "county-a.csv", [CLEAN[0], ["王芳", BOB, "甲机构", "C2", "焊工", "五级",
                                                     "2020-06-01", "2020-06-10"]])  # fmt: skip
    b = write_csv(
        tmp_path / "county-b.csv",
        [["id number", "name", "class", "institution", "occupation", "level", "start date",
          "end date"],
         [ALICE, "张伟", "K7", "乙机构", "电工", "四级", "2020-03-10", "2020-03-30"]],
    )  # fmt: skip
    return a, b


def test_files_of_one_table_are_audited_together(tmp_path):
    a, b = county_rosters(tmp_path)
    out = tmp_path / "f.csv"
    result = invoke("audit", "-t", a, "-t", b, "--findings", out, "--format", "json",
                    "--lang", "en")  # fmt: skip
    assert result.exit_code == 1, result.output
    with out.open(encoding="utf-8-sig", newline="") as fh:
        found = {(r["rule"], r["source"], r["row"]): r["message"] for r in csv.DictReader(fh)}
    assert found[("R202", "county-b.csv", "2")] == (
        "already trained in 电工 at 四级 (class C1, county-a.csv row 2)"
    )
    assert ("R204", "county-a.csv", "2") in found and ("R204", "county-b.csv", "2") in found
    inputs = as_json(result)["inputs"]["trainees"]
    assert [(i["path"], i["rows"]) for i in inputs] == [(str(a), 2), (str(b), 1)]


def test_each_file_alone_misses_what_both_show(tmp_path):
    a, b = county_rosters(tmp_path)
    assert invoke("audit", "-t", a, "-q").exit_code == 0
    assert invoke("audit", "-t", b, "-q").exit_code == 0
    assert invoke("audit", "-t", a, "-t", b, "-q").exit_code == 1


def test_annual_limit_counts_enrollments_in_every_file(tmp_path):
    rows = [["张伟", ALICE, "甲机构", f"C{m}", f"工种{m}", "四级", f"2020-0{m}-01", f"2020-0{m}-05"]
            for m in range(1, 5)]  # fmt: skip
    files = [roster(tmp_path / f"r{i}.csv", [row]) for i, row in enumerate(rows)]
    report = api.audit(trainees=files, lang="en")
    r203 = [f for f in report.findings if f.rule == "R203"]
    assert [(f.source, f.row) for f in r203] == [("r3.csv", 2)]


def test_a_glob_names_every_matching_file(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    a, b = county_rosters(inbox)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "f.jsonl"
    result = invoke("audit", "-t", "inbox/*.csv", "--findings", out, "--format", "json")
    assert result.exit_code == 1
    assert [i["path"] for i in as_json(result)["inputs"]["trainees"]] == [
        "inbox/county-a.csv",
        "inbox/county-b.csv",
    ]
    missing = invoke("audit", "-t", "inbox/*.xlsx", "--format", "json")
    assert missing.exit_code == 2 and "inbox/*.xlsx: no file matches" in as_json(missing)["error"]


def test_validate_takes_several_files(tmp_path):
    a, b = county_rosters(tmp_path)
    result = invoke("validate", a, b, "--table", "trainees", "--format", "json")
    assert result.exit_code == 1 and as_json(result)["by_rule"]["R202"] == 1


def test_the_same_file_twice_is_refused(tmp_path):
    a, _ = county_rosters(tmp_path)
    result = invoke("audit", "-t", a, "-t", a, "--format", "json", "--lang", "en")
    assert result.exit_code == 2
    assert "given twice, as --trainees and as --trainees" in as_json(result)["error"]


def test_a_file_missing_a_required_column_is_named(tmp_path):
    a, _ = county_rosters(tmp_path)
    header = [h for h in HEADER if h != "班级编号"]
    c = roster(tmp_path / "county-c.csv", [[v for v in CLEAN[1] if v != "C1"]], header)
    result = invoke("audit", "-t", a, "-t", c, "--format", "json", "--lang", "en")
    assert result.exit_code == 2
    assert "county-c.csv: no column for class_id" in as_json(result)["error"]
    assert "county-a.csv" not in as_json(result)["error"]
    assert "R201" in as_json(result)["rules"]["skipped"]


def test_workbook_has_one_sheet_per_file_with_its_flagged_cells(tmp_path):
    import openpyxl
    from corpus import write_xlsx

    a, b = county_rosters(tmp_path)
    xa = write_xlsx(tmp_path / "a.xlsx", {"花名册": list(csv.reader(a.open(encoding="utf-8")))})
    xb = write_xlsx(tmp_path / "b.xlsx", {"roster": list(csv.reader(b.open(encoding="utf-8")))})
    out = tmp_path / "report.xlsx"
    assert invoke("audit", "-t", xa, "-t", xb, "--out", out, "-q", "--lang", "en").exit_code == 1
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:2] == ["trainees a.xlsx", "trainees b.xlsx"]
    commented = {
        ws.title: {c.coordinate for row in ws.iter_rows() for c in row if c.comment}
        for ws in book.worksheets[:2]
    }
    # fresh sheets: column A is the row number, then the user's columns in their order
    assert commented == {"trainees a.xlsx": {"H2"}, "trainees b.xlsx": {"G2", "H2"}}
    links = {c.hyperlink.location for c in book["Findings"]["E"] if c.hyperlink}
    assert links == {"'trainees a.xlsx'!H2", "'trainees b.xlsx'!G2", "'trainees b.xlsx'!H2"}


# ---------------------------------------------------------------- item 4: diff of a --baseline file


def test_diff_tells_left_out_as_known_from_gone(tmp_path):
    """The issue's numbers: 12 findings, 2 fixed, NEW written with --baseline OLD. diff
    used to say 12 resolved / 0 persisting; the truth is 2 / 10."""
    import datetime as dt

    from trainaudit.ids import make_id

    people = [make_id("140105", dt.date(1990, 1, 1) + dt.timedelta(days=i), 123) for i in range(12)]
    rows = [
        ["张伟", pid, "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"] for pid in people
    ]
    before = roster(tmp_path / "before.csv", rows + rows)  # everyone enrolled twice: 12 x R201
    after = roster(tmp_path / "after.csv", rows + rows[2:])  # two duplicates removed
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    assert invoke("audit", "-t", before, "--rules", "R201", "--findings", old, "-q").exit_code == 1
    done = invoke("audit", "-t", after, "--rules", "R201", "--baseline", old, "--findings", new,
                  "--format", "json")  # fmt: skip
    assert done.exit_code == 0 and as_json(done)["baselined"] == 10
    diff = invoke("diff", old, new, "--format", "json")
    assert as_json(diff)["counts"] == {"new": 0, "resolved": 2, "persisting": 10, "known": 10}
    assert diff.exit_code == 0

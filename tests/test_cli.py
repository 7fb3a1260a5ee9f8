"""The command line: exit codes 0/1/2, one-line errors, CLI output equal to the API's."""

from __future__ import annotations

import csv

from corpus import ALICE, BOB
from corpus import HEADER_WITH_GENDER as HEADER
from typer.testing import CliRunner

from trainaudit import api
from trainaudit.cli import app
from trainaudit.report.files import COLUMNS, write_findings

runner = CliRunner()


def roster(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def clean_rows():
    return [
        ["张伟", ALICE, "男", "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"],
        ["李娜", BOB, "女", "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"],
    ]


def invoke(*args):
    return runner.invoke(app, list(map(str, args)))


def test_clean_roster_exits_0(tmp_path):
    result = invoke("audit", "--trainees", roster(tmp_path / "t.csv", clean_rows()), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "Audit result" in result.stdout


def test_error_finding_exits_1_and_fail_on_never_exits_0(tmp_path):
    rows = clean_rows() + [
        ["张伟", ALICE, "男", "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"]
    ]
    path = roster(tmp_path / "t.csv", rows)
    assert invoke("audit", "-t", path, "--lang", "en").exit_code == 1
    assert invoke("audit", "-t", path, "--fail-on", "never", "-q").exit_code == 0


def test_warning_only_exits_0_by_default_and_1_with_fail_on_warning(tmp_path):
    rows = clean_rows()
    rows[0][2] = "女"  # gender contradicts the ID: I108, a warning
    path = roster(tmp_path / "t.csv", rows)
    assert invoke("audit", "-t", path, "-q").exit_code == 0
    assert invoke("audit", "-t", path, "-q", "--fail-on", "warning").exit_code == 1


def test_missing_file_is_one_line_exit_2(tmp_path):
    result = invoke("audit", "-t", tmp_path / "nope.xlsx")
    assert result.exit_code == 2
    assert "nope.xlsx" in result.stderr and "not found" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_required_column_exits_2_and_reports_d001(tmp_path):
    path = tmp_path / "t.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER[:4], ["张伟", ALICE, "男", "甲机构"]])
    findings = tmp_path / "f.csv"
    result = invoke("audit", "-t", path, "--findings", findings, "--lang", "en", "-q")
    assert result.exit_code == 2
    assert "D001" in result.stderr
    rows = list(csv.DictReader(findings.open(encoding="utf-8-sig")))
    assert {r["rule"] for r in rows} == {"D001"}
    assert {r["column"] for r in rows} >= {
        "class_id",
        "occupation",
        "start_date",
        "end_date",
    }
    assert "level" not in {r["column"] for r in rows}  # optional in trainees (SPEC §2)


def test_cli_findings_equal_api_findings(tmp_path):
    rows = clean_rows() + [
        [
            "王五",
            "11010519491231002",
            "男",
            "甲机构",
            "C2",
            "焊工",
            "五级",
            "2020.4.1",
            "2020年3月1日",
        ]
    ]
    path = roster(tmp_path / "t.csv", rows)
    cli_file = tmp_path / "cli.csv"
    result = invoke(
        "audit", "-t", path, "--findings", cli_file, "--lang", "en", "-q", "--fail-on", "never"
    )
    assert result.exit_code == 0, result.output
    report = api.audit(trainees=path, lang="en")
    api_file = tmp_path / "api.csv"
    write_findings(report.findings, api_file)
    assert cli_file.read_bytes() == api_file.read_bytes()
    header = next(csv.reader(cli_file.open(encoding="utf-8-sig")))
    assert header[:8] == [
        "rule",
        "name",
        "severity",
        "table",
        "row",
        "id_number",
        "subject",
        "message",
    ]
    assert tuple(header) == COLUMNS
    assert {"I101", "D004"} <= {f.rule for f in report.findings}


def test_ids_masked_on_console_unless_show_ids(tmp_path):
    rows = clean_rows() * 2  # duplicate enrollments put the IDs in the findings list
    path = roster(tmp_path / "t.csv", rows)
    masked = invoke("audit", "-t", path, "--lang", "en")
    assert ALICE not in masked.stdout
    assert ALICE[:6] + "********" + ALICE[-4:] in masked.stdout
    shown = invoke("audit", "-t", path, "--lang", "en", "--show-ids")
    assert ALICE in shown.stdout


def test_validate_runs_only_the_rules_of_that_table(tmp_path):
    path = tmp_path / "p.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [["支付编号", "身份证号码", "培训机构", "补贴类型", "金额", "支付日期"],
             ["P1", ALICE, "甲机构", "培训补贴", "1200", "2020-05-01"]]
        )  # fmt: skip
    findings = tmp_path / "f.jsonl"
    result = invoke("validate", path, "--table", "payments", "--findings", findings, "-q")
    assert result.exit_code == 1
    assert '"rule": "P403"' in findings.read_text(encoding="utf-8")
    assert "P401" not in findings.read_text(encoding="utf-8")


def test_rules_list_and_explain():
    listing = invoke("rules", "--lang", "en")
    assert listing.exit_code == 0 and "R202" in listing.stdout and "repeat-level" in listing.stdout
    explained = invoke("rules", "explain", "i102", "--lang", "en")
    assert (
        explained.exit_code == 0
        and "id-checksum" in explained.stdout
        and "MOD 11-2" in explained.stdout
    )
    assert invoke("rules", "explain", "X999").exit_code == 2


def test_policy_init_then_bad_policy_exits_2(tmp_path):
    target = tmp_path / "policy.toml"
    assert invoke("policy", "init", target).exit_code == 0
    assert "2019" in target.read_text(encoding="utf-8")
    assert invoke("policy", "init", target).exit_code == 2  # never overwrites silently
    target.write_text("max_class_size = 'big'\n", encoding="utf-8")
    result = invoke("audit", "-t", roster(tmp_path / "t.csv", clean_rows()), "--policy", target)
    assert result.exit_code == 2 and "max_class_size" in result.stderr


def test_out_may_not_overwrite_an_input(tmp_path):
    path = roster(tmp_path / "t.csv", clean_rows())
    before = path.read_bytes()
    result = invoke("audit", "-t", path, "--findings", path)
    assert result.exit_code == 2
    assert path.read_bytes() == before

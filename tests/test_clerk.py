"""What a clerk meets around the audit itself (issue 13.7): files not overwritten by
accident, Excel's lock file named as such, a policy file checked and printed as TOML,
documents cited by title."""

from __future__ import annotations

import tomllib

from typer.testing import CliRunner

from trainaudit.cli import app
from trainaudit.policy import DOCUMENTS, Policy, policy_from_mapping

ZH = {"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "TRAINAUDIT_LANG": ""}


def invoke(*args, env=None):
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def test_sample_refuses_to_overwrite_without_force(tmp_path):
    assert invoke("sample", "--out", tmp_path).exit_code == 0
    mine = tmp_path / "payments.csv"
    mine.write_text("my own payments\n", encoding="utf-8")
    again = invoke("--lang", "en", "sample", "--out", tmp_path, env=ZH)
    assert again.exit_code == 2
    assert "already holds" in again.stderr and "--force" in again.stderr
    assert mine.read_text(encoding="utf-8") == "my own payments\n", "nothing was overwritten"
    zh = invoke("sample", "--out", tmp_path, env=ZH)
    assert zh.exit_code == 2 and "已有文件" in zh.stderr and "--force" in zh.stderr
    assert invoke("sample", "--out", tmp_path, "--force").exit_code == 0
    assert mine.read_text(encoding="utf-8") != "my own payments\n"


def test_excel_lock_file_is_named_as_such(tmp_path):
    lock = tmp_path / "~$报名表.xlsx"
    lock.write_bytes(b"\x0bclerk   \x00" * 10)  # what Excel leaves: the user's name, padded
    en = invoke("validate", lock, "--lang", "en")
    assert en.exit_code == 2
    assert "lock file Excel keeps while 报名表.xlsx is open" in en.stderr
    zh = invoke("validate", lock, "--lang", "zh")
    assert zh.exit_code == 2 and "锁定文件" in zh.stderr and "报名表.xlsx" in zh.stderr
    near_miss = tmp_path / "报名表~$.csv"  # ~$ inside a name is an ordinary file
    near_miss.write_text("姓名,身份证号码\n", encoding="utf-8")
    assert "锁定文件" not in invoke("validate", near_miss, "--lang", "zh").stderr


def test_policy_check_prints_toml_that_reads_back(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(
        'max_class_size = 40\n[header_aliases.trainees]\nclass_id = ["期次"]\n', encoding="utf-8"
    )
    result = invoke("policy", "check", path)
    assert result.exit_code == 0, result.output
    printed = tomllib.loads(result.stdout)
    assert printed["max_class_size"] == 40
    assert printed["header_aliases"] == {"trainees": {"class_id": ["期次"]}}
    assert policy_from_mapping(printed) == policy_from_mapping(tomllib.loads(path.read_text()))


def test_policy_typo_suggests_the_nearest_key(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text("max_class_sise = 40\n", encoding="utf-8")
    en = invoke("policy", "check", path, "--lang", "en")
    assert en.exit_code == 2 and "did you mean max_class_size?" in en.stderr
    zh = invoke("policy", "check", path, "--lang", "zh")
    assert "未知参数 'max_class_sise'；是不是 max_class_size？" in zh.stderr
    path.write_text("colour = 'red'\n", encoding="utf-8")  # nothing near: no guess
    far = invoke("policy", "check", path, "--lang", "en")
    assert far.exit_code == 2 and "did you mean" not in far.stderr and "policy init" in far.stderr


def test_policy_template_cites_documents_by_title(tmp_path):
    for lang in ("zh", "en"):
        path = tmp_path / f"{lang}.toml"
        assert invoke("policy", "init", path, "--lang", lang).exit_code == 0
        text = path.read_text(encoding="utf-8")
        assert policy_from_mapping(tomllib.loads(text)) == Policy()
        assert "seed" not in text.lower() and "种子" not in text
        for number in ("000", "002", "003", "004"):
            assert DOCUMENTS[number] in text, (lang, number)
    assert "吉政办发〔2019〕38号" in (tmp_path / "zh.toml").read_text(encoding="utf-8")


def test_rules_explain_cites_documents_by_title():
    for lang in ("zh", "en"):
        result = invoke("rules", "explain", "R202", "--lang", lang)
        assert result.exit_code == 0
        assert DOCUMENTS["004"] in result.stdout
        assert "seed" not in result.stdout.lower() and "种子" not in result.stdout


def test_i105_quotes_what_excel_shows_beside_the_digits():
    from pathlib import Path

    from trainaudit import api

    trainees = Path(__file__).resolve().parent.parent / "sample_data" / "trainees.xlsx"
    for lang, shown in (
        ("zh", "（Excel中显示为3.70523E+17）"),
        ("en", "(which shows 3.70523E+17)"),
    ):
        report = api.audit(trainees=trainees, rules=["I105"], lang=lang)
        by_row = {f.row: f.message for f in report.findings}
        assert "370523196906115968" in by_row[213] and shown in by_row[213], by_row[213]
        # text already in scientific notation is what Excel showed: not quoted twice
        assert by_row[400].count("E+17") == 1

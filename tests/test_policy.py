"""Policy files: defaults cite the seeds, overrides change results, bad files are refused."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from trainaudit import api
from trainaudit.errors import PolicyError
from trainaudit.ids import make_id
from trainaudit.policy import POLICY_TEMPLATE, Policy, load_policy, write_policy_template


def test_template_loads_to_the_defaults_and_cites_every_seed_value(tmp_path):
    path = write_policy_template(tmp_path / "policy.toml")
    assert load_policy(path) == Policy()
    for sentence in (
        "不超过3次",
        "不超过1000元",
        "每人150元",
        "每人300元",
        "每天15元",
        "５０％",
        "2019年7月1日",
    ):
        assert sentence in POLICY_TEMPLATE


@pytest.mark.parametrize(
    "text, key",
    [
        ("max_trainings_per_yaer = 4\n", "max_trainings_per_yaer"),
        ("max_class_size = 'sixty'\n", "max_class_size"),
        ("training_subsidy_cap = -1\n", "training_subsidy_cap"),
        ("[certificate_subsidy_caps]\n'五级' = -300\n", "certificate_subsidy_caps"),
        ("[certificate_subsidy_caps]\n'六级' = 100\n", "certificate_subsidy_caps"),
        ("advance_share = 1.5\n", "advance_share"),
        ("age_check = 'no'\n", "age_check"),
        ("certificate_policy_start = '2019-13-01'\n", "certificate_policy_start"),
        ("[header_aliases.trainees]\nnot_a_column = ['x']\n", "header_aliases"),
        ("max_class_size = \n", "TOML"),
    ],
)
def test_bad_policy_names_the_key(tmp_path, text, key):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as exc:
        load_policy(path)
    assert key in str(exc.value) and "\n" not in str(exc.value)


def _roster(tmp_path, header):
    person = make_id("140105", dt.date(1955, 1, 1), 123)  # a man of 65 in 2020
    path = tmp_path / "t.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [header, "姓名", "培训机构", "班级编号", "培训工种", "培训等级", "开班日期", "结业日期"]
        )
        writer.writerow(
            [person, "张伟", "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"]
        )
    return path


def test_a_jurisdiction_override_changes_the_result(tmp_path):
    roster = _roster(tmp_path, "身份证号码")
    assert [f.rule for f in api.audit(trainees=roster, rules=["I107"]).findings] == ["I107"]
    policy = tmp_path / "policy.toml"
    policy.write_text("age_check = false\n", encoding="utf-8")
    assert api.audit(trainees=roster, rules=["I107"], policy=policy).findings == []
    policy.write_text("age_max_male = 70\n", encoding="utf-8")
    assert api.audit(trainees=roster, rules=["I107"], policy=policy).findings == []


def test_header_aliases_extend_the_reader(tmp_path):
    roster = _roster(tmp_path, "居民证号")
    policy = tmp_path / "policy.toml"
    policy.write_text("[header_aliases.trainees]\nid_number = ['居民证号']\n", encoding="utf-8")
    report = api.audit(trainees=roster, rules=["I107"], policy=policy)
    assert report.inputs["trainees"].columns["id_number"] == "居民证号"
    assert [f.rule for f in report.findings] == ["I107"]


def test_certificate_caps_merge_with_the_defaults():
    from trainaudit.policy import policy_from_mapping

    policy = policy_from_mapping({"certificate_subsidy_caps": {"中级工": 450}})
    assert policy.certificate_subsidy_caps == {
        "专项职业能力": 150.0,
        "五级": 300.0,
        "三级": 600.0,
        "四级": 450.0,
    }


def test_every_policy_key_says_what_it_means_and_where_it_comes_from():
    from dataclasses import fields

    from trainaudit.policy import DOCUMENTS, MEANING, SOURCES, meaning_of, source_of

    keys = {f.name for f in fields(Policy)}
    assert set(MEANING) == keys
    assert set(SOURCES) <= keys and set(SOURCES.values()) <= set(DOCUMENTS)
    assert meaning_of("certificate_subsidy_caps.五级", "zh").startswith("取证补贴")
    assert source_of("certificate_subsidy_caps.五级") == DOCUMENTS["004"]
    assert source_of("max_class_size") == ""  # a working choice, no document's

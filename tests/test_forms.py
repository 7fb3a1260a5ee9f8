"""Real forms (issue 12): the corpus of layouts in tests/forms/, header matching as a
whole, rows that are not records, facts above the header, one-cell date ranges, the
table recognised; and a property: title, note and footer rows never add a finding."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trainaudit import api
from trainaudit.errors import InputError
from trainaudit.io.layout import split_period
from trainaudit.io.readers import read_table
from trainaudit.io.schema import map_headers

sys.path.insert(0, str(Path(__file__).parent / "forms"))
from build import IDS, LAYOUTS, NAMES, RULES, build  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build(tmp_path_factory.mktemp("forms"))


def _found(path: Path, table: str) -> set[tuple[str, int | None]]:
    report = api.audit(**{table: path}, rules=RULES, only_tables={table}, lang="en")
    return {(f.rule, f.row) for f in report.findings}


@pytest.mark.parametrize("layout", LAYOUTS, ids=[lay.name for lay in LAYOUTS])
def test_each_layout_gives_exactly_its_planted_findings(corpus, layout):
    assert _found(corpus[layout.name], layout.table) == layout.expected


def test_the_corpus_has_fifteen_layouts_or_more():
    assert len(LAYOUTS) >= 15
    assert len({lay.file for lay in LAYOUTS}) == len(LAYOUTS)


def test_facts_above_the_header_fill_the_missing_columns(corpus):
    table = read_table(corpus["county_roster_with_facts"], "trainees")
    data = table.data.to_pydict()
    assert set(data["institution"]) == {"测试职业培训学校"}
    assert set(data["occupation"]) == {"中式烹调师"}
    assert set(data["start_date"]) == {"2024-03-01"} and set(data["end_date"]) == {"2024-03-20"}
    assert len(set(data["class_id"])) == 1  # one class, keyed by its facts
    assert table.info.columns["institution"].startswith("培训机构")
    assert table.facts["institution"] == (2, 0)  # the cell A2 where it is written
    assert table.info.dropped_rows == (9, 10, 11)  # 合  计, 单位（盖章）, 负责人 lines


def test_title_facts_in_brackets(corpus):
    data = read_table(corpus["title_facts_in_brackets"], "trainees").data.to_pydict()
    assert set(data["occupation"]) == {"中式烹调师"} and set(data["level"]) == {"五级"}
    assert set(data["end_date"]) == {"2024-03-20"}


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["职业培训补贴标准(元)", "培训工种"], {"occupation": 1}),
        (["培训项目名称_training_project_name", "学员姓名"], {"occupation": 0, "name": 1}),
        (["职类_job_class", "职级_job_level", "班级编号"], {"class_id": 2}),
        (["职称等级", "职业资格等级"], {"level": 1}),
        (["身份证号码（18位）", "姓  名"], {"id_number": 0, "name": 1}),
        (["某县2024年职业技能培训花名册"], {}),
        (["申报工种", "证件号"], {"occupation": 0, "id_number": 1}),
        # a form's fact is no header; a suffix word alone names nothing (人事档案目录, CaoHongchang/test)
        (["姓名：测试甲", "身份证号：x", "材料名称", "单位名称"], {}),
    ],
)
def test_headers_are_matched_whole(headers, expected):
    assert map_headers(headers, "trainees") == expected


def test_hrss_and_payment_system_spellings():
    certificates = ["证件号码", "姓名", "职业资格名称", "技工院校职业资格等级", "职业资格证书编号",
                    "发放时间", "证件类型"]  # fmt: skip
    assert map_headers(certificates, "certificates") == {
        "id_number": 0, "name": 1, "occupation": 2, "level": 3, "cert_no": 4, "issue_date": 5,
    }  # fmt: skip
    payments = ["补贴人ID", "姓名", "证件号码", "一卡通账号", "补贴类型名称", "补贴金额", "补贴时间",
                "培训机构", "流水号"]  # fmt: skip
    assert map_headers(payments, "payments") == {
        "name": 1, "id_number": 2, "account": 3, "subsidy_type": 4, "amount": 5, "pay_date": 6,
        "institution": 7, "payment_id": 8,
    }  # fmt: skip


def test_a_title_with_a_column_word_is_not_the_header(tmp_path):
    path = tmp_path / "signin.csv"
    path.write_text(
        "职业技能培训签到表\n姓名,身份证号码,培训机构,班级编号,培训工种,开班日期,结业日期\n"
        f"{NAMES[2]},{IDS[2]},测试学校,A1,电工,2024-03-01,2024-03-20\n",
        encoding="utf-8",
    )
    table = read_table(path, "trainees")
    assert table.info.header_row == 2
    assert table.data.column("name").to_pylist() == [NAMES[2]]


@pytest.mark.parametrize(
    ("text", "pair"),
    [
        ("2024.03.01-2024.03.20", ("2024-03-01", "2024-03-20")),
        ("2024年3月1日至3月20日", ("2024-03-01", "2024-03-20")),
        ("2024/3/1~2024/3/20", ("2024-03-01", "2024-03-20")),
        ("2024-03-01—2024-03-20", ("2024-03-01", "2024-03-20")),
        ("2024.3.1至20日", ("2024-03-01", "2024-03-20")),
        ("2024.03.01-", None),
        ("三月", None),
    ],
)
def test_two_dates_in_one_cell(text, pair):
    assert split_period(text) == pair


def test_validate_without_table_picks_the_table(corpus):
    assert api.recognise_table(corpus["certificate_list"]) == "certificates"
    assert api.recognise_table(corpus["county_roster_with_facts"]) == "trainees"


def test_a_file_of_another_table_stops_before_any_rule(tmp_path):
    path = tmp_path / "pay.csv"
    path.write_text(
        "支付编号,身份证号码,姓名,培训机构,补贴类型,金额,支付日期\n"
        f"P1,{IDS[1]},{NAMES[1]},测试学校,培训补贴,1200,2024-04-01\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="looks like payments") as caught:
        api.audit(trainees=path, lang="en")
    assert "这看起来是支付，而不是花名册" in caught.value.render("zh")
    assert api.audit(upload=[path], lang="en").inputs["payments"].rows == 1


def test_level_is_optional_and_level_rules_say_they_were_skipped(tmp_path):
    path = tmp_path / "no_level.csv"
    path.write_text(
        "姓名,身份证号码,培训机构,班级编号,培训工种,开班日期,结业日期\n"
        f"{NAMES[0]},{IDS[0]},测试学校,A1,电工,2024-03-01,2024-03-20\n",
        encoding="utf-8",
    )
    report = api.audit(trainees=path, lang="en")
    results = {r.code: r for r in report.results}
    assert results["D001"].status.value == "passed"
    assert results["R202"].status.value == "skipped" and "level" in results["R202"].detail


# --- property: layout rows around a clean table never add a finding ----------------------------

_CLEAN = [
    ["姓名", "身份证号码", "培训机构", "班级编号", "培训工种", "开班日期", "结业日期"],
    *[[NAMES[i], IDS[i], "测试学校", "A1", "电工", "2024-03-01", "2024-03-20"] for i in range(3)],
]
_ABOVE = st.sampled_from(
    [
        ["某县2024年职业技能培训花名册"],
        ["填报单位：测试局", None, None, "填报日期：2024年4月1日"],
        ["单位：人、元"],
        [],
    ]  # fmt: skip
)
_BELOW = st.sampled_from(
    [
        ["合  计", None, "3人"],
        ["注：本表一式两份"],
        ["说明：按实际填写"],
        ["制表人：", None, "审核人："],
        ["单位（盖章）：", None, None, "填表日期："],
        ["第二组（0人）"],
        [4],
        [],
    ]  # fmt: skip
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    above=st.lists(_ABOVE, max_size=3),
    below=st.lists(_BELOW, max_size=4),
    fmt=st.sampled_from(["xlsx", "csv", "html"]),
)
def test_title_note_and_footer_rows_never_add_a_finding(tmp_path_factory, above, below, fmt):
    import csv
    import io

    import openpyxl

    rows = [*above, *_CLEAN, *below]
    path = tmp_path_factory.mktemp("prop") / f"t.{fmt}"
    if fmt == "xlsx":
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
    elif fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows([["" if v is None else v for v in r] for r in rows])
        path.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        cells = "".join(
            "<tr>" + "".join(f"<td>{'' if v is None else v}</td>" for v in r) + "</tr>"
            for r in rows
        )
        path.write_text(f"<html><body><table>{cells}</table></body></html>", encoding="utf-8")
    table = read_table(path, "trainees")
    assert table.data.column("name").to_pylist() == NAMES[:3]
    assert _found(path, "trainees") == set()


def test_a_missing_column_lists_the_headers_found_and_the_closest(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text(
        "姓名,身份证件,培训机构,班级编号,培训工种,开班日期,结业日期\n"
        f"{NAMES[0]},{IDS[0]},测试学校,A1,电工,2024-03-01,2024-03-20\n",
        encoding="utf-8",
    )
    zh = api.audit(trainees=path, rules=["D001"], lang="zh").findings
    assert [f.column for f in zh] == ["id_number"]
    assert "找到的表头：姓名、身份证件、培训机构" in zh[0].message
    assert "最接近的是「身份证件」" in zh[0].message
    en = api.audit(trainees=path, rules=["D001"], lang="en").findings
    assert "closest: 身份证件" in en[0].message


def test_a_finding_on_a_fact_points_at_the_cell_it_is_written_in(tmp_path):
    import openpyxl

    path = tmp_path / "fact.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["某县花名册"])
    sheet.append(["培训机构：测试学校  班级编号：A1  培训工种：电工  培训时间：2024年3月1日至3月"])
    sheet.append(["序号", "姓名", "身份证号码"])
    for i in range(2):
        sheet.append([i + 1, NAMES[i + 2], IDS[i + 2]])
    book.save(path)
    report = api.audit(trainees=path, rules=["D003"], lang="zh")
    assert {(f.rule, f.row) for f in report.findings} == {("D003", 4), ("D003", 5)}
    out = tmp_path / "out.xlsx"
    api.write_outputs(report, out, None)
    annotated = openpyxl.load_workbook(out)[sheet.title]
    commented = [c.coordinate for row in annotated.iter_rows() for c in row if c.comment]
    assert commented == ["A2"]
    assert "D003" in annotated["A2"].comment.text


def test_notes_on_reading_are_said_in_chinese(corpus):
    from trainaudit.i18n import render
    from trainaudit.messages import ZH

    notes = read_table(corpus["hr_export_html_as_xls"], None).info.notes
    assert [n.msgid for n in notes] == [
        "read as {kind} by its content, although named .{suffix}",
        "an HTML page, not a real workbook: read its tables",
        "recognised as {table}",
    ]
    assert all(n.msgid in ZH for n in notes)
    assert "HTML 网页" in render(notes[1].msgid, "zh", **notes[1].fields)


def test_competing_headers_are_reported():
    from trainaudit.io.schema import assign_headers, vocabulary

    mapping = assign_headers(["姓名", "身份证号码", "证件号码"], vocabulary("trainees"))
    assert mapping.columns["id_number"] == 1
    assert mapping.ties == {"id_number": [1, 2]}


def test_a_record_without_an_id_is_still_a_record(tmp_path):
    """Only the shape of a layout row drops it: a class named 第3期… with a person whose
    ID is missing stays a record (D002), a heading 第一组（2人） alone does not."""
    path = tmp_path / "noid.csv"
    path.write_text(
        "班级编号,姓名,身份证号码,培训机构,培训工种,开班日期,结业日期\n"
        "第一组（2人）,,,,,,\n"
        f"第3期电工班,{NAMES[0]},,测试学校,电工,2024-03-01,2024-03-20\n"
        f"第3期电工班,{NAMES[1]},{IDS[1]},测试学校,电工,2024-03-01,2024-03-20\n",
        encoding="utf-8",
    )
    table = read_table(path, "trainees")
    assert table.data.column("_row").to_pylist() == [3, 4]
    assert table.info.dropped_rows == (2,)
    assert _found(path, "trainees") == {("D002", 3)}


def test_cli_validate_picks_the_table_and_refuses_the_wrong_one(tmp_path):
    import json

    from typer.testing import CliRunner

    from trainaudit.cli import app

    path = tmp_path / "pay.csv"
    path.write_text(
        "流水号,证件号码,姓名,收款单位,补贴类型名称,实发,发放时间\n"
        f"P1,{IDS[1]},{NAMES[1]},测试学校,培训补贴,1200,2024-04-01\n"
        "合计,,,,,1200,\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    result = runner.invoke(app, ["validate", str(path), "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    (read,) = summary["inputs"]["payments"]
    assert read["header_row"] == 1 and read["rows"] == 1 and read["dropped_rows"] == [3]
    assert read["columns"]["amount"] == "实发" and read["columns"]["pay_date"] == "发放时间"
    wrong = runner.invoke(app, ["validate", str(path), "--table", "trainees", "--lang", "en"])
    assert wrong.exit_code == 2
    assert wrong.stderr.count("\n") == 1 and "looks like payments" in wrong.stderr


def test_a_users_alias_wins_over_the_built_in_ones():
    headers = ["姓名", "职称等级", "编号"]
    assert map_headers(headers, "trainees") == {"name": 0}
    extra = {"level": ["职称等级"], "class_id": ["编号"]}
    assert map_headers(headers, "trainees", extra) == {"name": 0, "level": 1, "class_id": 2}

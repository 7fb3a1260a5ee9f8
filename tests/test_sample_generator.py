"""The demo data generator: deterministic, and as messy as it claims to be."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from trainaudit.sample import HEADER_ROW, PLANTED, TITLE, write_sample

FILES = (
    "trainees.xlsx",
    "certificates.csv",
    "payments.csv",
    "institutions.csv",
    "watchlist.csv",
    "occupations.csv",
)
CSV_HEADERS = {
    "certificates.csv": (
        "gb18030",
        "证书编号,姓名,身份证号码,职业（工种）,技能等级,发证日期,证书类型,发证机构",
    ),
    "payments.csv": (
        "utf-8-sig",
        "支付编号,身份证号码,姓名,培训机构,班级编号,补贴类型,金额,支付日期,银行账号",
    ),
    "institutions.csv": ("utf-8", "培训机构,统一社会信用代码,状态,禁入日期"),
    "watchlist.csv": ("utf-8", "身份证号码,原因,起始日期"),
    "occupations.csv": ("utf-8", "培训工种,培训等级"),
}
"""file → (encoding, header line)"""
TRAINEE_HEADER = (
    "序号,姓名,身份证号码,性别,联系电话,培训机构,统一社会信用代码,班级编号,"
    "培训工种,培训等级,开班日期,结业日期,培训课时,县区,人员类别"
).split(",")
RULES = (
    [f"D00{n}" for n in range(2, 8)]
    + [f"I{n}" for n in range(101, 113)]
    + [f"R{n}" for n in range(201, 208)]
    + [f"C{n}" for n in range(301, 304)]
    + [f"P{n}" for n in range(401, 410)]
    + [f"F{n}" for n in range(501, 508)]
)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return write_sample(tmp_path_factory.mktemp("sample"))


def _sheet_values(path):
    ws = openpyxl.load_workbook(path).active
    return [list(row) for row in ws.iter_rows(values_only=True)]


def _rows(path, encoding):
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))


def test_writes_the_six_files(sample):
    assert [p.name for p in sample] == list(FILES)
    assert all(p.stat().st_size > 0 for p in sample)


def test_two_runs_give_the_same_files(sample, tmp_path):
    again = {p.name: p for p in write_sample(tmp_path / "again")}
    for path in sample:
        if path.suffix == ".csv":
            assert path.read_bytes() == again[path.name].read_bytes(), path.name
        else:
            assert _sheet_values(path) == _sheet_values(again[path.name])
            assert path.read_bytes() == again[path.name].read_bytes(), "xlsx not byte-identical"


def test_trainee_roster_has_title_info_and_header_rows(sample):
    wb = openpyxl.load_workbook(sample[0])
    ws = wb.active
    assert ws.cell(1, 1).value == TITLE
    assert "填报日期" in ws.cell(2, 1).value
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert any(r.startswith("A1:") for r in merged)
    header = [ws.cell(HEADER_ROW, c).value for c in range(1, len(TRAINEE_HEADER) + 1)]
    assert header == TRAINEE_HEADER
    assert 400 <= ws.max_row - HEADER_ROW <= 600


def test_trainee_roster_is_messy_in_the_promised_ways(sample):
    ws = openpyxl.load_workbook(sample[0]).active
    id_cells = [ws.cell(r, 3) for r in range(HEADER_ROW + 1, ws.max_row + 1)]
    numeric = [c.value for c in id_cells if c.data_type == "n" and c.value is not None]
    assert numeric, "no ID stored as a number"
    assert 3.70523196906116e17 in numeric  # what Excel keeps of 370523196906116xxx
    texts = [c.value for c in id_cells if isinstance(c.value, str)]
    assert "1.10101E+17" in texts
    assert "530402********0011" in texts
    assert any(len(t) == 15 and t.isdigit() for t in texts)
    assert any(t.endswith("x") for t in texts)
    assert any("\uff10" <= ch <= "\uff19" for t in texts for ch in t)
    starts = [ws.cell(r, 11).value for r in range(HEADER_ROW + 1, ws.max_row + 1)]
    kinds = {type(v).__name__ for v in starts}
    assert {"datetime", "int", "str"} <= kinds
    assert any("年" in v for v in starts if isinstance(v, str))
    assert any("." in v for v in starts if isinstance(v, str))


@pytest.mark.parametrize("name", list(CSV_HEADERS))
def test_csv_header_rows(sample, name):
    path = next(p for p in sample if p.name == name)
    encoding, header = CSV_HEADERS[name]
    rows = _rows(path, encoding)
    assert rows[0] == header.split(",")
    assert len(rows) > 1


def test_certificates_are_gb18030_not_utf8(sample):
    data = next(p for p in sample if p.name == "certificates.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert data.decode("gb18030").startswith("证书编号,")


def test_payments_start_with_a_bom_and_mix_person_and_class_payments(sample):
    path = next(p for p in sample if p.name == "payments.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = _rows(path, "utf-8-sig")[1:]
    assert any(r[1] == "" for r in rows) and any(r[1] != "" for r in rows)
    assert {r[5] for r in rows} == {"培训补贴", "取证补贴", "生活费补贴", "岗前培训补贴"}


def test_planted_names_every_rule_but_d001():
    assert sorted(PLANTED) == sorted(RULES)
    assert all(text.split(":")[0] in {"trainees", "certificates", "payments", "watchlist"} for text in PLANTED.values())  # fmt: skip

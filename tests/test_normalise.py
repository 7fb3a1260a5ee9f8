"""The vectorised column normalisers equal their scalar definitions, value for value."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from trainaudit.io.normalise import (
    _WHITESPACE,
    amount_column,
    digits_column,
    name_column,
    normalise_digits,
    normalise_name,
    normalise_text,
    parse_amount,
    text_column,
)

# Characters that make the difference: every kind of space, full-width forms, middle dots,
# Han, Latin, digits, compatibility characters NFKC rewrites, separators.
_TRICKY = st.sampled_from(
    list(_WHITESPACE)
    + list("王伟·•・．‧∙ AaZz09１２Ａ（）ℌ①㍿ﬁ\u0308\u00a8-_.,¥￥元豈\u3400\u9fff\u2f00")
    + ["\u200b", "\ufeff", "\u3000", "rmb", "RMB"]
)
TEXTS = st.lists(
    st.one_of(st.none(), st.text(), st.lists(_TRICKY, max_size=8).map("".join)), max_size=30
)


def _same(column, scalar, values):
    assert column(pa.array(values, pa.string())).to_pylist() == [scalar(v) for v in values]


def test_whitespace_is_what_python_strips():
    assert set(_WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_text_column_is_normalise_text(values):
    _same(text_column, normalise_text, values)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_name_column_is_normalise_name(values):
    _same(name_column, normalise_name, values)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_digits_column_is_normalise_digits(values):
    _same(digits_column, normalise_digits, values)


_AMOUNTS = st.one_of(
    st.none(),
    st.text(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    st.integers(0, 10**16).map(str),
    st.sampled_from(["1,000.00", "￥800", "1000元", "RMB 300", "0", "-5", "1e3", "inf", "00012"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_AMOUNTS, max_size=30))
def test_amount_column_is_parse_amount(values):
    _same(amount_column, parse_amount, values)


def test_examples():
    values = ["  王 伟 ", "阿卜杜拉•艾力", "Li  Na", "ＡＢＣ", None, "\u3000", "13912345678"]
    _same(name_column, normalise_name, values)
    _same(text_column, normalise_text, values)
    _same(digits_column, normalise_digits, ["0351-1234567", "13912345678.0", "１３９"])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.lists(_TRICKY, max_size=6).map("".join)), min_size=1, max_size=4
    )
)
def test_few_distinct_values_take_the_dictionary_path(distinct):
    """A column of a few values repeated (a county, a category) is normalised through its
    dictionary; the result is still the scalar function's, row for row."""
    values = [distinct[i % len(distinct)] for i in range(200)]
    _same(name_column, normalise_name, values)
    _same(text_column, normalise_text, values)
    _same(digits_column, normalise_digits, values)


def test_a_table_in_many_chunks_normalises_as_one(tmp_path):
    """Row groups of a Parquet file (blocks of a large CSV) are normalised chunk by chunk;
    the result is row for row that of the same rows in one piece."""
    import dataclasses
    import datetime as dt

    import pyarrow.parquet as pq

    from trainaudit.ids import make_id
    from trainaudit.io.normalise import normalise_table
    from trainaudit.io.readers import read_table

    n = 50
    rows = {
        "姓名": [["王 伟", "Li  Na", "张三", None, "ＡＢＣ"][i % 5] for i in range(n)],
        "身份证号码": [
            make_id("110105", dt.date(1980, 1, 1) + dt.timedelta(days=i), i)[: 15 if i % 7 else 18]
            for i in range(n)
        ],
        "培训机构": [["阳光学校", " 阳光学校", None][i % 3] for i in range(n)],
        "开班日期": [["2021-03-01", "2021年3月1日", "bad", None][i % 4] for i in range(n)],
        "培训等级": [["中级", "4", "高级技师", ""][i % 4] for i in range(n)],
        "培训工种": ["电工（四级）"] * n,
    }
    path = tmp_path / "chunks.parquet"
    pq.write_table(pa.table(rows), path, row_group_size=7)
    table = read_table(path, "trainees")
    assert table.data.column("name").num_chunks > 5
    whole = dataclasses.replace(table, data=table.data.combine_chunks())
    assert normalise_table(table).to_pylist() == normalise_table(whole).to_pylist()

"""Hypothesis properties for what every cell goes through (issue 5, item 6): ID
normalisation and date parsing never raise and are idempotent, on single values and on
whole columns with nulls; the other normalisers never raise; masking and keyed hashing
leave no ID behind and agree with normalisation."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from trainaudit.ids import make_id, normalise_id, normalise_ids, upgrade_legacy
from trainaudit.io import normalise
from trainaudit.io.normalise import parse_date
from trainaudit.privacy import ID_TOKEN, hash_id, redact_ids

ID_CHARS = "0123456789xX×１２９Ｘｘ -–'\"=.\u00a0\u3000\u200b\t\n"
DATE_CHARS = "0123456789年月日号.-/ :T十〇一二三九０９至~"
cells = st.one_of(st.none(), st.text(max_size=40), st.text(alphabet=ID_CHARS, max_size=24))
date_cells = st.one_of(st.text(max_size=30), st.text(alphabet=DATE_CHARS, max_size=24))


@st.composite
def ids(draw) -> str:
    region = draw(st.sampled_from(["110105", "140105", "440524", "500101", "650102"]))
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
    return make_id(region, birth, draw(st.integers(min_value=0, max_value=999)))


@settings(max_examples=200, deadline=None)
@given(st.lists(cells, max_size=30))
def test_normalise_ids_on_columns_never_raises_and_is_idempotent(values):
    once, _ = upgrade_legacy(normalise_ids(pa.array(values, pa.string())))
    twice, converted = upgrade_legacy(normalise_ids(once))
    assert twice.to_pylist() == once.to_pylist()
    assert not any(converted.to_pylist())  # nothing left to upgrade the second time
    assert [normalise_id(v) for v in values] == once.to_pylist()


@settings(max_examples=200, deadline=None)
@given(ids(), st.sampled_from(["", " ", "\u3000", "\t", "'"]), st.booleans(), st.booleans())
def test_normalising_a_typed_id_gives_the_id(good, pad, lower, full_width):
    typed = good.lower() if lower else good
    if full_width:
        typed = typed.translate(str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ"))
    assert normalise_id(f"{pad}{typed}{pad}") == good


@settings(max_examples=300, deadline=None)
@given(date_cells)
def test_parse_date_is_idempotent(text):
    parsed = parse_date(text)
    if parsed is not None:
        assert parse_date(parsed.isoformat()) == parsed
        assert parse_date(f"{parsed.year}年{parsed.month}月{parsed.day}日") == parsed


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=30), st.text(alphabet=DATE_CHARS, max_size=30)))
def test_every_cell_normaliser_never_raises(text):
    for name in (
        "parse_date",
        "normalise_level",
        "normalise_subsidy",
        "normalise_gender",
        "normalise_status",
        "normalise_text",
        "normalise_name",
        "normalise_occupation",
        "parse_amount",
        "normalise_digits",
    ):
        getattr(normalise, name)(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), ids(), st.just(" ")), max_size=8))
def test_redact_ids_leaves_no_id_and_is_idempotent(parts):
    text = " ".join(parts)
    once = redact_ids(text)
    assert ID_TOKEN.search(once) is None
    assert redact_ids(once) == once


@settings(max_examples=100, deadline=None)
@given(ids(), st.binary(min_size=1, max_size=32))
def test_hash_agrees_with_normalisation(good, key):
    assert hash_id(key, good.lower()) == hash_id(key, good) == hash_id(key, f" {good} ")
    assert len(hash_id(key, good)) == 64

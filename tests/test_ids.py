"""GB 11643-1999 ID numbers: check character, normalisation, 15→18, masking (DOMAIN §3.1, §3.4)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainaudit.ids import (
    birth_dates,
    check_char,
    checksum_ok,
    is_valid,
    make_id,
    mask_id,
    normalise_id,
    normalise_ids,
    upgrade_legacy,
)

VALID = "11010519491231002X"
VALID2 = "440524188001010014"


# --- the standard's own examples ---------------------------------------------------------


def test_standard_examples_are_valid():
    assert is_valid(VALID)
    assert is_valid(VALID2)
    assert check_char("11010519491231002") == "X"
    assert check_char("44052418800101001") == "4"


def test_wrong_check_character_is_invalid():
    assert not is_valid("110105194912310021")
    assert not is_valid("440524188001010015")


def test_legacy_15_digits_upgraded():
    assert normalise_id("110105491231002") == VALID


def test_upgrade_legacy_marks_only_converted_entries():
    ids = pa.array(["110105491231002", VALID2, None, "12345", "440524800101001"], pa.string())
    out, legacy = upgrade_legacy(ids)
    assert out.to_pylist() == [
        VALID,
        VALID2,
        None,
        "12345",
        make_id("440524", dt.date(1980, 1, 1), 1),
    ]
    assert legacy.to_pylist() == [True, False, False, False, True]


def test_upgrade_legacy_on_chunked_and_empty_input():
    chunked = pa.chunked_array([["110105491231002"], [VALID2, None]], pa.string())
    out, legacy = upgrade_legacy(chunked)
    assert out.to_pylist() == [VALID, VALID2, None]
    assert legacy.to_pylist() == [True, False, False]
    out, legacy = upgrade_legacy(pa.array([], pa.string()))
    assert out.to_pylist() == [] and legacy.to_pylist() == []
    out, legacy = upgrade_legacy(pa.array([None, None], pa.string()))
    assert out.to_pylist() == [None, None] and legacy.to_pylist() == [False, False]


def test_checksum_ok_is_null_for_wrong_shapes():
    ids = pa.array([VALID, "110105194912310021", "12345", None, "1101051949123100XX"], pa.string())
    assert checksum_ok(ids).to_pylist() == [True, False, None, None, None]


def test_birth_dates():
    ids = pa.array([VALID, VALID2, "110105194902300020", None, "123"], pa.string())
    assert birth_dates(ids).to_pylist() == [
        dt.date(1949, 12, 31),
        None,  # 1880-01-01, the standard's own example: before 1900 is no birth date (SPEC I103)
        None,
        None,
        None,
    ]


def test_birth_dates_before_1900_are_none_and_1900_is_kept():
    ids = pa.array(["110105000001010028", "110105189912310023", "110105190001010028"])
    assert birth_dates(ids).to_pylist() == [None, None, dt.date(1900, 1, 1)]
    assert checksum_ok(ids).to_pylist() == [True, True, True]  # the check is another matter


def test_foreigners_permanent_residence_number_reads_like_any_id():
    """2023 format: 9, the issuing province, a nationality code, birth date, sequence
    (odd: male), check character."""
    ids = pa.array(["911840199001021235", "937392198505062229"])
    assert checksum_ok(ids).to_pylist() == [True, True]
    assert birth_dates(ids).to_pylist() == [dt.date(1990, 1, 2), dt.date(1985, 5, 6)]
    assert normalise_id("911840199001021235") == "911840199001021235"


def _audit_roster(tmp_path, rows, name="t.csv"):
    from corpus import HEADER_WITH_GENDER, write_csv

    from trainaudit import api

    path = write_csv(tmp_path / name, [HEADER_WITH_GENDER, *rows])
    return api.audit(trainees=path, lang="en", audit_date=dt.date(2021, 6, 30))


def test_a_foreigners_number_is_no_region_error_and_its_birth_date_and_sex_are_read(tmp_path):
    row = ["John", "911840199001021235", "女", "甲机构", "C1", "电工", "四级", "2020-03-01",
           "2020-03-20"]  # fmt: skip
    young = ["Jane", "911840201001021243", "女", "甲机构", "C1", "电工", "四级", "2020-03-01",
             "2020-03-20"]  # fmt: skip
    assert checksum_ok(pa.array([young[1]])).to_pylist() == [True]
    rules = {(f.rule, f.row) for f in _audit_roster(tmp_path, [row, young]).findings}
    assert not {r for r, _ in rules} & {"I101", "I102", "I103", "I104"}
    assert ("I108", 2) in rules  # 17th digit 3: a man, the roster says 女
    assert ("I107", 3) in rules  # born 2010: ten at the start of the class


def test_i105_says_what_it_saw(tmp_path):
    """A CSV text cell ending in 000 was not seen to be a number: the message says what
    was seen (issue 14.12)."""
    base = ["张伟", "", "男", "甲机构", "C1", "电工", "四级", "2020-03-01", "2020-03-20"]
    zeroed, sci = list(base), list(base)
    zeroed[1], sci[1] = "140105199001021000", "1.40105E+17"
    messages = {
        f.row: f.message
        for f in _audit_roster(tmp_path, [zeroed, sci]).findings
        if f.rule == "I105"
    }
    assert messages[2] == (
        "ID '140105199001021000' ends in 000 and fails the check digit: its tail looks "
        "zeroed, as Excel does to a long number"
    )
    assert "stored as a number" not in messages[2]
    assert "scientific notation" in messages[3]


def test_i105_on_a_number_cell_says_excel_stored_it_as_a_number(tmp_path):
    from corpus import HEADER_WITH_GENDER, write_xlsx

    from trainaudit import api

    row = ["张伟", 140105199001021000, "男", "甲机构", "C1", "电工", "四级", "2020-03-01",
           "2020-03-20"]  # fmt: skip
    path = write_xlsx(tmp_path / "t.xlsx", {"花名册": [HEADER_WITH_GENDER, row]})
    for lang, words in (("en", "was stored as a number by Excel"), ("zh", "被Excel存成了数字")):
        report = api.audit(trainees=path, lang=lang)
        (i105,) = [f for f in report.findings if f.rule == "I105"]
        assert words in i105.message


# --- normalisation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and X
        "１１０１０５１９４９１２３１００２x",
        "11010519491231002x",  # lower x
        "11010519491231002×",  # multiplication sign for X
        " 11010519491231002X ",
        "\t11010519491231002X",  # tab prefix forced text
        "11010519491231002X\n",
        "\u00a011010519491231002X\u00a0",  # NBSP
        "\u300011010519491231002X",  # ideographic space
        "\u200b11010519491231002X\u200b",  # zero-width space
        "\ufeff11010519491231002X",  # BOM
        "110105 19491231 002X",
        "110105\u00a019491231\u00a0002X",
        "110105-19491231-002X",
        "110105–19491231—002X",  # en and em dash
        "110105－19491231－002X",  # full-width hyphen
        "'11010519491231002X",  # leading apostrophe
        '="11010519491231002X"',  # forced-text wrapper
        ' ="11010519491231002X" ',
        '＝"11010519491231002X"',  # full-width equals
        "=“11010519491231002X”",  # curly quotes
        "1101\u000b0519491231002X",  # vertical tab
        "1101\u20280519491231002X",  # line separator
        "1101\u00850519491231002X",  # next line
        "1101\u20090519491231002X",  # thin space
    ],
)
def test_normalise_id_cleans_typing_artefacts(raw):
    assert normalise_id(raw) == VALID


@pytest.mark.parametrize("raw", [None, "", "   ", "\u200b", '=""', "'"])
def test_normalise_id_blank_is_none(raw):
    assert normalise_id(raw) is None


def test_normalise_id_keeps_what_it_must_not_fix():
    # letters typed for digits, masks and remarks are reported, not repaired
    assert normalise_id("11O10519491231002X") == "11O10519491231002X"
    assert normalise_id("530402********0011") == "530402********0011"
    assert normalise_id("11010519491231002X（代）") == "11010519491231002X(代)"
    assert normalise_id("1.10105E+17") == "1.10105E+17"


def test_normalise_ids_vectorised_matches_scalar():
    raws = [
        "１１０１０５１９４９１２３１００２Ｘ",
        None,
        "  ",
        "440524-18800101-0014",
        "110105491231002",
    ]
    out = normalise_ids(pa.array(raws, pa.string())).to_pylist()
    assert out == [VALID, None, None, VALID2, "110105491231002"]  # no 15→18 here
    chunked = normalise_ids(pa.chunked_array([raws[:2], raws[2:]], pa.string()))
    assert chunked.to_pylist() == out


def test_mask_id():
    assert mask_id(VALID) == "110105********002X"
    assert mask_id(None) == "" and mask_id("") == ""
    assert mask_id("12345") == "12***"


# --- properties ------------------------------------------------------------------------------

_regions = st.sampled_from(["110105", "440524", "500101", "810000", "371202", "653101"])
_births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))
_sequences = st.integers(min_value=0, max_value=999)


@st.composite
def valid_ids(draw) -> str:
    return make_id(draw(_regions), draw(_births), draw(_sequences))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalise_id_never_raises_and_is_idempotent(raw):
    once = normalise_id(raw)
    assert once is None or isinstance(once, str)
    assert normalise_id(once) == once


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("0123456789xX×１２Ｘ -–'\"= \u00a0\u3000\u200b\t\n"), max_size=25
    )
)
def test_normalise_id_idempotent_on_id_like_text(raw):
    once = normalise_id(raw)
    assert normalise_id(once) == once


@settings(max_examples=300, deadline=None)
@given(_regions, _births, _sequences)
def test_make_id_is_valid(region, birth, sequence):
    made = make_id(region, birth, sequence)
    assert len(made) == 18
    assert is_valid(made)
    assert birth_dates(pa.array([made])).to_pylist() == [birth]


@settings(max_examples=300, deadline=None)
@given(valid_ids(), st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_any_single_substitution_is_caught(good, position, shift):
    alphabet = "0123456789" if position < 17 else "0123456789X"
    old = alphabet.index(good[position])
    new = alphabet[(old + shift) % len(alphabet)]
    if new == good[position]:  # shift == len(alphabet) on the 10-symbol positions
        return
    bad = good[:position] + new + good[position + 1 :]
    assert not is_valid(bad)


@settings(max_examples=300, deadline=None)
@given(valid_ids(), st.integers(min_value=0, max_value=16))
def test_any_adjacent_transposition_is_caught(good, position):
    a, b = good[position], good[position + 1]
    if a == b:
        return
    swapped = good[:position] + b + a + good[position + 2 :]
    assert not is_valid(swapped)


def test_every_single_substitution_exhaustively():
    for good in (VALID, VALID2):
        for pos in range(18):
            for ch in "0123456789X" if pos == 17 else "0123456789":
                if ch != good[pos]:
                    assert not is_valid(good[:pos] + ch + good[pos + 1 :]), (good, pos, ch)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=11, max_size=30))
def test_mask_id_keeps_first_six_and_last_four(value):
    masked = mask_id(value)
    assert len(masked) == len(value)
    assert masked[:6] == value[:6]
    assert masked[-4:] == value[-4:]
    assert set(masked[6:-4]) <= {"*"}


@settings(max_examples=200, deadline=None)
@given(valid_ids())
def test_mask_id_on_valid_ids(good):
    masked = mask_id(good)
    assert masked == good[:6] + "*" * 8 + good[-4:]


@settings(max_examples=200, deadline=None)
@given(
    _regions, st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)), _sequences
)
def test_legacy_upgrade_round_trip(region, birth, sequence):
    legacy = f"{region}{birth:%y%m%d}{sequence:03d}"
    assert normalise_id(legacy) == make_id(region, birth, sequence)


def _reference_check(body17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights, strict=True)) % 11]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.text(alphabet="0123456789X", min_size=14, max_size=19) | st.none(), max_size=40),
    st.integers(0, 5),
)
def test_vectorised_checksum_matches_the_table_method(values, cut):
    arr = pa.array(values, pa.string()).slice(min(cut, len(values)))  # an offset into the buffers
    expected = [
        (v[17] == _reference_check(v[:17]))
        if v is not None and len(v) == 18 and v[:17].isdigit()
        else None
        for v in values[min(cut, len(values)) :]
    ]
    assert checksum_ok(arr).to_pylist() == expected
    upgraded, legacy = upgrade_legacy(arr)
    for raw, new, was in zip(
        arr.to_pylist(), upgraded.to_pylist(), legacy.to_pylist(), strict=True
    ):
        if raw is not None and len(raw) == 15 and raw.isdigit():
            assert was and new == raw[:6] + "19" + raw[6:] + _reference_check(
                raw[:6] + "19" + raw[6:]
            )
        else:
            assert not was and new == raw

"""Raw text → canonical values: IDs, dates, levels, subsidy types, amounts, names.

Low-cardinality columns (dates, levels, occupations) are parsed once per distinct value;
ID numbers, which are nearly all distinct, go through vectorised Arrow kernels (ids.py).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from .. import ids
from .schema import TABLES, TableSpec

if TYPE_CHECKING:
    from .layout import LoadedTable

# --- dates ------------------------------------------------------------------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 18264, 80000
"""Excel serials read as dates: 1950-01-01 to 2119; below, a number is more likely a
count or an amount than a date anyone typed into a roster."""
_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
_YMD = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_YMD_SHORT = re.compile(r"^(\d{2})[-/.](\d{1,2})[-/.](\d{1,2})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def _chinese_numerals(text: str) -> str:
    """二〇一九年七月十一日 → 2019年7月11日 (tens written with 十)."""

    def tens(match: re.Match) -> str:
        left, right = match.group(1), match.group(2)
        return f"{(int(left) if left else 1)}{right or '0'}"

    text = text.translate(_CN_DIGITS)
    return re.sub(r"(\d?)十(\d?)", tens, text)


def _real_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date(value: str | None) -> dt.date | None:
    """Any date form seen in rosters (SPEC §2, DOMAIN §5.3); None when it is not one day."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    if any(ch in text for ch in "〇○零一二三四五六七八九十"):
        text = _chinese_numerals(text)
    if m := _YMD.match(text):
        return _real_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _COMPACT.match(text):
        return _real_date(int(m[1]), int(m[2]), int(m[3]))
    if _NUMBER.match(text):
        serial = float(text)
        if _SERIAL_MIN <= serial <= _SERIAL_MAX:
            return _EXCEL_EPOCH + dt.timedelta(days=int(serial))
        return None
    if m := _YMD_SHORT.match(text):
        year = int(m[1])
        return _real_date(2000 + year if year < 50 else 1900 + year, int(m[2]), int(m[3]))
    if m := _US.match(text):
        month, day = int(m[1]), int(m[2])
        if day > 12 >= month:  # only unambiguous US order
            return _real_date(int(m[3]), month, day)
    return None


# --- levels, subsidy types, gender, status ---------------------------------------------

_LEVEL_TOKENS = (
    ("专项", "专项职业能力"),
    ("高级技师", "一级"),
    ("一级", "一级"),
    ("技师", "二级"),
    ("二级", "二级"),
    ("三级", "三级"),
    ("高级", "三级"),
    ("四级", "四级"),
    ("中级", "四级"),
    ("五级", "五级"),
    ("初级", "五级"),
)
"""Longest and most specific first: 高级技师 before 技师 and 高级."""
_LEVEL_DIGITS = {"1": "一级", "2": "二级", "3": "三级", "4": "四级", "5": "五级"}


def normalise_level(value: str | None) -> str | None:
    """One of the six canonical levels (policy.LEVELS), or None when not recognised."""
    if value is None:
        return None
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(value)))
    if not text:
        return None
    if "特级" in text or "首席" in text or "1+x" in text.lower():
        return None  # outside the 2019 five-level vocabulary
    if m := re.fullmatch(r"(?:level)?([1-5])(?:级|\.0)?", text, re.IGNORECASE):
        return _LEVEL_DIGITS[m[1]]
    for token, level in _LEVEL_TOKENS:
        if token in text:
            return level
    return None


_SUBSIDY_TOKENS = (
    ("岗前", "pre_job"),
    ("pre", "pre_job"),
    ("生活", "living"),
    ("living", "living"),
    ("取证", "certificate"),
    ("鉴定", "certificate"),
    ("证书", "certificate"),
    ("评价", "certificate"),
    ("certificate", "certificate"),
    ("培训", "training"),
    ("training", "training"),
)

SUBSIDY_LABELS = {
    "training": "培训补贴",
    "certificate": "取证补贴",
    "living": "生活费补贴",
    "pre_job": "岗前培训补贴",
}


def normalise_subsidy(value: str | None) -> str | None:
    """training | certificate | living | pre_job, or None."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    for token, kind in _SUBSIDY_TOKENS:
        if token in text:
            return kind
    return None


def normalise_gender(value: str | None) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if text in {"男", "男性", "m", "male", "1"}:
        return "M"
    if text in {"女", "女性", "f", "female", "2"}:
        return "F"
    return None


def normalise_status(value: str | None) -> str | None:
    """banned | normal."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if not text:
        return None
    if any(word in text for word in ("禁入", "禁止", "黑名单", "取消", "banned", "ban")):
        return "banned"
    return "normal"


# --- text, names, amounts -----------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_DOTS = re.compile(r"[•・．·‧∙]")
_CJK = re.compile(r"[\u3400-\u9fff]")


def normalise_text(value: str | None) -> str | None:
    if value is None:
        return None
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", str(value))).strip()
    return text or None


def normalise_name(value: str | None) -> str | None:
    """NFKC, one middle dot for minority names, no spaces inside Chinese names."""
    text = normalise_text(value)
    if text is None:
        return None
    text = _DOTS.sub("·", text)
    if _CJK.search(text):
        text = text.replace(" ", "")
    return text


_LEVEL_WORDS = r"(?:专项职业能力|专项|高级技师|技师|[一二三四五12345]级|初级工?|中级工?|高级工?)"
_BRACKETED_LEVEL = re.compile(r"[(（\[【]\s*" + _LEVEL_WORDS + r"\s*[)）\]】]")
_TRAILING_LEVEL = re.compile(r"[-—_/\s]*" + _LEVEL_WORDS + r"$")


def normalise_occupation(value: str | None) -> str | None:
    """电工（四级） and 电工-中级 → 电工: the level lives in its own column."""
    text = normalise_text(value)
    if text is None:
        return None
    text = _BRACKETED_LEVEL.sub("", text)
    stripped = _TRAILING_LEVEL.sub("", text)
    text = stripped if stripped else text
    text = text.replace(" ", "")
    return text or None


def parse_amount(value: str | None) -> float | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.sub(r"[,\s¥￥元]|^rmb", "", text, flags=re.IGNORECASE)
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None  # NaN and inf are not amounts


def normalise_digits(value: str | None) -> str | None:
    """Phones and bank accounts: digits only (a number cell's `.0` dropped)."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.sub(r"\.0+$", "", text)
    text = re.sub(r"\D", "", text)
    return text or None


# --- whole columns ---------------------------------------------------------------------------

_PARSERS: dict[str, tuple[Callable[[str | None], object], pa.DataType]] = {
    "text": (normalise_text, pa.string()),
    "date": (parse_date, pa.date32()),
    "level": (normalise_level, pa.string()),
    "amount": (parse_amount, pa.float64()),
    "number": (parse_amount, pa.float64()),
    "gender": (normalise_gender, pa.string()),
    "phone": (normalise_digits, pa.string()),
    "subsidy": (normalise_subsidy, pa.string()),
    "occupation": (normalise_occupation, pa.string()),
    "status": (normalise_status, pa.string()),
}
KEEP_RAW_KINDS = {"date", "level", "amount", "number", "subsidy", "gender", "status"}
"""Kinds whose text as typed is kept beside the parsed value (`<name>__raw`): a blank
cell and an unreadable one differ there."""


def map_distinct(values: pa.Array, parse: Callable, out_type: pa.DataType) -> pa.Array:
    """Apply a scalar parser once per distinct value, then spread the results back."""
    encoded = pc.dictionary_encode(values)
    parsed = pa.array([parse(v) for v in encoded.dictionary.to_pylist()], out_type)
    return parsed.take(encoded.indices)


# --- the same, vectorised: whole Arrow arrays, no Python per value ------------------------
# Exactly the scalar functions above (tests/test_normalise.py holds them to it), for the
# columns that are nearly all distinct: names, numbers of certificates and payments, phones.

_WHITESPACE = "".join(
    ["\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"]
    + [chr(c) for c in range(0x2000, 0x200B)]
    + ["\u2028\u2029\u202f\u205f\u3000"]
)
"""Every character for which str.isspace() holds: what `\\s` and strip() mean in Python."""
_WS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _WHITESPACE) + "]"
"""The same as an RE2 class (RE2's own \\s is ASCII only)."""
_NULL_TEXT = pa.scalar(None, pa.string())


def _flags(values: pa.Array) -> pa.Array:
    return pc.fill_null(values, False)


def _nfkc(values: pa.Array) -> pa.Array:
    """NFKC by Python's own unicodedata (the scalar parsers' Unicode version), applied to
    the values that are not ASCII (ASCII is its own NFKC)."""
    odd = _flags(pc.invert(pc.string_is_ascii(values)))
    if not pc.any(odd).as_py():
        return values
    texts = pc.filter(values, odd).to_pylist()
    fixed = pa.array([unicodedata.normalize("NFKC", t) for t in texts], pa.string())
    return pc.replace_with_mask(values, odd, fixed)


def text_values(values: pa.Array) -> pa.Array:
    """normalise_text over an array."""
    values = _nfkc(values)
    spaced = _flags(pc.match_substring_regex(values, _WS))
    if pc.any(spaced).as_py():
        sub = pc.replace_substring_regex(pc.filter(values, spaced), _WS + "+", " ")
        values = pc.replace_with_mask(values, spaced, pc.utf8_trim(sub, " "))
    return pc.if_else(_flags(pc.equal(values, "")), _NULL_TEXT, values)


def name_values(values: pa.Array) -> pa.Array:
    """normalise_name over an array."""
    values = pc.replace_substring_regex(text_values(values), _DOTS.pattern, "·")
    cjk = _flags(pc.match_substring_regex(values, "[\\x{3400}-\\x{9fff}]"))
    return pc.if_else(cjk, pc.replace_substring(values, " ", ""), values)


_STABLE_TEXT = r"^[\x{21}-\x{7e}\x{b7}\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}]+$"
"""Printable ASCII but space, the middle dot and CJK unified ideographs (not the
compatibility ones, which NFKC rewrites): a value made of these alone is its own NFKC,
holds no whitespace and no dot but `·`, so normalise_text and normalise_name return it
as it is. Nearly every Chinese name and institution is such a value."""


def _untouched_text(values: pa.Array) -> pa.Array:
    """Values normalise_text and normalise_name return as they are (non-empty ones)."""
    return _flags(pc.match_substring_regex(values, _STABLE_TEXT))


def _few_distinct(values: pa.Array, sample: int = 20_000) -> bool:
    """A column of few distinct values (counties, categories, institutions), judged
    on its first rows: cheaper to normalise as a dictionary than to test every value."""
    head = values.slice(0, sample)
    return len(head) > 0 and len(pc.unique(head)) * 10 <= len(head)


def _only_where(values: pa.Array, untouched: Callable, convert: Callable) -> pa.Array:
    """`convert` (an array function) once per distinct value that `untouched` (an array
    predicate) does not pass."""
    if _few_distinct(values):
        encoded = pc.dictionary_encode(values)
        distinct = encoded.dictionary
        todo = pc.invert(untouched(distinct))
        if not pc.any(todo).as_py():
            return values
        fixed = pc.replace_with_mask(distinct, todo, convert(pc.filter(distinct, todo)))
        return fixed.take(encoded.indices)
    todo = pc.and_(pc.is_valid(values), pc.invert(untouched(values)))
    if not pc.any(todo).as_py():
        return values
    encoded = pc.dictionary_encode(pc.filter(values, todo))
    converted = convert(encoded.dictionary).take(encoded.indices)
    return pc.replace_with_mask(values, todo, converted)


def text_column(values: pa.Array) -> pa.Array:
    return _only_where(values, _untouched_text, text_values)


def name_column(values: pa.Array) -> pa.Array:
    return _only_where(values, _untouched_text, name_values)


def digits_column(values: pa.Array) -> pa.Array:
    """normalise_digits: values of ASCII digits alone are left as they are, the rest go
    through the scalar function once per distinct value."""

    def plain(array: pa.Array) -> pa.Array:
        return _flags(pc.match_substring_regex(array, "^[0-9]+$"))

    def scalar(distinct: pa.Array) -> pa.Array:
        return pa.array([normalise_digits(v) for v in distinct.to_pylist()], pa.string())

    return _only_where(values, plain, scalar)


_PLAIN_AMOUNT = r"^[0-9]{1,15}(\.[0-9]{1,6})?$"


def amount_column(values: pa.Array) -> pa.Array:
    """parse_amount: plain decimals (1000, 300.50) by Arrow's cast, the rest once per
    distinct value (a ledger of real amounts has many distinct ones)."""
    plain = _flags(pc.match_substring_regex(values, _PLAIN_AMOUNT))
    out = pc.cast(pc.if_else(plain, values, _NULL_TEXT), pa.float64())
    todo = pc.and_(pc.is_valid(values), pc.invert(plain))
    if pc.any(todo).as_py():
        out = pc.replace_with_mask(
            out, todo, map_distinct(pc.filter(values, todo), parse_amount, pa.float64())
        )
    return out


_VECTORISED: dict[str, Callable[[pa.Array], pa.Array]] = {
    "text": text_column,
    "phone": digits_column,
    "amount": amount_column,
    "number": amount_column,
}


def _blank_to_null(values: pa.Array) -> pa.Array:
    blank = _flags(pc.or_(pc.utf8_is_space(values), pc.equal(values, "")))
    if not pc.any(blank).as_py():
        return values
    return pc.if_else(blank, _NULL_TEXT, values)


def _one_array(column: pa.ChunkedArray) -> pa.Array:
    """The column as one array; without a copy when it is one chunk already."""
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def normalise_table(table: LoadedTable) -> pa.Table:
    """The canonical table the rules query: every column of the spec (absent ones null),
    parsed values under the canonical name, the text as typed under `<name>__raw`.

    Normalised piece by piece as the reader's chunks lie (Parquet row groups, blocks of
    a CSV): joining a million rows of text into one array first cost a copy of it all."""
    spec = TABLES[table.name]
    data = table.data
    pieces = [pa.Table.from_batches([batch]) for batch in data.to_batches() if batch.num_rows]
    return pa.concat_tables([_normalise_piece(spec, p) for p in pieces or [data]])


def _normalise_piece(spec: TableSpec, data: pa.Table) -> pa.Table:
    n = data.num_rows
    columns: dict[str, pa.Array] = {
        "_source": _one_array(data.column("_source")),
        "_sheet": _one_array(data.column("_sheet")),
        "_row": _one_array(data.column("_row")),
    }
    for col in spec.columns:
        raw = (
            _blank_to_null(pc.cast(_one_array(data.column(col.name)), pa.string()))
            if col.name in data.column_names
            else pa.nulls(n, pa.string())
        )
        if col.kind == "id":
            normalised = ids.normalise_ids(raw)
            upgraded, legacy = ids.upgrade_legacy(normalised)
            columns["id_number"] = upgraded
            columns["id_number__raw"] = raw
            columns["id_legacy"] = legacy
            columns["id_check_ok"], columns["id_birth"] = ids.id_facts(upgraded)
            numeric = (
                _one_array(data.column("id_number__numeric"))
                if "id_number__numeric" in data.column_names
                else pa.array([False] * n)
            )
            columns["id_number__numeric"] = numeric
            continue
        if col.name == "name":
            columns[col.name] = name_column(raw)
        elif col.kind in _VECTORISED:
            columns[col.name] = _VECTORISED[col.kind](raw)
        else:
            parse, out_type = _PARSERS[col.kind]
            columns[col.name] = map_distinct(raw, parse, out_type)
        if col.kind in KEEP_RAW_KINDS:
            columns[f"{col.name}__raw"] = raw
    return pa.table(columns)

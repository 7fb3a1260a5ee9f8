"""GB 11643-1999 resident ID numbers: normalisation, check character, birth date, 15→18.

Everything here works on whole Arrow arrays at once (a province has millions of IDs);
the scalar helpers are thin wrappers for tests, messages and the sample generator.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
"""W_i = 2^(18-i) mod 11 for positions 1..17 (ISO 7064 MOD 11-2)."""
CHECK_CHARS = np.array(list("10X98765432"))
"""Check character indexed by S mod 11."""

PROVINCE_CODES = tuple(
    str(c)
    for c in (
        *range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47),
        *range(50, 55), *range(61, 66), 71, 81, 82, 83,
    )
)  # fmt: skip
"""First two digits of a real province-level division (SPEC I104)."""

_INVISIBLE = r"[\s\p{Z}\p{Cc}\p{Cf}'\"‘’“”\p{Pd}\x{2212}_]"
"""Whitespace of every kind (RE2's \\s is ASCII only), control and format characters
(zero-width space, BOM), quotes and dashes."""
_ALREADY_CLEAN = np.zeros(256, dtype=bool)
_ALREADY_CLEAN[list(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*")] = True
"""Bytes of IDs as most files hold them (digits, capitals, mask stars): nothing to clean."""


def _clean(arr: pa.Array) -> pa.Array:
    arr = pc.utf8_normalize(arr, "NFKC")
    arr = pc.replace_substring_regex(arr, _INVISIBLE, "")
    arr = pc.utf8_ltrim(arr, characters="=")  # what is left of an `="…"` wrapper
    arr = pc.utf8_upper(arr)
    return pc.replace_substring(arr, "×", "X")


def normalise_ids(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Trim, full-width to half-width (NFKC), drop spaces, quotes, dashes and an `="…"`
    wrapper, upper-case.

    Blank becomes null. 15-digit numbers are *not* upgraded here; see `upgrade_legacy`.
    """
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    arr = pc.cast(arr, pa.string())
    dirty = pa.array(_needs_cleaning(arr))
    if pc.any(dirty).as_py():
        cleaned = _clean(pc.filter(arr, dirty))
        # Removing a space can leave a combining mark next to a letter that NFKC then
        # composes (U+00A8 is a space plus U+0308): a second round for what is not ASCII
        # yet makes the whole idempotent.
        odd = pc.invert(pc.fill_null(pc.string_is_ascii(cleaned), True))
        if pc.any(odd).as_py():
            cleaned = pc.replace_with_mask(cleaned, odd, _clean(pc.filter(cleaned, odd)))
        arr = pc.replace_with_mask(arr, dirty, cleaned)
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def check_chars(bodies: np.ndarray) -> np.ndarray:
    """Check characters for an array of 17-digit bodies (numpy bytes, dtype S17)."""
    if len(bodies) == 0:
        return np.array([], dtype="<U1")
    digits = np.frombuffer(bodies.tobytes(), dtype=np.uint8).reshape(-1, 17)
    return CHECK_CHARS[_check_index(digits)]


_CHECK_BYTES = np.frombuffer("".join(CHECK_CHARS).encode(), dtype=np.uint8)


def _check_index(digits: np.ndarray) -> np.ndarray:
    """S mod 11 for an (n, 17) matrix of ASCII digit bytes."""
    # column by column in int32: an integer matmul has no BLAS and is ten times slower
    total = np.zeros(len(digits), dtype=np.int32)
    for i, weight in enumerate(WEIGHTS.tolist()):
        total += weight * (digits[:, i].astype(np.int32) - 48)
    return total % 11


def _offsets(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, length, valid) per entry and the data bytes of a string array."""
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    data_buffer = arr.buffers()[2]
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8)
        if data_buffer is not None
        else np.zeros(0, np.uint8)
    )
    valid = (
        np.ones(n, dtype=bool)
        if arr.null_count == 0
        else np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    )
    return offsets, data, valid


def _needs_cleaning(arr: pa.Array) -> np.ndarray:
    """True where a value holds a byte outside digits, capitals and `*`, or is empty."""
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=bool)
    offsets, data, valid = _offsets(arr)
    dirty = offsets[1:] == offsets[:-1]
    lo, hi = int(offsets[0]), int(offsets[-1])
    bad = np.flatnonzero(~_ALREADY_CLEAN[data[lo:hi]]) + lo  # few: map them to their rows
    if len(bad):
        dirty[np.searchsorted(offsets, bad, side="right") - 1] = True
    return valid & dirty


def _shaped(arr: pa.Array, width: int, x_last: bool) -> tuple[np.ndarray, np.ndarray]:
    """Which values are `width` ASCII digits (the last may be X when `x_last`), and the
    (k, width) byte matrix of those k values — the regex ^\\d{width}$ without a regex."""
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros((0, width), dtype=np.uint8)
    offsets, data, valid = _offsets(arr)
    start = offsets[:-1]
    candidate = np.flatnonzero(valid & (offsets[1:] - start == width))
    if len(data) < width:
        return np.zeros(n, dtype=bool), np.zeros((0, width), dtype=np.uint8)
    # rows of a sliding-window view: one index per value, not one per byte
    chars = np.lib.stride_tricks.sliding_window_view(data, width)[start[candidate]]
    ok = np.ones(len(chars), dtype=bool)
    for i in range(width - 1 if x_last else width):  # column by column: short rows reduce slowly
        ok &= chars[:, i] - np.uint8(48) < 10
    if x_last:
        last = chars[:, width - 1]
        ok &= (last - np.uint8(48) < 10) | (last == ord("X"))
    mask = np.zeros(n, dtype=bool)
    mask[candidate[ok]] = True
    return mask, chars[ok]


def _as_string_array(ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    arr = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    return pc.cast(arr, pa.string())


def upgrade_legacy(ids: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """Convert 15-digit legacy numbers to 18 digits (insert 19, add the check character).

    Returns the new array and a boolean array marking the converted entries.
    """
    arr = _as_string_array(ids)
    legacy, old = _shaped(arr, 15, x_last=False)
    if not legacy.any():
        return arr, pa.array(legacy)
    mask = pa.array(legacy)
    n = len(old)
    new = np.empty((n, 18), dtype=np.uint8)
    new[:, :6] = old[:, :6]
    new[:, 6:8] = np.frombuffer(b"19", dtype=np.uint8)
    new[:, 8:17] = old[:, 6:]
    new[:, 17] = _CHECK_BYTES[_check_index(new[:, :17])]
    offsets = pa.py_buffer(np.arange(0, 18 * (n + 1), 18, dtype=np.int32).tobytes())
    upgraded = pa.StringArray.from_buffers(n, offsets, pa.py_buffer(new.tobytes()))
    return pc.replace_with_mask(arr, mask, upgraded), mask


def checksum_ok(ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    """True where an 18-character ID has the right check character, false where wrong,
    null where the ID is not 17 digits plus a digit or X."""
    return id_facts(ids)[0]


def birth_dates(ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Birth date in an 18-character ID (positions 7–14); null when not a real date or
    before 1900-01-01."""
    return id_facts(ids)[1]


_CUMULATIVE_DAYS = np.array([0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334], np.int64)
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of valid proleptic Gregorian dates (year 0 included)."""
    year = year.astype(np.int64)
    y = year - 1
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    # days before 1 January of `year`, counted from 0001-01-01, minus those before 1970
    before = 365 * y + np.floor_divide(y, 4) - np.floor_divide(y, 100) + np.floor_divide(y, 400)
    return before - 719162 + _CUMULATIVE_DAYS[month - 1] + ((month > 2) & leap) + day - 1


def id_facts(ids: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """(checksum_ok, birth_dates) in one pass over the 18-character IDs: one regex and
    one byte matrix for both, no per-row Python and no string round trip for dates."""
    arr = _as_string_array(ids)
    shaped, chars = _shaped(arr, 18, x_last=True)
    n = len(arr)
    check = np.zeros(n, dtype=bool)
    days = np.zeros(n, dtype=np.int32)
    real = np.zeros(n, dtype=bool)
    if shaped.any():
        check[shaped] = _CHECK_BYTES[_check_index(chars[:, :17])] == chars[:, 17]
        d = [chars[:, 6 + k].astype(np.int32) - 48 for k in range(8)]  # column by column
        year = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3]
        month = d[4] * 10 + d[5]
        day = d[6] * 10 + d[7]
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        ok_month = (month >= 1) & (month <= 12)
        length = _MONTH_DAYS[np.clip(month, 1, 12) - 1] + ((month == 2) & leap)
        # before 1900 (00000101 included) is no birth date of a living trainee (SPEC I103)
        ok = ok_month & (day >= 1) & (day <= length) & (year >= 1900)
        where = np.flatnonzero(shaped)
        real[where[ok]] = True
        days[where[ok]] = _days_from_civil(year[ok], month[ok], day[ok])
    return pa.array(check, mask=~shaped), pa.array(days, pa.date32(), mask=~real)


# --- scalar helpers -------------------------------------------------------------------


def normalise_id(raw: str | None) -> str | None:
    """One ID normalised and, when 15 digits, upgraded to 18."""
    arr = normalise_ids(pa.array([raw], pa.string()))
    return upgrade_legacy(arr)[0][0].as_py()


def check_char(body17: str) -> str:
    return str(check_chars(np.array([body17], dtype="S17"))[0])


def is_valid(id18: str) -> bool:
    return bool(checksum_ok(pa.array([id18]))[0].as_py())


def make_id(region6: str, birth: dt.date, sequence: int) -> str:
    """A checksum-valid ID (for tests and synthetic demo data only)."""
    body = f"{region6}{birth:%Y%m%d}{sequence:03d}"
    return body + check_char(body)


def mask_id(value: str | None) -> str:
    """`110101********123X`: the first 6 and last 4 characters stay visible."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]

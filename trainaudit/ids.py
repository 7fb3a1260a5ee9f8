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
_ALREADY_CLEAN = r"^[0-9A-Z*]+$"
"""IDs as most files hold them: nothing to clean."""


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
    dirty = pc.invert(pc.fill_null(pc.match_substring_regex(arr, _ALREADY_CLEAN), True))
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
    return ((digits.astype(np.int64) - 48) @ WEIGHTS) % 11


def _as_string_array(ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    arr = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    return pc.cast(arr, pa.string())


def _digits_mask(arr: pa.Array, pattern: str) -> np.ndarray:
    return pc.fill_null(pc.match_substring_regex(arr, pattern), False).to_numpy(
        zero_copy_only=False
    )


def _fixed_width_bytes(arr: pa.Array, width: int) -> np.ndarray:
    """(n, width) uint8 view of a string array without nulls whose values are all
    `width` ASCII bytes long (the caller has checked the shape with a regex)."""
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    return data[offsets[0] : offsets[0] + n * width].reshape(n, width)


def upgrade_legacy(ids: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """Convert 15-digit legacy numbers to 18 digits (insert 19, add the check character).

    Returns the new array and a boolean array marking the converted entries.
    """
    arr = _as_string_array(ids)
    legacy = _digits_mask(arr, r"^\d{15}$")
    if not legacy.any():
        return arr, pa.array(legacy)
    mask = pa.array(legacy)
    old = _fixed_width_bytes(pc.filter(arr, mask), 15)
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
    arr = _as_string_array(ids)
    shaped = _digits_mask(arr, r"^\d{17}[\dX]$")
    out = np.zeros(len(arr), dtype=bool)
    if shaped.any():
        chars = _fixed_width_bytes(pc.filter(arr, pa.array(shaped)), 18)
        out[shaped] = _CHECK_BYTES[_check_index(chars[:, :17])] == chars[:, 17]
    return pa.array(out, mask=~shaped)


def birth_dates(ids: pa.Array) -> pa.Array:
    """Birth date in an 18-character ID (positions 7–14); null when not a real date."""
    body = pc.utf8_slice_codeunits(ids, 6, 14)
    shaped = pc.fill_null(pc.match_substring_regex(ids, r"^\d{17}[\dX]$"), False)
    body = pc.if_else(shaped, body, pa.scalar(None, pa.string()))
    stamps = pc.strptime(body, format="%Y%m%d", unit="s", error_is_null=True)
    dates = pc.cast(stamps, pa.date32())
    # Arrow's strptime rolls impossible days over (19490230 -> 1949-03-02): keep a date
    # only when it prints back as the digits in the ID.
    real = pc.fill_null(pc.equal(pc.strftime(dates, format="%Y%m%d"), body), False)
    return pc.if_else(real, dates, pa.scalar(None, pa.date32()))


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

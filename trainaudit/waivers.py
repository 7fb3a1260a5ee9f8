"""Waivers: findings an auditor has looked at and accepted, so they stop shouting.

A waivers file is a CSV (UTF-8, with or without BOM, or GB18030 — as Excel or WPS save
it) with a header row and one waiver a line:

    fingerprint,reason,who,until
    R202-3f9a1c2b7d4e5f60,复训经省厅批准（文号 2021-17）,王审计,2021-12-31
    I110-0b6c2d9e4f1a7735,户籍姓名已更正，证件核实无误,李审计,

* `fingerprint` — from the `fingerprint` column of a findings file (or the Findings sheet);
* `reason`, `who` — required: a waiver nobody signed is no waiver;
* `until` — the last day it applies (2021-12-31, 2021/12/31, 2021年12月31日); blank for no
  end date. From the day after, the finding is reported again.

Chinese headers work too (指纹, 理由/原因, 审批人/批准人, 有效期至/截止日期); other columns
(a note, the rule, the person) are ignored; a line whose first cell starts with `#` is
a comment. A malformed file stops the run (exit 2) naming the line: a waiver silently
ignored would let a finding shout, one silently misread could hide another.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

from .errors import InputError
from .io.normalise import parse_date
from .model import Waiver

FINGERPRINT = re.compile(r"[A-Z][0-9]{3}-[0-9a-f]{16}")

_HEADERS = {
    "fingerprint": ("fingerprint", "指纹", "问题指纹"),
    "reason": ("reason", "理由", "原因", "豁免理由"),
    "who": ("who", "审批人", "批准人", "by"),
    "until": ("until", "有效期至", "截止日期", "expires"),
}


def _text(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    for codec in ("utf-8", "gb18030"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise InputError("{path}: not UTF-8 or GB18030 text", path=path)


BLANK_REASON = "{path}: line {line}: reason is blank; every waiver needs one"
BLANK_WHO = "{path}: line {line}: who is blank; every waiver needs one"


def load_waivers(path: str | Path) -> dict[str, Waiver]:
    """fingerprint -> Waiver, every line checked."""
    path = Path(path)
    if not path.is_file():
        raise InputError("{path}: waivers file not found", path=path)
    try:
        text = _text(path)
    except UnicodeDecodeError:
        raise InputError("{path}: not valid UTF-8 text after its BOM", path=path) from None
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(
            "{path}: not a readable CSV file ({cause})", path=path, cause=exc
        ) from None
    header_at = next((i for i, r in enumerate(lines) if any(c.strip() for c in r)), None)
    if header_at is None:
        return {}
    header = [c.strip().lower() for c in lines[header_at]]
    where: dict[str, int] = {}
    for key, names in _HEADERS.items():
        hits = [i for i, h in enumerate(header) if h in names]
        if hits:
            where[key] = hits[0]
    missing = [k for k in _HEADERS if k not in where]
    if missing:
        raise InputError(
            "{path}: line {line}: no column for {missing}; the header must name fingerprint, "
            "reason, who, until (found {found})",
            path=path, line=header_at + 1, missing=", ".join(missing),
            found=", ".join(h for h in header if h) or "-",
        )  # fmt: skip
    waivers: dict[str, Waiver] = {}
    for number, row in enumerate(lines[header_at + 1 :], start=header_at + 2):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue

        def cell(key: str, cells: list[str] = cells) -> str:
            i = where[key]
            return cells[i] if i < len(cells) else ""

        fp = cell("fingerprint")
        if not FINGERPRINT.fullmatch(fp):
            raise InputError(
                "{path}: line {line}: '{value}' is not a fingerprint (like R202-3f9a1c2b7d4e5f60)",
                path=path, line=number, value=fp,
            )  # fmt: skip
        if not cell("reason"):
            raise InputError(BLANK_REASON, path=path, line=number)
        if not cell("who"):
            raise InputError(BLANK_WHO, path=path, line=number)
        until = None
        if cell("until"):
            until = parse_date(cell("until"))
            if until is None:
                raise InputError(
                    "{path}: line {line}: until '{value}' is not a date",
                    path=path, line=number, value=cell("until"),
                )  # fmt: skip
        if fp in waivers:
            raise InputError(
                "{path}: line {line}: {fingerprint} is already waived on line {first}",
                path=path, line=number, fingerprint=fp, first=waivers[fp].line,
            )  # fmt: skip
        waivers[fp] = Waiver(fp, cell("reason"), cell("who"), until, number)
    return waivers

"""Personal data: masking ID numbers in text, and the keyed hash that replaces them.

`redact_ids` masks every ID-like token in a line of text (an error message, a finding's
message on the console). `pseudonymise` rewrites findings so that they carry
HMAC-SHA256(key, normalised ID) in place of each ID number: two counties that share a
key can match their findings on the same person without exchanging ID numbers, and
nobody without the key can test a guessed ID against them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import replace
from pathlib import Path

from .errors import InputError
from .ids import mask_id, normalise_id
from .model import Finding

ID_TOKEN = re.compile(
    r"(?<![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])[0-9０-９]{14,17}[0-9０-９XxＸｘ](?![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])"
)
"""An ID number in running text, as typed: 15 to 18 characters, digits with a digit or X
last, half or full width — a well-formed one (15 or 18) or one a digit short or long
(`ID '14010619802140579' is not 18 characters`, issue 14.7) — not part of a longer run of
letters and digits (a certificate number such as S000014000101205000021 or a bank
account of 19 digits is left alone)."""

HASH_LENGTH = 64
"""Hex digits of HMAC-SHA256."""


def redact_ids(text: str) -> str:
    """`text` with every ID number in it masked (`110101********123X`)."""
    if not text:
        return text
    return ID_TOKEN.sub(lambda m: mask_id(m.group(0)), text)


def for_person(text: str, show_ids: bool = False) -> str:
    """The console edge: every line a person reads (summary, findings, diff, errors)
    passes here, ID numbers masked unless --show-ids. A text that is one ID-like token as
    a whole (a subject `140105199001021238.0`) is masked whole, from its seventh character."""
    if show_ids or not text:
        return text
    token = text.strip()
    if len(token) >= 15 and token[:6].isdigit() and not any(c.isspace() for c in token):
        return mask_id(token)
    return redact_ids(text)


def looks_like_id(text: str | None) -> bool:
    """True when the whole of `text` (trimmed) is one ID number."""
    return bool(text) and ID_TOKEN.fullmatch(text.strip()) is not None


def key_from(text: str | None = None, file: str | Path | None = None) -> bytes:
    """The HMAC key from `--hash-ids KEY` (its UTF-8 bytes) or `--hash-ids-file FILE`
    (its bytes, without a final line break, so `echo secret > key` equals `secret`)."""
    if text is not None and file is not None:
        raise InputError("give --hash-ids or --hash-ids-file, not both")
    if file is not None:
        path = Path(file)
        try:
            key = path.read_bytes()
        except OSError as exc:
            raise InputError(
                "{path}: cannot read the key file ({reason})", path=path, reason=exc.strerror
            ) from None
        key = key.rstrip(b"\r\n")
        if not key.strip():
            raise InputError(
                "{path}: the key file is empty; the key must be a secret shared by the counties",
                path=path,
            )
    else:
        key = (text or "").encode("utf-8")
    if not key.strip():
        raise InputError("--hash-ids is empty; the key must be a secret shared by the counties")
    return key


def hash_id(key: bytes, value: str | None) -> str:
    """HMAC-SHA256(key, normalised ID) as 64 lower-case hex digits; "" for no ID.

    The ID is normalised first (trim, full width to half, `x` to `X`, 15 digits to 18),
    so `11010519491231002x` and `110105491231002` give the same hash.
    """
    if value is None or not str(value).strip():
        return ""
    normalised = normalise_id(str(value)) or str(value).strip()
    return hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def hash_ids_in_text(key: bytes, text: str) -> str:
    """`text` with every ID number in it replaced by its keyed hash."""
    if not text:
        return text
    return ID_TOKEN.sub(lambda m: hash_id(key, m.group(0)), text)


def pseudonymise(findings: list[Finding], key: bytes) -> list[Finding]:
    """The same findings with every ID number replaced by its keyed hash: `id_number`,
    `subject` when it is an ID, the cell `value` of an ID column, and IDs quoted in the
    message or value."""
    out = []
    for f in findings:
        id_number = hash_id(key, f.id_number) if f.id_number else f.id_number
        if f.id_number and f.subject.strip() == f.id_number.strip():
            subject = id_number or ""
        elif looks_like_id(f.subject):
            subject = hash_id(key, f.subject)
        else:
            subject = hash_ids_in_text(key, f.subject)
        if f.column == "id_number" and f.value.strip():
            value = hash_id(key, f.value)  # the ID as typed, however malformed
        else:
            value = hash_ids_in_text(key, f.value)
        message = f.message
        for raw in {f.id_number, f.value if f.column == "id_number" else None} - {None, ""}:
            message = message.replace(raw, hash_id(key, raw))  # an ID quoted as typed
        message = hash_ids_in_text(key, message)
        out.append(replace(f, id_number=id_number, subject=subject, value=value, message=message))
    return out


def pseudonymise_report(report, key: bytes):
    """A shallow copy of an AuditReport whose findings (reported, per rule, waived and
    baselined) carry keyed hashes in place of ID numbers; `report` is left as it was."""
    import copy

    done: dict[int, Finding] = {}

    def swap(findings) -> list[Finding]:
        todo = [f for f in findings if id(f) not in done]
        for f, g in zip(todo, pseudonymise(todo, key), strict=True):
            done[id(f)] = g
        return [done[id(f)] for f in findings]

    out = copy.copy(report)
    out.findings = swap(report.findings)
    out.results = [replace(r, findings=tuple(swap(r.findings))) for r in report.results]
    if getattr(report, "waived", None):
        hashed = swap([f for f, _ in report.waived])
        out.waived = [(g, w) for g, (_, w) in zip(hashed, report.waived, strict=True)]
    if getattr(report, "baselined", None):
        out.baselined = swap(report.baselined)
    return out

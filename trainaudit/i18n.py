"""The words a person reads, in Chinese and English: one catalogue, the gettext habit.

A message is identified by its English template (the msgid, as gettext does), with
named fields: ``render("{path}: file not found", "zh", path=p)``. The Chinese
templates live in :data:`ZH`; a msgid with no Chinese entry falls back to English, and
``tests/test_i18n.py`` fails on any such gap, so the catalogue stays complete.

Errors carry their msgid and fields (see :mod:`trainaudit.errors`) and are rendered in
the run's language at the edge (CLI, workbook), never inside the library.
"""

from __future__ import annotations

import locale
import os

from .messages import ZH  # msgid (English template) -> Chinese template, same {fields}

LANGS = ("zh", "en")


def render(msgid: str, lang: str, /, **fields: object) -> str:
    """`msgid` in `lang` (English where the catalogue has no entry), with its fields."""
    template = ZH.get(msgid, msgid) if lang == "zh" else msgid
    if not fields:
        return template
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError):  # a template that lost a field: say it in English
        return msgid.format(**fields)


def default_lang() -> str:
    """zh when the user's language is Chinese, else en.

    `TRAINAUDIT_LANG` wins; then the POSIX locale variables; then the system locale
    (on Windows, the user's UI language)."""
    for var in ("TRAINAUDIT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    loc = locale.getlocale()[0] or ""
    return "zh" if loc.lower().startswith(("zh", "chinese")) else "en"

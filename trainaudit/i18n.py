"""The words a person reads, in Chinese and English: one catalogue, the gettext habit.

A message is identified by its English template (the msgid, as gettext does), with
named fields: ``render("{path}: file not found", "zh", path=p)``. The Chinese
templates live in :data:`ZH`; a msgid with no Chinese entry falls back to English, and
``tests/test_i18n.py`` fails on any such gap, so the catalogue stays complete.

Errors carry their msgid and fields (see :mod:`trainaudit.errors`) and are rendered in
the run's language at the edge (CLI, workbook), never inside the library.

Why Python dicts and not Babel .po/.mo files: the msgids are gettext's (English
templates), so `pybabel extract` could collect them later, but today a .po catalogue
would add a compile step to `make demo` and `pip install`, one big file that five parts
edit at once, and a global `_()` whose language is the process's — while the library
renders per call (`api.audit(lang=...)`, `exc.render(lang)`), whatever the locale.
A module per part (messages/) keeps each part's words beside the others, and
tests/test_i18n.py checks what a .po toolchain checks (every msgid translated, the same
{fields}) by reading the code itself.
"""

from __future__ import annotations

import locale
import os
import sys

from .messages import ZH  # msgid (English template) -> Chinese template, same {fields}

LANGS = ("zh", "en")


def render(msgid: str, lang: str, /, **fields: object) -> str:
    """`msgid` in `lang` (English where the catalogue has no entry), with its fields."""
    template = ZH.get(msgid, msgid) if lang == "zh" else msgid
    if not fields:
        return template
    # A field that knows its words (a column, a table, a nested error) says them in `lang`.
    fields = {k: v.render(lang) if isinstance(v, Words) else v for k, v in fields.items()}
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError):  # a template that lost a field: say it in English
        return msgid.format(**fields)


class Words:
    """A field value a person reads, said in the message's language (see `render`)."""

    def render(self, lang: str) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.render("en")


class Columns(Words):
    """Column names of `table`: 「身份证号码」、「姓名」 in Chinese, id_number, name in English."""

    def __init__(self, names: str | list[str] | tuple[str, ...], table: str | None = None):
        self.names = [names] if isinstance(names, str) else list(names)
        self.table = table

    def render(self, lang: str) -> str:
        if lang == "zh":
            return "、".join(f"「{column_label(n, 'zh', self.table)}」" for n in self.names)
        return ", ".join(self.names)


class Table(Words):
    """A table name: 花名册 in Chinese, trainees in English."""

    def __init__(self, name: str):
        self.name = name

    def render(self, lang: str) -> str:
        return table_label(self.name, lang)


def default_lang(environ: dict[str, str] | None = None, platform: str | None = None) -> str:
    """zh when the user's language is Chinese, else en.

    `TRAINAUDIT_LANG` wins (zh or en); then the POSIX locale variables (LC_ALL,
    LC_MESSAGES, LANG: Linux, and macOS terminals); then the system's own setting — on
    Windows the user's UI language (no LANG there), on macOS the AppleLocale default."""
    env = os.environ if environ is None else environ
    for var in ("TRAINAUDIT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return _lang_of(value)
    return _lang_of(_system_locale(platform or sys.platform))


def _lang_of(locale_name: str) -> str:
    """zh for zh_CN.UTF-8, zh-Hans, Chinese (Simplified)_China.936; else en."""
    return "zh" if locale_name.strip().lower().startswith(("zh", "chinese")) else "en"


WINDOWS_CHINESE = 0x04
"""LANG_CHINESE, the primary language of every Chinese LANGID (0x0804 zh-CN, 0x0404 zh-TW…)."""


def _system_locale(platform: str) -> str:
    """The language the user chose for the system, where no environment variable says it."""
    if platform == "win32":
        try:
            import ctypes

            langid = ctypes.windll.kernel32.GetUserDefaultUILanguage()  # type: ignore[attr-defined]
        except (AttributeError, OSError):
            langid = 0
        if langid & 0x3FF == WINDOWS_CHINESE:
            return "zh"
    elif platform == "darwin":
        # The first of the user's preferred languages (System Settings → Language & Region),
        # else the region format: a Finder-started program has no LANG.
        for key in ("AppleLanguages", "AppleLocale"):
            said = _defaults_read(key)
            if said:
                return said
    return locale.getlocale()[0] or ""


def _defaults_read(key: str) -> str:
    """The first value of a macOS global default (`defaults read -g KEY`), or ""."""
    import re
    import subprocess

    try:
        out = subprocess.run(["defaults", "read", "-g", key], capture_output=True, text=True,
                             timeout=2)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return ""
    first = re.search(r"[A-Za-z]{2}[\w-]*", out.stdout) if out.returncode == 0 else None
    return first.group(0) if first else ""


# --------------------------------------------------------------------------- words

TABLE_ZH = {
    "trainees": "花名册",
    "certificates": "证书",
    "payments": "支付",
    "institutions": "培训机构",
    "watchlist": "重点核查名单",
    "occupations": "职业目录",
}
"""The Chinese name of each input table, as sheet names and messages show it."""

SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_ZH = {"passed": "通过", "failed": "发现问题", "skipped": "跳过", "error": "出错"}
SPECIAL_COLUMNS_ZH = {"_row": "行号", "_source": "来源文件", "_sheet": "工作表"}


def table_label(table: str, lang: str) -> str:
    """花名册 for trainees under zh; the table name itself under en."""
    return TABLE_ZH.get(table, table) if lang == "zh" else table


def severity_label(severity: object, lang: str) -> str:
    """错误/警告/提示 under zh; error/warning/info under en (a Severity or its word)."""
    word = getattr(severity, "label", str(severity))
    return SEVERITY_ZH.get(word, word) if lang == "zh" else word


def status_label(status: object, lang: str) -> str:
    """通过/发现问题/跳过/出错 under zh; passed/failed/skipped/error under en."""
    word = str(getattr(status, "value", status))
    return STATUS_ZH.get(word, word) if lang == "zh" else word


def column_label(column: str, lang: str, table: str | None = None) -> str:
    """A column as a person knows it: its first header alias under zh (「身份证号码」 for
    id_number), its canonical name under en. Unknown names are returned as they are."""
    if lang != "zh":
        return column
    if column in SPECIAL_COLUMNS_ZH:
        return SPECIAL_COLUMNS_ZH[column]
    return _column_names().get((table, column)) or _column_names().get((None, column), column)


_COLUMN_NAMES: dict[tuple[str | None, str], str] = {}


def _column_names() -> dict[tuple[str | None, str], str]:
    """(table, column) and (None, column) -> the first Chinese alias, read from io.schema."""
    if not _COLUMN_NAMES:
        from .io.schema import TABLES

        for spec in TABLES.values():
            for col in spec.columns:
                zh = next((a for a in col.aliases if not a.isascii()), col.name)
                _COLUMN_NAMES[(spec.name, col.name)] = zh
                _COLUMN_NAMES.setdefault((None, col.name), zh)
    return _COLUMN_NAMES


# --------------------------------------------------------------------------- usage errors

USAGE_ZH = (
    (r"No such option: (?P<a>\S+) \(Possible options: (?P<b>.+)\)", "没有选项 {a}（可用的选项：{b}）"),
    (r"No such option: (?P<a>\S+)", "没有选项 {a}"),
    (r"Invalid value for (?P<a>.+?): Value error, (?P<v>'[^']*') is not one of (?P<b>.+?)\.?",
     "{a} 的值 {v} 无效，应为 {b} 之一"),
    (r"Invalid value for (?P<a>.+?): Input should be greater than or equal to (?P<b>\S+)",
     "{a} 的值无效：应不小于 {b}"),
    (r"Invalid value for (?P<a>.+?): (?P<b>.+)", "{a} 的值无效：{b}"),
    (r"Got unexpected extra argument\(s\) \((?P<a>.*)\)", "多余的参数：{a}"),
    (r"No such command (?P<a>'[^']*')\.?", "没有命令 {a}"),
    (r"Missing argument (?P<a>'[^']*')\.?", "缺少参数 {a}"),
    (r"Missing option (?P<a>'[^']*')\.?", "缺少选项 {a}"),
    (r"Option (?P<a>'[^']*') requires an argument\.?", "选项 {a} 需要一个值"),
)  # fmt: skip
"""Click's usage errors (English, built inside Typer's copy of Click) as Chinese: the
pattern of each message Click can give for our commands, its parts kept."""


def usage_error(message: str, lang: str) -> str:
    """A Click usage error in `lang`; a message no pattern knows stays as Click said it."""
    if lang != "zh":
        return message
    import re

    for pattern, template in USAGE_ZH:
        match = re.fullmatch(pattern, message.strip())
        if match:
            return template.format(**match.groupdict())
    return message

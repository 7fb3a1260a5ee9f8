"""Exceptions: each message is one line naming the file, sheet, row and column.

An error carries a message id (its English template, see :mod:`trainaudit.i18n`) and
named fields, so the edge can say it in the run's language: ``exc.render("zh")``.
``str(exc)`` is the English sentence.
"""

from __future__ import annotations

from pathlib import Path

from .i18n import Words, render


class TrainauditError(Exception, Words):
    """Base of every error trainaudit raises on purpose (a field of another message too)."""

    def __init__(self, msgid: str = "", /, **fields: object):
        self.msgid, self.fields = msgid, fields
        super().__init__(render(msgid, "en", **fields))

    def render(self, lang: str) -> str:
        """The message in `lang` (zh or en)."""
        return render(self.msgid, lang, **self.fields)

    def __str__(self) -> str:
        return self.render("en")


class InputError(TrainauditError):
    """An input cannot be audited: missing, unreadable, no recognisable header."""


class PolicyError(TrainauditError):
    """The policy file has an unknown key, a wrong type or an impossible value."""


class EngineError(TrainauditError):
    """A query failed; the message carries the query's label and SQL."""

    def __init__(self, label: str, sql: str, cause: Exception):
        self.sql, self.cause = sql, cause
        super().__init__("query {label} failed: {cause}", label=label, cause=cause)
        self.label = label


LOCK_PREFIX = "~$"
"""Excel (and WPS) keep `~$报名表.xlsx` beside `报名表.xlsx` while it is open: a few
bytes naming the user, never the workbook. A glob such as `inbox/*.xlsx` picks it up."""


def check_not_lock_file(path: Path) -> None:
    """Refuse Excel's lock file by its name, saying which workbook it stands for."""
    name = Path(path).name
    if name.startswith(LOCK_PREFIX) and len(name) > len(LOCK_PREFIX):
        raise InputError(
            "{path}: this is the lock file Excel keeps while {workbook} is open, not a "
            "workbook; save and close {workbook} in Excel, then give {workbook} itself",
            path=path,
            workbook=name[len(LOCK_PREFIX) :],
        )

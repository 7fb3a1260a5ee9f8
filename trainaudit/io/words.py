"""Pieces of reader messages said in the run's language: where in a file, and parts
added to a message (each a msgid of the catalogue with its fields)."""

from __future__ import annotations

from pathlib import Path

from ..i18n import Words, render


class Said(Words):
    """Parts of a message, each a msgid with its fields, said in the message's language."""

    def __init__(self, msgid: str = "", **fields: object) -> None:
        self.parts: list[tuple[str, dict]] = []
        if msgid:
            self.add(msgid, **fields)

    def add(self, msgid: str, **fields: object) -> Said:
        self.parts.append((msgid, fields))
        return self

    def render(self, lang: str) -> str:
        return "".join(render(msgid, lang, **fields) for msgid, fields in self.parts)


def in_sheet(sheet: str | None) -> Said | str:
    """`, sheet 花名册` after a file name (nothing when the file has no sheets)."""
    return Said(", sheet {sheet}", sheet=sheet) if sheet else ""


def at(path: Path | str, sheet: str | None = None, line: int | None = None) -> Said:
    """A file, and the sheet or line in it, as a message names them."""
    said = Said("{path}", path=path)
    if sheet:
        said.add(", sheet {sheet}", sheet=sheet)
    if line is not None:
        said.add(": line {line}", line=line)
    return said

"""The Chinese side of the message catalogue (see :mod:`trainaudit.i18n`).

One module per part of the program, so that each part keeps its own words beside the
others without editing one long dict: a msgid (the English template) maps to its
Chinese template with the same ``{fields}``. The parts are merged into one catalogue;
a msgid defined twice must say the same thing (``tests/test_i18n.py``).
"""

from __future__ import annotations

from . import cli, engine, general, io, report, spark

PARTS = {
    "cli": cli.ZH,
    "engine": engine.ZH,
    "general": general.ZH,
    "io": io.ZH,
    "report": report.ZH,
    "spark": spark.ZH,
}

ZH: dict[str, str] = {}
for _part in PARTS.values():
    ZH.update(_part)

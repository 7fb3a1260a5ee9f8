"""Regenerate the references in docs/ from the code (`make docs`): the rule reference
from the rule catalogue, the command reference from the Typer app, each in English and
Chinese. tests/test_docs.py fails when a committed file differs from what this writes
(the cog pattern of sqlite-utils): change the code, run this, commit both."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def references() -> dict[str, str]:
    """File name in docs/ -> its generated text."""
    from trainaudit.cli import cli_markdown
    from trainaudit.report.console import rules_markdown
    from trainaudit.rules.registry import all_rules

    return {
        "rules.md": rules_markdown(all_rules(), "en"),
        "rules.zh.md": rules_markdown(all_rules(), "zh"),
        "cli.md": cli_markdown("en"),
        "cli.zh.md": cli_markdown("zh"),
    }


def main() -> int:
    for name, text in references().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"docs/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

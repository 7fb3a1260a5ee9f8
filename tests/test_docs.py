"""Docs that cannot drift (sqlite-utils' cog pattern): the committed rule reference is
exactly what `trainaudit rules --markdown` prints today."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from trainaudit.cli import app

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize(("lang", "name"), [("en", "rules.md"), ("zh", "rules.zh.md")])
def test_committed_rule_reference_is_generated(lang, name):
    result = CliRunner().invoke(app, ["rules", "--markdown", "--lang", lang])
    assert result.exit_code == 0, result.output
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == result.stdout, (
        f"docs/{name} is stale: run `trainaudit rules --markdown --lang {lang} > docs/{name}`"
    )


def test_rule_reference_cites_documents_not_seed_files():
    for name in ("rules.md", "rules.zh.md"):
        text = (DOCS / name).read_text(encoding="utf-8")
        assert "seed" not in text.lower() and "种子" not in text and "seeds/" not in text
        assert "《山西省职业技能提升行动实施方案（2019—2021年）》" in text

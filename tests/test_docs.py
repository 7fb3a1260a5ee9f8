"""Docs that cannot drift (sqlite-utils' cog pattern): the committed rule and command
references are exactly what the code generates today (`make docs` rewrites them)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trainaudit.cli import app

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _generate():
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.references()


GENERATED = _generate()


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_committed_reference_is_generated(name):
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == GENERATED[name], f"docs/{name} is stale: run `make docs` and commit it"


@pytest.mark.parametrize(("lang", "name"), [("en", "rules.md"), ("zh", "rules.zh.md")])
def test_rules_markdown_command_prints_the_reference(lang, name):
    result = CliRunner().invoke(app, ["rules", "--markdown", "--lang", lang])
    assert result.exit_code == 0, result.output
    assert result.stdout == GENERATED[name]


def test_references_cite_documents_not_seed_files():
    for name in ("rules.md", "rules.zh.md"):
        text = GENERATED[name]
        assert "seed" not in text.lower() and "种子" not in text and "seeds/" not in text
        assert "《山西省职业技能提升行动实施方案（2019—2021年）》" in text


def test_command_reference_lists_every_command():
    for name in ("cli.md", "cli.zh.md"):
        text = GENERATED[name]
        for path in ("trainaudit audit", "trainaudit validate", "trainaudit history add",
                     "trainaudit policy check", "trainaudit rules explain"):  # fmt: skip
            assert f"## `{path}`" in text, (name, path)
    assert "显示版本号并退出" in GENERATED["cli.zh.md"]
    assert "print the version and exit" in GENERATED["cli.md"]


def test_links_in_readme_and_docs_resolve():
    """A guide whose links lead nowhere is a guide that drifted."""
    import re

    root = DOCS.parent
    broken = []
    for page in [root / "README.md", *sorted(DOCS.glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(root)} -> {target}")
    assert not broken, "\n".join(broken)

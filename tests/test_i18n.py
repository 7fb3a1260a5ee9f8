"""Every word a person reads exists in Chinese and in English (issue 13).

The catalogue is checked from the code itself: an AST walk finds every error the code
can raise and every message it renders, so a new English sentence cannot slip past the
Chinese catalogue; then real runs (CLI, workbook, --help) are read back in both
languages: no English phrase under zh, no Chinese under en (data aside), no internal
column name inside 「」.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from trainaudit import i18n
from trainaudit.cli import app, command
from trainaudit.errors import InputError, PolicyError, TrainauditError
from trainaudit.io.schema import TABLES
from trainaudit.messages import PARTS, ZH
from trainaudit.policy import LEVELS
from trainaudit.report.labels import LABELS
from trainaudit.rules.registry import all_rules

PACKAGE = Path(i18n.__file__).resolve().parent
SAMPLES = PACKAGE.parent / "sample_data"
INTERNAL_COLUMNS = {c.name for t in TABLES.values() for c in t.columns} | {"_row"}
INTERNAL_WORDS = (INTERNAL_COLUMNS | set(TABLES)) - {"name", "level", "status", "account", "reason"}

# Words that stay as they are in Chinese text: program and format names, units.
ALLOWED_WORDS = {
    "trainaudit", "excel", "wps", "csv", "toml", "json", "jsonl", "xlsx", "xlsm", "xls",
    "ods", "parquet", "utf", "bom", "gb", "sha", "hmac", "duckdb", "sql", "id", "yyyy",
    "mm", "dd", "x", "e", "true", "false", "zip", "xml", "mb", "html", "zh", "en",
    "spark", "pyspark", "never",
}  # fmt: skip
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]{2,})+")
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def field_names(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def english_left(text: str) -> list[str]:
    """English phrases in a Chinese text, once what is not prose is taken out: fields,
    code spans, quoted names, options (--force), paths, codes and kebab names."""
    text = re.sub(r"\{[^}]*\}|`[^`]*`|'[^']*'|“[^”]*”|\"[^\"]*\"", " ", text)
    text = re.sub(r"(?<![\w-])--?[A-Za-z][\w-]*(?:[ =][a-z_]+\b)?", " ", text)  # options
    text = re.sub(r"\S*[/\\.]\S*|\b[A-Z]\d{3}\b", " ", text)  # paths, file names, codes
    text = re.sub(r"\b[a-z]+(?:-[a-z0-9]+)+\b", " ", text)  # kebab names: machine names
    # a lone table or column name is the internal word the clerk must not see (trainees表)
    lone = [w for w in re.findall(r"[A-Za-z_]+", text) if w in INTERNAL_WORDS]
    text = re.sub(r"\b\w+[-_]\w[\w-]*", " ", text)
    phrases = lone
    for match in ENGLISH_PHRASE.finditer(text):
        words = [w for w in re.findall(r"[A-Za-z]+", match.group(0))]
        if any(w.lower() not in ALLOWED_WORDS for w in words):
            phrases.append(match.group(0))
    return phrases


def internal_columns_quoted(text: str) -> list[str]:
    return [c for c in re.findall(r"「([^」]*)」", text) if c in INTERNAL_COLUMNS]


# --------------------------------------------------------------------------- the code


def _error_classes() -> set[str]:
    """Names of TrainauditError and every subclass declared anywhere in the package, but
    EngineError's family: it is raised with a query label and builds its own msgid."""
    names = {"TrainauditError", "InputError", "PolicyError"}
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py")]
    grew = True
    while grew:
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in names:
                    bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                    if bases & names and "EngineError" not in {node.name, *bases}:
                        names.add(node.name)
                        grew = True
    return names


def _calls() -> list[tuple[str, int, str, ast.Call, dict[str, str]]]:
    """(file, line, callee, call, module string constants) of every error raised with a
    msgid, every `render(...)` and every CLI `_fail(...)` in the package."""
    errors = _error_classes()
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            t.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for t in node.targets
            if isinstance(t, ast.Name) and isinstance(node.value.value, str)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            f = node.func
            name = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            if name in errors or name == "_fail" or name == "render" and isinstance(f, ast.Name):
                rel = str(path.relative_to(PACKAGE.parent))
                out.append((rel, node.lineno, name, node, constants))
    return out


CALLS = _calls()


def _msgid(call: ast.Call, constants: dict[str, str]) -> str | None:
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.Name):
        return constants.get(arg.id)
    return None


def test_every_error_carries_a_msgid_not_a_finished_sentence():
    """`InputError(f"{path}: …")` cannot be translated: the msgid must be the template."""
    finished = [
        f"{file}:{line} {name}({ast.unparse(call.args[0])[:70]})"
        for file, line, name, call, constants in CALLS
        if name != "render" and _msgid(call, constants) is None
    ]
    assert not finished, "\n".join(finished)


def test_every_msgid_has_chinese_with_the_same_fields():
    problems = []
    for file, line, _name, call, constants in CALLS:
        msgid = _msgid(call, constants)
        if msgid is None:  # a render of a variable msgid (errors.py), or a finished sentence
            continue
        fields = field_names(msgid)
        given = {k.arg for k in call.keywords if k.arg}
        spread = any(k.arg is None for k in call.keywords)
        if msgid not in ZH:
            problems.append(f"{file}:{line}: no Chinese for {msgid!r}")
        elif field_names(ZH[msgid]) != fields:
            problems.append(f"{file}:{line}: fields differ: {msgid!r} vs {ZH[msgid]!r}")
        if fields and not spread and not fields <= given:
            problems.append(f"{file}:{line}: {msgid!r} lacks {sorted(fields - given)}")
    assert not problems, "\n".join(problems)


def test_catalogue_parts_agree_and_speak_chinese():
    seen: dict[str, tuple[str, str]] = {}
    problems = []
    for part, table in PARTS.items():
        for msgid, zh in table.items():
            if msgid in seen and seen[msgid][1] != zh:
                problems.append(f"{msgid!r}: {seen[msgid][0]} and {part} say it differently")
            seen.setdefault(msgid, (part, zh))
            if field_names(msgid) != field_names(zh):
                problems.append(f"{part}: fields differ in {msgid!r}")
            left = english_left(zh)
            if left:
                problems.append(f"{part}: English left in {zh!r}: {left}")
            if internal_columns_quoted(zh):
                problems.append(f"{part}: internal column name in {zh!r}")
            if CJK.search(re.sub(r"\{[^}]*\}", "", msgid)) and part != "io":
                problems.append(f"{part}: Chinese in the English msgid {msgid!r}")
    assert not problems, "\n".join(problems)


def test_labels_exist_in_both_languages():
    zh, en = LABELS["zh"], LABELS["en"]
    assert set(zh) == set(en)
    for key in zh:
        assert field_names(zh[key]) == field_names(en[key]), key
        assert not english_left(zh[key]), (key, zh[key])
        assert not CJK.search(en[key]), (key, en[key])


def test_rule_messages_exist_in_both_languages():
    for rule in all_rules():
        assert set(rule.message) >= {"zh", "en"}, rule.code
        zh, en = rule.message["zh"], rule.message["en"]
        assert not english_left(zh), (rule.code, zh)
        vocabulary = "|".join(LEVELS)  # data words the English message names as they are
        assert not CJK.search(re.sub(rf"\{{[^}}]*\}}|{vocabulary}", "", en)), (rule.code, en)
        assert not internal_columns_quoted(zh), (rule.code, zh)


def test_every_rule_has_a_chinese_title():
    from trainaudit.rules.docs_zh import TITLES_ZH, rule_title

    codes = {r.code for r in all_rules()}
    assert set(TITLES_ZH) == codes
    for rule in all_rules():
        assert CJK.search(rule_title(rule.code, rule.name, "zh")), rule.code
        assert rule_title(rule.code, rule.name, "en") == rule.name


def test_words_for_tables_columns_severities_statuses():
    assert [i18n.table_label(t, "zh") for t in TABLES] == [
        "花名册", "证书", "支付", "培训机构", "重点核查名单", "职业目录",
    ]  # fmt: skip
    assert i18n.column_label("id_number", "zh") == "身份证号码"
    assert i18n.column_label("issue_date", "zh", "certificates") == "发证日期"
    assert i18n.column_label("id_number", "en") == "id_number"
    for table in TABLES.values():
        for column in table.columns:
            assert CJK.search(i18n.column_label(column.name, "zh", table.name)), column
    assert [i18n.status_label(s, "zh") for s in ("passed", "failed", "skipped", "error")] == [
        "通过", "发现问题", "跳过", "出错",
    ]  # fmt: skip
    assert [i18n.severity_label(s, "zh") for s in ("error", "warning", "info")] == [
        "错误", "警告", "提示",
    ]  # fmt: skip


def test_an_error_renders_its_fields_in_the_run_language():
    exc = InputError(
        "{path}: not added: no column for {columns} (required in {table})",
        path="a.xlsx", columns=i18n.Columns(["id_number", "name"], "trainees"),
        table=i18n.Table("trainees"),
    )  # fmt: skip
    assert str(exc) == "a.xlsx: not added: no column for id_number, name (required in trainees)"
    assert exc.render("zh") == "a.xlsx：未加入：缺少花名册的必需列 「身份证号码」、「姓名」"
    nested = PolicyError("{path}: not a valid TOML file ({error})", path="p.toml", error=exc)
    assert "「身份证号码」" in nested.render("zh") and "id_number" in str(nested)
    assert isinstance(exc, TrainauditError)


# --------------------------------------------------------------------------- the runs


def _run(args: list[str], env: dict[str, str]):
    return CliRunner().invoke(app, args, env=env)


ZH_ENV = {"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "TRAINAUDIT_LANG": ""}
EN_ENV = {"LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "TRAINAUDIT_LANG": ""}


def _sample_args(out: Path) -> list[str]:
    return [
        "audit", "--trainees", str(SAMPLES / "trainees.xlsx"),
        "--certificates", str(SAMPLES / "certificates.csv"),
        "--payments", str(SAMPLES / "payments.csv"),
        "--institutions", str(SAMPLES / "institutions.csv"),
        "--watchlist", str(SAMPLES / "watchlist.csv"),
        "--occupations", str(SAMPLES / "occupations.csv"),
        "--out", str(out), "--fail-on", "never",
    ]  # fmt: skip


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("i18n")
    zh = _run(_sample_args(folder / "zh.xlsx"), ZH_ENV)
    en = _run(_sample_args(folder / "en.xlsx") + ["--lang", "en"], ZH_ENV)
    return zh, en, folder


def _prose(text: str) -> str:
    """What a person reads of a console line: without paths and ID-like runs."""
    return re.sub(r"\S*(sample_data|i18n\d*)\S*", " ", text)


def test_console_under_a_chinese_locale_is_chinese(sample_runs):
    zh, _, _ = sample_runs
    assert zh.exit_code == 0, zh.output
    lines = [line for line in zh.stdout.splitlines() if english_left(_prose(line))]
    assert not lines, "\n".join(lines)
    assert not internal_columns_quoted(zh.stdout)
    assert "通过" in zh.stdout and "发现问题" in zh.stdout


def test_console_under_en_has_no_chinese_but_data(sample_runs):
    _, en, _ = sample_runs
    assert en.exit_code == 0, en.output
    header = en.stdout.split("Audit result")[1].splitlines()[:4]
    assert not any(CJK.search(line) for line in header), header
    assert "passed" in en.stdout and "failed" in en.stdout


def _our_sheets(path: Path, names: tuple[str, ...]):
    wb = openpyxl.load_workbook(path)
    return wb, [wb[n] for n in names if n in wb.sheetnames]


def test_workbook_under_zh_is_chinese(sample_runs):
    _, _, folder = sample_runs
    wb, sheets = _our_sheets(folder / "zh.xlsx", ("问题清单", "汇总"))
    assert len(sheets) == 2, wb.sheetnames
    assert {"证书", "支付", "培训机构", "重点核查名单", "职业目录"} <= set(wb.sheetnames)
    findings, summary = sheets
    header = [c.value for c in findings[1]]
    assert not any(english_left(str(h)) for h in header), header
    columns = {row[header.index("列")] for row in findings.iter_rows(min_row=2, values_only=True)}
    assert not columns & INTERNAL_COLUMNS, columns & INTERNAL_COLUMNS
    severities = {row[2] for row in findings.iter_rows(min_row=2, values_only=True)}
    assert severities <= {"错误", "警告", "提示"}
    manifest = [r[0] for r in summary.iter_rows(values_only=True) if r and r[0]]
    policy_at = manifest.index("政策参数")  # policy keys are machine names, the rest prose
    left = [v for v in manifest[:policy_at] if isinstance(v, str) and english_left(_prose(v))]
    codes = {r.code for r in all_rules()}
    left = [v for v in left if v not in codes]
    assert not left, left
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == "trainaudit":
                    assert not internal_columns_quoted(cell.comment.text), cell.comment.text


def test_workbook_under_en_keeps_its_sheet_names(sample_runs):
    _, _, folder = sample_runs
    wb = openpyxl.load_workbook(folder / "en.xlsx", read_only=True)
    assert {"Findings", "Summary", "certificates", "payments"} <= set(wb.sheetnames)
    assert not {"问题清单", "汇总"} & set(wb.sheetnames)


# --------------------------------------------------------------------------- --help


def _help_texts(cmd) -> list[str]:
    texts = [cmd.help or "", cmd.short_help or ""]
    texts += [getattr(p, "help", "") or "" for p in cmd.params]
    for sub in getattr(cmd, "commands", {}).values():
        texts += _help_texts(sub)
    return [t for t in texts if t]


def test_every_help_string_has_chinese():
    zh = _help_texts(command("zh"))
    left = [t for t in zh if english_left(t)]
    command("en")  # leave Typer's words in English for the tests that follow
    assert not left, "\n".join(left)
    en = _help_texts(command("en"))
    assert not [t for t in en if CJK.search(t)]


@pytest.mark.parametrize("args", [["-h"], ["audit", "-h"], ["policy", "check", "--help"]])
def test_help_output_in_chinese(args):
    import subprocess
    import sys

    env = {"LANG": "zh_CN.UTF-8", "PATH": "/usr/bin:/bin", "COLUMNS": "80"}
    out = subprocess.run([sys.executable, "-m", "trainaudit", *args], capture_output=True,
                         text=True, env=env, timeout=60)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "用法：" in out.stdout and "选项" in out.stdout and "Usage" not in out.stdout
    lines = [line for line in out.stdout.splitlines() if "用法：" not in line]
    prose = [line for line in lines if english_left(line.strip("│ "))]
    assert not prose, "\n".join(prose)
    assert "…" not in out.stdout, "Chinese help is folded, never cut off"
    en = subprocess.run([sys.executable, "-m", "trainaudit", *args, "--lang", "en"]
                        if args != ["-h"] else [sys.executable, "-m", "trainaudit", "--lang", "en", "-h"],
                        capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    assert "Usage" in en.stdout and not CJK.search(en.stdout), en.stdout


def test_version_flag():
    import trainaudit

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == trainaudit.__version__


def test_choices_wrap_between_words_not_inside_them():
    import subprocess
    import sys

    env = {"LANG": "en_US.UTF-8", "PATH": "/usr/bin:/bin", "COLUMNS": "70"}
    out = subprocess.run([sys.executable, "-m", "trainaudit", "audit", "--help"],
                         capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    words = re.findall(r"[a-z]+", " ".join(re.findall(r"<[^>]*>?|[^<]*>", out.stdout)))
    assert "never" in out.stdout and "neve" not in words and "r" not in words


# --------------------------------------------------------------------------- language


def test_default_language_from_the_environment():
    assert i18n.default_lang({"TRAINAUDIT_LANG": "en", "LANG": "zh_CN.UTF-8"}) == "en"
    assert i18n.default_lang({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert i18n.default_lang({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US"}) == "zh"
    assert i18n.default_lang({"LANG": "en_US.UTF-8"}) == "en"
    assert i18n.default_lang({"LANG": "C.UTF-8"}) == "en"


def test_default_language_on_windows_is_the_users_ui_language(monkeypatch):
    """No LANG on Windows: GetUserDefaultUILanguage says it (0x0804 Chinese (PRC),
    0x0404 Chinese (Taiwan), 0x0409 English)."""
    import ctypes

    class Kernel32:
        def __init__(self, langid: int):
            self.langid = langid

        def GetUserDefaultUILanguage(self) -> int:  # noqa: N802 (the Windows name)
            return self.langid

    for langid, expected in ((0x0804, "zh"), (0x0404, "zh"), (0x0409, "en")):
        windll = type("windll", (), {"kernel32": Kernel32(langid)})()
        monkeypatch.setattr(ctypes, "windll", windll, raising=False)
        if expected == "en":
            monkeypatch.setattr("locale.getlocale", lambda: ("en_US", "UTF-8"))
        assert i18n.default_lang({}, "win32") == expected, hex(langid)


def test_default_language_on_macos_from_apple_locale(tmp_path, monkeypatch):
    """A macOS app started from Finder has no LANG: `defaults read -g AppleLocale`."""
    defaults = tmp_path / "defaults"
    script = """#!/bin/sh
case "$3" in
  AppleLanguages) printf '(\\n    "%s",\\n    "en-US"\\n)\\n' "$FIRST" ;;
  AppleLocale) echo en_US ;;
esac
"""
    defaults.write_text(script, encoding="utf-8")
    defaults.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("FIRST", "zh-Hans-CN")
    assert i18n.default_lang({}, "darwin") == "zh"
    monkeypatch.setenv("FIRST", "en-GB")  # English first, whatever the region format
    assert i18n.default_lang({}, "darwin") == "en"


def test_every_progress_step_has_a_label():
    """The steps the library reports (progress("rules", …)) are shown by the CLI in the
    run's language: each needs a `progress_<step>` label."""
    steps = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Name):
                first = node.args[0]
                if (
                    node.func.id in ("progress", "report", "report_progress")
                    and isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                ):
                    steps.add(first.value)
    assert {"read", "rules"} <= steps
    missing = sorted(s for s in steps if f"progress_{s}" not in LABELS["zh"])
    assert not missing, missing


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["audit", "--bogus"], "没有选项 --bogus"),
        (["audit", "--fail-on", "x"], "'--fail-on' 的值 'x' 无效"),
        (["audit", "--rules"], "选项 '--rules' 需要一个值"),
        (["bogus"], "没有命令 'bogus'"),
        (["rules", "explain"], "缺少参数 'code'"),
        (["audit", "--max-cells", "0"], "应不小于 1"),
    ],
)
def test_usage_errors_in_chinese(args, expected):
    result = _run(args, ZH_ENV)
    assert result.exit_code == 2
    assert expected in result.stderr and result.stderr.startswith("trainaudit：错误：")
    said = re.sub(r"（[^）]*--help 查看帮助）", "", result.stderr)  # the command path is a name
    assert not english_left(said.replace("trainaudit", "")), result.stderr
    english = _run(
        [*args, "--lang", "en"] if args != ["bogus"] else ["--lang", "en", *args], ZH_ENV
    )
    assert english.exit_code == 2 and not CJK.search(english.stderr), english.stderr


def test_history_commands_speak_the_run_language(tmp_path):
    store = tmp_path / "h.duckdb"
    said = []
    for args in (
        ["history", "init", "--store", store],
        ["history", "add", SAMPLES / "certificates.csv", "--store", store],
        ["history", "add", SAMPLES / "certificates.csv", "--store", store],
        ["history", "list", "--store", store],
        ["history", "remove", "1", "--store", store],
    ):
        result = _run([str(a) for a in args], ZH_ENV)
        assert result.exit_code == 0, result.output
        said.append(result.stdout)
    text = re.sub(r"\S*(h\.duckdb|certificates\.csv)\S*|\b[0-9a-f]{12}\b", " ", "\n".join(said))
    assert not english_left(text), text
    assert "已创建" in said[0] and "证书" in said[1] and "不再重复加入" in said[2]


def test_rule_explanations_in_chinese_name_no_internal_words():
    """`rules explain` under zh: no English prose, no internal column name (开班日期, not
    start_date); names quoted as data (the pinyin of I109's example) aside."""
    from trainaudit.report.console import explain_rule

    data = {"Zhang Wei"}
    for rule in all_rules():
        text = explain_rule(rule, "zh")
        left = [p for p in english_left(text) if p not in data]
        assert not left, (rule.code, left)
        assert not internal_columns_quoted(text), rule.code


def test_missing_column_error_line_in_chinese(tmp_path):
    """The exit-2 line of an upload lacking columns: tables and columns by their Chinese
    names (「培训机构」（花名册）), never trainees or institution."""
    path = tmp_path / "t.csv"
    path.write_text("姓名,身份证号码,性别\n张三,110101199003071234,男\n", encoding="utf-8")
    result = _run(["validate", str(path), "--table", "trainees", "-q"], ZH_ENV)
    assert result.exit_code == 2
    line = result.stderr.replace(str(path), "").replace("t.csv", "")
    assert "缺少必填列「培训机构」（花名册）" in line
    assert not english_left(line.replace("trainaudit", "")), line


def test_skip_reasons_in_chinese(tmp_path):
    """A roster alone: most rules are skipped, each saying why (未提供证书表…) in Chinese."""
    result = _run(["audit", "--trainees", str(SAMPLES / "trainees.xlsx"), "--fail-on", "never"],
                  {**ZH_ENV, "COLUMNS": "200"})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "跳过" in result.stdout and "未提供" in result.stdout
    lines = [line for line in result.stdout.splitlines() if english_left(_prose(line))]
    assert not lines, "\n".join(lines)


def test_waived_sheet_in_chinese(tmp_path):
    import csv

    roster = str(SAMPLES / "trainees.xlsx")
    first = tmp_path / "first.csv"
    assert _run(["validate", roster, "--findings", str(first), "-q", "--fail-on", "never"],
                ZH_ENV).exit_code == 0  # fmt: skip
    fingerprint = next(csv.DictReader(first.open(encoding="utf-8-sig")))["fingerprint"]
    waivers = tmp_path / "waivers.csv"
    waivers.write_text(f"fingerprint,reason,who,until\n{fingerprint},已核实,王审计,\n",
                       encoding="utf-8")  # fmt: skip
    out = tmp_path / "zh.xlsx"
    result = _run(["audit", "--trainees", roster, "--waivers", str(waivers), "--out", str(out),
                   "--fail-on", "never", "-q"], ZH_ENV)  # fmt: skip
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert "已豁免" in wb.sheetnames and "Waived" not in wb.sheetnames
    header = [c.value for c in wb["已豁免"][1]]
    assert "豁免理由" in header and not [h for h in header if h and english_left(str(h))]
    assert [r[-3] for r in wb["已豁免"].iter_rows(min_row=2, values_only=True)] == ["已核实"]


def test_engine_error_has_chinese():
    from trainaudit.errors import EngineError

    exc = EngineError("R202 repeat-level", "SELECT 1", RuntimeError("Binder Error"))
    assert exc.render("zh") == "查询 R202 repeat-level 失败：Binder Error"
    assert str(exc) == "query R202 repeat-level failed: Binder Error"

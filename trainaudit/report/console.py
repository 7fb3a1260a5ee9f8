"""Rich console output. Imported only by the CLI; ID numbers masked unless asked."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..i18n import column_label, render, severity_label, status_label, table_label
from ..model import AuditReport, Severity, Status
from ..privacy import for_person
from ..rules.docs_zh import rule_title
from ..rules.registry import Rule
from .labels import label

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_STATUS_STYLE = {
    Status.PASSED: "green",
    Status.FAILED: "red",
    Status.SKIPPED: "dim",
    Status.ERROR: "bold magenta",
}


def _t(lang: str):
    """The report words in `lang` (report/labels.py: one place for workbook and console)."""
    return lambda key, **values: label(lang, key, **values)


def masked(text: str, show_ids: bool) -> str:
    """A subject that looks like an ID number is masked unless the user asked to see it;
    so is every ID number quoted inside a longer text (a message, a rule's detail)."""
    return for_person(text, show_ids)


def print_summary(
    report: AuditReport, console: Console, show_ids: bool = False, first: int = 10
) -> None:
    lang = report.lang
    t = _t(lang)
    inputs = Table(title=t("inputs"), show_edge=False)
    for col in ("table", "path", "rows"):
        inputs.add_column(t(col))
    for info in (i for files in report.all_inputs().values() for i in files):
        inputs.add_row(
            table_label(info.table, lang),
            f"{info.path}{' [' + info.sheet + ']' if info.sheet else ''}",
            str(info.rows),
        )
    console.print(inputs)
    print_mapping(report, console)

    table = Table(title=t("title"))
    for col in ("code", "name", "severity", "status", "count", "detail"):
        table.add_column(t(col), justify="right" if col == "count" else "left")
    for r in report.results:
        table.add_row(
            r.code,
            rule_title(r.code, r.name, lang),
            f"[{_STYLE[r.severity]}]{severity_label(r.severity, lang)}[/]",
            f"[{_STATUS_STYLE[r.status]}]{status_label(r.status, lang)}[/]",
            str(len(r.findings)) if r.status in (Status.FAILED, Status.PASSED) else "",
            masked(r.detail, show_ids),
        )
    console.print(table)
    if report.findings and first:
        shown = Table(title=t("first", n=min(first, len(report.findings))), show_edge=False)
        for col in ("code", "table", "row", "subject", "message"):
            shown.add_column(t(col))
        for f in report.findings[:first]:
            shown.add_row(
                f.rule,
                table_label(f.table, lang),
                "" if f.row is None else str(f.row),
                masked(f.subject, show_ids),
                masked(f.message, show_ids),
            )
        console.print(shown)
    counts = {s: sum(1 for f in report.findings if f.severity is s) for s in Severity}
    console.print(
        t(
            "total_line",
            n=len(report.findings),
            e=counts[Severity.ERROR],
            w=counts[Severity.WARNING],
            i=counts[Severity.INFO],
        )
    )
    print_nightly(report, console)


def mapping_lines(info, lang: str) -> str:
    """`column ← header` per canonical column read; a header that is the column's own
    name is shown once."""
    parts = []
    for column, header in info.columns.items():
        name = column_label(column, lang, info.table)
        header = " ".join(str(header).split())
        parts.append(name if header.replace(" ", "") == name else f"{name} ← {header}")
    return ("、" if lang == "zh" else ", ").join(parts)


def note_text(note: str, lang: str) -> str:
    """A reader's note (io.grid.Note) in `lang`; a plain string as it is."""
    msgid = getattr(note, "msgid", None)
    return render(msgid, lang, **note.fields) if msgid else note


def print_mapping(report: AuditReport, console: Console) -> None:
    """Per input, the sheet, header row, data rows, rows dropped and each column's
    header (SPEC §2): what the reader understood, so that a wrong guess shows."""
    lang = report.lang
    t = _t(lang)
    grid = Table(title=t("mapping"), show_edge=False, show_lines=True, expand=True)
    for col in ("sheet", "header_row", "rows", "dropped_rows", "columns_read"):
        wide = col == "columns_read"
        grid.add_column(t(col), ratio=4 if wide else None, overflow="fold" if wide else "ellipsis")
    for info in (i for files in report.all_inputs().values() for i in files):
        if not info.path:
            continue
        grid.add_row(
            info.sheet or info.path.replace("\\", "/").rsplit("/", 1)[-1],
            str(info.header_row),
            str(info.rows),
            info.dropped_text(),
            mapping_lines(info, lang),
        )
    if grid.row_count:
        console.print(grid)
    for info in (i for files in report.all_inputs().values() for i in files):
        for note in info.notes:
            console.print(f"  {Path(info.path).name}: {note_text(note, lang)}", markup=False)


def print_nightly(report: AuditReport, console: Console) -> None:
    """History, waivers and baseline of the run, one line each (only those it had)."""
    t = _t(report.lang)
    lines = []
    if report.history is not None:
        h = report.history
        lines.append(t("history_line", store=h.store, uploads=h.uploads, rows=sum(h.rows.values())))
        if h.excluded:
            lines.append(t("excluded_line", files=", ".join(h.excluded)))
    if report.waivers_file:
        lines.append(t("waived_line", n=len(report.waived)))
        if report.expired_waivers:
            fps = ", ".join(w.fingerprint for w in report.expired_waivers)
            lines.append(t("expired_line", n=len(report.expired_waivers), fps=fps))
    if report.baseline_file:
        lines.append(t("baselined_line", n=len(report.baselined)))
    for line in lines:
        console.print(line, markup=False)


def print_diff(diff, console: Console, lang: str, show_ids: bool = False, first: int = 50) -> None:
    """`trainaudit diff`: counts, then the new, resolved and persisting findings."""
    t = _t(lang)
    for group in ("new", "resolved", "persisting"):
        records = getattr(diff, group)
        table = Table(title=f"{t('diff_' + group)}: {len(records)}", show_edge=False)
        for col in ("code", "table", "row", "subject", "message", "fingerprint"):
            table.add_column(t(col))
        for r in records[:first]:
            table.add_row(
                str(r.get("rule", "")),
                table_label(str(r.get("table", "")), lang),
                "" if r.get("row") is None else str(r["row"]),
                masked(str(r.get("subject") or ""), show_ids),
                masked(str(r.get("message", "")), show_ids),
                str(r.get("fingerprint", "")),
            )
        console.print(table)
        if len(records) > first:
            console.print(f"… {len(records) - first}", markup=False)
    known = diff.counts().get("known", 0)
    if known:
        from ..i18n import render

        console.print(render(KNOWN_NOTE, lang, n=known), markup=False)


KNOWN_NOTE = (
    "{n} findings of the later file were left out of its report as known (it was written "
    "with --baseline): they are counted as persisting or new, never as resolved"
)


def print_rules(rules: list[Rule], console: Console, lang: str) -> None:
    t = _t(lang)
    table = Table()
    for col in ("code", "name", "severity", "reads"):
        table.add_column(t(col))
    for r in rules:
        severity = f"[{_STYLE[r.severity]}]{severity_label(r.severity, lang)}[/]"
        reads = ("、" if lang == "zh" else ", ").join(table_label(n, lang) for n in r.reads)
        table.add_row(r.code, rule_title(r.code, r.name, lang), severity, reads)
    console.print(table)


def explain_rule(rule: Rule, lang: str) -> str:
    """Plain text: what the rule catches, why, an example, how to resolve, its inputs.

    Documents are cited by title and number (SPEC §0), never by seed file number."""
    head, facts, doc = _explanation(rule, lang)
    colon = "：" if lang == "zh" else ": "
    width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in head)
    lines = [head, "=" * width, ""]
    lines += [key + colon + value for key, value in facts]
    lines += ["", doc]
    return "\n".join(lines)


def _explanation(rule: Rule, lang: str) -> tuple[str, list[tuple[str, str]], str]:
    """Heading, (label, value) facts and the explanation text of `rule` in `lang`."""
    from ..policy import cite_seeds

    t = _t(lang)
    if lang == "zh":
        title = rule_title(rule.code, rule.name, lang)
        head = f"{rule.code} {title}（{rule.name}，{severity_label(rule.severity, lang)}）"
    else:
        head = f"{rule.code} {rule.name} ({severity_label(rule.severity, lang)})"
    sep = "、" if lang == "zh" else ", "
    reads = sep.join(table_label(n, lang) for n in rule.reads)
    reads += t("any_table") if rule.any_table else ""
    template = rule.message.get(lang) or rule.message["en"]
    facts = [(t("message_template"), _readable_template(template, lang))]
    facts.append((t("reads"), reads))
    if rule.needs:
        facts.append((t("needs"), sep.join(_needed(n, lang) for n in rule.needs)))
    doc = rule.doc
    if lang == "zh":
        from ..rules.docs_zh import DOCS_ZH

        doc = DOCS_ZH.get(rule.code, rule.doc)
    doc = re.sub(r"\s*\(DOMAIN §[\d.]+\)", "", cite_seeds(doc))
    return head, facts, doc


_FIELD_WORDS_ZH = {"_value": "单元格值", "_column": "列名", "subject": "对象", "_row": "行号"}


def _readable_template(template: str, lang: str) -> str:
    """A message template as a person reads it: under zh each `{field}` becomes 〈发证日期〉
    (a column by its Chinese name) or 〈…〉, never an internal name; en keeps `{field}`."""
    if lang != "zh":
        return template

    def word(match: re.Match) -> str:
        field = match.group(1)
        if field in _FIELD_WORDS_ZH:
            return f"〈{_FIELD_WORDS_ZH[field]}〉"
        name = column_label(field, lang)
        return f"〈{name}〉" if name != field else "〈…〉"

    return re.sub(r"\{([A-Za-z_][\w]*)[^}]*\}", word, template)


def _needed(need: str, lang: str) -> str:
    """`trainees.id_number` as 花名册「身份证号码」 (zh) or as it is (en)."""
    if lang != "zh":  # *.id_number: that column of each table the rule reads
        return f"{need[2:]} (of each table read)" if need.startswith("*.") else need
    table, _, column = need.rpartition(".")
    where = table_label(table, lang) if table and table != "*" else ""
    return f"{where}「{column_label(column, lang, table or None)}」"


def rules_markdown(rules: list[Rule], lang: str) -> str:
    """The rule reference (docs/rules.md, docs/rules.zh.md) generated from the catalogue:
    an index table, then each rule as `rules explain` says it. No date or version, so
    that the committed file changes only when a rule does (tests/test_docs.py)."""
    t = _t(lang)
    zh = lang == "zh"
    sep = "、" if zh else ", "
    colon = "：" if zh else ": "
    lines = [
        "# 规则参考" if zh else "# Rule reference",
        "",
        f"<!-- {'生成命令' if zh else 'generated by'}: trainaudit rules --markdown --lang {lang} -->",
        "",
        f"| {t('code')} | {t('name')} | {t('severity')} | {t('reads')} |",
        "| --- | --- | --- | --- |",
    ]
    for r in rules:
        reads = sep.join(table_label(n, lang) for n in r.reads)
        anchor = f"#{r.code.lower()}-{r.name}"
        lines.append(
            f"| [{r.code}]({anchor}) | {rule_title(r.code, r.name, lang)} | "
            f"{severity_label(r.severity, lang)} | {reads} |"
        )
    for r in rules:
        _head, facts, doc = _explanation(r, lang)
        lines += ["", f"## {r.code} {r.name}", ""]
        if zh:
            lines.append(f"- **{t('name')}**{colon}{rule_title(r.code, r.name, lang)}")
        lines.append(f"- **{t('severity')}**{colon}{severity_label(r.severity, lang)}")
        for key, value in facts:
            shown = f"`{value}`" if key == t("message_template") else value
            lines.append(f"- **{key}**{colon}{shown}")
        lines.append("")
        for line in doc.strip().splitlines():
            # Chinese explanations put one statement a line: each its own paragraph
            if zh and line.strip() and not line.lstrip().startswith("- "):
                lines += [line.rstrip(), ""]
            else:
                lines.append(line.rstrip())
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"

"""Rich console output. Imported only by the CLI; ID numbers masked unless asked."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ..ids import mask_id
from ..model import AuditReport, Severity, Status
from ..privacy import redact_ids
from ..rules.registry import Rule

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_STATUS_STYLE = {
    Status.PASSED: "green",
    Status.FAILED: "red",
    Status.SKIPPED: "dim",
    Status.ERROR: "bold magenta",
}

_LABELS = {
    "zh": {
        "title": "审计结果",
        "code": "规则",
        "name": "名称",
        "severity": "级别",
        "status": "状态",
        "count": "问题数",
        "detail": "说明",
        "inputs": "输入",
        "rows": "行",
        "total": "合计：{n} 条问题（错误 {e}，警告 {w}，提示 {i}）",
        "first": "前 {n} 条问题",
        "row": "行",
        "subject": "对象",
        "message": "说明",
        "table": "表",
        "history": "历史库 {store}：一并核对 {uploads} 个已接收的上传（{rows} 行），只报告本次上传的问题",
        "excluded": "与本次输入为同一文件、未作历史比对：{files}",
        "waived": "已豁免 {n} 条问题（不计入退出码）",
        "expired": "{n} 条豁免已过期，不再适用：{fps}",
        "baselined": "基线中已有 {n} 条问题，本次不再报告",
    },
    "en": {
        "title": "Audit result",
        "code": "rule",
        "name": "name",
        "severity": "severity",
        "status": "status",
        "count": "findings",
        "detail": "detail",
        "inputs": "inputs",
        "rows": "rows",
        "total": "Total: {n} findings ({e} errors, {w} warnings, {i} info)",
        "first": "First {n} findings",
        "row": "row",
        "subject": "subject",
        "message": "message",
        "table": "table",
        "history": "History {store}: checked together with {uploads} accepted uploads ({rows} rows); only findings on today's rows are reported",
        "excluded": "left out of history, being today's input: {files}",
        "waived": "{n} findings waived (not counted for the exit code)",
        "expired": "{n} waivers expired and no longer apply: {fps}",
        "baselined": "{n} findings already in the baseline, not reported again",
    },
}


def masked(text: str, show_ids: bool) -> str:
    """A subject that looks like an ID number is masked unless the user asked to see it;
    so is every ID number quoted inside a longer text (a message, a rule's detail)."""
    if show_ids or not text:
        return text
    looks_like_id = len(text) >= 15 and text[:6].isdigit() and not any(c.isspace() for c in text)
    return mask_id(text) if looks_like_id else redact_ids(text)


def print_summary(
    report: AuditReport, console: Console, show_ids: bool = False, first: int = 10
) -> None:
    t = _LABELS[report.lang]
    inputs = Table(title=t["inputs"], show_edge=False)
    for col in ("table", "inputs", "rows"):
        inputs.add_column(t[col])
    for info in report.inputs.values():
        inputs.add_row(
            info.table,
            f"{info.path}{' [' + info.sheet + ']' if info.sheet else ''}",
            str(info.rows),
        )
    console.print(inputs)

    table = Table(title=t["title"])
    for col in ("code", "name", "severity", "status", "count", "detail"):
        table.add_column(t[col], justify="right" if col == "count" else "left")
    for r in report.results:
        table.add_row(
            r.code,
            r.name,
            f"[{_STYLE[r.severity]}]{r.severity.label}[/]",
            f"[{_STATUS_STYLE[r.status]}]{r.status.value}[/]",
            str(len(r.findings)) if r.status in (Status.FAILED, Status.PASSED) else "",
            masked(r.detail, show_ids),
        )
    console.print(table)
    if report.findings and first:
        shown = Table(title=t["first"].format(n=min(first, len(report.findings))), show_edge=False)
        for col in ("code", "table", "row", "subject", "message"):
            shown.add_column(t[col])
        for f in report.findings[:first]:
            shown.add_row(
                f.rule,
                f.table,
                "" if f.row is None else str(f.row),
                masked(f.subject, show_ids),
                masked(f.message, show_ids),
            )
        console.print(shown)
    counts = {s: sum(1 for f in report.findings if f.severity is s) for s in Severity}
    console.print(
        t["total"].format(
            n=len(report.findings),
            e=counts[Severity.ERROR],
            w=counts[Severity.WARNING],
            i=counts[Severity.INFO],
        )
    )
    print_nightly(report, console)


def print_nightly(report: AuditReport, console: Console) -> None:
    """History, waivers and baseline of the run, one line each (only those it had)."""
    t = _LABELS[report.lang]
    lines = []
    if report.history is not None:
        h = report.history
        lines.append(
            t["history"].format(store=h.store, uploads=h.uploads, rows=sum(h.rows.values()))
        )
        if h.excluded:
            lines.append(t["excluded"].format(files=", ".join(h.excluded)))
    if report.waivers_file:
        lines.append(t["waived"].format(n=len(report.waived)))
        if report.expired_waivers:
            fps = ", ".join(w.fingerprint for w in report.expired_waivers)
            lines.append(t["expired"].format(n=len(report.expired_waivers), fps=fps))
    if report.baseline_file:
        lines.append(t["baselined"].format(n=len(report.baselined)))
    for line in lines:
        console.print(line, markup=False)


def print_diff(diff, console: Console, lang: str, show_ids: bool = False, first: int = 50) -> None:
    """`trainaudit diff`: counts, then the new, resolved and persisting findings."""
    zh = lang == "zh"
    names = {"new": "新增" if zh else "new", "resolved": "已解决" if zh else "resolved",
             "persisting": "仍存在" if zh else "persisting"}  # fmt: skip
    t = _LABELS[lang]
    for group in ("new", "resolved", "persisting"):
        records = getattr(diff, group)
        table = Table(title=f"{names[group]}: {len(records)}", show_edge=False)
        for col in ("code", "table", "row", "subject", "message"):
            table.add_column(t[col])
        table.add_column("fingerprint")
        for r in records[:first]:
            table.add_row(
                str(r.get("rule", "")),
                str(r.get("table", "")),
                "" if r.get("row") is None else str(r["row"]),
                masked(str(r.get("subject") or ""), show_ids),
                masked(str(r.get("message", "")), show_ids),
                str(r.get("fingerprint", "")),
            )
        console.print(table)
        if len(records) > first:
            console.print(f"… {len(records) - first}", markup=False)


def print_rules(rules: list[Rule], console: Console, lang: str) -> None:
    t = _LABELS[lang]
    table = Table()
    for col in ("code", "name", "severity"):
        table.add_column(t[col])
    table.add_column("inputs" if lang == "en" else "所需输入")
    for r in rules:
        table.add_row(
            r.code, r.name, f"[{_STYLE[r.severity]}]{r.severity.label}[/]", ", ".join(r.reads)
        )
    console.print(table)


def explain_rule(rule: Rule, lang: str) -> str:
    """Plain text: what the rule catches, why, an example, how to resolve, its SQL inputs."""
    head = f"{rule.code} {rule.name} ({rule.severity.label})"
    reads = ", ".join(rule.reads) + (" (any)" if rule.any_table else "")
    lines = [head, "=" * len(head), ""]
    lines.append(
        ("信息模板：" if lang == "zh" else "Message: ")
        + (rule.message.get(lang) or rule.message["en"])
    )
    lines.append(("所需输入：" if lang == "zh" else "Reads: ") + reads)
    if rule.needs:
        lines.append(("所需列：" if lang == "zh" else "Needs columns: ") + ", ".join(rule.needs))
    doc = rule.doc
    if lang == "zh":
        from ..rules.docs_zh import DOCS_ZH

        doc = DOCS_ZH.get(rule.code, rule.doc)
    lines += ["", doc]
    return "\n".join(lines)

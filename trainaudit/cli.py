"""Command line: parse, call the library, render, choose the exit code."""

from __future__ import annotations

import locale
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from . import __version__, api
from .errors import TrainauditError
from .model import AuditReport, Severity

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2

app = typer.Typer(
    help="Audit vocational-skills-training subsidy claims: trainees, certificates, payments.",
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
    add_completion=False,
    no_args_is_help=True,
)
rules_app = typer.Typer(help="List the rules, or explain one.", invoke_without_command=True)
app.add_typer(rules_app, name="rules")
policy_app = typer.Typer(help="Write or check a policy file.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")

err = Console(stderr=True, highlight=False)


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


class TableName(StrEnum):
    trainees = "trainees"
    certificates = "certificates"
    payments = "payments"


def default_lang() -> str:
    """zh when the locale is Chinese (or unset on a Chinese system), else en."""
    for var in ("TRAINAUDIT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    loc = locale.getlocale()[0] or ""
    return "zh" if loc.lower().startswith("zh") else "en"


def exit_code(report: AuditReport, fail_on: FailOn) -> int:
    """2 when the input was not fully auditable (a required column missing, a rule that
    broke), 1 when findings reach --fail-on, else 0."""
    if report.unauditable or report.broken:
        return EXIT_INPUT
    if fail_on is FailOn.never:
        return EXIT_OK
    threshold = Severity.parse(fail_on.value)
    return EXIT_FINDINGS if report.count_at_or_above(threshold) else EXIT_OK


def _fail(message: str) -> None:
    err.print(f"trainaudit: error: {message}", markup=False, soft_wrap=True)
    raise typer.Exit(EXIT_INPUT)


def _progress_printer(console: Console, quiet: bool):
    if quiet or not console.is_terminal:
        return None
    from rich.progress import Progress

    progress = Progress(console=console, transient=True)
    tasks: dict[str, int] = {}

    def update(step: str, done: int, total: int) -> None:
        if step not in tasks:
            if not progress.live.is_started:
                progress.start()
            tasks[step] = progress.add_task(step, total=total)
        progress.update(tasks[step], completed=done, total=total)
        if step == "rules" and done >= total:
            progress.stop()

    return update


def _run(debug: bool, work):
    """Run `work`; turn our errors into one line and exit 2 (a traceback only with --debug)."""
    try:
        return work()
    except typer.Exit:
        raise
    except TrainauditError as exc:
        if debug:
            raise
        _fail(str(exc))
    except KeyboardInterrupt:
        err.print("trainaudit: interrupted; no output was replaced")
        raise typer.Exit(130) from None
    except Exception as exc:  # a bug of ours: still one line, never the data in a traceback
        if debug:
            raise
        _fail(
            f"unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} (run with --debug for details)"
        )


def _finish(
    report: AuditReport, out, findings, fail_on: FailOn, quiet: bool, show_ids: bool
) -> None:
    from .report.console import print_summary

    written = api.write_outputs(report, out, findings)
    console = Console(highlight=False)
    if not quiet:
        print_summary(report, console, show_ids=show_ids)
        for path in written:
            console.print(f"→ {path}")
    for result in report.unauditable:
        for f in result.findings:
            err.print(f"trainaudit: error: {f.rule} {f.message}", markup=False)
    for result in report.broken:
        err.print(
            f"trainaudit: error: rule {result.code} could not run: {result.detail}", markup=False
        )
    raise typer.Exit(exit_code(report, fail_on))


def _audit_and_exit(
    audit_args: dict, lang, out, findings, fail_on: FailOn, quiet: bool, show_ids: bool, debug: bool
) -> None:
    """The shared body of `audit` and `validate`: audit, write, summarise, exit."""
    language = lang.value if lang else default_lang()

    def work():
        report = api.audit(**audit_args, lang=language, progress=_progress_printer(err, quiet))
        _finish(report, out, findings, fail_on, quiet, show_ids)

    _run(debug, work)


OutOpt = Annotated[Path | None, typer.Option("--out", help="annotated workbook to write (.xlsx)")]
FindingsOpt = Annotated[
    Path | None, typer.Option("--findings", help="findings file: .csv, .jsonl or .parquet")
]
FailOpt = Annotated[
    FailOn, typer.Option("--fail-on", help="exit 1 when findings at or above this severity")
]
LangOpt = Annotated[
    Lang | None, typer.Option("--lang", help="language of messages (default: from the locale)")
]
PolicyOpt = Annotated[
    Path | None, typer.Option("--policy", help="policy.toml overriding the defaults")
]
ShowIdsOpt = Annotated[
    bool, typer.Option("--show-ids", help="print ID numbers unmasked on the console")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="print nothing but errors")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="show a traceback on error")]
RulesOpt = Annotated[
    str | None, typer.Option("--rules", help="only these rule codes or families, e.g. I,R203")
]
ShowSqlOpt = Annotated[
    bool, typer.Option("--show-sql", help="print each rule's SQL and its time on stderr")
]


def _tracer(show_sql: bool):
    if not show_sql:
        return None

    def trace(label: str, sql: str, seconds: float) -> None:
        err.print(f"-- {label} ({seconds * 1000:.1f} ms)\n{sql.strip()}\n", markup=False)

    return trace


@app.command()
def audit(
    trainees: Annotated[
        Path | None, typer.Option("--trainees", "-t", help="roster of enrollments")
    ] = None,
    certificates: Annotated[
        Path | None, typer.Option("--certificates", "-c", help="certificates issued")
    ] = None,
    payments: Annotated[
        Path | None, typer.Option("--payments", "-p", help="subsidy payments")
    ] = None,
    institutions: Annotated[
        Path | None, typer.Option("--institutions", help="institutions and bans")
    ] = None,
    watchlist: Annotated[
        Path | None, typer.Option("--watchlist", help="IDs that must not draw subsidies")
    ] = None,
    occupations: Annotated[
        Path | None, typer.Option("--occupations", help="catalogue of subsidised occupations")
    ] = None,
    policy: PolicyOpt = None,
    out: OutOpt = None,
    findings: FindingsOpt = None,
    fail_on: FailOpt = FailOn.error,
    lang: LangOpt = None,
    rules: RulesOpt = None,
    show_ids: ShowIdsOpt = False,
    show_sql: ShowSqlOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Cross-check trainees, certificates and payments; write findings and an annotated workbook."""
    _audit_and_exit(
        dict(trainees=trainees, certificates=certificates, payments=payments,
             institutions=institutions, watchlist=watchlist, occupations=occupations,
             policy=policy, rules=rules.split(",") if rules else None, tracer=_tracer(show_sql)),
        lang, out, findings, fail_on, quiet, show_ids, debug,
    )  # fmt: skip


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="the upload to check")],
    table: Annotated[
        TableName, typer.Option("--table", help="what the file holds")
    ] = TableName.trainees,
    policy: PolicyOpt = None,
    out: OutOpt = None,
    findings: FindingsOpt = None,
    fail_on: FailOpt = FailOn.error,
    lang: LangOpt = None,
    show_ids: ShowIdsOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Check one upload on its own, before accepting it (only the rules it can answer)."""
    _audit_and_exit(
        {table.value: file, "policy": policy, "only_tables": {table.value}},
        lang, out, findings, fail_on, quiet, show_ids, debug,
    )  # fmt: skip


@rules_app.callback()
def rules_list(ctx: typer.Context, lang: LangOpt = None) -> None:
    """List every rule with its code, name, severity and inputs."""
    if ctx.invoked_subcommand is not None:
        return
    from .report.console import print_rules
    from .rules.registry import all_rules

    print_rules(all_rules(), Console(highlight=False), lang.value if lang else default_lang())


@rules_app.command("explain")
def rules_explain(
    code: Annotated[str, typer.Argument(help="rule code, e.g. I102")], lang: LangOpt = None
) -> None:
    """What a rule catches, why it matters, an example, and how to resolve it."""
    from .report.console import explain_rule
    from .rules.registry import get_rule

    rule = get_rule(code)
    if rule is None:
        _fail(f"no rule {code!r}; `trainaudit rules` lists them")
    typer.echo(explain_rule(rule, lang.value if lang else default_lang()))


@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", help="folder for the demo inputs")] = Path(
        "sample_data"
    ),
    debug: DebugOpt = False,
) -> None:
    """Write deterministic synthetic demo inputs in which every rule fires."""
    from .sample import write_sample

    def work():
        for path in write_sample(out):
            typer.echo(str(path))

    _run(debug, work)


@policy_app.command("init")
def policy_init(
    file: Annotated[Path, typer.Argument(help="where to write it")] = Path("policy.toml"),
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """Write policy.toml with every default, each citing the seed it comes from."""
    from .policy import write_policy_template

    _run(False, lambda: typer.echo(str(write_policy_template(file, force))))


@policy_app.command("check")
def policy_check(file: Annotated[Path, typer.Argument(help="policy file to check")]) -> None:
    """Load a policy file and print the values in force."""
    from .policy import load_policy

    def work():
        for key, value in load_policy(file).as_dict().items():
            typer.echo(f"{key} = {value}")

    _run(False, work)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    try:
        app(prog_name="trainaudit")
    except SystemExit as exc:
        sys.exit(exc.code)

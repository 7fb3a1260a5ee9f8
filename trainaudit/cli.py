"""Command line: parse, call the library, render, choose the exit code."""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
import warnings
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NamedTuple

import typer
from rich.console import Console
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer.core import TyperGroup
from typer.exceptions import Abort

from . import __version__, api
from .errors import InputError, TrainauditError
from .i18n import Table, default_lang, render, usage_error
from .io.readers import DEFAULT_LIMITS
from .model import AuditReport, Severity
from .spark.cli import EngineName
from .spark.cli import audit_command as spark_audit

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


class _ScriptGroup(TyperGroup):
    """The root command: a usage error (a mistyped option, a bad value) ends like every
    other exit 2, in one line on stderr and, with `--format json`, a JSON object with
    "error" on stdout (Click would print a usage box and nothing on stdout)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        argv = list(sys.argv[1:] if args is None else args)
        try:
            code = super().main(argv, prog_name, complete_var, False, **extra)
        except NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except ClickException as exc:
            lang = _argv_lang(argv) or default_lang()
            hint = ""
            if getattr(exc, "ctx", None):
                hint = render(" ({command} --help)", lang, command=exc.ctx.command_path)
            _usage_error(usage_error(exc.format_message(), lang) + hint, _wants_json(argv), lang)
            sys.exit(EXIT_INPUT)
        except Abort:
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else EXIT_OK)


def _wants_json(argv: list[str]) -> bool:
    """--format json anywhere on the command line, however it was spelled."""
    pairs = zip(argv, [*argv[1:], ""], strict=True)
    return "--format=json" in argv or any(a == "--format" and b == "json" for a, b in pairs)


def _usage_error(message: str, as_json: bool, lang: str = "en") -> None:
    line = " ".join(message.split())
    err.print(render("trainaudit: error: {message}", lang, message=line), markup=False,
              soft_wrap=True)  # fmt: skip
    if as_json:
        typer.echo(json.dumps({"exit_code": EXIT_INPUT, "error": line}, ensure_ascii=False))


app = typer.Typer(
    cls=_ScriptGroup,
    help="Audit vocational-skills-training subsidy claims: trainees, certificates, payments.",
    pretty_exceptions_show_locals=False,
    pretty_exceptions_enable=False,
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
rules_app = typer.Typer(help="List the rules, or explain one.", invoke_without_command=True)
app.add_typer(rules_app, name="rules")
policy_app = typer.Typer(help="Write or check a policy file.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
history_app = typer.Typer(
    help="The history store: accepted uploads that nightly audits check against.",
    no_args_is_help=True,
)
app.add_typer(history_app, name="history")

err = Console(stderr=True, highlight=False)

# The Rust readers log through Python's logging (pyo3-log): with no handler configured,
# Python would print their warnings ("'c' not a valid worksheet", perhaps quoting a cell)
# on stderr, where an exit 2 promises one line and no personal data.
for _name in ("calamine", "fastexcel"):
    logging.getLogger(_name).addHandler(logging.NullHandler())
    logging.getLogger(_name).propagate = False


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


class Lang(StrEnum):
    zh = "zh"
    en = "en"


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class TableName(StrEnum):
    trainees = "trainees"
    certificates = "certificates"
    payments = "payments"


def exit_code(report: AuditReport, fail_on: FailOn) -> int:
    """2 when the input was not fully auditable (a required column missing, a rule that
    broke), 1 when findings reach --fail-on, else 0."""
    if report.unauditable or report.broken:
        return EXIT_INPUT
    if fail_on is FailOn.never:
        return EXIT_OK
    threshold = Severity.parse(fail_on.value)
    return EXIT_FINDINGS if report.count_at_or_above(threshold) else EXIT_OK


def _shown(text: str, show_ids: bool) -> str:
    """A line for stderr: ID numbers masked unless --show-ids (an error may quote a cell)."""
    from .privacy import for_person

    return for_person(text, show_ids)


def _run_lang() -> str:
    """The language of the command being run: its --lang, else the user's default."""
    from typer._click.globals import get_current_context  # Typer's own copy of click

    ctx = get_current_context(silent=True)
    while ctx is not None:
        if ctx.params.get("lang"):
            return str(ctx.params["lang"])
        ctx = ctx.parent
    return default_lang()


def _fail(msgid: str, as_json: bool = False, show_ids: bool = False, /, **fields: object) -> None:
    """One line on stderr in the run's language (the msgid rendered with `fields`), exit 2."""
    message = render(msgid, _run_lang(), **fields)
    message = _shown(" ".join(message.split()), show_ids)  # one line, whatever it quotes
    prefix = render("trainaudit: error: {message}", _run_lang(), message=message)
    err.print(prefix, markup=False, soft_wrap=True)
    if as_json:  # a script reading stdout still gets an answer it can parse
        typer.echo(json.dumps({"exit_code": EXIT_INPUT, "error": message}, ensure_ascii=False))
    raise typer.Exit(EXIT_INPUT)


def _progress_label(step: str) -> str:
    """A progress step (read, rules, …) in the run's language; an unknown one as it is."""
    from .report.labels import LABELS, label

    key = f"progress_{step}"
    return label(_run_lang(), key) if key in LABELS["en"] else step


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
            tasks[step] = progress.add_task(_progress_label(step), total=total)
        progress.update(tasks[step], completed=done, total=total)
        if step == "rules" and done >= total:
            progress.stop()

    return update


def _run(debug: bool, work, as_json: bool = False, show_ids: bool = False):
    """Run `work`; turn our errors into one line and exit 2 (a traceback only with --debug).

    Library warnings (openpyxl on an odd workbook) are not printed: stderr carries the
    one line of an error and nothing else."""
    try:
        with warnings.catch_warnings():
            if not debug:
                warnings.simplefilter("ignore")
            return work()
    except typer.Exit:
        raise
    except TrainauditError as exc:
        if debug:  # the traceback, then the same line and exit 2 as without --debug
            traceback.print_exc(file=sys.stderr)
        _fail("{message}", as_json, show_ids, message=exc.render(_run_lang()))
    except KeyboardInterrupt:
        err.print(render("trainaudit: interrupted; no output was replaced", _run_lang()))
        raise typer.Exit(130) from None
    except Exception as exc:  # a bug of ours: still one line, never the data in a traceback
        if debug:
            traceback.print_exc(file=sys.stderr)
        _fail(
            "unexpected {kind}: {text} (run with --debug for details)",
            as_json,
            show_ids,
            kind=type(exc).__name__,
            text=str(exc).splitlines()[0] if str(exc) else "",
        )


def _finish(
    report: AuditReport,
    out,
    findings,
    fail_on: FailOn,
    quiet: bool,
    show_ids: bool,
    fmt: OutputFormat = OutputFormat.text,
    hash_ids: bytes | None = None,
) -> None:
    from .report.console import print_summary

    written = api.write_outputs(report, out, findings, hash_ids=hash_ids)
    console = Console(highlight=False)
    # Why the input could not be fully audited, as the one line an exit 2 promises.
    reasons = [f"{f.rule} {f.message}" for r in report.unauditable for f in r.findings]
    reasons += [render("rule {code} could not run: {detail}", report.lang, code=r.code,
                       detail=r.detail) for r in report.broken]  # fmt: skip
    joined = _shown(("；" if report.lang == "zh" else "; ").join(reasons), show_ids)
    if fmt is OutputFormat.json:
        summary = {"exit_code": exit_code(report, fail_on), "fail_on": fail_on.value,
                   **({"error": " ".join(joined.split())} if reasons else {}),
                   **report.summary(), "outputs": [str(p) for p in written]}  # fmt: skip
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    elif not quiet:
        print_summary(report, console, show_ids=show_ids)
        for path in written:
            console.print(f"→ {path}")
    if reasons:
        line = " ".join(render("trainaudit: error: {message}", report.lang, message=joined).split())
        err.print(line, markup=False, soft_wrap=True)
    raise typer.Exit(exit_code(report, fail_on))


def _audit_and_exit(
    audit_args: dict,
    lang,
    out,
    findings,
    fail_on: FailOn,
    quiet: bool,
    show_ids: bool,
    debug: bool,
    fmt: OutputFormat = OutputFormat.text,
    limits: tuple[int, int, int, int] | None = None,
    hash_ids: tuple[str | None, Path | None] = (None, None),
) -> None:
    """The shared body of `audit` and `validate`: audit, write, summarise, exit."""
    from .io.readers import ReadLimits
    from .privacy import key_from

    language = lang.value if lang else default_lang()
    as_json = fmt is OutputFormat.json

    def work():
        for name, value in audit_args.items():
            if isinstance(value, _Later):  # globs expanded where an error exits 2 as it should
                audit_args[name] = _expand(value.patterns)
        key = key_from(*hash_ids) if any(v is not None for v in hash_ids) else None
        read_limits = ReadLimits(*limits) if limits else None
        report = api.audit(**audit_args, lang=language, progress=_progress_printer(err, quiet),
                           limits=read_limits, hash_key=key)  # fmt: skip
        _finish(report, out, findings, fail_on, quiet, show_ids, fmt, key)

    _run(debug, work, as_json, show_ids)


EngineOpt = Annotated[
    EngineName,
    typer.Option("--engine", help="duckdb: one machine; spark: Parquet inputs on a cluster"),
]
SparkMasterOpt = Annotated[
    str, typer.Option("--spark-master", help="with --engine spark: the master URL")
]
SparkConfOpt = Annotated[
    list[str] | None,
    typer.Option("--spark-conf", help="with --engine spark: a setting key=value (repeatable)"),
]
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
FormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format", help="text: the summary for people; json: counts for scripts, on stdout"
    ),
]
StoreOpt = Annotated[Path, typer.Option("--store", help="history store (a DuckDB file)")]
MaxFileOpt = Annotated[
    int,
    typer.Option("--max-file-mb", min=1, help="refuse an input file bigger than this on disk"),
]
MaxSheetOpt = Annotated[
    int,
    typer.Option(
        "--max-sheet-mb",
        min=1,
        help="refuse an .xlsx/.ods whose XML expands beyond this (a zip bomb), or a Parquet "
        "file whose data does",
    ),
]
MaxCellsOpt = Annotated[
    int,
    typer.Option("--max-cells", min=1, help="refuse a sheet or file spanning more rows × columns"),
]
MaxInflateOpt = Annotated[
    int,
    typer.Option(
        "--max-inflate-ratio",
        min=1,
        help="refuse a part of an .xlsx/.ods that expands more than this many times its "
        "compressed size beyond a few MB (a zip bomb)",
    ),
]
HashIdsOpt = Annotated[
    str | None,
    typer.Option(
        "--hash-ids",
        metavar="KEY",
        help="write HMAC-SHA256(KEY, ID) in place of each ID in the findings file and "
        "the Findings sheet (prefer --hash-ids-file: a command line is visible to others)",
    ),
]
HashIdsFileOpt = Annotated[
    Path | None,
    typer.Option("--hash-ids-file", metavar="FILE", help="as --hash-ids, the key read from FILE"),
]


MANY = " (repeatable, or a glob such as 'inbox/*.xlsx': the files are audited as one table)"


def _expand(patterns: list[str] | None) -> list[Path] | None:
    """The files named: each as given, a glob (`*`, `?`, `[`) expanded in sorted order.

    A name that matches nothing is left as it is, so that the reader says "file not
    found" about it: a script that names an input it does not have is told so (exit 2),
    never audited on fewer files than it meant."""
    import glob

    if not patterns:
        return None
    files: list[Path] = []
    for pattern in patterns:
        matched = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else []
        if glob.has_magic(pattern) and not matched and not Path(pattern).exists():
            raise InputError("{pattern}: no file matches", pattern=pattern)
        files += [Path(m) for m in matched] or [Path(pattern)]
    return files


class _Later(NamedTuple):
    """File names as typed, expanded inside the run (`_expand`)."""

    patterns: list[str] | None


def _later(patterns: list[str] | None) -> _Later:
    return _Later(patterns)


def _tracer(show_sql: bool):
    if not show_sql:
        return None

    def trace(label: str, sql: str, seconds: float) -> None:
        err.print(f"-- {label} ({seconds * 1000:.1f} ms)\n{sql.strip()}\n", markup=False)

    return trace


@app.command()
def audit(
    trainees: Annotated[
        list[str] | None, typer.Option("--trainees", "-t", help="roster of enrollments" + MANY)
    ] = None,
    certificates: Annotated[
        list[str] | None, typer.Option("--certificates", "-c", help="certificates issued" + MANY)
    ] = None,
    payments: Annotated[
        list[str] | None, typer.Option("--payments", "-p", help="subsidy payments" + MANY)
    ] = None,
    institutions: Annotated[
        list[str] | None, typer.Option("--institutions", help="institutions and bans" + MANY)
    ] = None,
    watchlist: Annotated[
        list[str] | None,
        typer.Option("--watchlist", help="IDs that must not draw subsidies" + MANY),
    ] = None,
    occupations: Annotated[
        list[str] | None,
        typer.Option("--occupations", help="catalogue of subsidised occupations" + MANY),
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
    history: Annotated[
        Path | None,
        typer.Option(
            "--history",
            help="history store: check against every accepted upload; report only today's rows",
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline", help="findings file of an earlier run: report only findings not in it"
        ),
    ] = None,
    waivers: Annotated[
        Path | None,
        typer.Option("--waivers", help="CSV of accepted findings: fingerprint, reason, who, until"),
    ] = None,
    fmt: FormatOpt = OutputFormat.text,
    max_file_mb: MaxFileOpt = DEFAULT_LIMITS.max_file_mb,
    max_sheet_mb: MaxSheetOpt = DEFAULT_LIMITS.max_sheet_mb,
    max_cells: MaxCellsOpt = DEFAULT_LIMITS.max_cells,
    max_inflate_ratio: MaxInflateOpt = DEFAULT_LIMITS.max_inflate_ratio,
    hash_ids: HashIdsOpt = None,
    hash_ids_file: HashIdsFileOpt = None,
    engine: EngineOpt = EngineName.duckdb,
    spark_master: SparkMasterOpt = "local[*]",
    spark_conf: SparkConfOpt = None,
) -> None:
    """Cross-check trainees, certificates and payments; write findings and an annotated workbook."""
    if engine is EngineName.spark:  # Parquet inputs on a cluster: docs/spark.md
        _run(debug, lambda: spark_audit(
            dict(trainees=trainees, certificates=certificates, payments=payments,
                 institutions=institutions, watchlist=watchlist, occupations=occupations),
            master=spark_master, conf=spark_conf, policy=policy,
            lang=lang.value if lang else default_lang(), rules=rules, findings=findings,
            fail_on=fail_on.value, quiet=quiet, as_json=fmt is OutputFormat.json,
            baseline=baseline, waivers=waivers, tracer=_tracer(show_sql),
            unsupported={"--out": out, "--history": history,
                         "--hash-ids": hash_ids or hash_ids_file}),
            fmt is OutputFormat.json, show_ids)  # fmt: skip
        return
    _audit_and_exit(
        dict(trainees=_later(trainees), certificates=_later(certificates),
             payments=_later(payments), institutions=_later(institutions),
             watchlist=_later(watchlist), occupations=_later(occupations), policy=policy,
             rules=rules.split(",") if rules else None, tracer=_tracer(show_sql),
             history=history, baseline=baseline, waivers=waivers),
        lang, out, findings, fail_on, quiet, show_ids, debug, fmt,
        (max_file_mb, max_sheet_mb, max_cells, max_inflate_ratio), (hash_ids, hash_ids_file),
    )  # fmt: skip


@app.command()
def validate(
    files: Annotated[
        list[str],
        typer.Argument(help="the upload(s) to check, audited as one table", metavar="FILE..."),
    ],
    table: Annotated[
        TableName | None,
        typer.Option("--table", help="what the file holds (default: the table its headers fit)"),
    ] = None,
    policy: PolicyOpt = None,
    out: OutOpt = None,
    findings: FindingsOpt = None,
    fail_on: FailOpt = FailOn.error,
    lang: LangOpt = None,
    show_ids: ShowIdsOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    fmt: FormatOpt = OutputFormat.text,
    max_file_mb: MaxFileOpt = DEFAULT_LIMITS.max_file_mb,
    max_sheet_mb: MaxSheetOpt = DEFAULT_LIMITS.max_sheet_mb,
    max_cells: MaxCellsOpt = DEFAULT_LIMITS.max_cells,
    max_inflate_ratio: MaxInflateOpt = DEFAULT_LIMITS.max_inflate_ratio,
    hash_ids: HashIdsOpt = None,
    hash_ids_file: HashIdsFileOpt = None,
) -> None:
    """Check one upload on its own, before accepting it (only the rules it can answer)."""
    _audit_and_exit(
        {table.value: _later(files), "policy": policy, "only_tables": {table.value}}
        if table is not None
        else {"upload": _later(files), "policy": policy},
        lang, out, findings, fail_on, quiet, show_ids, debug, fmt,
        (max_file_mb, max_sheet_mb, max_cells, max_inflate_ratio), (hash_ids, hash_ids_file),
    )  # fmt: skip


@rules_app.callback()
def rules_list(
    ctx: typer.Context,
    lang: LangOpt = None,
    markdown: Annotated[
        bool,
        typer.Option("--markdown", help="print the rule reference as Markdown (docs/rules.md)"),
    ] = False,
) -> None:
    """List every rule with its code, name, severity and inputs."""
    if ctx.invoked_subcommand is not None:
        return
    from .report.console import print_rules, rules_markdown
    from .rules.registry import all_rules

    language = lang.value if lang else default_lang()
    if markdown:
        typer.echo(rules_markdown(all_rules(), language), nl=False)
        return
    print_rules(all_rules(), Console(highlight=False), language)


@rules_app.command("explain")
def rules_explain(
    code: Annotated[str, typer.Argument(help="rule code, e.g. I102")], lang: LangOpt = None
) -> None:
    """What a rule catches, why it matters, an example, and how to resolve it."""
    from .report.console import explain_rule
    from .rules.registry import get_rule

    rule = get_rule(code)
    if rule is None:
        _fail("no rule {code}; `trainaudit rules` lists them", code=repr(code))
    typer.echo(explain_rule(rule, lang.value if lang else default_lang()))


@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", help="folder for the demo inputs")] = Path(
        "sample_data"
    ),
    force: Annotated[
        bool, typer.Option("--force", help="overwrite demo files already there")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Write deterministic synthetic demo inputs in which every rule fires."""
    from .sample import write_sample

    def work():
        for path in write_sample(out, force):
            typer.echo(str(path))

    _run(debug, work)


@policy_app.command("init")
def policy_init(
    file: Annotated[Path, typer.Argument(help="where to write it")] = Path("policy.toml"),
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
    lang: LangOpt = None,
) -> None:
    """Write policy.toml with every default, each citing the document it comes from."""
    from .policy import write_policy_template

    language = lang.value if lang else default_lang()
    _run(False, lambda: typer.echo(str(write_policy_template(file, force, language))))


@policy_app.command("check")
def policy_check(
    file: Annotated[Path, typer.Argument(help="policy file to check")], lang: LangOpt = None
) -> None:
    """Load a policy file and print the values in force, as TOML."""
    from .policy import load_policy, policy_toml

    _run(False, lambda: typer.echo(policy_toml(load_policy(file)), nl=False))


@history_app.command("init")
def history_init(store: StoreOpt, debug: DebugOpt = False) -> None:
    """Create an empty history store (before the first night); an existing one is kept."""

    def work():
        made = api.init_history(store)
        msgid = (
            "{store}: created, empty" if made else "{store}: already a history store; left as it is"
        )
        typer.echo(render(msgid, _run_lang(), store=store))

    _run(debug, work)


@history_app.command("add")
def history_add(
    store: StoreOpt,
    files: Annotated[
        list[Path] | None, typer.Argument(help="uploads; each is told apart by its columns")
    ] = None,
    trainees: Annotated[
        list[Path] | None, typer.Option("--trainees", "-t", help="a roster (repeatable)")
    ] = None,
    certificates: Annotated[
        list[Path] | None, typer.Option("--certificates", "-c", help="certificates (repeatable)")
    ] = None,
    payments: Annotated[
        list[Path] | None, typer.Option("--payments", "-p", help="payments (repeatable)")
    ] = None,
    policy: PolicyOpt = None,
    quiet: QuietOpt = False,
    fmt: FormatOpt = OutputFormat.text,
    debug: DebugOpt = False,
) -> None:
    """Append accepted uploads to the history store; a file already there is left alone."""
    given: list[tuple[str | None, Path]] = [(None, f) for f in files or []]
    for table, paths in (("trainees", trainees), ("certificates", certificates),
                         ("payments", payments)):  # fmt: skip
        given += [(table, f) for f in paths or []]

    def work():
        if not given:
            _fail("no file given; name the uploads, or use --trainees/--certificates/--payments")
        added = api.add_to_history(store, given, policy=policy)
        if fmt is OutputFormat.json:
            typer.echo(json.dumps({"store": str(store), "files": [
                {**a.upload.as_dict(), "given": str(a.path), "already_in_store": a.already}
                for a in added]}, ensure_ascii=False, indent=2))  # fmt: skip
        elif not quiet:
            for a in added:
                u = a.upload
                said = dict(path=a.path, store=store, id=u.upload_id, table=Table(u.table),
                            added=u.added, rows=u.rows)  # fmt: skip
                if a.already:
                    typer.echo(render("{path}: already in {store} as upload {id} ({table}, "
                                      "added {added}); not added again", _run_lang(), **said))  # fmt: skip
                else:
                    typer.echo(render("{path}: added to {store} as upload {id} ({table}, "
                                      "{rows} rows)", _run_lang(), **said))  # fmt: skip

    _run(debug, work, fmt is OutputFormat.json)


@history_app.command("list")
def history_list(
    store: StoreOpt,
    fmt: FormatOpt = OutputFormat.text,
    debug: DebugOpt = False,
) -> None:
    """The uploads in the store, oldest first."""

    def work():
        uploads = api.history_uploads(store)
        if fmt is OutputFormat.json:
            typer.echo(json.dumps([u.as_dict() for u in uploads], ensure_ascii=False, indent=2))
            return
        from rich.table import Table as RichTable

        from .report.labels import label

        lang = _run_lang()
        title = render("{store}: {uploads} uploads, {rows} rows", lang, store=store,
                       uploads=len(uploads), rows=sum(u.rows for u in uploads))  # fmt: skip
        table = RichTable(title=title)
        for col in ("upload", "table", "source", "rows", "added", "sha256"):
            table.add_column(label(lang, f"hlist_{col}"))
        for u in uploads:
            table.add_row(str(u.upload_id), Table(u.table).render(lang), u.source, str(u.rows),
                          u.added, u.sha256[:12])  # fmt: skip
        Console(highlight=False).print(table)

    _run(debug, work, fmt is OutputFormat.json)


@history_app.command("remove")
def history_remove(
    upload: Annotated[str, typer.Argument(help="upload number, or the start of its sha256")],
    store: StoreOpt,
    debug: DebugOpt = False,
) -> None:
    """Take an upload (accepted by mistake) out of the store again."""

    def work():
        u = api.remove_from_history(store, upload)
        typer.echo(render("removed upload {id} ({source}, {table}, {rows} rows) from {store}",
                          _run_lang(), id=u.upload_id, source=u.source, table=Table(u.table),
                          rows=u.rows, store=store))  # fmt: skip

    _run(debug, work)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="findings file of the earlier run")],
    new: Annotated[Path, typer.Argument(help="findings file of the later run")],
    lang: LangOpt = None,
    show_ids: ShowIdsOpt = False,
    fmt: FormatOpt = OutputFormat.text,
    debug: DebugOpt = False,
) -> None:
    """New, resolved and persisting findings between two runs (matched by fingerprint).

    Exit code 1 when NEW has findings that OLD had not, else 0 (2: a file unreadable).
    """
    from .report.console import masked, print_diff

    def work():
        result = api.diff(old, new)
        if fmt is OutputFormat.json:

            def shown(r: dict) -> dict:
                r = {k: r.get(k) for k in ("fingerprint", "rule", "severity", "table", "row",
                                           "id_number", "subject", "message", "baseline")}  # fmt: skip
                r["subject"] = masked(str(r["subject"] or ""), show_ids)
                r["id_number"] = masked(str(r["id_number"] or ""), show_ids)
                r["message"] = masked(str(r["message"] or ""), show_ids)
                return r

            typer.echo(json.dumps({**{k: [shown(r) for r in getattr(result, k)]
                                      for k in ("new", "resolved", "persisting")},
                                   "counts": result.counts()}, ensure_ascii=False, indent=2))  # fmt: skip
        else:
            print_diff(result, Console(highlight=False), lang.value if lang else default_lang(),
                       show_ids)  # fmt: skip
        raise typer.Exit(EXIT_FINDINGS if result.new else EXIT_OK)

    _run(debug, work, fmt is OutputFormat.json)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def _version_flag(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_version_flag, help="print the version and exit"
        ),
    ] = False,
    lang: Annotated[
        Lang | None,
        typer.Option("--lang", help="language of messages and help for every command"),
    ] = None,
) -> None:
    if lang is not None:  # every command's default (`default_lang`) follows it
        os.environ["TRAINAUDIT_LANG"] = lang.value


def _argv_lang(argv: list[str]) -> str | None:
    """The language asked for on the command line (--lang zh, --lang=en), if any."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1] if argv[i + 1] in ("zh", "en") else None
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1] if arg.split("=", 1)[1] in ("zh", "en") else None
    return None


HELP_WORDS_ZH = {
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "DEFAULT_STRING": "[默认：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "DEPRECATED_STRING": "（已弃用）",
}
"""Typer's own words around the help texts (panel headings, default markers), in Chinese."""
USAGE_ZH = "用法："
HELP_OPTION = "Show this message and exit."


def command(lang: str):
    """The Click command tree that Typer builds from `app`, its help said in `lang`.

    The option declarations above stay in English (their help strings are the msgids);
    under zh each command's and parameter's help is rendered through the catalogue
    (messages/cli.py), and so are Typer's panel headings and the usage prefix. Choice lists
    are spaced so that a narrow terminal wraps them between choices, never mid-word."""
    import inspect

    from typer import rich_utils
    from typer._click import formatting
    from typer._click.core import Context

    global _HELP_DEFAULTS
    if _HELP_DEFAULTS is None:  # Typer's English words, to restore for an en run
        _HELP_DEFAULTS = {k: getattr(rich_utils, k) for k in HELP_WORDS_ZH}
        _HELP_DEFAULTS["usage"] = formatting.HelpFormatter.write_usage
        _HELP_DEFAULTS["text"] = rich_utils._make_rich_text
    zh = lang == "zh"
    english_text = _HELP_DEFAULTS["text"]

    def folded_text(**kwargs):
        """Chinese has no spaces to wrap at: let Rich fold it by width, not cut it off."""
        text = english_text(**kwargs)
        if hasattr(text, "overflow"):
            text.overflow = "fold"
        return text

    rich_utils._make_rich_text = folded_text if zh else english_text
    for key in HELP_WORDS_ZH:
        setattr(rich_utils, key, HELP_WORDS_ZH[key] if zh else _HELP_DEFAULTS[key])
    english_usage = _HELP_DEFAULTS["usage"]

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        english_usage(self, prog, args, USAGE_ZH if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = write_usage if zh else english_usage

    root = typer.main.get_command(app)

    def walk(cmd, parent) -> None:
        settings = cmd.context_settings if parent is None else {}  # -h, as the run will have it
        ctx = Context(cmd, parent=parent, info_name=cmd.name, **settings)
        if zh:
            cmd.options_metavar = "[选项]"
            if hasattr(cmd, "subcommand_metavar"):
                cmd.subcommand_metavar = "命令 [参数]..."
        if cmd.help:
            cmd.help = render(inspect.cleandoc(cmd.help), lang)
        if cmd.short_help:
            cmd.short_help = render(cmd.short_help, lang)
        for param in cmd.params:
            if getattr(param, "help", None):
                param.help = render(param.help, lang)
            if param.metavar is None and param.param_type_name == "option":
                param.metavar = _metavar(param, zh)
        option = cmd.get_help_option(ctx)
        if option is not None:
            option.help, option.metavar = render(HELP_OPTION, lang), ""
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub, ctx)

    walk(root, None)
    return root


_HELP_DEFAULTS: dict | None = None
_TYPE_WORDS = {"Path": ("路径", "path"), "str": ("文本", "text"), "int": ("整数", "int")}


def _metavar(param, zh: bool) -> str | None:
    """What a parameter takes, as --help shows it: nothing for a flag, the choices spaced
    (`<error | warning | info | never>`, so that a narrow terminal wraps between them), a
    path, text or number in the user's language; None leaves Typer's own."""
    if getattr(param, "is_flag", False):
        return ""
    kind = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    many = ""
    args = getattr(kind, "__args__", ())
    if getattr(kind, "__origin__", None) is list and args:
        kind, many = args[0], "..."
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return "<" + " | ".join(c.value for c in kind) + ">"
    tables = ("trainees", "certificates", "payments", "institutions", "watchlist", "occupations")
    if many and param.name in tables:
        return "<文件>..." if zh else "<file>..."  # files or globs, given as text
    words = _TYPE_WORDS.get(getattr(kind, "__name__", ""))
    if words is None:
        return None
    return f"<{words[0] if zh else words[1]}>{many}"


def cli_markdown(lang: str) -> str:
    """The command reference (docs/cli.md, docs/cli.zh.md) generated from the Click tree,
    as --help says it: each command's help and a table of its parameters."""
    import inspect

    zh = lang == "zh"
    root = command(lang)
    words = (("命令参考", "参数", "取值", "默认", "说明", "生成命令") if zh else
             ("Command reference", "parameter", "takes", "default", "help", "generated by"))  # fmt: skip
    lines = [f"# {words[0]}", "", f"<!-- {words[5]}: python docs/generate.py -->"]

    def shown(value: object) -> str:
        if value is None or value is False or value == () or value == []:
            return ""
        return f"`{getattr(value, 'value', value)}`"

    def walk(cmd, path: str) -> None:
        lines.extend(["", f"## `{path}`", ""])
        if cmd.help:
            lines.extend([inspect.cleandoc(cmd.help), ""])
        params = [p for p in cmd.params if not getattr(p, "hidden", False)]
        if params:
            lines.append(f"| {words[1]} | {words[2]} | {words[3]} | {words[4]} |")
            lines.append("| --- | --- | --- | --- |")
        for p in params:
            names = ", ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
            if p.param_type_name == "argument":
                names = f"`{p.name.upper()}`"
            takes = f"`{p.metavar}`".replace("|", "\\|") if p.metavar else ""
            help_text = " ".join((getattr(p, "help", "") or "").split()).replace("|", "\\|")
            lines.append(f"| {names} | {takes} | {shown(p.default)} | {help_text} |")
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk(sub, f"{path} {name}")

    walk(root, "trainaudit")
    command("en")  # Typer's own words back in English for whatever runs next
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    """The `trainaudit` program: the command tree in the user's language, then run it."""
    lang = _argv_lang(sys.argv[1:]) or default_lang()
    try:
        command(lang)(prog_name="trainaudit")
    except SystemExit as exc:
        sys.exit(exc.code)

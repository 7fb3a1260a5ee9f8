"""The library: load inputs, run the audit, write outputs. The CLI is a thin shell on this."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa

from . import __version__
from .engine import Engine, Tracer
from .errors import InputError, check_not_lock_file
from .io.normalise import normalise_table
from .io.readers import LoadedTable, ReadLimits, read_table
from .io.schema import TABLES
from .model import AuditReport, InputFile, RuleResult
from .multifile import file_names, files_of
from .policy import Policy, load_policy
from .rules.registry import Rule, RuleContext, all_rules
from .runner import prepare, run_rule

Progress = Callable[[str, int, int], None]
"""progress(step, done, total) — the CLI draws it; the library only reports."""

Files = str | Path | Sequence[str | Path] | None
"""One input file, or several files of one table (audited together: multifile.py)."""


def load_inputs(
    paths: dict[str, Files],
    policy: Policy | None = None,
    limits: ReadLimits | None = None,
) -> dict[str, LoadedTable]:
    """Read every given input file as its canonical table (`limits`: io.readers.ReadLimits,
    how big an input may be before it is refused); the files of a table given several
    are one table (multifile.CombinedTable)."""
    return _read_and_normalise(paths, policy or Policy(), limits)[0]


def _headers(table: LoadedTable) -> tuple[str, ...]:
    """The header cells of a table's (first) file, as read."""
    parts = getattr(table, "parts", ())
    return (parts[0] if parts else table).headers


def recognise_table(
    path: str | Path, policy: Policy | None = None, limits: ReadLimits | None = None
) -> str:
    """The main table (trainees, certificates, payments) whose columns `path` has."""
    return _recognised(Path(path), policy or Policy(), limits).name


def _recognised(path: Path, policy: Policy, limits: ReadLimits | None) -> LoadedTable:
    """`path` read as the main table it fits (validate without --table)."""
    check_not_lock_file(path)
    return read_table(path, None, limits=limits, aliases_by_table=policy.header_aliases)


def _files(value: Files) -> list[Path]:
    if value is None:
        return []
    if isinstance(value, str | Path):
        return [Path(value)]
    return [Path(v) for v in value]


def _given(paths: dict[str, Files]) -> dict[str, list[Path]]:
    """The inputs given, table -> its files, each file once."""
    unknown = set(paths) - set(TABLES)
    if unknown:
        raise InputError("unknown table(s): {tables}", tables=", ".join(sorted(unknown)))
    given = {t: _files(p) for t, p in paths.items() if _files(p)}
    seen: dict[Path, str] = {}
    for table, files in given.items():
        for path in files:
            check_not_lock_file(path)
            resolved = path.resolve()
            if resolved in seen:
                raise InputError(
                    "{path}: given twice, as {first} and as {second}",
                    path=path, first=f"--{seen[resolved]}", second=f"--{table}",
                )  # fmt: skip
            seen[resolved] = table
    return given


def _read_and_normalise(
    paths: dict[str, Files],
    policy: Policy,
    limits: ReadLimits | None,
    read_already: dict[Path, LoadedTable] | None = None,
) -> tuple[dict[str, LoadedTable], dict[str, pa.Table]]:
    """Every file read and normalised as soon as it is read (no file waits for the slowest
    before its normalisation starts); then the files of a table stacked into one.
    `read_already`: files read before (recognised by their headers), not read again."""
    read_already = read_already or {}
    from .multifile import combine

    given = _given(paths)
    items = [(table, path) for table, files in given.items() for path in files]

    def one(item: tuple[str, Path]) -> tuple[LoadedTable, pa.Table] | InputError:
        table, path = item
        try:
            loaded = read_already.get(path) or read_table(
                path, table, policy.header_aliases.get(table), limits
            )
        except InputError as exc:
            return exc  # raised below in the order the inputs were given
        return loaded, normalise_table(loaded)

    # the biggest files first: the smallest then fills the gap left by the shorter one
    order = sorted(items, key=lambda i: -i[1].stat().st_size if i[1].is_file() else 0)
    done = dict(zip(order, _in_pairs(one, order), strict=True))
    for item in items:
        if isinstance(done[item], InputError):
            raise done[item]
    tables, canonical, number = {}, {}, 1
    for table, files in given.items():
        read = [done[(table, path)] for path in files]
        if len(read) == 1:
            tables[table], canonical[table] = read[0]
            continue
        tables[table], canonical[table] = combine(
            [r[0] for r in read], [r[1] for r in read], number
        )
        number += len(read)
    return tables, canonical


def empty_table(table: str, path: str = "") -> LoadedTable:
    """A zero-row table with every column of its spec, as if read from an empty file."""
    spec = TABLES[table]
    data = pa.table(
        {
            **{c.name: pa.array([], pa.string()) for c in spec.columns},
            "_source": pa.array([], pa.string()),
            "_sheet": pa.array([], pa.string()),
            "_row": pa.array([], pa.int64()),
        }
    )
    info = InputFile(table, path, "", "", 0, {}, 0, "csv")
    return LoadedTable(table, info, data, data, {}, frozenset(spec.column_names))


def certificate_caps_table(policy: Policy) -> pa.Table:
    """The per-level certificate subsidy caps as a table rules can join."""
    caps = policy.certificate_subsidy_caps
    return pa.table(
        {
            "level": pa.array(list(caps), pa.string()),
            "cap": pa.array(list(caps.values()), pa.float64()),
        }
    )


def select_rules(codes: list[str] | None = None, tables: set[str] | None = None) -> list[Rule]:
    """The rules to run: all, or the listed codes / families (e.g. ["I", "R203"])."""
    rules = all_rules()
    if codes:
        wanted = [c.strip().upper() for c in codes if c.strip()]
        known = {r.code for r in rules}
        bad = [c for c in wanted if c not in known and not any(r.code.startswith(c) for r in rules)]
        if bad:
            raise InputError("unknown rule code(s): {codes}", codes=", ".join(bad))
        rules = [
            r
            for r in rules
            if any(r.code == c or (len(c) == 1 and r.code.startswith(c)) for c in wanted)
        ]
    if tables is not None:

        def fits(r: Rule) -> bool:
            return any(t in tables for t in r.reads) if r.any_table else set(r.reads) <= tables

        rules = [r for r in rules if fits(r)]
    return rules


def audit(
    trainees: Files = None,
    certificates: Files = None,
    payments: Files = None,
    institutions: Files = None,
    watchlist: Files = None,
    occupations: Files = None,
    *,
    upload: Files = None,
    policy: Policy | str | Path | None = None,
    lang: str = "zh",
    rules: list[str] | None = None,
    only_tables: set[str] | None = None,
    audit_date: dt.date | None = None,
    progress: Progress | None = None,
    tracer: Tracer | None = None,
    history: str | Path | None = None,
    baseline: str | Path | None = None,
    waivers: str | Path | None = None,
    limits: ReadLimits | None = None,
    hash_key: bytes | None = None,
) -> AuditReport:
    """Audit the given files and return every finding with each rule's status.

    Raises InputError when an input cannot be read at all; data defects are findings.
    Each table is a file or a list of files; the files of one table are audited together
    (a person in two counties' rosters is one person), each finding naming its file in
    `source` and its row in that file.
    `only_tables` restricts the run to rules that need only those tables (validate).
    `upload`: files whose table is recognised from their headers (validate without
    --table): they are audited as that table, alone.
    `history`: a history store (history.py) whose rows are checked together with today's;
    only findings on today's rows are reported. `baseline`: a findings file of an earlier
    run; findings whose fingerprint it holds are not reported again. `waivers`: a file of
    accepted findings (waivers.py); those in force are set aside, counted, never failing.
    `limits`: how big an input may be before it is refused (io.readers.ReadLimits: file
    size, expanded XML, cells), so that a zip bomb or a stray cell at XFD1048576 ends in
    an InputError instead of exhausting memory. `hash_key`: the --hash-ids secret;
    fingerprints are then keyed (HMAC), so baselines and waivers of a pseudonymised run
    come from outputs made with the same key.
    """
    if not isinstance(policy, Policy):
        policy = load_policy(policy)
    if lang not in ("zh", "en"):
        raise InputError("unknown language '{lang}'; use zh or en", lang=lang)
    audit_date = audit_date or dt.date.today()
    paths = {
        "trainees": trainees,
        "certificates": certificates,
        "payments": payments,
        "institutions": institutions,
        "watchlist": watchlist,
        "occupations": occupations,
    }
    read_already: dict[Path, LoadedTable] = {}
    if upload is not None and _files(upload):
        first = _files(upload)[0]
        read_already[first] = _recognised(first, policy, limits)
        table = read_already[first].name
        paths[table], only_tables = upload, {table}
    if not any(_files(p) for p in paths.values()):
        raise InputError("no input file given")
    from .baseline import read_fingerprints
    from .waivers import load_waivers

    waived = load_waivers(waivers) if waivers is not None else None
    known = read_fingerprints(baseline) if baseline is not None else None
    report_progress = progress or (lambda step, done, total: None)
    report_progress("read", 0, 1)
    tables, canonical = _read_and_normalise(paths, policy, limits, read_already)
    report_progress("read", 1, 1)
    report = audit_tables(tables, policy=policy, lang=lang, rules=rules, only_tables=only_tables,
                          audit_date=audit_date, progress=report_progress, tracer=tracer,
                          history=history, hash_key=hash_key, canonical=canonical)  # fmt: skip
    if waived is not None or known is not None:
        report.set_aside(waived, known)
        report.waivers_file = str(waivers or "")
        report.baseline_file = str(baseline or "")
    return report


def audit_tables(
    tables: dict[str, LoadedTable],
    *,
    policy: Policy,
    lang: str,
    rules: list[str] | None,
    only_tables: set[str] | None,
    audit_date: dt.date,
    progress: Progress,
    tracer: Tracer | None,
    history: str | Path | None = None,
    hash_key: bytes | None = None,
    canonical: dict[str, pa.Table] | None = None,
) -> AuditReport:
    """Audit tables already read (the history store and the benches enter here);
    `canonical`: those of them normalised already."""
    engine = Engine(tracer=tracer)
    view = None
    try:

        def load(name: str) -> None:
            ready = (canonical or {}).get(name)
            if ready is None:
                ready = normalise_table(tables.get(name) or empty_table(name))
            # history rows are appended to today's (history.merge): only then a copy
            engine.register(name, ready, copy=history is not None)

        _in_pairs(load, list(TABLES))
        engine.register("policy_certificate_caps", certificate_caps_table(policy))
        present = {name: t.present for name, t in tables.items()}
        if history is not None:
            from .history import merge

            progress("history", 0, 1)
            view = merge(engine, history, tables)
            present = {**view.present, **present}  # today's columns decide for today's tables
            progress("history", 1, 1)
        ctx = RuleContext(
            engine=engine,
            policy=policy,
            present=present,
            audit_date=audit_date,
            sources={name: _names(t) for name, t in tables.items()},
            lacking={(n, c): f for n, t in tables.items() for c, f in _lacking(t).items()},
            headers={name: _headers(t) for name, t in tables.items()},
        )
        sources = {
            name: (_names(t), t.info.sheet if len(files_of(t)) == 1 else "")
            for name, t in tables.items()
        }
        files = file_names(tables)
        selected = select_rules(rules, only_tables)
        scope = view.scope if view else None
        prepare(ctx, selected)  # staging tables shared by rules (rules/staging.py)
        with engine.one_thread_per_query():
            results: list[RuleResult] = _in_pairs(
                lambda rule: run_rule(rule, ctx, lang, sources, scope, hash_key, files),
                selected,
                lambda done: progress("rules", done, len(selected)),
            )
    finally:
        engine.close()
    return AuditReport(
        results=results,
        inputs={name: t.info for name, t in tables.items()},
        input_files={name: list(files_of(t)) for name, t in tables.items()},
        policy=policy.as_dict(),
        version=__version__,
        lang=lang,
        tables=tables,
        audit_date=audit_date.isoformat(),
        history=view.info if view else None,
    )


def _names(table: LoadedTable) -> str:
    """The file name(s) of a table, as findings about the whole table name it."""
    return ", ".join(Path(i.path).name for i in files_of(table))


def _lacking(table: LoadedTable) -> dict[str, str]:
    """Required column -> the files of a several-file table that have no such column."""
    return getattr(table, "lacking", {})


WORKERS = 2
"""Tables loaded and rules run at once. Much of an audit is single-threaded (Arrow
kernels, a query's last steps, building findings in Python) while DuckDB, the kernels
and the readers release the GIL: two at a time keeps both cores of a small server busy."""


def _in_pairs(work: Callable, items: list, progress: Callable[[int], None] | None = None) -> list:
    """`work(item)` for every item, WORKERS at a time; results in the items' order.

    The first exception (in the items' order) is raised once all have finished, so a
    failure never leaves work running behind the caller's back."""
    from concurrent.futures import ThreadPoolExecutor

    report = progress or (lambda done: None)
    report(0)
    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="trainaudit")
    try:
        futures = [pool.submit(work, item) for item in items]
        for done, future in enumerate(futures, start=1):
            future.exception()  # waits
            report(done)
    except BaseException:  # Ctrl-C: what has not started never starts
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return [future.result() for future in futures]


def write_outputs(
    report: AuditReport,
    out: str | Path | None = None,
    findings: str | Path | None = None,
    *,
    hash_ids: bytes | None = None,
) -> list[Path]:
    """Write the annotated workbook and/or the findings file; returns what was written.

    `hash_ids`: a secret key; the findings file and the workbook's Findings sheet then
    carry HMAC-SHA256(key, normalised ID) in place of every ID number (privacy.py).
    Refuses, before writing anything, a target that is an input file however it is
    spelled (a symlink, `./x/../x`, a hard link) or that is both --out and --findings.
    """
    written = []
    inputs = [Path(i.path) for files in report.all_inputs().values() for i in files if i.path]
    for target in (out, findings):
        if target is not None and any(_same_file(Path(target), p) for p in inputs):
            raise InputError("{path}: is an input file; refusing to overwrite it", path=target)
    if out is not None and findings is not None and _same_file(Path(out), Path(findings)):
        raise InputError("{path}: given as both --out and --findings", path=out)
    if out is not None and Path(out).suffix.lower() not in (".xlsx", ".xlsm"):
        raise InputError("{path}: the annotated workbook must be an .xlsx file", path=out)
    # the writers are imported only when asked for: openpyxl and xlsxwriter take a
    # noticeable part of a quick `validate` that writes nothing
    if hash_ids is not None:
        from .privacy import pseudonymise_report

        report = pseudonymise_report(report, hash_ids)
    if findings is not None:
        from .report.files import write_findings

        known = report.baselined if report.baseline_file else None  # recorded as known
        write_findings(report.findings, Path(findings), known)
        written.append(Path(findings))
    if out is not None:
        from .report.workbook import write_workbook

        write_workbook(report, Path(out), report.lang)
        written.append(Path(out))
    return written


def _same_file(a: Path, b: Path) -> bool:
    """One file under two spellings: the same resolved path, or the same inode."""
    import os

    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet
        return False


# --------------------------------------------------------------------------- nightly runs


def add_to_history(
    store: str | Path,
    files: list[tuple[str | None, str | Path]],
    policy: Policy | str | Path | None = None,
    progress: Progress | None = None,
):
    """Append accepted uploads to the history store (see history.add_uploads)."""
    from .history import add_uploads

    if not isinstance(policy, Policy):
        policy = load_policy(policy)
    return add_uploads(store, files, policy.header_aliases, progress)


def init_history(store: str | Path) -> bool:
    """Create an empty history store; False when there is one already (left as it is)."""
    from .history import init_store

    return init_store(store)


def history_uploads(store: str | Path):
    """The uploads of a history store, oldest first."""
    from .history import list_uploads

    return list_uploads(store)


def remove_from_history(store: str | Path, upload: str):
    """Remove one upload (number or sha256 prefix) from the history store."""
    from .history import remove_upload

    return remove_upload(store, upload)


def diff(old: str | Path, new: str | Path):
    """New, resolved and persisting findings between two findings files."""
    from .baseline import diff_findings

    return diff_findings(old, new)

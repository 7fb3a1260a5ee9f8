"""Plain data types shared by every layer. Imports nothing of ours."""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """Ordered so that `sev >= Severity.WARNING` reads naturally."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.strip().upper()]


class Status(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"


FINDING_COLUMNS = ("rule", "name", "severity", "table", "row", "id_number", "subject", "message")
"""The first columns of every findings file, exactly as SPEC §3 names them."""

EXTRA_COLUMNS = ("source", "sheet", "column", "value", "fingerprint")
"""After the SPEC columns. `fingerprint` identifies a finding across runs (fingerprint.py):
rule, table and the business key of the flagged row, never its row number or file."""


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    table: str
    row: int | None
    id_number: str | None
    subject: str
    message: str
    source: str = ""
    sheet: str = ""
    column: str = ""
    value: str = ""
    fingerprint: str = ""

    def sort_key(self) -> tuple:
        return (self.table, self.source, self.row is None, self.row or 0, self.rule, self.subject,
                self.message)  # fmt: skip

    def as_record(self) -> dict:
        record = {name: getattr(self, name) for name in FINDING_COLUMNS + EXTRA_COLUMNS}
        record["severity"] = self.severity.label
        return record


@dataclass(frozen=True, slots=True)
class RuleResult:
    code: str
    name: str
    severity: Severity
    status: Status
    findings: tuple[Finding, ...] = ()
    detail: str = ""
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input as read: where it came from and what it held."""

    table: str
    path: str
    sha256: str
    sheet: str
    rows: int
    columns: dict[str, str]
    """canonical column -> header text found in the file (or the fact above the header,
    `培训机构（印章）：…`, it was filled from)"""
    header_row: int
    kind: str
    """xlsx | xls | ods | csv | parquet | html | xml"""
    notes: tuple[str, ...] = ()
    dropped_rows: tuple[int, ...] = ()
    """rows under the header that are not records (totals, signatures, notes, group
    headings, numbered blank rows, repeated headers), as the user numbers them"""

    def dropped_text(self, most: int = 8) -> str:
        """How many rows were not read as records, and the first few of them."""
        rows = self.dropped_rows
        if not rows:
            return ""
        shown = ", ".join(str(r) for r in rows[:most])
        return f"{len(rows)}: {shown}{', …' if len(rows) > most else ''}"


@dataclass(frozen=True, slots=True)
class Waiver:
    """An accepted finding: quiet until `until` (inclusive; None = no end date)."""

    fingerprint: str
    reason: str
    who: str
    until: dt.date | None
    line: int = 0
    """line of the waivers file, for messages"""

    def applies_on(self, day: dt.date) -> bool:
        return self.until is None or self.until >= day


@dataclass(frozen=True, slots=True)
class HistoryInfo:
    """What the history store contributed to an audit."""

    store: str
    uploads: int
    """uploads whose rows were checked together with today's"""
    rows: dict[str, int]
    """table -> history rows checked"""
    excluded: tuple[str, ...] = ()
    """uploads left out because today's input is that very file (same sha256)"""
    loaded: dict[str, int] = field(default_factory=dict)
    """table -> history rows loaded: those sharing a person, class, phone … with today's
    (the others cannot change a finding on today's rows)"""


@dataclass
class AuditReport:
    results: list[RuleResult]
    inputs: dict[str, InputFile]
    policy: dict
    version: str
    lang: str
    findings: list[Finding] = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    """table name -> io.readers.LoadedTable, for writers that annotate the user's rows"""
    audit_date: str = ""
    history: HistoryInfo | None = None
    waived: list[tuple[Finding, Waiver]] = field(default_factory=list)
    """findings silenced by a waiver: listed on the Waived sheet, never counted"""
    expired_waivers: list[Waiver] = field(default_factory=list)
    """waivers whose `until` is before the audit date: they silenced nothing"""
    waivers_file: str = ""
    baselined: list[Finding] = field(default_factory=list)
    """findings already in the --baseline findings file: not reported again"""
    baseline_file: str = ""
    input_files: dict[str, list[InputFile]] = field(default_factory=dict)
    """table -> every file it was read from (several with `-t a.xlsx -t b.xlsx`)"""

    def all_inputs(self) -> dict[str, list[InputFile]]:
        """table -> its files (`inputs` holds the first of each)."""
        return self.input_files or {name: [i] for name, i in self.inputs.items()}

    def __post_init__(self) -> None:
        if not self.findings:
            collected = [f for r in self.results for f in r.findings]
            collected.sort(key=Finding.sort_key)
            self.findings = collected

    def count_at_or_above(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity >= severity)

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    @property
    def unauditable(self) -> list[RuleResult]:
        """Results that mean the input could not be fully audited (a D001 finding)."""
        return [r for r in self.results if r.code == "D001" and r.status is Status.FAILED]

    @property
    def broken(self) -> list[RuleResult]:
        """Rules that failed to run: the audit is incomplete."""
        return [r for r in self.results if r.status is Status.ERROR]

    def set_aside(
        self, waivers: dict[str, Waiver] | None = None, baseline: frozenset[str] | None = None
    ) -> None:
        """Take waived findings (waiver in force on the audit date) and findings already
        in the baseline out of the reported ones; each rule's result keeps only what is
        still reported, and its detail says how many were set aside."""
        day = dt.date.fromisoformat(self.audit_date) if self.audit_date else dt.date.today()
        waivers = waivers or {}
        baseline = baseline or frozenset()
        in_force = {fp: w for fp, w in waivers.items() if w.applies_on(day)}
        self.expired_waivers = sorted(
            (w for w in waivers.values() if not w.applies_on(day)), key=lambda w: w.line
        )
        results = []
        for r in self.results:
            kept, waived, based = [], 0, 0
            for f in r.findings:
                if f.fingerprint in in_force:
                    self.waived.append((f, in_force[f.fingerprint]))
                    waived += 1
                elif f.fingerprint in baseline:
                    self.baselined.append(f)
                    based += 1
                else:
                    kept.append(f)
            if waived or based:
                notes = [n for n in (r.detail, waived and f"{waived} waived",
                                     based and f"{based} in baseline") if n]  # fmt: skip
                status = Status.FAILED if kept else Status.PASSED
                r = RuleResult(r.code, r.name, r.severity, status, tuple(kept),
                               "; ".join(notes), r.seconds)  # fmt: skip
            results.append(r)
        self.results = results
        self.findings = sorted((f for r in results for f in r.findings), key=Finding.sort_key)
        self.waived.sort(key=lambda pair: pair[0].sort_key())
        self.baselined.sort(key=Finding.sort_key)

    def summary(self) -> dict:
        """Counts for machines (`--format json`): no row values, no ID numbers."""
        by_severity = Counter(f.severity.label for f in self.findings)
        return {
            "version": self.version,
            "audit_date": self.audit_date,
            "inputs": {
                name: [
                    {
                        "path": i.path,
                        "sheet": i.sheet,
                        "sha256": i.sha256,
                        "rows": i.rows,
                        "header_row": i.header_row,
                        "columns": dict(i.columns),
                        "dropped_rows": list(i.dropped_rows),
                        "notes": list(i.notes),
                    }  # fmt: skip
                    for i in files
                ]
                for name, files in self.all_inputs().items()
            },
            "findings": len(self.findings),
            "by_severity": {s.label: by_severity.get(s.label, 0) for s in reversed(Severity)},
            "by_rule": dict(sorted(Counter(f.rule for f in self.findings).items())),
            "rules": {
                status.value: [r.code for r in self.results if r.status is status]
                for status in Status
            },
            "skip_reasons": {r.code: r.detail for r in self.results if r.status is Status.SKIPPED},
            "waived": len(self.waived),
            "waived_by_rule": dict(sorted(Counter(f.rule for f, _ in self.waived).items())),
            "expired_waivers": [w.fingerprint for w in self.expired_waivers],
            "baselined": len(self.baselined),
            "history": None
            if self.history is None
            else {
                "store": self.history.store,
                "uploads": self.history.uploads,
                "rows": self.history.rows,
                "loaded": self.history.loaded,
                "excluded": list(self.history.excluded),
            },
        }

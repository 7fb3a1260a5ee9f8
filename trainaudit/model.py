"""Plain data types shared by every layer. Imports nothing of ours."""

from __future__ import annotations

import enum
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

EXTRA_COLUMNS = ("source", "sheet", "column", "value")


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

    def sort_key(self) -> tuple:
        return (self.table, self.row is None, self.row or 0, self.rule, self.subject, self.message)

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
    """canonical column -> header text found in the file"""
    header_row: int
    kind: str
    """xlsx | xls | ods | csv | parquet"""
    notes: tuple[str, ...] = ()


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

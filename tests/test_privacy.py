"""Personal data (issue 5, item 5): ID numbers masked on the console and in error
messages unless --show-ids, keyed hashes in place of IDs with --hash-ids, no network."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import json
import socket
import sys
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest
from corpus import ALICE, BOB, HEADER, ROWS, roster_csv, roster_xlsx, write_csv
from typer.testing import CliRunner

from trainaudit.cli import app
from trainaudit.ids import make_id, mask_id
from trainaudit.model import Finding, Severity
from trainaudit.privacy import hash_id, key_from, pseudonymise, redact_ids
from trainaudit.report.console import masked

runner = CliRunner()
KEY = "county-secret-2020"
SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def hmac_hex(key: str, id_number: str) -> str:
    return hmac.new(key.encode(), id_number.encode(), hashlib.sha256).hexdigest()


def duplicated_roster(path: Path, ids=(ALICE, BOB)) -> Path:
    rows = [[*ROWS[0][:1], ids[0], *ROWS[0][2:]], [*ROWS[1][:1], ids[1], *ROWS[1][2:]]]
    return roster_csv(path, rows * 2)  # each person enrolled twice: findings carry the IDs


# --- masking ---------------------------------------------------------------------------------


def test_redact_ids_masks_ids_in_running_text():
    assert redact_ids(f"row 3: {ALICE} twice") == f"row 3: {mask_id(ALICE)} twice"
    legacy = "110105491231002"
    assert redact_ids(f"({legacy})") == f"({mask_id(legacy)})"
    lower_x = "11010519491231002x"
    assert lower_x not in redact_ids(f"id {lower_x}")
    # not IDs: a certificate number, a bank account of 19 digits, a date
    for text in ("S000014000101205000021", "6217991610001234567", "2020-03-01", "43647"):
        assert redact_ids(text) == text


def test_console_masks_ids_inside_messages():
    assert (
        masked(f"ID {ALICE} is on the watchlist", False)
        == f"ID {mask_id(ALICE)} is on the watchlist"
    )
    assert masked(f"ID {ALICE} is on the watchlist", True) == f"ID {ALICE} is on the watchlist"
    assert masked(ALICE, False) == mask_id(ALICE)


def test_console_never_prints_a_raw_id(tmp_path):
    path = duplicated_roster(tmp_path / "t.csv")
    shown = invoke("audit", "-t", path, "--lang", "en")
    assert ALICE not in shown.stdout + shown.stderr and BOB not in shown.stdout + shown.stderr
    assert mask_id(ALICE) in shown.stdout
    assert ALICE in invoke("audit", "-t", path, "--lang", "en", "--show-ids").stdout


def test_error_quoting_a_persons_row_masks_the_id(tmp_path):
    """No header: the fullest row near the top is quoted, and that may be a person's."""
    path = write_csv(
        tmp_path / "noheader.csv", [["张伟", ALICE, "甲机构"], ["李娜", BOB, "甲机构"]]
    )
    for extra in ([], ["--show-ids"]):
        result = invoke("audit", "-t", path, "-q", *extra)
        assert result.exit_code == 2
        assert ALICE not in result.stderr and BOB not in result.stderr
        assert mask_id(ALICE) in result.stderr


def test_every_error_line_is_masked_unless_show_ids(tmp_path, monkeypatch):
    """Whatever an error quotes (a library's message about a cell, a bug of ours), the
    one line on stderr masks ID numbers; --show-ids shows them."""
    from trainaudit.io import readers

    def quoting(path):
        raise ValueError(f"cannot convert cell B2 {ALICE!r}")

    monkeypatch.setattr(readers, "sniff_kind", quoting)
    path = roster_csv(tmp_path / "t.csv")
    masked_run = invoke("audit", "-t", path, "-q")
    assert masked_run.exit_code == 2
    assert ALICE not in masked_run.stderr and mask_id(ALICE) in masked_run.stderr
    assert len(masked_run.stderr.strip().splitlines()) == 1
    assert ALICE in invoke("audit", "-t", path, "-q", "--show-ids").stderr


def test_no_locals_in_tracebacks():
    assert app.pretty_exceptions_show_locals is False


# --- keyed hashes ----------------------------------------------------------------------------


def test_hash_id_is_hmac_of_the_normalised_id():
    key = KEY.encode()
    assert hash_id(key, ALICE) == hmac_hex(KEY, ALICE)
    legacy18 = make_id("110105", dt.date(1949, 12, 31), 2)
    legacy15 = legacy18[:6] + legacy18[8:17]
    assert hash_id(key, legacy15) == hash_id(key, legacy18)
    x_id = "11010519491231002X"
    assert hash_id(key, x_id.lower()) == hash_id(key, x_id) == hash_id(key, f" {x_id} ")
    assert hash_id(key, "１１０１０５１９４９１２３１００２Ｘ") == hash_id(key, x_id)
    assert hash_id(b"other key", ALICE) != hash_id(key, ALICE)
    assert hash_id(key, "") == hash_id(key, None) == ""


def _findings_text(path: Path) -> str:
    if path.suffix == ".parquet":
        return json.dumps(pq.read_table(path).to_pylist(), ensure_ascii=False, default=str)
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_hash_ids_in_findings_files(tmp_path, suffix):
    path = duplicated_roster(tmp_path / "t.csv")
    found = tmp_path / f"f{suffix}"
    result = invoke("audit", "-t", path, "--findings", found, "--hash-ids", KEY, "-q")
    assert result.exit_code == 1, result.stderr
    text = _findings_text(found)
    assert ALICE not in text and BOB not in text
    assert ALICE[:6] + "********" not in text  # not masked either: hashed
    assert hmac_hex(KEY, ALICE) in text and hmac_hex(KEY, BOB) in text


def test_hash_ids_in_the_workbook_findings_sheet(tmp_path):
    path = duplicated_roster(tmp_path / "t.csv")
    out = tmp_path / "report.xlsx"
    assert invoke("audit", "-t", path, "--out", out, "--hash-ids", KEY, "-q").exit_code == 1
    wb = openpyxl.load_workbook(out)
    sheet = wb["Findings"]
    values = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert hmac_hex(KEY, ALICE) in values
    assert not any(ALICE in str(v) or BOB in str(v) for v in values)
    summary = [c.value for row in wb["Summary"].iter_rows() for c in row if c.value is not None]
    assert not any(ALICE in str(v) for v in summary)


def test_two_counties_match_findings_without_ids(tmp_path):
    """County A types the ID with a lower-case x, county B in full width: one hash."""
    x_id = make_id("140105", dt.date(1990, 1, 2), 101)
    x_id = x_id if x_id.endswith("X") else "11010519491231002X"
    a = duplicated_roster(tmp_path / "a.csv", (x_id.lower(), BOB))
    full_width = x_id.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    b = duplicated_roster(tmp_path / "b.csv", (full_width, ALICE))
    key_file = tmp_path / "county.key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    fa, fb = tmp_path / "fa.csv", tmp_path / "fb.csv"
    invoke("audit", "-t", a, "--findings", fa, "--hash-ids", KEY, "-q")
    invoke("audit", "-t", b, "--findings", fb, "--hash-ids-file", key_file, "-q")

    def ids(path: Path) -> set[str]:
        return {
            r["id_number"]
            for r in csv.DictReader(path.open(encoding="utf-8-sig"))
            if r["id_number"]
        }

    assert hmac_hex(KEY, x_id) in ids(fa) & ids(fb)
    assert ids(fa) & ids(fb) == {hmac_hex(KEY, x_id)}


@pytest.mark.parametrize(
    "args, words",
    [
        (["--hash-ids", KEY, "--hash-ids-file", "k"], "not both"),
        (["--hash-ids", "  "], "empty"),
        (["--hash-ids-file", "missing.key"], "cannot read the key file"),
    ],
)
def test_bad_keys_exit_2(tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    path = roster_csv(tmp_path / "t.csv")
    result = invoke("audit", "-t", path, "--findings", tmp_path / "f.csv", "-q", *args)
    assert result.exit_code == 2 and words in result.stderr
    assert not (tmp_path / "f.csv").exists()


def test_pseudonymise_replaces_ids_in_every_field():
    f = Finding("I101", "id-shape", Severity.ERROR, "trainees", 2, ALICE, ALICE,
                f"ID {ALICE} is on rows 2 and 5", column="id_number", value=ALICE.lower())  # fmt: skip
    (g,) = pseudonymise([f], KEY.encode())
    digest = hmac_hex(KEY, ALICE)
    assert g.id_number == g.subject == g.value == digest
    assert g.message == f"ID {digest} is on rows 2 and 5"
    other = Finding("P401", "x", Severity.ERROR, "payments", 3, None, "甲机构", "over the cap")
    assert pseudonymise([other], KEY.encode()) == [other]


def test_key_file_and_key_text_agree(tmp_path):
    (tmp_path / "k").write_bytes(b"secret\r\n")
    assert key_from(file=tmp_path / "k") == key_from("secret") == b"secret"


# --- no network ------------------------------------------------------------------------------


def test_a_full_audit_makes_no_network_access(tmp_path, monkeypatch):
    attempts = []

    class NoSocket(socket.socket):
        def __init__(self, *args, **kwargs):
            attempts.append(args)
            raise OSError("network access attempted")

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access attempted")

    monkeypatch.setattr(socket, "socket", NoSocket)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    args = ["audit", "--trainees", SAMPLES / "trainees.xlsx", "--certificates",
            SAMPLES / "certificates.csv", "--payments", SAMPLES / "payments.csv",
            "--institutions", SAMPLES / "institutions.csv", "--watchlist",
            SAMPLES / "watchlist.csv", "--occupations", SAMPLES / "occupations.csv",
            "--out", tmp_path / "r.xlsx", "--findings", tmp_path / "f.parquet",
            "--hash-ids", KEY, "-q"]  # fmt: skip
    result = invoke(*args)
    assert result.exit_code == 1, result.stderr
    assert attempts == []


def test_the_sql_engine_never_downloads_extensions():
    from trainaudit.engine import Engine

    engine = Engine()
    try:
        settings = engine.query(
            "settings",
            "SELECT name, value FROM duckdb_settings() WHERE name IN "
            "('autoinstall_known_extensions', 'allow_community_extensions')",
        ).to_pylist()
    finally:
        engine.close()
    assert {s["name"]: s["value"] for s in settings} == {
        "autoinstall_known_extensions": "false",
        "allow_community_extensions": "false",
    }


def test_xlsx_header_row_hash(tmp_path):
    """An .xlsx input: the annotated copy keeps the user's own rows (theirs), while the
    Findings sheet holds only hashes."""
    rows = [*ROWS, ROWS[0]]
    path = roster_xlsx(tmp_path / "t.xlsx", rows)
    out = tmp_path / "report.xlsx"
    assert invoke("audit", "-t", path, "--out", out, "--hash-ids", KEY, "-q").exit_code == 1
    wb = openpyxl.load_workbook(out)
    findings = [c.value for r in wb["Findings"].iter_rows() for c in r]
    assert hmac_hex(KEY, ALICE) in findings and ALICE not in findings
    assert HEADER[1] in [c.value for c in wb["花名册"][1]]
    assert sys.modules["trainaudit.privacy"].HASH_LENGTH == len(hmac_hex(KEY, ALICE))


def test_hashed_run_carries_keyed_fingerprints_only(tmp_path):
    """A plain hash of the business key (which holds the ID) could be brute-forced: a
    --hash-ids run keys the fingerprint too, and stays stable under the same key."""
    from corpus import HEADER, ROWS, write_csv

    from trainaudit import api as _api

    roster = write_csv(tmp_path / "t.csv", [HEADER, ROWS[0], ROWS[0]])

    def fingerprints(key):
        return {
            f.fingerprint
            for f in _api.audit(trainees=roster, rules=["R201"], hash_key=key).findings
        }

    plain, keyed = fingerprints(None), fingerprints(b"k1")
    assert len(plain) == 1 and keyed == fingerprints(b"k1")
    assert keyed.isdisjoint(plain) and keyed.isdisjoint(fingerprints(b"k2"))


# --- issue 14.7: every line a person sees ------------------------------------------------------

TYPO = "14010619802140579"  # 17 digits: an ID a digit short, quoted by I101
PERSON_IDS = (ALICE, TYPO, "110105491231002", "11010519491231002x", f"{BOB}.0")


def _filled(template: str, values: list[str]) -> str:
    """`template` with each field an ID-like value (a number where it has a format spec)."""
    import string

    fields = {}
    for i, (_, name, spec, _) in enumerate(string.Formatter().parse(template)):
        if name:
            fields[name] = 3 if spec else f" {values[i % len(values)]} "  # apart from the next
    return template.format(**fields)


def test_every_rule_message_through_the_console_masks_ids():
    from rich.console import Console

    from trainaudit.model import AuditReport, RuleResult, Status
    from trainaudit.report.console import print_summary
    from trainaudit.rules.registry import all_rules

    for lang in ("en", "zh"):
        findings = []
        for n, rule in enumerate(all_rules()):
            values = [*PERSON_IDS[n % len(PERSON_IDS) :], *PERSON_IDS[: n % len(PERSON_IDS)]]
            message = _filled(rule.message[lang], values)
            findings.append(
                Finding(rule.code, rule.name, rule.severity, "trainees", n + 2, values[0],
                        values[0], message)
            )  # fmt: skip
        results = [
            RuleResult(f.rule, f.name, f.severity, Status.FAILED, (f,), detail=f"see {TYPO}")
            for f in findings
        ]
        report = AuditReport(results, {}, {}, "test", lang)
        console = Console(record=True, width=400)
        print_summary(report, console, first=len(findings))
        shown = console.export_text()
        for raw in PERSON_IDS:
            assert raw not in shown, (lang, raw)
        assert mask_id(TYPO) in shown


def test_every_catalogued_error_through_the_error_line_masks_ids(capsys):
    import typer

    from trainaudit.cli import _run
    from trainaudit.errors import InputError
    from trainaudit.messages import ZH

    checked = 0
    for msgid in ZH:
        if "{" not in msgid:
            continue

        def work(msgid=msgid):
            raise InputError(msgid, **{f: f" {ALICE} " for f in _field_names(msgid)})

        with pytest.raises(typer.Exit):
            _run(False, work, True)
        out = capsys.readouterr()
        assert ALICE not in out.err + out.out, msgid
        checked += 1
    assert checked > 10


def _field_names(template: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_a_17_digit_id_is_masked_in_the_console_and_by_diff(tmp_path):
    from trainaudit.report.files import write_findings

    path = write_csv(tmp_path / "t.csv", [HEADER, ["张伟", TYPO, *ROWS[0][2:]]])
    old = tmp_path / "old.csv"
    result = runner.invoke(
        app,
        ["audit", "-t", str(path), "--lang", "en", "--findings", str(old)],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 1
    assert f"ID '{mask_id(TYPO)}' is not 18 characters" in result.stdout
    assert TYPO not in result.stdout
    new = tmp_path / "new.csv"
    write_findings([], new)
    for args in ([], ["--format", "json"]):
        diff = invoke("diff", old, new, "--lang", "en", *args)
        assert diff.exit_code == 0
        assert TYPO not in diff.stdout + diff.stderr, args
    assert TYPO in invoke("diff", old, new, "--format", "json", "--show-ids").stdout

"""The history store: adding uploads, and audits that check today's rows against it."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from casefile import expand

from trainaudit import api, history
from trainaudit.engine import Store
from trainaudit.errors import InputError
from trainaudit.io.readers import read_table
from trainaudit.policy import policy_from_mapping

AUDIT_DATE = dt.date(2022, 6, 30)
SAMPLE = Path(__file__).parent.parent / "sample_data"
TRAINEE_COLUMNS = ["name", "id_number", "gender", "phone", "institution", "class_id",
                   "occupation", "level", "start_date", "end_date"]  # fmt: skip
PAYMENT_COLUMNS = ["payment_id", "id_number", "name", "institution", "class_id",
                   "subsidy_type", "amount", "pay_date"]  # fmt: skip
CERT_COLUMNS = ["cert_no", "name", "id_number", "occupation", "level", "issue_date"]

A = "@140105-19900102-123"
B = "@140107-19850506-222"
C = "@140107-19880506-333"


def write(path: Path, columns: list[str], rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([expand(row.get(c)) for c in columns])
    return path


def person(id_number: str, class_id: str, start: str, end: str, **extra) -> dict:
    return {"name": "张伟", "id_number": id_number, "gender": "", "institution": "甲机构",
            "class_id": class_id, "occupation": "电工", "level": "四级",
            "start_date": start, "end_date": end, **extra}  # fmt: skip


def night(tmp_path: Path, old: list[dict], new: list[dict], columns=TRAINEE_COLUMNS, table="trainees",
          **audit_args):  # fmt: skip
    """History holds `old` (as hist.csv); returns the audit of `new` (today.csv) against it."""
    store = tmp_path / "store.duckdb"
    api.add_to_history(store, [(table, write(tmp_path / "hist.csv", columns, old))])
    today = write(tmp_path / "today.csv", columns, new)
    return api.audit(**{table: today}, **audit_args, history=store, lang="en",
                     audit_date=AUDIT_DATE)  # fmt: skip


def flagged(report, rule: str) -> dict[int, str]:
    return {f.row: f.message for f in report.findings if f.rule == rule}


# --------------------------------------------------------------------------- the store


def test_re_adding_an_upload_is_a_no_op(tmp_path):
    store = tmp_path / "store.duckdb"
    upload = write(
        tmp_path / "night1.csv", TRAINEE_COLUMNS, [person(A, "C1", "2020-03-01", "2020-03-20")]
    )
    (first,) = api.add_to_history(store, [("trainees", upload)])
    assert not first.already and first.upload.rows == 1
    (again,) = api.add_to_history(store, [(None, upload)])
    assert again.already and again.upload.upload_id == first.upload.upload_id
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(upload.read_bytes())  # the same bytes under another name: same upload
    assert api.add_to_history(store, [("trainees", copy)])[0].already
    assert len(api.history_uploads(store)) == 1
    report = api.audit(trainees=write(tmp_path / "t.csv", TRAINEE_COLUMNS, [person(B, "C9", "2021-01-01", "2021-01-09")]),
                       history=store, audit_date=AUDIT_DATE)  # fmt: skip
    assert report.history.rows == {"trainees": 1}


def test_tables_are_told_apart_by_their_columns(tmp_path):
    store = tmp_path / "store.duckdb"
    roster = write(
        tmp_path / "r.csv", TRAINEE_COLUMNS, [person(A, "C1", "2020-03-01", "2020-03-20")]
    )
    pays = write(tmp_path / "p.csv", PAYMENT_COLUMNS, [{"payment_id": "P1", "id_number": A,
                 "institution": "甲机构", "subsidy_type": "培训补贴", "amount": "800", "pay_date": "2020-04-01"}])  # fmt: skip
    added = api.add_to_history(store, [(None, roster), (None, pays)])
    assert [a.table for a in added] == ["trainees", "payments"]
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="--trainees, --certificates or --payments"):
        api.add_to_history(store, [(None, odd)])


def test_an_upload_missing_a_required_column_is_refused_and_nothing_is_added(tmp_path):
    store = tmp_path / "store.duckdb"
    good = write(
        tmp_path / "good.csv", TRAINEE_COLUMNS, [person(A, "C1", "2020-03-01", "2020-03-20")]
    )
    bad = write(
        tmp_path / "bad.csv", TRAINEE_COLUMNS[:6], [person(B, "C1", "2020-03-01", "2020-03-20")]
    )
    with pytest.raises(InputError, match="bad.csv: not added: no column for occupation"):
        api.add_to_history(store, [("trainees", good), ("trainees", bad)])
    assert not store.exists() or api.history_uploads(store) == []


def test_remove_an_upload(tmp_path):
    store = tmp_path / "store.duckdb"
    one = write(
        tmp_path / "one.csv", TRAINEE_COLUMNS, [person(A, "C1", "2020-03-01", "2020-03-20")]
    )
    two = write(
        tmp_path / "two.csv", TRAINEE_COLUMNS, [person(B, "C2", "2020-03-01", "2020-03-20")]
    )
    api.add_to_history(store, [("trainees", one), ("trainees", two)])
    removed = api.remove_from_history(store, "1")
    assert removed.source == "one.csv"
    assert [u.source for u in api.history_uploads(store)] == ["two.csv"]
    with pytest.raises(InputError, match="no upload matches"):
        api.remove_from_history(store, "1")


def test_a_missing_or_foreign_store_is_an_input_error(tmp_path):
    roster = write(
        tmp_path / "t.csv", TRAINEE_COLUMNS, [person(A, "C1", "2020-03-01", "2020-03-20")]
    )
    with pytest.raises(InputError, match="history init"):
        api.audit(trainees=roster, history=tmp_path / "nope.duckdb")
    with pytest.raises(InputError, match="history store"):
        api.audit(trainees=roster, history=roster)
    Store(tmp_path / "other.duckdb").close()  # a database, but not a history store
    with pytest.raises(InputError, match="not a trainaudit history store"):
        api.add_to_history(tmp_path / "other.duckdb", [("trainees", roster)])
    assert api.init_history(tmp_path / "new.duckdb") is True
    assert api.init_history(tmp_path / "new.duckdb") is False
    report = api.audit(trainees=roster, history=tmp_path / "new.duckdb", audit_date=AUDIT_DATE)
    assert report.history.uploads == 0 and not report.findings


# --------------------------------------------------------------------------- audits


def test_repeat_level_names_the_history_file_and_row(tmp_path):
    report = night(
        tmp_path,
        [person(B, "C0", "2019-01-01", "2019-01-10"), person(A, "C1", "2020-03-01", "2020-03-20")],
        [person(C, "N1", "2021-03-01", "2021-03-20"), person(A, "N1", "2021-03-01", "2021-03-20")],
    )
    assert flagged(report, "R202") == {
        3: "already trained in 电工 at 四级 (class C1, hist.csv row 3)"
    }
    assert {f.source for f in report.findings} == {"today.csv"}


def test_history_comes_first_even_when_todays_claim_is_back_dated(tmp_path):
    report = night(
        tmp_path,
        [person(A, "C1", "2021-03-01", "2021-03-20")],
        [person(A, "N1", "2020-01-01", "2020-01-10")],  # dated before the accepted claim
    )
    assert set(flagged(report, "R202")) == {2}


def test_annual_limit_counts_history(tmp_path):
    old = [
        person(A, f"C{i}", f"2021-0{i}-01", f"2021-0{i}-10", occupation=f"工种{i}")
        for i in (1, 2, 3)
    ]
    report = night(tmp_path, old, [person(A, "N1", "2021-01-15", "2021-01-20", occupation="焊工")])
    assert flagged(report, "R203") == {2: "training no. 4 starting in 2021; at most 3 a year"}


def test_overlap_and_duplicate_enrollment_across_history(tmp_path):
    report = night(
        tmp_path,
        [person(A, "C1", "2021-03-01", "2021-03-20")],
        [person(A, "N1", "2021-03-10", "2021-03-25", occupation="焊工"),
         person(A, "C1", "2021-03-01", "2021-03-20")],  # the accepted line sent again
    )  # fmt: skip
    assert flagged(report, "R204")[2].endswith("(2021-03-01–2021-03-20, hist.csv row 2)")
    assert flagged(report, "R201") == {3: "enrolled twice in class C1 (first at hist.csv row 2)"}
    assert flagged(report, "D007") == {3: "same as hist.csv row 2 (after normalisation)"}


def test_chinese_messages_name_the_history_file(tmp_path):
    report = night(
        tmp_path,
        [person(A, "C1", "2020-03-01", "2020-03-20")],
        [person(A, "N1", "2021-03-01", "2021-03-20", name="张玮")],
    )
    zh = api.audit(trainees=tmp_path / "today.csv", history=tmp_path / "store.duckdb", lang="zh",
                   audit_date=AUDIT_DATE)  # fmt: skip
    assert "“hist.csv”第2行" in {f.rule: f.message for f in zh.findings}["I110"]
    assert "hist.csv row 2" in flagged(report, "I110")[2]


def test_same_person_many_ids_lists_history_and_today_rows(tmp_path):
    other = "@140105-19900102-145"  # same region, birth date and sex as A; another number
    report = night(
        tmp_path,
        [person(other, "C1", "2020-03-01", "2020-03-20")],
        [person(A, "N1", "2021-03-01", "2021-03-20")],
    )
    assert "first seen at hist.csv row 2:" in flagged(report, "I111")[2]


def test_findings_on_history_rows_and_history_classes_are_not_reported(tmp_path):
    def member(i: int, class_id: str) -> dict:
        return person(f"@140105-19900102-{i:03d}", class_id, "2020-05-01", "2020-05-09")

    old = [person(A, "C1", "2020-03-01", "2020-03-20", gender="女"),  # I108 on a history row
           *[member(i, "OLD") for i in range(200, 204)],  # R205 on a class of history alone
           *[member(i, "BIG") for i in range(300, 303)]]  # fmt: skip
    new = [person(B, "N1", "2021-03-01", "2021-03-20"), member(310, "BIG")]  # today's makes 4
    report = night(tmp_path, old, new, policy=policy_from_mapping({"max_class_size": 3}))
    assert not flagged(report, "I108")
    assert {f.subject for f in report.findings if f.rule == "R205"} == {"BIG"}


def test_payments_today_against_the_roster_in_history(tmp_path):
    store = tmp_path / "store.duckdb"
    roster = write(
        tmp_path / "roster.csv", TRAINEE_COLUMNS, [person(A, "C1", "2020-03-01", "2020-03-20")]
    )
    api.add_to_history(store, [("trainees", roster)])
    pays = write(tmp_path / "pay.csv", PAYMENT_COLUMNS, [
        {"payment_id": "P1", "id_number": A, "institution": "甲机构", "class_id": "C1",
         "subsidy_type": "培训补贴", "amount": "800", "pay_date": "2020-04-01"},
        {"payment_id": "P2", "id_number": B, "institution": "甲机构", "class_id": "C1",
         "subsidy_type": "培训补贴", "amount": "800", "pay_date": "2020-04-01"},
    ])  # fmt: skip
    report = api.audit(payments=pays, history=store, lang="en", audit_date=AUDIT_DATE)
    assert set(flagged(report, "P401")) == {3}  # B was never enrolled; A was, in history
    assert {r.code: r.status.value for r in report.results}["P401"] == "failed"


def test_duplicate_payment_and_reused_certificate_across_years(tmp_path):
    pay = {"payment_id": "P1", "id_number": A, "institution": "甲机构", "class_id": "C1",
           "subsidy_type": "培训补贴", "amount": "800", "pay_date": "2021-04-01"}  # fmt: skip
    report = night(tmp_path, [pay], [{**pay, "payment_id": "P9", "pay_date": "2020-01-01"}],
                   columns=PAYMENT_COLUMNS, table="payments")  # fmt: skip
    assert flagged(report, "P404") == {
        2: "training paid again for the same class C1 (first at hist.csv row 2)"
    }
    cert = {"cert_no": "Z001", "name": "张伟", "id_number": A, "occupation": "电工", "level": "四级",
            "issue_date": "2019-09-01"}  # fmt: skip
    report = night(tmp_path / "..", [cert], [{**cert, "id_number": B, "issue_date": "2022-01-01"}],
                   columns=CERT_COLUMNS, table="certificates")  # fmt: skip
    assert set(flagged(report, "C303")) == {2}


def test_auditing_an_upload_already_in_history_leaves_it_out(tmp_path):
    store = tmp_path / "store.duckdb"
    upload = write(
        tmp_path / "night1.csv", TRAINEE_COLUMNS, [person(A, "C1", "2020-03-01", "2020-03-20")]
    )
    api.add_to_history(store, [("trainees", upload)])
    report = api.audit(trainees=upload, history=store, audit_date=AUDIT_DATE)
    assert not report.findings
    assert report.history.excluded == ("night1.csv",) and report.history.uploads == 0


def _split_sample(folder: Path, today: int) -> tuple[dict, dict, dict]:
    """Each main table of sample_data: odd or even rows (`today` 1 or 0) for today, the
    others for history, so that most planted pairs straddle the two."""
    old, new, refs = {}, {}, {}
    for table in ("trainees", "certificates", "payments"):
        path = next(SAMPLE.glob(f"{table}.*"))
        data = read_table(path, table).data
        columns = [c for c in data.column_names if not c.startswith("_") and "__" not in c]
        rows = data.select(columns).to_pylist()
        old[table] = write(
            folder / f"old_{table}.csv", columns, [r for i, r in enumerate(rows) if i % 2 != today]
        )
        new[table] = write(
            folder / f"new_{table}.csv", columns, [r for i, r in enumerate(rows) if i % 2 == today]
        )
    for table in ("institutions", "watchlist", "occupations"):
        refs[table] = SAMPLE / f"{table}.csv"
    return old, new, refs


@pytest.mark.parametrize("today", [0, 1])
def test_pruning_history_changes_no_finding(tmp_path, monkeypatch, today):
    old, new, refs = _split_sample(tmp_path, today)
    store = tmp_path / "store.duckdb"
    api.add_to_history(store, [(t, p) for t, p in old.items()])

    def run():
        report = api.audit(**new, **refs, history=store, lang="en", audit_date=dt.date(2021, 6, 30))
        return report, sorted((f.rule, f.table, f.row or 0, f.message, f.fingerprint)
                              for f in report.findings)  # fmt: skip

    pruned, found = run()
    monkeypatch.setattr(history, "PRUNE", False)
    whole, expected = run()
    assert found == expected
    assert sum(pruned.history.loaded.values()) < sum(whole.history.loaded.values())
    assert len({f[0] for f in found}) >= 25, "the split sample must exercise most rules"
    assert not pruned.broken

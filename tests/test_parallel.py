"""Inputs are read and rules run two at a time (api.WORKERS): the result must not depend
on it, and a failure or Ctrl-C must not leave work behind."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from test_sample import INPUTS

from trainaudit import api


def _records(report) -> list[dict]:
    return [f.as_record() for r in report.results for f in r.findings]


def test_two_at_a_time_finds_what_one_at_a_time_finds(monkeypatch):
    """Same findings, same order, same fingerprints, same statuses on sample_data."""
    together = api.audit(**INPUTS, lang="en", audit_date=dt.date(2021, 6, 30))
    monkeypatch.setattr(api, "WORKERS", 1)
    alone = api.audit(**INPUTS, lang="en", audit_date=dt.date(2021, 6, 30))
    assert [(r.code, r.status) for r in together.results] == [
        (r.code, r.status) for r in alone.results
    ]
    assert _records(together) == _records(alone)
    assert len(_records(alone)) > 50


def test_results_come_back_in_the_order_of_the_items():
    def slow_first(n: int) -> int:
        time.sleep(0.05 if n == 0 else 0)
        return n * 10

    assert api._in_pairs(slow_first, list(range(6))) == [0, 10, 20, 30, 40, 50]


def test_the_first_failure_in_item_order_is_raised_after_all_finished():
    finished = []

    def work(n: int) -> int:
        time.sleep(0.05 if n == 1 else 0)
        finished.append(n)
        if n in (1, 2):
            raise ValueError(f"item {n}")
        return n

    with pytest.raises(ValueError, match="item 1"):
        api._in_pairs(work, [0, 1, 2, 3])
    assert sorted(finished) == [0, 1, 2, 3]


def test_an_interrupt_starts_nothing_more():
    started = []
    release = threading.Event()

    def work(n: int) -> int:
        started.append(n)
        if n > 0:
            release.wait(5)
        return n

    def interrupt(done: int) -> None:
        if done == 1:  # Ctrl-C while the main thread waits for item 1
            threading.Timer(0.1, release.set).start()
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        api._in_pairs(work, list(range(10)), interrupt)
    # item 0 done, the two workers busy with the next ones: those finish, no other starts
    assert len(started) <= api.WORKERS + 1


def test_a_query_two_rules_share_runs_once_when_they_run_side_by_side():
    """I109 and I110 read one candidate query; running at once, the second waits for it."""
    labels: list[str] = []
    api.audit(
        **INPUTS,
        lang="en",
        audit_date=dt.date(2021, 6, 30),
        rules=["I109", "I110"],
        tracer=lambda label, sql, seconds: labels.append(label),
    )
    assert labels.count("I109-I110 candidates") == 1


def test_of_several_bad_inputs_the_first_given_is_named(tmp_path):
    """Inputs are read biggest first; the error is still that of the first input given."""
    from trainaudit.errors import InputError

    small = tmp_path / "trainees.csv"
    small.write_text("not,a,roster\n", encoding="utf-8")
    big = tmp_path / "payments.csv"
    big.write_text("nothing,here\n" * 5000, encoding="utf-8")
    with pytest.raises(InputError, match="trainees.csv"):
        api.audit(trainees=small, payments=big, lang="en")


def test_a_staging_table_is_built_once_when_two_rules_ask_at_once():
    """Rules run two at a time; a staging table both read is built by one of them while
    the other waits for it (Engine.materialise), never twice."""
    from trainaudit.engine import Engine
    from trainaudit.policy import Policy
    from trainaudit.rules.registry import RuleContext
    from trainaudit.rules.staging import STAGES, build

    built: list[str] = []
    engine = Engine(tracer=lambda label, sql, seconds: built.append(label))
    for name in ("trainees", "certificates", "payments"):
        engine.register(name, api.normalise_table(api.empty_table(name)), copy=False)
    ctx = RuleContext(engine, Policy(), {}, dt.date(2021, 6, 30))
    start = threading.Barrier(4)

    def ask() -> None:
        start.wait()
        build(ctx, list(STAGES))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.close()
    assert sorted(built) == sorted(f"stage {name}" for name in STAGES)

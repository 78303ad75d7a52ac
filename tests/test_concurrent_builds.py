"""Overlapping `dbt build`s: they take turns, all succeed, and the result is a clean run's.

Each build runs in a process of its own, in the dbt project folder with the same target path,
as three people (or a schedule and a person) would start them.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date

import psycopg
import pytest

from pipeline_constants import LOCK_NAMESPACES, day_key

from .conftest import create_alvo_database, drop_alvo_database
from .expected import (
    DAY_OF_SIGNALS,
    SINGLE_TURBINE,
    alvo_statistics,
    assert_matches,
    data_rows,
    expected_statistics,
    fonte_samples,
    single_turbine_samples,
)

# The advisory-lock keys of macros/build_locks.sql: relations namespace, days namespace, and
# the relation key of `data`.
RELATIONS, DAYS, DATA = LOCK_NAMESPACES["build_relations"], LOCK_NAMESPACES["build_days"], 0


@pytest.fixture(scope="module")
def staged(pipeline_stack):
    result = pipeline_stack.extract("2024-05-21", "--to", "2024-05-24", *SINGLE_TURBINE)
    assert result.returncode == 0, result.stderr
    first = pipeline_stack.build("day: 2024-05-22")  # creates the tables
    assert first.returncode == 0, first.stdout[-3000:]
    return pipeline_stack


def start_builds(stack, *day_sets: str) -> list[Future]:
    """One `dbt build` per set of days (as Stack.build gives them), all at once, each in a
    process of its own (a dbt runner each: tests/dbt_runner.py)."""
    pool = ThreadPoolExecutor(len(day_sets))
    builds = [pool.submit(stack.build, days) for days in day_sets]
    pool.shutdown(wait=False)
    return builds


def finish(builds: list[Future]) -> list[str]:
    results = [build.result(timeout=300) for build in builds]
    for result in results:
        assert result.returncode == 0, result.stdout[-4000:]
    return [result.stdout for result in results]


def assert_clean(stack, *days: str):
    """Every value of these days equals Python's, as after one clean build."""
    for day in days:
        assert_matches(alvo_statistics(stack, day), expected_statistics(single_turbine_samples(stack, day)))


@pytest.mark.parametrize("how_many", [2, 3])
def test_concurrent_builds_of_the_same_day_all_succeed(staged, how_many):
    with staged.alvo() as conn:
        conn.execute("delete from data where timestamp >= '2024-05-23' and timestamp < '2024-05-24'")
    finish(start_builds(staged, *["day: 2024-05-23"] * how_many))
    rows = data_rows(staged, date(2024, 5, 23), date(2024, 5, 23))
    assert len(rows) == DAY_OF_SIGNALS  # no duplicate, no missing bucket
    assert_clean(staged, "2024-05-23")


def test_a_day_build_inside_a_running_range_build_both_succeed(staged):
    finish(start_builds(staged, "{start_day: 2024-05-21, end_day: 2024-05-24}", "day: 2024-05-23"))
    concurrent = data_rows(staged, date(2024, 5, 21), date(2024, 5, 24))
    assert len(concurrent) == 4 * DAY_OF_SIGNALS
    assert_clean(staged, "2024-05-21", "2024-05-22", "2024-05-23", "2024-05-24")
    finish(start_builds(staged, "{start_day: 2024-05-21, end_day: 2024-05-24}"))
    assert data_rows(staged, date(2024, 5, 21), date(2024, 5, 24)) == concurrent


def test_the_first_builds_of_an_empty_alvo_at_once_create_and_register_once(session_stack, alvo_template):
    """Three first builds on an Alvo without `signal` or `data` (two of the same day), all
    finding the same new signals: the tables are created once, every signal is registered
    once with ids 1..n, and every value equals Python's."""
    stack = create_alvo_database(session_stack, alvo_template, "alvo_first_builds")
    try:
        tags = ("--turbines", "T01", "T02", "--columns", "power", "wind_direction", "operating_state")
        assert stack.extract("2024-05-21", "--to", "2024-05-22", *tags).returncode == 0
        finish(start_builds(stack, "day: 2024-05-21", "day: 2024-05-22", "day: 2024-05-21"))
        with stack.alvo() as conn:
            signals = conn.execute("select id, turbine, tag, statistic from signal order by id").fetchall()
        # 12 reserved single-turbine signals, then power 4 + wind_direction 2 + operating_state 1
        # for each turbine, less T01's power (reserved).
        assert [row[0] for row in signals] == list(range(1, 12 + 2 * 7 - 4 + 1))
        assert len({row[1:] for row in signals}) == len(signals)
        for day in ("2024-05-21", "2024-05-22"):
            samples = fonte_samples(stack, day, ["power", "wind_direction", "operating_state"], ["T01", "T02"])
            assert_matches(alvo_statistics(stack, day), expected_statistics(samples))
    finally:
        drop_alvo_database(session_stack, "alvo_first_builds")


def test_readers_never_miss_the_staging_view_and_an_unchanged_view_is_kept(staged):
    def view_oid():
        with staged.alvo() as conn:
            return conn.execute("select 'staging.stg_fonte__data'::regclass::oid").fetchone()[0]

    before = view_oid()
    errors, reads = [], []
    stop = threading.Event()

    def read_forever():
        with staged.alvo() as conn:
            while not stop.is_set():
                try:
                    reads.append(conn.execute("select count(*) from staging.stg_fonte__data").fetchone()[0])
                except psycopg.Error as exc:
                    errors.append(str(exc))
                time.sleep(0.01)

    reader = threading.Thread(target=read_forever)
    reader.start()
    try:
        finish(start_builds(staged, "day: 2024-05-22", "day: 2024-05-24", "day: 2024-05-22"))
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert len(reads) > 10
    assert view_oid() == before  # not dropped and created again


def test_a_build_that_cannot_get_the_lock_fails_clearly_and_changes_nothing(staged):
    day = date(2024, 5, 22)  # built by the fixture
    before = data_rows(staged, day, day)
    assert before
    with staged.alvo() as holder, holder.transaction():
        holder_pid = holder.info.backend_pid
        # Another build of that day, as far as the lock is concerned.
        holder.execute("select pg_advisory_xact_lock_shared(%s, %s)", (RELATIONS, DATA))
        holder.execute("select pg_advisory_xact_lock(%s, %s)", (DAYS, day_key(day)))
        started = time.monotonic()
        result = staged.build(f"day: {day}", DBT_LOCK_WAIT_SECONDS="2")
        waited = time.monotonic() - started
    assert result.returncode != 0
    assert f"waiting for another dbt build (pid {holder_pid}" in result.stdout
    assert f"that is writing data for {day}; waiting at most 2 s (DBT_LOCK_WAIT_SECONDS)" in result.stdout
    assert (
        f"gave up waiting for the lock on data for {day}: another dbt build held it for more than 2 s "
        "(DBT_LOCK_WAIT_SECONDS); this build changed nothing" in result.stdout
    )
    assert waited < 60
    assert data_rows(staged, day, day) == before


def test_the_lock_wait_must_be_a_whole_number_of_seconds(staged):
    result = staged.build("day: 2024-05-24", "--select", "data", DBT_LOCK_WAIT_SECONDS="soon")
    assert result.returncode != 0
    assert "DBT_LOCK_WAIT_SECONDS must be a whole number of seconds, not 'soon'" in result.stdout

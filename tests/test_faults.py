"""Faults across the pipeline: every scenario ends with Alvo holding no lost, partial or
duplicated rows, and a rerun completing the work."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
import requests

from devstack import pgcluster
from devstack.ports import reserve_port

from .api_process import ApiProcess
from .dbt_runner import DATA_ALONE
from .expected import DAY_OF_SIGNALS, SINGLE_TURBINE
from .fake_api import FakeApi, Scenario

DAYS = [date(2024, 5, 20) + timedelta(days=i) for i in range(10)]
OLD = datetime(2000, 1, 1, tzinfo=UTC)


def mark_all_days_old(stack):
    """Load the ten days, then stamp them as an 'old copy' we can recognise later."""
    result = stack.extract(str(DAYS[0]), "--to", str(DAYS[-1]), *SINGLE_TURBINE)
    assert result.returncode == 0, result.stderr
    with stack.alvo() as conn:
        conn.execute(
            "update raw.fonte_data set _loaded_at = %s where timestamp >= %s and timestamp < %s",
            (OLD, DAYS[0], DAYS[-1] + timedelta(days=1)),
        )


def copies_per_day(stack) -> dict[date, bool]:
    """Per day, whether its copy is the old one; asserts that each day holds exactly one
    whole copy (1,440 rows of wind_speed and of power, all old or all new): the default
    turbine's, as the tests here stage."""
    with stack.alvo() as conn:
        conn.execute("set timezone = 'UTC'")
        rows = conn.execute(
            "select timestamp::date, variable, count(*), bool_and(_loaded_at = %s), bool_or(_loaded_at = %s) "
            "from raw.fonte_data where timestamp >= %s and timestamp < %s and variable in ('wind_speed', 'power') "
            "and turbine = 'T01' "
            "group by 1, 2",
            (OLD, OLD, DAYS[0], DAYS[-1] + timedelta(days=1)),
        ).fetchall()
    result = {}
    for day, variable, count, all_old, any_old in rows:
        assert all_old == any_old, f"{day} {variable} mixes old and new rows"
        assert count == 1440, f"{day} {variable} has {count} rows: a partial or duplicated day"
        result.setdefault(day, set()).add(all_old)
    assert set(result) == set(DAYS)
    for day, states in result.items():
        assert len(states) == 1, f"{day}: one variable old, the other new"
    return {day: states.pop() for day, states in result.items()}


@pytest.fixture
def spare_api(pipeline_stack, tmp_path):
    """A second, real API process over the session's Fonte: this one may be killed."""
    with ApiProcess(pipeline_stack.process_env(), tmp_path / "api.log") as api:
        yield api.process, api.url


def test_api_killed_mid_range_keeps_finished_days_and_the_day_in_flight(pipeline_stack, spare_api):
    process, url = spare_api
    mark_all_days_old(pipeline_stack)

    def kill_on_fourth_day(attempt):
        if attempt == 4:
            process.kill()
            process.wait()

    with FakeApi(Scenario(url, on_data_request=kill_on_fourth_day)) as api:
        result = pipeline_stack.extract(
            str(DAYS[0]), "--to", str(DAYS[-1]), "--api-url", api.url, "--retries", "1", *SINGLE_TURBINE
        )
    assert result.returncode == 1
    assert "error:" in result.stderr
    assert "Traceback" not in result.stderr
    old = copies_per_day(pipeline_stack)
    assert [old[d] for d in DAYS[:3]] == [False] * 3  # finished days: the new copy
    assert all(old[d] for d in DAYS[3:])  # the day in flight and the rest: the previous copy

    rerun = pipeline_stack.extract(str(DAYS[0]), "--to", str(DAYS[-1]), *SINGLE_TURBINE)
    assert rerun.returncode == 0, rerun.stderr
    assert not any(copies_per_day(pipeline_stack).values())


def test_alvo_stopped_mid_load_leaves_no_partial_day(pipeline_stack):
    mark_all_days_old(pipeline_stack)
    alvo = pipeline_stack.config.alvo

    def stop_alvo_on_third_day(attempt):
        if attempt == 3:
            pgcluster.stop(alvo)

    try:
        with FakeApi(Scenario(pipeline_stack.api_url, on_data_request=stop_alvo_on_third_day)) as api:
            result = pipeline_stack.extract(str(DAYS[0]), "--to", str(DAYS[-1]), "--api-url", api.url, *SINGLE_TURBINE)
    finally:
        pgcluster.start(alvo)
        pgcluster.wait_until_accepting(alvo)
    assert result.returncode == 1
    assert "Alvo" in result.stderr
    assert "Traceback" not in result.stderr
    states = copies_per_day(pipeline_stack)  # asserts: whole days only, never a partial one
    assert all(states[d] for d in DAYS[2:])

    rerun = pipeline_stack.extract(str(DAYS[0]), "--to", str(DAYS[-1]), *SINGLE_TURBINE)
    assert rerun.returncode == 0, rerun.stderr
    assert not any(copies_per_day(pipeline_stack).values())


def data_of_day(stack, day: date):
    with stack.alvo() as conn:
        return conn.execute(
            "select timestamp, signal_id, value from data where timestamp >= %s and timestamp < %s order by 1, 2",
            (day, day + timedelta(days=1)),
        ).fetchall()


def test_dbt_build_while_the_extractor_reloads_the_same_day_equals_a_clean_run(pipeline_stack):
    day = date(2024, 5, 21)
    columns = SINGLE_TURBINE
    assert pipeline_stack.extract(str(day), *columns).returncode == 0
    stop = threading.Event()
    reloads = []

    def reload_forever():
        while not stop.is_set():
            reloads.append(pipeline_stack.extract(str(day), *columns).returncode)

    reloader = threading.Thread(target=reload_forever)
    reloader.start()
    try:
        during = pipeline_stack.build(f"day: {day}")
    finally:
        stop.set()
        reloader.join()
    assert during.returncode == 0, during.stdout[-3000:]
    assert len(reloads) >= 2
    assert set(reloads) == {0}
    concurrent_result = data_of_day(pipeline_stack, day)

    clean = pipeline_stack.build(f"day: {day}", *DATA_ALONE)
    assert clean.returncode == 0, clean.stdout[-3000:]
    clean_result = data_of_day(pipeline_stack, day)
    # Equal to the last bit, although the reloads moved the rows in the heap: the mart sums
    # in time order.
    assert concurrent_result == clean_result
    assert len(concurrent_result) == DAY_OF_SIGNALS


def test_staging_refuses_duplicate_timestamps(pipeline_stack):
    assert pipeline_stack.extract("2024-05-22").returncode == 0
    with pipeline_stack.alvo() as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(
            "insert into raw.fonte_data (turbine, timestamp, variable, value) "
            "select turbine, timestamp, variable, value from raw.fonte_data "
            "where timestamp = '2024-05-22T00:00:00Z' and variable = 'power' and turbine = 'T02'"
        )


def test_api_without_its_database_answers_503_not_500(pipeline_stack, tmp_path):
    dead = f"postgresql://fonte:fonte@127.0.0.1:{reserve_port()}/fonte"
    day = {"start_timestamp": "2024-05-23", "end_timestamp": "2024-05-24"}
    # At once: each request waits out the pool's bounded connection wait before its 503.
    with (
        ApiProcess(pipeline_stack.process_env(FONTE_DB_URL=dead), tmp_path / "api.log") as api,
        ThreadPoolExecutor(3) as pool,
    ):
        # Only /data takes the day: the other routes refuse parameters they do not declare.
        health, data, variables = pool.map(
            lambda path: requests.get(f"{api.url}{path}", params=day if path == "/data" else None, timeout=30),
            ["/health", "/data", "/variables"],
        )
    for response in (health, data, variables):
        assert response.status_code == 503
        assert "Fonte database unavailable" in response.json()["detail"]

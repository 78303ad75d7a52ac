"""Dagster runs the pipeline by day partition: real Dagster, real dbt, the session's stack.

In-process runs use `dagster.materialize` with the resources pointed at this module's Alvo
database. The documented commands (`dagster asset materialize ...`, `make dagster`) are in
tests/test_dagster_commands.py, a module of its own so the two run on separate workers.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from dagster import AssetCheckKey, AssetKey, AssetSelection, DagsterInstance, build_schedule_context, materialize

from orchestration.assets import transformation
from orchestration.assets.extraction import fonte_data
from orchestration.assets.quality_checks import QUALITY_CHECKS
from orchestration.assets.report import report
from orchestration.assets.transformation import windpipe_dbt_models
from orchestration.resources import AlvoResource, FleetSelection, FonteApiResource
from orchestration.schedules import nightly_previous_day

from .expected import (
    CATALOG,
    FLEET,
    FLEET_DAY_OF_SIGNALS,
    alvo_statistics,
    assert_matches,
    data_rows,
    expected_statistics,
    fonte_samples,
)

DATA = AssetKey("data")


def resources(stack, turbines: list[str] | None = None) -> dict:
    alvo = stack.alvo_settings
    return {
        "fleet": FleetSelection(turbines=turbines or []),
        "fonte_api": FonteApiResource(fonte_api_url=stack.api_url),
        "alvo": AlvoResource(
            alvo_host=alvo.host,
            alvo_port=alvo.port,
            alvo_user=alvo.user,
            alvo_password=alvo.password,
            alvo_db=alvo.dbname,
        ),
        "dbt": stack.dagster_dbt,
    }


def materialize_in_own_instance(assets: list, **options):
    """`materialize` in an ephemeral instance of its own, closed in the thread that made it:
    left to the garbage collector, its SQLite connections would be closed from another
    thread, which SQLite refuses (a traceback at the interpreter's exit after concurrent runs)."""
    with DagsterInstance.ephemeral() as instance:
        return materialize(assets, instance=instance, raise_on_error=False, **options)


def run(stack, partition: str, selection=None, with_report: bool = False, turbines: list[str] | None = None):
    return materialize_in_own_instance(
        [fonte_data, windpipe_dbt_models, *QUALITY_CHECKS, *([report] if with_report else [])],
        resources=resources(stack, turbines),
        partition_key=partition,
        selection=selection,
    )


def checks(result) -> dict[str, tuple[bool, str]]:
    """check name -> (passed, severity)."""
    return {e.check_name: (e.passed, e.severity.value) for e in result.get_asset_check_evaluations()}


def staged_state(stack, day: str):
    """How many samples of the day are staged, and when they were loaded."""
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    with stack.alvo() as conn:
        if not conn.execute("select to_regclass('raw.fonte_data') is not null").fetchone()[0]:
            return (0, None)
        return conn.execute(
            "select count(*), max(_loaded_at) from raw.fonte_data where timestamp >= %s and timestamp < %s",
            (start, start + timedelta(days=1)),
        ).fetchone()


def test_one_partition_in_process_equals_the_cli_path_and_every_check_passes(dagster_stack):
    neighbours = {day: staged_state(dagster_stack, day) for day in ("2024-05-23", "2024-05-25")}
    result = run(dagster_stack, "2024-05-24")
    assert result.success
    # The partition is its day only: neither neighbour was staged again.
    assert {day: staged_state(dagster_stack, day) for day in neighbours} == neighbours
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert {AssetKey(["raw", "fonte_data"]), AssetKey(["staging", "stg_fonte__data"]), DATA} <= materialized
    evaluations = checks(result)
    assert len(evaluations) >= 10
    assert all(passed for passed, _ in evaluations.values()), evaluations
    through_dagster = data_rows(dagster_stack, "2024-05-24")
    assert len(through_dagster) == FLEET_DAY_OF_SIGNALS
    assert_matches(
        alvo_statistics(dagster_stack, "2024-05-24"), expected_statistics(fonte_samples(dagster_stack, "2024-05-24"))
    )

    # The CLI pair for the same day (every turbine and tag, as Dagster) replaces it with exactly the same rows.
    assert dagster_stack.extract("2024-05-24").returncode == 0
    assert dagster_stack.dbt_with_vars("build", "--vars", "day: 2024-05-24").returncode == 0
    assert data_rows(dagster_stack, "2024-05-24") == through_dagster


def by_turbine(stack, day: str) -> tuple[dict, dict]:
    """The day's staged rows' load times and `data`'s rows with their row versions (xmin),
    by turbine: a row rewritten gets a new xmin, even with the same value."""
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    window = (start, start + timedelta(days=1))
    with stack.alvo() as conn:
        staged = conn.execute(
            "select turbine, max(_loaded_at), count(*) from raw.fonte_data"
            " where timestamp >= %s and timestamp < %s group by 1",
            window,
        ).fetchall()
        built = conn.execute(
            "select s.turbine, d.timestamp, d.signal_id, d.value, d.xmin::text from data d"
            " join signal s on s.id = d.signal_id where d.timestamp >= %s and d.timestamp < %s order by 2, 3",
            window,
        ).fetchall()
    rows: dict[str, list] = {}
    for turbine, *row in built:
        rows.setdefault(turbine, []).append(tuple(row))
    return {turbine: (loaded, count) for turbine, loaded, count in staged}, rows


def test_one_turbines_day_is_rerun_alone_and_the_others_rows_are_not_touched(dagster_stack):
    """The run config `resources.fleet.config.turbines: [T02]`: only T02's staged rows are
    reloaded and only its statistics rewritten; every other turbine's rows keep their load
    time and their row versions."""
    day = "2024-05-23"
    assert run(dagster_stack, day).success
    staged_before, data_before = by_turbine(dagster_stack, day)
    assert set(data_before) == set(FLEET)
    result = run(dagster_stack, day, turbines=["T02"])
    assert result.success
    staged_after, data_after = by_turbine(dagster_stack, day)
    for turbine in FLEET:
        if turbine == "T02":
            assert staged_after[turbine][0] > staged_before[turbine][0]
            assert staged_after[turbine][1] == staged_before[turbine][1]
            assert [r[:3] for r in data_after[turbine]] == [r[:3] for r in data_before[turbine]]
            assert {r[3] for r in data_after[turbine]}.isdisjoint({r[3] for r in data_before[turbine]})
        else:
            assert staged_after[turbine] == staged_before[turbine], turbine
            assert data_after[turbine] == data_before[turbine], turbine
    assert_matches(alvo_statistics(dagster_stack, day), expected_statistics(fonte_samples(dagster_stack, day)))


REPORTED_DAY = "2024-05-22"


@pytest.fixture(scope="module")
def reported_run(dagster_stack, tmp_path_factory):
    """One whole run of REPORTED_DAY, the report included, that several tests read (none
    changes it): its result, and the dbt parse it left, in a file of its own that no other
    run replaces."""
    carried = tmp_path_factory.mktemp("carried-parse")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transformation, "RUN_TARGETS", carried)
        result = run(dagster_stack, REPORTED_DAY, with_report=True)
    assert result.success
    return result, carried


def test_a_run_leaves_a_parse_that_spares_the_next_run_a_full_one(dagster_stack, reported_run, tmp_path, monkeypatch):
    """The parse a run leaves fits the next run's dbt: with other days in WINDPIPE_DAYS, dbt
    parses no file again (its perf_info.json)."""
    _, carried = reported_run
    monkeypatch.setattr(transformation, "RUN_TARGETS", carried)
    next_target = tmp_path / "next-run"
    transformation.start_from_carried_parse(next_target)
    parsed = dagster_stack.dbt(
        "parse", DBT_TARGET_PATH=str(next_target), WINDPIPE_DAYS='{"start_day": "2024-05-23", "end_day": "2024-05-24"}'
    )
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    assert json.loads((next_target / "perf_info.json").read_text())["parsed_path_count"] == 0


def test_a_failing_warn_check_does_not_fail_the_run(dagster_stack):
    # The models alone, for a day never extracted: the warn test reports it, the run goes on.
    result = run(dagster_stack, "2024-05-29", selection="staging/stg_fonte__data*")
    assert result.success
    assert checks(result)["every_requested_day_is_staged"] == (False, "WARN")


def test_the_quality_checks_warn_for_the_turbines_of_the_fault_day_and_the_run_succeeds(dagster_stack):
    """T03 stopped for two hours (availability 11/12) and T04 lost 30 minutes of samples
    (coverage 1410/1440) on the fault day; every other turbine is above both minimums."""
    result = run(dagster_stack, "2024-05-27")
    assert result.success
    warned = {
        e.check_name: (e.passed, e.severity.value, e.metadata["turbines"].value)
        for e in result.get_asset_check_evaluations()
        if e.check_name in {c.check_key.name for c in QUALITY_CHECKS}
    }
    assert warned == {
        "coverage_at_least_the_minimum": (False, "WARN", ["T04"]),
        "availability_at_least_the_minimum": (False, "WARN", ["T03"]),
    }


def test_a_failing_error_check_blocks_the_models_downstream(dagster_stack):
    assert dagster_stack.extract("2024-05-28", "--turbines", "T01", "--columns", "power").returncode == 0
    with dagster_stack.alvo() as conn:
        conn.execute(
            "insert into raw.fonte_data (turbine, timestamp, variable, value)"
            " values ('T01', '2024-05-28T12:00:00Z', 'gust', 1)"
        )
    try:
        result = run(dagster_stack, "2024-05-28", selection="staging/stg_fonte__data*")
    finally:
        with dagster_stack.alvo() as conn:
            conn.execute("delete from raw.fonte_data where variable = 'gust'")
    assert not result.success
    catalog_check = next(name for name in checks(result) if name.startswith("relationships_stg_fonte__data_tag"))
    assert checks(result)[catalog_check] == (False, "ERROR")
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert DATA not in materialized
    assert AssetKey("signal") not in materialized
    assert data_rows(dagster_stack, "2024-05-28") == []


def test_the_same_partition_twice_at_once_leaves_one_copy(dagster_stack):
    results = []

    def one_run():
        results.append(run(dagster_stack, "2024-05-21"))

    runs = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join()
    assert [r.success for r in results] == [True, True]
    assert len(data_rows(dagster_stack, "2024-05-21")) == FLEET_DAY_OF_SIGNALS
    with dagster_stack.alvo() as conn:
        staged = conn.execute(
            "select count(*), count(distinct (turbine, timestamp, variable)) from raw.fonte_data "
            "where timestamp >= '2024-05-21' and timestamp < '2024-05-22'"
        ).fetchone()
    assert staged == (1440 * len(CATALOG) * len(FLEET),) * 2
    assert_matches(
        alvo_statistics(dagster_stack, "2024-05-21"), expected_statistics(fonte_samples(dagster_stack, "2024-05-21"))
    )


def test_the_schedule_asks_for_the_previous_utc_day():
    for tick, expected in [
        (datetime(2024, 5, 24, 1, 30, tzinfo=UTC), "2024-05-23"),
        (datetime(2024, 6, 1, 1, 30, tzinfo=UTC), "2024-05-31"),
        (datetime(2025, 1, 1, 1, 30, tzinfo=UTC), "2024-12-31"),
    ]:
        request = nightly_previous_day(build_schedule_context(scheduled_execution_time=tick))
        assert request.partition_key == expected
    assert nightly_previous_day.default_status.value == "STOPPED"


def test_first_partition_is_the_first_day_of_fontes_default_period():
    from orchestration.partitions import DAILY

    assert DAILY.get_first_partition_key() == "2024-05-20"
    assert date.fromisoformat(DAILY.get_last_partition_key()) >= date(2024, 5, 29)


def test_the_report_asset_writes_the_days_files_with_a_preview(reported_run):
    result, _ = reported_run
    [materialization] = [e for e in result.get_asset_materialization_events() if e.asset_key == AssetKey("report")]
    metadata = materialization.materialization.metadata
    html, png = Path(metadata["html"].value), Path(metadata["png"].value)
    assert html == Path(os.environ["REPORTS_DIR"]) / f"{REPORTED_DAY}.html"
    assert html.exists()
    assert png.read_bytes().startswith(b"\x89PNG")
    assert metadata["preview"].value.startswith(f"![{REPORTED_DAY}](data:image/png;base64,")


def test_a_check_run_alone_without_a_partition_checks_every_day(dagster_stack, reported_run):
    """As the UI's "Execute" on a check does: no partition; the test then reads every day
    (at least the reported run's)."""
    check = AssetCheckKey(DATA, "stats_are_ordered_data_ref_signal_")
    result = materialize_in_own_instance(
        [fonte_data, windpipe_dbt_models], resources=resources(dagster_stack), selection=AssetSelection.checks(check)
    )
    assert result.success
    assert checks(result) == {check.name: (True, "ERROR")}
    assert result.get_asset_materialization_events() == []

"""Dagster runs the pipeline by day partition: real Dagster, real dbt, the session's stack.

In-process runs use `dagster.materialize` with the resources pointed at this module's Alvo
database; the documented CLI commands (`dagster asset materialize ...`) run as a user would
run them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psutil
import pytest
import requests
from dagster import AssetCheckKey, AssetKey, AssetSelection, DagsterInstance, build_schedule_context, materialize

from devstack import stack
from devstack.config import REPO_ROOT, VENV_BIN, load_config
from devstack.ports import reserve_port
from devstack.processes import popen_alive, wait_for_url
from orchestration.assets import transformation
from orchestration.assets.extraction import fonte_data
from orchestration.assets.report import report
from orchestration.assets.transformation import windpipe_dbt_models
from orchestration.dbt_manifest import DBT_PROJECT_DIR, prepare, project_hash
from orchestration.resources import AlvoResource, FonteApiResource, dbt_from_env
from orchestration.schedules import nightly_previous_day

from .browser import browser_page, is_blank
from .expected import (
    DAY_OF_SIGNALS,
    VARIABLES,
    alvo_statistics,
    assert_matches,
    data_rows,
    expected_statistics,
    fonte_samples,
)

DATA = AssetKey("data")


@pytest.fixture(scope="module")
def dagster_stack(pipeline_stack, tmp_path_factory):
    """The stack, with this process's environment pointing at it (dbt, run by dagster-dbt as a
    subprocess, reads ALVO_* from there), and reports written to a temporary folder.

    The marts exist, empty, before any test runs, as in any Alvo that has seen one build: a
    test may run alone or first and select only some models (the first-ever builds of an
    empty Alvo are a documented limit, not what these tests are about)."""
    created = pipeline_stack.dbt(
        "build", "--select", "+data", "--exclude-resource-type", "unit_test", "--vars", "day: 2000-01-01"
    )
    assert created.returncode == 0, created.stdout[-3000:]
    reports = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in pipeline_stack.process_env(REPORTS_DIR=str(reports)).items():
            patch.setenv(name, value)
        yield pipeline_stack


def resources(stack) -> dict:
    alvo = stack.alvo_settings
    return {
        "fonte_api": FonteApiResource(fonte_api_url=stack.api_url),
        "alvo": AlvoResource(
            alvo_host=alvo.host,
            alvo_port=alvo.port,
            alvo_user=alvo.user,
            alvo_password=alvo.password,
            alvo_db=alvo.dbname,
        ),
        "dbt": dbt_from_env(),
    }


def run(stack, partition: str, selection=None, with_report: bool = False):
    return materialize(
        [fonte_data, windpipe_dbt_models, *([report] if with_report else [])],
        resources=resources(stack),
        partition_key=partition,
        instance=DagsterInstance.ephemeral(),
        selection=selection,
        raise_on_error=False,
    )


def checks(result) -> dict[str, tuple[bool, str]]:
    """check name -> (passed, severity)."""
    return {e.check_name: (e.passed, e.severity.value) for e in result.get_asset_check_evaluations()}


def assert_day_equals_python(stack, day: str) -> None:
    assert_matches(alvo_statistics(stack, day), expected_statistics(fonte_samples(stack, day)))


def dagster_cli(stack, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`.venv/bin/dagster ...` as a user runs it without activating the venv: no dbt on PATH."""
    return subprocess.run(
        [str(VENV_BIN / "dagster"), *args],
        cwd=REPO_ROOT,
        env=stack.process_env(PATH="/usr/bin:/bin", REPORTS_DIR=os.environ["REPORTS_DIR"]),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def materialize_cli(stack, *partitions: str) -> subprocess.CompletedProcess:
    """The documented command: every asset, for --partition D or --partition-range A...B."""
    return dagster_cli(stack, "asset", "materialize", "-m", "orchestration.definitions", "--select", "*", *partitions)


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
    assert len(through_dagster) == DAY_OF_SIGNALS
    assert_matches(
        alvo_statistics(dagster_stack, "2024-05-24"), expected_statistics(fonte_samples(dagster_stack, "2024-05-24"))
    )

    # The CLI pair for the same day replaces it with exactly the same rows.
    assert dagster_stack.extract("2024-05-24", "--columns", *VARIABLES).returncode == 0
    assert dagster_stack.dbt("build", "--vars", "day: 2024-05-24").returncode == 0
    assert data_rows(dagster_stack, "2024-05-24") == through_dagster


def test_a_range_is_one_run_with_one_extraction_and_one_dbt_build(dagster_stack):
    before = data_rows(dagster_stack, "2024-05-24")
    result = materialize_cli(dagster_stack, "--partition-range", "2024-05-25...2024-05-27")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert len(re.findall(r"RUN_START", output)) == 1
    assert len(re.findall(r"Running dbt command: `\S*dbt build", output)) == 1
    assert '"start_day": "2024-05-25", "end_day": "2024-05-27"' in output
    assert len(re.findall(r"STEP_START - Started execution of step \"raw__fonte_data\"", output)) == 1
    for day in ("2024-05-25", "2024-05-26", "2024-05-27"):
        assert f"{day}  wind_speed,power,ambient_temperature  1440 rows" in output
        assert_day_equals_python(dagster_stack, day)
    assert data_rows(dagster_stack, "2024-05-24") == before  # other days untouched


def test_a_run_leaves_a_parse_that_spares_the_next_run_a_full_one(dagster_stack, tmp_path, monkeypatch):
    """The parse a run leaves (here in a file of this test's own, which no other run
    replaces) fits the next run's dbt: with other days in WINDPIPE_DAYS, dbt parses no file
    again (its perf_info.json)."""
    carried = tmp_path / "carried.msgpack"
    monkeypatch.setattr(transformation, "CARRIED_PARSE", carried)
    assert run(dagster_stack, "2024-05-22").success
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


def test_a_failing_error_check_blocks_the_models_downstream(dagster_stack):
    assert dagster_stack.extract("2024-05-28", "--columns", *VARIABLES).returncode == 0
    with dagster_stack.alvo() as conn:
        conn.execute(
            "insert into raw.fonte_data (timestamp, variable, value) values ('2024-05-28T12:00:00Z', 'gust', 1)"
        )
    try:
        result = run(dagster_stack, "2024-05-28", selection="staging/stg_fonte__data*")
    finally:
        with dagster_stack.alvo() as conn:
            conn.execute("delete from raw.fonte_data where variable = 'gust'")
    assert not result.success
    source_check = next(name for name in checks(result) if name.startswith("source_accepted_values_fonte"))
    assert checks(result)[source_check] == (False, "ERROR")
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert DATA not in materialized
    assert AssetKey(["staging", "stg_fonte__data"]) not in materialized
    assert data_rows(dagster_stack, "2024-05-28") == []


def test_a_day_without_data_fails_with_the_extractors_message_and_changes_nothing(dagster_stack):
    with dagster_stack.alvo() as conn:
        staged_before = conn.execute("select count(*), max(_loaded_at) from raw.fonte_data").fetchone()
        data_before = conn.execute("select count(*) from data").fetchone()
    result = materialize_cli(dagster_stack, "--partition", "2024-05-30")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert (
        "extraction of 2024-05-30..2024-05-30 failed: no data for 2024-05-30 in Fonte; "
        "Fonte covers 2024-05-20T00:00:00+00:00 to 2024-05-29T23:59:00+00:00" in output
    )
    with dagster_stack.alvo() as conn:
        assert conn.execute("select count(*), max(_loaded_at) from raw.fonte_data").fetchone() == staged_before
        assert conn.execute("select count(*) from data").fetchone() == data_before


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
    assert len(data_rows(dagster_stack, "2024-05-21")) == DAY_OF_SIGNALS
    with dagster_stack.alvo() as conn:
        staged = conn.execute(
            "select count(*), count(distinct (timestamp, variable)) from raw.fonte_data "
            "where timestamp >= '2024-05-21' and timestamp < '2024-05-22'"
        ).fetchone()
    assert staged == (1440 * 3, 1440 * 3)
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


def test_definitions_validate(dagster_stack):
    result = dagster_cli(dagster_stack, "definitions", "validate", "-m", "orchestration.definitions")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "All code locations passed validation" in result.stdout + result.stderr


def test_a_missing_or_stale_manifest_is_made_again(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    from dagster_dbt import DbtProject

    copy = DbtProject(project_dir=project, target_path="target/dagster")
    manifest = prepare(copy)  # a fresh clone: no manifest yet
    assert manifest.exists()
    first = manifest.stat().st_mtime_ns
    assert prepare(copy).stat().st_mtime_ns == first  # current: not parsed again
    model = project / "models" / "marts" / "signal.sql"
    model.write_text(model.read_text() + "\n-- changed\n")
    assert project_hash(project) != (project / "target" / "dagster" / "project-hash.txt").read_text()
    assert prepare(copy).stat().st_mtime_ns != first  # stale: parsed again


def test_first_partition_is_the_first_day_of_fontes_default_period():
    from orchestration.partitions import DAILY

    assert DAILY.get_first_partition_key() == "2024-05-20"
    assert date.fromisoformat(DAILY.get_last_partition_key()) >= date(2024, 5, 29)


def test_the_report_asset_writes_the_days_files_with_a_preview(dagster_stack):
    result = run(dagster_stack, "2024-05-22", with_report=True)
    assert result.success
    [materialization] = [e for e in result.get_asset_materialization_events() if e.asset_key == AssetKey("report")]
    metadata = materialization.materialization.metadata
    html, png = Path(metadata["html"].value), Path(metadata["png"].value)
    assert html == Path(os.environ["REPORTS_DIR"]) / "2024-05-22.html"
    assert html.exists()
    assert png.read_bytes().startswith(b"\x89PNG")
    assert metadata["preview"].value.startswith("![2024-05-22](data:image/png;base64,")


def start_make_dagster(dagster_stack, home: Path):
    """`make dagster` (python -m devstack.dagster) on a reserved port, its state and PID
    file under `home`."""
    port = reserve_port()
    env = dagster_stack.process_env(DAGSTER_PORT=str(port), DEVSTACK_DIR=str(home), DAGSTER_HOME=str(home / "dagster"))
    process = subprocess.Popen(
        [str(VENV_BIN / "python"), "-m", "devstack.dagster"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # as if started with `&` from a script
    )
    url = f"http://127.0.0.1:{port}"
    with contextlib.suppress(TimeoutError, RuntimeError):  # the tests say what is wrong
        wait_for_url(f"{url}/server_info", "make dagster", timeout=120, alive=popen_alive(process))
    return url, process, load_config(env)


@pytest.fixture(scope="module")
def running_ui(dagster_stack, tmp_path_factory):
    """One `make dagster` for the module's tests, started again by `dagster_ui` if a test
    stopped it (the stop test may run first, in any order)."""
    home = tmp_path_factory.mktemp("dagster-stack")
    current = {"ui": start_make_dagster(dagster_stack, home)}
    yield lambda: current
    _, process, config = current["ui"]
    if process.poll() is None:  # a test failed before stopping it: stop it the same way
        stack.stop_dagster(config)
        process.kill()


@pytest.fixture
def dagster_ui(running_ui, dagster_stack, tmp_path_factory):
    current = running_ui()
    if current["ui"][1].poll() is not None:
        current["ui"] = start_make_dagster(dagster_stack, tmp_path_factory.mktemp("dagster-stack"))
    return current["ui"]


def test_make_dagster_serves_the_ui(dagster_ui):
    url, process, _ = dagster_ui
    assert process.poll() is None, process.stdout.read()
    info = requests.get(f"{url}/server_info", timeout=10).json()
    assert info["dagster_version"] == "1.13.27"


def test_the_asset_graph_shows_extraction_staging_and_the_marts(dagster_ui):
    url, _, _ = dagster_ui
    with browser_page(1600, 1000) as page:
        page.goto(f"{url}/asset-groups")
        page.get_by_text("Global asset lineage").first.wait_for(timeout=60_000)
        page.get_by_text("extraction", exact=True).last.wait_for(timeout=30_000)
        # The first visit shows a "Join the Dagster community" dialog over the page, maybe
        # a moment later; the graph shows its groups collapsed: Alt+E expands them all.
        deadline = time.monotonic() + 30
        while not page.get_by_text("stg_fonte__data", exact=True).count() and time.monotonic() < deadline:
            skip = page.get_by_role("button", name="Skip")
            if skip.count():
                skip.first.click()
            page.keyboard.press("Alt+e")
            page.wait_for_timeout(500)
        for asset in ("fonte_data", "stg_fonte__data", "signal", "data", "report"):
            page.get_by_text(asset, exact=True).last.wait_for(timeout=10_000)
        screenshot = page.screenshot()
    assert not is_blank(screenshot)


def test_stopping_make_dagster_leaves_no_process_behind(dagster_ui):
    """Stops the UI the way `make down` does (SIGTERM); the next test that needs it starts
    another."""
    url, process, config = dagster_ui
    wrapper = psutil.Process(process.pid)
    members = [wrapper, *wrapper.children(recursive=True)]
    names = " ".join(" ".join(p.cmdline()) for p in members)
    for part in ("dagster dev", "dagster_webserver", "dagster._daemon", "code-server"):
        assert part in names
    assert stack.stop_dagster(config) is not None
    _, alive = psutil.wait_procs(members, timeout=30)
    assert alive == []
    leftovers = [p for p in psutil.process_iter(["cmdline"]) if str(config.home) in " ".join(p.info["cmdline"] or [])]
    assert leftovers == []
    assert not (config.home / "dagster.pid").exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/server_info", timeout=5)


def test_a_check_run_alone_without_a_partition_checks_every_day(dagster_stack):
    """As the UI's "Execute" on a check does: no partition; the test then reads every day."""
    assert run(dagster_stack, "2024-05-20").success  # something to check
    check = AssetCheckKey(DATA, "stats_are_ordered_data_ref_signal_catalog_")
    result = materialize(
        [fonte_data, windpipe_dbt_models],
        resources=resources(dagster_stack),
        instance=DagsterInstance.ephemeral(),
        selection=AssetSelection.checks(check),
        raise_on_error=False,
    )
    assert result.success
    assert checks(result) == {check.name: (True, "ERROR")}
    assert result.get_asset_materialization_events() == []

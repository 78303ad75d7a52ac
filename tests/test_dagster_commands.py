"""The documented Dagster commands, run as a user runs them: `dagster asset materialize ...`,
`dagster definitions validate`, `make dagster` and its UI; and the manifest they need.
In-process runs are in tests/test_orchestration.py."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import psutil
import pytest
import requests

from devstack import stack
from devstack.config import REPO_ROOT, VENV_BIN, load_config
from devstack.ports import reserve_port
from devstack.processes import popen_alive, wait_for_url
from orchestration import dbt_manifest
from orchestration.dbt_manifest import DBT_PROJECT_DIR, prepare, project_hash

from .browser import browser_page, is_blank
from .expected import CATALOG, FLEET, alvo_statistics, assert_matches, data_rows, expected_statistics, fonte_samples


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


def assert_day_equals_python(stack, day: str) -> None:
    assert_matches(alvo_statistics(stack, day), expected_statistics(fonte_samples(stack, day)))


def test_a_range_is_one_run_with_one_extraction_and_one_dbt_build(dagster_stack):
    before = data_rows(dagster_stack, "2024-05-24")
    result = materialize_cli(dagster_stack, "--partition-range", "2024-05-25...2024-05-26")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert len(re.findall(r"RUN_START", output)) == 1
    assert len(re.findall(r"Running dbt command: `\S*dbt build", output)) == 1
    assert '"start_day": "2024-05-25", "end_day": "2024-05-26"' in output
    assert len(re.findall(r"STEP_START - Started execution of step \"fonte_data\"", output)) == 1
    for day in ("2024-05-25", "2024-05-26"):
        assert f"{day}  {len(FLEET)} turbines x {len(CATALOG)} tags  {1440 * len(FLEET)} rows" in output
        assert_day_equals_python(dagster_stack, day)
    assert data_rows(dagster_stack, "2024-05-24") == before  # other days untouched


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


def test_definitions_validate(dagster_stack):
    result = dagster_cli(dagster_stack, "definitions", "validate", "-m", "orchestration.definitions")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "All code locations passed validation" in result.stdout + result.stderr


def test_a_missing_or_stale_manifest_is_made_again(tmp_path, dagster_dbt, monkeypatch):
    # `dbt parse` answered by the session's dbt runners (tests/dbt_stand_in.py): what is
    # tested here is when the manifest is made; the code location's loads in the other
    # tests and the rehearsal's image step run the real executable.
    monkeypatch.setattr(dbt_manifest, "DBT_EXECUTABLE", Path(dagster_dbt.dbt_executable))
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


@pytest.mark.stops_shared_service
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

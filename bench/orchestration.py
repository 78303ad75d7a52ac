"""Dagster against the plain CLI pair for the same work, and what two dbt choices cost.

- one partition: `dagster asset materialize --partition D` (extraction and the dbt models)
  against `python -m extract D --columns <all>` + `dbt build --vars 'day: D'`, a new day each
  run (each new day is a new `--vars`, which makes dbt parse the project again; a Dagster
  run gives the days by WINDPIPE_DAYS and starts from the last run's parse);
- a 10-day backfill in one run (`--partition-range`) against the pair for the same range;
- the dbt unit tests that production builds skip: a day's build with and without them;
- the build locks: the time of their own statements in a day's build, from dbt's log;
- a new day's build with the day in --vars (a full parse) against the same day in
  WINDPIPE_DAYS (the partial parse kept).

Medians of several runs, all in this run of the bench.
"""

from __future__ import annotations

import re
import statistics
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import click

from devstack.config import REPO_ROOT, VENV_BIN
from fonte_api.models import VARIABLES

from .measure import dbt_vars, run

# All but the report.
DBT_ASSETS = (
    "raw/fonte_data,raw/fonte_variables,raw/fonte_turbines,staging/kind_statistics,staging/single_turbine_signals,staging/stg_fonte__tags,"
    "staging/stg_fonte__turbines,staging/stg_fonte__data,signal,data"
)
FIRST = date(2024, 5, 20)
RUNS = 3


def _median(seconds: list[float]) -> str:
    return f"{statistics.median(seconds):.2f} ({min(seconds):.2f}–{max(seconds):.2f})"


class Orchestration:
    def __init__(self, env: dict[str, str], home: Path):
        self.env = {**env, "DAGSTER_HOME": str(home / "dagster")}
        (home / "dagster").mkdir(parents=True, exist_ok=True)
        self.dbt_project = REPO_ROOT / "dbt_project"
        self.log_path = Path(env["DBT_LOG_PATH"]) / "dbt.log"

    def cli_pair(self, first: date, last: date) -> float:
        # As a user types it for days not built before: a new `dbt build --vars` parses the
        # whole project again (removing the parse makes a repeated range pay it too). A
        # Dagster run gives dbt its days by WINDPIPE_DAYS and starts from the last run's parse.
        (Path(self.env["DBT_TARGET_PATH"]) / "partial_parse.msgpack").unlink(missing_ok=True)
        extract = self.extract(first, last)
        build = self.dbt("build", "--vars", dbt_vars(first, last))
        return extract.seconds + build.seconds

    def extract(self, first: date, last: date):
        command = [sys.executable, "-m", "extract", str(first), "--to", str(last), "--columns", *VARIABLES]
        return run(command, env=self.env, cwd=REPO_ROOT)

    def dbt(self, *args: str):
        return run([str(VENV_BIN / "dbt"), *args], env=self.env, cwd=self.dbt_project)

    def dagster(self, first: date, last: date) -> float:
        partition = ["--partition", str(first)] if first == last else ["--partition-range", f"{first}...{last}"]
        command = [str(VENV_BIN / "dagster"), "asset", "materialize", "-m", "orchestration.definitions"]
        return run([*command, "--select", DBT_ASSETS, *partition], env=self.env, cwd=REPO_ROOT).seconds


def compare(label: str, cli: Callable[[], float], dagster: Callable[[], float], target: float) -> str:
    cli_seconds, dagster_seconds = [], []
    for _ in range(RUNS):
        cli_seconds.append(cli())
        dagster_seconds.append(dagster())
    ratio = statistics.median(dagster_seconds) / statistics.median(cli_seconds)
    met = "met" if ratio <= target else "missed"
    return f"| {label} | {_median(cli_seconds)} | {_median(dagster_seconds)} | {ratio:.2f}× | ≤ {target}×: {met} |"


def orchestration_rows(o: Orchestration) -> list[str]:
    """The two Dagster rows; a new day for each one-day run (days 2024-05-20 to 2024-05-25)."""
    days = iter(FIRST + timedelta(days=i) for i in range(2 * RUNS))
    one_day = compare(
        "one partition (1 day, 3 variables)",
        lambda: o.cli_pair(day := next(days), day),
        lambda: o.dagster(day := next(days), day),
        1.5,
    )
    click.echo(one_day)
    last = FIRST + timedelta(days=9)
    backfill = compare(
        "10-day backfill in one run",
        lambda: o.cli_pair(FIRST, last),
        lambda: o.dagster(FIRST, last),
        1.3,
    )
    click.echo(backfill)
    return [one_day, backfill]


def unit_test_row(o: Orchestration) -> str:
    """A day's `dbt build` without unit tests (production default) and with them, both after
    the project was parsed with the same vars (so neither pays the parse), in turns."""
    without, with_units = [], []
    for i in range(RUNS):
        variables = f"day: {FIRST + timedelta(days=i)}"
        o.dbt("parse", "--vars", variables)
        builds = [("build", "--vars", variables), ("build", "--vars", variables, "--selector", "with_unit_tests")]
        for args in builds if i % 2 == 0 else reversed(builds):
            (with_units if "--selector" in args else without).append(o.dbt(*args).seconds)
    saving = statistics.median(with_units) - statistics.median(without)
    row = f"| one day | {_median(without)} | {_median(with_units)} | {saving:.2f} |"
    click.echo(row)
    return row


LOCK_STATEMENT = re.compile(r"windpipe_lock|from pg_locks")
STATUS = re.compile(r"SQL status: \S+ .*in (\d+\.\d+) seconds")
THREAD = re.compile(r"\[(Thread-\d+|MainThread)[^\]]*\]")


def lock_seconds(log_text: str) -> tuple[float, int]:
    """Seconds spent in the build locks' statements (the holders' check and the lock
    itself), from a dbt debug log: each statement's line, then its 'SQL status' line."""
    pending: dict[str, bool] = {}
    total, statements, key = 0.0, 0, ""
    for line in log_text.splitlines():
        thread = THREAD.search(line)
        key = thread.group(1) if thread else key  # a statement's later lines carry no prefix
        if LOCK_STATEMENT.search(line):
            pending[key] = True
        elif (status := STATUS.search(line)) and pending.pop(key, False):
            total += float(status.group(1))
            statements += 1
    return total, statements


def lock_row(o: Orchestration) -> str:
    builds, locks = [], []
    for i in range(RUNS):
        o.log_path.unlink(missing_ok=True)
        builds.append(o.dbt("build", "--vars", f"day: {FIRST + timedelta(days=i)}").seconds)
        seconds, statements = lock_seconds(o.log_path.read_text())
        assert statements >= 3, "the lock statements were not found in dbt's log"
        locks.append(seconds)
    share = statistics.median(locks) / statistics.median(builds)
    row = f"| one day | {_median(builds)} | {statistics.median(locks) * 1000:.1f} ms | {share:.3%} |"
    click.echo(row)
    return row


def days_by_environment_row(o: Orchestration) -> str:
    """A new day's build each time, after a build of another day given the same way: by
    --vars (dbt parses the whole project again) and by WINDPIPE_DAYS (it does not), in turns."""
    by_vars, by_env = [], []
    o.extract(FIRST, FIRST + timedelta(days=RUNS))
    o.dbt("build", "--vars", f"day: {FIRST}")
    env_build = [str(VENV_BIN / "dbt"), "build"]
    env_target = {"DBT_TARGET_PATH": o.env["DBT_TARGET_PATH"] + "-days"}
    run(env_build, env={**o.env, **env_target, "WINDPIPE_DAYS": f"day: {FIRST}"}, cwd=o.dbt_project)
    for i in range(1, RUNS + 1):
        day = FIRST + timedelta(days=i)
        by_vars.append(o.dbt("build", "--vars", f"day: {day}").seconds)
        env = {**o.env, **env_target, "WINDPIPE_DAYS": f"day: {day}"}
        by_env.append(run(env_build, env=env, cwd=o.dbt_project).seconds)
    saving = statistics.median(by_vars) - statistics.median(by_env)
    row = f"| a new day | {_median(by_vars)} | {_median(by_env)} | {saving:.2f} |"
    click.echo(row)
    return row

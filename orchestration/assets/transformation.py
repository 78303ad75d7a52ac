"""The dbt models as Dagster assets, one `dbt build` per run, with dbt's tests as checks.

The run's partition window reaches dbt as the project's own day window (`start_day`/`end_day`,
both days included), so a Dagster run and `dbt build --vars` compute exactly the same rows.
It goes through WINDPIPE_DAYS rather than --vars: a new --vars makes dbt parse the whole
project again, the variable does not (dbt_project/macros/day_window.sql), and each run
starts from the parse the last finished run left. Unit tests stay out of these builds: they
run in `make test`.
"""

# No `from __future__ import annotations`: Dagster reads the annotations of decorated
# functions at load time and does not resolve strings.

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, DagsterInstance
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from ..dbt_manifest import DBT_PROJECT, prepare
from ..partitions import DAILY, ONE_RUN_PER_BACKFILL, run_days
from ..resources import FleetSelection

RUN_TARGETS = DBT_PROJECT.project_dir / "target" / "dagster-runs"
# The parse the last finished run left: the next run starts from it, and dbt parses only
# what changed since (nothing, as a rule). dbt checks that it fits (project files, profile,
# dbt version) and parses everything when it does not, so a stale one costs time, not rows.
# The profile's connection is part of that check, so each Alvo that runs reach from this
# folder (profiles.yml's variables) carries a parse of its own: runs against another Alvo
# from the same checkout (a second deployment, the tests) do not spoil each other's.
PROFILE_VARIABLES = ("ALVO_HOST", "ALVO_PORT", "ALVO_USER", "ALVO_DB", "ALVO_SCHEMA")
PARSE_FILE = "partial_parse.msgpack"
_ENVIRONMENT = threading.Lock()


class WindpipeTranslator(DagsterDbtTranslator):
    """Groups: `staging` for the staging views and the reference views, `marts` for the marts."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None
        return "marts" if "marts" in dbt_resource_props.get("fqn", []) else "staging"


TRANSLATOR = WindpipeTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_source_tests_as_checks=True)
)


def windpipe_days(context: AssetExecutionContext) -> str | None:
    """The run's days as WINDPIPE_DAYS says them; None for every day."""
    days = run_days(context)
    if days is None:
        # A check executed alone (from the UI) has no partition: check every day.
        return None
    first, last = days
    return json.dumps({"start_day": first.isoformat(), "end_day": last.isoformat()})


@contextmanager
def run_in_environment(days: str | None, turbines: list[str] | None = None) -> Iterator[None]:
    """WINDPIPE_DAYS and WINDPIPE_TURBINES set (or unset: every day, every turbine) in this
    process while dbt's process starts: dagster-dbt hands dbt a copy of os.environ and takes
    no environment of its own. The lock keeps two runs in one process (threads, in tests)
    from starting dbt with each other's days; a deployed run has its own process."""
    wanted = {"WINDPIPE_DAYS": days, "WINDPIPE_TURBINES": ",".join(turbines) if turbines else None}
    with _ENVIRONMENT:
        saved = {name: os.environ.pop(name, None) for name in wanted}
        os.environ.update({name: value for name, value in wanted.items() if value is not None})
        try:
            yield
        finally:
            for name, value in saved.items():
                os.environ.pop(name, None)
                if value is not None:
                    os.environ[name] = value


def carried_parse() -> Path:
    """Where the runs against the Alvo that dbt reaches from this process carry their parse
    (the connection's variables as dbt will read them, hashed: no password is among them)."""
    connection = "|".join(os.environ.get(name, "") for name in PROFILE_VARIABLES)
    return RUN_TARGETS / f"partial_parse-{hashlib.sha256(connection.encode()).hexdigest()[:16]}.msgpack"


def start_from_carried_parse(target: Path) -> None:
    carried = carried_parse()
    if carried.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(carried, target / PARSE_FILE)


def carry_parse(target: Path, run_id: str) -> None:
    """Leave this run's parse for the next one; replaced in one step, so a run starting
    meanwhile copies the old file or the new one, never half of one."""
    parsed = target / PARSE_FILE
    if parsed.exists():
        carried = carried_parse()
        incoming = carried.with_name(f".{carried.name}.{run_id}")
        shutil.copy2(parsed, incoming)
        os.replace(incoming, carried)


def sweep_finished_runs(instance: DagsterInstance) -> None:
    """Remove the target folders of runs this instance has recorded as finished: a run
    killed mid-run (its process killed, or its code server) never reaches its own cleanup.
    A folder of a run the instance does not know (another instance's, from the same
    checkout: the tests, a second deployment) may belong to a run in progress, and stays."""
    if not RUN_TARGETS.is_dir():
        return
    for folder in RUN_TARGETS.iterdir():
        if folder.is_dir():
            run = instance.get_run_by_id(folder.name)
            if run is not None and run.is_finished:
                shutil.rmtree(folder, ignore_errors=True)


@dbt_assets(
    manifest=prepare(),
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    partitions_def=DAILY,
    backfill_policy=ONE_RUN_PER_BACKFILL,
)
def windpipe_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, fleet: FleetSelection):
    # A target folder per run, so runs at once do not share artifacts; removed after the run
    # (dagster-dbt leaves one behind per invocation otherwise), or by a later run when this
    # one is killed.
    run_id = context.run.run_id
    target = RUN_TARGETS / run_id
    days = windpipe_days(context)
    turbines = fleet.selected()
    context.log.info(f"dbt build of the days WINDPIPE_DAYS={days}" if days else "dbt build of every staged day")
    if turbines:
        context.log.info(f"only the turbines WINDPIPE_TURBINES={','.join(turbines)}")
    sweep_finished_runs(context.instance)
    try:
        start_from_carried_parse(target)
        with run_in_environment(days, turbines):
            invocation = dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context, target_path=target)
        yield from invocation.stream()
        carry_parse(target, run_id)
    finally:
        shutil.rmtree(target, ignore_errors=True)

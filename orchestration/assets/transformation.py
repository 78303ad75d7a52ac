"""The dbt models as Dagster assets, one `dbt build` per run, with dbt's tests as checks.

The run's partition window reaches dbt as the project's own vars (`start_day`/`end_day`,
both days included), so a Dagster run and `dbt build --vars` compute exactly the same rows.
Unit tests stay out of these builds: they run in `make test`.
"""

# No `from __future__ import annotations`: Dagster reads the annotations of decorated
# functions at load time and does not resolve strings.

import json
import shutil
from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from ..dbt_manifest import DBT_PROJECT, prepare
from ..partitions import DAILY, ONE_RUN_PER_BACKFILL, run_days

RUN_TARGETS = DBT_PROJECT.project_dir / "target" / "dagster-runs"


class WindpipeTranslator(DagsterDbtTranslator):
    """Groups: `staging` for the staging view and the catalog seed, `marts` for the marts."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None
        return "marts" if "marts" in dbt_resource_props.get("fqn", []) else "staging"


TRANSLATOR = WindpipeTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_source_tests_as_checks=True)
)


def dbt_vars(context: AssetExecutionContext) -> list[str]:
    days = run_days(context)
    if days is None:
        # A check executed alone (from the UI) has no partition: check every day.
        return []
    first, last = days
    return ["--vars", json.dumps({"start_day": first.isoformat(), "end_day": last.isoformat()})]


@dbt_assets(
    manifest=prepare(),
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    partitions_def=DAILY,
    backfill_policy=ONE_RUN_PER_BACKFILL,
)
def windpipe_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
    # A target folder per run (partial parsing would not survive new vars anyway), removed
    # after the run: dagster-dbt leaves one behind per invocation otherwise.
    target = RUN_TARGETS / context.run.run_id
    args = ["build", *dbt_vars(context), "--exclude-resource-type", "unit_test"]
    try:
        yield from dbt.cli(args, context=context, target_path=target).stream()
    finally:
        shutil.rmtree(target, ignore_errors=True)

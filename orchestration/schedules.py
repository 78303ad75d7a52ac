"""The daily job and its schedule: each night, the previous UTC day's partition."""

# No `from __future__ import annotations`: Dagster reads the annotations of decorated
# functions at load time and does not resolve strings.

from datetime import timedelta

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)

# Every asset; the partitions come from the assets themselves.
daily_pipeline = define_asset_job(
    "daily_pipeline",
    selection=AssetSelection.all(),
    description="Extraction, dbt build (with its checks) and report for one day or a range of days.",
)

# What the sensor of Fonte's changes runs (orchestration/sensors.py): staging and the dbt
# models of the changed turbine-days, not the report, which would add its seconds to every
# bucket's way to Alvo (draw it with a daily_pipeline run or `python -m report DAY`).
follow_changes = define_asset_job(
    "follow_changes",
    selection=AssetSelection.all() - AssetSelection.assets("report"),
    description="Extraction and dbt build (with its checks) of the turbine-days that changed in Fonte.",
)


@schedule(
    job=daily_pipeline,
    cron_schedule="30 1 * * *",  # 01:30 UTC: the previous day is complete in Fonte by then
    execution_timezone="UTC",
    # Off by default: the demo's Fonte ends on 2024-05-29, so a nightly run today would
    # find no data and fail every night. Turn it on (UI, or `dagster schedule start`) when
    # Fonte receives live data.
    default_status=DefaultScheduleStatus.STOPPED,
    description="Every night at 01:30 UTC, the previous UTC day's partition.",
)
def nightly_previous_day(context: ScheduleEvaluationContext) -> RunRequest:
    day = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
    return RunRequest(run_key=day, partition_key=day, tags={"windpipe/trigger": "schedule"})

"""Daily partitions, and the days a run covers."""

from __future__ import annotations

from datetime import date, timedelta

from dagster import AssetExecutionContext, BackfillPolicy, DailyPartitionsDefinition

from pipeline_settings import PipelineSettings

# From the first day of Fonte's history (WINDPIPE_FIRST_DAY); a partition is one UTC day.
FIRST_DAY = PipelineSettings.load().windpipe_first_day
DAILY = DailyPartitionsDefinition(start_date=FIRST_DAY.isoformat(), timezone="UTC")
# A backfill of a range is one run: one extraction and one `dbt build` for the whole range.
ONE_RUN_PER_BACKFILL = BackfillPolicy.single_run()


def run_days(context: AssetExecutionContext) -> tuple[date, date] | None:
    """(first day, last day), both included, of a partitioned run; None without a partition
    (a check executed alone from the UI)."""
    if not (context.has_partition_key or context.has_partition_key_range):
        return None
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()

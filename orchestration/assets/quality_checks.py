"""Asset checks on the quality marts, per run: a turbine whose coverage or availability on a
day of the run falls below its setting (QUALITY_MIN_COVERAGE, QUALITY_MIN_AVAILABILITY) is a
warning, which names the turbines and days; the run itself goes on (a thin or down day is
data to look at, not a broken build). The dbt tests stay the checks that fail builds."""

# No `from __future__ import annotations`: Dagster reads the annotations of decorated
# functions at load time and does not resolve strings.

from datetime import date

import psycopg
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from pipeline_settings import PipelineSettings

from ..resources import AlvoResource

# The run's partition as Dagster tags it: one day, or a range (a single-run backfill).
PARTITION_TAG = "dagster/partition"
RANGE_TAGS = ("dagster/asset_partition_range_start", "dagster/asset_partition_range_end")


def run_days(context: AssetCheckExecutionContext) -> tuple[date, date] | None:
    """(first, last) day of the run that executes the check; None for a check run alone."""
    tags = context.run.tags
    if PARTITION_TAG in tags:
        day = date.fromisoformat(tags[PARTITION_TAG])
        return day, day
    if all(tag in tags for tag in RANGE_TAGS):
        return date.fromisoformat(tags[RANGE_TAGS[0]]), date.fromisoformat(tags[RANGE_TAGS[1]])
    return None


def below(alvo: AlvoResource, query: str, days: tuple[date, date] | None, minimum: float) -> list[tuple]:
    """(day, turbine, value) rows of `query` under `minimum`, on the run's days (every day without)."""
    first, last = days or (date.min, date.max)
    with psycopg.connect(alvo.settings().conninfo()) as conn:
        return conn.execute(query, {"first": first, "last": last, "minimum": minimum}).fetchall()


def result(rows: list[tuple], what: str, minimum: float) -> AssetCheckResult:
    found = [f"{turbine} on {day}: {value:.3f}" for day, turbine, value in rows]
    return AssetCheckResult(
        passed=not rows,
        severity=AssetCheckSeverity.WARN,
        description=f"{what} below {minimum}: " + "; ".join(found) if rows else f"every turbine's {what} >= {minimum}",
        metadata={
            "minimum": minimum,
            "turbines": MetadataValue.json(sorted({turbine for _, turbine, _ in rows})),
            "below": MetadataValue.json(found),
        },
    )


@asset_check(
    asset=AssetKey("bucket_quality"),
    description="Warns for each turbine and day of the run whose coverage (samples that arrived ÷ expected,"
    " over the day's buckets and tags) is below QUALITY_MIN_COVERAGE.",
)
def coverage_at_least_the_minimum(context: AssetCheckExecutionContext, alvo: AlvoResource) -> AssetCheckResult:
    minimum = PipelineSettings.load().quality_min_coverage
    rows = below(
        alvo,
        "select (timestamp at time zone 'UTC')::date as day, turbine, avg(coverage) from bucket_quality"
        " where timestamp >= %(first)s::date and timestamp < %(last)s::date + 1"
        " group by day, turbine having avg(coverage) < %(minimum)s order by day, turbine",
        run_days(context),
        minimum,
    )
    return result(rows, "coverage", minimum)


@asset_check(
    asset=AssetKey("availability"),
    description="Warns for each turbine and day of the run whose time-based availability is below"
    " QUALITY_MIN_AVAILABILITY.",
)
def availability_at_least_the_minimum(context: AssetCheckExecutionContext, alvo: AlvoResource) -> AssetCheckResult:
    minimum = PipelineSettings.load().quality_min_availability
    rows = below(
        alvo,
        "select day, turbine, availability from availability"
        " where day between %(first)s and %(last)s and availability < %(minimum)s order by day, turbine",
        run_days(context),
        minimum,
    )
    return result(rows, "availability", minimum)


QUALITY_CHECKS = [coverage_at_least_the_minimum, availability_at_least_the_minimum]

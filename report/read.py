"""What a day's report shows, read from Alvo.

The statistics (`data` joined to `signal`) are read through Alvo's read-only role, as any
reader of the marts would. The 1-minute samples behind them are staging: read through dbt's
staging model over `raw.fonte_data` (the finite samples the statistics were computed from,
by the model's own rule), which the read-only role may not read by design, so through the
pipeline's role; without them the report still draws the statistics.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from extract.days import day_windows, utc_midnight
from extract.errors import first_line
from pipeline_constants import BUCKET, BUCKET_ORIGIN
from pipeline_settings import CONNECT_TIMEOUT_SECONDS, AlvoSettings

from .variables import Variables

if TYPE_CHECKING:
    from .fleet import FleetDay

# dbt's staging model (dbt_project/models/staging/stg_fonte__data.sql, schema `staging`).
STAGED_SAMPLES = "staging.stg_fonte__data"
STATS = ("mean", "min", "max", "std")


class ReportError(Exception):
    """The report cannot be made; one line says why."""


@dataclass
class Bucket:
    start: datetime
    mean: float
    min: float
    max: float
    std: float | None  # none for a single-sample bucket
    samples: int | None = None  # from staging, when it could be read


@dataclass
class DayData:
    day: date
    buckets: dict[str, list[Bucket]]  # by variable, in time order
    samples: dict[str, list[tuple[datetime, float]]] | None = field(default=None)  # None: staging not readable
    samples_note: str | None = None  # why there are no samples
    variables: Variables = field(default_factory=Variables)  # order and units, from the API
    reference_curve: list[tuple[float, float]] = field(default_factory=list)  # (m/s, kW) points
    chart_specs: dict[str, dict] | None = field(default=None, repr=False)  # built once (report.charts)
    turbine: str | None = None  # whose tags `buckets` holds
    # tag -> bucket start -> the quality flags it raised (bucket_flags), for `turbine`
    flags: dict[str, dict[datetime, list[str]]] = field(default_factory=dict)
    fleet: FleetDay | None = field(default=None, repr=False)  # every turbine's day (report.fleet)


def _connect(settings: AlvoSettings, what: str) -> psycopg.Connection:
    try:
        conn = psycopg.connect(**settings.connect_kwargs(), connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=True)
    except psycopg.OperationalError as exc:
        raise ReportError(f"cannot connect to Alvo at {settings.describe()} ({what}): {first_line(exc)}") from exc
    conn.execute("set timezone = 'UTC'")
    return conn


def default_turbine(reader: AlvoSettings) -> str | None:
    """The turbine whose signals carry bare names (`wind_speed_mean`): the default one, the
    single-turbine Alvo's (docs/contracts.md)."""
    with _connect(reader, "the marts") as conn:
        try:
            row = conn.execute("select turbine from signal where name not like '%.%' order by id limit 1").fetchone()
        except psycopg.errors.UndefinedTable:
            raise ReportError(f"Alvo at {reader.describe()} has no statistics yet: run `dbt build` first") from None
    return row[0] if row else None


def read_statistics(
    reader: AlvoSettings, day: date, variables: Variables | None = None, turbine: str | None = None
) -> dict[str, list[Bucket]]:
    """The turbine's statistics of the day by tag, in `variables`' order (else by name). Only
    the tags with a mean, min and max (the linear ones) are drawn as bands: angle and state
    tags are left out of the charts."""
    rank = (variables or Variables()).rank
    start, end = utc_midnight(day), utc_midnight(day + timedelta(days=1))
    turbine = turbine or default_turbine(reader)
    with _connect(reader, "the marts") as conn:
        try:
            rows = conn.execute(
                "select d.timestamp, s.tag, s.statistic, d.value from data d join signal s on s.id = d.signal_id "
                "where d.timestamp >= %s and d.timestamp < %s and s.turbine = %s order by d.timestamp",
                (start, end, turbine),
            ).fetchall()
        except psycopg.errors.UndefinedTable:
            raise ReportError(f"Alvo at {reader.describe()} has no statistics yet: run `dbt build` first") from None
    values: dict[tuple[str, datetime], dict[str, float]] = defaultdict(dict)
    for timestamp, tag, statistic, value in rows:
        values[tag, timestamp][statistic] = value
    buckets: dict[str, list[Bucket]] = defaultdict(list)
    for (variable, timestamp), stats in sorted(values.items(), key=lambda item: (rank(item[0][0]), item[0][1])):
        if {"mean", "min", "max"} <= stats.keys():
            buckets[variable].append(Bucket(timestamp, stats["mean"], stats["min"], stats["max"], stats.get("std")))
    return dict(buckets)


def read_flags(reader: AlvoSettings, day: date, turbine: str) -> dict[str, dict[datetime, list[str]]]:
    """The turbine's raised quality flags of the day by tag and bucket (none in an Alvo built
    before the quality marts)."""
    start, end = utc_midnight(day), utc_midnight(day + timedelta(days=1))
    with _connect(reader, "the marts") as conn:
        try:
            rows = conn.execute(
                "select tag, timestamp, flag from bucket_flags"
                " where timestamp >= %s and timestamp < %s and turbine = %s order by tag, timestamp, flag",
                (start, end, turbine),
            ).fetchall()
        except psycopg.errors.UndefinedTable:
            return {}
    flags: dict[str, dict[datetime, list[str]]] = defaultdict(lambda: defaultdict(list))
    for tag, timestamp, flag in rows:
        flags[tag][timestamp].append(flag)
    return {tag: dict(by_bucket) for tag, by_bucket in flags.items()}


def read_samples(pipeline: AlvoSettings, day: date, turbine: str | None) -> dict[str, list[tuple[datetime, float]]]:
    """The turbine's finite staged samples of the day by tag (the ones the statistics are made of)."""
    start, end = utc_midnight(day), utc_midnight(day + timedelta(days=1))
    with _connect(pipeline, "staging") as conn:
        rows = conn.execute(
            f"select tag, timestamp, value from {STAGED_SAMPLES} "
            "where timestamp >= %s and timestamp < %s and turbine = %s order by tag, timestamp",
            (start, end, turbine),
        ).fetchall()
    samples: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for variable, timestamp, value in rows:
        samples[variable].append((timestamp, value))
    return dict(samples)


def read_day(
    reader: AlvoSettings, pipeline: AlvoSettings, day: date, variables: Variables, turbine: str | None = None
) -> DayData:
    turbine = turbine or default_turbine(reader)
    buckets = read_statistics(reader, day, variables, turbine)
    if not buckets:
        raise ReportError(
            f"no statistics for {day} in Alvo ({reader.describe()}) for turbine {turbine}: "
            f"run `python -m extract {day}` and `dbt build --vars 'day: {day}'` first"
        )
    data = DayData(day, buckets, variables=variables, turbine=turbine, flags=read_flags(reader, day, turbine))
    try:
        data.samples = read_samples(pipeline, day, turbine)
    except (ReportError, psycopg.Error) as exc:
        data.samples_note = f"1-minute samples not drawn: {first_line(exc)}"
        return data
    for variable, variable_buckets in buckets.items():
        counts: dict[datetime, int] = defaultdict(int)
        for timestamp, _ in data.samples.get(variable, []):
            counts[_bucket_start(timestamp)] += 1
        for bucket in variable_buckets:
            bucket.samples = counts.get(bucket.start, 0)
    return data


def read_days(
    reader: AlvoSettings,
    pipeline: AlvoSettings,
    first: date,
    last: date,
    variables: Variables,
    curve_file: Path,
    turbine: str | None = None,
) -> list[DayData]:
    """Every day from first to last, both included, of one turbine (default: the default
    turbine), read before anything is drawn: one day missing from Alvo is a ReportError, and
    then no file is written. `curve_file`: the reference power curve (REFERENCE_POWER_CURVE)."""
    from .fleet import read_fleet  # it reads with this module's helpers

    curve = read_reference_curve(curve_file)
    turbine = turbine or default_turbine(reader)
    days = [read_day(reader, pipeline, window.day, variables, turbine) for window in day_windows(first, last)]
    for data in days:
        data.reference_curve = curve
        data.fleet = read_fleet(reader, pipeline, data.day)
    return days


def read_reference_curve(path: Path) -> list[tuple[float, float]]:
    """The turbine's reference power curve: CSV `wind_speed,power` (m/s, kW), `#` comments."""
    try:
        lines = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
        points = [(float(row["wind_speed"]), float(row["power"])) for row in csv.DictReader(lines)]
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ReportError(
            f"cannot read the reference power curve {path} (REFERENCE_POWER_CURVE): {exc.__class__.__name__}: {exc}"
        ) from None
    if not points:
        raise ReportError(f"the reference power curve {path} (REFERENCE_POWER_CURVE) has no points")
    return sorted(points)


def _bucket_start(timestamp: datetime) -> datetime:
    """The bucket's start, as dbt's date_bin computes it (pipeline_constants)."""
    return timestamp - (timestamp - BUCKET_ORIGIN) % BUCKET

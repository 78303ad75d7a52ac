"""The fleet's part of a day's report: every turbine that has statistics that day.

From the marts (read-only role): each turbine's 10-minute mean power and mean wind speed
(the power-against-wind charts, the energy), its maximum wind speed, its buckets' coverage
and flags (bucket_quality, bucket_flags) and its day's availability (availability). From
staging (pipeline role): each turbine's rated power (the capacity factor, from the fleet
the extractor staged from Fonte's /turbines).

Definitions (docs/pipeline.md, "The report" and "Data quality"):
- a bucket's coverage is the mean of its tags' coverage: the samples that arrived ÷ the
  samples it should hold, over every tag;
- a complete bucket has every sample of every tag (coverage 1);
- energy (kWh) is the sum of the day's 10-minute mean powers × 1/6 h: a missing bucket
  adds nothing;
- the capacity factor is that energy ÷ (rated power × 24 h);
- availability, down buckets and energy lost are the `availability` mart's.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import psycopg

from extract.days import utc_midnight
from pipeline_constants import BUCKET, BUCKETS_PER_DAY
from pipeline_settings import AlvoSettings

from .read import ReportError, _connect

HOURS_PER_BUCKET = BUCKET.total_seconds() / 3600
STAGED_TURBINES = "raw.fonte_turbines"


@dataclass(frozen=True)
class FlagRun:
    """Consecutive buckets of one turbine's tag that raised one flag."""

    tag: str
    flag: str
    first: datetime  # the first bucket's start
    last: datetime  # the last bucket's start
    buckets: int


@dataclass
class TurbineDay:
    turbine: str
    rated_power_kw: float | None
    # bucket start -> (mean wind speed, mean power), where both exist
    points: dict[datetime, tuple[float, float]] = field(default_factory=dict)
    energy_kwh: float = 0.0
    max_wind_speed: float | None = None
    # bucket start -> the mean coverage of its tags (bucket_quality); None: not built
    coverage: dict[datetime, float] | None = None
    # bucket start -> the flags any of its tags raised (bucket_flags)
    flags: dict[datetime, set[str]] = field(default_factory=dict)
    # bucket start -> flags of the power tag, for the power-curve charts
    power_flags: dict[datetime, set[str]] = field(default_factory=dict)
    flag_runs: list[FlagRun] = field(default_factory=list)
    availability: float | None = None
    down_buckets: int | None = None
    lost_energy_kwh: float | None = None

    @property
    def capacity_factor(self) -> float | None:
        if not self.rated_power_kw:
            return None
        return self.energy_kwh / (self.rated_power_kw * BUCKETS_PER_DAY * HOURS_PER_BUCKET)

    @property
    def complete_buckets(self) -> int | None:
        if self.coverage is None:
            return None
        return sum(1 for share in self.coverage.values() if share >= 1.0)


@dataclass
class FleetDay:
    day: date
    turbines: list[TurbineDay]
    note: str | None = None  # why the rated power is not shown


def _read_means(reader: AlvoSettings, day: date) -> dict[str, TurbineDay]:
    start = utc_midnight(day)
    with _connect(reader, "the read-only role") as conn:
        rows = conn.execute(
            "select s.turbine, s.tag, s.statistic, d.timestamp, d.value from data d join signal s on s.id = d.signal_id"
            " where d.timestamp >= %s and d.timestamp < %s::timestamptz + interval '1 day'"
            " and ((s.tag in ('wind_speed', 'power') and s.statistic = 'mean')"
            " or (s.tag = 'wind_speed' and s.statistic = 'max'))"
            " order by s.turbine, d.timestamp",
            (start, start),
        ).fetchall()
    means: dict[str, dict[str, dict[datetime, float]]] = defaultdict(lambda: defaultdict(dict))
    for turbine, tag, statistic, timestamp, value in rows:
        means[turbine][f"{tag}_{statistic}"][timestamp] = value
    turbines = {}
    for turbine, series in means.items():
        power, wind = series.get("power_mean", {}), series.get("wind_speed_mean", {})
        maxima = series.get("wind_speed_max", {})
        turbines[turbine] = TurbineDay(
            turbine,
            None,
            points={t: (wind[t], power[t]) for t in sorted(wind) if t in power},
            energy_kwh=sum(power.values()) * HOURS_PER_BUCKET,
            max_wind_speed=max(maxima.values()) if maxima else None,
        )
    return turbines


def flag_runs(flags: list[tuple[str, str, datetime]]) -> list[FlagRun]:
    """(tag, flag, bucket start) rows, in that order, grouped into runs of consecutive buckets."""
    runs: list[FlagRun] = []
    for tag, flag, start in flags:
        last = runs[-1] if runs else None
        if last and (last.tag, last.flag) == (tag, flag) and start - last.last == BUCKET:
            runs[-1] = FlagRun(tag, flag, last.first, start, last.buckets + 1)
        else:
            runs.append(FlagRun(tag, flag, start, start, 1))
    return runs


def _read_quality(reader: AlvoSettings, day: date, turbines: dict[str, TurbineDay]) -> None:
    """Each turbine's buckets' coverage and flags and its day's availability, from the quality marts."""
    start = utc_midnight(day)
    window = "timestamp >= %s and timestamp < %s::timestamptz + interval '1 day'"
    with _connect(reader, "the read-only role") as conn:
        coverage = conn.execute(
            f"select turbine, timestamp, avg(coverage) from bucket_quality where {window} group by 1, 2",
            (start, start),
        ).fetchall()
        flags = conn.execute(
            f"select turbine, tag, flag, timestamp from bucket_flags where {window} order by 1, 2, 3, 4",
            (start, start),
        ).fetchall()
        availability = conn.execute(
            "select turbine, availability, down_buckets, lost_energy_kwh from availability where day = %s", (day,)
        ).fetchall()
    by_turbine: dict[str, list[tuple[str, str, datetime]]] = defaultdict(list)
    for turbine, tag, flag, timestamp in flags:
        by_turbine[turbine].append((tag, flag, timestamp))
    for summary in turbines.values():
        summary.coverage = {}
    for turbine, timestamp, share in coverage:
        if turbine in turbines and share is not None:
            turbines[turbine].coverage[timestamp] = share
    for turbine, rows in by_turbine.items():
        if turbine not in turbines:
            continue
        summary = turbines[turbine]
        summary.flag_runs = sorted(flag_runs(rows), key=lambda run: (run.first, run.tag, run.flag))
        for tag, flag, timestamp in rows:
            summary.flags.setdefault(timestamp, set()).add(flag)
            if tag == "power":
                summary.power_flags.setdefault(timestamp, set()).add(flag)
    for turbine, share, down, lost in availability:
        if turbine in turbines:
            turbines[turbine].availability, turbines[turbine].down_buckets = share, down
            turbines[turbine].lost_energy_kwh = lost


def _read_rated_power(pipeline: AlvoSettings, turbines: dict[str, TurbineDay]) -> None:
    with _connect(pipeline, "the pipeline's role") as conn:
        rated = dict(conn.execute(f"select id, rated_power_kw from {STAGED_TURBINES}").fetchall())
    for turbine, summary in turbines.items():
        summary.rated_power_kw = rated.get(turbine)


def read_fleet(reader: AlvoSettings, pipeline: AlvoSettings, day: date) -> FleetDay:
    turbines = _read_means(reader, day)
    if not turbines:
        raise ReportError(f"no statistics for {day} in Alvo ({reader.describe()}): run `dbt build` first")
    fleet = FleetDay(day, [turbines[t] for t in sorted(turbines)])
    # An Alvo built before the quality marts has no coverage, flags or availability to show.
    with contextlib.suppress(psycopg.errors.UndefinedTable):
        _read_quality(reader, day, turbines)
    try:
        _read_rated_power(pipeline, turbines)
    except (ReportError, psycopg.Error) as exc:
        fleet.note = f"rated power not shown: staging not readable ({str(exc).strip().splitlines()[0]})"
    return fleet

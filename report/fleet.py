"""The fleet's part of a day's report: every turbine that has statistics that day.

From the marts (read-only role): each turbine's 10-minute mean power and mean wind speed
(the power-against-wind charts, the energy) and its maximum wind speed. From staging
(pipeline role, as the 1-minute samples): how many samples each turbine's bucket holds (the
availability heatmap, complete buckets) and each turbine's rated power (the capacity
factor, from the fleet the extractor staged from Fonte's /turbines).

Definitions (docs/pipeline.md, "The report"):
- a bucket's availability is the share of the samples it should hold that are staged:
  samples of every tag ÷ (tags × samples a bucket holds at the sampling interval), the
  interval being the turbine's most common gap between consecutive samples of a tag that
  day (1 minute in the default Fonte);
- a complete bucket has every sample of every tag;
- energy (kWh) is the sum of the day's 10-minute mean powers × 1/6 h: a missing bucket
  adds nothing;
- the capacity factor is that energy ÷ (rated power × 24 h).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import psycopg

from extract.days import utc_midnight
from pipeline_constants import BUCKET, BUCKETS_PER_DAY
from pipeline_settings import AlvoSettings

from .read import STAGED_SAMPLES, ReportError, _bucket_start, _connect

HOURS_PER_BUCKET = BUCKET.total_seconds() / 3600
STAGED_TURBINES = "raw.fonte_turbines"


@dataclass
class TurbineDay:
    turbine: str
    rated_power_kw: float | None
    # bucket start -> (mean wind speed, mean power), where both exist
    points: dict[datetime, tuple[float, float]] = field(default_factory=dict)
    energy_kwh: float = 0.0
    max_wind_speed: float | None = None
    # bucket start -> share of the expected samples staged; None: staging not readable
    availability: dict[datetime, float] | None = None

    @property
    def capacity_factor(self) -> float | None:
        if not self.rated_power_kw:
            return None
        return self.energy_kwh / (self.rated_power_kw * BUCKETS_PER_DAY * HOURS_PER_BUCKET)

    @property
    def complete_buckets(self) -> int | None:
        if self.availability is None:
            return None
        return sum(1 for share in self.availability.values() if share >= 1.0)


@dataclass
class FleetDay:
    day: date
    turbines: list[TurbineDay]
    note: str | None = None  # why the availability is not shown


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


def _read_staged(pipeline: AlvoSettings, day: date, turbines: dict[str, TurbineDay]) -> None:
    """Each turbine's rated power and its buckets' sample counts, from staging."""
    start = utc_midnight(day)
    with _connect(pipeline, "the pipeline's role") as conn:
        rated = dict(conn.execute(f"select id, rated_power_kw from {STAGED_TURBINES}").fetchall())
        counts = conn.execute(
            f"select turbine, timestamp, count(*) from {STAGED_SAMPLES}"
            " where timestamp >= %s and timestamp < %s::timestamptz + interval '1 day' and turbine = any(%s)"
            " group by 1, 2",
            (start, start, list(turbines)),
        ).fetchall()
        # Per turbine: its tags, and its sampling interval (the most common gap between a
        # tag's consecutive samples), so that a gap in the data is not read as a slower rate.
        shapes = conn.execute(
            "select turbine, count(distinct tag), extract(epoch from mode() within group (order by gap)) from ("
            f" select turbine, tag, timestamp - lag(timestamp) over (partition by turbine, tag order by timestamp) gap"
            f" from {STAGED_SAMPLES}"
            " where timestamp >= %s and timestamp < %s::timestamptz + interval '1 day' and turbine = any(%s)"
            ") g where gap is not null group by 1",
            (start, start, list(turbines)),
        ).fetchall()
    expected = {turbine: tags * BUCKET.total_seconds() / float(gap) for turbine, tags, gap in shapes}
    samples: dict[str, dict[datetime, int]] = defaultdict(lambda: defaultdict(int))
    for turbine, timestamp, count in counts:
        samples[turbine][_bucket_start(timestamp)] += count
    for turbine, summary in turbines.items():
        summary.rated_power_kw = rated.get(turbine)
        should = expected.get(turbine)
        summary.availability = {b: min(n / should, 1.0) for b, n in samples[turbine].items()} if should else {}


def read_fleet(reader: AlvoSettings, pipeline: AlvoSettings, day: date) -> FleetDay:
    turbines = _read_means(reader, day)
    if not turbines:
        raise ReportError(f"no statistics for {day} in Alvo ({reader.describe()}): run `dbt build` first")
    fleet = FleetDay(day, [turbines[t] for t in sorted(turbines)])
    try:
        _read_staged(pipeline, day, turbines)
    except (ReportError, psycopg.Error) as exc:
        fleet.note = f"availability not shown: staging not readable ({str(exc).strip().splitlines()[0]})"
    return fleet

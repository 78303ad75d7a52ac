"""The quality rules of docs/pipeline.md ("Data quality"), computed in plain Python from
samples, independently of the dbt models: what the tests compare Alvo's quality marts with.

Samples are (turbine, timestamp, tag, value) with finite values (the API's rows; a missing
or non-finite value is no sample). Buckets are 10 minutes from midnight UTC.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import yaml

from fonte_api.catalog import OPERATING_STATES, STATE_PRODUCING, Variable
from fonte_api.faults import FAULTS, Fault
from pipeline_constants import BUCKET
from pipeline_settings import REPO_ROOT


@dataclass(frozen=True)
class Rules:
    """The dbt project's vars (dbt_project.yml), read by the tests from there."""

    coverage_threshold: float
    frozen_buckets: int
    power_curve_tolerance: float


def dbt_rules() -> Rules:
    """The rules' parameters as the dbt project's vars set them."""
    project = yaml.safe_load((REPO_ROOT / "dbt_project" / "dbt_project.yml").read_text())["vars"]
    return Rules(project["coverage_threshold"], project["frozen_buckets"], project["power_curve_tolerance"])


@dataclass
class Bucket:
    values: list[float] = field(default_factory=list)

    @property
    def constant(self) -> bool:
        return len(self.values) >= 2 and min(self.values) == max(self.values)

    @property
    def mean(self) -> float:
        return math.fsum(self.values) / len(self.values)


@dataclass(frozen=True)
class Turbine:
    rated_power_kw: float
    cut_in: float
    rated_speed: float
    cut_out: float

    def power(self, wind: float) -> float:
        if wind < self.cut_in or wind >= self.cut_out:
            return 0.0
        if wind >= self.rated_speed:
            return self.rated_power_kw
        return self.rated_power_kw * (wind**3 - self.cut_in**3) / (self.rated_speed**3 - self.cut_in**3)


def bucket_of(ts: datetime) -> datetime:
    midnight = ts.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + BUCKET * ((ts - midnight) // BUCKET)


def fault_buckets(fault: Fault) -> list[datetime]:
    """The buckets a fault's window [start, end) touches."""
    out, bucket = [], bucket_of(fault.start)
    while bucket < fault.end:
        out.append(bucket)
        bucket += BUCKET
    return out


def fault_flagged_tags(fault: Fault, held: list[str]) -> list[str]:
    """The tags whose buckets a fault flags, among the tags the fleet holds."""
    if fault.what == "gap":
        return list(held)  # every tag's buckets lose their samples
    if fault.what == "stop":
        return ["operating_state"] if "operating_state" in held else []  # `down`: the state tag only
    return [fault.tag] if fault.tag in held else []


def expected_flags(turbines: list[str], held: list[str]) -> set[tuple[str, str, datetime, str]]:
    """(turbine, tag, bucket start, flag) that the injected faults (fonte_api/faults.py) must
    raise in a fleet of these turbines and tags: what the documentation's fault table says."""
    return {
        (fault.turbine, tag, bucket, fault.flag)
        for fault in FAULTS
        if fault.turbine in turbines
        for tag in fault_flagged_tags(fault, held)
        for bucket in fault_buckets(fault)
    }


def buckets(samples: Iterable[tuple[str, datetime, str, float]]) -> dict[tuple[str, str, datetime], Bucket]:
    """Every (turbine, tag, bucket) of the samples' days that should hold samples: from the
    day's first bucket to the last bucket with any sample that day, for each (turbine, tag)
    with a sample that day; empty where none arrived."""
    out: dict[tuple[str, str, datetime], Bucket] = defaultdict(Bucket)
    last: dict[datetime, datetime] = {}
    pairs: dict[datetime, set[tuple[str, str]]] = defaultdict(set)
    for turbine, ts, tag, value in samples:
        bucket = bucket_of(ts)
        day = bucket.replace(hour=0, minute=0)
        out[(turbine, tag, bucket)].values.append(value)
        last[day] = max(last.get(day, bucket), bucket)
        pairs[day].add((turbine, tag))
    for day, horizon in last.items():
        bucket = day
        while bucket <= horizon:
            for turbine, tag in pairs[day]:
                out[(turbine, tag, bucket)]  # an empty bucket where nothing arrived
            bucket += BUCKET
    return dict(out)


def coverage(bucket: Bucket, interval_seconds: float) -> float:
    return len(bucket.values) / (BUCKET.total_seconds() / interval_seconds)


def flags(
    grid: dict[tuple[str, str, datetime], Bucket],
    catalog: dict[str, Variable],
    turbines: dict[str, Turbine],
    rules: Rules,
    interval_seconds: float,
) -> set[tuple[str, str, datetime, str]]:
    """(turbine, tag, bucket, flag) for every flag the rules raise."""
    found: set[tuple[str, str, datetime, str]] = set()
    for (turbine, tag, start), bucket in grid.items():
        variable = catalog[tag]
        if coverage(bucket, interval_seconds) < rules.coverage_threshold:
            found.add((turbine, tag, start, "low_coverage"))
        if any(v < variable.range_min or v > variable.range_max for v in bucket.values):
            found.add((turbine, tag, start, "range"))
        unavailable = [v for v in bucket.values if not OPERATING_STATES.get(int(v), ("", False))[1]]
        if variable.iec_name == "WTUR_TurSt" and unavailable:
            found.add((turbine, tag, start, "down"))
    found |= _frozen(grid, catalog, rules)
    found |= _power_curve(grid, catalog, turbines, rules)
    return found


def _frozen(grid, catalog, rules) -> set[tuple[str, str, datetime, str]]:
    """Runs of frozen_buckets or more consecutive constant buckets of one value, other than
    the tag's lower physical limit (where a sensor rests: an anemometer in calm air)."""
    found = set()
    series: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for (turbine, tag, start), bucket in grid.items():
        if catalog[tag].varies and bucket.constant and bucket.values[0] != catalog[tag].range_min:
            series[(turbine, tag)].append(start)
    for (turbine, tag), starts in series.items():
        starts.sort()
        run: list[datetime] = []
        for start in [*starts, None]:
            value = grid[(turbine, tag, start)].values[0] if start else None
            joins = (
                run
                and start is not None
                and start - run[-1] == BUCKET
                and value == grid[(turbine, tag, run[-1])].values[0]
            )
            if not joins:
                if len(run) >= rules.frozen_buckets:
                    found |= {(turbine, tag, b, "frozen") for b in run}
                run = []
            if start is not None:
                run.append(start)
    return found


def _power_curve(grid, catalog, turbines, rules) -> set[tuple[str, str, datetime, str]]:
    by_iec = {v.iec_name: name for name, v in catalog.items() if v.iec_name}
    power, wind, state = by_iec.get("WTUR_W"), by_iec.get("WMET_HorWdSpd"), by_iec.get("WTUR_TurSt")
    found = set()
    if not (power and wind and state):
        return found
    for (turbine, tag, start), bucket in grid.items():
        if tag != power or not bucket.values:
            continue
        winds, states = grid.get((turbine, wind, start)), grid.get((turbine, state, start))
        if not winds or not winds.values or not states or not states.values:
            continue
        if any(int(v) != STATE_PRODUCING for v in states.values):
            continue
        reference = turbines[turbine]
        if abs(bucket.mean - reference.power(winds.mean)) > rules.power_curve_tolerance * reference.rated_power_kw:
            found.add((turbine, power, start, "power_curve"))
    return found

"""The independent computation every Alvo number is checked against: 10-minute statistics
computed in Python from the same Fonte rows, with buckets from epoch seconds (not date_bin)
and statistics from the standard library (not PostgreSQL)."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

from fonte_api.catalog import VARIABLES as CATALOG
from fonte_api.models import DEFAULT_TURBINE, fleet_turbines
from fonte_api.settings import Settings
from pipeline_constants import BUCKET, BUCKETS_PER_DAY

VARIABLES = ("wind_speed", "power", "ambient_temperature")
TEN_MINUTES = int(BUCKET.total_seconds())
# A complete day of the default turbine's three original tags: each bucket of their 12 signals.
DAY_OF_SIGNALS = BUCKETS_PER_DAY * 12
# The extractor's options that stage just that (the single-turbine pipeline's day).
SINGLE_TURBINE = ("--turbines", DEFAULT_TURBINE.id, "--columns", *VARIABLES)
# How many statistics describe a tag of each kind (dbt's seed kind_statistics, restated here
# on purpose: this module is the independent computation).
STATISTICS_PER_KIND = {"linear": 4, "angle": 2, "state": 1}
SIGNALS_PER_TURBINE = sum(STATISTICS_PER_KIND[v.kind] for v in CATALOG.values())
# The test stacks' Fonte: the default fleet.
FLEET = [t.id for t in fleet_turbines(Settings.default("gen_turbines"))]
# A complete day of the whole fleet, every tag: what `python -m extract DAY` and Dagster stage.
FLEET_DAY_OF_SIGNALS = BUCKETS_PER_DAY * SIGNALS_PER_TURBINE * len(FLEET)


def day_bounds(day: str):
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return start, start + timedelta(days=1)


def signal_name(turbine: str, tag: str, statistic: str) -> str:
    """The registry's name scheme: bare for the default turbine, prefixed for the others."""
    bare = f"{tag}_{statistic}"
    return bare if turbine == DEFAULT_TURBINE.id else f"{turbine}.{bare}"


def circular(values: list[float]) -> dict[str, float]:
    """Circular mean in [0, 360) and circular std sqrt(-2 ln R), in degrees, with math."""
    mean_sin = sum(math.sin(math.radians(v)) for v in values) / len(values)
    mean_cos = sum(math.cos(math.radians(v)) for v in values) / len(values)
    resultant = min(math.hypot(mean_sin, mean_cos), 1.0)
    if resultant == 0:
        return {}
    direction = math.degrees(math.atan2(mean_sin, mean_cos)) % 360.0
    return {
        "mean": 0.0 if direction >= 360.0 else direction,
        "std": math.degrees(math.sqrt(-2.0 * math.log(resultant))),
    }


def most_frequent(values: list[float]) -> float:
    counts = Counter(values)
    top = max(counts.values())
    return min(v for v, n in counts.items() if n == top)


def expected_statistics(samples):
    """{(bucket_start, signal name): value} from (turbine, timestamp, tag, value) samples,
    by the tag's kind in Fonte's catalog.

    Buckets are computed from epoch seconds ([k*600, (k+1)*600)), not with date_bin.
    """
    groups = defaultdict(list)
    for turbine, ts, tag, value in samples:
        start = datetime.fromtimestamp(math.floor(ts.timestamp() / TEN_MINUTES) * TEN_MINUTES, UTC)
        groups[start, turbine, tag].append(value)
    result = {}
    for (start, turbine, tag), values in groups.items():
        kind = CATALOG[tag].kind
        if kind == "linear":
            stats = {"mean": statistics.mean(values), "min": min(values), "max": max(values)}
            if len(values) > 1:
                stats["std"] = statistics.stdev(values)
        elif kind == "angle":
            stats = circular(values)
        else:
            stats = {"mode": most_frequent(values)}
        for statistic, value in stats.items():
            result[start, signal_name(turbine, tag, statistic)] = value
    return result


def fonte_samples(stack, day, variables=None, turbines=None):
    """(turbine, timestamp, tag, value) of the day from Fonte's own table: every tag and
    every turbine unless named."""
    start, end = day_bounds(day)
    variables = list(CATALOG) if variables is None else list(variables)
    where = "" if turbines is None else " and turbine_id = any(%(turbines)s)"
    with stack.fonte_owner() as conn:
        rows = conn.execute(
            f"select turbine_id, timestamp, {', '.join(variables)} from data"
            f" where timestamp >= %(start)s and timestamp < %(end)s{where}",
            {"start": start, "end": end, "turbines": list(turbines or [])},
        ).fetchall()
    return [(row[0], row[1], v, row[i + 2]) for row in rows for i, v in enumerate(variables)]


def alvo_statistics(stack, day):
    start, end = day_bounds(day)
    with stack.alvo() as conn:
        rows = conn.execute(
            "select d.timestamp, s.name, d.value from data d join signal s on s.id = d.signal_id "
            "where d.timestamp >= %s and d.timestamp < %s",
            (start, end),
        ).fetchall()
    return {(ts, name): value for ts, name, value in rows}


def data_rows(stack, first, last=None):
    """`data`'s rows (timestamp, signal_id, value) of the days first..last (dates or
    'YYYY-MM-DD'; last defaults to first), in key order: to compare a day before and after."""
    first = date.fromisoformat(first) if isinstance(first, str) else first
    last = first if last is None else date.fromisoformat(last) if isinstance(last, str) else last
    start, _ = day_bounds(first.isoformat())
    _, end = day_bounds(last.isoformat())
    with stack.alvo() as conn:
        return conn.execute(
            "select timestamp, signal_id, value from data where timestamp >= %s and timestamp < %s order by 1, 2",
            (start, end),
        ).fetchall()


def single_turbine_samples(stack, day):
    """The samples the single-turbine pipeline staged (extracted with SINGLE_TURBINE)."""
    return fonte_samples(stack, day, VARIABLES, [DEFAULT_TURBINE.id])


def _is_direction(name: str) -> bool:
    tag, _, statistic = name.rsplit(".", maxsplit=1)[-1].rpartition("_")
    return statistic == "mean" and CATALOG[tag].kind == "angle"


def assert_matches(actual, expected):
    assert set(actual) == set(expected)
    for key, value in expected.items():
        assert not math.isnan(actual[key]), key
        if _is_direction(key[1]):  # 359.9999999999 and 0.0 are the same direction
            gap = abs(actual[key] - value) % 360.0
            assert min(gap, 360.0 - gap) <= 1e-9 * 360.0, (key, actual[key], value)
            continue
        assert math.isclose(actual[key], value, rel_tol=1e-9, abs_tol=1e-12), (key, actual[key], value)

"""The independent computation every Alvo number is checked against: 10-minute statistics
computed in Python from the same Fonte rows, with buckets from epoch seconds (not date_bin)
and statistics from the standard library (not PostgreSQL)."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from pipeline_constants import BUCKET, BUCKETS_PER_DAY

VARIABLES = ("wind_speed", "power", "ambient_temperature")
TEN_MINUTES = int(BUCKET.total_seconds())
# A complete day of the default three variables: each bucket of each of their 12 signals.
DAY_OF_SIGNALS = BUCKETS_PER_DAY * 12


def day_bounds(day: str):
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return start, start + timedelta(days=1)


def expected_statistics(samples):
    """{(bucket_start, '<variable>_<stat>'): value} from (timestamp, variable, value) samples.

    Buckets are computed from epoch seconds ([k*600, (k+1)*600)), not with date_bin.
    """
    groups = defaultdict(list)
    for ts, variable, value in samples:
        start = datetime.fromtimestamp(math.floor(ts.timestamp() / TEN_MINUTES) * TEN_MINUTES, UTC)
        groups[start, variable].append(value)
    result = {}
    for (start, variable), values in groups.items():
        result[start, f"{variable}_mean"] = statistics.mean(values)
        result[start, f"{variable}_min"] = min(values)
        result[start, f"{variable}_max"] = max(values)
        if len(values) > 1:
            result[start, f"{variable}_std"] = statistics.stdev(values)
    return result


def fonte_samples(stack, day, variables=VARIABLES):
    start, end = day_bounds(day)
    with stack.fonte_owner() as conn:
        rows = conn.execute(
            f"select timestamp, {', '.join(variables)} from data"
            " where turbine_id = 'T01' and timestamp >= %s and timestamp < %s",
            (start, end),
        ).fetchall()
    return [(row[0], v, row[i + 1]) for row in rows for i, v in enumerate(variables)]


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


def assert_matches(actual, expected):
    assert set(actual) == set(expected)
    for key, value in expected.items():
        assert not math.isnan(actual[key]), key
        assert math.isclose(actual[key], value, rel_tol=1e-9, abs_tol=1e-12), (key, actual[key], value)

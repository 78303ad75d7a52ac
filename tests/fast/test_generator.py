"""The generated Fonte data: count, period, determinism, physical plausibility."""

from __future__ import annotations

import itertools
import statistics
from datetime import UTC, datetime, timedelta

from fonte_api.generator import CUT_IN, CUT_OUT, RATED_POWER, generate_rows
from fonte_api.settings import GeneratorSettings

DEFAULT = GeneratorSettings()


def test_default_period_is_ten_days_of_minutes_from_2024_05_20():
    rows = list(generate_rows(DEFAULT))
    assert len(rows) == 14_400
    assert rows[0][0] == datetime(2024, 5, 20, tzinfo=UTC)
    assert rows[-1][0] == datetime(2024, 5, 29, 23, 59, tzinfo=UTC)
    steps = {b[0] - a[0] for a, b in itertools.pairwise(rows)}
    assert steps == {timedelta(minutes=1)}


def test_same_seed_same_rows_other_seed_other_rows():
    small = GeneratorSettings(days=1)
    assert list(generate_rows(small)) == list(generate_rows(small))
    other = list(generate_rows(GeneratorSettings(days=1, seed=7)))
    assert other != list(generate_rows(small))
    assert [r[0] for r in other] == [r[0] for r in generate_rows(small)]


def test_frequency_and_start_are_configurable():
    settings = GeneratorSettings(start=datetime(2025, 1, 1, tzinfo=UTC), days=0.5, freq_seconds=1)
    rows = list(generate_rows(settings))
    assert len(rows) == 43_200
    assert rows[1][0] - rows[0][0] == timedelta(seconds=1)


def test_power_follows_the_curve():
    rows = list(generate_rows(DEFAULT))
    for _, wind, power, _ in rows:
        assert 0.0 <= power <= RATED_POWER
        if wind < CUT_IN or wind >= CUT_OUT:
            assert power == 0.0
    # Not a degenerate curve: the turbine produces at every level, and reaches rated power.
    assert max(p for *_, p, _ in rows) == RATED_POWER
    assert sum(1 for *_, p, _ in rows if 0 < p < RATED_POWER) > 1000
    assert sum(1 for _, w, p, _ in rows if w < CUT_IN) > 0


def test_wind_has_persistence_and_temperature_a_daily_cycle():
    rows = list(generate_rows(DEFAULT))
    wind = [r[1] for r in rows]
    # Consecutive minutes are strongly correlated (independent draws would give ~0).
    assert statistics.correlation(wind[:-1], wind[1:]) > 0.8
    assert all(w >= 0 for w in wind)
    by_hour = {h: statistics.mean(r[3] for r in rows if r[0].hour == h) for h in range(24)}
    assert by_hour[15] - by_hour[3] > 8  # warm afternoon, cool night

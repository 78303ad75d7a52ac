"""The faults injected into the default fleet (fonte_api/faults.py): only where and when they
are documented, never on the first turbine, and what the quality rules find in the
generated data is exactly their documented flags (the pipeline's own check, from Alvo, is
tests/test_quality.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from fonte_api.catalog import CATALOG, ORIGINAL_VARIABLES
from fonte_api.faults import FAULTS
from fonte_api.fleet import generate_fleet_blocks
from fonte_api.generator import CUT_IN, CUT_OUT, RATED_POWER, RATED_SPEED, generate_blocks
from fonte_api.settings import GeneratorSettings
from tests.quality import Turbine, buckets, dbt_rules, expected_flags, flags

DEFAULT = GeneratorSettings()


def generated(settings: GeneratorSettings):
    """Offsets, every turbine's tags and its missing-samples mask over the whole period."""
    blocks = list(generate_fleet_blocks(settings))
    offsets = np.concatenate([b.offsets for b in blocks])
    turbines = list(blocks[0].tags)
    tags = {t: {n: np.concatenate([b.tags[t][n] for b in blocks]) for n in blocks[0].tags[t]} for t in turbines}
    missing = {t: np.concatenate([b.missing.get(t, np.zeros(len(b.offsets), bool)) for b in blocks]) for t in turbines}
    return offsets, tags, missing


@pytest.fixture(scope="module")
def with_and_without():
    return generated(DEFAULT), generated(replace(DEFAULT, faults=False))


def test_the_first_turbine_keeps_the_single_turbine_rows_over_the_whole_default_period(with_and_without):
    (_, faulty, missing), (_, clean, _) = with_and_without
    single = list(generate_blocks(DEFAULT))
    for name in ORIGINAL_VARIABLES:
        assert np.array_equal(faulty["T01"][name], np.concatenate([getattr(b, name) for b in single])), name
    for name, values in faulty["T01"].items():
        assert np.array_equal(values, clean["T01"][name]), name
    assert not missing["T01"].any()


def test_each_fault_changes_its_turbine_only_inside_its_window(with_and_without):
    (offsets, faulty, missing), (_, clean, _) = with_and_without
    times = np.array([DEFAULT.start + timedelta(seconds=float(o)) for o in offsets])
    for turbine in faulty:
        windows = [f for f in FAULTS if f.turbine == turbine]
        inside = np.zeros(len(times), bool)
        for fault in windows:
            window = (times >= fault.start) & (times < fault.end)
            changed = missing[turbine][window].any() or any(
                not np.array_equal(faulty[turbine][n][window], clean[turbine][n][window]) for n in faulty[turbine]
            )
            assert changed, fault
            inside |= window
        for name, values in faulty[turbine].items():
            assert np.array_equal(values[~inside], clean[turbine][name][~inside]), (turbine, name)
        assert not missing[turbine][~inside].any(), turbine


def test_the_quality_rules_find_exactly_the_documented_faults_in_the_generated_data(with_and_without):
    (offsets, tags, missing), _ = with_and_without
    times = [DEFAULT.start + timedelta(seconds=float(o)) for o in offsets]
    samples = [
        (turbine, times[i], name, value)
        for turbine, values in tags.items()
        for name, column in values.items()
        for i, value in enumerate(column.tolist())
        if not missing[turbine][i]
    ]
    reference = Turbine(RATED_POWER, CUT_IN, RATED_SPEED, CUT_OUT)
    found = flags(buckets(samples), CATALOG, dict.fromkeys(tags, reference), dbt_rules(), DEFAULT.freq_seconds)
    assert found == expected_flags(list(tags), list(tags["T01"]))
    assert {flag for *_, flag in found} == {"range", "frozen", "low_coverage", "power_curve", "down"}

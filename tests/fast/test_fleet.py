"""The generated fleet: T01 is the single-turbine generator's turbine, the plant shares its
weather, and every tag behaves as its kind says."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

from fonte_api.catalog import (
    CATALOG,
    EXTENDED,
    STATE_PRODUCING,
    STATE_STORM_STOP,
    STATE_WAITING_FOR_WIND,
    VARIABLES,
)
from fonte_api.fleet import generate_fleet_blocks
from fonte_api.generator import BLOCK_ROWS, CUT_IN, CUT_OUT, generate_blocks
from fonte_api.settings import GeneratorSettings

FLEET = GeneratorSettings(days=3)


def joined(settings: GeneratorSettings) -> dict[str, dict[str, np.ndarray]]:
    """Every turbine's tags (the settings' tags) over the whole period (blocks joined)."""
    blocks = list(generate_fleet_blocks(settings))
    return {
        turbine: {name: np.concatenate([b.tags[turbine][name] for b in blocks]) for name in blocks[0].tags[turbine]}
        for turbine in blocks[0].tags
    }


@pytest.fixture(scope="module")
def fleet():
    return joined(FLEET)


def test_the_first_turbine_is_the_single_turbine_generators_whatever_the_fleet_size(fleet):
    single = list(generate_blocks(FLEET))
    for size in (1, 4, 7):
        first = joined(GeneratorSettings(days=3, turbines=size))["T01"]
        for name in ("wind_speed", "power", "ambient_temperature"):
            assert np.array_equal(first[name], np.concatenate([getattr(b, name) for b in single])), (size, name)
    assert list(fleet) == ["T01", "T02", "T03", "T04"]


def test_same_seed_same_fleet_and_every_turbine_its_own_noise(fleet):
    again = joined(FLEET)
    for turbine, tags in fleet.items():
        for name, values in tags.items():
            assert np.array_equal(values, again[turbine][name]), (turbine, name)
    assert not np.array_equal(fleet["T01"]["wind_speed"], fleet["T02"]["wind_speed"])
    assert not np.array_equal(fleet["T02"]["power"], fleet["T03"]["power"])


def test_the_plant_shares_its_weather(fleet):
    winds = [tags["wind_speed"] for tags in fleet.values()]
    for other in winds[1:]:
        assert 0.7 < statistics.correlation(winds[0], other) < 0.999
    temperatures = [tags["ambient_temperature"] for tags in fleet.values()]
    for other in temperatures[1:]:
        assert abs(float(np.mean(other - temperatures[0]))) < 1.5


def test_every_tag_stays_in_its_physical_range(fleet):
    for turbine, tags in fleet.items():
        for name, values in tags.items():
            tag = VARIABLES[name]
            assert tag.range_min <= values.min() <= values.max() <= tag.range_max, (turbine, name)


def test_directions_wrap_at_360_and_cross_north(fleet):
    for name in ("wind_direction", "nacelle_position"):
        values = fleet["T01"][name]
        assert values.min() >= 0.0
        assert values.max() < 360.0
        assert int(np.sum(np.abs(np.diff(values)) > 180.0)) > 10  # it does pass through north


def test_the_operating_state_follows_the_wind(fleet):
    for tags in fleet.values():
        wind, state = tags["wind_speed"], tags["operating_state"]
        assert set(np.unique(state)) <= {STATE_PRODUCING, STATE_WAITING_FOR_WIND, STATE_STORM_STOP}
        producing = (wind >= CUT_IN) & (wind < CUT_OUT)
        assert np.array_equal(state == STATE_PRODUCING, producing)
        assert np.all(tags["rotor_speed"][~producing] == 0.0)
        assert np.all(tags["power"][wind < CUT_IN] == 0.0)


@pytest.fixture(scope="module")
def fifty_tags():
    return joined(GeneratorSettings(days=3, tags=len(CATALOG)))


def test_fifty_tags_are_the_whole_catalog_and_the_first_ten_are_the_default_fleets(fleet, fifty_tags):
    for turbine, tags in fifty_tags.items():
        assert list(tags) == list(CATALOG)
        for name in VARIABLES:
            assert np.array_equal(tags[name], fleet[turbine][name]), (turbine, name)
    some = joined(GeneratorSettings(days=3, tags=30))
    for name in list(CATALOG)[:30]:
        assert np.array_equal(some["T03"][name], fifty_tags["T03"][name]), name
    # Over more than one generator block (BLOCK_ROWS samples), where a shared random stream
    # would shift the next block's draws.
    days = 2 * BLOCK_ROWS / 1440
    ten, fifty = (joined(GeneratorSettings(days=days, turbines=2, tags=n)) for n in (len(VARIABLES), len(CATALOG)))
    for name in VARIABLES:
        assert np.array_equal(ten["T02"][name], fifty["T02"][name]), name


def test_every_extended_tag_is_in_its_range_and_behaves_as_its_kind_says(fifty_tags):
    for turbine, tags in fifty_tags.items():
        for tag in EXTENDED:
            values = tags[tag.name]
            assert tag.range_min <= values.min() <= values.max() <= tag.range_max, (turbine, tag.name)
            if tag.kind == "angle":
                assert values.max() < 360.0, (turbine, tag.name)
            elif tag.kind == "state":
                assert np.array_equal(values, np.round(values)), (turbine, tag.name)  # codes, not measurements
            else:
                assert np.std(values) > 0, (turbine, tag.name)  # a channel that moves
        producing = tags["operating_state"] == STATE_PRODUCING
        assert np.array_equal(tags["grid_state"] == 1, producing)
        assert np.array_equal(tags["brake_state"] == 1, ~producing)
        # Temperatures warm with the load; currents follow the power.
        assert statistics.correlation(tags["power"], tags["grid_current_l1"]) > 0.99
        assert statistics.correlation(tags["generator_temperature"], tags["transformer_temperature"]) > 0.8

"""A plant of turbines, generated deterministically from the single-turbine generator.

- The first turbine (T01) is the single-turbine generator's turbine: its wind speed, power
  and ambient temperature are exactly that generator's rows (same seed, same random
  stream), so everything checked against the single turbine still holds.
- The plant's turbines share its weather: turbine i sees the plant's slow wind component
  `i * PLANT_LAG_SECONDS` later (the weather crosses the plant), plus gusts and power-curve
  noise of its own, and the plant's temperature with a sensor offset and noise of its own.
- The other tags come from random streams of their own (one per turbine, and one for the
  plant's wind direction), never from T01's, so adding a tag never changes T01's three
  original columns: wind direction (the plant's, wrapping at 360, plus a turbine's own
  deviation), nacelle position (the direction plus a slowly varying yaw error), rotor
  speed and pitch angle from the wind speed, gearbox and generator temperatures that warm
  with the load, and the operating state from the wind speed.
- On top, the faults of fonte_api/faults.py (a stuck sensor, a stop, spikes, a comms gap, a
  curtailment) on T02-T04, for the quality flags to find.

Each stream is numpy's PCG64 seeded with (seed, turbine index, stream), so the same
settings give the same rows on any machine.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .catalog import CORE_TAGS, STATE_PRODUCING, STATE_STORM_STOP, STATE_WAITING_FOR_WIND, first_tags
from .extended import EXTENDED_NOISE_ROWS, Drivers, extended_tags
from .faults import FaultInjector
from .generator import (
    CUT_IN,
    CUT_OUT,
    GUST_STD,
    GUST_TAU,
    MEAN_WIND,
    POWER_NOISE,
    RATED_POWER,
    RATED_SPEED,
    _ou_path,
    _plant_blocks,
    power_curve,
)
from .settings import GeneratorSettings

PLANT_LAG_SECONDS = 30.0  # the weather reaches turbine i this much after turbine i-1
TEMP_OFFSET_STD, TEMP_SENSOR_NOISE = 0.3, 0.1  # °C: a sensor's constant offset, its noise

DIRECTION_MEAN, DIRECTION_STD, DIRECTION_TAU = 330.0, 35.0, 4 * 3600.0  # °, °, s: wraps at 360
TURBINE_DIRECTION_STD = 3.0  # °: a turbine's own vane reading around the plant's direction
YAW_ERROR_STD, YAW_ERROR_TAU = 6.0, 600.0  # °, s: how far and how long the nacelle lags
MIN_ROTOR_RPM, RATED_ROTOR_RPM = 6.0, 16.0
PITCH_PER_MS_ABOVE_RATED, FEATHERED = 2.5, 88.0  # °/(m/s) above rated speed, ° when stopped
LOAD_TAU = 1200.0  # s: the thermal time constant of gearbox and generator
GEARBOX_RISE, GENERATOR_RISE = (15.0, 35.0), (20.0, 55.0)  # °C above ambient: idle, full load

# Streams of a turbine's random numbers, besides T01's own stream: the extended tags draw from
# one of their own, so a Fonte of 50 tags has the same first ten as one of ten.
_TURBINE_STREAM, _TAGS_STREAM, _PLANT_DIRECTION, _EXTENDED_STREAM = 0, 1, 2, 3


def turbine_id(index: int) -> str:
    """T01, T02, ...: the first turbine is index 0."""
    return f"T{index + 1:02d}"


def _first_order(start: float, phi: float, target: np.ndarray) -> np.ndarray:
    """x[t] = phi * x[t-1] + (1 - phi) * target[t]: a lag of the target."""
    return _ou_path(start, phi, (1.0 - phi) * target)


@dataclass
class FleetBlock:
    """A run of consecutive samples of every turbine: offsets in seconds from the start, per
    turbine id the tags' values (catalog order), and per turbine with a comms gap the mask of
    the samples that never reach Fonte (fonte_api/faults.py)."""

    offsets: np.ndarray
    tags: dict[str, dict[str, np.ndarray]]
    missing: dict[str, np.ndarray] = field(default_factory=dict)


class _Turbine:
    """One turbine's generator state across blocks."""

    def __init__(self, index: int, settings: GeneratorSettings):
        self.index = index
        self.step = float(settings.freq_seconds)
        self.lag = round(index * PLANT_LAG_SECONDS / self.step)  # in samples
        self.own = np.random.default_rng([settings.seed, index, _TURBINE_STREAM])
        self.tags_rng = np.random.default_rng([settings.seed, index, _TAGS_STREAM])
        self.extended_rng = np.random.default_rng([settings.seed, index, _EXTENDED_STREAM])
        self.extended = settings.tags > CORE_TAGS
        self.gust_phi = math.exp(-self.step / GUST_TAU)
        self.gust = float(self.own.normal(0.0, GUST_STD))
        self.temp_offset = float(self.own.normal(0.0, TEMP_OFFSET_STD)) if index else 0.0
        self.yaw_phi = math.exp(-self.step / YAW_ERROR_TAU)
        self.yaw = float(self.tags_rng.normal(0.0, YAW_ERROR_STD))
        self.load_phi = math.exp(-self.step / LOAD_TAU)
        self.load = 0.5
        self.weather_tail: np.ndarray | None = None  # the plant's last `lag` weather samples

    def lagged(self, weather: np.ndarray) -> np.ndarray:
        """The plant's weather `lag` samples late (before the first sample: its first value)."""
        if not self.lag:
            return weather
        tail = self.weather_tail if self.weather_tail is not None else np.full(self.lag, weather[0])
        joined = np.concatenate([tail, weather])
        self.weather_tail = joined[-self.lag :]
        return joined[: len(weather)]

    def base(self, weather: np.ndarray, temperature: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Wind speed, power and ambient temperature of a turbine other than T01 (unrounded)."""
        n = len(weather)
        noise = self.own.standard_normal((3, n))
        gust = _ou_path(self.gust, self.gust_phi, noise[0] * GUST_STD * math.sqrt(1.0 - self.gust_phi**2))
        self.gust = float(gust[-1])
        wind = np.maximum(0.0, MEAN_WIND + self.lagged(weather) + gust)
        power = np.clip(power_curve(wind) * (1.0 + POWER_NOISE * noise[1]), 0.0, RATED_POWER)
        ambient = temperature + self.temp_offset + TEMP_SENSOR_NOISE * noise[2]
        return wind, power, ambient

    def other_tags(
        self, wind: np.ndarray, power: np.ndarray, ambient: np.ndarray, direction: np.ndarray
    ) -> dict[str, np.ndarray]:
        n = len(wind)
        noise = self.tags_rng.standard_normal((4, n))
        vane = direction + TURBINE_DIRECTION_STD * noise[0]
        yaw = _ou_path(self.yaw, self.yaw_phi, noise[1] * YAW_ERROR_STD * math.sqrt(1.0 - self.yaw_phi**2))
        self.yaw = float(yaw[-1])
        producing = (wind >= CUT_IN) & (wind < CUT_OUT)
        speed_share = np.clip((wind - CUT_IN) / (RATED_SPEED - CUT_IN), 0.0, 1.0)
        rotor = np.where(producing, MIN_ROTOR_RPM + (RATED_ROTOR_RPM - MIN_ROTOR_RPM) * speed_share, 0.0)
        rotor = np.maximum(0.0, rotor + np.where(producing, 0.1 * noise[2], 0.0))
        pitch = np.where(
            producing,
            np.maximum(0.0, (wind - RATED_SPEED) * PITCH_PER_MS_ABOVE_RATED) + 0.2 * np.abs(noise[3]),
            FEATHERED,
        )
        load = _first_order(self.load, self.load_phi, power / RATED_POWER)
        self.load = float(load[-1])
        state = np.where(producing, STATE_PRODUCING, np.where(wind < CUT_IN, STATE_WAITING_FOR_WIND, STATE_STORM_STOP))
        direction, nacelle = np.round(np.mod(vane, 360.0), 1) % 360.0, np.round(np.mod(vane + yaw, 360.0), 1) % 360.0
        if self.extended:
            drivers = Drivers(wind, power, ambient, load, pitch, rotor, direction, nacelle, producing)
            extended = extended_tags(drivers, self.extended_rng.standard_normal((EXTENDED_NOISE_ROWS, n)))
        else:
            extended = {}
        return {
            "wind_direction": direction,
            "nacelle_position": nacelle,
            "rotor_speed": np.round(rotor, 2),
            "pitch_angle": np.round(pitch, 2),
            "gearbox_temperature": np.round(ambient + GEARBOX_RISE[0] + (GEARBOX_RISE[1] - GEARBOX_RISE[0]) * load, 2),
            "generator_temperature": np.round(
                ambient + GENERATOR_RISE[0] + (GENERATOR_RISE[1] - GENERATOR_RISE[0]) * load, 2
            ),
            "operating_state": state.astype(float),
            **extended,
        }


def generate_fleet_blocks(settings: GeneratorSettings) -> Iterator[FleetBlock]:
    """The settings' tags (the catalog's first `tags`) of its turbines (T01 first), block by block."""
    fleet = [_Turbine(i, settings) for i in range(settings.turbines)]
    names = list(first_tags(settings.tags))
    plant_rng = np.random.default_rng([settings.seed, 0, _PLANT_DIRECTION])
    step = float(settings.freq_seconds)
    direction_phi = math.exp(-step / DIRECTION_TAU)
    direction_state = float(plant_rng.normal(0.0, DIRECTION_STD))
    faults = FaultInjector(settings.start, step) if settings.faults else None
    for plant in _plant_blocks(settings):
        kicks = plant_rng.standard_normal(len(plant.weather)) * DIRECTION_STD * math.sqrt(1.0 - direction_phi**2)
        direction_path = _ou_path(direction_state, direction_phi, kicks)
        direction_state = float(direction_path[-1])
        direction = DIRECTION_MEAN + direction_path
        tags = {}
        for turbine in fleet:
            if turbine.index == 0:
                first = plant.block
                wind, power, ambient = first.wind_speed, first.power, first.ambient_temperature
                rounded = {"wind_speed": wind, "power": power, "ambient_temperature": ambient}
            else:
                wind, power, ambient = turbine.base(plant.weather, plant.temperature)
                rounded = {
                    "wind_speed": np.round(wind, 3),
                    "power": np.round(power, 2),
                    "ambient_temperature": np.round(ambient, 2),
                }
            values = {**rounded, **turbine.other_tags(wind, power, ambient, direction)}
            tags[turbine_id(turbine.index)] = {name: values[name] for name in names}
        missing = faults.apply(plant.block.offsets, tags) if faults else {}
        yield FleetBlock(plant.block.offsets, tags, missing)

"""Deterministic, physically plausible SCADA data for one wind turbine.

- wind speed: two mean-reverting (Ornstein-Uhlenbeck) processes, a slow "weather" one
  (hours) and a fast "gust" one (minutes), so consecutive samples are correlated whatever
  the sampling frequency;
- power: a turbine power curve of that wind speed (zero below cut-in and at or above
  cut-out, cubic in between, capped at rated) with a little multiplicative noise;
- ambient temperature: a daily cycle peaking mid-afternoon UTC, plus slow noise.

Random numbers come from numpy's PCG64 with a fixed seed, drawn in fixed-size blocks, so
the same settings give the same rows on any machine. Rows are produced block by block so
that a year of 1-second data never sits in memory at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from .settings import GeneratorSettings

CUT_IN = 3.0  # m/s
RATED_SPEED = 12.0  # m/s
CUT_OUT = 25.0  # m/s
RATED_POWER = 2000.0  # kW
POWER_NOISE = 0.02  # relative

MEAN_WIND = 8.0
WEATHER_STD, WEATHER_TAU = 3.0, 6 * 3600.0  # m/s, seconds
GUST_STD, GUST_TAU = 1.0, 120.0
TEMP_MEAN, TEMP_AMPLITUDE, TEMP_PEAK_HOUR = 15.0, 6.0, 15.0
TEMP_NOISE_STD, TEMP_NOISE_TAU = 0.8, 3600.0

BLOCK_ROWS = 20_000


def power_curve(
    wind_speed: np.ndarray,
    *,
    cut_in: float = CUT_IN,
    rated_speed: float = RATED_SPEED,
    cut_out: float = CUT_OUT,
    rated_power: float = RATED_POWER,
) -> np.ndarray:
    """Expected power (kW) for wind speeds (m/s), without noise: the generated turbine's
    curve, or another turbine's from its parameters (Fonte's `turbine` table)."""
    v = np.asarray(wind_speed, dtype=float)
    partial = rated_power * (v**3 - cut_in**3) / (rated_speed**3 - cut_in**3)
    return np.where((v < cut_in) | (v >= cut_out), 0.0, np.where(v >= rated_speed, rated_power, partial))


def _ou_path(start: float, phi: float, kicks: np.ndarray) -> np.ndarray:
    """x[t] = phi * x[t-1] + kicks[t]; a plain loop, since each step needs the previous one."""
    out = np.empty(len(kicks))
    x = start
    for i, k in enumerate(kicks.tolist()):
        x = phi * x + k
        out[i] = x
    return out


@dataclass
class Block:
    """A run of consecutive samples: offsets in seconds from the start, and the three signals."""

    offsets: np.ndarray
    wind_speed: np.ndarray
    power: np.ndarray
    ambient_temperature: np.ndarray


@dataclass
class _PlantBlock:
    """The first turbine's block, with the plant's weather it was made from (unrounded), which
    the other turbines of the plant share."""

    block: Block
    weather: np.ndarray
    temperature: np.ndarray


def _plant_blocks(settings: GeneratorSettings) -> Iterator[_PlantBlock]:
    rng = np.random.default_rng(settings.seed)
    step = float(settings.freq_seconds)
    processes = [(WEATHER_STD, WEATHER_TAU), (GUST_STD, GUST_TAU), (TEMP_NOISE_STD, TEMP_NOISE_TAU)]
    phis = [math.exp(-step / tau) for _, tau in processes]
    scales = [std * math.sqrt(1.0 - phi**2) for (std, _), phi in zip(processes, phis, strict=False)]
    state = [float(rng.normal(0.0, std)) for std, _ in processes]
    start_second_of_day = settings.start.hour * 3600 + settings.start.minute * 60 + settings.start.second
    total = settings.rows
    for first in range(0, total, BLOCK_ROWS):
        n = min(BLOCK_ROWS, total - first)
        noise = rng.standard_normal((4, n))
        paths = []
        for j in range(3):
            path = _ou_path(state[j], phis[j], noise[j] * scales[j])
            state[j] = float(path[-1])
            paths.append(path)
        weather, gust, temp_noise = paths
        offsets = (first + np.arange(n)) * step
        wind = np.maximum(0.0, MEAN_WIND + weather + gust)
        power = np.clip(power_curve(wind) * (1.0 + POWER_NOISE * noise[3]), 0.0, RATED_POWER)
        phase = (start_second_of_day + offsets - TEMP_PEAK_HOUR * 3600.0) * (2.0 * math.pi / 86400.0)
        temperature = TEMP_MEAN + TEMP_AMPLITUDE * np.cos(phase) + temp_noise
        # Rounded the way a SCADA historian reports them.
        block = Block(offsets, np.round(wind, 3), np.round(power, 2), np.round(temperature, 2))
        yield _PlantBlock(block, weather, temperature)


def generate_blocks(settings: GeneratorSettings) -> Iterator[Block]:
    """The first turbine's three original signals, block by block."""
    for plant in _plant_blocks(settings):
        yield plant.block


def generate_rows(settings: GeneratorSettings) -> Iterator[tuple]:
    """(timestamp, wind_speed, power, ambient_temperature) rows: handy for tests and small runs."""
    for block in generate_blocks(settings):
        for offset, wind, power, temp in zip(
            block.offsets.tolist(),
            block.wind_speed.tolist(),
            block.power.tolist(),
            block.ambient_temperature.tolist(),
            strict=False,
        ):
            yield settings.start + timedelta(seconds=offset), wind, power, temp

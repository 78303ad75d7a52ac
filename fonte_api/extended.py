"""The extended tags (catalog.EXTENDED): a turbine's electrical, thermal, vibration and
backup-sensor channels, made from the same turbine's core signals plus noise of their own.

They exist so that the benchmark sees a turbine of 50 tags, as real exports have tens to
hundreds; they are plausible (temperatures rise with the load, currents follow the power,
the brake is applied when the rotor stops), not a physical model. Each tag has its own row
of `noise`, so every tag's values are the same whichever number of tags Fonte holds.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .catalog import EXTENDED
from .generator import RATED_POWER, power_curve

EXTENDED_NOISE_ROWS = len(EXTENDED)
NOMINAL_VOLTAGE, NOMINAL_FREQUENCY = 690.0, 50.0  # V line-to-line, Hz
GEAR_RATIO = 100.0
WARNING_CODES = (101, 102)  # vibration, temperature (catalog: warning_code)

# °C above ambient of each temperature at idle and the rise at full load (the load is the
# power's first-order lag, fleet.LOAD_TAU).
_TEMPERATURES = {
    "nacelle_temperature": (5.0, 8.0),
    "hub_temperature": (3.0, 4.0),
    "main_bearing_temperature": (10.0, 20.0),
    "gearbox_bearing_hs_temperature": (20.0, 40.0),
    "gearbox_bearing_is_temperature": (18.0, 32.0),
    "generator_bearing_de_temperature": (15.0, 35.0),
    "generator_bearing_nde_temperature": (12.0, 30.0),
    "converter_temperature": (10.0, 25.0),
    "transformer_temperature": (15.0, 45.0),
    "hydraulic_oil_temperature": (20.0, 10.0),
    "cooling_water_temperature": (8.0, 20.0),
}


class Drivers(NamedTuple):
    """A turbine's core signals (unrounded where they were computed, the rounded direction
    and nacelle position as reported) that the extended tags follow."""

    wind: np.ndarray
    power: np.ndarray
    ambient: np.ndarray
    load: np.ndarray
    pitch: np.ndarray
    rotor: np.ndarray
    direction: np.ndarray
    nacelle: np.ndarray
    producing: np.ndarray


def extended_tags(d: Drivers, noise: np.ndarray) -> dict[str, np.ndarray]:
    """Every extended tag, rounded as a historian reports it, in catalog order."""
    z = dict(zip((v.name for v in EXTENDED), noise, strict=True))  # each tag's own noise
    values: dict[str, np.ndarray] = {}
    for blade, offset in zip("abc", (0.1, -0.1, 0.05), strict=True):
        name = f"pitch_angle_blade_{blade}"
        values[name] = np.round(np.clip(d.pitch + offset + 0.1 * z[name], -5.0, 95.0), 2)
    values["generator_speed"] = np.round(np.maximum(0.0, d.rotor * GEAR_RATIO + 2.0 * z["generator_speed"]), 1)
    reactive = np.where(d.producing, 0.05 * d.power + 20.0 * z["reactive_power"], 0.0)
    values["reactive_power"] = np.round(reactive, 1)
    apparent = np.hypot(d.power, reactive)
    values["power_factor"] = np.round(np.divide(d.power, apparent, out=np.ones_like(apparent), where=apparent > 0), 4)
    for phase in (1, 2, 3):
        voltage = NOMINAL_VOLTAGE + 3.0 * z[f"grid_voltage_l{phase}"]
        values[f"grid_voltage_l{phase}"] = np.round(voltage, 1)
        current = apparent * 1000.0 / (math.sqrt(3.0) * voltage) + 5.0 * z[f"grid_current_l{phase}"]
        values[f"grid_current_l{phase}"] = np.round(np.maximum(0.0, current), 1)
    values["grid_frequency"] = np.round(NOMINAL_FREQUENCY + 0.02 * z["grid_frequency"], 3)
    for name, (idle, rise) in _TEMPERATURES.items():
        values[name] = np.round(d.ambient + idle + rise * d.load + 0.2 * z[name], 2)
    values["control_cabinet_temperature"] = np.round(22.0 + 0.3 * d.ambient + 0.3 * z["control_cabinet_temperature"], 2)
    values["hydraulic_pressure"] = np.round(180.0 + 4.0 * z["hydraulic_pressure"], 1)
    values["gearbox_oil_pressure"] = np.round(2.0 + 2.0 * d.rotor / 16.0 + 0.1 * z["gearbox_oil_pressure"], 2)
    values["tower_acceleration_fa"] = np.round(np.clip(0.02 * d.wind * z["tower_acceleration_fa"], -5, 5), 4)
    values["tower_acceleration_ss"] = np.round(np.clip(0.015 * d.wind * z["tower_acceleration_ss"], -5, 5), 4)
    values["drivetrain_acceleration"] = np.round(
        np.clip(0.05 * d.rotor / 16.0 * z["drivetrain_acceleration"], -10, 10), 4
    )
    values["wind_speed_backup"] = np.round(np.maximum(0.0, 0.98 * d.wind + 0.3 * z["wind_speed_backup"]), 3)
    values["air_density"] = np.round(101325.0 / (287.05 * (d.ambient + 273.15)) + 0.002 * z["air_density"], 4)
    misalignment = np.mod(d.nacelle - d.direction + 180.0, 360.0) - 180.0
    values["yaw_misalignment"] = np.round(np.where(misalignment == -180.0, 180.0, misalignment), 1)
    values["available_power"] = np.round(np.minimum(power_curve(d.wind), RATED_POWER), 2)
    # A 1-minute snapshot of a spinning rotor is anywhere; a stopped one parks at its last angle.
    values["rotor_azimuth"] = np.round(np.where(d.producing, np.mod(1000.0 * z["rotor_azimuth"], 360.0), 0.0), 1) % 360
    values["wind_direction_backup"] = np.round(np.mod(d.direction + 2.0 * z["wind_direction_backup"], 360.0), 1) % 360
    values["yaw_state"] = (np.abs(values["yaw_misalignment"]) > 8.0).astype(float)
    values["brake_state"] = (~d.producing).astype(float)
    values["grid_state"] = d.producing.astype(float)
    warning = np.where(
        z["warning_code"] > 2.5, WARNING_CODES[0], np.where(z["warning_code"] < -2.5, WARNING_CODES[1], 0)
    )
    values["warning_code"] = warning.astype(float)
    return {v.name: values[v.name] for v in EXTENDED}

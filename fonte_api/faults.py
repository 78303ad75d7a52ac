"""The faults the generator injects into the default fleet, so that the quality flags have
something real to find (docs/pipeline.md, "Data quality", lists them with their times).

All of them fall on FAULT_DAY and on turbines T02-T04: the first turbine's rows stay the
single-turbine generator's. A fault applies when its turbine is in the fleet and its tag is
held; a generator whose period misses FAULT_DAY (or with FONTE_GEN_FAULTS=false) has none.

Each fault names the flag it must raise (`flag`): the quality tests compare Alvo's flags
with an independent computation from the API's rows, and that computation with the flags
these faults should raise in their buckets (tests/quality.py), so a fault that raised
another flag, or none, fails them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from .catalog import STATE_FAULT

FAULT_DAY = datetime(2024, 5, 27, tzinfo=UTC)
FEATHERED_PITCH = 88.0  # ° (fleet.FEATHERED)
SENSOR_ERROR = 6553.5  # a 16-bit register's 0xFFFF in tenths: what a broken PT100 reads

# A stopped turbine's tags (the ones it holds): the rotor parked, blades feathered, off the grid.
STOPPED_VALUES = {
    "power": 0.0,
    "rotor_speed": 0.0,
    "pitch_angle": FEATHERED_PITCH,
    "operating_state": float(STATE_FAULT),
    "pitch_angle_blade_a": FEATHERED_PITCH,
    "pitch_angle_blade_b": FEATHERED_PITCH,
    "pitch_angle_blade_c": FEATHERED_PITCH,
    "generator_speed": 0.0,
    "reactive_power": 0.0,
    "power_factor": 1.0,
    "grid_current_l1": 0.0,
    "grid_current_l2": 0.0,
    "grid_current_l3": 0.0,
    "drivetrain_acceleration": 0.0,
    "brake_state": 1.0,
    "grid_state": 0.0,
}


def _at(hour: int, minute: int = 0) -> datetime:
    return FAULT_DAY + timedelta(hours=hour, minutes=minute)


@dataclass(frozen=True)
class Fault:
    """One fault: what happens to which turbine's tags over [start, end).

    - `frozen`: the tag holds its value at `start` (a stuck sensor);
    - `stop`: the turbine stops (STOPPED_VALUES), its state says so;
    - `spike`: the tag reads `value` at `start`, one sample;
    - `gap`: no samples at all (a comms outage);
    - `curtail`: the power is capped at `value` kW while the turbine keeps producing.
    """

    what: str
    turbine: str
    start: datetime
    end: datetime
    tag: str | None = None  # None: every tag the fault touches (stop, gap)
    value: float | None = None
    flag: str = ""  # the quality flag it must raise
    description: str = ""


FAULTS: tuple[Fault, ...] = (
    Fault(
        "frozen", "T02", _at(2), _at(3), "wind_speed", flag="frozen",
        description="the anemometer sticks for an hour",
    ),
    Fault(
        "spike", "T04", _at(3, 17), _at(3, 18), "ambient_temperature", SENSOR_ERROR, flag="range",
        description="one sample reads a broken sensor's 6553.5 °C",
    ),
    Fault(
        "stop", "T03", _at(9), _at(11), flag="down",
        description="stopped by a fault for two hours in 7-9 m/s of wind (power 0, state 4)",
    ),
    Fault(
        "gap", "T04", _at(13, 5), _at(13, 35), flag="low_coverage",
        description="comms outage: 30 minutes of samples never arrive",
    ),
    Fault(
        "curtail", "T04", _at(16, 30), _at(18, 30), "power", 800.0, flag="power_curve",
        description="curtailed to 800 kW for two hours in 11-14 m/s of wind, while producing",
    ),
    Fault(
        "spike", "T02", _at(21, 43), _at(21, 44), "generator_temperature", SENSOR_ERROR, flag="range",
        description="one sample reads a broken sensor's 6553.5 °C",
    ),
)  # fmt: skip


class FaultInjector:
    """Applies FAULTS to the generator's blocks, one after the other (a frozen value found in
    one block holds in the next)."""

    def __init__(self, start: datetime, step_seconds: float):
        self.start = start
        self.step = step_seconds
        self.frozen: dict[Fault, float] = {}

    def apply(self, offsets: np.ndarray, tags: dict[str, dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        """Change `tags` in place; return, per turbine with a gap, the mask of its missing rows."""
        times = offsets + (self.start - FAULT_DAY).total_seconds()  # seconds from FAULT_DAY's start
        missing: dict[str, np.ndarray] = {}
        for fault in FAULTS:
            values = tags.get(fault.turbine)
            if values is None:
                continue
            inside = (times >= (fault.start - FAULT_DAY).total_seconds()) & (
                times < (fault.end - FAULT_DAY).total_seconds()
            )
            if not inside.any():
                continue
            if fault.what == "gap":
                missing[fault.turbine] = missing.get(fault.turbine, np.zeros(len(times), bool)) | inside
            elif fault.what == "stop":
                for tag, value in STOPPED_VALUES.items():
                    if tag in values:
                        values[tag][inside] = value
            elif fault.tag in values:
                column = values[fault.tag]
                if fault.what == "frozen":
                    held = self.frozen.setdefault(fault, float(column[np.argmax(inside)]))
                    column[inside] = held
                elif fault.what == "spike":
                    column[inside] = fault.value
                elif fault.what == "curtail":
                    column[inside] = np.minimum(column[inside], fault.value)
        return missing

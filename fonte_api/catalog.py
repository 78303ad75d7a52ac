"""The tag catalog: the only list of the tags a turbine reports.

The generator fills one column per tag, the API serves the catalog at /variables and takes
its names as `columns` (the whitelist: the only names that ever reach SQL text), and the
rest of the pipeline reads it from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["linear", "angle", "state"]

# Operating-state codes of `operating_state` (docs/api.md, "Tags").
STATE_PRODUCING = 1  # between cut-in and cut-out: producing
STATE_WAITING_FOR_WIND = 2  # below cut-in: idling, ready
STATE_STORM_STOP = 3  # at or above cut-out: stopped, feathered


@dataclass(frozen=True)
class Variable:
    """A tag of the catalog. `kind` says which statistics describe it (linear: mean, min,
    max, std; angle: circular ones; state: the most frequent code); `range_min`/`range_max`
    are the physical limits a sample outside of which is not a measurement (OpenOA's
    range_flag); `iec_name` is its IEC 61400-25 name where we know one."""

    name: str
    unit: str
    description: str
    kind: Kind
    range_min: float
    range_max: float
    iec_name: str | None


VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in (
        # The first three are the single-turbine API's variables, in its order.
        Variable("wind_speed", "m/s", "Wind speed at hub height, 1-sample mean.", "linear", 0.0, 40.0, "WMET_HorWdSpd"),
        Variable(
            "power", "kW", "Active power output of the turbine (rated 2,000 kW).", "linear", -100.0, 2200.0, "WTUR_W"
        ),
        Variable(
            "ambient_temperature", "°C", "Outside air temperature at the nacelle.", "linear", -40.0, 50.0, "WMET_EnvTmp"
        ),
        Variable(
            "wind_direction",
            "°",
            "Wind direction from north, [0, 360).",
            "angle",
            0.0,
            360.0,
            "WMET_HorWdDir",
        ),
        Variable(
            "nacelle_position",
            "°",
            "Nacelle direction from north, [0, 360).",
            "angle",
            0.0,
            360.0,
            "WNAC_Dir",
        ),
        Variable("rotor_speed", "rpm", "Rotor speed.", "linear", 0.0, 25.0, "WROT_RotSpd"),
        Variable("pitch_angle", "°", "Blade pitch angle (90 feathered).", "linear", -5.0, 95.0, "WROT_BlPthAngVal"),
        Variable("gearbox_temperature", "°C", "Gearbox oil temperature.", "linear", -40.0, 120.0, None),
        Variable("generator_temperature", "°C", "Generator winding temperature.", "linear", -40.0, 180.0, None),
        Variable(
            "operating_state",
            "code",
            "Operating state: 1 producing, 2 waiting for wind, 3 stopped for high wind.",
            "state",
            1.0,
            3.0,
            "WTUR_TurSt",
        ),
    )
}

# The variables of the single-turbine API, which a request without `turbine` names today.
ORIGINAL_VARIABLES = ("wind_speed", "power", "ambient_temperature")

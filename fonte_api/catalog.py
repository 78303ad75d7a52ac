"""The tag catalog: the only list of the tags a turbine reports.

The generator fills one column per tag, the API serves the catalog at /variables and takes
its names as `columns` (the whitelist: the only names that ever reach SQL text), and the
rest of the pipeline reads it from there.

The first CORE_TAGS tags are the default Fonte's (the ones a wind analyst reads first). The
others (electrical, thermal, vibration and backup-sensor channels, as a real turbine's export
has them) bring a turbine to 50 tags for the benchmark: Fonte holds the first
FONTE_GEN_TAGS of the catalog (docs/api.md), and the API serves the ones it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["linear", "angle", "state"]

# Operating-state codes of `operating_state` (docs/api.md, "Tags").
STATE_PRODUCING = 1  # between cut-in and cut-out: producing
STATE_WAITING_FOR_WIND = 2  # below cut-in: idling, ready
STATE_STORM_STOP = 3  # at or above cut-out: stopped, feathered
STATE_FAULT = 4  # stopped by a fault (a forced outage): the only code that is not available

# Every operating-state code, its label, and whether the turbine counts as available in it
# (IEC 61400-26's time-based availability: out of the environmental specification, as below
# cut-in or above cut-out, is available; a forced outage is not). dbt's view
# `operating_states` holds the same rows (tests/fast/test_constants.py keeps them equal).
OPERATING_STATES: dict[int, tuple[str, bool]] = {
    STATE_PRODUCING: ("producing", True),
    STATE_WAITING_FOR_WIND: ("waiting for wind", True),
    STATE_STORM_STOP: ("stopped for high wind", True),
    STATE_FAULT: ("stopped by a fault", False),
}


@dataclass(frozen=True)
class Variable:
    """A tag of the catalog. `kind` says which statistics describe it (linear: mean, min,
    max, std; angle: circular ones; state: the most frequent code); `range_min`/`range_max`
    are the physical limits a sample outside of which is not a measurement (OpenOA's
    range_flag); `iec_name` is its IEC 61400-25 name where we know one. `varies` says that a
    working sensor's reading never holds one value for long (wind, temperatures, voltages),
    so that a run of unchanging 10-minute buckets means a stuck sensor (the `frozen` flag);
    it is false for state tags and for tags that rest at one value while the turbine idles
    or holds still (power, rotor speed, pitch, the nacelle's heading between yaw moves)."""

    name: str
    unit: str
    description: str
    kind: Kind
    range_min: float
    range_max: float
    iec_name: str | None
    varies: bool = True


VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in (
        # The first three are the single-turbine API's variables, in its order.
        Variable("wind_speed", "m/s", "Wind speed at hub height, 1-sample mean.", "linear", 0.0, 40.0, "WMET_HorWdSpd"),
        Variable(
            "power",
            "kW",
            "Active power output of the turbine (rated 2,000 kW).",
            "linear",
            -100.0,
            2200.0,
            "WTUR_W",
            False,
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
            False,
        ),
        Variable("rotor_speed", "rpm", "Rotor speed.", "linear", 0.0, 25.0, "WROT_RotSpd", False),
        Variable(
            "pitch_angle", "°", "Blade pitch angle (90 feathered).", "linear", -5.0, 95.0, "WROT_BlPthAngVal", False
        ),
        Variable("gearbox_temperature", "°C", "Gearbox oil temperature.", "linear", -40.0, 120.0, None),
        Variable("generator_temperature", "°C", "Generator winding temperature.", "linear", -40.0, 180.0, None),
        Variable(
            "operating_state",
            "code",
            "Operating state: 1 producing, 2 waiting for wind, 3 stopped for high wind, 4 stopped by a fault.",
            "state",
            1.0,
            4.0,
            "WTUR_TurSt",
            False,
        ),
    )
}


def _linear(name: str, unit: str, description: str, low: float, high: float, *, varies: bool = True) -> Variable:
    return Variable(name, unit, description, "linear", low, high, None, varies)


def _state(name: str, description: str, low: float, high: float) -> Variable:
    return Variable(name, "code", description, "state", low, high, None, False)


# The tags past the core ones, in catalog order (fonte_api/extended.py generates them).
EXTENDED: tuple[Variable, ...] = (
    *(
        _linear(f"pitch_angle_blade_{b}", "°", f"Pitch angle of blade {b.upper()}.", -5.0, 95.0, varies=False)
        for b in "abc"
    ),
    _linear("generator_speed", "rpm", "Generator speed (gearbox ratio 100).", 0.0, 2200.0, varies=False),
    _linear("reactive_power", "kvar", "Reactive power output.", -1000.0, 1000.0, varies=False),
    _linear("power_factor", "1", "Power factor, P / sqrt(P² + Q²); 1 when idle.", 0.0, 1.0, varies=False),
    *(_linear(f"grid_voltage_l{p}", "V", f"Line voltage, phase L{p}.", 0.0, 800.0) for p in (1, 2, 3)),
    *(_linear(f"grid_current_l{p}", "A", f"Line current, phase L{p}.", 0.0, 2500.0, varies=False) for p in (1, 2, 3)),
    _linear("grid_frequency", "Hz", "Grid frequency.", 45.0, 55.0),
    _linear("nacelle_temperature", "°C", "Air temperature inside the nacelle.", -40.0, 70.0),
    _linear("hub_temperature", "°C", "Air temperature inside the hub.", -40.0, 70.0),
    _linear("main_bearing_temperature", "°C", "Main bearing temperature.", -40.0, 120.0),
    _linear("gearbox_bearing_hs_temperature", "°C", "Gearbox high-speed shaft bearing temperature.", -40.0, 130.0),
    _linear("gearbox_bearing_is_temperature", "°C", "Gearbox intermediate shaft bearing temperature.", -40.0, 130.0),
    _linear("generator_bearing_de_temperature", "°C", "Generator drive-end bearing temperature.", -40.0, 130.0),
    _linear("generator_bearing_nde_temperature", "°C", "Generator non-drive-end bearing temperature.", -40.0, 130.0),
    _linear("converter_temperature", "°C", "Converter coolant temperature.", -40.0, 100.0),
    _linear("transformer_temperature", "°C", "Transformer winding temperature.", -40.0, 150.0),
    _linear("hydraulic_oil_temperature", "°C", "Hydraulic oil temperature.", -40.0, 100.0),
    _linear("cooling_water_temperature", "°C", "Cooling water temperature.", -40.0, 100.0),
    _linear("control_cabinet_temperature", "°C", "Control cabinet temperature.", -40.0, 70.0),
    _linear("hydraulic_pressure", "bar", "Hydraulic system pressure.", 0.0, 250.0),
    _linear("gearbox_oil_pressure", "bar", "Gearbox lubrication oil pressure.", 0.0, 10.0),
    _linear("tower_acceleration_fa", "m/s²", "Tower top acceleration, fore-aft.", -5.0, 5.0, varies=False),
    _linear("tower_acceleration_ss", "m/s²", "Tower top acceleration, side-side.", -5.0, 5.0, varies=False),
    _linear("drivetrain_acceleration", "m/s²", "Drivetrain vibration acceleration.", -10.0, 10.0, varies=False),
    _linear("wind_speed_backup", "m/s", "Wind speed of the backup anemometer.", 0.0, 40.0),
    _linear("air_density", "kg/m³", "Air density from ambient temperature at standard pressure.", 0.9, 1.6),
    _linear("yaw_misalignment", "°", "Nacelle position minus wind direction, (-180, 180].", -180.0, 180.0),
    _linear(
        "available_power",
        "kW",
        "Power the reference curve gives at the measured wind speed.",
        0.0,
        2200.0,
        varies=False,
    ),
    Variable("rotor_azimuth", "°", "Rotor azimuth angle, [0, 360).", "angle", 0.0, 360.0, None, False),
    Variable("wind_direction_backup", "°", "Wind direction of the backup vane, [0, 360).", "angle", 0.0, 360.0, None),
    _state("yaw_state", "Yaw drive: 0 still, 1 yawing.", 0.0, 1.0),
    _state("brake_state", "Rotor brake: 0 released, 1 applied.", 0.0, 1.0),
    _state("grid_state", "Grid connection: 0 disconnected, 1 connected.", 0.0, 1.0),
    _state("warning_code", "Active warning: 0 none, 101 vibration, 102 temperature.", 0.0, 999.0),
)

# How many tags the default Fonte holds: the ones above EXTENDED, in their order.
CORE_TAGS = len(VARIABLES)
# Every tag of the catalog, in order: Fonte holds its first FONTE_GEN_TAGS.
CATALOG: dict[str, Variable] = {**VARIABLES, **{v.name: v for v in EXTENDED}}


def first_tags(count: int) -> dict[str, Variable]:
    """The catalog's first `count` tags: what a Fonte generated with that many holds."""
    return dict(list(CATALOG.items())[:count])


# The variables of the single-turbine API, which a request without `turbine` names today.
ORIGINAL_VARIABLES = ("wind_speed", "power", "ambient_temperature")

"""The Fonte tables (the samples, and the turbines they come from) and the variables.

`VARIABLES` is the whitelist: the only column names that ever reach SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Column, DateTime, Double
from sqlmodel import Field, SQLModel

from .generator import CUT_IN, CUT_OUT, RATED_POWER, RATED_SPEED


@dataclass(frozen=True)
class Variable:
    """A tag of the catalog. `kind` says which statistics describe it (linear: mean, min,
    max, std; angle: circular ones; state: the most frequent code); `range_min`/`range_max`
    are the physical limits a sample outside of which is not a measurement (OpenOA's
    range_flag); `iec_name` is its IEC 61400-25 name."""

    name: str
    unit: str
    description: str
    kind: Literal["linear", "angle", "state"]
    range_min: float
    range_max: float
    iec_name: str | None


VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in (
        Variable("wind_speed", "m/s", "Wind speed at hub height, 1-sample mean.", "linear", 0.0, 40.0, "WMET_HorWdSpd"),
        Variable(
            "power", "kW", "Active power output of the turbine (rated 2,000 kW).", "linear", -100.0, 2200.0, "WTUR_W"
        ),
        Variable(
            "ambient_temperature", "°C", "Outside air temperature at the nacelle.", "linear", -40.0, 50.0, "WMET_EnvTmp"
        ),
    )
}


class Data(SQLModel, table=True):
    """One sample of the turbine's SCADA signals."""

    __tablename__ = "data"

    timestamp: datetime = Field(
        sa_column=Column(DateTime(timezone=True), primary_key=True),
        description="Sample time, UTC.",
    )
    # Double, not SQLAlchemy's generic Float: the DDL says double precision as it is.
    wind_speed: float | None = Field(default=None, sa_type=Double, description="Wind speed, m/s.")
    power: float | None = Field(default=None, sa_type=Double, description="Active power, kW.")
    ambient_temperature: float | None = Field(default=None, sa_type=Double, description="Ambient temperature, °C.")


class TurbineBase(SQLModel):
    """A turbine's identity and the parameters of its reference power curve (zero below
    cut-in and from cut-out, cubic from cut-in to rated speed, then rated power)."""

    id: str = Field(
        primary_key=True, description="Asset id, as SCADA exports name turbines.", schema_extra={"examples": ["T01"]}
    )
    name: str = Field(schema_extra={"examples": ["Turbine 1"]})
    plant: str = Field(description="The wind plant it belongs to.", schema_extra={"examples": ["Fonte demo plant"]})
    rated_power_kw: float = Field(sa_type=Double, schema_extra={"examples": [2000.0]})
    hub_height_m: float = Field(sa_type=Double, schema_extra={"examples": [80.0]})
    rotor_diameter_m: float = Field(sa_type=Double, schema_extra={"examples": [90.0]})
    cut_in_speed_ms: float = Field(sa_type=Double, description="m/s", schema_extra={"examples": [3.0]})
    rated_speed_ms: float = Field(sa_type=Double, description="m/s", schema_extra={"examples": [12.0]})
    cut_out_speed_ms: float = Field(sa_type=Double, description="m/s", schema_extra={"examples": [25.0]})


class Turbine(TurbineBase, table=True):
    __tablename__ = "turbine"


# The turbine whose samples `data` holds: the generator's own curve parameters, and the hub
# height and rotor of a typical 2 MW onshore turbine.
DEFAULT_TURBINE = Turbine(
    id="T01",
    name="Turbine 1",
    plant="Fonte demo plant",
    rated_power_kw=RATED_POWER,
    hub_height_m=80.0,
    rotor_diameter_m=90.0,
    cut_in_speed_ms=CUT_IN,
    rated_speed_ms=RATED_SPEED,
    cut_out_speed_ms=CUT_OUT,
)

"""The Fonte table and the variables it holds.

`VARIABLES` is the whitelist: the only column names that ever reach SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, DateTime, Double
from sqlmodel import Field, SQLModel


@dataclass(frozen=True)
class Variable:
    name: str
    unit: str
    description: str


VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in (
        Variable("wind_speed", "m/s", "Wind speed at hub height, 1-sample mean."),
        Variable("power", "kW", "Active power output of the turbine (rated 2,000 kW)."),
        Variable("ambient_temperature", "°C", "Outside air temperature at the nacelle."),
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

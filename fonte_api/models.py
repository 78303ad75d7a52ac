"""The Fonte tables: the samples of every turbine (`data`, one column per tag of the catalog)
and the turbines they come from."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Double, Index, MetaData, Table, Text, func
from sqlmodel import Field, SQLModel

from .catalog import VARIABLES, Variable
from .fleet import turbine_id
from .generator import CUT_IN, CUT_OUT, RATED_POWER, RATED_SPEED

__all__ = [
    "ARRIVAL_TRIGGER",
    "ARRIVED_AT",
    "DEFAULT_TURBINE",
    "VARIABLES",
    "Turbine",
    "TurbineBase",
    "Variable",
    "data_table",
    "fleet_turbines",
]


def data_table(tags: dict[str, Variable]) -> Table:
    """One row per turbine and sample time, one column per tag Fonte holds (the catalog's
    first FONTE_GEN_TAGS): a turbine's SCADA export as it comes, keyed by (turbine, time) as
    OpenOA keys its `scada` table."""
    return Table(
        "data",
        MetaData(),  # its own: the columns depend on the tags, so it is not one of SQLModel's tables
        Column("turbine_id", Text, primary_key=True, comment="The turbine's id (table turbine)."),
        Column("timestamp", DateTime(timezone=True), primary_key=True, comment="Sample time, UTC."),
        # Double, not SQLAlchemy's generic Float: the DDL says double precision as it is.
        *(Column(v.name, Double, comment=f"{v.description} ({v.unit})") for v in tags.values()),
        Column(
            ARRIVED_AT,
            DateTime(timezone=True),
            nullable=False,
            server_default=func.clock_timestamp(),
            comment="When Fonte received the row: set by the database on insert and on update (trigger data_arrival).",
        ),
        Index("data_arrived_at", ARRIVED_AT),
    )


ARRIVED_AT = "arrived_at"
# The database, not the writer, says when a row arrived: on insert and on every update.
ARRIVAL_TRIGGER = f"""
create or replace function data_arrival() returns trigger language plpgsql as $$
begin
    new.{ARRIVED_AT} := clock_timestamp();
    return new;
end $$;
create or replace trigger data_arrival before insert or update on data
    for each row execute function data_arrival();
"""


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


def fleet_turbines(count: int) -> list[Turbine]:
    """The generated plant's turbines, T01 first: the generator's own curve parameters, and
    the hub height and rotor of a typical 2 MW onshore turbine."""
    return [
        Turbine(
            id=turbine_id(index),
            name=f"Turbine {index + 1}",
            plant="Fonte demo plant",
            rated_power_kw=RATED_POWER,
            hub_height_m=80.0,
            rotor_diameter_m=90.0,
            cut_in_speed_ms=CUT_IN,
            rated_speed_ms=RATED_SPEED,
            cut_out_speed_ms=CUT_OUT,
        )
        for index in range(count)
    ]


# The default turbine: what a /data request without `turbine` answers for.
DEFAULT_TURBINE = fleet_turbines(1)[0]

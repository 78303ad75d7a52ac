"""GET /turbines: the turbines Fonte holds samples of, with their metadata and reference
power curve (what a report draws measured power against)."""

from __future__ import annotations

from contextlib import contextmanager

import psycopg
from fastapi import APIRouter, HTTPException
from psycopg import sql
from psycopg.rows import dict_row
from pydantic import BaseModel, Field

from ..db import PoolDep
from ..errors import NO_PARAMETERS, TOKEN_REFUSED, ErrorOut
from ..generator import power_curve
from ..models import DEFAULT_TURBINE, TurbineBase

router = APIRouter(tags=["meta"])

# The curve's points: every half metre per second from calm to past cut-out.
CURVE_STEP_MS, CURVE_MAX_MS = 0.5, 30.0


class CurvePointOut(BaseModel):
    wind_speed: float = Field(description="m/s", examples=[8.0])
    power: float = Field(description="kW, without noise", examples=[570.3])


class TurbineOut(TurbineBase):
    power_curve: list[CurvePointOut] = Field(
        description=f"The reference curve every {CURVE_STEP_MS} m/s from 0 to {CURVE_MAX_MS} m/s."
    )


class FleetOut(BaseModel):
    default_turbine: str = Field(
        description="The turbine a `/data` request without `turbine` answers for (the single-turbine API's).",
        examples=["T01"],
    )
    turbines: list[TurbineOut]


def curve_points(turbine: TurbineBase) -> list[CurvePointOut]:
    speeds = [i * CURVE_STEP_MS for i in range(int(CURVE_MAX_MS / CURVE_STEP_MS) + 1)]
    powers = power_curve(
        speeds,
        cut_in=turbine.cut_in_speed_ms,
        rated_speed=turbine.rated_speed_ms,
        cut_out=turbine.cut_out_speed_ms,
        rated_power=turbine.rated_power_kw,
    )
    return [CurvePointOut(wind_speed=v, power=p) for v, p in zip(speeds, powers.tolist(), strict=True)]


@contextmanager
def turbine_table():
    """A missing turbine table is a 503 that says what to run: a Fonte seeded before the
    table existed, served by an API that does not seed."""
    try:
        yield
    except psycopg.errors.UndefinedTable:
        raise HTTPException(
            503, "Fonte has no turbine table yet: run `python -m fonte_api seed` (or start the API with seeding on)"
        ) from None


@router.get(
    "/turbines",
    summary="The turbines, with their metadata and reference power curve",
    response_model=FleetOut,
    responses={
        401: TOKEN_REFUSED,
        422: NO_PARAMETERS,
        503: {"model": ErrorOut, "description": "Fonte's database is unreachable, or has no turbine table yet."},
    },
)
def turbines(pool: PoolDep) -> FleetOut:
    columns = sql.SQL(", ").join(map(sql.Identifier, TurbineBase.model_fields))
    with turbine_table(), pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(sql.SQL("select {} from turbine order by id").format(columns)).fetchall()
    fleet = [TurbineBase(**row) for row in rows]
    return FleetOut(
        default_turbine=DEFAULT_TURBINE.id,
        turbines=[TurbineOut(**t.model_dump(), power_curve=curve_points(t)) for t in fleet],
    )

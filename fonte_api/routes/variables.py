"""GET /variables: the tag catalog (unit, kind, physical range, IEC 61400-25 name, whether it
varies, sampling interval) and the period Fonte covers."""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ..catalog import CATALOG
from ..db import PoolDep
from ..errors import DATABASE_UNREACHABLE, NO_PARAMETERS, TOKEN_REFUSED
from ..models import DEFAULT_TURBINE
from ..seeding import fonte_tags

router = APIRouter(tags=["meta"])


class VariableOut(BaseModel):
    name: str = Field(examples=["wind_speed"])
    unit: str = Field(examples=["m/s"])
    description: str
    kind: Literal["linear", "angle", "state"] = Field(
        description="Which statistics describe it: linear (mean, min, max, std), angle (circular), state (mode).",
        examples=["linear"],
    )
    range_min: float = Field(description="Physical lower limit, in `unit`.", examples=[0.0])
    range_max: float = Field(description="Physical upper limit, in `unit`.", examples=[40.0])
    iec_name: str | None = Field(description="Its IEC 61400-25 name, where one exists.", examples=["WMET_HorWdSpd"])
    varies: bool = Field(
        description="A working sensor's reading never holds one value for long, so a run of unchanging"
        " 10-minute buckets means a stuck sensor; false for states and tags that rest while the turbine idles.",
        examples=[True],
    )
    interval_seconds: float | None = Field(
        description="Its sampling interval: how far apart its samples are (null while Fonte holds fewer than two).",
        examples=[60.0],
    )


class PeriodOut(BaseModel):
    """The default turbine's samples (the generated plant's turbines share one period)."""

    first_timestamp: str | None = Field(
        description="Earliest sample, ISO 8601 UTC.", examples=["2024-05-20T00:00:00+00:00"]
    )
    last_timestamp: str | None = Field(
        description="Latest sample, ISO 8601 UTC.", examples=["2024-05-29T23:59:00+00:00"]
    )
    rows: int = Field(description="Number of samples (each turbine has as many).", examples=[14400])


class CatalogOut(BaseModel):
    variables: list[VariableOut]
    period: PeriodOut


@router.get(
    "/variables",
    summary="The variables Fonte holds (unit, kind, physical range, IEC name) and the period it covers",
    response_model=CatalogOut,
    responses={401: TOKEN_REFUSED, 422: NO_PARAMETERS, 503: DATABASE_UNREACHABLE},
)
def variables(pool: PoolDep) -> CatalogOut:
    with pool.connection() as conn:
        first, last, rows = conn.execute(
            "select to_json(min(timestamp)) #>> '{}', to_json(max(timestamp)) #>> '{}', count(*) from data"
            " where turbine_id = %s",
            (DEFAULT_TURBINE.id,),
        ).fetchone()
        # Every tag is a column of one row per sample time: they share the default turbine's
        # interval, its first two samples' distance (two index reads).
        (interval,) = conn.execute(
            "select extract(epoch from max(timestamp) - min(timestamp))::float8 from"
            " (select timestamp from data where turbine_id = %s order by timestamp limit 2) as first_two"
            " having count(*) = 2",
            (DEFAULT_TURBINE.id,),
        ).fetchone() or (None,)
        held = fonte_tags(conn)
    return CatalogOut(
        variables=[VariableOut(**asdict(CATALOG[name]), interval_seconds=interval) for name in held],
        period=PeriodOut(first_timestamp=first, last_timestamp=last, rows=rows),
    )

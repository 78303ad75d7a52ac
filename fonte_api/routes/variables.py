"""GET /variables: the variables Fonte holds, with units, and the period it covers."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ..db import PoolDep
from ..errors import ErrorOut
from ..models import VARIABLES

router = APIRouter(tags=["meta"])


class VariableOut(BaseModel):
    name: str = Field(examples=["wind_speed"])
    unit: str = Field(examples=["m/s"])
    description: str


class PeriodOut(BaseModel):
    first_timestamp: str | None = Field(
        description="Earliest sample, ISO 8601 UTC.", examples=["2024-05-20T00:00:00+00:00"]
    )
    last_timestamp: str | None = Field(
        description="Latest sample, ISO 8601 UTC.", examples=["2024-05-29T23:59:00+00:00"]
    )
    rows: int = Field(description="Number of samples.", examples=[14400])


class CatalogOut(BaseModel):
    variables: list[VariableOut]
    period: PeriodOut


@router.get(
    "/variables",
    summary="The variables (with units) and the period Fonte covers",
    response_model=CatalogOut,
    responses={
        401: {"model": ErrorOut, "description": "FONTE_API_TOKEN is set and the request lacks it."},
        422: {"model": ErrorOut, "description": "A query parameter: this route declares none."},
        503: {"model": ErrorOut, "description": "Fonte's database is unreachable."},
    },
)
def variables(pool: PoolDep) -> CatalogOut:
    with pool.connection() as conn:
        first, last, rows = conn.execute(
            "select to_json(min(timestamp)) #>> '{}', to_json(max(timestamp)) #>> '{}', count(*) from data"
        ).fetchone()
    return CatalogOut(
        variables=[VariableOut(name=v.name, unit=v.unit, description=v.description) for v in VARIABLES.values()],
        period=PeriodOut(first_timestamp=first, last_timestamp=last, rows=rows),
    )

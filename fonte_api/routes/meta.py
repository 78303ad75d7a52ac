"""GET /health and GET /variables: is it up, and what does Fonte hold."""
from __future__ import annotations

import psycopg
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
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
    first_timestamp: str | None = Field(description="Earliest sample, ISO 8601 UTC.", examples=["2024-05-20T00:00:00+00:00"])
    last_timestamp: str | None = Field(description="Latest sample, ISO 8601 UTC.", examples=["2024-05-29T23:59:00+00:00"])
    rows: int = Field(description="Number of samples.", examples=[14400])


class CatalogOut(BaseModel):
    variables: list[VariableOut]
    period: PeriodOut


class HealthOut(BaseModel):
    status: str = Field(examples=["ok"], description="ok, or error when the database does not answer.")
    database: str = Field(examples=["ok"], description="ok, or the database's error.")


@router.get("/health", summary="Liveness and database check", response_model=HealthOut,
            responses={503: {"model": HealthOut, "description": "The database does not answer."}})
def health(pool: PoolDep):
    try:
        with pool.connection() as conn:
            conn.execute("select 1")
    except (psycopg.Error, PoolTimeout) as exc:
        return JSONResponse({"status": "error", "database": str(exc).splitlines()[0]}, status_code=503)
    return {"status": "ok", "database": "ok"}


@router.get(
    "/variables",
    summary="The variables (with units) and the period Fonte covers",
    response_model=CatalogOut,
    responses={503: {"model": ErrorOut, "description": "Fonte's database is unreachable."}},
)
def variables(pool: PoolDep):
    try:
        with pool.connection() as conn:
            first, last, rows = conn.execute(
                "select to_json(min(timestamp)) #>> '{}', to_json(max(timestamp)) #>> '{}', count(*) from data"
            ).fetchone()
    except (psycopg.Error, PoolTimeout) as exc:
        return JSONResponse({"detail": f"Fonte database unavailable: {exc.__class__.__name__}"}, status_code=503)
    return CatalogOut(
        variables=[VariableOut(name=v.name, unit=v.unit, description=v.description) for v in VARIABLES.values()],
        period=PeriodOut(first_timestamp=first, last_timestamp=last, rows=rows),
    )

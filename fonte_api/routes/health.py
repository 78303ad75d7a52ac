"""GET /health: is the API up, does its database answer, and how busy are the streams."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from ..db import PoolDep
from ..errors import ErrorOut
from ..streaming import StreamSlotsDep

router = APIRouter(tags=["meta"])


class StreamsOut(BaseModel):
    slots: int = Field(description="How many /data streams may hold a database connection at once.", examples=[10])
    in_use: int = Field(description="Streams holding a slot now.", examples=[3])
    waiting: int = Field(description="/data requests waiting for a slot now.", examples=[0])
    saturated: bool = Field(description="Every slot is in use: new /data requests wait, then get 503.")


class HealthOut(BaseModel):
    status: str = Field(examples=["ok"], description="ok: the API answers and so does its database.")
    database: str = Field(examples=["ok"])
    streams: StreamsOut


@router.get(
    "/health",
    summary="Liveness, database check and stream saturation",
    description=(
        "200 while the API and its database answer, saturated or not: a saturated API is "
        "working (new /data requests get a prompt 503 with Retry-After), and restarting it "
        "would only cut the streams in progress. 503 when the database does not answer. "
        "Never requires the API token."
    ),
    response_model=HealthOut,
    responses={503: {"model": ErrorOut, "description": "The database does not answer."}},
)
def health(pool: PoolDep, slots: StreamSlotsDep) -> HealthOut:
    with pool.connection() as conn:
        conn.execute("select 1")
    in_use = slots.in_use
    return HealthOut(
        status="ok",
        database="ok",
        streams=StreamsOut(slots=slots.size, in_use=in_use, waiting=slots.waiting, saturated=in_use >= slots.size),
    )

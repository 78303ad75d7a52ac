"""GET /data: the rows of a time range, flat, ordered, half-open [start, end)."""
from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Annotated

import psycopg
from fastapi import APIRouter, Header, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool
from psycopg_pool import PoolTimeout

from ..db import PoolDep
from ..errors import ErrorOut
from ..models import VARIABLES
from ..streaming import MEDIA_TYPES, GuardedStreamingResponse, OutputFormat, open_stream

router = APIRouter(tags=["data"])

Column = Enum("Column", {name: name for name in VARIABLES}, type=str)  # the whitelist, for OpenAPI

EXAMPLE_ROWS = [
    {"timestamp": "2024-05-23T00:00:00+00:00", "wind_speed": 7.514, "power": 452.32},
    {"timestamp": "2024-05-23T00:01:00+00:00", "wind_speed": 7.871, "power": 541.07},
]


def as_utc(value: datetime, name: str) -> datetime:
    """Naive timestamps are UTC (DESIGN.md); aware ones are converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        raise HTTPException(422, f"{name} is out of the supported range (years 1 to 9999 UTC)") from None


def choose_format(explicit: OutputFormat | None, accept: str | None) -> OutputFormat:
    if explicit is not None:
        return explicit
    accept = (accept or "").lower()
    if "application/x-ndjson" in accept:
        return OutputFormat.ndjson
    if "text/csv" in accept:
        return OutputFormat.csv
    return OutputFormat.json


@router.get(
    "/data",
    summary="Samples of a time range",
    description=(
        "Rows with `start_timestamp <= timestamp < end_timestamp`, ordered by timestamp, "
        "one flat object per sample. Timestamps are ISO 8601; naive ones are read as UTC; "
        "output carries `+00:00`. Streamed: any range is served in constant memory."
    ),
    responses={
        200: {
            "description": "The samples: a JSON array (default), NDJSON or CSV.",
            "content": {
                "application/json": {"example": EXAMPLE_ROWS},
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        422: {"model": ErrorOut, "description": "Unknown column, malformed timestamp, start not before end."},
        503: {"model": ErrorOut, "description": "Fonte's database is unreachable."},
    },
)
async def get_data(
    request: Request,
    pool: PoolDep,
    start_timestamp: Annotated[datetime, Query(
        description="Start of the range, included. ISO 8601; naive means UTC.",
        examples=["2024-05-23T00:00:00"],
    )],
    end_timestamp: Annotated[datetime, Query(
        description="End of the range, excluded. Must be after start_timestamp.",
        examples=["2024-05-24T00:00:00"],
    )],
    columns: Annotated[list[Column] | None, Query(
        description=(
            "Variables to return, repeatable (`columns=wind_speed&columns=power`). "
            "Allowed: " + ", ".join(f"{v.name} ({v.unit})" for v in VARIABLES.values()) + ". Omitted: all of them."
        ),
        examples=[["wind_speed", "power"]],
    )] = None,
    format: Annotated[OutputFormat | None, Query(
        description="json (default), ndjson or csv. Overrides the Accept header.",
        examples=["json"],
    )] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> GuardedStreamingResponse:
    start = as_utc(start_timestamp, "start_timestamp")
    end = as_utc(end_timestamp, "end_timestamp")
    if start >= end:
        raise HTTPException(
            422, f"start_timestamp ({start.isoformat()}) must be before end_timestamp ({end.isoformat()})"
        )
    # Repeats are harmless; order follows the request, as the original did.
    names = list(dict.fromkeys(c.value for c in columns)) if columns else list(VARIABLES)
    fmt = choose_format(format, accept)
    guard = await request.app.state.stream_slots.acquire()
    try:
        guard.body = await run_in_threadpool(open_stream, pool, names, start, end, fmt)
    except BaseException as exc:
        await guard.release()
        if isinstance(exc, (psycopg.OperationalError, PoolTimeout)):
            raise HTTPException(503, f"Fonte database unavailable: {exc.__class__.__name__}") from None
        raise
    return GuardedStreamingResponse(guard, media_type=MEDIA_TYPES[fmt])

"""GET /data: the rows of a time range, flat, ordered, half-open [start, end)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from ..catalog import CATALOG
from ..db import PoolDep
from ..errors import TOKEN_REFUSED, ErrorOut
from ..models import DEFAULT_TURBINE
from ..seeding import fonte_tags
from ..streaming import MEDIA_TYPES, GuardedStreamingResponse, OutputFormat, StreamSlotsDep, open_stream
from .turbines import turbine_table

router = APIRouter(tags=["data"])

# The whitelist, for OpenAPI: every tag of the catalog. A request may name those Fonte holds
# (the first FONTE_GEN_TAGS), checked against its table by `held_columns`.
VariableName = Enum("VariableName", {name: name for name in CATALOG}, type=str)

EXAMPLE_ROWS = [
    {"timestamp": "2024-05-23T00:00:00+00:00", "wind_speed": 7.514, "power": 452.32},
    {"timestamp": "2024-05-23T00:01:00+00:00", "wind_speed": 7.871, "power": 541.07},
]


def as_utc(value: datetime, name: str) -> datetime:
    """Naive timestamps are UTC (docs/contracts.md); aware ones are converted."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise HTTPException(422, f"{name} is out of the supported range (years 1 to 9999 UTC)") from None


def known_turbines(pool, requested: list[str]) -> list[str]:
    """The requested turbines without repeats, or a 422 naming the unknown ones and listing
    Fonte's."""
    with turbine_table(), pool.connection() as conn:
        known = [row[0] for row in conn.execute("select id from turbine order by id")]
    unknown = [t for t in dict.fromkeys(requested) if t not in known]
    if unknown:
        raise HTTPException(422, f"unknown turbine {', '.join(map(repr, unknown))}; Fonte has: {', '.join(known)}")
    return list(dict.fromkeys(requested))


def held_columns(pool, requested: list[str] | None) -> list[str]:
    """The requested columns without repeats, in request order (every tag Fonte holds when
    none is named), or a 422 naming those of the catalog this Fonte was generated without."""
    with pool.connection() as conn:
        held = fonte_tags(conn)
    if not requested:
        return held
    missing = [c for c in dict.fromkeys(requested) if c not in held]
    if missing:
        raise HTTPException(
            422, f"column {', '.join(map(repr, missing))} is not in this Fonte; it holds: {', '.join(held)}"
        )
    return list(dict.fromkeys(requested))


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
        "Rows with `start_timestamp <= timestamp < end_timestamp`, one flat object per sample: of the "
        "default turbine ordered by timestamp, or of the named turbines ordered by turbine, then timestamp. "
        "Timestamps are ISO 8601; naive ones are read as UTC; output carries `+00:00`. Streamed: any range "
        "is served in constant memory."
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
        401: TOKEN_REFUSED,
        422: {
            "model": ErrorOut,
            "description": (
                "Unknown column or turbine (listing the known ones), malformed timestamp, start not before end, "
                "or a query parameter this "
                "route does not declare (named, with the accepted ones; `limit`/`offset` included: "
                "the answer is a stream, never paged)."
            ),
        },
        503: {
            "model": ErrorOut,
            "description": "Fonte's database is unreachable, or every stream slot stayed busy (then with Retry-After).",
        },
    },
)
# Longer than our functions usually are only by its parameters: FastAPI builds the OpenAPI
# schema (descriptions, examples) from their declarations, so they stay here, in one place.
async def get_data(
    request: Request,
    pool: PoolDep,
    slots: StreamSlotsDep,
    start_timestamp: Annotated[
        datetime,
        Query(
            description="Start of the range, included. ISO 8601; naive means UTC.",
            examples=["2024-05-23T00:00:00"],
        ),
    ],
    end_timestamp: Annotated[
        datetime,
        Query(
            description="End of the range, excluded. Must be after start_timestamp.",
            examples=["2024-05-24T00:00:00"],
        ),
    ],
    turbine: Annotated[
        list[str] | None,
        Query(
            description=(
                "Turbines to return, repeatable (`turbine=T01&turbine=T02`); the ids of `/turbines`. "
                f"Omitted: the default turbine ({DEFAULT_TURBINE.id}), rows exactly as the single-turbine API "
                "gave them. Named: each row starts with `turbine`; rows are ordered by turbine, then time."
            ),
            examples=[["T01", "T02"]],
        ),
    ] = None,
    columns: Annotated[
        list[VariableName] | None,
        Query(
            description=(
                "Variables to return, repeatable (`columns=wind_speed&columns=power`). "
                "Allowed: the tags Fonte holds (`/variables`), of the catalog: "
                + ", ".join(f"{v.name} ({v.unit})" for v in CATALOG.values())
                + ". Omitted: every tag Fonte holds."
            ),
            examples=[["wind_speed", "power"]],
        ),
    ] = None,
    format: Annotated[
        OutputFormat | None,
        Query(
            description="json (default), ndjson or csv. Overrides the Accept header.",
            examples=["json"],
        ),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> GuardedStreamingResponse:
    start = as_utc(start_timestamp, "start_timestamp")
    end = as_utc(end_timestamp, "end_timestamp")
    if start >= end:
        raise HTTPException(
            422, f"start_timestamp ({start.isoformat()}) must be before end_timestamp ({end.isoformat()})"
        )
    # Repeats are harmless; order follows the request, as the route this API replaces did
    # (docs/contracts.md).
    names = await run_in_threadpool(held_columns, pool, [c.value for c in columns] if columns else None)
    turbines = await run_in_threadpool(known_turbines, pool, turbine) if turbine else DEFAULT_TURBINE.id
    fmt = choose_format(format, accept)
    guard = await slots.acquire()
    try:
        guard.body = await run_in_threadpool(open_stream, pool, names, start, end, fmt, turbines)
    except BaseException:
        await guard.release()
        raise
    settings = request.app.state.settings
    client = f"{request.client.host}:{request.client.port}" if request.client else "a client"
    return GuardedStreamingResponse(
        guard,
        stall_seconds=settings.stream_stall_seconds,
        min_bytes_per_second=settings.stream_min_bytes_per_second,
        client=client,
        media_type=MEDIA_TYPES[fmt],
    )

"""The FastAPI application: pool and seeding in the lifespan, routers per concern, and one
handler per kind of error, so that routes only raise."""

from __future__ import annotations

import logging
import math
from contextlib import asynccontextmanager

import psycopg
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from starlette.concurrency import run_in_threadpool

from .db import LIBPQ_CONNECT_TIMEOUT_SECONDS, STREAM_SLOTS, open_pool
from .errors import ErrorDetail, ErrorOut, StreamSlotsBusy
from .models import ARRIVED_AT
from .routes import changes, data, health, turbines, variables
from .security import require_token
from .seeding import has_fleet_table, seed
from .settings import Settings, load_settings
from .streaming import StreamSlots
from .strict_query import refuse_undeclared_query

log = logging.getLogger("fonte_api")


def _fonte_needs_seeding(reader_url: str) -> bool:
    """No samples yet, or a Fonte from before the turbine table or before the fleet (a `data`
    without `turbine_id`: generated again as a fleet, docs/api.md), or from before change
    tracking (no `arrived_at`: the column is added, the rows kept)."""
    with psycopg.connect(reader_url, connect_timeout=LIBPQ_CONNECT_TIMEOUT_SECONDS) as conn:
        data, turbine = conn.execute(
            "select to_regclass('public.data') is not null, to_regclass('public.turbine') is not null"
        ).fetchone()
        if not (data and turbine and has_fleet_table(conn)):
            return True
        if not conn.execute(
            "select exists (select from information_schema.columns"
            " where table_schema = 'public' and table_name = 'data' and column_name = %s)",
            (ARRIVED_AT,),
        ).fetchone()[0]:
            return True
        return not conn.execute("select exists (select 1 from data)").fetchone()[0]


def seed_if_empty(settings: Settings) -> None:
    """A Fonte with no rows is filled with the default generated data, as the system this
    API replaces did at startup (docs/contracts.md); the turbine table is made and filled
    whenever it is missing."""
    if not _fonte_needs_seeding(settings.db_url):
        return
    result = seed(settings.owner_db_url, settings.db_url, settings.generator, replace=False)
    if not result.skipped:
        log.warning("seeded Fonte with %d rows in %.1f s", result.rows, result.seconds)


def _describe(error: dict) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if p != "query")
    text = f"{where}: {error.get('msg', 'invalid')}"
    if "input" in error and error.get("type") != "missing":
        text += f" (got {str(error['input'])[:80]!r})"
    return text


def _error(status: int, detail: str, headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    return JSONResponse(
        ErrorOut(detail=detail, **extra).model_dump(exclude_none=True), status_code=status, headers=headers
    )


def _add_error_handlers(app: FastAPI) -> None:
    async def readable_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # One sentence a person can read, plus FastAPI's usual list for programs.
        errors = exc.errors()
        details = [ErrorDetail(loc=list(e.get("loc", ())), msg=e.get("msg"), type=e.get("type")) for e in errors]
        return _error(422, "; ".join(_describe(e) for e in errors), errors=details)

    async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # The pool gave no connection in time, or PostgreSQL refused or dropped one.
        return _error(503, f"Fonte database unavailable: {exc.__class__.__name__}")

    async def stream_slots_busy(request: Request, exc: StreamSlotsBusy) -> JSONResponse:
        return _error(503, str(exc), headers={"Retry-After": str(math.ceil(exc.waited_seconds))})

    app.add_exception_handler(RequestValidationError, readable_validation_error)
    for database_error in (psycopg.OperationalError, PoolTimeout):
        app.add_exception_handler(database_error, database_unavailable)
    app.add_exception_handler(StreamSlotsBusy, stream_slots_busy)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if not settings.api_token:
            log.warning(
                "FONTE_API_TOKEN is not set: the API serves anyone who can reach its port "
                "(fine on 127.0.0.1; set it anywhere else)"
            )
        if settings.seed_on_startup:
            await run_in_threadpool(seed_if_empty, settings)
        app.state.settings = settings
        app.state.pool = open_pool(settings.db_url)
        app.state.stream_slots = StreamSlots(STREAM_SLOTS, settings.slot_wait_seconds)
        try:
            yield
        finally:
            app.state.pool.close()

    app = FastAPI(
        title="Fonte connector",
        version="1.0.0",
        description=(
            "Read-only access to the Fonte wind-turbine database: 1-minute (or finer) samples of "
            "wind speed (m/s), power (kW) and ambient temperature (°C), all timestamps UTC. "
            "When the API runs with FONTE_API_TOKEN, every route but /health requires "
            "`Authorization: Bearer <token>`."
        ),
        lifespan=lifespan,
    )
    _add_error_handlers(app)
    # The token first, so a token in the URL keeps its own 401; then undeclared parameters.
    # /health takes neither: monitors append cache-busting parameters (docs/api.md).
    guarded = [Depends(require_token), Depends(refuse_undeclared_query)]
    app.include_router(health.router)
    app.include_router(variables.router, dependencies=guarded)
    app.include_router(turbines.router, dependencies=guarded)
    app.include_router(data.router, dependencies=guarded)
    app.include_router(changes.router, dependencies=guarded)
    return app

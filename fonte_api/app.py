"""The FastAPI application: pool and seeding in the lifespan, routers per concern."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from .db import STREAM_SLOTS, open_pool
from .streaming import StreamSlots
from .routes import data, meta
from .seeding import seed
from .settings import Settings, load_settings

log = logging.getLogger("fonte_api")


def _fonte_is_empty(reader_url: str) -> bool:
    with psycopg.connect(reader_url, connect_timeout=10) as conn:
        exists = conn.execute("select to_regclass('public.data') is not null").fetchone()[0]
        return not exists or not conn.execute("select exists (select 1 from data)").fetchone()[0]


def seed_if_empty(settings: Settings) -> None:
    """As the original did: a Fonte with no rows is filled with the default generated data."""
    if not _fonte_is_empty(settings.db_url):
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


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.seed_on_startup:
            await run_in_threadpool(seed_if_empty, settings)
        app.state.pool = open_pool(settings.db_url)
        app.state.stream_slots = StreamSlots(STREAM_SLOTS)
        try:
            yield
        finally:
            app.state.pool.close()

    app = FastAPI(
        title="Fonte connector",
        version="1.0.0",
        description=(
            "Read-only access to the Fonte wind-turbine database: 1-minute (or finer) samples of "
            "wind speed (m/s), power (kW) and ambient temperature (°C), all timestamps UTC."
        ),
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def readable_validation_error(request: Request, exc: RequestValidationError):
        # One sentence a person can read, plus FastAPI's usual list for programs.
        errors = exc.errors()
        message = "; ".join(_describe(e) for e in errors)
        return JSONResponse(
            {"detail": message, "errors": [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in errors]},
            status_code=422,
        )

    app.include_router(meta.router)
    app.include_router(data.router)
    return app

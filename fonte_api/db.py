"""The connection pool, opened by the app's lifespan and handed to routes as a dependency."""

from __future__ import annotations

from typing import Annotated

import psycopg
from fastapi import Depends, Request
from psycopg_pool import ConnectionPool


def _configure(conn: psycopg.Connection) -> None:
    # Output offsets are +00:00 whatever the server's own time zone.
    conn.execute("set timezone = 'UTC'")
    conn.commit()


# Streams of /data take at most STREAM_SLOTS connections; the rest of the pool stays free
# for /health and /variables, so they answer even while every stream slot is busy.
STREAM_SLOTS = 10
SPARE_CONNECTIONS = 4
# How long a request waits for a free connection of the pool before it gives up (503).
POOL_WAIT_SECONDS = 5.0
# libpq's own limit on opening one new connection to PostgreSQL.
LIBPQ_CONNECT_TIMEOUT_SECONDS = 10


def open_pool(url: str) -> ConnectionPool:
    pool = ConnectionPool(
        url,
        min_size=1,
        max_size=STREAM_SLOTS + SPARE_CONNECTIONS,
        configure=_configure,
        open=False,
        timeout=POOL_WAIT_SECONDS,
        kwargs={"connect_timeout": LIBPQ_CONNECT_TIMEOUT_SECONDS},
    )
    pool.open(wait=False)
    return pool


def get_pool(request: Request) -> ConnectionPool:
    return request.app.state.pool


PoolDep = Annotated[ConnectionPool, Depends(get_pool)]

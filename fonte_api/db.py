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
# How long a request waits for a database connection before answering 503.
CONNECT_TIMEOUT = 5.0


def open_pool(url: str) -> ConnectionPool:
    pool = ConnectionPool(
        url, min_size=1, max_size=STREAM_SLOTS + SPARE_CONNECTIONS, configure=_configure, open=False,
        timeout=CONNECT_TIMEOUT,
        kwargs={"connect_timeout": 10},
    )
    pool.open(wait=False)
    return pool


def get_pool(request: Request) -> ConnectionPool:
    return request.app.state.pool


PoolDep = Annotated[ConnectionPool, Depends(get_pool)]

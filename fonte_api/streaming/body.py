"""The bytes of a /data answer, batched from COPY, and a close() that ends the COPY at once.

Batches of ~64 kB are forwarded as PostgreSQL sends the rows: like a server-side cursor,
nothing holds the whole result, so memory stays flat whatever the range; unlike one, no
Python object is built per row, which is what makes it fast.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime

from psycopg import sql
from psycopg_pool import ConnectionPool

from .json_array import as_json_array
from .query import OutputFormat, build_copy

BATCH_BYTES = 64 * 1024


def _copy_batches(pool: ConnectionPool, query: sql.Composed, params: tuple) -> Iterator[bytes]:
    with pool.connection() as conn, conn.cursor() as cur, cur.copy(query, params) as copy:
        batch = bytearray()
        for row in copy:
            batch += row
            if len(batch) >= BATCH_BYTES:
                yield bytes(batch)
                batch.clear()
        if batch:
            yield bytes(batch)


class BodyStream:
    """The response body: bytes batches, and a close() that ends the COPY at once.

    Closing the underlying generator (not just dropping it) is what returns the connection
    to the pool when a client hangs up mid-body; left to the garbage collector, the COPY
    would stay open on the server, holding a connection.
    """

    def __init__(self, batches: Iterator[bytes], fmt: OutputFormat):
        self._batches = batches
        # Read the first batch now, so an unreachable database becomes a clean 503
        # instead of a 200 cut short.
        first = next(batches, None)
        body = itertools.chain([first] if first is not None else [], batches)
        self._body = as_json_array(body) if fmt is OutputFormat.json else body

    def __iter__(self) -> BodyStream:
        return self

    def __next__(self) -> bytes:
        return next(self._body)

    def close(self) -> None:
        self._batches.close()


def open_stream(
    pool: ConnectionPool,
    columns: list[str],
    start: datetime,
    end: datetime,
    fmt: OutputFormat,
    turbines: list[str] | str,
) -> BodyStream:
    """Run the query now and return the body. `turbines`: one id (a request that named no
    turbine: the default one, rows without `turbine`), or the list the request named."""
    named = isinstance(turbines, list)
    query = build_copy(columns, fmt, named_turbines=named)
    return BodyStream(_copy_batches(pool, query, (turbines, start, end)), fmt)

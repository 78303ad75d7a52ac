"""Rows of Fonte as JSON, NDJSON or CSV, streamed straight from PostgreSQL.

The query runs as `COPY (select ...) TO STDOUT`: PostgreSQL formats each row (JSON object
or CSV line) and sends it as it reads it, and we forward the bytes in ~64 kB batches. Like
a server-side cursor, nothing holds the whole result, so memory stays flat whatever the
range; unlike one, no Python object is built per row, which is what makes it fast.

Only names from `VARIABLES` (the whitelist) become SQL identifiers; timestamps are bound
as parameters.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import anyio
from fastapi import Depends, Request
from psycopg import sql
from psycopg_pool import ConnectionPool
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from .errors import StreamSlotsBusy

log = logging.getLogger("fonte_api")

BATCH_BYTES = 64 * 1024


class OutputFormat(StrEnum):
    json = "json"
    ndjson = "ndjson"
    csv = "csv"


MEDIA_TYPES = {
    OutputFormat.json: "application/json",
    OutputFormat.ndjson: "application/x-ndjson",
    OutputFormat.csv: "text/csv; charset=utf-8",
}

# timestamptz as JSON text is ISO 8601 with an offset: 2024-05-23T00:00:00+00:00
_ISO_TIMESTAMP = sql.SQL("to_json(timestamp) #>> '{}'")
_RANGE = sql.SQL("from data where timestamp >= %s and timestamp < %s order by timestamp")


def build_copy(columns: list[str], fmt: OutputFormat) -> sql.Composed:
    if fmt is OutputFormat.csv:
        select = sql.SQL(", ").join(
            [sql.SQL("{} as timestamp").format(_ISO_TIMESTAMP), *(sql.Identifier(c) for c in columns)]
        )
        return sql.SQL("copy (select {} {}) to stdout (format csv, header)").format(select, _RANGE)
    select = sql.SQL(", ").join([sql.Identifier("timestamp"), *(sql.Identifier(c) for c in columns)])
    # row_to_json gives compact objects with keys in select order. COPY's text format would
    # escape backslashes, but these objects hold only numbers and timestamps, so every line
    # is the JSON text verbatim.
    return sql.SQL("copy (select row_to_json(r) from (select {} {}) r) to stdout").format(select, _RANGE)


def _copy_batches(pool: ConnectionPool, query: sql.Composed, start: datetime, end: datetime) -> Iterator[bytes]:
    with pool.connection() as conn, conn.cursor() as cur, cur.copy(query, (start, end)) as copy:
        batch = bytearray()
        for row in copy:
            batch += row
            if len(batch) >= BATCH_BYTES:
                yield bytes(batch)
                batch.clear()
        if batch:
            yield bytes(batch)


def _as_json_array(lines: Iterator[bytes]) -> Iterator[bytes]:
    """Turn NDJSON batches into one JSON array without parsing them."""
    yield b"["
    pending_newline = False
    for batch in lines:
        # Every newline ends an object; it becomes a comma only once another object follows.
        body = batch[:-1].replace(b"\n", b",") if batch.endswith(b"\n") else batch.replace(b"\n", b",")
        yield (b"," if pending_newline else b"") + body
        pending_newline = batch.endswith(b"\n")
    yield b"]"


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
        self._body = _as_json_array(body) if fmt is OutputFormat.json else body

    def __iter__(self) -> BodyStream:
        return self

    def __next__(self) -> bytes:
        return next(self._body)

    def close(self) -> None:
        self._batches.close()


def open_stream(
    pool: ConnectionPool, columns: list[str], start: datetime, end: datetime, fmt: OutputFormat
) -> BodyStream:
    """Run the query now and return the body."""
    return BodyStream(_copy_batches(pool, build_copy(columns, fmt), start, end), fmt)


class StreamSlots:
    """At most `size` streams hold a database connection at once; the others wait here,
    on the event loop, without occupying a worker thread, for at most `wait_seconds`.

    Without the slots, under load every worker thread could end up blocked waiting for a
    pooled connection while the connections are held by streams that need a worker thread
    to make progress. Without the bounded wait, clients that hold every slot (stalled
    readers) would make every other request hang instead of getting a prompt 503.
    """

    def __init__(self, size: int, wait_seconds: float):
        self.size = size
        self.wait_seconds = wait_seconds
        self.waiting = 0
        self.in_use = 0
        self._semaphore = asyncio.Semaphore(size)

    async def acquire(self) -> StreamGuard:
        self.waiting += 1
        try:
            await asyncio.wait_for(self._semaphore.acquire(), self.wait_seconds)
        except TimeoutError:
            raise StreamSlotsBusy(self.wait_seconds) from None
        finally:
            self.waiting -= 1
        self.in_use += 1
        return StreamGuard(self)

    def _release(self) -> None:
        self.in_use -= 1
        self._semaphore.release()


class StreamGuard:
    """Releases a slot and closes the body (returning its connection) exactly once."""

    def __init__(self, slots: StreamSlots):
        self._slots = slots
        self._released = False
        self.body: BodyStream | None = None

    async def release(self) -> None:
        if self._released:
            return
        self._released = True
        # Shielded: when the client hangs up, the response task is being cancelled, and an
        # unshielded await here would be cancelled too, leaving the body suspended with
        # its COPY still running and its connection lost to the pool.
        with anyio.CancelScope(shield=True):
            try:
                if self.body is not None:
                    await run_in_threadpool(self.body.close)
            finally:
                self._slots._release()


class _Stalled(Exception):
    """The client read nothing for the whole stall timeout."""


class GuardedStreamingResponse(StreamingResponse):
    """A StreamingResponse that frees its slot however the response ends (done, client
    gone, client stalled), and ends a stream whose client stops reading.

    A client that stops reading fills the socket's buffers; uvicorn's `send` then waits
    for them to drain. A send that makes no progress for `stall_seconds` ends the stream:
    its COPY is cancelled, its connection goes back to the pool and its slot frees.
    """

    def __init__(self, guard: StreamGuard, *, stall_seconds: float, client: str, **kwargs):
        super().__init__(guard.body, **kwargs)
        self.guard = guard
        self.stall_seconds = stall_seconds
        self.client = client

    async def stream_response(self, send) -> None:
        async def send_or_give_up(message) -> None:
            try:
                with anyio.fail_after(self.stall_seconds):
                    await send(message)
            except TimeoutError:
                raise _Stalled() from None

        await super().stream_response(send_or_give_up)

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except _Stalled:
            # Returning without completing the response makes uvicorn close the connection.
            log.warning(
                "ended a /data stream to %s: it read nothing for %g s (FONTE_STREAM_STALL_SECONDS); "
                "its query is cancelled and its slot is free",
                self.client,
                self.stall_seconds,
            )
        finally:
            await self.guard.release()


def get_stream_slots(request: Request) -> StreamSlots:
    return request.app.state.stream_slots


StreamSlotsDep = Annotated[StreamSlots, Depends(get_stream_slots)]

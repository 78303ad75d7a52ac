"""The /data response: frees its stream slot however it ends, and ends a stream whose client
stops reading or reads too slowly to be worth its slot."""

from __future__ import annotations

import logging
import time

import anyio
from starlette.responses import StreamingResponse

from .slots import StreamGuard

log = logging.getLogger("fonte_api")


class _CutOff(Exception):
    """The client stalled, or read slower than the minimum rate: why, for the log."""


class ReadRate:
    """How fast the client takes the bytes, judged per window of `window` seconds spent
    waiting for it (in `send`): the time the stream spends producing its rows is not the
    client's, so a slow query never counts against a fast client. A window below `minimum`
    bytes per second (0: no minimum) ends the stream: a client reading a trickle never
    stalls, yet would hold its slot (and a database connection) for hours."""

    def __init__(self, minimum: float, window: float):
        self.minimum, self.window = minimum, window
        self.taken, self.waited = 0, 0.0

    def took(self, size: int, waited: float) -> None:
        self.taken += size
        self.waited += waited
        if not self.minimum or self.waited < self.window:
            return
        rate = self.taken / self.waited
        if rate < self.minimum:
            raise _CutOff(
                f"it read {rate:,.0f} bytes/s over {self.waited:.0f} s, under FONTE_STREAM_MIN_BYTES_PER_SECOND "
                f"({self.minimum:,.0f})"
            )
        self.taken, self.waited = 0, 0.0


class GuardedStreamingResponse(StreamingResponse):
    """A StreamingResponse that frees its slot however the response ends (done, client
    gone, client stalled or too slow), and ends a stream whose client stops reading.

    A client that stops reading fills the socket's buffers; uvicorn's `send` then waits
    for them to drain. A send that makes no progress for `stall_seconds` ends the stream,
    and so does a window of `stall_seconds` spent waiting for a client that took less than
    `min_bytes_per_second` in it: its COPY is cancelled, its connection goes back to the pool and
    its slot frees.
    """

    def __init__(self, guard: StreamGuard, *, stall_seconds: float, min_bytes_per_second: float, client: str, **kwargs):
        super().__init__(guard.body, **kwargs)
        self.guard = guard
        self.stall_seconds = stall_seconds
        self.min_bytes_per_second = min_bytes_per_second
        self.client = client

    async def stream_response(self, send) -> None:
        rate = ReadRate(self.min_bytes_per_second, self.stall_seconds)

        async def send_or_give_up(message) -> None:
            started = time.monotonic()
            try:
                with anyio.fail_after(self.stall_seconds):
                    await send(message)
            except TimeoutError:
                raise _CutOff(f"it read nothing for {self.stall_seconds:g} s (FONTE_STREAM_STALL_SECONDS)") from None
            rate.took(len(message.get("body", b"")), time.monotonic() - started)

        await super().stream_response(send_or_give_up)

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except _CutOff as why:
            # Returning without completing the response makes uvicorn close the connection.
            log.warning("ended a /data stream to %s: %s; its query is cancelled and its slot is free", self.client, why)
        finally:
            await self.guard.release()

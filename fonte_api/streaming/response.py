"""The /data response: frees its stream slot however it ends, and ends a stalled stream."""

from __future__ import annotations

import logging

import anyio
from starlette.responses import StreamingResponse

from .slots import StreamGuard

log = logging.getLogger("fonte_api")


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

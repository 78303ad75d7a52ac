"""Stream slots: how many /data streams may hold a database connection at once."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import anyio
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from ..errors import StreamSlotsBusy

if TYPE_CHECKING:
    from .body import BodyStream


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


def get_stream_slots(request: Request) -> StreamSlots:
    return request.app.state.stream_slots


StreamSlotsDep = Annotated[StreamSlots, Depends(get_stream_slots)]

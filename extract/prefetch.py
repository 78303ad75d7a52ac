"""Fetch the next day's body while the current day is being loaded.

A day's load ends with work that needs no network (checks, delete, insert, commit);
a reader thread meanwhile requests the next day and fills a small bounded queue. The queue
holds at most PREFETCH_CHUNKS chunks, so memory stays bounded whatever the day's size:
a small day arrives whole in advance, a large one only its first megabyte or so.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from .client import FonteClient
from .days import DayWindow

PREFETCH_CHUNKS = 16  # x 64 kB
_END = object()


@dataclass
class DayStream:
    """One day's answer: the window asked for, the CSV header's fields, and the body so far."""

    window: DayWindow
    header: list[str]
    chunks: queue.Queue

    def body(self) -> Iterator[bytes]:
        while True:
            item = self.chunks.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


class Prefetcher:
    """Iterate over one DayStream per window, in order; at most one day is fetched ahead."""

    def __init__(self, client: FonteClient, windows: list[DayWindow], turbines: list[str], columns: list[str]):
        self.client = client
        self.windows = windows
        self.turbines = turbines
        self.columns = columns
        self.streams: queue.Queue = queue.Queue(maxsize=1)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="prefetch")

    def _put(self, q: queue.Queue, item) -> bool:
        while not self.stopping.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        for window in self.windows:
            chunks: queue.Queue = queue.Queue(maxsize=PREFETCH_CHUNKS)
            try:
                header, body = self.client.stream_csv(window.start, window.end, self.columns, self.turbines)
            except BaseException as exc:  # handed to the main thread, which reports it
                self._put(self.streams, exc)
                return
            if not self._put(self.streams, DayStream(window, header, chunks)):
                return
            try:
                for chunk in body:
                    if not self._put(chunks, chunk):
                        return
            except BaseException as exc:
                self._put(chunks, exc)
                return
            if not self._put(chunks, _END):
                return

    def __enter__(self) -> Prefetcher:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)

    def __iter__(self) -> Iterator[DayStream]:
        for _ in self.windows:
            item = self.streams.get()
            if isinstance(item, BaseException):
                raise item
            yield item

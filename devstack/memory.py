"""Peak memory of a process tree, sampled while something runs (the bench and the tests'
memory checks both use it)."""

from __future__ import annotations

import contextlib
import threading
import time

import psutil


class PeakRss:
    """Samples a process's RSS (with its children) every 10 ms in a background thread."""

    def __init__(self, pid: int):
        self.process = psutil.Process(pid)
        self.peak = 0
        self.baseline = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        total = 0
        try:
            total += self.process.memory_info().rss
            for child in self.process.children(recursive=True):
                with contextlib.suppress(psutil.Error):  # a child that ended meanwhile
                    total += child.memory_info().rss
        except psutil.Error:
            pass
        return total

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(0.01)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

"""Timing and peak-RSS helpers: a command's wall time, and the peak RSS of a process tree."""
from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass

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
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
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


@dataclass
class Run:
    seconds: float
    peak_rss: int
    output: str


def run(cmd: list[str], *, env: dict, cwd=None) -> Run:
    """Run a command to the end; its wall time and peak RSS. A failure stops the bench."""
    started = time.perf_counter()
    process = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with PeakRss(process.pid) as rss:
        output, _ = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{cmd} failed ({process.returncode}):\n{output[-3000:]}")
    return Run(seconds, rss.peak, output)

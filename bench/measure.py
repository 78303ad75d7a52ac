"""A command's wall time and peak RSS, for the bench."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from datetime import date

from devstack.memory import PeakRss


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


def dbt_vars(first: date, last: date) -> str:
    """The `--vars` of a dbt build of these days, as a user writes them."""
    return f"day: {first}" if first == last else f"{{start_day: {first}, end_day: {last}}}"

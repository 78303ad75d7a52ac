"""`python -m fonte_api live`: Fonte receiving its fleet's samples as time passes.

A simulated clock starts one sampling interval after Fonte's latest sample and runs at
`speed` times real time (10 by default: a 10-minute bucket closes every minute). Every
`tick` seconds the samples up to the clock are inserted, every turbine and tag Fonte holds,
from the same deterministic generator as the seeded history (the generator run over a
longer period: the same code and seed, continued).

Incidents (docs/pipeline.md, "Late, corrected and live data"), every simulated day, for
the turbines Fonte holds:
- a comms outage: T02's samples of 06:00-07:00 are held back and arrive at 09:00, two hours
  late;
- a correction: at 12:00, T03's 03:00-04:00 hour is sent again with its power 3 % lower.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
import psycopg
from psycopg import sql

from .fleet import generate_fleet_blocks
from .seeding import fonte_tags
from .settings import GeneratorSettings

LIVE_DAYS = 366  # how far past the seeded history the generator runs
OUTAGE = ("T02", timedelta(hours=6), timedelta(hours=7), timedelta(hours=9))  # turbine, from, to, arrives at
CORRECTION = ("T03", timedelta(hours=3), timedelta(hours=4), timedelta(hours=12), 0.97)  # ..., sent at, power x


@dataclass
class Feed:
    """What one tick inserted."""

    clock: datetime
    rows: int
    late_rows: int
    corrected_rows: int


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _rows(settings: GeneratorSettings, tags: list[str], after: datetime) -> Iterator[tuple[datetime, str, list[float]]]:
    """(timestamp, turbine, values in `tags` order) of every sample after `after`, in time order."""
    for block in generate_fleet_blocks(settings):
        times = [settings.start + timedelta(seconds=float(o)) for o in block.offsets]
        if times[-1] <= after:
            continue
        columns = {t: np.column_stack([values[name] for name in tags]).tolist() for t, values in block.tags.items()}
        for i, moment in enumerate(times):
            if moment > after:
                for turbine, rows in columns.items():
                    yield moment, turbine, rows[i]


class Feeder:
    def __init__(self, owner_url: str, settings: GeneratorSettings, *, speed: float, incidents: bool = True):
        self.owner_url = owner_url
        self.speed = speed
        self.incidents = incidents
        with psycopg.connect(owner_url) as conn:
            self.tags = fonte_tags(conn)
            self.turbines = [row[0] for row in conn.execute("select id from turbine order by id")]
            (latest,) = conn.execute("select max(timestamp) from data").fetchone()
        step = timedelta(seconds=settings.freq_seconds)
        self.start = latest + step
        generator = replace(
            settings, days=settings.days + LIVE_DAYS, turbines=len(self.turbines), tags=len(self.tags), faults=False
        )
        self.pending = _rows(generator, self.tags, latest)
        self.next_row = next(self.pending, None)
        self.held: list[tuple[datetime, str, list[float]]] = []  # the outage's rows, until they arrive
        self.corrected_days: set = set()
        self.began = time.monotonic()

    def clock(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self.began) * self.speed)

    def _held_back(self, moment: datetime, turbine: str) -> bool:
        if not self.incidents or turbine != OUTAGE[0]:
            return False
        since_midnight = moment - _midnight(moment)
        return OUTAGE[1] <= since_midnight < OUTAGE[2]

    def tick(self, until: datetime | None = None) -> Feed:
        """Insert every sample up to the clock, or up to `until` if the clock is past it (and any
        incident that is due); one transaction."""
        now = self.clock() if until is None else min(self.clock(), until)
        batch = []
        while self.next_row is not None and self.next_row[0] <= now:
            moment, turbine, _ = self.next_row
            (self.held if self._held_back(moment, turbine) else batch).append(self.next_row)
            self.next_row = next(self.pending, None)
        due = [_midnight(row[0]) + OUTAGE[3] <= now for row in self.held]
        late = [row for row, is_due in zip(self.held, due, strict=True) if is_due]
        self.held = [row for row, is_due in zip(self.held, due, strict=True) if not is_due]
        with psycopg.connect(self.owner_url) as conn:
            self._insert(conn, batch + late)
            corrected = self._correct(conn, now) if self.incidents else 0
        return Feed(now, len(batch), len(late), corrected)

    def _insert(self, conn: psycopg.Connection, rows: list[tuple[datetime, str, list[float]]]) -> None:
        if not rows:
            return
        columns = sql.SQL(", ").join(map(sql.Identifier, ["turbine_id", "timestamp", *self.tags]))
        with conn.cursor().copy(sql.SQL("copy data ({}) from stdin").format(columns)) as copy:
            for moment, turbine, values in rows:
                copy.write_row([turbine, moment, *values])

    def _correct(self, conn: psycopg.Connection, now: datetime) -> int:
        turbine, first, last, sent_at, factor = CORRECTION
        day = _midnight(now)
        due = now >= day + sent_at and day not in self.corrected_days
        if not due or turbine not in self.turbines or "power" not in self.tags:
            return 0
        self.corrected_days.add(day)
        return conn.execute(
            "update data set power = power * %s where turbine_id = %s and timestamp >= %s and timestamp < %s",
            (factor, turbine, day + first, day + last),
        ).rowcount

    def run(self, tick_seconds: float, until: datetime | None = None, on_feed=None) -> None:
        """Tick every `tick_seconds` real seconds; with `until`, stop once every sample up to it
        is inserted, and none after it. The last tick is the one whose clock reached `until`:
        a tick or a sleep can take the clock past it, and stopping then would lose the samples
        since the tick before."""
        while True:
            feed = self.tick(until)
            if on_feed:
                on_feed(feed)
            if until is not None and feed.clock >= until:
                return
            time.sleep(tick_seconds)

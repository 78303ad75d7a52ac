"""Which staged slices changed in Fonte since they were staged, and staging them again:
`python -m extract --changed` and the Dagster sensor share this.

Alvo records, per staged (turbine, day), Fonte's /changes cursor taken before the day was
read (raw.fonte_slices). A slice changed when /changes reports rows of it that arrived after
that cursor: late rows, corrections, or today's new samples. Days after the last staged day
(new days at the front, as live data brings them) are followed too; older days that were
never staged are a backfill's business, not a follower's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import psycopg

from pipeline_settings import CONNECT_TIMEOUT_SECONDS, AlvoSettings

from .client import ChangedSlice, FonteClient
from .errors import ExtractError, first_line
from .names import SCHEMA, SLICES_TABLE


@dataclass(frozen=True)
class Staged:
    """What Alvo's staging holds: each staged (turbine, day)'s cursor, and the last staged day."""

    cursors: dict[tuple[str, date], datetime | None]
    last_day: date | None

    @property
    def oldest_cursor(self) -> datetime | None:
        known = [c for c in self.cursors.values() if c is not None]
        return min(known) if known else None

    def changed(self, piece: ChangedSlice) -> bool:
        key = (piece.turbine, piece.day)
        if key in self.cursors:
            cursor = self.cursors[key]
            return cursor is None or piece.last_arrival > cursor
        return self.last_day is not None and piece.day > self.last_day


def read_staged(alvo: AlvoSettings) -> Staged:
    try:
        with psycopg.connect(**alvo.connect_kwargs(), connect_timeout=CONNECT_TIMEOUT_SECONDS) as conn:
            if not conn.execute("select to_regclass(%s) is not null", (f"{SCHEMA}.{SLICES_TABLE}",)).fetchone()[0]:
                return Staged({}, None)
            rows = conn.execute(f"select turbine, day, cursor from {SCHEMA}.{SLICES_TABLE}").fetchall()
    except psycopg.Error as exc:
        raise ExtractError(f"cannot read what Alvo staged ({alvo.describe()}): {first_line(exc)}") from exc
    return Staged({(t, d): c for t, d, c in rows}, max((d for _, d, _ in rows), default=None))


@dataclass(frozen=True)
class ChangedDays:
    cursor: datetime  # /changes' cursor: ask from it next time
    days: dict[date, list[str]]  # day -> the turbines whose slice changed, in order
    last_arrival: dict[date, datetime]  # day -> the latest arrival among them (a run key's part)


def changed_days(client: FonteClient, staged: Staged, since: datetime | None) -> ChangedDays:
    """The staged slices (and new days) that changed since `since` (default: the oldest
    staged cursor), grouped by day."""
    since = since or staged.oldest_cursor
    if since is None:
        raise ExtractError("nothing staged with a cursor yet: stage some days first (python -m extract DAY)")
    changes = client.changes(since)
    if changes is None:
        raise ExtractError("the Fonte API has no /changes route: it predates change tracking")
    days: dict[date, list[str]] = defaultdict(list)
    last: dict[date, datetime] = {}
    for piece in changes.slices:
        if staged.changed(piece):
            days[piece.day].append(piece.turbine)
            last[piece.day] = max(last.get(piece.day, piece.last_arrival), piece.last_arrival)
    return ChangedDays(changes.cursor, {d: sorted(days[d]) for d in sorted(days)}, last)

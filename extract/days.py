"""UTC days and their windows: what "a day" means to the extractor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta


@dataclass(frozen=True)
class DayWindow:
    """A UTC day and its half-open window [start, end)."""

    day: date
    start: datetime
    end: datetime


def utc_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def day_windows(first_day: date, last_day: date) -> list[DayWindow]:
    """Every day from first_day to last_day, both included."""
    if last_day < first_day:
        raise ValueError(f"{last_day} is before {first_day}")
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    return [DayWindow(d, utc_midnight(d), utc_midnight(d + timedelta(days=1))) for d in days]

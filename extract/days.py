"""UTC days and their windows: what "a day" means to the extractor."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

DAY_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # YYYY-MM-DD


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


def parse_day(value: str) -> date:
    """A `YYYY-MM-DD` day; ValueError with a readable message otherwise."""
    try:
        if DAY_PATTERN.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError(f"{value!r} is not a day like 2024-05-23 (YYYY-MM-DD)")

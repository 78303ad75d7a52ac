"""Every setting of the connector, read from the environment in one place.

The defaults serve the embedded stack, docker compose and the tests alike (docs/contracts.md
lists them); the tests override them by environment to run on free ports. The connector
ships alone in its Docker image, so it reads only its own variables, here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from psycopg.conninfo import conninfo_to_dict, make_conninfo

DEFAULT_FONTE_DB_URL = "postgresql://fonte:fonte@127.0.0.1:5432/fonte"
DEFAULT_START = "2024-05-20T00:00:00+00:00"
DEFAULT_DAYS = 10
DEFAULT_FREQ_SECONDS = 60
DEFAULT_SEED = 42


def parse_utc(text: str) -> datetime:
    """ISO 8601 to an aware datetime; naive input is read as UTC (docs/contracts.md)."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def owner_url_for(reader_url: str) -> str:
    """The owner's URL: same server and database as the reader's, user/password fonte_owner.

    The API reads through FONTE_DB_URL, a role that can only SELECT; writing (seeding)
    needs the table's owner, so by default it is derived from the reader's URL.
    """
    params = conninfo_to_dict(reader_url)
    params.update(user="fonte_owner", password="fonte_owner")
    return make_conninfo("", **params)


@dataclass(frozen=True)
class GeneratorSettings:
    start: datetime = field(default_factory=lambda: parse_utc(DEFAULT_START))
    days: float = DEFAULT_DAYS
    freq_seconds: int = DEFAULT_FREQ_SECONDS
    seed: int = DEFAULT_SEED

    @property
    def rows(self) -> int:
        return int(timedelta(days=self.days).total_seconds()) // self.freq_seconds


DEFAULT_STALL_SECONDS = 30.0
DEFAULT_SLOT_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class Settings:
    db_url: str
    owner_db_url: str
    seed_on_startup: bool
    generator: GeneratorSettings
    # Every route but /health requires `Authorization: Bearer <token>` when set.
    api_token: str | None = None
    # A /data stream whose client reads nothing for this long is ended.
    stream_stall_seconds: float = DEFAULT_STALL_SECONDS
    # How long a /data request waits for a stream slot before a 503.
    slot_wait_seconds: float = DEFAULT_SLOT_WAIT_SECONDS


def _positive_seconds(name: str, default: float) -> float:
    value = float(os.environ.get(name) or default)
    if value <= 0:
        raise ValueError(f"{name} must be a positive number of seconds, not {value:g}")
    return value


def load_settings() -> Settings:
    db_url = os.environ.get("FONTE_DB_URL", DEFAULT_FONTE_DB_URL)
    return Settings(
        db_url=db_url,
        owner_db_url=os.environ.get("FONTE_OWNER_DB_URL") or owner_url_for(db_url),
        seed_on_startup=os.environ.get("FONTE_SEED_ON_STARTUP", "1") not in ("0", "false", "no"),
        generator=GeneratorSettings(
            start=parse_utc(os.environ.get("FONTE_GEN_START", DEFAULT_START)),
            days=float(os.environ.get("FONTE_GEN_DAYS", DEFAULT_DAYS)),
            freq_seconds=int(os.environ.get("FONTE_GEN_FREQ_SECONDS", DEFAULT_FREQ_SECONDS)),
            seed=int(os.environ.get("FONTE_GEN_SEED", DEFAULT_SEED)),
        ),
        api_token=os.environ.get("FONTE_API_TOKEN") or None,
        stream_stall_seconds=_positive_seconds("FONTE_STREAM_STALL_SECONDS", DEFAULT_STALL_SECONDS),
        slot_wait_seconds=_positive_seconds("FONTE_STREAM_SLOT_WAIT_SECONDS", DEFAULT_SLOT_WAIT_SECONDS),
    )

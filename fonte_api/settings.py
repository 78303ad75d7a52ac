"""Every setting of the connector: one typed object, read from the environment once.

Each field is the variable FONTE_<FIELD> (FONTE_DB_URL, FONTE_GEN_DAYS, ...); an unset or
empty variable takes the default written here, the one place it is written (docs/api.md
lists them). The defaults serve the embedded stack, docker compose and the tests alike; the
tests override them by environment to run on free ports. The connector ships alone in its
Docker image, so it reads only its own variables, here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pydantic import (
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from .catalog import CATALOG, CORE_TAGS, ORIGINAL_VARIABLES

ENV_PREFIX = "FONTE_"


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
    """What the deterministic generator makes: the defaults are Settings' gen_* fields."""

    start: datetime = field(default_factory=lambda: Settings.default("gen_start"))
    days: float = field(default_factory=lambda: Settings.default("gen_days"))
    freq_seconds: int = field(default_factory=lambda: Settings.default("gen_freq_seconds"))
    seed: int = field(default_factory=lambda: Settings.default("gen_seed"))
    turbines: int = field(default_factory=lambda: Settings.default("gen_turbines"))
    tags: int = field(default_factory=lambda: Settings.default("gen_tags"))
    faults: bool = field(default_factory=lambda: Settings.default("gen_faults"))

    @property
    def rows(self) -> int:
        return int(timedelta(days=self.days).total_seconds()) // self.freq_seconds


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True, extra="ignore")

    # Fonte as the API's read-only role, and as the table's owner (for seeding; by default
    # the reader's server and database as fonte_owner).
    db_url: str = "postgresql://fonte:fonte@127.0.0.1:5432/fonte"
    owner_db_url: str = ""
    seed_on_startup: bool = True
    # The generated data: first sample, days, sampling interval, random seed, turbines.
    gen_start: datetime = parse_utc("2024-05-20T00:00:00+00:00")
    gen_days: PositiveFloat = 10
    gen_freq_seconds: PositiveInt = 60
    gen_seed: int = 42
    gen_turbines: PositiveInt = 4
    # How many of the catalog's tags each turbine has: its first N (fonte_api/catalog.py); at
    # least the single-turbine API's three, at most the whole catalog.
    gen_tags: int = Field(default=CORE_TAGS, ge=len(ORIGINAL_VARIABLES), le=len(CATALOG))
    # The documented faults on T02-T04 (fonte_api/faults.py; docs/pipeline.md, "Data quality").
    gen_faults: bool = True
    # Every route but /health requires `Authorization: Bearer <token>` when set.
    api_token: str | None = None
    # A /data stream whose client reads nothing for this long is ended.
    stream_stall_seconds: PositiveFloat = 30.0
    # A /data stream whose client takes less than this many bytes per second, over a window
    # of stream_stall_seconds, is ended too (0: no minimum). 32 KiB/s is a 256 kbit/s link.
    stream_min_bytes_per_second: NonNegativeFloat = 32 * 1024
    # How long a /data request waits for a stream slot before a 503.
    stream_slot_wait_seconds: PositiveFloat = 5.0

    @field_validator("gen_start", mode="before")
    @classmethod
    def _utc(cls, value: Any) -> Any:
        return parse_utc(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _derive_owner(self) -> Settings:
        if not self.owner_db_url:
            object.__setattr__(self, "owner_db_url", owner_url_for(self.db_url))
        return self

    @classmethod
    def default(cls, name: str) -> Any:
        return cls.model_fields[name].default

    @classmethod
    def variable(cls, name: str) -> str:
        return ENV_PREFIX + name.upper()

    @property
    def generator(self) -> GeneratorSettings:
        return GeneratorSettings(
            self.gen_start,
            self.gen_days,
            self.gen_freq_seconds,
            self.gen_seed,
            self.gen_turbines,
            self.gen_tags,
            self.gen_faults,
        )

    @property
    def slot_wait_seconds(self) -> float:
        return self.stream_slot_wait_seconds


def load_settings(**overrides: Any) -> Settings:
    """The environment's settings (overrides win), or a ValueError naming each bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [
            f"{Settings.variable(str(error['loc'][0]))}: {error['msg'].lower()}, not {error['input']!r}"
            for error in exc.errors()
        ]
        raise ValueError("; ".join(problems)) from None

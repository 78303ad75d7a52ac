"""The pipeline's settings: one typed object, read from the environment once.

Every field is the environment variable of the same name in upper case (`alvo_host` is
ALVO_HOST, `fonte_api_url` is FONTE_API_URL); an unset or empty variable takes the default
written here, the one place it is written. The extractor, the report, the Dagster code
location, the demo, devstack and the tests read it. dbt cannot import Python:
`dbt_project/profiles.yml` repeats the Alvo defaults in its `env_var()` calls, and a test
checks that they match the ones here.

The connector itself (`fonte_api/`) keeps its own settings object: it ships alone in its
Docker image and reads only Fonte's variables.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from psycopg.conninfo import make_conninfo
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent
# This interpreter's scripts folder (the venv's, or the image's): `dbt` is run from there,
# since `dagster` or the tests may run without the venv activated.
PYTHON_BIN = Path(sys.executable).parent
# libpq's connect_timeout for Alvo (dbt_project/profiles.yml has the same; a test compares).
CONNECT_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class AlvoSettings:
    """How to reach Alvo as one role: the pipeline's (owner of staging and the marts) or the
    read-only one. Built from PipelineSettings; the defaults are the pipeline role's."""

    host: str = "127.0.0.1"
    port: int = 5433
    user: str = "alvo"
    password: str = "alvo"
    dbname: str = "alvo"

    def connect_kwargs(self) -> dict:
        """Keyword arguments for `psycopg.connect`."""
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": self.dbname,
        }

    def conninfo(self) -> str:
        """A libpq connection string (for psql and other tools that take one)."""
        return make_conninfo("", **self.connect_kwargs())

    def describe(self) -> str:
        """Where, for messages: never the password."""
        return f"{self.host}:{self.port}/{self.dbname} as {self.user}"

    def as_env(self) -> dict[str, str]:
        """The variables that make every tool (and dbt's profiles.yml) use these settings."""
        return {PipelineSettings.variable(f"alvo_{ALVO_FIELDS[key]}"): str(value) for key, value in vars(self).items()}


# AlvoSettings' fields and their PipelineSettings names (`alvo_<name>`: ALVO_DB for dbname).
ALVO_FIELDS = {field.name: "db" if field.name == "dbname" else field.name for field in fields(AlvoSettings)}


@dataclass(frozen=True)
class ApiSettings:
    """How to reach the Fonte API, and the token it may require."""

    url: str = "http://127.0.0.1:8000"
    token: str | None = None


class PipelineSettings(BaseSettings):
    model_config = SettingsConfigDict(env_ignore_empty=True, frozen=True, extra="ignore")

    # Alvo, as the pipeline's role and as the read-only role of the marts' readers.
    alvo_host: str = AlvoSettings.host
    alvo_port: int = AlvoSettings.port
    alvo_user: str = AlvoSettings.user
    alvo_password: str = AlvoSettings.password
    alvo_db: str = AlvoSettings.dbname
    alvo_reader_user: str = "alvo_reader"
    alvo_reader_password: str = "alvo_reader"
    # The Fonte API and the bearer token it may require.
    fonte_api_url: str = ApiSettings.url
    fonte_api_token: str | None = None
    # Where the report's files go; a relative path is read from the repository, whoever
    # writes (CLI, demo, Dagster).
    reports_dir: Path = Path("reports")
    # The first daily partition: the first day of Fonte's history (the default stack's data
    # starts on 2024-05-20; a test keeps the two equal).
    windpipe_first_day: date = date(2024, 5, 20)
    # The turbine's reference power curve (CSV: wind_speed,power in m/s and kW) the report draws.
    reference_power_curve: Path = REPO_ROOT / "report" / "reference_power_curve.csv"
    # Dagster's sensor of Fonte's changes: running from the start (make live) or not, and how
    # often it ticks (docs/orchestration.md, "Following changes").
    follow_changes: bool = False
    follow_changes_seconds: int = Field(default=15, ge=1)
    # Dagster's quality checks warn for a turbine-day below these (docs/pipeline.md, "Data quality").
    quality_min_coverage: float = Field(default=0.99, ge=0, le=1)
    quality_min_availability: float = Field(default=0.95, ge=0, le=1)

    @classmethod
    def variable(cls, name: str) -> str:
        """The environment variable of a field."""
        return name.upper()

    @classmethod
    def default(cls, name: str) -> Any:
        return cls.model_fields[name].default

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> PipelineSettings:
        """From the process's environment, or only from `environ` when given (a private
        stack's variables); a bad value is a ValueError naming its variable."""
        try:
            return cls() if environ is None else from_mapping(cls, environ)
        except ValidationError as exc:
            problems = [
                f"{cls.variable(str(error['loc'][0]))}: {error['msg'].lower()}, not {error['input']!r}"
                for error in exc.errors()
            ]
            raise ValueError("; ".join(problems)) from None

    def alvo(self) -> AlvoSettings:
        return AlvoSettings(**{key: getattr(self, f"alvo_{name}") for key, name in ALVO_FIELDS.items()})

    def alvo_reader(self) -> AlvoSettings:
        return replace(self.alvo(), user=self.alvo_reader_user, password=self.alvo_reader_password)

    def api(self) -> ApiSettings:
        return ApiSettings(url=self.fonte_api_url, token=self.fonte_api_token or None)

    def reports_folder(self) -> Path:
        folder = self.reports_dir
        return folder if folder.is_absolute() else REPO_ROOT / folder


S = TypeVar("S", bound=BaseSettings)


def from_mapping(settings_class: type[S], environ: Mapping[str, str]) -> S:
    """Settings from the variables of `environ` only, not the process's environment (a private
    stack's variables): the same validation and defaults. Fields are named as their variables."""
    given = {name: environ[name.upper()] for name in settings_class.model_fields if environ.get(name.upper())}
    validated = _mapping_only(settings_class)(**given)
    return settings_class.model_construct(**validated.model_dump())


@cache
def _mapping_only(settings_class: type[S]) -> type[S]:
    class MappingOnly(settings_class):
        @classmethod
        def settings_customise_sources(cls, settings_cls, init_settings, **other_sources):
            return (init_settings,)

    return MappingOnly


DEFAULT_ALVO = AlvoSettings()
DEFAULT_READER = replace(
    DEFAULT_ALVO,
    user=PipelineSettings.default("alvo_reader_user"),
    password=PipelineSettings.default("alvo_reader_password"),
)

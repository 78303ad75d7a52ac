"""Where the pipeline's tools find Alvo and the Fonte API: one place for every default.

The extractor, devstack, the demo, the report, the tests and the Dagster code location all
read these settings, so an environment variable means the same thing to each of them and a
default is written once. dbt cannot import Python: `dbt_project/profiles.yml` repeats the
Alvo defaults in its `env_var()` calls, and a test checks that they match the ones here.

The connector itself (`fonte_api/`) keeps its own settings module: it ships alone in its
Docker image and reads only Fonte's variables.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from psycopg.conninfo import make_conninfo

DEFAULT_API_URL = "http://127.0.0.1:8000"
API_URL_VARIABLE = "FONTE_API_URL"
API_TOKEN_VARIABLE = "FONTE_API_TOKEN"

# Alvo's connection fields and the variable each one is read from.
ALVO_VARIABLES = {
    "host": "ALVO_HOST",
    "port": "ALVO_PORT",
    "user": "ALVO_USER",
    "password": "ALVO_PASSWORD",
    "dbname": "ALVO_DB",
}
ALVO_READER_VARIABLES = {"user": "ALVO_READER_USER", "password": "ALVO_READER_PASSWORD"}


@dataclass(frozen=True)
class AlvoSettings:
    """How to reach Alvo: the pipeline's role, which owns staging and the marts."""

    host: str = "127.0.0.1"
    port: int = 5433
    user: str = "alvo"
    password: str = "alvo"
    dbname: str = "alvo"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AlvoSettings:
        env = os.environ if environ is None else environ
        defaults = cls()
        values = {field: env.get(variable) or getattr(defaults, field) for field, variable in ALVO_VARIABLES.items()}
        values["port"] = int(values["port"])
        return cls(**values)

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
        return {variable: str(getattr(self, field)) for field, variable in ALVO_VARIABLES.items()}

    def as_reader(self, environ: Mapping[str, str] | None = None) -> AlvoSettings:
        """The same server as Alvo's read-only role (SELECT on `signal` and `data` only)."""
        env = os.environ if environ is None else environ
        return AlvoSettings(
            host=self.host,
            port=self.port,
            dbname=self.dbname,
            user=env.get(ALVO_READER_VARIABLES["user"]) or DEFAULT_READER.user,
            password=env.get(ALVO_READER_VARIABLES["password"]) or DEFAULT_READER.password,
        )


DEFAULT_ALVO = AlvoSettings()
DEFAULT_READER = AlvoSettings(user="alvo_reader", password="alvo_reader")


@dataclass(frozen=True)
class ApiSettings:
    """How to reach the Fonte API, and the token it may require."""

    url: str = DEFAULT_API_URL
    token: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ApiSettings:
        env = os.environ if environ is None else environ
        return cls(url=env.get(API_URL_VARIABLE) or DEFAULT_API_URL, token=env.get(API_TOKEN_VARIABLE) or None)


REPORTS_DIR_VARIABLE = "REPORTS_DIR"
REPO_ROOT = Path(__file__).resolve().parent
# This interpreter's scripts folder (the venv's, or the image's): `dbt` is run from there,
# since `dagster` or the tests may run without the venv activated.
PYTHON_BIN = Path(sys.executable).parent

# The first daily partition: the first day of Fonte's history (the default stack's data
# starts on 2024-05-20; a test keeps the two equal).
FIRST_DAY_VARIABLE = "WINDPIPE_FIRST_DAY"
DEFAULT_FIRST_DAY = "2024-05-20"

# The turbine's reference power curve (CSV: wind_speed,power in m/s and kW) the report draws.
POWER_CURVE_VARIABLE = "REFERENCE_POWER_CURVE"
DEFAULT_POWER_CURVE = REPO_ROOT / "report" / "reference_power_curve.csv"


def first_day(environ: Mapping[str, str] | None = None) -> date:
    env = os.environ if environ is None else environ
    text = env.get(FIRST_DAY_VARIABLE) or DEFAULT_FIRST_DAY
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{FIRST_DAY_VARIABLE} must be a day like 2024-05-20, not {text!r}") from None


def power_curve_file(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get(POWER_CURVE_VARIABLE) or DEFAULT_POWER_CURVE)


def reports_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the report's files go: REPORTS_DIR, by default reports/ in the repository;
    a relative path is read from the repository, whoever writes (CLI, demo, Dagster)."""
    env = os.environ if environ is None else environ
    folder = Path(env.get(REPORTS_DIR_VARIABLE) or "reports")
    return folder if folder.is_absolute() else REPO_ROOT / folder

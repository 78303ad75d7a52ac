"""The development tools' own settings (the local stack's folder, `make dagster`'s port and
state): one typed object, each field the environment variable of its name in upper case.
Where the stack's servers listen comes from the deployables' settings (FONTE_DB_URL,
ALVO_*, FONTE_API_URL), read by devstack/config.py."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline_settings import REPO_ROOT, from_mapping


class DevSettings(BaseSettings):
    model_config = SettingsConfigDict(env_ignore_empty=True, frozen=True, extra="ignore")

    # Everything of the local stack: data directories, logs, PID files (relative: from the
    # repository).
    devstack_dir: Path = Path(".devstack")
    # `make dagster`: the UI's port, and its instance's folder (default: dagster/ in the
    # stack's folder).
    dagster_port: int = 3000
    dagster_home: Path | None = None

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> DevSettings:
        return cls() if environ is None else from_mapping(cls, environ)

    @classmethod
    def variable(cls, name: str) -> str:
        return name.upper()

    def stack_home(self) -> Path:
        return (REPO_ROOT / self.devstack_dir).resolve()

"""Where the local stack runs, from the same environment variables as everything else."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from psycopg.conninfo import conninfo_to_dict

from fonte_api.settings import Settings as FonteSettings
from fonte_api.settings import owner_url_for
from pipeline_settings import (
    DEFAULT_ALVO,
    PYTHON_BIN,
    REPO_ROOT,  # noqa: F401  (re-exported: the dev tools import it from here)
    AlvoSettings,
    ApiSettings,
    PipelineSettings,
)

from .pgcluster import Cluster, Role
from .ports import reserve_port
from .settings import DevSettings

VENV_BIN = PYTHON_BIN


@dataclass(frozen=True)
class StackConfig:
    home: Path
    fonte: Cluster
    fonte_db: str
    fonte_url: str  # the API's read-only role
    fonte_owner_url: str
    fonte_owner: Role
    fonte_reader: Role
    alvo: Cluster
    alvo_settings: AlvoSettings
    alvo_reader: Role
    api: ApiSettings

    @property
    def alvo_user(self) -> Role:
        return Role(self.alvo_settings.user, self.alvo_settings.password)

    @property
    def api_url(self) -> str:
        return self.api.url.rstrip("/")

    @property
    def api_host(self) -> str:
        return urlsplit(self.api.url).hostname or "127.0.0.1"

    @property
    def api_port(self) -> int:
        return urlsplit(self.api.url).port or 80

    @property
    def env(self) -> dict[str, str]:
        """The variables that point every tool (extractor, dbt, API, report) at this stack."""
        pipeline = PipelineSettings.variable
        return {
            FonteSettings.variable("db_url"): self.fonte_url,
            FonteSettings.variable("owner_db_url"): self.fonte_owner_url,
            pipeline("fonte_api_url"): self.api.url,
            **self.alvo_settings.as_env(),
            pipeline("alvo_reader_user"): self.alvo_reader.name,
            pipeline("alvo_reader_password"): self.alvo_reader.password,
            # Always set, empty when there is none: a token left in the caller's environment
            # must not leak into a stack (a test session's) that was configured without one.
            # The connector and the pipeline read the same variable.
            pipeline("fonte_api_token"): self.api.token or "",
        }

    def process_env(self, **extra: str) -> dict[str, str]:
        """The environment for the stack's processes and the pipeline's commands: this
        process's, the stack's variables, and this venv's bin first on PATH (for `dbt`)."""
        path = f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
        return {**os.environ, **self.env, "PATH": path, **extra}

    @property
    def api_pidfile(self) -> Path:
        return self.home / "api.pid"

    @property
    def api_logfile(self) -> Path:
        return self.home / "api.log"


def load_config(environ: Mapping[str, str] | None = None) -> StackConfig:
    env = dict(os.environ if environ is None else environ)
    home = DevSettings.load(env).stack_home()
    reader_url = env.get(FonteSettings.variable("db_url")) or FonteSettings.default("db_url")
    owner_url = env.get(FonteSettings.variable("owner_db_url")) or owner_url_for(reader_url)
    reader, owner = conninfo_to_dict(reader_url), conninfo_to_dict(owner_url)
    pipeline = PipelineSettings.load(env)
    alvo, alvo_reader = pipeline.alvo(), pipeline.alvo_reader()
    return StackConfig(
        home=home,
        fonte=Cluster("fonte", home / "fonte-pg", int(reader.get("port", 5432)), reader.get("host", "127.0.0.1")),
        fonte_db=reader.get("dbname", "fonte"),
        fonte_url=reader_url,
        fonte_owner_url=owner_url,
        fonte_owner=Role(owner["user"], owner.get("password", "")),
        fonte_reader=Role(reader["user"], reader.get("password", "")),
        alvo=Cluster("alvo", home / "alvo-pg", alvo.port, alvo.host),
        alvo_settings=alvo,
        alvo_reader=Role(alvo_reader.user, alvo_reader.password),
        api=pipeline.api(),
    )


def private_stack_environment(home: Path) -> dict[str, str]:
    """Variables for a stack of its own (tests, bench): reserved free ports, files under
    `home`, so that the stack of `make up` is never disturbed."""
    fonte, alvo, api = reserve_port(), reserve_port(), reserve_port()
    return {
        DevSettings.variable("devstack_dir"): str(home),
        FonteSettings.variable("db_url"): FonteSettings.default("db_url").replace(":5432/", f":{fonte}/"),
        PipelineSettings.variable("fonte_api_url"): f"http://127.0.0.1:{api}",
        **replace(DEFAULT_ALVO, port=alvo).as_env(),
    }

"""Where the local stack runs, from the same environment variables as everything else."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from psycopg.conninfo import conninfo_to_dict

from fonte_api.settings import DEFAULT_FONTE_DB_URL, owner_url_for
from pipeline_settings import API_URL_VARIABLE, DEFAULT_ALVO, PYTHON_BIN, REPO_ROOT, AlvoSettings, ApiSettings

from .pgcluster import Cluster, Role
from .ports import reserve_port

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
        variables = {
            "FONTE_DB_URL": self.fonte_url,
            "FONTE_OWNER_DB_URL": self.fonte_owner_url,
            API_URL_VARIABLE: self.api.url,
            **self.alvo_settings.as_env(),
            "ALVO_READER_USER": self.alvo_reader.name,
            "ALVO_READER_PASSWORD": self.alvo_reader.password,
        }
        # Always set, empty when there is none: a token left in the caller's environment
        # must not leak into a stack (a test session's) that was configured without one.
        variables["FONTE_API_TOKEN"] = self.api.token or ""
        return variables

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
    home = Path(env.get("DEVSTACK_DIR") or REPO_ROOT / ".devstack").resolve()
    reader_url = env.get("FONTE_DB_URL", DEFAULT_FONTE_DB_URL)
    owner_url = env.get("FONTE_OWNER_DB_URL") or owner_url_for(reader_url)
    reader, owner = conninfo_to_dict(reader_url), conninfo_to_dict(owner_url)
    alvo = AlvoSettings.from_env(env)
    alvo_reader = alvo.as_reader(env)
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
        api=ApiSettings.from_env(env),
    )


def private_stack_environment(home: Path) -> dict[str, str]:
    """Variables for a stack of its own (tests, bench): reserved free ports, files under
    `home`, so that the stack of `make up` is never disturbed."""
    fonte, alvo, api = reserve_port(), reserve_port(), reserve_port()
    return {
        "DEVSTACK_DIR": str(home),
        "FONTE_DB_URL": f"postgresql://fonte:fonte@127.0.0.1:{fonte}/fonte",
        API_URL_VARIABLE: f"http://127.0.0.1:{api}",
        **replace(DEFAULT_ALVO, port=alvo).as_env(),
    }

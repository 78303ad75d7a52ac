"""Where the local stack runs, from the same environment variables as everything else."""
from __future__ import annotations

import os
import socket
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from psycopg.conninfo import conninfo_to_dict

from fonte_api.settings import DEFAULT_FONTE_DB_URL, owner_url_for

from .pgcluster import Cluster, Role

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_API_URL = "http://127.0.0.1:8000"
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class StackConfig:
    home: Path
    fonte: Cluster
    fonte_db: str
    fonte_owner: Role
    fonte_reader: Role
    alvo: Cluster
    alvo_db: str
    alvo_user: Role
    api_port: int
    env: dict  # the variables the stack's processes (and its users) read

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def process_env(self, **extra: str) -> dict[str, str]:
        """The environment for the pipeline's commands: the stack's variables, and this
        venv's bin first on PATH (for `dbt`)."""
        path = f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
        return {**os.environ, **self.env, "PATH": path, **extra}

    @property
    def api_pidfile(self) -> Path:
        return self.home / "api.pid"

    @property
    def api_logfile(self) -> Path:
        return self.home / "api.log"


def load_config(environ: dict | None = None) -> StackConfig:
    env = dict(os.environ if environ is None else environ)
    home = Path(env.get("DEVSTACK_DIR") or REPO_ROOT / ".devstack").resolve()
    reader_url = env.get("FONTE_DB_URL", DEFAULT_FONTE_DB_URL)
    owner_url = env.get("FONTE_OWNER_DB_URL") or owner_url_for(reader_url)
    reader, owner = conninfo_to_dict(reader_url), conninfo_to_dict(owner_url)
    api_url = env.get("FONTE_API_URL", DEFAULT_API_URL)
    api_port = urlsplit(api_url).port or 80
    alvo_port = int(env.get("ALVO_PORT", "5433"))
    stack_env = {
        "FONTE_DB_URL": reader_url,
        "FONTE_OWNER_DB_URL": owner_url,
        "FONTE_API_URL": api_url,
        "ALVO_HOST": env.get("ALVO_HOST", "127.0.0.1"),
        "ALVO_PORT": str(alvo_port),
        "ALVO_USER": env.get("ALVO_USER", "alvo"),
        "ALVO_PASSWORD": env.get("ALVO_PASSWORD", "alvo"),
        "ALVO_DB": env.get("ALVO_DB", "alvo"),
    }
    return StackConfig(
        home=home,
        fonte=Cluster("fonte", home / "fonte-pg", int(reader.get("port", 5432))),
        fonte_db=reader.get("dbname", "fonte"),
        fonte_owner=Role(owner["user"], owner.get("password", "")),
        fonte_reader=Role(reader["user"], reader.get("password", "")),
        alvo=Cluster("alvo", home / "alvo-pg", alvo_port),
        alvo_db=stack_env["ALVO_DB"],
        alvo_user=Role(stack_env["ALVO_USER"], stack_env["ALVO_PASSWORD"]),
        api_port=api_port,
        env=stack_env,
    )


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def private_stack_environment(home: Path) -> dict[str, str]:
    """Variables for a stack of its own (tests, bench): free ports, files under `home`,
    so that the stack of `make up` is never disturbed."""
    fonte, alvo, api = free_port(), free_port(), free_port()
    return {
        "DEVSTACK_DIR": str(home),
        "FONTE_DB_URL": f"postgresql://fonte:fonte@127.0.0.1:{fonte}/fonte",
        "FONTE_API_URL": f"http://127.0.0.1:{api}",
        "ALVO_HOST": "127.0.0.1",
        "ALVO_PORT": str(alvo),
        "ALVO_USER": "alvo",
        "ALVO_PASSWORD": "alvo",
        "ALVO_DB": "alvo",
    }

"""The test session's own stack: embedded Fonte and Alvo PostgreSQL servers and the API,
on free ports in a temporary folder, so a running `make demo` is never disturbed.

Everything is started by the same code as `make up` (devstack), with the environment
variables a user would set.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from devstack import stack
from devstack.config import REPO_ROOT, VENV_BIN, StackConfig, load_config, private_stack_environment


class Stack:
    """Handles on the session's stack: its config, environment and connections."""

    def __init__(self, config: StackConfig, env: dict[str, str], home: Path):
        self.config = config
        self.env = env
        # dbt's target/ and logs/ of the tests stay out of the working tree, so the
        # demo's partial parse (other ports, other profile) is not invalidated.
        self.dbt_env = {"DBT_TARGET_PATH": str(home / "dbt-target"), "DBT_LOG_PATH": str(home / "dbt-logs")}

    @property
    def api_url(self) -> str:
        return self.config.api_url

    def process_env(self, **extra: str) -> dict[str, str]:
        return self.config.process_env(**extra)

    def fonte_owner(self) -> psycopg.Connection:
        return psycopg.connect(self.config.env["FONTE_OWNER_DB_URL"], autocommit=True)

    def fonte_reader(self) -> psycopg.Connection:
        return psycopg.connect(self.config.env["FONTE_DB_URL"], autocommit=True)

    def alvo(self) -> psycopg.Connection:
        return psycopg.connect(**self.alvo_params(), autocommit=True)

    def alvo_params(self) -> dict:
        env = self.config.env
        return dict(host=env["ALVO_HOST"], port=int(env["ALVO_PORT"]), user=env["ALVO_USER"],
                    password=env["ALVO_PASSWORD"], dbname=env["ALVO_DB"])

    def extract(self, *args: str, timeout: float = 120, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "extract", *args], cwd=REPO_ROOT, env=self.process_env(**extra_env),
            capture_output=True, text=True, timeout=timeout,
        )

    def dbt(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(VENV_BIN / "dbt"), *args], cwd=REPO_ROOT / "dbt_project", env=self.process_env(**self.dbt_env),
            capture_output=True, text=True, timeout=timeout,
        )


@pytest.fixture(scope="session")
def pipeline_stack(tmp_path_factory) -> Stack:
    home = tmp_path_factory.mktemp("stack")
    env = private_stack_environment(home)
    config = load_config(env)
    try:
        stack.up(config)
    except Exception:
        stack.down(config)
        raise
    yield Stack(config, env, home)
    stack.down(config)

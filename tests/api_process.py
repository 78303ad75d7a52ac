"""Another real API process over the session's Fonte, with settings of the test's choosing
(a token, short timeouts, a dead database, another Fonte database): one that a test may
also kill."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from devstack.config import REPO_ROOT
from devstack.ports import release_port, reserve_port
from devstack.processes import popen_alive, wait_for_url


class ApiProcess:
    def __init__(self, env: dict[str, str], log_path: Path, *, ready_timeout: float = 120):
        self.port = reserve_port()
        self.env = {"FONTE_SEED_ON_STARTUP": "0", **env}
        self.log_path = log_path
        self.ready_timeout = ready_timeout
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> ApiProcess:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "fonte_api", "serve", "--port", str(self.port)],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        try:  # any answer: it is serving (a test's API may have no database on purpose)
            wait_for_url(
                f"{self.url}/health",
                "the API",
                timeout=self.ready_timeout,
                alive=popen_alive(self.process),
                any_status=True,
                request_timeout=30,  # without its database, /health answers after libpq's timeout
            )
        except (TimeoutError, RuntimeError) as exc:
            self.__exit__()
            raise RuntimeError(f"{exc}:\n{self.log()[-3000:]}") from None
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait()
        release_port(self.port)

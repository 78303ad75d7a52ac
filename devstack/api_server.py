"""The Fonte API as a process of the local stack: started in its own session (it survives
the terminal of `make up`), found again through its PID file, waited for until healthy."""

from __future__ import annotations

import subprocess
import sys

import requests

from . import processes
from .config import REPO_ROOT, StackConfig
from .pgcluster import ClusterError


def require_free(port: int, what: str, variable: str, host: str = "127.0.0.1") -> None:
    if not processes.port_is_free(port, host):
        raise ClusterError(
            f"port {port} is already in use, so {what} cannot start there; set {variable} to use another port"
        )


def api_pid(config: StackConfig) -> int | None:
    return processes.running_pid(config.api_pidfile, "fonte_api")


def _wait_for_api(config: StackConfig, pid: int, timeout: float = 90) -> None:
    try:
        processes.wait_for_url(f"{config.api_url}/health", "the API", timeout=timeout, alive=processes.pid_alive(pid))
    except (TimeoutError, RuntimeError) as exc:
        log = config.api_logfile.read_text(errors="replace").splitlines()[-20:] if config.api_logfile.exists() else []
        raise ClusterError(f"the API did not become healthy ({exc}):\n" + "\n".join(log)) from None


def up_api(config: StackConfig) -> str:
    pid = api_pid(config)
    if pid:
        return f"API already running on {config.api_url} (pid {pid})" + _token_mismatch(config)
    require_free(config.api_port, "the Fonte API", "FONTE_API_URL", config.api_host)
    env = config.process_env()
    with open(config.api_logfile, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "fonte_api", "serve", "--host", config.api_host, "--port", str(config.api_port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # survives the terminal that ran `make up`
        )
    config.api_pidfile.write_text(str(process.pid))
    _wait_for_api(config, process.pid)
    return f"API started on {config.api_url} (pid {process.pid})"


def _token_mismatch(config: StackConfig) -> str:
    """A running API keeps the token it started with: say so when FONTE_API_TOKEN differs."""
    try:
        refused = requests.get(f"{config.api_url}/variables", timeout=5).status_code == 401
    except requests.RequestException:
        return ""
    if refused and not config.api.token:
        return "; it requires a token: set FONTE_API_TOKEN, or `make down` and `make up` to run it without one"
    if not refused and config.api.token:
        return "; it runs without a token: `make down` and `make up` to apply FONTE_API_TOKEN"
    return ""

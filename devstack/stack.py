"""`up`, `down` and `status` of the local stack.

Everything lives under one folder (`.devstack/` by default, DEVSTACK_DIR to move it):
the two data directories with their logs, and the API's PID file and log. `down` stops
exactly the processes whose PIDs those files name, after checking they are ours.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import psutil
import requests
from psycopg import sql

from . import pgcluster
from .config import REPO_ROOT, StackConfig
from .pgcluster import Cluster, ClusterError


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _require_free(port: int, what: str, variable: str, host: str = "127.0.0.1") -> None:
    if not port_is_free(port, host):
        raise ClusterError(
            f"port {port} is already in use, so {what} cannot start there; set {variable} to use another port"
        )


# -- PostgreSQL ---------------------------------------------------------------------------


def provision_fonte(config: StackConfig) -> None:
    with pgcluster.admin_connect(config.fonte) as conn:
        pgcluster.ensure_role(conn, config.fonte_owner)
        pgcluster.ensure_role(conn, config.fonte_reader)
        # Belt and braces: the API's role cannot write even if someone grants it too much.
        conn.execute(
            sql.SQL("alter role {} set default_transaction_read_only = on").format(
                sql.Identifier(config.fonte_reader.name)
            )
        )
        pgcluster.ensure_database(conn, config.fonte_db, config.fonte_owner.name)
    with pgcluster.admin_connect(config.fonte, config.fonte_db) as conn:
        owner, reader = (sql.Identifier(r.name) for r in (config.fonte_owner, config.fonte_reader))
        conn.execute("revoke create on schema public from public")
        conn.execute(sql.SQL("grant usage on schema public to {}").format(reader))
        conn.execute(
            sql.SQL("alter default privileges for role {} in schema public grant select on tables to {}").format(
                owner, reader
            )
        )


def _provision_alvo(config: StackConfig) -> None:
    alvo_db = config.alvo_settings.dbname
    with pgcluster.admin_connect(config.alvo) as conn:
        pgcluster.ensure_role(conn, config.alvo_user)
        pgcluster.ensure_role(conn, config.alvo_reader)
        pgcluster.ensure_database(conn, alvo_db, config.alvo_user.name)
    with pgcluster.admin_connect(config.alvo, alvo_db) as conn:
        grant_marts_to_reader(conn, config.alvo_user.name, config.alvo_reader.name)


def grant_marts_to_reader(conn, owner: str, reader: str) -> None:
    """The read-only role sees the marts (`signal`, `data`) and nothing else.

    dbt creates the marts later (and again after a full refresh), so the grant is a default
    privilege of the tables the pipeline's role creates in `public`; the marts already
    there are granted now. Nothing is granted on `raw` (staging) or `staging` (dbt's
    staging view and seed), and the role is read-only even where it could write.
    """
    owner_id, reader_id = sql.Identifier(owner), sql.Identifier(reader)
    conn.execute(sql.SQL("alter role {} set default_transaction_read_only = on").format(reader_id))
    conn.execute("revoke create on schema public from public")
    conn.execute(sql.SQL("grant usage on schema public to {}").format(reader_id))
    conn.execute(
        sql.SQL("alter default privileges for role {} in schema public grant select on tables to {}").format(
            owner_id, reader_id
        )
    )
    for table in ("signal", "data"):
        if conn.execute("select to_regclass(%s) is not null", (f"public.{table}",)).fetchone()[0]:
            conn.execute(sql.SQL("grant select on {} to {}").format(sql.Identifier("public", table), reader_id))


def _up_cluster(cluster: Cluster, variable: str, provision, config: StackConfig) -> str:
    if pgcluster.postmaster_pid(cluster):
        provision(config)
        return f"{cluster.name} PostgreSQL already running on {cluster.host}:{cluster.port}"
    _require_free(cluster.port, f"{cluster.name} PostgreSQL", variable, cluster.host)
    created = pgcluster.initialise(cluster)
    pid = pgcluster.start(cluster)
    pgcluster.wait_until_accepting(cluster)
    provision(config)
    state = "initialised and started" if created else "started"
    return f"{cluster.name} PostgreSQL {state} on {cluster.host}:{cluster.port} (pid {pid})"


# -- the API ------------------------------------------------------------------------------


def running_pid(pidfile, command_part: str) -> int | None:
    """The PID a PID file names, if that process is alive and is ours (its command line
    holds command_part): a stale file, or a PID reused by another program, gives None."""
    try:
        pid = int(pidfile.read_text().strip())
        process = psutil.Process(pid)
        if process.status() != psutil.STATUS_ZOMBIE and command_part in " ".join(process.cmdline()):
            return pid
    except (OSError, ValueError, psutil.Error):
        pass
    return None


def api_pid(config: StackConfig) -> int | None:
    return running_pid(config.api_pidfile, "fonte_api")


def _wait_for_api(config: StackConfig, pid: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            break
        try:
            if requests.get(f"{config.api_url}/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    log = config.api_logfile.read_text(errors="replace").splitlines()[-20:] if config.api_logfile.exists() else []
    raise ClusterError("the API did not become healthy:\n" + "\n".join(log))


def _up_api(config: StackConfig) -> str:
    pid = api_pid(config)
    if pid:
        return f"API already running on {config.api_url} (pid {pid})" + _token_mismatch(config)
    _require_free(config.api_port, "the Fonte API", "FONTE_API_URL", config.api_host)
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


def _stop_pid(pid: int, timeout: float = 15) -> None:
    process = psutil.Process(pid)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except psutil.TimeoutExpired:
        process.kill()
        process.wait(5)


# -- commands -----------------------------------------------------------------------------


def up(config: StackConfig) -> list[str]:
    config.home.mkdir(parents=True, exist_ok=True)
    return [
        _up_cluster(config.fonte, "FONTE_DB_URL", provision_fonte, config),
        _up_cluster(config.alvo, "ALVO_PORT", _provision_alvo, config),
        _up_api(config),
    ]


def dagster_pid(config: StackConfig) -> int | None:
    """The PID of `make dagster` (devstack/dagster.py) if it runs for this stack."""
    return running_pid(config.home / "dagster.pid", "devstack.dagster")


def stop_dagster(config: StackConfig) -> str | None:
    pid = dagster_pid(config)
    if not pid:
        return None
    _stop_pid(pid, timeout=60)  # it stops its whole process group first
    return f"Dagster stopped (pid {pid})"


def down(config: StackConfig) -> list[str]:
    lines = []
    stopped = stop_dagster(config)
    if stopped:
        lines.append(stopped)
    pid = api_pid(config)
    if pid:
        _stop_pid(pid)
        lines.append(f"API stopped (pid {pid})")
    config.api_pidfile.unlink(missing_ok=True)
    for cluster in (config.alvo, config.fonte):
        pid = pgcluster.postmaster_pid(cluster)
        if pgcluster.stop(cluster):
            lines.append(f"{cluster.name} PostgreSQL stopped (pid {pid})")
    return lines or ["nothing was running"]


def status(config: StackConfig) -> list[str]:
    lines = []
    for cluster, db in ((config.fonte, config.fonte_db), (config.alvo, config.alvo_settings.dbname)):
        pid = pgcluster.postmaster_pid(cluster)
        where = f"{cluster.host}:{cluster.port}/{db}"
        lines.append(
            f"{cluster.name:<6} PostgreSQL  {'running' if pid else 'stopped'}  {where}"
            + (f"  pid {pid}" if pid else "")
        )
    pid = api_pid(config)
    health = ""
    if pid:
        try:
            health = "healthy" if requests.get(f"{config.api_url}/health", timeout=2).ok else "unhealthy"
        except requests.RequestException:
            health = "not answering"
    lines.append(
        f"fonte  API         {'running' if pid else 'stopped'}  {config.api_url}"
        + (f"  pid {pid} {health}" if pid else "")
    )
    lines.append(f"files under {config.home}")
    return lines


def running_pids(config: StackConfig) -> list[int]:
    """PIDs of every process of the stack, children included (the tests check that `down`
    leaves none of them)."""
    roots = [
        p for p in (pgcluster.postmaster_pid(config.fonte), pgcluster.postmaster_pid(config.alvo), api_pid(config)) if p
    ]
    pids = []
    for pid in roots:
        try:
            process = psutil.Process(pid)
            pids.append(pid)
            pids.extend(child.pid for child in process.children(recursive=True))
        except psutil.Error:
            pass
    return pids


def wait_gone(pids: list[int], timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.1)
    return alive

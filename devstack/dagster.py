"""`python -m devstack.dagster` (what `make dagster` runs): the Dagster UI and daemon
(`dagster dev`) on 127.0.0.1, with the local stack's settings, stopped cleanly.

- State (runs, event logs, schedules) goes to DAGSTER_HOME, by default `dagster/` in the
  local stack's folder (`.devstack/`), in SQLite; telemetry is off.
- `dagster dev` runs in a process group of its own. Ctrl-C or SIGTERM here stops it (SIGINT,
  as a terminal would send), then anything left in its group, so no webserver, daemon or
  code server outlives it. Its signal dispositions are reset first: started with `&` from a
  non-interactive shell, it would otherwise inherit an ignored SIGINT and ignore SIGTERM.
- `make down` stops it through the PID file it leaves in the stack's folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click

from .config import REPO_ROOT, VENV_BIN, load_config
from .processes import port_is_free, stop_group
from .settings import DevSettings

INSTANCE_CONFIG = """\
# Written by `make dagster` (devstack/dagster.py): local state in SQLite, no telemetry.
telemetry:
  enabled: false
"""
STOP_SECONDS = 20


def dagster_home(stack_home: Path, settings: DevSettings) -> Path:
    home = settings.dagster_home or stack_home / "dagster"
    home = (REPO_ROOT / home).resolve() if not home.is_absolute() else home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_CONFIG)
    return home


def pidfile(stack_home: Path) -> Path:
    return stack_home / "dagster.pid"


@click.command()
def main() -> None:
    """Serve the Dagster UI for this project on 127.0.0.1:DAGSTER_PORT (default 3000)."""
    config, settings = load_config(), DevSettings.load()
    port = settings.dagster_port
    if not port_is_free(port):
        click.echo(f"error: port {port} is already in use; set DAGSTER_PORT to use another port", err=True)
        sys.exit(1)
    home = dagster_home(config.home, settings)
    from orchestration.dbt_manifest import prepare  # dbt parse now, once, rather than in each process

    prepare()
    stopping = {"requested": False}

    def request_stop(signum, frame) -> None:
        stopping["requested"] = True

    # Handlers, not SIG_IGN: the child gets default dispositions whatever we inherited.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    command = [str(VENV_BIN / "dagster"), "dev", "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=config.process_env(DAGSTER_HOME=str(home)), start_new_session=True
    )
    pidfile(config.home).write_text(str(os.getpid()))
    click.echo(f"Dagster UI on http://127.0.0.1:{port} (state in {home}); stop with Ctrl-C or `make down`")
    try:
        while process.poll() is None and not stopping["requested"]:
            time.sleep(0.2)
    finally:
        stop_group(process, STOP_SECONDS)
        pidfile(config.home).unlink(missing_ok=True)
    sys.exit(0 if stopping["requested"] else process.returncode)


if __name__ == "__main__":
    main()

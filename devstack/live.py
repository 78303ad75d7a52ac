"""`python -m devstack.live` (what `make live` runs): the local stack with Fonte receiving
data as time passes, and Dagster following it.

1. The stack is up (`make up`); Alvo gets the last day of Fonte's history staged and built,
   so that the days after it are new days at the front for the sensor to follow.
2. The feeder (`python -m fonte_api live`, LIVE_SPEED times real time, 10 by default: a
   bucket closes every minute) runs in a session of its own, with a PID file in the stack's
   folder: `make down` stops it.
3. Dagster (`make dagster`) runs with its sensor of Fonte's changes on
   (FOLLOW_CHANGES=true): each tick runs the day partitions and turbines that changed, and
   the UI shows the runs following the data.
"""

from __future__ import annotations

import os
import subprocess
import sys

import click
import requests

from . import processes
from .config import REPO_ROOT, StackConfig, load_config

FEEDER = "fonte_api live"


def feeder_pidfile(config: StackConfig):
    return config.home / "feeder.pid"


def feeder_pid(config: StackConfig) -> int | None:
    return processes.running_pid(feeder_pidfile(config), "fonte_api")


def stop_feeder(config: StackConfig) -> str | None:
    pid = feeder_pid(config)
    feeder_pidfile(config).unlink(missing_ok=True)
    if not pid:
        return None
    processes.stop_pid(pid)
    return f"live feeder stopped (pid {pid})"


def start_feeder(config: StackConfig, speed: str) -> str:
    pid = feeder_pid(config)
    if pid:
        return f"live feeder already running (pid {pid})"
    with open(config.home / "feeder.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "fonte_api", "live", "--speed", speed],
            cwd=REPO_ROOT,
            env=config.process_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    feeder_pidfile(config).write_text(str(process.pid))
    return f"live feeder started at {speed}x real time (pid {process.pid}; log {config.home / 'feeder.log'})"


def stage_last_day(config: StackConfig) -> str:
    """The last day of Fonte's history, staged and built: the front the sensor follows from."""
    period = requests.get(f"{config.api_url}/variables", timeout=30).json()["period"]
    last = period["last_timestamp"][:10]
    env = config.process_env()
    subprocess.run([sys.executable, "-m", "extract", last], cwd=REPO_ROOT, env=env, check=True)
    dbt = os.path.join(os.path.dirname(sys.executable), "dbt")
    subprocess.run([dbt, "build", "--vars", f"day: {last}"], cwd=REPO_ROOT / "dbt_project", env=env, check=True)
    return f"{last} staged and built; the days after it are followed live"


@click.command()
def main() -> None:
    """Start the live feeder and Dagster with the sensor on, over the local stack."""
    config = load_config()
    speed = os.environ.get("LIVE_SPEED", "10")
    click.echo(stage_last_day(config))
    click.echo(start_feeder(config, speed))
    click.echo("Dagster follows Fonte's changes: runs appear in the UI as buckets close (Ctrl-C, or make down)")
    env = {**os.environ, "FOLLOW_CHANGES": "true"}
    env.setdefault("FOLLOW_CHANGES_SECONDS", "10")
    sys.stdout.flush()
    # This process becomes `make dagster`'s, so that its PID file, Ctrl-C and `make down`
    # work as they do for it.
    os.execve(sys.executable, [sys.executable, "-m", "devstack.dagster"], env)  # noqa: S606 (our own interpreter)


if __name__ == "__main__":
    main()

"""python -m devstack up|down|status"""

from __future__ import annotations

import sys

import click

from . import stack
from .config import load_config
from .pgcluster import ClusterError


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("action", type=click.Choice(["up", "down", "status"]))
def main(action: str) -> None:
    """Start, stop or show the embedded Fonte and Alvo PostgreSQL servers and the Fonte API.

    Ports and credentials come from FONTE_DB_URL, ALVO_PORT/ALVO_USER/ALVO_PASSWORD/ALVO_DB
    and FONTE_API_URL (defaults: 5432, 5433, 8000); files go under DEVSTACK_DIR
    (default: .devstack/ in the repository).
    """
    config = load_config()
    try:
        for line in getattr(stack, action)(config):
            click.echo(line)
    except ClusterError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if action == "up":
        click.echo("stop everything with: make down  (or: python -m devstack down)")


if __name__ == "__main__":
    main()

"""Roles, databases and grants of the local stack's two PostgreSQL servers (idempotent: run
by every `make up`)."""

from __future__ import annotations

import re

from psycopg import sql

from . import pgcluster
from .config import REPO_ROOT, StackConfig

GRANTS_FILE = REPO_ROOT / "grants" / "read_only_role.sql"


def grant_read_only_role(conn, owner: str, reader: str) -> None:
    """Run grants/read_only_role.sql (the containers' init scripts run it with psql) with its
    psql variables bound: `:"owner"` and `:"reader"` become quoted identifiers."""
    names = {"owner": owner, "reader": reader}
    quoted = {name: sql.Identifier(value).as_string(conn) for name, value in names.items()}
    conn.execute(re.sub(r':"(\w+)"', lambda match: quoted[match.group(1)], GRANTS_FILE.read_text()))


def provision_fonte(config: StackConfig) -> None:
    with pgcluster.admin_connect(config.fonte) as conn:
        pgcluster.ensure_role(conn, config.fonte_owner)
        pgcluster.ensure_role(conn, config.fonte_reader)
        pgcluster.ensure_database(conn, config.fonte_db, config.fonte_owner.name)
    with pgcluster.admin_connect(config.fonte, config.fonte_db) as conn:
        grant_read_only_role(conn, config.fonte_owner.name, config.fonte_reader.name)


def provision_alvo(config: StackConfig) -> None:
    alvo_db = config.alvo_settings.dbname
    with pgcluster.admin_connect(config.alvo) as conn:
        pgcluster.ensure_role(conn, config.alvo_user)
        pgcluster.ensure_role(conn, config.alvo_reader)
        pgcluster.ensure_database(conn, alvo_db, config.alvo_user.name)
    with pgcluster.admin_connect(config.alvo, alvo_db) as conn:
        grant_read_only_role(conn, config.alvo_user.name, config.alvo_reader.name)

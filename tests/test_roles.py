"""Who can do what: the API's role only reads Fonte; Alvo's role cannot reach Fonte."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict


@pytest.mark.parametrize(
    "statement",
    [
        "insert into data (timestamp, wind_speed) values ('2001-01-01', 1)",
        "update data set power = 0",
        "delete from data",
        "truncate data",
        "drop table data",
        "create table intruder (x int)",
    ],
)
def test_the_api_role_cannot_write(pipeline_stack, statement):
    with pipeline_stack.fonte_reader() as conn:
        # The role is read-only by default; even a read-write transaction lacks the privileges.
        with pytest.raises((psycopg.errors.ReadOnlySqlTransaction, psycopg.errors.InsufficientPrivilege)):
            conn.execute(statement)
        conn.execute("set default_transaction_read_only = off")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
    with pipeline_stack.fonte_owner() as conn:
        assert conn.execute("select count(*) from data").fetchone()[0] == 14_400


def test_the_api_role_can_read(pipeline_stack):
    with pipeline_stack.fonte_reader() as conn:
        assert conn.execute("select count(*) from data").fetchone()[0] == 14_400


def test_alvo_role_cannot_reach_fonte(pipeline_stack):
    fonte = conninfo_to_dict(pipeline_stack.config.fonte_url)
    alvo = pipeline_stack.alvo_settings
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(
            host=fonte["host"],
            port=fonte["port"],
            dbname=fonte["dbname"],
            user=alvo.user,
            password=alvo.password,
            connect_timeout=5,
        )


def test_superuser_is_not_reachable_over_tcp(pipeline_stack):
    fonte = conninfo_to_dict(pipeline_stack.config.fonte_url)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host="127.0.0.1", port=fonte["port"], dbname="postgres", user="postgres", connect_timeout=5)


def test_wrong_password_is_refused(pipeline_stack):
    params = pipeline_stack.alvo_settings.connect_kwargs() | {"password": "not-the-password"}
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(**params, connect_timeout=5)

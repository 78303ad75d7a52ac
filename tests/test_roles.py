"""Who can do what: the API's role only reads Fonte; Alvo's role cannot reach Fonte."""

from __future__ import annotations

import os
import shutil
import subprocess

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from devstack import pgcluster
from devstack.config import REPO_ROOT
from devstack.ports import reserve_port
from pipeline_settings import PipelineSettings

from .expected import FLEET, FLEET_DAY_OF_SIGNALS, SIGNALS_PER_TURBINE

# The default fleet: 4 turbines, 10 days of minutes, less the 30 minutes of T04's comms gap
# (fonte_api/faults.py).
FLEET_SAMPLES = 4 * 14_400 - 30


@pytest.mark.parametrize(
    "statement",
    [
        "insert into data (turbine_id, timestamp, wind_speed) values ('T01', '2001-01-01', 1)",
        "update data set power = 0",
        "delete from data",
        "truncate data",
        "drop table data",
        "update turbine set rated_power_kw = 0",
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
        assert conn.execute("select count(*) from data").fetchone()[0] == FLEET_SAMPLES


def test_the_api_role_can_read(pipeline_stack):
    with pipeline_stack.fonte_reader() as conn:
        assert conn.execute("select count(*) from data").fetchone()[0] == FLEET_SAMPLES


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


@pytest.fixture(scope="module")
def marts_built(pipeline_stack):
    assert pipeline_stack.extract("2024-05-23").returncode == 0
    built = pipeline_stack.build("day: 2024-05-23")
    assert built.returncode == 0, built.stdout[-3000:]
    return pipeline_stack


def alvo_reader(stack) -> psycopg.Connection:
    reader = PipelineSettings.load(stack.process_env()).alvo_reader()
    assert reader.user == "alvo_reader"
    return psycopg.connect(**reader.connect_kwargs(), autocommit=True)


def test_alvo_reader_reads_the_marts(marts_built):
    with alvo_reader(marts_built) as conn:
        assert conn.execute("select count(*) from signal").fetchone()[0] == SIGNALS_PER_TURBINE * len(FLEET)
        assert conn.execute("select count(*) from data").fetchone()[0] == FLEET_DAY_OF_SIGNALS


@pytest.mark.parametrize(
    "statement",
    [
        "insert into data values ('2001-01-01', 1, 1.0)",
        "update signal set name = 'x'",
        "delete from data",
        "truncate data",
        "drop table data",
        "create table intruder (x int)",
    ],
)
def test_alvo_reader_cannot_write(marts_built, statement):
    with alvo_reader(marts_built) as conn:
        with pytest.raises((psycopg.errors.ReadOnlySqlTransaction, psycopg.errors.InsufficientPrivilege)):
            conn.execute(statement)
        conn.execute("set default_transaction_read_only = off")  # even then: no privilege
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)


@pytest.mark.parametrize(
    "relation",
    [
        "raw.fonte_data",
        "raw.fonte_variables",
        "staging.stg_fonte__data",
        "staging.stg_fonte__tags",
        "staging.kind_statistics",
    ],
)
def test_alvo_reader_cannot_read_staging(marts_built, relation):
    with alvo_reader(marts_built) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"select count(*) from {relation}")


@pytest.fixture(scope="module")
def fresh_cluster(server_home):
    """An empty PostgreSQL server, as a postgres container's is before its init scripts."""
    cluster = pgcluster.Cluster("init", server_home("init") / "pg", reserve_port())
    pgcluster.initialise(cluster)
    pgcluster.start(cluster)
    pgcluster.wait_until_accepting(cluster)
    yield cluster
    pgcluster.stop(cluster)


def run_init_script(cluster, script: str, superuser: str, database: str) -> None:
    """What the postgres image does with /docker-entrypoint-initdb.d: its superuser and
    database exist, the script runs with psql over the socket; the grants file is where
    docker-compose.yml mounts it, here the repository's."""
    text = (REPO_ROOT / "docker" / script).read_text()
    text = text.replace("/windpipe/read_only_role.sql", str(REPO_ROOT / "grants" / "read_only_role.sql"))
    env = {
        **os.environ,
        "POSTGRES_USER": superuser,
        "POSTGRES_DB": database,
        "PGHOST": str(cluster.socket_dir),
        "PGPORT": str(cluster.port),
    }
    result = subprocess.run(["sh", "-c", text], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(
    shutil.which("psql") is None, reason="the init scripts run psql (apt-get install postgresql-client)"
)
def test_the_containers_init_scripts_give_each_reader_select_only(fresh_cluster):
    with pgcluster.admin_connect(fresh_cluster) as conn:
        conn.execute("create database fonte")
        conn.execute("create role alvo superuser login password 'alvo'")  # the alvo image's POSTGRES_USER
        conn.execute("create database alvo owner alvo")
    run_init_script(fresh_cluster, "fonte-init.sh", "postgres", "fonte")
    run_init_script(fresh_cluster, "alvo-init.sh", "alvo", "alvo")

    def tcp(user: str, password: str, dbname: str) -> psycopg.Connection:
        return psycopg.connect(
            host=fresh_cluster.host,
            port=fresh_cluster.port,
            user=user,
            password=password,
            dbname=dbname,
            autocommit=True,
        )

    with tcp("fonte_owner", "fonte_owner", "fonte") as owner:
        owner.execute("create table data (x int)")  # after the init: the default privilege applies
    with tcp("alvo", "alvo", "alvo") as alvo:
        alvo.execute("create table signal (x int)")
        alvo.execute("create schema raw")
        alvo.execute("create table raw.fonte_data (x int)")
    for user, dbname, readable, hidden in [
        ("fonte", "fonte", "data", None),
        ("alvo_reader", "alvo", "signal", "raw.fonte_data"),
    ]:
        with tcp(user, user, dbname) as reader:
            assert reader.execute(f"select count(*) from {readable}").fetchone() == (0,)
            reader.execute("set default_transaction_read_only = off")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute(f"insert into {readable} values (1)")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                reader.execute("create table intruder (x int)")
            if hidden:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    reader.execute(f"select * from {hidden}")

"""The pure-SQL limit: the same work with no Python in the data path.

Fonte's rows leave through `COPY (select ...) TO STDOUT` in one psql and enter Alvo through
`COPY ... FROM STDIN` in another, joined by a shell pipe; then one `INSERT ... SELECT` with
date_bin and avg/min/max/stddev_samp fills a `data` table with the same keys and
constraints as the dbt model (primary key, foreign key to signal, not null).
"""

from __future__ import annotations

import shlex
import subprocess
import time

import psycopg

from fonte_api.models import DEFAULT_TURBINE
from pipeline_constants import BUCKET_MINUTES, BUCKET_ORIGIN

SCHEMA = "bench_limit"

SETUP = f"""
drop schema if exists {SCHEMA} cascade;
create schema {SCHEMA};
create table {SCHEMA}.staging (timestamp timestamptz not null, variable text not null, value float8,
                               primary key (timestamp, variable));
create table {SCHEMA}.signal (id integer primary key, name text not null unique);
insert into {SCHEMA}.signal select id, name from public.signal;
create table {SCHEMA}.data (timestamp timestamptz not null, signal_id integer not null references {SCHEMA}.signal (id),
                            value float8 not null, primary key (timestamp, signal_id));
"""

AGGREGATE = f"""
insert into {SCHEMA}.data (timestamp, signal_id, value)
select s.bucket, sig.id, v.value
from (
    select date_bin('{BUCKET_MINUTES} minutes', timestamp, timestamptz '{BUCKET_ORIGIN.isoformat()}') as bucket,
           variable,
           avg(value order by timestamp) as mean, min(value) as min, max(value) as max,
           stddev_samp(value order by timestamp) as std
    from {SCHEMA}.staging
    where value is not null and value not in ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)
    group by 1, 2
) s
cross join lateral (values ('mean', s.mean), ('min', s.min), ('max', s.max), ('std', s.std)) v(stat, value)
join {SCHEMA}.signal sig on sig.name = s.variable || '_' || v.stat
where v.value is not null
"""


def psql_copy(psql: str, from_url: str, export: str, to_url: str, load: str) -> None:
    """`export` (a `copy ... to stdout`) from one database piped into `load` (a `copy ...
    from stdin`) in another, psql to psql with no Python in between."""
    pipeline = (
        f"{shlex.quote(psql)} -X -q {shlex.quote(from_url)} -c {shlex.quote(export)} | "
        f"{shlex.quote(psql)} -X -q {shlex.quote(to_url)} -c {shlex.quote(load)}"
    )
    # A shell pipe is the point. Every part is quoted.
    subprocess.run(pipeline, shell=True, check=True, stdout=subprocess.DEVNULL)  # noqa: S602


def unpivot_export(columns, where: str, *, with_turbine: bool = False) -> str:
    """Fonte's wide rows (`data d`) that match `where`, as long (turbine,) timestamp, tag,
    value rows: the `copy ... to stdout` both limits start from."""
    pairs = ", ".join(f"('{c}', d.{c})" for c in columns)
    turbine = "d.turbine_id, " if with_turbine else ""
    return (
        f"copy (select {turbine}d.timestamp, v.variable, v.value from data d cross join lateral "
        f"(values {pairs}) v(variable, value) where {where}) to stdout"
    )


def measure_limit(psql: str, fonte_url: str, alvo_url: str, start: str, end: str, columns: list[str]) -> dict:
    with psycopg.connect(alvo_url, autocommit=True) as conn:
        conn.execute(SETUP)
    export = unpivot_export(
        columns, f"d.turbine_id = '{DEFAULT_TURBINE.id}' and d.timestamp >= '{start}' and d.timestamp < '{end}'"
    )
    started = time.perf_counter()
    psql_copy(psql, fonte_url, export, alvo_url, f"copy {SCHEMA}.staging from stdin")
    copied = time.perf_counter()
    with psycopg.connect(alvo_url, autocommit=True) as conn:
        rows = conn.execute(AGGREGATE).rowcount
    done = time.perf_counter()
    with psycopg.connect(alvo_url, autocommit=True) as conn:
        conn.execute(f"drop schema {SCHEMA} cascade")
    return {"copy": copied - started, "aggregate": done - copied, "total": done - started, "rows": rows}

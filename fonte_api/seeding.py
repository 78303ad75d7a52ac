"""Create Fonte's tables, record the turbine, and bulk-load generated rows with COPY.

Runs as the tables' owner (FONTE_OWNER_DB_URL); afterwards the API's reader role is
granted SELECT only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from .generator import generate_blocks
from .models import DEFAULT_TURBINE, Data, Turbine
from .settings import GeneratorSettings


@dataclass
class SeedResult:
    rows: int
    seconds: float
    skipped: bool


def create_table_sql(model: type = Data) -> str:
    return str(CreateTable(model.__table__, if_not_exists=True).compile(dialect=postgresql.dialect()))


def record_turbine(conn: psycopg.Connection, turbine: Turbine) -> None:
    """Insert the turbine, or bring its row up to date: its metadata follow the code."""
    values = turbine.model_dump()
    columns = sql.SQL(", ").join(map(sql.Identifier, values))
    updates = sql.SQL(", ").join(
        sql.SQL("{0} = excluded.{0}").format(sql.Identifier(name)) for name in values if name != "id"
    )
    conn.execute(
        sql.SQL("insert into turbine ({}) values ({}) on conflict (id) do update set {}").format(
            columns, sql.SQL(", ").join(sql.Placeholder() * len(values)), updates
        ),
        list(values.values()),
    )


def _csv_chunks(settings: GeneratorSettings):
    """CSV text per generated block; timestamps as epoch seconds, turned into timestamptz by SQL."""
    base = settings.start.timestamp()
    for block in generate_blocks(settings):
        lines = [
            f"{base + offset!r},{wind!r},{power!r},{temp!r}\n"
            for offset, wind, power, temp in zip(
                block.offsets.tolist(),
                block.wind_speed.tolist(),
                block.power.tolist(),
                block.ambient_temperature.tolist(),
                strict=False,
            )
        ]
        yield "".join(lines)


def seed(owner_url: str, reader_url: str | None, settings: GeneratorSettings, *, replace: bool) -> SeedResult:
    """Fill Fonte if it is empty (or always, with replace) in one transaction."""
    started = time.perf_counter()
    with psycopg.connect(owner_url) as conn:
        conn.execute("set local lock_timeout = '30s'")
        conn.execute(create_table_sql())
        conn.execute(create_table_sql(Turbine))
        # Serialise concurrent seeders (an API restarting while `seed` runs).
        conn.execute("lock table data, turbine in exclusive mode")
        if reader_url:
            reader = conninfo_to_dict(reader_url).get("user")
            if reader:
                conn.execute(sql.SQL("grant select on data, turbine to {}").format(sql.Identifier(reader)))
        record_turbine(conn, DEFAULT_TURBINE)
        has_rows = conn.execute("select exists (select 1 from data)").fetchone()[0]
        if has_rows and not replace:
            return SeedResult(rows=0, seconds=time.perf_counter() - started, skipped=True)
        if has_rows:
            conn.execute("truncate data")
        # Epoch seconds are cheaper to format than ISO text; a temp table turns them into
        # timestamptz in one set-based statement.
        conn.execute(
            "create temp table generated (epoch double precision, wind_speed double precision,"
            " power double precision, ambient_temperature double precision) on commit drop"
        )
        with conn.cursor().copy("copy generated from stdin (format csv)") as copy:
            for chunk in _csv_chunks(settings):
                copy.write(chunk)
        conn.execute(
            "insert into data (timestamp, wind_speed, power, ambient_temperature)"
            " select to_timestamp(epoch), wind_speed, power, ambient_temperature from generated"
        )
        rows = conn.execute("select count(*) from data").fetchone()[0]
        conn.execute("analyze data")
    return SeedResult(rows=rows, seconds=time.perf_counter() - started, skipped=False)

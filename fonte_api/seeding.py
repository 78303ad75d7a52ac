"""Create Fonte's tables, record the fleet's turbines, and bulk-load generated rows with COPY.

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
from sqlalchemy.schema import CreateIndex, CreateTable

from .catalog import CATALOG, first_tags
from .fleet import generate_fleet_blocks
from .models import ARRIVAL_TRIGGER, ARRIVED_AT, Turbine, data_table, fleet_turbines
from .settings import GeneratorSettings


@dataclass
class SeedResult:
    rows: int
    seconds: float
    skipped: bool


def create_table_sql(table) -> str:
    return str(CreateTable(table, if_not_exists=True).compile(dialect=postgresql.dialect()))


def ensure_arrival(conn: psycopg.Connection, table) -> None:
    """`data` records when each row arrived (a Fonte from before gets the column, its rows
    the time of this change), indexed, and set by the database on insert and update."""
    conn.execute(
        sql.SQL("alter table data add column if not exists {} timestamptz not null default clock_timestamp()").format(
            sql.Identifier(ARRIVED_AT)
        )
    )
    for index in table.indexes:
        conn.execute(str(CreateIndex(index, if_not_exists=True).compile(dialect=postgresql.dialect())))
    conn.execute(ARRIVAL_TRIGGER)


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
    """CSV text per generated block, (turbine, epoch seconds, every tag in catalog order);
    epoch seconds are turned into timestamptz by SQL."""
    base = settings.start.timestamp()
    names = list(first_tags(settings.tags))
    for block in generate_fleet_blocks(settings):
        epochs = [repr(base + offset) for offset in block.offsets.tolist()]
        lines = []
        for turbine, tags in block.tags.items():
            columns = [tags[name].tolist() for name in names]
            missing = block.missing.get(turbine)
            lines += [
                f"{turbine},{epoch},{','.join(map(repr, values))}\n"
                for i, (epoch, *values) in enumerate(zip(epochs, *columns, strict=True))
                if missing is None or not missing[i]
            ]
        yield "".join(lines)


def fonte_tags(conn: psycopg.Connection) -> list[str]:
    """The catalog's tags that Fonte's `data` has a column for, in catalog order: the tags
    this Fonte holds (the first FONTE_GEN_TAGS it was generated with)."""
    columns = {
        row[0]
        for row in conn.execute(
            "select attname from pg_attribute where attrelid = to_regclass('public.data') and attnum > 0"
            " and not attisdropped"
        )
    }
    return [name for name in CATALOG if name in columns]


def has_fleet_table(conn: psycopg.Connection) -> bool:
    """`data` is keyed by turbine (it has `turbine_id`): a Fonte from after the fleet."""
    return conn.execute(
        "select exists (select 1 from information_schema.columns"
        " where table_schema = 'public' and table_name = 'data' and column_name = 'turbine_id')"
    ).fetchone()[0]


def seed(owner_url: str, reader_url: str | None, settings: GeneratorSettings, *, replace: bool) -> SeedResult:
    """Fill Fonte if it is empty (or always, with replace) in one transaction. A single-turbine
    Fonte (from before the fleet) is generated again as a fleet: its turbine's rows come back
    the same for the same settings (docs/api.md)."""
    started = time.perf_counter()
    wanted = first_tags(settings.tags)
    tags = sql.SQL(", ").join(map(sql.Identifier, wanted))
    with psycopg.connect(owner_url) as conn:
        conn.execute("set local lock_timeout = '30s'")
        if conn.execute("select to_regclass('public.data') is not null").fetchone()[0]:
            if not has_fleet_table(conn):
                conn.execute("drop table data")  # a single-turbine Fonte, from before the fleet
            elif fonte_tags(conn) != list(wanted) and (
                replace or not conn.execute("select exists (select 1 from data)").fetchone()[0]
            ):
                # Other tags than these settings': made again when replacing (or when empty);
                # otherwise Fonte keeps what it holds, and the API serves those tags.
                conn.execute("drop table data")
        table = data_table(wanted)
        conn.execute(create_table_sql(table))
        ensure_arrival(conn, table)
        conn.execute(create_table_sql(Turbine.__table__))
        # Serialise concurrent seeders (an API restarting while `seed` runs).
        conn.execute("lock table data, turbine in exclusive mode")
        if reader_url:
            reader = conninfo_to_dict(reader_url).get("user")
            if reader:
                conn.execute(sql.SQL("grant select on data, turbine to {}").format(sql.Identifier(reader)))
        fleet = fleet_turbines(settings.turbines)
        for turbine in fleet:
            record_turbine(conn, turbine)
        has_rows = conn.execute("select exists (select 1 from data)").fetchone()[0]
        if has_rows and not replace:
            return SeedResult(rows=0, seconds=time.perf_counter() - started, skipped=True)
        if has_rows:
            conn.execute("truncate data")
        # The turbine table lists the generated fleet only: a smaller fleet than the last one
        # leaves no turbine without samples (which every default extraction would ask for).
        conn.execute("delete from turbine where id <> all(%s)", ([turbine.id for turbine in fleet],))
        # Epoch seconds are cheaper to format than ISO text; a temp table turns them into
        # timestamptz in one set-based statement.
        conn.execute(
            sql.SQL("create temp table generated (turbine_id text, epoch double precision, {}) on commit drop").format(
                sql.SQL(", ").join(sql.SQL("{} double precision").format(sql.Identifier(n)) for n in wanted)
            )
        )
        with conn.cursor().copy("copy generated from stdin (format csv)") as copy:
            for chunk in _csv_chunks(settings):
                copy.write(chunk)
        conn.execute(
            sql.SQL(
                "insert into data (turbine_id, timestamp, {tags}) select turbine_id, to_timestamp(epoch), {tags}"
                " from generated order by turbine_id, epoch"
            ).format(tags=tags)
        )
        rows = conn.execute("select count(*) from data").fetchone()[0]
        conn.execute("analyze data")
    return SeedResult(rows=rows, seconds=time.perf_counter() - started, skipped=False)

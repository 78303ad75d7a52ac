"""Load one day into Alvo's staging table: COPY, then replace the slice, in one transaction.

The day's CSV body streams from the API straight into `COPY` into a temporary table, so
PostgreSQL parses and type-checks it and memory stays flat whatever the day's size. Only
when the whole body has arrived and passed the checks does the day's slice (day x
requested columns) get replaced; any failure rolls back and the previous copy stays.
Concurrent runs for the same day wait for each other on an advisory lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

from pipeline_constants import LOCK_NAMESPACES, day_key

from .errors import ExtractError, first_line
from .names import LATEST_COLUMNS, SCHEMA, SLICES_TABLE, TABLE, TURBINES_TABLE, VARIABLES_TABLE

# The extractor's advisory-lock namespace (the first int of pg_advisory_xact_lock(int, int));
# the second is a staged day's key, or DDL_LOCK_KEY for creating the staging table.
LOCK_NAMESPACE = LOCK_NAMESPACES["extract_days"]
DDL_LOCK_KEY = -1


@dataclass(frozen=True)
class DayLoad:
    rows: int  # samples (timestamps) loaded
    values: int  # rows written to staging: samples x columns


def ensure_staging(conn: psycopg.Connection, default_turbine: str | None = None) -> None:
    """Create the staging tables from their SQLAlchemy metadata, the first time only, and
    bring a single-turbine staging table (no `turbine` column) up to the fleet's shape: its
    rows are the default turbine's, as the single-turbine API served only that one."""
    wanted = [(table, column) for table, columns in LATEST_COLUMNS.items() for column in columns]
    ready = conn.execute(
        "select count(*) = %(wanted)s from information_schema.columns"
        " where table_schema = %(schema)s"
        " and (table_name, column_name) in (select * from unnest(%(tables)s::text[], %(columns)s::text[]))",
        {
            "schema": SCHEMA,
            "wanted": len(wanted),
            "tables": [table for table, _ in wanted],
            "columns": [column for _, column in wanted],
        },
    ).fetchone()[0]
    if ready:
        return
    # SQLAlchemy takes half a second to import: only pay it when there is DDL to render.
    from .staging import ddl_statements

    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, DDL_LOCK_KEY))
        _add_turbine_column(conn, default_turbine)
        for statement in ddl_statements():
            conn.execute(statement)


def _add_turbine_column(conn: psycopg.Connection, default_turbine: str | None) -> None:
    """The single-turbine table, if there is one, keyed by turbine too (under the DDL lock)."""
    single = (
        conn.execute(
            "select count(*) = 0 from information_schema.columns "
            "where table_schema = %s and table_name = %s and column_name = 'turbine'",
            (SCHEMA, TABLE),
        ).fetchone()[0]
        and conn.execute("select to_regclass(%s) is not null", (f"{SCHEMA}.{TABLE}",)).fetchone()[0]
    )
    if not single:
        return
    if not default_turbine:
        raise ExtractError("Alvo's staging predates the fleet and the API names no default turbine to assign it to")
    target = sql.Identifier(SCHEMA, TABLE)
    owner = sql.Literal(default_turbine)
    conn.execute(sql.SQL("alter table {} add column turbine text not null default {}").format(target, owner))
    conn.execute(sql.SQL("alter table {} alter column turbine drop default").format(target))
    conn.execute(
        sql.SQL(
            "alter table {} drop constraint fonte_data_pkey, "
            "add constraint fonte_data_pkey primary key (timestamp, turbine, variable)"
        ).format(target)
    )


def stage_catalog(conn: psycopg.Connection, variables: list[dict], turbines: list[dict], default: str | None) -> None:
    """Upsert the tag catalog and the fleet as the API serves them, in one transaction: dbt
    reads each tag's kind and each turbine's metadata from there. Rows the API no longer
    serves stay (data staged under them still needs their kind)."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, DDL_LOCK_KEY))
        with conn.cursor() as cur:
            cur.executemany(
                sql.SQL(
                    "insert into {} (name, position, unit, kind, range_min, range_max, iec_name, description,"
                    " varies, interval_seconds) "
                    "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) on conflict (name) do update set "
                    "position = excluded.position, unit = excluded.unit, kind = excluded.kind, "
                    "range_min = excluded.range_min, range_max = excluded.range_max, "
                    "iec_name = excluded.iec_name, description = excluded.description, "
                    "varies = excluded.varies, interval_seconds = excluded.interval_seconds, _loaded_at = now()"
                ).format(sql.Identifier(SCHEMA, VARIABLES_TABLE)),
                [
                    (
                        v["name"],
                        position,
                        v.get("unit", ""),
                        v.get("kind", "linear"),
                        v.get("range_min"),
                        v.get("range_max"),
                        v.get("iec_name"),
                        v.get("description"),
                        v.get("varies"),
                        v.get("interval_seconds"),
                    )
                    for position, v in enumerate(variables, start=1)
                ],
            )
            cur.executemany(
                sql.SQL(
                    "insert into {} (id, name, plant, is_default, rated_power_kw, hub_height_m, rotor_diameter_m,"
                    " cut_in_speed_ms, rated_speed_ms, cut_out_speed_ms) "
                    "values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) on conflict (id) do update set "
                    "name = excluded.name, plant = excluded.plant, is_default = excluded.is_default, "
                    "rated_power_kw = excluded.rated_power_kw, hub_height_m = excluded.hub_height_m, "
                    "rotor_diameter_m = excluded.rotor_diameter_m, cut_in_speed_ms = excluded.cut_in_speed_ms, "
                    "rated_speed_ms = excluded.rated_speed_ms, cut_out_speed_ms = excluded.cut_out_speed_ms, "
                    "_loaded_at = now()"
                ).format(sql.Identifier(SCHEMA, TURBINES_TABLE)),
                [
                    (
                        t["id"],
                        t.get("name", t["id"]),
                        t.get("plant", ""),
                        t["id"] == default,
                        t.get("rated_power_kw"),
                        t.get("hub_height_m"),
                        t.get("rotor_diameter_m"),
                        t.get("cut_in_speed_ms"),
                        t.get("rated_speed_ms"),
                        t.get("cut_out_speed_ms"),
                    )
                    for t in turbines
                ],
            )


def load_day(
    conn: psycopg.Connection,
    day_start: datetime,
    day_end: datetime,
    turbines: list[str],
    columns: list[str],
    header: list[str],
    body: Iterator[bytes],
    cursor: datetime | None = None,
) -> DayLoad:
    """Replace the day's slice of `turbines` x `columns` in staging with the API's body, in
    one transaction under the day's advisory lock: checked first, then deleted and inserted,
    and recorded per turbine with Fonte's /changes `cursor` taken before the body was asked for."""
    expected = ["turbine", "timestamp", *columns]
    if header != expected:
        raise ExtractError(f"the API sent columns {','.join(header) or '(none)'}; expected {','.join(expected)}")
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, day_key(day_start.date())))
        _copy_incoming(conn, expected, body)
        rows = _check_incoming(conn, day_start, day_end, turbines)
        written = _replace_slice(conn, day_start, day_end, turbines, columns)
        _record_slices(conn, day_start, cursor)
    return DayLoad(rows=rows, values=written)


def _record_slices(conn: psycopg.Connection, day_start: datetime, cursor: datetime | None) -> None:
    """Per turbine of the incoming body: the day staged, its samples, and the cursor (a row
    that arrived in Fonte after it may be missing from what was staged)."""
    conn.execute(
        sql.SQL(
            "insert into {} (turbine, day, cursor, rows) select turbine, %s, %s, count(*) from incoming"
            " group by turbine on conflict (turbine, day) do update"
            " set cursor = excluded.cursor, rows = excluded.rows, _loaded_at = now()"
        ).format(sql.Identifier(SCHEMA, SLICES_TABLE)),
        (day_start.date(), cursor),
    )


def _copy_incoming(conn: psycopg.Connection, expected: list[str], body: Iterator[bytes]) -> None:
    """The body, COPYed into a temporary table dropped at commit (one column per variable)."""
    value_columns = sql.SQL(", ").join(sql.SQL("{} double precision").format(sql.Identifier(c)) for c in expected[2:])
    conn.execute(
        sql.SQL("create temp table incoming (turbine text, timestamp timestamptz, {}) on commit drop").format(
            value_columns
        )
    )
    names = sql.SQL(", ").join(sql.Identifier(c) for c in expected)
    try:
        with conn.cursor().copy(sql.SQL("copy incoming ({}) from stdin (format csv)").format(names)) as copy:
            for chunk in body:
                copy.write(chunk)
    except psycopg.errors.DataError as exc:
        raise ExtractError(f"the API sent a malformed body: {first_line(exc)}") from exc


def _check_incoming(conn: psycopg.Connection, day_start: datetime, day_end: datetime, turbines: list[str]) -> int:
    """The number of samples, once every one has a turbine that was asked for, a timestamp
    inside the day, only one per turbine and timestamp, and every turbine has some."""
    rows, outside, duplicates, no_time, strangers = conn.execute(
        """
        select count(*),
               count(*) filter (where timestamp < %(start)s or timestamp >= %(end)s),
               count(*) - count(distinct (turbine, timestamp)),
               count(*) filter (where timestamp is null),
               count(*) filter (where turbine is null or turbine <> all(%(turbines)s))
        from incoming
        """,
        {"start": day_start, "end": day_end, "turbines": turbines},
    ).fetchone()
    if no_time:
        raise ExtractError(f"the API sent {no_time} rows without a timestamp")
    if strangers:
        raise ExtractError(f"the API sent {strangers} rows of turbines not asked for")
    if outside:
        raise ExtractError(f"the API sent {outside} rows outside {day_start.date()}")
    if duplicates:
        raise ExtractError(f"the API sent {duplicates} duplicate timestamps for {day_start.date()}")
    if rows == 0:
        raise NoRows()
    empty = conn.execute(
        "select array_agg(t order by t) from unnest(%s::text[]) as t "
        "where not exists (select from incoming where incoming.turbine = t)",
        (turbines,),
    ).fetchone()[0]
    if empty:
        raise NoRows(empty)
    return rows


def _replace_slice(
    conn: psycopg.Connection, day_start: datetime, day_end: datetime, turbines: list[str], columns: list[str]
) -> int:
    """Delete the day's rows of these turbines and variables and insert the incoming ones,
    unpivoted (in the caller's transaction: nobody sees the slice empty). Returns the rows
    written."""
    target = sql.Identifier(SCHEMA, TABLE)
    conn.execute(
        sql.SQL(
            "delete from {} where timestamp >= %s and timestamp < %s and turbine = any(%s) and variable = any(%s)"
        ).format(target),
        (day_start, day_end, turbines, columns),
    )
    unpivot = sql.SQL(", ").join(
        sql.SQL("({}, incoming.{})").format(sql.Literal(c), sql.Identifier(c)) for c in columns
    )
    # One statement timestamp for the whole slice: `now()` is the transaction's start.
    return conn.execute(
        sql.SQL(
            "insert into {} (turbine, timestamp, variable, value, _loaded_at) "
            "select incoming.turbine, incoming.timestamp, v.variable, v.value, now() "
            "from incoming cross join lateral (values {}) as v(variable, value)"
        ).format(target, unpivot)
    ).rowcount


class NoRows(ExtractError):
    """The API answered, but Fonte has no sample in the day (or none of these turbines')."""

    def __init__(self, turbines: list[str] | None = None):
        self.turbines = turbines or []
        super().__init__()

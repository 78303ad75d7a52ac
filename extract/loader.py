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
from .names import SCHEMA, TABLE

# The extractor's advisory-lock namespace (the first int of pg_advisory_xact_lock(int, int));
# the second is a staged day's key, or DDL_LOCK_KEY for creating the staging table.
LOCK_NAMESPACE = LOCK_NAMESPACES["extract_days"]
DDL_LOCK_KEY = -1


@dataclass(frozen=True)
class DayLoad:
    rows: int  # samples (timestamps) loaded
    values: int  # rows written to staging: samples x columns


def ensure_staging(conn: psycopg.Connection) -> None:
    """Create the staging table from its SQLAlchemy metadata, the first time only."""
    exists = conn.execute("select to_regclass(%s) is not null", (f"{SCHEMA}.{TABLE}",)).fetchone()[0]
    if exists:
        return
    # SQLAlchemy takes half a second to import: only pay it when there is DDL to render.
    from .staging import ddl_statements

    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, DDL_LOCK_KEY))
        for statement in ddl_statements():
            conn.execute(statement)


def load_day(
    conn: psycopg.Connection,
    day_start: datetime,
    day_end: datetime,
    columns: list[str],
    header: list[str],
    body: Iterator[bytes],
) -> DayLoad:
    """Replace the day's slice of `columns` in staging with the API's body, in one
    transaction under the day's advisory lock: checked first, then deleted and inserted."""
    expected = ["timestamp", *columns]
    if header != expected:
        raise ExtractError(f"the API sent columns {','.join(header) or '(none)'}; expected {','.join(expected)}")
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, day_key(day_start.date())))
        _copy_incoming(conn, expected, body)
        rows = _check_incoming(conn, day_start, day_end)
        written = _replace_slice(conn, day_start, day_end, columns)
    return DayLoad(rows=rows, values=written)


def _copy_incoming(conn: psycopg.Connection, expected: list[str], body: Iterator[bytes]) -> None:
    """The body, COPYed into a temporary table dropped at commit (one column per variable)."""
    value_columns = sql.SQL(", ").join(sql.SQL("{} double precision").format(sql.Identifier(c)) for c in expected[1:])
    conn.execute(sql.SQL("create temp table incoming (timestamp timestamptz, {}) on commit drop").format(value_columns))
    names = sql.SQL(", ").join(sql.Identifier(c) for c in expected)
    try:
        with conn.cursor().copy(sql.SQL("copy incoming ({}) from stdin (format csv)").format(names)) as copy:
            for chunk in body:
                copy.write(chunk)
    except psycopg.errors.DataError as exc:
        raise ExtractError(f"the API sent a malformed body: {first_line(exc)}") from exc


def _check_incoming(conn: psycopg.Connection, day_start: datetime, day_end: datetime) -> int:
    """The number of samples, once every one has a timestamp, inside the day, and only one."""
    rows, outside, duplicates, no_time = conn.execute(
        """
        select count(*),
               count(*) filter (where timestamp < %(start)s or timestamp >= %(end)s),
               count(*) - count(distinct timestamp),
               count(*) filter (where timestamp is null)
        from incoming
        """,
        {"start": day_start, "end": day_end},
    ).fetchone()
    if no_time:
        raise ExtractError(f"the API sent {no_time} rows without a timestamp")
    if outside:
        raise ExtractError(f"the API sent {outside} rows outside {day_start.date()}")
    if duplicates:
        raise ExtractError(f"the API sent {duplicates} duplicate timestamps for {day_start.date()}")
    if rows == 0:
        raise NoRows()
    return rows


def _replace_slice(conn: psycopg.Connection, day_start: datetime, day_end: datetime, columns: list[str]) -> int:
    """Delete the day's rows of these variables and insert the incoming ones, unpivoted (in
    the caller's transaction: nobody sees the slice empty). Returns the rows written."""
    target = sql.Identifier(SCHEMA, TABLE)
    conn.execute(
        sql.SQL("delete from {} where timestamp >= %s and timestamp < %s and variable = any(%s)").format(target),
        (day_start, day_end, columns),
    )
    unpivot = sql.SQL(", ").join(
        sql.SQL("({}, incoming.{})").format(sql.Literal(c), sql.Identifier(c)) for c in columns
    )
    # One statement timestamp for the whole slice: `now()` is the transaction's start.
    return conn.execute(
        sql.SQL(
            "insert into {} (timestamp, variable, value, _loaded_at) "
            "select incoming.timestamp, v.variable, v.value, now() "
            "from incoming cross join lateral (values {}) as v(variable, value)"
        ).format(target, unpivot)
    ).rowcount


class NoRows(ExtractError):
    """The API answered, but Fonte has no sample in the day."""

"""A day's `dbt build` with Alvo holding that day alone, then a year of the fleet's history.

The year is made in SQL, not through the pipeline (which would take the year's extraction
and builds): the year before Fonte's default period, every 10-minute bucket of every signal
of the default fleet in `data`, and every 1-minute sample of every turbine and tag in
staging, so both tables are a year larger than the day the build computes. The same day is
then built again, as often as before; the ratio of the medians is the history's cost.
"""

from __future__ import annotations

import statistics
import sys
from datetime import date, timedelta

import psycopg

from devstack.config import REPO_ROOT, VENV_BIN
from extract.names import SCHEMA, TABLE
from pipeline_constants import BUCKET

from .measure import run

DAY = date(2024, 5, 23)  # a day of the default Fonte
YEAR = (date(2023, 5, 20), date(2024, 5, 20))  # the year before Fonte's period, [start, end)
RUNS = 3


def _row_counts(conn: psycopg.Connection) -> tuple[int, int]:
    """Rows in `data`, rows staged."""
    return tuple(conn.execute(f"select count(*) from {table}").fetchone()[0] for table in ("data", f"{SCHEMA}.{TABLE}"))


def _history(alvo_url: str) -> tuple[int, int]:
    """A year of statistics and of staged samples, before DAY's data; rows of each."""
    start, end = (d.isoformat() for d in YEAR)
    with psycopg.connect(alvo_url, autocommit=True) as conn:
        conn.execute(
            "insert into data (timestamp, signal_id, value)"
            " select t, s.id, random() from generate_series(%(start)s::timestamptz, %(end)s::timestamptz - %(bucket)s,"
            " %(bucket)s) t cross join signal s",
            {"start": start, "end": end, "bucket": BUCKET},
        )
        conn.execute(
            f"insert into {SCHEMA}.{TABLE} (turbine, timestamp, variable, value)"
            " select f.turbine, t, v.variable, random()"
            " from generate_series(%s::timestamptz, %s::timestamptz - interval '1 minute', interval '1 minute') t"
            f" cross join (select distinct turbine from {SCHEMA}.{TABLE}) f"
            f" cross join (select distinct variable from {SCHEMA}.{TABLE}) v",
            (start, end),
        )
        conn.execute("analyze")
        return _row_counts(conn)


def _builds(bench) -> list[float]:
    command = [str(VENV_BIN / "dbt"), "build", "--vars", f"day: {DAY}"]
    return [run(command, env=bench.env, cwd=REPO_ROOT / "dbt_project").seconds for _ in range(RUNS)]


def _row(label: str, data_rows: int, staged_rows: int, seconds: list[float]) -> str:
    middle = statistics.median(seconds)
    return f"| {label} | {data_rows:,} | {staged_rows:,} | {middle:.2f} ({min(seconds):.2f}–{max(seconds):.2f}) |"


def history_rows(bench) -> list[str]:
    """The day built with one day in Alvo, then with a year of history besides it."""
    bench.reset_alvo()
    run([sys.executable, "-m", "extract", DAY.isoformat()], env=bench.env, cwd=REPO_ROOT)  # raises if it fails
    _builds(bench)  # a first build registers the signals and parses the project
    with psycopg.connect(bench.alvo_url, autocommit=True) as conn:
        alone = _row_counts(conn)
    rows = [_row("the day alone", *alone, _builds(bench))]
    with_year = _history(bench.alvo_url)
    days = (YEAR[1] - YEAR[0]) // timedelta(days=1)
    rows.append(_row(f"the day and {days} days of history", *with_year, _builds(bench)))
    bench.reset_alvo()
    return rows

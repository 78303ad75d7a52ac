"""`make demo`: the whole pipeline for one day on the running local stack.

API answering -> `python -m extract DAY` -> `dbt build --vars 'day: DAY'` -> the day's
10-minute statistics printed from Alvo.
"""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path

import click
import psycopg
import requests

from .config import REPO_ROOT, VENV_BIN, load_config


def _step(title: str) -> None:
    click.secho(f"\n== {title}", bold=True)


def _run(cmd: list[str], cwd: Path, env: dict) -> float:
    started = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env)
    if result.returncode != 0:
        click.echo(f"demo stopped: `{' '.join(cmd)}` exited with {result.returncode}", err=True)
        sys.exit(result.returncode)
    return time.perf_counter() - started


def show_api(api_url: str, day: date) -> None:
    start = datetime.combine(day, dtime(0))
    params = [("start_timestamp", start.isoformat()), ("end_timestamp", (start + timedelta(days=1)).isoformat()),
              ("columns", "wind_speed"), ("columns", "power")]
    rows = requests.get(f"{api_url}/data", params=params, timeout=30).json()
    click.echo(f"GET {api_url}/data?start_timestamp={params[0][1]}&end_timestamp={params[1][1]}"
               "&columns=wind_speed&columns=power")
    click.echo(f"-> {len(rows)} rows, first {rows[0] if rows else None}, last {rows[-1] if rows else None}")


def _fmt(value) -> str:
    return "" if value is None else f"{value:12.4f}"


def show_statistics(alvo: dict, day: date, first_buckets: int = 3) -> None:
    start = datetime.combine(day, dtime(0), tzinfo=timezone.utc)
    window = {"start": start, "end": start + timedelta(days=1)}
    with psycopg.connect(**alvo) as conn:
        conn.execute("set timezone = 'UTC'")
        counts = conn.execute(
            """select s.name, count(d.value) from signal s
               left join data d on d.signal_id = s.id and d.timestamp >= %(start)s and d.timestamp < %(end)s
               group by s.id, s.name order by s.id""", window).fetchall()
        rows = conn.execute(
            """with ranked as (
                   select d.timestamp, s.name, d.value,
                          dense_rank() over (order by d.timestamp) as bucket_rank
                   from data d join signal s on s.id = d.signal_id
                   where d.timestamp >= %(start)s and d.timestamp < %(end)s)
               select timestamp,
                      regexp_replace(name, '_(mean|min|max|std)$', '') as variable,
                      max(value) filter (where name like '%%\\_mean'),
                      max(value) filter (where name like '%%\\_min'),
                      max(value) filter (where name like '%%\\_max'),
                      max(value) filter (where name like '%%\\_std')
               from ranked where bucket_rank <= %(n)s
               group by 1, 2 order by 2, 1""", {**window, "n": first_buckets}).fetchall()
    click.echo(f"Buckets per signal on {day} (a complete day has 144):")
    for name, count in counts:
        click.echo(f"  {name:<26} {count:>4}")
    click.echo(f"\nFirst {first_buckets} buckets of each variable:")
    click.echo(f"  {'bucket start (UTC)':<20} {'variable':<20} {'mean':>12} {'min':>12} {'max':>12} {'std':>12}")
    for ts, variable, mean, low, high, std in rows:
        click.echo(f"  {ts:%Y-%m-%d %H:%M}     {variable:<20} {_fmt(mean)} {_fmt(low)} {_fmt(high)} {_fmt(std)}")


@click.command()
@click.argument("day", default="2024-05-23")
def main(day: str) -> None:
    """Run the pipeline for DAY on the local stack (started by `make up`)."""
    the_day = date.fromisoformat(day)
    config = load_config()
    env = config.process_env()
    _step(f"1. The Fonte API answers for {day}")
    show_api(config.api_url, the_day)
    _step(f"2. Extract {day} (all three variables) into Alvo's staging table raw.fonte_data")
    _run([sys.executable, "-m", "extract", day, "--columns", "wind_speed", "power", "ambient_temperature"],
         REPO_ROOT, env)
    _step(f"3. dbt build --vars 'day: {day}'")
    seconds = _run([str(VENV_BIN / "dbt"), "build", "--vars", f"day: {day}"], REPO_ROOT / "dbt_project", env)
    click.echo(f"(dbt build took {seconds:.1f} s)")
    _step(f"4. The 10-minute statistics of {day}, from Alvo")
    alvo = dict(host=config.env["ALVO_HOST"], port=int(config.env["ALVO_PORT"]), user=config.alvo_user.name,
                password=config.alvo_user.password, dbname=config.alvo_db)
    show_statistics(alvo, the_day)
    click.echo("\nThe stack is still running (make status). Stop it with: make down")


if __name__ == "__main__":
    main()

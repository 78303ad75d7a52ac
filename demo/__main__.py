"""`python -m demo DAY` (what `make demo` runs): the whole pipeline for one day on the local
stack that `make up` started.

API answering -> `python -m extract DAY` -> `dbt build --vars 'day: DAY'` -> the day's
10-minute statistics printed from Alvo -> the day's chart report.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import click
import requests

from devstack.config import REPO_ROOT, VENV_BIN, load_config
from extract.days import utc_midnight
from pipeline_constants import BUCKETS_PER_DAY
from pipeline_settings import AlvoSettings, ApiSettings, PipelineSettings
from report.read import STATS, read_statistics
from report.variables import from_api


def _step(title: str) -> None:
    click.secho(f"\n== {title}", bold=True)


def _run(cmd: list[str], cwd: Path, env: dict) -> float:
    started = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env, check=False)
    if result.returncode != 0:
        click.echo(f"demo stopped: `{' '.join(cmd)}` exited with {result.returncode}", err=True)
        sys.exit(result.returncode)
    return time.perf_counter() - started


def show_api(api: ApiSettings, day: date) -> None:
    start = utc_midnight(day)
    params = [
        ("start_timestamp", start.isoformat()),
        ("end_timestamp", (start + timedelta(days=1)).isoformat()),
        ("columns", "wind_speed"),
        ("columns", "power"),
    ]
    headers = {"Authorization": f"Bearer {api.token}"} if api.token else {}
    response = requests.get(f"{api.url}/data", params=params, headers=headers, timeout=30)
    if response.status_code != 200:
        click.echo(f"demo stopped: the API answered {response.status_code}: {response.text[:200]}", err=True)
        sys.exit(1)
    rows = response.json()
    click.echo(
        f"GET {api.url}/data?start_timestamp={params[0][1]}&end_timestamp={params[1][1]}"
        "&columns=wind_speed&columns=power" + ("  (with the token of FONTE_API_TOKEN)" if api.token else "")
    )
    click.echo(f"-> {len(rows)} rows, first {rows[0] if rows else None}, last {rows[-1] if rows else None}")


def _fmt(value) -> str:
    return "" if value is None else f"{value:12.4f}"


def show_statistics(alvo: AlvoSettings, api: ApiSettings, day: date, first_buckets: int = 3) -> None:
    # The default turbine's linear tags, in Fonte's order, as the report reads them.
    buckets = read_statistics(alvo, day, from_api(api))
    click.echo(f"Buckets per signal of the default turbine on {day} (a complete day has {BUCKETS_PER_DAY}):")
    for variable in buckets:
        for stat in STATS:
            count = sum(1 for b in buckets.get(variable, []) if getattr(b, stat) is not None)
            click.echo(f"  {f'{variable}_{stat}':<26} {count:>4}")
    click.echo(f"\nFirst {first_buckets} buckets of each variable:")
    click.echo(f"  {'bucket start (UTC)':<20} {'variable':<20} {'mean':>12} {'min':>12} {'max':>12} {'std':>12}")
    for variable, variable_buckets in buckets.items():
        for b in variable_buckets[:first_buckets]:
            values = " ".join(_fmt(getattr(b, stat)) for stat in STATS)
            click.echo(f"  {b.start:%Y-%m-%d %H:%M}     {variable:<20} {values}")


@click.command()
@click.argument("day", default="2024-05-23")
def main(day: str) -> None:
    """Run the pipeline for DAY on the local stack (started by `make up`)."""
    try:
        the_day = date.fromisoformat(day)
    except ValueError:
        raise click.BadParameter(f"{day!r} is not a day like 2024-05-23 (YYYY-MM-DD)", param_hint="DAY") from None
    config = load_config()
    env = config.process_env()
    _step(f"1. The Fonte API answers for {day}")
    show_api(config.api, the_day)
    _step(f"2. Extract {day} (every turbine, every tag) into Alvo's staging table raw.fonte_data")
    _run([sys.executable, "-m", "extract", day], REPO_ROOT, env)
    _step(f"3. dbt build --vars 'day: {day}'")
    seconds = _run([str(VENV_BIN / "dbt"), "build", "--vars", f"day: '{day}'"], REPO_ROOT / "dbt_project", env)
    click.echo(f"(dbt build took {seconds:.1f} s)")
    _step(f"4. The 10-minute statistics of {day}, from Alvo")
    show_statistics(config.alvo_settings, config.api, the_day)
    _step(f"5. The report of {day}: python -m report {day}")
    _run([sys.executable, "-m", "report", day], REPO_ROOT, env)
    html = PipelineSettings.load().reports_folder() / f"{day}.html"
    click.echo(f"\nOpen the report (it needs no network): {html}  (or file://{html})")
    click.echo("The stack is still running (make status). Stop it with: make down")


if __name__ == "__main__":
    main()

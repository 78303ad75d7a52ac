"""`python -m extract DAY [--to DAY] [--columns ...]`: stage days of Fonte data into Alvo.

Exit codes: 0 done; 1 the API, Alvo or the data failed (one line on stderr); 2 bad usage.
"""
from __future__ import annotations

import re
import sys
import time
import traceback
from datetime import date, datetime, time as dtime, timedelta, timezone

import click
import psycopg

from .client import FonteClient
from .errors import ExtractError
from .loader import NoRows, ensure_staging, load_day
from .prefetch import Prefetcher

DEFAULT_COLUMNS = ("wind_speed", "power")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Command(click.Command):
    """Lets `--columns` take several space-separated names, as in `--columns wind_speed power`.

    click options take one value each, so the names after `--columns` are rewritten into
    repeated `--columns NAME` until the next option or a date.
    """

    def parse_args(self, ctx, args):
        rewritten, taking, taken = [], False, 0
        for arg in args:
            if arg in ("--columns", "-c"):
                if taking and not taken:
                    rewritten.append("--columns")  # a bare --columns: let click say it needs a value
                taking, taken = True, 0
                continue
            if taking and not arg.startswith("-") and not _DATE.match(arg):
                rewritten += ["--columns", arg]
                taken += 1
                continue
            if taking and not taken:
                rewritten.append("--columns")
            taking = False
            rewritten.append(arg)
        if taking and not taken:
            rewritten.append("--columns")
        return super().parse_args(ctx, rewritten)


def _day(ctx, param, value):
    if value is None:
        return None
    try:
        if _DATE.match(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise click.BadParameter(f"{value!r} is not a day like 2024-05-23 (YYYY-MM-DD)")


def _split_columns(values: tuple[str, ...]) -> list[str]:
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    return list(dict.fromkeys(names)) or list(DEFAULT_COLUMNS)


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, dtime(0), tzinfo=timezone.utc)


@click.command(cls=_Command, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("day", callback=_day)
@click.option("--to", "last_day", callback=_day, metavar="DAY", help="Last day of a range, included (default: DAY alone).")
@click.option("--columns", "-c", multiple=True, metavar="NAME...",
              help="Variables to load, space- or comma-separated. [default: wind_speed power]")
@click.option("--api-url", envvar="FONTE_API_URL", default="http://127.0.0.1:8000", show_default=True, show_envvar=True,
              help="Base URL of the Fonte API.")
@click.option("--alvo-host", envvar="ALVO_HOST", default="127.0.0.1", show_default=True, show_envvar=True)
@click.option("--alvo-port", envvar="ALVO_PORT", default=5433, type=int, show_default=True, show_envvar=True)
@click.option("--alvo-user", envvar="ALVO_USER", default="alvo", show_default=True, show_envvar=True)
@click.option("--alvo-password", envvar="ALVO_PASSWORD", default="alvo", show_default=False, show_envvar=True,
              help="[default: alvo]")
@click.option("--alvo-db", envvar="ALVO_DB", default="alvo", show_default=True, show_envvar=True)
@click.option("--retries", default=5, type=click.IntRange(min=0), show_default=True,
              help="Retries on connection errors, 429 and 5xx, with exponential backoff (honours Retry-After).")
@click.option("--timeout", default=60.0, type=click.FloatRange(min=0, min_open=True), show_default=True,
              help="Read timeout in seconds for each API response (connect timeout: 5 s).")
@click.option("--verbose", "-v", is_flag=True, help="Show the traceback of a failure.")
def main(day, last_day, columns, api_url, alvo_host, alvo_port, alvo_user, alvo_password, alvo_db,
         retries, timeout, verbose):
    """Stage Fonte data for DAY (UTC, YYYY-MM-DD), or DAY to --to, into Alvo's raw.fonte_data.

    Each day is fetched as [DAY 00:00Z, DAY+1 00:00Z) through the API and replaces that
    day's slice of the requested columns in one transaction: a rerun leaves one copy,
    and a failure leaves the previous copy as it was.

    \b
    Exit codes: 0 success; 1 API, Alvo or data failure; 2 bad usage.
    """
    last_day = last_day or day
    if last_day < day:
        raise click.BadParameter(f"--to {last_day} is before {day}", param_hint="--to")
    names = _split_columns(columns)
    try:
        run(day, last_day, names, FonteClient(api_url, retries=retries, read_timeout=timeout),
            dict(host=alvo_host, port=alvo_port, user=alvo_user, password=alvo_password, dbname=alvo_db))
    except ExtractError as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted: the day in flight was rolled back", err=True)
        sys.exit(130)


def run(first_day: date, last_day: date, columns: list[str], client: FonteClient, alvo: dict) -> None:
    catalog = client.catalog()
    unknown = [c for c in columns if c not in catalog.columns]
    if unknown:
        raise click.BadParameter(
            f"unknown column {', '.join(unknown)}; the API allows: {', '.join(catalog.columns)}",
            param_hint="--columns",
        )
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    windows = [(d, _utc_midnight(d), _utc_midnight(d + timedelta(days=1))) for d in days]
    missing = [d for d, start, end in windows if not (catalog.rows and catalog.first < end and catalog.last >= start)]
    if missing:
        raise ExtractError(f"no data for {missing[0]} in Fonte; {catalog.describe_period()}")

    try:
        conn = psycopg.connect(**alvo, connect_timeout=10, autocommit=True)
    except psycopg.OperationalError as exc:
        raise ExtractError(
            f"cannot connect to Alvo at {alvo['host']}:{alvo['port']}/{alvo['dbname']} as {alvo['user']}: "
            f"{_first_line(exc)}"
        ) from exc
    with conn:
        ensure_staging(conn)
        show_bar = len(days) > 1 and sys.stderr.isatty()
        with Prefetcher(client, windows, columns) as prefetcher, click.progressbar(
            length=len(days), label="extracting", file=sys.stderr, hidden=not show_bar
        ) as bar:
            started = time.perf_counter()
            for stream in prefetcher:
                try:
                    result = load_day(conn, stream.start, stream.end, columns, stream.header, stream.body())
                except NoRows:
                    raise ExtractError(f"no data for {stream.day} in Fonte; {catalog.describe_period()}") from None
                except psycopg.OperationalError as exc:
                    raise ExtractError(f"lost Alvo while loading {stream.day}: {_first_line(exc)}") from exc
                except psycopg.Error as exc:
                    raise ExtractError(f"Alvo refused the load of {stream.day}: {_first_line(exc)}") from exc
                now = time.perf_counter()
                bar.update(1)
                click.echo(f"{stream.day}  {','.join(columns)}  {result.rows} rows ({result.values} values)  "
                           f"{now - started:.2f} s")
                started = now


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__

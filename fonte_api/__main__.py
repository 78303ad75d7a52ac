"""python -m fonte_api serve | seed | live"""

from __future__ import annotations

import sys

import click
import psycopg

from .catalog import CATALOG
from .settings import GeneratorSettings, Settings, load_settings, parse_utc


def _settings() -> Settings:
    """The environment's settings, or one line naming the bad variable and exit 2."""
    try:
        return load_settings()
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """The Fonte connector: serve the API, or (re)generate Fonte's data."""


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the API with uvicorn (seeds an empty Fonte at startup)."""
    import uvicorn

    _settings()  # a bad variable is one line here, not a traceback from inside uvicorn

    uvicorn.run("fonte_api.app:create_app", factory=True, host=host, port=port, log_level="info")


def _utc(ctx, param, value):
    try:
        return parse_utc(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 timestamp") from None


@cli.command("seed")
@click.option(
    "--start",
    default=Settings.default("gen_start").isoformat(),
    show_default=True,
    callback=_utc,
    help="First sample, ISO 8601 (naive = UTC).",
)
@click.option(
    "--days", default=Settings.default("gen_days"), show_default=True, type=click.FloatRange(min=0, min_open=True)
)
@click.option(
    "--freq",
    "freq_seconds",
    default=Settings.default("gen_freq_seconds"),
    show_default=True,
    type=click.IntRange(min=1),
    help="Seconds between samples (1 = 1-second data).",
)
@click.option(
    "--seed",
    "seed_value",
    default=Settings.default("gen_seed"),
    show_default=True,
    type=int,
    help="Random seed; same seed, same rows.",
)
@click.option(
    "--turbines",
    default=Settings.default("gen_turbines"),
    show_default=True,
    type=click.IntRange(min=1),
    help="Turbines of the plant, T01 first (T01's wind_speed, power, ambient_temperature do not depend on it).",
)
@click.option(
    "--tags",
    default=Settings.default("gen_tags"),
    show_default=True,
    type=click.IntRange(min=Settings.model_fields["gen_tags"].metadata[0].ge, max=len(CATALOG)),
    help=f"Tags per turbine: the catalog's first N (up to {len(CATALOG)}, for the benchmark).",
)
@click.option(
    "--faults/--no-faults",
    default=Settings.default("gen_faults"),
    show_default=True,
    help="Inject the documented faults on T02-T04 (fonte_api/faults.py).",
)
@click.option("--replace", is_flag=True, help="Replace existing rows (otherwise a non-empty Fonte is left alone).")
def seed_command(start, days, freq_seconds, seed_value, turbines, tags, faults, replace) -> None:
    """Generate Fonte's data and bulk-load it with COPY (uses FONTE_OWNER_DB_URL)."""
    from .seeding import seed

    settings = _settings()
    generator = GeneratorSettings(
        start=start,
        days=days,
        freq_seconds=freq_seconds,
        seed=seed_value,
        turbines=turbines,
        tags=tags,
        faults=faults,
    )
    try:
        result = seed(settings.owner_db_url, settings.db_url, generator, replace=replace)
    except psycopg.Error as exc:
        click.echo(f"error: cannot seed Fonte: {str(exc).strip().splitlines()[0]}", err=True)
        sys.exit(1)
    if result.skipped:
        click.echo("Fonte already holds data; nothing done (use --replace to regenerate)")
    else:
        click.echo(
            f"loaded {result.rows} rows ({turbines} turbines x {tags} tags, {generator.start.isoformat()},"
            f" {days:g} days"
            f" every {freq_seconds} s) "
            f"in {result.seconds:.2f} s"
        )


@cli.command("live")
@click.option(
    "--speed",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Simulated seconds per real second (10: a 10-minute bucket closes every minute).",
)
@click.option(
    "--tick", default=1.0, show_default=True, type=click.FloatRange(min=0.05), help="Real seconds between inserts."
)
@click.option(
    "--incidents/--no-incidents",
    default=True,
    show_default=True,
    help="Each simulated day: T02's 06:00-07:00 arrives at 09:00, T03's 03:00-04:00 is corrected at 12:00.",
)
@click.option("--minutes", type=click.FloatRange(min=0, min_open=True), help="Stop after this many simulated minutes.")
def live_command(speed, tick, incidents, minutes) -> None:
    """Append the fleet's samples to Fonte as time passes, from its latest sample on (uses
    FONTE_OWNER_DB_URL); Ctrl-C or SIGTERM stops it between two inserts."""
    from datetime import timedelta

    from .live import Feeder

    settings = _settings()
    try:
        feeder = Feeder(settings.owner_db_url, settings.generator, speed=speed, incidents=incidents)
    except psycopg.Error as exc:
        click.echo(f"error: cannot reach Fonte: {str(exc).strip().splitlines()[0]}", err=True)
        sys.exit(1)
    click.echo(f"live from {feeder.start.isoformat()} at {speed:g}x real time", err=True)
    until = feeder.start + timedelta(minutes=minutes) if minutes else None

    def report(feed) -> None:
        if feed.rows or feed.late_rows or feed.corrected_rows:
            click.echo(
                f"{feed.clock:%Y-%m-%d %H:%M:%S}  {feed.rows} rows"
                + (f", {feed.late_rows} late" if feed.late_rows else "")
                + (f", {feed.corrected_rows} corrected" if feed.corrected_rows else "")
            )

    try:
        feeder.run(tick, until, report)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    except psycopg.Error as exc:
        click.echo(f"error: Fonte refused a write: {str(exc).strip().splitlines()[0]}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    cli()

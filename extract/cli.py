"""`python -m extract DAY [--to DAY] [--turbines ...] [--columns ...]`: stage days of Fonte data into Alvo.

Only the command line lives here: parsing, printing and exit codes. The work is
`extract.pipeline.extract_days`.

Exit codes: 0 done; 1 the API, Alvo or the data failed (one line on stderr); 2 bad usage.
"""

from __future__ import annotations

import sys
import traceback
from datetime import UTC, date, datetime

import click

from pipeline_settings import PipelineSettings

from .changes import changed_days, read_staged
from .client import FonteClient
from .days import DAY_PATTERN, parse_day
from .errors import ExtractError, UnknownNames
from .pipeline import DayResult, extract_days

# The options that take several names after one flag, by their spellings.
_LIST_FLAGS = {"--columns": "--columns", "-c": "--columns", "--turbines": "--turbines", "-t": "--turbines"}


def spread_names(args: list[str]) -> list[str]:
    """Rewrite `--columns a b` into `--columns a --columns b` (and `--turbines` likewise).

    click options take one value each; users write several names after one `--columns`
    (as argparse's nargs would allow). Names are taken until the next option or a date
    (the DAY argument may follow). A bare `--columns` is kept bare, so that click says it
    needs a value.
    """
    rewritten: list[str] = []
    taking, taken = None, 0
    for arg in args:
        if arg in _LIST_FLAGS:
            if taking and not taken:
                rewritten.append(taking)
            taking, taken = _LIST_FLAGS[arg], 0
            continue
        if taking and not arg.startswith("-") and not DAY_PATTERN.match(arg):
            rewritten += [taking, arg]
            taken += 1
            continue
        if taking and not taken:
            rewritten.append(taking)
        taking = None
        rewritten.append(arg)
    if taking and not taken:
        rewritten.append(taking)
    return rewritten


def split_names(values: tuple[str, ...]) -> list[str] | None:
    """Names from repeated and comma-separated values, in order, without repeats; None (every
    one the API serves) when none is given."""
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    return list(dict.fromkeys(names)) or None


def describe_names(names: list[str], what: str) -> str:
    """A day's line names a few turbines or tags, and counts many."""
    return ",".join(names) if len(names) <= 4 else f"{len(names)} {what}"


class _Command(click.Command):
    def parse_args(self, ctx, args):
        return super().parse_args(ctx, spread_names(args))


def day_param(ctx, param, value):
    """click callback: a `YYYY-MM-DD` argument or option as a date (None stays None)."""
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _since_param(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 timestamp", param_hint="--since") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def follow_changes(client: FonteClient, alvo, since: datetime | None, report) -> None:
    """Stage the changed turbine-days, one day at a time, and print the days to build."""
    found = changed_days(client, read_staged(alvo), since)
    if not found.days:
        click.echo(f"no staged turbine-day changed in Fonte (cursor {found.cursor.isoformat()})")
        return
    for day, turbines in found.days.items():
        extract_days(day, day, None, client, alvo, on_day=report, turbines=turbines)
    click.echo(f"days to build ({found.cursor.isoformat()} is the cursor to ask from next):")
    for day, turbines in found.days.items():
        click.echo(f"  {day}  {','.join(turbines)}")


def _from_settings(field: str, what: str, *, secret: bool = False) -> str:
    """Help for an option whose default is a PipelineSettings field (its variable, else its
    default): the settings object reads the environment, the option only overrides it."""
    default = "" if secret else f", else {PipelineSettings.default(field)}"
    return f"{what} [default: ${PipelineSettings.variable(field)}{default}]"


def _alvo_option(name: str, **kwargs):
    field = f"alvo_{name}"
    return click.option(
        f"--alvo-{name}",
        field,
        default=None,
        help=_from_settings(field, f"Alvo's {name}.", secret=name == "password"),
        **kwargs,
    )


@click.command(cls=_Command, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("day", callback=day_param, required=False)
@click.option(
    "--to", "last_day", callback=day_param, metavar="DAY", help="Last day of a range, included (default: DAY alone)."
)
@click.option(
    "--turbines",
    "-t",
    multiple=True,
    metavar="ID...",
    help="Turbines to load, space- or comma-separated. [default: every turbine the API serves]",
)
@click.option(
    "--columns",
    "-c",
    multiple=True,
    metavar="NAME...",
    help="Tags to load, space- or comma-separated. [default: every tag the API serves]",
)
@click.option("--api-url", default=None, help=_from_settings("fonte_api_url", "Base URL of the Fonte API."))
@_alvo_option("host")
@_alvo_option("port", type=int)
@_alvo_option("user")
@_alvo_option("password")
@_alvo_option("db")
@click.option(
    "--retries",
    default=5,
    type=click.IntRange(min=0),
    show_default=True,
    help="Retries on connection errors, 429 and 5xx, with exponential backoff (honours Retry-After).",
)
@click.option(
    "--timeout",
    default=60.0,
    type=click.FloatRange(min=0, min_open=True),
    show_default=True,
    help="Read timeout in seconds for each API response (connect timeout: 5 s).",
)
@click.option(
    "--changed",
    is_flag=True,
    help="Instead of DAY: stage again the staged turbine-days that changed in Fonte since they were staged"
    " (late rows, corrections, new days at the front), and print the days to build.",
)
@click.option(
    "--since",
    default=None,
    metavar="TIMESTAMP",
    help="With --changed: Fonte's /changes cursor to look from (ISO 8601). [default: the oldest staged slice's]",
)
@click.option("--verbose", "-v", is_flag=True, help="Show the traceback of a failure.")
# Its docstring is the command's --help, and each option is a parameter: long for that
# reason only; the work is extract_days.
def main(
    day,
    last_day,
    turbines,
    columns,
    api_url,
    alvo_host,
    alvo_port,
    alvo_user,
    alvo_password,
    alvo_db,
    retries,
    timeout,
    changed,
    since,
    verbose,
):
    """Stage Fonte data for DAY (UTC, YYYY-MM-DD), or DAY to --to, into Alvo's raw.fonte_data.

    Each day is fetched as [DAY 00:00Z, DAY+1 00:00Z) through the API, every requested
    turbine in one request, and replaces that day's slice of the requested turbines and
    columns in one transaction: a rerun leaves one copy, and a failure leaves the previous
    copy as it was.

    With --changed instead of DAY: the turbine-days staged before whose rows changed in Fonte
    since (GET /changes), staged again; it prints the days to build.

    When the API requires a token, set FONTE_API_TOKEN.

    \b
    Exit codes: 0 success; 1 API, Alvo or data failure; 2 bad usage.
    """
    if changed == (day is not None):
        raise click.UsageError("give DAY, or --changed (not both)")
    if since is not None and not changed:
        raise click.UsageError("--since goes with --changed")
    since_time = _since_param(since)
    if changed:
        day = last_day = date.min  # unused: the days come from Fonte's changes
    last_day = last_day or day
    if last_day < day:
        raise click.BadParameter(f"--to {last_day} is before {day}", param_hint="--to")
    names = split_names(columns)
    turbine_ids = split_names(turbines)
    try:
        settings = PipelineSettings.load()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    options = {"alvo_host": alvo_host, "alvo_port": alvo_port, "alvo_user": alvo_user}
    options.update(alvo_password=alvo_password, alvo_db=alvo_db, fonte_api_url=api_url)
    settings = settings.model_copy(update={name: value for name, value in options.items() if value is not None})
    api = settings.api()
    client = FonteClient(api.url, token=api.token, retries=retries, read_timeout=timeout)
    alvo = settings.alvo()
    progress = click.progressbar(
        length=(last_day - day).days + 1,
        label="extracting",
        file=sys.stderr,
        hidden=last_day == day or not sys.stderr.isatty(),
    )

    def report(result: DayResult) -> None:
        progress.update(1)
        click.echo(
            f"{result.day}  {describe_names(result.turbines, 'turbines')}  {describe_names(result.columns, 'tags')}  "
            f"{result.rows} rows ({result.values} values)  {result.seconds:.2f} s"
        )

    try:
        if changed:
            follow_changes(client, alvo, since_time, report)
            return
        with progress:
            extract_days(day, last_day, names, client, alvo, on_day=report, turbines=turbine_ids)
    except UnknownNames as exc:
        raise click.BadParameter(str(exc), param_hint=exc.option) from None
    except ExtractError as exc:
        if verbose:
            traceback.print_exc()
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted: the day in flight was rolled back", err=True)
        sys.exit(130)

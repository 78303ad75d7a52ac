"""`python -m report DAY [--to DAY] [--turbine ID] [--out DIR]`: write reports/DAY.html and reports/DAY.png.

Exit codes: 0 done; 1 a day is not in Alvo, or Alvo is unreachable; 2 bad usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from extract.cli import day_param
from pipeline_settings import PipelineSettings

from .page import write_report
from .read import ReportError, read_days
from .variables import from_api


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("day", callback=day_param)
@click.option(
    "--to", "last_day", callback=day_param, metavar="DAY", help="Last day of a range, included: one report per day."
)
@click.option(
    "--turbine",
    default=None,
    metavar="ID",
    help="The turbine whose tags are drawn. [default: the default turbine, whose signals have bare names]",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the .html and .png files. [default: $REPORTS_DIR, else reports/ in the repository]",
)
def main(day, last_day, turbine, out_dir) -> None:
    """Draw DAY's 10-minute statistics from Alvo: an HTML page that opens offline (the fleet:
    a table per turbine with its availability, the quality flags, a coverage heatmap, power
    against wind per turbine; then one turbine's tags, flagged buckets marked), and a PNG of
    that turbine's charts. Linear tags are drawn (min-max
    band, mean, std); angle and state tags are not drawn yet.

    Reads the marts through Alvo's read-only role (ALVO_READER_USER/PASSWORD) and the
    1-minute samples from staging through the pipeline's role (ALVO_USER/PASSWORD), on
    ALVO_HOST:ALVO_PORT/ALVO_DB; the variables' units from the Fonte API (FONTE_API_URL,
    FONTE_API_TOKEN), drawn without units when it does not answer. Every day of a range must
    be in Alvo: otherwise nothing is written.
    """
    last_day = last_day or day
    if last_day < day:
        raise click.BadParameter(f"--to {last_day} is before {day}", param_hint="--to")
    settings = PipelineSettings.load()
    pipeline, reader = settings.alvo(), settings.alvo_reader()
    variables = from_api(settings.api())
    out_dir = out_dir or settings.reports_folder()
    if variables.note:
        click.echo(f"note: {variables.note}", err=True)
    try:
        data = read_days(reader, pipeline, day, last_day, variables, settings.reference_power_curve, turbine)
    except ReportError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for day_data in data:
        for path in write_report(day_data, out_dir):
            click.echo(path)
        if day_data.samples_note:
            click.echo(f"note: {day_data.samples_note}", err=True)


if __name__ == "__main__":
    main()

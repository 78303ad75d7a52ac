"""The report asset: each day of the partition drawn from Alvo into reports/DAY.html and
reports/DAY.png (`python -m report DAY`), downstream of `data`."""

# No `from __future__ import annotations`: Dagster reads the annotations of decorated
# functions at load time and does not resolve strings.
import base64

from dagster import AssetExecutionContext, AssetKey, Failure, MaterializeResult, MetadataValue, asset

from pipeline_settings import PipelineSettings
from report.read import ReportError, read_days
from report.variables import from_api

from ..partitions import DAILY, ONE_RUN_PER_BACKFILL, run_days
from ..resources import AlvoResource, FonteApiResource


@asset(
    key=["report"],
    deps=[AssetKey("data")],
    group_name="report",
    partitions_def=DAILY,
    backfill_policy=ONE_RUN_PER_BACKFILL,
    kinds={"python", "html"},
    description="Each day's 10-minute statistics as charts: reports/DAY.html (opens offline) and reports/DAY.png.",
)
def report(context: AssetExecutionContext, alvo: AlvoResource, fonte_api: FonteApiResource) -> MaterializeResult:
    # Altair and its renderer load here, not with the code location: most runs (the sensor's,
    # the rehearsal's single days) and every process that only loads the code skip the report.
    from report.page import render_png, write_report

    days = run_days(context)
    if days is None:
        raise Failure(description="the report needs a partition (a day or a range of days)")
    first, last = days
    variables = from_api(fonte_api.settings())
    if variables.note:
        context.log.warning(variables.note)
    try:
        settings = PipelineSettings.load()
        every_day = read_days(
            alvo.reader_settings(), alvo.settings(), first, last, variables, settings.reference_power_curve
        )
    except ReportError as exc:
        raise Failure(description=f"report of {first}..{last} failed: {exc}") from None
    written = []
    for data in every_day:
        html_path, png_path = write_report(data, settings.reports_folder())
        written += [html_path, png_path]
        context.log.info(f"{data.day}: {html_path} and {png_path}")
    preview = base64.b64encode(render_png(every_day[0], scale=0.35)).decode()
    return MaterializeResult(
        metadata={
            "html": MetadataValue.path(str(written[0])),
            "png": MetadataValue.path(str(written[1])),
            "files": len(written),
            "preview": MetadataValue.md(f"![{first}](data:image/png;base64,{preview})"),
        }
    )

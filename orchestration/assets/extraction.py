"""The extraction asset: a partition's days staged into Alvo's `raw.fonte_data`.

It calls the extractor's own code (`extract.pipeline.extract_days`): each day is replaced in
one transaction, so a failed run leaves the days it did not finish as they were.
"""

# No `from __future__ import annotations`: Dagster reads the annotations of decorated
# functions at load time and does not resolve strings.

import csv

from dagster import AssetExecutionContext, Failure, MaterializeResult, asset

from extract.errors import ExtractError
from extract.names import SCHEMA, TABLE
from extract.pipeline import extract_days

from ..dbt_manifest import DBT_PROJECT_DIR
from ..partitions import DAILY, ONE_RUN_PER_BACKFILL, run_days
from ..resources import AlvoResource, FonteApiResource

STAGED_KEY = [SCHEMA, TABLE]  # the dbt source `fonte.fonte_data` maps to this key (its meta)


def modelled_tags() -> list[str]:
    """The tags the dbt models compute statistics of, in order: the variables of dbt's signal
    seed. The API's catalog has more tags since the fleet; the models learn the others when
    they register signals from staging (docs/pipeline.md)."""
    with (DBT_PROJECT_DIR / "seeds" / "signal_catalog.csv").open(newline="") as seed:
        return list(dict.fromkeys(row["variable"] for row in csv.DictReader(seed)))


@asset(
    key=STAGED_KEY,
    group_name="extraction",
    partitions_def=DAILY,
    backfill_policy=ONE_RUN_PER_BACKFILL,
    kinds={"python", "postgres"},
    description=(
        "Fonte's samples of the partition's days (the default turbine's tags the models know: "
        "dbt's signal seed), pulled through the Fonte "
        "API and staged in Alvo's raw.fonte_data, one transaction per day "
        "(`python -m extract FIRST --to LAST --columns ...`)."
    ),
)
def fonte_data(context: AssetExecutionContext, fonte_api: FonteApiResource, alvo: AlvoResource) -> MaterializeResult:
    days = run_days(context)
    if days is None:
        raise Failure(description="the extraction needs a partition (a day or a range of days)")
    first, last = days

    def log_day(result) -> None:
        context.log.info(f"{result.day}  {','.join(result.columns)}  {result.rows} rows ({result.values} values)")

    try:
        results = extract_days(first, last, modelled_tags(), fonte_api.client(), alvo.settings(), on_day=log_day)
    except ExtractError as exc:
        # One line, the extractor's own, in the run's logs and the CLI output.
        raise Failure(description=f"extraction of {first}..{last} failed: {exc}") from None
    return MaterializeResult(
        metadata={
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "days": len(results),
            "samples": sum(r.rows for r in results),
            "staged_rows": sum(r.values for r in results),
        }
    )

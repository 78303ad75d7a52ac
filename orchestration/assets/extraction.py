"""The extraction: a partition's days staged into Alvo's `raw.fonte_data`, with Fonte's tag
catalog and fleet (`raw.fonte_variables`, `raw.fonte_turbines`), which one run stages
together: one multi-asset of three keys, which the dbt sources map to (their meta).

It calls the extractor's own code (`extract.pipeline.extract_days`): each day is replaced in
one transaction, so a failed run leaves the days it did not finish as they were.
"""

# No `from __future__ import annotations`: Dagster reads the annotations of decorated
# functions at load time and does not resolve strings.

from dagster import AssetExecutionContext, AssetSpec, Failure, MaterializeResult, multi_asset

from extract.errors import ExtractError
from extract.names import SCHEMA, TABLE, TURBINES_TABLE, VARIABLES_TABLE
from extract.pipeline import extract_days

from ..partitions import DAILY, ONE_RUN_PER_BACKFILL, run_days
from ..resources import AlvoResource, FleetSelection, FonteApiResource

STAGED_KEY = [SCHEMA, TABLE]  # the dbt source `fonte.fonte_data` maps to this key (its meta)
CATALOG_KEYS = ([SCHEMA, VARIABLES_TABLE], [SCHEMA, TURBINES_TABLE])  # and fonte_variables, fonte_turbines


@multi_asset(
    specs=[
        AssetSpec(
            STAGED_KEY,
            group_name="extraction",
            kinds={"python", "postgres"},
            description=(
                "Fonte's samples of the partition's days, every turbine (or the run's, resource `fleet`) "
                "and every tag, pulled through the Fonte API and staged in Alvo's raw.fonte_data, one "
                "transaction per day (`python -m extract FIRST --to LAST`)."
            ),
        ),
        *(
            AssetSpec(key, group_name="extraction", kinds={"python", "postgres"}, description=what)
            for key, what in zip(
                CATALOG_KEYS,
                (
                    "Fonte's tag catalog as /variables served it (each tag's kind).",
                    "Fonte's fleet as /turbines served it.",
                ),
                strict=True,
            )
        ),
    ],
    name="fonte_data",
    partitions_def=DAILY,
    backfill_policy=ONE_RUN_PER_BACKFILL,
)
def fonte_data(context: AssetExecutionContext, fonte_api: FonteApiResource, alvo: AlvoResource, fleet: FleetSelection):
    days = run_days(context)
    if days is None:
        raise Failure(description="the extraction needs a partition (a day or a range of days)")
    first, last = days

    def log_day(result) -> None:
        context.log.info(
            f"{result.day}  {len(result.turbines)} turbines x {len(result.columns)} tags  "
            f"{result.rows} rows ({result.values} values)"
        )

    try:
        results = extract_days(
            first, last, None, fonte_api.client(), alvo.settings(), on_day=log_day, turbines=fleet.selected()
        )
    except ExtractError as exc:
        # One line, the extractor's own, in the run's logs and the CLI output.
        raise Failure(description=f"extraction of {first}..{last} failed: {exc}") from None
    yield MaterializeResult(
        asset_key=STAGED_KEY,
        metadata={
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "days": len(results),
            "samples": sum(r.rows for r in results),
            "staged_rows": sum(r.values for r in results),
        },
    )
    for key in CATALOG_KEYS:
        yield MaterializeResult(asset_key=key)

"""The code location: `dagster dev -m orchestration.definitions` (or `make dagster`).

No `from __future__ import annotations` here: Dagster reads the asset functions'
annotations at load time and does not resolve strings.
"""

from dagster import Definitions, in_process_executor

from .assets.extraction import fonte_data
from .assets.quality_checks import QUALITY_CHECKS
from .assets.report import report
from .assets.transformation import windpipe_dbt_models
from .resources import FleetSelection, alvo_from_env, dbt_from_env, fonte_api_from_env
from .schedules import daily_pipeline, follow_changes, nightly_previous_day
from .sensors import fonte_changes

defs = Definitions(
    assets=[fonte_data, windpipe_dbt_models, report],
    asset_checks=QUALITY_CHECKS,
    jobs=[daily_pipeline, follow_changes],
    schedules=[nightly_previous_day],
    sensors=[fonte_changes],
    resources={
        "fonte_api": fonte_api_from_env(),
        "alvo": alvo_from_env(),
        "dbt": dbt_from_env(),
        # Every turbine unless a run lists some at launch (resources.FleetSelection).
        "fleet": FleetSelection.configure_at_launch(),
    },
    # One process per run: a step per process would load the code (and dbt's manifest)
    # once per step, for a pipeline whose steps are three.
    executor=in_process_executor,
)

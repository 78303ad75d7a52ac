"""The sensor that follows Fonte's changes: late rows, corrections and today's new samples
become runs of the daily partitions (and turbines) they touch, never of 10-minute partitions.

Each tick asks the API which (turbine, day) slices received rows since the sensor's cursor
(GET /changes) and keeps those that changed since Alvo staged them (raw.fonte_slices; new
days after the last staged one too: live data). One run of the job `follow_changes`
(extraction and dbt, no report) per changed day, for its changed turbines only, at most
MAX_RUNS_PER_TICK a tick; the run key names the day, the turbines and the latest arrival,
so a change is run once, whatever the ticks and daemon restarts. The cursor (kept by
Dagster across restarts) moves only when every change it covers was asked for; a tick
that cannot reach the API or Alvo fails and the next one starts from the same cursor, so
nothing is lost (docs/orchestration.md, "Following changes").
"""

# No `from __future__ import annotations`: Dagster reads the annotations of decorated
# functions at load time and does not resolve strings.

from datetime import datetime

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, SkipReason, sensor

from extract.changes import changed_days, read_staged
from pipeline_settings import PipelineSettings

from .resources import AlvoResource, FonteApiResource
from .schedules import follow_changes

MAX_RUNS_PER_TICK = 4
SETTINGS = PipelineSettings.load()


@sensor(
    job=follow_changes,
    minimum_interval_seconds=SETTINGS.follow_changes_seconds,
    default_status=DefaultSensorStatus.RUNNING if SETTINGS.follow_changes else DefaultSensorStatus.STOPPED,
    description="Runs the day partitions (and turbines) whose rows changed in Fonte since they were staged.",
)
def fonte_changes(context: SensorEvaluationContext, fonte_api: FonteApiResource, alvo: AlvoResource):
    staged = read_staged(alvo.settings())  # an ExtractError fails the tick: the cursor stays
    since = datetime.fromisoformat(context.cursor) if context.cursor else staged.oldest_cursor
    if since is None:
        return SkipReason("nothing staged yet: materialize a partition first")
    # One retry: a tick fails fast (Dagster gives a sensor a minute) and the next one tries again.
    found = changed_days(fonte_api.client(retries=1), staged, since)
    days = list(found.days.items())
    requests = [
        RunRequest(
            run_key=f"{day}:{','.join(turbines)}:{found.last_arrival[day].isoformat()}",
            partition_key=day.isoformat(),
            run_config={"resources": {"fleet": {"config": {"turbines": turbines}}}},
            tags={"windpipe/trigger": "fonte-changes"},
        )
        for day, turbines in days[:MAX_RUNS_PER_TICK]
    ]
    # The rest waits for the next tick, from the same cursor (their run keys dedupe the others).
    cursor = found.cursor.isoformat() if len(days) <= MAX_RUNS_PER_TICK else since.isoformat()
    if not requests:
        return SensorResult(skip_reason=SkipReason(f"no change since {since.isoformat()}"), cursor=cursor)
    context.log.info("changed: " + "; ".join(f"{day} {','.join(turbines)}" for day, turbines in days))
    return SensorResult(run_requests=requests, cursor=cursor)

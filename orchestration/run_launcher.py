"""The run launcher of the compose deployment: Dagster's DefaultRunLauncher (runs execute in
a process the code server starts), plus a health check so that run monitoring can see a run
whose worker died (docs/orchestration.md, "The compose deployment").

The stock launcher has no health check, so Dagster's run monitoring skips runs in STARTED:
when the code server's container is recreated, its run processes die with it and their runs
stay STARTED until someone cancels them by hand. This launcher asks the code server that
started the run (its address is in the run's tags) whether it still executes it. A code
server that answers without the run means the worker is gone: run monitoring marks the run
failed and `run_retries` launches it again. A code server that does not answer yet (its
container restarting) is asked again at the next poll: failing the run then would make the
daemon's retry fail too, since a retry needs the code server to plan it.

It uses members of Dagster outside its public API (the gRPC client's `can_cancel_execution`,
which `dagster code-server start` forwards to the process running the code, and the run's
gRPC tag); tests/fast/test_dagster_internals.py fails with a clear message when
the pinned version no longer has them.
"""

from __future__ import annotations

import json

from dagster import DefaultRunLauncher
from dagster._core.launcher.base import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.storage.tags import GRPC_INFO_TAG
from dagster._grpc.client import DagsterGrpcClient
from dagster._grpc.types import CanCancelExecutionRequest, CanCancelExecutionResult
from dagster._serdes import deserialize_value


class MonitoredRunLauncher(DefaultRunLauncher):
    """DefaultRunLauncher whose runs' workers can be health-checked by run monitoring."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        info = run.tags.get(GRPC_INFO_TAG)
        if not info:
            return CheckRunHealthResult(WorkerStatus.UNKNOWN, "the run has no code server address")
        address = json.loads(info)
        client = DagsterGrpcClient(port=address.get("port"), socket=address.get("socket"), host=address.get("host"))
        where = f"{address.get('host')}:{address.get('port')}"
        try:
            answer = client.can_cancel_execution(CanCancelExecutionRequest(run_id=run.run_id), timeout=10)
            executing = deserialize_value(answer, CanCancelExecutionResult).can_cancel
        except Exception as exc:  # any gRPC failure: the code server is down or being replaced
            # Run monitoring fails every status but RUNNING and SUCCESS at once: RUNNING here
            # means "ask again at the next poll" (see the module's docstring).
            return CheckRunHealthResult(
                WorkerStatus.RUNNING, f"the code server at {where} does not answer yet ({exc.__class__.__name__})"
            )
        if executing:
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        return CheckRunHealthResult(
            WorkerStatus.FAILED, f"the code server at {where} is not executing this run: its worker died"
        )

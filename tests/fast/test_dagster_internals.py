"""Our code leans on a few members of Dagster and dagster-dbt outside their public API
(orchestration/run_launcher.py, orchestration/resources.py). These tests fail with a clear
message when an upgrade of the pinned versions removes or changes them, instead of the
deployment breaking silently."""

from __future__ import annotations

import inspect

import pytest


def needs(condition: bool, what: str) -> None:
    if not condition:
        pytest.fail(f"the pinned Dagster no longer has {what}: update orchestration/ before upgrading")


def test_the_run_launcher_can_ask_a_code_server_about_a_run():
    from dagster import DefaultRunLauncher
    from dagster._core.launcher import base
    from dagster._core.storage import tags
    from dagster._grpc import client, proxy_server, types

    needs(hasattr(base, "CheckRunHealthResult") and hasattr(base, "WorkerStatus"), "CheckRunHealthResult/WorkerStatus")
    needs(
        {"RUNNING", "FAILED", "UNKNOWN"} <= {s.name for s in base.WorkerStatus}, "WorkerStatus RUNNING/FAILED/UNKNOWN"
    )
    needs(
        isinstance(getattr(DefaultRunLauncher, "supports_check_run_worker_health", None), property),
        "RunLauncher.supports_check_run_worker_health",
    )
    needs(getattr(tags, "GRPC_INFO_TAG", None) == ".dagster/grpc_info", "the run tag GRPC_INFO_TAG")
    needs(
        "timeout" in inspect.signature(client.DagsterGrpcClient.can_cancel_execution).parameters,
        "DagsterGrpcClient.can_cancel_execution(request, timeout)",
    )
    needs(hasattr(types, "CanCancelExecutionRequest"), "CanCancelExecutionRequest")
    needs("can_cancel" in types.CanCancelExecutionResult.__annotations__, "CanCancelExecutionResult.can_cancel")
    # `dagster code-server start` is a proxy: it must forward the question to the code's process.
    needs("CanCancelExecution" in vars(proxy_server.DagsterProxyApiServicer), "the proxy's CanCancelExecution")


def test_the_dbt_resource_overrides_members_dagster_dbt_still_has():
    from dagster_dbt import DbtCliResource

    needs(hasattr(DbtCliResource, "_cli_version"), "DbtCliResource._cli_version")
    needs(hasattr(DbtCliResource, "_initialize_dbt_core_adapter"), "DbtCliResource._initialize_dbt_core_adapter")
    parameters = list(inspect.signature(DbtCliResource._initialize_dbt_core_adapter).parameters)
    needs(parameters == ["self", "args"], f"_initialize_dbt_core_adapter(self, args) (now {parameters})")

"""The few GraphQL calls the Dagster UI makes to launch and follow runs, for the compose
rehearsal: a backfill, a run of one partition, and the runs' states."""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests

LOCATION = "windpipe"  # docker/dagster/workspace.yaml
REPOSITORY = "__repository__"  # the repository a Definitions object makes
JOB = "daily_pipeline"
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


class GraphQLError(RuntimeError):
    pass


@dataclass(frozen=True)
class Run:
    run_id: str
    status: str
    tags: dict[str, str]
    seconds: float | None = None  # from start to end, once it has ended


class DagsterUI:
    def __init__(self, url: str):
        self.url = url.rstrip("/") + "/graphql"

    def query(self, text: str, **variables) -> dict:
        response = requests.post(self.url, json={"query": text, "variables": variables}, timeout=60)
        if response.status_code != 200:
            raise GraphQLError(f"HTTP {response.status_code}: {response.text[:500]}")
        body = response.json()
        if body.get("errors"):
            raise GraphQLError(str(body["errors"])[:1000])
        return body["data"]

    def asset_keys(self) -> list[list[str]]:
        data = self.query("{ assetNodes { assetKey { path } } }")
        return [node["assetKey"]["path"] for node in data["assetNodes"]]

    def launch_backfill(self, days: list[str]) -> str:
        """What the UI's "Materialize all" over a range of partitions does: an asset backfill."""
        params = {"assetSelection": [{"path": path} for path in self.asset_keys()], "partitionNames": days}
        data = self.query(
            """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
                 __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }""",
            params=params,
        )["launchPartitionBackfill"]
        if data["__typename"] != "LaunchBackfillSuccess":
            raise GraphQLError(f"backfill of {days} not launched: {data}")
        return data["backfillId"]

    def launch_partition(self, day: str, assets: list[list[str]] | None = None) -> str:
        """A run of the job for one day: every asset, or only `assets` (their key paths)."""
        selector = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, "jobName": JOB}
        if assets is not None:
            selector["assetSelection"] = [{"path": path} for path in assets]
        params = {"selector": selector, "executionMetadata": {"tags": [{"key": "dagster/partition", "value": day}]}}
        data = self.query(
            """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
                 __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""",
            params=params,
        )["launchRun"]
        if data["__typename"] != "LaunchRunSuccess":
            raise GraphQLError(f"run of {day} not launched: {data}")
        return data["run"]["runId"]

    def runs(self, **tags: str) -> list[Run]:
        """Every run (or those with these tags), newest first."""
        tag_filter = [{"key": k.replace("__", "/"), "value": v} for k, v in tags.items()]
        data = self.query(
            """query($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) {
                 __typename ... on Runs { results { runId status tags { key value } } } } }""",
            tags=tag_filter or None,
        )["runsOrError"]
        return [
            Run(r["runId"], r["status"], {t["key"]: t["value"] for t in r["tags"]}) for r in data.get("results", [])
        ]

    def run(self, run_id: str) -> Run:
        data = self.query(
            """query($id: ID!) { runOrError(runId: $id) {
                 __typename ... on Run { runId status startTime endTime tags { key value } } } }""",
            id=run_id,
        )["runOrError"]
        start, end = data.get("startTime"), data.get("endTime")
        seconds = end - start if start and end else None
        return Run(data["runId"], data["status"], {t["key"]: t["value"] for t in data["tags"]}, seconds)

    def failure_messages(self, run_id: str) -> list[str]:
        """Why a run failed: its error events' messages (steps' errors included)."""
        data = self.query(
            """query($id: ID!) { logsForRun(runId: $id) { __typename ... on EventConnection { events {
                 __typename ... on MessageEvent { message level }
                 ... on ExecutionStepFailureEvent { error { message } } } } } }""",
            id=run_id,
        )["logsForRun"]
        messages = []
        for event in data.get("events", []):
            if event.get("error"):
                messages.append(event["error"]["message"].strip())
            elif event.get("level") == "ERROR" or event["__typename"] in {"RunFailureEvent", "EngineEvent"}:
                messages.append(str(event.get("message", "")).strip())
        return [m for m in messages if m]

    def wait(self, predicate, what: str, timeout: float, poll: float = 1.0):
        """Poll until predicate() returns something truthy; return it."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
            time.sleep(poll)

"""The compose deployment rehearsed without Docker (devstack/rehearsal.py, `make
compose-rehearsal`): docker-compose.yml's Dagster services run as processes with their own
commands, environment and docker/dagster/* files, driven through the webserver's GraphQL."""

from __future__ import annotations

import psycopg
import pytest

from devstack import rehearsal as compose
from orchestration.assets.transformation import RUN_TARGETS

from .expected import FLEET_DAY_OF_SIGNALS, alvo_statistics, assert_matches, expected_statistics, fonte_samples

DAYS = [f"2024-05-{day}" for day in range(20, 25)]
RUN_KILLED_FAILS_WITHIN = 30  # s: the code server sees its run process gone at once
CODE_SERVER_KILLED_FAILS_WITHIN = 60  # s: run monitoring's poll interval (10 s) and a restart


class RehearsedStack:
    """What tests/expected.py reads: the rehearsal's Fonte and Alvo."""

    def __init__(self, rehearsal: compose.Rehearsal):
        self.rehearsal = rehearsal

    def alvo(self):
        return self.rehearsal.alvo()

    def fonte_owner(self):
        return psycopg.connect(self.rehearsal.stack_config.fonte_owner_url, autocommit=True)


@pytest.fixture(scope="module")
def rehearsed(server_home):
    home = server_home("rehearsal")
    with compose.running(home) as rehearsal:
        seen = compose.rehearse(rehearsal)
        killed = [seen[run]["run_id"] for run in ("killed_run", "killed_code_server")]
        seen["folders_left"] = [run_id for run_id in killed if (RUN_TARGETS / run_id).exists()]
        stack = RehearsedStack(rehearsal)
        values = {day: (alvo_statistics(stack, day), expected_statistics(fonte_samples(stack, day))) for day in DAYS}
        compute_logs = list(rehearsal.layout.paths["/opt/dagster/compute-logs"].rglob("*"))
        reports = sorted(p.name for p in rehearsal.layout.paths["/opt/windpipe/reports"].glob("*.html"))
    return seen, values, compute_logs, reports


def test_a_backfill_and_two_partitions_at_once_all_succeed(rehearsed):
    seen, *_ = rehearsed
    states = seen["killed_daemon"]["states"]
    # The 2-day backfill as one run, one single day's run, and the retry of the other's
    # (its first run was the one killed).
    assert len(states) == 3
    assert set(states.values()) == {"SUCCESS"}, states


def test_every_day_has_one_copy_equal_to_python(rehearsed):
    seen, values, *_ = rehearsed
    assert seen["rows"] == dict.fromkeys(DAYS, FLEET_DAY_OF_SIGNALS)
    for actual, expected in values.values():
        assert_matches(actual, expected)


def test_a_killed_run_fails_promptly_and_its_retry_succeeds(rehearsed):
    killed = rehearsed[0]["killed_run"]
    assert killed["failed_after"] < RUN_KILLED_FAILS_WITHIN
    assert list(killed["retries"].values()) == ["SUCCESS"]


def test_the_killed_runs_dbt_folders_are_removed_by_the_runs_after_them(rehearsed):
    # Killed, they never reach their own cleanup; their retries sweep them.
    assert rehearsed[0]["folders_left"] == []


def test_a_killed_code_server_fails_its_run_by_monitoring_and_the_retry_succeeds(rehearsed):
    killed = rehearsed[0]["killed_code_server"]
    assert killed["failed_after"] < CODE_SERVER_KILLED_FAILS_WITHIN
    assert list(killed["retries"].values()) == ["SUCCESS"]


def test_runs_queued_while_the_daemon_is_dead_start_once_when_it_returns(rehearsed):
    killed = rehearsed[0]["killed_daemon"]
    assert set(killed["queued"].values()) == {"QUEUED"}
    assert set(killed["states"].values()) == {"SUCCESS"}
    assert set(killed["runs_per_day"].values()) == {1}  # retries not counted


def test_step_logs_and_reports_land_on_the_shared_volumes(rehearsed):
    _, _, compute_logs, reports = rehearsed
    assert any(p.is_file() and p.stat().st_size > 0 for p in compute_logs)
    assert reports == ["2024-05-20.html", "2024-05-21.html"]  # the backfill's (the other runs skip the report)

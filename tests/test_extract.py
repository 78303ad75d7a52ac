"""`python -m extract` against the real API and a real Alvo, and a fake API that fails."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from devstack.config import REPO_ROOT

from .fake_api import FakeApi, Scenario


def staged(stack, day: str, variable: str | None = None):
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    query = "select timestamp, variable, value, _loaded_at from raw.fonte_data where timestamp >= %s and timestamp < %s"
    params = [start, start + timedelta(days=1)]
    if variable:
        query += " and variable = %s"
        params.append(variable)
    with stack.alvo() as conn:
        return conn.execute(query + " order by variable, timestamp", params).fetchall()


def fonte_values(stack, day: str, variable: str):
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    with stack.fonte_owner() as conn:
        return conn.execute(
            f"select timestamp, {variable} from data where turbine_id = 'T01' and timestamp >= %s and timestamp < %s"
            " order by timestamp",
            (start, start + timedelta(days=1)),
        ).fetchall()


def assert_one_copy_equal_to_fonte(stack, day, variables):
    for variable in variables:
        rows = staged(stack, day, variable)
        assert len(rows) == 1440, variable
        assert [(r[0], r[2]) for r in rows] == fonte_values(stack, day, variable)


def test_a_day_loads_1440_rows_per_column_equal_to_fonte(pipeline_stack):
    result = pipeline_stack.extract("2024-05-21")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("2024-05-21  wind_speed,power  1440 rows (2880 values)")
    assert_one_copy_equal_to_fonte(pipeline_stack, "2024-05-21", ["wind_speed", "power"])
    assert staged(pipeline_stack, "2024-05-21", "ambient_temperature") == []


def test_rerun_leaves_one_fresh_copy_and_other_days_untouched(pipeline_stack):
    assert pipeline_stack.extract("2024-05-21").returncode == 0
    assert pipeline_stack.extract("2024-05-22").returncode == 0
    neighbour = staged(pipeline_stack, "2024-05-22")
    before = staged(pipeline_stack, "2024-05-21", "wind_speed") + staged(pipeline_stack, "2024-05-21", "power")
    assert pipeline_stack.extract("2024-05-21").returncode == 0
    after = staged(pipeline_stack, "2024-05-21", "wind_speed") + staged(pipeline_stack, "2024-05-21", "power")
    assert [r[:3] for r in after] == [r[:3] for r in before]
    assert min(r[3] for r in after) > max(r[3] for r in before)  # really reloaded
    assert staged(pipeline_stack, "2024-05-22") == neighbour


def test_other_columns_are_added_without_removing_staged_ones(pipeline_stack):
    assert pipeline_stack.extract("2024-05-24", "--columns", "wind_speed", "power").returncode == 0
    power_before = staged(pipeline_stack, "2024-05-24", "power")
    assert staged(pipeline_stack, "2024-05-24", "ambient_temperature") == []
    result = pipeline_stack.extract("2024-05-24", "--columns", "ambient_temperature")
    assert result.returncode == 0, result.stderr
    assert staged(pipeline_stack, "2024-05-24", "power") == power_before
    assert_one_copy_equal_to_fonte(pipeline_stack, "2024-05-24", ["wind_speed", "power", "ambient_temperature"])


def test_columns_accept_commas_and_repeats(pipeline_stack):
    result = pipeline_stack.extract("2024-05-22", "--columns", "power,ambient_temperature", "-c", "power")
    assert result.returncode == 0, result.stderr
    assert "power,ambient_temperature  1440 rows" in result.stdout


def test_two_runs_of_the_same_day_at_once_leave_one_copy(pipeline_stack):
    cmd = [sys.executable, "-m", "extract", "2024-05-20", "--columns", "wind_speed", "power", "ambient_temperature"]
    runs = [
        subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env=pipeline_stack.process_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert_one_copy_equal_to_fonte(pipeline_stack, "2024-05-20", ["wind_speed", "power", "ambient_temperature"])


def test_a_range_of_days_in_one_run(pipeline_stack):
    result = pipeline_stack.extract("2024-05-25", "--to", "2024-05-26")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["2024-05-25", "2024-05-26"]
    for day in ("2024-05-25", "2024-05-26"):
        assert_one_copy_equal_to_fonte(pipeline_stack, day, ["wind_speed", "power"])


def test_503s_then_success_is_retried(pipeline_stack):
    with FakeApi(Scenario(pipeline_stack.api_url, fail_first=3, retry_after="1")) as api:
        result = pipeline_stack.extract("2024-05-25", "--api-url", api.url)
        assert result.returncode == 0, result.stderr
        assert api.scenario.data_requests == 4
    assert_one_copy_equal_to_fonte(pipeline_stack, "2024-05-25", ["wind_speed", "power"])


def test_a_persistently_failing_api_is_exit_1_after_retries(pipeline_stack):
    before = staged(pipeline_stack, "2024-05-25")
    with FakeApi(Scenario(pipeline_stack.api_url, fail_first=100, fail_status=500)) as api:
        result = pipeline_stack.extract("2024-05-25", "--api-url", api.url, "--retries", "2")
        assert api.scenario.data_requests == 3
    assert result.returncode == 1
    assert result.stderr.startswith("error: the Fonte API at")
    assert "Traceback" not in result.stderr
    assert staged(pipeline_stack, "2024-05-25") == before


def test_connection_dropped_mid_body_keeps_the_previous_copy(pipeline_stack):
    assert pipeline_stack.extract("2024-05-26").returncode == 0
    before = staged(pipeline_stack, "2024-05-26")
    with FakeApi(Scenario(pipeline_stack.api_url, cut_body_at=0.5)) as api:
        result = pipeline_stack.extract("2024-05-26", "--api-url", api.url)
    assert result.returncode == 1, result.stdout
    assert "error:" in result.stderr
    assert "Traceback" not in result.stderr
    assert staged(pipeline_stack, "2024-05-26") == before


def test_a_failure_between_the_delete_and_the_insert_keeps_the_previous_copy(pipeline_stack):
    """The delete of the old copy and the insert of the new one commit together or not at all:
    a trigger refuses the insert, which runs after the delete (every other failure test breaks
    the load before the delete)."""
    assert pipeline_stack.extract("2024-05-26").returncode == 0
    before = staged(pipeline_stack, "2024-05-26")
    with pipeline_stack.alvo() as conn:
        conn.execute(
            "create function raw.refuse_insert() returns trigger language plpgsql as "
            "$$ begin raise exception 'injected: the insert fails after the delete'; end $$"
        )
        conn.execute(
            "create trigger refuse_insert before insert on raw.fonte_data "
            "for each statement execute function raw.refuse_insert()"
        )
    try:
        result = pipeline_stack.extract("2024-05-26")
    finally:
        with pipeline_stack.alvo() as conn:
            conn.execute("drop function raw.refuse_insert() cascade")
    assert result.returncode == 1, result.stdout
    assert "Alvo refused the load of 2024-05-26: injected: the insert fails after the delete" in result.stderr
    assert "Traceback" not in result.stderr
    assert staged(pipeline_stack, "2024-05-26") == before


@pytest.mark.parametrize(
    "body,needle",
    [
        (b"timestamp,wind_speed,power\n2024-05-26T00:00:00+00:00,1.0,abc\n", "malformed"),
        (b"timestamp,wind_speed\n2024-05-26T00:00:00+00:00,1.0\n", "expected timestamp,wind_speed,power"),
        (
            b"timestamp,wind_speed,power\n2024-05-26T00:00:00+00:00,1.0,2.0\n2024-05-26T00:00:00+00:00,1.0,2.0\n",
            # The extractor's own message, not PostgreSQL's unique-violation text.
            "error: the API sent 1 duplicate timestamps for 2024-05-26\n",
        ),
        (b"timestamp,wind_speed,power\n2024-05-26T00:00:00+00:00,1.0,2.0\n2024-05-26T00:01:00+00:00,1.", "malformed"),
        (b"timestamp,wind_speed,power\n2024-05-27T00:00:00+00:00,1.0,2.0\n", "outside"),
        (b"", "expected timestamp,wind_speed,power"),
    ],
    ids=["wrong-type", "missing-column", "duplicate-timestamps", "truncated", "wrong-day", "empty"],
)
def test_a_malformed_body_is_exit_1_and_staging_unchanged(pipeline_stack, body, needle):
    assert pipeline_stack.extract("2024-05-26").returncode == 0
    before = staged(pipeline_stack, "2024-05-26")
    with FakeApi(Scenario(pipeline_stack.api_url, body=body)) as api:
        result = pipeline_stack.extract("2024-05-26", "--api-url", api.url)
    assert result.returncode == 1
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert staged(pipeline_stack, "2024-05-26") == before


@pytest.mark.parametrize(
    "args,code,needle",
    [
        (["2024-02-30"], 2, "is not a day like 2024-05-23"),
        (["23/05/2024"], 2, "is not a day like 2024-05-23"),
        (["2024-05-23", "--to", "2024-05-22"], 2, "--to 2024-05-22 is before 2024-05-23"),
        (["2024-05-23", "--columns"], 2, "'--columns' requires an argument"),
        ([], 2, "Missing argument 'DAY'"),
        (
            ["2024-05-23", "--columns", "wind_speed", "gust"],
            2,
            "unknown column gust; the API allows: wind_speed, power, ambient_temperature",
        ),
        (
            ["2024-06-30"],
            1,
            "no data for 2024-06-30 in Fonte; Fonte covers 2024-05-20T00:00:00+00:00 to 2024-05-29T23:59:00+00:00",
        ),
        (["2024-05-29", "--to", "2024-05-30"], 1, "no data for 2024-05-30 in Fonte"),
        (
            ["2024-05-23", "--api-url", "http://127.0.0.1:9", "--retries", "1"],
            1,
            "cannot reach the Fonte API at http://127.0.0.1:9",
        ),
        (["2024-05-23", "--alvo-port", "9"], 1, "cannot connect to Alvo at 127.0.0.1:9/alvo"),
        (["2024-05-23", "--alvo-password", "wrong"], 1, "password authentication failed"),
    ],
)
def test_errors_have_an_exit_code_and_one_clear_message(pipeline_stack, args, code, needle):
    result = pipeline_stack.extract(*args)
    assert result.returncode == code, result.stderr
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


def test_verbose_shows_the_traceback(pipeline_stack):
    result = pipeline_stack.extract("2024-05-23", "--alvo-port", "9", "--verbose")
    assert result.returncode == 1
    assert "Traceback" in result.stderr


def test_help_documents_every_setting(pipeline_stack):
    text = pipeline_stack.extract("--help").stdout
    for needle in (
        "--to",
        "--columns",
        "FONTE_API_URL",
        "ALVO_HOST",
        "ALVO_PORT",
        "ALVO_USER",
        "ALVO_PASSWORD",
        "ALVO_DB",
        "--retries",
        "--timeout",
        "Exit codes",
    ):
        assert needle in text, needle

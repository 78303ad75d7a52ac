"""`python -m extract` against the real API and a real Alvo, and a fake API that fails."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from devstack.config import REPO_ROOT
from fonte_api.models import DEFAULT_TURBINE

from .conftest import create_alvo_database, drop_alvo_database
from .expected import CATALOG, FLEET
from .fake_api import FakeApi, Scenario

# The single-turbine pipeline's day: enough for the tests of staging's mechanics.
SMALL = ("--turbines", DEFAULT_TURBINE.id, "--columns", "wind_speed", "power")


def staged(stack, day: str, variable: str | None = None, turbine: str | None = None):
    """The day's staged rows (turbine, timestamp, variable, value, _loaded_at)."""
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    query = (
        "select turbine, timestamp, variable, value, _loaded_at from raw.fonte_data"
        " where timestamp >= %s and timestamp < %s"
    )
    params = [start, start + timedelta(days=1)]
    for column, value in (("variable", variable), ("turbine", turbine)):
        if value:
            query += f" and {column} = %s"
            params.append(value)
    with stack.alvo() as conn:
        return conn.execute(query + " order by turbine, variable, timestamp", params).fetchall()


def fonte_values(stack, day: str, variable: str, turbine: str = DEFAULT_TURBINE.id):
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    with stack.fonte_owner() as conn:
        return conn.execute(
            f"select timestamp, {variable} from data where turbine_id = %s and timestamp >= %s and timestamp < %s"
            " order by timestamp",
            (turbine, start, start + timedelta(days=1)),
        ).fetchall()


def assert_one_copy_equal_to_fonte(stack, day, variables, turbines=FLEET):
    for turbine in turbines:
        for variable in variables:
            rows = staged(stack, day, variable, turbine)
            assert len(rows) == 1440, (turbine, variable)
            assert [(r[1], r[3]) for r in rows] == fonte_values(stack, day, variable, turbine)


def test_a_day_loads_every_turbine_and_tag_equal_to_fonte(pipeline_stack):
    result = pipeline_stack.extract("2024-05-21")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(
        f"2024-05-21  {','.join(FLEET)}  {len(CATALOG)} tags  {1440 * len(FLEET)} rows "
        f"({1440 * len(FLEET) * len(CATALOG)} values)"
    )
    assert_one_copy_equal_to_fonte(pipeline_stack, "2024-05-21", list(CATALOG))
    assert len(staged(pipeline_stack, "2024-05-21")) == 1440 * len(FLEET) * len(CATALOG)


def test_the_old_default_is_one_option_away(pipeline_stack):
    # A day no other test of this module stages.
    result = pipeline_stack.extract("2024-05-28", "--turbines", "T01", "--columns", "wind_speed", "power")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("2024-05-28  T01  wind_speed,power  1440 rows (2880 values)")
    assert_one_copy_equal_to_fonte(pipeline_stack, "2024-05-28", ["wind_speed", "power"], ["T01"])
    assert {(r[0], r[2]) for r in staged(pipeline_stack, "2024-05-28")} == {("T01", "wind_speed"), ("T01", "power")}


def test_the_catalog_and_the_fleet_are_staged_as_the_api_serves_them(pipeline_stack):
    assert pipeline_stack.extract("2024-05-23", "--turbines", "T02", "--columns", "power").returncode == 0
    with pipeline_stack.alvo() as conn:
        tags = conn.execute(
            "select name, position, unit, kind, range_min, range_max, iec_name, varies, interval_seconds"
            " from raw.fonte_variables"
        )
        turbines = conn.execute(
            "select id, is_default, rated_power_kw, cut_in_speed_ms, rated_speed_ms, cut_out_speed_ms"
            " from raw.fonte_turbines order by id"
        ).fetchall()
        tags = sorted(tags.fetchall(), key=lambda row: row[1])
    assert tags == [
        (v.name, i, v.unit, v.kind, v.range_min, v.range_max, v.iec_name, v.varies, 60.0)
        for i, v in enumerate(CATALOG.values(), 1)
    ]
    assert turbines == [(t, t == DEFAULT_TURBINE.id, 2000.0, 3.0, 12.0, 25.0) for t in FLEET]


def test_rerun_leaves_one_fresh_copy_and_other_days_untouched(pipeline_stack):
    assert pipeline_stack.extract("2024-05-21", *SMALL).returncode == 0
    assert pipeline_stack.extract("2024-05-22", *SMALL).returncode == 0
    neighbour = staged(pipeline_stack, "2024-05-22")
    before = staged(pipeline_stack, "2024-05-21", "wind_speed", "T01") + staged(
        pipeline_stack, "2024-05-21", "power", "T01"
    )
    assert pipeline_stack.extract("2024-05-21", *SMALL).returncode == 0
    after = staged(pipeline_stack, "2024-05-21", "wind_speed", "T01") + staged(
        pipeline_stack, "2024-05-21", "power", "T01"
    )
    assert [r[:4] for r in after] == [r[:4] for r in before]
    assert min(r[4] for r in after) > max(r[4] for r in before)  # really reloaded
    assert staged(pipeline_stack, "2024-05-22") == neighbour


def test_other_columns_and_turbines_are_added_without_removing_staged_ones(pipeline_stack):
    assert pipeline_stack.extract("2024-05-24", "--columns", "wind_speed", "power").returncode == 0
    power_before = staged(pipeline_stack, "2024-05-24", "power")
    assert staged(pipeline_stack, "2024-05-24", "ambient_temperature") == []
    result = pipeline_stack.extract("2024-05-24", "--turbines", "T02", "--columns", "ambient_temperature")
    assert result.returncode == 0, result.stderr
    assert staged(pipeline_stack, "2024-05-24", "power") == power_before
    assert_one_copy_equal_to_fonte(pipeline_stack, "2024-05-24", ["wind_speed", "power"])
    assert_one_copy_equal_to_fonte(pipeline_stack, "2024-05-24", ["ambient_temperature"], ["T02"])
    assert staged(pipeline_stack, "2024-05-24", "ambient_temperature", "T01") == []


def test_columns_and_turbines_accept_commas_and_repeats(pipeline_stack):
    result = pipeline_stack.extract(
        "2024-05-22", "--columns", "power,ambient_temperature", "-c", "power", "-t", "T02,T01"
    )
    assert result.returncode == 0, result.stderr
    assert "T02,T01  power,ambient_temperature  2880 rows" in result.stdout


def test_two_runs_of_the_same_day_at_once_leave_one_copy(pipeline_stack):
    cmd = [sys.executable, "-m", "extract", "2024-05-20", "--columns", "wind_speed", "power", "ambient_temperature"]
    cmd += ["--turbines", *FLEET[:2]]
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
    assert_one_copy_equal_to_fonte(
        pipeline_stack, "2024-05-20", ["wind_speed", "power", "ambient_temperature"], FLEET[:2]
    )


def test_a_range_of_days_in_one_run(pipeline_stack):
    result = pipeline_stack.extract("2024-05-25", "--to", "2024-05-26", *SMALL)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["2024-05-25", "2024-05-26"]
    for day in ("2024-05-25", "2024-05-26"):
        assert_one_copy_equal_to_fonte(pipeline_stack, day, ["wind_speed", "power"], ["T01"])


def test_503s_then_success_is_retried(pipeline_stack):
    with FakeApi(Scenario(pipeline_stack.api_url, fail_first=3, retry_after="1")) as api:
        result = pipeline_stack.extract("2024-05-25", "--api-url", api.url, *SMALL)
        assert result.returncode == 0, result.stderr
        assert api.scenario.data_requests == 4
    assert_one_copy_equal_to_fonte(pipeline_stack, "2024-05-25", ["wind_speed", "power"], ["T01"])


def test_a_persistently_failing_api_is_exit_1_after_retries(pipeline_stack):
    before = staged(pipeline_stack, "2024-05-25")
    with FakeApi(Scenario(pipeline_stack.api_url, fail_first=100, fail_status=500)) as api:
        result = pipeline_stack.extract("2024-05-25", "--api-url", api.url, "--retries", "2", *SMALL)
        assert api.scenario.data_requests == 3
    assert result.returncode == 1
    assert result.stderr.startswith("error: the Fonte API at")
    assert "Traceback" not in result.stderr
    assert staged(pipeline_stack, "2024-05-25") == before


def test_connection_dropped_mid_body_keeps_the_previous_copy(pipeline_stack):
    assert pipeline_stack.extract("2024-05-26", *SMALL).returncode == 0
    before = staged(pipeline_stack, "2024-05-26")
    with FakeApi(Scenario(pipeline_stack.api_url, cut_body_at=0.5)) as api:
        result = pipeline_stack.extract("2024-05-26", "--api-url", api.url, *SMALL)
    assert result.returncode == 1, result.stdout
    assert "error:" in result.stderr
    assert "Traceback" not in result.stderr
    assert staged(pipeline_stack, "2024-05-26") == before


def test_a_failure_between_the_delete_and_the_insert_keeps_the_previous_copy(pipeline_stack):
    """The delete of the old copy and the insert of the new one commit together or not at all:
    a trigger refuses the insert, which runs after the delete (every other failure test breaks
    the load before the delete)."""
    assert pipeline_stack.extract("2024-05-26", *SMALL).returncode == 0
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
        result = pipeline_stack.extract("2024-05-26", *SMALL)
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
        (b"turbine,timestamp,wind_speed,power\nT01,2024-05-26T00:00:00+00:00,1.0,abc\n", "malformed"),
        (
            b"turbine,timestamp,wind_speed\nT01,2024-05-26T00:00:00+00:00,1.0\n",
            "expected turbine,timestamp,wind_speed,power",
        ),
        (
            b"turbine,timestamp,wind_speed,power\n"
            b"T01,2024-05-26T00:00:00+00:00,1.0,2.0\nT01,2024-05-26T00:00:00+00:00,1.0,2.0\n",
            # The extractor's own message, not PostgreSQL's unique-violation text.
            "error: the API sent 1 duplicate timestamps for 2024-05-26\n",
        ),
        (
            b"turbine,timestamp,wind_speed,power\nT01,2024-05-26T00:00:00+00:00,1.0,2.0\nT01,2024-05-26T00:01:00+00:00,1.",
            "malformed",
        ),
        (b"turbine,timestamp,wind_speed,power\nT01,2024-05-27T00:00:00+00:00,1.0,2.0\n", "outside"),
        (b"turbine,timestamp,wind_speed,power\nT02,2024-05-26T00:00:00+00:00,1.0,2.0\n", "turbines not asked for"),
        (b"", "expected turbine,timestamp,wind_speed,power"),
    ],
    ids=["wrong-type", "missing-column", "duplicate-timestamps", "truncated", "wrong-day", "other-turbine", "empty"],
)
def test_a_malformed_body_is_exit_1_and_staging_unchanged(pipeline_stack, body, needle):
    assert pipeline_stack.extract("2024-05-26", *SMALL).returncode == 0
    before = staged(pipeline_stack, "2024-05-26")
    with FakeApi(Scenario(pipeline_stack.api_url, body=body)) as api:
        result = pipeline_stack.extract("2024-05-26", "--api-url", api.url, *SMALL)
    assert result.returncode == 1
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert staged(pipeline_stack, "2024-05-26") == before


def test_a_turbine_without_data_for_the_day_is_one_line_and_stages_nothing(pipeline_stack):
    """T03's samples of the day are taken out of Fonte: the fleet-day is refused whole (one
    transaction), with T03 named, and what was staged stays."""
    day = "2024-05-27"
    assert pipeline_stack.extract(day, "--columns", "power").returncode == 0
    before = staged(pipeline_stack, day)
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    with pipeline_stack.fonte_owner() as conn:
        removed = conn.execute(
            "delete from data where turbine_id = 'T03' and timestamp >= %s and timestamp < %s returning *",
            (start, start + timedelta(days=1)),
        ).fetchall()
    try:
        result = pipeline_stack.extract(day, "--columns", "power")
    finally:
        with pipeline_stack.fonte_owner() as conn, conn.cursor() as cur:
            cur.executemany(f"insert into data values ({', '.join(['%s'] * len(removed[0]))})", removed)
    assert result.returncode == 1, result.stdout
    assert result.stderr == f"error: no data for turbine T03 on {day} in Fonte; {day} was not staged\n"
    assert staged(pipeline_stack, day) == before


def test_a_single_turbine_staging_table_is_keyed_by_turbine_on_the_next_run(session_stack, alvo_template):
    """An Alvo staged before the fleet: `raw.fonte_data(timestamp, variable, value,
    _loaded_at)`. The next extraction adds `turbine`, assigns the old rows to the default
    turbine (the only one the single-turbine API served) and keys the table by turbine."""
    stack = create_alvo_database(session_stack, alvo_template, "alvo_single_turbine")
    try:
        with stack.alvo() as conn:
            conn.execute("drop table raw.fonte_data")
            conn.execute(
                "create table raw.fonte_data (timestamp timestamptz not null, variable text not null,"
                " value float8, _loaded_at timestamptz not null default now(),"
                " constraint fonte_data_pkey primary key (timestamp, variable))"
            )
            conn.execute("insert into raw.fonte_data values ('2024-05-22 00:00+00', 'power', 1.5, now())")
        result = stack.extract("2024-05-23", *SMALL)
        assert result.returncode == 0, result.stderr
        with stack.alvo() as conn:
            old = conn.execute("select turbine, variable, value from raw.fonte_data where value = 1.5").fetchall()
            key = conn.execute(
                "select pg_get_constraintdef(oid) from pg_constraint where conname = 'fonte_data_pkey'"
            ).fetchone()[0]
        assert old == [(DEFAULT_TURBINE.id, "power", 1.5)]
        assert key == 'PRIMARY KEY ("timestamp", turbine, variable)'
        assert_one_copy_equal_to_fonte(stack, "2024-05-23", ["wind_speed", "power"], ["T01"])
    finally:
        drop_alvo_database(session_stack, "alvo_single_turbine")


@pytest.mark.parametrize(
    "args,code,needle",
    [
        (["2024-02-30"], 2, "is not a day like 2024-05-23"),
        (["23/05/2024"], 2, "is not a day like 2024-05-23"),
        (["2024-05-23", "--to", "2024-05-22"], 2, "--to 2024-05-22 is before 2024-05-23"),
        (["2024-05-23", "--columns"], 2, "'--columns' requires an argument"),
        ([], 2, "give DAY, or --changed (not both)"),
        (["2024-05-23", "--changed"], 2, "give DAY, or --changed (not both)"),
        (["2024-05-23", "--since", "2024-05-23"], 2, "--since goes with --changed"),
        (["--changed", "--since", "yesterday"], 2, "'yesterday' is not an ISO 8601 timestamp"),
        (
            ["2024-05-23", "--columns", "wind_speed", "gust"],
            2,
            "unknown column gust; the API allows: wind_speed, power, ambient_temperature",
        ),
        (
            ["2024-05-23", "--turbines", "T01", "T99"],
            2,
            f"Invalid value for --turbines: unknown turbine T99; the API allows: {', '.join(FLEET)}",
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
        "--turbines",
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

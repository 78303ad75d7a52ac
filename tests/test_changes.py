"""Late, corrected and live data: Fonte records when rows arrive, GET /changes says which
slices changed, `python -m extract --changed` and the Dagster sensor stage (and rebuild)
only those, and a bucket still open is never written.

On a Fonte of its own (a scratch database of the Alvo server, three days of the default
fleet) with an API of its own, so that the rows this module adds, holds back and corrects
never reach the other modules' Fonte.
"""

from __future__ import annotations

import csv
import io
import math
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
import requests
from dagster import DagsterInstance, RunRequest, SkipReason, build_sensor_context, materialize

from fonte_api.live import LIVE_DAYS, Feeder, _rows
from fonte_api.routes.changes import SETTLE_SECONDS
from fonte_api.settings import GeneratorSettings
from orchestration.assets import transformation
from orchestration.assets.extraction import fonte_data
from orchestration.assets.transformation import windpipe_dbt_models
from orchestration.resources import AlvoResource, FleetSelection, FonteApiResource
from orchestration.sensors import fonte_changes

from .conftest import scratch_fonte, seeded_fonte
from .expected import alvo_statistics, assert_matches, expected_statistics

SCRATCH = "fonte_changes"
FIRST, LAST = date(2024, 5, 20), date(2024, 5, 22)
ODD_TIME = "2024-05-20 00:00:30+00"  # between two samples of a staged day: a row that comes and goes
LATE = ("T02", datetime(2024, 5, 21, 10, tzinfo=UTC), datetime(2024, 5, 21, 11, tzinfo=UTC))  # held back, then sent
# Held back too, for the sensor: T01's 12:00-12:20 of the first day.
LATE_FOR_SENSOR = ("T01", datetime(2024, 5, 20, 12, tzinfo=UTC), datetime(2024, 5, 20, 12, 20, tzinfo=UTC))


@pytest.fixture(scope="module")
def fonte(session_stack, tmp_path_factory):
    """(owner URL, API) of a scratch Fonte: the default fleet's first three days, with T02's
    10:00-11:00 of the second day held back (it arrives late, in the tests)."""

    def hold_back(url: str) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            for table, held in (("held_back", LATE), ("held_for_sensor", LATE_FOR_SENSOR)):
                conn.execute(f"create table {table} as select * from data"
                             " where turbine_id = %s and timestamp >= %s and timestamp < %s", held)  # fmt: skip
                conn.execute("delete from data where turbine_id = %s and timestamp >= %s and timestamp < %s", held)

    log = tmp_path_factory.mktemp("changes") / "api.log"
    with scratch_fonte(
        session_stack, SCRATCH, GeneratorSettings(days=(LAST - FIRST).days + 1), log, hold_back
    ) as fonte:
        yield fonte


@pytest.fixture(scope="module")
def staged(pipeline_stack, fonte):
    """The three days staged and built from the scratch Fonte (T02's late hour missing)."""
    _, api = fonte
    extracted = pipeline_stack.extract(str(FIRST), "--to", str(LAST), FONTE_API_URL=api.url)
    assert extracted.returncode == 0, extracted.stderr
    built = pipeline_stack.build(f"{{start_day: {FIRST}, end_day: {LAST}}}")
    assert built.returncode == 0, built.stdout[-3000:]
    return pipeline_stack


def changes(api, **params) -> requests.Response:
    return requests.get(f"{api.url}/changes", params=params, timeout=30)


def loaded_at(stack) -> dict[tuple[str, date], datetime]:
    with stack.alvo() as conn:
        return {(t, d): at for t, d, at in conn.execute("select turbine, day, _loaded_at from raw.fonte_slices")}


def api_samples(api, day: date) -> list[tuple]:
    """(turbine, timestamp, tag, value) of the day as the API serves it: the independent side."""
    samples = []
    for turbine in ("T01", "T02", "T03", "T04"):
        body = requests.get(
            f"{api.url}/data",
            params={"start_timestamp": f"{day}T00:00:00Z", "end_timestamp": f"{day + timedelta(days=1)}T00:00:00Z",
                    "turbine": turbine, "format": "csv"},
            timeout=60,
        ).text  # fmt: skip
        for row in csv.DictReader(io.StringIO(body)):
            ts = datetime.fromisoformat(row.pop("timestamp")).astimezone(UTC)
            row.pop("turbine")
            samples += [(turbine, ts, tag, float(v)) for tag, v in row.items() if v and math.isfinite(float(v))]
    return samples


def assert_alvo_equals_the_api(stack, api, day: date) -> None:
    assert_matches(alvo_statistics(stack, str(day)), expected_statistics(api_samples(api, day)))


def send_late_rows(url) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("insert into data select * from held_back")


def test_the_database_sets_arrival_on_insert_and_update_whatever_the_writer_says(fonte):
    url, _ = fonte
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "insert into data (turbine_id, timestamp, wind_speed, arrived_at)"
            f" values ('T01', '{ODD_TIME}', 1, '2000-01-01')"
        )
        inserted = conn.execute(f"select arrived_at from data where timestamp = '{ODD_TIME}'").fetchone()[0]
        conn.execute(f"update data set wind_speed = 2 where timestamp = '{ODD_TIME}'")
        updated = conn.execute(f"select arrived_at from data where timestamp = '{ODD_TIME}'").fetchone()[0]
        conn.execute(f"delete from data where timestamp = '{ODD_TIME}'")
        indexed = conn.execute("select indexdef from pg_indexes where indexname = 'data_arrived_at'").fetchone()
    assert inserted.year > 2000
    assert updated > inserted
    assert indexed is not None
    assert "(arrived_at)" in indexed[0]


def test_changes_lists_the_slices_that_received_rows_and_refuses_bad_cursors(fonte):
    url, api = fonte
    time.sleep(SETTLE_SECONDS + 0.5)  # every row written so far is behind the cursor
    start = changes(api)
    assert start.status_code == 200, start.text
    assert start.json()["slices"] == []
    cursor = start.json()["cursor"]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("update data set power = power where turbine_id = 'T03' and timestamp >= '2024-05-22 05:00'"
                     " and timestamp < '2024-05-22 05:30'")  # fmt: skip
    later = None
    for _ in range(20):  # the cursor trails the clock by a couple of seconds
        later = changes(api, since=cursor).json()
        if later["slices"]:
            break
        time.sleep(0.5)
    assert [(s["turbine"], s["day"], s["rows"]) for s in later["slices"]] == [("T03", "2024-05-22", 30)]
    assert changes(api, since=later["cursor"]).json()["slices"] == []
    malformed = changes(api, since="yesterday")
    assert malformed.status_code == 422
    assert "is not an ISO 8601 timestamp" in malformed.json()["detail"]
    future = changes(api, since="2999-01-01T00:00:00Z")
    assert future.status_code == 422
    assert "is after Fonte's clock" in future.json()["detail"]
    assert changes(api, since=cursor, turbine="T01").status_code == 422  # an undeclared parameter
    spec = requests.get(f"{api.url}/openapi.json", timeout=30).json()["paths"]["/changes"]["get"]
    assert {p["name"] for p in spec["parameters"]} == {"since"}


def test_changes_needs_the_token_when_the_api_has_one(api_with_token):
    assert requests.get(f"{api_with_token.url}/changes", timeout=30).status_code == 401


def test_late_rows_and_a_correction_restage_only_their_slices(staged, fonte):
    """T02's held-back hour arrives after its day was built, and T03's 05:00 hour of the last
    day is sent again with other values, whose day is then staged again by hand: `--changed`
    stages T02's day alone (T03's is up to date), and the rebuilt days equal the API's rows,
    nothing duplicated."""
    url, api = fonte
    staged.extract("--changed", FONTE_API_URL=api.url)  # whatever the module's other tests changed
    before = loaded_at(staged)
    quiet = staged.extract("--changed", FONTE_API_URL=api.url)
    assert quiet.returncode == 0, quiet.stderr
    assert "no staged turbine-day changed" in quiet.stdout
    send_late_rows(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("update data set power = power + 50 where turbine_id = 'T03' and timestamp >= '2024-05-22 05:00'"
                     " and timestamp < '2024-05-22 06:00'")  # fmt: skip
    time.sleep(SETTLE_SECONDS + 0.5)  # past the API's settling time, so that both changes are behind its cursor
    # T03's day staged again by hand after its correction: already up to date, not changed.
    assert staged.extract(str(LAST), "--turbines", "T03", FONTE_API_URL=api.url).returncode == 0
    result = staged.extract("--changed", FONTE_API_URL=api.url)
    assert result.returncode == 0, result.stderr
    *_, heading, only = result.stdout.splitlines()
    assert heading.startswith("days to build")
    assert only == "  2024-05-21  T02"
    after = loaded_at(staged)
    assert {key for key in after if after[key] != before[key]} == {("T02", date(2024, 5, 21)), ("T03", LAST)}
    with staged.alvo() as conn:
        rows = dict(conn.execute("select day, sum(rows) from raw.fonte_slices group by day").fetchall())
        staged_rows = conn.execute("select count(*) from raw.fonte_data where timestamp >= '2024-05-21'").fetchone()[0]
    assert (rows[date(2024, 5, 21)], rows[LAST]) == (4 * 1440, 4 * 1440)  # the late hour is in
    assert staged_rows == 2 * 4 * 1440 * 10  # nothing twice
    for day, turbine in ((date(2024, 5, 21), "T02"), (LAST, "T03")):
        built = staged.build(f"day: {day}", WINDPIPE_TURBINES=turbine)
        assert built.returncode == 0, built.stdout[-3000:]
    for day in (FIRST, date(2024, 5, 21), LAST):
        assert_alvo_equals_the_api(staged, api, day)


def test_the_sensor_follows_a_change_once_and_survives_the_api_being_down(
    staged, fonte, dagster_dbt, monkeypatch, tmp_path
):
    """A tick with no change asks for nothing; late rows (T01) and a correction (T04) of the
    first day are one run of that day for those two turbines, which rebuilds it as the API
    serves it and touches no other turbine-day; the next tick from the new cursor asks for
    nothing again (the change is processed once); a tick without the API, or without Alvo,
    fails, and the next one, from the same cursor, finds the changes."""
    url, api = fonte
    alvo = staged.alvo_settings
    alvo_resource = AlvoResource(
        alvo_host=alvo.host, alvo_port=alvo.port, alvo_user=alvo.user, alvo_password=alvo.password, alvo_db=alvo.dbname
    )
    instance = DagsterInstance.ephemeral()

    def tick(cursor, api_url=api.url, alvo=alvo_resource):
        context = build_sensor_context(
            instance=instance,
            cursor=cursor,
            resources={"fonte_api": FonteApiResource(fonte_api_url=api_url), "alvo": alvo},
        )
        return fonte_changes(context), context

    first, _ = tick(requests.get(f"{api.url}/changes", timeout=30).json()["cursor"])
    assert first.skip_reason is not None
    assert not first.run_requests
    cursor = first.cursor
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("update data set wind_speed = wind_speed + 1 where turbine_id = 'T04'"
                     " and timestamp >= '2024-05-20 12:00' and timestamp < '2024-05-20 12:20'")  # fmt: skip
        conn.execute("insert into data select * from held_for_sensor")
    time.sleep(SETTLE_SECONDS + 0.5)
    with pytest.raises(Exception, match="cannot reach the Fonte API"):
        tick(cursor, api_url="http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(Exception, match="cannot read what Alvo staged"):
        tick(cursor, alvo=AlvoResource(alvo_host=alvo.host, alvo_port=9, alvo_db=alvo.dbname))
    found, _ = tick(cursor)
    [request] = found.run_requests
    assert isinstance(request, RunRequest)
    assert request.partition_key == "2024-05-20"
    assert request.run_config == {"resources": {"fleet": {"config": {"turbines": ["T01", "T04"]}}}}
    again, _ = tick(found.cursor)
    assert not again.run_requests  # processed once
    assert isinstance(again.skip_reason, SkipReason)

    before = loaded_at(staged)
    for name, value in staged.process_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(transformation, "RUN_TARGETS", tmp_path)  # the run's files stay out of the checkout
    result = materialize(
        [fonte_data, windpipe_dbt_models],
        resources={
            "fleet": FleetSelection(turbines=["T01", "T04"]),
            "fonte_api": FonteApiResource(fonte_api_url=api.url),
            "alvo": alvo_resource,
            "dbt": dagster_dbt,
        },
        partition_key=request.partition_key,
        instance=instance,
        raise_on_error=False,
    )
    assert result.success
    after = loaded_at(staged)
    assert {key for key in after if after[key] != before[key]} == {("T01", FIRST), ("T04", FIRST)}
    with staged.alvo() as conn:
        assert (
            conn.execute("select rows from raw.fonte_slices where turbine = 'T01' and day = %s", (FIRST,)).fetchone()[0]
            == 1440
        )
    assert_alvo_equals_the_api(staged, api, FIRST)


def test_a_bucket_still_open_is_never_written(staged, fonte):
    """The plant's clock at 12:04 (nothing staged after it, as while a day is arriving): the
    12:00 bucket is open, neither `data` nor `bucket_quality` has it; once the rest is
    staged again, both do."""
    _, api = fonte
    with staged.alvo() as conn:
        conn.execute("delete from raw.fonte_data where timestamp >= '2024-05-20 12:05'")
    built = staged.build(f"day: {FIRST}")
    assert built.returncode == 0, built.stdout[-3000:]
    with staged.alvo() as conn:
        last_data = conn.execute(
            "select max(timestamp) from data where timestamp >= '2024-05-20' and timestamp < '2024-05-21'"
        ).fetchone()[0]
        last_quality = conn.execute(
            "select max(timestamp) from bucket_quality where timestamp >= '2024-05-20' and timestamp < '2024-05-21'"
        ).fetchone()[0]
    assert last_data == last_quality == datetime(2024, 5, 20, 11, 50, tzinfo=UTC)
    assert staged.extract(str(FIRST), "--to", str(LAST), FONTE_API_URL=api.url).returncode == 0
    assert staged.build(f"{{start_day: {FIRST}, end_day: {LAST}}}").returncode == 0
    for day in (FIRST, LAST):
        assert_alvo_equals_the_api(staged, api, day)


def test_the_live_feeder_appends_the_fleet_and_its_incidents(session_stack):
    """`python -m fonte_api live`'s feeder, very fast, on a Fonte of its own: every turbine's
    samples continue after the history, T02's 06:00-07:00 arrives after 09:00's samples (two
    hours late), and T03's 03:00-04:00 is updated at 12:00 with 3 % less power."""
    history = GeneratorSettings(days=1, turbines=3)
    with seeded_fonte(session_stack, "fonte_live", history) as url:
        feeder = Feeder(url, history, speed=36_000, incidents=True)  # ten simulated hours a second
        day = datetime(2024, 5, 21, tzinfo=UTC)
        assert feeder.start == day
        feeder.run(0.05, until=day + timedelta(hours=13))
        with psycopg.connect(url) as conn:
            counts = dict(conn.execute(
                "select turbine_id, count(*) from data where timestamp >= %s and timestamp < %s group by 1",
                (day, day + timedelta(hours=12)),
            ).fetchall())  # fmt: skip
            arrivals = dict(conn.execute(
                "select turbine_id || ' ' || to_char(timestamp, 'HH24:MI'), arrived_at from data"
                " where timestamp in (%s, %s, %s)",
                (day + timedelta(hours=3, minutes=30), day + timedelta(hours=6, minutes=30), day + timedelta(hours=9)),
            ).fetchall())  # fmt: skip
            corrected = conn.execute(
                "select power from data where turbine_id = 'T03' and timestamp = %s",
                (day + timedelta(hours=3, minutes=30),),
            ).fetchone()[0]
    assert counts == dict.fromkeys(("T01", "T02", "T03"), 12 * 60)
    assert arrivals["T02 06:30"] > arrivals["T02 09:00"]  # the outage's hour came late
    assert arrivals["T01 06:30"] < arrivals["T01 09:00"]  # the other turbines' did not
    assert arrivals["T03 03:30"] > arrivals["T03 09:00"]  # updated at 12:00
    assert arrivals["T01 03:30"] < arrivals["T01 09:00"]
    # The feeder's own generator run (the history's settings over the live period).
    fed = _rows(replace(history, days=1 + LIVE_DAYS, faults=False), ["power"], day)
    generated = next(row for row in fed if row[:2] == (day + timedelta(hours=3, minutes=30), "T03"))
    assert corrected == pytest.approx(generated[2][0] * 0.97, rel=1e-12)


def test_the_live_feeder_stops_with_every_sample_up_to_until_and_none_after(session_stack):
    """A sleep longer than the time left (one real second is ten simulated hours here) takes
    the feeder's clock past `until` between two ticks: it still inserts every sample up to
    `until`, and none after it."""
    history = GeneratorSettings(days=1, turbines=1)
    with seeded_fonte(session_stack, "fonte_live_until", history) as url:
        feeder = Feeder(url, history, speed=36_000, incidents=False)
        until = feeder.start + timedelta(hours=5)
        feeder.run(1.0, until=until)
        with psycopg.connect(url) as conn:
            fed = conn.execute(
                "select count(*), max(timestamp) from data where timestamp >= %s", (feeder.start,)
            ).fetchone()
    assert fed == (5 * 60 + 1, until)  # one sample a minute, both ends included

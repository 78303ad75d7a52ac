"""The connector over real HTTP, against the session's real Fonte database."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import psycopg
import pytest
import requests
from psycopg import sql

from fonte_api.faults import FAULTS
from fonte_api.seeding import seed
from fonte_api.settings import GeneratorSettings

from .api_process import ApiProcess

DAY = {"start_timestamp": "2024-05-23T00:00:00", "end_timestamp": "2024-05-24T00:00:00"}


def get(stack, path="/data", params=None, **kwargs):
    return requests.get(f"{stack.api_url}{path}", params=params, timeout=60, **kwargs)


def fonte_rows(stack, start, end, columns):
    with stack.fonte_owner() as conn:
        conn.execute("set timezone = 'UTC'")
        cols = ", ".join(columns)
        return conn.execute(
            f"select timestamp, {cols} from data where turbine_id = 'T01' and timestamp >= %s and timestamp < %s"
            " order by timestamp",
            (start, end),
        ).fetchall()


def test_the_readme_curl_gives_1440_ordered_flat_rows(pipeline_stack):
    params = [*DAY.items(), ("columns", "wind_speed"), ("columns", "power")]
    response = get(pipeline_stack, params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    rows = response.json()
    assert len(rows) == 1440
    assert all(list(r) == ["timestamp", "wind_speed", "power"] for r in rows)
    stamps = [datetime.fromisoformat(r["timestamp"]) for r in rows]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 1440
    assert rows[0]["timestamp"] == "2024-05-23T00:00:00+00:00"
    assert rows[-1]["timestamp"] == "2024-05-23T23:59:00+00:00"
    expected = fonte_rows(pipeline_stack, "2024-05-23T00:00Z", "2024-05-24T00:00Z", ["wind_speed", "power"])
    assert [(datetime.fromisoformat(r["timestamp"]), r["wind_speed"], r["power"]) for r in rows] == expected


def test_without_columns_every_tag_of_the_catalog_is_returned(pipeline_stack):
    params = {"start_timestamp": "2024-05-23T00:00:00", "end_timestamp": "2024-05-23T00:05:00"}
    rows = get(pipeline_stack, params=params).json()
    assert len(rows) == 5
    catalog = [v["name"] for v in get(pipeline_stack, "/variables").json()["variables"]]
    assert list(rows[0]) == ["timestamp", *catalog]
    assert catalog[:3] == ["wind_speed", "power", "ambient_temperature"]  # the single-turbine API's, first


def test_named_turbines_each_row_names_its_turbine_ordered_by_turbine_then_time(pipeline_stack):
    params = [*DAY.items(), ("turbine", "T03"), ("turbine", "T01"), ("turbine", "T03"), ("columns", "power")]
    for fmt in ("json", "csv"):
        response = get(pipeline_stack, params=[*params, ("format", fmt)])
        assert response.status_code == 200
        if fmt == "json":
            rows = [(r["turbine"], r["timestamp"], r["power"]) for r in response.json()]
            assert list(response.json()[0]) == ["turbine", "timestamp", "power"]
        else:
            lines = list(csv.reader(io.StringIO(response.text)))
            assert lines[0] == ["turbine", "timestamp", "power"]
            rows = [(t, ts, float(p)) for t, ts, p in lines[1:]]
        assert [t for t, *_ in rows] == ["T01"] * 1440 + ["T03"] * 1440
        with pipeline_stack.fonte_owner() as conn:
            conn.execute("set timezone = 'UTC'")
            expected = conn.execute(
                "select turbine_id, timestamp, power from data where turbine_id in ('T01', 'T03')"
                " and timestamp >= '2024-05-23' and timestamp < '2024-05-24' order by 1, 2"
            ).fetchall()
        assert [(t, datetime.fromisoformat(ts), p) for t, ts, p in rows] == expected


def test_an_unknown_turbine_is_a_422_that_lists_the_known_ones(pipeline_stack):
    response = get(pipeline_stack, params=[*DAY.items(), ("turbine", "T01"), ("turbine", "T99")])
    assert response.status_code == 422
    assert response.json()["detail"] == "unknown turbine 'T99'; Fonte has: T01, T02, T03, T04"


def test_columns_keep_request_order_and_repeats_collapse(pipeline_stack):
    params = [
        ("start_timestamp", "2024-05-23T00:00:00"),
        ("end_timestamp", "2024-05-23T00:02:00"),
        ("columns", "power"),
        ("columns", "wind_speed"),
        ("columns", "power"),
    ]
    rows = get(pipeline_stack, params=params).json()
    assert [list(r) for r in rows] == [["timestamp", "power", "wind_speed"]] * 2


def test_range_is_half_open(pipeline_stack):
    params = {"start_timestamp": "2024-05-23T00:10:00", "end_timestamp": "2024-05-23T00:20:00", "columns": "power"}
    rows = get(pipeline_stack, params=params).json()
    assert len(rows) == 10
    assert rows[0]["timestamp"] == "2024-05-23T00:10:00+00:00"
    assert rows[-1]["timestamp"] == "2024-05-23T00:19:00+00:00"


def test_naive_is_utc_and_offsets_are_honoured(pipeline_stack):
    naive = get(
        pipeline_stack, params={"start_timestamp": "2024-05-23T02:00:00", "end_timestamp": "2024-05-23T02:03:00"}
    ).json()
    offset = get(
        pipeline_stack,
        params={"start_timestamp": "2024-05-23T04:00:00+02:00", "end_timestamp": "2024-05-23T04:03:00+02:00"},
    ).json()
    zulu = get(
        pipeline_stack, params={"start_timestamp": "2024-05-23T02:00:00Z", "end_timestamp": "2024-05-23T02:03:00Z"}
    ).json()
    assert naive == offset == zulu
    assert naive[0]["timestamp"] == "2024-05-23T02:00:00+00:00"


def test_a_range_outside_the_data_is_an_empty_list(pipeline_stack):
    response = get(pipeline_stack, params={"start_timestamp": "2030-01-01", "end_timestamp": "2030-01-02"})
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    "fmt_param,accept", [("ndjson", None), ("csv", None), (None, "application/x-ndjson"), (None, "text/csv")]
)
def test_streamed_formats_give_the_same_rows_as_json(pipeline_stack, fmt_param, accept):
    base = [*DAY.items(), ("columns", "wind_speed"), ("columns", "power"), ("columns", "ambient_temperature")]
    as_json = get(pipeline_stack, params=base).json()
    params = base + ([("format", fmt_param)] if fmt_param else [])
    response = get(pipeline_stack, params=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    kind = fmt_param or ("ndjson" if "ndjson" in accept else "csv")
    if kind == "ndjson":
        assert response.headers["content-type"].startswith("application/x-ndjson")
        rows = [json.loads(line) for line in response.text.splitlines()]
    else:
        assert response.headers["content-type"].startswith("text/csv")
        reader = csv.DictReader(io.StringIO(response.text))
        assert reader.fieldnames == ["timestamp", "wind_speed", "power", "ambient_temperature"]
        rows = [{k: (v if k == "timestamp" else float(v)) for k, v in r.items()} for r in reader]
    assert rows == as_json


@pytest.mark.parametrize(
    "params,needle",
    [
        ({"columns": "speed"}, "wind_speed"),  # the message lists the allowed columns
        ({"columns": "power; drop table data"}, "ambient_temperature"),
        ({"columns": ""}, "wind_speed"),
        # A tag of the catalog that this Fonte (10 tags) was generated without.
        ({"columns": "generator_speed"}, "'generator_speed' is not in this Fonte; it holds: wind_speed, power,"),
        ({"start_timestamp": "2024-05-24T00:00:00"}, "must be before"),  # start == end
        ({"start_timestamp": "2024-05-25T00:00:00"}, "must be before"),  # start > end
        ({"start_timestamp": "yesterday"}, "start_timestamp"),
        ({"end_timestamp": "2024-13-45T00:00:00"}, "end_timestamp"),
        ({"start_timestamp": "9999-12-31T23:00:00-05:00", "end_timestamp": "9999-12-31T23:30:00-05:00"}, "range"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_input_is_a_422_that_says_what_is_allowed(pipeline_stack, params, needle):
    response = get(pipeline_stack, params={**DAY, **params})
    assert response.status_code == 422, response.text
    assert needle in response.json()["detail"]


def test_missing_timestamps_are_a_422(pipeline_stack):
    response = get(pipeline_stack, params={"end_timestamp": "2024-05-24T00:00:00"})
    assert response.status_code == 422
    assert "start_timestamp" in response.json()["detail"]


def test_health_and_variables(pipeline_stack):
    assert get(pipeline_stack, "/health").json() == {
        "status": "ok",
        "database": "ok",
        "streams": {"slots": 10, "in_use": 0, "waiting": 0, "saturated": False},
    }
    body = get(pipeline_stack, "/variables").json()
    assert [(v["name"], v["unit"], v["kind"]) for v in body["variables"]] == [
        ("wind_speed", "m/s", "linear"),
        ("power", "kW", "linear"),
        ("ambient_temperature", "°C", "linear"),
        ("wind_direction", "°", "angle"),
        ("nacelle_position", "°", "angle"),
        ("rotor_speed", "rpm", "linear"),
        ("pitch_angle", "°", "linear"),
        ("gearbox_temperature", "°C", "linear"),
        ("generator_temperature", "°C", "linear"),
        ("operating_state", "code", "state"),
    ]
    assert [(v["range_min"], v["range_max"], v["iec_name"]) for v in body["variables"][:3]] == [
        (0.0, 40.0, "WMET_HorWdSpd"),
        (-100.0, 2200.0, "WTUR_W"),
        (-40.0, 50.0, "WMET_EnvTmp"),
    ]
    assert body["period"] == {
        "first_timestamp": "2024-05-20T00:00:00+00:00",
        "last_timestamp": "2024-05-29T23:59:00+00:00",
        "rows": 14400,
    }


def test_turbines_serve_the_generated_fleet_and_its_curve(pipeline_stack):
    """The turbines whose samples Fonte holds, as seeded in its table, and the first one's
    reference curve checked against the cubic law written out here: 0 below cut-in (3 m/s)
    and from cut-out (25 m/s), 2000 kW from rated speed (12 m/s), cubic in between."""
    fleet = get(pipeline_stack, "/turbines").json()["turbines"]
    assert [t["id"] for t in fleet] == ["T01", "T02", "T03", "T04"]
    turbine = fleet[0]
    curve = {point["wind_speed"]: point["power"] for point in turbine.pop("power_curve")}
    assert turbine == {
        "id": "T01",
        "name": "Turbine 1",
        "plant": "Fonte demo plant",
        "rated_power_kw": 2000.0,
        "hub_height_m": 80.0,
        "rotor_diameter_m": 90.0,
        "cut_in_speed_ms": 3.0,
        "rated_speed_ms": 12.0,
        "cut_out_speed_ms": 25.0,
    }
    with pipeline_stack.fonte_owner() as conn:
        assert conn.execute("select id, rated_power_kw from turbine order by id").fetchall() == [
            (t, 2000.0) for t in ("T01", "T02", "T03", "T04")
        ]
    assert len(curve) == 61
    for speed, power in curve.items():
        if speed < 3.0 or speed >= 25.0:
            expected = 0.0
        elif speed >= 12.0:
            expected = 2000.0
        else:
            expected = 2000.0 * (speed**3 - 27.0) / (1728.0 - 27.0)
        assert power == pytest.approx(expected, rel=1e-12), speed


def test_seeding_a_smaller_fleet_leaves_only_its_turbines(session_stack):
    """`seed --replace --turbines 1` after a fleet of 3: the turbine table (and so /turbines
    and every default extraction) lists T01 alone, not turbines without samples. On a
    scratch database of the Alvo server: any PostgreSQL will do."""
    with session_stack.alvo_admin() as conn:
        conn.execute("drop database if exists fonte_scratch with (force)")
        conn.execute(f"create database fonte_scratch owner {session_stack.alvo_settings.user}")
    url = session_stack.with_alvo_db("fonte_scratch").alvo_settings.conninfo()
    try:
        for turbines in (3, 1):
            seed(url, None, GeneratorSettings(days=1, turbines=turbines), replace=True)
        with psycopg.connect(url) as conn:
            assert conn.execute("select id from turbine order by id").fetchall() == [("T01",)]
            assert conn.execute("select distinct turbine_id from data").fetchall() == [("T01",)]
    finally:
        with session_stack.alvo_admin() as conn:
            conn.execute("drop database if exists fonte_scratch with (force)")


# Every sample, exactly and in key order: a float sum would depend on the order the rows
# are read in, which a parallel scan does not fix (a run saw it differ in the 15th digit).
SAMPLES_DIGEST = "select count(*), md5(string_agg(d::text, ',' order by turbine_id, timestamp)) from data d"


def test_an_api_starting_on_a_fonte_from_before_the_turbine_table_makes_it(pipeline_stack, tmp_path):
    """A Fonte seeded before `/turbines` existed has samples and no turbine table: the API's
    startup creates and fills it, and keeps the samples as they are."""
    with pipeline_stack.fonte_owner() as conn:
        before = conn.execute(SAMPLES_DIGEST).fetchone()
        conn.execute("drop table turbine")
    missing = get(pipeline_stack, "/turbines")  # the session's API, which does not seed again
    assert missing.status_code == 503
    assert "Fonte has no turbine table yet: run `python -m fonte_api seed`" in missing.json()["detail"]
    with ApiProcess(pipeline_stack.process_env(FONTE_SEED_ON_STARTUP="1"), tmp_path / "api.log") as api:
        turbines = requests.get(f"{api.url}/turbines", timeout=60).json()["turbines"]
    assert [t["id"] for t in turbines] == ["T01", "T02", "T03", "T04"]
    with pipeline_stack.fonte_owner() as conn:
        assert conn.execute(SAMPLES_DIGEST).fetchone() == before


def test_the_only_default_samples_out_of_their_physical_range_are_the_documented_spikes(pipeline_stack):
    """Anything else out of range would be a false `range` flag (docs/pipeline.md, "Data quality")."""
    catalog = get(pipeline_stack, "/variables").json()["variables"]
    spikes = {(f.turbine, f.tag, f.start) for f in FAULTS if f.what == "spike"}
    found = set()
    with pipeline_stack.fonte_owner() as conn:
        for tag in catalog:
            query = sql.SQL("select turbine_id, timestamp from data where {0} < %s or {0} > %s").format(
                sql.Identifier(tag["name"])
            )
            found |= {(t, tag["name"], ts) for t, ts in conn.execute(query, (tag["range_min"], tag["range_max"]))}
    assert found == spikes
    assert all(tag["interval_seconds"] == 60.0 for tag in catalog)


def test_openapi_documents_every_parameter(pipeline_stack):
    spec = get(pipeline_stack, "/openapi.json").json()
    parameters = spec["paths"]["/data"]["get"]["parameters"]
    assert {p["name"] for p in parameters} == {"start_timestamp", "end_timestamp", "turbine", "columns", "format"}
    for p in parameters:
        assert p.get("description"), p["name"]
        assert p.get("examples") or p["schema"].get("examples") or p.get("example") is not None, p["name"]
    assert get(pipeline_stack, "/docs").status_code == 200


def test_a_large_range_streams_in_chunks(pipeline_stack):
    params = {"start_timestamp": "2024-05-20", "end_timestamp": "2024-05-30", "format": "ndjson"}
    with requests.get(f"{pipeline_stack.api_url}/data", params=params, stream=True, timeout=60) as response:
        assert response.headers.get("transfer-encoding") == "chunked"
        chunks = list(response.iter_content(None))
    assert len(chunks) > 5
    assert b"".join(chunks).count(b"\n") == 14_400


def test_rows_stay_ordered_after_they_move_in_the_heap(pipeline_stack):
    """PostgreSQL returns a freshly loaded table in insertion order with or without `order by`;
    an update writes new row versions at the heap's end. Over the whole period the plan is a
    sequential scan, so only the query's own order can keep the answer sorted."""
    moved = ("2024-05-21T06:00:00Z", "2024-05-21T08:00:00Z")
    with pipeline_stack.fonte_owner() as conn:
        conn.execute("update data set power = power where timestamp >= %s and timestamp < %s", moved)
    try:
        whole = {"start_timestamp": "2000-01-01T00:00:00", "end_timestamp": "2100-01-01T00:00:00"}
        for fmt in ("json", "csv"):
            response = get(pipeline_stack, params={**whole, "columns": "power", "format": fmt})
            assert response.status_code == 200
            if fmt == "json":
                stamps = [row["timestamp"] for row in response.json()]
            else:
                stamps = [line.split(",")[0] for line in response.text.splitlines()[1:]]
            assert len(stamps) == 14400
            assert stamps == sorted(stamps), f"{fmt}: rows out of order after an update"
    finally:
        # Put the heap back in key order for the tests that follow (values never changed).
        with pipeline_stack.fonte_owner() as conn:
            conn.execute("cluster data using data_pkey")


# Every row's values, not when it arrived (a regenerated row arrives again).
FLEET_DIGEST = (
    "select md5(string_agg((to_jsonb(data) - 'arrived_at')::text, '' order by turbine_id, timestamp)) from data"
)


def test_an_api_starting_on_a_single_turbine_fonte_makes_it_a_fleet_with_the_same_first_turbine(
    pipeline_stack, tmp_path
):
    """A Fonte from before the fleet: `data` keyed by time alone, three columns. The API's
    startup generates it again as a fleet (docs/api.md); the first turbine's rows come back
    the same, and so does the fleet the session had."""
    with pipeline_stack.fonte_owner() as conn:
        fleet_before = conn.execute(FLEET_DIGEST)
        fleet_before = fleet_before.fetchone()[0]
        conn.execute("alter table data rename to data_fleet")
        conn.execute("alter index data_pkey rename to data_fleet_pkey")
        conn.execute(
            "create table data as select timestamp, wind_speed, power, ambient_temperature from data_fleet"
            " where turbine_id = 'T01' order by timestamp"
        )
        conn.execute("alter table data add primary key (timestamp)")
        single = conn.execute("select * from data order by timestamp").fetchall()
    try:
        with ApiProcess(pipeline_stack.process_env(FONTE_SEED_ON_STARTUP="1"), tmp_path / "api.log") as api:
            assert [t["id"] for t in requests.get(f"{api.url}/turbines", timeout=60).json()["turbines"]] == [
                "T01",
                "T02",
                "T03",
                "T04",
            ]
        with pipeline_stack.fonte_owner() as conn:
            first = conn.execute(
                "select timestamp, wind_speed, power, ambient_temperature from data where turbine_id = 'T01'"
                " order by timestamp"
            ).fetchall()
            fleet_after = conn.execute(FLEET_DIGEST).fetchone()[0]
        assert first == single
        assert fleet_after == fleet_before
    finally:  # the session's fleet back, whatever happened
        with pipeline_stack.fonte_owner() as conn:
            if conn.execute("select to_regclass('data_fleet') is not null").fetchone()[0]:
                regenerated = conn.execute(
                    "select exists (select 1 from information_schema.columns"
                    " where table_name = 'data' and column_name = 'turbine_id')"
                ).fetchone()[0]
                if regenerated:
                    conn.execute("drop table data_fleet")
                else:
                    conn.execute("drop table data")
                    conn.execute("alter table data_fleet rename to data")
                    conn.execute("alter index data_fleet_pkey rename to data_pkey")

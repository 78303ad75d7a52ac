"""A Fonte of the benchmark's size, 25 turbines × 50 tags (the whole catalog), for one day:
the API serves the tags Fonte holds, their values are Fonte's, the first ten are the default
Fonte's, and a fleet-day (1.8 million values) streams with flat memory.

On a scratch database of the Alvo server (any PostgreSQL will do) with an API of its own.
"""

from __future__ import annotations

import json

import numpy as np
import psycopg
import pytest
import requests

from devstack.memory import PeakRss
from fonte_api.catalog import CATALOG, CORE_TAGS
from fonte_api.fleet import generate_fleet_blocks
from fonte_api.settings import GeneratorSettings

from .conftest import scratch_fonte

SCRATCH = "fonte_fleet_scale"  # a database of the Alvo server, as Fonte
TURBINES, TAGS = 25, len(CATALOG)
DAY = {"start_timestamp": "2024-05-20T00:00:00+00:00", "end_timestamp": "2024-05-21T00:00:00+00:00"}
ALL_TURBINES = [f"T{i:02d}" for i in range(1, TURBINES + 1)]
MIN_BYTES = {"ndjson": 40e6, "csv": 10e6}  # a body this size held in memory would show


@pytest.fixture(scope="module")
def big_fonte(session_stack, tmp_path_factory):
    log = tmp_path_factory.mktemp("fleet-scale") / "api.log"
    with scratch_fonte(session_stack, SCRATCH, GeneratorSettings(days=1, turbines=TURBINES, tags=TAGS), log) as fonte:
        yield fonte


def test_the_api_serves_every_tag_fonte_holds_with_fontes_values(big_fonte):
    url, api = big_fonte
    catalog = requests.get(f"{api.url}/variables", timeout=30).json()["variables"]
    assert [v["name"] for v in catalog] == list(CATALOG)
    assert {v["name"]: v["kind"] for v in catalog} == {name: v.kind for name, v in CATALOG.items()}
    hour = {"start_timestamp": "2024-05-20T12:00:00+00:00", "end_timestamp": "2024-05-20T13:00:00+00:00"}
    served = requests.get(f"{api.url}/data", params={**hour, "turbine": "T17"}, timeout=30).json()
    assert len(served) == 60
    assert list(served[0]) == ["turbine", "timestamp", *CATALOG]
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            f"select {', '.join(CATALOG)} from data where turbine_id = 'T17' and timestamp >= %s and timestamp < %s"
            " order by timestamp",
            (hour["start_timestamp"], hour["end_timestamp"]),
        ).fetchall()
    assert [[row[name] for name in CATALOG] for row in served] == [list(row) for row in rows]
    extended = requests.get(
        f"{api.url}/data", params={**hour, "columns": ["warning_code", "rotor_azimuth"]}, timeout=30
    ).json()
    assert list(extended[0]) == ["timestamp", "warning_code", "rotor_azimuth"]


def test_the_first_ten_tags_are_a_ten_tag_fontes(big_fonte):
    """Each tag draws its own random numbers: adding forty leaves the core ten as a Fonte of
    ten tags (the default) has them for the same period."""
    url, _ = big_fonte
    core = list(CATALOG)[:CORE_TAGS]
    [block] = generate_fleet_blocks(GeneratorSettings(days=1, turbines=TURBINES))  # one day: one block
    with psycopg.connect(url) as conn:
        for turbine, tags in block.tags.items():
            rows = conn.execute(
                f"select {', '.join(core)} from data where turbine_id = %s order by timestamp", (turbine,)
            ).fetchall()
            assert [list(row) for row in rows] == np.column_stack([tags[name] for name in core]).tolist(), turbine


@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
def test_a_fleet_day_of_fifty_tags_streams_with_flat_memory(big_fonte, fmt):
    """25 turbines × 50 tags × 1,440 minutes: 1.8 million values, about 45 MB of NDJSON and
    11 MB of CSV."""
    _, api = big_fonte
    received = {"bytes": 0, "lines": 0, "first": b""}

    def stream():
        params = {**DAY, "turbine": ALL_TURBINES, "format": fmt}
        with requests.get(f"{api.url}/data", params=params, stream=True, timeout=300) as r:
            r.raise_for_status()
            for chunk in r.iter_content(256 * 1024):
                if not received["first"]:
                    received["first"] = chunk
                received["bytes"] += len(chunk)
                received["lines"] += chunk.count(b"\n")

    with PeakRss(api.process.pid) as rss:
        stream()
    header = 1 if fmt == "csv" else 0
    assert received["lines"] == TURBINES * 1440 + header
    first_row = received["first"].split(b"\n")[header]
    width = len(json.loads(first_row)) if fmt == "ndjson" else len(first_row.split(b","))
    assert width == 2 + TAGS  # turbine, timestamp and every tag
    assert received["bytes"] > MIN_BYTES[fmt]
    growth = max(rss.baseline, rss.peak) - rss.baseline
    print(f"API RSS growth while streaming a 25 x 50 fleet-day as {fmt}: {growth / 1e6:.1f} MB")
    assert growth < 25e6, f"API RSS grew by {growth / 1e6:.1f} MB while streaming {received['bytes'] / 1e6:.0f} MB"

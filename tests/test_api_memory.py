"""A year of 1-minute rows streams through the API without its memory growing with it."""

from __future__ import annotations

import contextlib
import threading

import psutil
import pytest
import requests

from devstack import pgcluster
from devstack.api_server import api_pid
from devstack.memory import PeakRss
from devstack.processes import wait_until
from fonte_api.db import STREAM_SLOTS

YEAR = ("2023-01-01T00:00:00+00:00", "2024-01-01T00:00:00+00:00")


@pytest.fixture(scope="module")
def a_year_in_fonte(pipeline_stack):
    with pipeline_stack.fonte_owner() as conn:
        conn.execute(
            "insert into data (turbine_id, timestamp, wind_speed, power, ambient_temperature)"
            " select 'T01', t, 10 * random(), 2000 * random(), 30 * random() "
            "from generate_series(%s::timestamptz, %s::timestamptz - interval '1 minute', interval '1 minute') t",
            YEAR,
        )
    yield 525_600
    with pipeline_stack.fonte_owner() as conn:
        conn.execute("delete from data where turbine_id = 'T01' and timestamp >= %s and timestamp < %s", YEAR)


def _peak_rss_while(pid: int, action) -> tuple[int, int]:
    with PeakRss(pid) as rss:
        action()
    return rss.baseline, max(rss.baseline, rss.peak)


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
def test_streaming_a_year_keeps_api_memory_flat(pipeline_stack, a_year_in_fonte, fmt):
    received = {"bytes": 0, "rows": 0}

    def stream():
        params = {"start_timestamp": YEAR[0], "end_timestamp": YEAR[1], "format": fmt}
        with requests.get(f"{pipeline_stack.api_url}/data", params=params, stream=True, timeout=120) as r:
            r.raise_for_status()
            for chunk in r.iter_content(256 * 1024):
                received["bytes"] += len(chunk)
                received["rows"] += chunk.count(b"\n") if fmt != "json" else chunk.count(b"{")

    baseline, peak = _peak_rss_while(api_pid(pipeline_stack.config), stream)
    header = 1 if fmt == "csv" else 0
    assert received["rows"] == a_year_in_fonte + header
    growth = peak - baseline
    # The body is ~50 MB; holding it (or its rows as objects) would grow the API by far more.
    assert received["bytes"] > 40e6
    print(f"API RSS growth while streaming {fmt}: {growth / 1e6:.1f} MB")
    assert growth < 25e6, f"API RSS grew by {growth / 1e6:.1f} MB while streaming {received['bytes'] / 1e6:.0f} MB"


def active_copies(stack) -> int:
    """The COPYs running for this stack's API: its own database connections only (other API
    processes over the same Fonte, started by other modules of the worker, are not its)."""
    fonte_port = stack.config.fonte.port
    api = psutil.Process(api_pid(stack.config))
    ports = [c.laddr.port for c in api.net_connections(kind="tcp") if c.raddr and c.raddr.port == fonte_port]
    with pgcluster.admin_connect(stack.config.fonte, "fonte") as conn:
        return conn.execute(
            "select count(*) from pg_stat_activity where state = 'active' and query like 'copy%%'"
            " and client_port = any(%s)",
            (ports,),
        ).fetchone()[0]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_stalled_streams_queue_new_ones_and_free_their_connections_when_clients_leave(
    pipeline_stack, a_year_in_fonte, fmt
):
    """As many stalled clients as stream slots: /health still answers, a new /data request
    waits (it does not fail), and when the stalled clients hang up their COPYs end at once
    and the waiting request runs."""
    url = f"{pipeline_stack.api_url}/data"
    year = {"start_timestamp": YEAR[0], "end_timestamp": YEAR[1], "format": fmt}
    stalled = []
    for _ in range(STREAM_SLOTS):
        response = requests.get(url, params=year, stream=True, timeout=60)
        chunks = response.iter_content(1024)
        next(chunks)  # started, then left unread (kept referenced): the server blocks on send
        stalled.append((response, chunks))
    try:
        assert active_copies(pipeline_stack) == STREAM_SLOTS
        assert requests.get(f"{pipeline_stack.api_url}/health", timeout=10).status_code == 200
        result = {}

        def small_request():
            params = {"start_timestamp": "2024-05-23T00:00:00", "end_timestamp": "2024-05-23T01:00:00"}
            r = requests.get(url, params=params, timeout=120)
            result["status"], result["rows"] = r.status_code, len(r.json())

        waiting = threading.Thread(target=small_request)
        waiting.start()
        waiting.join(2)
        assert waiting.is_alive(), "every slot is held by a stalled stream: the request should be queued"
    finally:
        for response, _ in stalled:
            response.close()
    waiting.join(60)
    assert result == {"status": 200, "rows": 60}
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: not active_copies(pipeline_stack), "the hung-up client's COPY ending", 10, step=0.1)
    assert active_copies(pipeline_stack) == 0, "a hung-up client left its COPY running"

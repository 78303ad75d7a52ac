"""Slow and stalled clients against the real API on 1-second data, over real sockets.

Readers that request ten days of 1-second rows and then never read hold the stream slots
only until the stall timeout; meanwhile other requests get an answer within the bounded
wait (a 503 with Retry-After, never a hang), /health says the API is saturated, and
afterwards the API serves normally with no database connection left busy.
"""

from __future__ import annotations

import socket
import time
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
import requests
from psycopg.conninfo import make_conninfo

from devstack import pgcluster, provision
from devstack.processes import wait_until
from fonte_api.db import STREAM_SLOTS

from .api_process import ApiProcess

# The stalled streams must hold their slots from saturation until the probe's bounded wait
# is over: the stall timeout leaves 4 s for 15 streams to start on a loaded machine (with
# 3 s, a CI run saw the first ones cut while the probe waited, and the probe got a slot).
STALL_SECONDS = 6
SLOT_WAIT_SECONDS = 2
WHOLE_PERIOD = "start_timestamp=2024-05-20T00:00:00&end_timestamp=2024-05-30T00:00:00"
ONE_MINUTE = {"start_timestamp": "2024-05-23T12:00:00", "end_timestamp": "2024-05-23T12:01:00"}


@pytest.fixture(scope="module")
def one_second_api(session_stack, tmp_path_factory):
    """An API over a Fonte database of its own, seeded at startup with the default period
    at 1-second resolution (864,000 rows; one turbine, the default one its requests read),
    with short stall and slot-wait limits."""
    config = replace(session_stack.config, fonte_db="fonte_1s")
    provision.provision_fonte(config)
    reader_url = make_conninfo(session_stack.config.fonte_url, dbname="fonte_1s")
    owner_url = make_conninfo(session_stack.config.fonte_owner_url, dbname="fonte_1s")
    env = session_stack.process_env(
        FONTE_DB_URL=reader_url,
        FONTE_OWNER_DB_URL=owner_url,
        FONTE_SEED_ON_STARTUP="1",
        FONTE_GEN_FREQ_SECONDS="1",
        FONTE_GEN_TURBINES="1",
        FONTE_STREAM_STALL_SECONDS=str(STALL_SECONDS),
        FONTE_STREAM_SLOT_WAIT_SECONDS=str(SLOT_WAIT_SECONDS),
    )
    with ApiProcess(env, tmp_path_factory.mktemp("api-1s") / "api.log", ready_timeout=300) as api:
        assert requests.get(f"{api.url}/variables", timeout=30).json()["period"]["rows"] == 864_000
        yield api, session_stack


def stalled_reader(url: str) -> socket.socket:
    """Asks for the whole ten days, reads nothing, keeps the connection open."""
    parts = urlsplit(url)
    client = socket.create_connection((parts.hostname, parts.port), timeout=10)
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fill up sooner
    client.sendall(f"GET /data?{WHOLE_PERIOD} HTTP/1.1\r\nHost: {parts.hostname}\r\n\r\n".encode())
    return client


def streams(url: str) -> dict:
    return requests.get(f"{url}/health", timeout=10).json()["streams"]


def busy_copies(session_stack) -> int:
    with pgcluster.admin_connect(session_stack.config.fonte, "fonte_1s") as conn:
        return conn.execute(
            "select count(*) from pg_stat_activity where datname = 'fonte_1s' and state <> 'idle' "
            "and query ilike 'copy%%'"
        ).fetchone()[0]


def wait_for(condition, timeout: float) -> bool:
    try:
        return wait_until(condition, "condition", timeout, step=0.1)
    except TimeoutError:
        return condition()


@pytest.mark.parametrize("readers", [STREAM_SLOTS, STREAM_SLOTS + 5])
def test_stalled_readers_cannot_keep_others_from_an_answer(one_second_api, readers):
    api, session_stack = one_second_api
    stalled = [stalled_reader(api.url) for _ in range(readers)]
    try:
        assert wait_for(lambda: streams(api.url)["in_use"] == STREAM_SLOTS, timeout=10)
        health = requests.get(f"{api.url}/health", timeout=10)
        assert health.status_code == 200  # saturated, not unhealthy: see /health's description
        assert health.json()["streams"]["saturated"] is True

        started = time.monotonic()
        small = requests.get(f"{api.url}/data", params=ONE_MINUTE, timeout=30)
        waited = time.monotonic() - started
        assert waited < SLOT_WAIT_SECONDS + 2  # an answer within the bounded wait, never a hang
        assert small.status_code == 503
        assert small.headers["Retry-After"] == str(SLOT_WAIT_SECONDS)
        assert "every /data stream slot stayed busy" in small.json()["detail"]

        # After the stall timeout the stalled streams are gone: their queries cancelled,
        # their connections back in the pool, their slots free.
        assert wait_for(lambda: streams(api.url)["in_use"] == 0, timeout=STALL_SECONDS + SLOT_WAIT_SECONDS + 10)
        assert wait_for(lambda: busy_copies(session_stack) == 0, timeout=10)
        served = requests.get(f"{api.url}/data", params=ONE_MINUTE, timeout=30)
        assert served.status_code == 200
        assert len(served.json()) == 60
    finally:
        for client in stalled:
            client.close()
    assert f"it read nothing for {STALL_SECONDS:g} s (FONTE_STREAM_STALL_SECONDS)" in api.log()


def test_a_slow_reader_that_keeps_reading_is_not_cut_off(one_second_api):
    """Progress, however slow, is not a stall: a reader taking a pause shorter than the stall
    timeout between reads gets the whole body."""
    api, _ = one_second_api
    params = {"start_timestamp": "2024-05-23T00:00:00", "end_timestamp": "2024-05-23T06:00:00", "format": "csv"}
    with requests.get(f"{api.url}/data", params=params, stream=True, timeout=60) as response:
        lines = 0
        for i, chunk in enumerate(response.iter_content(256 * 1024)):
            lines += chunk.count(b"\n")
            if i < 3:
                time.sleep(STALL_SECONDS / 2)
    assert lines == 6 * 3600 + 1  # every row and the header


def test_a_reader_slower_than_the_minimum_rate_is_cut_off(one_second_api, tmp_path):
    """A client that keeps reading at about 200 kB/s never stalls (the socket frees room
    often enough); with a minimum rate of 1 MB/s its stream is ended after a window, not
    served for the three minutes its 35 MB would take."""
    api, _ = one_second_api
    stall = 10
    env = {
        **api.env,
        "FONTE_SEED_ON_STARTUP": "0",
        "FONTE_STREAM_STALL_SECONDS": str(stall),
        "FONTE_STREAM_MIN_BYTES_PER_SECOND": "1000000",
    }
    with ApiProcess(env, tmp_path / "api.log") as strict:
        parts = urlsplit(strict.url)
        client = socket.create_connection((parts.hostname, parts.port), timeout=30)
        client.sendall(f"GET /data?{WHOLE_PERIOD} HTTP/1.1\r\nHost: {parts.hostname}\r\n\r\n".encode())
        started, taken, cut_after = time.monotonic(), 0, None
        while chunk := client.recv(64 * 1024):
            taken += len(chunk)
            if cut_after is None:  # slow until the cut; then only what the sockets hold is left
                time.sleep(len(chunk) / 200_000)
            if cut_after is None and "FONTE_STREAM_MIN_BYTES_PER_SECOND" in strict.log():
                cut_after = time.monotonic() - started
        client.close()
    assert cut_after is not None, "the stream was never cut off for its rate"
    assert cut_after < 3 * stall
    assert "it read nothing" not in strict.log()  # cut for its rate, not as a stalled reader
    assert "under FONTE_STREAM_MIN_BYTES_PER_SECOND (1,000,000); its query is cancelled" in strict.log()
    assert taken < 30_000_000  # the rest of the 35 MB was never sent

"""A bounded load test on loopback, and the API serving while the extractor runs."""

from __future__ import annotations

import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import requests

CLIENTS = 50
REQUESTS = 2_000
DAYS = [date(2024, 5, 20) + timedelta(days=i) for i in range(10)]


def day_params(day: date):
    return [
        ("start_timestamp", f"{day}T00:00:00"),
        ("end_timestamp", f"{day + timedelta(days=1)}T00:00:00"),
        ("columns", "wind_speed"),
        ("columns", "power"),
    ]


def test_50_clients_2000_requests_all_correct(pipeline_stack, tmp_path_factory):
    url = f"{pipeline_stack.api_url}/data"
    expected = {day: requests.get(url, params=day_params(day), timeout=30).content for day in DAYS}
    assert all(len(json.loads(body)) == 1440 for body in expected.values())
    local = threading.local()

    def one(i: int):
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        day = DAYS[i % len(DAYS)]
        started = time.perf_counter()
        response = session.get(url, params=day_params(day), timeout=60)
        return response.status_code, response.content == expected[day], time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(one, range(REQUESTS)))
    wall = time.perf_counter() - started

    assert [status for status, _, _ in results] == [200] * REQUESTS
    assert all(correct for _, correct, _ in results)
    latencies = sorted(latency for _, _, latency in results)
    figures = {
        "clients": CLIENTS,
        "requests": REQUESTS,
        "rows_per_request": 1440,
        "seconds": round(wall, 2),
        "requests_per_second": round(REQUESTS / wall, 1),
        "rows_per_second": round(REQUESTS * 1440 / wall),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p99_ms": round(1000 * latencies[int(0.99 * len(latencies)) - 1], 1),
    }
    # docs/operations.md's reliability section quotes these (pytest -s shows them too).
    (tmp_path_factory.getbasetemp() / "load-test.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("load test:", figures)


def test_api_keeps_serving_while_the_extractor_runs_a_range(pipeline_stack):
    url = f"{pipeline_stack.api_url}/data"
    statuses = []
    stop = threading.Event()

    def keep_asking():
        while not stop.is_set():
            statuses.append(requests.get(url, params=day_params(DAYS[3]), timeout=30).status_code)
            statuses.append(requests.get(f"{pipeline_stack.api_url}/health", timeout=30).status_code)

    askers = [threading.Thread(target=keep_asking) for _ in range(4)]
    for asker in askers:
        asker.start()
    try:
        result = pipeline_stack.extract(
            str(DAYS[0]), "--to", str(DAYS[-1]), "--columns", "wind_speed", "power", "ambient_temperature"
        )
    finally:
        stop.set()
        for asker in askers:
            asker.join()
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 10
    assert len(statuses) > 20
    assert set(statuses) == {200}

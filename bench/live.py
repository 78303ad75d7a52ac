"""Bucket close → Alvo: the latency of live data, on the bench's own stack.

The feeder (`python -m fonte_api live`, at LIVE_SPEED 10: a bucket closes every minute) runs
for MINUTES real minutes after Fonte's history, whose last day is staged and built first.
A follower does what the Dagster sensor and the run it requests do, without Dagster's run
launch: every FOLLOW_SECONDS it asks /changes what changed since its cursor, stages those
turbine-days (extract_days) and builds those days (`dbt build`, the day in WINDPIPE_DAYS).
A watcher polls Alvo's `data` every POLL_SECONDS for the live days' buckets.

`python -m bench.live [MINUTES]` measures `make live` itself instead, on the local stack:
the Dagster sensor and its runs (then stops the stack).

A bucket closes when the sample that closes it (one sampling interval before its end)
arrives in Fonte: its first `arrived_at` among the turbines (a late or corrected row of one
turbine does not move it), the database's clock. It has reached Alvo when the
watcher first sees its rows in `data` (the same machine's clock). Latency: the difference.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import psycopg

from devstack.config import REPO_ROOT, VENV_BIN
from extract.changes import changed_days, read_staged
from extract.client import FonteClient
from extract.pipeline import extract_days
from pipeline_constants import BUCKET

from .measure import run

SPEED, MINUTES, FOLLOW_SECONDS, POLL_SECONDS = "10", 12, 5.0, 0.5
STEP = timedelta(minutes=1)


def _watch(alvo_url: str, since: datetime, seen: dict[datetime, float], stop: threading.Event) -> None:
    with psycopg.connect(alvo_url, autocommit=True) as conn:
        while not stop.is_set():
            # A fresh Alvo has no `data` until the first build has made it.
            if conn.execute("select to_regclass('public.data') is not null").fetchone()[0]:
                for (bucket,) in conn.execute("select distinct timestamp from data where timestamp >= %s", (since,)):
                    seen.setdefault(bucket, time.time())
            stop.wait(POLL_SECONDS)


def _follow(bench, client: FonteClient, stop: threading.Event, errors: list[str]) -> None:
    alvo = bench.config.alvo_settings
    cursor = client.changes().cursor
    while not stop.is_set():
        try:
            found = changed_days(client, read_staged(alvo), cursor)
            for day, turbines in found.days.items():
                extract_days(day, day, None, client, alvo, turbines=turbines)
                env = {**bench.env, "WINDPIPE_DAYS": f"day: {day}", "WINDPIPE_TURBINES": ",".join(turbines)}
                run([str(VENV_BIN / "dbt"), "build"], env=env, cwd=REPO_ROOT / "dbt_project")
            cursor = found.cursor
        except Exception as exc:
            errors.append(str(exc).splitlines()[0])
        stop.wait(FOLLOW_SECONDS)


def live_rows(bench) -> list[str]:
    client = FonteClient(bench.config.api_url)
    last = client.catalog().last
    day = last.date().isoformat()
    run([sys.executable, "-m", "extract", day], env=bench.env, cwd=REPO_ROOT)
    run([str(VENV_BIN / "dbt"), "build", "--vars", f"day: {day}"], env=bench.env, cwd=REPO_ROOT / "dbt_project")
    live_start = last + STEP
    feeder = subprocess.Popen(
        [sys.executable, "-m", "fonte_api", "live", "--speed", SPEED, "--no-incidents"],
        cwd=REPO_ROOT,
        env=bench.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen: dict[datetime, float] = {}
    errors: list[str] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_watch, args=(bench.alvo_url, live_start, seen, stop)),
        threading.Thread(target=_follow, args=(bench, client, stop, errors)),
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(MINUTES * 60)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        feeder.terminate()
        feeder.wait(30)
    with psycopg.connect(bench.config.fonte_owner_url) as conn:
        closed = dict(
            conn.execute(
                "select timestamp, min(arrived_at) from data where timestamp >= %s group by 1", (live_start,)
            ).fetchall()
        )
    note = f" {len(errors)} follower errors: {errors[0]}" if errors else ""
    return [_latency_row(f"{SPEED}× ({MINUTES} min), the follower", seen, closed, note)]


def _latency_row(label: str, seen: dict[datetime, float], closed: dict[datetime, datetime], note: str = "") -> str:
    latencies = [
        first_seen - closed[bucket + BUCKET - STEP].timestamp()
        for bucket, first_seen in sorted(seen.items())
        if bucket + BUCKET - STEP in closed
    ]
    if not latencies:
        return f"| {label} | no bucket reached Alvo {note} | | | |"
    p95 = statistics.quantiles(latencies, n=20, method="inclusive")[-1] if len(latencies) > 1 else latencies[0]
    return (
        f"| {label}, {len(latencies)} buckets | {statistics.median(latencies):.1f} | {p95:.1f} "
        f"| {max(latencies):.1f} | at most 60 s (p95) |{note}"
    )


def measure_make_live(minutes: float) -> str:
    """`make live` itself on the local stack (Dagster's sensor and runs): each closed bucket's
    way to Alvo, as the bench's own measurement counts it. Stops the stack afterwards."""
    from devstack import stack
    from devstack.config import load_config

    config = load_config()
    for line in stack.up(config):
        print(line)
    with psycopg.connect(config.fonte_owner_url) as conn:
        (latest,) = conn.execute("select max(timestamp) from data").fetchone()
    live_start = latest + STEP
    live = subprocess.Popen(
        ["make", "live"], cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    seen: dict[datetime, float] = {}
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(config.alvo_settings.conninfo(), live_start, seen, stop))
    watcher.start()
    try:
        time.sleep(minutes * 60)
        with psycopg.connect(config.fonte_owner_url) as conn:
            closed = dict(
                conn.execute(
                    "select timestamp, min(arrived_at) from data where timestamp >= %s group by 1", (live_start,)
                ).fetchall()
            )
    finally:
        stop.set()
        watcher.join()
        subprocess.run(["make", "down"], cwd=REPO_ROOT, check=False, capture_output=True)
        live.wait(60)
    return _latency_row(f"`make live` (Dagster sensor and runs), {minutes:g} min", seen, closed)


if __name__ == "__main__":
    print(measure_make_live(float(sys.argv[1]) if len(sys.argv) > 1 else 10))

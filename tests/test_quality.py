"""The quality marts (bucket_quality, bucket_flags, availability) over the whole default
period, against the rules computed independently in Python (tests/quality.py) from the
API's rows, and against the documented faults (fonte_api/faults.py)."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
import requests

from fonte_api.faults import FAULT_DAY
from pipeline_constants import BUCKET
from report.charts import FLAG_COLOR

from .browser import browser_page
from .quality import Turbine, buckets, dbt_rules, expected_flags, flags
from .report_page import make_report

FIRST, LAST = "2024-05-20", "2024-05-29"  # the default period


def api_samples(stack) -> tuple[list[tuple], dict, dict[str, Turbine], float]:
    """Every sample of the default period as the API serves it (CSV, turbine by turbine),
    the catalog, the fleet's reference curves and the tags' sampling interval."""
    catalog = requests.get(f"{stack.api_url}/variables", timeout=30).json()["variables"]
    fleet = requests.get(f"{stack.api_url}/turbines", timeout=30).json()["turbines"]
    names = [v["name"] for v in catalog]
    samples = []
    for turbine in fleet:
        body = requests.get(
            f"{stack.api_url}/data",
            params={
                "start_timestamp": f"{FIRST}T00:00:00Z",
                "end_timestamp": f"{date.fromisoformat(LAST) + timedelta(days=1)}T00:00:00Z",
                "turbine": turbine["id"],
                "columns": names,
                "format": "csv",
            },
            timeout=120,
        )
        assert body.status_code == 200, body.text
        for row in csv.DictReader(io.StringIO(body.text)):
            ts = datetime.fromisoformat(row["timestamp"]).astimezone(UTC)
            for name in names:
                if row[name] != "" and math.isfinite(value := float(row[name])):
                    samples.append((turbine["id"], ts, name, value))
    curves = {
        t["id"]: Turbine(t["rated_power_kw"], t["cut_in_speed_ms"], t["rated_speed_ms"], t["cut_out_speed_ms"])
        for t in fleet
    }
    [interval] = {v["interval_seconds"] for v in catalog}
    return samples, {v["name"]: v for v in catalog}, curves, interval


@pytest.fixture(scope="module")
def period(pipeline_stack):
    """The default period staged and built in one run, and the API's rows of it."""
    extracted = pipeline_stack.extract(FIRST, "--to", LAST)
    assert extracted.returncode == 0, extracted.stderr
    built = pipeline_stack.build(f"{{start_day: {FIRST}, end_day: {LAST}}}")
    assert built.returncode == 0, built.stdout[-3000:]
    samples, catalog, curves, interval = api_samples(pipeline_stack)
    return pipeline_stack, samples, catalog, curves, interval


@pytest.fixture(scope="module")
def expected(period):
    from fonte_api.catalog import CATALOG

    _, samples, catalog, curves, interval = period
    grid = buckets(samples)
    return grid, flags(grid, {name: CATALOG[name] for name in catalog}, curves, dbt_rules(), interval)


def test_every_fault_is_flagged_at_its_documented_buckets_and_nothing_else(period, expected):
    stack, _, catalog, curves, _ = period
    _, computed = expected
    with stack.alvo() as conn:
        alvo = {
            (turbine, tag, ts, flag)
            for ts, turbine, tag, flag in conn.execute("select timestamp, turbine, tag, flag from bucket_flags")
        }
    assert alvo == computed  # the pipeline's SQL against the rules computed here
    assert computed == expected_flags(list(curves), list(catalog))  # and both against the documentation
    assert {ts.date() for _, _, ts, _ in alvo} == {FAULT_DAY.date()}


def test_coverage_and_sample_counts_equal_a_count_of_the_apis_rows(period, expected):
    stack, _, _, _, interval = period
    grid, _ = expected
    with stack.alvo() as conn:
        alvo = {
            (turbine, tag, ts): (samples, coverage)
            for ts, turbine, tag, samples, coverage in conn.execute(
                "select timestamp, turbine, tag, samples, coverage from bucket_quality"
            )
        }
    full = BUCKET.total_seconds() / interval
    assert alvo == {key: (len(b.values), len(b.values) / full) for key, b in grid.items()}
    assert len(alvo) == 10 * 144 * 4 * 10  # days x buckets x turbines x tags: empty buckets have rows


def test_availability_equals_an_independent_computation_from_the_state_tag(period, expected):
    stack, _, catalog, curves, _ = period
    grid, _ = expected
    state = next(name for name, v in catalog.items() if v["iec_name"] == "WTUR_TurSt")
    down_codes = {4.0}  # stopped by a fault: the one code that is not available
    days = defaultdict(lambda: {"known": 0, "unknown": 0, "down": 0, "energy": 0.0, "lost": 0.0})
    for (turbine, tag, start), bucket in grid.items():
        day = days[(start.date(), turbine)]
        if tag == "power" and bucket.values:
            day["energy"] += bucket.mean / 6
        if tag != state:
            continue
        if not bucket.values:
            day["unknown"] += 1
            continue
        day["known"] += 1
        if down_codes & set(bucket.values):
            day["down"] += 1
            wind = grid[(turbine, "wind_speed", start)]
            day["lost"] += curves[turbine].power(wind.mean) / 6
    with stack.alvo() as conn:
        rows = conn.execute(
            "select day, turbine, known_buckets, unknown_buckets, down_buckets, availability, energy_kwh,"
            " lost_energy_kwh from availability"
        ).fetchall()
    alvo = {(day, turbine): tuple(rest) for day, turbine, *rest in rows}
    assert set(alvo) == set(days)
    for key, d in days.items():
        known, unknown, down, availability, energy, lost = alvo[key]
        assert (known, unknown, down) == (d["known"], d["unknown"], d["down"]), key
        assert availability == (d["known"] - d["down"]) / d["known"], key
        assert energy == pytest.approx(d["energy"], rel=1e-12), key
        assert lost == pytest.approx(d["lost"], rel=1e-12, abs=1e-9), key
    stopped = alvo[(FAULT_DAY.date(), "T03")]
    assert stopped[2] == 12  # two hours down
    assert stopped[3] == 11 / 12
    assert stopped[5] > 1000  # in good wind
    assert alvo[(FAULT_DAY.date(), "T04")][:2] == (142, 2)  # the comms gap's two empty buckets


def test_the_fault_day_builds_alone_with_its_error_tests_passing(period):
    stack = period[0]
    built = stack.build(f"day: {FAULT_DAY.date()}")
    assert built.returncode == 0, built.stdout[-3000:]
    assert "accepted_values_bucket_flags_flag" in built.stdout
    with stack.alvo() as conn:
        flagged = conn.execute("select count(*) from bucket_flags").fetchone()[0]
    assert flagged == len(expected_flags(["T01", "T02", "T03", "T04"], [*period[2]]))


def test_the_report_marks_the_flagged_buckets_and_lists_them(period, expected, tmp_path):
    """The fault day's page in a real browser: a red band over each flagged bucket of the
    drawn turbine's power chart, a cross on each flagged bucket of the fleet's heatmap, the
    off-curve buckets red in the power curves, and the flags table."""
    stack = period[0]
    grid, computed = expected
    day = FAULT_DAY.date().isoformat()
    result = make_report(stack, tmp_path, day, "--turbine", "T04")
    assert result.returncode == 0, result.stderr
    on_day = {(t, tag, b, f) for t, tag, b, f in computed if b.date() == FAULT_DAY.date()}
    power_buckets = {b for t, tag, b, _ in on_day if (t, tag) == ("T04", "power")}
    flagged_cells = {(t, b) for t, _, b, _ in on_day}
    drawn_points = {b for b in power_buckets if grid[("T04", "power", b)].values}
    with browser_page() as page:
        page.goto((tmp_path / f"{day}.html").as_uri())
        # The fleet's two charts, T04's seven linear tags and its power curve.
        page.wait_for_function("document.querySelectorAll('.chart svg.marks').length === 10", timeout=30_000)
        bands = page.locator(f'#chart-power path[fill="{FLAG_COLOR}"]').count()
        crosses = page.locator("#chart-fleet_coverage g.mark-symbol path").count()
        red_points = page.locator(f'#chart-fleet_power_curves path[fill="{FLAG_COLOR}"]').count()
        table = page.locator("#flags-table tr").all_inner_texts()
    assert bands == len(power_buckets) == 16  # 4 of the comms gap, 12 curtailed
    assert crosses == len(flagged_cells) == 36
    assert red_points == len(drawn_points) == 14  # the gap's two empty buckets have no point
    rows = {tuple(row.split("\t")) for row in table[1:]}
    assert ("T03", "operating_state", "down", "09:00", "11:00", "12") in rows
    assert ("T04", "power", "power_curve", "16:30", "18:30", "12") in rows
    assert ("T02", "wind_speed", "frozen", "02:00", "03:00", "6") in rows
    assert len(rows) == len({(t, tag, f) for t, tag, _, f in on_day})  # each fault is one run per tag

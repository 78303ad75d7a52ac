"""The fleet end to end: 1, 5 and 25 turbines × 50 tags (the whole catalog) × 1 day, and 25 ×
50 × 7 days; extraction and `dbt build` against the pure-SQL limit measured in the same run
(cost per value, the peak memory of the extractor and of the API).

The limit does what the pipeline does and nothing else, in SQL only: Fonte's rows of the day
unpivoted and COPYed by psql into a staging table of Alvo, then the same statistics by kind
(linear: mean, min, max, std; angle: circular mean and std; state: mode) inserted in one
statement per kind.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import date

import psycopg

from devstack.api_server import api_pid
from devstack.config import REPO_ROOT, VENV_BIN
from devstack.memory import PeakRss
from fonte_api.catalog import CATALOG
from fonte_api.settings import GeneratorSettings
from pipeline_constants import BUCKET_MINUTES, BUCKET_ORIGIN

from .limit import psql_copy, unpivot_export
from .measure import run

# (turbines, days): the scale table's rows, every tag of the catalog.
WORKLOADS = ((1, 1), (5, 1), (25, 1), (25, 7))
TAGS = len(CATALOG)
DAY = date(2024, 5, 20)  # the generator's first day
RUNS = 3
WEEK_RUNS = 1  # 12.6 million values a run: one run, marked as such in the table
SCHEMA = "bench_fleet_limit"

_BUCKET = f"date_bin('{BUCKET_MINUTES} minutes', s.timestamp, timestamptz '{BUCKET_ORIGIN.isoformat()}')"
_KINDS = ", ".join(f"('{v.name}', '{v.kind}')" for v in CATALOG.values())

SETUP = f"""
drop schema if exists {SCHEMA} cascade;
create schema {SCHEMA};
create table {SCHEMA}.staging (turbine text not null, timestamp timestamptz not null, variable text not null,
                               value float8, primary key (timestamp, turbine, variable));
create table {SCHEMA}.kinds (tag text primary key, kind text not null);
insert into {SCHEMA}.kinds values {_KINDS};
create table {SCHEMA}.signal as select id, turbine, tag, statistic from public.signal;
alter table {SCHEMA}.signal add primary key (id);
create table {SCHEMA}.data (timestamp timestamptz not null, signal_id integer not null references {SCHEMA}.signal (id),
                            value float8 not null, primary key (timestamp, signal_id));
"""

# One statement per kind, joined to the registry as the mart is.
AGGREGATES = [
    f"""
insert into {SCHEMA}.data
select b.bucket, sig.id, v.value
from (
    select s.turbine, s.variable, {_BUCKET} as bucket,
           avg(s.value order by s.timestamp) as mean, min(s.value) as min, max(s.value) as max,
           stddev_samp(s.value order by s.timestamp) as std
    from {SCHEMA}.staging s join {SCHEMA}.kinds k on k.tag = s.variable and k.kind = 'linear'
    group by 1, 2, 3
) b
cross join lateral (values ('mean', b.mean), ('min', b.min), ('max', b.max), ('std', b.std)) v(statistic, value)
join {SCHEMA}.signal sig on (sig.turbine, sig.tag, sig.statistic) = (b.turbine, b.variable, v.statistic)
where v.value is not null
""",
    f"""
insert into {SCHEMA}.data
select b.bucket, sig.id, v.value
from (
    select s.turbine, s.variable, {_BUCKET} as bucket,
           avg(sin(radians(s.value)) order by s.timestamp) as si, avg(cos(radians(s.value)) order by s.timestamp) as co
    from {SCHEMA}.staging s join {SCHEMA}.kinds k on k.tag = s.variable and k.kind = 'angle'
    group by 1, 2, 3
) b
cross join lateral (values
    ('mean', mod((degrees(atan2(b.si, b.co)) + 360)::numeric, 360)::float8),
    ('std', degrees(sqrt(abs(2 * ln(least(sqrt(b.si * b.si + b.co * b.co), 1.0::float8))))))
) v(statistic, value)
join {SCHEMA}.signal sig on (sig.turbine, sig.tag, sig.statistic) = (b.turbine, b.variable, v.statistic)
where b.si * b.si + b.co * b.co > 0
""",
    f"""
insert into {SCHEMA}.data
select b.bucket, sig.id, b.mode
from (
    select s.turbine, s.variable, {_BUCKET} as bucket, mode() within group (order by s.value) as mode
    from {SCHEMA}.staging s join {SCHEMA}.kinds k on k.tag = s.variable and k.kind = 'state'
    group by 1, 2, 3
) b
join {SCHEMA}.signal sig on (sig.turbine, sig.tag, sig.statistic) = (b.turbine, b.variable, 'mode')
""",
]


def measure_limit(psql: str, fonte_url: str, alvo_url: str, days: int) -> float:
    """Seconds of the pure-SQL pipeline for `days` from DAY, every turbine and tag."""
    with psycopg.connect(alvo_url, autocommit=True) as conn:
        conn.execute(SETUP)
    export = unpivot_export(
        CATALOG,
        f"d.timestamp >= '{DAY}T00:00:00Z' and d.timestamp < timestamptz '{DAY}T00:00:00Z' + interval '{days} days'",
        with_turbine=True,
    )
    started = time.perf_counter()
    psql_copy(psql, fonte_url, export, alvo_url, f"copy {SCHEMA}.staging from stdin")
    with psycopg.connect(alvo_url, autocommit=True) as conn, conn.transaction():
        for statement in AGGREGATES:
            conn.execute(statement)
    seconds = time.perf_counter() - started
    with psycopg.connect(alvo_url, autocommit=True) as conn:
        conn.execute(f"drop schema {SCHEMA} cascade")
    return seconds


def fleet_rows(bench, reseed: Callable[[GeneratorSettings], float], reset_alvo: Callable[[], None]) -> list[str]:
    """One table row per workload: median seconds of its runs' extractions, builds and limits."""
    rows = []
    for turbines, days in WORKLOADS:
        reseed(GeneratorSettings(days=days, turbines=turbines, tags=TAGS))
        last = DAY.fromordinal(DAY.toordinal() + days - 1)
        window = ["--vars", f"day: {DAY}"] if days == 1 else ["--vars", f"{{start_day: {DAY}, end_day: {last}}}"]
        extracts, builds, limits, rss, api_rss = [], [], [], 0, 0
        runs = RUNS if days == 1 else WEEK_RUNS
        for _ in range(runs):
            reset_alvo()
            with PeakRss(api_pid(bench.config)) as api:
                extracted = run(
                    [sys.executable, "-m", "extract", str(DAY), "--to", str(last)], env=bench.env, cwd=REPO_ROOT
                )
            built = run([str(VENV_BIN / "dbt"), "build", *window], env=bench.env, cwd=REPO_ROOT / "dbt_project")
            limits.append(measure_limit(bench.psql(), bench.config.fonte_owner_url, bench.alvo_url, days))
            extracts.append(extracted.seconds)
            builds.append(built.seconds)
            rss, api_rss = max(rss, extracted.peak_rss), max(api_rss, api.peak)
        values = 1440 * days * turbines * TAGS
        extract, build, limit = (statistics.median(x) for x in (extracts, builds, limits))
        total = extract + build
        label = f"{turbines} × {TAGS} tags × {days} day{'s' if days > 1 else ''}" + ("" if runs > 1 else " (1 run)")
        rows.append(
            f"| {label} | {values:,} | {extract:.2f} | {build:.2f} | {total:.2f} | "
            f"{limit:.2f} | {total / limit:.1f}× | {total / values * 1e6:.1f} | {limit / values * 1e6:.1f} | "
            f"{rss / 1e6:.0f} MB | {api_rss / 1e6:.0f} MB |"
        )
    return rows

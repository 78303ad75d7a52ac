"""The fleet's day end to end: 1, 5 and 25 turbines × every tag × 1 day, extraction and
`dbt build` against the pure-SQL limit measured in the same run (cost per value, memory).

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

from devstack.config import REPO_ROOT, VENV_BIN
from fonte_api.catalog import VARIABLES
from fonte_api.settings import GeneratorSettings
from pipeline_constants import BUCKET_MINUTES, BUCKET_ORIGIN

from .limit import psql_copy
from .measure import run

FLEET_SIZES = (1, 5, 25)
DAY = date(2024, 5, 20)  # the generator's first day: a 1-day Fonte holds it
RUNS = 3
SCHEMA = "bench_fleet_limit"

_BUCKET = f"date_bin('{BUCKET_MINUTES} minutes', s.timestamp, timestamptz '{BUCKET_ORIGIN.isoformat()}')"
_KINDS = ", ".join(f"('{v.name}', '{v.kind}')" for v in VARIABLES.values())

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


def measure_limit(psql: str, fonte_url: str, alvo_url: str) -> float:
    """Seconds of the pure-SQL pipeline for DAY, every turbine and tag."""
    with psycopg.connect(alvo_url, autocommit=True) as conn:
        conn.execute(SETUP)
    pairs = ", ".join(f"('{name}', d.{name})" for name in VARIABLES)
    export = (
        f"copy (select d.turbine_id, d.timestamp, v.variable, v.value from data d cross join lateral "
        f"(values {pairs}) v(variable, value) where d.timestamp >= '{DAY}T00:00:00Z'"
        f" and d.timestamp < timestamptz '{DAY}T00:00:00Z' + interval '1 day') to stdout"
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
    """One table row per fleet size: median seconds of RUNS extractions, builds and limits."""
    rows = []
    for turbines in FLEET_SIZES:
        reseed(GeneratorSettings(days=1, turbines=turbines))
        extracts, builds, limits, rss = [], [], [], 0
        for _ in range(RUNS):
            reset_alvo()
            extracted = run([sys.executable, "-m", "extract", str(DAY)], env=bench.env, cwd=REPO_ROOT)
            built = run(
                [str(VENV_BIN / "dbt"), "build", "--vars", f"day: {DAY}"], env=bench.env, cwd=REPO_ROOT / "dbt_project"
            )
            limits.append(measure_limit(bench.psql(), bench.config.fonte_owner_url, bench.alvo_url))
            extracts.append(extracted.seconds)
            builds.append(built.seconds)
            rss = max(rss, extracted.peak_rss)
        values = 1440 * turbines * len(VARIABLES)
        extract, build, limit = (statistics.median(x) for x in (extracts, builds, limits))
        total = extract + build
        rows.append(
            f"| {turbines} × {len(VARIABLES)} tags × 1 day | {values:,} | {extract:.2f} | {build:.2f} | {total:.2f} | "
            f"{limit:.2f} | {total / limit:.1f}× | {total / values * 1e6:.1f} | {limit / values * 1e6:.1f} | "
            f"{rss / 1e6:.0f} MB |"
        )
    return rows

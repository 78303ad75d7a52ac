"""End to end: generate -> API -> extract -> dbt build, every Alvo value checked against an
independent Python computation over the same Fonte rows."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from .dbt_runner import DATA_ALONE
from .expected import (
    DAY_OF_SIGNALS,
    FLEET,
    SIGNALS_PER_TURBINE,
    SINGLE_TURBINE,
    VARIABLES,
    alvo_statistics,
    assert_matches,
    data_rows,
    day_bounds,
    expected_statistics,
    fonte_samples,
    single_turbine_samples,
)


def build(stack, days, *args):
    """`dbt build` of `days`, given as WINDPIPE_DAYS (keeps dbt's partial parse)."""
    result = stack.build(days, *args)
    assert result.returncode == 0, result.stdout[-4000:]
    return result


def build_with_vars(stack, days, *args, cli=False):
    """`dbt build --vars days`."""
    result = stack.dbt_with_vars("build", "--vars", days, *args, cli=cli)
    assert result.returncode == 0, result.stdout[-4000:]
    return result


@pytest.fixture(scope="module")
def day_built(pipeline_stack):
    """The README's two commands on the default day: the whole fleet, every tag."""
    extracted = pipeline_stack.extract("2024-05-23")
    assert extracted.returncode == 0, extracted.stderr
    build_with_vars(pipeline_stack, "day: 2024-05-23", cli=True)
    return pipeline_stack


def test_every_value_of_every_turbine_and_tag_equals_python(day_built):
    actual = alvo_statistics(day_built, "2024-05-23")
    assert len(actual) == 144 * SIGNALS_PER_TURBINE * len(FLEET)
    assert_matches(actual, expected_statistics(fonte_samples(day_built, "2024-05-23")))


def test_the_single_turbine_signals_keep_their_ids_and_names(day_built):
    """Ids 1-12 are the single-turbine Alvo's, then every (turbine, tag, statistic) of the
    fleet once, in turbine then catalog order, named bare for the default turbine."""
    with day_built.alvo() as conn:
        rows = conn.execute("select id, name, turbine, tag, statistic from signal order by id").fetchall()
    assert [(i, n) for i, n, *_ in rows[:12]] == [
        (i + 1, f"{v}_{s}") for i, (v, s) in enumerate((v, s) for v in VARIABLES for s in ("mean", "min", "max", "std"))
    ]
    assert [i for i, *_ in rows] == list(range(1, len(rows) + 1))
    assert len(rows) == SIGNALS_PER_TURBINE * len(FLEET)
    assert len({(t, g, s) for _, _, t, g, s in rows}) == len(rows)
    assert rows[12][1:] == ("wind_direction_mean", "T01", "wind_direction", "mean")
    assert ("T02.wind_direction_std", "T02", "wind_direction", "std") in [r[1:] for r in rows]
    assert ("T03.operating_state_mode", "T03", "operating_state", "mode") in [r[1:] for r in rows]


def test_contract_constraints_are_in_the_database(day_built):
    with day_built.alvo() as conn:
        kinds = conn.execute(
            "select contype, pg_get_constraintdef(oid) from pg_constraint where conrelid = 'public.data'::regclass"
        ).fetchall()
        value_not_null = conn.execute(
            "select attnotnull from pg_attribute where attrelid = 'public.data'::regclass and attname = 'value'"
        ).fetchone()[0]
    definitions = dict(kinds)
    assert definitions["p"] == 'PRIMARY KEY ("timestamp", signal_id)'
    assert definitions["f"] == "FOREIGN KEY (signal_id) REFERENCES signal(id)"
    assert value_not_null


def test_rerun_changes_nothing_and_a_second_day_leaves_the_first(day_built):
    first = alvo_statistics(day_built, "2024-05-23")
    build_with_vars(day_built, "day: 2024-05-23")
    assert alvo_statistics(day_built, "2024-05-23") == first

    assert day_built.extract("2024-05-24", *SINGLE_TURBINE).returncode == 0
    build_with_vars(day_built, "day: '2024-05-24'")
    assert alvo_statistics(day_built, "2024-05-23") == first
    assert_matches(
        alvo_statistics(day_built, "2024-05-24"), expected_statistics(single_turbine_samples(day_built, "2024-05-24"))
    )


def test_a_range_in_one_run_touches_only_its_days(day_built):
    assert day_built.extract("2024-05-28", "--to", "2024-05-29").returncode == 0
    first = alvo_statistics(day_built, "2024-05-23")
    build_with_vars(day_built, "{start_day: 2024-05-28, end_day: 2024-05-29}")
    assert alvo_statistics(day_built, "2024-05-23") == first
    for day in ("2024-05-28", "2024-05-29"):
        expected = expected_statistics(fonte_samples(day_built, day))
        assert_matches(alvo_statistics(day_built, day), expected)


def test_a_days_window_is_half_open_and_leaves_the_next_days_first_bucket(day_built):
    """[D 00:00, D+1 00:00): the sample at D+1 00:00 belongs to the next day only; building D
    after D+1 must neither read it nor delete the next day's first bucket."""
    assert day_built.extract("2024-05-25", "--to", "2024-05-26", *SINGLE_TURBINE).returncode == 0
    build(day_built, "day: 2024-05-26")
    next_day = alvo_statistics(day_built, "2024-05-26")
    assert len(next_day) == DAY_OF_SIGNALS
    build(day_built, "day: 2024-05-25")
    assert alvo_statistics(day_built, "2024-05-26") == next_day
    assert_matches(
        alvo_statistics(day_built, "2024-05-25"), expected_statistics(single_turbine_samples(day_built, "2024-05-25"))
    )


@pytest.fixture
def gappy_day(day_built):
    """2024-05-27 with holes: one bucket emptied, one left with 2 samples, one with 1."""
    start, _ = day_bounds("2024-05-27")
    holes = [
        (start + timedelta(minutes=10), start + timedelta(minutes=20)),
        (start + timedelta(minutes=20), start + timedelta(minutes=28)),
        (start + timedelta(minutes=30), start + timedelta(minutes=39)),
    ]
    with day_built.fonte_owner() as conn:
        removed = []
        for low, high in holes:
            removed += conn.execute(
                "delete from data where turbine_id = 'T01' and timestamp >= %s and timestamp < %s returning *",
                (low, high),
            ).fetchall()
    yield start
    with day_built.fonte_owner() as conn, conn.cursor() as cur:
        cur.executemany(f"insert into data values ({', '.join(['%s'] * len(removed[0]))})", removed)


def test_gaps_give_fewer_samples_and_no_empty_buckets(day_built, gappy_day):
    start = gappy_day
    assert day_built.extract("2024-05-27", *SINGLE_TURBINE).returncode == 0
    build(day_built, "day: 2024-05-27")
    actual = alvo_statistics(day_built, "2024-05-27")
    assert_matches(actual, expected_statistics(single_turbine_samples(day_built, "2024-05-27")))
    buckets = {ts for ts, _ in actual}
    assert start + timedelta(minutes=10) not in buckets
    assert len(buckets) == 143
    assert (start + timedelta(minutes=20), "power_std") in actual
    assert (start + timedelta(minutes=30), "power_mean") in actual
    assert (start + timedelta(minutes=30), "power_std") not in actual


def test_nan_and_infinite_staged_values_are_dropped_not_averaged(day_built):
    day = "2024-05-24"
    assert day_built.extract(day, *SINGLE_TURBINE).returncode == 0
    start, _ = day_bounds(day)
    poisoned = {
        start + timedelta(minutes=1): "NaN",
        start + timedelta(minutes=2): "Infinity",
        start + timedelta(minutes=3): "-Infinity",
    }
    with day_built.alvo() as conn:
        for ts, value in poisoned.items():
            conn.execute(
                "update raw.fonte_data set value = %s::float8 where timestamp = %s and variable = 'power'", (value, ts)
            )
    build(day_built, f"day: {day}")
    samples = [s for s in single_turbine_samples(day_built, day) if not (s[2] == "power" and s[1] in poisoned)]
    assert_matches(alvo_statistics(day_built, day), expected_statistics(samples))


def test_a_requested_day_without_staged_samples_warns(day_built):
    # Fonte ends on 2024-05-29: 30 and 31 can never be staged.
    result = build(day_built, "{start_day: 2024-05-30, end_day: 2024-05-31}")
    assert "WARN 2 every_requested_day_is_staged" in result.stdout
    clean = build(day_built, "day: 2024-05-23")
    assert "PASS every_requested_day_is_staged" in clean.stdout


def test_bad_vars_fail_with_a_clear_message(day_built):
    result = day_built.dbt_with_vars("build", "--vars", "day: 23/05/2024", *DATA_ALONE, cli=True)
    assert result.returncode != 0
    assert "'23/05/2024' is not a day like 2024-05-23 (YYYY-MM-DD)" in result.stdout
    result = day_built.dbt_with_vars(
        "build", "--vars", "{start_day: 2024-05-24, end_day: 2024-05-23}", *DATA_ALONE, cli=True
    )
    assert result.returncode != 0
    assert "end_day 2024-05-23 is before start_day 2024-05-24" in result.stdout


def test_days_from_the_environment_keep_dbts_partial_parse(day_built):
    """WINDPIPE_DAYS is read only while executing: with a new day, dbt parses no file again
    (a variable read while parsing would make it parse the files that read it; a new --vars,
    the control, makes it parse them all), and the new day is the one built. Days 2024-05-20
    and 22 are never staged here, so their builds change nothing."""
    build(day_built, "day: 2024-05-20", *DATA_ALONE)
    assert files_parsed_again(day_built, WINDPIPE_DAYS="day: 2024-05-22") == 0
    build(day_built, "day: 2024-05-22", *DATA_ALONE)
    window = compiled_data_model(day_built)
    assert "timestamptz '2024-05-22 00:00:00+00'" in window
    assert "2024-05-20" not in window
    day_built.dbt_with_vars("parse", "--vars", "day: 2024-05-20")
    assert files_parsed_again(day_built, "--vars", "day: 2024-05-22", target_suffix="-vars") > 0


def files_parsed_again(stack, *args: str, target_suffix: str = "", **env: str) -> int:
    """How many files `dbt parse` parsed again (not taken from its partial parse): its perf_info.json."""
    target = stack.dbt_env["DBT_TARGET_PATH"] + target_suffix
    result = stack.dbt("parse", *args, DBT_TARGET_PATH=target, **env)
    assert result.returncode == 0, result.stdout[-3000:]
    return json.loads((Path(target) / "perf_info.json").read_text())["parsed_path_count"]


def compiled_data_model(stack) -> str:
    return (Path(stack.dbt_env["DBT_TARGET_PATH"]) / "compiled/windpipe/models/marts/data.sql").read_text()


def test_bad_days_in_the_environment_fail_with_a_clear_message(day_built):
    """Also the dbt runner's own check (tests/dbt_runner.py): the same failing command gives
    the same exit code and message through the runner as through the `dbt` executable."""
    message = "WINDPIPE_DAYS='days: 2024-05-23' is not `day: YYYY-MM-DD`"
    by_runner = day_built.build("days: 2024-05-23", *DATA_ALONE)
    by_executable = day_built.dbt_cli("build", *DATA_ALONE, WINDPIPE_DAYS="days: 2024-05-23")
    assert by_runner.returncode == by_executable.returncode == 1
    assert message in by_runner.stdout, by_runner.stdout[-2000:]
    assert message in by_executable.stdout, by_executable.stdout[-2000:]


def unit_test_results(stack) -> dict[str, str]:
    """unique_id -> status of the unit tests in the last run's run_results.json."""
    results = json.loads((Path(stack.dbt_env["DBT_TARGET_PATH"]) / "run_results.json").read_text())["results"]
    return {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}


def test_unit_tests_run_in_development_not_in_production_builds(day_built):
    build(day_built, "day: 2024-05-23")
    assert unit_test_results(day_built) == {}
    build(day_built, "day: 2024-05-23", "--selector", "with_unit_tests")
    statuses = unit_test_results(day_built)
    assert len(statuses) == 12 + 3  # data's and bucket_quality's
    assert set(statuses.values()) == {"pass"}


def test_impossible_dates_are_one_line_errors(day_built):
    for value in ("'2023-02-29'", "'2024-13-01'"):
        result = day_built.build(f"day: {value}", *DATA_ALONE)
        assert result.returncode != 0
        assert f"{value} is not a day like 2024-05-23 (YYYY-MM-DD)" in result.stdout, result.stdout[-2000:]
        assert "Traceback" not in result.stdout + result.stderr
    leap_day = day_built.dbt("compile", "--select", "data", WINDPIPE_DAYS="day: '2024-02-29'")
    assert leap_day.returncode == 0, leap_day.stdout[-2000:]


def test_source_freshness_works(day_built):
    result = day_built.dbt("source", "freshness")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "PASS" in result.stdout


def test_no_vars_builds_every_staged_day(day_built):
    """The days built so far by day and range runs (whichever ran before, in any order) stay
    as they were, and a day staged but never built (2024-05-21: no other test stages it)
    gets built."""
    assert day_built.extract("2024-05-21", *SINGLE_TURBINE).returncode == 0
    with day_built.alvo() as conn:
        conn.execute("set timezone = 'UTC'")
        staged_days = {d for (d,) in conn.execute("select distinct timestamp::date from raw.fonte_data")}
        before = conn.execute("select timestamp, signal_id, value from data order by 1, 2").fetchall()
        built_days = {d for (d,) in conn.execute("select distinct timestamp::date from data")}
    assert datetime(2024, 5, 21).date() not in built_days
    result = day_built.dbt("build")  # no vars: every staged day, the bulk path (foreign key suspended)
    assert result.returncode == 0, result.stdout[-4000:]
    with day_built.alvo() as conn:
        conn.execute("set timezone = 'UTC'")
        after = conn.execute("select timestamp, signal_id, value from data order by 1, 2").fetchall()
        rebuilt_days = {d for (d,) in conn.execute("select distinct timestamp::date from data")}
        fk = conn.execute("select count(*) from pg_constraint where conname = 'data_signal_id_fkey'").fetchone()[0]
    assert rebuilt_days == staged_days | built_days
    assert [row for row in after if row[0].date() in built_days] == before
    assert fk == 1
    assert_matches(
        alvo_statistics(day_built, "2024-05-21"), expected_statistics(single_turbine_samples(day_built, "2024-05-21"))
    )


def test_a_tag_of_an_unknown_kind_stops_the_build_with_its_name_and_changes_nothing(day_built):
    """A kind the models have no statistics for (Fonte's catalog says `vector`): the build
    stops at `signal`, naming the tag and the kind, before anything is registered or built."""
    day = "2024-05-23"
    with day_built.alvo() as conn:
        signals = conn.execute("select * from signal order by id").fetchall()
    before = data_rows(day_built, day)
    with day_built.alvo() as conn:
        conn.execute("update raw.fonte_variables set kind = 'vector' where name = 'rotor_speed'")
    try:
        result = day_built.build(f"day: {day}")
    finally:
        with day_built.alvo() as conn:
            conn.execute("update raw.fonte_variables set kind = 'linear' where name = 'rotor_speed'")
    assert result.returncode == 1
    assert (
        "tag 'rotor_speed' has the unknown kind 'vector'; the models compute statistics for the kinds: "
        "angle, linear, state" in result.stdout
    ), result.stdout[-3000:]
    with day_built.alvo() as conn:
        assert conn.execute("select * from signal order by id").fetchall() == signals
    assert data_rows(day_built, day) == before


def test_a_bad_turbine_in_the_environment_is_a_one_line_error(day_built):
    before = data_rows(day_built, "2024-05-23")
    result = day_built.build("day: 2024-05-23", *DATA_ALONE, WINDPIPE_TURBINES="T01,T02'; drop table data; --")
    assert result.returncode == 1
    assert "is not a turbine id (letters, digits, _ and -), in WINDPIPE_TURBINES or the var turbines" in result.stdout
    assert data_rows(day_built, "2024-05-23") == before

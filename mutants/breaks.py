"""The curated breaks: one small semantic change of a rule that matters, and the tests that
must fail when it is applied. Each `old` text (and each of `also`) must occur exactly once in its file; when the
code moves and it no longer does, the break is reported as "no longer applies", never as
caught, and this list is updated with the code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Break:
    name: str
    rule: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    # Further (old, new) edits of the same file that the break needs to run at all.
    also: tuple[tuple[str, str], ...] = ()

    @property
    def edits(self) -> tuple[tuple[str, str], ...]:
        return ((self.old, self.new), *self.also)


DBT_VALUES = "tests/test_dbt.py::test_every_value_of_every_turbine_and_tag_equals_python"
QUALITY_FLAGS = "tests/test_quality.py::test_every_fault_is_flagged_at_its_documented_buckets_and_nothing_else"

BREAKS = [
    Break(
        "bucket-width",
        "a bucket is 10 minutes wide",
        "dbt_project/macros/time_buckets.sql",
        "date_bin('{{ var(\"bucket_minutes\") }} minutes', {{ column }}",
        "date_bin('5 minutes', {{ column }}",
        (DBT_VALUES,),
    ),
    Break(
        "bucket-origin",
        "buckets start on the 10-minute marks of UTC",
        "dbt_project/macros/time_buckets.sql",
        "timestamptz '{{ var(\"bucket_origin\") }}')",
        "timestamptz '{{ var(\"bucket_origin\") }}' + interval '5 minutes')",
        (DBT_VALUES,),
    ),
    Break(
        "sample-std",
        "std is the sample standard deviation (n - 1)",
        "dbt_project/models/marts/data.sql",
        'stddev_samp(value order by "timestamp")::float8 as std',
        'stddev_pop(value order by "timestamp")::float8 as std',
        (DBT_VALUES,),
    ),
    Break(
        "dbt-day-half-open",
        "a build's day window is half-open [D, D+1)",
        "dbt_project/macros/day_window.sql",
        "{{ column }} >= {{ window.start }} and {{ column }} < {{ window.end }}",
        "{{ column }} >= {{ window.start }} and {{ column }} <= {{ window.end }}",
        ("tests/test_dbt.py::test_a_days_window_is_half_open_and_leaves_the_next_days_first_bucket",),
    ),
    Break(
        "days-by-environment-parse",
        "WINDPIPE_DAYS is read only while executing, so a new day keeps dbt's partial parse",
        "dbt_project/macros/day_window.sql",
        "{%- if not execute -%}\n        {{ return({}) }}\n    {%- endif -%}\n    {%- set text = env_var(",
        "{%- set text = env_var(",
        ("tests/test_dbt.py::test_days_from_the_environment_keep_dbts_partial_parse",),
    ),
    Break(
        "build-replaces-its-days",
        "a build deletes exactly its days' buckets before writing them",
        "dbt_project/macros/replace_days.sql",
        "delete from {{ this }} where {{ in_day_window('timestamp') }}",
        "delete from {{ this }} where true",
        ("tests/test_dbt.py::test_rerun_changes_nothing_and_a_second_day_leaves_the_first",),
    ),
    Break(
        "non-finite-values",
        "NaN and infinite samples are dropped before the statistics",
        "dbt_project/models/staging/stg_fonte__data.sql",
        "value not in ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)",
        "value not in ('NaN'::float8, '-Infinity'::float8)",
        ("tests/test_dbt.py::test_nan_and_infinite_staged_values_are_dropped_not_averaged",),
    ),
    Break(
        "build-day-locks",
        "builds of the same day take turns (advisory lock per day)",
        "dbt_project/macros/build_locks.sql",
        "perform pg_advisory_xact_lock({{ keys.days }}, {{ day_key('locked_day') }});",
        "perform null;",
        ("tests/test_concurrent_builds.py::test_a_build_that_cannot_get_the_lock_fails_clearly_and_changes_nothing",),
    ),
    Break(
        "api-range-half-open",
        "/data answers start <= timestamp < end",
        "fonte_api/streaming/query.py",
        "timestamp < %s order by timestamp",
        "timestamp <= %s order by timestamp",
        ("tests/test_api.py::test_range_is_half_open",),
    ),
    Break(
        "api-order",
        "/data rows are ordered by timestamp",
        "fonte_api/streaming/query.py",
        "timestamp < %s order by timestamp",
        "timestamp < %s",
        ("tests/test_api.py::test_rows_stay_ordered_after_they_move_in_the_heap",),
    ),
    Break(
        "token-compared",
        "the API's bearer check compares the token itself",
        "fonte_api/security.py",
        "secrets.compare_digest(credentials.credentials.encode(), expected.encode())",
        "len(credentials.credentials) == len(expected)",
        ("tests/test_security.py::test_a_wrong_token_is_refused",),
    ),
    Break(
        "unknown-parameters",
        "an undeclared query parameter is a 422",
        "fonte_api/strict_query.py",
        "    if not unknown:\n        return\n",
        "    if True:\n        return\n",
        ("tests/test_strict_query.py::test_data_refuses_parameters_it_does_not_declare",),
    ),
    Break(
        "extract-day-window",
        "the extractor stages the whole UTC day [D 00:00, D+1 00:00)",
        "extract/days.py",
        "utc_midnight(d + timedelta(days=1))",
        "utc_midnight(d) + timedelta(hours=23)",
        ("tests/test_extract.py::test_a_day_loads_every_turbine_and_tag_equal_to_fonte",),
    ),
    Break(
        "atomic-replace",
        "the extractor deletes and inserts a day in one transaction",
        "extract/loader.py",
        "        (day_start, day_end, turbines, columns),\n    )\n",
        "        (day_start, day_end, turbines, columns),\n    )\n"
        '    conn.execute("commit")\n    conn.execute("begin")\n',
        ("tests/test_extract.py::test_a_failure_between_the_delete_and_the_insert_keeps_the_previous_copy",),
        # The staged body must outlive that commit, or every load fails for another reason.
        also=(("on commit drop", "on commit preserve rows"),),
    ),
    Break(
        "extract-duplicates",
        "the extractor refuses duplicate timestamps with its own message",
        "extract/loader.py",
        "    if duplicates:\n",
        "    if False:\n",
        ("tests/test_extract.py::test_a_malformed_body_is_exit_1_and_staging_unchanged",),
    ),
    Break(
        "report-std-band",
        "the report's band is mean -/+ std",
        "report/charts.py",
        '"std_low": None if b.std is None else b.mean - b.std,',
        '"std_low": None if b.std is None else b.mean - 2 * b.std,',
        ("tests/test_report.py::test_the_bands_drawn_are_alvos_min_max_and_mean_minus_plus_std",),
    ),
    Break(
        "report-values",
        "every number in the report is Alvo's",
        "report/charts.py",
        '"min": b.min,',
        '"min": b.mean,',
        ("tests/test_report.py::test_every_value_in_the_report_equals_alvo",),
    ),
    Break(
        "partition-window",
        "a daily partition runs exactly its day",
        "orchestration/partitions.py",
        "(window.end - timedelta(days=1)).date()",
        "window.end.date()",
        ("tests/test_orchestration.py::test_one_partition_in_process_equals_the_cli_path_and_every_check_passes",),
    ),
    Break(
        "extended-stream",
        "adding the extended tags leaves the core ten as they were",
        "fonte_api/fleet.py",
        "self.extended_rng = np.random.default_rng([settings.seed, index, _EXTENDED_STREAM])",
        "self.extended_rng = self.tags_rng",
        ("tests/fast/test_fleet.py::test_fifty_tags_are_the_whole_catalog_and_the_first_ten_are_the_default_fleets",),
    ),
    Break(
        "held-columns",
        "a catalog tag Fonte does not hold is a 422",
        "fonte_api/routes/data.py",
        "    missing = [c for c in dict.fromkeys(requested) if c not in held]\n",
        "    missing = []\n",
        ("tests/test_api.py::test_bad_input_is_a_422_that_says_what_is_allowed",),
    ),
    Break(
        "fleet-energy",
        "a 10-minute mean power counts for 1/6 h of energy",
        "report/fleet.py",
        "HOURS_PER_BUCKET = BUCKET.total_seconds() / 3600",
        "HOURS_PER_BUCKET = BUCKET.total_seconds() / 60",
        ("tests/test_report.py::test_the_fleet_table_heatmap_and_power_curves_are_alvos",),
    ),
    Break(
        "frozen-run-length",
        "frozen takes frozen_buckets (3) unchanging buckets, not more",
        "dbt_project/models/marts/bucket_quality.sql",
        "where run_length >= {{ frozen_buckets }}",
        "where run_length > {{ frozen_buckets }}",
        # The default fleet's stuck sensor lasts 6 buckets: only the unit test at the edge
        # (exactly 3) tells 3 from 4.
        ("tests/test_dbt.py::test_unit_tests_run_in_development_not_in_production_builds",),
    ),
    Break(
        "frozen-calm",
        "a calm anemometer resting at 0 m/s is not a stuck sensor",
        "dbt_project/models/marts/bucket_quality.sql",
        "        and bucket_samples.min_value <> tags.range_min\n",
        "",
        (QUALITY_FLAGS,),
    ),
    Break(
        "power-curve-producing",
        "the power curve judges only buckets producing throughout",
        "dbt_project/models/marts/bucket_quality.sql",
        "        state_buckets.producing\n        and abs(",
        "        true\n        and abs(",
        (QUALITY_FLAGS,),
    ),
    Break(
        "coverage-threshold",
        "coverage exactly at the threshold is enough",
        "dbt_project/models/marts/bucket_quality.sql",
        '            < {{ var("coverage_threshold") }},',
        '            <= {{ var("coverage_threshold") }},',
        ("tests/test_dbt.py::test_unit_tests_run_in_development_not_in_production_builds",),
    ),
    Break(
        "availability-unknown",
        "buckets whose state never arrived are left out of the availability",
        "dbt_project/models/marts/availability.sql",
        "        count(*) filter (where state_buckets.is_known) as known_buckets,",
        "        count(*) as known_buckets,",
        ("tests/test_quality.py::test_availability_equals_an_independent_computation_from_the_state_tag",),
    ),
    Break(
        "fault-first-turbine",
        "the faults leave the first turbine's rows as they were",
        "fonte_api/faults.py",
        '"frozen", "T02", _at(2), _at(3), "wind_speed"',
        '"frozen", "T01", _at(2), _at(3), "wind_speed"',
        (
            "tests/fast/test_injected_faults.py::"
            "test_the_first_turbine_keeps_the_single_turbine_rows_over_the_whole_default_period",
        ),
    ),
    Break(
        "arrival-on-update",
        "Fonte's arrival time moves with every update (a correction is a change)",
        "fonte_api/models.py",
        "before insert or update on data",
        "before insert on data",
        ("tests/test_changes.py::test_the_database_sets_arrival_on_insert_and_update_whatever_the_writer_says",),
    ),
    Break(
        "changed-slices-only",
        "only the slices that changed since they were staged are staged again",
        "extract/changes.py",
        "            return cursor is None or piece.last_arrival > cursor\n",
        "            return True\n",
        ("tests/test_changes.py::test_late_rows_and_a_correction_restage_only_their_slices",),
    ),
    Break(
        "open-bucket",
        "a bucket still open is never written",
        "dbt_project/models/marts/data.sql",
        "    where {{ bucket_is_closed(ten_minute_bucket('samples.\"timestamp\"'), 'plant_clock') }}\n",
        "",
        ("tests/test_changes.py::test_a_bucket_still_open_is_never_written",),
    ),
]

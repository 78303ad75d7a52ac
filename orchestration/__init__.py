"""The Dagster code location (`orchestration.definitions:defs`): the pipeline by UTC day.

    raw/fonte_data (extraction) -> stg_fonte__data, stg_fonte__tags, stg_fonte__turbines
        -> signal (the registry) -> data -> report

Every asset is partitioned by day from the first day of Fonte's default period; a range is
backfilled in one run (one extraction, one `dbt build`); dbt's data tests are asset checks.
"""

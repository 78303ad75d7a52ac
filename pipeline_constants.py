"""Facts the pipeline's Python and its dbt SQL must agree on, written once per language.

dbt cannot import Python, so each value below is also a var in dbt_project/dbt_project.yml
(the macros read it from there); tests/fast/test_constants.py fails when the two differ.
Change both together: the extractor's, the report's and dbt's idea of a bucket, a day key
and a lock namespace must be the same.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

# A statistic covers [start, start + BUCKET), start a multiple of BUCKET from BUCKET_ORIGIN.
BUCKET_MINUTES = 10
BUCKET = timedelta(minutes=BUCKET_MINUTES)
BUCKET_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
BUCKETS_PER_DAY = timedelta(days=1) // BUCKET

# A day's key in advisory locks (the second int of pg_advisory_xact_lock(int, int)): its
# number of days since DAY_KEY_EPOCH, small enough for an int4 for any day we hold.
DAY_KEY_EPOCH = date(1900, 1, 1)

# Advisory-lock namespaces (the first int), one per kind of lock, spelled in ASCII.
LOCK_NAMESPACES = {
    "extract_days": 0x57494E44,  # "WIND": the extractor's staged days and its DDL
    "build_relations": 0x57494E42,  # "WINB": dbt builds, whole relations
    "build_days": 0x57494E45,  # "WINE": dbt builds, the days of `data` they replace
}


def day_key(day: date) -> int:
    return (day - DAY_KEY_EPOCH).days

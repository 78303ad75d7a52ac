"""The fleet generator's speed: a plant's days generated and loaded into Fonte with COPY, in
one transaction, as `python -m fonte_api seed --replace` does (values per second)."""

from __future__ import annotations

import statistics

from fonte_api.catalog import CATALOG
from fonte_api.seeding import seed
from fonte_api.settings import GeneratorSettings

FLEET_SIZES = (1, 5, 25)  # turbines, one day at 1 minute each
TAGS = len(CATALOG)  # every tag, as the fleet's scale table
RUNS = 3


def generator_rows(owner_url: str, reader_url: str) -> list[str]:
    """One table row per fleet size: median (min-max) seconds of RUNS loads, and values/s.
    Leaves Fonte with the last size's data: the caller restores the default."""
    rows = []
    for turbines in FLEET_SIZES:
        settings = GeneratorSettings(days=1, turbines=turbines, tags=TAGS)
        seconds, loaded = [], 0
        for _ in range(RUNS):
            result = seed(owner_url, reader_url, settings, replace=True)
            seconds.append(result.seconds)
            loaded = result.rows
        middle = statistics.median(seconds)
        values = loaded * TAGS
        rows.append(
            f"| {turbines} × {TAGS} tags × 1 day | {loaded:,} | {values:,} | "
            f"{middle:.2f} ({min(seconds):.2f}–{max(seconds):.2f}) | {values / middle:,.0f} |"
        )
    return rows

"""Stage a range of days from the Fonte API into Alvo: the extractor without its command line.

`extract_days` is what `python -m extract` and the Dagster extraction asset both call. It
returns one result per day and raises `ExtractError` (or `UnknownNames`: a column or turbine
the API does not serve) with a one-line reason; printing, progress bars and exit codes
belong to the callers.

One request and one transaction per day for every requested turbine (a fleet-day): see
docs/pipeline.md for the measurements behind that choice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import psycopg

from pipeline_settings import CONNECT_TIMEOUT_SECONDS, AlvoSettings

from .client import FonteClient
from .days import day_windows
from .errors import ExtractError, UnknownColumns, UnknownTurbines, first_line
from .loader import NoRows, ensure_staging, load_day, stage_catalog
from .prefetch import Prefetcher


@dataclass(frozen=True)
class DayResult:
    day: date
    turbines: list[str]
    columns: list[str]
    rows: int  # samples (timestamps) staged
    values: int  # staging rows written: samples x columns
    seconds: float


def extract_days(
    first_day: date,
    last_day: date,
    columns: list[str] | None,
    client: FonteClient,
    alvo: AlvoSettings,
    on_day: Callable[[DayResult], None] | None = None,
    turbines: list[str] | None = None,
) -> list[DayResult]:
    """Stage each day, one transaction per day; days finished before a failure stay staged.
    `columns` None: every tag the API serves; `turbines` None: every turbine."""
    catalog = client.catalog()
    columns = list(catalog.columns) if columns is None else columns
    unknown = [c for c in columns if c not in catalog.columns]
    if unknown:
        raise UnknownColumns(unknown, catalog.columns)
    fleet = client.fleet()
    turbines = fleet.ids if turbines is None else turbines
    unknown = [t for t in turbines if t not in fleet.ids]
    if unknown:
        raise UnknownTurbines(unknown, fleet.ids)
    windows = day_windows(first_day, last_day)
    missing = [w.day for w in windows if not catalog.covers(w.start, w.end)]
    if missing:
        raise ExtractError(f"no data for {missing[0]} in Fonte; {catalog.describe_period()}")

    try:
        conn = psycopg.connect(**alvo.connect_kwargs(), connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=True)
    except psycopg.OperationalError as exc:
        raise ExtractError(f"cannot connect to Alvo at {alvo.describe()}: {first_line(exc)}") from exc
    results = []
    with conn:
        try:
            ensure_staging(conn, fleet.default)
            stage_catalog(conn, catalog.variables, fleet.turbines, fleet.default)
        except psycopg.Error as exc:
            raise ExtractError(f"Alvo refused the staging tables: {first_line(exc)}") from exc
        # Taken before any day is read: a row that arrives later shows in /changes after it.
        changes = client.changes()
        cursor = changes.cursor if changes else None
        with Prefetcher(client, windows, turbines, columns) as prefetcher:
            started = time.perf_counter()
            for stream in prefetcher:
                day = stream.window.day
                try:
                    loaded = load_day(
                        conn,
                        stream.window.start,
                        stream.window.end,
                        turbines,
                        columns,
                        stream.header,
                        stream.body(),
                        cursor,
                    )
                except NoRows as exc:
                    raise ExtractError(_no_rows_message(exc, day, catalog)) from None
                except psycopg.OperationalError as exc:
                    raise ExtractError(f"lost Alvo while loading {day}: {first_line(exc)}") from exc
                except psycopg.Error as exc:
                    raise ExtractError(f"Alvo refused the load of {day}: {first_line(exc)}") from exc
                now = time.perf_counter()
                result = DayResult(day, list(turbines), list(columns), loaded.rows, loaded.values, now - started)
                started = now
                results.append(result)
                if on_day is not None:
                    on_day(result)
    return results


def _no_rows_message(exc: NoRows, day: date, catalog) -> str:
    if exc.turbines:
        return f"no data for turbine {', '.join(exc.turbines)} on {day} in Fonte; {day} was not staged"
    return f"no data for {day} in Fonte; {catalog.describe_period()}"

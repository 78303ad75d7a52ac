"""The SQL of a /data answer: `COPY (select ...) TO STDOUT`, so PostgreSQL formats each row
(a JSON object, or a CSV line) itself and sends it as it reads it.

Only names of the catalog that Fonte holds (the whitelist, checked by the route) become SQL identifiers;
turbines and timestamps are bound as parameters.
"""

from __future__ import annotations

from enum import StrEnum

from psycopg import sql


class OutputFormat(StrEnum):
    json = "json"
    ndjson = "ndjson"
    csv = "csv"


MEDIA_TYPES = {
    OutputFormat.json: "application/json",
    OutputFormat.ndjson: "application/x-ndjson",
    OutputFormat.csv: "text/csv; charset=utf-8",
}

# timestamptz as JSON text is ISO 8601 with an offset: 2024-05-23T00:00:00+00:00
_ISO_TIMESTAMP = sql.SQL("to_json(timestamp) #>> '{}'")
# One turbine (a request without `turbine`: the default one, rows as the single-turbine API
# gave them), or several (each row names its turbine; ordered by turbine, then time).
_ONE_TURBINE = sql.SQL("from data where turbine_id = %s and timestamp >= %s and timestamp < %s order by timestamp")
_TURBINES = sql.SQL(
    "from data where turbine_id = any(%s) and timestamp >= %s and timestamp < %s order by turbine_id, timestamp"
)


def build_copy(columns: list[str], fmt: OutputFormat, *, named_turbines: bool = False) -> sql.Composed:
    """The COPY of `columns`; `named_turbines`: the request named its turbines (bound as an
    array), and each row starts with `turbine`."""
    where = _TURBINES if named_turbines else _ONE_TURBINE
    turbine = [sql.SQL("turbine_id as turbine")] if named_turbines else []
    if fmt is OutputFormat.csv:
        select = sql.SQL(", ").join(
            [*turbine, sql.SQL("{} as timestamp").format(_ISO_TIMESTAMP), *(sql.Identifier(c) for c in columns)]
        )
        return sql.SQL("copy (select {} {}) to stdout (format csv, header)").format(select, where)
    select = sql.SQL(", ").join([*turbine, sql.Identifier("timestamp"), *(sql.Identifier(c) for c in columns)])
    # row_to_json gives compact objects with keys in select order. COPY's text format would
    # escape backslashes, but these objects hold only numbers, timestamps and turbine ids
    # (letters and digits: docs/api.md), so every line is the JSON text verbatim.
    return sql.SQL("copy (select row_to_json(r) from (select {} {}) r) to stdout").format(select, where)

"""The SQL of a /data answer: `COPY (select ...) TO STDOUT`, so PostgreSQL formats each row
(a JSON object, or a CSV line) itself and sends it as it reads it.

Only names from `VARIABLES` (the whitelist, checked by the route) become SQL identifiers;
timestamps are bound as parameters.
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
_RANGE = sql.SQL("from data where timestamp >= %s and timestamp < %s order by timestamp")


def build_copy(columns: list[str], fmt: OutputFormat) -> sql.Composed:
    if fmt is OutputFormat.csv:
        select = sql.SQL(", ").join(
            [sql.SQL("{} as timestamp").format(_ISO_TIMESTAMP), *(sql.Identifier(c) for c in columns)]
        )
        return sql.SQL("copy (select {} {}) to stdout (format csv, header)").format(select, _RANGE)
    select = sql.SQL(", ").join([sql.Identifier("timestamp"), *(sql.Identifier(c) for c in columns)])
    # row_to_json gives compact objects with keys in select order. COPY's text format would
    # escape backslashes, but these objects hold only numbers and timestamps, so every line
    # is the JSON text verbatim.
    return sql.SQL("copy (select row_to_json(r) from (select {} {}) r) to stdout").format(select, _RANGE)

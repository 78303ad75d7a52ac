"""GET /changes: which (turbine, day) slices of Fonte received rows since a cursor.

Every row of `data` records when it arrived (`arrived_at`, set by the database on insert and
on update), and an index on it answers "what arrived after T" without reading the rest of
the table. A follower keeps the `cursor` of each answer and passes it back as `since`: it is
the moment up to which the answer is complete. That moment lags the database's clock by
SETTLE_SECONDS, so that a writer's transaction still open when the question is asked (its
rows carry the time they were written, not the time it commits) has committed before its
rows fall behind a cursor (docs/api.md, "Changes").
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from ..db import PoolDep
from ..errors import DATABASE_UNREACHABLE, TOKEN_REFUSED, ErrorOut
from ..models import ARRIVED_AT
from ..settings import parse_utc

router = APIRouter(tags=["changes"])

SETTLE_SECONDS = 2.0


class SliceOut(BaseModel):
    turbine: str = Field(examples=["T02"])
    day: date = Field(description="The UTC day of the rows' timestamps.", examples=["2024-05-27"])
    rows: int = Field(description="Rows of the slice that arrived after `since` (inserted or updated).", examples=[60])
    last_arrival: datetime = Field(
        description="When the latest of them arrived, UTC.", examples=["2026-12-01T10:00:00.123456+00:00"]
    )


class ChangesOut(BaseModel):
    since: datetime | None = Field(description="The `since` asked for (null: none).")
    cursor: datetime = Field(
        description="Pass it back as `since`: every row that arrived up to it is in this answer or an earlier one.",
        examples=["2026-12-01T10:00:02.5+00:00"],
    )
    slices: list[SliceOut] = Field(description="Ordered by day, then turbine; empty without `since`.")


@router.get(
    "/changes",
    summary="The (turbine, day) slices that received rows since a cursor",
    response_model=ChangesOut,
    responses={401: TOKEN_REFUSED, 422: {"model": ErrorOut, "description": "A malformed or future `since`."},
               503: DATABASE_UNREACHABLE},
)  # fmt: skip
def changes(
    pool: PoolDep,
    since: str | None = Query(
        None,
        description="An earlier answer's `cursor` (ISO 8601; naive is UTC). Without it: no slices, only the"
        " cursor to start following from.",
        examples=["2026-12-01T10:00:02.5+00:00"],
    ),
) -> ChangesOut:
    try:
        start = parse_utc(since) if since is not None else None
    except (ValueError, OverflowError):  # not ISO 8601, or out of range once in UTC
        raise HTTPException(422, f"since={since!r} is not an ISO 8601 timestamp (an earlier answer's cursor)") from None
    with pool.connection() as conn:
        (now,) = conn.execute("select clock_timestamp()").fetchone()
        cursor = now - timedelta(seconds=SETTLE_SECONDS)
        if start is None:
            return ChangesOut(since=None, cursor=cursor, slices=[])
        if start > now:
            raise HTTPException(422, f"since={since!r} is after Fonte's clock ({now.isoformat()})")
        rows = conn.execute(
            f"select turbine_id, (date_bin('1 day', timestamp, timestamptz 'epoch') at time zone 'UTC')::date,"
            f" count(*), max({ARRIVED_AT}) from data where {ARRIVED_AT} > %s and {ARRIVED_AT} <= %s"
            " group by 1, 2 order by 2, 1",
            (start, max(start, cursor)),
        ).fetchall()
    return ChangesOut(
        since=start,
        cursor=max(start, cursor),
        slices=[SliceOut(turbine=t, day=d, rows=n, last_arrival=a) for t, d, n, a in rows],
    )

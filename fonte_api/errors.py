"""The shape of every error the API returns (one readable sentence, plus details), and the
errors that routes raise for the app's handlers to turn into responses."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    loc: list[str | int]
    msg: str | None = None
    type: str | None = None


class ErrorOut(BaseModel):
    detail: str = Field(
        description="What was wrong and what is allowed, in one sentence.",
        examples=["columns.0: Input should be 'wind_speed', 'power' or 'ambient_temperature' (got 'gust')"],
    )
    errors: list[ErrorDetail] | None = Field(default=None, description="Each validation error, for programs.")


# The errors every route behind the token and the strict parameters can answer (OpenAPI).
TOKEN_REFUSED = {"model": ErrorOut, "description": "FONTE_API_TOKEN is set and the request lacks it."}
NO_PARAMETERS = {"model": ErrorOut, "description": "A query parameter: this route declares none."}
DATABASE_UNREACHABLE = {"model": ErrorOut, "description": "Fonte's database is unreachable."}


class StreamSlotsBusy(Exception):
    """Every /data stream slot stayed busy for the whole bounded wait (503 with Retry-After)."""

    def __init__(self, waited_seconds: float):
        self.waited_seconds = waited_seconds
        super().__init__(f"every /data stream slot stayed busy for {waited_seconds:g} s; retry later")

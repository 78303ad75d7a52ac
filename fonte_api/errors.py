"""The shape of every error the API returns: one readable sentence, plus details."""
from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    loc: list[str | int]
    msg: str | None = None
    type: str | None = None


class ErrorOut(BaseModel):
    detail: str = Field(description="What was wrong and what is allowed, in one sentence.",
                        examples=["columns.0: Input should be 'wind_speed', 'power' or 'ambient_temperature' (got 'gust')"])
    errors: list[ErrorDetail] | None = Field(default=None, description="Each validation error, for programs.")

"""The variables' order and units, as the Fonte API serves them.

The connector's catalog is the only list of variables; the pipeline reads it through the
API (`/variables`), never by importing the connector. Without an answer from the API the
report still draws Alvo's statistics, in Alvo's order and without units, and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extract.client import FonteClient
from extract.errors import ExtractError
from pipeline_settings import ApiSettings


@dataclass(frozen=True)
class Variables:
    order: list[str] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    note: str | None = None  # why the units are missing

    def unit(self, name: str) -> str:
        return self.units.get(name, "")

    def rank(self, name: str) -> tuple[int, str]:
        """Fonte's own order (wind speed, power, temperature), unknown variables last."""
        return (self.order.index(name) if name in self.order else len(self.order), name)


def from_api(api: ApiSettings) -> Variables:
    try:
        catalog = FonteClient(api.url, token=api.token, retries=1, read_timeout=15).catalog()
    except ExtractError as exc:
        return Variables(note=f"variables' units not shown: {exc}")
    return Variables(order=catalog.columns, units=catalog.units)

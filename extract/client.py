"""HTTP access to the Fonte API: one Session, retries with backoff, explicit timeouts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from pipeline_settings import PipelineSettings

from .errors import ExtractError

RETRY_STATUSES = (429, 500, 502, 503, 504)
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Catalog:
    """What the API says it serves: the tags (with unit, kind and range, as /variables gives
    them), the allowed columns, and the period Fonte covers."""

    variables: list[dict]
    columns: list[str]
    units: dict[str, str]
    first: datetime | None
    last: datetime | None
    rows: int

    def covers(self, start: datetime, end: datetime) -> bool:
        """Whether Fonte's period overlaps [start, end)."""
        return bool(self.rows) and self.first < end and self.last >= start

    def describe_period(self) -> str:
        if not self.rows:
            return "Fonte holds no data at all"
        return f"Fonte covers {self.first.isoformat()} to {self.last.isoformat()} ({self.rows} rows)"


@dataclass(frozen=True)
class ChangedSlice:
    turbine: str
    day: date
    rows: int  # rows that arrived after the cursor asked from
    last_arrival: datetime


@dataclass(frozen=True)
class Changes:
    cursor: datetime  # every row that arrived up to it is in this answer or an earlier one
    slices: list[ChangedSlice]


@dataclass(frozen=True)
class Fleet:
    """What /turbines says: each turbine's metadata, in id order, and the default turbine."""

    turbines: list[dict]
    default: str | None

    @property
    def ids(self) -> list[str]:
        return [t["id"] for t in self.turbines]


def make_session(retries: int, backoff: float) -> requests.Session:
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        backoff_max=30,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=True,
    )
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


class FonteClient:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        retries: int = 5,
        backoff: float = 0.5,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.session = make_session(retries, backoff)
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"
        self.has_token = bool(token)
        self.timeout = (connect_timeout, read_timeout)

    def _get(self, path: str, *, missing_ok: bool = False, **kwargs) -> requests.Response | None:
        """The response, or an ExtractError saying why not; None for a 404 when `missing_ok`."""
        url = f"{self.base_url}{path}"
        try:
            response = self.session.get(url, timeout=self.timeout, **kwargs)
        except requests.exceptions.RetryError as exc:
            raise ExtractError(f"the Fonte API at {self.base_url} kept failing after retries: {_reason(exc)}") from exc
        except requests.exceptions.ConnectionError as exc:
            raise ExtractError(
                f"cannot reach the Fonte API at {self.base_url} (after retries): {_reason(exc)}"
            ) from exc
        except requests.exceptions.Timeout as exc:
            raise ExtractError(f"the Fonte API at {self.base_url} timed out: {_reason(exc)}") from exc
        if response.status_code == 401:
            response.close()
            # Not retried: the same token would be refused again.
            what = "refused the token in" if self.has_token else "requires a token: set"
            variable = PipelineSettings.variable("fonte_api_token")
            raise ExtractError(f"the Fonte API at {self.base_url} {what} {variable} (401)")
        if response.status_code == 404 and missing_ok:
            response.close()
            return None
        if response.status_code >= 400:
            detail = _detail(response)
            response.close()
            raise ExtractError(f"the Fonte API answered {response.status_code} for {path}: {detail}")
        return response

    def catalog(self) -> Catalog:
        body = self._get("/variables").json()
        period = body.get("period") or {}
        parse = lambda v: datetime.fromisoformat(v) if v else None  # noqa: E731
        return Catalog(
            variables=list(body.get("variables", [])),
            columns=[v["name"] for v in body.get("variables", [])],
            units={v["name"]: v.get("unit", "") for v in body.get("variables", [])},
            first=parse(period.get("first_timestamp")),
            last=parse(period.get("last_timestamp")),
            rows=int(period.get("rows") or 0),
        )

    def fleet(self) -> Fleet:
        body = self._get("/turbines").json()
        return Fleet(turbines=list(body.get("turbines", [])), default=body.get("default_turbine"))

    def changes(self, since: datetime | None = None) -> Changes | None:
        """The (turbine, day) slices that received rows after `since` (none without), and the
        cursor to ask from next time (GET /changes); None from an API that has no /changes."""
        params = {} if since is None else {"since": since.isoformat()}
        response = self._get("/changes", params=params, missing_ok=True)
        if response is None:
            return None
        body = response.json()
        return Changes(
            cursor=datetime.fromisoformat(body["cursor"]),
            slices=[
                ChangedSlice(
                    s["turbine"],
                    date.fromisoformat(s["day"]),
                    int(s["rows"]),
                    datetime.fromisoformat(s["last_arrival"]),
                )
                for s in body.get("slices", [])
            ],
        )

    def stream_csv(
        self, start: datetime, end: datetime, columns: list[str], turbines: list[str]
    ) -> tuple[list[str], Iterator[bytes]]:
        """The header's fields and an iterator over the rest of the CSV body, as bytes. The
        turbines are always named, so every row carries its turbine."""
        params = [("start_timestamp", start.isoformat()), ("end_timestamp", end.isoformat()), ("format", "csv")]
        params += [("turbine", t) for t in turbines]
        params += [("columns", c) for c in columns]
        response = self._get("/data", params=params, stream=True)
        chunks = _guarded(response)
        head = b""
        for chunk in chunks:
            head += chunk
            if b"\n" in head:
                break
        header, _, rest = head.partition(b"\n")
        fields = header.decode("utf-8", "replace").strip().split(",") if header else []

        def body() -> Iterator[bytes]:
            if rest:
                yield rest
            yield from chunks

        return fields, body()


def _guarded(response: requests.Response) -> Iterator[bytes]:
    """The body's chunks; a connection that breaks mid-body becomes one clear error."""
    try:
        yield from response.iter_content(CHUNK_BYTES)
    except (requests.exceptions.RequestException, OSError) as exc:
        raise ExtractError(f"the Fonte API connection broke mid-body: {_reason(exc)}") from exc
    finally:
        response.close()


def _reason(exc: Exception) -> str:
    text = str(exc.args[0] if exc.args else exc)
    # urllib3 nests the interesting part at the end: "... (Caused by X('reason'))"
    if "Caused by" in text:
        text = text.split("Caused by", 1)[1].strip(" ()")
    return text[:300]


def _detail(response: requests.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = response.text[:300]
    return str(detail)

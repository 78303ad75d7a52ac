"""Undeclared query parameters are a 422 that names them, on every data route; /health is lenient."""

from __future__ import annotations

import hashlib

import pytest
import requests

from .conftest import API_TOKEN

DAY = [("start_timestamp", "2024-05-23T00:00:00"), ("end_timestamp", "2024-05-24T00:00:00")]
DATA_ACCEPTS = "start_timestamp, end_timestamp, turbine, columns, format"


def get(url: str, params, **kwargs) -> requests.Response:
    return requests.get(url, params=params, timeout=60, **kwargs)


def assert_unknown(response: requests.Response, *names: str, accepts: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert set(body) == {"detail", "errors"}  # the shape of every other 422
    assert [e["loc"] for e in body["errors"]] == [["query", name] for name in names]
    assert {e["type"] for e in body["errors"]} == {"unknown_query_parameter"}
    for name in names:
        assert f"{name}: unknown query parameter" in body["detail"]
    assert f"accepts: {accepts}" in body["detail"]


@pytest.mark.parametrize(
    ("params", "unknown"),
    [
        ([*DAY, ("variables", "power")], ["variables"]),
        ([*DAY, ("metrics", "power")], ["metrics"]),
        ([*DAY, ("signals", "power")], ["signals"]),
        ([*DAY, ("limit", "1440"), ("offset", "0")], ["limit", "offset"]),
        ([*DAY, ("turbines", "T02")], ["turbines"]),
        # Another dialect's names for the range: named as unknown, not "start_timestamp missing".
        ([("start_date", "2024-05-23"), ("end_date", "2024-05-24")], ["start_date", "end_date"]),
        # Case matters: a near miss is not the declared name.
        ([*DAY, ("Columns", "power")], ["Columns"]),
    ],
)
def test_data_refuses_parameters_it_does_not_declare(pipeline_stack, params, unknown):
    response = get(f"{pipeline_stack.api_url}/data", params)
    assert_unknown(response, *unknown, accepts=DATA_ACCEPTS)
    assert "timestamp" not in response.headers.get("content-type", "")


def test_a_repeated_unknown_parameter_is_named_once(pipeline_stack):
    response = get(f"{pipeline_stack.api_url}/data", [*DAY, ("variables", "power"), ("variables", "wind_speed")])
    assert_unknown(response, "variables", accepts=DATA_ACCEPTS)


@pytest.mark.parametrize("path", ["/variables", "/turbines"])
def test_routes_without_parameters_refuse_any(pipeline_stack, path):
    response = get(f"{pipeline_stack.api_url}{path}", {"foo": "1"})
    assert_unknown(response, "foo", accepts="none")


def test_health_stays_lenient_for_monitors(pipeline_stack):
    plain = get(f"{pipeline_stack.api_url}/health", None)
    busted = get(f"{pipeline_stack.api_url}/health", {"_": "1"})
    assert busted.status_code == plain.status_code == 200
    assert busted.json()["status"] == "ok"


# sha256 of the default day's answer, taken before the check existed: a request with only
# declared parameters must stay byte-for-byte the same (the route's shape is a contract).
ANSWERS_BEFORE = [
    ("columns=wind_speed&columns=power&columns=ambient_temperature", "630fbb58dd6feb5e7d1fd90f7a4c494f"),
    ("columns=power&columns=wind_speed", "bdc1dd14a26fb40120e5c305ca8847d0"),
    ("format=ndjson&columns=ambient_temperature", "cfd7068a521c8e75d73aa0adf8c1ecf2"),
]


@pytest.mark.parametrize(("query", "digest"), ANSWERS_BEFORE)
def test_declared_parameters_answer_byte_for_byte_as_before(pipeline_stack, query, digest):
    day = "start_timestamp=2024-05-23T00:00:00&end_timestamp=2024-05-24T00:00:00"
    response = requests.get(f"{pipeline_stack.api_url}/data?{day}&{query}", timeout=60)
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest()[:32] == digest


def test_a_token_in_the_url_keeps_its_own_refusal(api_with_token):
    response = get(f"{api_with_token.url}/data", [*DAY, ("token", API_TOKEN), ("variables", "power")])
    assert response.status_code == 401
    assert "never in the URL" in response.json()["detail"]


def test_with_the_token_unknown_parameters_are_still_refused(api_with_token):
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    response = get(f"{api_with_token.url}/data", [*DAY, ("limit", "10")], headers=headers)
    assert_unknown(response, "limit", accepts=DATA_ACCEPTS)


def test_openapi_says_so(pipeline_stack):
    spec = requests.get(f"{pipeline_stack.api_url}/openapi.json", timeout=10).json()
    assert "does not declare" in spec["paths"]["/data"]["get"]["responses"]["422"]["description"]
    assert "422" in spec["paths"]["/variables"]["get"]["responses"]
    assert "422" not in spec["paths"]["/health"]["get"]["responses"]

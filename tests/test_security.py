"""The optional API token: who gets data, and how every client sends it."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from devstack.config import REPO_ROOT
from extract.errors import ExtractError
from orchestration.resources import FonteApiResource

from .conftest import API_TOKEN
from .expected import SINGLE_TURBINE

DAY = {"start_timestamp": "2024-05-23T00:00:00", "end_timestamp": "2024-05-23T00:10:00"}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_refused(response: requests.Response) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    body = response.json()
    assert set(body) == {"detail"}  # a reason, and no data
    assert "timestamp" not in response.text


@pytest.mark.parametrize("path", ["/data", "/variables", "/turbines"])
def test_without_the_token_every_route_but_health_is_refused(api_with_token, path):
    assert_refused(requests.get(f"{api_with_token.url}{path}", params=DAY, timeout=10))
    assert requests.get(f"{api_with_token.url}/health", timeout=10).status_code == 200


def test_a_wrong_token_is_refused(api_with_token):
    response = requests.get(f"{api_with_token.url}/data", params=DAY, headers=bearer("not-the-token"), timeout=10)
    assert_refused(response)
    assert response.json()["detail"] == "wrong token"
    assert_refused(requests.get(f"{api_with_token.url}/data", params=DAY, headers=bearer(API_TOKEN[:-1]), timeout=10))
    # Of the right length, differing in one character only (first or last): the comparison
    # is of the token itself, not of its length or a prefix.
    for wrong in (f"x{API_TOKEN[1:]}", f"{API_TOKEN[:-1]}{'y' if API_TOKEN[-1] != 'y' else 'z'}"):
        assert len(wrong) == len(API_TOKEN)
        assert wrong != API_TOKEN
        assert_refused(requests.get(f"{api_with_token.url}/data", params=DAY, headers=bearer(wrong), timeout=10))
    basic = {"Authorization": f"Basic {API_TOKEN}"}
    assert_refused(requests.get(f"{api_with_token.url}/data", params=DAY, headers=basic, timeout=10))


@pytest.mark.parametrize("name", ["token", "access_token", "api_token"])
def test_a_token_in_the_query_string_is_refused(api_with_token, name):
    response = requests.get(f"{api_with_token.url}/data", params={**DAY, name: API_TOKEN}, timeout=10)
    assert_refused(response)
    assert "never in the URL" in response.json()["detail"]
    # Not even together with the right header: a URL that carries it is refused.
    both = requests.get(
        f"{api_with_token.url}/data", params={**DAY, name: API_TOKEN}, headers=bearer(API_TOKEN), timeout=10
    )
    assert_refused(both)


def test_the_right_token_gets_the_data(api_with_token):
    response = requests.get(f"{api_with_token.url}/data", params=DAY, headers=bearer(API_TOKEN), timeout=10)
    assert response.status_code == 200
    assert len(response.json()) == 10


def test_openapi_declares_the_bearer_scheme_for_docs(api_with_token):
    spec = requests.get(f"{api_with_token.url}/openapi.json", timeout=10).json()
    assert spec["components"]["securitySchemes"]["FonteApiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The value of FONTE_API_TOKEN, when the API was started with one.",
    }
    assert spec["paths"]["/data"]["get"]["security"] == [{"FonteApiToken": []}]
    assert "security" not in spec["paths"]["/health"]["get"]
    assert requests.get(f"{api_with_token.url}/docs", timeout=10).status_code == 200


def test_the_api_says_once_at_startup_when_it_has_no_token(pipeline_stack, api_with_token):
    without = (pipeline_stack.config.home / "api.log").read_text()
    assert without.count("FONTE_API_TOKEN is not set") == 1
    assert "FONTE_API_TOKEN is not set" not in api_with_token.log()


def extract(stack, api, *args: str, **env: str) -> subprocess.CompletedProcess:
    return stack.extract(*args, "--api-url", api.url, **env)


def test_the_extractor_sends_the_token_from_the_environment(pipeline_stack, api_with_token):
    result = extract(pipeline_stack, api_with_token, "2024-05-23", *SINGLE_TURBINE, FONTE_API_TOKEN=API_TOKEN)
    assert result.returncode == 0, result.stderr
    assert "1440 rows" in result.stdout


@pytest.mark.parametrize(
    "token,needle",
    [("", "requires a token: set FONTE_API_TOKEN (401)"), ("wrong", "refused the token in FONTE_API_TOKEN (401)")],
)
def test_a_refused_token_is_one_line_and_exit_1_without_retries(pipeline_stack, api_with_token, token, needle):
    started = time.monotonic()
    result = extract(pipeline_stack, api_with_token, "2024-05-23", FONTE_API_TOKEN=token)
    assert result.returncode == 1
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert time.monotonic() - started < 10  # no backoff loop


def test_the_dagster_resource_sends_the_token(api_with_token):
    catalog = FonteApiResource(fonte_api_url=api_with_token.url, fonte_api_token=API_TOKEN).client().catalog()
    assert catalog.rows == 14_400
    with pytest.raises(ExtractError, match="FONTE_API_TOKEN"):
        FonteApiResource(fonte_api_url=api_with_token.url).client().catalog()


def test_the_demo_runs_end_to_end_with_a_token(pipeline_stack, api_with_token, tmp_path):
    env = pipeline_stack.process_env(
        FONTE_API_URL=api_with_token.url, FONTE_API_TOKEN=API_TOKEN, REPORTS_DIR=str(tmp_path), **pipeline_stack.dbt_env
    )
    result = subprocess.run(
        [sys.executable, "-m", "demo", "2024-05-24"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "(with the token of FONTE_API_TOKEN)" in result.stdout
    assert "wind_speed_mean             144" in result.stdout
    assert f"Open the report (it needs no network): {tmp_path / '2024-05-24.html'}" in result.stdout
    assert (tmp_path / "2024-05-24.html").exists()

"""One source of truth per setting: the defaults, and dbt's copy of them."""

from __future__ import annotations

import re

import pytest

from devstack.config import REPO_ROOT, load_config
from fonte_api.settings import load_settings
from pipeline_settings import ALVO_VARIABLES, DEFAULT_ALVO, AlvoSettings, ApiSettings


def profile_defaults() -> dict[str, str]:
    """{variable: default} of every env_var('X', 'default') in dbt's profiles.yml."""
    text = (REPO_ROOT / "dbt_project" / "profiles.yml").read_text()
    return dict(re.findall(r"env_var\('([A-Z_]+)', '([^']*)'\)", text))


def test_dbt_profile_has_the_same_alvo_defaults_as_the_settings_module():
    defaults = profile_defaults()
    for field, variable in ALVO_VARIABLES.items():
        assert defaults[variable] == str(getattr(DEFAULT_ALVO, field)), variable


def test_alvo_settings_read_the_environment_with_defaults_for_what_is_unset():
    settings = AlvoSettings.from_env({"ALVO_PORT": "6543", "ALVO_DB": "other", "ALVO_HOST": ""})
    assert settings == AlvoSettings(port=6543, dbname="other")
    assert settings.connect_kwargs() == {
        "host": "127.0.0.1",
        "port": 6543,
        "user": "alvo",
        "password": "alvo",
        "dbname": "other",
    }
    assert "password" not in settings.describe()
    assert AlvoSettings.from_env(settings.as_env()) == settings


def test_the_reader_role_is_the_same_server_with_its_own_credentials():
    reader = AlvoSettings(port=6543).as_reader({})
    assert (reader.host, reader.port, reader.dbname, reader.user) == ("127.0.0.1", 6543, "alvo", "alvo_reader")
    assert AlvoSettings().as_reader({"ALVO_READER_USER": "bi"}).user == "bi"


def test_api_settings_default_to_the_local_api_and_no_token():
    assert ApiSettings.from_env({}) == ApiSettings("http://127.0.0.1:8000", None)
    assert ApiSettings.from_env({"FONTE_API_TOKEN": ""}).token is None
    assert ApiSettings.from_env({"FONTE_API_TOKEN": "t"}).token == "t"


def test_devstack_reads_the_same_settings():
    config = load_config({"ALVO_PORT": "6543", "FONTE_API_URL": "http://127.0.0.1:9000"})
    assert config.alvo_settings == AlvoSettings(port=6543)
    assert config.alvo.port == 6543
    assert config.api_port == 9000
    assert config.env["ALVO_PORT"] == "6543"
    assert config.env["FONTE_API_TOKEN"] == ""  # set, so a caller's token cannot leak in


def test_api_timeouts_must_be_positive(monkeypatch):
    monkeypatch.setenv("FONTE_STREAM_STALL_SECONDS", "0")
    with pytest.raises(ValueError, match="FONTE_STREAM_STALL_SECONDS must be a positive number"):
        load_settings()
    monkeypatch.setenv("FONTE_STREAM_STALL_SECONDS", "2.5")
    assert load_settings().stream_stall_seconds == 2.5


def test_the_pipeline_settings_agree_with_the_default_fonte():
    """The pipeline does not import the connector: its first partition day and its reference
    power curve are settings, whose defaults must describe the default stack's Fonte."""
    import numpy as np

    from fonte_api.generator import power_curve
    from fonte_api.settings import DEFAULT_START, parse_utc
    from pipeline_settings import DEFAULT_POWER_CURVE, first_day
    from report.read import read_reference_curve

    assert first_day({}) == parse_utc(DEFAULT_START).date()
    points = read_reference_curve(DEFAULT_POWER_CURVE)
    speeds = np.array([speed for speed, _ in points])
    assert [power for _, power in points] == pytest.approx(list(power_curve(speeds)), abs=0.01)


def test_a_first_day_that_is_not_a_day_is_refused():
    from pipeline_settings import first_day

    assert str(first_day({"WINDPIPE_FIRST_DAY": "2024-06-01"})) == "2024-06-01"
    with pytest.raises(ValueError, match="WINDPIPE_FIRST_DAY must be a day like 2024-05-20"):
        first_day({"WINDPIPE_FIRST_DAY": "June"})

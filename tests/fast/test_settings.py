"""One source of truth per setting: the defaults, and dbt's copy of them."""

from __future__ import annotations

import re

import pytest

from devstack.config import REPO_ROOT, load_config
from devstack.settings import DevSettings
from fonte_api.settings import Settings as FonteSettings
from fonte_api.settings import load_settings
from pipeline_settings import DEFAULT_ALVO, AlvoSettings, ApiSettings, PipelineSettings


def profile_defaults() -> dict[str, str]:
    """{variable: default} of every env_var('X', 'default') in dbt's profiles.yml."""
    text = (REPO_ROOT / "dbt_project" / "profiles.yml").read_text()
    return dict(re.findall(r"env_var\('([A-Z_]+)', '([^']*)'\)", text))


def test_dbt_profile_has_the_same_alvo_defaults_as_the_settings_object():
    defaults = profile_defaults()  # also dbt's own ALVO_SCHEMA and DBT_THREADS
    assert {variable: defaults.get(variable) for variable in DEFAULT_ALVO.as_env()} == DEFAULT_ALVO.as_env()


def test_pipeline_settings_read_the_given_variables_with_defaults_for_what_is_unset(monkeypatch):
    monkeypatch.setenv("ALVO_USER", "from-the-process")  # not read when a mapping is given
    settings = PipelineSettings.load({"ALVO_PORT": "6543", "ALVO_DB": "other", "ALVO_HOST": ""})
    alvo = settings.alvo()
    assert alvo == AlvoSettings(port=6543, dbname="other")
    assert alvo.connect_kwargs() == {
        "host": "127.0.0.1",
        "port": 6543,
        "user": "alvo",
        "password": "alvo",
        "dbname": "other",
    }
    assert "password" not in alvo.describe()
    assert PipelineSettings.load(alvo.as_env()).alvo() == alvo
    assert PipelineSettings.load().alvo().user == "from-the-process"


def test_a_bad_value_names_its_variable():
    with pytest.raises(ValueError, match="ALVO_PORT: input should be a valid integer"):
        PipelineSettings.load({"ALVO_PORT": "x"})
    with pytest.raises(ValueError, match="WINDPIPE_FIRST_DAY: input should be a valid date"):
        PipelineSettings.load({"WINDPIPE_FIRST_DAY": "June"})
    assert str(PipelineSettings.load({"WINDPIPE_FIRST_DAY": "2024-06-01"}).windpipe_first_day) == "2024-06-01"


def test_the_reader_role_is_the_same_server_with_its_own_credentials():
    reader = PipelineSettings.load({"ALVO_PORT": "6543"}).alvo_reader()
    assert (reader.host, reader.port, reader.dbname, reader.user) == ("127.0.0.1", 6543, "alvo", "alvo_reader")
    assert PipelineSettings.load({"ALVO_READER_USER": "bi"}).alvo_reader().user == "bi"


def test_api_settings_default_to_the_local_api_and_no_token():
    assert PipelineSettings.load({}).api() == ApiSettings("http://127.0.0.1:8000", None)
    assert PipelineSettings.load({"FONTE_API_TOKEN": ""}).api().token is None
    assert PipelineSettings.load({"FONTE_API_TOKEN": "t"}).api().token == "t"


def test_dev_settings_default_to_the_repositorys_stack_folder():
    assert DevSettings.load({}).stack_home() == REPO_ROOT / ".devstack"
    assert DevSettings.load({"DEVSTACK_DIR": "elsewhere", "DAGSTER_PORT": "3100"}).dagster_port == 3100


def test_devstack_reads_the_same_settings():
    config = load_config({"ALVO_PORT": "6543", "FONTE_API_URL": "http://127.0.0.1:9000"})
    assert config.alvo_settings == AlvoSettings(port=6543)
    assert config.alvo.port == 6543
    assert config.api_port == 9000
    assert config.env["ALVO_PORT"] == "6543"
    assert config.env["FONTE_API_TOKEN"] == ""  # set, so a caller's token cannot leak in


def test_api_timeouts_must_be_positive(monkeypatch):
    monkeypatch.setenv("FONTE_STREAM_STALL_SECONDS", "0")
    with pytest.raises(ValueError, match="FONTE_STREAM_STALL_SECONDS: input should be greater than 0, not '0'"):
        load_settings()
    monkeypatch.setenv("FONTE_STREAM_STALL_SECONDS", "2.5")
    assert load_settings().stream_stall_seconds == 2.5


def test_the_pipeline_settings_agree_with_the_default_fonte():
    """The pipeline does not import the connector: its first partition day and its reference
    power curve are settings, whose defaults must describe the default stack's Fonte."""
    import numpy as np

    from fonte_api.generator import power_curve
    from report.read import read_reference_curve

    assert PipelineSettings.default("windpipe_first_day") == FonteSettings.default("gen_start").date()
    points = read_reference_curve(PipelineSettings.default("reference_power_curve"))
    speeds = np.array([speed for speed, _ in points])
    assert [power for _, power in points] == pytest.approx(list(power_curve(speeds)), abs=0.01)


def test_the_connector_reads_its_own_variables_with_its_defaults(monkeypatch):
    monkeypatch.setenv("FONTE_DB_URL", "postgresql://fonte:fonte@db.example:6000/fonte")
    monkeypatch.setenv("FONTE_SEED_ON_STARTUP", "no")
    settings = load_settings()
    assert "host=db.example" in settings.owner_db_url
    assert "user=fonte_owner" in settings.owner_db_url
    assert settings.seed_on_startup is False
    assert settings.generator.rows == 10 * 1440
    monkeypatch.setenv("FONTE_OWNER_DB_URL", "postgresql://owner@db.example/fonte")
    assert load_settings().owner_db_url == "postgresql://owner@db.example/fonte"

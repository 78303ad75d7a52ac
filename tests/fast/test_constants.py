"""The constants the pipeline's Python and its dbt SQL share agree (pipeline_constants.py and
the vars of dbt_project/dbt_project.yml), and each value is written once per language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import yaml

import pipeline_constants as constants
from pipeline_settings import CONNECT_TIMEOUT_SECONDS, REPO_ROOT

DBT = REPO_ROOT / "dbt_project"


def dbt_vars() -> dict:
    return yaml.safe_load((DBT / "dbt_project.yml").read_text())["vars"]


def test_python_and_dbt_agree_on_the_bucket_the_day_key_and_the_lock_namespaces():
    shared = dbt_vars()
    assert shared["bucket_minutes"] == constants.BUCKET_MINUTES
    origin = datetime.fromisoformat(shared["bucket_origin"].replace("+00", "+00:00")).astimezone(UTC)
    assert origin == constants.BUCKET_ORIGIN
    assert date.fromisoformat(shared["day_key_epoch"]) == constants.DAY_KEY_EPOCH
    assert shared["lock_namespaces"] == constants.LOCK_NAMESPACES
    assert constants.BUCKETS_PER_DAY == 144
    assert constants.day_key(date(2024, 5, 23)) == (date(2024, 5, 23) - date(1900, 1, 1)).days


def test_the_dbt_profile_uses_the_same_connect_timeout():
    profile = yaml.safe_load((DBT / "profiles.yml").read_text())
    [output] = profile["alvo"]["outputs"].values()
    assert output["connect_timeout"] == CONNECT_TIMEOUT_SECONDS


def test_dbt_reads_the_shared_values_from_its_vars_only():
    """No macro, model or test spells a bucket width, an epoch or a namespace itself."""
    spelled = re.compile(r"'10 minutes'|1900-01-01|2000-01-01|14644219\d\d|\b144\b(?! of)")
    for path in [*DBT.glob("macros/**/*.sql"), *DBT.glob("models/**/*.sql"), *DBT.glob("tests/**/*.sql")]:
        code = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)  # comments may explain
        assert not spelled.search(code), path


def test_dbt_knows_the_operating_states_the_catalog_defines():
    """models/reference/operating_states.sql lists OPERATING_STATES' codes, labels and
    availability (and only code 1 produces)."""
    from fonte_api.catalog import OPERATING_STATES, STATE_PRODUCING

    code = (DBT / "models" / "reference" / "operating_states.sql").read_text()
    rows = re.findall(r"\((\d+), '([^']+)', (true|false), (true|false)\)", code)
    assert {int(c): (label, available == "true") for c, label, available, _ in rows} == OPERATING_STATES
    assert {int(c) for c, *_, producing in rows if producing == "true"} == {STATE_PRODUCING}


def test_the_quality_rules_parameters_are_dbt_vars():
    shared = dbt_vars()
    assert 0 < shared["coverage_threshold"] <= 1
    assert shared["frozen_buckets"] == 3  # OpenOA's unresponsive_flag default: 3 intervals
    assert 0 < shared["power_curve_tolerance"] < 1

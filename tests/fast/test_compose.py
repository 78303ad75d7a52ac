"""docker-compose.yml cannot run here (no Docker engine): check its structure instead."""

from __future__ import annotations

import yaml

from devstack.config import REPO_ROOT


def load():
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def test_services_ports_and_healthchecks():
    services = load()["services"]
    assert set(services) == {"fonte-db", "alvo-db", "fonte-api"}
    assert services["fonte-db"]["ports"] == ["5432:5432"]
    assert services["alvo-db"]["ports"] == ["5433:5432"]
    assert services["fonte-api"]["ports"] == ["8000:8000"]
    for name, service in services.items():
        assert "test" in service["healthcheck"], name
    for name in ("fonte-db", "alvo-db"):
        image = services[name]["image"]
        assert image.startswith("postgres:")
        assert int(image.split(":")[1].split("-")[0]) >= 16


def test_api_waits_for_a_healthy_database_and_reads_as_the_read_only_role():
    api = load()["services"]["fonte-api"]
    assert api["depends_on"]["fonte-db"]["condition"] == "service_healthy"
    assert "build" in api
    assert api["environment"]["FONTE_DB_URL"].startswith("postgresql://fonte:fonte@fonte-db:5432/fonte")
    assert "fonte_owner" in api["environment"]["FONTE_OWNER_DB_URL"]


def test_databases_and_roles_match_design():
    services = load()["services"]
    alvo = services["alvo-db"]["environment"]
    assert (alvo["POSTGRES_DB"], alvo["POSTGRES_USER"], alvo["POSTGRES_PASSWORD"]) == ("alvo", "alvo", "alvo")
    fonte = services["fonte-db"]
    assert fonte["environment"]["POSTGRES_DB"] == "fonte"
    init = [v for v in fonte["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert init, "fonte-db needs the init script that creates the roles"
    script = (REPO_ROOT / init[0].split(":")[0].lstrip("./")).read_text()
    assert "create role fonte " in script.lower()
    assert "default_transaction_read_only" in script

"""docker-compose.yml cannot run here (no Docker engine): it is validated against the Compose
specification (compose-spec) and its structure is checked instead."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml
from compose_spec import PyCompose
from compose_spec.compose_spec import PyOptions

from devstack.config import REPO_ROOT, VENV_BIN

COMPOSE = REPO_ROOT / "docker-compose.yml"
DEFAULTED = re.compile(r"^\$\{[A-Z_]+:-[^}]*\}$")  # ${VARIABLE:-local default}


def load() -> dict:
    """The file as Compose reads it: YAML merge keys (<<) applied."""
    compose = PyCompose(PyOptions(apply_merge=True).from_yaml(COMPOSE.read_text()))
    compose.validate()  # raises on anything the Compose specification does not allow
    return compose.to_dict()


def test_the_file_follows_the_compose_specification():
    assert set(load()["services"]) == {
        "fonte-db",
        "alvo-db",
        "fonte-api",
        "dagster-db",
        "dagster-code",
        "dagster-webserver",
        "dagster-daemon",
    }


def test_a_file_the_specification_refuses_is_refused():
    with pytest.raises(ValueError, match="imagee"):
        PyCompose(PyOptions(apply_merge=True).from_yaml("services:\n  x:\n    imagee: postgres:16\n")).validate()


def test_ports_are_published_on_loopback_only():
    services = load()["services"]
    published = {name: service.get("ports", []) for name, service in services.items()}
    assert published["fonte-db"] == ["127.0.0.1:5432:5432"]
    assert published["alvo-db"] == ["127.0.0.1:5433:5432"]
    assert published["fonte-api"] == ["127.0.0.1:8000:8000"]
    assert published["dagster-webserver"] == ["127.0.0.1:3000:3000"]
    for name in ("dagster-db", "dagster-code", "dagster-daemon"):
        assert published[name] == [], name  # reached inside the compose network only


def test_every_password_comes_from_the_environment_with_a_local_default():
    text = COMPOSE.read_text()
    passwords = re.findall(r"^\s*[A-Z_]*(?:PASSWORD|TOKEN): *(\S+)\s*$", text, re.MULTILINE)
    assert passwords
    for value in passwords:
        assert DEFAULTED.match(value), value
    for url in re.findall(r"postgresql://\S+", text):
        assert re.match(r"postgresql://\w+:\$\{[A-Z_]+:-\w+\}@", url), url


def test_services_have_healthchecks_and_wait_for_what_they_need():
    services = load()["services"]
    for name, service in services.items():
        assert "test" in service["healthcheck"], name
    assert services["fonte-api"]["depends_on"]["fonte-db"]["condition"] == "service_healthy"
    for dependency in ("alvo-db", "fonte-api", "dagster-db"):
        assert services["dagster-code"]["depends_on"][dependency]["condition"] == "service_healthy"
    for name in ("dagster-webserver", "dagster-daemon"):
        assert services[name]["depends_on"]["dagster-code"]["condition"] == "service_healthy"
    for name in ("fonte-db", "alvo-db", "dagster-db"):
        image = services[name]["image"]
        assert image.startswith("postgres:")
        assert int(image.split(":")[1].split("-")[0]) >= 16


def test_the_api_reads_as_the_read_only_role():
    api = load()["services"]["fonte-api"]
    assert "build" in api
    assert api["environment"]["FONTE_DB_URL"].startswith("postgresql://fonte:")
    assert api["environment"]["FONTE_OWNER_DB_URL"].startswith("postgresql://fonte_owner:")


def test_init_scripts_create_the_roles_and_run_the_one_grants_file():
    services = load()["services"]
    for name, owner, reader in [("fonte-db", "fonte_owner", "fonte"), ("alvo-db", '"$POSTGRES_USER"', "alvo_reader")]:
        volumes = services[name]["volumes"]
        [init] = [v for v in volumes if "docker-entrypoint-initdb.d" in str(v)]
        script = (REPO_ROOT / init.split(":")[0].removeprefix("./")).read_text()
        assert f"create role {reader} login password :'" in script  # the password from the environment
        # The grants are grants/read_only_role.sql, mounted where the script runs it, and
        # nowhere else in the script.
        assert "./grants/read_only_role.sql:/windpipe/read_only_role.sql:ro" in volumes
        assert f"-v owner={owner} -v reader={reader} -f /windpipe/read_only_role.sql" in script
        statements = [line for line in script.lower().splitlines() if not line.startswith("#")]
        assert not [line for line in statements if line.startswith(("grant ", "revoke ", "alter default"))]


def test_dagster_stores_runs_and_events_in_its_own_postgresql():
    services = load()["services"]
    instance = yaml.safe_load((REPO_ROOT / "docker" / "dagster" / "dagster.yaml").read_text())
    storage = instance["storage"]["postgres"]["postgres_db"]
    assert storage["hostname"] == {"env": "DAGSTER_PG_HOST"}
    assert storage["db_name"] == {"env": "DAGSTER_PG_DB"}
    assert instance["telemetry"]["enabled"] is False
    environment = services["dagster-daemon"]["environment"]
    assert (environment["DAGSTER_PG_HOST"], environment["DAGSTER_PG_DB"]) == ("dagster-db", "dagster")
    assert services["dagster-db"]["environment"]["POSTGRES_DB"] == "dagster"
    workspace = yaml.safe_load((REPO_ROOT / "docker" / "dagster" / "workspace.yaml").read_text())
    assert workspace["load_from"][0]["grpc_server"]["host"] == "dagster-code"
    assert "orchestration.definitions" in services["dagster-code"]["command"]


def test_every_long_running_service_comes_back_by_itself():
    for name, service in load()["services"].items():
        assert service.get("restart") == "unless-stopped", name


def test_the_instance_names_the_storage_driver_it_has_and_recovers_dead_runs():
    instance = yaml.safe_load((REPO_ROOT / "docker" / "dagster" / "dagster.yaml").read_text())
    # SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3, which dagster-postgres cannot use.
    assert instance["storage"]["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"
    pinned = (REPO_ROOT / "requirements" / "pipeline.txt").read_text()
    assert re.search(r"^psycopg2-binary==\S+$", pinned, re.MULTILINE)
    assert re.search(r"^SQLAlchemy==\S+$", pinned, re.MULTILINE)
    assert instance["run_launcher"] == {"module": "orchestration.run_launcher", "class": "MonitoredRunLauncher"}
    monitoring = instance["run_monitoring"]
    assert monitoring["enabled"] is True
    assert {"start_timeout_seconds", "cancel_timeout_seconds", "poll_interval_seconds"} <= set(monitoring)
    assert instance["run_retries"]["enabled"] is True
    assert instance["run_retries"]["max_retries"] >= 1


def test_step_logs_and_reports_live_on_named_volumes_shared_by_writer_and_reader():
    compose = load()
    services = compose["services"]
    instance = yaml.safe_load((REPO_ROOT / "docker" / "dagster" / "dagster.yaml").read_text())
    assert instance["compute_logs"]["config"]["base_dir"] == {"env": "DAGSTER_COMPUTE_LOGS_DIR"}
    logs = services["dagster-code"]["environment"]["DAGSTER_COMPUTE_LOGS_DIR"]
    reports = services["dagster-code"]["environment"]["REPORTS_DIR"]
    for name, wanted in [("dagster-code", [logs, reports]), ("dagster-webserver", [logs])]:
        mounted = {v.split(":")[1]: v.split(":")[0] for v in services[name]["volumes"]}
        for path in wanted:
            assert mounted.get(path) in compose["volumes"], (name, path)


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "docker/dagster.Dockerfile"])
def test_dockerfiles_pass_hadolint(dockerfile):
    result = subprocess.run(
        [str(VENV_BIN / "hadolint"), dockerfile], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr

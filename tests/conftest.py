"""The test session's own stack: embedded Fonte and Alvo PostgreSQL servers and the API,
on reserved free ports in a temporary folder, so a running `make demo` is never disturbed.

Everything is started by the same code as `make up` (devstack), with the environment
variables a user would set. Each test module gets an Alvo database of its own, copied from
a template database (as pytest-postgresql does), so no module depends on what another one
left in Alvo.

Tests that need no server at all live in tests/fast/ (`make test-fast`).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from devstack import pgcluster, provision, stack
from devstack.config import REPO_ROOT, VENV_BIN, StackConfig, load_config, private_stack_environment
from extract.loader import ensure_staging
from pipeline_settings import AlvoSettings

from .api_process import ApiProcess
from .dbt_runner import RunnerPool, RunnerService
from .warm_python import WarmPython

TEMPLATE_DB = "alvo_template"
API_TOKEN = f"test-token-{secrets.token_hex(16)}"
DBT_RUNNERS = RunnerPool()  # this pytest process's dbt runners (tests/dbt_runner.py)
WARM_PYTHONS = RunnerPool(WarmPython)  # and its warm interpreters (tests/warm_python.py)


class Stack:
    """Handles on the session's stack, seen through one Alvo database."""

    def __init__(self, config: StackConfig, home: Path):
        self.config = config
        self.home = home
        self.dagster_dbt = None  # the in-process Dagster runs' `dbt` resource (dagster_stack)
        # dbt's target/ and logs/ of the tests stay out of the working tree (the demo's
        # partial parse stays valid) and are kept per database (a profile that changes
        # between runs makes dbt parse the whole project again).
        self.dbt_env = {
            "DBT_TARGET_PATH": str(home / f"dbt-target-{self.alvo_settings.dbname}"),
            "DBT_LOG_PATH": str(home / "dbt-logs"),
        }

    def with_alvo_db(self, dbname: str) -> Stack:
        alvo = replace(self.config.alvo_settings, dbname=dbname)
        return Stack(replace(self.config, alvo_settings=alvo), self.home)

    @property
    def alvo_settings(self) -> AlvoSettings:
        return self.config.alvo_settings

    @property
    def api_url(self) -> str:
        return self.config.api_url

    def process_env(self, **extra: str) -> dict[str, str]:
        return self.config.process_env(**extra)

    def fonte_owner(self) -> psycopg.Connection:
        return psycopg.connect(self.config.fonte_owner_url, autocommit=True)

    def fonte_reader(self) -> psycopg.Connection:
        return psycopg.connect(self.config.fonte_url, autocommit=True)

    def alvo(self) -> psycopg.Connection:
        return psycopg.connect(**self.alvo_settings.connect_kwargs(), autocommit=True)

    def alvo_admin(self, dbname: str | None = None) -> psycopg.Connection:
        return pgcluster.admin_connect(self.config.alvo, dbname or "postgres")

    def extract(self, *args: str, timeout: float = 120, **extra_env: str) -> subprocess.CompletedProcess:
        """`python -m extract ARGS`, forked from a warm interpreter (tests/warm_python.py)."""
        return self.python_module("extract", *args, timeout=timeout, **extra_env)

    def python_module(
        self, module: str, *args: str, timeout: float = 120, **extra_env: str
    ) -> subprocess.CompletedProcess:
        """`python -m MODULE ARGS` (the extractor's or the report's) with this stack's
        environment: a process of its own, forked from one of this pytest process's warm
        interpreters instead of importing the pipeline again (tests/warm_python.py)."""
        return WARM_PYTHONS.run([module, *args], self.process_env(**extra_env), REPO_ROOT, timeout)

    def dbt_command(self, *args: str) -> list[str]:
        return [str(VENV_BIN / "dbt"), *args]

    def build(self, days: str, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
        """`dbt build` of `days` (what --vars would say: `day: D` or `{start_day: D1, end_day:
        D2}`) given as WINDPIPE_DAYS, so that a new day keeps dbt's partial parse; the tests
        of --vars themselves pass --vars."""
        return self.dbt("build", *args, WINDPIPE_DAYS=days, **extra_env)

    def dbt_with_vars(self, *args: str, cli: bool = False, **extra_env: str) -> subprocess.CompletedProcess:
        """dbt with --vars (the README's command) in a target folder of its own: each new
        --vars makes dbt parse the whole project again and would end the partial parse that
        the builds by WINDPIPE_DAYS share. `cli`: the `dbt` executable, as a user types it."""
        run = self.dbt_cli if cli else self.dbt
        return run(*args, DBT_TARGET_PATH=self.dbt_env["DBT_TARGET_PATH"] + "-vars", **extra_env)

    def dbt(self, *args: str, timeout: float = 300, **extra_env: str) -> subprocess.CompletedProcess:
        """A dbt command, run by one of this process's dbt runners: dbt's real command without
        paying its import again (tests/dbt_runner.py)."""
        env = self.process_env(**{**self.dbt_env, **extra_env})
        return DBT_RUNNERS.run(list(args), env, REPO_ROOT / "dbt_project", timeout)

    def dbt_cli(self, *args: str, timeout: float = 300, **extra_env: str) -> subprocess.CompletedProcess:
        """The `dbt` executable itself, for the tests of what a user types and reads."""
        return subprocess.run(
            self.dbt_command(*args),
            cwd=REPO_ROOT / "dbt_project",
            env=self.process_env(**{**self.dbt_env, **extra_env}),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@pytest.fixture(scope="session", autouse=True)
def dbt_runners():
    yield DBT_RUNNERS
    DBT_RUNNERS.close()


@pytest.fixture(scope="session", autouse=True)
def warm_pythons():
    yield WARM_PYTHONS
    WARM_PYTHONS.close()


@pytest.fixture(scope="session")
def dagster_dbt(dbt_runners):
    """dagster-dbt's resource for the in-process Dagster runs, as the code location makes it,
    but with the stand-in `dbt` that this process's runners answer (tests/dbt_stand_in.py):
    the real executable costs a dbt import per run, and the commands that a user types keep it."""
    from orchestration.dbt_manifest import DBT_PROJECT
    from orchestration.resources import PipelineDbtResource

    folder = Path(tempfile.mkdtemp(prefix="windpipe-dbt-"))
    service = RunnerService(dbt_runners, folder)
    yield PipelineDbtResource(project_dir=DBT_PROJECT, dbt_executable=str(service.executable))
    service.close()
    shutil.rmtree(folder, ignore_errors=True)


# The longest modules start first, longest first, so that the suite does not end waiting for
# one of them started last; the others follow in pytest-randomly's order and fill the gaps.
# The order is by their length in a whole run (docs/contributing.md); pytest.ini's
# --no-loadscope-reorder keeps it: xdist would otherwise sort modules by their number of tests.
LONGEST_MODULES = (
    "test_compose_rehearsal",
    "test_dbt",
    "test_dagster_commands",
    "test_orchestration",
    "test_hostile_clients",
    "test_changes",
    "test_concurrent_builds",
    "test_report",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = getattr(item, "module", None)
        module = module.__name__.rsplit(".", 1)[-1] if module else ""
        return LONGEST_MODULES.index(module) if module in LONGEST_MODULES else len(LONGEST_MODULES)

    items.sort(key=rank)  # stable: the shuffled order within each rank is kept
    # A test that stops its module's shared service goes after the module's other tests, so
    # the service starts once (each test still passes alone or first: the fixture starts it
    # again); modules stay together, in the order they have.
    modules = {}
    for item in items:
        modules.setdefault(getattr(item, "module", None), len(modules))

    def stops_last(item: pytest.Item) -> tuple[int, bool]:
        return modules[getattr(item, "module", None)], item.get_closest_marker("stops_shared_service") is not None

    items.sort(key=stops_last)


@pytest.fixture(scope="session")
def server_home():
    """Folders for the embedded PostgreSQL servers, outside pytest's temporary root: every
    pytest session that starts on this machine (another worker's, `make mutants`', a
    developer's `make test-fast`) makes /tmp/pytest-of-<user> private again (mode 0700),
    which cuts the servers, running as their own system user when root, off their data."""
    made = []

    def make(name: str) -> Path:
        made.append(Path(tempfile.mkdtemp(prefix=f"windpipe-test-{name}-")))
        return made[-1]

    yield make
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def session_stack(server_home) -> Stack:
    home = server_home("stack")
    config = load_config(private_stack_environment(home))
    try:
        stack.up(config)
    except Exception:
        stack.down(config)
        raise
    yield Stack(config, home)
    stack.down(config)


@pytest.fixture(scope="session")
def alvo_template(session_stack) -> str:
    """A database provisioned like Alvo (the reader's grants) with the staging table."""
    owner = session_stack.alvo_settings.user
    with session_stack.alvo_admin() as conn:
        conn.execute(sql.SQL("create database {} owner {}").format(sql.Identifier(TEMPLATE_DB), sql.Identifier(owner)))
    with session_stack.alvo_admin(TEMPLATE_DB) as conn:
        provision.grant_read_only_role(conn, owner, session_stack.config.alvo_reader.name)
    template = session_stack.with_alvo_db(TEMPLATE_DB)
    with template.alvo() as conn:
        ensure_staging(conn)
    return TEMPLATE_DB


def create_alvo_database(session_stack: Stack, template: str, name: str) -> Stack:
    with session_stack.alvo_admin() as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        conn.execute(
            sql.SQL("create database {} template {} owner {}").format(
                sql.Identifier(name), sql.Identifier(template), sql.Identifier(session_stack.alvo_settings.user)
            )
        )
    return session_stack.with_alvo_db(name)


def drop_alvo_database(session_stack: Stack, name: str) -> None:
    with session_stack.alvo_admin() as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@contextmanager
def seeded_fonte(session_stack: Stack, name: str, generator):
    """A Fonte of a test's own (a database of the Alvo server, seeded with `generator`): its
    owner URL. Dropped afterwards."""
    from fonte_api.seeding import seed

    url = create_alvo_database(session_stack, "template1", name).alvo_settings.conninfo()
    try:
        seed(url, None, generator, replace=True)
        yield url
    finally:
        drop_alvo_database(session_stack, name)


@contextmanager
def scratch_fonte(session_stack: Stack, name: str, generator, log: Path, prepare=None):
    """A seeded Fonte of a test module's own (then `prepare(url)` if given) and an API over
    it: (owner URL, API). Dropped afterwards."""
    with seeded_fonte(session_stack, name, generator) as url:
        if prepare:
            prepare(url)
        with ApiProcess(session_stack.process_env(FONTE_DB_URL=url, FONTE_OWNER_DB_URL=url), log) as api:
            yield url, api


# The modules' Alvo database: a fresh copy of the template for each module, under one name.
# A pytest process runs one module at a time on its own servers, and dbt's partial parse
# depends on the database's name (its profile's connection): under one name, a module's dbt
# starts from the parse the previous module left instead of parsing the whole project.
MODULE_DB = "alvo_module"


@pytest.fixture(scope="module")
def pipeline_stack(session_stack, alvo_template) -> Stack:
    """The session's stack with an Alvo database of this module's own (MODULE_DB)."""
    own = create_alvo_database(session_stack, alvo_template, MODULE_DB)
    yield own
    drop_alvo_database(session_stack, MODULE_DB)


@pytest.fixture(scope="session")
def api_with_token(session_stack, tmp_path_factory) -> ApiProcess:
    """A second API over the session's Fonte that requires the token `API_TOKEN`."""
    log = tmp_path_factory.mktemp("api-with-token") / "api.log"
    with ApiProcess(session_stack.process_env(FONTE_API_TOKEN=API_TOKEN), log) as api:
        yield api


@pytest.fixture(scope="module")
def dagster_stack(pipeline_stack, dagster_dbt, tmp_path_factory):
    """For the Dagster modules: the stack, with this process's environment pointing at it
    (dbt, run by dagster-dbt as a subprocess, reads ALVO_* from there), and reports written
    to a temporary folder.

    The marts exist, empty, before any test runs, as in any Alvo that has seen one build: a
    test may run alone or first and select only some models (the first-ever builds of an
    empty Alvo are a documented limit, not what these tests are about)."""
    # The day by environment: a new --vars would cost a full parse (pipeline.md).
    created = pipeline_stack.build(
        "day: 2000-01-01", "--select", "+availability", "+bucket_flags", "--exclude-resource-type", "unit_test"
    )
    assert created.returncode == 0, created.stdout[-3000:]
    pipeline_stack.dagster_dbt = dagster_dbt  # the `dbt` resource of in-process runs
    reports = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in pipeline_stack.process_env(REPORTS_DIR=str(reports)).items():
            patch.setenv(name, value)
        # The build's parse, where a run against this Alvo would have left it: the module's
        # runs (in-process or not) start from it instead of each parsing the whole project.
        from orchestration.assets.transformation import carried_parse

        carried = carried_parse()
        carried.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(pipeline_stack.dbt_env["DBT_TARGET_PATH"]) / "partial_parse.msgpack", carried)
        yield pipeline_stack
        carried.unlink(missing_ok=True)

"""`python -m devstack.rehearsal` (`make compose-rehearsal`): the compose deployment's Dagster
services rehearsed as local processes, without Docker (docs/orchestration.md, "The compose
deployment").

What runs is what docker-compose.yml and docker/ say: the pipeline's services (Fonte, Alvo,
the API) and the Dagster database as embedded PostgreSQL servers, then each Dagster service's
own `command` with its `environment`, the image's WORKDIR and ENV, and docker/dagster/*.yaml
copied as they are (workspace.yaml's code-server host name mapped like every other host
name). Each service gets its own loopback address, so ports stay as written. Through the
webserver's GraphQL, as the UI does, the scenario then launches runs, kills a run's process,
and kills and restarts the daemon, checking what Dagster records and what Alvo holds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg

from . import pgcluster, stack
from .compose import DAGSTER_DOCKERFILE, Layout, dockerfile_settings, load_layout
from .config import REPO_ROOT, VENV_BIN, StackConfig, load_config
from .dagster_graphql import FINISHED, DagsterUI
from .pgcluster import Cluster, Role
from .processes import kill_group, one_process_at_a_time, popen_alive, stop_group, wait_for_port, wait_for_url

DAGSTER_SERVICES = ("dagster-code", "dagster-webserver", "dagster-daemon")
LOCK_FILE = Path(tempfile.gettempdir()) / "windpipe-compose-rehearsal.lock"
RETRY_OF = "dagster/parent_run_id"  # the tag run_retries puts on a retry: the run it retries


@dataclass
class Service:
    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None
    peak_rss: int = 0

    def start(self) -> None:
        with self.log.open("ab") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: killed as a container would be
            )

    def kill(self) -> None:
        """SIGKILL to the whole process group: what `docker kill` does to a container."""
        if self.process:
            kill_group(self.process)

    def stop(self) -> None:
        """As `make dagster` stops Dagster: an interrupt, then whatever is left of its group."""
        if self.process:
            stop_group(self.process)

    def tree(self) -> list[psutil.Process]:
        if not self.process or self.process.poll() is not None:
            return []
        root = psutil.Process(self.process.pid)
        return [root, *root.children(recursive=True)]


@dataclass
class Rehearsal:
    home: Path
    layout: Layout
    stack_config: StackConfig
    dagster_cluster: Cluster
    services: dict[str, Service] = field(default_factory=dict)
    run_peak_rss: int = 0  # one run's process with its dbt, the largest seen
    run_seconds: list[float] = field(default_factory=list)  # each finished run, start to end

    @property
    def ui(self) -> DagsterUI:
        webserver = "dagster-webserver"
        return DagsterUI(f"http://{self.layout.address(webserver)}:{self.layout.published_port(webserver)}")

    def say(self, line: str) -> None:
        print(line, flush=True)  # progress for the person running it (pytest -s shows it too)

    def alvo(self) -> psycopg.Connection:
        return psycopg.connect(**self.stack_config.alvo_settings.connect_kwargs(), autocommit=True)

    def sample_memory(self) -> None:
        for service in self.services.values():
            service.peak_rss = max(service.peak_rss, _rss(service.tree()))
        for dbt in dbt_processes(self):
            try:
                worker = dbt.parent()
                self.run_peak_rss = max(self.run_peak_rss, _rss([worker, *worker.children(recursive=True)]))
            except psutil.Error:
                pass


def _rss(processes: list[psutil.Process]) -> int:
    total = 0
    for process in processes:
        with suppress(psutil.Error):
            total += process.memory_info().rss
    return total


def _paths(home: Path) -> dict[str, Path]:
    """The images' paths (docker/dagster.Dockerfile, docker-compose.yml volumes) on this machine."""
    workdir, _ = dockerfile_settings(DAGSTER_DOCKERFILE)
    return {
        workdir: REPO_ROOT,
        "/opt/dagster/home": home / "dagster-home",
        "/opt/dagster/compute-logs": home / "volumes" / "dagster-compute-logs",
        f"{workdir}/reports": home / "volumes" / "reports",
    }


def prepare(home: Path) -> Rehearsal:
    """The layout, the pipeline's stack (Fonte, Alvo, API) and the Dagster database, started."""
    environ = dict(os.environ)
    layout = load_layout(_paths(home), environ)
    for folder in layout.paths.values():
        folder.mkdir(parents=True, exist_ok=True)
    pipeline_env = layout.environment("dagster-code")
    api_env = layout.environment("fonte-api")
    config = load_config(
        {
            **environ,
            "DEVSTACK_DIR": str(home / "stack"),
            "FONTE_DB_URL": api_env["FONTE_DB_URL"],
            "FONTE_OWNER_DB_URL": api_env["FONTE_OWNER_DB_URL"],
            "FONTE_API_URL": pipeline_env["FONTE_API_URL"],
            "FONTE_API_TOKEN": pipeline_env.get("FONTE_API_TOKEN", ""),
            **{name: value for name, value in pipeline_env.items() if name.startswith("ALVO_")},
        }
    )
    for line in stack.up(config):
        print(line, flush=True)
    dagster_db = layout.environment("dagster-db")
    cluster = Cluster("dagster", home / "dagster-pg", 5432, layout.address("dagster-db"))
    pgcluster.initialise(cluster)
    pgcluster.start(cluster)
    pgcluster.wait_until_accepting(cluster)
    with pgcluster.admin_connect(cluster) as conn:
        pgcluster.ensure_role(conn, Role(dagster_db["POSTGRES_USER"], dagster_db["POSTGRES_PASSWORD"]))
        pgcluster.ensure_database(conn, dagster_db["POSTGRES_DB"], dagster_db["POSTGRES_USER"])
    return Rehearsal(home=home, layout=layout, stack_config=config, dagster_cluster=cluster)


def build_image_steps(rehearsal: Rehearsal) -> None:
    """What docker/dagster.Dockerfile does after installing: the dbt manifest, the instance
    files in DAGSTER_HOME."""
    subprocess.run([sys.executable, "-m", "orchestration.dbt_manifest"], cwd=REPO_ROOT, check=True)
    dagster_home = rehearsal.layout.paths["/opt/dagster/home"]
    shutil.copy2(REPO_ROOT / "docker" / "dagster" / "dagster.yaml", dagster_home / "dagster.yaml")
    workspace = (REPO_ROOT / "docker" / "dagster" / "workspace.yaml").read_text()
    (dagster_home / "workspace.yaml").write_text(rehearsal.layout.localise(workspace))


def service(rehearsal: Rehearsal, name: str) -> Service:
    layout = rehearsal.layout
    _, image_env = dockerfile_settings(DAGSTER_DOCKERFILE)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "ALVO_", "FONTE_"))},
        **{k: layout.localise(v) for k, v in image_env.items()},
        **layout.environment(name),
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # the image's python
    }
    log = rehearsal.home / "logs" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    return Service(name, layout.command(name), env, log)


def start_service(rehearsal: Rehearsal, name: str) -> Service:
    """Start (or start again) one Dagster service and wait until it is healthy."""
    svc = rehearsal.services.get(name) or service(rehearsal, name)
    rehearsal.services[name] = svc
    svc.start()
    layout = rehearsal.layout
    if name == "dagster-code":
        wait_for_port(layout.address(name), 4000, name, alive=popen_alive(svc.process))
    elif name == "dagster-webserver":
        port = layout.published_port(name)
        wait_for_url(f"http://{layout.address(name)}:{port}/server_info", name, alive=popen_alive(svc.process))
    return svc


def stop_all(rehearsal: Rehearsal) -> None:
    for name in reversed(DAGSTER_SERVICES):
        if name in rehearsal.services:
            rehearsal.services[name].stop()
    pgcluster.stop(rehearsal.dagster_cluster)
    stack.down(rehearsal.stack_config)


@contextmanager
def running(home: Path):
    """The whole deployment up (one rehearsal at a time on a machine: the addresses are fixed)."""
    with one_process_at_a_time(LOCK_FILE):
        rehearsal = prepare(home)
        try:
            build_image_steps(rehearsal)
            for name in DAGSTER_SERVICES:
                start_service(rehearsal, name)
            yield rehearsal
        finally:
            stop_all(rehearsal)


# -- the scenario ---------------------------------------------------------------------------


def wait_finished(rehearsal: Rehearsal, run_ids: list[str], timeout: float = 300) -> dict[str, str]:
    def finished():
        rehearsal.sample_memory()
        states = {run_id: rehearsal.ui.run(run_id).status for run_id in run_ids}
        return states if all(s in FINISHED for s in states.values()) else None

    states = rehearsal.ui.wait(finished, f"runs {', '.join(run_ids)} to finish", timeout)
    rehearsal.run_seconds += [s for s in (rehearsal.ui.run(run_id).seconds for run_id in run_ids) if s]
    for run_id, state in states.items():
        if state != "SUCCESS":
            print(f"run {run_id} ended {state}:", *rehearsal.ui.failure_messages(run_id)[-3:], sep="\n  ", flush=True)
    return states


def rows_by_day(rehearsal: Rehearsal, days: list[str]) -> dict[str, int]:
    with rehearsal.alvo() as conn:
        return {
            day: conn.execute(
                "select count(*) from data where timestamp >= %s::date and timestamp < %s::date + 1", (day, day)
            ).fetchone()[0]
            for day in days
        }


def without_report(rehearsal: Rehearsal) -> list[list[str]]:
    """Every asset but the report: rendering a day's PNG is the costliest step and tells the
    rehearsal nothing new after the backfill has written its reports."""
    return [path for path in rehearsal.ui.asset_keys() if path != ["report"]]


def launch_while_the_daemon_is_dead(rehearsal: Rehearsal, backfill_days: list[str], single_days: list[str]) -> dict:
    """Kill the daemon, then launch a backfill of `backfill_days` (one run) and a run per
    single day at once: the single days' runs wait QUEUED (and the backfill its run) until
    the daemon is started again, which then runs each once, all at the same time. While they
    run, the last single day's run process is killed during its dbt step: it must end FAILED
    while the others go on, and run_retries must launch a retry that succeeds."""
    ui = rehearsal.ui
    rehearsal.services["dagster-daemon"].kill()
    backfill_id = ui.launch_backfill(backfill_days)
    singles = [ui.launch_partition(day, without_report(rehearsal)) for day in single_days]
    time.sleep(3)
    queued = {run_id: ui.run(run_id).status for run_id in singles}
    start_service(rehearsal, "dagster-daemon")  # what `restart: unless-stopped` does
    backfill_runs = ui.wait(
        lambda: [r.run_id for r in ui.runs(dagster__backfill=backfill_id)], "the backfill's run", 60
    )
    killed = kill_a_run_mid_run(rehearsal, singles[-1], single_days[-1])
    # Each run that was queued, or the retry of the one killed, to its end.
    states = wait_finished(rehearsal, [*backfill_runs, *singles[:-1], *killed["retries"]])
    launched_per_day = {
        day: len([r for r in ui.runs(dagster__partition=day) if RETRY_OF not in r.tags]) for day in single_days
    }
    rehearsal.say(
        f"daemon killed, backfill {backfill_days} and {single_days} launched: {queued}; started again: "
        f"backfill as {len(backfill_runs)} run(s); finished, with the killed run's retry: {states}; "
        f"runs launched per day {launched_per_day}"
    )
    return {"states": states, "queued": queued, "runs_per_day": launched_per_day, "killed_run": killed}


def dbt_processes(rehearsal: Rehearsal, day: str | None = None) -> list[psutil.Process]:
    """The `dbt build`s that runs started and that run now (descendants of the code server);
    with `day`, the one of a run of that day alone (its WINDPIPE_DAYS names the day)."""
    found = []
    for process in rehearsal.services["dagster-code"].tree() if "dagster-code" in rehearsal.services else []:
        try:
            if any(Path(part).name == "dbt" for part in process.cmdline()[:2]) and (
                day is None or f'"start_day": "{day}", "end_day": "{day}"' in process.environ().get("WINDPIPE_DAYS", "")
            ):
                found.append(process)
        except psutil.Error:
            continue
    return found


def wait_for_dbt_step(rehearsal: Rehearsal, run_id: str, day: str | None = None) -> psutil.Process:
    ui = rehearsal.ui
    return ui.wait(
        lambda: ui.run(run_id).status == "STARTED" and next(iter(dbt_processes(rehearsal, day)), None),
        "the run's dbt step",
        120,
        0.2,
    )


def wait_failed_and_retried(rehearsal: Rehearsal, run_id: str, since: float) -> tuple[float, dict[str, str]]:
    """Seconds from `since` until the run is FAILURE, and the final states of its retries."""
    ui = rehearsal.ui
    ui.wait(lambda: ui.run(run_id).status == "FAILURE", "the run to be marked failed", 180, 0.2)
    failed_after = time.monotonic() - since
    retries = ui.wait(lambda: ui.runs(dagster__parent_run_id=run_id), "the daemon's retry", 120)
    return failed_after, wait_finished(rehearsal, [r.run_id for r in retries])


def kill_a_run_mid_run(rehearsal: Rehearsal, run_id: str, day: str) -> dict:
    """Kill the run's process (and what it started) during its dbt step: the run must end
    FAILED, and run_retries must launch a retry that succeeds."""
    worker = wait_for_dbt_step(rehearsal, run_id, day).parent()  # dagster-dbt runs dbt as the run's child
    for process in [worker, *worker.children(recursive=True)]:
        process.kill()
    failed_after, states = wait_failed_and_retried(rehearsal, run_id, time.monotonic())
    rehearsal.say(f"killed run {run_id[:8]} ({day}) during dbt: FAILURE after {failed_after:.1f} s; retries: {states}")
    return {"run_id": run_id, "failed_after": failed_after, "retries": states}


def kill_the_code_server_mid_run(rehearsal: Rehearsal, day: str) -> dict:
    """What recreating the dagster-code container does: the code server and its runs die
    together and it comes back empty. Run monitoring must fail the run (the code server no
    longer executes it) and run_retries must run it again."""
    run_id = rehearsal.ui.launch_partition(day, without_report(rehearsal))
    wait_for_dbt_step(rehearsal, run_id)
    code = rehearsal.services["dagster-code"]
    code.kill()
    killed = time.monotonic()
    start_service(rehearsal, "dagster-code")  # what `restart: unless-stopped` does
    failed_after, states = wait_failed_and_retried(rehearsal, run_id, killed)
    rehearsal.say(
        f"killed the code server during run {run_id[:8]} ({day}): FAILURE after {failed_after:.1f} s; retries: {states}"
    )
    return {"run_id": run_id, "failed_after": failed_after, "retries": states}


def memory_summary(rehearsal: Rehearsal) -> dict[str, int]:
    """Peak RSS in bytes: each service with everything it started, and one run with its dbt."""
    return {**{name: svc.peak_rss for name, svc in rehearsal.services.items()}, "one run": rehearsal.run_peak_rss}


def rehearse(rehearsal: Rehearsal) -> dict:
    """The whole scenario; what it saw, for the test and the person."""
    seen = {}
    seen["killed_code_server"] = kill_the_code_server_mid_run(rehearsal, "2024-05-24")
    seen["killed_daemon"] = launch_while_the_daemon_is_dead(
        rehearsal, ["2024-05-20", "2024-05-21"], ["2024-05-22", "2024-05-23"]
    )
    seen["killed_run"] = seen["killed_daemon"].pop("killed_run")
    seen["rows"] = rows_by_day(rehearsal, [f"2024-05-{d}" for d in range(20, 25)])
    seen["memory"] = memory_summary(rehearsal)
    seen["run_seconds"] = sorted(rehearsal.run_seconds)
    return seen


def main() -> None:
    # A SIGTERM (or Ctrl-C) still stops every server and service it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    home = Path(tempfile.mkdtemp(prefix="windpipe-rehearsal-"))
    started = time.monotonic()
    try:
        with running(home) as rehearsal:
            seen = rehearse(rehearsal)
    except Exception as exc:  # a person's command: one line and the logs' folder, not a traceback
        print(f"compose rehearsal failed: {exc}\nlogs kept in {home / 'logs'}", file=sys.stderr)
        sys.exit(1)
    print(f"Alvo rows per day: {seen['rows']}")
    for name, rss in seen["memory"].items():
        print(f"peak RSS, {name}: {rss / 2**20:.0f} MiB")
    durations = seen["run_seconds"]
    middle = durations[len(durations) // 2]
    print(f"run durations (s): min {durations[0]:.1f}, median {middle:.1f}, max {durations[-1]:.1f}")
    shutil.rmtree(home, ignore_errors=True)
    print(f"compose rehearsal passed in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()

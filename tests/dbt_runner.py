"""dbt for the tests, without importing dbt for every command.

Starting `dbt` costs about 2 to 4 s of imports on this kind of machine before it does any
work, and the suite runs dbt many times. A runner is a long-lived process that imported dbt
once and invokes it through dbt's programmatic entry point (`dbtRunner`, the one dbt
documents for Python callers), one command at a time, with the command's own environment and
working folder, its stdout and stderr captured at the file-descriptor level and its exit code
mapped as the `dbt` executable maps it (0 success, 1 a failed node, 2 an error). What runs is
dbt's real command, parse and build; only the interpreter start is shared.

The tests that are about the command a user types (the README's `--vars`, `dbt docs serve`)
run the `dbt` executable itself.
"""

from __future__ import annotations

import json
import os
import select
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from devstack.config import REPO_ROOT, VENV_BIN

# `dbt build` of the data model alone, for the tests about its days and errors: an explicit
# --select takes data's unit tests too (the default selector, which production builds use,
# leaves them out), and they would run again, unchanged, in every such build.
DATA_ALONE = ("--select", "data", "--exclude-resource-type", "unit_test")


def serve() -> None:
    """The runner's loop: one JSON request per line on stdin, one JSON answer per line on the
    descriptor that was stdout when it started (dbt's own output goes to the capture files)."""
    from dbt.cli.main import dbtRunner  # the import paid once per runner

    answers = os.fdopen(os.dup(1), "w")
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    for line in sys.stdin:
        request = json.loads(line)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            try:
                result = dbtRunner().invoke(request["args"])
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(quiet, 1)
                os.dup2(quiet, 2)
            if result.success:
                code = 0
            elif result.exception is None:
                code = 1
            else:
                code = 2
                err.write(f"{type(result.exception).__name__}: {result.exception}\n".encode())
            captured = []
            for stream in (out, err):
                stream.seek(0)
                captured.append(stream.read().decode(errors="replace"))
        answers.write(json.dumps({"returncode": code, "stdout": captured[0], "stderr": captured[1]}) + "\n")
        answers.flush()


class LineClient:
    """A child interpreter, `python -m MODULE`, that answers one JSON line per JSON request
    line (this module's `serve`, tests/warm_python.py's)."""

    def __init__(self, module: str):
        self.process = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", module],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def send(self, request: dict) -> None:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()

    def receive(self, command: list[str], timeout: float | None) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            raise subprocess.TimeoutExpired(command, timeout)
        line = self.process.stdout.readline()
        if not line:
            ended = f"{self.process.args[-1]} ended (exit {self.process.wait()})"
            raise RuntimeError(f"{ended} during: {' '.join(command)}")
        return json.loads(line)

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


class Runner(LineClient):
    def __init__(self):
        super().__init__("tests.dbt_runner")

    def run(self, args: list[str], env: dict[str, str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
        command = ["dbt", *args]
        self.send({"args": args, "env": env, "cwd": str(cwd)})
        try:
            answer = self.receive(command, timeout)
        except subprocess.TimeoutExpired:
            self.close()
            raise
        return subprocess.CompletedProcess(command, answer["returncode"], answer["stdout"], answer["stderr"])


class RunnerPool:
    """Runners of one pytest process: an idle one takes the command, or a new one starts
    (concurrent commands each get their own process, as they would from the shell). A runner
    is a `Runner` here, or anything with its `run` and `close` (tests/warm_python.py)."""

    def __init__(self, factory: Callable[[], Runner] = Runner):
        self.factory = factory
        self.idle: list[Runner] = []
        self.lock = threading.Lock()

    def run(self, args: list[str], env: dict[str, str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
        with self.lock:
            runner = self.idle.pop() if self.idle else None
        runner = runner or self.factory()
        try:
            result = runner.run(args, env, cwd, timeout)
        except BaseException:
            runner.close()
            raise
        with self.lock:
            self.idle.append(runner)
        return result

    def close(self) -> None:
        with self.lock:
            for runner in self.idle:
                runner.close()
            self.idle.clear()


class RunnerService:
    """A pool behind a Unix socket, and a stand-in `dbt` executable (tests/dbt_stand_in.py)
    that sends its commands there: for dagster-dbt, which starts `dbt` itself."""

    def __init__(self, pool: RunnerPool, folder: Path):
        self.pool = pool
        self.socket_path = folder / "dbt.sock"
        self.executable = folder / "dbt"
        stand_in = REPO_ROOT / "tests" / "dbt_stand_in.py"
        self.executable.write_text(
            "#!/bin/sh\n"
            f"exec {shlex.quote(str(VENV_BIN / 'python'))} {shlex.quote(str(stand_in))} "
            f'{shlex.quote(str(self.socket_path))} "$@"\n'
        )
        self.executable.chmod(0o755)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(self.socket_path))
        self.server.listen()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as reader:
            request = json.loads(reader.readline())
            try:
                result = self.pool.run(request["args"], request["env"], Path(request["cwd"]), timeout=600)
                answer = {"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr}
            except Exception as exc:  # the stand-in exits 2 with the reason, as dbt does for an error
                answer = {"returncode": 2, "stdout": "", "stderr": f"dbt runner: {type(exc).__name__}: {exc}\n"}
            conn.sendall(json.dumps(answer).encode())

    def close(self) -> None:
        self.server.close()


if __name__ == "__main__":
    serve()

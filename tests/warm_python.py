"""`python -m extract ...` and `python -m report ...` for the tests, forked from an interpreter
that has imported what those command lines import.

The suite runs the extractor's command line about a hundred times and the report's a dozen;
each start imports click, requests, psycopg, pydantic and (the report) Altair again, which
costs more CPU than most of those commands' own work. A warm interpreter imports them once
and, for each command, forks a child: the child takes the command's environment, working
folder, arguments and standard streams, runs the module as `python -m` does (`runpy`, as
`__main__`) and exits as the interpreter exits (its exit code; a traceback and 1 for an
uncaught exception; -N when killed by signal N). It is a process of its own running the real
command line; only the imports are shared.

What a fork cannot give is what Python reads from the environment when it starts
(PYTHONPATH, PYTHONWARNINGS, ...): no test runs these commands with those. Tests that need a
command's process while it runs (to kill it) start the executable themselves.
"""

from __future__ import annotations

import gc
import json
import os
import runpy
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from .dbt_runner import LineClient

# Imported before the first fork; none of them starts a thread (forking a threaded
# interpreter is unsafe), which tests/fast would not notice but the first fork checks.
PRELOAD = ("extract.cli", "report.page", "report.read", "report.variables")


def serve() -> None:
    """One JSON request per line on stdin; for each, a line with the child's pid, then one
    with its exit code and output, on the descriptor that was stdout at the start."""
    for module in PRELOAD:
        __import__(module)
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        raise SystemExit(f"warm_python: the preloaded modules started {threads - 1} thread(s); cannot fork safely")
    answers = os.fdopen(os.dup(1), "w")
    for line in sys.stdin:
        request = json.loads(line)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            # Whatever exists now is the parent's: the child's collections (and its exit's)
            # leave it alone instead of touching, and so copying, every page of the imports.
            gc.freeze()
            pid = os.fork()
            if pid == 0:
                become_the_command(request, out.fileno(), err.fileno(), answers.fileno())
            answers.write(json.dumps({"pid": pid}) + "\n")
            answers.flush()
            _, status = os.waitpid(pid, 0)
            captured = []
            for stream in (out, err):
                stream.seek(0)
                captured.append(stream.read().decode(errors="replace"))
        code = os.waitstatus_to_exitcode(status)
        answers.write(json.dumps({"returncode": code, "stdout": captured[0], "stderr": captured[1]}) + "\n")
        answers.flush()


def become_the_command(request: dict, out: int, err: int, answers: int) -> None:
    """In the child: `python -m MODULE ARGS` with the request's environment and folder. Its
    SystemExit or exception ends the interpreter as it would end the command's own."""
    os.close(answers)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    sys.stdin = open(0, closefd=False)  # noqa: SIM115 (the interpreter's own, never closed)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.argv = [request["module"], *request["args"]]
    runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
    sys.exit(0)


class WarmPython(LineClient):
    """One warm interpreter; `run` has RunnerPool's interface (tests/dbt_runner.py)."""

    def __init__(self):
        super().__init__("tests.warm_python")

    def run(self, args: list[str], env: dict[str, str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
        """`args` is [MODULE, ARG...], run as `python -m MODULE ARG...`."""
        command = [sys.executable, "-m", *args]
        self.send({"module": args[0], "args": args[1:], "env": env, "cwd": str(cwd)})
        pid = self.receive(command, 30)["pid"]
        try:
            answer = self.receive(command, timeout)
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)  # as subprocess.run does on a timeout
            self.receive(command, 30)
            raise
        return subprocess.CompletedProcess(command, answer["returncode"], answer["stdout"], answer["stderr"])


if __name__ == "__main__":
    serve()

"""`python -m devstack up|status|down` as a user runs it: a cycle leaves nothing behind."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import psutil

from devstack.config import REPO_ROOT, load_config, private_stack_environment
from devstack.processes import wait_gone
from devstack.stack import running_pids


def devstack(env: dict, action: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "devstack", action],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_up_twice_status_down_leaves_no_process(tmp_path):
    env = private_stack_environment(tmp_path / "stack")
    config = load_config(env)
    try:
        first = devstack(env, "up")
        assert first.returncode == 0, first.stderr
        pids = running_pids(config)
        assert len(pids) >= 3  # two postmasters (with their children) and the API
        second = devstack(env, "up")
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stdout
        assert running_pids(config) == pids  # nothing new started

        status = devstack(env, "status")
        assert status.stdout.count("running") == 3, status.stdout
        assert f"127.0.0.1:{env['ALVO_PORT']}" in status.stdout
    finally:
        down = devstack(env, "down")
    assert down.returncode == 0, down.stderr
    assert "API stopped" in down.stdout
    assert "fonte PostgreSQL stopped" in down.stdout
    assert wait_gone(pids) == []
    leftovers = [p.pid for p in psutil.process_iter(["cmdline"]) if str(tmp_path) in " ".join(p.info["cmdline"] or [])]
    assert leftovers == []
    assert "stopped" in devstack(env, "status").stdout
    assert devstack(env, "down").stdout.strip() == "nothing was running"


def test_a_taken_port_is_one_clear_line(tmp_path):
    env = private_stack_environment(tmp_path / "stack")
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", int(env["ALVO_PORT"])))
    blocker.listen()
    try:
        result = devstack(env, "up")
    finally:
        blocker.close()
        devstack(env, "down")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: port {env['ALVO_PORT']} is already in use, so alvo PostgreSQL cannot start there; "
        "set ALVO_PORT to use another port"
    )
    assert "Traceback" not in result.stderr

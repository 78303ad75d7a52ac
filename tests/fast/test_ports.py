"""Reserved ports: another process never gets one this process holds."""

from __future__ import annotations

import subprocess
import sys

from devstack.config import REPO_ROOT
from devstack.ports import is_reserved_elsewhere, release_port, reserve_port


def reserved_in_another_process(port: int) -> bool:
    code = f"from devstack.ports import is_reserved_elsewhere; print(is_reserved_elsewhere({port}))"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    return result.stdout.strip() == "True"


def test_a_reserved_port_is_locked_for_other_processes_until_released():
    port = reserve_port()
    try:
        assert not is_reserved_elsewhere(port)  # it is ours
        assert reserved_in_another_process(port)
    finally:
        release_port(port)
    assert not reserved_in_another_process(port)


def test_ports_handed_out_are_distinct():
    ports = [reserve_port() for _ in range(5)]
    try:
        assert len(set(ports)) == 5
    finally:
        for port in ports:
            release_port(port)

"""Starting and stopping the stack's processes, in one place: is a port free, wait until a
port or a URL answers (or the process died), stop with a grace period then kill, stop a
whole process group, let one process at a time through (a lock file). Used by devstack
(`make up/down`, `make dagster`, the compose rehearsal; the bench starts and stops its
stacks through it) and the tests."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import psutil
import requests

T = TypeVar("T")


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def wait_until(
    check: Callable[[], T], what: str, timeout: float, *, step: float = 0.2, alive: Callable[[], bool] | None = None
) -> T:
    """Call `check` until it returns something true, and return that. TimeoutError after
    `timeout` seconds; RuntimeError as soon as `alive` (the process that should answer)
    says it died, since no wait will make a dead process answer."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if alive is not None and not alive():
            raise RuntimeError(f"{what}: the process exited first")
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(step)


@contextlib.contextmanager
def one_process_at_a_time(lock_file: Path) -> Iterator[None]:
    """An exclusive lock on `lock_file` (made if missing) while the block runs: the other
    processes of this machine that ask for the same file wait for their turn."""
    with open(lock_file, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield  # closing the file releases the lock


def popen_alive(process: subprocess.Popen) -> Callable[[], bool]:
    return lambda: process.poll() is None


def pid_alive(pid: int) -> Callable[[], bool]:
    def alive() -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    return alive


def port_answers(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


def url_answers(url: str, *, any_status: bool = False, timeout: float = 5) -> bool:
    """True when `url` answers 200 (or anything, with any_status: the server is serving)."""
    try:
        status = requests.get(url, timeout=timeout).status_code
    except requests.RequestException:
        return False
    return any_status or status == 200


def wait_for_port(host: str, port: int, what: str, *, timeout: float = 120, alive=None) -> None:
    wait_until(lambda: port_answers(host, port), f"{what} listening on {host}:{port}", timeout, alive=alive)


def wait_for_url(
    url: str, what: str, *, timeout: float = 120, alive=None, any_status: bool = False, request_timeout: float = 5
) -> None:
    """Until `url` answers (see url_answers); a request slower than request_timeout counts as
    no answer yet."""
    wait_until(
        lambda: url_answers(url, any_status=any_status, timeout=request_timeout),
        f"{what} answering {url}",
        timeout,
        alive=alive,
    )


def _ended(process: psutil.Process, timeout: float) -> bool:
    """Whether the process ends within `timeout`: gone, or a zombie (it has exited, and only
    its parent, another process than this one, has not reaped it yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def stop_pid(pid: int, *, grace: float = 15, stop_signal: int = signal.SIGTERM) -> None:
    """`stop_signal`, then SIGKILL if the process is still there after `grace` seconds."""
    try:
        process = psutil.Process(pid)
        process.send_signal(stop_signal)
        if not _ended(process, grace):
            process.kill()
            _ended(process, 10)
    except psutil.NoSuchProcess:
        pass
    # A child of this process (the API that the test session's stack started) is reaped
    # here; otherwise it stays a zombie until this process ends.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def stop_group(process: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a process started with start_new_session=True and everything in its group: SIGINT
    first (as a terminal's Ctrl-C: `dagster dev` stops its children on it), SIGTERM to the
    group after `timeout`, then SIGKILL to whatever is left."""
    group = process.pid  # the leader of its own session and group
    members = {p.pid: p for p in group_members(group)}
    with contextlib.suppress(psutil.Error):  # it may have exited already
        members.update({p.pid: p for p in psutil.Process(process.pid).children(recursive=True)})
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGTERM)
    _, alive = psutil.wait_procs(list(members.values()), timeout=timeout)
    for leftover in alive:
        leftover.kill()
    psutil.wait_procs(alive, timeout=5)
    if process.poll() is None:
        process.kill()
        process.wait()


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to the whole process group at once (what `docker kill` does to a container)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)


def group_members(group: int) -> list[psutil.Process]:
    members = []
    for candidate in psutil.process_iter():
        try:
            if os.getpgid(candidate.pid) == group:
                members.append(candidate)
        except (ProcessLookupError, psutil.Error):
            continue
    return members


def running_pid(pidfile: Path, command_part: str) -> int | None:
    """The PID a PID file names, if that process is alive and is ours (its command line
    holds command_part): a stale file, or a PID reused by another program, gives None."""
    try:
        pid = int(pidfile.read_text().strip())
        process = psutil.Process(pid)
        if process.status() != psutil.STATUS_ZOMBIE and command_part in " ".join(process.cmdline()):
            return pid
    except (OSError, ValueError, psutil.Error):
        pass
    return None


def wait_gone(pids: list[int], timeout: float = 10) -> list[int]:
    """Wait until none of `pids` is alive; return those still alive after `timeout`."""
    deadline = time.monotonic() + timeout
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if pid_alive(p)()]
        time.sleep(0.1)
    return alive

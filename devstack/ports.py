"""Free TCP ports on 127.0.0.1 that no other windpipe process will pick at the same time.

Asking the kernel for a free port (bind to port 0, close) and starting a server on it
later leaves a gap in which another test session can be handed the same port. Each port
handed out here is also locked (flock on a file named after it, in a folder every user
shares) for as long as this process lives, and a port whose lock another process holds is
skipped, so two test sessions or benches on one machine never race for a port.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
import tempfile
from contextlib import closing
from pathlib import Path

LOCK_DIR = Path(tempfile.gettempdir()) / "windpipe-ports"
_held: dict[int, int] = {}  # port -> open file descriptor holding its lock


def _lock_dir() -> Path:
    LOCK_DIR.mkdir(exist_ok=True)
    # Shared by every user, sticky like /tmp itself; one created by another user is
    # already opened up.
    with contextlib.suppress(PermissionError):
        os.chmod(LOCK_DIR, 0o1777)  # noqa: S103
    return LOCK_DIR


def _kernel_free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def reserve_port(attempts: int = 50) -> int:
    """A free port, locked for this process's lifetime (or until `release_port`)."""
    folder = _lock_dir()
    for _ in range(attempts):
        port = _kernel_free_port()
        if port in _held:
            continue
        fd = os.open(folder / f"{port}.lock", os.O_CREAT | os.O_RDWR, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                continue  # another windpipe process holds it
            raise
        _held[port] = fd
        return port
    raise RuntimeError(f"no free port found in {attempts} attempts")


def release_port(port: int) -> None:
    fd = _held.pop(port, None)
    if fd is not None:
        os.close(fd)  # closing the descriptor drops the lock


def is_reserved_elsewhere(port: int) -> bool:
    """True when another process holds this port's lock (for tests of this module)."""
    if port in _held:
        return False
    fd = os.open(_lock_dir() / f"{port}.lock", os.O_CREAT | os.O_RDWR, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False

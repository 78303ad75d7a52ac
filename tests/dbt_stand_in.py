"""A stand-in `dbt` executable for programs that start dbt themselves (dagster-dbt, in the
in-process Dagster tests): it hands its arguments, environment and working folder to the
test session's dbt runners (tests/dbt_runner.py) over a Unix socket and prints their answer
as the `dbt` executable would, with its exit code. The command that runs is dbt's real one;
only the interpreter start with dbt's imports, which costs more than a small build, is saved.

Standard library only, so it starts in milliseconds. The documented commands that start the
real executable (`dagster asset materialize`, `make dagster`, the compose rehearsal) keep it.
"""

import json
import os
import socket
import sys


def main(socket_path: str, args: list[str]) -> int:
    request = {"args": args, "env": dict(os.environ), "cwd": os.getcwd()}
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(socket_path)
        conn.sendall(json.dumps(request).encode() + b"\n")
        chunks = []
        while chunk := conn.recv(1 << 16):
            chunks.append(chunk)
    answer = json.loads(b"".join(chunks))
    sys.stdout.write(answer["stdout"])
    sys.stderr.write(answer["stderr"])
    return answer["returncode"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))

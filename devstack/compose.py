"""docker-compose.yml read for a machine without Docker: each service's command and
environment as written, with the compose network's host names mapped to loopback addresses
(each service its own 127.0.0.x, so every port stays as written) and the images' paths
mapped to local folders.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from .config import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DAGSTER_DOCKERFILE = REPO_ROOT / "docker" / "dagster.Dockerfile"
FIRST_ADDRESS = 11  # 127.0.0.11, .12, ...: clear of 127.0.0.1, where `make up` and the tests run
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def interpolate(text: str, environ: Mapping[str, str]) -> str:
    """Compose's `${NAME}` and `${NAME:-default}` (empty counts as unset, as in Compose)."""
    return _VARIABLE.sub(lambda m: environ.get(m.group(1)) or (m.group(2) or ""), text)


def dockerfile_settings(path: Path) -> tuple[str, dict[str, str]]:
    """The image's WORKDIR and ENV, which a service's command relies on."""
    workdir, env = "/", {}
    for line in path.read_text().splitlines():
        words = line.split(maxsplit=1)
        if len(words) == 2 and words[0] == "WORKDIR":
            workdir = words[1].strip()
        elif len(words) == 2 and words[0] == "ENV":
            for pair in shlex.split(words[1]):  # ENV A=1 B=2
                name, _, value = pair.partition("=")
                env[name] = value
    return workdir, env


@dataclass(frozen=True)
class Layout:
    """Where the compose names land here: service -> address, image path -> local folder."""

    services: dict[str, dict]
    addresses: dict[str, str]
    paths: dict[str, Path]
    environ: Mapping[str, str]

    def localise(self, text: str, service: str | None = None) -> str:
        """Values and files: variables, host names and paths. With `service`, a command word
        of that service: its listen address and paths only."""
        text = interpolate(text, self.environ)
        if service is not None:
            text = text.replace("0.0.0.0", self.addresses[service])  # noqa: S104 - its own address instead
        for name, address in {} if service else self.addresses.items():
            # Only where a host name stands: a whole value, after `//`, `@` or `host: `, before
            # `:`, `/` or the end (`dagster-webserver` is also a command's name).
            text = re.sub(rf"(^|//|@|host: ){re.escape(name)}(?=$|[:/])", rf"\g<1>{address}", text, flags=re.M)
        for container_path in sorted(self.paths, key=len, reverse=True):
            text = text.replace(container_path, str(self.paths[container_path]))
        return text

    def environment(self, service: str) -> dict[str, str]:
        raw = self.services[service].get("environment") or {}
        return {name: self.localise(str(value)) for name, value in raw.items()}

    def command(self, service: str) -> list[str]:
        return [self.localise(str(word), service) for word in self.services[service]["command"]]

    def address(self, service: str) -> str:
        return self.addresses[service]

    def published_port(self, service: str) -> int:
        """The container port of the service's first `ports:` entry (what its command listens on)."""
        return int(str(self.services[service]["ports"][0]).rsplit(":", 1)[1])


def load_layout(paths: dict[str, Path], environ: Mapping[str, str]) -> Layout:
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    addresses = {name: f"127.0.0.{FIRST_ADDRESS + i}" for i, name in enumerate(services)}
    return Layout(services=services, addresses=addresses, paths=paths, environ=environ)

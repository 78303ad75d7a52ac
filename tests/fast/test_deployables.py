"""Each deployable imports only its own packages and its own modules.

The connector's image installs requirements/connector.txt and copies fonte_api/; the
pipeline's image installs requirements/pipeline.txt and copies extract/, report/,
orchestration/, dbt_project/ and pipeline_settings.py. A module that imported anything else
would work on a developer's machine (requirements.txt installs everything) and fail in its
image. The development tools may import everything.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

from devstack.config import REPO_ROOT

REQUIREMENTS = REPO_ROOT / "requirements"
DEPLOYABLES = {
    # name: (its modules: top-level packages or files, its requirements list)
    "connector": (("fonte_api",), "connector.txt"),
    "pipeline": (("extract", "report", "orchestration", "pipeline_settings", "pipeline_constants"), "pipeline.txt"),
}
FIXTURE = Path(__file__).parent / "fixtures" / "connector_module_importing_dbt.py"


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_lines(requirements: Path) -> list[str]:
    return [text for line in requirements.read_text().splitlines() if (text := line.split("#", 1)[0].strip())]


def _name(requirement: str) -> str:
    return _normalise(re.split(r"[\[=~<>!; ]", requirement, maxsplit=1)[0])


def listed_distributions(requirements: Path) -> set[str]:
    """The list's distributions and everything they install with them (what the image has)."""
    pending = [(_name(line), _extras(line)) for line in _requirement_lines(requirements) if not line.startswith("-")]
    installed = set()
    while pending:
        name, extras = pending.pop()
        if name in installed:
            continue
        installed.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for requirement in requires:
            # Unconditional ones, and those of the extras asked for (uvicorn[standard]).
            marker = requirement.partition(";")[2]
            if "extra ==" not in marker or any(re.search(rf"extra == ['\"]{e}['\"]", marker) for e in extras):
                pending.append((_name(requirement), _extras(requirement)))
    return installed


def _extras(requirement: str) -> set[str]:
    found = re.match(r"[^\[;]*\[([^\]]*)\]", requirement)
    return {e.strip() for e in found.group(1).split(",")} if found else set()


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every absolute import in a file, wherever it stands."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def files_of(modules: tuple[str, ...]) -> list[Path]:
    files = []
    for module in modules:
        folder = REPO_ROOT / module
        files += sorted(folder.rglob("*.py")) if folder.is_dir() else [REPO_ROOT / f"{module}.py"]
    return files


def violations(files: list[Path], own: tuple[str, ...], allowed: set[str]) -> list[str]:
    """What a deployable's files import that its image would not have."""
    distributions = importlib.metadata.packages_distributions()
    local = {p.name for p in REPO_ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    local |= {p.stem for p in REPO_ROOT.glob("*.py")}
    found = []
    for path in files:
        for module in sorted(imported_modules(path)):
            where = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path.name
            if module in own or module in sys.stdlib_module_names or module == "__future__":
                continue
            if module in local:
                found.append(f"{where}: imports {module}, another deployable's (or the dev tools') module")
                continue
            provided = {_normalise(d) for d in distributions.get(module, [])}
            if not provided & allowed:
                found.append(
                    f"{where}: imports {module} ({', '.join(sorted(provided)) or 'not installed'}), not in its list"
                )
    return found


@pytest.mark.parametrize("deployable", DEPLOYABLES)
def test_a_deployable_imports_only_its_packages_and_modules(deployable):
    modules, requirements = DEPLOYABLES[deployable]
    allowed = listed_distributions(REQUIREMENTS / requirements)
    assert violations(files_of(modules), modules, allowed) == []


def test_the_check_catches_a_connector_module_importing_dbt_and_the_pipeline():
    modules, requirements = DEPLOYABLES["connector"]
    found = violations([FIXTURE], modules, listed_distributions(REQUIREMENTS / requirements))
    assert any("imports dbt (" in line and "not in its list" in line for line in found), found
    assert any("imports extract, another deployable's" in line for line in found), found


def test_requirements_txt_installs_every_list_and_shared_pins_agree():
    top = (REPO_ROOT / "requirements.txt").read_text()
    pins: dict[str, set[str]] = {}
    for requirements in sorted(REQUIREMENTS.glob("*.txt")):
        assert f"-r requirements/{requirements.name}" in top, requirements.name
        for line in _requirement_lines(requirements):
            pins.setdefault(_name(line), set()).add(re.sub(r"^[^=~<>!]*", "", line))
    assert {name: versions for name, versions in pins.items() if len(versions) > 1} == {}


@pytest.mark.parametrize(
    ("dockerfile", "requirements", "copied"),
    [
        ("Dockerfile", "connector.txt", {"fonte_api"}),
        (
            "docker/dagster.Dockerfile",
            "pipeline.txt",
            {
                "pipeline_settings.py",
                "pipeline_constants.py",
                "extract",
                "report",
                "orchestration",
                "dbt_project",
                "docker/dagster/dagster.yaml",
                "docker/dagster/workspace.yaml",
            },
        ),
    ],
)
def test_each_image_installs_and_copies_only_its_part(dockerfile, requirements, copied):
    text = (REPO_ROOT / dockerfile).read_text()
    sources = set()
    for line in text.splitlines():
        if line.startswith("COPY "):
            sources.update(line.split()[1:-1])
    assert f"requirements/{requirements}" in sources
    assert sources - {f"requirements/{requirements}"} == copied

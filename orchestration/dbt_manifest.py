"""The dbt project as Dagster sees it, and its manifest, parsed again whenever it is stale.

dagster-dbt reads `manifest.json` when the code location loads. A fresh clone has none,
and a manifest older than the project's files gives a wrong asset graph without a word,
so the manifest is (re)made by `dbt parse` whenever a hash of the project's files differs
from the one recorded next to it. It lives in its own target folder, `target/dagster`, so a
plain `dbt build` in the project does not overwrite it. Several processes load the code at
once under `dagster dev`; a file lock lets one of them parse while the others wait.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
from pathlib import Path

from dagster_dbt import DbtProject

from pipeline_settings import PYTHON_BIN, REPO_ROOT

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# dbt from this interpreter's environment (the venv, or the image's Python): `dagster`
# started without activating the venv does not have it on PATH.
DBT_EXECUTABLE = PYTHON_BIN / "dbt"
TARGET = Path("target") / "dagster"
SOURCE_PARTS = ("dbt_project.yml", "selectors.yml", "models", "macros", "tests")


class DbtProjectError(RuntimeError):
    """dbt could not parse the project; the message has dbt's own words."""


def project_hash(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """A hash of every file that shapes the manifest (not profiles.yml: it holds no nodes)."""
    digest = hashlib.sha256()
    for part in SOURCE_PARTS:
        path = project_dir / part
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.exists():
                digest.update(str(file.relative_to(project_dir)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, target_path=TARGET)


def prepare(project: DbtProject = DBT_PROJECT) -> Path:
    """Parse the project when its manifest is missing or older than its files; the
    manifest's path. Runs at every load of the code location, in dev or not."""
    target = project.project_dir / project.target_path
    target.mkdir(parents=True, exist_ok=True)
    stamp = target / "project-hash.txt"
    with open(target / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = project_hash(project.project_dir)
        if project.manifest_path.exists() and stamp.exists() and stamp.read_text() == current:
            return project.manifest_path
        env = {**os.environ, "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target)}
        result = subprocess.run(
            [str(DBT_EXECUTABLE), "parse", "--quiet"],
            cwd=project.project_dir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise DbtProjectError(f"dbt parse failed:\n{(result.stdout + result.stderr)[-3000:]}")
        stamp.write_text(current)
    return project.manifest_path


if __name__ == "__main__":  # python -m orchestration.dbt_manifest (the Docker image's build step)
    print(prepare())

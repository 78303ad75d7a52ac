"""The quality marts' cost in a fleet day's build: 25 turbines × 50 tags on the fault day,
built with and without bucket_quality, bucket_flags and availability (one extraction, the
builds alternating), and the models' own seconds from dbt's run_results.json."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from devstack.config import REPO_ROOT, VENV_BIN
from fonte_api.catalog import CATALOG
from fonte_api.faults import FAULT_DAY
from fonte_api.settings import GeneratorSettings

from .measure import run

FLEET = GeneratorSettings(start=FAULT_DAY, days=1, turbines=25, tags=len(CATALOG))
DAY = FAULT_DAY.date()
QUALITY_MODELS = ("bucket_quality", "bucket_flags", "availability")
RUNS = 3


def _build(bench, *args: str) -> tuple[float, dict[str, float]]:
    """Seconds of a day's `dbt build`, and each model's own seconds in it."""
    built = run(
        [str(VENV_BIN / "dbt"), "build", "--vars", f"day: {DAY}", *args], env=bench.env, cwd=REPO_ROOT / "dbt_project"
    )
    results = json.loads((Path(bench.env["DBT_TARGET_PATH"]) / "run_results.json").read_text())["results"]
    models = [r for r in results if r["unique_id"].startswith("model.")]
    return built.seconds, {r["unique_id"].rsplit(".", 1)[-1]: r["execution_time"] for r in models}


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"


def quality_rows(bench) -> list[str]:
    bench.reseed(FLEET)
    bench.reset_alvo()
    run([sys.executable, "-m", "extract", DAY.isoformat()], env=bench.env, cwd=REPO_ROOT)  # raises if it fails
    _build(bench)  # registers the signals and parses the project
    without, whole, marts, data = [], [], [], []
    for _ in range(RUNS):
        without.append(_build(bench, "--exclude", *QUALITY_MODELS)[0])
        seconds, models = _build(bench)
        whole.append(seconds)
        marts.append(sum(models[name] for name in QUALITY_MODELS))
        data.append(models["data"])
    values = 1440 * FLEET.turbines * FLEET.tags
    ratio = statistics.median(whole) / statistics.median(without)
    return [
        f"| {FLEET.turbines} × {FLEET.tags} tags × 1 day ({values:,} values) | {_spread(without)} | {_spread(whole)} "
        f"| {ratio:.2f}× | {_spread(data)} | {_spread(marts)} | at most 1.30× |"
    ]

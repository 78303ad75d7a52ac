"""`python -m mutants [NAME ...]`: apply each break alone to a scratch copy of the working
tree, run the tests that guard its rule, and print which breaks the tests caught.

The tests first run once on the unbroken copy: a test that already fails would "catch"
every break. Two scratch copies run side by side (this machine has two cores); each pytest
session starts its own servers on reserved ports, as `make test` does.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import click

from .breaks import BREAKS, Break

REPO_ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 600  # seconds for one break's tests


@dataclass(frozen=True)
class Outcome:
    brk: Break
    verdict: str  # caught | NOT CAUGHT | no longer applies | error (rc N) | timeout
    seconds: float
    log: Path | None


def copy_working_tree(target: Path) -> Path:
    """The tracked and untracked-but-not-ignored files, as they are now (uncommitted changes too)."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listing.decode().split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def run_tests(copy: Path, tests: list[str], log: Path, *, workers: int = 0) -> tuple[int | None, float]:
    """pytest on `tests` in `copy`, output to `log`: (exit code or None on timeout, seconds)."""
    # A basetemp of its own: two sessions at once must not share pytest's temporary root.
    command = [sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
    command += ["--basetemp", str(log.with_suffix(".tmp"))]
    command += ["-n", str(workers), "--dist", "loadfile"] if workers else ["-x"]
    started = time.monotonic()
    with log.open("w") as out:
        try:
            done = subprocess.run(
                [*command, *tests], check=False, cwd=copy, stdout=out, stderr=subprocess.STDOUT, timeout=TIMEOUT
            )
            code = done.returncode
        except subprocess.TimeoutExpired:
            code = None
    return code, time.monotonic() - started


def try_break(copy: Path, brk: Break, logs: Path) -> Outcome:
    target = copy / brk.path
    original = target.read_text() if target.is_file() else ""
    if any(original.count(old) != 1 for old, _ in brk.edits):
        return Outcome(brk, "no longer applies", 0.0, None)
    broken = original
    for old, new in brk.edits:
        broken = broken.replace(old, new)
    target.write_text(broken)
    try:
        log = logs / f"{brk.name}.log"
        code, seconds = run_tests(copy, list(brk.tests), log)
    finally:
        target.write_text(original)
    verdict = {0: "NOT CAUGHT", 1: "caught", None: "timeout"}.get(code, f"error (rc {code})")
    return Outcome(brk, verdict, seconds, log)


def print_table(outcomes: list[Outcome]) -> None:
    width = max(len(o.brk.name) for o in outcomes)
    rule_width = max(len(o.brk.rule) for o in outcomes)
    print(f"\n{'break':<{width}}  {'rule':<{rule_width}}  {'result':<18} seconds")
    for o in outcomes:
        print(f"{o.brk.name:<{width}}  {o.brk.rule:<{rule_width}}  {o.verdict:<18} {o.seconds:7.1f}")
    caught = sum(o.verdict == "caught" for o in outcomes)
    print(f"\n{caught} of {len(outcomes)} breaks caught")


@click.command()
@click.argument("names", nargs=-1)
@click.option("--keep", is_flag=True, help="Keep the scratch copies and logs (printed at the end).")
def main(names: tuple[str, ...], keep: bool) -> None:
    """Apply each break (all, or those NAMES) alone and run the tests that must catch it."""
    known = {b.name: b for b in BREAKS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise click.UsageError(f"unknown break {', '.join(unknown)}; known: {', '.join(known)}")
    chosen = [known[n] for n in names] if names else BREAKS
    scratch = Path(tempfile.mkdtemp(prefix="windpipe-mutants-"))
    logs = scratch / "logs"
    logs.mkdir()
    try:
        copies = [copy_working_tree(scratch / f"copy{i}") for i in range(2)]
        tests = sorted({t for b in chosen for t in b.tests})
        print(f"unbroken copy: running the {len(tests)} guarding tests once", flush=True)
        code, seconds = run_tests(copies[0], tests, logs / "unbroken.log", workers=2)
        if code != 0:
            print((logs / "unbroken.log").read_text()[-4000:])
            raise click.ClickException(f"the guarding tests fail without any break (rc {code}); fix them first")
        print(f"  passed in {seconds:.0f} s", flush=True)

        def work(item: tuple[int, Break]) -> Outcome:
            index, brk = item
            outcome = try_break(copies[index % 2], brk, logs)
            print(f"  {brk.name}: {outcome.verdict} ({outcome.seconds:.0f} s)", flush=True)
            return outcome

        # Each worker keeps to its own copy: breaks alternate between the two.
        with ThreadPoolExecutor(2) as pool:
            halves = [[(i, b) for i, b in enumerate(chosen) if i % 2 == k] for k in range(2)]
            futures = [pool.submit(lambda half: [work(item) for item in half], half) for half in halves]
            by_name = {o.brk.name: o for f in futures for o in f.result()}
        outcomes = [by_name[b.name] for b in chosen]
        print_table(outcomes)
        missed = [o for o in outcomes if o.verdict != "caught"]
        for o in missed:
            if o.log is not None:
                print(f"{o.brk.name}: see {o.log}" if keep else f"{o.brk.name}: rerun with --keep for its log")
        if missed:
            sys.exit(1)
    finally:
        if keep:
            print(f"scratch copies and logs kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

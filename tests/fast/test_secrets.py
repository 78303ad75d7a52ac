"""No credentials in the repository other than the documented local defaults."""

from __future__ import annotations

import re
import subprocess

from devstack.config import REPO_ROOT
from devstack.settings import DevSettings
from fonte_api.settings import Settings as FonteSettings
from pipeline_settings import PipelineSettings

# The documented local defaults (README, .env.example): the only credentials allowed.
LOCAL_DEFAULTS = {"fonte", "fonte_owner", "alvo", "alvo_reader", "postgres"}
URL_PASSWORD = re.compile(r"postgres(?:ql)?://[^:/@\s]+:([^@\s]+)@")
# password = "x", password: 'x', PASSWORD: x (YAML), password x (SQL): a literal value.
ASSIGNED_PASSWORD = re.compile(
    r"""(?i:password|passwd|secret|token)\w*["']?\s*(?:[:=]\s*|\s+)["']([^"'{}$\s]+)["']"""
    r"""|^\s*[A-Z_]*PASSWORD:\s*([^\s"'{}$]+)\s*$""",
    re.M,
)


def tracked_files():
    listing = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    names = listing.stdout.split()
    for name in names:
        path = REPO_ROOT / name
        if (
            path.suffix in {".py", ".yml", ".yaml", ".sql", ".md", ".txt", ".toml", ".ini", ".cfg", ".example", ""}
            and path.is_file()
        ):
            yield name, path.read_text(errors="replace")


def test_only_documented_local_credentials():
    found = {}
    for name, text in tracked_files():
        for match in URL_PASSWORD.finditer(text):
            if "{" not in match.group(1):
                found.setdefault(match.group(1), set()).add(name)
        if name.startswith("tests/"):
            continue  # tests use wrong passwords on purpose
        for match in ASSIGNED_PASSWORD.finditer(text):
            found.setdefault(match.group(1) or match.group(2), set()).add(name)
    unexpected = {
        secret: files
        for secret, files in found.items()
        if secret not in LOCAL_DEFAULTS and not secret.startswith(("ALVO_", "FONTE_", "env_var"))
    }
    assert unexpected == {}


def test_env_example_lists_every_variable_the_code_reads():
    example = (REPO_ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", example, re.M))
    read = set()
    for name, text in tracked_files():
        if name.endswith((".py", ".yml")) and not name.startswith("tests/"):
            read |= set(re.findall(r"""(?:environ(?:\.get)?\(|env_var\(|envvar=)\s*["']([A-Z][A-Z_]+)["']""", text))
            read |= set(re.findall(r"""environ\[["']([A-Z][A-Z_]+)["']\]""", text))
            # Names kept in constants rather than read in place.
            read |= set(re.findall(r"""["']((?:FONTE|ALVO|DBT|DAGSTER|DEVSTACK)_[A-Z_]+)["']""", text))
    # The settings objects' fields: each is the variable of its name.
    for settings in (PipelineSettings, FonteSettings, DevSettings):
        read |= {settings.variable(name) for name in settings.model_fields}
    # Set by the code for its child processes (dbt's own, the locale), not read from the user.
    read -= {"PATH", "LC_ALL", "LANG", "DBT_TARGET_PATH", "DBT_LOG_PATH"}
    # The system's own convention (the user's cache folder: report/page.py), not windpipe's.
    read -= {"XDG_CACHE_HOME"}
    assert read, "the scan found no variable at all: the patterns are broken"
    assert read <= listed, read - listed

"""The report page as the tests read it: `python -m report` run as a user would, and the
chart specs, their data and the fleet table taken back out of the page."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path


def make_report(stack, out: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m report ARGS --out OUT` with the stack's environment."""
    return stack.python_module("report", *args, "--out", str(out), **env)


class SpecReader(HTMLParser):
    """The chart specs embedded in the page: <script type="application/json" data-chart=...>."""

    def __init__(self):
        super().__init__()
        self.specs: dict[str, dict] = {}
        self._chart: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and attributes.get("type") == "application/json":
            self._chart = attributes.get("data-chart")

    def handle_data(self, data):
        if self._chart:
            self.specs[self._chart] = json.loads(data.replace("<\\/", "</"))

    def handle_endtag(self, tag):
        if tag == "script":
            self._chart = None


def embedded_specs(html_path: Path) -> dict[str, dict]:
    reader = SpecReader()
    reader.feed(html_path.read_text())
    return reader.specs


def datasets(spec: dict, name_prefix: str) -> list[dict]:
    """The rows of every inline dataset whose name starts with name_prefix, wherever it sits."""
    rows = []

    def walk(node):
        if isinstance(node, dict):
            if str(node.get("name", "")).startswith(name_prefix) and isinstance(node.get("values"), list):
                rows.extend(node["values"])
            for key, value in node.items():
                if key == "datasets" and isinstance(value, dict):
                    for dataset_name, values in value.items():
                        if dataset_name.startswith(name_prefix):
                            rows.extend(values)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(spec)
    return rows


def fleet_table(html_path: Path) -> dict[str, list[str]]:
    """The fleet table's cells by turbine, as the page shows them."""
    table = re.search(r'<table id="fleet-table">(.*?)</table>', html_path.read_text(), re.S).group(1)
    rows = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)]
    return {cells[0]: cells[1:] for cells in rows if cells}

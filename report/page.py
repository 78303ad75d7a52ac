"""The report files: one self-contained HTML page and one PNG per day.

The HTML carries Vega, Vega-Lite and vega-embed inline (the bundle that vl-convert ships),
the chart specs and their data, and its own style: it opens with no network at all. The
PNG is rendered by vl-convert, without a browser.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from functools import cache
from pathlib import Path

import vl_convert

from pipeline_constants import BUCKET, BUCKETS_PER_DAY

from .charts import day_charts, fleet_charts, png_spec
from .fleet import FleetDay
from .read import DayData
from .summary import FEW_SAMPLES, VariableSummary, summarize

STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1000px; color: #222; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
p.note { color: #666; margin-top: 0; }
section { margin: 28px 0; }
table { border-collapse: collapse; font-size: 0.9em; margin-top: 6px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.warn { color: #b02a37; font-weight: 600; }
"""


def _bundle_cache() -> Path:
    """Where the bundle is kept between runs: the user's own cache folder (never a shared
    one, whose file another user could replace with script of their own)."""
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return home / "windpipe" / f"vega-bundle-{vl_convert.__version__}.js"


@cache
def _embed_bundle() -> str:
    """vl-convert's bundle of Vega, Vega-Lite and vega-embed: the same for a given
    vl-convert version, and about 2 s to make, so it is made once per version and user."""
    path = _bundle_cache()
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = vl_convert.javascript_bundle()
    try:  # written whole, then renamed: a concurrent report never reads half a file
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False) as part:
            part.write(bundle)
        os.replace(part.name, path)
    except OSError:
        pass  # a read-only home: made again next time
    return bundle


def _number(value: float | None, fmt: str = ",.3f") -> str:
    return "n/a" if value is None else format(value, fmt)


def _summary_table(summary: VariableSummary, unit: str) -> str:
    missing = ' class="warn"' if summary.missing_buckets else ""
    thin = ' class="warn"' if summary.thin_buckets else ""
    thin_text = "n/a" if summary.thin_buckets is None else str(summary.thin_buckets)
    return (
        "<table><tr><th>buckets</th><th>missing</th>"
        f"<th>with &lt; {FEW_SAMPLES} samples</th><th>samples</th>"
        f"<th>min ({unit})</th><th>max ({unit})</th><th>mean ({unit})</th></tr>"
        f"<tr><td>{summary.buckets} / {BUCKETS_PER_DAY}</td><td{missing}>{summary.missing_buckets}</td>"
        f"<td{thin}>{thin_text}</td><td>{'n/a' if summary.samples is None else summary.samples}</td>"
        f"<td>{_number(summary.minimum)}</td><td>{_number(summary.maximum)}</td><td>{_number(summary.mean)}</td></tr>"
        "</table>"
    )


def _script_json(value: dict) -> str:
    # Inside <script>, "</" would end the element: escape it.
    return json.dumps(value).replace("</", "<\\/")


def _chart(name: str, spec: dict) -> str:
    return (
        f'<div class="chart" id="chart-{name}"></div>'
        f'<script type="application/json" class="vega-spec" data-chart="{name}">{_script_json(spec)}</script>'
    )


def _fleet_table(fleet: FleetDay) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(t.turbine)}</td><td>{_number(t.rated_power_kw, ',.0f')}</td>"
        f"<td>{t.energy_kwh:,.1f}</td><td>{_number(t.capacity_factor, '.1%')}</td>"
        f"<td>{_number(t.complete_buckets, 'd')} / {BUCKETS_PER_DAY}</td>"
        f"<td>{_number(t.max_wind_speed, '.3f')}</td>"
        f"<td>{_number(t.availability, '.1%')}</td>"
        f"<td>{_number(t.down_buckets, 'd')}</td><td>{_number(t.lost_energy_kwh, ',.1f')}</td></tr>"
        for t in fleet.turbines
    )
    return (
        '<table id="fleet-table"><tr><th>turbine</th><th>rated power (kW)</th><th>energy (kWh)</th>'
        "<th>capacity factor</th><th>complete buckets</th><th>max wind speed (m/s)</th>"
        "<th>availability</th><th>down buckets</th><th>energy lost (kWh)</th></tr>"
        f"{rows}</table>"
    )


def _flags_table(fleet: FleetDay) -> str:
    """Per turbine, each run of consecutive buckets one of its tags flagged (bucket_flags)."""
    rows = "".join(
        f"<tr><td>{html.escape(t.turbine)}</td><td>{html.escape(run.tag)}</td><td>{html.escape(run.flag)}</td>"
        f"<td>{run.first:%H:%M}</td><td>{run.last + BUCKET:%H:%M}</td><td>{run.buckets}</td></tr>"
        for t in fleet.turbines
        for run in t.flag_runs
    )
    if not rows:
        return '<p class="note" id="flags-table">No quality flag on this day.</p>'
    return (
        '<table id="flags-table"><tr><th>turbine</th><th>tag</th><th>flag</th><th>from (UTC)</th>'
        f"<th>to (UTC)</th><th>buckets</th></tr>{rows}</table>"
    )


def _fleet_section(data: DayData) -> str:
    if data.fleet is None:
        return ""
    charts = fleet_charts(data)
    note = f'<p class="note">{html.escape(data.fleet.note)}</p>' if data.fleet.note else ""
    return (
        f"<section><h2>The fleet: {len(data.fleet.turbines)} turbines</h2>"
        '<p class="note">Energy is the sum of the 10-minute mean powers × 1/6 h (a missing bucket adds none); the '
        "capacity factor is that energy over rated power × 24 h; a complete bucket has every sample of every tag; "
        "availability is the share of the day's buckets with an operating state in which the turbine was "
        "available, and the energy lost is the reference curve's at the wind speed of the buckets it was down."
        "</p>"
        f"{note}{_fleet_table(data.fleet)}"
        "<h3>Quality flags</h3>"
        '<p class="note">range: a sample outside the physical range; frozen: a stuck sensor; low_coverage: too few '
        "samples; power_curve: power far from the reference curve while producing; down: the turbine was not "
        "available.</p>"
        f"{_flags_table(data.fleet)}"
        f"{''.join(_chart(name, spec) for name, spec in charts.items())}</section>"
    )


def render_html(data: DayData) -> str:
    charts = day_charts(data)
    summaries = {s.variable: s for s in summarize(data)}
    sections = [_fleet_section(data)]
    if data.turbine:
        sections.append(f"<h2>Turbine {html.escape(data.turbine)}</h2>")
    for name in charts:
        title = "power against wind speed" if name == "power_curve" else name.replace("_", " ")
        table = _summary_table(summaries[name], data.variables.unit(name)) if name in summaries else ""
        sections.append(f"<section><h2>{html.escape(title)}</h2>{_chart(name, charts[name])}{table}</section>")
    notes = [n for n in (data.samples_note, data.variables.note) if n]
    note = "".join(f'<p class="note">{html.escape(n)}</p>' for n in notes)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>windpipe report {data.day}</title>
<style>{STYLE}</style>
<script>{_embed_bundle()}</script>
</head>
<body>
<h1>10-minute statistics of {data.day} (UTC)</h1>
<p class="note">From Alvo's <code>data</code> and <code>signal</code>: per variable, the min–max band and mean ± std
of each 10-minute bucket over its span, its mean as a line, and the 1-minute samples behind them (faint).
A complete day has {BUCKETS_PER_DAY} buckets; a gap is a missing bucket; a red band is a bucket with a quality flag.</p>
{note}
{"".join(sections)}
<script>
for (const element of document.querySelectorAll("script.vega-spec")) {{
  const target = document.getElementById("chart-" + element.dataset.chart);
  vegaEmbed(target, JSON.parse(element.textContent), {{renderer: "svg", actions: false}}).catch(console.error);
}}
</script>
</body>
</html>
"""


def write_report(data: DayData, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / f"{data.day}.html"
    png_path = out_dir / f"{data.day}.png"
    html_path.write_text(render_html(data), encoding="utf-8")
    png_path.write_bytes(render_png(data))
    return html_path, png_path


def render_png(data: DayData, scale: float = 1.0) -> bytes:
    return vl_convert.vegalite_to_png(png_spec(data), scale=scale)

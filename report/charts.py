"""The day's charts as Vega-Lite specs (built with Altair).

Per variable, on a UTC time axis, in the variable's unit:
- the 1-minute samples, a faint line, broken wherever a sample is missing;
- the min-max range of each bucket, a light band over the bucket's span;
- mean ± std, a narrower, darker band;
- the mean, a line across the bucket's span (a bucket is labelled by its start, so a
  point at its start would be drawn 5 minutes early);
- a bucket that raised a quality flag (bucket_flags), a red band over its span, the full
  height of the chart, naming its flags.
Buckets are drawn one by one, so a missing bucket is a visible gap, never bridged.
And power against wind speed: the 10-minute means over the turbine's reference power
curve (REFERENCE_POWER_CURVE, read with the day's data).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import altair as alt

from pipeline_constants import BUCKET, BUCKETS_PER_DAY

from .read import DayData

if TYPE_CHECKING:
    from .fleet import FleetDay

SAMPLE_GAP = timedelta(seconds=90)  # more than this between two 1-minute samples: a gap
COLORS = {"wind_speed": "#1f6fb4", "power": "#d9730d", "ambient_temperature": "#2f9e44"}
FLAG_COLOR = "#e03131"
WIDTH, HEIGHT = 900, 220


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def statistics_records(data: DayData, variable: str) -> list[dict]:
    return [
        {
            "start": _iso(b.start),
            "end": _iso(b.start + BUCKET),
            "mean": b.mean,
            "min": b.min,
            "max": b.max,
            "std": b.std,
            "std_low": None if b.std is None else b.mean - b.std,
            "std_high": None if b.std is None else b.mean + b.std,
            "samples": b.samples,
        }
        for b in data.buckets[variable]
    ]


def sample_records(samples: list[tuple[datetime, float]]) -> list[dict]:
    """Samples with a run number that changes at every gap: one line per run."""
    records, run, previous = [], 0, None
    for timestamp, value in samples:
        if previous is not None and timestamp - previous > SAMPLE_GAP:
            run += 1
        records.append({"time": _iso(timestamp), "value": value, "run": run})
        previous = timestamp
    return records


def variable_chart(data: DayData, variable: str) -> alt.LayerChart:
    unit = data.variables.unit(variable)
    color = COLORS.get(variable, "#555555")
    day_start = datetime(data.day.year, data.day.month, data.day.day)
    x_domain = [f"{day_start:%Y-%m-%d}T00:00:00Z", f"{day_start + timedelta(days=1):%Y-%m-%d}T00:00:00Z"]
    x = alt.X(
        "start:T",
        title="time (UTC)",
        scale=alt.Scale(type="utc", domain=x_domain),
        axis=alt.Axis(format="%H:%M", tickCount=12),
    )
    y_title = f"{variable.replace('_', ' ')} ({unit})"
    stats = alt.Chart()  # the bucket layers share the chart's data, given once below
    tooltip = [
        alt.Tooltip("start:T", title="bucket start (UTC)", format="%H:%M", formatType="utc"),
        alt.Tooltip("mean:Q", format=".3f"),
        alt.Tooltip("min:Q", format=".3f"),
        alt.Tooltip("max:Q", format=".3f"),
        alt.Tooltip("std:Q", format=".3f"),
        alt.Tooltip("samples:Q"),
    ]
    layers = [
        stats.mark_rect(opacity=0.18, color=color).encode(
            x=x, x2="end:T", y=alt.Y("min:Q", title=y_title, scale=alt.Scale(zero=False)), y2="max:Q"
        ),
        stats.transform_filter("datum.std != null")
        .mark_rect(opacity=0.35, color=color)
        .encode(x=x, x2="end:T", y="std_low:Q", y2="std_high:Q"),
    ]
    if data.samples is not None and data.samples.get(variable):
        samples = alt.Chart(alt.Data(name=f"samples_{variable}"))
        layers.append(
            samples.mark_line(strokeWidth=0.7, opacity=0.45, color="#444444").encode(
                x=alt.X("time:T", scale=alt.Scale(type="utc", domain=x_domain)), y="value:Q", detail="run:N"
            )
        )
    layers.append(stats.mark_rule(strokeWidth=2.2, color=color).encode(x=x, x2="end:T", y="mean:Q", tooltip=tooltip))
    if data.flags.get(variable):
        layers.insert(
            0,
            alt.Chart(alt.Data(name=f"flags_{variable}"))
            .mark_rect(opacity=0.22, color=FLAG_COLOR)
            .encode(
                x=x,
                x2="end:T",
                tooltip=[
                    alt.Tooltip("start:T", title="flagged bucket (UTC)", format="%H:%M", formatType="utc"),
                    alt.Tooltip("flags:N"),
                ],
            ),
        )
    return alt.layer(*layers, data=alt.Data(name=f"statistics_{variable}")).properties(
        width=WIDTH, height=HEIGHT, title=y_title
    )


def variable_datasets(data: DayData, variable: str) -> dict[str, list[dict]]:
    """The rows `variable_chart` draws, by the dataset names it refers to."""
    rows = {f"statistics_{variable}": statistics_records(data, variable)}
    if data.flags.get(variable):
        rows[f"flags_{variable}"] = [
            {"start": _iso(start), "end": _iso(start + BUCKET), "flags": ", ".join(flags)}
            for start, flags in sorted(data.flags[variable].items())
        ]
    if data.samples is not None and data.samples.get(variable):
        rows[f"samples_{variable}"] = sample_records(data.samples[variable])
    return rows


def power_curve_chart(data: DayData) -> alt.LayerChart | None:
    """10-minute mean power against mean wind speed, over the turbine's power curve."""
    if "wind_speed" not in data.buckets or "power" not in data.buckets:
        return None
    x = alt.X("wind_speed:Q", title="wind speed, 10-minute mean (m/s)")
    y = alt.Y("power:Q", title="power, 10-minute mean (kW)")
    return alt.layer(
        alt.Chart(alt.Data(name="power_curve")).mark_line(color="#888888", strokeDash=[4, 3]).encode(x=x, y=y),
        alt.Chart(alt.Data(name="power_vs_wind"))
        .mark_circle(size=28, opacity=0.7, color=COLORS["power"])
        .encode(
            x=x, y=y, tooltip=[alt.Tooltip("start:T", format="%H:%M", formatType="utc"), "wind_speed:Q", "power:Q"]
        ),
    ).properties(width=420, height=300, title="power against wind speed, over the turbine's power curve")


def power_curve_datasets(data: DayData) -> dict[str, list[dict]]:
    power_by_start = {b.start: b.mean for b in data.buckets["power"]}
    points = [
        {"wind_speed": b.mean, "power": power_by_start[b.start], "start": _iso(b.start)}
        for b in data.buckets["wind_speed"]
        if b.start in power_by_start
    ]
    curve = [{"wind_speed": speed, "power": power} for speed, power in data.reference_curve]
    return {"power_curve": curve, "power_vs_wind": points}


# Altair checks every spec against Vega-Lite's JSON schema as it writes it, and walks (and
# checks) inline data row by row: most of a day's report time, profiled. The specs come from
# this module's fixed code, and Vega-Lite itself renders them (vl-convert for the PNG, the
# browser tests for the page), so that check is skipped, and the charts name their data,
# whose rows are put in the spec's `datasets` afterwards, untouched by Altair.
VALIDATE = False


def _with_datasets(spec: dict, rows: dict[str, list[dict]]) -> dict:
    spec["datasets"] = {**spec.get("datasets", {}), **rows}
    return spec


def day_charts(data: DayData) -> dict[str, dict]:
    """Vega-Lite specs by name: one per variable, and the power curve when it applies. Built
    once per day and kept on `data`: the page, the PNG and Dagster's preview all draw them."""
    if data.chart_specs is None:
        charts = {
            variable: _with_datasets(
                variable_chart(data, variable).to_dict(validate=VALIDATE), variable_datasets(data, variable)
            )
            for variable in data.buckets
        }
        curve = power_curve_chart(data)
        if curve is not None:
            charts["power_curve"] = _with_datasets(curve.to_dict(validate=VALIDATE), power_curve_datasets(data))
        data.chart_specs = charts
    return data.chart_specs


def png_spec(data: DayData) -> dict:
    """Every chart of the day, one under the other, for the PNG: the page's specs in one
    vertical concatenation, their inline datasets and config moved to the top level, where
    Vega-Lite wants them."""
    parts, datasets, config = [], {}, None
    for spec in day_charts(data).values():
        part = dict(spec)
        datasets.update(part.pop("datasets", {}))
        config = part.pop("config", config)
        schema = part.pop("$schema", None)
        parts.append(part)
    combined = {"$schema": schema, "vconcat": parts, "title": f"windpipe: 10-minute statistics of {data.day} (UTC)"}
    if datasets:
        combined["datasets"] = datasets
    if config is not None:
        combined["config"] = config
    return combined


# -- the fleet -------------------------------------------------------------------------------


def fleet_coverage_chart(fleet: FleetDay) -> tuple[dict, dict[str, list[dict]]]:
    """Turbine × 10-minute bucket, coloured by the bucket's coverage (0 where nothing
    arrived), with a cross on every bucket that raised a quality flag, naming its flags."""
    day_start = datetime(fleet.day.year, fleet.day.month, fleet.day.day, tzinfo=UTC)
    starts = [day_start + i * BUCKET for i in range(BUCKETS_PER_DAY)]
    cells = [
        {
            "turbine": t.turbine,
            "start": _iso(start),
            "end": _iso(start + BUCKET),
            "coverage": t.coverage.get(start, 0.0),
        }
        for t in fleet.turbines
        if t.coverage is not None
        for start in starts
    ]
    flagged = [
        {"turbine": t.turbine, "middle": _iso(start + BUCKET / 2), "flags": ", ".join(sorted(flags))}
        for t in fleet.turbines
        for start, flags in sorted(t.flags.items())
    ]
    x_axis = alt.Axis(format="%H:%M", tickCount=12)
    heatmap = (
        alt.Chart(alt.Data(name="fleet_coverage"))
        .mark_rect()
        .encode(
            x=alt.X("start:T", title="time (UTC)", scale=alt.Scale(type="utc"), axis=x_axis),
            x2="end:T",
            y=alt.Y("turbine:N", title=None),
            color=alt.Color("coverage:Q", title="coverage", scale=alt.Scale(domain=[0, 1], scheme="redyellowgreen")),
            tooltip=[
                "turbine:N",
                alt.Tooltip("start:T", title="bucket start (UTC)", format="%H:%M", formatType="utc"),
                alt.Tooltip("coverage:Q", format=".0%"),
            ],
        )
    )
    layers = [heatmap]
    if flagged:
        layers.append(
            alt.Chart(alt.Data(name="fleet_flags"))
            .mark_point(shape="cross", filled=True, size=40, color="#222222")
            .encode(
                x=alt.X("middle:T", scale=alt.Scale(type="utc")),
                y=alt.Y("turbine:N"),
                tooltip=[
                    "turbine:N",
                    alt.Tooltip("middle:T", title="flagged bucket (UTC)", format="%H:%M", formatType="utc"),
                    "flags:N",
                ],
            )
        )
    chart = alt.layer(*layers).properties(
        width=WIDTH - 80,  # room for the colour legend within the page's width
        height=max(60, 18 * len(fleet.turbines)),
        title="coverage: share of the expected samples present; × a bucket with a quality flag",
    )
    rows = {"fleet_coverage": cells}
    if flagged:
        rows["fleet_flags"] = flagged
    return chart.to_dict(validate=VALIDATE), rows


def fleet_power_curves_chart(
    fleet: FleetDay, reference_curve: list[tuple[float, float]]
) -> tuple[dict, dict[str, list[dict]]]:
    """Per turbine, its 10-minute mean power against mean wind speed over the reference curve."""
    x = alt.X("wind_speed:Q", title="wind speed (m/s)", scale=alt.Scale(domain=[0, 25]))
    y = alt.Y("power:Q", title="power (kW)")
    rows = {"power_curve": [{"wind_speed": speed, "power": power} for speed, power in reference_curve]}
    panels = []
    for t in fleet.turbines:
        name = f"power_vs_wind_{t.turbine}"
        rows[name] = [
            {"wind_speed": w, "power": p, "start": _iso(s), "flags": ", ".join(sorted(t.power_flags.get(s, ())))}
            for s, (w, p) in t.points.items()
        ]
        panels.append(
            alt.layer(
                alt.Chart(alt.Data(name="power_curve")).mark_line(color="#888888", strokeDash=[4, 3]).encode(x=x, y=y),
                alt.Chart(alt.Data(name=name))
                .mark_circle(size=18, opacity=0.7)
                .encode(
                    x=x,
                    y=y,
                    # A flagged bucket of the power tag (power_curve: off the curve) in red.
                    color=alt.condition("datum.flags != ''", alt.value(FLAG_COLOR), alt.value(COLORS["power"])),
                    tooltip=[
                        alt.Tooltip("start:T", format="%H:%M", formatType="utc"),
                        "wind_speed:Q",
                        "power:Q",
                        "flags:N",
                    ],
                ),
            ).properties(width=170, height=150, title=t.turbine)
        )
    chart = alt.concat(*panels, columns=4).properties(
        title="power against wind speed, 10-minute means, over the reference curve"
    )
    return chart.to_dict(validate=VALIDATE), rows


def fleet_charts(data: DayData) -> dict[str, dict]:
    """The fleet's charts by name (none when the day has no fleet read)."""
    if data.fleet is None:
        return {}
    charts = {}
    if any(t.coverage is not None for t in data.fleet.turbines):
        charts["fleet_coverage"] = _with_datasets(*fleet_coverage_chart(data.fleet))
    charts["fleet_power_curves"] = _with_datasets(*fleet_power_curves_chart(data.fleet, data.reference_curve))
    return charts

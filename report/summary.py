"""The small table under each chart: is the day complete, and its range."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline_constants import BUCKETS_PER_DAY

from .read import DayData

FEW_SAMPLES = 10  # a 1-minute day has 10 samples per bucket


@dataclass(frozen=True)
class VariableSummary:
    variable: str
    buckets: int
    missing_buckets: int
    thin_buckets: int | None  # buckets with fewer than FEW_SAMPLES samples; None when unknown
    samples: int | None
    minimum: float
    maximum: float
    mean: float  # of the samples when known, else of the bucket means


def summarize(data: DayData) -> list[VariableSummary]:
    summaries = []
    for variable, buckets in data.buckets.items():
        samples = data.samples.get(variable, []) if data.samples is not None else None
        if samples:
            mean = sum(value for _, value in samples) / len(samples)
        else:
            mean = sum(b.mean for b in buckets) / len(buckets)
        summaries.append(
            VariableSummary(
                variable=variable,
                buckets=len(buckets),
                missing_buckets=BUCKETS_PER_DAY - len(buckets),
                thin_buckets=None if samples is None else sum(1 for b in buckets if (b.samples or 0) < FEW_SAMPLES),
                samples=None if samples is None else len(samples),
                minimum=min(b.min for b in buckets),
                maximum=max(b.max for b in buckets),
                mean=mean,
            )
        )
    return summaries

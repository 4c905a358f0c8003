"""Across replications: mean, sd and percentiles of every metric, and paired differences between scenarios."""

from __future__ import annotations

import math

import numpy as np

from model.outcomes.metrics import Outcome

STATISTICS = ("mean", "sd", "p5", "p50", "p95", "p99")


def statistics(values: list[float]) -> dict[str, float | None]:
    array = np.array([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if array.size == 0:
        return {name: None for name in STATISTICS}
    p5, p50, p95, p99 = np.percentile(array, [5, 50, 95, 99])
    return {
        "mean": float(array.mean()),
        "sd": float(array.std(ddof=1)) if array.size > 1 else 0.0,
        "p5": float(p5), "p50": float(p50), "p95": float(p95), "p99": float(p99),
    }


def metric_names(records: dict[int, dict[str, Outcome]]) -> list[str]:
    names: dict[str, None] = {}
    for outcomes in records.values():
        for result in outcomes.values():
            names.update(dict.fromkeys(result.metrics))
    return list(names)


def summarize(labels: list[str], records: dict[int, dict[str, Outcome]], reference: str | None = None) -> dict:
    """summary.json: {"scenarios": {label: {"metrics": {name: stats}}}}, plus paired differences against `reference`."""
    order = sorted(records)
    names = metric_names(records)
    summary: dict = {"scenarios": {}}
    for label in labels:
        stats = {name: statistics([records[r][label].metrics.get(name, float("nan")) for r in order]) for name in names}
        summary["scenarios"][label] = {"replications": len(order)} | _by_year(stats)
    if reference is not None:
        summary["differences"] = {}
        for label in labels:
            if label == reference:
                continue
            stats = {
                name: statistics([records[r][label].metrics.get(name, float("nan")) - records[r][reference].metrics.get(name, float("nan"))
                                  for r in order])
                for name in names
            }
            summary["differences"][f"{label} - {reference}"] = _by_year(stats)
    return summary


def _by_year(stats: dict) -> dict:
    """{"metrics": ...} with a multi-year run's 'YEAR:name' metrics filed as {"by_year": {YEAR: {"metrics": ...}}}."""
    entry: dict = {"metrics": {name: value for name, value in stats.items() if ":" not in name}}
    years: dict[str, dict] = {}
    for name, value in stats.items():
        if ":" in name:
            year, metric = name.split(":", 1)
            years.setdefault(year, {"metrics": {}})["metrics"][metric] = value
    if years:
        entry["by_year"] = years
    return entry

"""Across replications: mean, sd and percentiles of every metric, and paired differences between scenarios."""

from __future__ import annotations

import math

import numpy as np

from model.outcomes.metrics import Outcome
from model.runfolder import STANDARD_ERRORS, STATISTICS, metric_names

# Metrics summed within each replication from others (summary.json and replications.csv carry them).
DERIVED_METRICS = {"outlay_backstop_ma": ("outlay_backstop", "outlay_ma")}


def statistics(values: list[float]) -> dict[str, float | None]:
    """The statistics a run reports of one metric over its replications: mean, sd, P5, P50, P95, P99 and the
    Monte Carlo standard errors of P50, P95, P99. Missing values (None, NaN) are left out.

    Parameters
    ----------
    values : list of float
        The metric in each replication, in its own unit (fen for money, shares for rates).

    Returns
    -------
    dict
        Statistic → value (None for all when no value is left).
    """
    array = np.array([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if array.size == 0:
        return {name: None for name in STATISTICS} | {f"{name}_se": None for name in STANDARD_ERRORS}
    p5, p50, p95, p99 = np.percentile(array, [5, 50, 95, 99])
    return {
        "mean": float(array.mean()),
        "sd": float(array.std(ddof=1)) if array.size > 1 else 0.0,
        "p5": float(p5), "p50": float(p50), "p95": float(p95), "p99": float(p99),
    } | percentile_standard_errors(array)


def percentile_standard_errors(array: np.ndarray) -> dict[str, float | None]:
    """The Maritz–Jarrett standard error of P50, P95 and P99 (scipy.stats.mstats.mjci: the sd of the
    Beta-weighted order statistics around each quantile, distribution-free); None where the replications are
    too few for it (it is undefined when the quantile's weights fall beyond the largest value).

    It treats replications as independent; scrambled Sobol parameter draws are at least as even, so it is
    conservative for them."""
    keys = [f"{name}_se" for name in STANDARD_ERRORS]
    probabilities = [int(name[1:]) / 100 for name in STANDARD_ERRORS]
    # Below one expected replication beyond the quantile (n·min(p, 1−p) < 1) its standard error cannot be
    # estimated (Maritz–Jarrett then comes out far too small): None, so the report and --precision ask for more.
    enough = [array.size * min(p, 1 - p) >= 1 - 1e-9 and array.size >= 3 for p in probabilities]
    if not any(enough):
        return dict.fromkeys(keys, None)
    if float(array.max()) == float(array.min()):
        return {key: 0.0 if ok else None for key, ok in zip(keys, enough)}
    from scipy.stats.mstats import mjci

    with np.errstate(all="ignore"):
        errors = mjci(array, prob=probabilities)
    return {key: (float(value) if ok and np.isfinite(value) else None) for key, value, ok in zip(keys, errors, enough)}


def add_derived(records: dict[int, dict[str, Outcome]]) -> None:
    """Put each DERIVED_METRICS sum into every replication's metrics (again after a resume read them back)."""
    for outcomes in records.values():
        for result in outcomes.values():
            for name, parts in DERIVED_METRICS.items():
                if all(part in result.metrics for part in parts):
                    result.metrics[name] = sum(result.metrics[part] for part in parts)


def summarize(labels: list[str], records: dict[int, dict[str, Outcome]], reference: str | None = None) -> dict:
    """summary.json: {"scenarios": {label: {"metrics": {name: stats}}}}, plus paired differences against `reference`."""
    add_derived(records)
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


PRECISION_METRIC = "outlay_backstop_ma"
PRECISION_Z = 1.96  # --precision REL asks the 95% half-width of P95 to be within REL × P95


def more_replications(plan, records: dict[int, dict[str, Outcome]]) -> list[int]:
    """Under --precision, the next replications to run (none when every scenario's P95 of the budget metric
    has 1.96 × its standard error within plan.precision × P95, or at plan.max_replications): half as many
    again as done, at least 10."""
    if plan.precision is None or len(records) >= plan.max_replications:
        return []
    add_derived(records)
    for label in [v.label for v in plan.variants]:
        values = np.array([records[r][label].metrics.get(PRECISION_METRIC, float("nan")) for r in sorted(records)])
        stats = statistics(list(values))
        if stats["p95"] is None or stats["p95"] == 0:
            continue
        if stats["p95_se"] is None or PRECISION_Z * stats["p95_se"] > plan.precision * abs(stats["p95"]):
            done = max(records) + 1
            extra = min(max(10, done // 2), plan.max_replications - len(records))
            return list(range(done, done + extra))
    return []


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

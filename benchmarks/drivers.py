"""hpa drivers: the population size whose per-person results are stable, drivers for one scheme over every default
uncertain parameter (target ≤ 10 min on 2 cores, interval half-widths ≤ 0.1), and the surrogate against brute
force (SALib's Saltelli design with many runs) on a small case."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from benchmarks.common import line
from model.drivers.command import STABLE_PERSONS, default_runs, drivers
from model.runner.plan import RunPlan, Variant
from model.runner.replicate import run_replication
from model.runner.summary import add_derived
from model.uncertainty.runs import active_parameters

SCHEME = "x_prefecture"
METRIC = "outlay_backstop_ma"


def stability() -> dict:
    """Per-person backstop + MA, parameters held fixed: its mean and coefficient of variation over 8 replications."""
    out = {}
    for persons in (10_000, 20_000, 50_000, 100_000):
        plan = RunPlan("run", (Variant(SCHEME, SCHEME),), persons, 8, 20161, uncertainty=None)
        values = []
        for r in range(8):
            outcomes = run_replication(plan, r)
            add_derived({r: outcomes})
            values.append(outcomes[SCHEME].metrics[METRIC] / persons)
        values = np.array(values)
        out[persons] = {"mean": float(values.mean()), "cv": float(values.std(ddof=1) / values.mean())}
        line(f"{persons:,} persons: {METRIC} a person (parameters fixed)", f"{values.mean():,.2f} yuan",
             f"cv {out[persons]['cv']:.2%} over 8 replications")
    return out


def full_drivers(folder: Path) -> dict:
    plan = RunPlan("run", (Variant(SCHEME, SCHEME),), STABLE_PERSONS, 1, 20161)
    count = len(active_parameters(plan))
    runs = default_runs(count, "surrogate")
    plan = RunPlan("run", (Variant(SCHEME, SCHEME),), STABLE_PERSONS, runs, 20161)
    start = time.perf_counter()
    _, table = drivers(plan, folder / "drivers", METRIC, "surrogate", workers=2, progress=False)
    seconds = time.perf_counter() - start
    means = table[table["statistic"] == "mean"].sort_values("ST", ascending=False)
    widest = float(np.nanmax(np.r_[means["S1_conf"], means["ST_conf"]]))
    line(f"drivers {SCHEME}: {count} parameters, {runs} runs of {STABLE_PERSONS:,} persons", f"{seconds:,.0f} s",
         "target ≤ 600 s on 2 cores")
    line("widest 95% half-width of S1 or ST", f"{widest:.3f}", "target ≤ 0.1")
    for row in means.head(5).itertuples():
        line(f"  ST {row.parameter}", f"{row.ST:.3f} ±{row.ST_conf:.3f}", f"S1 {row.S1:.3f} ±{row.S1_conf:.3f}")
    return {"seconds": seconds, "parameters": count, "runs": runs, "widest_half_width": widest,
            "top5": [(r.parameter, r.ST, r.ST_conf, r.S1, r.S1_conf) for r in means.head(5).itertuples()]}


SMALL = {"id": "small", "parameters": {
    "admission_rate_poor": {"path": "population.illness.admissions.share_admitted.poor", "of": "value",
                            "distribution": {"uniform": {"low": 0.15, "high": 0.27}}, "source": "assumed: benchmark"},
    "admission_cost_county": {"path": "population.costs.admission_mean.county", "of": "factor",
                              "distribution": {"uniform": {"low": 0.7, "high": 1.3}}, "source": "assumed: benchmark"},
    "out_of_list_share": {"path": "population.costs.out_of_list_share", "of": "factor",
                          "distribution": {"uniform": {"low": 0.5, "high": 1.5}}, "source": "assumed: benchmark"}}}


def brute_force(folder: Path) -> dict:
    """Three parameters, 2,000 persons: SALib Saltelli with 128 × 5 = 640 runs against the surrogate on 64."""
    path = folder / "small.yaml"
    path.write_text(yaml.safe_dump(SMALL, sort_keys=False), encoding="utf-8")
    results = {}
    for method, runs in (("saltelli", 128 * 5), ("surrogate", 64)):
        plan = RunPlan("run", (Variant(SCHEME, SCHEME),), 2_000, runs, 7, uncertainty=str(path))
        start = time.perf_counter()
        _, table = drivers(plan, folder / method, METRIC, method, workers=2, progress=False)
        seconds = time.perf_counter() - start
        means = table[table["statistic"] == "mean"].set_index("parameter")
        results[method] = {"seconds": seconds, "S1": means["S1"].round(3).to_dict(), "ST": means["ST"].round(3).to_dict(),
                           "ST_conf": means["ST_conf"].round(3).to_dict()}
        shown = ", ".join(f"{name} {means.loc[name, 'ST']:.3f}±{means.loc[name, 'ST_conf']:.3f}" for name in SMALL["parameters"])
        line(f"small case, {method} ({runs} runs)", f"{seconds:,.0f} s", f"ST: {shown}")
    return results


def run() -> dict:
    print(f"Drivers: {METRIC} under {SCHEME}")
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        result = {"stability": stability()}
        result["drivers"] = full_drivers(folder)
        result["brute_force"] = brute_force(folder)
    return result


if __name__ == "__main__":
    run()

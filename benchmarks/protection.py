"""Per-person outlays and protection rates at 10,000, 40,000 and 100,000 simulated persons: equal within their
Monte Carlo intervals (the county's real wards with background occupancy make them independent of the size)."""

from __future__ import annotations

import time

from benchmarks.common import line
from model.runner.scaling import disagreements, per_person_results

SIZES = ((10_000, 24), (40_000, 12), (100_000, 8))  # persons, replications
SHOWN = ("oop", "outlay_ma", "outlay_supplementary", "che_10", "che_ctp40", "impoverishment", "che_10_inpatient_chronic",
         "waited_for_bed_share")


def run() -> dict:
    print("Size independence: sui_county on the default poor population (mean ± standard error over replications)")
    results = {}
    for persons, replications in SIZES:
        start = time.perf_counter()
        results[persons] = per_person_results("sui_county", persons, replications, seed=20161 + persons)
        line(f"{persons:,} persons × {replications} replications", f"{time.perf_counter() - start:,.1f} s", "")
        for name in SHOWN:
            mean, error = results[persons][name]
            line(f"  {name}", f"{mean:,.4f} ± {error:,.4f}", "yuan a person" if name in ("oop", "outlay_ma", "outlay_supplementary") else "")
    far = {f"{a} vs {b}": disagreements(results[a], results[b]) for a, b in ((10_000, 40_000), (40_000, 100_000), (10_000, 100_000))}
    for pair, found in far.items():
        line(f"beyond 4 standard errors, {pair}", str(len(found)), ", ".join(found) or "none")
    return {"results": {str(k): v for k, v in results.items()}, "disagreements": {k: list(v) for k, v in far.items()}}

"""Years: a five-year run (--years 5) against the one-year run of the same persons and replications; the target is
at most 6× (five years of care, settlement and assessment, and the households' states carried between them)."""

from __future__ import annotations

import os
import tempfile
import time

from benchmarks.common import line
from model.runner.plan import RunPlan, Variant

# The size; HPA_BENCH_YEARS_PERSONS / HPA_BENCH_YEARS_REPS run it smaller on a busy machine.
PERSONS = int(os.environ.get("HPA_BENCH_YEARS_PERSONS", 400_000))
REPLICATIONS = int(os.environ.get("HPA_BENCH_YEARS_REPS", 50))
WORKERS = 2
TARGET = 6.0


def timed(years: int | None) -> float:
    from model.runner.store import run

    plan = RunPlan(kind="run", variants=(Variant("sui_county", "sui_county"),), persons=PERSONS,
                   replications=REPLICATIONS, seed=20161, years=years)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        run(plan, f"{folder}/run", workers=WORKERS, progress=False)
        return time.perf_counter() - start


def run() -> dict:
    print(f"Years: sui_county, {PERSONS:,} persons × {REPLICATIONS} replications on {WORKERS} workers")
    one = timed(None)
    five = timed(5)
    ratio = five / one
    line("one year", f"{one:,.1f} s")
    line("five years (--years 5)", f"{five:,.1f} s")
    line("five years / one year", f"{ratio:.2f}×", f"target ≤ {TARGET:g}× ({'met' if ratio <= TARGET else 'NOT met'})")
    return {"persons": PERSONS, "replications": REPLICATIONS, "one_year_s": one, "five_years_s": five, "ratio": ratio}


if __name__ == "__main__":
    run()

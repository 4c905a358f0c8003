"""Province scale: one replication of 400,000 and of 4,000,000 persons (each in a fresh process, for its own
peak memory), and replications on 1 against 2 workers."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from benchmarks.common import line
from model.runner.plan import RunPlan, Variant

SIZES = (400_000, 4_000_000)
MEMORY_LIMIT_GIB = 4.0


def one_replication(persons: int) -> dict:
    """Run in a child process: time and peak memory of one replication under x_prefecture."""
    code = f"""
import json, resource, time
from model.runner.plan import RunPlan, Variant
from model.runner.replicate import run_replication
plan = RunPlan(kind="run", variants=(Variant("x_prefecture", "x_prefecture"),), persons={persons},
               replications=1, seed=20161)
start = time.perf_counter()
outcome = run_replication(plan, 0)["x_prefecture"]
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "admissions": outcome.metrics["admissions"], "engine": outcome.engine,
                  "total_cost": outcome.metrics["total_cost"]}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def workers(n_workers: int) -> float:
    from model.runner.store import run

    plan = RunPlan(kind="compare", variants=(Variant("baseline", "baseline"), Variant("sui_county", "sui_county")),
                   persons=100_000, replications=8, seed=7)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        run(plan, f"{folder}/run", workers=n_workers, progress=False)
        return time.perf_counter() - start


def run() -> dict:
    print("Province scale: one replication, chunks of 100,000 persons (x_prefecture)")
    one_replication(10_000)  # warm numba's cache in a child
    results = {}
    for persons in SIZES:
        result = one_replication(persons)
        results[persons] = result
        line(f"{persons:,} persons: wall time", f"{result['seconds']:,.1f} s",
             f"{result['admissions']:,.0f} admissions, {result['engine']}")
        line(f"{persons:,} persons: peak memory", f"{result['peak_rss_mib'] / 1024:,.2f} GiB", f"limit {MEMORY_LIMIT_GIB:g} GiB")
    ratio = results[SIZES[1]]["seconds"] / results[SIZES[0]]["seconds"]
    line("time(4,000,000) / time(400,000)", f"{ratio:.1f}×", "target ≤ 12× (10× is linear)")
    print("Workers: compare baseline and sui_county, 8 replications of 100,000 persons")
    one, two = workers(1), workers(2)
    line("1 worker", f"{one:,.1f} s")
    line("2 workers", f"{two:,.1f} s", f"speed-up {one / two:.2f}×")
    return {"replication": {str(k): v for k, v in results.items()}, "ratio": ratio, "one_worker_s": one, "two_workers_s": two}


if __name__ == "__main__":
    run()

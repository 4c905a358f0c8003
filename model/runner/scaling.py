"""Per-person results at several simulated population sizes, with their Monte Carlo errors: they should agree."""

from __future__ import annotations

import numpy as np

from model.codes import PAYERS
from model.outcomes.protection import PROTECTION_METRICS
from model.runner.plan import RunPlan, Variant
from model.runner.replicate import run_replication

PER_PERSON = ("total_cost", "oop") + tuple(f"outlay_{payer}" for payer in PAYERS)
RATES = PROTECTION_METRICS + ("waited_for_bed_share", "county_internal_share")


def per_person_results(scheme: str, persons: int, replications: int, seed: int, population: str | None = None,
                       sets: tuple[str, ...] = ()) -> dict[str, tuple[float, float]]:
    """(mean, standard error over replications) of each per-person outlay (yuan a person a year) and rate, the
    parameters held at the preset's values: the errors are the Monte Carlo noise of who falls ill alone, which
    parameter draws would swamp, so a size effect shows."""
    plan = RunPlan(kind="run", variants=(Variant(scheme, scheme, sets),), persons=persons, replications=replications,
                   seed=seed, population=population, uncertainty=None)
    rows = [run_replication(plan, r)[scheme].metrics for r in range(replications)]
    results = {}
    for name in PER_PERSON + RATES:
        values = np.array([row[name] / (persons if name in PER_PERSON else 1) for row in rows])
        results[name] = (float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values))))
    return results


def disagreements(a: dict[str, tuple[float, float]], b: dict[str, tuple[float, float]], z: float = 4.0) -> dict[str, tuple]:
    """Results whose means differ by more than `z` combined standard errors (with a floor for exact zeros)."""
    far = {}
    for name, (mean_a, se_a) in a.items():
        mean_b, se_b = b[name]
        allowed = z * np.hypot(se_a, se_b) + 1e-9 * max(abs(mean_a), abs(mean_b), 1.0)
        if abs(mean_a - mean_b) > allowed:
            far[name] = (mean_a, mean_b, allowed)
    return far

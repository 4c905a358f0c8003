"""The planner's view of a county run with --vary: for each value of the parameter, cost against protection and
the difference from the current setting (paired on the same households)."""

from __future__ import annotations

import math
from pathlib import Path


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def planner_rows(run_dir: Path) -> dict | None:
    """{path, rows: [{label, value, poverty_funds_p50, poverty_funds_p95 (MA + backstop + supplementary + hospital), extra_cost (all payers), che_10, che_10_change, impoverishment,
    impoverishment_change, cost_per_household}]} for a planner's run, None for any other run. Money in yuan."""
    from model.report.analysis import cost_per_household_protected, replication_values, statistics
    from model.runfolder import load_run

    run = load_run(Path(run_dir))
    if run.kind != "compare" or not run.vary or run.labels[0] != "current":
        return None
    path = run.vary[0][0]
    protected = cost_per_household_protected(run).set_index("scenario")
    differences = run.summary.get("differences") or {}
    rows = []
    for label in run.labels:
        sets = dict(s.split("=", 1) for s in run.entry(label).get("sets", []) if "=" in s)
        row = {"label": label, "value": sets.get(path, "current") if label != "current" else "current",
               **{f"poverty_funds_{k}": _number(v) for k, v in statistics(replication_values(run, label, "poverty_funds")).items()
                  if k in ("p50", "p95")},
               "che_10": _number(run.stats(label, "che_10").get("mean")),
               "impoverishment": _number(run.stats(label, "impoverishment").get("mean"))}
        if label != "current":
            change = differences.get(f"{label} - current", {}).get("metrics", {})
            row["che_10_change"] = _number((change.get("che_10") or {}).get("mean"))
            row["impoverishment_change"] = _number((change.get("impoverishment") or {}).get("mean"))
            row["extra_cost"] = _number(protected.loc[label, "extra_cost_mean"])
            row["cost_per_household"] = _number(protected.loc[label, "cost_per_household"])
        rows.append(row)
    return {"path": path, "rows": rows}

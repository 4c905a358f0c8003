"""`hpa drivers`: run the model at many parameter draws, estimate what drives a metric, and write drivers.csv,
drivers.json and figures/drivers.png into the run folder."""

from __future__ import annotations

import argparse
import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model import atomic
from model.drivers.estimate import (
    Indices,
    fit_surrogate,
    rbd_fast_indices,
    saltelli_indices,
    saltelli_points,
    surrogate_indices,
    swings,
    terms,
)
from model.errors import InputError
from model.runfolder import DRIVERS, DRIVERS_INFO, DRIVERS_LABELS, read_drivers
from model.runner.plan import RunPlan
from model.tables import csv_bytes
from model.uncertainty.runs import active_parameters

DEFAULT_METRIC = "outlay_backstop_ma"
METHODS = ("surrogate", "rbd-fast", "saltelli")
COLUMNS = ("parameter", "statistic", "S1", "S1_conf", "ST", "ST_conf", "low", "high")


def default_runs(dimensions: int, method: str) -> int:
    """Runs a method needs for d parameters: the surrogate twice its terms (a power of 2, as a Sobol sequence
    is best taken); RBD-FAST 512; Saltelli a base of 256, so 256 × (d + 2)."""
    if method == "surrogate":
        return int(2 ** np.ceil(np.log2(2 * terms(dimensions))))
    return 512 if method == "rbd-fast" else 256 * (dimensions + 2)


def known_metric(metric: str) -> None:
    """Refuse a --metric that summary.json does not carry.

    Parameters
    ----------
    metric : str
        The metric's name in summary.json.

    Raises
    ------
    InputError
        When it is not a metric a replication records.
    """
    from model.outcomes.metrics import METRIC_LABELS
    from model.report.labels import EXTRA_METRIC_LABELS

    known = set(METRIC_LABELS) | {k for k in EXTRA_METRIC_LABELS if not k.startswith(("ma_backstop", "government",
                                                                                        "payers", "poverty"))}
    if metric not in known:
        raise InputError(f"--metric {metric!r}: not a metric of summary.json (such as outlay_backstop_ma, "
                         "outlay_ma, oop, che_10, total_cost)")


def drivers(plan: RunPlan, out: Path | None, metric: str = DEFAULT_METRIC, method: str = "surrogate",
            workers: int = 1, dask: str | None = None, resume: bool = False, progress: bool | None = None
            ) -> tuple[Path, pd.DataFrame]:
    """Run `plan` (one scenario) at its parameter draws and write what drives `metric`; returns (folder, table)."""
    known_metric(metric)
    parameters = active_parameters(plan)
    if len(plan.variants) != 1:
        raise InputError("hpa drivers: expected one scheme")
    if len(parameters) < 1:
        raise InputError("hpa drivers: no uncertain parameters (drivers needs an uncertainty file; drop "
                         "--no-parameter-uncertainty)")
    if method == "saltelli":
        u = saltelli_points(len(parameters), max(1, plan.replications // (len(parameters) + 2)), seed=plan.seed)
        y = _evaluate_points(plan, u, metric, workers, dask, progress)
        out = Path(out) if out is not None else Path("results") / f"drivers-saltelli-{plan.variants[0].label}"
        indices = saltelli_indices(y, len(parameters), seed=plan.seed)
        surrogate_fit = fit_surrogate(u, y) if len(y) > terms(len(parameters)) else None
        with atomic.directory(out) as folder:
            _write(folder, plan, parameters, metric, indices, u, y, surrogate_fit)
        return out, read_drivers(out)
    if method == "surrogate" and plan.replications <= terms(len(parameters)):
        raise InputError(f"--runs {plan.replications}: the surrogate of {len(parameters)} parameters has "
                         f"{terms(len(parameters))} terms and needs more runs than that (default "
                         f"{default_runs(len(parameters), method)})")
    from model.report.figures import draw_run_figures
    from model.runner.store import run

    out, _ = run(plan, out, workers=workers, dask=dask, resume=resume, progress=progress, finish=draw_run_figures)
    u, y = run_draws(out, plan.variants[0].label, metric)
    if method == "surrogate":
        indices, surrogate_fit = surrogate_indices(u, y, seed=plan.seed)
    else:
        indices = rbd_fast_indices(u, y, seed=plan.seed)
        surrogate_fit = fit_surrogate(u, y) if len(y) > terms(len(parameters)) else None
    _write(out, plan, parameters, metric, indices, u, y, surrogate_fit)
    return out, read_drivers(out)


def run_draws(folder: Path, label: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """A finished run's Sobol uniforms (one row a replication) and the metric, in replication order."""
    draws = pq.read_table(folder / "parameters.parquet").to_pandas().sort_values("replication")
    results = pq.read_table(folder / "replications.parquet").to_pandas()
    results = results[results["scenario"] == label].set_index("replication").loc[draws["replication"]]
    if metric not in results:
        raise InputError(f"--metric {metric!r}: {folder / 'replications.parquet'} has no such column")
    u = draws[[c for c in draws.columns if c.startswith("u_")]].to_numpy()
    return u, results[metric].to_numpy(dtype=float)


def _one_point(plan: RunPlan, index: int, uniforms: np.ndarray, metric: str) -> float:
    from model.runner.replicate import run_replication
    from model.runner.summary import add_derived

    outcomes = run_replication(plan, index, uniforms)
    add_derived({index: outcomes})
    return float(outcomes[plan.variants[0].label].metrics[metric])


def _evaluate_points(plan: RunPlan, u: np.ndarray, metric: str, workers: int, dask: str | None,
                     progress: bool | None) -> np.ndarray:
    """The metric at each row of `u` (row i with replication i's people): serial, in a pool or on Dask."""
    from model.runner.execute import dask_client

    with dask_client(dask, workers) as client:
        if client is not None:
            futures = [client.submit(_one_point, plan, i, u[i], metric, pure=False) for i in range(len(u))]
            return np.array(client.gather(futures))
        if workers <= 1:
            return np.array([_one_point(plan, i, u[i], metric) for i in range(len(u))])
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return np.array(list(pool.map(_one_point, [plan] * len(u), range(len(u)), list(u), [metric] * len(u),
                                          chunksize=8)))


def _write(folder: Path, plan: RunPlan, parameters, metric: str, indices: Indices, u: np.ndarray, y: np.ndarray,
           surrogate_fit) -> None:
    columns = COLUMNS + tuple(DRIVERS_LABELS.values())
    rows: dict[str, list] = {c: [] for c in columns}
    moved = swings(surrogate_fit, u, y) if surrogate_fit is not None else None
    for index, parameter in enumerate(parameters):
        for statistic in ("mean", "p95"):
            rows["parameter"].append(parameter.name)
            for lang, column in DRIVERS_LABELS.items():
                rows[column].append(parameter.label[lang])
            rows["statistic"].append(statistic)
            first = statistic == "mean"
            rows["S1"].append(float(indices.S1[index]) if first else float("nan"))
            rows["S1_conf"].append(float(indices.S1_conf[index]) if first else float("nan"))
            rows["ST"].append(float(indices.ST[index]) if first else float("nan"))
            rows["ST_conf"].append(float(indices.ST_conf[index]) if first else float("nan"))
            rows["low"].append(float(moved[f"{statistic}_low"][index]) if moved else float("nan"))
            rows["high"].append(float(moved[f"{statistic}_high"][index]) if moved else float("nan"))
    table = pa.table({c: rows[c] for c in columns})
    atomic.write_bytes(folder / DRIVERS, csv_bytes(table))
    info = {"metric": metric, "method": indices.method, "runs": indices.runs, "scenario": plan.variants[0].label,
            "persons": plan.persons, "seed": plan.seed, "mean": float(np.mean(y)), "p95": float(np.percentile(y, 95)),
            "swing_quantiles": [0.05, 0.95],
            "note": "S1/ST: Sobol indices of the metric's mean over the parameters' joint uncertainty; _conf: 95% "
                    "half-widths. low/high: the mean (statistic mean) or P95 (statistic p95) with the parameter at its "
                    "5% / 95% quantile and the others as drawn."}
    atomic.write_text(folder / DRIVERS_INFO, json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    frame = read_drivers(folder)
    frame.attrs.update(mean=info["mean"], p95=info["p95"])
    from model.report.drivers_figure import drivers_figure
    from model.report.figures import png_bytes

    atomic.write_bytes(folder / "figures" / "drivers.png", png_bytes(drivers_figure(frame, metric)))
STABLE_PERSONS = 50_000  # per-person results stable to about 1% (README "What drives the budget")


def drivers_command(args: argparse.Namespace) -> int:
    """`hpa drivers SCHEME`: write drivers.csv, drivers.json and the tornado into the run folder; returns 0."""
    from dataclasses import replace

    from model.population.command import scenario_sets
    from model.runner.plan import Variant

    persons = args.persons or STABLE_PERSONS
    reference = args.scenarios[0]
    plan = RunPlan(kind="run", variants=(Variant(reference.rsplit("/", 1)[-1].removesuffix(".yaml"), reference, scenario_sets(args)),),
                   persons=persons, replications=1, seed=args.seed, population=args.population,
                   households=str(args.households) if args.households else None, engine=args.engine,
                   uncertainty=args.uncertainty, budget_year=args.budget_year)
    runs = args.runs or default_runs(len(active_parameters(plan)), args.method)
    plan = replace(plan, replications=runs)
    out, table = drivers(plan, args.out, args.metric, args.method, workers=args.workers or (os.cpu_count() or 1),
                         dask=args.dask, resume=args.resume)
    means = table[table["statistic"] == "mean"].sort_values("ST", ascending=False)
    print(f"drivers of {args.metric} ({plan.variants[0].label}, {runs} runs of {persons:,} persons) → {out}")
    print(f"  {'parameter':<36}{'S1':>14}{'ST':>14}")
    for row in means.head(10).itertuples():
        print(f"  {row.label_zh[:30]:<36}{row.S1:>8.3f} ±{row.S1_conf:.3f}{row.ST:>8.3f} ±{row.ST_conf:.3f}")
    return 0

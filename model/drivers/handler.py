"""`hpa drivers`'s handler: the parsed arguments turned into a run plan, model/drivers/command.py's `drivers` run
on it, and the ten largest total Sobol indices printed."""

from __future__ import annotations

import argparse
import os

from model.population.command import scenario_sets


def drivers_command(args: argparse.Namespace) -> int:
    """`hpa drivers SCHEME`: write drivers.csv, drivers.json and the tornado into the run folder; returns 0."""
    from model.drivers.command import STABLE_PERSONS, default_runs, drivers
    from model.runner.plan import RunPlan, Variant
    from model.uncertainty.runs import active_parameters

    persons = args.persons or STABLE_PERSONS
    reference = args.scenarios[0]
    plan = RunPlan(kind="run", variants=(Variant(reference.rsplit("/", 1)[-1].removesuffix(".yaml"), reference, scenario_sets(args)),),
                   persons=persons, replications=1, seed=args.seed, population=args.population,
                   households=str(args.households) if args.households else None, engine=args.engine,
                   uncertainty=args.uncertainty, budget_year=args.budget_year)
    runs = args.runs or default_runs(len(active_parameters(plan)), args.method)
    from dataclasses import replace

    plan = replace(plan, replications=runs)
    out, table = drivers(plan, args.out, args.metric, args.method, workers=args.workers or (os.cpu_count() or 1),
                         dask=args.dask, resume=args.resume)
    means = table[table["statistic"] == "mean"].sort_values("ST", ascending=False)
    print(f"drivers of {args.metric} ({plan.variants[0].label}, {runs} runs of {persons:,} persons) → {out}")
    print(f"  {'parameter':<36}{'S1':>14}{'ST':>14}")
    for row in means.head(10).itertuples():
        print(f"  {row.label.split(' / ')[0][:30]:<36}{row.S1:>8.3f} ±{row.S1_conf:.3f}{row.ST:>8.3f} ±{row.ST_conf:.3f}")
    return 0

"""`hpa run`, `compare`, `sweep` and `simulate`: their parsed arguments turned into a run plan (or one replication),
run, and summed up on standard output. The command line (model/cli.py) parses and dispatches here."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from model.errors import InputError
from model.outputs import CREATED_BY, check_folder
from model.population.command import scenario_sets

DEFAULT_PERSONS = 100_000


def run_command(args: argparse.Namespace, finish) -> int:
    """`hpa run | compare | sweep` (not --county: model/county/command.py): run the plan and print its summary.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments; ``args.kind`` is ``run``, ``compare`` or ``sweep``.
    finish : callable
        ``finish(folder)`` adds to the finished run folder before it takes its name (the report package's
        figures; passed in by the command line, since the runner does not import the report).

    Returns
    -------
    int
        The exit status, 0.
    """
    from model.outcomes.metrics import METRIC_LABELS
    from model.runner.plan import RunPlan, Variant, parse_vary, sweep_variants, unique_labels
    from model.runner.store import run

    if args.kind == "run" and not args.scenarios:
        raise InputError("hpa run: expected at least one scenario, or --county FILE")
    if args.kind == "run" and args.vary:
        raise InputError("hpa run --vary: expected --county FILE with it (for schemes alone, use hpa sweep)")
    args.persons = args.persons or DEFAULT_PERSONS
    sets = scenario_sets(args)
    if args.kind == "sweep":
        vary = parse_vary(args.vary)
        variants = sweep_variants(args.scenarios[0], sets, vary)
    else:
        vary = ()
        if args.kind == "compare" and len(args.scenarios) < 2:
            raise InputError("hpa compare: expected at least two scenarios (the reference first)")
        references = list(args.scenarios)
        if getattr(args, "readings", False):  # each scheme's readings (scenarios/readings/) as scenarios of their own
            from model.scenario.resolve import readings_of

            references += [reading for ref in args.scenarios for reading in readings_of(ref) if reading not in references]
        variants = tuple(Variant(label, ref, sets) for label, ref in zip(unique_labels(references), references))
    if args.households is not None and not args.households.is_file():
        raise InputError(f"{args.households}: no such household file")
    years = args.years
    if years is None and (args.backstop_appropriation is not None or args.years_rules is not None):
        years = 1
    uncertainty = args.uncertainty if args.parameter_uncertainty else None
    if years is not None:
        from model.years.rules import load_rules

        load_rules(args.years_rules)  # a bad rules file is refused before any scenario is read
    plan = RunPlan(kind=args.kind, variants=variants, persons=args.persons, replications=args.reps, seed=args.seed,
                   population=args.population, households=str(args.households) if args.households else None,
                   engine=args.engine, vary=vary,
                   uncertainty=uncertainty, budget_year=args.budget_year,
                   precision=args.precision, max_replications=max(args.max_reps, args.reps),
                   years=years, years_rules=args.years_rules, backstop_appropriation=args.backstop_appropriation)
    from model.years.engine import check_plan

    check_plan(plan)  # its rules, each scenario's years.* rule and every year's poverty line, before anything is written
    if uncertainty is not None and plan.uncertainty is None:  # the plan held its parameters (RunPlan: --years)
        print("hpa: note: a --years run holds every parameter at its scenario value (no parameter uncertainty yet)",
              file=sys.stderr)
    workers = _workers(args.workers, args.reps)
    span = f" over {years} years" if years and years > 1 else ""

    def announce(plan: RunPlan, out: Path) -> None:  # once every check passed; a stdout that fails stops us here
        print(f"{args.kind}: {len(variants)} scenario(s) × {plan.replications} replications of {plan.persons:,} persons{span} → {out}")
        sys.stdout.flush()

    out, summary = run(plan, args.out, workers=workers, dask=args.dask, resume=args.resume, force=args.force,
                       announce=announce, finish=finish)
    from model.years.metrics import YEARS_METRIC_LABELS

    shown = ("outlay_backstop", "outlay_ma", "outlay_supplementary", "oop", "che_10", "che_ctp40", "impoverishment",
             "che_10_inpatient_chronic", "che_ctp40_inpatient_chronic", "target_reimbursement_share")
    first = next(iter(summary["scenarios"].values()))["metrics"]
    shown += tuple(m for m in ("returned_to_poverty", "became_poor", "poor_due_to_illness_share", "backstop_balance") if m in first)
    METRIC_LABELS = METRIC_LABELS | YEARS_METRIC_LABELS
    header = f"  {'':44}" + "".join(f"{label[:22]:>24}" for label in summary["scenarios"])
    print(header)
    for metric in shown:
        cells = []
        for label in summary["scenarios"]:
            stats = summary["scenarios"][label]["metrics"][metric]
            if stats["mean"] is None:
                cells.append(f"{'—':>24}")
            elif metric.startswith(("outlay", "oop", "backstop_balance")):
                cells.append(f"{stats['p50'] / 1e4:>11,.1f} (P95 {stats['p95'] / 1e4:,.1f})")
            else:
                cells.append(f"{stats['mean']:>17.2%} ±{stats['sd']:.2%}")
        unit = " 万元" if metric.startswith(("outlay", "oop", "backstop_balance")) else ""
        print(f"  {METRIC_LABELS[metric][:40] + unit:<44}" + "".join(f"{c:>24}" for c in cells))
    return 0


def _workers(asked: int | None, replications: int) -> int:
    """Worker processes: at most the cores this process may use and the replications; a note when capped."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    workers = min(asked or cores, cores, replications)
    if asked is not None and asked > workers:
        why = "the cores available" if workers == cores else "the replications"
        print(f"hpa: note: --workers {asked} capped at {workers} ({why})", file=sys.stderr)
    return workers


def simulate_command(args: argparse.Namespace) -> int:
    """`hpa simulate`: one replication (replication 0 of the seed) written in full to a new folder.

    Writes manifest.json, persons.csv, claims.csv, payments.csv (spec §2 columns, fen as yuan), flows.csv,
    occupancy.csv, cashflow.csv and, with --years, households_by_year.csv; prints the totals per payer in yuan.
    Returns the exit status, 0.
    """
    from model import atomic
    from model.care.claims_table import claims_arrow
    from model.care.outputs import cashflow_table, flows_table, occupancy_table
    from model.care.params import care_params
    from model.care.simulate import county_internal_share, draw_people, provide_care
    from model.codes import OUTPUT_COLUMNS, PAYER_LABELS
    from model.money import format_yuan
    from model.population.build import persons_table
    from model.rules.engine import program_for, settle_pools, spec_amounts
    from model.rules.payments_csv import csv_fields, payment_rows
    from model.scenario import load_scenario
    from model.tables import csv_bytes

    check_folder(args.out, args.force)
    from model.years.rules import scheme_sets

    scenario = load_scenario(args.scenario, scheme_sets(scenario_sets(args), args.years), population=args.population)
    households_by_year = _simulate_years(args) if args.years is not None else None
    people = draw_people(scenario, args.persons, args.seed, households=args.households)
    care = provide_care(scenario, people, args.engine)
    payments = settle_pools(scenario.scheme, care.claims.claims).amounts  # every payer, for the cash flow
    columns = program_for(scenario.scheme).output_columns
    person_ids = people.population.person_ids()
    claims = claims_arrow(care.claims, person_ids, care.facilities.name)
    with atomic.directory(args.out) as folder:
        (folder / "manifest.json").write_text(json.dumps({
            "created_by": CREATED_BY, "kind": "simulate", "scenario": scenario.id, "content_hash": scenario.content_hash,
            "population": people.population_params.id, "households": str(args.households) if args.households else None,
            "persons": int(people.population.n_persons), "seed": args.seed, "engine": care.stays.engine},
            indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (folder / "persons.csv").write_bytes(csv_bytes(persons_table(people.population, people.county)))
        (folder / "claims.csv").write_bytes(csv_bytes(claims))
        rows = payment_rows(csv_fields(claims["claim_id"].combine_chunks()), spec_amounts(program_for(scenario.scheme), payments))
        (folder / "payments.csv").write_bytes(("claim_id," + ",".join(columns) + "\n").encode() + rows.to_pybytes())
        (folder / "flows.csv").write_bytes(csv_bytes(flows_table(care)))
        (folder / "occupancy.csv").write_bytes(csv_bytes(occupancy_table(care_params(scenario), care)))
        (folder / "cashflow.csv").write_bytes(csv_bytes(cashflow_table(care_params(scenario), care.claims.claims.day, payments)))
        if households_by_year is not None:
            (folder / "households_by_year.csv").write_bytes(csv_bytes(households_by_year))
    stays = care.stays
    print(f"{scenario.id} on {people.population_params.id}: {people.population.n_persons:,} persons, "
          f"{len(care.claims):,} claims, {len(care.admissions):,} admissions ({stays.engine}) → {args.out}")
    print(f"  county-internal admissions {county_internal_share(stays):.1%}; waited for a bed {(stays.wait > 0).mean():.2%}; "
          f"referred on for want of a bed {(stays.capacity_referrals > 0).mean():.2%}")
    totals = payments.sum(axis=0)
    for name in columns:
        print(f"  {PAYER_LABELS[name]:<40} {format_yuan(int(totals[OUTPUT_COLUMNS.index(name)])):>20}")
    return 0


def _simulate_years(args: argparse.Namespace):
    """hpa simulate --years N: the same households followed N years under the scheme (replication 0 of a run
    with the same seed), one row a household and year: status, incomes, bills, debt and what happened."""
    import pyarrow as pa

    from model.runner.plan import RunPlan, Variant
    from model.years.engine import run_years
    from model.years.rules import load_rules, variant_rules

    sets = scenario_sets(args)
    variant_rules(load_rules(args.years_rules), sets)
    plan = RunPlan(kind="run", variants=(Variant(args.scenario, args.scenario, sets),), persons=args.persons,
                   replications=1, seed=args.seed, population=args.population,
                   households=str(args.households) if args.households else None, engine=args.engine,
                   years=args.years, years_rules=args.years_rules, backstop_appropriation=args.backstop_appropriation)
    trace: list = []
    run_years(plan, 0, trace)
    return pa.concat_tables(trace)

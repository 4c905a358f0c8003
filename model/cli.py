"""The `hpa` command line: one subcommand per job, bad input reported in one message with a non-zero exit."""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import json
import os
import signal
import sys
from pathlib import Path

from model import cli_args
from model.errors import InputError, Interrupted
from model.outputs import CREATED_BY, check_file, check_folder

EXIT_INPUT = 2
DEFAULT_PERSONS = 100_000


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors: same shape as ours
        self.print_usage(sys.stderr)
        raise InputError(f"{self.prog}: {message}")


def _scenario_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
        help="override a scenario value, e.g. layers.supplementary_ceiling_poor.ceiling.amount=3000 (repeatable)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hpa", description="HPA-Sim: costing health poverty alleviation schemes (健康扶贫).")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    scenario = _scenario_options()

    adjudicate = commands.add_parser(
        "adjudicate", parents=[scenario], help="settle a claims file under a scheme (spec §1 in, §2 out)",
        description="Settle every claim of CLAIMS through the scheme's layers. Writes spec §2 payments.",
    )
    adjudicate.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scheme id in scenarios/ (e.g. sui_county) or a scheme/reform file")
    adjudicate.add_argument("claims", nargs="?", metavar="CLAIMS.csv", type=Path, help="claims file, spec §1 columns (.xlsx: read as with --lenient)")
    adjudicate.add_argument("--lenient", action="store_true",
                            help="read an Excel-shaped CSV: UTF-8 or GBK, 是/否 and TRUE/FALSE, 2019/2/10, 12,000, Chinese labels (README)")
    adjudicate.add_argument("--template", type=Path, metavar="FILE", help="write an empty claims template (.xlsx or .csv, both header languages) and stop")
    adjudicate.add_argument("-o", "--output", type=Path, help="payments file to write (default: standard output)")
    adjudicate.add_argument("--explain", metavar="CLAIM_ID", help="print this claim's settlement slip, layer by layer")
    adjudicate.add_argument("--force", action="store_true", help="replace an existing -o file")
    adjudicate.add_argument("--narrow", action="store_true", help="with --explain: the narrow Chinese slip a clerk hands a patient")
    adjudicate.set_defaults(run=_adjudicate)

    people = _population_options()
    population = commands.add_parser(
        "population", parents=[scenario, people], help="write a synthetic (or given) population's persons table",
        description="Generate the households and persons of a county (money in yuan a year, whole household).",
    )
    population.add_argument("scenario", metavar="SCENARIO", help="a scheme id or file, or a population preset (poor_households, rural_county)")
    population.add_argument("-o", "--output", type=Path, help="persons CSV to write")
    population.add_argument("--describe", action="store_true", help="print realized statistics beside their targets and sources")
    population.add_argument("--force", action="store_true", help="replace an existing -o file")
    population.set_defaults(run=_population)

    simulate = commands.add_parser(
        "simulate", parents=[scenario, people], help="simulate a county's year of care and settle its claims",
        description="One replication: population, illness, care pathway (beds and referrals), claims, settlement, cash flow.",
    )
    simulate.add_argument("scenario", metavar="SCENARIO", help="scheme id in scenarios/ or a scheme/reform file")
    simulate.add_argument("--engine", choices=("auto", "des", "fast"), default="auto",
                          help="auto (default): the vectorized fast path when no bed ever runs out, else the SimPy DES")
    simulate.add_argument("--out", type=Path, required=True, metavar="DIR", help="a new folder to write (written atomically)")
    simulate.add_argument("--force", action="store_true", help="replace DIR if an earlier hpa command made it")
    _years_options(simulate)
    simulate.set_defaults(run=_simulate)

    runs = _run_options()
    run = commands.add_parser("run", parents=[scenario, runs], help="Monte Carlo run of one or more scenarios",
                              description="R replications (each its own seed stream) of every scenario on the same people.")
    run.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="scheme ids or files (none with --county)")
    run.add_argument("--county", type=Path, metavar="FILE", help="a county profile (.yaml or .xlsx, hpa county init): "
                     "its scheme at the county's true size; writes the brief (简报) too")
    run.add_argument("--vary", action="append", metavar="PATH=V1,V2,...",
                     help="with --county: the planner's view, the current scheme against each value of one parameter")
    run.set_defaults(run=_run, kind="run")
    compare = commands.add_parser("compare", parents=[scenario, runs], help="compare schemes on the same households",
                                  description="As run, plus paired differences of every scenario against the first (common random numbers).")
    compare.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="the reference scheme first, then the others")
    compare.add_argument("--readings", action="store_true",
                         help="also run each scheme's readings (scenarios/readings/: values the seed leaves open) for the report's readings table")
    compare.set_defaults(run=_run, kind="compare")
    sweep = commands.add_parser("sweep", parents=[scenario, runs], help="vary one or two parameters and read the trade-off",
                                description="Each value of the varied parameter(s) as a scenario on the same households.")
    sweep.add_argument("scenarios", nargs=1, metavar="SCENARIO", help="the scheme to vary")
    sweep.add_argument("--vary", action="append", required=True, metavar="PATH=V1,V2,...",
                       help="a parameter path and its values, e.g. layers.supplementary_ceiling_poor.ceiling.amount=3000,5000,8000 (once or twice)")
    sweep.set_defaults(run=_run, kind="sweep")

    people = _population_options()
    drivers = commands.add_parser(
        "drivers", parents=[scenario, people], help="what drives a budget metric: Sobol indices and a tornado",
        description="Runs the scheme at many parameter draws (a Sobol sequence) and estimates, for each uncertain "
                    "parameter, its first-order and total Sobol index on the metric's mean (with 95% intervals) and "
                    "the swing of the mean and P95 from its 5% to its 95% quantile. Writes drivers.csv, drivers.json "
                    "and figures/drivers.png into the run folder. Default --persons here: 50,000 (per-person results "
                    "stable, README).")
    drivers.add_argument("scenarios", nargs=1, metavar="SCHEME", help="scheme id or file")
    drivers.add_argument("--metric", default="outlay_backstop_ma", help="metric (default outlay_backstop_ma: backstop + medical assistance)")
    drivers.add_argument("--method", choices=("surrogate", "rbd-fast", "saltelli"), default="surrogate",
                         help="surrogate (default): polynomial chaos fitted to the runs; rbd-fast: SALib RBD-FAST (first order only); "
                              "saltelli: SALib's Saltelli design (needs (d+2)×256 runs)")
    drivers.add_argument("--runs", type=cli_args.positive_int, metavar="N", help="model runs (default: what the method needs for the parameters)")
    drivers.add_argument("--engine", choices=("auto", "des", "fast"), default="auto", help="care engine (default auto)")
    drivers.add_argument("--workers", type=cli_args.positive_int, default=None, help="local worker processes (default: the cores)")
    drivers.add_argument("--dask", metavar="ADDRESS", help="run on the Dask scheduler at ADDRESS, or 'local'")
    drivers.add_argument("--out", type=Path, metavar="DIR", help="output folder (default results/<run-id>/)")
    drivers.add_argument("--resume", action="store_true", help="continue an interrupted run")
    drivers.add_argument("--uncertainty", metavar="FILE", default="default", help="uncertainty file (default scenarios/uncertainty/default.yaml)")
    drivers.add_argument("--budget-year", type=cli_args.budget_year, metavar="YEAR", help="price costs and use to YEAR (growth rates become uncertain parameters too) and simulate the people of YEAR unless --year names theirs")
    drivers.set_defaults(run=_drivers, persons=None)

    validate = commands.add_parser("validate", parents=[scenario], help="simulated vs published figures, with sources and bands",
                                   description="Runs the default poor population and the rural_county preset under a scheme and compares "
                                               "the results with published figures (shared/reference/calibration.md). Exit 1 if any is outside its band.")
    validate.add_argument("scenario", nargs="?", default="baseline", metavar="SCENARIO", help="scheme (default baseline)")
    validate.add_argument("--persons", type=cli_args.positive_int, default=200_000, help="persons in each population (default 200,000)")
    validate.add_argument("--seed", type=cli_args.seed, default=20161, help="root seed (default 20161)")
    validate.add_argument("--year", type=cli_args.year, default=None, help=YEAR_HELP)
    validate.set_defaults(run=_validate)

    report = commands.add_parser("report", help="write report.html and report.xlsx for a run folder",
                                 description="A self-contained HTML report and an Excel workbook of a run (hpa run/compare/sweep).")
    report.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a folder written by hpa run, compare or sweep")
    report.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the report (default zh)")
    report.set_defaults(run=_report)

    from model.county.command import add_commands as _county_commands

    _county_commands(commands)
    scenarios = commands.add_parser("scenarios", help="list the scheme files in the library")
    scenarios.set_defaults(run=_list_scenarios)
    return parser


def _population_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--population", metavar="PRESET", help="population preset in scenarios/populations/ or a file (default poor_households)")
    parent.add_argument("--persons", type=cli_args.positive_int, default=100_000, help="number of persons (default 100,000)")
    parent.add_argument("--seed", type=cli_args.seed, default=20161, help="root seed (default 20161)")
    parent.add_argument("--households", type=Path, metavar="FILE.csv", help="use this household table instead of synthetic households")
    parent.add_argument("--year", type=cli_args.year, default=None, help=YEAR_HELP)
    return parent


YEAR_HELP = ("the year simulated, one for every scheme of the run (incomes, exited share, poverty line, claim dates; "
             "default: --budget-year's, else the population's year, 2019); a year of the population's by_year tables")


def _sets(args: argparse.Namespace) -> tuple[str, ...]:
    """The --set options with those of --year."""
    from model.population.year import year_sets

    return tuple(args.sets) + year_sets(getattr(args, "year", None))


def _run_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False, parents=[_population_options()])
    parent.set_defaults(persons=None)  # None: 100,000, or the county's own persons with --county
    parent.add_argument("--reps", type=cli_args.positive_int, default=20, help="replications (default 20)")
    parent.add_argument("--engine", choices=("auto", "des", "fast"), default="auto", help="care engine (default auto)")
    parent.add_argument("--workers", type=cli_args.positive_int, default=None, help="local worker processes (default: the cores)")
    parent.add_argument("--dask", metavar="ADDRESS", help="run replications on the Dask scheduler at ADDRESS, or 'local' for a LocalCluster")
    parent.add_argument("--out", type=Path, metavar="DIR", help="output folder (default results/<run-id>/)")
    parent.add_argument("--resume", action="store_true", help="continue an interrupted run from its finished replications")
    parent.add_argument("--force", action="store_true", help="replace DIR (or start DIR.partial afresh) if an earlier hpa run made it")
    _uncertainty_options(parent)
    _years_options(parent)
    return parent


def _uncertainty_options(parent: argparse.ArgumentParser) -> None:
    parent.add_argument("--uncertainty", metavar="FILE", default="default",
                        help="uncertainty file each replication draws its parameters from (default: scenarios/uncertainty/default.yaml)")
    parent.add_argument("--no-parameter-uncertainty", dest="parameter_uncertainty", action="store_false",
                        help="hold every parameter at its scenario value: only who falls ill varies between replications")
    parent.add_argument("--precision", type=cli_args.fraction, metavar="REL",
                        help="add replications until P95 of backstop + medical assistance is known within REL (e.g. 0.02: ±2%%, 95%% confidence)")
    parent.add_argument("--max-reps", type=cli_args.positive_int, default=2000, metavar="N",
                        help="the most replications --precision may run (default 2000)")
    parent.add_argument("--budget-year", type=cli_args.budget_year, metavar="YEAR",
                        help="price costs and project use to YEAR with the growth rates of scenarios/growth/default.yaml, "
                             "and simulate the people of YEAR (exited share, incomes, poverty line) unless --year names theirs")


def _years_options(parent: argparse.ArgumentParser) -> None:
    parent.add_argument("--years", type=cli_args.years_count, default=None, metavar="N",
                        help="follow the same households N years from the run's year (incomes, illness, exits and returns to "
                             "poverty; summary.json by_year); default: one year, as without it")
    parent.add_argument("--from", dest="year", type=cli_args.year, default=None, metavar="YEAR",
                        help="the first year of a --years run (the same as --year)")
    parent.add_argument("--years-rules", metavar="RULES", default=None,
                        help="multi-year rules: a file, or a name in scenarios/years/ (default: default)")
    parent.add_argument("--backstop-appropriation", type=cli_args.yuan, default=None, metavar="YUAN",
                        help="yuan put into the backstop fund each year: summary.json gives its balance (backstop_balance)")


def _run(args: argparse.Namespace) -> int:
    from model.outcomes.metrics import METRIC_LABELS
    from model.report.figures import draw_run_figures
    from model.runner.plan import RunPlan, Variant, parse_vary, sweep_variants, unique_labels
    from model.runner.store import run

    if getattr(args, "county", None) is not None:
        from model.county.command import run_county

        return run_county(args)
    if args.kind == "run" and not args.scenarios:
        raise InputError("hpa run: expected at least one scenario, or --county FILE")
    if args.kind == "run" and args.vary:
        raise InputError("hpa run --vary: expected --county FILE with it (for schemes alone, use hpa sweep)")
    args.persons = args.persons or DEFAULT_PERSONS
    sets = _sets(args)
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
                       announce=announce, finish=draw_run_figures)
    from model.years.engine import YEARS_METRIC_LABELS

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


def _drivers(args: argparse.Namespace) -> int:
    from model.drivers.command import STABLE_PERSONS, default_runs, drivers
    from model.runner.plan import RunPlan, Variant
    from model.uncertainty.runs import active_parameters

    persons = args.persons or STABLE_PERSONS
    reference = args.scenarios[0]
    plan = RunPlan(kind="run", variants=(Variant(reference.rsplit("/", 1)[-1].removesuffix(".yaml"), reference, _sets(args)),),
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


def _validate(args: argparse.Namespace) -> int:
    from model.validation import passed, render, validate

    tables: dict = {}
    checks = validate(args.scenario, args.persons, args.seed, _sets(args), tables)
    print(render(checks, args.scenario, args.persons, args.seed, tables))
    return 0 if passed(checks) else 1


def _report(args: argparse.Namespace) -> int:
    from model.report.command import write_report

    status = write_report(args.run_dir, args.lang)
    from model.brief import write_brief

    for path in write_brief(args.run_dir):
        print(f"简报 / brief → {path}")
    return status


def _population(args: argparse.Namespace) -> int:
    from model import atomic
    from model.care.simulate import draw_people
    from model.population import population_params
    from model.population.build import StageSeeds, persons_table
    from model.tables import csv_bytes
    from model.population.describe import describe, render
    from model.population.table import population_from_table
    from model.scenario import load_scenario

    if args.output is None and not args.describe:
        raise InputError("hpa population: nothing to do: give -o persons.csv, --describe, or both")
    if args.output is not None:
        check_file(args.output, args.force)
    scenario = load_scenario(args.scenario, _sets(args), population=args.population)
    if args.households is not None and not args.describe:  # the table alone: no year of illness to draw
        params = population_params(scenario)
        population, county = population_from_table(args.households, params, StageSeeds.of_replication(args.seed, 0).population)
        illness = None
    else:  # the same persons and illness as hpa simulate's
        people = draw_people(scenario, args.persons, args.seed, households=args.households)
        params, population, county, illness = people.population_params, people.population, people.county, people.illness
    if args.output is not None:
        atomic.write_bytes(args.output, csv_bytes(persons_table(population, county)))
        print(f"{params.id}: {population.n_persons:,} persons in {population.n_households:,} households → {args.output}")
    if args.describe:
        title = (f"{params.name['zh']} / {params.name['en']}: {population.n_persons:,} persons, "
                 f"{population.n_households:,} households, seed {args.seed}")
        print(render(describe(params, scenario.tree["population"], population, illness), title))
    return 0


def _simulate(args: argparse.Namespace) -> int:
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

    scenario = load_scenario(args.scenario, scheme_sets(_sets(args), args.years), population=args.population)
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

    sets = _sets(args)
    variant_rules(load_rules(args.years_rules), sets)
    plan = RunPlan(kind="run", variants=(Variant(args.scenario, args.scenario, sets),), persons=args.persons,
                   replications=1, seed=args.seed, population=args.population,
                   households=str(args.households) if args.households else None, engine=args.engine,
                   years=args.years, years_rules=args.years_rules, backstop_appropriation=args.backstop_appropriation)
    trace: list = []
    run_years(plan, 0, trace)
    return pa.concat_tables(trace)


def _adjudicate(args: argparse.Namespace) -> int:
    from model.codes import PAYER_LABELS
    from model.money import format_yuan
    from model.rules.claims_csv import THREADS, read_claims
    from model.rules.payments_csv import payments_csv, write_payments
    from model.rules.engine import program_for, settle
    from model.scenario import load_scenario

    if args.template is not None:
        from model import atomic
        from model.rules.lenient import template_bytes

        if args.template.exists():
            raise InputError(f"--template {args.template}: expected a new file, found one already there (not replaced)")
        atomic.write_bytes(args.template, template_bytes("csv" if args.template.suffix.lower() == ".csv" else "xlsx"))
        print(f"结算单模板 / claims template → {args.template}")
        return 0
    if args.scenario is None or args.claims is None:
        missing = ", ".join(name for name, value in (("SCENARIO", args.scenario), ("CLAIMS.csv", args.claims)) if value is None)
        raise InputError(f"hpa adjudicate: the following arguments are required: {missing} (or --template FILE)")
    if args.output is not None:
        check_file(args.output, args.force)
    scenario = load_scenario(args.scenario, args.sets)
    columns = program_for(scenario.scheme).output_columns
    if args.lenient or args.claims.suffix.lower() == ".xlsx":
        from model.rules.lenient import read_lenient

        claims_file = read_lenient(args.claims)
    else:
        claims_file = read_claims(args.claims)
    amounts = settle(scenario.scheme, claims_file.claims, THREADS)
    if args.explain:
        from model.rules.slip import explain

        if args.narrow:
            from model.rules.patient_slip import narrow_slip

            print(narrow_slip(scenario, claims_file, args.explain))
        else:
            print(explain(scenario, claims_file, args.explain))
    if args.output is not None:
        write_payments(args.output, claims_file, amounts, THREADS)
        totals = amounts.sum(axis=0)
        print(f"{scenario.id}: {len(amounts):,} claims settled → {args.output}")
        for column, name in enumerate(columns):
            print(f"  {PAYER_LABELS[name]:<40} {format_yuan(int(totals[column])):>20}")
        print(f"  {'总费用 / total cost':<40} {format_yuan(int(claims_file.claims.total.sum())):>20}")
    elif not args.explain:
        sys.stdout.buffer.write(payments_csv(claims_file, amounts))
    return 0


def _list_scenarios(args: argparse.Namespace) -> int:
    from model.scenario import known_scenarios, load_scenario

    for name in known_scenarios():
        scenario = load_scenario(name)
        print(f"{name:<28} {scenario.name['zh']} / {scenario.name['en']}")
    return 0


def _stdout_writable() -> None:
    """A standard output that cannot take a byte (/dev/full, a closed pipe) is refused before any work."""
    try:
        os.write(sys.stdout.fileno(), b"")
    except (AttributeError, ValueError, OSError) as exc:  # no real file behind sys.stdout (tests), or a failing one
        if isinstance(exc, OSError) and not isinstance(exc, io.UnsupportedOperation):
            raise InputError(f"standard output: cannot write to it ({exc.strerror}); nothing was done") from None


def _os_error(exc: OSError) -> str:
    reason = "the file size limit (ulimit -f) was reached" if exc.errno == errno.EFBIG else (exc.strerror or str(exc))
    if exc.filename is None:  # printing failed, after any files were written
        return f"standard output: cannot write: {reason}"
    return f"{exc.filename}: cannot write: {reason}; nothing was kept"


def main(argv: list[str] | None = None) -> int:
    if hasattr(signal, "SIGXFSZ"):  # past `ulimit -f` a write fails with EFBIG (a message) instead of killing us
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        _stdout_writable()
        args = build_parser().parse_args(argv)
        code = args.run(args)
        sys.stdout.flush()
        return code
    except InputError as exc:
        print(f"hpa: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:  # the output place failed (read-only, full, size limit, stdout gone)
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stdout.flush()
        with contextlib.suppress(OSError, ValueError, AttributeError):  # no second complaint at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"hpa: error: {_os_error(exc)}", file=sys.stderr)
        return EXIT_INPUT
    except Interrupted as exc:
        print(f"hpa: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("hpa: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130

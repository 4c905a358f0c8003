"""`hpa county init` and `hpa run --county FILE`: the county officer's commands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from model import cli_args
from model.errors import InputError
from model.report.texts import bilingual, entries, words

LEVELS = ("province", "prefecture", "county")


def add_commands(commands) -> None:
    """Register `hpa county ...` on the main parser's subcommands."""
    county = commands.add_parser("county", help="county profile (县域概况): write the template",
                                 description="The county profile an officer fills in: persons by category, townships, "
                                             "beds, scheme, budget year, last year's outlays.")
    actions = county.add_subparsers(dest="county_command", required=True, parser_class=commands._parser_class)
    init = actions.add_parser("init", help="write county.yaml and county.xlsx filled with the default county")
    init.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write both files into")
    init.set_defaults(run=_init)
    serve = commands.add_parser("serve", help="the county page in a browser, on this machine only (127.0.0.1)",
                                description="A local web page: county profile, scheme, run, brief and downloads. Loopback only, offline.")
    serve.add_argument("--port", type=cli_args.port, default=8765, help="port on 127.0.0.1 (default 8765)")
    serve.add_argument("--dir", type=Path, default=Path("results") / "web", metavar="DIR",
                       help="folder for the page's runs (default results/web)")
    serve.set_defaults(run=_serve)



def _serve(args: argparse.Namespace) -> int:
    import socket

    from model.web.app import serve

    with socket.socket() as probe:  # a port in use is one message, before the server starts
        try:
            probe.bind(("127.0.0.1", args.port))
        except OSError as exc:
            raise InputError(f"--port {args.port}: expected a free port on 127.0.0.1, found it taken ({exc.strerror})") from None
    serve(args.port, args.dir)
    return 0


def _init(args: argparse.Namespace) -> int:
    from model.county.template import init

    for path in init(args.out):
        print(f"{bilingual(entries('terminal')['county_template'])} → {path}")
    return 0


def planner_plan(plan, current, options: list[str]):
    """The planner's view: the current scheme first, then one scenario for each value of one parameter, compared
    on the same households (paired differences against the current setting)."""
    from model.runner.plan import RunPlan, Variant, parse_vary

    vary = parse_vary(options)
    if len(vary) != 1:
        raise InputError(f"--vary: expected one parameter with --county, found {len(vary)}")
    path, values = vary[0]
    from model.scenario import load_scenario

    load_scenario(current.reference, current.sets + (f"{path}={values[0]}",))  # a bad path is refused now
    variants = [Variant("current", current.reference, current.sets)]
    variants += [Variant(f"{path.rsplit('.', 2)[-2] if path.count('.') >= 2 else path}={value}", current.reference,
                         current.sets + (f"{path}={value}",)) for value in values]
    return RunPlan(**{**plan.__dict__, "kind": "compare", "variants": tuple(variants), "vary": vary})


def run_county(args: argparse.Namespace) -> int:
    """Run the profile's scheme on the county's people at their true size, then write county.json and the brief."""
    from model.county.profile import load_profile
    from model.county.run import county_plan, write_county_record
    from model.runner.plan import RunPlan, Variant
    from model.report.figures import draw_run_figures
    from model.runner.store import run

    if args.scenarios:
        raise InputError(f"hpa run --county: expected no SCENARIO (the scheme comes from the profile), found {' '.join(args.scenarios)}")
    if args.persons is not None:
        raise InputError(f"--persons: expected none with --county (the county runs at its true size), found {args.persons}")
    if args.households is not None or args.population is not None:
        raise InputError("hpa run --county: expected no --households or --population (the profile describes the people)")
    profile = load_profile(args.county)
    county = county_plan(profile, args.reps, args.seed, args.engine, years=getattr(args, "years", None))
    plan = county.plan
    current = plan.variants[0]
    current = Variant(current.label, current.reference, current.sets + tuple(args.sets))
    # the profile's budget year prices the run and sets its people (an explicit --budget-year wins); a multi-year
    # run (--years, or the profile's years) starts in the budget year with the scheme's prices as written
    plan = RunPlan(**{**plan.__dict__, "variants": (current,),
                      "budget_year": None if plan.years else getattr(args, "budget_year", None) or profile.budget_year,
                      "uncertainty": args.uncertainty if getattr(args, "parameter_uncertainty", True) else None,
                      "years_rules": getattr(args, "years_rules", None) if plan.years else None,
                      "backstop_appropriation": getattr(args, "backstop_appropriation", None) if plan.years else None})
    if getattr(args, "vary", None):
        plan = planner_plan(plan, current, args.vary)
    if plan.years is not None:
        from model.years.engine import check_plan

        check_plan(plan)  # every year's poverty line, the rules, before anything is written
    workers = args.workers or (os.cpu_count() or 1)
    out, summary = run(plan, args.out, workers=workers, dask=args.dask, resume=args.resume, force=args.force,
                       finish=draw_run_figures)
    write_county_record(out, county)
    span = f", {plan.years} years from {profile.budget_year} (amounts over the period)" if plan.years and plan.years > 1 else ""
    print(f"{profile.name} ({profile.budget_year}): {county.persons:,} persons × {args.reps} replications{span} → {out}")
    metrics = summary["scenarios"][plan.variants[0].label]["metrics"]
    for fund, zh in words("brief", "zh")["funds"].items():
        parts = []
        for level in LEVELS:
            stats = metrics.get(f"outlay_{fund}_{level}") or {}
            if stats.get("p50") is not None:
                parts.append(f"{level} {stats['p50'] / 1e4:,.1f}")
        total = metrics[f"outlay_{fund}"]
        print(f"  {zh} / {fund}: P50 {total['p50'] / 1e4:,.1f} 万元, P95 {total['p95'] / 1e4:,.1f} 万元"
              + (f" ({'; '.join(parts)})" if parts else ""))
    try:
        from model.brief import write_brief
    except ImportError:  # the brief arrives in its own step
        return 0
    for path in write_brief(out):
        print(f"  {bilingual(entries('terminal')['brief'])} → {path}")
    return 0

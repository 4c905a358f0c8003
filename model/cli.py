"""The `hpa` command line: one subcommand per job, bad input reported in one message with a non-zero exit."""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import io
import os
import signal
import sys
from pathlib import Path

from model import cli_args
from model.errors import InputError, Interrupted
from model.outputs import check_file

EXIT_INPUT = 2


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
    """The `hpa` command line: one subcommand a task, each with its options and the function that runs it.

    Returns
    -------
    argparse.ArgumentParser
        A parser whose parse errors are one message and exit 2.
    """
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
    validate.add_argument("--draws", type=cli_args.draws, default=0,
                          help="also give each validation target the model's 95%% interval over this many draws of the default "
                               "uncertainty file's parameters (default 0: none; 40 is a useful size)")
    validate.add_argument("--draw-persons", type=cli_args.positive_int, default=20_000,
                          help="persons in each population a draw (default 20,000)")
    validate.add_argument("--into", type=Path, default=None, metavar="RUN",
                          help="also write the checks into this run folder (validation.json, validation.txt; written by "
                               "hpa run, compare or sweep), where hpa report shows them; the year is the run's")
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



# Dispatch: each command's handler lives beside its package, imported only when its command runs. The command line
# also joins the stages a handler may not import itself: the report's figures for a run, care's people for hpa population.

def _run(args: argparse.Namespace) -> int:
    if getattr(args, "county", None) is not None:
        from model.county.command import run_county

        return run_county(args)
    from model.report.figures import draw_run_figures
    from model.runner.command import run_command

    return run_command(args, finish=draw_run_figures)


def _drivers(args: argparse.Namespace) -> int:
    from model.drivers.command import drivers_command

    return drivers_command(args)


def _validate(args: argparse.Namespace) -> int:
    from model.validation import validate_command

    return validate_command(args)


def _report(args: argparse.Namespace) -> int:
    from model.report.command import report_command

    return report_command(args)


def _population(args: argparse.Namespace) -> int:
    from model.care.simulate import draw_people
    from model.population.command import population_command

    return population_command(args, draw_people)


def _simulate(args: argparse.Namespace) -> int:
    from model.runner.command import simulate_command

    return simulate_command(args)


def _adjudicate(args: argparse.Namespace) -> int:
    from model.rules.command import adjudicate

    return adjudicate(args)


def _list_scenarios(args: argparse.Namespace) -> int:
    from model.scenario.command import scenarios_command

    return scenarios_command(args)


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
    """Run `hpa` with `argv` (sys.argv[1:] when None).

    Parameters
    ----------
    argv : list of str or None
        The arguments after `hpa`.

    Returns
    -------
    int
        The exit status: 0 done; 2 bad input or an output place that failed (one message); 130 stopped by Ctrl-C
        (128 + the signal for SIGTERM).
    """
    if hasattr(signal, "SIGXFSZ"):  # past `ulimit -f` a write fails with EFBIG (a message) instead of killing us
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    command = None
    try:
        _stdout_writable()
        args = build_parser().parse_args(argv)
        command = args.command
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
        if argv is None:  # the command itself, not a caller's process: everything is kept or abandoned by now,
            # and the interpreter's teardown (the Dask client's threads, its atexit hooks) would keep a user who
            # pressed Ctrl-C waiting for nothing
            with contextlib.suppress(OSError, ValueError):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(exc.exit_code)
        return exc.exit_code
    except KeyboardInterrupt:
        print("hpa: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    finally:
        if argv is None and command == "adjudicate":
            # The command itself, done or refused: its files are written and closed, or none was kept
            # (model/atomic.py). What is left is the interpreter's teardown, whose garbage collections would walk
            # every object numba's compiler made, for nothing; frozen objects are not walked. atexit hooks, joining
            # threads and flushing output still run.
            gc.freeze()

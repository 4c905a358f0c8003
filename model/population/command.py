"""`hpa population`: a synthetic (or given) population's persons table and its statistics beside their targets;
and the scenario `--set` options every command derives from its arguments."""

from __future__ import annotations

import argparse

from model.errors import InputError
from model.outputs import check_file


def scenario_sets(args: argparse.Namespace) -> tuple[str, ...]:
    """The --set options with those of --year."""
    from model.population.year import year_sets

    return tuple(args.sets) + year_sets(getattr(args, "year", None))


def population_command(args: argparse.Namespace, draw_people) -> int:
    """`hpa population`: write the persons table (-o) and/or print the realized statistics (--describe).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments.
    draw_people : callable
        model/care/simulate.py's `draw_people`, so that the persons and their illness are hpa simulate's; passed
        in by the command line, since the population stage does not import care.

    Returns
    -------
    int
        The exit status, 0.
    """
    from model import atomic
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
    scenario = load_scenario(args.scenario, scenario_sets(args), population=args.population)
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

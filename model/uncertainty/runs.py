"""What a run needs from parameter uncertainty: the scenarios of one replication, checks before anything is
written, and the draws the manifest and parameters table record."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa

from model.errors import InputError
from model.runner.plan import RunPlan
from model.scenario import Scenario, load_scenario
from model.uncertainty.apply import at_year, check_paths, overrides
from model.uncertainty.draws import draw_value, replication_draw, replication_uniforms, sobol_points
from model.uncertainty.spec import UncertainParameter, UncertaintySpec, read_uncertainty

_specs: dict[tuple, UncertaintySpec] = {}


def spec_of(plan: RunPlan) -> UncertaintySpec | None:
    """The plan's uncertainty file, read once per process (again if the file changed)."""
    if plan.uncertainty is None:
        return None
    from model.uncertainty.spec import locate_uncertainty

    path = locate_uncertainty(plan.uncertainty)
    stat = os.stat(path)
    key = (plan.uncertainty, str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _specs:
        _specs.clear()
        _specs[key] = read_uncertainty(plan.uncertainty)
    return _specs[key]


def active_parameters(plan: RunPlan) -> tuple[UncertainParameter, ...]:
    """The parameters each replication of the plan draws (in Sobol dimension order): growth rates only with a
    budget year, and none whose draw could change nothing in the year whose people the plan simulates."""
    spec = spec_of(plan)
    if spec is None:
        return ()
    idle = not_drawn(plan)
    return tuple(p for p in spec.active(with_growth=plan.budget_year is not None) if p.name not in idle)


def people_year(plan: RunPlan, variant, scenario: Scenario) -> int:
    """The year whose people a variant simulates: an explicit --year (population.year=) among its --set
    options, else the budget year, else the population's year."""
    from model.uncertainty.apply import get_path

    explicit = any(option.replace(" ", "").startswith("population.year=") for option in variant.sets)
    if plan.budget_year is not None and not explicit:
        return plan.budget_year
    return int(get_path(scenario.tree, "population.year"))


_idle: dict[str, dict[str, str]] = {}


def not_drawn(plan: RunPlan) -> dict[str, str]:
    """Parameters of the plan's uncertainty file that it does not draw, by name, with why: a multiplier
    (`of: factor`) on values that are all 0 in the year whose people every scenario of the plan simulates (the
    exited share's stock of remaining poor, 0 from 2020 on), or that every scenario leaves unset (a population
    without illness.outpatient.person_spread), changes nothing, so drawing it would only claim an uncertainty
    the run does not have."""
    spec = spec_of(plan)
    if spec is None:
        return {}
    from model.runner.replicate import scenarios
    from model.care.simulate import content_key
    from model.uncertainty.apply import at_year, get_path, unset_optional

    key = content_key(plan.as_dict()) + str(spec.path)
    if key not in _idle:
        base = scenarios(plan)
        years = [people_year(plan, variant, scenario) for variant, scenario in zip(plan.variants, base)]
        idle = {}
        for parameter in spec.active(with_growth=plan.budget_year is not None):
            if parameter.of != "factor" or parameter.is_growth:
                continue
            read = [(scenario.tree, at_year(path, year, scenario.tree)) for year, scenario in zip(years, base)
                    for path in parameter.paths]
            unset = [unset_optional(tree, path) for tree, path in read]
            try:
                values = [get_path(tree, path) for (tree, path), left in zip(read, unset) if not left]
            except KeyError:
                continue  # check_plan names the missing path
            shown = ", ".join(sorted({at_year(path, year, {}) for year in years for path in parameter.paths}))
            if all(unset):
                idle[parameter.name] = f"a multiplier on an input that every scenario leaves unset ({shown}) changes nothing"
            elif all(_all_zero(value) for value in values):
                idle[parameter.name] = (f"a multiplier on 0 ({shown}) changes nothing" if not any(unset) else
                                        f"a multiplier on 0 or on an input left unset ({shown}) changes nothing")
            elif all(path.startswith(NATIONAL_STOCK) for path in parameter.paths) and all(
                    _fixed_exited_share(scenario) for scenario in base):
                idle[parameter.name] = ("every scenario fixes its own exited share (population.households.exited_share, "
                                        "a county profile's figure), so the national stock it multiplies is not read")
        _idle.clear()
        _idle[key] = idle
    return _idle[key]


# the national stock of remaining poor, from which the exited share of a year is derived unless a scenario fixes it
NATIONAL_STOCK = "population.by_year.rural_poor_population_millions"


def _fixed_exited_share(scenario: Scenario) -> bool:
    from model.uncertainty.apply import get_path

    try:
        return get_path(scenario.tree, "population.households.exited_share") not in (None, "year")
    except KeyError:
        return False


def _all_zero(value: object) -> bool:
    from model.money import to_decimal

    if isinstance(value, dict):
        return all(_all_zero(item) for item in value.values())
    number = to_decimal(value) if not isinstance(value, (str, bool)) else None
    return number is not None and number == 0


def replication_scenarios(plan: RunPlan, replication: int, base: list[Scenario], uniforms=None) -> list[Scenario]:
    """The plan's scenarios as replication `replication` settles them: its parameter draw applied to each
    (the same draw for every scenario: common random numbers), a user's --set still winning. `uniforms`, when
    given, are the parameters' quantiles to use instead of the replication's Sobol point (hpa drivers)."""
    parameters = active_parameters(plan)
    if not parameters and plan.budget_year is None:
        return base
    if uniforms is not None:
        draw = {p.name: draw_value(p, float(u)) for p, u in zip(parameters, uniforms)}
    else:
        draw = replication_draw(parameters, plan.seed, replication)
    return [_with_draw(plan, variant, scenario, parameters, draw) for variant, scenario in zip(plan.variants, base)]


def _with_draw(plan: RunPlan, variant, scenario: Scenario, parameters, draw: dict[str, float]) -> Scenario:
    spec = spec_of(plan)
    settings = overrides(parameters, draw, scenario.tree, spec.id if spec else "", people_year(plan, variant, scenario))
    if plan.budget_year is not None:
        from model.uncertainty.growth import growth_overrides

        settings = growth_overrides(plan.budget_year, scenario, settings, parameters, draw)
        settings = settings + budget_year_people(plan.budget_year)
    return _applied(scenario, variant, settings)


def budget_year_people(year: int) -> tuple:
    """Settings that make the people those of the budget year (incomes, exited share, poverty line, claim dates).
    They go in before a variant's --set options, so an explicit --year (population.year=, care.year=) wins."""
    source = f"the budget year {year}: its people (population by_year tables)"
    return tuple((path, year, source) for path in ("population.year", "care.year"))


def _applied(scenario: Scenario, variant, settings) -> Scenario:
    """`scenario` (already loaded with the variant's --set options) with `settings` put in and those options put
    back on top (what a user sets wins), validated again: what load_scenario(..., overrides=settings) gives,
    without reading and resolving the files again for every replication."""
    import copy
    import dataclasses

    from model.scenario import validate_scheme, validate_sections
    from model.scenario.resolve import parse_cli_set, set_path

    tree = copy.deepcopy(scenario.tree)
    origins = copy.deepcopy(scenario.origins)
    for path, value, source in settings:
        set_path(tree, path, value, source, "parameter uncertainty draw", origins)
    for option in variant.sets:
        path, value = parse_cli_set(option)
        set_path(tree, path, value, f"command line: --set {option}", "command line --set", origins)
    touches_rules = any(not path.startswith(("population.", "care.", "outcomes.")) for path, _, _ in settings)
    scheme_file = validate_scheme(tree, origins) if touches_rules else scenario.file
    scheme = scheme_file.to_scheme(str(tree["id"])) if touches_rules else scenario.scheme
    validate_sections(tree, origins)
    return dataclasses.replace(scenario, tree=tree, scheme=scheme, origins=origins, file=scheme_file)


def check_plan(plan: RunPlan, base: list[Scenario]) -> None:
    """Refuse, before anything is written, an uncertainty file whose paths a scenario lacks or whose draws at
    their 0.1% or 99.9% quantiles give a value the scenario's own checks refuse."""
    parameters = active_parameters(plan)
    if plan.uncertainty is None and plan.budget_year is None:
        return
    spec = spec_of(plan)
    for variant, scenario in zip(plan.variants, base):
        check_paths(parameters, scenario.tree, str(spec.path) if spec else "", variant.reference,
                    people_year(plan, variant, scenario))
    for quantile in (0.001, 0.999):
        draw = {p.name: draw_value(p, quantile) for p in parameters}
        for variant, scenario in zip(plan.variants, base):
            try:
                _with_draw(plan, variant, scenario, parameters, draw)
            except InputError as exc:
                where = str(spec.path) if spec else "--budget-year"
                raise InputError(f"{where}: at the {quantile:.1%} quantile of every parameter, scenario "
                                 f"{variant.reference!r} refuses a drawn value: {exc}") from None


def draws_table(plan: RunPlan, replications: list[int]) -> pa.Table | None:
    """One row a replication: its Sobol uniforms (u_NAME) and the value or multiplier drawn (NAME)."""
    parameters = active_parameters(plan)
    if not parameters:
        return None
    order = sorted(replications)
    uniforms = replication_uniforms(parameters, plan.seed, order)
    columns: dict[str, list] = {"replication": order}
    for index, parameter in enumerate(parameters):
        columns[parameter.name] = [draw_value(parameter, float(u)) for u in uniforms[:, index]]
    for index, parameter in enumerate(parameters):
        columns[f"u_{parameter.name}"] = uniforms[:, index].tolist()
    return pa.table(columns)


def manifest_entry(plan: RunPlan, replications: list[int]) -> dict:
    """What the manifest records of parameter uncertainty: the file, each parameter, and every draw."""
    years = _years(plan)
    spec = spec_of(plan)
    if spec is None:
        return {"parameter_uncertainty": None, "years": years}
    parameters = active_parameters(plan)
    table = draws_table(plan, replications)
    year = years["people"]
    entry = {
        "file": str(spec.path), "id": spec.id, "sequence": "scrambled Sobol (scipy.stats.qmc.Sobol), point i for replication i",
        "parameters": [{"name": p.name, "paths": [at_year(path, year, {}) for path in p.paths], "of": p.of,
                        "distribution": p.distribution.describe(), "source": p.source} for p in parameters],
        "draws": {p.name: table.column(p.name).to_pylist() for p in parameters} if table is not None else {},
    }
    idle = not_drawn(plan)
    if idle:
        entry["not_drawn"] = [{"name": name, "why": why} for name, why in idle.items()]
    return {"parameter_uncertainty": entry, "years": years}


def _years(plan: RunPlan) -> dict:
    """The year of the run's prices and use (the budget year, else the year the scenario's costs describe) and of
    its people (an explicit --year, else the budget year, else the population's year)."""
    from model.runner.replicate import scenarios
    from model.uncertainty.growth import read_growth

    # Without a budget year the costs are those the scenario files set, for the growth file's base year; --year
    # moves the people and the claim dates, not the prices.
    base_year = read_growth().base_year
    # The people are the budget year's unless a --year (population.year=) among the --set options names theirs.
    people = people_year(plan, plan.variants[0], scenarios(plan)[0])
    return {"prices": plan.budget_year or base_year, "people": people,
            "growth": "scenarios/growth/default.yaml" if plan.budget_year else None}


def uniforms_of(plan: RunPlan, replications: list[int]) -> np.ndarray:
    """The Sobol uniforms of the plan's drawn parameters for the given replications.

    Parameters
    ----------
    plan : RunPlan
    replications : list of int

    Returns
    -------
    numpy.ndarray
        float64 in (0, 1), one row a replication and one column a drawn parameter.
    """
    return replication_uniforms(active_parameters(plan), plan.seed, replications)





def write_tables(folder: Path, plan: RunPlan, replications: list[int], write_table) -> None:
    """parameters.csv/.parquet in the run folder: each replication's draw (nothing when uncertainty is off)."""
    table = draws_table(plan, replications)
    if table is not None:
        write_table(folder, "parameters", table)

"""Applying a replication's parameter draw to a scenario: the overrides it makes, rounded to exact decimals."""

from __future__ import annotations

from decimal import Decimal

from model.errors import InputError
from model.money import to_decimal
from model.scenario.resolve import is_cited
from model.uncertainty.draws import quantize
from model.uncertainty.spec import UncertainParameter

Override = tuple[str, object, str]
# A path segment standing for the year whose people a run simulates (population.year, or the budget year):
# `population.by_year.rural_poor_population_millions.{year}` follows the people the run simulates.
YEAR = "{year}"


def get_path(tree: dict, path: str) -> object:
    """The value at a dotted path (layers addressed by id; cited values unwrapped); KeyError if there is none."""
    node: object = tree
    for key in path.split("."):
        if is_cited(node):
            node = node["value"]
        if isinstance(node, list):
            matches = [item for item in node if isinstance(item, dict) and item.get("id") == key]
            if not matches:
                raise KeyError(path)
            node = matches[0]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, dict) and key.isdigit() and int(key) in node:  # YAML reads a year key as a number
            node = node[int(key)]
        else:
            raise KeyError(path)
    return node["value"] if is_cited(node) else node


def unset_optional(tree: dict, path: str) -> bool:
    """Whether `path` names an input the scenario leaves unset where its section allows that (a population without
    illness.outpatient.person_spread: no spread between persons): a multiplier on it has nothing to scale. Only a
    population preset's optional inputs (default None in model/population/params.py) count; any other path a
    scenario lacks is a mistake that check_paths names."""
    from pydantic import BaseModel

    from model.population.params import PopulationFile

    try:
        return get_path(tree, path) is None
    except KeyError:
        pass
    root, *keys = path.split(".")
    model = PopulationFile if root == "population" else None
    for index, key in enumerate(keys):
        fields = {info.alias or name: info for name, info in model.model_fields.items()} if model is not None else {}
        if key not in fields:
            return False
        if index == len(keys) - 1:
            return not fields[key].is_required() and fields[key].default is None
        annotation = fields[key].annotation
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return False


def at_year(path: str, year: int | None, tree: dict) -> str:
    """`path` with its `{year}` put in: `year`, the year whose people the run simulates, or (None) the
    scenario's own population.year."""
    if YEAR not in path:
        return path
    return path.replace(YEAR, str(year if year is not None else get_path(tree, "population.year")))


def _decimals(parameter: UncertainParameter, central: Decimal) -> int:
    # Money and counts (1 or more) to the fen; rates and shares below 1 to parts per million.
    if parameter.decimals is not None:
        return parameter.decimals
    return 2 if abs(central) >= 1 else 6


def _scaled(parameter: UncertainParameter, value: object, factor: float, where: str) -> object:
    """Every number under `value` times `factor`, each rounded as its own central value asks."""
    if isinstance(value, dict):
        return {key: _scaled(parameter, item, factor, f"{where}.{key}") for key, item in value.items()}
    central = to_decimal(value)
    if central is None:
        raise InputError(f"{where}: expected a number (or a mapping of numbers) to scale by the uncertainty "
                         f"{parameter.name!r}, found {value!r}")
    return quantize(float(central) * factor, _decimals(parameter, central))


def check_paths(parameters: tuple[UncertainParameter, ...], tree: dict, spec_path: str, scenario: str,
                year: int | None = None) -> None:
    """Refuse, in one message, an uncertain path the scenario does not have or that holds no number (`{year}`
    read as `year`, the year whose people the run simulates)."""
    for parameter in parameters:
        if parameter.is_growth:
            continue
        for path in (at_year(p, year, tree) for p in parameter.paths):
            if parameter.of == "factor" and unset_optional(tree, path):
                continue  # a multiplier on an input left unset scales nothing (runs.not_drawn says so)
            try:
                value = get_path(tree, path)
            except KeyError:
                raise InputError(f"{spec_path}: parameters.{parameter.name}: path {path!r} is not in scenario "
                                 f"{scenario!r} (a dotted path as --set names it)") from None
            if parameter.of == "value" and to_decimal(value) is None:
                raise InputError(f"{spec_path}: parameters.{parameter.name}: path {path!r} holds "
                                 f"{type(value).__name__}, not a number; use `of: factor` to scale a mapping")


def overrides(parameters: tuple[UncertainParameter, ...], draw: dict[str, float], tree: dict,
              spec_label: str, year: int | None = None) -> tuple[Override, ...]:
    """The (path, exact value, source) settings that put one draw into a scenario whose central values are `tree`
    (a path's `{year}` read as `year`, the year whose people the run simulates)."""
    result = []
    for parameter in parameters:
        if parameter.is_growth:
            continue
        drawn = draw[parameter.name]
        source = f"uncertainty draw ({spec_label}: {parameter.name})"
        for path in (at_year(p, year, tree) for p in parameter.paths):
            if parameter.of == "factor" and unset_optional(tree, path):
                continue  # nothing to scale: the input stays unset
            central = get_path(tree, path)
            if parameter.of == "value":
                value = quantize(drawn, _decimals(parameter, to_decimal(central)))
            else:
                value = _scaled(parameter, central, drawn, path)
            result.append((path, value, source))
    return tuple(result)

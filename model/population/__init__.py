"""Synthetic poor-household populations and their illness over a year (or a user's own household table)."""

from model.population.households import County, Population, draw_county, synthesize
from model.population.illness import Admissions, Illness, Visits, draw_illness
from model.population.params import PopulationParams


def population_params(scenario) -> PopulationParams:
    """The validated population parameters of a loaded scenario."""
    from model.population.params import parse_population

    return parse_population(scenario.tree["population"], scenario.origins)

__all__ = [
    "Admissions", "County", "Illness", "Population", "PopulationParams", "Visits",
    "draw_county", "draw_illness", "population_params", "synthesize",
]

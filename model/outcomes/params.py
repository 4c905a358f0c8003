"""Outcome definitions: poverty line, capacity to pay, catastrophic-expenditure thresholds, the seeds' targets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import PlainValidator, WithJsonSchema

from model.scenario.messages import Origins, validated
from model.scenario.types import Cited, Section, increasing_pair, named_type, real


@dataclass(frozen=True)
class OutcomeParams:
    """An outcomes file read: the poverty line (yuan a person a year), the equivalence scale and the thresholds of
    catastrophic health expenditure (shares of income or of capacity to pay)."""

    poverty_line: float | None  # yuan a person a year; None: the line of the simulated year (population.by_year)
    equivalence_exponent: float  # equivalent adults = household size ** this
    subsistence_percentiles: tuple[float, float]  # food-share percentiles whose households set subsistence spending
    che_income_thresholds: tuple[float, float]
    che_capacity_threshold: float
    target_oop_share: float  # seed 002's yardstick, for every scheme: county inpatient and chronic outpatient each


_yuan = real(0).__metadata__[0].func
PovertyLine = named_type("PovertyLine", Annotated[float | None, PlainValidator(
    lambda value: None if value == "year" else _yuan(value)),
    WithJsonSchema({"anyOf": [{"const": "year"}, {"type": "number", "minimum": 0}],
                    "description": "yuan a person a year, or 'year': the line of the simulated year"})])


class OutcomesFile(Section):
    """An outcomes file (scenarios/outcomes/): how outcomes are measured."""

    id: Any = None
    name: Any = None
    description: Any = None
    base: Any = None
    set: Any = None
    poverty_line: Cited[PovertyLine]
    equivalence_exponent: Cited[real(0, 1)]
    subsistence_food_share_percentiles: Cited[increasing_pair(0, 100, "two increasing percentiles, such as [45, 55]")]
    che_income_thresholds: Cited[increasing_pair(0, 10, "two increasing thresholds, such as [0.10, 0.25]")]
    che_capacity_threshold: Cited[real(0, 10)]
    target_oop_share: Cited[real(0, 1)]

    def to_params(self) -> OutcomeParams:
        return OutcomeParams(
            poverty_line=self.poverty_line.value,
            equivalence_exponent=self.equivalence_exponent.value,
            subsistence_percentiles=self.subsistence_food_share_percentiles.value,
            che_income_thresholds=self.che_income_thresholds.value,
            che_capacity_threshold=self.che_capacity_threshold.value,
            target_oop_share=self.target_oop_share.value,
        )


def parse_outcomes(section: object, origins: Origins, path: tuple[str, ...] = ("outcomes",)) -> OutcomeParams:
    """The outcome definitions of a scenario's `outcomes` section, or InputError naming file and field."""
    return validated(OutcomesFile, section, origins, path).to_params()



def outcome_params(scenario) -> OutcomeParams:
    """The scenario's outcomes section, read into its model.

    Parameters
    ----------
    scenario : Scenario
        A loaded scenario (its tree and where each value came from).

    Returns
    -------
    OutcomeParams
    """
    return parse_outcomes(scenario.tree["outcomes"], scenario.origins)

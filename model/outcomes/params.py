"""Outcome definitions: poverty line, capacity to pay, catastrophic-expenditure thresholds, the seeds' targets."""

from __future__ import annotations

from dataclasses import dataclass

from model.population.params import _cited, _float
from model.scenario.node import Node


@dataclass(frozen=True)
class OutcomeParams:
    poverty_line: float | None  # yuan a person a year; None: the line of the simulated year (population.by_year)
    equivalence_exponent: float  # equivalent adults = household size ** this
    subsistence_percentiles: tuple[float, float]  # food-share percentiles whose households set subsistence spending
    che_income_thresholds: tuple[float, float]
    che_capacity_threshold: float
    target_oop_share: float  # seed 002's yardstick, for every scheme: county inpatient and chronic outpatient each


def parse(node: Node) -> OutcomeParams:
    keys = ("poverty_line", "equivalence_exponent", "subsistence_food_share_percentiles", "che_income_thresholds",
            "che_capacity_threshold", "target_oop_share")
    parts = node.mapping(("id", "name", "description", "base", "set") + keys, required=keys)
    thresholds = _cited(parts["che_income_thresholds"])
    values = [_float(item, 0, 10) for item in thresholds.elements()]
    if len(values) != 2 or values[0] >= values[1]:
        raise thresholds.fail("two increasing thresholds, such as [0.10, 0.25]")
    percentiles_node = _cited(parts["subsistence_food_share_percentiles"])
    percentiles = [_float(item, 0, 100) for item in percentiles_node.elements()]
    if len(percentiles) != 2 or percentiles[0] >= percentiles[1]:
        raise percentiles_node.fail("two increasing percentiles, such as [45, 55]")
    line_node = _cited(parts["poverty_line"])
    return OutcomeParams(
        poverty_line=None if line_node.value == "year" else _float(line_node, 0),
        equivalence_exponent=_float(_cited(parts["equivalence_exponent"]), 0, 1),
        subsistence_percentiles=(percentiles[0], percentiles[1]),
        che_income_thresholds=(values[0], values[1]),
        che_capacity_threshold=_float(_cited(parts["che_capacity_threshold"]), 0, 10),
        target_oop_share=_float(_cited(parts["target_oop_share"]), 0, 1),
    )


def validate(node: Node) -> None:
    parse(node)


def outcome_params(scenario) -> OutcomeParams:
    return parse(Node(scenario.tree["outcomes"], ("outcomes",), scenario.origins))

"""Outcome definitions: poverty and subsistence lines, catastrophic-expenditure thresholds, the seeds' targets."""

from __future__ import annotations

from dataclasses import dataclass

from model.population.params import _cited, _float
from model.scenario.node import Node


@dataclass(frozen=True)
class OutcomeParams:
    poverty_line: float  # yuan a person a year
    subsistence_line: float  # yuan a person a year
    che_income_thresholds: tuple[float, float]
    che_capacity_threshold: float
    target_oop_share: float  # seed 002's yardstick, for every scheme: county inpatient and chronic outpatient each


def parse(node: Node) -> OutcomeParams:
    keys = ("poverty_line", "subsistence_line", "che_income_thresholds", "che_capacity_threshold", "target_oop_share")
    parts = node.mapping(("id", "name", "description", "base", "set") + keys, required=keys)
    thresholds = _cited(parts["che_income_thresholds"])
    values = [_float(item, 0, 10) for item in thresholds.elements()]
    if len(values) != 2 or values[0] >= values[1]:
        raise thresholds.fail("two increasing thresholds, such as [0.10, 0.25]")
    return OutcomeParams(
        poverty_line=_float(_cited(parts["poverty_line"]), 0),
        subsistence_line=_float(_cited(parts["subsistence_line"]), 0),
        che_income_thresholds=(values[0], values[1]),
        che_capacity_threshold=_float(_cited(parts["che_capacity_threshold"]), 0, 10),
        target_oop_share=_float(_cited(parts["target_oop_share"]), 0, 1),
    )


def validate(node: Node) -> None:
    parse(node)


def outcome_params(scenario) -> OutcomeParams:
    return parse(Node(scenario.tree["outcomes"], ("outcomes",), scenario.origins))

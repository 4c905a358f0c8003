"""A scheme's own targets (its `targets` section): the reimbursement it promises, and a cap on compliant out-of-pocket."""

from __future__ import annotations

from dataclasses import dataclass

from model.scenario.node import Node

COVERED = ("poor", "registered")


@dataclass(frozen=True)
class SchemeTargets:
    reimbursement: float | None = None  # share of a compliant admission of the poor the scheme promises to reimburse
    oop_compliant_max: float | None = None  # most of the compliant (in-catalogue) cost the poor should pay themselves
    covers: str = "poor"  # whose admissions the reimbursement target is for: 'poor' (any category) or 'registered'


def parse(node: Node) -> SchemeTargets:
    parts = node.mapping(("reimbursement", "oop_compliant_max", "covers"))
    found: dict[str, object] = {key: parts[key].cited()[0].rate() / 1_000_000 for key in parts if key != "covers"}
    if "covers" in parts:
        found["covers"] = parts["covers"].cited()[0].choice(COVERED, "group")
    return SchemeTargets(**found)


def validate(node: Node) -> None:
    parse(node)


def scheme_targets(scenario) -> SchemeTargets:
    """The scenario's targets; none when its scheme file states none (baseline, GS 2016)."""
    if "targets" not in scenario.tree:
        return SchemeTargets()
    return parse(Node(scenario.tree["targets"], ("targets",), scenario.origins))

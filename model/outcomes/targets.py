"""A scheme's own targets (its `targets` section): the reimbursement it promises, and a cap on compliant
out-of-pocket."""

from __future__ import annotations

from dataclasses import dataclass

from model.scenario.sections import COVERED, TargetsFile
from model.scenario.messages import Origins, validated

__all__ = ["COVERED", "SchemeTargets", "parse_targets", "scheme_targets"]


@dataclass(frozen=True)
class SchemeTargets:
    """What a scheme promises the poor: the share of a compliant admission reimbursed and the most of the compliant cost
    they pay themselves (shares)."""

    reimbursement: float | None = None  # share of a compliant admission of the poor the scheme promises to reimburse
    oop_compliant_max: float | None = None  # most of the compliant (in-catalogue) cost the poor should pay themselves
    covers: str = "poor"  # whose admissions the reimbursement target is for: 'poor' (any category) or 'registered'


def parse_targets(section: object, origins: Origins, path: tuple[str, ...] = ("targets",)) -> SchemeTargets:
    """The targets of a scheme's `targets` section, or InputError naming file and field."""
    found = validated(TargetsFile, section, origins, path)
    stated: dict[str, object] = {key: getattr(found, key).value / 1_000_000 for key in ("reimbursement", "oop_compliant_max")
                                 if getattr(found, key) is not None}
    if found.covers is not None:
        stated["covers"] = found.covers.value
    return SchemeTargets(**stated)


def scheme_targets(scenario) -> SchemeTargets:
    """The scenario's targets; none when its scheme file states none (baseline, GS 2016)."""
    if "targets" not in scenario.tree:
        return SchemeTargets()
    return parse_targets(scenario.tree["targets"], scenario.origins)

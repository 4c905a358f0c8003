"""A scheme's `capitation:` section (XZ (七)2): named funds bundled into a per-capita budget for the lead hospital.

Claims settle as before; what the bundled payers pay on the covered persons' claims comes out of
the budget, and the lead hospital of the county medical community keeps the surplus or bears the
deficit (「超支自负,结余留用」). The government's outlay for the covered persons is then the budget,
fixed in advance, instead of the bundled payers' outlays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.codes import CATEGORY_CODE, PAYERS
from model.rules.program import MEMBERS  # [category-set code, category code]
from model.scenario.sections import BUNDLABLE, COVERS, CapitationFile
from model.scenario.messages import Origins, validated

__all__ = ["BUNDLABLE", "COVERS", "Capitation", "bundle_balance", "capitation_of", "parse_capitation"]


@dataclass(frozen=True)
class Capitation:
    """Capitation (按人头打包, XZ (七)2): who is covered ('registered' or 'all') and the fen a covered person a year bundled
    from each payer."""

    covers: str  # 'registered' (建档立卡贫困人口) or 'all' (城乡居民)
    per_capita: dict[str, int]  # fen a covered person a year, by bundled payer

    @property
    def bundled(self) -> np.ndarray:
        """Indices of the bundled payers in PAYERS."""
        return np.array([PAYERS.index(payer) for payer in self.per_capita], dtype=np.int64)

    def covered(self, category: np.ndarray) -> np.ndarray:
        """Which persons (or claims) of these category-set codes the bundle covers."""
        if self.covers == "all":
            return np.ones(category.shape, dtype=bool)
        return MEMBERS[category, CATEGORY_CODE["registered_poor"]]


def parse_capitation(section: object, origins: Origins, path: tuple[str, ...] = ("capitation",)) -> Capitation:
    """The capitation of a scheme's `capitation` section, or InputError naming file and field."""
    found = validated(CapitationFile, section, origins, path)
    return Capitation(covers=found.covers.value, per_capita=dict(found.per_capita.value))


def capitation_of(scenario) -> Capitation | None:
    """The scenario's capitation, None without a `capitation:` section."""
    if "capitation" not in scenario.tree:
        return None
    return parse_capitation(scenario.tree["capitation"], scenario.origins)


def bundle_balance(capitation: Capitation, covered_persons: int, bundled_outlay_fen: np.ndarray) -> dict[str, int]:
    """Fen a year: the budget paid to the lead hospital, the bundled payers' outlays on the covered persons'
    claims (`bundled_outlay_fen`, by PAYERS), and the hospital's balance, budget − outlays (negative: a deficit)."""
    budget = sum(amount * covered_persons for amount in capitation.per_capita.values())
    outlay = int(bundled_outlay_fen[capitation.bundled].sum())
    return {"budget": budget, "outlay": outlay, "surplus": budget - outlay}

"""Single-disease fixed prices (单病种收费标准, XZ (六); 定单病种费用, MJ (三)): a scheme's `fixed_prices:` section.

A special-treatment admission (spec §4.2: inpatient, compliant, a listed disease at a listed level)
of a covered person is billed at the fixed price of its disease and level, all of it within the
catalogue (no out-of-list charges). Applied where claims are built, so that schemes compared on the
same people and illnesses differ only in the repriced admissions; `hpa adjudicate` settles claims
as given and never reprices.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from model.codes import CATEGORY_CODE, DISEASE_CODE, DISEASES, LEVEL_CODE, LEVELS, SERVICE_CODE
from model.errors import InputError
from model.rules.claim_arrays import ClaimArrays
from model.rules.program import MEMBERS  # [category-set code, category code]
from model.scenario.sections import FixedPricesFile
from model.scenario.messages import Origins, dotted, validated

NO_PRICE = -1


@dataclass(frozen=True)
class FixedPrices:
    """Fixed prices of a scheme (单病种定额): the price (fen) of each disease at each level, whose admissions are repriced,
    and the special-treatment diseases and levels."""

    price: np.ndarray  # [disease code, level code] fen, NO_PRICE where the scheme fixes none
    categories: tuple[str, ...]  # whose admissions are repriced (any of a claim's categories)
    special_diseases: tuple[str, ...]
    special_levels: tuple[str, ...]


def parse_fixed_prices(section: object, origins: Origins, path: tuple[str, ...] = ("fixed_prices",),
                       special_diseases: tuple[str, ...] = (), special_levels: tuple[str, ...] = ()) -> FixedPrices:
    """The fixed prices of a scheme's `fixed_prices` section, or InputError naming file and field; with the
    scheme's special-treatment diseases and levels, a price for any other is refused."""
    found = validated(FixedPricesFile, section, origins, path)

    def refused(at: tuple[str, ...], expected: str, shown: str) -> InputError:
        where = path + ("prices",) + at
        return InputError(f"{origins.of(where)}: {dotted(where)}: expected {expected}, found {shown}")

    price = np.full((len(DISEASES), len(LEVELS)), NO_PRICE, dtype=np.int64)
    for disease, by_level in found.prices.value.items():
        if special_diseases and disease not in special_diseases:
            raise refused((disease,), "a disease on the scheme's special-treatment list", repr(disease))
        for level, amount in by_level.items():
            if special_levels and level not in special_levels:
                raise refused((disease, level), f"a special-treatment level of the scheme ({', '.join(special_levels)})",
                              repr(level))
            price[DISEASE_CODE[disease], LEVEL_CODE[level]] = amount
    return FixedPrices(price=price, categories=found.categories.value, special_diseases=special_diseases,
                       special_levels=special_levels)


def fixed_prices_of(scenario) -> FixedPrices | None:
    """The scenario's fixed prices, None without a `fixed_prices:` section. Needs the scheme's special-treatment
    list."""
    if "fixed_prices" not in scenario.tree:
        return None
    special = scenario.scheme.special_treatment
    section = scenario.tree["fixed_prices"]
    if special is None:
        where = ("fixed_prices",)
        raise InputError(f"{scenario.origins.of(where)}: {dotted(where)}: expected a scheme with a special_treatment "
                         f"list (fixed prices are for its admissions), found none")
    return parse_fixed_prices(section, scenario.origins, special_diseases=special.diseases, special_levels=special.levels)


def repriced(prices: FixedPrices, claims: ClaimArrays) -> np.ndarray:
    """Which claims the fixed prices bill: special-treatment admissions of covered persons with a price."""
    covered = MEMBERS[claims.category][:, [CATEGORY_CODE[c] for c in prices.categories]].any(axis=1)
    special = ((claims.service == SERVICE_CODE["inpatient"]) & claims.compliant
               & np.isin(claims.disease, [DISEASE_CODE[d] for d in prices.special_diseases])
               & np.isin(claims.level, [LEVEL_CODE[level] for level in prices.special_levels]))
    return covered & special & (prices.price[claims.disease, claims.level] != NO_PRICE)


def reprice(prices: FixedPrices | None, claims: ClaimArrays) -> ClaimArrays:
    """The claims with each fixed-price admission's total and eligible cost set to its price (no out-of-list)."""
    if prices is None:
        return claims
    rows = repriced(prices, claims)
    if not rows.any():
        return claims
    price = prices.price[claims.disease, claims.level]
    total = np.where(rows, price, claims.total)
    return replace(claims, total=total, eligible=np.where(rows, price, claims.eligible))

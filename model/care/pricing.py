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

from model.codes import (
    CATEGORIES,
    CATEGORY_CODE,
    DISEASE_CODE,
    DISEASES,
    LEVEL_CODE,
    LEVELS,
    SERVICE_CODE,
)
from model.rules.claim_arrays import ClaimArrays
from model.rules.program import MEMBERS  # [category-set code, category code]
from model.scenario.node import Node

KEYS = ("prices", "categories", "note")
NO_PRICE = -1


@dataclass(frozen=True)
class FixedPrices:
    price: np.ndarray  # [disease code, level code] fen, NO_PRICE where the scheme fixes none
    categories: tuple[str, ...]  # whose admissions are repriced (any of a claim's categories)
    special_diseases: tuple[str, ...]
    special_levels: tuple[str, ...]


def parse(node: Node, special_diseases: tuple[str, ...] = (), special_levels: tuple[str, ...] = ()) -> FixedPrices:
    parts = node.mapping(KEYS, required=("prices", "categories"))
    categories = parts["categories"].cited()[0].choices(CATEGORIES, "category")
    prices_node, _ = parts["prices"].cited()
    price = np.full((len(DISEASES), len(LEVELS)), NO_PRICE, dtype=np.int64)
    for disease, by_level in prices_node.items():
        if disease not in DISEASE_CODE or not disease:
            raise by_level.fail("a disease code of spec §5 as key", found=repr(disease))
        if special_diseases and disease not in special_diseases:
            raise by_level.fail("a disease on the scheme's special-treatment list", found=repr(disease))
        for level, amount in by_level.items():
            if level not in LEVEL_CODE:
                raise amount.fail(f"a level ({', '.join(LEVELS)}) as key", found=repr(level))
            if special_levels and level not in special_levels:
                raise amount.fail(f"a special-treatment level of the scheme ({', '.join(special_levels)})", found=repr(level))
            price[DISEASE_CODE[disease], LEVEL_CODE[level]] = amount.money()
    return FixedPrices(price=price, categories=categories, special_diseases=special_diseases, special_levels=special_levels)


def validate(node: Node) -> None:
    parse(node)


def fixed_prices_of(scenario) -> FixedPrices | None:
    """The scenario's fixed prices, None without a `fixed_prices:` section. Needs the scheme's special-treatment list."""
    if "fixed_prices" not in scenario.tree:
        return None
    special = scenario.scheme.special_treatment
    node = Node(scenario.tree["fixed_prices"], ("fixed_prices",), scenario.origins)
    if special is None:
        raise node.fail("a scheme with a special_treatment list (fixed prices are for its admissions)", found="none")
    return parse(node, special.diseases, special.levels)


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

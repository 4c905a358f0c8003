"""Compiling a scheme into flat arrays: for every kind of claim, the layers that apply and their parameters.

A claim's kind (its "class") is the tuple category set × service × level × compliant × disease; every
filter of spec §4.2, the special-treatment test and the choice of rate, deductible, target and
cap depend on nothing else. So filters are evaluated once per class here, vectorized, and the
kernel only walks the few layers that apply to each claim.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.codes import (
    CATEGORY_CODE,
    CATEGORY_SET_MEMBERS,
    CATEGORY_SETS,
    DISEASE_CODE,
    DISEASES,
    LEVEL_CODE,
    LEVELS,
    PAYER_CODE,
    PAYERS,
    SERVICE_CODE,
    SERVICES,
    output_columns,
)
from model.scenario.scheme import Ceiling, Coinsurance, OutOfList, Scheme, Tiered, Topup

COINSURANCE, TIERED, TOPUP, CEILING, OUT_OF_LIST = range(5)
MECHANIC_CODE = {Coinsurance: COINSURANCE, Tiered: TIERED, Topup: TOPUP, Ceiling: CEILING, OutOfList: OUT_OF_LIST}
NO_LIMIT = -1
N_DISEASES = len(DISEASES)
SHAPE = (len(CATEGORY_SETS), len(SERVICES), len(LEVELS), 2, N_DISEASES)
N_CLASSES = int(np.prod(SHAPE))


def claim_class(category, service, level, compliant, disease) -> np.ndarray:
    """The class index of each claim (arrays of codes in, the category as a set code; int32 out)."""
    index = np.asarray(category, dtype=np.int32)
    for code, size in ((service, SHAPE[1]), (level, SHAPE[2]), (compliant, SHAPE[3]), (disease, SHAPE[4])):
        index = index * size + np.asarray(code, dtype=np.int32)
    return index


@dataclass(frozen=True)
class Program:
    """A scheme as the kernel reads it. Money in fen, rates in ppm, NO_LIMIT (-1) for none."""

    scheme_id: str
    layer_ids: tuple[str, ...]
    # per layer
    mechanic: np.ndarray  # int8
    payer: np.ndarray  # int8
    base_total: np.ndarray  # bool: base is eligible + out-of-list
    tier_deductible: np.ndarray  # int64
    tier_upper: np.ndarray  # int64 [layer, bracket], NO_LIMIT for open
    tier_rate: np.ndarray  # int64 [layer, bracket]
    tier_count: np.ndarray  # int64
    ceiling: np.ndarray  # int64
    out_of_list_limit: np.ndarray  # int64 ppm of total, NO_LIMIT for none
    payer_cap: np.ndarray  # int64 per payer
    # per class: entries class_start[c]:class_start[c+1]
    class_start: np.ndarray  # int64
    entry_layer: np.ndarray  # int64
    entry_rate: np.ndarray  # int64: coinsurance rate or top-up target, ppm
    entry_deductible: np.ndarray  # int64
    entry_cap: np.ndarray  # int64 layer annual cap (per person-year or person-disease-year)
    entry_cap_slot: np.ndarray  # int64 counter index
    n_cap_slots: int
    charity: bool = False  # a layer is paid by charity: its output has a `charity` column (spec §2)

    @property
    def output_columns(self) -> tuple[str, ...]:
        return output_columns(self.charity)

    def kernel_arguments(self) -> tuple:
        return (
            self.class_start, self.entry_layer, self.entry_rate, self.entry_deductible,
            self.entry_cap, self.entry_cap_slot, self.n_cap_slots,
            self.mechanic, self.payer, self.base_total, self.tier_deductible, self.tier_upper,
            self.tier_rate, self.tier_count, self.ceiling, self.out_of_list_limit, self.payer_cap,
        )


def _class_grid() -> dict[str, np.ndarray]:
    grid = np.indices(SHAPE).reshape(len(SHAPE), -1)
    return dict(zip(("category", "service", "level", "compliant", "disease"), grid))


def _codes(names, table) -> np.ndarray:
    return np.array([table[name] for name in names], dtype=np.int64)


MEMBERS = np.array(CATEGORY_SET_MEMBERS, dtype=bool)  # [set code, category code]


def _holds_any(category_set: np.ndarray, categories: tuple[str, ...]) -> np.ndarray:
    """Whether each category set holds any of `categories`."""
    return MEMBERS[category_set][:, _codes(categories, CATEGORY_CODE)].any(axis=1)


def _applies(layer, grid: dict[str, np.ndarray], special: np.ndarray) -> np.ndarray:
    when = layer.when
    ok = np.ones(N_CLASSES, dtype=bool)
    if when.categories is not None:  # spec §4.2: any of the claim's categories listed
        ok &= _holds_any(grid["category"], when.categories)
    if when.exclude_categories is not None:
        ok &= ~_holds_any(grid["category"], when.exclude_categories)
    if when.services is not None:
        ok &= np.isin(grid["service"], _codes(when.services, SERVICE_CODE))
    if when.levels is not None:
        ok &= np.isin(grid["level"], _codes(when.levels, LEVEL_CODE))
    if when.diseases is not None:
        ok &= np.isin(grid["disease"], _codes(when.diseases, DISEASE_CODE))
    if when.diseases_by_service is not None:
        for service, diseases in when.diseases_by_service.items():
            of_service = grid["service"] == SERVICE_CODE[service]
            ok &= ~of_service | np.isin(grid["disease"], _codes(diseases, DISEASE_CODE))
    if when.exclude_diseases is not None:
        ok &= ~np.isin(grid["disease"], _codes(when.exclude_diseases, DISEASE_CODE))
    if when.compliant is not None:
        ok &= grid["compliant"] == int(when.compliant)
    if when.special is not None:
        ok &= special == when.special
    return ok


def _by_level(mapping: dict[str, int], grid: dict[str, np.ndarray], missing: int) -> np.ndarray:
    by_level = np.full(len(LEVELS), missing, dtype=np.int64)
    for level, value in mapping.items():
        by_level[LEVEL_CODE[level]] = value
    return by_level[grid["level"]]


def _by_disease(values: np.ndarray, mapping: dict[str, int], grid: dict[str, np.ndarray]) -> np.ndarray:
    if not mapping:
        return values
    by_disease = np.full(N_DISEASES, NO_LIMIT, dtype=np.int64)
    for disease, value in mapping.items():
        by_disease[DISEASE_CODE[disease]] = value
    override = by_disease[grid["disease"]]
    return np.where(override != NO_LIMIT, override, values)


def compile_scheme(scheme: Scheme) -> Program:
    grid = _class_grid()
    n_layers = len(scheme.layers)
    special = np.zeros(N_CLASSES, dtype=bool)
    if scheme.special_treatment is not None:
        special = (
            (grid["service"] == SERVICE_CODE["inpatient"])
            & (grid["compliant"] == 1)
            & np.isin(grid["disease"], _codes(scheme.special_treatment.diseases, DISEASE_CODE))
            & np.isin(grid["level"], _codes(scheme.special_treatment.levels, LEVEL_CODE))
        )
    max_brackets = max([len(l.mechanic.brackets) for l in scheme.layers if isinstance(l.mechanic, Tiered)] + [1])
    mechanic = np.zeros(n_layers, dtype=np.int8)
    payer = np.zeros(n_layers, dtype=np.int8)
    base_total = np.zeros(n_layers, dtype=np.bool_)
    tier_deductible = np.zeros(n_layers, dtype=np.int64)
    tier_upper = np.full((n_layers, max_brackets), NO_LIMIT, dtype=np.int64)
    tier_rate = np.zeros((n_layers, max_brackets), dtype=np.int64)
    tier_count = np.zeros(n_layers, dtype=np.int64)
    ceiling = np.zeros(n_layers, dtype=np.int64)
    out_of_list_limit = np.full(n_layers, NO_LIMIT, dtype=np.int64)
    applies = np.zeros((N_CLASSES, n_layers), dtype=bool)
    rate = np.zeros((N_CLASSES, n_layers), dtype=np.int64)
    deductible = np.zeros((N_CLASSES, n_layers), dtype=np.int64)
    cap = np.full((N_CLASSES, n_layers), NO_LIMIT, dtype=np.int64)
    cap_slot = np.zeros((N_CLASSES, n_layers), dtype=np.int64)

    for l, layer in enumerate(scheme.layers):
        m = layer.mechanic
        mechanic[l] = MECHANIC_CODE[type(m)]
        payer[l] = PAYER_CODE[layer.payer]
        base_total[l] = m.base == "total"
        ok = _applies(layer, grid, special)
        if isinstance(m, Coinsurance):
            layer_rate = (
                _by_level(m.rate_by_level, grid, NO_LIMIT) if m.rate_by_level is not None
                else np.full(N_CLASSES, m.rate, dtype=np.int64)
            )
            layer_rate = _by_disease(layer_rate, m.rate_by_disease, grid)
            ok &= layer_rate != NO_LIMIT  # a level missing from rates by level: the layer does not apply
            rate[:, l] = layer_rate
            deductible[:, l] = _by_level(m.deductible_by_level, grid, 0)
        elif isinstance(m, Topup):
            rate[:, l] = _by_disease(np.full(N_CLASSES, m.target, dtype=np.int64), m.target_by_disease, grid)
        elif isinstance(m, Tiered):
            tier_deductible[l] = m.deductible
            tier_count[l] = len(m.brackets)
            for k, (upper, bracket_rate) in enumerate(m.brackets):
                tier_upper[l, k] = NO_LIMIT if upper is None else upper
                tier_rate[l, k] = bracket_rate
        elif isinstance(m, Ceiling):
            ceiling[l] = m.amount
        elif isinstance(m, OutOfList):
            out_of_list_limit[l] = NO_LIMIT if m.limit_share_of_total is None else m.limit_share_of_total
        if layer.annual_cap_by_disease is not None:
            by_disease = np.full(N_DISEASES, NO_LIMIT, dtype=np.int64)
            for disease, amount in layer.annual_cap_by_disease.items():
                by_disease[DISEASE_CODE[disease]] = amount
            cap[:, l] = by_disease[grid["disease"]]
            cap_slot[:, l] = n_layers + l * N_DISEASES + grid["disease"]
        else:
            cap[:, l] = NO_LIMIT if layer.annual_cap is None else layer.annual_cap
            cap_slot[:, l] = l
        applies[:, l] = ok

    counts = applies.sum(axis=1)
    class_start = np.zeros(N_CLASSES + 1, dtype=np.int64)
    np.cumsum(counts, out=class_start[1:])
    rows, layers = np.nonzero(applies)  # row-major: classes in order, layers in scheme order
    payer_cap = np.full(len(PAYERS), NO_LIMIT, dtype=np.int64)
    for name, amount in scheme.payer_caps.items():
        payer_cap[PAYER_CODE[name]] = amount
    return Program(
        scheme_id=scheme.id,
        layer_ids=tuple(layer.id for layer in scheme.layers),
        mechanic=mechanic, payer=payer, base_total=base_total,
        tier_deductible=tier_deductible, tier_upper=tier_upper, tier_rate=tier_rate, tier_count=tier_count,
        ceiling=ceiling, out_of_list_limit=out_of_list_limit, payer_cap=payer_cap,
        class_start=class_start,
        entry_layer=layers.astype(np.int64),
        entry_rate=rate[rows, layers],
        entry_deductible=deductible[rows, layers],
        entry_cap=cap[rows, layers],
        entry_cap_slot=cap_slot[rows, layers],
        n_cap_slots=n_layers + n_layers * N_DISEASES,
        charity=scheme.has_charity,
    )

"""Compiling a scheme into flat arrays: for every kind of claim, the layers that apply and their parameters.

A claim's kind (its "class") is the tuple category set × service × level × compliant × disease; every
filter of spec §4.2, the special-treatment test and the choice of rate, deductible, target and
cap depend on nothing else. So filters are evaluated once per class here, vectorized, and the
kernel only walks the few layers that apply to each claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:  # the scheme's types load with a scheme (compile_scheme): reading claims needs only claim_class
    from model.scenario.layers import Scheme

# The mechanics of spec §4.1, numbered in the order of its table.
COINSURANCE, TIERED, TOPUP, CEILING, OUT_OF_LIST = range(5)
NO_LIMIT = -1
N_DISEASES = len(DISEASES)
SHAPE = (len(CATEGORY_SETS), len(SERVICES), len(LEVELS), 2, N_DISEASES)
N_CLASSES = int(np.prod(SHAPE))

# One record per layer of the scheme, in the scheme's order: what the layer is whatever the claim.
LAYER = np.dtype(
    [
        ("mechanic", np.int8),  # COINSURANCE … OUT_OF_LIST: the row of spec §4.1
        ("payer", np.int8),  # its column in spec §2 (model.codes.PAYERS)
        ("base_total", np.bool_),  # `base: total`: the layer sees E + X; else E (spec §3.3)
        ("deductible", np.int64),  # tiered: the annual deductible, fen
        ("first_bracket", np.int64),  # tiered: its brackets are BRACKET records first_bracket, …
        ("n_brackets", np.int64),  # … n_brackets of them
        ("ceiling", np.int64),  # ceiling: c, fen
        ("out_of_list_limit", np.int64),  # out_of_list: limit_share_of_total, ppm; NO_LIMIT for none
    ],
    align=True,
)
# One record per bracket of a tiered layer (spec §4.1 `tiered`): upper bound (fen, NO_LIMIT for none) and rate (ppm).
BRACKET = np.dtype([("upper", np.int64), ("rate", np.int64)], align=True)
# One record per (kind of claim, layer that applies to it), classes in order, layers in the scheme's order:
# what depends on the claim's kind as well as on the layer.
ENTRY = np.dtype(
    [
        ("layer", np.int64),  # index into the LAYER records
        ("rate", np.int64),  # coinsurance: the rate (by level, by disease); topup: the target; ppm
        ("deductible", np.int64),  # coinsurance: the per-claim deductible of the claim's level, fen
        ("annual_cap", np.int64),  # the layer's annual cap (per person-year or person-disease-year), NO_LIMIT for none
        ("cap_slot", np.int64),  # the counter the annual cap is kept in (spec §3.2)
    ],
    align=True,
)


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
    layers: np.ndarray  # LAYER records, one per layer
    brackets: np.ndarray  # BRACKET records of the tiered layers
    class_start: np.ndarray  # int64: the entries of class c are entries[class_start[c]:class_start[c + 1]]
    entries: np.ndarray  # ENTRY records
    payer_caps: np.ndarray  # int64 per payer (model.codes.PAYERS): the annual cap of `payer_caps`, NO_LIMIT for none
    n_cap_slots: int  # counters for annual caps: one per layer, then one per layer and disease
    charity: bool = False  # a layer is paid by charity: its output has a `charity` column (spec §2)

    @property
    def output_columns(self) -> tuple[str, ...]:
        return output_columns(self.charity)

    def kernel_arguments(self) -> tuple:
        """The program as settle_kernel and settle_run take it, after the claims."""
        return (self.class_start, self.entries, self.layers, self.brackets, self.payer_caps, self.n_cap_slots)


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
    """The program of `scheme`: its layers as LAYER (and BRACKET) records, and for every kind of claim
    the layers whose filters (spec §4.2) it passes, as ENTRY records with the parameters that depend on it."""
    from model.scenario.layers import Ceiling, Coinsurance, OutOfList, Tiered, Topup

    mechanic_code = {Coinsurance: COINSURANCE, Tiered: TIERED, Topup: TOPUP, Ceiling: CEILING, OutOfList: OUT_OF_LIST}
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
    layers = np.zeros(n_layers, dtype=LAYER)
    layers["out_of_list_limit"] = NO_LIMIT
    brackets: list[tuple[int, int]] = []
    applies = np.zeros((N_CLASSES, n_layers), dtype=bool)
    rate = np.zeros((N_CLASSES, n_layers), dtype=np.int64)
    deductible = np.zeros((N_CLASSES, n_layers), dtype=np.int64)
    cap = np.full((N_CLASSES, n_layers), NO_LIMIT, dtype=np.int64)
    cap_slot = np.zeros((N_CLASSES, n_layers), dtype=np.int64)

    for l, layer in enumerate(scheme.layers):
        m = layer.mechanic
        record = layers[l]
        record["mechanic"] = mechanic_code[type(m)]
        record["payer"] = PAYER_CODE[layer.payer]
        record["base_total"] = m.base == "total"
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
            record["deductible"] = m.deductible
            record["first_bracket"] = len(brackets)
            record["n_brackets"] = len(m.brackets)
            brackets.extend((NO_LIMIT if upper is None else upper, bracket_rate) for upper, bracket_rate in m.brackets)
        elif isinstance(m, Ceiling):
            record["ceiling"] = m.amount
        elif isinstance(m, OutOfList):
            record["out_of_list_limit"] = NO_LIMIT if m.limit_share_of_total is None else m.limit_share_of_total
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
    rows, layers_of_entries = np.nonzero(applies)  # row-major: classes in order, layers in scheme order
    payer_caps = np.full(len(PAYERS), NO_LIMIT, dtype=np.int64)
    for name, amount in scheme.payer_caps.items():
        payer_caps[PAYER_CODE[name]] = amount
    entries = np.zeros(len(rows), dtype=ENTRY)
    entries["layer"] = layers_of_entries
    entries["rate"] = rate[rows, layers_of_entries]
    entries["deductible"] = deductible[rows, layers_of_entries]
    entries["annual_cap"] = cap[rows, layers_of_entries]
    entries["cap_slot"] = cap_slot[rows, layers_of_entries]
    return Program(
        scheme_id=scheme.id,
        layer_ids=tuple(layer.id for layer in scheme.layers),
        layers=layers,
        brackets=np.array(brackets, dtype=BRACKET),
        class_start=class_start,
        entries=entries,
        payer_caps=payer_caps,
        n_cap_slots=n_layers + n_layers * N_DISEASES,
        charity=scheme.has_charity,
    )

"""A slow, literal reading of spec §3–§4 in plain Python: the yardstick the fast engine is tested against.

It shares nothing with the compiled engine but the typed scheme: its arithmetic uses Fractions,
its accumulators are dictionaries, and it walks claims one at a time as the spec describes.
Read it beside model/rules/kernel.py: the mechanics of §4.1 carry the same names there, in the
same order, and `settle` takes a claim through its layers in the steps `settle_kernel` takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from model.codes import PAYERS
from model.scenario.layers import Ceiling, Coinsurance, Filter, Layer, OutOfList, Scheme, Tiered, Topup


@dataclass(frozen=True)
class Claim:
    """One claim in spec §1 terms, money in integer fen."""

    claim_id: str
    person_id: str
    date: str  # YYYY-MM-DD
    service: str
    level: str
    disease: str
    total: int
    eligible: int
    compliant: bool
    category: str  # a category set as spec §1 writes it: 'ordinary', 'dibao+registered_poor', ...

    @property
    def year(self) -> int:
        return int(self.date[:4])


def round_half_up(value: Fraction) -> int:
    """Round a non-negative exact amount of fen half up."""
    numerator, denominator = value.numerator, value.denominator
    return (2 * numerator + denominator) // (2 * denominator)


def times(rate_ppm: int, amount: int) -> int:
    """A rate applied to an amount, rounded half up to the fen (spec §3, rounding).

    Parameters
    ----------
    rate_ppm : int
        The rate in parts per million.
    amount : int
        fen.

    Returns
    -------
    int
        fen.
    """
    return round_half_up(Fraction(rate_ppm, 1_000_000) * amount)


def is_special(scheme: Scheme, claim: Claim) -> bool:
    """Whether a claim falls under the scheme's special treatment (spec §4, special-treatment list): a compliant
    inpatient claim of a listed disease at a listed level.

    Parameters
    ----------
    scheme : Scheme
    claim : Claim

    Returns
    -------
    bool
    """
    listing = scheme.special_treatment
    return (
        listing is not None
        and claim.service == "inpatient"
        and claim.compliant
        and claim.disease in listing.diseases
        and claim.level in listing.levels
    )


def failed_filter(when: Filter, claim: Claim, special: bool) -> str | None:
    """The first filter the claim fails, named for a settlement slip; None when every filter matches."""
    members = claim.category.split("+")
    if when.categories is not None and not any(member in when.categories for member in members):
        return f"category {claim.category} not in {', '.join(when.categories)}"
    if when.exclude_categories is not None and any(member in when.exclude_categories for member in members):
        return f"category {claim.category} excluded ({', '.join(when.exclude_categories)})"
    if when.services is not None and claim.service not in when.services:
        return f"service {claim.service} not in {', '.join(when.services)}"
    if when.levels is not None and claim.level not in when.levels:
        return f"level {claim.level} not in {', '.join(when.levels)}"
    if when.diseases is not None and claim.disease not in when.diseases:
        return f"disease {claim.disease or '(none)'} not in the layer's list"
    if when.diseases_by_service is not None and claim.service in when.diseases_by_service:
        if claim.disease not in when.diseases_by_service[claim.service]:
            return f"disease {claim.disease or '(none)'} not in the layer's list for {claim.service}"
    if when.exclude_diseases is not None and claim.disease in when.exclude_diseases:
        return f"disease {claim.disease} is excluded"
    if when.compliant is not None and claim.compliant != when.compliant:
        return "claim is referral-compliant; the layer is for unreferred claims" if claim.compliant else "claim is not referral-compliant"
    if when.special is not None and special != when.special:
        return "claim is special treatment, which the layer excludes" if special else "claim is not special treatment"
    return None


def coinsurance_rate(mechanic: Coinsurance, claim: Claim) -> int | None:
    """The layer's rate for this claim, or None when its level is missing from the rates by level."""
    if claim.disease in mechanic.rate_by_disease:
        return mechanic.rate_by_disease[claim.disease]
    if mechanic.rate_by_level is not None:
        return mechanic.rate_by_level.get(claim.level)
    return mechanic.rate


# Spec §4.1, one function per row of its table, in its order (model/rules/kernel.py has the same
# functions, compiled). Each returns the payment before spec §3.6's bounds and before the caps;
# `base` is what is left of the layer's base pool.


def coinsurance(rate: int, deductible: int, base: int) -> int:
    """Spec §4.1 `coinsurance`: round(rate × max(0, base − deductible))."""
    return times(rate, max(0, base - deductible))


def tiered_amount(mechanic: Tiered, cumulative: int) -> int:
    """F(x) of spec §4.1 `tiered`: brackets start at the deductible and are absolute amounts."""
    total = Fraction(0)
    lower = mechanic.deductible
    for upper, rate in mechanic.brackets:
        top = cumulative if upper is None else min(cumulative, upper)
        if top > lower:
            total += Fraction(rate, 1_000_000) * (top - lower)
        if upper is None or cumulative <= upper:
            break
        lower = upper
    return round_half_up(total)


def tiered(mechanic: Tiered, before: int, base: int) -> int:
    """Spec §4.1 `tiered`: F(B + b) − F(B), B = `before`, the person-year's cumulative base at this layer."""
    return tiered_amount(mechanic, before + base) - tiered_amount(mechanic, before)


def topup(target: int, base_total: bool, claim_total: int, claim_eligible: int, eligible_left: int, out_of_list_left: int) -> int:
    """Spec §4.1 `topup`: up to round(target × cost) of the claim paid, every payer counted so far."""
    if base_total:
        return max(0, times(target, claim_total) - (claim_total - eligible_left - out_of_list_left))
    return max(0, times(target, claim_eligible) - (claim_eligible - eligible_left))


def ceiling(amount: int, before: int, base: int) -> int:
    """Spec §4.1 `ceiling`: max(0, B + b − c) − max(0, B − c), c = `amount`, B = `before`."""
    return max(0, before + base - amount) - max(0, before - amount)


def out_of_list(limit_share_of_total: int | None, claim_total: int, base: int) -> int:
    """Spec §4.1 `out_of_list`: all of the base (what is left of X), at most round(limit × total_cost)."""
    if limit_share_of_total is None:
        return base
    return min(base, times(limit_share_of_total, claim_total))


@dataclass
class SettledLayer:
    """What one layer did to one claim, for tests and settlement slips."""

    layer: Layer
    applied: bool
    reason: str | None
    base: int = 0
    computed: int = 0
    paid: int = 0
    eligible_left: int = 0
    out_of_list_left: int = 0


@dataclass
class ReferenceSettlement:
    """What the plain reference settler (spec §4) pays, claim by claim, with one traced claim's steps."""

    payments: list[dict[str, int]]  # per claim, input order: {payer: fen, ..., "oop": fen}
    by_layer: list[dict[str, int]]  # per claim: {layer id: fen paid} for the layers that applied
    trace: list[SettledLayer]  # every layer's step for the traced claim
    oop_eligible: list[int]  # per claim: the out-of-pocket left in the eligible pool


def settle(scheme: Scheme, claims: list[Claim], trace: str | None = None) -> ReferenceSettlement:
    """Settle claims one at a time in date order, exactly as spec §3 describes."""
    order = sorted(range(len(claims)), key=lambda i: claims[i].date)
    cumulative: dict[tuple, int] = {}  # (person, year, layer) -> cumulative base of tiered/ceiling layers
    layer_used: dict[tuple, int] = {}  # (person, year, layer[, disease]) -> paid against the layer's cap
    payer_used: dict[tuple, int] = {}  # (person, year, payer) -> paid against the payer cap
    results: list[dict[str, int]] = [{} for _ in claims]
    by_layer: list[dict[str, int]] = [{} for _ in claims]
    oop_eligible: list[int] = [0] * len(claims)
    traced: list[SettledLayer] = []
    for index in order:
        claim = claims[index]
        person_year = (claim.person_id, claim.year)
        eligible_left, out_of_list_left = claim.eligible, claim.total - claim.eligible
        paid = {payer: 0 for payer in PAYERS}
        special = is_special(scheme, claim)
        for layer in scheme.layers:
            reason = failed_filter(layer.when, claim, special)
            mechanic = layer.mechanic
            rate = None
            if reason is None and isinstance(mechanic, Coinsurance):
                rate = coinsurance_rate(mechanic, claim)
                if rate is None:
                    reason = f"no rate for level {claim.level}"
            if reason is not None:
                if trace == claim.claim_id:
                    traced.append(SettledLayer(layer, False, reason))
                continue
            if isinstance(mechanic, OutOfList):  # spec §3.3: the layer's base pool
                base = out_of_list_left
            elif mechanic.base == "total":
                base = eligible_left + out_of_list_left
            else:
                base = eligible_left
            if isinstance(mechanic, Coinsurance):
                payment = coinsurance(rate, mechanic.deductible_by_level.get(claim.level, 0), base)
            elif isinstance(mechanic, (Tiered, Ceiling)):
                before = cumulative.get(person_year + (layer.id,), 0)
                if isinstance(mechanic, Tiered):
                    payment = tiered(mechanic, before, base)
                else:
                    payment = ceiling(mechanic.amount, before, base)
                cumulative[person_year + (layer.id,)] = before + base  # spec §4.1: the full base, whatever the caps
            elif isinstance(mechanic, Topup):
                target = mechanic.target_by_disease.get(claim.disease, mechanic.target)
                payment = topup(target, mechanic.base == "total", claim.total, claim.eligible, eligible_left, out_of_list_left)
            else:
                payment = out_of_list(mechanic.limit_share_of_total, claim.total, base)
            computed = payment = min(max(payment, 0), base)  # spec §3.6
            # spec §4.1: caps cut the payment, the layer's annual cap first, then the payer's
            if layer.annual_cap_by_disease is not None:
                cap_key = person_year + (layer.id, claim.disease)
                cap = layer.annual_cap_by_disease.get(claim.disease)
            else:
                cap_key = person_year + (layer.id,)
                cap = layer.annual_cap
            if cap is not None:
                payment = min(payment, cap - layer_used.get(cap_key, 0))
            payer_cap = scheme.payer_caps.get(layer.payer)
            if payer_cap is not None:
                payment = min(payment, payer_cap - payer_used.get(person_year + (layer.payer,), 0))
            layer_used[cap_key] = layer_used.get(cap_key, 0) + payment  # every counter records the payment as made
            payer_used[person_year + (layer.payer,)] = payer_used.get(person_year + (layer.payer,), 0) + payment
            # spec §3.3: drawn from E first, then X; out_of_list from X only
            from_eligible = 0 if isinstance(mechanic, OutOfList) else min(payment, eligible_left)
            eligible_left -= from_eligible
            out_of_list_left -= payment - from_eligible
            paid[layer.payer] += payment
            by_layer[index][layer.id] = payment
            if trace == claim.claim_id:
                traced.append(SettledLayer(layer, True, None, base, computed, payment, eligible_left, out_of_list_left))
        paid["oop"] = eligible_left + out_of_list_left
        results[index] = paid
        oop_eligible[index] = eligible_left
    return ReferenceSettlement(results, by_layer, traced, oop_eligible)

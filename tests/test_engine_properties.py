"""Properties of settlement on random claim streams, for every scheme (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SEED_SCHEMES
from model.codes import CATEGORIES, CHRONIC_CODES, DISEASES, LEVELS, OUTPUT_COLUMNS, SERVICES, output_columns
from model.rules.claim_arrays import from_records
from model.rules.engine import settle, settle_pools
from model.rules.reference import Claim
from model.rules.reference import settle as reference_settle
from model.scenario import load_scenario
from model.scenario.layers import Ceiling, Coinsurance, Scheme, Tiered, Topup

SCHEMES = {name: load_scenario(name).scheme for name in SEED_SCHEMES + ("sui_ceiling_3000",)}
scheme_names = st.sampled_from(sorted(SCHEMES))
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Amounts mix small bills with ones large enough to reach every cap and bracket.
amounts = st.one_of(
    st.integers(0, 200_00), st.integers(0, 20_000_00), st.integers(0, 400_000_00), st.sampled_from([0, 1, 2, 3, 5])
)


@st.composite
def claims_streams(draw, max_persons: int = 4, max_claims: int = 14) -> list[Claim]:
    persons = [f"p{i}" for i in range(draw(st.integers(1, max_persons)))]
    claims = []
    for number in range(draw(st.integers(1, max_claims))):
        service = draw(st.sampled_from(SERVICES))
        level = draw(st.sampled_from(LEVELS[1:] if service == "inpatient" else LEVELS))
        if service == "chronic_outpatient":
            disease = draw(st.sampled_from(CHRONIC_CODES))
        else:
            disease = draw(st.one_of(st.just(""), st.sampled_from(DISEASES[1:])))
        total = draw(amounts)
        eligible = draw(st.integers(0, total)) if draw(st.booleans()) else total
        day = draw(st.integers(0, 730))
        claims.append(Claim(
            claim_id=f"c{number}", person_id=draw(st.sampled_from(persons)),
            date=(dt.date(2019, 1, 1) + dt.timedelta(days=day)).isoformat(),
            service=service, level=level, disease=disease, total=total, eligible=eligible,
            compliant=draw(st.booleans()), category=draw(st.sampled_from(CATEGORIES)),
        ))
    return claims


def fast(scheme: Scheme, claims: list[Claim]) -> np.ndarray:
    return settle(scheme, from_records(claims))


def fast_pools(scheme: Scheme, claims: list[Claim]):
    return settle_pools(scheme, from_records(claims))


@PROPERTY_SETTINGS
@given(scheme_names, claims_streams())
def test_fast_engine_equals_reference_and_adds_up(name: str, claims: list[Claim]) -> None:
    scheme = SCHEMES[name]
    settled = fast_pools(scheme, claims)
    paid = settled.amounts
    expected = reference_settle(scheme, claims)
    assert paid.tolist() == [[row[c] for c in OUTPUT_COLUMNS] for row in expected.payments]
    assert settled.oop_eligible.tolist() == expected.oop_eligible
    assert np.all(settled.oop_eligible <= paid[:, -1])
    assert (paid >= 0).all()
    assert paid.sum(axis=1).tolist() == [c.total for c in claims]


@PROPERTY_SETTINGS
@given(scheme_names, claims_streams(max_persons=2, max_claims=18))
def test_no_cap_is_exceeded(name: str, claims: list[Claim]) -> None:
    scheme = SCHEMES[name]
    settlement = reference_settle(scheme, claims)
    paid = fast(scheme, claims)
    per_payer: dict[tuple, int] = defaultdict(int)
    per_layer: dict[tuple, int] = defaultdict(int)
    for claim, row, layers in zip(claims, paid, settlement.by_layer):
        for column, payer in enumerate(output_columns(scheme.has_charity)[:-1]):
            per_payer[(claim.person_id, claim.year, payer)] += int(row[column])
        for layer_id, amount in layers.items():
            per_layer[(claim.person_id, claim.year, layer_id)] += amount
            per_layer[(claim.person_id, claim.year, layer_id, claim.disease)] += amount
    for (_, _, payer), total in list(per_payer.items()):
        assert total <= scheme.payer_caps.get(payer, total)
    for layer in scheme.layers:
        for key, total in per_layer.items():
            if key[2] != layer.id:
                continue
            if layer.annual_cap is not None and len(key) == 3:
                assert total <= layer.annual_cap
            if layer.annual_cap_by_disease is not None and len(key) == 4 and key[3] in layer.annual_cap_by_disease:
                assert total <= layer.annual_cap_by_disease[key[3]]


@PROPERTY_SETTINGS
@given(scheme_names, claims_streams(), st.randoms(use_true_random=False))
def test_other_persons_claims_change_nothing(name: str, claims: list[Claim], random) -> None:
    scheme = SCHEMES[name]
    watched = claims[0].person_id
    before = {c.claim_id: row for c, row in zip(claims, fast(scheme, claims).tolist()) if c.person_id == watched}
    # Shuffle the others' claims among the watched person's (keeping the watched person's own order)
    # and drop some of them.
    others = [c for c in claims if c.person_id != watched and random.random() < 0.7]
    own = [c for c in claims if c.person_id == watched]
    shuffled = own + others
    random.shuffle(shuffled)
    positions = sorted(i for i, c in enumerate(shuffled) if c.person_id == watched)
    for position, claim in zip(positions, own):
        shuffled[position] = claim
    after = {c.claim_id: row for c, row in zip(shuffled, fast(scheme, shuffled).tolist()) if c.person_id == watched}
    assert after == before


# --- monotonicity: a more generous parameter never raises what the patient pays ------------------

def _more_generous(scheme: Scheme, layer_index: int, step: int) -> Scheme | None:
    """The scheme with one parameter of one layer made more generous by `step` (fen or ppm)."""
    layer = scheme.layers[layer_index]
    m = layer.mechanic
    if isinstance(m, Coinsurance):
        if m.deductible_by_level and step % 2:
            lowered = {k: max(0, v - step * 100) for k, v in m.deductible_by_level.items()}
            new = dataclasses.replace(m, deductible_by_level=lowered)
        elif m.rate_by_level is not None:
            new = dataclasses.replace(m, rate_by_level={k: min(1_000_000, v + step) for k, v in m.rate_by_level.items()})
        else:
            new = dataclasses.replace(m, rate=min(1_000_000, m.rate + step),
                                      rate_by_disease={k: min(1_000_000, v + step) for k, v in m.rate_by_disease.items()})
    elif isinstance(m, Topup):
        new = dataclasses.replace(m, target=min(1_000_000, m.target + step),
                                  target_by_disease={k: min(1_000_000, v + step) for k, v in m.target_by_disease.items()})
    elif isinstance(m, Ceiling):
        new = dataclasses.replace(m, amount=max(0, m.amount - step * 100))
    elif isinstance(m, Tiered):
        if step % 2:
            new = dataclasses.replace(m, deductible=max(0, m.deductible - step * 100))
            if new.brackets[0][0] is not None and new.brackets[0][0] <= new.deductible:
                return None
        else:
            new = dataclasses.replace(m, brackets=tuple((hi, min(1_000_000, r + step)) for hi, r in m.brackets))
    else:
        return None
    layers = list(scheme.layers)
    layers[layer_index] = dataclasses.replace(layer, mechanic=new)
    return dataclasses.replace(scheme, layers=tuple(layers))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scheme_names, claims_streams(max_persons=2), st.data())
def test_a_more_generous_parameter_never_raises_out_of_pocket(name: str, claims: list[Claim], data) -> None:
    """For each person-year's first claim, so for every claim of a person-year with one claim.

    The spec's "never raises any claim's OOP" cannot hold for later claims of a year: see the
    counterexample below. Before a year's first claim every accumulator is zero, and each layer's
    payment is non-decreasing in its pool with slope at most 1, so paying more at one layer can
    only leave the patient less.
    """
    scheme = SCHEMES[name]
    layer_index = data.draw(st.integers(0, len(scheme.layers) - 1))
    step = data.draw(st.integers(1, 200_000))
    generous = _more_generous(scheme, layer_index, step)
    if generous is None:
        return
    before, after = fast(scheme, claims), fast(generous, claims)
    oop = -1
    first_of_year: dict[tuple, int] = {}
    for i in sorted(range(len(claims)), key=lambda i: claims[i].date):
        first_of_year.setdefault((claims[i].person_id, claims[i].year), i)
    for i in first_of_year.values():
        assert after[i, oop] <= before[i, oop], (claims[i], scheme.layers[layer_index].id)


def test_a_more_generous_earlier_claim_can_raise_a_later_claims_and_the_years_out_of_pocket() -> None:
    """Why the property above stops at each year's first claim (found by hypothesis in CI).

    Sui County with the 3,000 ceiling; the in-county inpatient deductible lowered by 1 yuan. Claim c0
    (compliant) gets 90 fen more from BMI, so 90 fen less of it reaches the poor's CII layer, whose
    annual deductible (5,000) the year's claims only just pass: c2 (unreferred out of the county, so no medical
    assistance behind it) loses 28 fen of CII, while c0's saving is 27 fen, medical assistance
    having covered 70% of it. The later claim pays 28 fen more and the year 1 fen more.
    """
    claims = [
        Claim("c0", "p0", "2019-01-01", "inpatient", "township", "", 829396, 829396, True, "registered_poor"),
        Claim("c2", "p0", "2019-01-01", "inpatient", "prefecture", "", 660187, 660187, False, "registered_poor"),
    ]
    scheme = SCHEMES["sui_ceiling_3000"]
    layer_index = [layer.id for layer in scheme.layers].index("inpatient_in_county")
    generous = _more_generous(scheme, layer_index, step=1)
    assert generous.layers[layer_index].mechanic.deductible_by_level["township"] == 19_900
    columns = list(output_columns(scheme.has_charity))
    before, after = fast(scheme, claims), fast(generous, claims)
    assert before.tolist() == [[728456, 0, 70658, 0, 0, 0, 30282], [261084, 28, 0, 0, 0, 0, 399075]]
    assert after.tolist() == [[728546, 0, 70595, 0, 0, 0, 30255], [261084, 0, 0, 0, 0, 0, 399103]]
    oop = columns.index("oop")
    assert after[1, oop] - before[1, oop] == 28
    assert after[:, oop].sum() - before[:, oop].sum() == 1


@PROPERTY_SETTINGS
@given(scheme_names, claims_streams(max_persons=6, max_claims=30), st.integers(2, 4))
def test_threads_settle_the_same_to_the_fen(name: str, claims: list[Claim], threads: int) -> None:
    """Runs of whole persons settled side by side give exactly the one-thread result."""
    from model.rules import engine

    arrays = from_records(claims)
    one = engine.settle_pools(SCHEMES[name], arrays)
    saved, engine.PARALLEL_CLAIMS = engine.PARALLEL_CLAIMS, 0
    try:
        many = engine.settle_pools(SCHEMES[name], arrays, threads=threads)
    finally:
        engine.PARALLEL_CLAIMS = saved
    np.testing.assert_array_equal(many.amounts, one.amounts)
    np.testing.assert_array_equal(many.oop_eligible, one.oop_eligible)

"""Single-disease fixed prices (issue 18; XZ (六), MJ (三)): repricing where claims are built, never in adjudicate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from conftest import SPEC_CASES
from model.care.pricing import fixed_prices_of, reprice
from model.cli import main
from model.rules.claim_arrays import from_records
from model.rules.engine import settle_pools
from model.rules.reference import Claim
from model.scenario import load_scenario

CLAIMS = [
    # repriced: registered, compliant, special disease at a special level
    Claim("a", "p1", "2019-03-01", "inpatient", "county", "esophageal_cancer", 40_000_00, 30_000_00, True, "registered_poor"),
    Claim("b", "p2", "2019-03-01", "inpatient", "province", "severe_mental", 9_000_00, 8_000_00, True, "registered_poor+dibao"),
    # not repriced: not registered; not compliant; township level; not on the list; outpatient
    Claim("c", "p3", "2019-03-01", "inpatient", "county", "esophageal_cancer", 40_000_00, 30_000_00, True, "dibao"),
    Claim("d", "p1", "2019-04-01", "inpatient", "county", "esophageal_cancer", 40_000_00, 30_000_00, False, "registered_poor"),
    Claim("e", "p1", "2019-05-01", "inpatient", "township", "esophageal_cancer", 4_000_00, 3_000_00, True, "registered_poor"),
    Claim("f", "p1", "2019-06-01", "inpatient", "county", "lung_cancer", 40_000_00, 30_000_00, True, "registered_poor"),
    Claim("g", "p1", "2019-07-01", "chronic_outpatient", "county", "esrd", 2_000_00, 2_000_00, True, "registered_poor"),
]


def test_only_special_admissions_of_covered_persons_are_repriced_and_every_claim_adds_up() -> None:
    scenario = load_scenario("x_prefecture_fixed_prices")
    prices = fixed_prices_of(scenario)
    claims = from_records(CLAIMS)
    priced = reprice(prices, claims)
    assert priced.total.tolist()[:2] == [15_431_00, 20_280_00] and priced.eligible.tolist()[:2] == [15_431_00, 20_280_00]
    assert priced.total.tolist()[2:] == claims.total.tolist()[2:] and priced.eligible.tolist()[2:] == claims.eligible.tolist()[2:]
    for field in ("person", "day", "service", "level", "disease", "category", "compliant"):
        assert np.array_equal(getattr(priced, field), getattr(claims, field))
    amounts = settle_pools(scenario.scheme, priced).amounts
    assert amounts.sum(axis=1).tolist() == priced.total.tolist()  # a claim's amounts add up to its (fixed) total
    # special treatment of the fixed-price bill, all of it in the catalogue: a, county: BMI 90% × 15,431 = 13,887.90,
    # the patient 10%; b, province: BMI 65% × 20,280 = 13,182, CII to 90% (severe mental): 5,070, the patient 2,028
    assert amounts[0].tolist() == [13_887_90, 0, 0, 0, 0, 0, 0, 1_543_10]
    assert amounts[1].tolist() == [13_182_00, 5_070_00, 0, 0, 0, 0, 0, 2_028_00]


def test_adjudicate_settles_claims_as_given(tmp_path: Path) -> None:
    out = tmp_path / "p.csv"
    assert main(["adjudicate", "x_prefecture_fixed_prices", str(SPEC_CASES / "claims.csv"), "-o", str(out)]) == 0
    assert out.read_bytes() == (SPEC_CASES / "expected_x_prefecture.csv").read_bytes()


def test_compared_schemes_share_people_and_illnesses_and_the_tail_is_shown(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["compare", "x_prefecture", "x_prefecture_fixed_prices", "--persons", "4000", "--reps", "3",
                 "--seed", "11", "--out", str(out)]) == 0
    scenarios = json.loads((out / "summary.json").read_text(encoding="utf-8"))["scenarios"]
    plain, fixed = scenarios["x_prefecture"]["metrics"], scenarios["x_prefecture_fixed_prices"]["metrics"]
    assert fixed["admissions"] == plain["admissions"] and fixed["person_years"] == plain["person_years"]
    assert fixed["total_cost"]["mean"] != plain["total_cost"]["mean"]
    for metric in ("total_cost", "outlay_bmi", "oop"):
        assert fixed[metric]["p95"] is not None and fixed[metric]["p99"] >= fixed[metric]["p95"]


def test_hpa_simulate_writes_the_fixed_prices_into_its_claims(tmp_path: Path) -> None:
    """`hpa simulate` builds claims with the scheme's fixed prices; `adjudicate` of its claims file gives its payments."""
    import csv

    plain, fixed = tmp_path / "plain", tmp_path / "fixed"
    for scheme, out in (("x_prefecture", plain), ("x_prefecture_fixed_prices", fixed)):
        assert main(["simulate", scheme, "--persons", "20000", "--seed", "5", "--out", str(out)]) == 0
    before = list(csv.DictReader((plain / "claims.csv").open(encoding="utf-8")))
    after = list(csv.DictReader((fixed / "claims.csv").open(encoding="utf-8")))
    assert [row["claim_id"] for row in before] == [row["claim_id"] for row in after]
    changed = [(b, a) for b, a in zip(before, after) if b != a]
    assert changed, "the sample has special-treatment admissions of registered persons"
    for b, a in changed:
        assert {k for k in a if a[k] != b[k]} <= {"total_cost", "eligible_cost"}
        assert a["total_cost"] == a["eligible_cost"] and a["service"] == "inpatient" and "registered_poor" in a["category"]
    again = tmp_path / "again.csv"
    assert main(["adjudicate", "x_prefecture_fixed_prices", str(fixed / "claims.csv"), "-o", str(again)]) == 0
    assert again.read_bytes() == (fixed / "payments.csv").read_bytes()

"""Spec §7: the worked-example table to the fen, and the spec's case folder for every seed scheme."""

from __future__ import annotations

import pytest

from conftest import SEED_SCHEMES, SPEC_CASES
from model.codes import SPEC_COLUMNS
from model.rules.claim_arrays import from_records
from model.rules.claims_csv import read_claims
from model.rules.payments_csv import payments_csv
from model.rules.engine import settle
from model.rules.reference import Claim
from model.scenario import load_scenario

# Spec §7: one compliant county admission of a registered-poor person, total 60,000, eligible 54,000.
SECTION_7 = {
    "baseline":            (40_125_00, 2_325_00, 0, 0, 0, 0, 17_550_00),
    "x_prefecture":        (48_150_00, 595_00, 0, 5_255_00, 0, 0, 6_000_00),
    "maiji_district":      (43_200_00, 6_336_00, 3_564_00, 0, 0, 6_000_00, 900_00),
    "sui_county":          (42_800_00, 4_030_00, 5_019_00, 0, 3_151_00, 0, 5_000_00),
    "gansu_province_2016": (42_800_00, 4_920_00, 0, 0, 0, 0, 12_280_00),
}


@pytest.mark.parametrize("scheme_id", SEED_SCHEMES)
def test_section_7_table(scheme_id: str) -> None:
    claim = Claim("c", "p", "2019-05-01", "inpatient", "county", "", 60_000_00, 54_000_00, True, "registered_poor")
    paid = settle(load_scenario(scheme_id).scheme, from_records([claim]))[0]
    assert dict(zip(SPEC_COLUMNS, paid.tolist(), strict=True)) == dict(zip(SPEC_COLUMNS, SECTION_7[scheme_id], strict=True))
    assert paid.sum() == claim.total


@pytest.mark.parametrize("scheme_id", SEED_SCHEMES)
def test_spec_case_folder(scheme_id: str) -> None:
    claims = read_claims(SPEC_CASES / "claims.csv")
    amounts = settle(load_scenario(scheme_id).scheme, claims.claims)
    expected = (SPEC_CASES / f"expected_{scheme_id}.csv").read_bytes()
    assert payments_csv(claims, amounts) == expected

"""Spec §6.6 financing: who funds what, per registered person, the most generous premium subsidy, GS's province-funded tilt."""

from __future__ import annotations

import numpy as np

from model.codes import CATEGORY_SET_CODE, PAYERS
from model.outcomes.funding import FUNDING_METRICS, funding, premium_sums
from model.scenario import load_scenario
from model.scenario.financing import financing_of as scheme_financing


def financing_of(scheme_id: str):
    scenario = load_scenario(scheme_id)
    return scheme_financing(scenario)


def codes(*sets: str) -> np.ndarray:
    return np.array([CATEGORY_SET_CODE[frozenset(s.split("+"))] for s in sets], dtype=np.int8)


def test_sx_premium_takes_the_most_generous_subsidy_of_a_persons_categories() -> None:
    """SX 三: dibao and extreme poor 250 paid by government, registered poor only 125; registered+dibao: 250."""
    sums = premium_sums(financing_of("sui_county"), codes("registered_poor", "registered_poor+dibao", "dibao", "ordinary"),
                        np.zeros(4, dtype=bool))
    assert sums["premium_individual"] == 4 * 250_00
    assert sums["subsidy_county"] == 125_00 + 250_00 + 250_00
    assert sums["premium_households"] == 125_00 + 250_00


def test_xz_subsidies_are_per_registered_person() -> None:
    """XZ (一), (四), (五), (十): premium and contract-fee subsidies, and the province's 10 and 60 a year, per
    registered person; a dibao person who is not registered gets none of them."""
    financing = financing_of("x_prefecture")
    category = codes("registered_poor", "dibao+registered_poor", "dibao", "extreme_poor")
    exited = np.array([True, False, False, False])
    sums = premium_sums(financing, category, exited)
    individual = 250_00  # the family-doctor fee is in the programme ledger now (issue 18; tests/test_programmes.py)
    assert sums["premium_individual"] == 2 * individual + 2 * 250_00
    assert sums["premium_households"] == 2 * 250_00  # the non-registered pay their own premium
    assert sums["subsidy_province"] == round(0.4 * individual) + round(0.6 * individual)
    assert sums["family_doctor_bmi_fund"] == 0
    outlay = np.zeros(len(PAYERS), dtype=np.int64)
    outlay[PAYERS.index("ma")] = 1_000_00
    outlay[PAYERS.index("backstop")] = 5_000_00
    result = funding(financing, outlay, 0, n_persons=4, n_poor=4, premiums=sums, n_registered=2)
    assert result["funding_province"] == 2 * (10 + 60)
    assert result["funding_county"] == 1_000 + 5_000 - 2 * 70


def test_gs_2016_government_contribution_is_420() -> None:
    sums = premium_sums(financing_of("gansu_province_2016"), codes("ordinary", "dibao"), np.zeros(2, dtype=bool))
    assert sums["bmi_government_contribution"] == 2 * 420_00


def test_gs_tilt_moves_from_bmi_fund_and_insurer_to_the_province_and_funding_still_adds_up() -> None:
    """GS 7, 8: what BMI and CII pay the poor above the ordinary layers is the province's."""
    financing = financing_of("gansu_province_2016")
    outlay = np.zeros(len(PAYERS), dtype=np.int64)
    outlay[PAYERS.index("bmi")], outlay[PAYERS.index("cii")] = 900_000_00, 80_000_00
    tilt = np.zeros(len(PAYERS), dtype=np.int64)
    tilt[PAYERS.index("bmi")], tilt[PAYERS.index("cii")] = 40_000_00, 9_000_00
    sums = premium_sums(financing, codes("dibao", "ordinary"), np.zeros(2, dtype=bool))
    without = funding(financing, outlay, 20_000_00, 2, 1, sums)
    moved = funding(financing, outlay, 20_000_00, 2, 1, sums, tilt_fen=tilt)
    assert moved["funding_province"] - without["funding_province"] == 49_000
    assert without["funding_bmi_fund"] - moved["funding_bmi_fund"] == 40_000
    assert without["funding_insurer"] - moved["funding_insurer"] == 9_000
    total = 900_000 + 80_000 + 20_000
    assert sum(moved[m] for m in FUNDING_METRICS) == total == sum(without[m] for m in FUNDING_METRICS)
    assert moved["tilt_bmi"] == 40_000 and moved["tilt_cii"] == 9_000

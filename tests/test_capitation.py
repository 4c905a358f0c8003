"""Capitation to the county medical community (issue 18, XZ (七)2): the bundle's balance and who funds what."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import write_scheme
from model.cli import main
from model.codes import CATEGORY_SET_CODE, PAYERS
from model.errors import InputError
from model.finance.capitation import bundle_balance, capitation_of
from model.scenario import load_scenario

FUNDERS = ("province", "prefecture", "county", "bmi_fund", "insurer", "hospital", "households", "charity")


def test_bundle_balance_is_the_budget_minus_the_bundled_payers_outlays() -> None:
    capitation = capitation_of(load_scenario("x_prefecture_capitation"))
    assert capitation.covers == "registered"
    assert capitation.per_capita == {"bmi": 1464_00, "cii": 37_00, "ma": 99_00, "backstop": 133_00}
    outlay = np.zeros(len(PAYERS), dtype=np.int64)
    outlay[PAYERS.index("bmi")], outlay[PAYERS.index("ma")] = 1_500_000_00, 200_000_00
    outlay[PAYERS.index("hospital")] = 99_999_00  # the hospital's own fund is not bundled
    balance = bundle_balance(capitation, 1_000, outlay)
    assert balance["budget"] == 1_000 * (1464 + 37 + 99 + 133) * 100
    assert balance["outlay"] == 1_700_000_00
    assert balance["surplus"] == balance["budget"] - 1_700_000_00 == 33_000_00
    registered = np.array([CATEGORY_SET_CODE[frozenset(s)] for s in (("ordinary",), ("dibao",), ("registered_poor", "dibao"))])
    assert capitation.covered(registered).tolist() == [False, False, True]


def test_a_bad_capitation_section_is_refused(tmp_path: Path) -> None:
    scheme = {"id": "c", "name": {"zh": "c", "en": "c"}, "layers": [],
              "capitation": {"covers": {"value": "registered", "source": "assumed"},
                             "per_capita": {"value": {"hospital": 10}, "source": "assumed"}}}
    with pytest.raises(InputError, match=r"capitation\.per_capita\.hospital: expected a bundled payer"):
        load_scenario(write_scheme(tmp_path, scheme))


def test_claims_settle_as_before_and_the_hospital_keeps_the_balance(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["compare", "x_prefecture", "x_prefecture_capitation", "--persons", "3000", "--reps", "2",
                 "--seed", "7", "--out", str(out)]) == 0
    scenarios = json.loads((out / "summary.json").read_text(encoding="utf-8"))["scenarios"]
    plain, capitated = scenarios["x_prefecture"]["metrics"], scenarios["x_prefecture_capitation"]["metrics"]
    for payer in PAYERS:  # the same people, illnesses and claims, settled the same way
        assert capitated[f"outlay_{payer}"] == plain[f"outlay_{payer}"]
    assert capitated["oop"] == plain["oop"]
    bundled = sum(capitated[f"capitation_outlay_{payer}"]["mean"] for payer in ("bmi", "cii", "ma", "backstop"))
    assert capitated["capitation_bundled_outlay"]["mean"] == pytest.approx(bundled)
    assert capitated["capitation_surplus"]["mean"] == pytest.approx(
        capitated["capitation_budget"]["mean"] - capitated["capitation_bundled_outlay"]["mean"])
    assert capitated["capitation_budget"]["mean"] == pytest.approx(
        capitated["capitation_persons"]["mean"] * (1464 + 37 + 99 + 133))
    # the hospital bears the deficit (keeps the surplus); the funders still add up to the total cost
    assert capitated["funding_hospital"]["mean"] == pytest.approx(plain["funding_hospital"]["mean"] - capitated["capitation_surplus"]["mean"])
    for metrics in (plain, capitated):
        assert sum(metrics[f"funding_{f}"]["mean"] for f in FUNDERS) == pytest.approx(metrics["total_cost"]["mean"])
    assert "capitation_budget" not in plain or plain["capitation_budget"]["mean"] is None


def test_report_shows_the_hospitals_balance(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["compare", "x_prefecture", "x_prefecture_capitation", "--persons", "2000", "--reps", "2",
                 "--seed", "9", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    section = html.split('id="capitation"')[1].split("</section>")[0]
    assert section.count("<tr") == 1 + 3  # the header; budget, bundled outlay, surplus of the one capitated scheme
    assert "牵头医院结余" in section and "P95" in section


def test_the_hospitals_response_is_a_care_file_switch() -> None:
    """Off by default (the claims are those of x_prefecture); on, for a capitated scheme only: fewer admissions
    leave the county, stays in it are shorter."""
    from model.care.params import care_params

    plain, capitated = load_scenario("x_prefecture"), load_scenario("x_prefecture_capitation")
    assert care_params(capitated).bypass_share == care_params(plain).bypass_share
    on = ["care.capitation_response.enabled=true"]
    responding, unaffected = care_params(load_scenario("x_prefecture_capitation", on)), care_params(load_scenario("x_prefecture", on))
    assert responding.bypass_share == pytest.approx(0.5 * care_params(plain).bypass_share)
    assert responding.stay_mean_days[2] == pytest.approx(0.9 * care_params(plain).stay_mean_days[2])
    assert responding.stay_mean_days[3] == care_params(plain).stay_mean_days[3]  # the prefecture's are not the county's
    assert unaffected.bypass_share == care_params(plain).bypass_share and unaffected.capitation_response is None

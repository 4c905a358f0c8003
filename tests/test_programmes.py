"""Programme costs that are not claims (issue 18): the ledger's arithmetic, its sources, and summary.json."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from conftest import write_scheme
from model.errors import InputError
from model.programmes.ledger import LEVELS, item_costs, ledger_of, programme_metrics
from model.scenario import load_scenario
from model.scenario.financing import financing_of

COUNTS = {"persons": 1000, "registered_persons": 300, "registered_persons_65_plus": 40, "poor_persons": 400,
          "registered_exited": 100, "villages": 50, "townships": 5, "county": 1}


def _financing(scenario):
    return financing_of(scenario)


def test_xz_family_doctor_fee_is_split_as_the_seed_says() -> None:
    """XZ (十): 36 a registered person: 12 public-health funds, 12 BMI fund, 12 the person's share, which the
    province pays 40% (exited) or 60% (not exited) of, the rest prefecture : county = 2 : 8."""
    scenario = load_scenario("x_prefecture")
    ledger = ledger_of(scenario)
    doctor = next(item for item in ledger.items if item.id == "family_doctor")
    cost = item_costs(doctor, 2019, COUNTS, ledger.county_share, _financing(scenario))
    assert cost["public_health"] == cost["bmi_fund"] == 300 * 12_00
    province = 100 * 12_00 * 4 // 10 + 200 * 12_00 * 6 // 10  # 480 + 1,440 yuan
    assert cost["province"] == province
    assert cost["prefecture"] == (300 * 12_00 - province) * 2 // 10
    assert cost["county"] == 300 * 12_00 - province - cost["prefecture"]
    assert sum(cost.values()) == 300 * 36_00
    assert cost["central"] == 0


def test_province_wide_items_are_scaled_by_the_stated_county_share_and_counted_in_their_years() -> None:
    """GS: 2,965 clinics × 100,000 (2,400 in 2016, 565 in 2017), central and province half each, scaled to
    the county by 1/75 (county_share 0.013333)."""
    scenario = load_scenario("gansu_province_2016")
    ledger = ledger_of(scenario)
    assert ledger.years == (2016,) and ledger.county_share == Decimal("0.013333")
    clinics = next(item for item in ledger.items if item.id == "village_clinics")
    in_2016 = item_costs(clinics, 2016, COUNTS, ledger.county_share, None)
    assert in_2016["central"] == in_2016["province"] == round(2400 * Decimal("0.013333") * 50_000_00)
    assert sum(item_costs(clinics, 2017, COUNTS, ledger.county_share, None).values()) == round(565 * Decimal("0.013333") * 100_000_00)
    assert sum(item_costs(clinics, 2018, COUNTS, ledger.county_share, None).values()) == 0
    metrics = programme_metrics(ledger, COUNTS, None)
    assert metrics["programme_cost"] == pytest.approx(sum(metrics[f"programme_cost_{level}"] for level in LEVELS))
    assert metrics["programme_cost"] == pytest.approx(sum(metrics[f"programme_{item.id}"] for item in ledger.items))
    assert metrics["programme_cost_2016"] == metrics["programme_cost"]  # one year in force
    assert metrics["programme_county_hospital_specialties"] == 2_000_000
    assert metrics["programme_township_gps"] == 5 * 150_000


def test_sx_check_ups_every_registered_person() -> None:
    ledger = ledger_of(load_scenario("sui_county"))
    assert programme_metrics(ledger, COUNTS, None)["programme_cost_public_health"] == 300 * 150


def test_bad_ledger_is_refused_with_its_path(tmp_path: Path) -> None:
    scheme = {
        "id": "s", "name": {"zh": "测", "en": "s"}, "layers": [],
        "programmes": {"items": [{
            "id": "x", "name": {"zh": "x", "en": "x"}, "source": "assumed: test",
            "units": {"value": 10, "source": "assumed"}, "unit_cost": {"value": 36, "source": "assumed"},
            "paid_by": {"value": {"province": 30}, "source": "assumed"},
        }]},
    }
    with pytest.raises(InputError, match=r"programmes\.items\.\[0\]\.paid_by: expected amounts adding up to the unit cost, 36\.00, found 30\.00"):
        load_scenario(write_scheme(tmp_path, scheme))
    scheme["programmes"]["items"][0]["paid_by"]["value"] = {"province": 36}
    scheme["programmes"]["items"][0]["scope"] = {"value": "province", "source": "assumed"}
    with pytest.raises(InputError, match="county_share"):
        load_scenario(write_scheme(tmp_path, scheme))


def test_summary_carries_programme_costs_beside_the_claims(tmp_path: Path) -> None:
    from model.cli import main
    import json

    out = tmp_path / "run"
    assert main(["run", "x_prefecture", "--persons", "3000", "--reps", "2", "--seed", "5", "--out", str(out)]) == 0
    metrics = json.loads((out / "summary.json").read_text(encoding="utf-8"))["scenarios"]["x_prefecture"]["metrics"]
    for key in ("programme_cost", "programme_family_doctor", "programme_health_checks_65", "outlay_charity", "funding_charity"):
        assert key in metrics, key
    parts = sum(metrics[f"programme_cost_{level}"]["mean"] for level in LEVELS)
    assert metrics["programme_cost"]["mean"] == pytest.approx(parts)
    assert metrics["programme_cost_public_health"]["mean"] > 0 and metrics["programme_cost_bmi_fund"]["mean"] > 0


def test_report_shows_programme_costs_beside_claim_outlays(tmp_path: Path) -> None:
    from model.cli import main

    out = tmp_path / "run"
    assert main(["compare", "baseline", "sui_county", "--persons", "2000", "--reps", "2", "--seed", "3", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    section = html.split('id="programmes"')[1].split("</section>")[0]
    assert "公卫经费" in section and "项目支出" in section
    assert "随县" in section and "无扶贫倾斜" not in section  # only schemes with a ledger (baseline has none)
    assert section.count("<tr") == 1 + 6  # the header, then the six levels of Sui County's

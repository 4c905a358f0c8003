"""County profile: the template in both forms, its checks, the run at the county's true size, outlays by level."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from model.cli import main
from model.codes import PAYERS
from model.county.profile import FIELDS, load_profile
from model.county.run import county_plan
from model.county.template import profile_xlsx
from model.errors import InputError
from model.outcomes.funding import PREMIUM_KEYS, funding
from model.scenario import load_scenario
from model.scenario.financing import financing_of

DATA = Path(__file__).parent / "data"
EXAMPLE = DATA / "county_example.yaml"


def test_init_writes_yaml_and_xlsx_that_read_the_same_and_never_replaces(tmp_path: Path, capsys) -> None:
    assert main(["county", "init", "--out", str(tmp_path / "c")]) == 0
    from_yaml = load_profile(tmp_path / "c" / "county.yaml")
    from_xlsx = load_profile(tmp_path / "c" / "county.xlsx")
    assert from_yaml.as_dict() | {"file": ""} == from_xlsx.as_dict() | {"file": ""}
    assert from_yaml.scheme == "sui_county" and from_yaml.persons["registered_exited"] == 19500
    sheet = load_workbook(tmp_path / "c" / "county.xlsx").active
    assert sheet.title == "县域概况" and sheet["A1"].value.startswith("项目") and sheet["A5"].value == "建档立卡未脱贫人口"
    before = (tmp_path / "c" / "county.yaml").read_bytes()
    assert main(["county", "init", "--out", str(tmp_path / "c")]) == 2
    assert "not replaced" in capsys.readouterr().err
    assert (tmp_path / "c" / "county.yaml").read_bytes() == before


def _xlsx_with(tmp_path: Path, key: str, value) -> Path:
    import io

    book = load_workbook(io.BytesIO(profile_xlsx()))
    sheet = book.active
    for row in sheet.iter_rows(min_row=2):
        if row[3].value == key:
            row[1].value = value
    path = tmp_path / "bad.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("key, value, expected", [
    ("persons.dibao", "很多", "row 7 (低保对象 / dibao recipients): expected a whole number ≥ 0, found '很多'"),
    ("budget_year", 1850, "row 3 (预算年度 / budget year): expected a year between 2000 and 2100, found 1850"),
    ("persons.dibao_also_registered", 99999, "row 9 (其中：低保且建档立卡 / of whom dibao and registered): expected at most 低保对象 (9,000), found 99999"),
    ("scheme", None, "row 4 (保障方案 / scheme): expected some text, found nothing"),
])
def test_bad_xlsx_profile_names_sheet_row_expected_and_found(tmp_path: Path, key, value, expected) -> None:
    with pytest.raises(InputError) as caught:
        load_profile(_xlsx_with(tmp_path, key, value))
    assert str(caught.value) == f"{tmp_path / 'bad.xlsx'}: sheet 县域概况, {expected}"


def test_bad_yaml_profile_exits_2_and_writes_nothing(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "county.yaml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("townships: 6", "townships: -3"), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", "--county", str(bad), "--reps", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"hpa: error: {bad}: field townships (乡镇数 / townships): expected a whole number ≥ 0, found -3"
    assert not out.exists() and not list(tmp_path.glob("out*"))
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("scheme: \"sui_county\"", "scheme: \"no_such_scheme\""), encoding="utf-8")
    assert main(["run", "--county", str(bad), "--reps", "2", "--out", str(out)]) == 2
    assert "no_such_scheme" in capsys.readouterr().err and not out.exists()
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("residents: 60000", "residents:"), encoding="utf-8")
    assert main(["run", "--county", str(bad), "--reps", "2", "--out", str(out)]) == 2
    assert "expected the resident population when beds are given" in capsys.readouterr().err
    assert main(["run", "sui_county", "--county", str(EXAMPLE), "--out", str(out)]) == 2
    assert main(["run", "--county", str(EXAMPLE), "--persons", "5000", "--out", str(out)]) == 2
    assert not out.exists()


def test_profile_maps_onto_the_population_preset() -> None:
    profile = load_profile(EXAMPLE)
    plan = county_plan(profile, 2, 1)
    # persons on two lists counted once: 2,800 registered + (900 − 200) dibao + (250 − 30) extreme poor
    assert plan.persons == 3720 and plan.plan.persons == 3720
    scenario = load_scenario(plan.plan.variants[0].reference, plan.plan.variants[0].sets)
    households = scenario.tree["population"]["households"]
    shares = households["category_shares"]["value"]
    assert sum(shares.values()) == pytest.approx(1, abs=1e-9) and shares["ordinary"] == 0
    size = plan.derived["mean_household_size"]
    expected = {c: n / size[c] for c, n in (("registered_poor", 2800), ("dibao", 700), ("extreme_poor", 220))}
    total = sum(expected.values())
    for category, households_of in expected.items():
        assert float(shares[category]) == pytest.approx(households_of / total, abs=2e-6)
    assert float(households["exited_share"]["value"]) == pytest.approx(2000 / 2800, abs=1e-6)
    assert "county profile county_example.yaml" in households["exited_share"]["source"]
    assert scenario.tree["population"]["county"]["townships"]["value"] == 6
    beds = scenario.tree["care"]["facilities"]["county"]["beds_per_1000"]
    assert float(beds["value"]) == pytest.approx(230 * 1000 / 60000, abs=1e-6) and "230 county beds" in beds["source"]


def test_run_county_at_true_size_with_outlays_by_level(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["run", "--county", str(EXAMPLE), "--reps", "3", "--workers", "1", "--seed", "7", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["persons"] == 3720 and manifest["scenarios"][0]["id"] == "sui_county"
    record = json.loads((out / "county.json").read_text())
    assert record["profile"]["name"] == "示例县" and record["profile"]["last_year_yuan"]["ma"] == 600_000
    summary = json.loads((out / "summary.json").read_text())["scenarios"]["sui_county"]["metrics"]
    assert summary["person_years"]["mean"] == pytest.approx(3720, rel=0.01)
    # sui_county: the county funds medical assistance and the backstop alone
    assert summary["outlay_ma_county"]["p50"] == summary["outlay_ma"]["p50"] > 0
    assert summary["outlay_ma_province"]["p95"] == summary["outlay_ma_prefecture"]["p95"] == 0


def test_outlays_by_level_follow_the_financing_section() -> None:
    scenario = load_scenario("x_prefecture")
    financing = financing_of(scenario)
    outlay = np.zeros(len(PAYERS), dtype=np.int64)
    outlay[PAYERS.index("ma")] = 5_000_000_00
    outlay[PAYERS.index("backstop")] = 3_000_000_00
    result = funding(financing, outlay, 0, 10_000, 9_000, dict.fromkeys(PREMIUM_KEYS, 0), n_registered=8_000)
    # XZ (spec §6.6): the province gives 10 (MA) and 60 (backstop) a registered person, the county the rest
    assert result["outlay_ma_province"] == 80_000 and result["outlay_ma_county"] == 5_000_000 - 80_000
    assert result["outlay_backstop_province"] == 480_000 and result["outlay_backstop_county"] == 3_000_000 - 480_000
    assert result["outlay_ma_prefecture"] == result["outlay_backstop_prefecture"] == 0
    assert funding(None, outlay, 0, 10_000, 8_000, dict.fromkeys(PREMIUM_KEYS, 0))["outlay_backstop_county"] == 3_000_000


def test_planners_view_compares_the_current_setting_with_each_value(tmp_path: Path, capsys) -> None:
    from model.county.planner import planner_rows

    out = tmp_path / "planner"
    path = "layers.supplementary_ceiling_poor.ceiling.amount"
    assert main(["run", "--county", str(EXAMPLE), "--reps", "2", "--workers", "1", "--vary", f"{path}=3000,8000",
                 "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "compare" and [s["label"] for s in manifest["scenarios"]] == ["current", "ceiling=3000", "ceiling=8000"]
    view = planner_rows(out)
    assert view["path"] == path and [row["value"] for row in view["rows"]] == ["current", "3000", "8000"]
    summary = json.loads((out / "summary.json").read_text())
    paired = summary["differences"]["ceiling=3000 - current"]["metrics"]["impoverishment"]["mean"]
    assert view["rows"][1]["impoverishment_change"] == pytest.approx(paired)
    # a lower out-of-pocket ceiling costs the payers more than the current 5,000, a higher one less
    assert view["rows"][1]["extra_cost"] > 0 > view["rows"][2]["extra_cost"]
    assert main(["run", "--county", str(EXAMPLE), "--vary", "layers.no_such_layer.x=1,2", "--out", str(tmp_path / "bad")]) == 2
    assert "no_such_layer" in capsys.readouterr().err and not (tmp_path / "bad").exists()


def test_profile_years_are_checked_and_a_county_run_follows_its_households(tmp_path: Path, capsys) -> None:
    from model.brief import write_brief
    from model.brief.content import build_brief

    bad = tmp_path / "county.yaml"
    for value, found in (("0", "0"), ("31", "31"), ("两年", "'两年'")):
        bad.write_text(EXAMPLE.read_text(encoding="utf-8") + f"years: {value}\n", encoding="utf-8")
        with pytest.raises(InputError) as caught:
            load_profile(bad)
        assert str(caught.value) == (f"{bad}: field years (逐年测算年数 / years followed): expected a number of years "
                                     f"from 1 to 30, found {found}")
    with pytest.raises(InputError) as caught:
        load_profile(_xlsx_with(tmp_path, "years", 99))
    assert "row 18 (逐年测算年数 / years followed): expected a number of years from 1 to 30, found 99" in str(caught.value)
    assert load_profile(EXAMPLE).years is None and county_plan(load_profile(EXAMPLE), 2, 1).plan.years is None
    good = tmp_path / "years.yaml"
    good.write_text(EXAMPLE.read_text(encoding="utf-8") + "years: 2\n", encoding="utf-8")
    plan = county_plan(load_profile(good), 2, 1).plan
    assert plan.years == 2 and "population.year=2021" in plan.variants[0].sets  # from the budget year
    out = tmp_path / "run"
    assert main(["run", "--county", str(good), "--reps", "2", "--workers", "1", "--seed", "7", "--out", str(out)]) == 0
    entry = json.loads((out / "summary.json").read_text())["scenarios"]["sui_county"]
    assert list(entry["by_year"]) == ["2021", "2022"]
    assert json.loads((out / "county.json").read_text())["years"] == 2
    brief = build_brief(out)
    assert brief.years_rows[0][0] == "年度" and [row[0] for row in brief.years_rows[1:]] == ["2021", "2022", "全期"]
    page = (out / "brief.html").read_text(encoding="utf-8")
    assert 'id="brief-years"' in page and "2021–2022" in page
    # --years on the command line wins over the profile's
    assert main(["run", "--county", str(good), "--years", "1", "--reps", "1", "--workers", "1", "--out", str(tmp_path / "one")]) == 0
    assert "by_year" not in json.loads((tmp_path / "one" / "summary.json").read_text())["scenarios"]["sui_county"]

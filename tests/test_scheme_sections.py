"""The scheme's sections beside its rules (targets, programmes, capitation, fixed_prices, pay_after_treatment):
validated with the scheme file by their models, described in its JSON Schema, messages naming file and field."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from model.care.pricing import fixed_prices_of
from model.errors import InputError
from model.scenario import load_scenario
from model.schemas import schema_of
from model.scenario.yamlio import read_yaml

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _reform(tmp_path: Path, section: str, value: object, base: str = "x_prefecture") -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump({"id": "r", "base": base, "name": {"zh": "改", "en": "r"}, section: value},
                                   allow_unicode=True), encoding="utf-8")
    return path


def _section(file: str, key: str) -> object:
    return yaml.safe_load((SCENARIOS / file).read_text(encoding="utf-8"))[key]


def test_the_scheme_schema_describes_the_sections_and_refuses_unknown_keys() -> None:
    validator = jsonschema.Draft202012Validator(schema_of("scheme"))
    tree = read_yaml(SCENARIOS / "reforms" / "x_prefecture_capitation.yaml")
    assert validator.is_valid(tree)
    tree["capitation"]["per_capitta"] = 1
    assert not validator.is_valid(tree)
    tree = read_yaml(SCENARIOS / "x_prefecture.yaml")
    tree["programmes"]["items"][0]["unit_cots"] = 1
    assert not validator.is_valid(tree)


def test_a_section_fault_names_the_file_and_the_dotted_field(tmp_path: Path) -> None:
    path = _reform(tmp_path, "targets", {"reimbursement": {"value": 1.5, "source": "assumed: test"}})
    with pytest.raises(InputError, match=r"^.*r\.yaml: targets\.reimbursement: expected a rate in \[0, 1\] with at most "
                                         r"6 decimals, found 1\.5$"):
        load_scenario(str(path))
    path = _reform(tmp_path, "pay_after_treatment", dict(_section("x_prefecture.yaml", "pay_after_treatment"), months=6))
    with pytest.raises(InputError, match=r"r\.yaml: pay_after_treatment\.months: unknown key 'months' \(expected one of: "
                                         r"categories, levels, deferred_share, instalment_months, default_share, note\)"):
        load_scenario(str(path))


def test_a_key_written_as_a_number_is_shown_as_written(tmp_path: Path) -> None:
    capitation = _section("reforms/x_prefecture_capitation.yaml", "capitation")
    capitation["per_capita"]["value"][2016] = 1
    with pytest.raises(InputError, match=r"capitation\.per_capita\.2016: expected a bundled payer \(bmi, cii, ma, "
                                         r"backstop, supplementary\) as key, found '2016'$"):
        load_scenario(str(_reform(tmp_path, "capitation", capitation)))
    programmes = _section("gansu_province_2016.yaml", "programmes")
    programmes["items"][0]["units"]["value"][2016] = -1
    with pytest.raises(InputError, match=r"programmes\.items\.\[0\]\.units\.2016: expected a number in \[0, ∞\], found -1$"):
        load_scenario(str(_reform(tmp_path, "programmes", programmes, base="gansu_province_2016")))


def test_a_year_key_that_is_not_a_year_is_refused_not_a_traceback(tmp_path: Path) -> None:
    programmes = _section("gansu_province_2016.yaml", "programmes")
    programmes["items"][0]["units"]["value"] = {"²": 1}
    with pytest.raises(InputError, match=r"programmes\.items\.\[0\]\.units\.²: expected a year \(such as 2016\) as key, "
                                         r"found '²'$"):
        load_scenario(str(_reform(tmp_path, "programmes", programmes, base="gansu_province_2016")))


def test_fixed_prices_for_a_disease_off_the_special_list_are_refused_when_read(tmp_path: Path) -> None:
    fixed_prices = _section("reforms/x_prefecture_fixed_prices.yaml", "fixed_prices")
    fixed_prices["prices"]["value"]["hypertension"] = {"county": 100}
    scenario = load_scenario(str(_reform(tmp_path, "fixed_prices", fixed_prices)))
    with pytest.raises(InputError, match=r"r\.yaml: fixed_prices\.prices\.hypertension: expected a disease on the "
                                         r"scheme's special-treatment list, found 'hypertension'$"):
        fixed_prices_of(scenario)

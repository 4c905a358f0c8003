"""The scenario files' schema: the shipped JSON Schemas are what the models generate, every shipped file
validates against its kind's schema and loads through its model, and sources reach the code."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from model.care.params import Pathway, parse_care
from model.codes import DISEASE_GROUPS
from model.errors import InputError
from model.outcomes.params import OutcomesFile, parse_outcomes
from model.scenario import load_scenario
from model.schemas import KINDS, SCHEMA_FOLDER, schema_of, schema_text
from model.scenario.messages import Origins
from model.scenario.yamlio import read_yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
FILES_OF_KIND = {
    "scheme": sorted(SCENARIOS.glob("*.yaml")) + sorted((SCENARIOS / "reforms").glob("*.yaml"))
    + sorted((SCENARIOS / "readings").glob("*.yaml")),
    "care": sorted((SCENARIOS / "care").glob("*.yaml")),
    "outcomes": sorted((SCENARIOS / "outcomes").glob("*.yaml")),
    "uncertainty": sorted((SCENARIOS / "uncertainty").glob("*.yaml")),
    "growth": sorted((SCENARIOS / "growth").glob("*.yaml")),
    "years": sorted((SCENARIOS / "years").glob("*.yaml")),

    "population": sorted((SCENARIOS / "populations").glob("*.yaml")),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_shipped_schema_is_what_the_models_generate(kind: str) -> None:
    shipped = SCENARIOS / SCHEMA_FOLDER / f"{kind}.schema.json"
    assert shipped.read_text(encoding="utf-8") == schema_text(kind), \
        f"{shipped} is stale: run .venv/bin/python -m model.schemas"


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_shipped_file_validates_against_its_schema(kind: str) -> None:
    validator = jsonschema.Draft202012Validator(schema_of(kind))
    assert FILES_OF_KIND[kind]
    for path in FILES_OF_KIND[kind]:
        errors = sorted(validator.iter_errors(read_yaml(path)), key=str)
        assert not errors, f"{path}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_the_schema_refuses_what_the_model_refuses() -> None:
    validator = jsonschema.Draft202012Validator(schema_of("scheme"))
    tree = read_yaml(SCENARIOS / "sui_county.yaml")
    tree["layers"][0]["ratee"] = 1
    assert not validator.is_valid(tree)
    tree = read_yaml(SCENARIOS / "sui_county.yaml")
    tree["payer_caps"] = {"bmi": {"value": 1}}
    assert not validator.is_valid(tree)


@pytest.mark.parametrize("path", FILES_OF_KIND["scheme"], ids=lambda p: p.stem)
def test_every_shipped_scheme_loads_through_its_model(path: Path) -> None:
    scenario = load_scenario(str(path))
    assert scenario.file is not None and scenario.file.id == scenario.id


def test_care_and_outcome_files_load_through_their_models() -> None:
    for path in FILES_OF_KIND["outcomes"]:
        assert parse_outcomes(read_yaml(path), Origins(str(path))).che_capacity_threshold > 0
    for path in FILES_OF_KIND["care"]:
        assert parse_care(read_yaml(path), Origins(str(path))).year == 2019
    assert "poverty_line" in OutcomesFile.keys() and "bypass_share" in Pathway.keys()


def test_sources_reach_the_code() -> None:
    scenario = load_scenario("sui_county")
    layer = next(layer for layer in scenario.file.layers if layer.id == "medical_assistance")
    assert layer.coinsurance.rate.value == 700_000
    written = next(layer for layer in scenario.tree["layers"] if layer["id"] == "medical_assistance")
    assert layer.coinsurance.rate.source == written["coinsurance"]["rate"]["source"]


def test_scheme_disease_lists_live_in_the_scheme_files() -> None:
    """codes.py keeps the vocabulary's own group; a scheme's lists are its file's cited data."""
    assert set(DISEASE_GROUPS) == {"chronic"}
    xz = load_scenario("x_prefecture").file
    assert set(xz.disease_lists) == {"special_treatment_national", "xz28", "xz25"}
    assert "XZ (二)" in xz.disease_lists["xz28"].source
    layer = next(layer for layer in load_scenario("x_prefecture").scheme.layers if layer.id == "chronic_outpatient_xz28")
    assert layer.when.diseases == xz.disease_lists["xz28"].value
    mj = load_scenario("maiji_district").file
    assert len(mj.disease_lists["mj_major"].value) == 18


def test_a_list_a_scheme_does_not_define_is_refused(tmp_path: Path) -> None:
    scheme = tmp_path / "s.yaml"
    scheme.write_text("id: s\nname: {zh: s, en: s}\nlayers:\n  - id: a\n    name: {zh: a, en: a}\n    payer: bmi\n"
                      "    source: test\n    when: {diseases: xz28}\n    ceiling: {amount: {value: 1, source: test}}\n",
                      encoding="utf-8")
    with pytest.raises(InputError, match=r"s.yaml: layers.a.when.diseases: expected a list of disease codes .*"
                                         r"or a group: chronic\), found 'xz28'"):
        load_scenario(str(scheme))

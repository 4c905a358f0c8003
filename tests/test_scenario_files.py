"""Scheme files: every seed scheme loads, every value has a source, and bad files get one clear message."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SEED_SCHEMES, write_scheme
from model.errors import InputError
from model.scenario import known_scenarios, load_scenario
from model.scenario.resolve import is_cited

SCENARIO_FILES = sorted((ROOT / "scenarios").rglob("*.yaml"))


def test_library_has_the_seed_schemes_and_a_reform() -> None:
    names = set(known_scenarios())
    assert set(SEED_SCHEMES) <= names
    assert "sui_ceiling_3000" in names


@pytest.mark.parametrize("name", known_scenarios())
def test_every_scheme_loads_with_bilingual_names(name: str) -> None:
    scenario = load_scenario(name)
    assert scenario.name["zh"] and scenario.name["en"]
    for layer in scenario.scheme.layers:
        assert layer.name["zh"] and layer.name["en"], layer.id
        assert layer.source.strip(), layer.id


NUMERIC_KEYS = {"rate", "rate_by_level", "rate_by_disease", "deductible", "deductible_by_level", "brackets",
                "target", "target_by_disease", "amount", "limit_share_of_total", "annual_cap", "annual_cap_by_disease"}


def _uncited_values(node, path=()):
    """Paths of numbers in a scheme file that are not inside a {value, source} node."""
    if is_cited(node):
        return []
    if isinstance(node, dict) and "distribution" in node and "source" in node:
        return []  # an uncertain parameter (scenarios/uncertainty/): its distribution cited as a whole
    if isinstance(node, dict):
        found = []
        for key, value in node.items():
            if key in ("name", "document", "in_force", "when", "description", "id", "base", "payer", "source", "copy", "include"):
                continue
            found += _uncited_values(value, path + (str(key),))
        return found
    if isinstance(node, list):
        return [p for i, item in enumerate(node) for p in _uncited_values(item, path + (str(i),))]
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return [".".join(path)]
    return []


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.stem for p in SCENARIO_FILES])
def test_every_value_in_the_files_carries_its_source(path: Path) -> None:
    tree = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert _uncited_values(tree) == []


# --- validation: each bad file gets one message naming the file and the field -------------------

BASE = {
    "id": "t",
    "name": {"zh": "测试", "en": "test"},
    "layers": [
        {
            "id": "inpatient",
            "name": {"zh": "住院", "en": "inpatient"},
            "payer": "bmi",
            "source": "test",
            "when": {"services": ["inpatient"], "categories": "poor"},
            "coinsurance": {"rate": {"value": 0.8, "source": "test"}},
        },
        {
            "id": "cii",
            "name": {"zh": "大病", "en": "cii"},
            "payer": "cii",
            "source": "test",
            "tiered": {"deductible": {"value": 5000, "source": "test"},
                       "brackets": {"value": [[50000, 0.6], [None, 0.7]], "source": "test"}},
        },
    ],
}


def _broken(change) -> dict:
    tree = copy.deepcopy(BASE)
    change(tree)
    return tree


BAD_FILES = {
    "unknown key": (lambda t: t["layers"][0].update(ratee=1), "layers.inpatient.ratee", "unknown key 'ratee'"),
    "rate above 1": (lambda t: t["layers"][0]["coinsurance"]["rate"].update(value=1.5), "layers.inpatient.coinsurance.rate", "a rate in [0, 1]"),
    "negative rate": (lambda t: t["layers"][0]["coinsurance"]["rate"].update(value=-0.1), "layers.inpatient.coinsurance.rate", "a rate in [0, 1]"),
    "brackets not increasing": (
        lambda t: t["layers"][1]["tiered"]["brackets"].update(value=[[50000, 0.6], [40000, 0.7], [None, 0.8]]),
        "layers.cii.tiered.brackets.[1].[0]", "brackets increasing"),
    "bracket below deductible": (
        lambda t: t["layers"][1]["tiered"]["brackets"].update(value=[[4000, 0.6]]),
        "layers.cii.tiered.brackets.[0].[0]", "brackets increasing"),
    "unknown payer": (lambda t: t["layers"][0].update(payer="insurer"), "layers.inpatient.payer", "a payer"),
    "unknown service": (lambda t: t["layers"][0]["when"].update(services=["dental"]), "layers.inpatient.when.services.[0]", "a service"),
    "unknown level": (lambda t: t["layers"][0]["when"].update(levels=["clinic"]), "layers.inpatient.when.levels.[0]", "a level"),
    "unknown category": (lambda t: t["layers"][0]["when"].update(categories=["rich"]), "layers.inpatient.when.categories.[0]", "a category"),
    "unknown disease": (lambda t: t["layers"][0]["when"].update(diseases=["flu"]), "layers.inpatient.when.diseases.[0]", "a disease code"),
    "value without source": (lambda t: t["layers"][0]["coinsurance"].update(rate={"value": 0.8}), "layers.inpatient.coinsurance.rate", "missing key 'source'"),
    "bare number": (lambda t: t["layers"][0]["coinsurance"].update(rate=0.8), "layers.inpatient.coinsurance.rate", "a value with its source"),
    "empty source": (lambda t: t["layers"][0]["coinsurance"]["rate"].update(source=" "), "layers.inpatient.coinsurance.rate.source", "a non-empty source"),
    "money with 3 decimals": (lambda t: t["layers"][1]["tiered"]["deductible"].update(value=5000.001), "layers.cii.tiered.deductible", "at most 2 decimals"),
    "rate with 7 decimals": (lambda t: t["layers"][0]["coinsurance"]["rate"].update(value=0.1234567), "layers.inpatient.coinsurance.rate", "at most 6 decimals"),
    "two mechanics": (lambda t: t["layers"][0].update(ceiling={"amount": {"value": 1, "source": "x"}}), "layers.inpatient", "exactly one mechanic"),
    "duplicate layer id": (lambda t: t["layers"][1].update(id="inpatient"), "layers.inpatient", "a layer id not used before"),
    "unknown payer cap": (lambda t: t.update(payer_caps={"nobody": {"value": 1, "source": "x"}}), "payer_caps.nobody", "a payer"),
    "rate by unknown level": (
        lambda t: t["layers"][0]["coinsurance"].update(rate_by_level={"value": {"moon": 0.5}, "source": "x"}, rate=None) or t["layers"][0]["coinsurance"].pop("rate"),
        "layers.inpatient.coinsurance.rate_by_level.moon", "a level"),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_bad_scheme_file_gets_one_clear_message(case: str, tmp_path: Path) -> None:
    change, field, expected = BAD_FILES[case]
    path = write_scheme(tmp_path, _broken(change))
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert message.startswith(path), message
    assert f": {field}:" in message, message
    assert expected in message, message
    assert "\n" not in message


def test_the_valid_base_loads(tmp_path: Path) -> None:
    assert len(load_scenario(write_scheme(tmp_path, BASE)).scheme.layers) == 2


def test_override_path_that_does_not_exist(tmp_path: Path) -> None:
    reform = tmp_path / "reform.yaml"
    reform.write_text(
        "id: r\nbase: sui_county\nname: {zh: 改革, en: reform}\n"
        "set:\n  layers.no_such_layer.ceiling.amount: {value: 3000, source: test}\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"reform.yaml: layers.no_such_layer.ceiling.amount: no such path.*no entry 'no_such_layer'"):
        load_scenario(str(reform))
    with pytest.raises(InputError, match=r"^command line --set: layers.supplementary_ceiling_poor.ceiling.amout: "
                                         r"no such path: .* has no key 'amout' \(it has: amount, base\)"):
        load_scenario("sui_county", ["layers.supplementary_ceiling_poor.ceiling.amout=3000"])


def test_cli_set_is_validated_like_a_file() -> None:
    with pytest.raises(InputError) as caught:
        load_scenario("sui_county", ["layers.medical_assistance.coinsurance.rate=1.7"])
    assert str(caught.value).startswith(
        "command line --set: layers.medical_assistance.coinsurance.rate: expected a rate in [0, 1]"
    )


def test_cli_set_changes_value_and_records_source() -> None:
    scenario = load_scenario("sui_county", ["layers.supplementary_ceiling_poor.ceiling.amount=3000"])
    assert scenario.scheme.layers[-1].mechanic.amount == 300_000
    node = scenario.tree["layers"][-1]["ceiling"]["amount"]
    assert node["source"].startswith("command line: --set")
    assert load_scenario("sui_county").content_hash != scenario.content_hash


def test_cli_set_inside_a_map_of_values() -> None:
    scenario = load_scenario("sui_county", ["layers.inpatient_in_county.coinsurance.rate_by_level.county=0.85"])
    layer = next(l for l in scenario.scheme.layers if l.id == "inpatient_in_county")
    assert layer.mechanic.rate_by_level["county"] == 850_000
    assert layer.mechanic.rate_by_level["township"] == 900_000
    assert "county set by command line" in scenario.tree["layers"][7]["coinsurance"]["rate_by_level"]["source"]


def test_reform_changes_only_what_it_names() -> None:
    base, reform = load_scenario("sui_county"), load_scenario("sui_ceiling_3000")
    assert [l.id for l in base.scheme.layers] == [l.id for l in reform.scheme.layers]
    differing = [a.id for a, b in zip(base.scheme.layers, reform.scheme.layers) if a != b]
    assert differing == ["supplementary_ceiling_poor"]


def test_yaml_is_read_safely(tmp_path: Path) -> None:
    evil = tmp_path / "evil.yaml"
    evil.write_text("id: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8")
    with pytest.raises(InputError, match="evil.yaml: line 1"):
        load_scenario(str(evil))


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("id: a\nid: b\n", encoding="utf-8")
    with pytest.raises(InputError, match="dup.yaml: line 2.*duplicate key 'id'"):
        load_scenario(str(path))


def test_unknown_scheme_id_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match="scenario 'atlantis'.*known: .*sui_county"):
        load_scenario("atlantis")


def test_rates_are_exact_decimals() -> None:
    # 0.7 is not a binary fraction: read as text, it is exactly 700,000 ppm.
    layer = next(l for l in load_scenario("sui_county").scheme.layers if l.id == "medical_assistance")
    assert layer.mechanic.rate == 700_000


def test_the_old_id_of_x_prefecture_names_the_new_one(capsys) -> None:
    """Spec v2 renamed quanzhou_prefecture: a command (or a run folder being resumed) naming it is told the new id."""
    from model.cli import main

    assert main(["adjudicate", "quanzhou_prefecture", "claims.csv"]) == 2
    err = capsys.readouterr().err
    assert "renamed 'x_prefecture' in spec version 2" in err and err.count("\n") == 1
    assert load_scenario("x_prefecture").name["en"] == "X prefecture four-tier protection"

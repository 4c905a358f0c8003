"""The population preset's typed schema (issue 12 move 2): keys equal the YAML keys, unknown keys refused,
and each bad value refused in one message naming the file and the dotted field, word for word as before."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from model.errors import InputError
from model.population import population_params
from model.population.params import PopulationFile, parse_population
from model.scenario import load_scenario
from model.scenario.messages import Origins
from model.scenario.yamlio import read_yaml

PRESET = Path(__file__).resolve().parents[1] / "scenarios" / "populations" / "poor_households.yaml"

# (what is wrong, the change to the preset, the message): messages as the hand-written reader gave them.
CASES = [
    ('top unknown key',
     lambda t: t.__setitem__("households_", 1),
     "poor_households.yaml: population.households_: unknown key 'households_' (expected one of: id, name, description, base, set, year, by_year, county, households, persons, illness, costs)"),
    ('missing key',
     lambda t: t["county"].pop("residents"),
     "poor_households.yaml: population.county: missing key 'residents'"),
    ('cited without source',
     lambda t: t["county"]["townships"].pop("source"),
     "poor_households.yaml: population.county.townships: missing key 'source'"),
    ('bound',
     lambda t: t["county"]["townships"].__setitem__("value", 0),
     'poor_households.yaml: population.county.townships: expected a number in [1, 1000], found 0'),
    ('whole',
     lambda t: t["county"]["townships"].__setitem__("value", 2.5),
     'poor_households.yaml: population.county.townships: expected a whole number, found 2.5'),
    ('township km',
     lambda t: t["county"]["township_to_county_km"]["value"].__setitem__("high", 1),
     'poor_households.yaml: population.county.township_to_county_km.high: expected a number at least the low bound 5.0, found 1'),
    ('lognormal key',
     lambda t: t["households"]["income_per_capita"]["value"]["dibao"].__setitem__("mean", 1),
     "poor_households.yaml: population.households.income_per_capita.dibao.mean: unknown key 'mean' (expected one of: median, sigma)"),
    ('income group',
     lambda t: t["households"]["income_per_capita"]["value"].__setitem__("poor", {"median": 1, "sigma": 1}),
     "poor_households.yaml: population.households.income_per_capita.poor: expected a key among: ordinary, registered_poor, registered_exited, dibao, extreme_poor, found 'poor'"),
    ('shares sum',
     lambda t: t["households"]["category_shares"]["value"].__setitem__("dibao", 0.5),
     'poor_households.yaml: population.households.category_shares: expected shares adding up to 1, found a sum of 1.28'),
    ('size key',
     lambda t: t["households"]["size_shares"]["value"]["dibao"].__setitem__(13, 0.0),
     "poor_households.yaml: population.households.size_shares.dibao.13: expected a household size 1-12 as key, found '13'"),
    ('size value',
     lambda t: t["households"]["size_shares"]["value"]["dibao"].__setitem__(2, "x"),
     "poor_households.yaml: population.households.size_shares.dibao.2: expected a number in [0, 1], found 'x'"),
    ('size category',
     lambda t: t["households"]["size_shares"]["value"].pop("dibao"),
     'poor_households.yaml: population.households.size_shares: expected size shares for every category (ordinary, registered_poor, dibao, extreme_poor), found none for dibao'),
    ('year table',
     lambda t: t["by_year"]["poverty_line"]["value"].pop(2019),
     'poor_households.yaml: population.by_year.poverty_line: expected a figure of the poverty line for the simulated year 2019, found years 2016, 2017, 2018, 2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027, 2028, 2029, 2030, 2031, 2032, 2033, 2034, 2035'),
    ('year key',
     lambda t: t["by_year"]["poverty_line"]["value"].__setitem__("20x", 1),
     "poor_households.yaml: population.by_year.poverty_line.20x: expected a year 1990-2100 as key, found '20x'"),
    ('year value',
     lambda t: t["by_year"]["rural_engel_coefficient"]["value"].__setitem__(2019, 1.5),
     'poor_households.yaml: population.by_year.rural_engel_coefficient.2019: expected a number in [0.01, 0.99], found 1.5'),
    ('simulated year',
     lambda t: t["year"].__setitem__("value", 1980),
     'poor_households.yaml: population.year: expected a number in [1990, 2100], found 1980'),
    ('exited share',
     lambda t: t["households"]["exited_share"].__setitem__("value", "yes"),
     "poor_households.yaml: population.households.exited_share: expected a number in [0, 1], found 'yes'"),
    ('visit level default',
     lambda t: t["illness"]["chronic"]["visit_level"]["value"].pop("default"),
     "poor_households.yaml: population.illness.chronic.visit_level: expected a 'default' entry of level shares, found none"),
    ('visit level key',
     lambda t: t["illness"]["chronic"]["visit_level"]["value"].__setitem__("gout", {"county": 1}),
     "poor_households.yaml: population.illness.chronic.visit_level.gout: expected a chronic code or 'default' as key, found 'gout'"),
    ('major code',
     lambda t: t["illness"]["major_diseases"]["incidence_per_100k"]["value"].__setitem__("gout", 1),
     "poor_households.yaml: population.illness.major_diseases.incidence_per_100k.gout: expected a major-disease code (child_leukemia, child_chd, esophageal_cancer, gastric_cancer, colorectal_cancer, esrd, severe_mental, mdr_tb, breast_cancer, cervical_cancer, lung_cancer, liver_cancer, acute_mi, cataract, hemophilia, thalassemia, pneumoconiosis, cancer), found 'gout'"),
    ('major per case missing',
     lambda t: t["illness"]["major_diseases"]["admissions_per_case"]["value"].pop("cataract"),
     "poor_households.yaml: population.illness.major_diseases.admissions_per_case: expected a value for 'cataract', found none"),
    ('child only',
     lambda t: t["illness"]["major_diseases"]["child_only"].__setitem__("value", ["child_leukemia", "gout"]),
     "poor_households.yaml: population.illness.major_diseases.child_only.[1]: expected a major-disease code (child_leukemia, child_chd, esophageal_cancer, gastric_cancer, colorectal_cancer, esrd, severe_mental, mdr_tb, breast_cancer, cervical_cancer, lung_cancer, liver_cancer, acute_mi, cataract, pneumoconiosis), found 'gout'"),
    ('treatable',
     lambda t: t["illness"]["severity"]["treatable_below"]["value"].__setitem__("province", 0.9),
     "poor_households.yaml: population.illness.severity.treatable_below: expected limits rising with the level and 1 at the province, found {'county': 0.95, 'prefecture': 0.99, 'province': 0.9, 'to..."),
    ('name',
     lambda t: t["name"].pop("zh"),
     "poor_households.yaml: population.name: missing key 'zh'"),
    ('prevalence',
     lambda t: t["illness"]["chronic"]["prevalence_by_age"]["value"]["diabetes"].__setitem__("0-14", 2),
     'poor_households.yaml: population.illness.chronic.prevalence_by_age.diabetes.0-14: expected a number in [0, 1], found 2'),
]


@pytest.mark.parametrize("change, message", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_value_refused_word_for_word(change, message: str) -> None:
    tree = copy.deepcopy(read_yaml(PRESET))
    change(tree)
    with pytest.raises(InputError) as caught:
        parse_population(tree, Origins("poor_households.yaml"))
    assert str(caught.value) == message


def test_unknown_size_category_refused() -> None:
    """The hand-written reader ignored a size_shares key that is no category; the model refuses it."""
    tree = copy.deepcopy(read_yaml(PRESET))
    tree["households"]["size_shares"]["value"]["poor"] = {1: 1.0}
    with pytest.raises(InputError) as caught:
        parse_population(tree, Origins("poor_households.yaml"))
    assert str(caught.value) == ("poor_households.yaml: population.households.size_shares.poor: expected a category "
                                 "(ordinary, registered_poor, dibao, extreme_poor) as key, found 'poor'")


def test_set_option_named_as_the_origin() -> None:
    with pytest.raises(InputError) as caught:
        load_scenario("baseline", ["population.county.townships=0"])
    assert str(caught.value) == "command line --set: population.county.townships: expected a number in [1, 1000], found 0"


def test_keys_are_the_yaml_keys_and_sources_reach_the_code() -> None:
    tree = read_yaml(PRESET)
    assert PopulationFile.keys() == tuple(tree)[:2] + ("description", "base", "set") + tuple(tree)[3:]
    model = PopulationFile.model_validate(tree, context={})
    assert model.county.residents.source == tree["county"]["residents"]["source"]
    assert model.by_year.poverty_line.value[2019] == 3218


def test_presets_read_into_the_same_parameters() -> None:
    params = population_params(load_scenario("baseline", population="rural_county"))
    assert params.category_shares.tolist() == [0.89, 0.07, 0.03, 0.01]
    assert params.size_shares.shape == (4, 12) and params.year.poverty_line == 3218
    assert params.exited_share == pytest.approx(1 - 5.51 / 98.99)
    assert params.major_child_only.sum() == 2

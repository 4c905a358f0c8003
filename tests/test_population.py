"""Population and illness: realized statistics match their parameters, reproducibility, household tables, CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.cli import main
from model.errors import InputError
from model.population import population_params
from model.population.build import StageSeeds, chunks, concatenate, persons_table, synthetic_county
from model.population.describe import describe
from model.population.illness import merge as merge_illness
from model.population.table import population_from_table
from model.scenario import load_scenario

PERSONS = 150_000


def _build(preset: str, persons: int = PERSONS, seed: int = 3, sets=()):
    scenario = load_scenario(preset, list(sets))
    params = population_params(scenario)
    seeds = StageSeeds.of_replication(seed, 0)
    county = synthetic_county(params, seeds)
    parts = list(chunks(params, persons, county, seeds))
    population = concatenate([p.population for p in parts])
    illness = merge_illness([p.illness for p in parts], [p.population.n_persons for p in parts])
    return scenario, params, population, illness, county


@pytest.mark.parametrize("preset", ["poor_households", "rural_county"])
def test_realized_statistics_match_parameters_within_4_standard_errors(preset: str) -> None:
    scenario, params, population, illness, _ = _build(preset)
    stats = describe(params, scenario.tree["population"], population, illness)
    assert len(stats) >= 25
    outside = [(s.name, s.realized, s.expected, round(s.z, 1)) for s in stats if not s.within]
    assert outside == []
    assert all(s.source for s in stats)


def test_poor_are_admitted_more_and_are_older_than_ordinary_residents() -> None:
    _, _, population, illness, _ = _build("rural_county", persons=200_000)
    admitted = np.zeros(population.n_persons, dtype=bool)
    admitted[illness.admissions().person] = True
    poor = population.poor
    assert abs(admitted[poor].mean() - 0.208) < 0.02 and abs(admitted[~poor].mean() - 0.131) < 0.005
    assert population.age[poor].mean() > population.age[~poor].mean()
    assert 0.07 < population.household_category.astype(bool).mean() < 0.14  # the poor a minority of households


def test_persons_number_exactly_and_households_hold_them() -> None:
    _, _, population, _, _ = _build("poor_households", persons=123_457)
    assert population.n_persons == 123_457
    assert population.household_size.sum() == 123_457 and population.household_size.min() >= 1
    assert np.all(np.diff(population.household) >= 0)


def test_same_seed_same_table_byte_for_byte_and_other_seed_differs(tmp_path: Path) -> None:
    files = []
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        out = tmp_path / f"{name}.csv"
        assert main(["population", "poor_households", "--persons", "30000", "--seed", str(seed), "-o", str(out)]) == 0
        files.append(out.read_bytes())
    assert files[0] == files[1]
    assert files[0] != files[2]
    header = files[0].split(b"\n", 1)[0].decode()
    assert header.startswith("person_id,household_id,category,exited_poverty,age,sex,household_size,"
                             "household_income,household_consumption,township,village")


def test_chunks_do_not_change_the_population() -> None:
    scenario = load_scenario("poor_households")
    params = population_params(scenario)
    seeds = StageSeeds.of_replication(5, 2)
    county = synthetic_county(params, seeds)
    one = [c.population for c in chunks(params, 25_000, county, seeds, chunk_persons=10_000)]
    again = [c.population for c in chunks(params, 25_000, county, seeds, chunk_persons=10_000)]
    assert all(np.array_equal(a.age, b.age) and np.array_equal(a.household_income, b.household_income) for a, b in zip(one, again))
    # chunk k is the same chunk whatever the total
    longer = [c.population for c in chunks(params, 35_000, county, seeds, chunk_persons=10_000)]
    assert np.array_equal(one[1].age, longer[1].age)


def test_admissions_reuse_draws_under_a_demand_multiplier() -> None:
    _, _, population, illness, _ = _build("poor_households", persons=50_000)
    base = illness.admissions()
    more = illness.admissions(np.full(population.n_persons, 1.3))
    assert len(more) > len(base)
    admitted_before = set(base.person[~base.major].tolist())
    assert admitted_before <= set(more.person[~more.major].tolist())  # everyone admitted before still is


def test_bad_preset_value_is_refused() -> None:
    with pytest.raises(InputError, match=r"population.households.category_shares: expected shares adding up to 1"):
        load_scenario("sui_county", ["population.households.category_shares.dibao=0.5"])


HOUSEHOLDS = """household_id,category,exited_poverty,household_size,household_income,household_consumption,township,village
H1,registered_poor,true,3,9600.00,9100,Anle,Dongcun
H2,dibao,false,2,6000.5,6100,Anle,Xicun
H3,extreme_poor,false,1,4300,4200,Baishui,Nancun
H4,ordinary,false,4,52000,43000,Baishui,Dongcun
"""


def test_household_table_replaces_synthetic_households(tmp_path: Path) -> None:
    path = tmp_path / "households.csv"
    path.write_text(HOUSEHOLDS, encoding="utf-8")
    scenario = load_scenario("poor_households")
    population, county = population_from_table(path, population_params(scenario), StageSeeds.of_replication(1, 0).population)
    assert population.n_persons == 10 and population.n_households == 4
    assert county.townships == 2 and county.villages == 4  # Dongcun exists in both townships: two villages
    table = persons_table(population, county).to_pydict()
    assert table["person_id"][:3] == ["H1-1", "H1-2", "H1-3"]
    assert table["household_income"][3] == "6000.50" and table["village"][0] == "Dongcun"


def test_household_tables_take_category_sets(tmp_path: Path) -> None:
    """--households takes the category sets of spec §1 (any order); a registered set may have exited."""
    from model.codes import CATEGORY_SET_NAMES

    path = tmp_path / "households.csv"
    path.write_text(HOUSEHOLDS + "H5,dibao+registered_poor,true,2,5000,5000,Anle,Xicun\nH6,extreme_poor+dibao,false,1,4000,4000,Anle,Xicun\n",
                    encoding="utf-8")
    population, _ = population_from_table(path, population_params(load_scenario("poor_households")), StageSeeds.of_replication(1, 0).population)
    assert [CATEGORY_SET_NAMES[c] for c in population.household_category] == [
        "registered_poor", "dibao", "extreme_poor", "ordinary", "registered_poor+dibao", "dibao+extreme_poor"]
    assert population.household_exited.tolist() == [True, False, False, False, True, False]


def test_synthetic_households_overlap_as_their_preset_says() -> None:
    """poor_households: half of dibao and extreme-poor households are also registered (assumed, with its source)."""
    from model.codes import ALSO_REGISTERED
    from model.population.households import PRIMARY, also_registered

    params = population_params(load_scenario("poor_households"))
    category = np.repeat(np.arange(4), 20_000)
    sets = also_registered(params, category, np.random.default_rng(5))
    assert (PRIMARY[sets] == category).all()
    for name, code in ALSO_REGISTERED.items():
        share = (sets == code).sum() / 20_000
        assert abs(share - params.also_registered_share[name]) < 0.02
    assert not np.isin(sets[category <= 1], list(ALSO_REGISTERED.values())).any()


BAD_HOUSEHOLDS = {
    "category": ("H1,poorish,false,3,1,1,A,B", "column category: expected ordinary, or one or more of registered_poor"),
    "ordinary in a set": ("H1,ordinary+dibao,false,3,1,1,A,B", "column category: expected ordinary, or one or more of registered_poor"),
    "exited for dibao": ("H1,dibao,true,3,1,1,A,B", "column exited_poverty: expected true or false (lowercase); true only for a category set with registered_poor"),
    "size": ("H1,dibao,false,0,1,1,A,B", "column household_size: expected a whole number of members, 1-20"),
    "money": ("H1,dibao,false,2,1e4,1,A,B", "column household_income: expected yuan a year"),
    "village": ("H1,dibao,false,2,1,1,A,", "column village: expected the village's name"),
}


@pytest.mark.parametrize("case", list(BAD_HOUSEHOLDS))
def test_bad_household_rows_are_named(case: str, tmp_path: Path, capsys) -> None:
    row, expected = BAD_HOUSEHOLDS[case]
    path = tmp_path / "households.csv"
    path.write_text(HOUSEHOLDS.splitlines()[0] + "\nH0,dibao,false,2,1,1,A,B\n" + row + "\n", encoding="utf-8")
    out = tmp_path / "persons.csv"
    assert main(["population", "poor_households", "--households", str(path), "-o", str(out)]) == 2
    error = capsys.readouterr().err
    assert f"{path}: line 3 (household_id H1), {expected}" in error
    assert not out.exists()


def test_describe_prints_a_table_with_sources(capsys) -> None:
    assert main(["population", "rural_county", "--persons", "40000", "--describe"]) == 0
    printed = capsys.readouterr().out
    assert "persons admitted at least once, poor" in printed and "calibration: Annual admission rate" in printed
    assert "within 4 standard errors" in printed

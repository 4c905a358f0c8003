"""The multi-year rules file's messages, word for word: one fault a file, the message naming the file and the
dotted field (kept from the hand-written reader when the file moved to its pydantic model)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from model.errors import InputError
from model.years.rules import load_rules

DEFAULT = yaml.safe_load(Path("scenarios/years/default.yaml").read_text(encoding="utf-8"))

CASES = [
    ('top_not_mapping', None,
     'FILE: (top level): expected a mapping with keys among: id, name, income, illness, poverty, demography, reforms, found [1, 2]'),
    ('unknown_top_key', ("set", ["extra"], 1),
     "FILE: extra: unknown key 'extra' (expected one of: id, name, income, illness, poverty, demography, reforms)"),
    ('missing_income', ("del", ["income"]),
     "FILE: (top level): missing key 'income'"),
    ('missing_demography', ("del", ["demography"]),
     "FILE: (top level): missing key 'demography'"),
    ('income_not_mapping', ("set", ["income"], [1]),
     'FILE: income: expected a mapping with keys among: growth, growth_registered, persistence, shock_sigma, found [1]'),
    ('unknown_income_key', ("set", ["income", "growth_rate"], 1),
     "FILE: income.growth_rate: unknown key 'growth_rate' (expected one of: growth, growth_registered, persistence, shock_sigma)"),
    ('missing_shock_sigma', ("del", ["income", "shock_sigma"]),
     "FILE: income: missing key 'shock_sigma'"),
    ('growth_not_cited', ("set", ["income", "growth"], {2017: 0.1}),
     'FILE: income.growth: expected a value with its source, {value: ..., source: "seed clause or assumed: why"}, found {2017: 0.1}'),
    ('growth_unknown_cited_key', ("set", ["income", "growth", "sources"], "x"),
     "FILE: income.growth.sources: unknown key 'sources' (expected one of: value, source, note)"),
    ('growth_missing_source', ("del", ["income", "growth", "source"]),
     "FILE: income.growth: missing key 'source'"),
    ('growth_empty_source', ("set", ["income", "growth", "source"], "  "),
     "FILE: income.growth.source: expected a non-empty source (a seed clause, or 'assumed: why'), found '  '"),
    ('growth_source_not_text', ("set", ["income", "growth", "source"], 3),
     'FILE: income.growth.source: expected text, found 3'),
    ('growth_not_table', ("set", ["income", "growth", "value"], 0.1),
     'FILE: income.growth: expected a mapping of years to values, such as {2021: keep, 2022: none}, found 0.1'),
    ('growth_empty_table', ("set", ["income", "growth", "value"], {}),
     'FILE: income.growth: expected a mapping of years to values, such as {2021: keep, 2022: none}, found {}'),
    ('growth_bad_year', ("set", ["income", "growth", "value"], {2017: 0.1, "next": 0.2}),
     "FILE: income.growth.next: expected a year 1990-2100 as key, found 'next'"),
    ('growth_old_year', ("set", ["income", "growth", "value"], {1980: 0.1}),
     "FILE: income.growth.1980: expected a year 1990-2100 as key, found '1980'"),
    ('growth_too_high', ("set", ["income", "growth", "value"], {2017: 1.5}),
     'FILE: income.growth.2017: expected a number in [-0.5, 1.0], found 1.5'),
    ('growth_text', ("set", ["income", "growth", "value"], {2017: "ten"}),
     "FILE: income.growth.2017: expected a number in [-0.5, 1.0], found 'ten'"),
    ('growth_registered_low', ("set", ["income", "growth_registered", "value"], {2017: -0.6}),
     'FILE: income.growth_registered.2017: expected a number in [-0.5, 1.0], found -0.6'),
    ('persistence_high', ("set", ["income", "persistence", "value"], 1.5),
     'FILE: income.persistence: expected a number in [0, 0.99], found 1.5'),
    ('shock_sigma_text', ("set", ["income", "shock_sigma", "value"], "0.25"),
     "FILE: income.shock_sigma: expected a number in [0, 2], found '0.25'"),
    ('lost_work_over_one', ("set", ["illness", "lost_work_working_age", "value"], 1.2),
     'FILE: illness.lost_work_working_age: expected a number in [0, 1], found 1.2'),
    ('lost_other_negative', ("set", ["illness", "lost_work_other", "value"], -0.1),
     'FILE: illness.lost_work_other: expected a number in [0, 1], found -0.1'),
    ('cap_bool', ("set", ["illness", "lost_work_cap", "value"], True),
     'FILE: illness.lost_work_cap: expected a number in [0, 1], found true'),
    ('bills_paid_high', ("set", ["illness", "bills_paid_from_income", "value"], 2),
     'FILE: illness.bills_paid_from_income: expected a number in [0, 1], found 2'),
    ('debt_share_missing', ("del", ["illness", "debt_repaid_share_of_income"]),
     "FILE: illness: missing key 'debt_repaid_share_of_income'"),
    ('illness_unknown', ("set", ["illness", "carers"], {"value": 1, "source": "x"}),
     "FILE: illness.carers: unknown key 'carers' (expected one of: lost_work_working_age, lost_work_other, lost_work_cap, lost_work_years, chronic_lost_work, earned_share_of_income, prior_illness_years, bills_paid_from_income, debt_repaid_share_of_income)"),
    ('poverty_line', ("set", ["poverty", "line"], {"value": {2019: 3218}, "source": "x"}),
     "FILE: poverty.line: expected no poverty line here (the line of every year is the population's by_year.poverty_line: set it with --set population.by_year.poverty_line=... or in a population preset), found {'source': 'x', 'value': {2019: 3218}}"),
    ('poverty_unknown', ("set", ["poverty", "lines"], 1),
     "FILE: poverty.lines: unknown key 'lines' (expected one of: exit_rule, exit_tasks, monitoring, assessed_income, register_new_poor)"),
    ('poverty_missing_monitoring', ("del", ["poverty", "monitoring"]),
     "FILE: poverty: missing key 'monitoring'"),
    ('exit_rule_not_cited', ("set", ["poverty", "exit_rule"], {"income_above_line_years": 1}),
     'FILE: poverty.exit_rule: expected a value with its source, {value: ..., source: "seed clause or assumed: why"}, found {\'income_above_line_years\': 1}'),
    ('exit_rule_unknown', ("set", ["poverty", "exit_rule", "value"], {"income_above_line_years": 1, "x": 2}),
     "FILE: poverty.exit_rule.x: unknown key 'x' (expected one of: income_above_line_years)"),
    ('exit_rule_missing', ("set", ["poverty", "exit_rule", "value"], {}),
     "FILE: poverty.exit_rule: missing key 'income_above_line_years'"),
    ('exit_rule_not_mapping', ("set", ["poverty", "exit_rule", "value"], 3),
     'FILE: poverty.exit_rule: expected a mapping with keys among: income_above_line_years, found 3'),
    ('exit_years_fraction', ("set", ["poverty", "exit_rule", "value", "income_above_line_years"], 1.5),
     'FILE: poverty.exit_rule.income_above_line_years: expected a whole number, found 1.5'),
    ('exit_years_zero', ("set", ["poverty", "exit_rule", "value", "income_above_line_years"], 0),
     'FILE: poverty.exit_rule.income_above_line_years: expected a number in [1, 10], found 0'),
    ('exit_tasks_negative', ("set", ["poverty", "exit_tasks", "value"], {2016: -1}),
     'FILE: poverty.exit_tasks.2016: expected a number in [0, 10000.0], found -1'),
    ('exit_tasks_huge', ("set", ["poverty", "exit_tasks", "value"], {2016: 20000}),
     'FILE: poverty.exit_tasks.2016: expected a number in [0, 10000.0], found 20000'),
    ('monitoring_missing', ("set", ["poverty", "monitoring", "value"], {"income_below_line_ratio": 1.5}),
     "FILE: poverty.monitoring: missing key 'oop_above_income_share'"),
    ('monitoring_bad', ("set", ["poverty", "monitoring", "value", "oop_above_income_share"], 101),
     'FILE: poverty.monitoring.oop_above_income_share: expected a number in [0, 100], found 101'),
    ('monitoring_unknown', ("set", ["poverty", "monitoring", "value", "x"], 1),
     "FILE: poverty.monitoring.x: unknown key 'x' (expected one of: income_below_line_ratio, oop_above_income_share)"),
    ('register_not_bool', ("set", ["poverty", "register_new_poor", "value"], "yes"),
     "FILE: poverty.register_new_poor: expected true or false, found 'yes'"),
    ('register_no_source', ("del", ["poverty", "register_new_poor", "source"]),
     "FILE: poverty.register_new_poor: missing key 'source'"),
    ('reforms_not_mapping', ("set", ["reforms"], [1]),
     'FILE: reforms: expected a mapping with exited_tilts and any dated scheme values (path: {value: {YEAR: value}, source}), found [1]'),
    ('reforms_no_tilts', ("del", ["reforms", "exited_tilts"]),
     'FILE: reforms: expected a mapping with exited_tilts and any dated scheme values (path: {value: {YEAR: value}, source}), found {}'),
    ('tilts_bad', ("set", ["reforms", "exited_tilts", "value"], {2016: "drop"}),
     "FILE: reforms.exited_tilts.2016: expected a rule for exited households' claims (keep, monitored_only, none), found 'drop'"),
    ('tilts_not_table', ("set", ["reforms", "exited_tilts", "value"], "keep"),
     "FILE: reforms.exited_tilts: expected a mapping of years to values, such as {2021: keep, 2022: none}, found 'keep'"),
    ('tilts_bad_year', ("set", ["reforms", "exited_tilts", "value"], {"y2016": "keep"}),
     "FILE: reforms.exited_tilts.y2016: expected a year 1990-2100 as key, found 'y2016'"),
    ('tilts_not_cited', ("set", ["reforms", "exited_tilts"], {2016: "keep"}),
     'FILE: reforms.exited_tilts: expected a value with its source, {value: ..., source: "seed clause or assumed: why"}, found {2016: \'keep\'}'),
    ('reform_set_list', ("set", ["reforms", "bmi.deductible"], {"value": {2022: [1, 2]}, "source": "x"}),
     'FILE: reforms.bmi.deductible.2022: expected a single value, found [1, 2]'),
    ('reform_set_dict', ("set", ["reforms", "bmi.deductible"], {"value": {2022: {"a": 1}}, "source": "x"}),
     "FILE: reforms.bmi.deductible.2022: expected a single value, found {'a': 1}"),
    ('reform_set_not_cited', ("set", ["reforms", "bmi.deductible"], 5),
     'FILE: reforms.bmi.deductible: expected a value with its source, {value: ..., source: "seed clause or assumed: why"}, found 5'),
    ('reform_set_bad_year', ("set", ["reforms", "bmi.deductible"], {"value": {"soon": 5}, "source": "x"}),
     "FILE: reforms.bmi.deductible.soon: expected a year 1990-2100 as key, found 'soon'"),
    ('demography_not_mapping', ("set", ["demography"], 1),
     'FILE: demography: expected a mapping with keys among: deaths, births, found 1'),
    ('demography_unknown', ("set", ["demography", "migration"], 1),
     "FILE: demography.migration: unknown key 'migration' (expected one of: deaths, births)"),
    ('demography_missing_births', ("del", ["demography", "births"]),
     "FILE: demography: missing key 'births'"),
    ('deaths_unknown', ("set", ["demography", "deaths", "x"], 1),
     "FILE: demography.deaths.x: unknown key 'x' (expected one of: life_expectancy_at_birth, infant_mortality_per_1000, gompertz_slope, male_relative_risk)"),
    ('deaths_missing', ("del", ["demography", "deaths", "gompertz_slope"]),
     "FILE: demography.deaths: missing key 'gompertz_slope'"),
    ('life_expectancy_low', ("set", ["demography", "deaths", "life_expectancy_at_birth", "value"], {2016: 10}),
     'FILE: demography.deaths.life_expectancy_at_birth.2016: expected a number in [20, 110], found 10'),
    ('infant_mortality_bad_year', ("set", ["demography", "deaths", "infant_mortality_per_1000", "value"], {"2016a": 5}),
     "FILE: demography.deaths.infant_mortality_per_1000.2016a: expected a year 1990-2100 as key, found '2016a'"),
    ('gompertz_high', ("set", ["demography", "deaths", "gompertz_slope", "value"], 0.5),
     'FILE: demography.deaths.gompertz_slope: expected a number in [0.01, 0.3], found 0.5'),
    ('male_rr_low', ("set", ["demography", "deaths", "male_relative_risk", "value"], 0.1),
     'FILE: demography.deaths.male_relative_risk: expected a number in [0.2, 5], found 0.1'),
    ('birth_rate_high', ("set", ["demography", "births", "crude_birth_rate_per_1000", "value"], {2017: 120}),
     'FILE: demography.births.crude_birth_rate_per_1000.2017: expected a number in [0, 100], found 120'),
    ('births_unknown', ("set", ["demography", "births", "x"], 1),
     "FILE: demography.births.x: unknown key 'x' (expected one of: crude_birth_rate_per_1000, mother_ages, male_share_at_birth)"),
    ('births_missing', ("del", ["demography", "births", "mother_ages"]),
     "FILE: demography.births: missing key 'mother_ages'"),
    ('mother_ages_order', ("set", ["demography", "births", "mother_ages", "value"], {"low": 30, "high": 20}),
     'FILE: demography.births.mother_ages.high: expected an age at least the low age 30, found 20'),
    ('mother_ages_missing', ("set", ["demography", "births", "mother_ages", "value"], {"low": 30}),
     "FILE: demography.births.mother_ages: missing key 'high'"),
    ('mother_ages_unknown', ("set", ["demography", "births", "mother_ages", "value"], {"low": 20, "high": 39, "mid": 30}),
     "FILE: demography.births.mother_ages.mid: unknown key 'mid' (expected one of: low, high)"),
    ('mother_ages_fraction', ("set", ["demography", "births", "mother_ages", "value"], {"low": 20.5, "high": 39}),
     'FILE: demography.births.mother_ages.low: expected a whole number, found 20.5'),
    ('mother_ages_old', ("set", ["demography", "births", "mother_ages", "value"], {"low": 20, "high": 70}),
     'FILE: demography.births.mother_ages.high: expected a number in [10, 60], found 70'),
    ('mother_ages_not_mapping', ("set", ["demography", "births", "mother_ages", "value"], [20, 39]),
     'FILE: demography.births.mother_ages: expected a mapping with keys among: low, high, found [20, 39]'),
    ('male_share_high', ("set", ["demography", "births", "male_share_at_birth", "value"], 1.2),
     'FILE: demography.births.male_share_at_birth: expected a number in [0, 1], found 1.2'),
    ('lost_work_years_fraction', ("set", ["illness", "lost_work_years", "value"], 2.5),
     'FILE: illness.lost_work_years: expected a whole number, found 2.5'),
    ('assessed_income_unknown', ("set", ["poverty", "assessed_income", "value"], "consumption"),
     "FILE: poverty.assessed_income: expected a reading of income (income, income_less_bills), found 'consumption'"),
    ('note_allowed_ok', ("set", ["income", "growth", "note"], "fine"),
     None),]


def _mutated(change) -> object:
    if change is None:
        return [1, 2]
    data = copy.deepcopy(DEFAULT)
    op, path, *value = change
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if op == "set":
        parent[path[-1]] = value[0]
    else:
        del parent[path[-1]]
    return data


@pytest.mark.parametrize(("name", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_rules_file_gets_todays_message(tmp_path: Path, name: str, change, expected: str | None) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(_mutated(change), allow_unicode=True), encoding="utf-8")
    if expected is None:
        load_rules(str(path))
        return
    with pytest.raises(InputError) as caught:
        load_rules(str(path))
    assert str(caught.value).replace(str(path), "FILE") == expected


def test_the_default_rules_read_as_written() -> None:
    rules = load_rules()
    assert rules.growth[2019] == 0.115 and rules.persistence == 0.5 and rules.exit_years == 1
    assert rules.exit_tasks[2018] == 16.6 and rules.register_new_poor is True
    assert rules.exited_tilts == {2016: "keep", 2022: "none"} and rules.scheme_sets == {}
    assert rules.demography.mother_ages == (20, 39) and rules.demography.life_expectancy[2019] == 77.3
    assert rules.monitor_income_ratio == 1.5 and rules.monitor_oop_share == 1.0
    assert rules.lost_work_years == 5 and rules.assessed_less_bills is False

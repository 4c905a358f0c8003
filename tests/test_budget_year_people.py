"""--budget-year brings the budget year's people (exited share, incomes, poverty line) unless --year names theirs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from model.cli import main
from model.population import population_params
from model.population.households import PRIMARY, draw_county, synthesize
from model.runner.plan import RunPlan, Variant
from model.scenario import load_scenario
from model.uncertainty.apply import get_path
from model.uncertainty.runs import replication_scenarios


@pytest.mark.parametrize("year", [2020, 2022, 2025, 2035])
def test_after_2020_every_registered_household_has_exited_above_the_line(year: int) -> None:
    params = population_params(load_scenario("baseline", [f"population.year={year}"]))
    assert params.exited_share == 1.0
    reference = population_params(load_scenario("baseline", ["population.year=2019"]))
    assert params.year.poverty_line > reference.year.poverty_line
    assert params.income[0, 0] > reference.income[0, 0]  # ordinary incomes grow with poverty-area incomes
    county = draw_county(params, np.random.SeedSequence(3))
    population = synthesize(params, 10_000, county, np.random.SeedSequence(4))
    registered = PRIMARY[population.household_category] == 1
    assert population.household_exited[registered].all()
    per_capita = population.household_income / 100 / population.household_size
    assert per_capita[population.household_exited].min() >= params.year.poverty_line - 0.01


def test_a_budget_year_plan_draws_the_budget_years_people_and_an_explicit_year_wins() -> None:
    base = [load_scenario("x_prefecture")]
    plan = RunPlan("run", (Variant("q", "x_prefecture"),), 1, 1, 3, uncertainty=None, budget_year=2022)
    grown = replication_scenarios(plan, 0, base)[0]
    assert get_path(grown.tree, "population.year") == 2022 and get_path(grown.tree, "care.year") == 2022
    assert population_params(grown).exited_share == 1.0
    assert population_params(grown).income[0, 0] == pytest.approx(10357 * 15291 / 11567)
    sets = ("population.year=2018", "care.year=2018")
    explicit = RunPlan("run", (Variant("q", "x_prefecture", sets),), 1, 1, 3, uncertainty=None, budget_year=2022)
    kept = replication_scenarios(explicit, 0, [load_scenario("x_prefecture", list(sets))])[0]
    assert get_path(kept.tree, "population.year") == 2018
    assert population_params(kept).exited_share == pytest.approx(1 - 16.6 / 98.99)
    # prices still grow to the budget year
    assert get_path(kept.tree, "population.costs.admission_mean.county") == get_path(grown.tree, "population.costs.admission_mean.county")
    # no budget year: the scenarios are the loaded ones, untouched
    plain = RunPlan("run", (Variant("q", "x_prefecture"),), 1, 1, 3, uncertainty=None)
    assert replication_scenarios(plain, 0, base) is base


def _years(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())["years"]


def test_the_manifest_and_report_state_the_years_of_prices_and_people(tmp_path: Path) -> None:
    common = ["--persons", "1500", "--reps", "1", "--workers", "1", "--seed", "3", "--no-parameter-uncertainty"]
    assert main(["run", "baseline", *common, "--budget-year", "2023", "--out", str(tmp_path / "b")]) == 0
    assert _years(tmp_path / "b") == {"prices": 2023, "people": 2023, "growth": "scenarios/growth/default.yaml"}
    assert main(["report", str(tmp_path / "b")]) == 0
    assert "费用与利用水平按2023年计；人口（收入、脱贫比例）按2023年。" in (tmp_path / "b" / "report.html").read_text()
    assert main(["run", "baseline", *common, "--budget-year", "2023", "--year", "2019", "--out", str(tmp_path / "y")]) == 0
    assert _years(tmp_path / "y") == {"prices": 2023, "people": 2019, "growth": "scenarios/growth/default.yaml"}
    assert main(["run", "baseline", *common, "--year", "2017", "--out", str(tmp_path / "p")]) == 0
    assert _years(tmp_path / "p") == {"prices": 2019, "people": 2017, "growth": None}  # --year moves people, not prices
    assert main(["run", "baseline", *common, "--out", str(tmp_path / "n")]) == 0
    assert _years(tmp_path / "n") == {"prices": 2019, "people": 2019, "growth": None}
    # the budget year's people cost the schemes differently from 2019's (every registered household exited)
    b = json.loads((tmp_path / "b" / "summary.json").read_text())
    y = json.loads((tmp_path / "y" / "summary.json").read_text())
    assert b != y

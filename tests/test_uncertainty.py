"""Parameter uncertainty: cited distributions, Sobol draws by replication, exact decimals, common random numbers."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml

from model.cli import main
from model.errors import InputError
from model.runner.plan import RunPlan, Variant
from model.runner.store import run
from model.scenario import load_scenario
from model.uncertainty.apply import get_path, overrides
from model.uncertainty.draws import replication_draw, sobol_points
from model.uncertainty.runs import check_plan, draws_table, replication_scenarios
from model.uncertainty.spec import read_uncertainty

TESTS = Path(__file__).resolve().parent
PERSONS = 4_000


def _write(tmp_path: Path, parameters: dict) -> str:
    path = tmp_path / "u.yaml"
    path.write_text(yaml.safe_dump({"id": "test", "parameters": parameters}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def test_default_file_gives_every_input_that_matters_a_cited_distribution() -> None:
    spec = read_uncertainty("default")
    names = {p.name for p in spec.parameters}
    for wanted in ("admission_rate_poor", "admission_cost_county", "outpatient_visits", "outpatient_cost",
                   "chronic_prevalence", "out_of_list_share", "bypass_share", "referral_share", "income_poor",
                   "exited_share", "growth_admission_cost_county"):
        assert wanted in names
    assert all(p.source.strip() for p in spec.parameters)
    assert len(spec.active(with_growth=False)) >= 15
    # every path exists in the default scenario and every draw at the extremes is one the scenario accepts
    plan = RunPlan("run", (Variant("x_prefecture", "x_prefecture"),), PERSONS, 2, 1, budget_year=2022)
    check_plan(plan, [load_scenario("x_prefecture")])


def test_distributions_match_what_their_parameters_say(tmp_path: Path) -> None:
    spec = read_uncertainty(_write(tmp_path, {
        "rate": {"path": "care.pathway.bypass_share", "of": "value", "distribution": {"beta": {"mean": 0.2, "sd": 0.05}}, "source": "assumed: t"},
        "ci": {"path": "care.pathway.bypass_share", "of": "value",
               "distribution": {"interval": {"low": 0.02, "high": 0.06, "meaning": "ci95"}}, "source": "assumed: t"},
        "cost": {"path": "population.costs.admission_mean.county", "of": "factor",
                 "distribution": {"lognormal": {"median": 1, "sigma": 0.1}}, "source": "assumed: t"},
        "tri": {"path": "care.pathway.misjudged_share", "of": "value",
                "distribution": {"triangular": {"low": 0.05, "mode": 0.1, "high": 0.2}}, "source": "assumed: t"},
    }))
    rate, ci, cost, tri = spec.parameters
    assert rate.distribution.mean() == pytest.approx(0.2)
    assert float(rate.distribution.frozen.std()) == pytest.approx(0.05)
    assert ci.distribution.ppf(0.025) == pytest.approx(0.02) and ci.distribution.ppf(0.975) == pytest.approx(0.06)
    assert cost.distribution.ppf(0.5) == pytest.approx(1.0)
    assert tri.distribution.ppf(0.0) == pytest.approx(0.05) and tri.distribution.ppf(1.0) == pytest.approx(0.2)


@pytest.mark.parametrize("entry, message", [
    ({"path": "care.pathway.bypass_share", "of": "value", "distribution": {"gamma": {"k": 1}}, "source": "x"},
     "parameters.p.distribution.gamma: expected a distribution (normal, lognormal, beta"),
    ({"path": "care.pathway.bypass_share", "of": "value", "distribution": {"beta": {"mean": 0.5, "sd": 0.6}}, "source": "x"},
     "expected a mean in (0, 1) and an sd with sd² < mean × (1 − mean), found mean 0.5, sd 0.6"),
    ({"path": "care.pathway.bypass_share", "of": "value", "distribution": {"uniform": {"low": 0.1, "high": 0.1}}, "source": "x"},
     "parameters.p.distribution.uniform.high: expected a number above low (0.1)"),
    ({"path": "care.pathway.bypass_share", "of": "value", "distribution": {"uniform": {"low": 0, "high": 1}}},
     "parameters.p: missing key 'source'"),
    ({"path": "care.pathway.bypass_share", "of": "value", "distribution": {"uniform": {"low": 0, "high": 1}}, "source": " "},
     "parameters.p.source: expected the source of this uncertainty"),
    ({"path": "care.pathway.bypass_share", "of": "guess", "distribution": {"uniform": {"low": 0, "high": 1}}, "source": "x"},
     "parameters.p.of: expected a kind of uncertainty (value, factor), found 'guess'"),
    ({"path": "care.pathway.bypass_share", "of": "factor", "distribution": {"normal": {"mean": 1, "sd": 1}}, "source": "x"},
     "expected a multiplier above 0 at its 0.1% quantile"),
])
def test_bad_entries_get_one_message_naming_the_field(tmp_path: Path, entry: dict, message: str) -> None:
    path = _write(tmp_path, {"p": entry})
    with pytest.raises(InputError) as caught:
        read_uncertainty(path)
    assert path in str(caught.value) and message in str(caught.value)


def test_paths_a_scenario_lacks_or_draws_it_refuses_are_refused_before_anything_is_written(tmp_path: Path, capsys) -> None:
    missing = _write(tmp_path, {"p": {"path": "care.pathway.no_such_share", "of": "value",
                                      "distribution": {"uniform": {"low": 0, "high": 1}}, "source": "x"}})
    out = tmp_path / "out"
    assert main(["run", "baseline", "--persons", "1000", "--reps", "1", "--uncertainty", missing, "--out", str(out)]) == 2
    assert "path 'care.pathway.no_such_share' is not in scenario 'baseline'" in capsys.readouterr().err
    too_wide = _write(tmp_path, {"p": {"path": "care.pathway.bypass_share", "of": "value",
                                       "distribution": {"uniform": {"low": 0.5, "high": 1.5}}, "source": "x"}})
    assert main(["run", "baseline", "--persons", "1000", "--reps", "1", "--uncertainty", too_wide, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "at the 99.9% quantile" in error and "bypass_share" in error and "expected a number in [0, 1], found 1.499000" in error
    assert not out.exists() and not out.with_name("out.partial").exists()


def test_a_replications_draw_is_its_own_sobol_point_whatever_else_is_drawn() -> None:
    parameters = read_uncertainty("default").active(with_growth=False)
    table = draws_table(RunPlan("run", (Variant("baseline", "baseline"),), 1, 16, 7), list(range(16)))
    for replication in (0, 5, 13):
        draw = replication_draw(parameters, 7, replication)
        assert [table.column(p.name)[replication].as_py() for p in parameters] == [draw[p.name] for p in parameters]
    points = sobol_points(7, len(parameters), 0, 16)
    assert np.array_equal(sobol_points(7, len(parameters), 9, 1)[0], points[9])
    assert not np.array_equal(sobol_points(8, len(parameters), 0, 16), points)  # scrambled from the seed
    # a Sobol sequence fills the cube evenly: each coordinate's 16 points, one in each sixteenth
    assert all(sorted(np.floor(points[:, d] * 16).astype(int)) == list(range(16)) for d in range(points.shape[1]))


def test_drawn_values_are_exact_decimals_and_a_users_set_wins() -> None:
    parameters = read_uncertainty("default").active(with_growth=False)
    scenario = load_scenario("x_prefecture")
    settings = overrides(parameters, replication_draw(parameters, 3, 2), scenario.tree, "default")

    def leaves(value):
        return [leaf for item in value.values() for leaf in leaves(item)] if isinstance(value, dict) else [value]

    for path, value, _ in settings:
        for leaf in leaves(value):
            assert isinstance(leaf, Decimal)
            assert -leaf.as_tuple().exponent == (2 if "admission_mean" in path or "visit_mean" in path or path.endswith("median")
                                                  else -leaf.as_tuple().exponent)
            assert -leaf.as_tuple().exponent in (2, 6)
    plan = RunPlan("run", (Variant("q", "x_prefecture", ("population.costs.admission_mean.county=7000",)),), 1, 4, 3)
    base = [load_scenario("x_prefecture", ["population.costs.admission_mean.county=7000"])]
    drawn = [replication_scenarios(plan, r, base)[0] for r in range(4)]
    assert {get_path(s.tree, "population.costs.admission_mean.county") for s in drawn} == {7000}
    assert len({get_path(s.tree, "population.costs.admission_mean.prefecture") for s in drawn}) == 4


def test_no_parameter_uncertainty_gives_the_summary_of_before(tmp_path: Path) -> None:
    """The summary written before parameter uncertainty existed (tests/data), byte for byte once the fields added
    since (standard errors, new metrics) are left out."""
    out = tmp_path / "off"
    assert main(["compare", "baseline", "maiji_district", "--persons", "4000", "--reps", "3", "--seed", "7",
                 "--workers", "1", "--no-parameter-uncertainty", "--out", str(out)]) == 0
    before = (TESTS / "data" / "summary_before_parameter_uncertainty.json").read_text()
    now = json.loads((out / "summary.json").read_text())
    old = json.loads(before)
    for group in ("scenarios", "differences"):
        for label, entry in now[group].items():
            entry["metrics"] = {name: {k: v for k, v in stats.items() if k in ("mean", "sd", "p5", "p50", "p95", "p99")}
                                for name, stats in entry["metrics"].items() if name in old[group][label]["metrics"]}
    from model.runner.store import dumps

    assert dumps(now) == before
    assert json.loads((out / "manifest.json").read_text())["parameter_uncertainty"] is None
    assert not (out / "parameters.csv").exists()


def test_uncertainty_is_on_by_default_shared_by_compared_schemes_and_recorded(tmp_path: Path) -> None:
    out = tmp_path / "on"
    assert main(["compare", "maiji_district", "maiji_district", "--persons", "3000", "--reps", "4", "--seed", "7",
                 "--workers", "1", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    # the same scheme twice: the same draw and the same people, so every paired difference is exactly 0
    assert all(stats["sd"] == 0 and stats["mean"] == 0
               for stats in summary["differences"]["maiji_district#2 - maiji_district"]["metrics"].values()
               if stats["mean"] is not None)
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["parameter_uncertainty"]
    assert entry["id"] == "default" and len(entry["draws"]["admission_rate_poor"]) == 4
    assert len(set(entry["draws"]["admission_rate_poor"])) == 4
    header = (out / "parameters.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "replication" and "u_exited_share" in header


def test_more_replications_and_more_workers_never_change_earlier_ones(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    def plan(reps: int) -> RunPlan:
        return RunPlan("run", (Variant("sui_county", "sui_county"),), 3000, reps, 11)

    run(plan(2), tmp_path / "two", workers=1, progress=False)
    run(plan(4), tmp_path / "four", workers=2, progress=False)
    two = pq.read_table(tmp_path / "two" / "replications.parquet").to_pandas()
    four = pq.read_table(tmp_path / "four" / "replications.parquet").to_pandas()
    assert two.equals(four.iloc[:2].reset_index(drop=True))
    assert four["total_cost"].nunique() == 4


def test_budget_year_grows_costs_and_use_from_the_base_year_and_the_report_says_so(tmp_path: Path) -> None:
    from model.uncertainty.growth import growth_factors, read_growth

    rates = read_growth()
    factors = growth_factors(2022, rates)
    assert factors["population.costs.admission_mean.county"] == pytest.approx(1.06 ** 3)
    assert growth_factors(rates.base_year, rates)["population.costs.visit_mean"] == 1
    plan = RunPlan("run", (Variant("q", "x_prefecture"),), 1, 1, 3, uncertainty=None, budget_year=2022)
    base = [load_scenario("x_prefecture")]
    grown = replication_scenarios(plan, 0, base)[0]
    assert get_path(grown.tree, "population.costs.admission_mean.county") == Decimal("7068.68")  # 5935 × 1.06³, to the fen
    assert get_path(grown.tree, "population.illness.admissions.share_admitted.poor") == Decimal("0.233972")
    # with parameter uncertainty the growth rates are drawn too: each replication its own
    uncertain = RunPlan("run", (Variant("q", "x_prefecture"),), 1, 1, 3, budget_year=2022)
    names = {p.name for p in read_uncertainty("default").active(with_growth=True)} - \
        {p.name for p in read_uncertainty("default").active(with_growth=False)}
    assert "growth_admission_cost_county" in names
    values = {get_path(replication_scenarios(uncertain, r, base)[0].tree, "population.costs.visit_mean.county")
              for r in range(3)}
    assert len(values) == 3
    out = tmp_path / "by"
    assert main(["run", "maiji_district", "--persons", "2000", "--reps", "2", "--workers", "1", "--seed", "3",
                 "--budget-year", "2022", "--no-parameter-uncertainty", "--out", str(out)]) == 0
    assert json.loads((out / "manifest.json").read_text())["years"] == {
        "prices": 2022, "people": 2022, "growth": "scenarios/growth/default.yaml"}
    assert main(["report", str(out)]) == 0
    assert "费用与利用水平按2022年计；人口（收入、脱贫比例）按2022年。" in (out / "report.html").read_text()
    assert main(["run", "maiji_district", "--budget-year", "1990", "--out", str(tmp_path / "no")]) == 2


@pytest.mark.parametrize("budget_year", [2018, 2022])
def test_every_parameter_a_budget_year_draws_changes_what_the_model_reads(budget_year: int) -> None:
    """Each drawn parameter, moved from its 5% to its 95% quantile with the others at their medians, changes the
    population, care or scheme parameters of the budget year's people; one that could not (the exited share's
    stock of remaining poor is 0 from 2020 on) is not drawn, and the manifest says why."""
    import pickle

    from model.care.params import care_params
    from model.population import population_params
    from model.runner.replicate import scenarios
    from model.uncertainty.runs import active_parameters, manifest_entry, not_drawn

    plan = RunPlan("run", (Variant("x", "x_prefecture"),), 1_000, 2, 3, budget_year=budget_year)
    parameters = active_parameters(plan)
    names = [p.name for p in parameters]
    assert len(parameters) >= 15
    base = scenarios(plan)

    def read(uniforms: np.ndarray) -> bytes:
        scenario = replication_scenarios(plan, 0, base, uniforms)[0]
        return pickle.dumps((population_params(scenario), care_params(scenario), scenario.scheme))

    for index, name in enumerate(names):
        low, high = np.full(len(names), 0.5), np.full(len(names), 0.5)
        low[index], high[index] = 0.05, 0.95
        assert read(low) != read(high), f"{name} changes nothing in budget year {budget_year}"
    entry = manifest_entry(plan, [0, 1])["parameter_uncertainty"]
    if budget_year < 2020:
        # the exited share follows the simulated year's stock of remaining poor, not 2019's
        assert "exited_share" in names and not not_drawn(plan) and "not_drawn" not in entry
        assert [p["paths"] for p in entry["parameters"] if p["name"] == "exited_share"] == \
            [[f"population.by_year.rural_poor_population_millions.{budget_year}"]]
    else:
        assert "exited_share" not in names and set(not_drawn(plan)) == {"exited_share"}
        assert entry["not_drawn"][0]["name"] == "exited_share" and "changes nothing" in entry["not_drawn"][0]["why"]


def test_a_county_s_own_exited_share_is_not_drawn() -> None:
    """A scenario that fixes its exited share (a county profile's registered exited ÷ registered poor) does not
    read the national stock of remaining poor, so the multiplier on that stock is not drawn, and the manifest
    says why; without the fixed share it is drawn."""
    from model.uncertainty.runs import active_parameters, manifest_entry, not_drawn

    fixed = 'population.households.exited_share={"value": 0.8, "source": "assumed: a county profile"}'
    county = RunPlan("run", (Variant("x", "x_prefecture", (fixed,)),), 1_000, 2, 3, budget_year=2018)
    national = RunPlan("run", (Variant("x", "x_prefecture"),), 1_000, 2, 3, budget_year=2018)
    assert "exited_share" in [p.name for p in active_parameters(national)]
    assert "exited_share" not in [p.name for p in active_parameters(county)]
    assert "fixes its own exited share" in not_drawn(county)["exited_share"]
    entry = manifest_entry(county, [0, 1])["parameter_uncertainty"]
    assert [item["name"] for item in entry["not_drawn"]] == ["exited_share"]


def test_the_outpatient_person_spread_is_drawn_within_its_stated_band_and_moves_the_spread_factors(tmp_path: Path) -> None:
    """The person spread's multiplier stays within the factors its source derives from hpa validate's band, scales
    each preset's own shape, changes every person's factor on their visit rate, and is not drawn for a population
    that leaves the spread out."""
    import re

    from model.population import population_params
    from model.population.illness import person_spread_factors
    from model.runner.replicate import scenarios
    from model.uncertainty.runs import active_parameters, manifest_entry, not_drawn

    path = "population.illness.outpatient.person_spread"
    spread = next(p for p in read_uncertainty("default").parameters if p.name == "outpatient_person_spread")
    assert spread.paths == (path,) and spread.of == "factor"
    assert spread.label == {"zh": "门诊就诊个体离散度", "en": "spread of general outpatient use between persons"}
    low, high = (float(x) for x in re.search(r"taken as ([\d.]+) and ([\d.]+)", spread.source).groups())
    assert "band 0.376-0.564" in spread.source and (low, high) == (0.94, 1.51)
    assert spread.distribution.ppf(0.0) == pytest.approx(low) and spread.distribution.ppf(1.0) == pytest.approx(high)
    for population in ("poor_households", "rural_county"):
        plan = RunPlan("run", (Variant("b", "baseline"),), 1_000, 64, 5, population=population)
        assert "outpatient_person_spread" in [p.name for p in active_parameters(plan)]
        check_plan(plan, scenarios(plan))
        factors = draws_table(plan, list(range(64))).column("outpatient_person_spread").to_pylist()
        assert low <= min(factors) < 1 < max(factors) <= high
        shapes = [population_params(replication_scenarios(plan, r, scenarios(plan))[0]).outpatient_person_spread
                  for r in (0, 1)]
        assert shapes == [float(Decimal(f"{0.37 * factors[r]:.6f}")) for r in (0, 1)]
    seed = np.random.SeedSequence(5)
    one, other = (person_spread_factors(seed, 20_000, shape) for shape in shapes)
    assert not np.array_equal(one, other)
    assert (one.var() > other.var()) == (shapes[0] < shapes[1])  # variance 1/shape: a smaller shape spreads more
    # a population that leaves the spread out: nothing to scale, not drawn, and the manifest says why
    preset = yaml.safe_load((TESTS.parent / "scenarios" / "populations" / "poor_households.yaml").read_text(encoding="utf-8"))
    del preset["illness"]["outpatient"]["person_spread"]
    preset["id"] = "no_spread"
    (tmp_path / "no_spread.yaml").write_text(yaml.safe_dump(preset, allow_unicode=True), encoding="utf-8")
    plan = RunPlan("run", (Variant("b", "baseline"),), 1_000, 2, 5, population=str(tmp_path / "no_spread.yaml"))
    assert "outpatient_person_spread" not in [p.name for p in active_parameters(plan)]
    assert "leaves unset" in not_drawn(plan)["outpatient_person_spread"]
    check_plan(plan, scenarios(plan))
    assert population_params(replication_scenarios(plan, 0, scenarios(plan))[0]).outpatient_person_spread is None
    assert [item["name"] for item in manifest_entry(plan, [0, 1])["parameter_uncertainty"]["not_drawn"]] == \
        ["outpatient_person_spread"]

"""Years, not a year: a one-year --years run is today's run; the same households over years, reproducibly;
transitions out of and back into poverty, by year and over the period; the command line and report of a --years run.
The households' year by year (illness's cost in income, debts, deaths and births, the assessment): test_years_household.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.cli import main
from model.runner.plan import RunPlan, Variant
from model.runner.store import run

PERSONS = 3_000
SCHEMES = ("baseline", "sui_county")


def _plan(years: int | None, reps: int = 2, **extra) -> RunPlan:
    return RunPlan(kind="compare", variants=tuple(Variant(s, s) for s in SCHEMES), persons=PERSONS, replications=reps,
                   seed=17, years=years, uncertainty=None, **extra)  # multi-year runs hold parameters as written


def test_one_year_multi_year_run_equals_todays_run(tmp_path: Path, monkeypatch) -> None:
    # several chunks, so that each scenario's household states are matched to their chunk
    monkeypatch.setattr("model.runner.replicate.CHUNK_PERSONS", 1_200)
    run(_plan(None), tmp_path / "today", workers=1, progress=False)
    run(_plan(1), tmp_path / "years", workers=1, progress=False)
    today = (tmp_path / "today" / "summary.json").read_bytes()
    assert today == (tmp_path / "years" / "summary.json").read_bytes()
    assert "by_year" not in json.loads(today)["scenarios"]["baseline"]


def test_one_year_run_with_a_household_whose_claims_change_category_differs(tmp_path: Path) -> None:
    # the one-year identity is not vacuous: the multi-year path really settles under its own categories
    rules = tmp_path / "rules.yaml"
    text = Path("scenarios/years/default.yaml").read_text(encoding="utf-8")
    rules.write_text(text.replace("value: {2016: keep, 2022: none}", "value: {2016: none}"), encoding="utf-8")
    run(_plan(None, reps=1), tmp_path / "today", workers=1, progress=False)
    run(_plan(1, reps=1, years_rules=str(rules)), tmp_path / "none", workers=1, progress=False)
    today = json.loads((tmp_path / "today" / "summary.json").read_text())["scenarios"]["sui_county"]["metrics"]
    none = json.loads((tmp_path / "none" / "summary.json").read_text())["scenarios"]["sui_county"]["metrics"]
    assert none["oop"]["mean"] > today["oop"]["mean"]  # exited households lose their tilts
    assert none["total_cost"]["mean"] == today["total_cost"]["mean"]  # the same care


def test_three_years_by_year_and_over_the_period(tmp_path: Path) -> None:
    plan = _plan(3, backstop_appropriation=200_000.0)
    _, serial = run(plan, tmp_path / "serial", workers=1, progress=False)
    _, pooled = run(plan, tmp_path / "pool", workers=2, progress=False)
    assert (tmp_path / "serial" / "summary.json").read_bytes() == (tmp_path / "pool" / "summary.json").read_bytes()
    entry = serial["scenarios"]["sui_county"]
    assert list(entry["by_year"]) == ["2019", "2020", "2021"]
    for name in ("returned_to_poverty", "became_poor", "poor_due_to_illness_share", "entries_due_to_illness_share",
                 "exited_poverty", "backstop_balance"):
        assert name in entry["metrics"] and name in entry["by_year"]["2020"]["metrics"]
    # deaths and births between years, the same under every scheme (their own stream)
    assert 0 < entry["by_year"]["2020"]["metrics"]["deaths_per_1000"]["mean"] < 100
    assert 0 < entry["metrics"]["births_per_1000"]["mean"] < 30
    assert entry["metrics"]["deaths_per_1000"] == serial["scenarios"]["baseline"]["metrics"]["deaths_per_1000"]
    table = json.loads(json.dumps(entry))
    # money over the period is the sum of the years, replication by replication (so also in the mean)
    years = [table["by_year"][y]["metrics"]["outlay_ma"]["mean"] for y in ("2019", "2020", "2021")]
    assert table["metrics"]["outlay_ma"]["mean"] == pytest.approx(sum(years), rel=1e-12)
    backstop = sum(table["by_year"][y]["metrics"]["outlay_backstop"]["mean"] for y in ("2019", "2020", "2021"))
    assert table["metrics"]["backstop_balance"]["mean"] == pytest.approx(3 * 200_000 - backstop)
    # the same people fall ill under every scheme: total cost of care is the same each year
    for year in ("2019", "2020", "2021"):
        costs = [serial["scenarios"][s]["by_year"][year]["metrics"]["total_cost"]["mean"] for s in SCHEMES]
        assert costs[0] == costs[1]
    # in the first year incomes are as drawn (no shocks yet, no lost work, no debts; the assessment reads income,
    # not income net of the year's bills): nobody returns; in 2020 nobody is left under the line (lifted instead)
    first, clear = entry["by_year"]["2019"]["metrics"], entry["by_year"]["2020"]["metrics"]
    assert first["returned_to_poverty"]["mean"] == 0
    # yet some registered households are poor because of illness already: chronic conditions' lost work is in
    # their drawn incomes (and nobody is left poor at the end of 2020, so that year has no stock to share)
    assert first["poor_due_to_illness_share"]["mean"] > 0
    assert clear["returned_to_poverty"]["mean"] == 0 < clear["lifted_to_line"]["mean"]
    assert entry["by_year"]["2021"]["metrics"]["returned_due_to_illness"]["mean"] > 0
    # and fewer households return under the scheme that pays more
    base = serial["scenarios"]["baseline"]["metrics"]["returned_to_poverty"]["mean"]
    assert 0 < entry["metrics"]["returned_to_poverty"]["mean"] < base
    assert "by_year" in serial["differences"]["sui_county - baseline"]


def test_bad_years_options_get_one_clear_message(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text(Path("scenarios/years/default.yaml").read_text(encoding="utf-8").replace(
        "persistence:\n    value: 0.5", "persistence:\n    value: 1.5"), encoding="utf-8")
    out = tmp_path / "out"
    args = ["run", "baseline", "--persons", "1000", "--reps", "1", "--out", str(out), "--years", "2"]
    assert main(args + ["--years-rules", str(bad)]) == 2
    message = capsys.readouterr().err
    assert "rules.yaml" in message and "income.persistence" in message and "Traceback" not in message
    assert main(args[:-1] + ["0"]) == 2
    assert "--years" in capsys.readouterr().err
    assert not out.exists()


def test_simulate_years_writes_each_households_years_and_the_first_is_todays(tmp_path: Path) -> None:
    import pandas as pd

    args = ["simulate", "sui_county", "--persons", "3000", "--seed", "4"]
    assert main(args + ["--out", str(tmp_path / "today")]) == 0
    assert main(args + ["--out", str(tmp_path / "years"), "--years", "3"]) == 0
    for name in ("persons.csv", "claims.csv", "payments.csv"):
        assert (tmp_path / "today" / name).read_bytes() == (tmp_path / "years" / name).read_bytes()
    table = pd.read_csv(tmp_path / "years" / "households_by_year.csv")
    assert sorted(table["year"].unique()) == [2019, 2020, 2021]
    households = pd.read_csv(tmp_path / "today" / "persons.csv")["household_id"].nunique()
    counts = table.groupby("year").size()
    assert counts[2019] == households and counts[2021] <= counts[2020] <= households  # some die out (deaths)
    first_ids = set(table.loc[table["year"] == 2019, "household_id"])
    assert set(table.loc[table["year"] == 2021, "household_id"]) <= first_ids  # a household keeps its id
    payments = pd.read_csv(tmp_path / "today" / "payments.csv")
    first = table[table["year"] == 2019]
    assert first["oop"].sum() == pytest.approx(payments["oop"].sum(), abs=0.01 * households)  # the same bills
    # the first year's lost work is the chronic conditions' and that of serious illness in the five years before
    # the run (both in the drawn incomes); the first year's own serious illness costs work from the second year
    assert 0.192 * 0.713 < first["lost_work_share"].max() <= 0.6
    second = first.merge(table[table["year"] == 2020], on="household_id", suffixes=("", "_2020"))
    assert (second["lost_work_share_2020"] > second["lost_work_share"] + 0.05).any()
    entered = table[table["entered_because_of_illness"]]
    assert len(entered) and (entered["returned_to_poverty"] | entered["became_poor"]).all()
    poor_by_illness = table[table["poor_because_of_illness"]]
    assert len(poor_by_illness) and not poor_by_illness["exited_poverty"].any()
    assert (poor_by_illness["income"] < poor_by_illness["income_without_illness"]).all()
    returned = table[table["returned_to_poverty"]]
    assert len(returned) and returned["category"].str.split("+").map(lambda parts: "registered_poor" in parts).all() and not returned["exited_poverty"].any()


def test_report_has_the_multi_year_section_and_a_phase_down_sweep_runs(tmp_path: Path) -> None:
    from model.report.command import write_report

    assert main(["sweep", "sui_county", "--vary", "years.exited_tilts=keep,none", "--persons", "3000", "--reps", "2",
                 "--workers", "1", "--years", "2", "--from", "2021", "--out", str(tmp_path / "sweep")]) == 0
    summary = json.loads((tmp_path / "sweep" / "summary.json").read_text())
    keep, none = (summary["scenarios"][f"years.exited_tilts={v}"]["by_year"]["2022"]["metrics"] for v in ("keep", "none"))
    assert none["oop"]["mean"] > keep["oop"]["mean"]  # from 2022 exited households lose their tilts
    assert write_report(tmp_path / "sweep", "en") == 0
    page = (tmp_path / "sweep" / "report.en.html").read_text(encoding="utf-8")
    assert 'id="years"' in page and "returning to poverty" in page and "42.6%" in page


def test_a_multi_year_plan_holds_its_parameters_wherever_it_is_built(tmp_path: Path, capsys) -> None:
    # one place decides (RunPlan): the CLI's note only reports it
    assert RunPlan("run", (Variant("b", "baseline"),), 10, 1, 1, years=2).uncertainty is None
    assert RunPlan("run", (Variant("b", "baseline"),), 10, 1, 1).uncertainty == "default"
    assert main(["run", "baseline", "--persons", "500", "--reps", "1", "--workers", "1", "--years", "1",
                 "--out", str(tmp_path / "out")]) == 0
    assert "holds every parameter" in capsys.readouterr().err

"""The care pathway: DES = fast path when beds never run out, tight beds change flows, cash flow, behaviour, CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.care.cashflow import cash_flow
from model.care.params import care_params
from model.care.simulate import county_internal_share, draw_people, provide_care
from model.care.stays import capacity_binds
from model.cli import main
from model.codes import LEVEL_CODE, PAYERS, SERVICE_CODE
from model.rules.engine import settle, settle_pools
from model.scenario import load_scenario

AMPLE_BEDS = [f"care.facilities.{level}.beds_per_1000=500" for level in ("township", "county", "prefecture", "province")]
PERSONS = 40_000


@pytest.fixture(scope="module")
def default_run():
    scenario = load_scenario("x_prefecture")
    people = draw_people(scenario, PERSONS, seed=8)
    return scenario, people, provide_care(scenario, people, "auto")


def _claims_equal(a, b) -> bool:
    fields = ("person", "day", "service", "level", "disease", "category", "compliant", "total", "eligible")
    return all(np.array_equal(getattr(a.claims, f), getattr(b.claims, f)) for f in fields)


def test_des_and_fast_path_give_identical_claims_when_beds_never_run_out() -> None:
    scenario = load_scenario("x_prefecture", AMPLE_BEDS)
    people = draw_people(scenario, PERSONS, seed=8)
    fast = provide_care(scenario, people, "fast")
    des = provide_care(scenario, people, "des")
    assert not capacity_binds(fast.facilities, fast.stays)
    assert des.stays.engine == "discrete-event simulation" and fast.stays.engine == "fast path"
    assert _claims_equal(fast.claims, des.claims)
    assert np.array_equal(fast.stays.discharge, des.stays.discharge) and not des.stays.wait.any()
    assert provide_care(scenario, people, "auto").stays.engine == "fast path"  # chosen automatically


def test_tight_county_beds_mean_waits_referrals_up_and_higher_cost(default_run) -> None:
    scenario, people, default = default_run
    tight_scenario = load_scenario("x_prefecture", ["care.facilities.county.beds_per_1000=0.6"])
    tight = provide_care(tight_scenario, people, "auto")
    assert tight.stays.engine == "discrete-event simulation"
    assert (tight.stays.wait > 0).mean() > (default.stays.wait > 0).mean() + 0.05
    assert (tight.stays.capacity_referrals > 0).sum() > (default.stays.capacity_referrals > 0).sum() + 100
    above_county = lambda care: np.mean(care.stays.level > LEVEL_CODE["county"])  # noqa: E731
    assert above_county(tight) > above_county(default) + 0.03
    inpatient = lambda care: care.claims.claims.total[care.claims.claims.service == SERVICE_CODE["inpatient"]].sum()  # noqa: E731
    assert inpatient(tight) > inpatient(default) * 1.02
    assert county_internal_share(tight.stays) < county_internal_share(default.stays)


def test_most_care_stays_in_the_county_and_admission_rates_survive(default_run) -> None:
    _, people, care = default_run
    assert 0.88 <= county_internal_share(care.stays) <= 0.95
    inpatient = care.claims.claims.service == SERVICE_CODE["inpatient"]
    admitted = np.unique(care.claims.claims.person[inpatient]).size / people.population.n_persons
    assert abs(admitted - 0.208) < 0.012  # the population's calibrated share admitted, after routing


def test_every_admission_becomes_one_inpatient_claim_dated_at_discharge(default_run) -> None:
    _, _, care = default_run
    table = care.claims
    inpatient = table.episode >= 0
    assert inpatient.sum() == len(care.admissions)
    assert np.array_equal(np.sort(table.episode[inpatient]), np.arange(len(care.admissions)))
    assert np.all(table.claims.day[inpatient] - table.admit_day[inpatient] == table.los_days[inpatient])
    assert np.all(table.los_days[inpatient] >= 1)
    assert np.all((table.claims.level[inpatient] >= LEVEL_CODE["township"]))


def test_cash_flow_repays_everything_and_most_within_the_year(default_run) -> None:
    scenario, _, care = default_run
    payments = settle_pools(scenario.scheme, care.claims.claims).amounts  # every payer's column, charity included
    flows = cash_flow(care_params(scenario), care.claims.claims.day, payments)
    assert np.array_equal(flows["advanced"].sum(axis=1), payments[:, :len(PAYERS)].sum(axis=0))
    assert np.array_equal(flows["repaid"].sum(axis=1), flows["advanced"].sum(axis=1))
    assert np.all(flows["receivable"][:, -1] == 0) and np.all(flows["receivable"] >= 0)
    within_year = flows["repaid"][:, :12].sum(axis=1) / np.maximum(flows["advanced"][:, :12].sum(axis=1), 1)
    assert within_year[0] >= 0.80  # bmi: 90% of what was advanced, one month behind


def test_cash_flow_arithmetic_on_a_small_case() -> None:
    care = care_params(load_scenario("sui_county"))
    day = np.array([17897, 17897 + 40])  # 2019-01-01 and 2019-02-10 (simulated year 2019)
    payments = np.zeros((2, len(PAYERS) + 1), dtype=np.int64)
    payments[:, 0] = [100_00, 50_00]  # bmi: lag 1 month, 90%
    flows = cash_flow(care, day, payments)
    assert flows["advanced"][0, :3].tolist() == [100_00, 50_00, 0]
    assert flows["repaid"][0, :3].tolist() == [0, 90_00, 45_00]
    assert flows["repaid"][0, 12] == 15_00  # the rest at the annual settlement, next January
    assert flows["receivable"][0, :3].tolist() == [100_00, 60_00, 15_00]


def test_demand_elasticity_draws_more_care_under_a_more_generous_scheme() -> None:
    off = load_scenario("x_prefecture")
    on = load_scenario("x_prefecture", ["care.behaviour.demand_elasticity=-0.3"])
    people = draw_people(off, 30_000, seed=4)
    assert len(provide_care(on, people, "fast").admissions) > len(provide_care(off, people, "fast").admissions) * 1.03
    baseline_on = load_scenario("baseline", ["care.behaviour.demand_elasticity=-0.3"])
    assert len(provide_care(baseline_on, people, "fast").admissions) == len(provide_care(off, people, "fast").admissions)


def test_hpa_simulate_writes_every_table_and_adjudicate_reproduces_its_payments(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["simulate", "sui_county", "--persons", "8000", "--seed", "5", "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["cashflow.csv", "claims.csv", "flows.csv", "manifest.json", "occupancy.csv", "payments.csv", "persons.csv"]
    header = (out / "claims.csv").read_text().split("\n", 1)[0]
    assert header.startswith("claim_id,person_id,date,service,level,disease,total_cost,eligible_cost,compliant,category,"
                             "episode_id,admit_date,los_days,entry_level,wait_days")
    again = tmp_path / "again.csv"
    assert main(["adjudicate", "sui_county", str(out / "claims.csv"), "-o", str(again)]) == 0
    assert again.read_bytes() == (out / "payments.csv").read_bytes()
    second = tmp_path / "run2"
    assert main(["simulate", "sui_county", "--persons", "8000", "--seed", "5", "--out", str(second)]) == 0
    assert all((out / n).read_bytes() == (second / n).read_bytes() for n in names)


def test_ward_grants_beds_first_come_first_served() -> None:
    from model.care.des import Ward

    ward = Ward(2)
    assert ward.request(1) and ward.request(2)
    assert not ward.request(3) and not ward.request(4) and not ward.request(5)
    assert ward.withdraw(4) and not ward.withdraw(4)  # 4 gave up waiting
    assert ward.release() == 3  # the bed passes straight to the first still waiting
    assert ward.release() == 5 and ward.occupied == 2
    assert ward.release() is None and ward.occupied == 1
    assert not ward.withdraw(3)  # already admitted: nothing to withdraw
    assert Ward(None).request(9)  # a provincial hospital never turns anyone away

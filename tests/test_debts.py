"""Pay after treatment (issue 18; XZ (八), SX 四): deferred out-of-pocket, instalments, defaults, bad debt."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pytest

from model.care.cashflow import MAX_MONTHS
from model.care.debts import PayAfterTreatment, debt_flows, debt_metrics, deferred_by_month, pay_after_treatment_of
from model.cli import main
from model.rules.claim_arrays import from_records
from model.rules.reference import Claim
from model.scenario import load_scenario

TERMS = PayAfterTreatment(categories=("registered_poor",), levels=("township", "county"), deferred_share=100_000,
                          instalment_months=6, default_share=200_000)


def test_instalments_and_the_write_off_account_for_every_fen() -> None:
    deferred = np.zeros(MAX_MONTHS, dtype=np.int64)
    deferred[0], deferred[11] = 1_000_00, 7_01  # January and December
    flows = debt_flows(TERMS, deferred)
    # January: 20% never repaid (200.00, written off in July); 800.00 in six instalments, the odd fen first
    assert flows["repaid"][1:7].tolist() == [133_34, 133_34, 133_33, 133_33, 133_33, 133_33]
    assert flows["bad_debt"][6] == 200_00
    # December: 7.01 → 1.40 written off next June, 5.61 repaid over January..June of the next year
    assert flows["bad_debt"][17] == 1_40
    assert flows["deferred"].sum() == flows["repaid"].sum() + flows["bad_debt"].sum()
    assert flows["receivable"][-1] == 0 and (flows["receivable"] >= 0).all()
    assert flows["receivable"][0] == 1_000_00 and flows["receivable"][6] == 0
    metrics = debt_metrics(TERMS, flows, 2019)
    assert metrics["bad_debt"] == 201.40 and metrics["deferred_oop"] == 1_007.01
    assert metrics["bad_debt_2019"] == 200.00 and metrics["bad_debt_2020"] == 1.40


def test_only_covered_admissions_in_the_county_are_deferred() -> None:
    claims = from_records([
        Claim("a", "p1", "2019-01-05", "inpatient", "county", "", 10_000_00, 9_000_00, True, "registered_poor"),
        Claim("b", "p2", "2019-01-05", "inpatient", "prefecture", "", 10_000_00, 9_000_00, True, "registered_poor"),
        Claim("c", "p3", "2019-02-05", "inpatient", "township", "", 10_000_00, 9_000_00, True, "dibao"),
        Claim("d", "p4", "2019-02-05", "outpatient", "township", "", 100_00, 90_00, True, "registered_poor"),
        Claim("e", "p5", "2019-03-05", "inpatient", "township", "", 1_000_00, 900_00, True, "registered_poor+dibao"),
    ])
    oop = np.array([1_000_00, 2_000_00, 3_000_00, 50_00, 100_05])
    deferred = deferred_by_month(TERMS, claims, oop, 2019)
    assert deferred[:3].tolist() == [100_00, 0, 10_01] and deferred.sum() == 110_01


def test_scheme_files_state_their_terms() -> None:
    xz = pay_after_treatment_of(load_scenario("x_prefecture"))
    assert xz.categories == ("registered_poor",) and xz.levels == ("township", "county") and xz.instalment_months == 6
    assert pay_after_treatment_of(load_scenario("baseline")) is None


def test_bad_debt_in_summary_and_cash_flow_table(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["compare", "baseline", "x_prefecture", "--persons", "3000", "--reps", "2", "--seed", "13", "--out", str(out)]) == 0
    metrics = json.loads((out / "summary.json").read_text(encoding="utf-8"))["scenarios"]["x_prefecture"]["metrics"]
    assert metrics["bad_debt"]["mean"] > 0
    assert metrics["bad_debt"]["mean"] == pytest.approx(0.2 * metrics["deferred_oop"]["mean"], rel=1e-4)
    table = pacsv.read_csv(next(out.rglob("cashflow.csv"))).to_pandas()
    patients = table[(table["payer"] == "patients") & (table["scenario"] == "x_prefecture")]
    assert not patients.empty and table[(table["payer"] == "patients") & (table["scenario"] == "baseline")].empty
    assert patients["bad_debt_mean"].sum() == pytest.approx(metrics["bad_debt"]["mean"], rel=1e-6)
    assert patients["receivable_mean"].iloc[-1] == pytest.approx(0, abs=1e-6)


def test_report_lists_bad_debt(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["run", "x_prefecture", "--persons", "2000", "--reps", "2", "--seed", "17", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    section = (out / "report.html").read_text(encoding="utf-8").split('id="debts"')[1].split("</section>")[0]
    assert "医院坏账" in section and section.count("<tr") == 1 + 2

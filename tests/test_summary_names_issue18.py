"""The summary.json names issue 18 promises others (capitation, programme costs, charity, bad debt) are there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.cli import main

PROMISED = ("capitation_budget", "capitation_surplus", "programme_cost", "programme_cost_central",
            "programme_cost_province", "programme_cost_prefecture", "programme_cost_county", "programme_cost_bmi_fund",
            "programme_cost_public_health", "outlay_charity", "bad_debt")


def test_the_promised_names_are_in_summary_json_with_numbers(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["compare", "x_prefecture_capitation", "baseline", "--persons", "3000", "--reps", "2", "--seed", "5",
                 "--workers", "1", "--out", str(out)]) == 0
    scenarios = json.loads((out / "summary.json").read_text(encoding="utf-8"))["scenarios"]
    metrics = scenarios["x_prefecture_capitation"]["metrics"]
    missing = [name for name in PROMISED if not isinstance((metrics.get(name) or {}).get("mean"), (int, float))]
    assert missing == []
    for name in PROMISED:
        assert set(metrics[name]) >= {"mean", "p5", "p50", "p95"}
    levels = ("central", "province", "prefecture", "county", "bmi_fund", "public_health")
    assert metrics["programme_cost"]["mean"] == pytest.approx(sum(metrics[f"programme_cost_{lv}"]["mean"] for lv in levels))
    # XZ's ledger: family doctors (public health, BMI fund, premium subsidy by level), check-ups, village doctors
    for level in ("province", "prefecture", "county", "bmi_fund", "public_health"):
        assert metrics[f"programme_cost_{level}"]["mean"] > 0, level
    assert metrics["capitation_budget"]["mean"] > 0 and metrics["bad_debt"]["mean"] > 0
    assert metrics["outlay_charity"]["mean"] == 0  # XZ has no charity layer; the name is there all the same
    # a scheme without these sections has no capitation or ledger figures, and charity for every scheme
    plain = scenarios["baseline"]["metrics"]
    assert (plain.get("capitation_budget") or {}).get("mean") is None
    assert (plain.get("programme_cost") or {}).get("mean") is None
    assert plain["outlay_charity"]["mean"] == 0

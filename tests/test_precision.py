"""Monte Carlo precision: standard errors beside every percentile, --precision, the P99 warning, the budget metric."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from model.cli import main
from model.runner.summary import percentile_standard_errors, statistics


def test_maritz_jarrett_errors_match_the_spread_of_percentiles_over_repeated_samples() -> None:
    rng = np.random.default_rng(5)
    samples = rng.lognormal(0, 0.3, size=(2000, 400))
    spread = np.percentile(samples, [50, 95], axis=1).std(axis=1)
    estimated = np.median([[percentile_standard_errors(s)[k] for k in ("p50_se", "p95_se")] for s in samples[:200]], axis=0)
    assert estimated == pytest.approx(spread, rel=0.25)


def test_too_few_replications_give_no_standard_error_rather_than_a_small_one() -> None:
    values = list(np.random.default_rng(1).normal(100, 10, 12))
    stats = statistics(values)
    assert stats["p50_se"] > 0 and stats["p95_se"] is None and stats["p99_se"] is None
    stats = statistics(list(np.random.default_rng(1).normal(100, 10, 100)))
    assert all(stats[k] > 0 for k in ("p50_se", "p95_se", "p99_se"))
    assert statistics([])["p95_se"] is None


def test_summary_carries_errors_and_the_budget_metric_and_precision_adds_replications(tmp_path: Path) -> None:
    out = tmp_path / "p"
    assert main(["run", "maiji_district", "--persons", "2000", "--reps", "4", "--seed", "2", "--workers", "2",
                 "--precision", "0.2", "--max-reps", "40", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())["scenarios"]["maiji_district"]
    for stats in summary["metrics"].values():
        assert {"p50_se", "p95_se", "p99_se"} <= set(stats)
    budget = summary["metrics"]["outlay_backstop_ma"]
    reps = summary["replications"]
    assert 4 < reps <= 40
    assert reps == 40 or 1.96 * budget["p95_se"] <= 0.2 * budget["p95"]
    table = pq.read_table(out / "replications.parquet").to_pandas()
    assert len(table) == reps and sorted(table["replication"]) == list(range(reps))
    assert np.allclose(table["outlay_backstop_ma"], table["outlay_backstop"] + table["outlay_ma"], rtol=0, atol=1e-6)
    assert json.loads((out / "manifest.json").read_text())["replications"] == reps
    assert main(["report", str(out)]) == 0
    text = (out / "report.html").read_text()
    headline = text.split('id="headline"', 1)[1].split("</section>", 1)[0]
    assert "±" in headline and "Maritz–Jarrett" in headline
    assert f"P99只基于{reps}次重复" in headline

"""What drives the budget: Sobol indices against analytic ones, a parameter that cannot matter, hpa drivers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.stats import qmc

from model.cli import main
from model.drivers.estimate import saltelli_indices, saltelli_points, surrogate_indices


def _analytic(u: np.ndarray, a: float = 2.0, b: float = 1.0, c: float = 3.0) -> np.ndarray:
    x1, x2 = u[:, 0] - 0.5, u[:, 1] - 0.5
    return a * x1 + b * x2 + c * x1 * x2


def test_indices_of_a_known_function_of_two_inputs_match_the_analytic_ones() -> None:
    """y = a·x1 + b·x2 + c·x1·x2 with x uniform on (−½, ½): V = (a² + b²)/12 + c²/144, S1 = a²/12V and b²/12V,
    ST adds c²/144V to each; a third input that y ignores has indices 0. Noise stands for who falls ill."""
    a, b, c = 2.0, 1.0, 3.0
    variance = (a * a + b * b) / 12 + c * c / 144
    s1 = np.array([a * a / 12, b * b / 12, 0]) / variance
    st = s1 + np.array([c * c / 144, c * c / 144, 0]) / variance
    u = qmc.Sobol(3, seed=1).random(256)
    y = _analytic(u) + np.random.default_rng(2).normal(0, 0.05, len(u))
    indices, _ = surrogate_indices(u, y)
    assert np.all(np.abs(indices.S1 - s1) <= np.maximum(indices.S1_conf, 0.01))
    assert np.all(np.abs(indices.ST - st) <= np.maximum(indices.ST_conf, 0.01))
    assert np.all(indices.ST_conf < 0.1)
    # SALib's Saltelli estimator on the function itself agrees (brute force: 1024 × 5 runs)
    points = saltelli_points(3, 1024, seed=3)
    saltelli = saltelli_indices(_analytic(points), 3, seed=3)
    assert saltelli.S1 == pytest.approx(s1, abs=0.05) and saltelli.ST == pytest.approx(st, abs=0.05)


@pytest.mark.slow
def test_a_parameter_that_cannot_change_the_outlay_gets_a_total_index_of_zero(tmp_path: Path) -> None:
    """The poverty line only decides who counts as impoverished: no claim, so no outlay, depends on it."""
    spec = {"id": "t", "parameters": {
        "admission_rate_poor": {"path": "population.illness.admissions.share_admitted.poor", "of": "value",
                                "distribution": {"uniform": {"low": 0.15, "high": 0.27}}, "source": "assumed: test",
                                "label": {"zh": "贫困人口年住院率", "en": "admission rate of the poor"}},
        "admission_cost_county": {"path": "population.costs.admission_mean.county", "of": "factor",
                                  "distribution": {"uniform": {"low": 0.7, "high": 1.3}}, "source": "assumed: test"},
        "poverty_line": {"path": "population.by_year.poverty_line.2019", "of": "value",
                         "distribution": {"uniform": {"low": 2500, "high": 4500}}, "source": "assumed: test"}}}
    path = tmp_path / "u.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    out = tmp_path / "d"
    assert main(["drivers", "x_prefecture", "--persons", "3000", "--runs", "64", "--seed", "3", "--workers", "2",
                 "--uncertainty", str(path), "--out", str(out)]) == 0
    with open(out / "drivers.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == ["parameter", "statistic", "S1", "S1_conf", "ST", "ST_conf", "low", "high", "label_zh",
                             "label_en"]
    labels = {row["parameter"]: (row["label_zh"], row["label_en"]) for row in rows}
    assert labels["admission_rate_poor"] == ("贫困人口年住院率", "admission rate of the poor")  # as the uncertainty file says
    assert labels["poverty_line"] == ("poverty_line", "poverty_line")  # no label: its name in both
    mean = {row["parameter"]: {k: float(v) for k, v in row.items() if k not in ("parameter", "statistic", "label_zh",
                                                                                  "label_en")}
            for row in rows if row["statistic"] == "mean"}
    line = mean["poverty_line"]
    assert abs(line["ST"]) <= line["ST_conf"] and abs(line["S1"]) <= line["S1_conf"]
    assert line["ST_conf"] < 0.1
    # the inputs that do matter explain the outlay's variance between them
    assert mean["admission_rate_poor"]["ST"] > 0.5 and mean["admission_cost_county"]["ST"] > mean["poverty_line"]["ST"]
    assert mean["admission_rate_poor"]["high"] > mean["admission_rate_poor"]["low"]
    assert (out / "figures" / "drivers.png").stat().st_size > 10_000
    assert json.loads((out / "drivers.json").read_text())["runs"] == 64
    assert main(["report", str(out)]) == 0
    assert "预算由什么决定" in (out / "report.html").read_text()


def test_drivers_refuses_an_unknown_metric_or_too_few_runs(tmp_path: Path, capsys) -> None:
    assert main(["drivers", "baseline", "--metric", "outlay_nothing", "--out", str(tmp_path / "x")]) == 2
    assert "--metric 'outlay_nothing': not a metric" in capsys.readouterr().err
    assert main(["drivers", "baseline", "--runs", "50", "--out", str(tmp_path / "x")]) == 2
    assert "--runs 50: the surrogate of 21 parameters has 253 terms" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_bootstrap_refits_on_resamples_with_fewer_distinct_runs_than_terms() -> None:
    """Resampling runs with replacement repeats some: with runs not far above the surrogate's terms, most
    resamples are rank-deficient, and each refit still gives finite coefficients and noise (the SVD of XᵀX, its
    condition number squared, could fail to converge there: `hpa drivers --runs 256` over 20 parameters did)."""
    from model.drivers.estimate import surrogate_indices, terms

    rng = np.random.default_rng(1)
    u = rng.random((256, 20))  # 256 runs against 231 terms: a resample holds about 162 distinct runs
    assert terms(20) < len(u) < 1.6 * terms(20)
    y = 3 * u[:, 0] + u[:, 1] ** 2 + 0.1 * rng.standard_normal(len(u))
    indices, _ = surrogate_indices(u, y, resamples=30, seed=3)
    assert np.isfinite(indices.ST_conf).all() and np.isfinite(indices.S1_conf).all()
    assert indices.ST[0] > 0.5 and indices.ST[0] > indices.ST[2:].max()


def test_drivers_tables_written_before_the_labels_were_split_read_into_one_column_a_language(tmp_path: Path) -> None:
    from model.runfolder import read_drivers

    assert read_drivers(tmp_path) is None
    (tmp_path / "drivers.csv").write_text("parameter,statistic,S1,S1_conf,ST,ST_conf,low,high,label\n"
                                          "ceiling,mean,0.1,0.01,0.2,0.02,1000,2000,封顶线 / ceiling\n", encoding="utf-8")
    table = read_drivers(tmp_path)
    assert "label" not in table
    assert (table.loc[0, "label_zh"], table.loc[0, "label_en"]) == ("封顶线", "ceiling")

"""Monte Carlo runs: reproducible, the same serial / in a pool / on Dask, conserving money, common random numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.cli import main
from model.errors import InputError
from model.outcomes.metrics import CORE_METRICS
from model.runner.plan import RunPlan, Variant
from model.runner.store import run

PERSONS = 6_000
SCHEMES = ("baseline", "x_prefecture", "sui_county")


def _plan(kind: str = "compare", reps: int = 4, schemes=SCHEMES) -> RunPlan:
    return RunPlan(kind=kind, variants=tuple(Variant(s, s) for s in schemes), persons=PERSONS, replications=reps, seed=99)


def test_same_command_twice_gives_identical_summary(tmp_path: Path) -> None:
    args = ["compare", "baseline", "sui_county", "--persons", str(PERSONS), "--reps", "3", "--seed", "5", "--workers", "1"]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    assert main(args + ["--out", str(tmp_path / "b")]) == 0
    first = (tmp_path / "a" / "summary.json").read_bytes()
    assert first == (tmp_path / "b" / "summary.json").read_bytes()
    summary = json.loads(first)
    for label in ("baseline", "sui_county"):
        metrics = summary["scenarios"][label]["metrics"]
        assert set(CORE_METRICS) <= set(metrics)
        assert set(metrics["oop"]) == {"mean", "sd", "p5", "p50", "p95", "p99", "p50_se", "p95_se", "p99_se"}
    assert set(summary["differences"]["sui_county - baseline"]["metrics"]) >= set(CORE_METRICS)
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["replications"] == 3
    assert all(len(s["content_hash"]) == 64 for s in manifest["scenarios"])
    assert {"started", "finished", "code_version", "engine"} <= set(manifest)
    for name in ("replications", "summary_table", "quintiles", "cashflow", "differences"):
        assert (tmp_path / "a" / f"{name}.csv").exists() and (tmp_path / "a" / f"{name}.parquet").exists()
    assert list((tmp_path / "a" / "figures").glob("*.png"))


def test_serial_process_pool_and_dask_agree_exactly(tmp_path: Path) -> None:
    from dask.distributed import LocalCluster

    plan = _plan(reps=4)
    _, serial = run(plan, tmp_path / "serial", workers=1, progress=False)
    _, pooled = run(plan, tmp_path / "pool", workers=2, progress=False)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None)
    try:
        _, distributed = run(plan, tmp_path / "dask", workers=2, dask=cluster.scheduler_address, progress=False)
    finally:
        cluster.close()
    assert serial == pooled == distributed
    assert (tmp_path / "serial" / "summary.json").read_bytes() == (tmp_path / "dask" / "summary.json").read_bytes()


def test_outlays_plus_oop_equal_total_cost_and_funding_adds_up(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    run(_plan(reps=3), tmp_path / "r", workers=1, progress=False)
    table = pq.read_table(tmp_path / "r" / "replications.parquet").to_pydict()
    for i in range(len(table["scenario"])):
        outlays = sum(table[f"outlay_{p}"][i] for p in ("bmi", "cii", "ma", "backstop", "supplementary", "hospital"))
        assert round((outlays + table["oop"][i]) * 100) == round(table["total_cost"][i] * 100)
        funded = sum(table[f"funding_{f}"][i] for f in ("province", "prefecture", "county", "bmi_fund", "insurer", "hospital", "households", "charity"))
        assert round(funded * 100) == round(table["total_cost"][i] * 100)


def test_common_random_numbers_make_paired_differences_precise(tmp_path: Path) -> None:
    _, summary = run(_plan(reps=8, schemes=("baseline", "sui_county")), tmp_path / "crn", workers=2, progress=False)
    difference = summary["differences"]["sui_county - baseline"]["metrics"]
    sd = {s: summary["scenarios"][s]["metrics"] for s in ("baseline", "sui_county")}
    # payers' outlays: the paired difference of BMI outlays varies far less than either scheme's outlay; that of
    # CII outlays far less than the difference of two independent runs would (the schemes' CII gap moves with the
    # drawn costs and rates, so over 8 replications it is not always below either scheme's own spread)
    assert difference["outlay_bmi"]["sd"] < 0.25 * min(sd["baseline"]["outlay_bmi"]["sd"], sd["sui_county"]["outlay_bmi"]["sd"])
    independent = (sd["baseline"]["outlay_cii"]["sd"] ** 2 + sd["sui_county"]["outlay_cii"]["sd"] ** 2) ** 0.5
    assert difference["outlay_cii"]["sd"] < 0.75 * independent
    # the same people fall ill in both: total cost is identical in every replication (no behaviour)
    assert difference["total_cost"]["sd"] == 0
    # the protection measures are positively correlated across schemes: their paired differences are more
    # precise than differences of two independent runs would be, on average over the measures (over 8
    # replications one measure's ratio alone is too noisy to bound: effective reimbursement's exceeds 1 at some seeds)
    ratios = {}
    for metric in ("oop", "che_10", "che_25", "che_ctp40", "impoverishment", "effective_reimbursement"):
        independent = (sd["baseline"][metric]["sd"] ** 2 + sd["sui_county"][metric]["sd"] ** 2) ** 0.5
        ratios[metric] = difference[metric]["sd"] / independent
    assert sum(ratios.values()) / len(ratios) < 0.9, ratios


def test_resume_continues_from_finished_replications(tmp_path: Path, monkeypatch) -> None:
    import model.runner.store as store

    plan = _plan(reps=4, schemes=("baseline",))
    out = tmp_path / "run"
    calls = []
    real = store.execute

    def interrupted(plan, todo, *args, **kwargs):
        for done, (r, outcome) in enumerate(real(plan, todo, *args, **kwargs)):
            if done == 2:
                raise KeyboardInterrupt
            calls.append(r)
            yield r, outcome

    monkeypatch.setattr(store, "execute", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(plan, out, workers=1, progress=False)
    assert not out.exists() and len(list((tmp_path / "run.partial" / "replications").glob("*.json"))) == 2
    monkeypatch.setattr(store, "execute", lambda plan, todo, *a, **k: (calls.append(("again", todo)) or real(plan, todo, *a, **k)))
    _, resumed = run(plan, out, workers=1, resume=True, progress=False)
    assert calls[-1] == ("again", [2, 3])
    _, fresh = run(plan, tmp_path / "fresh", workers=1, progress=False)
    assert resumed == fresh


def test_resume_refuses_a_different_plan(tmp_path: Path) -> None:
    (tmp_path / "run.partial").mkdir()
    (tmp_path / "run.partial" / "manifest.json").write_text('{"created_by": "hpa-sim"}')
    (tmp_path / "run.partial" / "plan.json").write_text("{}")
    with pytest.raises(InputError, match="belongs to a different run"):
        run(_plan(reps=2), tmp_path / "run", resume=True, progress=False)


def test_sweep_writes_a_table_and_a_figure(tmp_path: Path, capsys) -> None:
    out = tmp_path / "sweep"
    assert main(["sweep", "sui_county", "--vary", "layers.supplementary_ceiling_poor.ceiling.amount=3000,5000,8000",
                 "--persons", "4000", "--reps", "2", "--workers", "1", "--out", str(out)]) == 0
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(out / "sweep.csv").to_pydict()
    supplementary = [p50 for metric, p50 in zip(table["metric"], table["p50"]) if metric == "outlay_supplementary"]
    assert supplementary[0] > supplementary[1] > supplementary[2]  # a lower ceiling costs the insurer more
    assert (out / "figures" / "sweep.png").exists()


def test_bad_vary_and_bad_scenario_are_refused(tmp_path: Path, capsys) -> None:
    assert main(["sweep", "sui_county", "--vary", "layers.nope.ceiling.amount=1,2", "--out", str(tmp_path / "x")]) == 2
    assert "no such path" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.partial").exists()
    assert main(["sweep", "sui_county", "--vary", "just-one=3", "--out", str(tmp_path / "y")]) == 2
    assert "at least two values" in capsys.readouterr().err


def test_unreachable_dask_scheduler_is_refused_before_anything_is_written(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("HPA_DASK_CONNECT_TIMEOUT", "1s")
    out = tmp_path / "run"
    assert main(["run", "baseline", "--persons", "2000", "--reps", "1", "--dask", "tcp://127.0.0.1:9", "--out", str(out)]) == 2
    assert "--dask tcp://127.0.0.1:9: cannot reach a Dask scheduler" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_local_dask_cluster_option(tmp_path: Path) -> None:
    _, summary = run(_plan(reps=2, schemes=("baseline",)), tmp_path / "d", workers=2, dask="local", progress=False)
    _, serial = run(_plan(reps=2, schemes=("baseline",)), tmp_path / "s", workers=1, progress=False)
    assert summary == serial


def test_compare_with_readings_shows_their_spread_and_the_targets_met(tmp_path: Path) -> None:
    """`hpa compare --readings` runs each scheme's readings (scenarios/readings/) beside it; the report shows
    the budget under each reading and which targets each scheme meets."""
    from model.report.analysis import readings_table, targets_table
    from model.runfolder import load_run

    out = tmp_path / "readings"
    assert main(["compare", "baseline", "sui_county", "--readings", "--persons", "4000", "--reps", "2", "--seed", "3",
                 "--workers", "1", "--out", str(out)]) == 0
    folder = load_run(out)
    assert folder.labels == ["baseline", "sui_county", "sui_assistance_50", "sui_assistance_90"]
    spread = readings_table(folder).set_index("scenario")
    assert list(spread.index) == ["sui_county", "sui_assistance_50", "sui_assistance_90"]
    funds = spread["poverty_funds_p50"]
    assert funds["sui_assistance_50"] <= funds["sui_county"] <= funds["sui_assistance_90"]
    assert funds["sui_assistance_50"] < funds["sui_assistance_90"]
    met = targets_table(folder)
    sui = met[met["scenario"] == "sui_county"].set_index("target")
    assert sui.loc["reimbursement", "threshold"] == pytest.approx(0.9)
    assert set(sui.index) == {"reimbursement", "oop_share_inpatient", "oop_share_chronic"}
    assert set(met[met["scenario"] == "baseline"]["target"]) == {"oop_share_inpatient", "oop_share_chronic"}
    assert main(["report", str(out), "--lang", "en"]) == 0
    text = (out / "report.en.html").read_text(encoding="utf-8")
    assert 'id="readings"' in text and "Sui County, medical assistance at 90%" in text
    assert 'id="targets"' in text and "OOP share, county chronic outpatient" in text


def test_the_runner_imports_no_later_stage() -> None:
    """Data flows one way: the runner writes run folders (model/runfolder.py); the report draws their figures."""
    import subprocess
    import sys

    code = ("import sys, model.runner.store, model.runner.replicate, model.runner.execute, model.runfolder; "
            "print(sorted(m for m in sys.modules if m.startswith(('model.report', 'model.county', 'model.brief', "
            "'model.web'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def test_a_run_without_a_finish_has_no_figures_and_the_report_draws_them(tmp_path: Path) -> None:
    """The runner's folder holds what it computed; the report package draws the figures hpa run adds."""
    from model.report.figures import draw_run_figures

    out, _ = run(_plan(reps=2, schemes=("baseline",)), tmp_path / "bare", workers=1, progress=False)
    assert not (out / "figures").exists()
    made = draw_run_figures(out)
    assert (out / "figures" / "protection.png") in made and all(p.stat().st_size > 10_000 for p in made)

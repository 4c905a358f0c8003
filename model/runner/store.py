"""A run's folder: replications accumulate in DIR.partial (so --resume can continue), and the finished run is
assembled there — manifest, summary, tables (CSV and Parquet), figures — then renamed to DIR in one step."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import shutil
import subprocess
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from model import __version__, atomic
from model.codes import LEVELS, PAYERS
from model.errors import InputError
from model.outcomes.metrics import CORE_METRICS, Outcome
from model.report import figures
from model.rules.engine import ENGINE_NAME
from model.runner.execute import dask_client, execute
from model.runner.plan import RunPlan
from model.runner.replicate import scenarios
from model.runner.summary import STATISTICS, metric_names, summarize
from model.scenario.resolve import READINGS_FOLDER
from model.tables import csv_bytes


def _clean(value):
    """JSON without NaN: NaN and infinities become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        return _clean(value.item())
    return value


def dumps(value) -> str:
    return json.dumps(_clean(value), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def code_version() -> dict:
    root = Path(__file__).resolve().parents[2]
    version = {"package": __version__}
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        if commit.returncode == 0:
            version["commit"] = commit.stdout.strip()
            dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "model", "scenarios"],
                                   capture_output=True, text=True, timeout=5)
            version["uncommitted_changes"] = bool(dirty.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return version


def default_out(plan: RunPlan) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = "-".join(dict.fromkeys(v.reference.rsplit("/", 1)[-1].removesuffix(".yaml") for v in plan.variants))[:60]
    return Path("results") / f"{stamp}-{plan.kind}-{name}"


def _outcome_to_json(outcome: Outcome) -> dict:
    return asdict(outcome)


def _outcome_from_json(data: dict) -> Outcome:
    metrics = {k: (float("nan") if v is None else v) for k, v in data["metrics"].items()}
    return Outcome(metrics, data["quintiles"], data["monthly"], data["engine"], data["flows"])


class RunStore:
    def __init__(self, out: Path, plan: RunPlan, resume: bool) -> None:
        self.out = out
        self.plan = plan
        self.staging = out.with_name(out.name + ".partial")
        self.replications_dir = self.staging / "replications"
        plan_file = self.staging / "plan.json"
        if self.staging.exists() and resume:
            saved = json.loads(plan_file.read_text()) if plan_file.exists() else None
            if saved != json.loads(dumps(plan.as_dict())):
                raise InputError(f"--resume: {self.staging} belongs to a different run (scenarios, sizes or seed differ); "
                                 "run again without --resume to start afresh")
        elif self.staging.exists():
            shutil.rmtree(self.staging)
        elif resume and out.exists():
            raise InputError(f"--resume: {out} is already complete; nothing to resume")
        self.replications_dir.mkdir(parents=True, exist_ok=True)
        atomic.write_text(plan_file, dumps(plan.as_dict()))

    def finished(self) -> dict[int, dict[str, Outcome]]:
        done = {}
        for path in sorted(self.replications_dir.glob("r*.json")):
            data = json.loads(path.read_text())
            done[int(data["replication"])] = {label: _outcome_from_json(o) for label, o in data["outcomes"].items()}
        return done

    def save(self, replication: int, outcomes: dict[str, Outcome]) -> None:
        record = {"replication": replication, "outcomes": {k: _outcome_to_json(v) for k, v in outcomes.items()}}
        atomic.write_text(self.replications_dir / f"r{replication:05d}.json", dumps(record))


def run(plan: RunPlan, out: Path | None, workers: int = 1, dask: str | None = None, resume: bool = False,
        progress: bool | None = None) -> tuple[Path, dict]:
    """Run (or resume) every replication of a plan and write its folder; returns (folder, summary)."""
    loaded = scenarios(plan)  # validate everything before any work
    out = Path(out) if out is not None else default_out(plan)
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    with dask_client(dask, workers) as client:  # a bad address is refused before anything is written
        store = RunStore(out, plan, resume)
        records = store.finished()
        todo = [r for r in range(plan.replications) if r not in records]
        for replication, outcomes in execute(plan, todo, workers, client, progress):
            store.save(replication, outcomes)
            records[replication] = outcomes
    labels = [v.label for v in plan.variants]
    reference = labels[0] if plan.kind == "compare" else None
    summary = summarize(labels, records, reference)
    engines: dict[str, int] = {}
    for outcomes in records.values():
        for result in outcomes.values():
            engines[result.engine] = engines.get(result.engine, 0) + 1
    manifest = {
        "kind": plan.kind,
        "scenarios": [
            {"label": v.label, "reference": v.reference, "id": s.id, "name": s.name, "file": str(s.path),
             "sets": list(v.sets), "content_hash": s.content_hash,
             "reading_of": s.tree.get("base") if s.path.parent.name == READINGS_FOLDER else None}
            for v, s in zip(plan.variants, loaded)
        ],
        "population": plan.population or "poor_households",
        "households": plan.households,
        "persons": plan.persons,
        "replications": plan.replications,
        "seed": plan.seed,
        "vary": [list(v) for v in plan.vary],
        "code_version": code_version(),
        "engine": {"settlement": ENGINE_NAME, "care": engines, "requested_care_engine": plan.engine},
        "execution": {"workers": workers, "dask": dask, "resumed": resume},
        "platform": {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine()},
        "started": started,
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    _write_outputs(store.staging, plan, labels, records, summary, manifest)
    if out.exists():
        shutil.rmtree(out)
    os.replace(store.staging, out)
    return out, summary


def _write_outputs(folder: Path, plan: RunPlan, labels: list[str], records: dict[int, dict[str, Outcome]],
                   summary: dict, manifest: dict) -> None:
    atomic.write_text(folder / "manifest.json", dumps(manifest))
    atomic.write_text(folder / "summary.json", dumps(summary))
    order = sorted(records)
    names = metric_names(records)
    rows = {"scenario": [], "replication": []} | {name: [] for name in names}
    for label in labels:
        for r in order:
            rows["scenario"].append(label)
            rows["replication"].append(r)
            for name in names:
                rows[name].append(records[r][label].metrics.get(name, float("nan")))
    _table(folder, "replications", pa.table(rows))
    _table(folder, "summary_table", _summary_table(summary))
    _table(folder, "quintiles", _quintile_table(labels, records))
    _table(folder, "cashflow", _cashflow_table(labels, records))
    _table(folder, "flows", _flows_table(labels, records))
    if "differences" in summary:
        _table(folder, "differences", _summary_table({"scenarios": summary["differences"]}))
    if plan.kind == "sweep":
        _table(folder, "sweep", _sweep_table(plan, summary))
    _figures(folder / "figures", plan, labels, records, summary)


def _table(folder: Path, name: str, table: pa.Table) -> None:
    atomic.write_bytes(folder / f"{name}.csv", csv_bytes(table))
    pq.write_table(table, folder / f"{name}.parquet")


def _summary_table(summary: dict) -> pa.Table:
    rows = {"scenario": [], "metric": []} | {s: [] for s in STATISTICS}
    for label, entry in summary["scenarios"].items():
        for metric, stats in entry["metrics"].items():
            rows["scenario"].append(label)
            rows["metric"].append(metric)
            for s in STATISTICS:
                rows[s].append(float("nan") if stats[s] is None else stats[s])
    return pa.table(rows)


def _quintile_table(labels: list[str], records: dict[int, dict[str, Outcome]]) -> pa.Table:
    """Mean over replications of each quintile's rates (quintile 1 = the poorest fifth of households)."""
    rows: dict[str, list] = {"scenario": [], "quintile": []}
    keys = [k for k in next(iter(records.values()))[labels[0]].quintiles if k != "income_per_person_upper"]
    for key in keys + ["income_per_person_upper"]:
        rows[key] = []
    for label in labels:
        for q in range(5):
            rows["scenario"].append(label)
            rows["quintile"].append(q + 1)
            for key in keys + ["income_per_person_upper"]:
                rows[key].append(float(np.mean([records[r][label].quintiles[key][q] for r in records])))
    return pa.table(rows)


def _cashflow_table(labels: list[str], records: dict[int, dict[str, Outcome]]) -> pa.Table:
    """Monthly cash flow by payer: mean and P95 over replications of what each payer repays and owes."""
    rows: dict[str, list] = {"scenario": [], "month": [], "payer": [], "repaid_mean": [], "repaid_p95": [],
                             "receivable_mean": [], "receivable_p95": [], "advanced_mean": [], "bad_debt_mean": [],
                             "bad_debt_p95": []}
    for label in labels:
        horizon = min(len(records[r][label].monthly[f"repaid_{PAYERS[0]}"]) for r in records)
        for payer in PAYERS:
            repaid = np.array([records[r][label].monthly[f"repaid_{payer}"][:horizon] for r in records])
            owed = np.array([records[r][label].monthly[f"receivable_{payer}"][:horizon] for r in records])
            advanced = np.array([records[r][label].monthly[f"advanced_{payer}"][:horizon] for r in records])
            for month in range(horizon):
                rows["scenario"].append(label)
                rows["month"].append(month + 1)
                rows["payer"].append(payer)
                rows["repaid_mean"].append(float(repaid[:, month].mean()))
                rows["repaid_p95"].append(float(np.percentile(repaid[:, month], 95)))
                rows["receivable_mean"].append(float(owed[:, month].mean()))
                rows["receivable_p95"].append(float(np.percentile(owed[:, month], 95)))
                rows["advanced_mean"].append(float(advanced[:, month].mean()))
                rows["bad_debt_mean"].append(0.0)
                rows["bad_debt_p95"].append(0.0)
        if all("deferred_patients" in records[r][label].monthly for r in records):
            # pay after treatment: what patients deferred at discharge (advanced), repay in instalments, owe, default on
            _patients_rows(rows, label, [records[r][label].monthly for r in records])
    return pa.table(rows)


def _patients_rows(rows: dict[str, list], label: str, monthly: list[dict[str, list[float]]]) -> None:
    horizon = min(len(m["deferred_patients"]) for m in monthly)
    series = {key: np.array([m[f"{key}_patients"][:horizon] for m in monthly]) for key in ("deferred", "repaid", "receivable", "bad_debt")}
    for month in range(horizon):
        rows["scenario"].append(label)
        rows["month"].append(month + 1)
        rows["payer"].append("patients")
        rows["repaid_mean"].append(float(series["repaid"][:, month].mean()))
        rows["repaid_p95"].append(float(np.percentile(series["repaid"][:, month], 95)))
        rows["receivable_mean"].append(float(series["receivable"][:, month].mean()))
        rows["receivable_p95"].append(float(np.percentile(series["receivable"][:, month], 95)))
        rows["advanced_mean"].append(float(series["deferred"][:, month].mean()))
        rows["bad_debt_mean"].append(float(series["bad_debt"][:, month].mean()))
        rows["bad_debt_p95"].append(float(np.percentile(series["bad_debt"][:, month], 95)))


def _flows_table(labels: list[str], records: dict[int, dict[str, Outcome]]) -> pa.Table:
    """Admissions from entry level to treating level: mean a replication (rows with none left out)."""
    rows: dict[str, list] = {"scenario": [], "entry_level": [], "treating_level": [], "admissions_mean": []}
    for label in labels:
        mean = np.mean([np.array(records[r][label].flows) for r in records], axis=0)
        for entry, treating in zip(*np.nonzero(mean)):
            rows["scenario"].append(label)
            rows["entry_level"].append(LEVELS[entry])
            rows["treating_level"].append(LEVELS[treating])
            rows["admissions_mean"].append(float(mean[entry, treating]))
    return pa.table(rows)


def _sweep_table(plan: RunPlan, summary: dict) -> pa.Table:
    rows: dict[str, list] = {path: [] for path, _ in plan.vary} | {"metric": [], "p50": [], "p95": [], "mean": []}
    for variant in plan.variants:
        values = {s.split("=", 1)[0]: s.split("=", 1)[1] for s in variant.sets}
        for metric in CORE_METRICS:
            stats = summary["scenarios"][variant.label]["metrics"][metric]
            for path, _ in plan.vary:
                rows[path].append(values[path])
            rows["metric"].append(metric)
            for key in ("p50", "p95", "mean"):
                rows[key].append(float("nan") if stats[key] is None else stats[key])
    return pa.table(rows)


def _figures(folder: Path, plan: RunPlan, labels: list[str], records: dict[int, dict[str, Outcome]], summary: dict) -> None:
    for metric in ("outlay_backstop", "outlay_ma", "outlay_supplementary"):
        values = {label: np.array([records[r][label].metrics[metric] for r in sorted(records)]) for label in labels}
        if any(np.any(v > 0) for v in values.values()):
            figures.exposure_distribution(values, metric, folder / f"exposure_{metric}.png")
    figures.protection_bars(summary, ("effective_reimbursement", "oop_share", "che_10", "che_ctp40", "impoverishment"),
                            folder / "protection.png")
    if plan.kind == "sweep" and len(plan.vary) == 1:
        path, values = plan.vary[0]
        shown = ("outlay_backstop", "outlay_ma", "outlay_supplementary", "oop", "che_10", "che_ctp40")
        p50 = {m: [summary["scenarios"][v.label]["metrics"][m]["p50"] for v in plan.variants] for m in shown}
        p95 = {m: [summary["scenarios"][v.label]["metrics"][m]["p95"] for v in plan.variants] for m in shown}
        figures.sweep_curves(list(values), p50, p95, path, folder / "sweep.png")

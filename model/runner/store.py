"""A run's folder: replications accumulate in DIR.partial (so --resume can continue), and the finished run is
assembled there — manifest, summary, tables (CSV and Parquet), figures — then renamed to DIR in one step."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from model import __version__, atomic
from model.codes import LEVELS, PAYERS
from model.errors import InputError, Interrupted
from model.outcomes.metrics import CORE_METRICS, Outcome
from model.outputs import CREATED_BY, check_folder, check_not_protected, contents, made_by_hpa, replace_folder
from model.report import figures
from model.rules.engine import ENGINE_NAME
from model.runner.execute import dask_client, execute, signals_deferred
from model.runner.plan import RunPlan
from model.runner.replicate import scenarios
from model.runner.summary import STATISTICS, STANDARD_ERRORS, metric_names, more_replications, summarize
from model.scenario.resolve import READINGS_FOLDER
from model.tables import csv_bytes
from model.uncertainty import runs as uncertainty


try:
    import fcntl
except ImportError:  # not a POSIX system: runs are not locked against each other
    fcntl = None


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


LOCK = ".hpa-run.lock"  # flock'ed by the run writing the folder; the system releases it when that process ends


def _partial_manifest(plan: RunPlan) -> dict:
    """What marks DIR.partial as hpa's until the finished manifest replaces it."""
    return {"created_by": CREATED_BY, "kind": plan.kind, "status": "unfinished: continue it with --resume"}


class RunStore:
    """DIR.partial/: the plan, one record per finished replication, a lock; renamed to DIR once complete."""

    def __init__(self, out: Path, plan: RunPlan, resume: bool, force: bool) -> None:
        self.out = out
        self.plan = plan
        self.resume = resume
        self.force = force
        check_not_protected(out)  # `.`, `..` and `/` have no name to add .partial to
        self.staging = out.with_name(out.name + ".partial")
        self.replications_dir = self.staging / "replications"
        self.created = False  # this process made DIR.partial (so may remove it while it holds nothing)
        self.published = False
        self._lock: int | None = None

    def check(self) -> dict[int, dict[str, Outcome]]:
        """Every refusal that needs no work, before anything is written; returns the records kept for --resume."""
        out, staging = self.out, self.staging
        if self.resume and not staging.exists() and out.exists():
            raise InputError(f"--resume: {out} is already complete; nothing to resume")
        check_folder(out, self.force)
        if not (staging.exists() or staging.is_symlink()):
            return {}
        if not made_by_hpa(staging):
            raise InputError(f"--out {out}: {staging} exists and hpa did not make it ({contents(staging)}); "
                             "hpa leaves it alone: give another --out")
        if self._lock is None:  # is another run writing it now? (asked without keeping the lock)
            with contextlib.suppress(FileNotFoundError):
                self._take_lock(staging, write_pid=False)
                self.release()
        if self.resume:
            return self._kept()
        if not self.force:
            kept = len(list(self.replications_dir.glob("r*.json")))
            raise InputError(f"--out {out}: {staging} holds an unfinished run ({kept} replication(s) done); "
                             "continue it with --resume, or pass --force to start afresh")
        return {}

    def _kept(self) -> dict[int, dict[str, Outcome]]:
        """The finished replications of DIR.partial, each checked; a damaged one is refused, never guessed."""
        plan_file = self.staging / "plan.json"
        fresh = "run again with --force (without --resume) to start afresh"
        try:
            saved = json.loads(plan_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"--resume: {plan_file} is missing; {fresh}") from None
        except (OSError, ValueError) as exc:
            raise InputError(f"--resume: {plan_file} is damaged ({exc}); {fresh}") from None
        if saved != json.loads(dumps(self.plan.as_dict())):
            raise InputError(f"--resume: {self.staging} belongs to a different run (scenarios, sizes or seed differ); "
                             "run again without --resume to start afresh")
        labels = {v.label for v in self.plan.variants}
        done = {}
        for path in sorted(self.replications_dir.glob("r*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                replication = data["replication"]
                if (not isinstance(replication, int) or path.name != f"r{replication:05d}.json"
                        or not 0 <= replication < self.plan.replications):
                    raise ValueError(f"replication {replication!r} in a file named {path.name}")
                if set(data["outcomes"]) != labels:
                    raise ValueError(f"scenarios {sorted(data['outcomes'])}, expected {sorted(labels)}")
                done[replication] = {label: _outcome_from_json(o) for label, o in data["outcomes"].items()}
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"
                raise InputError(f"--resume: {path} is damaged ({reason}); {fresh}") from None
        return done

    def open(self) -> dict[int, dict[str, Outcome]]:
        """Lock DIR.partial (making it if new) and return the kept records; refused if another run holds it."""
        if self.staging.exists():
            self._take_lock(self.staging)
            kept = self.check()  # again, now that no other run can change it
            for folder in (self.staging, self.staging / "replications", self.staging / "figures"):
                for stray in folder.glob(".*.partial"):  # a file being written when the run was killed
                    stray.unlink()
            if not self.resume:  # --force: start afresh in the same folder (the lock file stays)
                for entry in self.staging.iterdir():
                    if entry.name != LOCK:
                        shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
                self._write_start(self.staging)
            return kept
        self.staging.parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=f".{self.staging.name}.", dir=self.staging.parent))
        try:
            os.chmod(fresh, 0o777 & ~_umask())
            self._take_lock(fresh)
            self._write_start(fresh)
            os.rename(fresh, self.staging)  # refused if another run made DIR.partial meanwhile
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            self.release()
            if self.staging.exists():
                raise InputError(f"--out {self.out}: another hpa run started writing {self.staging} just now; "
                                 "wait for it to finish or give another --out") from None
            raise
        self.created = True
        return {}

    def _write_start(self, folder: Path) -> None:
        (folder / "replications").mkdir(exist_ok=True)
        atomic.write_text(folder / "manifest.json", dumps(_partial_manifest(self.plan)))
        atomic.write_text(folder / "plan.json", dumps(self.plan.as_dict()))

    def _take_lock(self, folder: Path, write_pid: bool = True) -> None:
        path = folder / LOCK
        if fcntl is None:
            return
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o666) if write_pid else os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(handle, 32).decode(errors="replace").strip()
            os.close(handle)
            raise InputError(f"--out {self.out}: another hpa run{f' (process {holder})' if holder else ''} is writing "
                             f"{self.staging} now; wait for it to finish or give another --out") from None
        if write_pid:
            os.ftruncate(handle, 0)
            os.write(handle, f"{os.getpid()}\n".encode())
        self._lock = handle

    def release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def saved(self) -> int:
        return len(list(self.replications_dir.glob("r*.json")))

    def save(self, replication: int, outcomes: dict[str, Outcome]) -> None:
        record = {"replication": replication, "outcomes": {k: _outcome_to_json(v) for k, v in outcomes.items()}}
        atomic.write_text(self.replications_dir / f"r{replication:05d}.json", dumps(record))

    def publish(self) -> None:
        """DIR.partial becomes DIR (an hpa-made DIR replaced, as checked at the start); the lock goes last."""
        replace_folder(self.staging, self.out)
        self.published = True
        with contextlib.suppress(FileNotFoundError):
            (self.out / LOCK).unlink()
        self.release()

    def abandon(self) -> None:
        """After a failure: DIR.partial removed if this run made it and nothing in it is worth keeping."""
        if self.created and self.saved() == 0:
            shutil.rmtree(self.staging, ignore_errors=True)
        self.release()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _households_plan(plan: RunPlan, loaded) -> RunPlan:
    """With a household table, the persons are the table's: read (and so checked) here, before anything is made."""
    if not plan.households:
        return plan
    from model.population import population_params
    from model.population.build import StageSeeds
    from model.population.table import population_from_table

    population, _ = population_from_table(Path(plan.households), population_params(loaded[0]),
                                          StageSeeds.of_replication(plan.seed, 0).population)
    return replace(plan, persons=int(population.n_persons))


@contextlib.contextmanager
def _stop_signals():
    """SIGTERM stops a run the way Ctrl-C does: what is finished is kept (only in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Interrupted("terminated", 128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(plan: RunPlan, out: Path | None, workers: int = 1, dask: str | None = None, resume: bool = False,
        progress: bool | None = None, force: bool = False, announce=None) -> tuple[Path, dict]:
    """Run (or resume) every replication of a plan and write its folder; returns (folder, summary).

    Everything that can be refused without work (scenarios, household table, the output folder) is refused
    before anything is written. `announce(plan, out)`, if given, is called once those checks pass.
    """
    loaded = scenarios(plan)  # validate everything before any work
    plan = _households_plan(plan, loaded)
    uncertainty.check_plan(plan, loaded)
    out = Path(out) if out is not None else default_out(plan)
    store = RunStore(out, plan, resume, force)
    store.check()
    if announce is not None:
        announce(plan, out)
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    records: dict[int, dict[str, Outcome]] = {}
    with _stop_signals():
        try:
            with dask_client(dask, workers) as client:  # a bad address is refused before anything is written
                records = store.open()
                todo = [r for r in range(plan.replications) if r not in records]
                while todo:  # --precision: more replications until the budget metric's P95 is known well enough
                    with contextlib.closing(execute(plan, todo, workers, client, progress)) as finishing:
                        for replication, outcomes in finishing:
                            store.save(replication, outcomes)
                            records[replication] = outcomes
                    todo = more_replications(plan, records)
            records = {r: records[r] for r in sorted(records)}  # every table averages in replication order
            _write_outputs(store.staging, plan, [v.label for v in plan.variants], records,
                           *_summary_and_manifest(plan, loaded, records, started, workers, dask, resume))
            uncertainty.write_tables(store.staging, plan, sorted(records), _table)
            with signals_deferred():  # DIR moved aside and DIR.partial renamed: both or neither
                store.publish()
        except KeyboardInterrupt as stop:
            store.abandon()
            kept = store.saved() if store.staging.exists() else 0
            how = "Ctrl-C" if not isinstance(stop, Interrupted) else str(stop)
            code = stop.exit_code if isinstance(stop, Interrupted) else 130
            if store.published:
                message = f"stopped ({how}) just as the run finished: {out} is complete"
            elif kept:
                message = (f"stopped ({how}): {kept} of {plan.replications} replications are kept in {store.staging}/; "
                           "to continue, run the same command again with --resume")
            else:
                message = f"stopped ({how}) before any replication finished; nothing was kept"
            raise Interrupted(message, code) from None
        except OSError as exc:  # the output place failed: read-only, full, the file size limit
            store.abandon()
            kept = store.saved() if store.staging.exists() else 0
            where = f"{exc.filename}: " if exc.filename else ""
            reason = "the file size limit (ulimit -f) was reached" if exc.errno == errno.EFBIG else (exc.strerror or str(exc))
            then = (f"the {kept} finished replication(s) are kept in {store.staging}/: make room, then run the same "
                    "command with --resume" if kept else "nothing was kept")
            raise InputError(f"--out {out}: cannot write ({where}{reason}); {then}") from None
        except BaseException:
            store.abandon()
            raise
    labels = [v.label for v in plan.variants]
    return out, summarize(labels, records, labels[0] if plan.kind == "compare" else None)


def _summary_and_manifest(plan: RunPlan, loaded, records, started: str, workers: int, dask: str | None,
                          resume: bool) -> tuple[dict, dict]:
    labels = [v.label for v in plan.variants]
    reference = labels[0] if plan.kind == "compare" else None
    summary = summarize(labels, records, reference)
    engines: dict[str, int] = {}
    for outcomes in records.values():
        for result in outcomes.values():
            engines[result.engine] = engines.get(result.engine, 0) + 1
    manifest = {
        "created_by": CREATED_BY,
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
        "replications": len(records),
        "seed": plan.seed,
        "vary": [list(v) for v in plan.vary],
        "code_version": code_version(),
        "engine": {"settlement": ENGINE_NAME, "care": engines, "requested_care_engine": plan.engine},
        "execution": {"workers": workers, "dask": dask, "resumed": resume},
        "platform": {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine()},
        **uncertainty.manifest_entry(plan, sorted(records)),
        "started": started,
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    return summary, manifest


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
    columns = STATISTICS + tuple(f"{s}_se" for s in STANDARD_ERRORS)
    rows = {"scenario": [], "metric": []} | {s: [] for s in columns}
    for label, entry in summary["scenarios"].items():
        for metric, stats in entry["metrics"].items():
            rows["scenario"].append(label)
            rows["metric"].append(metric)
            for s in columns:
                rows[s].append(float("nan") if stats.get(s) is None else stats[s])
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
                rows[key].append(float(np.mean([records[r][label].quintiles[key][q] for r in sorted(records)])))
    return pa.table(rows)


def _cashflow_table(labels: list[str], records: dict[int, dict[str, Outcome]]) -> pa.Table:
    """Monthly cash flow by payer: mean and P95 over replications of what each payer repays and owes."""
    rows: dict[str, list] = {"scenario": [], "month": [], "payer": [], "repaid_mean": [], "repaid_p95": [],
                             "receivable_mean": [], "receivable_p95": [], "advanced_mean": [], "bad_debt_mean": [],
                             "bad_debt_p95": []}
    for label in labels:
        horizon = min(len(records[r][label].monthly[f"repaid_{PAYERS[0]}"]) for r in sorted(records))
        for payer in PAYERS:
            repaid = np.array([records[r][label].monthly[f"repaid_{payer}"][:horizon] for r in sorted(records)])
            owed = np.array([records[r][label].monthly[f"receivable_{payer}"][:horizon] for r in sorted(records)])
            advanced = np.array([records[r][label].monthly[f"advanced_{payer}"][:horizon] for r in sorted(records)])
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
        mean = np.mean([np.array(records[r][label].flows) for r in sorted(records)], axis=0)
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
    figures.protection_bars(summary, ("effective_reimbursement", "oop_share", "che_10", "che_ctp40", "impoverishment",
                                      "che_10_inpatient_chronic", "che_ctp40_inpatient_chronic"), folder / "protection.png")
    if plan.kind == "sweep" and len(plan.vary) == 1:
        path, values = plan.vary[0]
        shown = ("outlay_backstop", "outlay_ma", "outlay_supplementary", "oop", "che_10", "che_ctp40")
        p50 = {m: [summary["scenarios"][v.label]["metrics"][m]["p50"] for v in plan.variants] for m in shown}
        p95 = {m: [summary["scenarios"][v.label]["metrics"][m]["p95"] for v in plan.variants] for m in shown}
        figures.sweep_curves(list(values), p50, p95, path, folder / "sweep.png")

"""A run's folder: replications accumulate in DIR.partial (so --resume can continue), and the finished run is
assembled there — manifest, summary, tables (CSV and Parquet; model/runfolder.py), then whatever the command
adds (its figures, drawn by model/report) — and renamed to DIR in one step."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import platform
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np

from model import __version__, atomic
from model.errors import InputError, Interrupted
from model.outcomes.metrics import Outcome
from model.outputs import CREATED_BY, check_folder, check_not_protected, contents, made_by_hpa, replace_folder
from model.rules.engine import ENGINE_NAME
from model.runner.execute import dask_client, execute, signals_deferred
from model.runner.plan import RunPlan
from model.runner.replicate import scenarios
from model.runner.summary import more_replications, summarize
from model.runfolder import (FIGURES, PARTIAL, PLAN, RECORDS, dumps, outcome_from_json, outcome_to_json, record_name,
                             write_outputs, write_table)
from model.scenario.resolve import READINGS_FOLDER
from model.uncertainty import runs as uncertainty


try:
    import fcntl
except ImportError:  # not a POSIX system: runs are not locked against each other
    fcntl = None


def code_version() -> dict:
    """The code a run ran with, for manifest.json: the package version, and when the code is a git checkout its
    commit and whether model/ or scenarios/ had uncommitted changes.

    Returns
    -------
    dict
    """
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
    """Where a run is written when --out is not given: results/TIMESTAMP-KIND-SCHEMES.

    Parameters
    ----------
    plan : RunPlan

    Returns
    -------
    Path
    """
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = "-".join(dict.fromkeys(v.reference.rsplit("/", 1)[-1].removesuffix(".yaml") for v in plan.variants))[:60]
    return Path("results") / f"{stamp}-{plan.kind}-{name}"


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
        self.staging = out.with_name(out.name + PARTIAL)
        self.replications_dir = self.staging / RECORDS
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
        plan_file = self.staging / PLAN
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
                if (not isinstance(replication, int) or path.name != record_name(replication)
                        or not 0 <= replication < self.plan.replications):
                    raise ValueError(f"replication {replication!r} in a file named {path.name}")
                if set(data["outcomes"]) != labels:
                    raise ValueError(f"scenarios {sorted(data['outcomes'])}, expected {sorted(labels)}")
                done[replication] = {label: outcome_from_json(o) for label, o in data["outcomes"].items()}
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"
                raise InputError(f"--resume: {path} is damaged ({reason}); {fresh}") from None
        return done

    def open(self) -> dict[int, dict[str, Outcome]]:
        """Lock DIR.partial (making it if new) and return the kept records; refused if another run holds it."""
        if self.staging.exists():
            self._take_lock(self.staging)
            kept = self.check()  # again, now that no other run can change it
            for folder in (self.staging, self.staging / RECORDS, self.staging / FIGURES):
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
        (folder / RECORDS).mkdir(exist_ok=True)
        atomic.write_text(folder / "manifest.json", dumps(_partial_manifest(self.plan)))
        atomic.write_text(folder / PLAN, dumps(self.plan.as_dict()))

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
        record = {"replication": replication, "outcomes": {k: outcome_to_json(v) for k, v in outcomes.items()}}
        atomic.write_text(self.replications_dir / record_name(replication), dumps(record))

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
        progress: bool | None = None, force: bool = False, announce=None, finish=None) -> tuple[Path, dict]:
    """Run (or resume) every replication of a plan and write its folder; returns (folder, summary).

    Everything that can be refused without work (scenarios, household table, the output folder) is refused
    before anything is written. `announce(plan, out)`, if given, is called once those checks pass.
    `finish(folder)`, if given, adds to the finished folder before it takes its name, so that a stop leaves
    DIR complete or not there at all (hpa run, compare and sweep: model/report/figures.draw_run_figures).
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
            write_outputs(store.staging, plan, [v.label for v in plan.variants], records,
                           *_summary_and_manifest(plan, loaded, records, started, workers, dask, resume))
            uncertainty.write_tables(store.staging, plan, sorted(records), write_table)
            if finish is not None:
                finish(store.staging)
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

"""The web page's runs: one at a time, each an `hpa run --county` in its own background process, its state read
back from its folder so that a reloaded page (or a restarted server) finds it again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from model import atomic
from model.county.template import profile_yaml
from model.errors import InputError
from model.report.texts import bilingual, entries

STATE = "job.json"


@dataclass
class Job:
    """A run the county page started: its id, its folder (county.yaml, reform.yaml, log, run/) and replications."""

    id: str
    folder: Path  # the job's own folder: county.yaml, reform.yaml, log, and run/ (the run folder)
    reps: int

    @property
    def run_dir(self) -> Path:
        return self.folder / "run"

    def state(self) -> dict:
        saved = json.loads((self.folder / STATE).read_text(encoding="utf-8"))
        if saved["state"] == "running":
            done = len(list((self.folder / "run.partial" / "replications").glob("r*.json")))
            saved["done"] = done if not self.run_dir.exists() else self.reps
        return saved


class Jobs:
    """The runs of one server, kept under `root`; at most one runs at a time."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.running: subprocess.Popen | None = None
        for state in self.root.glob(f"*/{STATE}"):  # a run the last server left unfinished (it ends them on stopping)
            saved = json.loads(state.read_text(encoding="utf-8"))
            if saved.get("state") == "running":
                saved.update(state="failed", error="the server stopped before this run finished; run it again")
                atomic.write_text(state, json.dumps(saved))

    def job(self, job_id: str) -> Job:
        if not job_id.isalnum() or not (self.root / job_id / STATE).is_file():
            raise KeyError(job_id)
        saved = json.loads((self.root / job_id / STATE).read_text(encoding="utf-8"))
        return Job(job_id, self.root / job_id, int(saved["reps"]))

    def latest(self) -> Job | None:
        found = sorted((p for p in self.root.iterdir() if (p / STATE).is_file()), key=lambda p: p.name)
        return self.job(found[-1].name) if found else None

    def busy(self) -> bool:
        return self.running is not None and self.running.poll() is None

    def start(self, values: dict[str, object], reps: int, seed: int, edits: dict[str, object],
              vary: tuple[str, list[str]] | None = None) -> Job:
        """Check the profile (and the scheme edits) at once, then run in the background; InputError when bad."""
        from model.county.profile import load_profile
        from model.county.run import county_plan

        with self.lock:
            if self.busy():
                raise RuntimeError("a run is still going; one at a time")
            job_id = time.strftime("%Y%m%d%H%M%S") + f"{os.getpid() % 1000:03d}{len(list(self.root.iterdir())):04d}"
            folder = self.root / job_id
            folder.mkdir()
            profile_values = dict(values)
            if edits:
                base = str(profile_values.get("scheme") or "")
                atomic.write_text(folder / "reform.yaml", reform_yaml(base, edits))
                profile_values["scheme"] = "reform.yaml"
            atomic.write_text(folder / "county.yaml", profile_yaml(profile_values))
            vary_option = [f"{vary[0]}={','.join(str(v) for v in vary[1])}"] if vary else []
            try:
                county = county_plan(load_profile(folder / "county.yaml"), reps, seed)  # every fault now, as one message
                if vary_option:
                    from model.county.command import planner_plan

                    planner_plan(county.plan, county.plan.variants[0], vary_option)
            except InputError:
                import shutil

                shutil.rmtree(folder)
                raise
            atomic.write_text(folder / STATE, json.dumps({"id": job_id, "state": "running", "reps": reps, "seed": seed,
                                                          "done": 0, "error": None, "started": time.time()}))
            log = open(folder / "log.txt", "wb")
            command = [sys.executable, "-m", "model", "run", "--county", str(folder / "county.yaml"), "--reps", str(reps),
                       "--seed", str(seed), "--workers", str(max(1, min(2, os.cpu_count() or 1))), "--out", str(folder / "run")]
            command += [f"--vary={option}" for option in vary_option]
            self.running = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            threading.Thread(target=self._finish, args=(Job(job_id, folder, reps), self.running, log), daemon=True).start()
            return Job(job_id, folder, reps)

    def _finish(self, job: Job, process: subprocess.Popen, log) -> None:
        code = process.wait()
        log.close()
        error = None
        if code == 0:
            report = subprocess.run([sys.executable, "-m", "model", "report", str(job.run_dir)],
                                    capture_output=True, text=True, stdin=subprocess.DEVNULL)
            if report.returncode != 0:
                error = (report.stderr or report.stdout).strip()[-2000:]
        else:
            error = (job.folder / "log.txt").read_text(encoding="utf-8", errors="replace").strip()[-2000:]
        saved = json.loads((job.folder / STATE).read_text(encoding="utf-8"))
        saved.update(state="failed" if error else "done", done=job.reps if not error else saved.get("done", 0), error=error,
                     finished=time.time())
        atomic.write_text(job.folder / STATE, json.dumps(saved))

    def stop(self) -> None:
        if self.busy():
            self.running.terminate()
            self.running.wait(timeout=30)


def reform_yaml(base: str, edits: dict[str, object]) -> str:
    """Edits made in the page, written as a reform of `base` (each value's source says where it came from)."""
    said = entries("web_edit")
    name = {lang: said["name"][lang].format(base=base) for lang in ("zh", "en")}
    lines = [f"# {bilingual(said['heading'])}", "id: web_edit", f"base: {json.dumps(base)}",
             f"name: {{zh: {json.dumps(name['zh'], ensure_ascii=False)}, en: {json.dumps(name['en'])}}}",
             "set:"]
    for path, value in edits.items():
        lines.append(f"  {json.dumps(str(path))}: {{value: {json.dumps(value, ensure_ascii=False)}, "
                     f"source: {json.dumps(bilingual(said['source']), ensure_ascii=False)}}}")
    return "\n".join(lines) + "\n"

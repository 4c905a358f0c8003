"""Ctrl-C: how long `hpa run` on 2 workers takes to stop after SIGINT, its finished replications kept."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import line

TARGET_S = 2.0
TRIES = 3
# 2,000 replications: far more than can finish in the half second between the first kept record and SIGINT on
# any machine (the stop time does not depend on how many are queued), so the run is always cut mid-way.
COMMAND = ["run", "sui_county", "--persons", "100000", "--reps", "2000", "--workers", "2", "--seed", "7"]


def _hpa() -> list[str]:
    script = Path(sys.executable).with_name("hpa")
    return [str(script)] if script.exists() else [sys.executable, "-m", "model"]


def stop_time(folder: Path) -> tuple[float, int]:
    """Seconds from SIGINT to the command's exit, sent once the first replication is kept; and the kept count."""
    process = subprocess.Popen([*_hpa(), *COMMAND, "--out", str(folder / "run")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    records = folder / "run.partial" / "replications"
    deadline = time.monotonic() + 600
    while not list(records.glob("r*.json")):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"no replication finished: {process.communicate()[1]}")
        time.sleep(0.02)
    time.sleep(0.5)  # both workers busy in a replication
    if process.poll() is not None:  # a signal to a finished process measures nothing: say so, not "unexpected end 0"
        raise RuntimeError(f"the run ended (exit {process.returncode}) before SIGINT was sent: give COMMAND more "
                           f"replications\n{process.communicate()[1]}")
    began = time.perf_counter()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    seconds = time.perf_counter() - began
    if process.returncode != 130 or "--resume" not in err:
        raise RuntimeError(f"unexpected end {process.returncode}: {err}")
    return seconds, len(list(records.glob("r*.json")))


def run() -> dict:
    print("Ctrl-C: hpa run, 2 workers, 100,000 persons a replication; SIGINT once a replication is kept")
    times = []
    for _ in range(TRIES):
        with tempfile.TemporaryDirectory() as folder:
            seconds, kept = stop_time(Path(folder))
        times.append(seconds)
    line("SIGINT → exit (worst of 3)", f"{max(times):.2f} s", f"best {min(times):.2f} s; target ≤ {TARGET_S:g} s; "
         f"finished replications kept in DIR.partial/")
    return {"stop_seconds": times, "target_s": TARGET_S}


if __name__ == "__main__":
    run()

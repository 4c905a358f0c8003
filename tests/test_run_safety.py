"""What `hpa` promises about the user's files, interrupted runs and determinism (issue 11), checked as a user
would: the `hpa` command in a child process, black-box, so the tests outlive changes inside the model."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("hpa")
HPA = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "model"]
CLAIMS = ROOT / "tests" / "cases" / "spec" / "claims.csv"
TINY = ["--persons", "2000", "--reps", "6", "--seed", "11"]
LONG = ["--persons", "20000", "--reps", "400", "--seed", "11"]  # minutes of work: always interrupted first
HOUSEHOLDS = """household_id,category,exited_poverty,household_size,household_income,household_consumption,township,village
H1,registered_poor,true,3,9600.00,9100,Anle,Dongcun
H2,dibao,false,2,6000.5,6100,Anle,Xicun
H3,extreme_poor,false,1,4300,4200,Baishui,Nancun
H4,ordinary,false,4,52000,43000,Baishui,Dongcun
"""  # 10 persons
MAY_DIFFER = ("started", "finished", "execution")  # manifest.json: when and how the run was executed


def hpa(*args, cwd: Path, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*HPA, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout, **kwargs)


def start(*args, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([*HPA, *map(str, args)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def refused(done: subprocess.CompletedProcess, *named: str) -> str:
    """Exit 2 and one message naming what it must (never a traceback)."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("hpa: error: "), done.stderr
    for text in named:
        assert text in lines[0], (text, lines[0])
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(folder.rglob("*"))}


def same_run_folder(a: Path, b: Path) -> None:
    """Every file byte for byte, manifest.json but for when and how the run was executed."""
    left, right = snapshot(a), snapshot(b)
    assert sorted(left) == sorted(right)
    for name in left:
        if name == "manifest.json":
            strip = lambda data: {k: v for k, v in json.loads(data).items() if k not in MAY_DIFFER}  # noqa: E731
            assert strip(left[name]) == strip(right[name])
        else:
            assert left[name] == right[name], name


def wait_for_records(folder: Path, process: subprocess.Popen, at_least: int = 1, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while len(list((folder / "replications").glob("r*.json"))) < at_least:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no replication finished in time"
        time.sleep(0.05)


def tree(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def none_left(processes: list[psutil.Process], within: float = 5) -> None:
    deadline = time.monotonic() + within
    while True:
        alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return
        assert time.monotonic() < deadline, f"processes left behind: {[p.pid for p in alive]}"
        time.sleep(0.05)


# 1. Nothing a user owns is replaced ----------------------------------------------------------------------------

def test_out_never_replaces_a_folder_hpa_did_not_make(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("x")
    for command in (["run", "sui_county"], ["compare", "baseline", "sui_county"], ["simulate", "sui_county"],
                    ["sweep", "sui_county", "--vary", "layers.supplementary_ceiling_poor.ceiling.amount=3000,5000"]):
        for force in ([], ["--force"]):
            sizes = ["--persons", "1000"] + ([] if command[0] == "simulate" else ["--reps", "2"])
            refused(hpa(*command, *sizes, "--out", "mine", *force, cwd=tmp_path), "mine", "notes.txt")
    assert (mine / "notes.txt").read_text() == "x" and sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


@pytest.mark.parametrize("out", ["..", ".", "/", "../.."])
def test_current_folder_and_above_are_never_replaced(tmp_path: Path, out: str) -> None:
    inside = tmp_path / "a" / "b"
    inside.mkdir(parents=True)
    (tmp_path / "a" / "keep.txt").write_text("x")
    refused(hpa("run", "sui_county", "--persons", "1000", "--reps", "2", "--out", out, "--force", cwd=inside), out)
    assert (tmp_path / "a" / "keep.txt").read_text() == "x" and list(inside.iterdir()) == []


def test_force_replaces_only_a_folder_hpa_made(tmp_path: Path) -> None:
    args = ("run", "sui_county", "--persons", "1000", "--reps", "2", "--workers", "1", "--out", "r")
    assert hpa(*args, cwd=tmp_path).returncode == 0
    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["created_by"] == "hpa-sim"
    refused(hpa(*args, cwd=tmp_path), "r", "--force")
    assert hpa(*args, "--force", cwd=tmp_path).returncode == 0
    assert hpa("simulate", "sui_county", "--persons", "1000", "--out", "s", cwd=tmp_path).returncode == 0
    assert json.loads((tmp_path / "s" / "manifest.json").read_text())["created_by"] == "hpa-sim"
    refused(hpa("simulate", "sui_county", "--persons", "1000", "--out", "s", cwd=tmp_path), "s", "--force")
    assert hpa("simulate", "sui_county", "--persons", "1000", "--out", "s", "--force", cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r", "s"]  # nothing moved aside was left behind


def test_o_file_replaced_only_with_force_and_never_a_folder(tmp_path: Path) -> None:
    (tmp_path / "pay.csv").write_text("mine")
    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    refused(hpa("adjudicate", "sui_county", CLAIMS, "-o", "pay.csv", cwd=tmp_path), "pay.csv", "--force")
    refused(hpa("population", "sui_county", "--persons", "1000", "-o", "pay.csv", cwd=tmp_path), "pay.csv", "--force")
    assert (tmp_path / "pay.csv").read_text() == "mine"
    for force in ([], ["--force"]):
        refused(hpa("adjudicate", "sui_county", CLAIMS, "-o", "folder", *force, cwd=tmp_path), "folder", "is a folder")
        refused(hpa("adjudicate", "sui_county", CLAIMS, "-o", "notes.txt/pay.csv", *force, cwd=tmp_path), "notes.txt", "is a file")
        refused(hpa("population", "sui_county", "--persons", "1000", "-o", "folder", *force, cwd=tmp_path), "folder")
    assert hpa("adjudicate", "sui_county", CLAIMS, "-o", "pay.csv", "--force", cwd=tmp_path).returncode == 0
    assert (tmp_path / "pay.csv").read_text().startswith("claim_id,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "notes.txt", "pay.csv"]
    assert list((tmp_path / "folder").iterdir()) == []


# 2. A household table sets the persons -------------------------------------------------------------------------

def test_household_table_sets_the_persons_of_run_manifest_and_report(tmp_path: Path) -> None:
    (tmp_path / "households.csv").write_text(HOUSEHOLDS, encoding="utf-8")
    done = hpa("run", "sui_county", "--households", "households.csv", "--reps", "2", "--workers", "1", "--out", "r",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "of 10 persons" in done.stdout and "100,000" not in done.stdout
    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["persons"] == 10
    assert hpa("report", "r", "--lang", "en", cwd=tmp_path).returncode == 0
    page = (tmp_path / "r" / "report.en.html").read_text(encoding="utf-8")
    assert "The simulated population is 10 persons" in page and "100,000 persons" not in page


# 4. The same folder however the run was executed ---------------------------------------------------------------

def test_every_file_is_identical_across_workers_dask_and_resume(tmp_path: Path) -> None:
    args = ("compare", "baseline", "sui_county", *TINY)
    for name, how in (("one", ["--workers", "1"]), ("two", ["--workers", "2"]), ("dask", ["--workers", "2", "--dask", "local"])):
        done = hpa(*args, *how, "--out", name, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    # a run stopped with replications 1, 3 and 5 finished: resumed, the others finish after them
    shutil.copytree(tmp_path / "one", tmp_path / "resumed.partial")
    for r in (0, 2, 4):
        (tmp_path / "resumed.partial" / "replications" / f"r{r:05d}.json").unlink()
    done = hpa(*args, "--workers", "2", "--resume", "--out", "resumed", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("two", "dask", "resumed"):
        same_run_folder(tmp_path / "one", tmp_path / name)


# 5. Ctrl-C and SIGTERM stop quickly and keep what is finished; no worker outlives the run ----------------------

@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_stops_within_seconds_and_keeps_finished_replications(tmp_path: Path, workers: str) -> None:
    process = start("run", "sui_county", *LONG, "--workers", workers, "--out", "r", cwd=tmp_path)
    wait_for_records(tmp_path / "r.partial", process)
    children = tree(process.pid)
    began = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    stopped = time.monotonic() - began
    assert process.returncode == 130, err
    assert stopped < 10, stopped  # ~0.1-1 s (make bench); generous for a loaded machine
    assert "Traceback" not in err and "--resume" in err and "r.partial" in err, err
    assert list((tmp_path / "r.partial" / "replications").glob("r*.json")) and not (tmp_path / "r").exists()
    none_left(children)


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGKILL"])
def test_no_worker_outlives_a_terminated_or_killed_run(tmp_path: Path, stop: str) -> None:
    # replications of a few seconds each: a worker that only noticed between replications would still be there
    process = start("run", "sui_county", "--persons", "150000", "--reps", "100", "--workers", "2", "--out", "r",
                    cwd=tmp_path)
    wait_for_records(tmp_path / "r.partial", process)
    children = tree(process.pid)
    assert children, "the pool's workers"
    process.send_signal(getattr(signal, stop))
    _, err = process.communicate(timeout=60)
    none_left(children, within=1)
    if stop == "SIGTERM":
        assert process.returncode == 143 and "--resume" in err and "Traceback" not in err, err


# 6. Two runs on one folder ---------------------------------------------------------------------------------------

def test_second_run_on_the_same_out_is_refused_and_the_lock_dies_with_its_holder(tmp_path: Path) -> None:
    first = start("run", "sui_county", *LONG, "--workers", "1", "--out", "r", cwd=tmp_path)
    try:
        wait_for_records(tmp_path / "r.partial", first)
        for extra in ([], ["--resume"], ["--force"]):
            refused(hpa("run", "sui_county", *LONG, "--workers", "1", "--out", "r", *extra, cwd=tmp_path),
                    "another hpa run", "r.partial")
    finally:
        first.kill()
        first.communicate()
    done = hpa("run", "sui_county", *TINY, "--workers", "1", "--out", "r", "--force", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


# 7. --dask local and --workers ------------------------------------------------------------------------------------

def _answers_http(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
            connection.settimeout(1)
            return connection.recv(16).startswith(b"HTTP/")
    except OSError:
        return False


def test_dask_local_listens_on_loopback_only_and_serves_no_http(tmp_path: Path) -> None:
    process = start("run", "sui_county", *TINY, "--workers", "2", "--dask", "local", "--out", "r", cwd=tmp_path)
    listening: dict[int, str] = {}
    http = []
    while process.poll() is None:
        for member in [psutil.Process(process.pid)] + tree(process.pid):
            try:
                connections = member.net_connections(kind="inet")
            except psutil.Error:
                continue
            for connection in connections:
                port = connection.laddr.port
                if connection.status == psutil.CONN_LISTEN and port not in listening:
                    listening[port] = connection.laddr.ip
                    if _answers_http(port):
                        http.append(port)
        time.sleep(0.05)
    _, err = process.communicate()
    assert process.returncode == 0, err
    assert listening, "the scheduler was seen listening"
    assert set(listening.values()) == {"127.0.0.1"}, listening
    assert 8787 not in listening and http == [], (listening, http)


def test_workers_above_the_cores_or_replications_are_capped_with_a_note(tmp_path: Path) -> None:
    done = hpa("run", "sui_county", "--persons", "1000", "--reps", "2", "--workers", "64", "--out", "r", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "--workers 64 capped at" in done.stderr
    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["execution"]["workers"] <= min(2, os.cpu_count())


# 8. Output faults: one message, exit 2, nothing written ------------------------------------------------------------

def test_unwritable_output_places_are_refused_with_one_message(tmp_path: Path) -> None:
    if not Path("/proc/self").is_dir():
        pytest.skip("needs /proc (a place nobody may create files in, root included)")
    refused(hpa("adjudicate", "sui_county", CLAIMS, "-o", "/proc/hpa-payments.csv", cwd=tmp_path), "/proc/hpa-payments.csv")
    refused(hpa("run", "sui_county", *TINY, "--out", "/proc/hpa-run", cwd=tmp_path), "/proc/hpa-run")
    refused(hpa("simulate", "sui_county", "--persons", "1000", "--out", "/proc/hpa-one", cwd=tmp_path), "/proc/hpa-one")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [
    ["adjudicate", "sui_county", str(CLAIMS), "-o", "out.csv"],
    ["population", "sui_county", "--persons", "1000", "-o", "out.csv"],
    ["run", "sui_county", *TINY, "--workers", "1", "--out", "out"],
    ["simulate", "sui_county", "--persons", "1000", "--out", "out"],
])
def test_a_full_output_place_is_one_message_and_nothing_written(tmp_path: Path, command: list[str]) -> None:
    # `ulimit -f 1`: no file may grow past 1 KiB, as when the disk is full
    done = subprocess.run(["bash", "-c", 'ulimit -f 1; exec "$@"', "hpa", *HPA, *command], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    refused(done, "out", "cannot write")
    assert list(tmp_path.iterdir()) == []


def test_standard_output_that_cannot_be_written_is_refused_before_work(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([*HPA, "run", "sui_county", *TINY, "--out", "r"], cwd=tmp_path, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=600)
    refused(done, "standard output")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage", ["record", "plan", "foreign record"])
def test_a_damaged_partial_folder_on_resume_is_refused(tmp_path: Path, damage: str) -> None:
    assert hpa("run", "sui_county", *TINY, "--workers", "1", "--out", "done", cwd=tmp_path).returncode == 0
    partial = tmp_path / "r.partial"
    shutil.copytree(tmp_path / "done", partial)
    shutil.rmtree(tmp_path / "done")
    (partial / "replications" / "r00005.json").unlink()
    if damage == "record":
        named = partial / "replications" / "r00002.json"
        named.write_bytes(named.read_bytes()[:100])
    elif damage == "plan":
        named = partial / "plan.json"
        named.write_text("{not json")
    else:
        named = partial / "replications" / "r00003.json"
        named.write_text(json.dumps({"replication": 1, "outcomes": {}}))
    before = snapshot(partial)
    refused(hpa("run", "sui_county", *TINY, "--workers", "1", "--out", "r", "--resume", cwd=tmp_path),
            named.name, "--force")
    assert snapshot(partial) == before and sorted(p.name for p in tmp_path.iterdir()) == ["r.partial"]


# 10. Bad input under `hpa run` leaves nothing behind ----------------------------------------------------------------

def test_a_bad_household_row_leaves_no_partial_folder(tmp_path: Path) -> None:
    (tmp_path / "households.csv").write_text(HOUSEHOLDS + "H5,dibao,false,0,1,1,A,B\n", encoding="utf-8")
    done = hpa("run", "sui_county", "--households", "households.csv", "--reps", "2", "--workers", "2", "--out", "r",
               cwd=tmp_path)
    assert done.returncode == 2 and "line 6" in done.stderr and "household_size" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["households.csv"]


# The fault suite: stopped at a random moment, then resumed: the same folder as an uninterrupted run -------------

@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reference")
    done = hpa("compare", "baseline", "sui_county", *TINY, "--workers", "1", "--out", "r", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder / "r"


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_stopped_at_a_random_moment_then_resumed_gives_the_same_folder(tmp_path: Path, uninterrupted: Path,
                                                                          stop: str, workers: str) -> None:
    moment = random.Random(f"{stop}-{workers}").uniform(0.5, 4.0)
    args = ("compare", "baseline", "sui_county", *TINY, "--workers", workers, "--out", "r")
    process = start(*args, cwd=tmp_path)
    children: set[psutil.Process] = set()
    deadline = time.monotonic() + moment
    while time.monotonic() < deadline and process.poll() is None:
        children.update(tree(process.pid))  # every worker ever started, to check none outlives the run
        time.sleep(0.02)
    process.send_signal(getattr(signal, stop))
    _, err = process.communicate(timeout=60)
    assert "Traceback" not in err, err
    none_left(list(children))
    if not (tmp_path / "r").exists():  # stopped before it finished (else the signal came too late: fine)
        done = hpa(*args, "--resume", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    same_run_folder(uninterrupted, tmp_path / "r")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["r"]

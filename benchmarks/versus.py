"""`python benchmarks/versus.py OLD [NEW]`: `make bench` sections of two commits in the same session, medians and ratios.

Each commit (NEW defaults to HEAD) is checked out into its own temporary `git worktree add --detach` (removed at the
end). Every run of a section is `sys.executable -m benchmarks --section X` with the working directory and
PYTHONPATH that worktree (its own model/ and benchmarks/ code), reading the bench-output/X.json it writes. Runs
alternate between the commits (old, new, new, old, ...) so that a change in the machine's load falls on both.
Every numeric figure of the JSON (nested ones flattened to dotted names) gets its median over the runs and the
new/old ratio; a figure that is more than 10% worse in the new code (time or memory up, a rate down) is flagged.

It also measures, the same way for both commits, the adjudicate figures issue 12 asks for, on one deterministic
1,000,000-row claims file (benchmarks/engine.py's generator, written once by OLD's code, read by both):
- `hpa adjudicate`'s own work in process (`model.cli.main(["adjudicate", ...])` after imports and a warm-up:
  read + validate + settle + write) over `pandas.read_csv` of the same file in the same process (target ≤ 6×);
- the whole `python -m model adjudicate ... -o FILE` command's wall time (target ≤ 1.5 s).

A fix to an old commit's benchmark harness (HARNESS_FIXES: benchmarks/ only, never model/) is applied in its
temporary worktree and printed. `--sections engine,population` and `--runs N` (default 5) choose the size; `--rows N` the claims file's size;
`--no-adjudicate` skips those figures; `--json FILE` writes every run's figures and the medians. Exit 1 if any figure
is flagged. `make versus OLD=211b25a [NEW=HEAD] [SECTIONS=engine,population] [RUNS=5]`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path.cwd()
SECTIONS = ("engine", "population", "care", "scale", "interrupt", "protection", "drivers", "years")
SLOWER = 0.10  # flag a figure more than this much worse in the new code
SCHEME = "x_prefecture"

# Fixes to a commit's benchmark harness (never its model/), applied in its temporary worktree where the text is found:
# (file, text, replacement, why). Printed when applied.
HARNESS_FIXES = (
    ("benchmarks/engine.py", '"-o", str(out)]', '"-o", str(out), "--force"]',
     "the whole-command figure needs --force: the in-process run has already written the -o file (211b25a)"),
    ("benchmarks/interrupt.py", '"--reps", "200",', '"--reps", "2000",',
     "the Ctrl-C run needs replications enough that it cannot finish before its SIGINT (exit 0, 'unexpected end "
     "0'); 2,000 as in the new harness (b3d39d4)"),
)

# run in each commit's worktree: prints one JSON line of seconds
ADJUDICATE_PROBE = r"""
import contextlib, io, json, sys, time
from pathlib import Path
import pandas as pd
from model.cli import main
claims, out, scheme, repeat = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
def adjudicate():
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["adjudicate", scheme, str(claims), "-o", str(out), "--force"])
    if code:
        raise SystemExit(f"hpa adjudicate failed in process (exit {code})")
adjudicate()  # compile (numba cache) and warm the file cache
pd.read_csv(claims)
def best(function):
    times = []
    for _ in range(repeat):
        start = time.perf_counter(); function(); times.append(time.perf_counter() - start)
    return min(times)
print(json.dumps({"in_process_s": best(adjudicate), "pandas_read_csv_s": best(lambda: pd.read_csv(claims))}))
"""


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, check=True, capture_output=True, text=True).stdout.strip()


def child_env(tree: Path, cache: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("HPA_SCENARIOS", "PYTHONPATH")}
    env["PYTHONPATH"] = str(tree)
    env["NUMBA_CACHE_DIR"] = str(cache)
    return env


def flatten(value, prefix: str = "") -> dict[str, float]:
    """Every number in a section's JSON, nested names joined with dots (booleans and text left out)."""
    if isinstance(value, bool):
        return {}
    if isinstance(value, (int, float)):
        return {prefix: float(value)}
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flatten(item, f"{prefix}.{key}" if prefix else str(key)).items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in flatten(item, f"{prefix}.{i}" if prefix else str(i)).items()}
    return {}


def better_when(name: str) -> str:
    """'higher' for rates, 'lower' for times and memory, '' for counts and ratios (reported, not flagged)."""
    leaf = name.rsplit(".", 1)[-1] if not name.rsplit(".", 1)[-1].isdigit() else name
    if "per_s" in leaf:
        return "higher"
    if leaf.endswith(("_s", "seconds", "_mib")) or "seconds" in name or leaf == "s":
        return "lower"
    return ""


def run_section(tree: Path, cache: Path, section: str) -> dict[str, float]:
    output = tree / "bench-output" / f"{section}.json"
    output.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--section", section], cwd=tree,
                          env=child_env(tree, cache), capture_output=True, text=True)
    if done.returncode != 0 or not output.is_file():
        raise RuntimeError(f"{section} failed in {tree}:\n{done.stdout[-1500:]}\n{done.stderr[-3000:]}")
    return flatten(json.loads(output.read_text()))


def run_adjudicate(tree: Path, cache: Path, claims: Path, scratch: Path) -> dict[str, float]:
    env = child_env(tree, cache)
    out = scratch / f"payments-{tree.parent.name}.csv"
    probe = subprocess.run([sys.executable, "-c", ADJUDICATE_PROBE, str(claims), str(out), SCHEME, "3"], cwd=tree,
                           env=env, capture_output=True, text=True)
    if probe.returncode != 0:
        raise RuntimeError(f"adjudicate probe failed in {tree}:\n{probe.stderr[-3000:]}")
    figures = json.loads(probe.stdout.strip().splitlines()[-1])
    command = [sys.executable, "-m", "model", "adjudicate", SCHEME, str(claims), "-o", str(out), "--force"]
    times = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    figures["command_s"] = min(times)
    figures["in_process_over_pandas"] = figures["in_process_s"] / figures["pandas_read_csv_s"]
    return {f"adjudicate.{k}": v for k, v in figures.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old")
    parser.add_argument("new", nargs="?", default="HEAD")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated (default: every section)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each section per commit (default 5)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the adjudicate claims file")
    parser.add_argument("--no-adjudicate", action="store_true", help="skip the adjudicate figures")
    parser.add_argument("--json", type=Path, help="write every run's figures and the medians here")
    args = parser.parse_args(argv)
    sections = [s for s in args.sections.split(",") if s]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"--sections: unknown {', '.join(unknown)}; expected some of {', '.join(SECTIONS)}")
    shas = {"old": git("rev-parse", "--verify", f"{args.old}^{{commit}}"),
            "new": git("rev-parse", "--verify", f"{args.new}^{{commit}}")}
    scratch = Path(tempfile.mkdtemp(prefix="hpa-versus-"))
    trees = {}
    try:
        for label, sha in shas.items():
            trees[label] = scratch / label / "tree"
            git("worktree", "add", "--detach", str(trees[label]), sha)
            print(f"{label} {sha[:12]} in {trees[label]}", flush=True)
            for file, text, replacement, why in HARNESS_FIXES:
                path = trees[label] / file
                if path.is_file() and text in (source := path.read_text(encoding="utf-8")):
                    path.write_text(source.replace(text, replacement), encoding="utf-8")
                    print(f"  {label}: fixed {file}: {why}", flush=True)
        caches = {label: scratch / label / "numba-cache" for label in shas}
        claims = scratch / "claims.csv"
        if not args.no_adjudicate:
            code = ("import sys; from pathlib import Path; from benchmarks.engine import random_claims, write_claims_csv; "
                    "write_claims_csv(Path(sys.argv[1]), random_claims(int(sys.argv[2])))")
            subprocess.run([sys.executable, "-c", code, str(claims), str(args.rows)], cwd=trees["old"],
                           env=child_env(trees["old"], caches["old"]), check=True)
        runs: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
        jobs = [(s, lambda tree, cache, s=s: run_section(tree, cache, s)) for s in sections]
        if not args.no_adjudicate:
            jobs.append(("adjudicate", lambda tree, cache: run_adjudicate(tree, cache, claims, scratch)))
        for name, job in jobs:
            for i in range(args.runs):
                order = ("old", "new") if i % 2 == 0 else ("new", "old")
                for label in order:
                    start = time.perf_counter()
                    for key, value in job(trees[label], caches[label]).items():
                        runs[label].setdefault(key if name == "adjudicate" else f"{name}.{key}", []).append(value)
                    print(f"  {name} run {i + 1}/{args.runs} {label}: {time.perf_counter() - start:.0f} s", flush=True)
        flagged = print_table(runs, shas, args.runs)
        if args.json:
            args.json.write_text(json.dumps({"old": shas["old"], "new": shas["new"], "runs": runs,
                                             "medians": {label: {k: statistics.median(v) for k, v in runs[label].items()}
                                                         for label in runs}}, indent=2) + "\n")
        return 1 if flagged else 0
    finally:
        for tree in trees.values():
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


def print_table(runs: dict[str, dict[str, list[float]]], shas: dict[str, str], n: int) -> list[str]:
    """Print medians, ratios and the issue's adjudicate targets; return the flagged figures."""
    names = sorted(set(runs["old"]) | set(runs["new"]))
    width = max(len(n) for n in names) + 2
    print(f"\nmedians of {n} runs each; old {shas['old'][:12]}, new {shas['new'][:12]}; flagged: more than "
          f"{SLOWER:.0%} worse in the new code\n")
    print(f"{'figure':<{width}}{'old':>14}{'new':>14}{'new/old':>9}")
    flagged = []
    for name in names:
        old, new = (statistics.median(runs[label][name]) if name in runs[label] else None for label in ("old", "new"))
        ratio = new / old if old and new is not None else None
        direction = better_when(name)
        worse = ratio is not None and ((direction == "lower" and ratio > 1 + SLOWER)
                                       or (direction == "higher" and ratio < 1 / (1 + SLOWER)))
        if worse:
            flagged.append(name)

        def cell(v: float | None) -> str:
            return "—" if v is None else f"{v:,.4g}"

        print(f"{name:<{width}}{cell(old):>14}{cell(new):>14}{'—' if ratio is None else f'{ratio:.3f}':>9}"
              f"  {'SLOWER' if worse else ''}{'' if direction else ' (count or ratio)'}")
    adjudicate = {label: {k: statistics.median(v) for k, v in runs[label].items() if k.startswith("adjudicate.")}
                  for label in runs}
    if adjudicate["new"]:
        print("\nissue 12 targets:")
        for label in ("old", "new"):
            figures = adjudicate[label]
            print(f"  {label}: in process / pandas.read_csv {figures['adjudicate.in_process_over_pandas']:.2f}× "
                  f"(target ≤ 6×); hpa adjudicate whole command {figures['adjudicate.command_s']:.2f} s (target ≤ 1.5 s)")
    print(f"\n{len(flagged)} figure(s) more than {SLOWER:.0%} worse: {', '.join(flagged) or 'none'}")
    return flagged


if __name__ == "__main__":
    raise SystemExit(main())

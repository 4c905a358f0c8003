"""`python benchmarks/identical.py OLD NEW`: run a fixed set of hpa commands on two commits and compare every file.

Each commit is checked out into its own fresh temporary `git worktree add --detach` (unique temporary folders, so
several people can run this at once; removed at the end with `git worktree remove --force`). Every command runs
with the invoking Python, `sys.executable -m model ...`, with the working directory a per-commit output folder and
PYTHONPATH = that commit's worktree, so each commit's own `model/` (and `scenarios/`) is used even though the
virtual environment's editable install points elsewhere; the script checks that `model.__file__` really is inside
the worktree before running anything. Inputs that both sides read (the spec cases, the golden cases' claims, the
large random claims file) are written once and given to both commits.

Every output file (and each command's stdout, stderr and exit status) is compared byte for byte, per command:
identical / differs (for text, the line, column and text where the two first differ) / only in one side. Some
things necessarily differ between two commits in two folders at two times; they are masked, and the file is
reported `identical` with the masks named (`-v` lists them):

- `manifest.json` is compared without the keys that record when and by what code a run ran and how it was
  executed (DROPPED_MANIFEST_KEYS: `started`, `finished`, `code_version` (package version, commit, uncommitted
  changes) and `execution` (workers, dask, resumed); see model/runner/store.py `_summary_and_manifest`).
- In text files, PDFs and each member of an .xlsx/.docx: each side's temporary paths (its worktree, its output
  folder) become `<TREE>` / `<OUT>`; its commit (7 to 40 hex digits standing alone; 12 if the first 7 are all digits) `<COMMIT>`; clock times (ISO 8601 date and
  time of day, a PDF's /CreationDate and /ModDate) `<TIME>` (the report prints the manifest's times and commit,
  the workbook and the brief carry document times); a date without a time of day only when it is a day the script
  ran on (UTC or local), `<DATE>` (the brief prints its run's day).
- A zip's (xlsx, docx) entry times are ignored, and said so.
- PNGs are compared byte for byte; one that differs only in its metadata chunks (tEXt/iTXt/zTXt/tIME) is reported
  `metadata-only` with the chunks named, and counts as a difference.

A report runs on a copy of its run folder, and its row lists only the files it wrote or changed. Children run
with PYTHONHASHSEED=0, MPLBACKEND=Agg and one numba cache folder per commit.

`--golden` adds `hpa adjudicate` of every tests/golden/*.yaml case (OLD's cases, an inline scheme written to a
file; about a second each per side). `--quick`: the spec cases, a 100,000-row file under two schemes, one small run
and its report (a few minutes on an idle machine). Exit 0 only if every file is identical. `--json FILE` writes the
summary as JSON; `--keep DIR` keeps the outputs (DIR/old, DIR/new, DIR/inputs). Not part of `make test` (pytest
collects tests/ only). `make identical OLD=211b25a NEW=HEAD [QUICK=1]`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path.cwd()  # the repository the commits are named in: the caller's worktree, not this script's
SCHEMES = ("baseline", "x_prefecture", "maiji_district", "sui_county", "gansu_province_2016")
QUICK_SCHEMES = ("baseline", "x_prefecture")
SHARED_SPEC_CASES = Path("/work/shared/spec/cases")
DROPPED_MANIFEST_KEYS = ("started", "finished", "code_version", "execution")
SEED = "20161"
SMALL = ["--persons", "2000", "--reps", "4", "--seed", SEED, "--workers", "1"]
SWEEP_VARY = "layers.supplementary_ceiling_poor.ceiling.amount=3000,8000"
TEXT_SUFFIXES = {".csv", ".json", ".html", ".txt", ".md", ".yaml", ".yml", ".svg", ".xml", ".tsv"}
PNG_METADATA_CHUNKS = {b"tEXt", b"iTXt", b"zTXt", b"tIME"}


@dataclass
class Command:
    """One hpa command: its name in the table, its arguments (paths relative to the output folder)."""

    name: str
    args: list[str]
    folder: str  # where its outputs go, relative to the per-commit output folder; stdout/stderr/exit go there too
    copy: str | None = None  # a report: this run folder is copied to FOLDER/out first (the run's row stays its own);
    # afterwards the copied files the report left unchanged are removed, so the report's row lists what it wrote


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def child_env(tree: Path, cache: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("HPA_SCENARIOS", "PYTHONPATH")}
    env["PYTHONPATH"] = str(tree)
    env["NUMBA_CACHE_DIR"] = str(cache)  # one compile cache per commit, shared by its commands
    env["PYTHONHASHSEED"] = "0"
    env["MPLBACKEND"] = "Agg"
    return env


def check_imports_from(tree: Path, env: dict, cwd: Path) -> str:
    """`model.__file__` as the child sees it; stop if it is not this commit's worktree."""
    found = subprocess.run([sys.executable, "-c", "import model; print(model.__file__)"], cwd=cwd, env=env,
                           capture_output=True, text=True)
    where = found.stdout.strip()
    if found.returncode != 0 or not Path(where).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"model imported from {where or found.stderr.strip()!r}, not from the worktree {tree}")
    return where


def write_inputs(inputs_root: Path, old_tree: Path, golden_cases: bool) -> list[Command]:
    """The shared input files (from OLD's tree and /work/shared) and the list of commands that use them."""
    import yaml  # the invoking environment's: both sides read the files it writes

    commands: list[Command] = []
    sources = [("tests-cases-spec", old_tree / "tests" / "cases" / "spec")]
    if SHARED_SPEC_CASES.is_dir():
        sources.append(("shared-spec-cases", SHARED_SPEC_CASES))
    seen: list[bytes] = []
    for tag, folder in sources:
        if not (folder / "claims.csv").is_file() or (folder / "claims.csv").read_bytes() in seen:
            continue  # the shared spec cases are usually the same file as tests/cases/spec's copy
        seen.append((folder / "claims.csv").read_bytes())
        target = inputs_root / tag
        target.mkdir(parents=True)
        shutil.copyfile(folder / "claims.csv", target / "claims.csv")
        for expected in sorted(folder.glob("expected_*.csv")):
            scheme = expected.stem.removeprefix("expected_")
            commands.append(Command(f"adjudicate {tag} {scheme}",
                                    ["adjudicate", scheme, str(target / "claims.csv"), "-o", "payments.csv"],
                                    f"adjudicate/{tag}/{scheme}"))
    if golden_cases:
        golden = inputs_root / "golden"
        golden.mkdir()
        for path in sorted((old_tree / "tests" / "golden").glob("*.yaml")):
            case = yaml.safe_load(path.read_text(encoding="utf-8"))
            claims = case["claims"] if case["claims"].endswith("\n") else case["claims"] + "\n"
            (golden / f"{path.stem}.csv").write_text(claims, encoding="utf-8")
            scheme = case["scheme"]
            if not isinstance(scheme, str):
                scheme_path = golden / f"{path.stem}.scheme.yaml"
                scheme_path.write_text(yaml.safe_dump(scheme, allow_unicode=True, sort_keys=False), encoding="utf-8")
                scheme = str(scheme_path)
            commands.append(Command(f"adjudicate golden {path.stem}",
                                    ["adjudicate", scheme, str(golden / f"{path.stem}.csv"), "-o", "payments.csv"],
                                    f"adjudicate/golden/{path.stem}"))
    return commands


def write_random_claims(path: Path, rows: int, tree: Path, cache: Path) -> None:
    """benchmarks/engine.py's random claims (seed 20161), written by OLD's code into one file both sides read."""
    code = ("import sys; from pathlib import Path; from benchmarks.engine import random_claims, write_claims_csv; "
            "write_claims_csv(Path(sys.argv[1]), random_claims(int(sys.argv[2])))")
    done = subprocess.run([sys.executable, "-c", code, str(path), str(rows)], cwd=tree, env=child_env(tree, cache),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"could not write the {rows:,}-row claims file with {tree}'s benchmarks/engine.py:\n"
                         f"{done.stderr[-3000:]}")


def command_list(inputs: Path, spec_commands: list[Command], quick: bool) -> list[Command]:
    big = inputs / ("claims_100k.csv" if quick else "claims_1m.csv")
    commands = list(spec_commands)
    for scheme in QUICK_SCHEMES if quick else SCHEMES:
        commands.append(Command(f"adjudicate {big.name} {scheme}", ["adjudicate", scheme, str(big), "-o", "payments.csv"],
                                f"adjudicate/{big.stem}/{scheme}"))
    commands.append(Command("run", ["run", "baseline", "x_prefecture", *SMALL, "--out", "out"], "run"))
    commands.append(Command("report run", ["report", "out"], "report-run", "run/out"))
    if quick:
        return commands
    commands += [
        Command("simulate", ["simulate", "sui_county", "--persons", "5000", "--seed", SEED, "--out", "out"], "simulate"),
        Command("population", ["population", "baseline", "--persons", "5000", "--seed", SEED, "-o", "persons.csv"],
                "population"),
        Command("population rural_county", ["population", "rural_county", "--persons", "5000", "--seed", SEED,
                                            "-o", "persons.csv", "--describe"], "population-rural"),
        Command("compare --readings", ["compare", *SCHEMES, "--readings", *SMALL, "--out", "out"], "compare"),
        Command("sweep", ["sweep", "sui_county", "--vary", SWEEP_VARY, *SMALL, "--out", "out"], "sweep"),
        Command("report compare", ["report", "out"], "report-compare", "compare/out"),
        Command("report sweep", ["report", "out"], "report-sweep", "sweep/out"),
        Command("report run --lang en", ["report", "out", "--lang", "en"], "report-run-en", "run/out"),
        Command("validate", ["validate", "baseline", "--persons", "5000", "--seed", SEED], "validate"),
    ]
    return commands


def run_commands(label: str, tree: Path, out: Path, cache: Path, commands: list[Command]) -> dict[str, float]:
    """Run every command for one commit; stdout, stderr and exit status are outputs too. Returns seconds each."""
    env = child_env(tree, cache)
    seconds = {}
    for command in commands:
        folder = out / command.folder
        folder.mkdir(parents=True, exist_ok=True)
        if command.copy and (out / command.copy).is_dir():
            shutil.copytree(out / command.copy, folder / "out", symlinks=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "model", *command.args], cwd=folder, env=env, capture_output=True)
        seconds[command.name] = time.perf_counter() - start
        (folder / "stdout.txt").write_bytes(done.stdout)
        (folder / "stderr.txt").write_bytes(done.stderr)
        (folder / "exit.txt").write_text(f"{done.returncode}\n")
        if command.copy:  # keep only what the report wrote or changed: the run's own files are the run's row
            for source in (out / command.copy).rglob("*"):
                copied = folder / "out" / source.relative_to(out / command.copy)
                if source.is_file() and copied.is_file() and copied.read_bytes() == source.read_bytes():
                    copied.unlink()
        print(f"  [{label}] {command.name}: exit {done.returncode}, {seconds[command.name]:.1f} s", flush=True)
    return seconds


# ---------------------------------------------------------------------------------------------- comparison


TIME = re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
PDF_TIME = re.compile(rb"/(CreationDate|ModDate) ?\(D:[0-9+\-Z']+\)")


@dataclass
class Side:
    """What is necessarily different about one side: its folders and its commit, masked before comparing."""

    tree: Path
    out: Path
    sha: str
    run_dates: frozenset[str] = frozenset()  # the days (UTC and local) the script ran on: a brief prints its run's date

    def normalize(self, data: bytes) -> tuple[bytes, list[str]]:
        """Mask this side's temporary paths, its commit, and clock times; say which masks changed anything."""
        masks = []
        for path, token in ((self.tree, b"<TREE>"), (self.out, b"<OUT>")):
            for form in sorted({str(path), str(path.resolve())}, key=len, reverse=True):
                if form.encode() in data:
                    data = data.replace(form.encode(), token)
                    masks.append("paths")
        shortest = 7 if any(c in "abcdef" for c in self.sha[:7]) else 12  # an all-digit prefix could be a number
        data, n = re.subn(rb"(?<![0-9A-Za-z.])" + self.sha[:shortest].encode() + rb"[0-9a-f]{0,%d}(?![0-9A-Za-z])"
                          % (40 - shortest), b"<COMMIT>", data)
        if n:
            masks.append("commit")
        data, n = PDF_TIME.subn(rb"/\1 (<TIME>)", data)
        data, m = TIME.subn(b"<TIME>", data)
        k = 0
        for day in sorted(self.run_dates):
            data, found = re.subn(rb"(?<![0-9])" + day.encode() + rb"(?![0-9])", b"<DATE>", data)
            k += found
        if n or m or k:
            masks.append("times")
        return data, masks


def manifest_bytes(data: bytes) -> bytes:
    try:
        manifest = json.loads(data)
    except ValueError:
        return data
    if isinstance(manifest, dict):
        for key in DROPPED_MANIFEST_KEYS:
            manifest.pop(key, None)
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]] | None:
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    chunks, at = [], 8
    while at + 8 <= len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        kind = data[at + 4:at + 8]
        chunks.append((kind, data[at + 8:at + 8 + length]))
        at += 12 + length
    return chunks


def png_difference(a: bytes, b: bytes) -> str | None:
    """None if the images differ in pixels or structure; else which metadata chunks differ."""
    ca, cb = png_chunks(a), png_chunks(b)
    if ca is None or cb is None:
        return None
    if [c for c in ca if c[0] not in PNG_METADATA_CHUNKS] != [c for c in cb if c[0] not in PNG_METADATA_CHUNKS]:
        return None
    meta_a = [c for c in ca if c[0] in PNG_METADATA_CHUNKS]
    meta_b = [c for c in cb if c[0] in PNG_METADATA_CHUNKS]
    kinds = sorted({c[0].decode() for c in meta_a + meta_b if (c in meta_a) != (c in meta_b)})
    return "PNG pixels identical; metadata chunks differ: " + ", ".join(kinds)


def zip_difference(a: bytes, b: bytes, old: Side, new: Side) -> tuple[str, str]:
    """Two zip files (xlsx, docx) member by member, each member masked as text is."""
    import io

    with zipfile.ZipFile(io.BytesIO(a)) as za, zipfile.ZipFile(io.BytesIO(b)) as zb:
        names_a, names_b = za.namelist(), zb.namelist()
        if names_a != names_b:
            return "differs", (f"members differ: only old {sorted(set(names_a) - set(names_b))}, only new "
                               f"{sorted(set(names_b) - set(names_a))}")
        masks: set[str] = set()
        for name in names_a:
            ma, mb = za.read(name), zb.read(name)
            if ma == mb:
                continue
            (na, ka), (nb, kb) = old.normalize(ma), new.normalize(mb)
            if na != nb:
                return "differs", f"member {name}: {first_difference(na, nb)}"
            masks |= set(ka) | set(kb)
        if any(za.getinfo(n).date_time != zb.getinfo(n).date_time for n in names_a):
            masks.add("zip entry times")
        return "identical", "every member identical after masking " + ", ".join(sorted(masks))


def first_difference(a: bytes, b: bytes) -> str:
    """Where two texts first differ: line, column and some context on both sides."""
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    line = a.count(b"\n", 0, at) + 1
    column = at - (a.rfind(b"\n", 0, at) + 1) + 1
    start = max(a.rfind(b"\n", 0, at) + 1, at - 80)

    def show(data: bytes) -> str:
        return repr(data[start:at + 80].split(b"\n")[0].decode("utf-8", "replace"))

    if at == min(len(a), len(b)):
        return f"line {line}: one side ends ({len(a):,} vs {len(b):,} bytes)"
    return f"line {line}, column {column}: old {show(a)} new {show(b)}"


def compare_file(name: str, a: bytes, b: bytes, old: Side, new: Side) -> tuple[str, str]:
    """(status, detail): identical (detail says what was masked, if anything) / differs / metadata-only."""
    if a == b:
        return "identical", ""
    suffix = Path(name).suffix.lower()
    if suffix == ".png":
        meta = png_difference(a, b)
        if meta:
            return "metadata-only", meta
        return "differs", f"PNG pixels or structure differ ({len(a):,} vs {len(b):,} bytes)"
    if suffix in (".xlsx", ".docx", ".zip"):
        try:
            return zip_difference(a, b, old, new)
        except zipfile.BadZipFile:
            pass
    (na, ka), (nb, kb) = old.normalize(a), new.normalize(b)
    masks = sorted(set(ka) | set(kb))
    if Path(name).name == "manifest.json":
        na, nb = manifest_bytes(na), manifest_bytes(nb)
        masks.insert(0, "keys " + "/".join(DROPPED_MANIFEST_KEYS) + " dropped")
    if na == nb:
        return "identical", "after masking " + ", ".join(masks)
    if suffix in TEXT_SUFFIXES:
        return "differs", first_difference(na, nb)
    at = next((i for i, (x, y) in enumerate(zip(na, nb)) if x != y), min(len(na), len(nb)))
    return "differs", f"binary: first difference at byte {at:,} ({len(a):,} vs {len(b):,} bytes)"


def files_under(folder: Path) -> dict[str, Path]:
    return {str(p.relative_to(folder)): p for p in sorted(folder.rglob("*")) if p.is_file()}


def compare(commands: list[Command], old: Side, new: Side) -> list[dict]:
    rows = []
    for command in commands:
        fa, fb = files_under(old.out / command.folder), files_under(new.out / command.folder)
        files = []
        for name in sorted(set(fa) | set(fb)):
            if name not in fb:
                files.append({"file": name, "status": "only-old", "detail": ""})
                continue
            if name not in fa:
                files.append({"file": name, "status": "only-new", "detail": ""})
                continue
            status, detail = compare_file(name, fa[name].read_bytes(), fb[name].read_bytes(), old, new)
            files.append({"file": name, "status": status, "detail": detail})
        rows.append({"command": command.name, "args": command.args, "folder": command.folder, "files": files,
                     "identical": all(f["status"] == "identical" for f in files)})
    return rows


def print_summary(rows: list[dict], old: str, new: str, verbose: bool) -> None:
    print(f"\nold {old}\nnew {new}\n")
    width = max(len(r["command"]) for r in rows)
    print(f"{'command':<{width}}  {'files':>5}  {'same':>5}  {'differ':>6}  {'meta':>4}  {'1-side':>6}  result")
    for row in rows:
        counts = {s: sum(f["status"] == s for f in row["files"])
                  for s in ("identical", "differs", "metadata-only", "only-old", "only-new")}
        print(f"{row['command']:<{width}}  {len(row['files']):>5}  {counts['identical']:>5}  {counts['differs']:>6}  "
              f"{counts['metadata-only']:>4}  {counts['only-old'] + counts['only-new']:>6}  "
              f"{'identical' if row['identical'] else 'DIFFERS'}")
        for f in row["files"]:
            if f["status"] != "identical" or verbose and f["detail"]:
                print(f"    {f['status']:<13} {f['file']}  {f['detail']}")


def add_worktree(sha: str, parent: Path) -> Path:
    tree = parent / "tree"
    git("worktree", "add", "--detach", str(tree), sha)
    return tree


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--quick", action="store_true", help="spec cases, a 100,000-row file, one small run + report")
    parser.add_argument("--golden", action="store_true",
                        help="also adjudicate every tests/golden case (its inline scheme written to a file)")
    parser.add_argument("--keep", type=Path, help="keep the outputs in this new folder (DIR/old, DIR/new, DIR/inputs)")
    parser.add_argument("--json", type=Path, help="write the summary as JSON to this file")
    parser.add_argument("-v", "--verbose", action="store_true", help="also list identical files that needed a mask")
    args = parser.parse_args(argv)
    old_sha, new_sha = (git("rev-parse", "--verify", f"{c}^{{commit}}") for c in (args.old, args.new))
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=False)
    scratch = Path(tempfile.mkdtemp(prefix="hpa-identical-"))
    base = args.keep.resolve() if args.keep else scratch
    trees: list[Path] = []
    started = time.perf_counter()
    began = time.time()
    try:
        sides = {}
        for label, sha in (("old", old_sha), ("new", new_sha)):
            side = scratch / label
            side.mkdir()
            tree = add_worktree(sha, side)
            trees.append(tree)
            out, cache = base / label, side / "numba-cache"
            out.mkdir(exist_ok=True)
            where = check_imports_from(tree, child_env(tree, cache), out)
            print(f"{label} {sha[:12]}: model from {where}", flush=True)
            sides[label] = (tree, out, cache)
        inputs = base / "inputs"
        inputs.mkdir()
        spec_commands = write_inputs(inputs, sides["old"][0], args.golden)
        rows_in_big = 100_000 if args.quick else 1_000_000
        big = inputs / ("claims_100k.csv" if args.quick else "claims_1m.csv")
        write_random_claims(big, rows_in_big, sides["old"][0], sides["old"][2])
        print(f"inputs in {inputs}: {big.name} {big.stat().st_size / 2**20:,.0f} MiB", flush=True)
        commands = command_list(inputs, spec_commands, args.quick)
        seconds = {label: run_commands(label, *sides[label], commands) for label in ("old", "new")}
        days = frozenset(time.strftime("%Y-%m-%d", clock(moment)) for moment in (began, time.time())
                         for clock in (time.gmtime, time.localtime))
        rows = compare(commands, Side(sides["old"][0], sides["old"][1], old_sha, days),
                       Side(sides["new"][0], sides["new"][1], new_sha, days))
        for row in rows:
            row["seconds"] = {label: round(seconds[label][row["command"]], 2) for label in seconds}
        print_summary(rows, old_sha, new_sha, args.verbose)
        same = all(row["identical"] for row in rows)
        n_files = sum(len(r["files"]) for r in rows)
        verdict = "IDENTICAL" if same else "DIFFERENT"
        print(f"\n{verdict}: {sum(r['identical'] for r in rows)}/{len(rows)} commands, {n_files} files compared "
              f"({'quick' if args.quick else 'full'}, {time.perf_counter() - started:,.0f} s)")
        if args.json:
            args.json.write_text(json.dumps({
                "old": old_sha, "new": new_sha, "quick": args.quick, "identical": same,
                "dropped_manifest_keys": list(DROPPED_MANIFEST_KEYS), "commands": rows}, indent=2) + "\n")
        return 0 if same else 1
    finally:
        for tree in trees:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())

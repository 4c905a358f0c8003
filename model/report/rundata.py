"""A finished run folder read back for reports and notebooks: manifest, summary and tables, checked on the way in."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from model.errors import InputError
from model.scenario.resolve import RENAMED

RUN_FILES = ("manifest.json", "summary.json")
RUN_TABLES = ("replications", "summary_table", "quintiles", "cashflow", "flows")
OPTIONAL_TABLES = ("differences", "sweep")
WRITTEN_BY = "a folder written by hpa run, compare or sweep"


@dataclass
class RunFolder:
    """What a run wrote, with the scenario labels in run order and their display names."""

    folder: Path
    manifest: dict
    summary: dict
    tables: dict[str, pd.DataFrame] = field(repr=False)

    @property
    def kind(self) -> str:
        return self.manifest.get("kind", "run")

    @property
    def labels(self) -> list[str]:
        return list(self.summary["scenarios"])

    @property
    def replications(self) -> int:
        return int(self.manifest.get("replications") or self.summary["scenarios"][self.labels[0]].get("replications", 0))

    @property
    def persons(self) -> int:
        return int(self.manifest.get("persons") or 0)

    @property
    def vary(self) -> list[tuple[str, list[str]]]:
        return [(path, [str(v) for v in values]) for path, values in self.manifest.get("vary") or []]

    def entry(self, label: str) -> dict:
        for scenario in self.manifest.get("scenarios", []):
            if scenario.get("label") == label:
                return scenario
        return {"label": label, "name": {}, "sets": []}

    def varied_values(self, label: str) -> dict[str, str]:
        """For a sweep: the value each varied path takes in this scenario."""
        sets = dict(s.split("=", 1) for s in self.entry(label).get("sets", []) if "=" in s)
        return {path: sets.get(path, "") for path, _ in self.vary}

    def name(self, label: str, lang: str) -> str:
        """What a reader calls the scenario: the scheme's name, or the varied values in a sweep."""
        if self.kind == "sweep" and self.vary:
            shorts = short_paths([path for path, _ in self.vary])
            return ", ".join(f"{shorts[path]}={value}" for path, value in self.varied_values(label).items())
        entry = self.entry(label)
        text = (entry.get("name") or {}).get(lang) or label
        if entry.get("sets"):
            text += " (" + ", ".join(entry["sets"]) + ")"
        others = [other for other in self.labels if other != label]
        if any(((self.entry(o).get("name") or {}).get(lang) or o) == (entry.get("name") or {}).get(lang) and
               self.entry(o).get("sets") == entry.get("sets") for o in others):
            text += f" [{label}]"
        return text

    def names(self, lang: str) -> dict[str, str]:
        return {label: self.name(label, lang) for label in self.labels}

    def stats(self, label: str, metric: str) -> dict[str, float | None]:
        return self.summary["scenarios"][label]["metrics"].get(metric) or {}

    def values(self, label: str, metric: str) -> np.ndarray:
        """One value a replication, in replication order (yuan a year for money)."""
        table = self.tables["replications"]
        rows = table[table["scenario"] == label].sort_values("replication")
        if metric not in rows.columns:
            return np.full(len(rows), np.nan)
        return rows[metric].to_numpy(dtype=float)


def short_paths(paths: list[str]) -> dict[str, str]:
    """The last part of each dotted path, with as many parts before it as keep them apart."""
    shorts = {}
    for path in paths:
        parts = path.split(".")
        for keep in range(1, len(parts) + 1):
            candidate = ".".join(parts[-keep:])
            if all(not other.endswith(candidate) or other == path for other in paths):
                break
        shorts[path] = candidate
    return shorts


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: expected the JSON written by hpa run, found unreadable text ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data


def _read_table(folder: Path, name: str) -> pd.DataFrame | None:
    parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
    try:
        if parquet.is_file():
            return pd.read_parquet(parquet)
        if csv.is_file():
            return pd.read_csv(csv)
    except Exception as exc:  # pyarrow and pandas raise many kinds for a damaged file
        raise InputError(f"{parquet if parquet.is_file() else csv}: expected a table written by hpa run, "
                         f"found one that cannot be read ({exc})") from None
    return None


def load_run(folder: Path) -> RunFolder:
    """Read a run folder; a missing folder or missing parts are one InputError naming them all."""
    folder = Path(folder)
    if not folder.exists():
        raise InputError(f"{folder}: no such folder; expected {WRITTEN_BY}")
    if not folder.is_dir():
        raise InputError(f"{folder}: expected {WRITTEN_BY}, found a file")
    missing = [name for name in RUN_FILES if not (folder / name).is_file()]
    missing += [f"{name}.parquet (or .csv)" for name in RUN_TABLES
                if not (folder / f"{name}.parquet").is_file() and not (folder / f"{name}.csv").is_file()]
    if missing:
        hint = ""
        if folder.name.endswith(".partial") or (folder / "plan.json").is_file() and "manifest.json" in missing:
            hint = "; it looks like an unfinished run: finish it with the same command and --resume"
        raise InputError(f"{folder}: not a finished run folder ({WRITTEN_BY}): missing {', '.join(missing)}{hint}")
    manifest = _read_json(folder / "manifest.json")
    summary = _read_json(folder / "summary.json")
    scenarios = summary.get("scenarios")
    if not isinstance(scenarios, dict) or not scenarios:
        raise InputError(f"{folder / 'summary.json'}: expected a 'scenarios' object with at least one scenario, "
                         f"found {type(scenarios).__name__ if scenarios is not None else 'none'}")
    renamed = [entry.get("id") for entry in manifest.get("scenarios", [])
               if isinstance(entry, dict) and entry.get("id") in RENAMED]
    if renamed:  # settled under an earlier spec version, with a scheme id since renamed
        raise InputError(f"{folder}: made with scheme {renamed[0]!r}, renamed {RENAMED[renamed[0]]!r} in spec version 2 "
                         f"(whose rules changed too): run it again with {RENAMED[renamed[0]]}")
    known = [s.get("label") for s in manifest.get("scenarios", []) if isinstance(s, dict)]
    if sorted(known) != sorted(scenarios):
        raise InputError(f"{folder}: manifest.json and summary.json disagree on the scenarios: "
                         f"manifest has {', '.join(map(str, known)) or 'none'}, summary has {', '.join(scenarios)}")
    tables = {name: _read_table(folder, name) for name in RUN_TABLES + OPTIONAL_TABLES}
    tables = {name: table for name, table in tables.items() if table is not None}
    for name in ("replications", "quintiles", "cashflow", "flows"):
        if "scenario" not in tables[name].columns:
            raise InputError(f"{folder / (name + '.parquet')}: expected a 'scenario' column, found columns "
                             f"{', '.join(map(str, tables[name].columns))}")
    return RunFolder(folder, manifest, summary, tables)

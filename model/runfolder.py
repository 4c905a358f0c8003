"""A run folder (hpa run, compare, sweep): its file names, the statistics written there, and the code that
writes and reads them. The runner writes a folder with it; the report, county, brief and planner read it back.

DIR/ holds manifest.json, summary.json, one table a kind (CSV and Parquet: replications, summary_table,
quintiles, cashflow, flows; differences for compare, sweep for sweep) and figures/ (drawn by model/report).
While it runs, DIR.partial/ holds plan.json and one record a finished replication (replications/r00000.json).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model import atomic
from model.codes import LEVELS, PAYERS
from model.errors import InputError
from model.outcomes.metrics import CORE_METRICS, Outcome
from model.scenario.resolve import RENAMED
from model.tables import csv_bytes

if TYPE_CHECKING:
    from model.runner.plan import RunPlan

MANIFEST, SUMMARY, PLAN = "manifest.json", "summary.json", "plan.json"
RUN_FILES = (MANIFEST, SUMMARY)
RUN_TABLES = ("replications", "summary_table", "quintiles", "cashflow", "flows")
OPTIONAL_TABLES = ("differences", "sweep")
FIGURES = "figures"  # DIR/figures/: the report package's PNGs (model/report/figures.draw_run_figures)
RECORDS = "replications"  # DIR.partial/replications/: one record a finished replication
COUNTY_FILE = "county.json"  # hpa run --county: what the profile set, beside manifest.json
PARTIAL = ".partial"  # DIR.partial: the folder being written, renamed DIR once complete
WRITTEN_BY = "a folder written by hpa run, compare or sweep"
DRIVERS, DRIVERS_INFO = "drivers.csv", "drivers.json"  # hpa drivers: what drives a metric, beside the run's files
DRIVERS_LABELS = {"zh": "label_zh", "en": "label_en"}  # drivers.csv: a parameter's label, one column a language
VALIDATION, VALIDATION_TEXT = "validation.json", "validation.txt"  # hpa validate --into: its checks, beside the run's files

STATISTICS = ("mean", "sd", "p5", "p50", "p95", "p99")
# Beside each of these percentiles, its Monte Carlo standard error (Maritz–Jarrett), as NAME_se.
STANDARD_ERRORS = ("p50", "p95", "p99")


def metric_names(records: dict[int, dict[str, Outcome]]) -> list[str]:
    """Every metric of any replication's outcomes, in the order first met (the columns of replications.csv)."""
    names: dict[str, None] = {}
    for outcomes in records.values():
        for result in outcomes.values():
            names.update(dict.fromkeys(result.metrics))
    return list(names)


def record_name(replication: int) -> str:
    """The file of one finished replication's record in DIR.partial/replications/."""
    return f"r{replication:05d}.json"


# -- writing -----------------------------------------------------------------------------------------------------

def clean(value):
    """JSON without NaN: NaN and infinities become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.generic):
        return clean(value.item())
    return value


def dumps(value) -> str:
    """The JSON of a run folder: indented, UTF-8 text, NaN written as null."""
    return json.dumps(clean(value), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def outcome_to_json(outcome: Outcome) -> dict:
    """One scenario's outcome in a replication record."""
    return asdict(outcome)


def outcome_from_json(data: dict) -> Outcome:
    """A replication record's outcome read back (null metrics as NaN)."""
    metrics = {k: (float("nan") if v is None else v) for k, v in data["metrics"].items()}
    return Outcome(metrics, data["quintiles"], data["monthly"], data["engine"], data["flows"])


def write_outputs(folder: Path, plan: RunPlan, labels: list[str], records: dict[int, dict[str, Outcome]],
                  summary: dict, manifest: dict) -> None:
    """The finished folder's manifest, summary and tables (every table averages in replication order)."""
    atomic.write_text(folder / MANIFEST, dumps(manifest))
    atomic.write_text(folder / SUMMARY, dumps(summary))
    order = sorted(records)
    names = metric_names(records)
    rows = {"scenario": [], "replication": []} | {name: [] for name in names}
    for label in labels:
        for r in order:
            rows["scenario"].append(label)
            rows["replication"].append(r)
            for name in names:
                rows[name].append(records[r][label].metrics.get(name, float("nan")))
    write_table(folder, "replications", pa.table(rows))
    write_table(folder, "summary_table", _summary_table(summary))
    write_table(folder, "quintiles", _quintile_table(labels, records))
    write_table(folder, "cashflow", _cashflow_table(labels, records))
    write_table(folder, "flows", _flows_table(labels, records))
    if "differences" in summary:
        write_table(folder, "differences", _summary_table({"scenarios": summary["differences"]}))
    if plan.kind == "sweep":
        write_table(folder, "sweep", _sweep_table(plan, summary))


def write_table(folder: Path, name: str, table: pa.Table) -> None:
    """NAME.csv and NAME.parquet in the folder."""
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


# -- reading -----------------------------------------------------------------------------------------------------


def read_county_record(folder: Path) -> dict | None:
    """A county run's county.json (what its profile set), or None for a folder that has none or cannot be read."""
    path = Path(folder) / COUNTY_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def read_validation(folder: Path) -> dict | None:
    """The checks `hpa validate --into` wrote into a run folder (validation.json), or None for a folder that has none
    or cannot be read."""
    path = Path(folder) / VALIDATION
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("checks"), list) else None


def read_drivers(folder: Path) -> pd.DataFrame | None:
    """The drivers table `hpa drivers` wrote into a run folder, or None when the folder has none.

    Parameters
    ----------
    folder : Path
        A run folder (or the folder `hpa drivers` is writing).

    Returns
    -------
    pandas.DataFrame or None
        drivers.csv: one row a parameter and statistic (mean, p95); S1, ST and their 95% half-widths
        (dimensionless), low/high in fen; the parameter's label in `label_zh` and `label_en`. A table written
        before the labels had a column a language (one `label` column, '中文 / English') is read into the two.
    """
    path = Path(folder) / DRIVERS
    if not path.is_file():
        return None
    table = pd.read_csv(path, dtype={column: str for column in ("label", *DRIVERS_LABELS.values())})
    if "label" in table and DRIVERS_LABELS["zh"] not in table:
        parts = table.pop("label").str.split(" / ")
        table[DRIVERS_LABELS["zh"]], table[DRIVERS_LABELS["en"]] = parts.str[0], parts.str[-1]
    return table


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
        shown = [s for s in entry.get("sets") or [] if s not in self.county_sets]  # a county's own: in its brief
        if shown:
            text += " (" + ", ".join(shown) + ")"
        others = [other for other in self.labels if other != label]
        if any(((self.entry(o).get("name") or {}).get(lang) or o) == (entry.get("name") or {}).get(lang) and
               self.entry(o).get("sets") == entry.get("sets") for o in others):
            text += f" [{label}]"
        return text

    @cached_property
    def validation(self) -> dict | None:
        """The checks `hpa validate --into` wrote beside the run's files (validation.json), read once; None when
        there are none."""
        return read_validation(self.folder)

    @property
    def county_sets(self) -> list[str]:
        """The --set options a county profile made (hpa run --county), listed in the folder's county.json."""
        return list((read_county_record(self.folder) or {}).get("sets") or [])

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

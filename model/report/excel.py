"""report.xlsx for finance staff who work in Excel: summary.json's numbers, unrounded, and the run's other tables.

Sheets: the summary, per-payer outlays and funding, the budget headline, quintiles, monthly cash flow, referral
flows, differences or sweep, the manifest and the scheme parameters with their sources."""

from __future__ import annotations

import contextlib
import io
import json
import math

import pandas as pd

from model.codes import PAYERS
from model.outcomes.protection import PROTECTION_METRICS
from model.report import analysis
from model.report.labels import GOVERNMENT_LEVELS, metric_kind, metric_label, payer_label
from model.report.scheme_table import scheme_parameters
from model.runfolder import RunFolder
from model.report.texts import LANGUAGES, entries, words
from model.runner.summary import STATISTICS

# Sheets, column titles and units are the catalogue's group `excel` (texts.yaml); sheet names keep to Excel's
# 31 characters, none of []:*?/\.
PAYER_GROUPS = {  # per-payer sheet: group key → its metrics
    "outlay": [f"outlay_{p}" for p in PAYERS] + ["oop", "total_cost"],
    "funding": ["funding_province", "funding_prefecture", "funding_county", "funding_bmi_fund", "funding_insurer",
                "funding_hospital", "funding_households", "funding_charity"],
    "subsidy": [f"subsidy_{level}" for level in GOVERNMENT_LEVELS],
    "budget": [f"budget_{level}" for level in GOVERNMENT_LEVELS],
    "premium": [f"premium_{p}" for p in PAYERS] + ["premium_individual", "premium_households"],
}


def _texts(lang: str) -> dict:
    return words("excel", lang)


def _statistics_columns(lang: str, group: str) -> list[str]:
    """The summary and per-payer sheets' columns: the leading ones, the six statistics, then words for people."""
    t = _texts(lang)
    columns = t[group]
    leading = ["scenario", "metric"] if group == "summary_columns" else ["scenario", "group", "metric"]
    return ([columns[key] for key in leading] + [t["statistics"][s] for s in STATISTICS]
            + [columns["name"], columns["unit"], columns["scheme_name"]])


SHEETS = entries("excel")["sheets"]  # {key: {"zh": ..., "en": ...}}
SUMMARY_COLUMNS = {lang: _statistics_columns(lang, "summary_columns") for lang in LANGUAGES}
PAYER_COLUMNS = {lang: _statistics_columns(lang, "payer_columns") for lang in LANGUAGES}

MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.00%"
COUNT_FORMAT = "#,##0.##"


def _cell(value):
    """None and NaN become empty cells; numpy scalars become Python numbers."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _unit(metric: str, lang: str) -> str:
    return _texts(lang)["units"][metric_kind(metric)]


def _format(metric: str) -> str:
    kind = metric_kind(metric)
    return RATE_FORMAT if kind in ("rate", "ratio") else COUNT_FORMAT if kind == "count" else MONEY_FORMAT


def _sheet(workbook, key: str, lang: str, headers: list[str], widths: list[int] | None = None):
    sheet = workbook.create_sheet(SHEETS[key][lang])
    sheet.append(headers)
    from openpyxl.styles import Alignment, Font, PatternFill

    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F7")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[_column(index)].width = width
    return sheet


def _column(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _statistics_rows(sheet, entries, lang: str, names: dict[str, str], first_stat_column: int) -> None:
    """Rows of (leading cells, metric, stats); statistics from `first_stat_column` (1-based) get the metric's format."""
    for leading, metric, stats in entries:
        row = leading + [_cell(stats.get(s)) for s in STATISTICS]
        row += [metric_label(metric, lang), _unit(metric, lang), names.get(leading[0], leading[0])]
        sheet.append(row)
        for offset in range(len(STATISTICS)):
            sheet.cell(sheet.max_row, first_stat_column + offset).number_format = _format(metric)


def _table_sheet(workbook, key: str, lang: str, frame: pd.DataFrame, formats: dict[str, str]) -> None:
    known = _texts(lang)["columns"]
    titles = [known.get(str(c), str(c)) for c in frame.columns]
    sheet = _sheet(workbook, key, lang, titles, [max(10, min(40, len(title) * (2 if lang == "zh" else 1) + 4))
                                                 for title in titles])
    for row in frame.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    for index, column in enumerate(frame.columns, start=1):
        if column in formats:
            for cells in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cells[0].number_format = formats[column]
    sheet.auto_filter.ref = sheet.dimensions


def workbook_bytes(run: RunFolder, lang: str) -> bytes:
    """report.xlsx of a run in one language: the summary, the scheme parameters and the tables behind the
    figures, one sheet each.

    Parameters
    ----------
    run : RunFolder
        The run folder read back.
    lang : {'zh', 'en'}
        The language of headers and names.

    Returns
    -------
    bytes
        The workbook (xlsx).
    """
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    names = run.names(lang)

    summary = _sheet(workbook, "summary", lang, SUMMARY_COLUMNS[lang], [26, 28] + [18] * 6 + [40, 14, 40])
    entries = [([label, metric], metric, stats) for label, entry in run.summary["scenarios"].items()
               for metric, stats in entry["metrics"].items()]
    _statistics_rows(summary, entries, lang, names, 3)
    summary.auto_filter.ref = summary.dimensions

    payers = _sheet(workbook, "payers", lang, PAYER_COLUMNS[lang], [26, 14, 24] + [18] * 6 + [44, 12, 40])
    entries = []
    for label, entry in run.summary["scenarios"].items():
        for group, metrics in PAYER_GROUPS.items():
            for metric in metrics:
                if metric in entry["metrics"]:
                    entries.append(([label, _texts(lang)["payer_groups"][group], metric], metric, entry["metrics"][metric]))
    _statistics_rows(payers, entries, lang, names, 4)
    payers.auto_filter.ref = payers.dimensions

    headline = analysis.budget_headline(run).assign(item="ma_backstop")
    levels = analysis.government_levels(run)
    levels = levels.assign(item=levels["level"].map(lambda level: "government_budget" if level == "total"
                                                    else f"budget_{level}"))
    rows = pd.concat([headline[["scenario", "item", "mean", "p50", "p95", "p99"]],
                      levels[["scenario", "item", "mean", "p50", "p95", "p99"]]], ignore_index=True)
    rows.insert(2, "name", [metric_label(item, lang) for item in rows["item"]])
    rows.insert(1, "scheme", [names[label] for label in rows["scenario"]])
    rows.columns = list(_texts(lang)["headline_columns"].values())
    _table_sheet(workbook, "headline", lang, rows, {c: MONEY_FORMAT for c in rows.columns[4:]})

    quintiles = run.tables["quintiles"]
    _table_sheet(workbook, "quintiles", lang, quintiles,
                 {c: RATE_FORMAT for c in PROTECTION_METRICS if c in quintiles.columns}
                 | {"oop_per_household": MONEY_FORMAT, "income_per_person_upper": MONEY_FORMAT})
    cashflow = run.tables["cashflow"].copy()
    cashflow.insert(3, "payer_name", [payer_label(p, lang) for p in cashflow["payer"]])
    _table_sheet(workbook, "cashflow", lang, cashflow, {c: MONEY_FORMAT for c in cashflow.columns if c.endswith(
        ("_mean", "_p95"))})
    _table_sheet(workbook, "flows", lang, run.tables["flows"], {"admissions_mean": COUNT_FORMAT})
    if "differences" in run.tables:
        differences = _sheet(workbook, "differences", lang, SUMMARY_COLUMNS[lang], [34, 28] + [18] * 6 + [40, 14, 40])
        entries = [([label, metric], metric, stats) for label, entry in run.summary.get("differences", {}).items()
                   for metric, stats in entry["metrics"].items()]
        pairs = {label: " − ".join(names.get(part, part) for part in label.split(" - ", 1))
                 for label in run.summary.get("differences", {})}
        _statistics_rows(differences, entries, lang, pairs, 3)
    if "sweep" in run.tables:
        _table_sheet(workbook, "sweep", lang, run.tables["sweep"], {c: "General" for c in ("p50", "p95", "mean")})

    manifest = _sheet(workbook, "manifest", lang, list(_texts(lang)["manifest_columns"].values()), [36, 100])
    for key, value in _flatten(run.manifest):
        manifest.append([key, value])

    parameters = _sheet(workbook, "parameters", lang, list(_texts(lang)["parameter_columns"].values()),
                        [26, 18, 30, 40, 40, 90])
    for scheme in scheme_parameters(run):
        if scheme.error:
            parameters.append([scheme.label, "", "", "", "", scheme.error])
            continue
        for layer in scheme.layers:
            parameters.append([scheme.label, "layers", layer.id, "(layer)", layer.name.get(lang) or "",
                               layer.source])
            for value in layer.values:
                parameters.append([scheme.label, "layers", layer.id, value.path, value.value, value.source])
        for value in scheme.rules + scheme.shared:
            parameters.append([scheme.label, value.section, "", value.path, value.value, value.source])
    parameters.auto_filter.ref = parameters.dimensions

    buffer = io.BytesIO()
    with _exact_numbers():
        workbook.save(buffer)
    return buffer.getvalue()


@contextlib.contextmanager
def _exact_numbers():
    """openpyxl writes a float with 16 significant digits, which can change its last bit; summary.json's numbers
    must read back equal, so while saving a float is written as Python's shortest exact form (repr)."""
    from openpyxl.cell import _writer

    original = _writer.safe_string

    def exact(value):
        if isinstance(value, float) and math.isfinite(value):
            return repr(value)
        return original(value)

    _writer.safe_string = exact
    try:
        yield
    finally:
        _writer.safe_string = original


def _flatten(value, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [item for key, inner in value.items()
                for item in _flatten(inner, f"{prefix}.{key}" if prefix else str(key))]
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return [item for index, inner in enumerate(value) for item in _flatten(inner, f"{prefix}[{index}]")]
    if isinstance(value, list):
        return [(prefix, json.dumps(value, ensure_ascii=False))]
    return [(prefix, "" if value is None else value if isinstance(value, (int, float, str, bool)) else str(value))]

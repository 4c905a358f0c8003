"""The report's multi-year section (hpa run/compare/sweep --years N): trajectories with bands, returns to poverty
by scheme, and what a change of rules (such as the transition period's phase-down) saves and costs in returns."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from model.report.blocks import Paragraph, ReportFigure, Section, Spanned, Table, figure_block
from model.report.labels import metric_label
from model.report.numbers import metric_value, number, percent, signed, wan
from model.report.texts import words

TRAJECTORIES = ("poor_share_end", "returned_to_poverty", "became_poor", "poverty_funds_by_year")
PERIOD_SHOWN = ("exited_poverty", "returned_to_poverty", "returned_due_to_illness", "became_poor",
                "became_poor_due_to_illness", "poor_due_to_illness_share", "entries_due_to_illness_share",
                "entries_via_lost_work_share",
                "entries_via_bills_share", "lifted_to_line", "debt_per_household")
FUNDS = ("outlay_bmi", "outlay_cii", "outlay_ma", "outlay_backstop", "outlay_supplementary", "outlay_hospital")
POVERTY_FUNDS = ("outlay_ma", "outlay_backstop", "outlay_supplementary", "outlay_hospital")

def has_years(summary: dict) -> bool:
    """Whether a run's summary.json holds multi-year results (a `by_year` entry under any scenario).

    Parameters
    ----------
    summary : dict
        summary.json as read.

    Returns
    -------
    bool
    """
    return any("by_year" in entry for entry in summary.get("scenarios", {}).values())


def _stat(entry: dict, metric: str, statistic: str):
    value = (entry.get("metrics", {}).get(metric) or {}).get(statistic)
    return float("nan") if value is None else value


def trajectories(summary: dict) -> dict[str, dict[str, dict[str, list[float]]]]:
    """{metric: {label: {"years", "mean", "p5", "p95"}}} of the by_year metrics (poverty funds summed)."""
    result: dict = {}
    for label, entry in summary["scenarios"].items():
        years = sorted(entry.get("by_year", {}))
        for metric in TRAJECTORIES:
            series = {"years": [int(y) for y in years], "mean": [], "p5": [], "p95": []}
            for year in years:
                own = entry["by_year"][year]
                for statistic in ("mean", "p5", "p95"):
                    if metric == "poverty_funds_by_year":
                        # sums of percentiles bound the sum's percentile loosely; means add exactly
                        value = sum(_stat(own, m, statistic) for m in POVERTY_FUNDS)
                    else:
                        value = _stat(own, metric, statistic)
                    series[statistic].append(value)
            result.setdefault(metric, {})[label] = series
    return result


def trajectory_figure(summary: dict, names: Mapping[str, str], lang: str):
    """The multi-year trajectories: one panel a metric, one line a scheme, year by year.

    Parameters
    ----------
    summary : dict
        summary.json of a multi-year run.
    names : mapping of str to str
        Scenario label → display name.
    lang : {'zh', 'en'}
        The language of titles and axes.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from model.report.figures import new_figure

    data = trajectories(summary)
    figure = new_figure(9.0, 6.4)
    axes = figure.subplots(2, 2).ravel()
    for ax, metric in zip(axes, TRAJECTORIES):
        for label, series in data[metric].items():
            scale = 1e4 if metric == "poverty_funds_by_year" else 0.01
            mean = np.array(series["mean"]) / scale
            ax.plot(series["years"], mean, marker="o", label=names.get(label, label))
            ax.fill_between(series["years"], np.array(series["p5"]) / scale, np.array(series["p95"]) / scale, alpha=0.2)
        t = words("years", lang)
        title = t["poverty_funds_title"] if metric == "poverty_funds_by_year" else metric_label(metric, lang)
        unit = t["poverty_funds_unit"] if metric == "poverty_funds_by_year" else "%"
        ax.set_title(f"{title} ({unit})", fontsize=9)
        ax.set_xticks(data[metric][next(iter(data[metric]))]["years"])
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=7)
    return figure


def period_rows(summary: dict, names: Mapping[str, str], lang: str) -> tuple[list[str], list[list[str]]]:
    """The period table: each scheme's mean over the period of the multi-year outcomes (money in 万元, rates in %).

    Parameters
    ----------
    summary : dict
        summary.json of a multi-year run.
    names : mapping of str to str
        Scenario label → display name.
    lang : {'zh', 'en'}

    Returns
    -------
    tuple
        (headers, rows) of formatted cells.
    """
    labels = list(summary["scenarios"])
    headers = [words("years", lang)["scheme"]] + [metric_label(m, lang) for m in PERIOD_SHOWN]
    rows = []
    for label in labels:
        entry = summary["scenarios"][label]
        rows.append([names.get(label, label)] + [number(_stat(entry, m, "mean")) if m == "debt_per_household"
                                                  else metric_value(m, _stat(entry, m, "mean")) for m in PERIOD_SHOWN])
    return headers, rows


def by_year_rows(summary: dict, names: Mapping[str, str], lang: str) -> tuple[list[str], list[list]]:
    """The year-by-year table: each scheme's transitions into and out of poverty, one row a year (shares of
    households, in %).

    Parameters and returns as period_rows.
    """
    shown = ("exited_poverty", "returned_to_poverty", "became_poor", "poor_due_to_illness_share",
             "entries_due_to_illness_share", "poor_share_end",
             "monitored_share", "lifted_to_line")
    headers = [words("years", lang)["scheme"], words("years", lang)["year"]] + [metric_label(m, lang) for m in shown]
    rows = []
    for label, entry in summary["scenarios"].items():
        years = sorted(entry.get("by_year", {}))
        for index, year in enumerate(years):
            own = entry["by_year"][year]
            rows.append([Spanned(names.get(label, label), len(years)) if index == 0 else None, year]
                        + [f"{percent(_stat(own, m, 'mean'))} ({percent(_stat(own, m, 'p5'))}–{percent(_stat(own, m, 'p95'))})"
                           for m in shown])
    return headers, rows


def fund_rows(summary: dict, names: Mapping[str, str], lang: str) -> tuple[list[str], list[list]]:
    """The funds table: each scheme's outlays by fund, one row a year (万元), and the backstop fund's balance
    when the run carried one.

    Parameters and returns as period_rows.
    """
    headers = [words("years", lang)["scheme"], words("years", lang)["year"]] + [metric_label(m, lang) for m in FUNDS]
    extra = "backstop_balance" in next(iter(summary["scenarios"].values()))["metrics"]
    if extra:
        headers.append(metric_label("backstop_balance", lang))
    rows = []
    for label, entry in summary["scenarios"].items():
        years = sorted(entry.get("by_year", {}))
        parts = [(year, entry["by_year"][year]) for year in years] + [(words("years", lang)["period"], entry)]
        for index, (year, own) in enumerate(parts):
            cells = [f"{wan(_stat(own, m, 'p50'))} ({wan(_stat(own, m, 'p95'))})" for m in FUNDS]
            if extra:
                cells.append(f"{wan(_stat(own, 'backstop_balance', 'p50'))} ({wan(_stat(own, 'backstop_balance', 'p5'))})")
            rows.append([Spanned(names.get(label, label), len(parts)) if index == 0 else None, year] + cells)
    return headers, rows


def difference_rows(summary: dict, lang: str) -> tuple[list[str], list[list]]:
    """The differences between compared schemes over the period: mean (P5…P95), signed (money in 万元, rates in
    percentage points).

    Parameters
    ----------
    summary : dict
        summary.json of a multi-year compare.
    lang : {'zh', 'en'}

    Returns
    -------
    tuple
        (headers, rows) of formatted cells.
    """
    shown = ("returned_to_poverty", "became_poor", "poor_due_to_illness_share", "entries_due_to_illness_share") \
        + POVERTY_FUNDS + ("oop",)
    headers = [words("years", lang)["difference"]] + [metric_label(m, lang) for m in shown]
    rows = []
    for pair, entry in summary.get("differences", {}).items():
        rows.append([pair] + [f"{signed(m, _stat(entry, m, 'mean'))} ({signed(m, _stat(entry, m, 'p5'))}…{signed(m, _stat(entry, m, 'p95'))})"
                              for m in shown])
    return headers, rows


def section(run, lang: str, figure_number: int):
    """The multi-year section (an Section, with its figure), or None for a one-year run."""
    from model.report.figures import png_bytes

    summary = run.summary
    if not has_years(summary):
        return None
    t = words("years", lang)
    names = run.names(lang)
    blocks: list = [Paragraph(t["lead"])]
    figure = ReportFigure("years", png_bytes(trajectory_figure(summary, names, lang)))
    blocks.append(figure_block(figure_number, figure, lang, lead=t["caption"]))
    headers, rows = by_year_rows(summary, names, lang)
    blocks.append(Table(headers, rows, css="years", numeric_from=2))
    headers, rows = period_rows(summary, names, lang)
    blocks.append(Table(headers, rows, css="years"))
    blocks.append(Paragraph(t["illness_note"], "note"))
    blocks.append(Paragraph(t["comparators"], "note"))
    headers, rows = difference_rows(summary, lang)
    if rows:
        blocks.append(Table(headers, rows, css="years"))
    headers, rows = fund_rows(summary, names, lang)
    blocks.append(Paragraph(t["funds"]))
    blocks.append(Table(headers, rows, css="years", numeric_from=2))
    return Section("years", t["title"], blocks)

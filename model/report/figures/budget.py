"""Figures of money: a payer's yearly exposure (P50/P95/P99), the settlement waterfall, who funds it by level of
government, and the monthly cash repaid to hospitals."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from model.report.figures.canvas import (
    LEVEL_COLORS, LIST_SEPARATOR, PAYER_COLORS, PERCENTILE_STYLE, SCENARIO_COLORS, WAN, WAN_AXIS, figure_text, grid,
    new_figure, note_under, or_nan, save, scenario_name, thousands,
)
from model.report.labels import GOVERNMENT_LEVELS, metric_label, metric_names, payer_label
from model.report.texts import entries


def exposure_figure(values_by_scenario: Mapping[str, Sequence[float]], metric: str,
                    names: Mapping[str, str] | None = None, title: dict[str, str] | None = None):
    """One panel a scenario: the year's outlay over the replications, with P50, P95 and P99 marked; `title`: what
    the outlay is called ({"zh", "en"}), the metric's own name if None."""
    arrays = {label: np.asarray(values, dtype=float) for label, values in values_by_scenario.items()}
    active = {label: v for label, v in arrays.items() if np.any(np.nan_to_num(v) > 0)}
    idle = [label for label in arrays if label not in active]
    columns = 1 if len(active) <= 1 else 2
    rows = max(1, math.ceil(len(active) / columns))
    figure = new_figure(5.5 * columns if columns > 1 else 8, 2.9 * rows + 0.9)
    replications = max((v.size for v in arrays.values()), default=0)
    name = title or metric_names(metric)
    figure.suptitle(figure_text("exposure_title", name=name, replications=replications), fontsize=11)
    if not active:
        axis = figure.subplots()
        axis.axis("off")
        axis.text(0.5, 0.5, figure_text("exposure_none"), ha="center", va="center", fontsize=11)
        return figure
    axes = grid(figure, len(active), columns)
    for index, (scenario, values) in enumerate(active.items()):
        axis = axes.ravel()[index]
        wan = values[~np.isnan(values)] / WAN
        axis.hist(wan, bins=min(30, max(6, wan.size // 3)), color=SCENARIO_COLORS[index % 10], alpha=0.55,
                  edgecolor="white", linewidth=0.5)
        for name, q in (("P50", 50), ("P95", 95), ("P99", 99)):
            color, style = PERCENTILE_STYLE[name]
            axis.axvline(np.percentile(wan, q), color=color, linestyle=style, linewidth=1.6,
                         label=f"{name} {np.percentile(wan, q):,.1f}")
        axis.set_title(scenario_name(names, scenario), fontsize=9)
        axis.legend(fontsize=7.5, loc="upper left", framealpha=0.85, title=figure_text("exposure_legend"), title_fontsize=7)
        axis.tick_params(labelsize=8)
        axis.xaxis.set_major_formatter(thousands())
        if index % columns == 0:
            axis.set_ylabel(figure_text("exposure_replications"), fontsize=8)
        axis.set_xlabel(WAN_AXIS, fontsize=8)
    if idle:
        note_under(figure, figure_text("exposure_idle") + ": " + LIST_SEPARATOR.join(scenario_name(names, s) for s in idle))
    return figure


def exposure_distribution(values_by_scenario: dict[str, np.ndarray], metric: str, path: Path) -> Path:
    """The run folder's exposure figure: distribution over replications per scenario, P50/P95/P99 marked."""
    return save(exposure_figure(values_by_scenario, metric), path)


# -- settlement waterfall --------------------------------------------------------------------------------------

def waterfall_figure(stats_by_scenario: Mapping[str, Mapping[str, float]], names: Mapping[str, str] | None = None,
                     payers: Sequence[str] = ("bmi", "cii", "ma", "backstop", "supplementary", "hospital", "charity")):
    """Per scenario: the total cost, taken in settlement order by each payer, down to what households pay.

    `stats_by_scenario` maps a scenario to {"total_cost": yuan, "outlay_<payer>": yuan, "oop": yuan}.
    Payers that pay nothing in every scenario are left out.
    """
    shown = [p for p in payers if any((s.get(f"outlay_{p}") or 0) > 0 for s in stats_by_scenario.values())]
    steps = ["total_cost"] + [f"outlay_{p}" for p in shown] + ["oop"]
    step_labels = [metric_label("total_cost")] + [payer_label(p) for p in shown] + [payer_label("oop")]
    colors = ["#7f7f7f"] + [PAYER_COLORS[p] for p in shown] + [PAYER_COLORS["oop"]]
    count = len(stats_by_scenario)
    columns = 1 if count == 1 else 2
    rows = math.ceil(count / columns)
    figure = new_figure(4.7 * columns + 1.8, (0.36 * len(steps) + 1.0) * rows + 0.6)
    axes = grid(figure, count, columns, sharey=True)
    positions = np.arange(len(steps))[::-1]
    largest = max((s.get("total_cost") or 0) for s in stats_by_scenario.values()) / WAN or 1.0
    for index, (scenario, stats) in enumerate(stats_by_scenario.items()):
        axis = axes.ravel()[index]
        total = (stats.get("total_cost") or 0) / WAN
        left, remaining = [], total
        widths = []
        for step in steps:
            value = (stats.get(step) or 0) / WAN
            if step == "total_cost":
                left.append(0.0)
                widths.append(total)
            elif step == "oop":
                left.append(0.0)
                widths.append(value)
            else:
                remaining -= value
                left.append(remaining)
                widths.append(value)
        axis.barh(positions, widths, left=left, color=colors, height=0.62, edgecolor="white")
        for y, start, width in zip(positions, left, widths):
            share = width / total * 100 if total else 0
            axis.text(start + width + largest * 0.015, y, f"{width:,.0f}（{share:.1f}%）", va="center", fontsize=7.5)
        for y, start in zip(positions[1:-1], left[1:-1]):  # connectors: each payer starts where the last one stopped
            axis.plot([start, start], [y - 0.31, y + 1 - 0.31], color="#999999", linewidth=0.6)
        axis.set_xlim(0, largest * 1.32)
        axis.set_title(scenario_name(names, scenario), fontsize=9)
        axis.tick_params(labelsize=8)
        axis.xaxis.set_major_formatter(thousands())
        axis.grid(axis="x", alpha=0.3)
        if index >= count - columns:
            axis.set_xlabel(WAN_AXIS, fontsize=8)
    axes[0][0].set_yticks(positions, step_labels, fontsize=8)
    figure.suptitle(figure_text("waterfall_title"), fontsize=10.5)
    return figure


# -- funding by government level -----------------------------------------------------------------------------

def funding_figure(summary: dict, names: Mapping[str, str] | None = None, statistic: str = "mean"):
    """Per scenario, a bar of what province, prefecture and county pay: outlays solid, premium subsidies hatched."""
    labels = list(summary["scenarios"])
    figure = new_figure(10, 0.55 * len(labels) + 2.4)
    axis = figure.subplots()
    positions = np.arange(len(labels))[::-1]
    totals = np.zeros(len(labels))
    for level in GOVERNMENT_LEVELS:
        for part, hatch, alpha in (("funding", None, 0.95), ("subsidy", "///", 0.45)):
            values = np.array([or_nan((summary["scenarios"][label]["metrics"].get(f"{part}_{level}") or {})
                                       .get(statistic)) for label in labels]) / WAN
            values = np.nan_to_num(values)
            text = figure_text("funding_part", level=entries("labels")["government_levels"][level],
                               part=entries("figures")["funding_parts"][part])
            axis.barh(positions, values, left=totals, color=LEVEL_COLORS[level], alpha=alpha, hatch=hatch,
                      edgecolor="white", height=0.62, label=text)
            totals = totals + values
    largest = max(totals.max(initial=0), 1e-9)
    for y, total in zip(positions, totals):
        axis.text(total + largest * 0.01, y, f"{total:,.1f}", va="center", fontsize=8.5)
    axis.set_xlim(0, largest * 1.15)
    axis.set_yticks(positions, [scenario_name(names, label) for label in labels], fontsize=8.5)
    axis.set_xlabel(WAN_AXIS, fontsize=9)
    axis.xaxis.set_major_formatter(thousands())
    axis.grid(axis="x", alpha=0.3)
    figure.legend(*axis.get_legend_handles_labels(), fontsize=7.5, ncols=3, loc="outside lower center", frameon=False)
    axis.set_title(figure_text("funding_title", statistic=entries("figures")["funding_statistics"][statistic]),
                   fontsize=10.5)
    return figure


# -- monthly cash flow ------------------------------------------------------------------------------------------

def cashflow_figure(cashflow: pd.DataFrame, names: Mapping[str, str] | None = None,
                    payers: Sequence[str] = ("ma", "backstop", "supplementary", "hospital")):
    """Per scenario: cash each payer repays hospitals a month (stacked, mean), the payers' P95 added (dashed) and
    what is still owed to hospitals at the month's end (dotted)."""
    chosen = cashflow[cashflow["payer"].isin(payers)]
    labels = [label for label in dict.fromkeys(cashflow["scenario"])
              if chosen.loc[chosen["scenario"] == label, "repaid_mean"].abs().sum() > 0]
    idle = [label for label in dict.fromkeys(cashflow["scenario"]) if label not in labels]
    columns = 1 if len(labels) <= 1 else 2
    rows = max(1, math.ceil(len(labels) / columns))
    figure = new_figure(5.7 * columns + (1.5 if columns == 1 else 0), 3.4 * rows + 1.0)
    figure.suptitle(figure_text("cash_title"), fontsize=10.5)
    if not labels:
        axis = figure.subplots()
        axis.axis("off")
        axis.text(0.5, 0.5, figure_text("cash_none"), ha="center", va="center")
        return figure
    axes = grid(figure, len(labels), columns)
    legend: dict[str, object] = {}
    for index, label in enumerate(labels):
        axis = axes.ravel()[index]
        rows_of = chosen[chosen["scenario"] == label]
        months = sorted(rows_of["month"].unique())
        bottom = np.zeros(len(months))
        p95 = np.zeros(len(months))
        owed = np.zeros(len(months))
        for payer in payers:
            part = rows_of[rows_of["payer"] == payer].set_index("month").reindex(months).fillna(0.0)
            if part["repaid_mean"].abs().sum() == 0 and part["receivable_mean"].abs().sum() == 0:
                continue
            values = part["repaid_mean"].to_numpy() / WAN
            axis.bar(months, values, bottom=bottom, color=PAYER_COLORS[payer], width=0.75, label=payer_label(payer))
            bottom += values
            p95 += part["repaid_p95"].to_numpy() / WAN
            owed += part["receivable_mean"].to_numpy() / WAN
        axis.plot(months, p95, color="#222222", linestyle="--", marker=".", linewidth=1.2,
                  label=figure_text("cash_p95"))
        axis.plot(months, owed, color="#7f7f7f", linestyle=":", linewidth=1.5,
                  label=figure_text("cash_owed"))
        axis.set_title(scenario_name(names, label), fontsize=9)
        axis.set_xticks(months, [str(m) for m in months], fontsize=7.5)
        axis.tick_params(axis="y", labelsize=8)
        axis.yaxis.set_major_formatter(thousands())
        axis.grid(axis="y", alpha=0.3)
        for handle, text in zip(*axis.get_legend_handles_labels()):
            legend.setdefault(text, handle)
        if index % columns == 0:
            axis.set_ylabel(figure_text("axis_wan_total"), fontsize=8)
        axis.set_xlabel(figure_text("cash_month"), fontsize=7.5)
    lines = (figure_text("cash_p95"), figure_text("cash_owed"))
    order = sorted(legend, key=lambda text: text in lines)  # payers first, then the two lines
    note = (figure_text("cash_idle") + ": " + LIST_SEPARATOR.join(scenario_name(names, s) for s in idle)) if idle else None
    figure.legend([legend[t] for t in order], order, loc="outside lower center", ncols=3 if columns > 1 else 2,
                  fontsize=8, frameon=False,
                  title=note, title_fontsize=8)
    return figure

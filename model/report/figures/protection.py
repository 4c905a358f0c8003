"""Figures of protection: reimbursement and catastrophic-spending rates by scheme and by income quintile, and
where patients are admitted (referral flows)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from model.report.figures.canvas import (LIST_SEPARATOR, SCENARIO_COLORS, figure_text, grid, new_figure, or_nan, save,
                                         scenario_name)
from model.report.labels import level_names, metric_names, stacked


def protection_figure(summary: dict, metrics: Sequence[str], names: Mapping[str, str] | None = None):
    """One panel a rate: each scenario's mean as a bar, P5–P95 as a whisker, the value written beside it."""
    labels = list(summary["scenarios"])
    columns = min(len(metrics), 3)
    rows = math.ceil(len(metrics) / columns)
    figure = new_figure(3.2 * columns + 2.0, (0.42 * len(labels) + 1.4) * rows + 0.5)
    axes = grid(figure, len(metrics), columns, sharey=True)
    positions = np.arange(len(labels))[::-1]
    for index, metric in enumerate(metrics):
        axis = axes.ravel()[index]
        stats = [summary["scenarios"][label]["metrics"].get(metric) or {} for label in labels]
        mean = np.array([or_nan(s.get("mean")) for s in stats]) * 100
        low = np.array([or_nan(s.get("p5")) for s in stats]) * 100
        high = np.array([or_nan(s.get("p95")) for s in stats]) * 100
        colors = [SCENARIO_COLORS[i % 10] for i in range(len(labels))]
        axis.barh(positions, np.nan_to_num(mean), color=colors, alpha=0.85, height=0.7)
        axis.errorbar(np.nan_to_num(mean), positions, xerr=[np.nan_to_num(mean - low), np.nan_to_num(high - mean)],
                      fmt="none", ecolor="#222222", capsize=3, linewidth=1)
        top = np.nanmax(np.concatenate([high, mean, [1.0]]))
        # the value beyond its whisker's end, so the whisker does not cross the number
        for y, value, end in zip(positions, mean, np.fmax(mean, high)):
            axis.text((0 if np.isnan(end) else end) + top * 0.03, y, "—" if np.isnan(value) else f"{value:.1f}%",
                      va="center", fontsize=8)
        axis.set_xlim(0, top * 1.28)
        axis.set_title(stacked(metric_names(metric)), fontsize=9)
        axis.tick_params(labelsize=8)
        axis.set_xlabel("% ", fontsize=8)
        axis.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(positions, [scenario_name(names, label) for label in labels], fontsize=8.5)
    figure.suptitle(figure_text("protection_title"), fontsize=11)
    _definitions_footer(figure, metrics)
    return figure


def _definitions_footer(figure, metrics: Sequence[str]) -> None:
    """The definition and scope of each protection metric shown, under the panels."""
    from model.outcomes.protection import DEFINITIONS, split_metric

    shown = dict.fromkeys(split_metric(m)[0] for m in metrics if split_metric(m)[0] in DEFINITIONS)
    if not shown:
        return
    lines = [f"{DEFINITIONS[d][0]} / {DEFINITIONS[d][1]}" for d in shown]
    lines.append(figure_text("protection_scopes"))
    figure.supxlabel("\n".join(lines), fontsize=7, x=0.01, ha="left", color="#333333")


def protection_bars(summary: dict, metrics: tuple[str, ...], path: Path) -> Path:
    """The run folder's protection figure."""
    return save(protection_figure(summary, metrics), path)


# -- protection by income quintile ------------------------------------------------------------------------------

def quintile_figure(quintiles: pd.DataFrame, names: Mapping[str, str] | None = None,
                    metrics: Sequence[str] = ("che_10", "che_ctp40", "impoverishment")):
    """One panel a rate: each scenario's line across income quintiles (1 = the poorest fifth)."""
    labels = list(dict.fromkeys(quintiles["scenario"]))
    figure = new_figure(3.8 * len(metrics), 4.3)
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    ticks = [1, 2, 3, 4, 5]
    tick_labels = ["1\n" + figure_text("quintile_poorest", " "), "2", "3", "4",
                   "5\n" + figure_text("quintile_richest", " ")]
    for axis, metric in zip(axes, metrics):
        for index, label in enumerate(labels):
            rows = quintiles[quintiles["scenario"] == label].sort_values("quintile")
            axis.plot(rows["quintile"], rows[metric] * 100, marker="o", markersize=4, linewidth=1.6,
                      color=SCENARIO_COLORS[index % 10], label=scenario_name(names, label))
        axis.set_title(stacked(metric_names(metric)), fontsize=9)
        axis.set_xticks(ticks, tick_labels, fontsize=8)
        axis.set_xlabel(figure_text("quintile_axis"), fontsize=8)
        axis.set_ylabel(figure_text("share_of_households"), fontsize=8)
        axis.set_ylim(bottom=0)
        axis.tick_params(axis="y", labelsize=8)
        axis.grid(alpha=0.3)
    handles, texts = axes[0].get_legend_handles_labels()
    # the legend beside the panels: the definitions go under them
    figure.legend(handles, texts, loc="outside right center", fontsize=8, frameon=False)
    figure.suptitle(figure_text("quintile_title", "\n"), fontsize=10.5)
    _definitions_footer(figure, metrics)
    return figure


# -- referral flows ---------------------------------------------------------------------------------------------

def flows_figure(flows: pd.DataFrame, names: Mapping[str, str] | None = None):
    """Admissions from the entry level (rows) to the treating level (columns), a panel per distinct pattern:
    scenarios that share households and pathway have the same flows and share one panel."""
    from model.codes import LEVELS

    labels = list(dict.fromkeys(flows["scenario"]))
    used = [level for level in LEVELS if level in set(flows["entry_level"]) | set(flows["treating_level"])]
    matrices: dict[str, np.ndarray] = {}
    for label in labels:
        matrix = np.zeros((len(used), len(used)))
        for row in flows[flows["scenario"] == label].itertuples():
            matrix[used.index(row.entry_level), used.index(row.treating_level)] = row.admissions_mean
        matrices[label] = matrix
    groups: list[tuple[list[str], np.ndarray]] = []
    for label, matrix in matrices.items():
        for members, shared in groups:
            if np.allclose(shared, matrix, rtol=1e-9, atol=1e-9):
                members.append(label)
                break
        else:
            groups.append(([label], matrix))
    columns = min(len(groups), 2)
    rows = math.ceil(len(groups) / columns)
    figure = new_figure(5.7 * columns, 4.4 * rows + 0.4)
    axes = grid(figure, len(groups), columns)
    short = [stacked(level_names(level, short=True)) for level in used]
    for index, (members, matrix) in enumerate(groups):
        axis = axes.ravel()[index]
        axis.imshow(np.log1p(matrix), cmap="Blues", aspect="auto")
        row_totals = matrix.sum(axis=1, keepdims=True)
        share = np.divide(matrix, row_totals, out=np.zeros_like(matrix), where=row_totals > 0)
        bright = np.log1p(matrix).max() or 1
        for i in range(len(used)):
            for j in range(len(used)):
                if matrix[i, j] > 0:
                    color = "white" if np.log1p(matrix[i, j]) > 0.6 * bright else "#222222"
                    axis.text(j, i, f"{matrix[i, j]:,.0f}\n({share[i, j]:.0%})", ha="center", va="center",
                              fontsize=8, color=color)
        axis.set_xticks(range(len(used)), short, fontsize=8)
        axis.set_yticks(range(len(used)), short, fontsize=8)
        axis.set_xlabel(figure_text("flows_treated"), fontsize=8.5)
        axis.set_ylabel(figure_text("flows_first"), fontsize=8.5)
        if len(members) == len(labels) and len(labels) > 1:
            title = figure_text("flows_same", count=len(labels))
        else:
            title = LIST_SEPARATOR.join(scenario_name(names, m) for m in members)
        axis.set_title(title, fontsize=9)
    figure.suptitle(figure_text("flows_title"), fontsize=10.5)
    return figure

"""Figures of what changes with a setting: a sweep's curves, the cost–protection trade-off, and how an outlay's
percentiles grow with the poor population's size."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from model.report.figures.canvas import (
    PERCENTILE_STYLE, SCENARIO_COLORS, WAN, WAN_AXIS, axis_scale, figure_text, grid, is_number, new_figure, save,
    thousands,
)
from model.report.labels import LANGUAGES, metric_label, metric_names, stacked
from model.report.texts import entries


def _axis_values(values: Sequence[str]) -> tuple[list, bool]:
    numeric = all(is_number(v) for v in values)
    return ([float(v) for v in values] if numeric else list(range(len(values)))), numeric


def _sweep_axis(axis, metric: str, unit: str, varied: str, x, values, numeric: bool,
                name: dict[str, str] | None = None, current: str | None = None) -> None:
    """Title, labels, ticks and grid of one sweep panel; `name` is the varied parameter's name ({"zh", "en"}), and
    the scheme's own value `current` (when swept) gets a grey line."""
    axis.set_title(stacked(metric_names(metric)), fontsize=9)
    axis.set_xlabel(stacked(name) if name else varied.rsplit(".", 1)[-1], fontsize=7.5)
    if current is not None and current in values:
        axis.axvline(x[list(values).index(current)], color="#777777", linewidth=1, linestyle=":",
                     label=figure_text("current_setting"))
    axis.set_ylabel(unit, fontsize=8)
    axis.set_xticks(x, values, fontsize=7.5, rotation=0 if numeric else 20)
    axis.tick_params(axis="y", labelsize=8)
    axis.yaxis.set_major_formatter(thousands())
    axis.grid(alpha=0.3)


def sweep_curves_figure(values: list[str], p50: dict[str, list[float]], p95: dict[str, list[float]], varied: str):
    """P50 (solid) and P95 (dashed) of each metric against the varied value; money in 万元, rates in %."""
    metrics = list(p50)
    columns = min(3, len(metrics))
    rows = math.ceil(len(metrics) / columns)
    figure = new_figure(3.8 * columns, 3.2 * rows + 0.5)
    axes = grid(figure, len(metrics), columns)
    x, numeric = _axis_values(values)
    for axis, metric in zip(axes.ravel(), metrics):
        scale, unit = axis_scale(metric)
        axis.plot(x, np.array(p50[metric], dtype=float) / scale, marker="o", color="#1f77b4", label="P50")
        axis.plot(x, np.array(p95[metric], dtype=float) / scale, marker="s", linestyle="--", color="#d62728",
                  label="P95")
        _sweep_axis(axis, metric, unit, varied, x, values, numeric)
        axis.legend(fontsize=7)
    figure.suptitle(f"{figure_text('sweep_of')} {varied}", fontsize=10.5)
    return figure


def sweep_curves(values: list[str], p50: dict[str, list[float]], p95: dict[str, list[float]], varied: str,
                 path: Path) -> Path:
    """The run folder's sweep figure (one varied parameter)."""
    return save(sweep_curves_figure(values, p50, p95, varied), path)


def sweep_lines_figure(sweep: pd.DataFrame, paths: Sequence[str], metrics: Sequence[str],
                       names: Mapping[str, dict[str, str]] | None = None, current: str | None = None):
    """For the sweep table of a run (one or two varied paths): each metric's P50 against the first path, one line a
    value of the second path; with a single path, P95 dashed beside P50. `names`: each path's name ({"zh", "en"});
    `current`: the first path's value in the scheme itself, marked on every panel."""
    first, second = paths[0], (paths[1] if len(paths) > 1 else None)
    columns = min(3, len(metrics))
    rows = math.ceil(len(metrics) / columns)
    figure = new_figure(3.8 * columns, 3.2 * rows + 1.0)
    axes = grid(figure, len(metrics), columns)
    first_values = list(dict.fromkeys(sweep[first].astype(str)))
    x, numeric = _axis_values(first_values)
    groups = list(dict.fromkeys(sweep[second].astype(str))) if second else [None]
    for axis, metric in zip(axes.ravel(), metrics):
        scale, unit = axis_scale(metric)
        for index, group in enumerate(groups):
            rows_of = sweep[sweep["metric"] == metric]
            if group is not None:
                rows_of = rows_of[rows_of[second].astype(str) == group]
            rows_of = rows_of.set_index(rows_of[first].astype(str)).reindex(first_values)
            color = SCENARIO_COLORS[index % 10]
            name = "P50" if group is None else f"{second.rsplit('.', 1)[-1]}={group}"
            axis.plot(x, rows_of["p50"].to_numpy(dtype=float) / scale, marker="o", color=color, label=name)
            if group is None:
                axis.plot(x, rows_of["p95"].to_numpy(dtype=float) / scale, marker="s", linestyle="--",
                          color="#d62728", label="P95")
        _sweep_axis(axis, metric, unit, first, x, first_values, numeric, (names or {}).get(first), current)
    handles, texts = axes.ravel()[0].get_legend_handles_labels()
    figure.legend(handles, texts, loc="outside lower center", ncols=min(len(texts), 5), fontsize=8, frameon=False)
    shown = [(names or {}).get(path) or {"zh": path, "en": path} for path in paths]
    joined = {lang: " × ".join(name[lang] for name in shown) for lang in LANGUAGES}
    figure.suptitle(figure_text("sweep_lines_title_grouped" if second else "sweep_lines_title", "\n", paths=joined),
                    fontsize=10)
    return figure


def tradeoff_figure(points: pd.DataFrame, first: str, second: str | None = None, cost: str = "payers_total",
                    protections: Sequence[str] = ("che_10", "che_25", "impoverishment"),
                    first_name: dict[str, str] | None = None,
                    current: str | None = None):
    """A panel a protection rate: cost (P50, 万元) across, the rate (mean, %) up, a point a setting, joined in the
    order of `first` and labelled with its value; one line a value of `second`. `points` comes from
    analysis.sweep_points. Every point is the same households, so the gaps between points are paired differences.
    `first_name`: the varied parameter's name ({"zh", "en"}); `current`: the point (scenario label) of the scheme's
    own setting, ringed."""
    name = first_name or {"zh": first, "en": first}
    current_mark = entries("figures")["tradeoff_current"]["zh"]  # beside a point: Chinese only, as a number's note
    figure = new_figure(3.8 * len(protections), 4.4)
    axes = figure.subplots(1, len(protections), squeeze=False)[0]
    groups = list(dict.fromkeys(points[second].astype(str))) if second else [None]
    for axis, metric in zip(axes, protections):
        for index, group in enumerate(groups):
            rows = points if group is None else points[points[second].astype(str) == group]
            rows = rows.sort_values(first, key=lambda s: s.map(lambda v: float(v) if is_number(str(v)) else 0.0))
            x = rows["cost_p50"].to_numpy(dtype=float) / WAN
            y = rows[f"{metric}_mean"].to_numpy(dtype=float) * 100
            color = SCENARIO_COLORS[index % 10]
            axis.plot(x, y, color=color, marker="o", linewidth=1.5,
                      label=figure_text("tradeoff_points", name=name) if group is None else f"{second}={group}")
            for step, (xi, yi, value, label) in enumerate(zip(x, y, rows[first].astype(str), rows["scenario"])):
                own = label == current
                axis.annotate(value + (current_mark if own else ""), (xi, yi), textcoords="offset points",
                              xytext=(5, 6 if step % 2 else -11), fontsize=7.5, color=color)
                if own:
                    axis.plot([xi], [yi], marker="o", markersize=12, markerfacecolor="none", markeredgecolor="#333333",
                              linestyle="none", label=figure_text("current_setting"))
        axis.set_title(stacked(metric_names(metric)), fontsize=9)
        axis.set_xlabel(figure_text("tradeoff_cost") if cost == "payers_total"
                        else f"{metric_label(cost)}, P50（{WAN_AXIS}）", fontsize=8)
        axis.set_ylabel(figure_text("tradeoff_rate"), fontsize=8)
        axis.margins(x=0.1, y=0.15)
        axis.xaxis.set_major_formatter(thousands())
        axis.tick_params(labelsize=8)
        axis.grid(alpha=0.3)
    handles, texts = axes[0].get_legend_handles_labels()
    figure.legend(handles, texts, loc="outside lower center", ncols=min(len(texts), 4), fontsize=8, frameon=False,
                  title=figure_text("tradeoff_values", name=name), title_fontsize=8)
    figure.suptitle(figure_text("tradeoff_title"), fontsize=10)
    return figure


# -- the poor population's size -------------------------------------------------------------------------------

def scaling_figure(persons: Sequence[int], stats: Sequence[Mapping[str, float]], metric: str = "ma_backstop"):
    """How an outlay's P50/P95/P99 grow with the number of persons (left, 万元) and a person (right, yuan)."""
    figure = new_figure(11, 4.2)
    left, right = figure.subplots(1, 2)
    persons = np.asarray(persons, dtype=float)
    for name, key in (("P50", "p50"), ("P95", "p95"), ("P99", "p99")):
        color, style = PERCENTILE_STYLE[name]
        values = np.array([s[key] for s in stats], dtype=float)
        left.plot(persons, values / WAN, color=color, linestyle=style, marker="o", label=name)
        right.plot(persons, values / persons, color=color, linestyle=style, marker="o", label=name)
    left.set_ylabel(WAN_AXIS, fontsize=8.5)
    right.set_ylabel(figure_text("scaling_per_person_axis"), fontsize=8.5)
    for axis in (left, right):
        axis.set_xlabel(figure_text("scaling_persons"), fontsize=8.5)
        axis.xaxis.set_major_formatter(thousands())
        axis.yaxis.set_major_formatter(thousands())
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
        axis.set_ylim(bottom=0)
    left.set_title(figure_text("scaling_total"), fontsize=9)
    right.set_title(figure_text("scaling_per_person"), fontsize=9)
    figure.suptitle(figure_text("scaling_title", name=metric_names(metric)), fontsize=10.5)
    return figure

"""Figures of a run, with Chinese and English labels and money in 万元 (matplotlib, the bundled CJK font).

Exposure with P50/P95/P99, settlement waterfall, funding by government level, protection, CHE by income quintile,
referral flows, monthly cash, sweeps and cost–protection trade-offs, the poor population's size.

Each `*_figure` function returns a matplotlib Figure (shown inline by a notebook; `save` or `png_bytes` turn it
into a file or bytes). `draw_run_figures` draws a run folder's own figures into its figures/ folder when hpa run,
compare or sweep finishes (exposure_distribution, protection_bars, sweep_curves: each writes a PNG).
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from model import atomic
from model.report.fonts import use_cjk_font
from model.report.labels import (
    GOVERNMENT_LEVEL_LABELS,
    GOVERNMENT_LEVELS,
    level_label,
    metric_kind,
    metric_label,
    payer_label,
    two_lines,
)

GOVERNMENT_OUTLAYS = ("outlay_ma", "outlay_backstop", "outlay_supplementary")
WAN = 1e4  # 万元: money on figures is shown in units of 10,000 yuan
WAN_AXIS = "万元/年 / 10,000 yuan a year"
DPI = 130
SCENARIO_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                   "#bcbd22", "#17becf")
PAYER_COLORS = {"bmi": "#4c72b0", "cii": "#64b5cd", "ma": "#55a868", "backstop": "#c44e52",
                "supplementary": "#8172b3", "hospital": "#ccb974", "charity": "#937860", "oop": "#8c1c13"}
LEVEL_COLORS = {"province": "#4c72b0", "prefecture": "#55a868", "county": "#dd8452"}
PERCENTILE_STYLE = {"P50": ("#222222", "-"), "P95": ("#d62728", "--"), "P99": ("#7b3294", ":")}


# -- plumbing ------------------------------------------------------------------------------------------------

def new_figure(width: float, height: float):
    """A Figure not tied to pyplot (no global state; freed when dropped), with the CJK font in place."""
    use_cjk_font()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def save(figure, path: Path) -> Path:
    """The figure as a PNG at `path` (its folder made if need be), written atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(path, png_bytes(figure))
    return path


def png_bytes(figure, dpi: int = DPI) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.15)
    return buffer.getvalue()


def _grid(figure, count: int, columns: int, **options):
    rows = max(1, math.ceil(count / columns))
    axes = figure.subplots(rows, columns, squeeze=False, **options)
    for axis in axes.ravel()[count:]:
        axis.set_visible(False)
    return axes


def _scale(metric: str) -> tuple[float, str]:
    """Divide a metric's values by this for the axis, and the axis unit."""
    kind = metric_kind(metric)
    if kind == "money":
        return WAN, WAN_AXIS
    if kind in ("rate", "ratio"):
        return 0.01, "% / per cent"
    return 1.0, "人次 / count"


def _name(names: Mapping[str, str] | None, label: str) -> str:
    return names.get(label, label) if names else label


def _note(figure, text: str) -> None:
    """A line under the figure (saved with a tight bounding box, so it is kept)."""
    figure.text(0.01, -0.01, text, ha="left", va="top", fontsize=8, color="#555555")


# -- exposure --------------------------------------------------------------------------------------------------

def exposure_figure(values_by_scenario: Mapping[str, Sequence[float]], metric: str,
                    names: Mapping[str, str] | None = None, title: str | None = None):
    """One panel a scenario: the year's outlay over the replications, with P50, P95 and P99 marked."""
    arrays = {label: np.asarray(values, dtype=float) for label, values in values_by_scenario.items()}
    active = {label: v for label, v in arrays.items() if np.any(np.nan_to_num(v) > 0)}
    idle = [label for label in arrays if label not in active]
    columns = 1 if len(active) <= 1 else 2
    rows = max(1, math.ceil(len(active) / columns))
    figure = new_figure(5.5 * columns if columns > 1 else 8, 2.9 * rows + 0.9)
    replications = max((v.size for v in arrays.values()), default=0)
    label = title or metric_label(metric)
    zh, _, en = label.partition(" / ")
    figure.suptitle(f"{zh}：{replications}次重复的年度分布 / {en or zh}: the year's total over {replications} replications",
                    fontsize=11)
    if not active:
        axis = figure.subplots()
        axis.axis("off")
        axis.text(0.5, 0.5, "所有方案均无此项支出 / no scheme has this outlay", ha="center", va="center", fontsize=11)
        return figure
    axes = _grid(figure, len(active), columns)
    for index, (scenario, values) in enumerate(active.items()):
        axis = axes.ravel()[index]
        wan = values[~np.isnan(values)] / WAN
        axis.hist(wan, bins=min(30, max(6, wan.size // 3)), color=SCENARIO_COLORS[index % 10], alpha=0.55,
                  edgecolor="white", linewidth=0.5)
        for name, q in (("P50", 50), ("P95", 95), ("P99", 99)):
            color, style = PERCENTILE_STYLE[name]
            axis.axvline(np.percentile(wan, q), color=color, linestyle=style, linewidth=1.6,
                         label=f"{name} {np.percentile(wan, q):,.1f}")
        axis.set_title(_name(names, scenario), fontsize=9)
        axis.legend(fontsize=7.5, loc="upper left", framealpha=0.85, title="万元 / 10k yuan", title_fontsize=7)
        axis.tick_params(labelsize=8)
        axis.xaxis.set_major_formatter(_thousands())
        if index % columns == 0:
            axis.set_ylabel("重复次数 / replications", fontsize=8)
        axis.set_xlabel(WAN_AXIS, fontsize=8)
    if idle:
        _note(figure, "无此项支出的方案 / schemes without this outlay: " + "、".join(_name(names, s) for s in idle))
    return figure


def exposure_distribution(values_by_scenario: dict[str, np.ndarray], metric: str, path: Path) -> Path:
    """The run folder's exposure figure: distribution over replications per scenario, P50/P95/P99 marked."""
    return save(exposure_figure(values_by_scenario, metric), path)


def _thousands():
    """Matplotlib's own tick labels (no offset, no powers of ten), with thousands separated by commas."""
    from matplotlib.ticker import ScalarFormatter

    class Thousands(ScalarFormatter):
        def __call__(self, value, position=None):
            text = super().__call__(value, position)
            try:
                number = float(text)
            except ValueError:
                return text
            decimals = len(text.split(".", 1)[1]) if "." in text else 0
            return f"{number:,.{decimals}f}" if abs(number) >= 1000 else text

    formatter = Thousands(useOffset=False)
    formatter.set_scientific(False)
    return formatter


# -- protection ------------------------------------------------------------------------------------------------

def protection_figure(summary: dict, metrics: Sequence[str], names: Mapping[str, str] | None = None):
    """One panel a rate: each scenario's mean as a bar, P5–P95 as a whisker, the value written beside it."""
    labels = list(summary["scenarios"])
    columns = min(len(metrics), 3)
    rows = math.ceil(len(metrics) / columns)
    figure = new_figure(3.2 * columns + 2.0, (0.42 * len(labels) + 1.4) * rows + 0.5)
    axes = _grid(figure, len(metrics), columns, sharey=True)
    positions = np.arange(len(labels))[::-1]
    for index, metric in enumerate(metrics):
        axis = axes.ravel()[index]
        stats = [summary["scenarios"][label]["metrics"].get(metric) or {} for label in labels]
        mean = np.array([_or_nan(s.get("mean")) for s in stats]) * 100
        low = np.array([_or_nan(s.get("p5")) for s in stats]) * 100
        high = np.array([_or_nan(s.get("p95")) for s in stats]) * 100
        colors = [SCENARIO_COLORS[i % 10] for i in range(len(labels))]
        axis.barh(positions, np.nan_to_num(mean), color=colors, alpha=0.85, height=0.7)
        axis.errorbar(np.nan_to_num(mean), positions, xerr=[np.nan_to_num(mean - low), np.nan_to_num(high - mean)],
                      fmt="none", ecolor="#222222", capsize=3, linewidth=1)
        top = np.nanmax(np.concatenate([high, mean, [1.0]]))
        for y, value in zip(positions, mean):
            axis.text((0 if np.isnan(value) else value) + top * 0.03, y, "—" if np.isnan(value) else f"{value:.1f}%",
                      va="center", fontsize=8)
        axis.set_xlim(0, top * 1.28)
        axis.set_title(two_lines(metric_label(metric)), fontsize=9)
        axis.tick_params(labelsize=8)
        axis.set_xlabel("% ", fontsize=8)
        axis.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(positions, [_name(names, label) for label in labels], fontsize=8.5)
    figure.suptitle("保障效果（均值，误差线为P5–P95） / protection (mean; whiskers P5–P95)", fontsize=11)
    _definitions_footer(figure, metrics)
    return figure


def _definitions_footer(figure, metrics: Sequence[str]) -> None:
    """The definition and scope of each protection metric shown, under the panels."""
    from model.outcomes.protection import DEFINITIONS, split_metric

    shown = dict.fromkeys(split_metric(m)[0] for m in metrics if split_metric(m)[0] in DEFINITIONS)
    if not shown:
        return
    lines = [f"{DEFINITIONS[d][0]} / {DEFINITIONS[d][1]}" for d in shown]
    lines.append("全部自付 = 所有就诊；住院及慢特病 = 仅住院与门诊慢特病的自付 / all OOP = every claim; "
                 "inpatient+chronic = inpatient and chronic-outpatient claims only")
    figure.supxlabel("\n".join(lines), fontsize=7, x=0.01, ha="left", color="#333333")


def protection_bars(summary: dict, metrics: tuple[str, ...], path: Path) -> Path:
    """The run folder's protection figure."""
    return save(protection_figure(summary, metrics), path)


def _or_nan(value) -> float:
    return float("nan") if value is None else float(value)


# -- settlement waterfall --------------------------------------------------------------------------------------

def waterfall_figure(stats_by_scenario: Mapping[str, Mapping[str, float]], names: Mapping[str, str] | None = None,
                     payers: Sequence[str] = ("bmi", "cii", "ma", "backstop", "supplementary", "hospital", "charity")):
    """Per scenario: the total cost, taken in settlement order by each payer, down to what households pay.

    `stats_by_scenario` maps a scenario to {"total_cost": yuan, "outlay_<payer>": yuan, "oop": yuan}.
    Payers that pay nothing in every scenario are left out.
    """
    shown = [p for p in payers if any((s.get(f"outlay_{p}") or 0) > 0 for s in stats_by_scenario.values())]
    steps = ["total_cost"] + [f"outlay_{p}" for p in shown] + ["oop"]
    step_labels = ["总费用 / total cost"] + [payer_label(p) for p in shown] + [payer_label("oop")]
    colors = ["#7f7f7f"] + [PAYER_COLORS[p] for p in shown] + [PAYER_COLORS["oop"]]
    count = len(stats_by_scenario)
    columns = 1 if count == 1 else 2
    rows = math.ceil(count / columns)
    figure = new_figure(4.7 * columns + 1.8, (0.36 * len(steps) + 1.0) * rows + 0.6)
    axes = _grid(figure, count, columns, sharey=True)
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
        axis.set_title(_name(names, scenario), fontsize=9)
        axis.tick_params(labelsize=8)
        axis.xaxis.set_major_formatter(_thousands())
        axis.grid(axis="x", alpha=0.3)
        if index >= count - columns:
            axis.set_xlabel(WAN_AXIS, fontsize=8)
    axes[0][0].set_yticks(positions, step_labels, fontsize=8)
    figure.suptitle("结算瀑布图：总费用→各支付方→个人自付（年均值，万元） / settlement waterfall: total cost → each "
                    "payer → out of pocket (mean a year, 10,000 yuan)", fontsize=10.5)
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
            values = np.array([_or_nan((summary["scenarios"][label]["metrics"].get(f"{part}_{level}") or {})
                                       .get(statistic)) for label in labels]) / WAN
            values = np.nan_to_num(values)
            zh, en = GOVERNMENT_LEVEL_LABELS[level].split(" / ")
            what = ("支出", "outlays") if part == "funding" else ("参保资助", "premium subsidy")
            text = f"{zh}：{what[0]} / {en}: {what[1]}"
            axis.barh(positions, values, left=totals, color=LEVEL_COLORS[level], alpha=alpha, hatch=hatch,
                      edgecolor="white", height=0.62, label=text)
            totals = totals + values
    largest = max(totals.max(initial=0), 1e-9)
    for y, total in zip(positions, totals):
        axis.text(total + largest * 0.01, y, f"{total:,.1f}", va="center", fontsize=8.5)
    axis.set_xlim(0, largest * 1.15)
    axis.set_yticks(positions, [_name(names, label) for label in labels], fontsize=8.5)
    axis.set_xlabel(WAN_AXIS, fontsize=9)
    axis.xaxis.set_major_formatter(_thousands())
    axis.grid(axis="x", alpha=0.3)
    figure.legend(*axis.get_legend_handles_labels(), fontsize=7.5, ncols=3, loc="outside lower center", frameon=False)
    word = {"mean": ("年均值", "mean a year"), "p50": ("P50", "P50"), "p95": ("各项P95", "each part's P95")}[statistic]
    axis.set_title(f"各级政府承担（{word[0]}，万元） / funding by government level ({word[1]}, 10,000 yuan)", fontsize=10.5)
    return figure


# -- protection by income quintile ------------------------------------------------------------------------------

def quintile_figure(quintiles: pd.DataFrame, names: Mapping[str, str] | None = None,
                    metrics: Sequence[str] = ("che_10", "che_ctp40", "impoverishment")):
    """One panel a rate: each scenario's line across income quintiles (1 = the poorest fifth)."""
    labels = list(dict.fromkeys(quintiles["scenario"]))
    figure = new_figure(3.8 * len(metrics), 4.3)
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    ticks = [1, 2, 3, 4, 5]
    tick_labels = ["1\n最低 poorest", "2", "3", "4", "5\n最高 richest"]
    for axis, metric in zip(axes, metrics):
        for index, label in enumerate(labels):
            rows = quintiles[quintiles["scenario"] == label].sort_values("quintile")
            axis.plot(rows["quintile"], rows[metric] * 100, marker="o", markersize=4, linewidth=1.6,
                      color=SCENARIO_COLORS[index % 10], label=_name(names, label))
        axis.set_title(two_lines(metric_label(metric)), fontsize=9)
        axis.set_xticks(ticks, tick_labels, fontsize=8)
        axis.set_xlabel("人均收入五等分组 / income quintile", fontsize=8)
        axis.set_ylabel("% 的住户 / % of households", fontsize=8)
        axis.set_ylim(bottom=0)
        axis.tick_params(axis="y", labelsize=8)
        axis.grid(alpha=0.3)
    handles, texts = axes[0].get_legend_handles_labels()
    # the legend beside the panels: the definitions go under them
    figure.legend(handles, texts, loc="outside right center", fontsize=8, frameon=False)
    figure.suptitle("按收入五等分组的灾难性支出与因病致贫（各次重复的均值）\ncatastrophic spending and impoverishment "
                    "by income quintile (mean over replications)", fontsize=10.5)
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
    axes = _grid(figure, len(groups), columns)
    short = [level_label(level, short=True).replace(" / ", "\n") for level in used]
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
        axis.set_xlabel("实际治疗层级 / level that treated", fontsize=8.5)
        axis.set_ylabel("首诊层级 / level first visited", fontsize=8.5)
        if len(members) == len(labels) and len(labels) > 1:
            title = f"全部{len(labels)}个方案相同 / the same in all {len(labels)} scenarios"
        else:
            title = "、".join(_name(names, m) for m in members)
        axis.set_title(title, fontsize=9)
    figure.suptitle("转诊流向：每年住院人次（括号内为占首诊层级的比例） / referral flows: admissions a year "
                    "(share of the entry level)", fontsize=10.5)
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
    figure.suptitle("每月现金需求：向医院偿付（万元） / monthly cash need: repaid to hospitals (10,000 yuan)",
                    fontsize=10.5)
    if not labels:
        axis = figure.subplots()
        axis.axis("off")
        axis.text(0.5, 0.5, "这些支付方没有支出 / these payers pay nothing", ha="center", va="center")
        return figure
    axes = _grid(figure, len(labels), columns)
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
                  label="P95（各支付方相加，偏保守） / P95 (payers added: conservative)")
        axis.plot(months, owed, color="#7f7f7f", linestyle=":", linewidth=1.5,
                  label="月末应付医院未付 / still owed to hospitals at month end")
        axis.set_title(_name(names, label), fontsize=9)
        axis.set_xticks(months, [str(m) for m in months], fontsize=7.5)
        axis.tick_params(axis="y", labelsize=8)
        axis.yaxis.set_major_formatter(_thousands())
        axis.grid(axis="y", alpha=0.3)
        for handle, text in zip(*axis.get_legend_handles_labels()):
            legend.setdefault(text, handle)
        if index % columns == 0:
            axis.set_ylabel("万元 / 10,000 yuan", fontsize=8)
        axis.set_xlabel("月份（13起为次年结清的上年费用） / month (13 on: last year's bills settled next year)",
                        fontsize=7.5)
    order = sorted(legend, key=lambda text: text.startswith(("P95", "月末")))  # payers first, then the two lines
    note = ("这些支付方无支出的方案 / scenarios where these payers pay nothing: "
            + "、".join(_name(names, s) for s in idle)) if idle else None
    figure.legend([legend[t] for t in order], order, loc="outside lower center", ncols=3 if columns > 1 else 2,
                  fontsize=8, frameon=False,
                  title=note, title_fontsize=8)
    return figure


# -- sweeps ------------------------------------------------------------------------------------------------------

def _axis_values(values: Sequence[str]) -> tuple[list, bool]:
    numeric = all(_is_number(v) for v in values)
    return ([float(v) for v in values] if numeric else list(range(len(values)))), numeric


def _sweep_axis(axis, metric: str, unit: str, varied: str, x, values, numeric: bool, name: str | None = None,
                current: str | None = None) -> None:
    """Title, labels, ticks and grid of one sweep panel; `name` is the varied parameter's '中文 / English' name, and
    the scheme's own value `current` (when swept) gets a grey line."""
    axis.set_title(two_lines(metric_label(metric)), fontsize=9)
    axis.set_xlabel(two_lines(name) if name else varied.rsplit(".", 1)[-1], fontsize=7.5)
    if current is not None and current in values:
        axis.axvline(x[list(values).index(current)], color="#777777", linewidth=1, linestyle=":",
                     label="当前设置 / current setting")
    axis.set_ylabel(unit, fontsize=8)
    axis.set_xticks(x, values, fontsize=7.5, rotation=0 if numeric else 20)
    axis.tick_params(axis="y", labelsize=8)
    axis.yaxis.set_major_formatter(_thousands())
    axis.grid(alpha=0.3)


def sweep_curves_figure(values: list[str], p50: dict[str, list[float]], p95: dict[str, list[float]], varied: str):
    """P50 (solid) and P95 (dashed) of each metric against the varied value; money in 万元, rates in %."""
    metrics = list(p50)
    columns = min(3, len(metrics))
    rows = math.ceil(len(metrics) / columns)
    figure = new_figure(3.8 * columns, 3.2 * rows + 0.5)
    axes = _grid(figure, len(metrics), columns)
    x, numeric = _axis_values(values)
    for axis, metric in zip(axes.ravel(), metrics):
        scale, unit = _scale(metric)
        axis.plot(x, np.array(p50[metric], dtype=float) / scale, marker="o", color="#1f77b4", label="P50")
        axis.plot(x, np.array(p95[metric], dtype=float) / scale, marker="s", linestyle="--", color="#d62728",
                  label="P95")
        _sweep_axis(axis, metric, unit, varied, x, values, numeric)
        axis.legend(fontsize=7)
    figure.suptitle(f"参数扫描 / sweep of {varied}", fontsize=10.5)
    return figure


def sweep_curves(values: list[str], p50: dict[str, list[float]], p95: dict[str, list[float]], varied: str,
                 path: Path) -> Path:
    """The run folder's sweep figure (one varied parameter)."""
    return save(sweep_curves_figure(values, p50, p95, varied), path)


def sweep_lines_figure(sweep: pd.DataFrame, paths: Sequence[str], metrics: Sequence[str],
                       names: Mapping[str, str] | None = None, current: str | None = None):
    """For the sweep table of a run (one or two varied paths): each metric's P50 against the first path, one line a
    value of the second path; with a single path, P95 dashed beside P50. `names`: each path's '中文 / English' name;
    `current`: the first path's value in the scheme itself, marked on every panel."""
    first, second = paths[0], (paths[1] if len(paths) > 1 else None)
    columns = min(3, len(metrics))
    rows = math.ceil(len(metrics) / columns)
    figure = new_figure(3.8 * columns, 3.2 * rows + 1.0)
    axes = _grid(figure, len(metrics), columns)
    first_values = list(dict.fromkeys(sweep[first].astype(str)))
    x, numeric = _axis_values(first_values)
    groups = list(dict.fromkeys(sweep[second].astype(str))) if second else [None]
    for axis, metric in zip(axes.ravel(), metrics):
        scale, unit = _scale(metric)
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
    shown = [(names or {}).get(path) or f"{path} / {path}" for path in paths]
    zh = " × ".join(text.split(" / ")[0] for text in shown)
    en = " × ".join(text.split(" / ")[-1] for text in shown)
    figure.suptitle(f"参数扫描：{zh}（P50{'，P95虚线' if not second else ''}）\nsweep of {en}"
                    f"{' (P50; P95 dashed)' if not second else ' (P50)'}", fontsize=10)
    return figure


def tradeoff_figure(points: pd.DataFrame, first: str, second: str | None = None, cost: str = "payers_total",
                    protections: Sequence[str] = ("che_10", "che_25", "impoverishment"), first_name: str | None = None,
                    current: str | None = None):
    """A panel a protection rate: cost (P50, 万元) across, the rate (mean, %) up, a point a setting, joined in the
    order of `first` and labelled with its value; one line a value of `second`. `points` comes from
    analysis.sweep_points. Every point is the same households, so the gaps between points are paired differences.
    `first_name`: the varied parameter's '中文 / English' name; `current`: the point (scenario label) of the scheme's
    own setting, ringed."""
    zh, en = (first_name.split(" / ", 1) + [first_name])[:2] if first_name else (first, first)
    figure = new_figure(3.8 * len(protections), 4.4)
    axes = figure.subplots(1, len(protections), squeeze=False)[0]
    groups = list(dict.fromkeys(points[second].astype(str))) if second else [None]
    for axis, metric in zip(axes, protections):
        for index, group in enumerate(groups):
            rows = points if group is None else points[points[second].astype(str) == group]
            rows = rows.sort_values(first, key=lambda s: s.map(lambda v: float(v) if _is_number(str(v)) else 0.0))
            x = rows["cost_p50"].to_numpy(dtype=float) / WAN
            y = rows[f"{metric}_mean"].to_numpy(dtype=float) * 100
            color = SCENARIO_COLORS[index % 10]
            axis.plot(x, y, color=color, marker="o", linewidth=1.5,
                      label=f"{zh}（各点） / {en} (points)" if group is None else f"{second}={group}")
            for step, (xi, yi, value, label) in enumerate(zip(x, y, rows[first].astype(str), rows["scenario"])):
                own = label == current
                axis.annotate(value + ("（当前）" if own else ""), (xi, yi), textcoords="offset points",
                              xytext=(5, 6 if step % 2 else -11), fontsize=7.5, color=color)
                if own:
                    axis.plot([xi], [yi], marker="o", markersize=12, markerfacecolor="none", markeredgecolor="#333333",
                              linestyle="none", label="当前设置 / current setting")
        axis.set_title(two_lines(metric_label(metric)), fontsize=9)
        axis.set_xlabel("各支付方合计P50（万元/年） / all payers, P50 (10,000 yuan a year)" if cost == "payers_total"
                        else f"{metric_label(cost)}, P50（万元/年 / 10,000 yuan a year）", fontsize=8)
        axis.set_ylabel("% 的住户（均值） / % of households (mean)", fontsize=8)
        axis.margins(x=0.1, y=0.15)
        axis.xaxis.set_major_formatter(_thousands())
        axis.tick_params(labelsize=8)
        axis.grid(alpha=0.3)
    handles, texts = axes[0].get_legend_handles_labels()
    figure.legend(handles, texts, loc="outside lower center", ncols=min(len(texts), 4), fontsize=8, frameon=False,
                  title=f"点旁数字为{zh}的取值 / numbers beside the points: values of {en}", title_fontsize=8)
    figure.suptitle("成本与保障的权衡：越往左下越好（花得少、灾难性支出少） / cost against protection: lower left is "
                    "better (less spent, fewer households in trouble)", fontsize=10)
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
    right.set_ylabel("元/人/年 / yuan a person a year", fontsize=8.5)
    for axis in (left, right):
        axis.set_xlabel("贫困人口数 / poor persons", fontsize=8.5)
        axis.xaxis.set_major_formatter(_thousands())
        axis.yaxis.set_major_formatter(_thousands())
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
        axis.set_ylim(bottom=0)
    left.set_title("合计 / total", fontsize=9)
    right.set_title("每人（规模越大，P95与P50越接近） / a person (P95 and P50 draw closer as the county grows)",
                    fontsize=9)
    zh, _, en = metric_label(metric).partition(" / ")
    figure.suptitle(f"{zh}随贫困人口规模的变化 / {en or zh} against the poor population's size", fontsize=10.5)
    return figure


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


# -- a run folder's own figures ----------------------------------------------------------------------------------

RUN_EXPOSURE = ("outlay_backstop", "outlay_ma", "outlay_supplementary")  # drawn when a scenario pays any
RUN_PROTECTION = ("effective_reimbursement", "oop_share", "che_10", "che_ctp40", "impoverishment",
                  "che_10_inpatient_chronic", "che_ctp40_inpatient_chronic")
RUN_SWEEP = ("outlay_backstop", "outlay_ma", "outlay_supplementary", "oop", "che_10", "che_ctp40")


def draw_run_figures(folder: Path) -> list[Path]:
    """Draw a run folder's figures into FOLDER/figures/, from what the folder holds (model/runfolder.py).

    The exposure of each government payer some scenario pays (exposure_PAYER.png), protection (protection.png),
    and for a sweep of one parameter its curves (sweep.png). hpa run, compare and sweep call it on the finished
    folder before it takes its name (model/runner/store.run's `finish`).

    Returns
    -------
    list of Path
        The PNG files written.
    """
    from model.runfolder import FIGURES, load_run

    run = load_run(Path(folder))
    out = run.folder / FIGURES
    made = []
    for metric in RUN_EXPOSURE:
        values = {label: run.values(label, metric) for label in run.labels}
        if any(np.any(v > 0) for v in values.values()):
            made.append(exposure_distribution(values, metric, out / f"exposure_{metric}.png"))
    made.append(protection_bars(run.summary, RUN_PROTECTION, out / "protection.png"))
    if run.kind == "sweep" and len(run.vary) == 1:
        path, values = run.vary[0]
        p50 = {m: [run.stats(label, m).get("p50") for label in run.labels] for m in RUN_SWEEP}
        p95 = {m: [run.stats(label, m).get("p95") for label in run.labels] for m in RUN_SWEEP}
        made.append(sweep_curves(list(values), p50, p95, path, out / "sweep.png"))
    return made

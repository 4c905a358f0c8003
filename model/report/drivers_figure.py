"""The drivers figure: Sobol indices with their intervals, and a tornado of the mean's and P95's swings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.report.figures.canvas import WAN, WAN_AXIS, figure_text, new_figure
from model.report.labels import metric_label
from model.report.texts import bilingual
from model.runfolder import DRIVERS_LABELS

SHOWN = 12


def drivers_figure(table: pd.DataFrame, metric: str, lang: str | None = None):
    """Left: S1 and ST (95% intervals) of the metric's mean, largest ST first. Right: the mean and P95 with each
    parameter at its 5% and 95% quantile (万元/年).

    Parameters
    ----------
    table : pandas.DataFrame
        drivers.csv as model.runfolder.read_drivers reads it (low/high in fen); `attrs` may carry the metric's
        `mean` and `p95` (fen), drawn as dashed lines.
    metric : str
        The metric the indices are of (summary.json's name), named in the title.
    lang : {'zh', 'en'} or None
        The language of the parameters' labels; None: '中文 / English'.

    Returns
    -------
    matplotlib.figure.Figure
    """
    means = table[table["statistic"] == "mean"].sort_values("ST", ascending=False).head(SHOWN)
    p95 = table[table["statistic"] == "p95"].set_index("parameter")
    if lang is None:
        labels = [bilingual({"zh": zh, "en": en}) for zh, en in zip(means[DRIVERS_LABELS["zh"]], means[DRIVERS_LABELS["en"]])]
    else:
        labels = list(means[DRIVERS_LABELS[lang]])
    figure = new_figure(12, 0.42 * len(means) + 1.8)
    left, right = figure.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1, 1.3]})
    y = np.arange(len(means))[::-1]
    left.barh(y + 0.18, means["ST"], 0.36, xerr=means["ST_conf"], color="#c44e52", label=figure_text("drivers_total"),
              capsize=2)
    left.barh(y - 0.18, means["S1"], 0.36, xerr=means["S1_conf"], color="#4c72b0",
              label=figure_text("drivers_first_order"), capsize=2)
    left.set_yticks(y, labels)
    left.set_xlim(left=min(0.0, float(np.nanmin(means["S1"] - means["S1_conf"]))))
    left.axvline(0, color="#555555", linewidth=0.8)
    left.set_xlabel(figure_text("drivers_sobol", "\n"))
    left.legend(loc="lower right", fontsize=8)
    centre_mean = float(table.attrs.get("mean", np.nan))
    centre_p95 = float(table.attrs.get("p95", np.nan))
    for offset, statistic, frame, centre, color in ((0.18, figure_text("drivers_mean"), means.set_index("parameter"),
                                                     centre_mean, "#4c72b0"),
                                                    (-0.18, "P95", p95, centre_p95, "#d62728")):
        rows = frame.reindex(means["parameter"])
        low, high = rows["low"].to_numpy() / WAN, rows["high"].to_numpy() / WAN
        start, stop = np.minimum(low, high), np.maximum(low, high)
        right.barh(y + offset, stop - start, 0.36, left=start, color=color, alpha=0.75, label=statistic)
        right.scatter(high, y + offset, marker="|", color="black", s=60, zorder=3)
        if np.isfinite(centre):
            right.axvline(centre / WAN, color=color, linewidth=0.8, linestyle="--")
    right.set_xlabel(WAN_AXIS + "\n" + figure_text("drivers_quantiles", "\n"))
    right.legend(loc="lower right", fontsize=8)
    figure.suptitle(f"{figure_text('drivers_title')}: {metric_label(metric)}", fontsize=11)
    return figure

"""Figures of a run (matplotlib, Chinese and English labels): exposure with P95, protection, sweep curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.outcomes.metrics import METRIC_LABELS
from model.report.fonts import use_cjk_font

GOVERNMENT_OUTLAYS = ("outlay_ma", "outlay_backstop", "outlay_supplementary")


def _plt():
    use_cjk_font()
    from matplotlib import pyplot

    return pyplot


def _save(figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=130, bbox_inches="tight")
    _plt().close(figure)
    return path


def exposure_distribution(values_by_scenario: dict[str, np.ndarray], metric: str, path: Path) -> Path:
    """Histogram of one outlay across replications per scenario, P50 and P95 marked (yuan → 10,000 yuan)."""
    plt = _plt()
    figure, axis = plt.subplots(figsize=(8, 4.5))
    for label, values in values_by_scenario.items():
        wan = np.asarray(values, dtype=float) / 1e4
        line = axis.hist(wan, bins=min(30, max(5, wan.size // 2)), alpha=0.45, label=label)[2][0]
        color = line.get_facecolor()
        axis.axvline(np.percentile(wan, 95), color=color, linestyle="--", linewidth=1.5)
        axis.annotate(f"P95 {np.percentile(wan, 95):,.1f}", (np.percentile(wan, 95), axis.get_ylim()[1] * 0.9),
                      rotation=90, va="top", ha="right", fontsize=8, color=color)
    axis.set_xlabel("万元 / 10,000 yuan a year")
    axis.set_ylabel("重复次数 / replications")
    axis.set_title(f"{METRIC_LABELS.get(metric, metric)}：各次重复的分布（虚线为P95） / distribution over replications (dashed: P95)")
    axis.legend(fontsize=8)
    return _save(figure, path)


def protection_bars(summary: dict, metrics: tuple[str, ...], path: Path) -> Path:
    """Mean with P5–P95 interval of rate metrics, side by side for each scenario."""
    plt = _plt()
    labels = list(summary["scenarios"])
    figure, axis = plt.subplots(figsize=(max(7, 1.6 * len(labels) * len(metrics) / 2), 4.5))
    width = 0.8 / len(labels)
    x = np.arange(len(metrics))
    for index, label in enumerate(labels):
        stats = [summary["scenarios"][label]["metrics"][m] for m in metrics]
        mean = np.array([s["mean"] or 0 for s in stats]) * 100
        low = mean - np.array([s["p5"] or 0 for s in stats]) * 100
        high = np.array([s["p95"] or 0 for s in stats]) * 100 - mean
        axis.bar(x + index * width, mean, width, yerr=[low, high], capsize=3, label=label)
    axis.set_xticks(x + width * (len(labels) - 1) / 2, [METRIC_LABELS.get(m, m) for m in metrics], fontsize=8, rotation=12)
    axis.set_ylabel("%（均值，误差线P5–P95） / % (mean, bars P5–P95)")
    axis.legend(fontsize=8)
    axis.set_title("保障效果 / protection")
    return _save(figure, path)


def sweep_curves(values: list[str], p50: dict[str, list[float]], p95: dict[str, list[float]], varied: str,
                 path: Path) -> Path:
    """P50 and P95 of each metric against the varied value (one panel a metric)."""
    plt = _plt()
    metrics = list(p50)
    columns = 3
    rows = int(np.ceil(len(metrics) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows), squeeze=False)
    numeric = all(_is_number(v) for v in values)
    x = [float(v) for v in values] if numeric else list(range(len(values)))
    for axis, metric in zip(axes.ravel(), metrics):
        axis.plot(x, p50[metric], marker="o", label="P50")
        axis.plot(x, p95[metric], marker="s", linestyle="--", label="P95")
        axis.set_title(METRIC_LABELS.get(metric, metric), fontsize=9)
        axis.set_xlabel(varied, fontsize=8)
        if not numeric:
            axis.set_xticks(x, values, fontsize=7, rotation=20)
        axis.legend(fontsize=7)
    for axis in axes.ravel()[len(metrics):]:
        axis.axis("off")
    figure.suptitle(f"参数扫描 / sweep of {varied}")
    figure.tight_layout()
    return _save(figure, path)


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False

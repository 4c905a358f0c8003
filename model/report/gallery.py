"""The report's figures: each drawn from the run folder as PNG bytes, and the section that shows them numbered."""

from __future__ import annotations

import numpy as np

from model.report import analysis, figures
from model.report.blocks import ReportFigure, Section, figure_block
from model.report.texts import words
from model.runfolder import RunFolder, short_paths

PROTECTION_FIGURE = ("effective_reimbursement", "oop_share", "che_10", "che_ctp40", "impoverishment",
                     "che_10_inpatient_chronic", "che_ctp40_inpatient_chronic")
QUINTILE_FIGURE = ("che_10", "che_ctp40", "impoverishment")
EXPOSURES = (("ma_backstop", "exposure_ma_backstop"), ("outlay_supplementary", "exposure_outlay_supplementary"),
             ("outlay_hospital", "exposure_outlay_hospital"))
SWEEP_METRICS = ("outlay_ma", "outlay_backstop", "outlay_supplementary", "oop", "che_10", "impoverishment")
SWEEP_FIGURES = ("tradeoff", "sweep_curves")  # shown in the sweep's own section, after the others


def report_figures(run: RunFolder, lang: str) -> list[ReportFigure]:
    """Every figure of the report as PNG bytes, scenarios named in the report's language."""
    names = run.names(lang)
    made: list[ReportFigure] = []
    for metric, key in EXPOSURES:
        values = {label: analysis.replication_values(run, label, metric) for label in run.labels}
        if any(np.nansum(np.abs(v)) > 0 for v in values.values()):
            made.append(ReportFigure(key, figures.png_bytes(figures.exposure_figure(values, metric, names))))
    settled = ["total_cost", "oop"] + [f"outlay_{p}" for p in ("bmi", "cii", "ma", "backstop", "supplementary",
                                                                "hospital")]
    means = {label: {metric: run.stats(label, metric).get("mean") or 0.0 for metric in settled} for label in run.labels}
    made.append(ReportFigure("waterfall", figures.png_bytes(figures.waterfall_figure(means, names))))
    made.append(ReportFigure("funding", figures.png_bytes(figures.funding_figure(run.summary, names))))
    shown = tuple(m for m in PROTECTION_FIGURE if run.stats(run.labels[0], m))
    made.append(ReportFigure("protection", figures.png_bytes(figures.protection_figure(run.summary, shown, names)), shown))
    made.append(ReportFigure("quintiles", figures.png_bytes(figures.quintile_figure(run.tables["quintiles"], names, QUINTILE_FIGURE)),
                             QUINTILE_FIGURE))
    made.append(ReportFigure("flows", figures.png_bytes(figures.flows_figure(run.tables["flows"], names))))
    made.append(ReportFigure("cashflow", figures.png_bytes(figures.cashflow_figure(run.tables["cashflow"], names))))
    if run.kind == "sweep" and run.vary and "sweep" in run.tables:
        paths = [path for path, _ in run.vary]
        shorts = short_paths(paths)
        points = analysis.sweep_points(run)
        names = analysis.varied_labels(run)
        current, current_label = analysis.current_setting(run)
        made.append(ReportFigure("tradeoff", figures.png_bytes(
            figures.tradeoff_figure(points, shorts[paths[0]], shorts[paths[1]] if len(paths) > 1 else None,
                                    first_name=names.get(paths[0]), current=current_label))))
        swept = run.varied_values(current_label).get(paths[0]) if current_label else None
        made.append(ReportFigure("sweep_curves", figures.png_bytes(
            figures.sweep_lines_figure(run.tables["sweep"], paths, SWEEP_METRICS, names, swept))))
    return made


def figures_section(made: list[ReportFigure], lang: str) -> Section:
    """The figures, numbered from 1, but a sweep's own (they follow its table)."""
    blocks = [figure_block(index, figure, lang) for index, figure in enumerate(made, start=1)
              if figure.key not in SWEEP_FIGURES]
    return Section("figures", words("report", lang)["figures"], blocks)

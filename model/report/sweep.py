"""The report's sweep section: a point a setting (cost, budget, protection), set against the scheme's own."""

from __future__ import annotations

from model.report import analysis
from model.report.blocks import Paragraph, ReportFigure, Section, Table, definitions, figure_block
from model.report.gallery import SWEEP_FIGURES
from model.report.labels import metric_label
from model.report.numbers import missing, number, percent, signed, wan
from model.report.texts import words
from model.runfolder import RunFolder


def sweep(run: RunFolder, made: list[ReportFigure], lang: str, first_number: int) -> Section:
    """A sweep's points (cost, budget, protection), beside the scheme's own setting when it was swept, and the
    sweep's two figures numbered from `first_number`."""
    t = words("report", lang)
    s = words("sweep", lang)
    points = analysis.sweep_points(run)
    names = analysis.varied_labels(run)
    varied = [names[path][lang] for path, _ in run.vary]
    current, current_label = analysis.current_setting(run)
    headers = varied + [f"{metric_label('payers_total', lang)} P50 ({t['wan']})", "P95",
                        f"{metric_label('government_budget', lang)} P50 ({t['wan']})", "P95",
                        metric_label("che_10", lang), metric_label("che_25", lang), metric_label("impoverishment", lang)]
    if current_label is not None:
        headers += [s["diff_cost"], s["diff_budget"], s["diff_che"], s["per_household"]]
        base = points.set_index("scenario").loc[current_label]
        per_household = analysis.cost_per_household_protected(run, "che_10", reference=current_label) \
            .set_index("scenario")["cost_per_household"]
    rows = []
    for r in points.itertuples():  # itertuples: the index, the scenario, then the varied values
        row = [str(r[2 + index]) + (s["current"] if index == 0 and r.scenario == current_label else "")
               for index in range(len(varied))]
        row += [wan(r.cost_p50), wan(r.cost_p95), wan(r.government_budget_p50), wan(r.government_budget_p95),
                percent(r.che_10_mean, 2), percent(r.che_25_mean, 2), percent(r.impoverishment_mean, 2)]
        if current_label is not None:
            same = r.scenario == current_label
            cost = per_household.get(r.scenario, float("nan"))
            row += ["—" if same else signed("payers_total", r.cost_p50 - base["cost_p50"]),
                    "—" if same else signed("payers_total", r.government_budget_p50 - base["government_budget_p50"]),
                    "—" if same else f"{(r.che_10_mean - base['che_10_mean']) * 100:+.2f}",
                    "—" if same or missing(cost) or cost <= 0 else number(cost)]
        rows.append(row)
    values = ", ".join(f"{varied[index]} = {current[path]}" for index, (path, _) in enumerate(run.vary) if path in current)
    note = s["current_note" if current_label is not None else "missing_note"].format(values=values) if current else None
    blocks = [figure_block(first_number + index, figure, lang)
              for index, figure in enumerate(f for f in made if f.key in SWEEP_FIGURES)]
    return Section("sweep", t["sweep"], [Paragraph(t["sweep_lead"]),
                                         Table(headers, rows, css="sweep", numeric_from=len(varied)),
                                         *([Paragraph(note, "note")] if note else []),
                                         Paragraph(definitions(("che_10", "che_25", "impoverishment"), lang), "note"),
                                         *blocks])

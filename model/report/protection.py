"""The report's protection sections: reimbursement and catastrophic-spending rates, the differences between
schemes and what a protected household costs, and the rates by income quintile."""

from __future__ import annotations

from model.outcomes.protection import PROTECTION_METRICS
from model.report import analysis
from model.report.blocks import Heading, Paragraph, Range, Section, Spanned, Table, definitions
from model.report.labels import metric_kind, metric_label
from model.report.numbers import number, percent, signed, unit_of, wan
from model.report.texts import words
from model.runfolder import RunFolder

PROTECTION_SHOWN = ("effective_reimbursement", "oop_share") + PROTECTION_METRICS + ("target_reimbursement_share",)
DIFFERENCE_SHOWN = ("outlay_ma", "outlay_backstop", "outlay_supplementary", "outlay_hospital", "oop",
                    "effective_reimbursement", "che_10", "che_ctp40", "impoverishment", "che_10_inpatient_chronic",
                    "che_ctp40_inpatient_chronic", "impoverishment_inpatient_chronic")


def protection(run: RunFolder, lang: str) -> Section:
    """The protection section: each rate's mean with P5–P95, a comparison's differences from its first scheme and what
    a household kept from catastrophic spending costs."""
    t = words("report", lang)
    names = run.names(lang)
    shown = [m for m in PROTECTION_SHOWN if run.stats(run.labels[0], m)]  # runs made before a metric existed lack it
    headers = [t["scheme"]] + [metric_label(m, lang) for m in shown]
    rows = []
    for label in run.labels:
        row = [names[label]]
        for metric in shown:
            stats = run.stats(label, metric)
            row.append(Range(percent(stats.get("mean")), percent(stats.get("p5")), percent(stats.get("p95"))))
        rows.append(row)
    blocks = [Paragraph(t["protection_lead"]), Table(headers, rows, css="protection"),
              Paragraph(definitions(shown, lang), "note")]
    if run.validation is not None:  # hpa validate --into: the validation section compares them
        blocks.append(Paragraph(words("validation", lang)["protection_see"], "note"))
    if run.kind == "compare" and run.summary.get("differences"):
        reference = run.labels[0]
        blocks.append(Heading(t["differences"].format(reference=names[reference])))
        blocks.append(Paragraph(t["differences_lead"], "note"))
        differences_shown = [m for m in DIFFERENCE_SHOWN if run.stats(run.labels[0], m)]
        headers = [t["scheme"]] + [
            f"{metric_label(m, lang)} ({t['points'] if metric_kind(m) == 'rate' else unit_of(m, lang)})"
            for m in differences_shown]
        rows = []
        for label in run.labels[1:]:
            entry = run.summary["differences"].get(f"{label} - {reference}", {}).get("metrics", {})
            row = [names[label]]
            for metric in differences_shown:
                stats = entry.get(metric) or {}
                row.append(Range(*(signed(metric, stats.get(s)) for s in ("mean", "p5", "p95"))))
            rows.append(row)
        blocks.append(Table(headers, rows, css="differences"))
        blocks.append(Paragraph(definitions(differences_shown, lang), "note"))
        costs = analysis.cost_per_household_protected(run)
        blocks.append(Heading(t["cost_protected"]))
        blocks.append(Paragraph(t["cost_protected_lead"], "note"))
        rows = [[names[r.scenario], wan(r.extra_cost_mean), number(r.households_protected_mean),
                 Range(number(r.cost_per_household), number(r.cost_per_household_p5), number(r.cost_per_household_p95))]
                for r in costs.itertuples()]
        blocks.append(Table([t["scheme"], t["extra_cost"], t["households_protected"], t["cost_per_household"]], rows))
    return Section("protection", t["protection"], blocks)


def quintiles(run: RunFolder, lang: str) -> Section:
    """Catastrophic spending and impoverishment by household income quintile, each scheme's rows together."""
    t = words("report", lang)
    page = words("page", lang)
    names = run.names(lang)
    metrics = tuple(m for m in PROTECTION_METRICS if m in run.tables["quintiles"].columns)
    headers = [t["scheme"], t["quintile"], page["households"], page["income_upper"]] + \
        [metric_label(m, lang) for m in metrics] + [page["oop_per_household"]]
    rows = []
    table_ = run.tables["quintiles"]
    for label in run.labels:
        own = table_[table_["scenario"] == label].sort_values("quintile")
        for index, row in enumerate(own.itertuples()):
            rows.append([Spanned(names[label], len(own)) if index == 0 else None, int(row.quintile),
                         number(row.households), number(row.income_per_person_upper)]
                        + [percent(getattr(row, m)) for m in metrics] + [number(row.oop_per_household)])
    return Section("quintiles", t["quintiles"], [Paragraph(t["quintiles_lead"]),
                                                 Table(headers, rows, css="quintiles", numeric_from=1),
                                                 Paragraph(definitions(metrics, lang), "note")])

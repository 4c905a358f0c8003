"""The report's words on uncertainty: what its percentiles include, their Monte Carlo standard errors, the year of
prices and people, a warning when P99 rests on too few replications, and what drives the budget."""

from __future__ import annotations

from model.report.blocks import Figure, Paragraph, Section, Table, png_data, png_width
from model.report.numbers import missing
from model.report.texts import words
from model.runfolder import DRIVERS_INFO, DRIVERS_LABELS, RunFolder, read_drivers

# P99 by numpy's linear percentile lies between the two largest values below 100 replications.
P99_MINIMUM = 100

def plus_minus(text: str, se, scale: float = 1e4, decimals: int = 1) -> str:
    """'1,234.5 ±12.3': a percentile with its standard error (money in 万元 by default)."""
    if missing(se):
        return text
    return f"{text} ±{se / scale:,.{decimals}f}"


def precision_notes(run: RunFolder, lang: str) -> list[str]:
    """Sentences under the budget table: what the percentiles include, the years, and the P99 warning."""
    t = words("uncertainty", lang)
    entry = run.manifest.get("parameter_uncertainty")
    notes = [t["with_parameters"].format(count=len(entry.get("parameters", []))) if entry
             else t["without_parameters"]]
    years = run.manifest.get("years") or {}
    if years:
        notes.append(t["years"].format(prices=years.get("prices", "?"), people=years.get("people", "?")))
    if run.replications < P99_MINIMUM:
        notes.append(t["p99_warning"].format(reps=run.replications, minimum=P99_MINIMUM))
    return notes


def drivers_section(run: RunFolder, lang: str):
    """The drivers section (a blocks.Section) when the run folder holds drivers.csv (hpa drivers), else None."""
    import json

    from model.report.drivers_figure import drivers_figure
    from model.report.figures import png_bytes
    from model.report.labels import metric_label

    table = read_drivers(run.folder)
    if table is None or not (run.folder / DRIVERS_INFO).is_file():
        return None
    t = words("uncertainty", lang)
    info = json.loads((run.folder / DRIVERS_INFO).read_text(encoding="utf-8"))
    table.attrs.update(mean=info.get("mean"), p95=info.get("p95"))
    means = table[table["statistic"] == "mean"].sort_values("ST", ascending=False)
    p95 = table[table["statistic"] == "p95"].set_index("parameter")
    rows = []
    for row in means.itertuples():
        low, high = p95.loc[row.parameter, "low"], p95.loc[row.parameter, "high"]
        rows.append([getattr(row, DRIVERS_LABELS[lang]), f"{row.S1:.3f} ±{row.S1_conf:.3f}",
                     f"{row.ST:.3f} ±{row.ST_conf:.3f}",
                     f"{row.low / 1e4:,.1f} → {row.high / 1e4:,.1f}", f"{low / 1e4:,.1f} → {high / 1e4:,.1f}"])
    headers = [t["parameter"], "S1", "ST", t["mean"] + t["low_high"], "P95 " + t["low_high"]]
    png = png_bytes(drivers_figure(table, info["metric"], lang))
    lead = t["drivers_lead"].format(metric=metric_label(info["metric"], lang), method=info.get("method", "?"),
                                    runs=info.get("runs", "?"))
    return Section("drivers", t["drivers"], [Paragraph(lead, None),
                                             Figure("drivers", png_data(png), png_width(png), t["drivers"]),
                                             Table(headers, rows, css="drivers")])


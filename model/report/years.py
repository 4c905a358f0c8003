"""The report's multi-year section (hpa run/compare/sweep --years N): trajectories with bands, returns to poverty
by scheme, and what a change of rules (such as the transition period's phase-down) saves and costs in returns."""

from __future__ import annotations

from typing import Mapping

import numpy as np

from model.report.labels import metric_label

TRAJECTORIES = ("poor_share_end", "returned_to_poverty", "became_poor", "poverty_funds_by_year")
PERIOD_SHOWN = ("exited_poverty", "returned_to_poverty", "returned_due_to_illness", "became_poor",
                "became_poor_due_to_illness", "poor_due_to_illness_share", "entries_via_lost_work_share",
                "entries_via_bills_share", "debt_per_household")
FUNDS = ("outlay_bmi", "outlay_cii", "outlay_ma", "outlay_backstop", "outlay_supplementary", "outlay_hospital")
POVERTY_FUNDS = ("outlay_ma", "outlay_backstop", "outlay_supplementary", "outlay_hospital")

TEXT = {
    "zh": {
        "title": "六、多年动态：脱贫、返贫与新致贫",
        "lead": ("同一批住户逐年跟踪：收入按增长、持续性冲击与上年重病的劳动力损失变化，付不起的医疗费用成为债务，"
                 "在以后年份的收入中偿还；建档立卡户收入达线则脱贫（含年度脱贫任务），已脱贫户低于贫困线为返贫，"
                 "非建档立卡户低于贫困线为新致贫。区间为各次重复的P5–P95。"),
        "year": "年份", "scheme": "方案", "period": "全期", "difference": "与参照方案之差（P5–P95）",
        "funds": "各基金支出（万元，P50，括号内P95）",
        "comparators": ("对照（仅比较，不用于校准）：建档立卡贫困户中因病致贫返贫户占42.4%（2013）、44.1%（2015）、41.7%（2017），"
                        "2017年底未脱贫的965万户中411万户（42.6%）；因病致贫中33%因劳动力损失、12%因大额医疗费用（种子文件003）。"),
        "illness_note": ("“因病”：若无任何疾病影响（无劳动力损失、无旧债、无当年自付）该户收入不会低于贫困线。"
                         "模型比例为期间内新进入贫困（返贫+新致贫）者中因病者的占比，公布数字为存量贫困户中的占比。"
                         "第一年的收入为抽样所得（尚无收入冲击），该年的返贫全部来自当年的医疗费用。"),
        "caption": "各方案逐年轨迹：实线为均值，阴影为P5–P95。",
    },
    "en": {
        "title": "6. Over the years: exits, returns to poverty and new entries",
        "lead": ("The same households followed year by year: incomes move with growth, persistent shocks and the lost work "
                 "of last year's serious illness; bills a household cannot pay become debt repaid from later income. "
                 "Registered households exit when their income reaches the line (or the year's exit task lifts them), "
                 "exited households below the line return to poverty, others below it become poor. Bands are P5–P95 "
                 "over replications."),
        "year": "year", "scheme": "scheme", "period": "period", "difference": "difference from the reference (P5–P95)",
        "funds": "Fund outlays (10,000 yuan, P50, P95 in brackets)",
        "comparators": ("Comparators (compared only, never calibrated to): households poor because of illness were 42.4% (2013), "
                        "44.1% (2015), 41.7% (2017) of registered-poor households, 4.11 of the 9.65 million still poor at the end "
                        "of 2017 (42.6%); of illness-caused poverty 33% came through lost work and 12% through large bills (seed 003)."),
        "illness_note": ("'Caused by illness': without any effect of illness (no lost work, no old debts, no bills this year) the "
                         "household would have stayed above the line. The model's share is among households entering poverty in "
                         "the period (returns and new entries); the published figures are shares of the stock of poor households. "
                         "In the first year incomes are as drawn (no shock yet), so that year's returns all come from its bills."),
        "caption": "Trajectories by scheme: line the mean, band P5–P95.",
    },
}


def has_years(summary: dict) -> bool:
    return any("by_year" in entry for entry in summary.get("scenarios", {}).values())


def _stat(entry: dict, metric: str, statistic: str):
    value = (entry.get("metrics", {}).get(metric) or {}).get(statistic)
    return float("nan") if value is None else value


def trajectories(summary: dict) -> dict[str, dict[str, dict[str, list[float]]]]:
    """{metric: {label: {"years", "mean", "p5", "p95"}}} of the by_year metrics (poverty funds summed)."""
    result: dict = {}
    for label, entry in summary["scenarios"].items():
        years = sorted(entry.get("by_year", {}))
        for metric in TRAJECTORIES:
            series = {"years": [int(y) for y in years], "mean": [], "p5": [], "p95": []}
            for year in years:
                own = entry["by_year"][year]
                for statistic in ("mean", "p5", "p95"):
                    if metric == "poverty_funds_by_year":
                        # sums of percentiles bound the sum's percentile loosely; means add exactly
                        value = sum(_stat(own, m, statistic) for m in POVERTY_FUNDS)
                    else:
                        value = _stat(own, metric, statistic)
                    series[statistic].append(value)
            result.setdefault(metric, {})[label] = series
    return result


def trajectory_figure(summary: dict, names: Mapping[str, str], lang: str):
    from model.report.figures import new_figure

    data = trajectories(summary)
    figure = new_figure(9.0, 6.4)
    axes = figure.subplots(2, 2).ravel()
    for ax, metric in zip(axes, TRAJECTORIES):
        for label, series in data[metric].items():
            scale = 1e4 if metric == "poverty_funds_by_year" else 0.01
            mean = np.array(series["mean"]) / scale
            ax.plot(series["years"], mean, marker="o", label=names.get(label, label))
            ax.fill_between(series["years"], np.array(series["p5"]) / scale, np.array(series["p95"]) / scale, alpha=0.2)
        title = ({"zh": "扶贫倾斜支出（救助+兜底+补充+医院）", "en": "poverty tilt outlay (MA+backstop+suppl.+hospital)"}[lang]
                 if metric == "poverty_funds_by_year" else metric_label(metric, lang))
        unit = ("万元" if lang == "zh" else "10,000 yuan") if metric == "poverty_funds_by_year" else "%"
        ax.set_title(f"{title} ({unit})", fontsize=9)
        ax.set_xticks(data[metric][next(iter(data[metric]))]["years"])
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=7)
    return figure


def period_rows(summary: dict, names: Mapping[str, str], lang: str) -> tuple[list[str], list[list[str]]]:
    from model.report.html import metric_value, number

    labels = list(summary["scenarios"])
    headers = [TEXT[lang]["scheme"]] + [metric_label(m, lang) for m in PERIOD_SHOWN]
    rows = []
    for label in labels:
        entry = summary["scenarios"][label]
        rows.append([names.get(label, label)] + [number(_stat(entry, m, "mean")) if m == "debt_per_household"
                                                  else metric_value(m, _stat(entry, m, "mean")) for m in PERIOD_SHOWN])
    return headers, rows


def by_year_rows(summary: dict, names: Mapping[str, str], lang: str) -> tuple[list[str], list[list]]:
    from model.report.html import percent

    shown = ("exited_poverty", "returned_to_poverty", "became_poor", "poor_due_to_illness_share", "poor_share_end",
             "monitored_share")
    headers = [TEXT[lang]["scheme"], TEXT[lang]["year"]] + [metric_label(m, lang) for m in shown]
    rows = []
    for label, entry in summary["scenarios"].items():
        years = sorted(entry.get("by_year", {}))
        for index, year in enumerate(years):
            own = entry["by_year"][year]
            rows.append([(names.get(label, label), len(years)) if index == 0 else None, year]
                        + [f"{percent(_stat(own, m, 'mean'))} ({percent(_stat(own, m, 'p5'))}–{percent(_stat(own, m, 'p95'))})"
                           for m in shown])
    return headers, rows


def fund_rows(summary: dict, names: Mapping[str, str], lang: str) -> tuple[list[str], list[list]]:
    from model.report.html import wan

    headers = [TEXT[lang]["scheme"], TEXT[lang]["year"]] + [metric_label(m, lang) for m in FUNDS]
    extra = "backstop_balance" in next(iter(summary["scenarios"].values()))["metrics"]
    if extra:
        headers.append(metric_label("backstop_balance", lang))
    rows = []
    for label, entry in summary["scenarios"].items():
        years = sorted(entry.get("by_year", {}))
        parts = [(year, entry["by_year"][year]) for year in years] + [(TEXT[lang]["period"], entry)]
        for index, (year, own) in enumerate(parts):
            cells = [f"{wan(_stat(own, m, 'p50'))} ({wan(_stat(own, m, 'p95'))})" for m in FUNDS]
            if extra:
                cells.append(f"{wan(_stat(own, 'backstop_balance', 'p50'))} ({wan(_stat(own, 'backstop_balance', 'p5'))})")
            rows.append([(names.get(label, label), len(parts)) if index == 0 else None, year] + cells)
    return headers, rows


def difference_rows(summary: dict, lang: str) -> tuple[list[str], list[list]]:
    from model.report.html import signed

    shown = ("returned_to_poverty", "became_poor", "poor_due_to_illness_share") + POVERTY_FUNDS + ("oop",)
    headers = [TEXT[lang]["difference"]] + [metric_label(m, lang) for m in shown]
    rows = []
    for pair, entry in summary.get("differences", {}).items():
        rows.append([pair] + [f"{signed(m, _stat(entry, m, 'mean'))} ({signed(m, _stat(entry, m, 'p5'))}…{signed(m, _stat(entry, m, 'p95'))})"
                              for m in shown])
    return headers, rows


def section(run, lang: str, figure_number: int):
    """The multi-year section's HTML (with its figure), or '' for a one-year run."""
    from model.report import html
    from model.report.figures import png_bytes

    summary = run.summary
    if not has_years(summary):
        return ""
    t = TEXT[lang]
    names = run.names(lang)
    parts = [html.paragraph(t["lead"])]
    figure = html.ReportFigure("years", png_bytes(trajectory_figure(summary, names, lang)))
    block = html.figure_block(figure_number, figure, lang)
    parts.append(html.Markup(block.replace("</b>　", f"</b>　{html.esc(t['caption'])} ", 1)))
    headers, rows = by_year_rows(summary, names, lang)
    parts.append(html.table(headers, rows, css="years", numeric_from=2))
    headers, rows = period_rows(summary, names, lang)
    parts.append(html.table(headers, rows, css="years"))
    parts.append(html.paragraph(t["illness_note"], "note"))
    parts.append(html.paragraph(t["comparators"], "note"))
    headers, rows = difference_rows(summary, lang)
    if rows:
        parts.append(html.table(headers, rows, css="years"))
    headers, rows = fund_rows(summary, names, lang)
    parts.append(html.paragraph(t["funds"]))
    parts.append(html.table(headers, rows, css="years", numeric_from=2))
    return html.section("years", t["title"], *parts)

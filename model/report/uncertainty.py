"""The report's words on uncertainty: what its percentiles include, their Monte Carlo standard errors, the year of
prices and people, a warning when P99 rests on too few replications, and what drives the budget."""

from __future__ import annotations

import math

from model.runfolder import RunFolder

# P99 by numpy's linear percentile lies between the two largest values below 100 replications.
P99_MINIMUM = 100

TEXT = {
    "zh": {
        "with_parameters": ("以上分位数同时包含参数的不确定性（{count}个参数，如住院率、次均费用、就医选择，每次重复按Sobol序列抽取一组，"
                            "见附录B的parameter_uncertainty）与谁生病的随机性。±后为蒙特卡洛标准误（Maritz–Jarrett）。"),
        "without_parameters": ("本次运行固定全部参数（--no-parameter-uncertainty），分位数只反映谁生病的随机性，"
                               "会低估真实年份间的波动。±后为蒙特卡洛标准误（Maritz–Jarrett）。"),
        "years": "费用与利用水平按{prices}年计；人口（收入、脱贫比例）按{people}年。",
        "p99_warning": ("注意：P99只基于{reps}次重复（至少需要{minimum}次，P99才不只是最大的两个值之间的插值），"
                        "请用更多重复（--reps，或 --precision）后再引用P99。"),
        "drivers": "七、预算由什么决定",
        "drivers_lead": ("{metric}的均值对各不确定参数的全局敏感性：一阶指数S1为该参数单独解释的方差比例，"
                         "总指数ST含其与其他参数的交互；误差线为95%置信区间（{method}，{runs}次模型运行）。"
                         "右图：参数取其5%与95%分位数、其他参数照常变化时，均值与P95的变化。"),
        "parameter": "参数",
        "low_high": "低 → 高（万元/年）",
    },
    "en": {
        "with_parameters": ("These percentiles include parameter uncertainty ({count} parameters such as admission rates, "
                            "costs per admission and care-seeking, one set drawn a replication from a Sobol sequence; see "
                            "parameter_uncertainty in appendix B) as well as who falls ill. After ± is the Monte Carlo "
                            "standard error (Maritz–Jarrett)."),
        "without_parameters": ("This run held every parameter fixed (--no-parameter-uncertainty): the percentiles show only "
                               "who falls ill and understate how much a real year can vary. After ± is the Monte Carlo "
                               "standard error (Maritz–Jarrett)."),
        "years": "Costs and use are at {prices} levels; the population (incomes, exits from poverty) is that of {people}.",
        "p99_warning": ("Caution: P99 rests on {reps} replications (at least {minimum} are needed before P99 is more than "
                        "an interpolation between the two largest values); run more (--reps, or --precision) before "
                        "quoting P99."),
        "drivers": "7. What drives the budget",
        "drivers_lead": ("Global sensitivity of the mean of {metric} to each uncertain parameter: the first-order index S1 "
                         "is the share of variance the parameter explains alone, the total index ST adds its interactions; "
                         "bars are 95% confidence intervals ({method}, {runs} model runs). Right: the mean and P95 when "
                         "the parameter sits at its 5% and 95% quantiles while the others vary as usual."),
        "parameter": "parameter",
        "low_high": "low → high (10,000 yuan a year)",
    },
}


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def plus_minus(text: str, se, scale: float = 1e4, decimals: int = 1) -> str:
    """'1,234.5 ±12.3': a percentile with its standard error (money in 万元 by default)."""
    if _missing(se):
        return text
    return f"{text} ±{se / scale:,.{decimals}f}"


def precision_notes(run: RunFolder, lang: str) -> list[str]:
    """Sentences under the budget table: what the percentiles include, the years, and the P99 warning."""
    t = TEXT[lang]
    entry = run.manifest.get("parameter_uncertainty")
    notes = [t["with_parameters"].format(count=len(entry.get("parameters", []))) if entry
             else t["without_parameters"]]
    years = run.manifest.get("years") or {}
    if years:
        notes.append(t["years"].format(prices=years.get("prices", "?"), people=years.get("people", "?")))
    if run.replications < P99_MINIMUM:
        notes.append(t["p99_warning"].format(reps=run.replications, minimum=P99_MINIMUM))
    return notes


def drivers_section(run: RunFolder, lang: str) -> tuple[str, str, str] | None:
    """(anchor, title, HTML) of the drivers section when the run folder holds drivers.csv (hpa drivers), else None."""
    import base64
    import html
    import json

    import pandas as pd

    from model.drivers.figure import drivers_figure
    from model.report.figures import DPI, png_bytes
    from model.report.labels import metric_label

    path = run.folder / "drivers.csv"
    if not path.is_file() or not (run.folder / "drivers.json").is_file():
        return None
    t = TEXT[lang]
    info = json.loads((run.folder / "drivers.json").read_text(encoding="utf-8"))
    table = pd.read_csv(path)
    table.attrs.update(mean=info.get("mean"), p95=info.get("p95"))
    means = table[table["statistic"] == "mean"].sort_values("ST", ascending=False)
    p95 = table[table["statistic"] == "p95"].set_index("parameter")
    part = 0 if lang == "zh" else -1
    rows = []
    for row in means.itertuples():
        low, high = p95.loc[row.parameter, "low"], p95.loc[row.parameter, "high"]
        numeric = ' class="num"'
        rows.append("<tr>" + "".join(f"<td{numeric if i else ''}>{html.escape(str(cell))}</td>" for i, cell in enumerate([
            row.label.split(" / ")[part], f"{row.S1:.3f} ±{row.S1_conf:.3f}", f"{row.ST:.3f} ±{row.ST_conf:.3f}",
            f"{row.low / 1e4:,.1f} → {row.high / 1e4:,.1f}", f"{low / 1e4:,.1f} → {high / 1e4:,.1f}"])) + "</tr>")
    headers = [t["parameter"], "S1", "ST", ("均值 " if lang == "zh" else "mean ") + t["low_high"],
               "P95 " + t["low_high"]]
    png = png_bytes(drivers_figure(table, info["metric"], lang))
    width = round(int.from_bytes(png[16:20], "big") * 96 / DPI)
    lead = t["drivers_lead"].format(metric=metric_label(info["metric"], lang), method=info.get("method", "?"),
                                    runs=info.get("runs", "?"))
    body = (f'<p>{html.escape(lead)}</p>'
            f'<figure id="figure-drivers"><img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" '
            f'width="{width}" alt="{html.escape(t["drivers"])}"></figure>'
            '<div class="table-scroll"><table class="drivers"><thead><tr>' + "".join(f"<th>{html.escape(h)}</th>" for h in headers)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")
    return "drivers", t["drivers"], body

"""report.html: one self-contained page a county finance director can read and hand on.

Figures as data URIs, inline CSS and font, no script, no external address. What to budget and who pays come first,
then protection, the figures, monthly cash, quintiles (and a sweep's trade-off), then the appendices."""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
from dataclasses import dataclass

import numpy as np

from model.errors import InputError
from model.outcomes.protection import PROTECTION_METRICS, definition_text, split_metric
from model.report import analysis, figures
from model.report.labels import TEXT, metric_kind, metric_label, payer_label, pick
from model.report.params import SchemeParameters, differences, scheme_parameters, show_when
from model.runfolder import RunFolder, short_paths
from model.report.uncertainty import drivers_section, plus_minus, precision_notes
from model.report.webfont import FAMILY, font_face_css
from model.runner.summary import STATISTICS

PROTECTION_SHOWN = ("effective_reimbursement", "oop_share") + PROTECTION_METRICS + ("target_reimbursement_share",)
DIFFERENCE_SHOWN = ("outlay_ma", "outlay_backstop", "outlay_supplementary", "outlay_hospital", "oop",
                    "effective_reimbursement", "che_10", "che_ctp40", "impoverishment", "che_10_inpatient_chronic",
                    "che_ctp40_inpatient_chronic", "impoverishment_inpatient_chronic")
PROTECTION_FIGURE = ("effective_reimbursement", "oop_share", "che_10", "che_ctp40", "impoverishment",
                     "che_10_inpatient_chronic", "che_ctp40_inpatient_chronic")
QUINTILE_FIGURE = ("che_10", "che_ctp40", "impoverishment")
EXPOSURES = (("ma_backstop", "exposure_ma_backstop"), ("outlay_supplementary", "exposure_outlay_supplementary"),
             ("outlay_hospital", "exposure_outlay_hospital"))
SWEEP_METRICS = ("outlay_ma", "outlay_backstop", "outlay_supplementary", "oop", "che_10", "impoverishment")


class Markup(str):
    """HTML already escaped: put in as it is."""


def esc(value: object) -> Markup:
    return value if isinstance(value, Markup) else Markup(html.escape(str(value)))


@dataclass
class ReportFigure:
    key: str
    png: bytes
    metrics: tuple[str, ...] = ()  # protection metrics it shows: their definitions go in its caption


def definitions(metrics, lang: str) -> str:
    """Definition and scope of each protection metric among `metrics`, one sentence (Chinese first, English beside)."""
    shown = [m for m in dict.fromkeys(metrics) if split_metric(m)[0] in ("che_10", "che_25", "che_ctp40", "impoverishment")]
    if not shown:
        return ""
    lead = "定义与口径 / definition and scope: " if lang == "zh" else "Definition and scope / 定义与口径: "
    return lead + " | ".join(f"{metric_label(m, lang)} = {definition_text(m, lang)}" for m in shown)


# -- numbers --------------------------------------------------------------------------------------------------

def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def wan(value, decimals: int = 1) -> str:
    return "—" if _missing(value) else f"{value / 1e4:,.{decimals}f}"


def percent(value, decimals: int = 1) -> str:
    if _missing(value):
        return "—"
    if value != 0 and abs(value) < 0.001:
        decimals = 3
    return f"{value * 100:.{decimals}f}%"


def number(value, decimals: int = 0) -> str:
    return "—" if _missing(value) else f"{value:,.{decimals}f}"


def metric_value(metric: str, value, precise: bool = False) -> str:
    """A metric's value for a table: money in 万元, rates and loss ratios in %, counts as they are."""
    kind = metric_kind(metric)
    if kind == "money":
        return wan(value, 2 if precise else 1)
    if kind in ("rate", "ratio"):
        return percent(value, 2 if precise else 1)
    return number(value, 1 if precise and not _missing(value) and value != round(value) else 0)


def signed(metric: str, value) -> str:
    """A difference: money in 万元, rates in percentage points, with its sign."""
    if _missing(value):
        return "—"
    if metric_kind(metric) == "money":
        return f"{value / 1e4:+,.1f}"
    return f"{value * 100:+.1f}" if metric_kind(metric) in ("rate", "ratio") else f"{value:+,.0f}"


def unit_of(metric: str, lang: str) -> str:
    kind = metric_kind(metric)
    return {"money": "万元" if lang == "zh" else "10,000 yuan", "rate": "%", "ratio": "%",
            "count": "人次" if lang == "zh" else "count"}[kind]


# -- building blocks ------------------------------------------------------------------------------------------

def table(headers: list, rows: list[list], css: str = "", numeric_from: int = 1, key_column: int | None = None,
          widths: list[str] | None = None, nowrap: tuple[int, ...] = ()) -> Markup:
    """A table; cells from column `numeric_from` on are right-aligned numbers, column `key_column` is highlighted.
    A cell may be (text, rowspan); None marks a cell covered by a rowspan from above. Columns count logically, so
    a highlighted or unwrapped column stays itself in rows under a rowspan."""

    def classes(index: int) -> str:
        names = (["num"] if index >= numeric_from else []) + (["key"] if index == key_column else []) + \
            (["nowrap"] if index in nowrap else [])
        return f' class="{" ".join(names)}"' if names else ""

    columns = "".join(f'<col style="width:{w}">' for w in widths) if widths else ""
    head = "".join(f"<th{classes(i) if i == key_column else ''}>{esc(h)}</th>" for i, h in enumerate(headers))
    body = []
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            span = ""
            if isinstance(cell, tuple):
                cell, rows_spanned = cell
                span = f' rowspan="{rows_spanned}"'
            if cell is None:
                continue
            cells.append(f"<td{classes(index)}{span}>{esc(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    colgroup = f"<colgroup>{columns}</colgroup>" if columns else ""
    # a wide table scrolls inside its own box, so a phone screen keeps its width and the page does not scroll sideways
    return Markup(f'<div class="table-scroll"><table class="{css}">{colgroup}<thead><tr>{head}</tr></thead>'
                  f'<tbody>{"".join(body)}</tbody></table></div>')


def section(anchor: str, title: str, *parts: str) -> Markup:
    return Markup(f'<section id="{anchor}"><h2>{esc(title)}</h2>' + "".join(parts) + "</section>")


def paragraph(text: str, css: str = "") -> Markup:
    return Markup(f'<p class="{css}">{esc(text)}</p>')


def with_range(value: str, low: str, high: str) -> Markup:
    return Markup(f'{esc(value)}<br><span class="range">{esc(low)} – {esc(high)}</span>')


# -- figures ---------------------------------------------------------------------------------------------------

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


def figure_block(number_: int, figure: ReportFigure, lang: str) -> Markup:
    data = base64.b64encode(figure.png).decode("ascii")
    caption = " ".join(filter(None, (TEXT[lang]["captions"].get(figure.key, ""), definitions(figure.metrics, lang))))
    word = TEXT[lang]["figure"]
    # shown at its physical size (a CSS pixel is 1/96 inch), so every figure's text has the same size on the page
    width = round(int.from_bytes(figure.png[16:20], "big") * 96 / figures.DPI)
    return Markup(f'<figure id="figure-{esc(figure.key)}"><img src="data:image/png;base64,{data}" width="{width}" '
                  f'alt="{esc(caption)}"><figcaption><b>{esc(word)} {number_}</b>　{esc(caption)}</figcaption></figure>')


# -- sections --------------------------------------------------------------------------------------------------

def headline(run: RunFolder, lang: str) -> Markup:
    t = TEXT[lang]
    names = run.names(lang)
    budget = analysis.budget_headline(run)
    rows = [[names[r.scenario], plus_minus(wan(r.p50), r.p50_se), plus_minus(wan(r.p95), r.p95_se),
             plus_minus(wan(r.p99), r.p99_se), number(r.p95_per_person, 1)]
            for r in budget.itertuples()]
    first = table([t["scheme"], "P50", "P95", "P99", t["per_person"]], rows, css="headline", key_column=2)
    levels = analysis.government_levels(run)
    silent = [level for level in ("province", "prefecture", "county")
              if not (levels.loc[levels["level"] == level, ["mean", "p99"]].abs().to_numpy() > 0).any()]
    if 0 < len(silent) < 3:  # a level that pays nothing in any scenario gets a sentence, not rows of zeros
        levels = levels[~levels["level"].isin(silent)]
    level_rows = []
    for label in run.labels:
        own = levels[levels["scenario"] == label]
        for index, row in enumerate(own.itertuples()):
            name = t["total_government"] if row.level == "total" else pick(
                {"province": "省级 / province", "prefecture": "市州级 / prefecture", "county": "县级 / county"}[row.level],
                lang)
            level_rows.append([(names[label], len(own)) if index == 0 else None, name, wan(row.mean),
                               plus_minus(wan(row.p50), row.p50_se), plus_minus(wan(row.p95), row.p95_se),
                               plus_minus(wan(row.p99), row.p99_se)])
    second = table([t["scheme"], t["level"], t["mean"], "P50", "P95", "P99"], level_rows, css="levels", numeric_from=2,
                   key_column=4)
    if 0 < len(silent) < 3:
        second = Markup(second + paragraph(t["levels_silent"].format(
            levels=("、" if lang == "zh" else ", ").join(t["level_names"][level] for level in silent)), "note"))
    tilted = {label: sum(run.stats(label, f"tilt_{payer}").get("mean") or 0.0 for payer in ("bmi", "cii"))
              for label in run.labels}
    if any(amount > 0 for amount in tilted.values()):
        second = Markup(second + paragraph(t["tilt_note"].format(
            schemes=("、" if lang == "zh" else ", ").join(names[label] for label in run.labels if tilted[label] > 0),
            amount=("、" if lang == "zh" else ", ").join(wan(tilted[label]) for label in run.labels if tilted[label] > 0)),
            "note"))
    return section("headline", t["headline"], paragraph(t["headline_lead"]),
                   Markup(f'<h3>{esc(t["ma_backstop"])}</h3>'), first,
                   *[paragraph(note, "note") for note in precision_notes(run, lang)],
                   paragraph(t["headline_scale"].format(persons=run.persons), "note"),
                   Markup(f'<h3>{esc(t["who_pays"])}</h3>'), paragraph(t["who_pays_lead"], "note"), second)


BRIEF_TEXT = {
    "zh": {"title": "简报", "lead": "保障方案“{scheme}”下预算年度应安排的资金（万元）；P50 为一般年份所需，P95 为二十年一遇的高支出年份所需，"
                              "建议按 P95 预留。同一内容见运行目录中的 brief.html / brief.pdf / brief.docx。",
           "fund": "资金", "statistic": "分位", "total": "合计", "premiums": "参保资助与保费（另列，万元/年）",
           "protection": "保障效果", "drivers": "预算的三大驱动因素",
           "funds": {"backstop": "兜底保障", "ma": "医疗救助"}, "levels": ["省级", "市州", "县级"]},
    "en": {"title": "Brief", "lead": "Budget to set aside under the scheme \u201c{scheme}\u201d (10,000 yuan): P50 is a typical "
                              "year, P95 a one-in-twenty costly year, the amount to reserve. The same content is in the run "
                              "folder's brief.html / brief.pdf / brief.docx (Chinese).",
           "fund": "fund", "statistic": "statistic", "total": "total", "premiums": "Premiums and subsidies (separate, 10,000 yuan a year)",
           "protection": "Protection", "drivers": "Three largest drivers of the budget",
           "funds": {"backstop": "backstop", "ma": "medical assistance"}, "levels": ["province", "prefecture", "county"]},
}
PREMIUM_EN = {"参保资助·省级": "subsidy · province", "参保资助·市州": "subsidy · prefecture", "参保资助·县级": "subsidy · county",
              "补充保险保费": "supplementary premium", "大病保险保费": "CII premium"}


def brief_section(run: RunFolder, lang: str) -> Markup | None:
    """The brief (简报) at the top of the report: budget by fund and level at P50/P95, premiums apart, protection in
    one sentence, the drivers when computed; the same `Brief` that brief.html prints, so the two cannot disagree."""
    from model.brief.content import build_brief, drivers_sentence

    label = run.labels[0]
    if run.kind == "sweep" and run.vary:  # a sweep's brief is the scheme's own setting, when it was swept
        label = analysis.current_setting(run)[1] or label
    try:
        brief = build_brief(run.folder, label)
    except (KeyError, IndexError, InputError, OSError):
        return None
    t = BRIEF_TEXT[lang]
    scheme = ((run.entry(label).get("name") or {}).get(lang) or brief.scheme)
    if run.kind == "sweep" and run.vary:
        names = analysis.varied_labels(run)
        setting = ", ".join(f"{pick(names[path], lang)} = {value}" for path, value in run.varied_values(label).items())
        scheme += f"（{setting}）" if lang == "zh" else f" ({setting})"
    rows = [[t["funds"][row.fund], row.statistic, row.total, *row.levels] for row in brief.fund_rows]
    parts = [paragraph(t["lead"].format(scheme=scheme)),
             table([t["fund"], t["statistic"], t["total"], *t["levels"]], rows, css="brief", numeric_from=2, key_column=2)]
    if brief.premium_rows:
        parts += [Markup(f'<h3>{esc(t["premiums"])}</h3>'),
                  table([label if lang == "zh" else PREMIUM_EN.get(label, label) for label, _ in brief.premium_rows],
                        [[amount for _, amount in brief.premium_rows]], css="brief-premiums", numeric_from=0)]
    parts += [Markup(f'<h3>{esc(t["protection"])}</h3>'),
              paragraph(brief.protection if lang == "zh" else _protection_en(run, label))]
    if brief.drivers:
        parts += [Markup(f'<h3>{esc(t["drivers"])}</h3>'), paragraph(drivers_sentence(brief))]
    return section("brief", t["title"], *parts)


def _protection_en(run: RunFolder, label: str) -> str:
    rate = {m: run.stats(label, m).get("mean") for m in
            ("effective_reimbursement", "oop_share", "che_10", "impoverishment", "target_reimbursement_share",
             "target_reimbursement")}
    target = rate["target_reimbursement"]
    meets = (f", and {percent(rate['target_reimbursement_share'])} of compliant admissions reach the scheme's own "
             f"target of {percent(target)}" if target is not None and target == target else "")
    return (f"Poor residents' effective reimbursement is about {percent(rate['effective_reimbursement'])}, their "
            f"out-of-pocket share {percent(rate['oop_share'])}{meets}; {percent(rate['che_10'])} of households still "
            f"pay more than 10% of their income (all out-of-pocket), and {percent(rate['impoverishment'])} fall below "
            f"the poverty line through medical costs.")


def protection(run: RunFolder, lang: str) -> Markup:
    t = TEXT[lang]
    names = run.names(lang)
    shown = [m for m in PROTECTION_SHOWN if run.stats(run.labels[0], m)]  # runs made before a metric existed lack it
    headers = [t["scheme"]] + [metric_label(m, lang) for m in shown]
    rows = []
    for label in run.labels:
        row = [names[label]]
        for metric in shown:
            stats = run.stats(label, metric)
            row.append(with_range(percent(stats.get("mean")), percent(stats.get("p5")), percent(stats.get("p95"))))
        rows.append(row)
    parts = [paragraph(t["protection_lead"]), table(headers, rows, css="protection"), paragraph(definitions(shown, lang), "note")]
    if run.kind == "compare" and run.summary.get("differences"):
        reference = run.labels[0]
        parts.append(Markup(f'<h3>{esc(t["differences"].format(reference=names[reference]))}</h3>'))
        parts.append(paragraph(t["differences_lead"], "note"))
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
                row.append(with_range(*(signed(metric, stats.get(s)) for s in ("mean", "p5", "p95"))))
            rows.append(row)
        parts.append(table(headers, rows, css="differences"))
        parts.append(paragraph(definitions(differences_shown, lang), "note"))
        costs = analysis.cost_per_household_protected(run)
        parts.append(Markup(f'<h3>{esc(t["cost_protected"])}</h3>'))
        parts.append(paragraph(t["cost_protected_lead"], "note"))
        rows = [[names[r.scenario], wan(r.extra_cost_mean), number(r.households_protected_mean),
                 with_range(number(r.cost_per_household), number(r.cost_per_household_p5),
                            number(r.cost_per_household_p95))]
                for r in costs.itertuples()]
        parts.append(table([t["scheme"], t["extra_cost"], t["households_protected"], t["cost_per_household"]], rows))
    return section("protection", t["protection"], *parts)


TARGET_LABELS = {
    "reimbursement": "方案报销目标（合规住院，合计） / the scheme's reimbursement target (compliant admissions, pooled)",
    "oop_compliant": "合规费用个人自付不超过（麦积区） / compliant out-of-pocket at most (Maiji)",
    "oop_share_inpatient": "县域内住院个人自付比≤（秋季攻坚） / OOP share, county inpatient ≤ (seed 002)",
    "oop_share_chronic": "县域内慢病门诊个人自付比≤（秋季攻坚） / OOP share, county chronic outpatient ≤ (seed 002)",
}


TARGETS_TITLE = "目标达成 / Targets met"
READINGS_TITLE = "解读 / Readings"


def bilingual_table_section(anchor: str, title: str, lead: str, headers: list[str], rows: list[list], lang: str) -> Markup:
    """A section of one table whose title, lead and headers are '中文 / English' texts, shown in `lang`."""
    return section(anchor, pick(title, lang), paragraph(pick(lead, lang), "note"),
                   table([pick(header, lang) for header in headers], rows, css=anchor, numeric_from=2))


def targets(run: RunFolder, lang: str) -> Markup:
    """Which targets each scheme meets: its own, and seed 002's yardstick for all."""
    names = run.names(lang)
    rows = [[names[r.scenario], pick(TARGET_LABELS[r.target], lang), percent(r.threshold), percent(r.value),
             pick("达到 / met", lang) if r.met else pick("未达到 / not met", lang),
             "" if np.isnan(r.share_of_admissions) else percent(r.share_of_admissions)]
            for r in analysis.targets_table(run).itertuples()]
    return bilingual_table_section(
        "targets", TARGETS_TITLE,
        "各方案自身文件中的报销目标（随县、X州90%，麦积区85%及其合规自付10%-15%，15%以下即达到），以及"
        "秋季攻坚（种子002）县域内住院和慢病门诊个人自付各不超过10%（2018年脱贫验收标准，作为所有方案的共同尺度）。"
        " / Each scheme's own reimbursement target (X prefecture and Sui County 90%, Maiji 85% and its compliant "
        "out-of-pocket of 10%-15%, met at 15% or less), and seed 002's out-of-pocket share of at most 10% for "
        "county inpatient and chronic-outpatient costs each (the 2018 exit standard, a yardstick for every scheme).",
        [TEXT[lang]["scheme"], "目标 / target", "标准 / threshold", "模拟值（均值） / simulated (mean)", "是否达到 / met?",
         "逐例达到目标的住院占比 / admissions at the target"], rows, lang)


def readings(run: RunFolder, lang: str) -> Markup:
    """The spread that the readings (values the seed leaves open) make in each scheme's budget."""
    names = run.names(lang)
    data = analysis.readings_table(run)
    payers = [payer for payer in analysis.READING_PAYERS if data[f"{payer}_p50"].abs().sum() > 0]
    rows = [[names[r.scheme], names[r.scenario], wan(r.budget_p50), wan(r.budget_p95), wan(r.poverty_funds_p50),
             wan(r.poverty_funds_p95)] + [wan(getattr(r, f"{payer}_p50")) for payer in payers] for r in data.itertuples()]
    return bilingual_table_section(
        "readings", READINGS_TITLE,
        "种子文件未定、规范第2版以假设确定的取值（scenarios/readings/）：每种解读下的预算（万元/年）。支付方合计＝总费用−个人自付；"
        "扶贫资金＝医疗救助+兜底+补充保险+医院基金。 / Values the seeds leave open, fixed by version 2 as "
        "assumptions (scenarios/readings/): the budget under each reading (10,000 yuan a year). All payers = total "
        "cost − out of pocket; poverty funds = medical assistance + backstop + supplementary + hospital fund.",
        [TEXT[lang]["scheme"], "解读 / reading", "支付方合计 P50 / all payers P50", "支付方合计 P95 / all payers P95",
         "扶贫资金 P50 / poverty funds P50", "扶贫资金 P95 / poverty funds P95"]
        + [f"{payer_label(payer, lang)} P50" for payer in payers], rows, lang)


PROGRAMMES_TITLE = "项目支出 / Programme costs"
PROGRAMME_LEVEL_LABELS = {
    "central": "中央 / central", "province": "省级 / province", "prefecture": "市州 / prefecture",
    "county": "县级 / county", "bmi_fund": "医保基金 / BMI fund", "public_health": "公卫经费 / public-health funds",
}


def programmes(run: RunFolder, lang: str) -> Markup:
    """Programme costs that are not claims beside the claims' outlays, by who pays (issue 18)."""
    names = run.names(lang)
    rows = [[names[r.scenario], pick(PROGRAMME_LEVEL_LABELS[r.level], lang), wan(r.claims), wan(r.programmes), wan(r.total)]
            for r in analysis.programme_table(run).itertuples()]
    return bilingual_table_section(
        "programmes", PROGRAMMES_TITLE,
        "方案文件所列非理赔项目（家庭医生签约、健康体检、村卫生室、村医补助、全科医生、重点专科；单位×单价×分担，"
        "全省项目按所述县域份额折算；执行期年均），与理赔支出按承担方并列（万元/年，重复均值）。"
        "理赔支出即资金来源（funding_*）。 / Programme costs that are not claims, as the scheme file lists them "
        "(family-doctor contracts, check-ups, village clinics, village doctors' pay, GPs, specialties: units × unit "
        "cost × who pays, province-wide items scaled by the stated county share; a year, averaged over the years in "
        "force), beside the claims' outlays by who pays them (10,000 yuan a year, means over replications). Claim "
        "outlays are the funding_* figures.",
        [TEXT[lang]["scheme"], "承担方 / paid by", "理赔支出 / claim outlays", "项目支出 / programme costs",
         "合计 / total"], rows, lang)


CAPITATION_TITLE = "按人头打包付费 / Capitation"
CAPITATION_LABELS = {
    "capitation_budget": "打包预算（政府支出，有打包） / budget (the government's outlay with capitation)",
    "capitation_bundled_outlay": "打包资金实际支付（政府支出，无打包） / bundled funds' claims (the government's outlay without)",
    "capitation_surplus": "牵头医院结余（负为超支） / lead hospital's surplus (negative: deficit)",
}


def capitation(run: RunFolder, lang: str) -> Markup:
    """The lead hospital's surplus or deficit and the government's outlay with and without capitation."""
    names = run.names(lang)
    rows = [[names[r.scenario], pick(CAPITATION_LABELS[r.metric], lang), wan(r.p5), wan(r.p50), wan(r.p95), wan(r.mean)]
            for r in analysis.capitation_table(run).itertuples()]
    return bilingual_table_section(
        "capitation", CAPITATION_TITLE,
        "X州（七）2「超支自负,结余留用」：打包资金（基本医保、大病保险、医疗救助、兜底保障）按人头预算付给医共体牵头医院；"
        "报销照旧，打包资金对覆盖人群的支付由预算承担，医院保留结余、承担超支（万元/年，各次重复）。 / XZ (七)2, "
        "'the hospital bears an overrun and keeps a surplus': the bundled funds (basic insurance, critical-illness "
        "insurance, medical assistance, backstop) paid to the lead hospital as a budget a covered person; claims settle "
        "as before, the bundled funds' payments on the covered persons' claims come out of the budget, and the hospital "
        "keeps the surplus or bears the deficit (10,000 yuan a year, across replications).",
        [TEXT[lang]["scheme"], "项目 / item", "P5", "P50", "P95", "均值 / mean"], rows, lang)


DEBTS_TITLE = "先诊疗后付费 / Pay after treatment"
DEBT_LABELS = {"deferred_oop": "患者延期（分期）自付 / out-of-pocket deferred by patients",
               "bad_debt": "医院坏账 / hospitals' bad debt"}


def debts(run: RunFolder, lang: str) -> Markup:
    """Patients' deferred out-of-pocket and the hospitals' bad debt (the cash-flow table has them by month)."""
    names = run.names(lang)
    rows = [[names[r.scenario], pick(DEBT_LABELS[r.metric], lang), wan(r.p50), wan(r.p95), wan(r.mean)]
            for r in analysis.debts_table(run).itertuples()]
    return bilingual_table_section(
        "debts", DEBTS_TITLE,
        "县域内住院不交押金；部分患者出院时签订延期（分期）还款协议，部分最终未还，计为医院坏账（万元，当年出院者；"
        "按月的应收与坏账见现金流表 payer=patients）。比例与期限为方案文件中的假设值，可调整。 / No deposit in the county; "
        "some patients sign deferred (instalment) agreements at discharge and some never repay: the hospitals' bad "
        "debt (10,000 yuan, for the year's discharges; receivables and bad debt by month in the cash-flow table, "
        "payer = patients). Shares and terms are assumed values in the scheme file, adjustable.",
        [TEXT[lang]["scheme"], "项目 / item", "P50", "P95", "均值 / mean"], rows, lang)


def figures_section(made: list[ReportFigure], lang: str) -> Markup:
    blocks = [figure_block(index, figure, lang) for index, figure in enumerate(made, start=1)
              if figure.key not in ("tradeoff", "sweep_curves")]
    return section("figures", TEXT[lang]["figures"], *blocks)


def cash(run: RunFolder, lang: str) -> Markup:
    t = TEXT[lang]
    names = run.names(lang)
    need = analysis.monthly_cash_need(run)
    shown = [label for label in need.columns if need[label].abs().sum() > 0]
    if not shown:
        return section("cash", t["cash"], paragraph(t["cash_lead"]), paragraph(t["none"]))
    rows = [[int(month)] + [wan(need.loc[month, label]) for label in shown] for month in need.index]
    rows.append([t["total_government"]] + [wan(need[label].sum()) for label in shown])
    return section("cash", t["cash"], paragraph(t["cash_lead"]),
                   table([t["month"]] + [names[label] for label in shown], rows, css="cash"))


def quintiles(run: RunFolder, lang: str) -> Markup:
    t = TEXT[lang]
    names = run.names(lang)
    metrics = tuple(m for m in PROTECTION_METRICS if m in run.tables["quintiles"].columns)
    headers = [t["scheme"], t["quintile"], "住户 / households" if lang == "zh" else "households",
               ("人均收入上限（元）" if lang == "zh" else "income a person up to (yuan)")] + \
        [metric_label(m, lang) for m in metrics] + [("户均自付（元）" if lang == "zh" else "OOP a household (yuan)")]
    rows = []
    table_ = run.tables["quintiles"]
    for label in run.labels:
        own = table_[table_["scenario"] == label].sort_values("quintile")
        for index, row in enumerate(own.itertuples()):
            rows.append([(names[label], len(own)) if index == 0 else None, int(row.quintile), number(row.households),
                         number(row.income_per_person_upper)] + [percent(getattr(row, m)) for m in metrics]
                        + [number(row.oop_per_household)])
    return section("quintiles", t["quintiles"], paragraph(t["quintiles_lead"]),
                   table(headers, rows, css="quintiles", numeric_from=1), paragraph(definitions(metrics, lang), "note"))


SWEEP_TEXT = {
    "zh": {"current": "（当前）", "diff_cost": "较当前：各支付方合计P50（万元）", "diff_budget": "较当前：政府预算P50（万元）",
           "diff_che": "较当前：灾难性支出(10%)（百分点）", "per_household": "每少一户灾难性支出的成本（元）",
           "current_note": "“当前”为本方案自身的设置（{values}）；差值为同一批住户在各取值与当前取值下之差（配对）。"
                           "每少一户灾难性支出的成本 = 各支付方多付的金额 ÷ 不再发生灾难性支出(自付超过收入10%)的住户数；"
                           "保障没有提高时记为“—”。",
           "missing_note": "本方案自身的设置（{values}）不在扫描取值中，故无法给出与当前设置之差；扫描时请包含当前值。"},
    "en": {"current": " (current)", "diff_cost": "vs current: all payers P50 (10,000 yuan)",
           "diff_budget": "vs current: government budget P50 (10,000 yuan)", "diff_che": "vs current: CHE 10% (points)",
           "per_household": "cost per household protected (yuan)",
           "current_note": "'Current' is the scheme's own setting ({values}); differences are paired on the same households. "
                           "Cost per household protected = what all payers pay extra ÷ households no longer spending "
                           "over 10% of income out of pocket; '—' where protection did not rise.",
           "missing_note": "The scheme's own setting ({values}) is not among the swept values, so no difference from the "
                           "current setting can be shown; include it in the sweep."},
}


def sweep(run: RunFolder, made: list[ReportFigure], lang: str, first_number: int) -> Markup:
    t = TEXT[lang]
    s = SWEEP_TEXT[lang]
    points = analysis.sweep_points(run)
    shorts = short_paths([path for path, _ in run.vary])
    names = analysis.varied_labels(run)
    varied = [pick(names[path], lang) if " / " in names[path] else shorts[path] for path, _ in run.vary]
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
                    "—" if same or _missing(cost) or cost <= 0 else number(cost)]
        rows.append(row)
    values = ", ".join(f"{varied[index]} = {current[path]}" for index, (path, _) in enumerate(run.vary) if path in current)
    note = s["current_note" if current_label is not None else "missing_note"].format(values=values) if current else None
    blocks = [figure_block(first_number + index, figure, lang)
              for index, figure in enumerate(f for f in made if f.key in ("tradeoff", "sweep_curves"))]
    return section("sweep", t["sweep"], paragraph(t["sweep_lead"]),
                   table(headers, rows, css="sweep", numeric_from=len(varied)),
                   *([paragraph(note, "note")] if note else []),
                   paragraph(definitions(("che_10", "che_25", "impoverishment"), lang), "note"), *blocks)


def full_summary(run: RunFolder, lang: str) -> Markup:
    t = TEXT[lang]
    names = run.names(lang)
    parts = [paragraph(t["appendix_summary_lead"])]
    for label in run.labels:
        rows = []
        for metric, stats in run.summary["scenarios"][label]["metrics"].items():
            rows.append([metric_label(metric, lang), metric, unit_of(metric, lang)]
                        + [_with_error(metric, stats, s) for s in STATISTICS])
        parts.append(Markup(f'<details open><summary>{esc(names[label])}</summary>'))
        parts.append(table([t["metric"], "", t["unit"], t["mean"], "sd", "P5", "P50", "P95", "P99"], rows,
                           css="summary", numeric_from=3))
        parts.append(Markup("</details>"))
    return section("appendix-summary", t["appendix_summary"], *parts)


def _with_error(metric: str, stats: dict, statistic: str) -> str:
    """A percentile with its Monte Carlo standard error beside it, in the metric's own unit."""
    text = metric_value(metric, stats.get(statistic), precise=True)
    error = stats.get(f"{statistic}_se")
    if error is None:
        return text
    return f"{text} ±{metric_value(metric, error, precise=True)}"


def _manifest_value(value) -> Markup:
    if isinstance(value, dict):
        return Markup("<br>".join(f"{esc(k)}: {_manifest_value(v)}" for k, v in value.items()) or "—")
    if isinstance(value, list):
        return Markup(", ".join(str(_manifest_value(v)) for v in value) or "—")
    return esc("—" if value is None else value)


def manifest(run: RunFolder, lang: str) -> Markup:
    t = TEXT[lang]
    data = run.manifest
    scenario_rows = [[s.get("label", ""), (s.get("name") or {}).get(lang, ""), s.get("file", ""),
                      ", ".join(s.get("sets") or []) or "—", s.get("content_hash", "")]
                     for s in data.get("scenarios", [])]
    scenarios = table(["label", t["scheme"], "file", "--set", "content_hash"], scenario_rows, css="manifest-scenarios",
                      numeric_from=99)
    rows = [[key, _manifest_value(value)] for key, value in data.items() if key != "scenarios"]
    return section("appendix-manifest", t["appendix_manifest"], scenarios,
                   table(["key", t["value"]], rows, css="manifest", numeric_from=99))


def _values_table(values, lang: str, with_section: bool = False) -> Markup:
    t = TEXT[lang]
    headers = ([t["section"]] if with_section else []) + [t["parameter"], t["value"], t["source"]]
    rows = [([v.section + (f" / {v.group}" if v.group else "")] if with_section else [])
            + [v.path or "—", v.value or "—", v.source or "—"] for v in values]
    widths = (["14%"] if with_section else []) + ["22%", "26%", "38%" if with_section else "52%"]
    return table(headers, rows, css="parameters wide", numeric_from=99, widths=widths)


def _scheme_block(scheme: SchemeParameters, lang: str) -> Markup:
    t = TEXT[lang]
    parts = []
    if scheme.hash_changed:
        parts.append(paragraph(t["hash_changed"], "warning"))
    document = "; ".join(f"{k}: {v}" for k, v in scheme.document.items())
    period = " – ".join(str(scheme.in_force.get(k, "")) for k in ("from", "to") if k in scheme.in_force)
    parts.append(paragraph(f'{t["document"]}: {document or "—"}' + (f" ({period})" if period else "")
                           + (f'; --set {", ".join(scheme.sets)}' if scheme.sets else ""), "note"))
    parts.append(Markup(f'<h4>{esc(t["layers"])}</h4>'))
    rows = []
    for layer in scheme.layers:
        values = layer.values or []
        span = max(1, len(values))
        frame = [(layer.position, span), (f'{layer.name.get(lang) or layer.id} ({layer.id})', span),
                 (payer_label(layer.payer, lang), span), (show_when(layer.when, lang) or "—", span),
                 (layer.source or "—", span)]
        if not values:
            rows.append(frame + ["—", "—", "—"])
        for index, value in enumerate(values):
            rows.append((frame if index == 0 else [None] * 5) + [value.path, value.value, value.source or "—"])
    parts.append(table(["#", t["layer"], t["payer"], t["applies_when"], t["basis"], t["parameter"], t["value"],
                        t["source"]], rows, css="layers wide", numeric_from=99,
                       widths=["3%", "13%", "9%", "14%", "13%", "14%", "15%", "19%"]))
    parts.append(Markup(f'<h4>{esc(t["other_rules"])}</h4>'))
    parts.append(_values_table(scheme.rules, lang, with_section=True))
    return Markup("".join(parts))


def parameters(run: RunFolder, lang: str) -> Markup:
    t = TEXT[lang]
    names = run.names(lang)
    schemes = scheme_parameters(run)
    parts = [paragraph(t["parameters_lead"])]
    shown: list[SchemeParameters] = []
    for scheme in schemes:
        parts.append(Markup(f'<h3>{esc(names[scheme.label])}</h3>'))
        if scheme.error:
            parts.append(paragraph(t["reload_failed"].format(error=scheme.error), "warning"))
            continue
        same_file = next((other for other in shown if other.file == scheme.file and not other.error), None)
        if same_file is not None:
            changed = differences(scheme, same_file)
            other = names[same_file.label]
            if changed:
                parts.append(paragraph(t["same_as"].format(other=other)))
                parts.append(_values_table(changed, lang, with_section=True))
            else:
                parts.append(paragraph(t["no_difference"].format(other=other)))
        else:
            parts.append(_scheme_block(scheme, lang))
            first = next((s for s in schemes if not s.error), None)
            if first is not None and first is not scheme:
                changed = [v for v in differences(scheme, first) if v.section in ("population", "care", "outcomes")]
                if changed:
                    parts.append(paragraph(t["same_as"].format(other=t["shared_assumptions"])))
                    parts.append(_values_table(changed, lang, with_section=True))
        shown.append(scheme)
    base = next((s for s in schemes if not s.error), None)
    if base is not None:
        parts.append(Markup(f'<details><summary>{esc(t["shared_assumptions"])} — {esc(names[base.label])}</summary>'))
        parts.append(_values_table(base.shared, lang, with_section=True))
        parts.append(Markup("</details>"))
    return section("appendix-parameters", t["appendix_parameters"], *parts)


# -- the page --------------------------------------------------------------------------------------------------

CSS = """
:root { color-scheme: light; }
body { font-family: "%(family)s", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
       sans-serif; color: #1b1b1b; background: #ffffff; margin: 0; line-height: 1.55; }
main { max-width: 1200px; margin: 0 auto; padding: 28px 32px 64px; }
header { border-bottom: 3px solid #8c1c13; padding-bottom: 12px; margin-bottom: 8px; }
h1 { font-size: 28px; margin: 0 0 4px; color: #8c1c13; }
h2 { font-size: 21px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d9d9d9; }
h3 { font-size: 16.5px; margin: 22px 0 8px; }
h4 { font-size: 14.5px; margin: 16px 0 6px; color: #333; }
p { margin: 6px 0 10px; }
p.note { color: #555; font-size: 13.5px; }
p.warning { color: #8a4b00; background: #fff4e0; border-left: 4px solid #e69500; padding: 6px 10px; font-size: 13.5px; }
.meta { color: #444; font-size: 14px; }
nav ul { columns: 2; font-size: 14px; margin: 6px 0; list-style: none; padding-left: 18px; }
nav a { color: #1f4e8c; text-decoration: none; }
.table-scroll { max-width: 100%%; overflow-x: auto; -webkit-overflow-scrolling: touch; margin: 8px 0 14px; }
.table-scroll > table { margin: 0; }
#brief { background: #fbf6f5; border: 1px solid #ecd3d0; padding: 2px 14px 8px; margin-top: 18px; }
#brief h2 { margin-top: 12px; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 13px; width: auto; max-width: 100%%; }
th, td { border: 1px solid #d6d6d6; padding: 4px 8px; vertical-align: top; text-align: left; }
th { background: #eef2f7; font-weight: 700; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.headline { font-size: 16px; }
td.key, th.key { background: #fdecea !important; }
table.headline td.key { font-weight: 700; }
td.nowrap { white-space: nowrap; }
table.wide { width: 100%%; table-layout: fixed; }
table.wide td { overflow-wrap: anywhere; }
.range { color: #666; font-size: 11.5px; }
table.parameters td, table.layers td { font-size: 12px; }
figure { margin: 18px 0 26px; }
figure img { max-width: 100%%; height: auto; border: 1px solid #e3e3e3; display: block; }
figcaption { font-size: 13.5px; color: #333; margin-top: 6px; }
details > summary { cursor: pointer; font-weight: 700; margin: 10px 0 4px; }
footer { margin-top: 40px; color: #777; font-size: 12px; border-top: 1px solid #ddd; padding-top: 8px; }
@media (max-width: 600px) { main { padding: 14px 12px 40px; } h1 { font-size: 22px; } nav ul { columns: 1; }
  table.wide { table-layout: auto; } th { min-width: 4.5em; } }
@media print { main { max-width: none; padding: 0; } figure, table { break-inside: avoid; } nav { display: none; } }
"""


def render_html(run: RunFolder, lang: str, made: list[ReportFigure] | None = None) -> str:
    t = TEXT[lang]
    made = report_figures(run, lang) if made is None else made
    manifest_data = run.manifest
    version = manifest_data.get("code_version") or {}
    version_text = version.get("commit", version.get("package", "?"))[:12] + \
        (" (+)" if version.get("uncommitted_changes") else "")
    line = t["run_line"].format(kind=t["kind"].get(run.kind, run.kind), schemes=len(run.labels), persons=run.persons,
                                reps=run.replications, seed=manifest_data.get("seed", "?"),
                                finished=manifest_data.get("finished", "?"), version=version_text)
    sections = [headline(run, lang), protection(run, lang)]
    anchors = [("headline", t["headline"]), ("protection", t["protection"])]
    opening = brief_section(run, lang)
    if opening is not None:
        sections.insert(0, opening)
        anchors.insert(0, ("brief", BRIEF_TEXT[lang]["title"]))
    if not analysis.targets_table(run).empty:
        sections.append(targets(run, lang))
        anchors.append(("targets", pick(TARGETS_TITLE, lang)))
    if not analysis.readings_table(run).empty:
        sections.append(readings(run, lang))
        anchors.append(("readings", pick(READINGS_TITLE, lang)))
    if not analysis.debts_table(run).empty:
        sections.append(debts(run, lang))
        anchors.append(("debts", pick(DEBTS_TITLE, lang)))
    if not analysis.capitation_table(run).empty:
        sections.append(capitation(run, lang))
        anchors.append(("capitation", pick(CAPITATION_TITLE, lang)))
    if not analysis.programme_table(run).empty:
        sections.append(programmes(run, lang))
        anchors.append(("programmes", pick(PROGRAMMES_TITLE, lang)))
    sections += [figures_section(made, lang), cash(run, lang), quintiles(run, lang)]
    anchors += [("figures", t["figures"]), ("cash", t["cash"]), ("quintiles", t["quintiles"])]
    if run.kind == "sweep" and run.vary and "sweep" in run.tables:
        shown_before = sum(1 for f in made if f.key not in ("tradeoff", "sweep_curves"))
        sections.append(sweep(run, made, lang, shown_before + 1))
        anchors.append(("sweep", t["sweep"]))
    found = drivers_section(run, lang)
    if found is not None:
        anchor, title, body_html = found
        sections.append(section(anchor, title, Markup(body_html)))
        anchors.append((anchor, title))
    from model.report import years

    if years.has_years(run.summary):  # --years N: the multi-year section
        sections.append(years.section(run, lang, len(made) + 1))
        anchors.append(("years", years.TEXT[lang]["title"]))
    sections += [full_summary(run, lang), manifest(run, lang), parameters(run, lang)]
    anchors += [("appendix-summary", t["appendix_summary"]), ("appendix-manifest", t["appendix_manifest"]),
                ("appendix-parameters", t["appendix_parameters"])]
    nav = "".join(f'<li><a href="#{a}">{esc(title)}</a></li>' for a, title in anchors)
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    body = (f'<main><header><h1>{esc(t["title"])}</h1><div class="meta">{esc(t["subtitle"])} · '
            f'{esc(run.folder.name)}</div><p class="meta">{esc(line)}</p></header>'
            f'<nav><h2>{esc(t["contents"])}</h2><ul>{nav}</ul></nav>'
            + "".join(sections)
            + f'<footer>{esc(t["generated"].format(time=stamp))}</footer></main>')
    text_only = body.split("data:image/png;base64,")
    visible = "".join(part.split('"', 1)[1] if index else part for index, part in enumerate(text_only))
    font_css = font_face_css(html.unescape(visible) + t["title"])
    title = f'{t["title"]} — {run.folder.name}'
    return ("<!DOCTYPE html>\n"
            f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<link rel="icon" href="data:,">'
            f"<title>{esc(title)}</title><style>{font_css}\n{CSS % {'family': FAMILY}}</style></head>"
            f"<body>{body}</body></html>\n")

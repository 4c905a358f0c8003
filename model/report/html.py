"""report.html: one self-contained page a county finance director can read and hand on.

Figures as data URIs, inline CSS and font, no script, no external address. What to budget and who pays come first,
then protection, the figures, monthly cash, quintiles (and a sweep's trade-off), then the appendices. This module
chooses what each section shows and formats the numbers; templates/ (jinja2, autoescaped) writes the markup and
texts.yaml holds the words."""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
from markupsafe import Markup

from model.errors import InputError
from model.outcomes.protection import PROTECTION_METRICS, definition_text, split_metric
from model.report import analysis, figures
from model.report.labels import metric_kind, metric_label, payer_label, pick
from model.report.scheme_table import SchemeParameters, differences, scheme_parameters, show_when
from model.runfolder import RunFolder, short_paths
from model.report.texts import words
from model.report.uncertainty import drivers_section, plus_minus, precision_notes
from model.report.webfont import FAMILY, font_face_css
from model.runner.summary import STATISTICS

TEMPLATES = Path(__file__).parent / "templates"
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


def _escape(value: object) -> Markup:
    """What every `{{ }}` of the report's templates prints: escaped as Python's html.escape does (&quot; and &#x27;
    for quotes, as the report has always written them), or put in as it is when already markup."""
    return value if hasattr(value, "__html__") else Markup(html.escape(str(value)))


@cache
def environment():
    """The report's jinja2 environment, set up as the brief's (model/brief): templates/ with autoescaping."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=_escape)


# -- what a section holds: the templates write each kind (templates/blocks.html.j2) ---------------------------

@dataclass
class Paragraph:
    text: str
    css: str | None = ""  # None: a <p> without a class
    kind = "paragraph"


@dataclass
class Heading:
    text: str
    level: int = 3
    kind = "heading"


@dataclass
class Range:
    """A value with its P5–P95 range beneath it, in one cell."""
    value: str
    low: str
    high: str
    kind = "range"


@dataclass
class Spanned:
    """A cell covering `rows` rows; the rows below hold None in its column."""
    value: object
    rows: int
    kind = "spanned"


@dataclass
class ManifestValue:
    """A manifest value as it is (mappings one entry a line, lists comma-separated, '—' for none)."""
    value: object
    kind = "manifest"


@dataclass
class Table:
    """Cells from column `numeric_from` on are right-aligned numbers, column `key_column` is highlighted. Columns
    count logically, so a highlighted or unwrapped column stays itself in rows under a Spanned cell."""
    headers: list
    rows: list[list]
    css: str = ""
    numeric_from: int = 1
    key_column: int | None = None
    widths: list[str] | None = None
    nowrap: tuple[int, ...] = ()
    kind = "table"

    def column_classes(self) -> list[str]:
        """Each column's CSS classes ('num key', or '' for none)."""
        width = max([len(self.headers)] + [len(row) for row in self.rows])
        return [" ".join((["num"] if index >= self.numeric_from else []) + (["key"] if index == self.key_column else [])
                         + (["nowrap"] if index in self.nowrap else [])) for index in range(width)]


@dataclass
class Details:
    summary: str
    blocks: list
    open: bool = False
    kind = "details"


@dataclass
class Figure:
    key: str
    data: Markup  # the PNG in base64
    width: int
    alt: str
    number: int | None = None  # None: no caption under it
    word: str = ""
    caption: str = ""
    lead: str = ""  # words before the caption
    kind = "figure"


@dataclass
class Section:
    anchor: str
    title: str
    blocks: list = field(default_factory=list)


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
    return words("page", lang)["definitions_lead"] + " | ".join(
        f"{metric_label(m, lang)} = {definition_text(m, lang)}" for m in shown)


# -- numbers --------------------------------------------------------------------------------------------------

def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def wan(value, decimals: int = 1) -> str:
    """Yuan as 万元 (10,000 yuan) with `decimals` decimals; '—' for none."""
    return "—" if _missing(value) else f"{value / 1e4:,.{decimals}f}"


def percent(value, decimals: int = 1) -> str:
    """A fraction as a percentage; three decimals below 0.1%; '—' for none."""
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
    page = words("page", lang)
    return {"money": page["unit_money"], "rate": "%", "ratio": "%", "count": page["unit_count"]}[metric_kind(metric)]


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


def figure_block(number_: int, figure: ReportFigure, lang: str, lead: str = "") -> Figure:
    caption = " ".join(filter(None, (words("report", lang)["captions"].get(figure.key, ""),
                                     definitions(figure.metrics, lang))))
    return Figure(figure.key, png_data(figure.png), png_width(figure.png), caption, number_,
                  words("report", lang)["figure"], caption, lead)


def png_data(png: bytes) -> Markup:
    return Markup(base64.b64encode(png).decode("ascii"))


def png_width(png: bytes) -> int:
    """The width in CSS pixels (1/96 inch) at which the PNG shows at its physical size."""
    return round(int.from_bytes(png[16:20], "big") * 96 / figures.DPI)


# -- sections --------------------------------------------------------------------------------------------------

def _levels_label(lang: str, level: str) -> str:
    return words("labels", lang)["government_levels"][level]


def headline(run: RunFolder, lang: str) -> Section:
    t = words("report", lang)
    names = run.names(lang)
    separator = words("page", lang)["list_separator"]
    budget = analysis.budget_headline(run)
    rows = [[names[r.scenario], plus_minus(wan(r.p50), r.p50_se), plus_minus(wan(r.p95), r.p95_se),
             plus_minus(wan(r.p99), r.p99_se), number(r.p95_per_person, 1)]
            for r in budget.itertuples()]
    first = Table([t["scheme"], "P50", "P95", "P99", t["per_person"]], rows, css="headline", key_column=2)
    levels = analysis.government_levels(run)
    silent = [level for level in ("province", "prefecture", "county")
              if not (levels.loc[levels["level"] == level, ["mean", "p99"]].abs().to_numpy() > 0).any()]
    if 0 < len(silent) < 3:  # a level that pays nothing in any scenario gets a sentence, not rows of zeros
        levels = levels[~levels["level"].isin(silent)]
    level_rows = []
    for label in run.labels:
        own = levels[levels["scenario"] == label]
        for index, row in enumerate(own.itertuples()):
            name = t["total_government"] if row.level == "total" else _levels_label(lang, row.level)
            level_rows.append([Spanned(names[label], len(own)) if index == 0 else None, name, wan(row.mean),
                               plus_minus(wan(row.p50), row.p50_se), plus_minus(wan(row.p95), row.p95_se),
                               plus_minus(wan(row.p99), row.p99_se)])
    who_pays = [Table([t["scheme"], t["level"], t["mean"], "P50", "P95", "P99"], level_rows, css="levels",
                      numeric_from=2, key_column=4)]
    if 0 < len(silent) < 3:
        who_pays.append(Paragraph(t["levels_silent"].format(
            levels=separator.join(_levels_label(lang, level) for level in silent)), "note"))
    tilted = {label: sum(run.stats(label, f"tilt_{payer}").get("mean") or 0.0 for payer in ("bmi", "cii"))
              for label in run.labels}
    if any(amount > 0 for amount in tilted.values()):
        who_pays.append(Paragraph(t["tilt_note"].format(
            schemes=separator.join(names[label] for label in run.labels if tilted[label] > 0),
            amount=separator.join(wan(tilted[label]) for label in run.labels if tilted[label] > 0)), "note"))
    return Section("headline", t["headline"], [
        Paragraph(t["headline_lead"]), Heading(t["ma_backstop"]), first,
        *[Paragraph(note, "note") for note in precision_notes(run, lang)],
        Paragraph(t["headline_scale"].format(persons=run.persons), "note"),
        Heading(t["who_pays"]), Paragraph(t["who_pays_lead"], "note"), *who_pays])


def brief_section(run: RunFolder, lang: str) -> Section | None:
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
    t = words("brief", lang)
    scheme = ((run.entry(label).get("name") or {}).get(lang) or brief.scheme)
    if run.kind == "sweep" and run.vary:
        names = analysis.varied_labels(run)
        setting = ", ".join(f"{pick(names[path], lang)} = {value}" for path, value in run.varied_values(label).items())
        scheme += words("page", lang)["setting"].format(setting=setting)
    rows = [[t["funds"][row.fund], row.statistic, row.total, *row.levels] for row in brief.fund_rows]
    blocks = [Paragraph(t["lead"].format(scheme=scheme)),
              Table([t["fund"], t["statistic"], t["total"], *t["levels"].values()], rows, css="brief", numeric_from=2,
                    key_column=2)]
    if brief.premium_rows:
        premium_names = {entry["zh"]: entry[lang] for entry in _brief_entries()["premiums_lines"].values()}
        blocks += [Heading(t["premiums"]),
                   Table([premium_names.get(label, label) for label, _ in brief.premium_rows],
                         [[amount for _, amount in brief.premium_rows]], css="brief-premiums", numeric_from=0)]
    blocks += [Heading(t["protection"]), Paragraph(brief.protection if lang == "zh" else _protection_en(run, label))]
    if brief.drivers:
        blocks += [Heading(t["drivers"]), Paragraph(drivers_sentence(brief))]
    return Section("brief", t["title"], blocks)


def _brief_entries() -> dict:
    from model.report.texts import entries

    return entries("brief")


def _protection_en(run: RunFolder, label: str) -> str:
    t = words("brief", "en")
    rate = {m: run.stats(label, m).get("mean") for m in
            ("effective_reimbursement", "oop_share", "che_10", "impoverishment", "target_reimbursement_share",
             "target_reimbursement")}
    target = rate["target_reimbursement"]
    meets = (t["protection_target"].format(share=percent(rate["target_reimbursement_share"]), target=percent(target))
             if target is not None and target == target else "")
    return t["protection_sentence"].format(
        effective_reimbursement=percent(rate["effective_reimbursement"]), oop_share=percent(rate["oop_share"]),
        meets=meets, che_10=percent(rate["che_10"]), impoverishment=percent(rate["impoverishment"]))


def protection(run: RunFolder, lang: str) -> Section:
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


def table_section(anchor: str, lang: str, rows: list[list], extra_headers: tuple[str, ...] = ()) -> Section:
    """A section of one table, its title, lead and headers the catalogue's group `anchor`: scheme first."""
    t = words(anchor, lang)
    headers = [words("report", lang)["scheme"], *t["headers"].values(), *extra_headers]
    return Section(anchor, t["title"], [Paragraph(t["lead"], "note"),
                                        Table(headers, rows, css=anchor, numeric_from=2)])


def targets(run: RunFolder, lang: str) -> Section:
    """Which targets each scheme meets: its own, and seed 002's yardstick for all."""
    names = run.names(lang)
    t = words("targets", lang)
    rows = [[names[r.scenario], t["items"][r.target], percent(r.threshold), percent(r.value),
             t["met"] if r.met else t["not_met"],
             "" if np.isnan(r.share_of_admissions) else percent(r.share_of_admissions)]
            for r in analysis.targets_table(run).itertuples()]
    return table_section("targets", lang, rows)


def readings(run: RunFolder, lang: str) -> Section:
    """The spread that the readings (values the seed leaves open) make in each scheme's budget."""
    names = run.names(lang)
    data = analysis.readings_table(run)
    payers = [payer for payer in analysis.READING_PAYERS if data[f"{payer}_p50"].abs().sum() > 0]
    rows = [[names[r.scheme], names[r.scenario], wan(r.budget_p50), wan(r.budget_p95), wan(r.poverty_funds_p50),
             wan(r.poverty_funds_p95)] + [wan(getattr(r, f"{payer}_p50")) for payer in payers] for r in data.itertuples()]
    return table_section("readings", lang, rows, tuple(f"{payer_label(payer, lang)} P50" for payer in payers))


def programmes(run: RunFolder, lang: str) -> Section:
    """Programme costs that are not claims beside the claims' outlays, by who pays (issue 18)."""
    names = run.names(lang)
    payers = words("labels", lang)["programme_payers"]
    rows = [[names[r.scenario], payers[r.level], wan(r.claims), wan(r.programmes), wan(r.total)]
            for r in analysis.programme_table(run).itertuples()]
    return table_section("programmes", lang, rows)


def capitation(run: RunFolder, lang: str) -> Section:
    """The lead hospital's surplus or deficit and the government's outlay with and without capitation."""
    names = run.names(lang)
    items = words("capitation", lang)["items"]
    rows = [[names[r.scenario], items[r.metric], wan(r.p5), wan(r.p50), wan(r.p95), wan(r.mean)]
            for r in analysis.capitation_table(run).itertuples()]
    return table_section("capitation", lang, rows)


def debts(run: RunFolder, lang: str) -> Section:
    """Patients' deferred out-of-pocket and the hospitals' bad debt (the cash-flow table has them by month)."""
    names = run.names(lang)
    items = words("debts", lang)["items"]
    rows = [[names[r.scenario], items[r.metric], wan(r.p50), wan(r.p95), wan(r.mean)]
            for r in analysis.debts_table(run).itertuples()]
    return table_section("debts", lang, rows)


def figures_section(made: list[ReportFigure], lang: str) -> Section:
    blocks = [figure_block(index, figure, lang) for index, figure in enumerate(made, start=1)
              if figure.key not in ("tradeoff", "sweep_curves")]
    return Section("figures", words("report", lang)["figures"], blocks)


def cash(run: RunFolder, lang: str) -> Section:
    t = words("report", lang)
    names = run.names(lang)
    need = analysis.monthly_cash_need(run)
    shown = [label for label in need.columns if need[label].abs().sum() > 0]
    if not shown:
        return Section("cash", t["cash"], [Paragraph(t["cash_lead"]), Paragraph(t["none"])])
    rows = [[int(month)] + [wan(need.loc[month, label]) for label in shown] for month in need.index]
    rows.append([t["total_government"]] + [wan(need[label].sum()) for label in shown])
    return Section("cash", t["cash"], [Paragraph(t["cash_lead"]),
                                       Table([t["month"]] + [names[label] for label in shown], rows, css="cash")])


def quintiles(run: RunFolder, lang: str) -> Section:
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


def sweep(run: RunFolder, made: list[ReportFigure], lang: str, first_number: int) -> Section:
    t = words("report", lang)
    s = words("sweep", lang)
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
    return Section("sweep", t["sweep"], [Paragraph(t["sweep_lead"]),
                                         Table(headers, rows, css="sweep", numeric_from=len(varied)),
                                         *([Paragraph(note, "note")] if note else []),
                                         Paragraph(definitions(("che_10", "che_25", "impoverishment"), lang), "note"),
                                         *blocks])


def full_summary(run: RunFolder, lang: str) -> Section:
    t = words("report", lang)
    names = run.names(lang)
    blocks: list = [Paragraph(t["appendix_summary_lead"])]
    for label in run.labels:
        rows = []
        for metric, stats in run.summary["scenarios"][label]["metrics"].items():
            rows.append([metric_label(metric, lang), metric, unit_of(metric, lang)]
                        + [_with_error(metric, stats, s) for s in STATISTICS])
        blocks.append(Details(names[label], [Table([t["metric"], "", t["unit"], t["mean"], "sd", "P5", "P50", "P95",
                                                    "P99"], rows, css="summary", numeric_from=3)], open=True))
    return Section("appendix-summary", t["appendix_summary"], blocks)


def _with_error(metric: str, stats: dict, statistic: str) -> str:
    """A percentile with its Monte Carlo standard error beside it, in the metric's own unit."""
    text = metric_value(metric, stats.get(statistic), precise=True)
    error = stats.get(f"{statistic}_se")
    if error is None:
        return text
    return f"{text} ±{metric_value(metric, error, precise=True)}"


def manifest(run: RunFolder, lang: str) -> Section:
    t = words("report", lang)
    data = run.manifest
    scenario_rows = [[s.get("label", ""), (s.get("name") or {}).get(lang, ""), s.get("file", ""),
                      ", ".join(s.get("sets") or []) or "—", s.get("content_hash", "")]
                     for s in data.get("scenarios", [])]
    scenarios = Table(["label", t["scheme"], "file", "--set", "content_hash"], scenario_rows, css="manifest-scenarios",
                      numeric_from=99)
    rows = [[key, ManifestValue(value)] for key, value in data.items() if key != "scenarios"]
    return Section("appendix-manifest", t["appendix_manifest"],
                   [scenarios, Table(["key", t["value"]], rows, css="manifest", numeric_from=99)])


def _values_table(values, lang: str, with_section: bool = False) -> Table:
    t = words("report", lang)
    headers = ([t["section"]] if with_section else []) + [t["parameter"], t["value"], t["source"]]
    rows = [([v.section + (f" / {v.group}" if v.group else "")] if with_section else [])
            + [v.path or "—", v.value or "—", v.source or "—"] for v in values]
    widths = (["14%"] if with_section else []) + ["22%", "26%", "38%" if with_section else "52%"]
    return Table(headers, rows, css="parameters wide", numeric_from=99, widths=widths)


def _scheme_blocks(scheme: SchemeParameters, lang: str) -> list:
    t = words("report", lang)
    blocks: list = []
    if scheme.hash_changed:
        blocks.append(Paragraph(t["hash_changed"], "warning"))
    document = "; ".join(f"{k}: {v}" for k, v in scheme.document.items())
    period = " – ".join(str(scheme.in_force.get(k, "")) for k in ("from", "to") if k in scheme.in_force)
    blocks.append(Paragraph(f'{t["document"]}: {document or "—"}' + (f" ({period})" if period else "")
                            + (f'; --set {", ".join(scheme.sets)}' if scheme.sets else ""), "note"))
    blocks.append(Heading(t["layers"], 4))
    rows = []
    for layer in scheme.layers:
        values = layer.values or []
        span = max(1, len(values))
        frame = [Spanned(layer.position, span), Spanned(f'{layer.name.get(lang) or layer.id} ({layer.id})', span),
                 Spanned(payer_label(layer.payer, lang), span), Spanned(show_when(layer.when, lang) or "—", span),
                 Spanned(layer.source or "—", span)]
        if not values:
            rows.append(frame + ["—", "—", "—"])
        for index, value in enumerate(values):
            rows.append((frame if index == 0 else [None] * 5) + [value.path, value.value, value.source or "—"])
    blocks.append(Table(["#", t["layer"], t["payer"], t["applies_when"], t["basis"], t["parameter"], t["value"],
                         t["source"]], rows, css="layers wide", numeric_from=99,
                        widths=["3%", "13%", "9%", "14%", "13%", "14%", "15%", "19%"]))
    blocks.append(Heading(t["other_rules"], 4))
    blocks.append(_values_table(scheme.rules, lang, with_section=True))
    return blocks


def parameters(run: RunFolder, lang: str) -> Section:
    t = words("report", lang)
    names = run.names(lang)
    schemes = scheme_parameters(run)
    blocks: list = [Paragraph(t["parameters_lead"])]
    shown: list[SchemeParameters] = []
    for scheme in schemes:
        blocks.append(Heading(names[scheme.label]))
        if scheme.error:
            blocks.append(Paragraph(t["reload_failed"].format(error=scheme.error), "warning"))
            continue
        same_file = next((other for other in shown if other.file == scheme.file and not other.error), None)
        if same_file is not None:
            changed = differences(scheme, same_file)
            other = names[same_file.label]
            if changed:
                blocks.append(Paragraph(t["same_as"].format(other=other)))
                blocks.append(_values_table(changed, lang, with_section=True))
            else:
                blocks.append(Paragraph(t["no_difference"].format(other=other)))
        else:
            blocks += _scheme_blocks(scheme, lang)
            first = next((s for s in schemes if not s.error), None)
            if first is not None and first is not scheme:
                changed = [v for v in differences(scheme, first) if v.section in ("population", "care", "outcomes")]
                if changed:
                    blocks.append(Paragraph(t["same_as"].format(other=t["shared_assumptions"])))
                    blocks.append(_values_table(changed, lang, with_section=True))
        shown.append(scheme)
    base = next((s for s in schemes if not s.error), None)
    if base is not None:
        blocks.append(Details(f'{t["shared_assumptions"]} — {names[base.label]}',
                              [_values_table(base.shared, lang, with_section=True)]))
    return Section("appendix-parameters", t["appendix_parameters"], blocks)


# -- the page --------------------------------------------------------------------------------------------------

def render_html(run: RunFolder, lang: str, made: list[ReportFigure] | None = None) -> str:
    """The whole page: templates/report_body.html.j2 for what it shows, then templates/report.html.j2 around it
    with the web font cut to the characters the body's text uses."""
    from model.report import years

    t = words("report", lang)
    made = report_figures(run, lang) if made is None else made
    manifest_data = run.manifest
    version = manifest_data.get("code_version") or {}
    version_text = version.get("commit", version.get("package", "?"))[:12] + \
        (" (+)" if version.get("uncommitted_changes") else "")
    line = t["run_line"].format(kind=t["kind"].get(run.kind, run.kind), schemes=len(run.labels), persons=run.persons,
                                reps=run.replications, seed=manifest_data.get("seed", "?"),
                                finished=manifest_data.get("finished", "?"), version=version_text)
    sections = [headline(run, lang), protection(run, lang)]
    opening = brief_section(run, lang)
    if opening is not None:
        sections.insert(0, opening)
    for table_, build in ((analysis.targets_table, targets), (analysis.readings_table, readings),
                          (analysis.debts_table, debts), (analysis.capitation_table, capitation),
                          (analysis.programme_table, programmes)):
        if not table_(run).empty:
            sections.append(build(run, lang))
    sections += [figures_section(made, lang), cash(run, lang), quintiles(run, lang)]
    if run.kind == "sweep" and run.vary and "sweep" in run.tables:
        shown_before = sum(1 for f in made if f.key not in ("tradeoff", "sweep_curves"))
        sections.append(sweep(run, made, lang, shown_before + 1))
    found = drivers_section(run, lang)
    if found is not None:
        sections.append(found)
    if years.has_years(run.summary):  # --years N: the multi-year section
        sections.append(years.section(run, lang, len(made) + 1))
    sections += [full_summary(run, lang), manifest(run, lang), parameters(run, lang)]
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    body = Markup(environment().get_template("report_body.html.j2").render(
        t=t, folder=run.folder.name, line=line, sections=sections, footer=t["generated"].format(time=stamp)))
    text_only = str(body).split("data:image/png;base64,")
    visible = "".join(part.split('"', 1)[1] if index else part for index, part in enumerate(text_only))
    return environment().get_template("report.html.j2").render(
        html_lang="zh-CN" if lang == "zh" else "en", title=f'{t["title"]} — {run.folder.name}',
        font_css=Markup(font_face_css(html.unescape(visible) + t["title"])), family=FAMILY, body=body)

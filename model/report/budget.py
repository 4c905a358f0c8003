"""The report's opening: the brief, what to budget (P50/P95/P99) and who pays it, and the monthly cash need."""

from __future__ import annotations

from model.errors import InputError
from model.report import analysis
from model.report.blocks import Heading, Paragraph, Section, Spanned, Table
from model.report.numbers import number, percent, wan
from model.report.texts import entries, words
from model.report.uncertainty import plus_minus, precision_notes
from model.runfolder import RunFolder


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
        setting = ", ".join(f"{names[path][lang]} = {value}" for path, value in run.varied_values(label).items())
        scheme += words("page", lang)["setting"].format(setting=setting)
    rows = [[t["funds"][row.fund], row.statistic, row.total, *row.levels] for row in brief.fund_rows]
    blocks = [Paragraph(t["lead"].format(scheme=scheme)),
              Table([t["fund"], t["statistic"], t["total"], *t["levels"].values()], rows, css="brief", numeric_from=2,
                    key_column=2)]
    if brief.premium_rows:
        premium_names = {entry["zh"]: entry[lang] for entry in entries("brief")["premiums_lines"].values()}
        blocks += [Heading(t["premiums"]),
                   Table([premium_names.get(label, label) for label, _ in brief.premium_rows],
                         [[amount for _, amount in brief.premium_rows]], css="brief-premiums", numeric_from=0)]
    blocks += [Heading(t["protection"]), Paragraph(brief.protection if lang == "zh" else _protection_en(run, label))]
    if brief.drivers:
        blocks += [Heading(t["drivers"]), Paragraph(drivers_sentence(brief))]
    return Section("brief", t["title"], blocks)


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


def _levels_label(lang: str, level: str) -> str:
    return words("labels", lang)["government_levels"][level]


def headline(run: RunFolder, lang: str) -> Section:
    """What to budget: MA + backstop at P50/P95/P99 a scheme, then who pays it by level of government."""
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


def cash(run: RunFolder, lang: str) -> Section:
    """The government payers' cash repaid to hospitals month by month (mean), a column a scheme that pays any."""
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

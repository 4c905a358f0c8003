"""What the one-page brief (简报) says, computed once from a run folder: amounts, rounding, sentences, sources.

The HTML, PDF and Word forms all print these strings, so they cannot disagree with each other or with
summary.json (each amount is summary.json's value passed through `wan`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from model.runfolder import DRIVERS_INFO, read_county_record, read_drivers
from model.errors import InputError
from model.report.texts import bilingual, entries, words

# The brief's words, from the report's catalogue (texts.yaml, groups `brief` and `labels`), in Chinese: the brief is
# a Chinese page.
WORDS = words("brief", "zh")
LEVELS = tuple(WORDS["levels"].items())
FUNDS = tuple(WORDS["funds"].items())
# the programme ledger's payers (model.programmes.ledger.LEVELS); the hospital bears bad debt
PROGRAMME_PAYERS = tuple(words("labels", "zh")["programme_payers"].items())
OTHER_COLUMNS = [zh for _, zh in PROGRAMME_PAYERS] + [WORDS["hospital"]]
PREMIUM_LINES = tuple(WORDS["premiums_lines"].items())
ASSUMED = WORDS["assumed"]
SEPARATORS = WORDS["separators"]


def wan(yuan: float | None) -> str:
    """Yuan as 万元 with sensible rounding: whole 万元 from 1,000 up, one decimal from 10, two below; '—' for none."""
    if yuan is None:
        return "—"
    value = yuan / 10_000
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def percent(rate: float | None) -> str:
    """A rate as the brief prints it: '12.3%' (one decimal), '—' for none.

    Parameters
    ----------
    rate : float or None
        A share (0.123 for 12.3%).

    Returns
    -------
    str
    """
    return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclass
class FundRow:
    """One row of the brief's budget table: a fund at P50 or P95, its total and each government level's share
    (formatted, 万元), last year's actual and the change."""

    fund: str
    label: str
    statistic: str  # P50 or P95
    total: str
    levels: list[str]
    last_year: str = "—"
    change: str = "—"


@dataclass
class OtherRow:
    """A line of spending that is not claims: programme costs (by payer) or the hospitals' bad debt."""

    item: str  # programme_cost or bad_debt
    label: str  # Chinese first, English beside
    statistic: str  # 均值: the mean a year
    total: str
    payers: list[str]  # OTHER_COLUMNS' amounts


@dataclass
class Brief:
    """Everything the one-page brief prints, formatted: titles, the county and budget year, the tables (万元) and the
    sentences under them."""

    title: str
    subtitle: str
    county: str
    budget_year: str
    scheme: str
    persons: str
    fund_rows: list[FundRow]
    premium_rows: list[tuple[str, str]]  # label, amount (万元, mean)
    protection: str
    assumptions: list[tuple[str, str]]  # what, source
    drivers: list[tuple[str, str]] = field(default_factory=list)  # Chinese label, total index ST (hpa drivers)
    drivers_metric: str = ""
    notes: list[str] = field(default_factory=list)
    numbers: dict[str, str] = field(default_factory=dict)  # metric.statistic → shown text (tests compare with summary.json)
    other_rows: list[OtherRow] = field(default_factory=list)  # programme costs and bad debt (issue 18)
    other_notes: list[str] = field(default_factory=list)
    years_heading: str = ""  # a multi-year run (--years N): what its table shows
    years_rows: list[list[str]] = field(default_factory=list)  # header, then one row a year and one for the period

    def headings(self) -> dict[str, str]:
        """Each section's numbered heading; sections a scheme does not have are left out of the numbering."""
        year = self.budget_year if self.budget_year != "—" else WORDS["budget"]
        sections = [("funds", WORDS["funds_heading"].format(year=year)), ("premiums", WORDS["premiums"])]
        if self.other_rows:
            sections.append(("other", WORDS["other"]))
        sections.append(("protection", WORDS["protection"]))
        if self.drivers:
            sections.append(("drivers", WORDS["drivers"]))
        sections.append(("assumptions", WORDS["assumptions"]))
        numerals = WORDS["numerals"].split()
        return {key: WORDS["numbered"].format(number=numerals[n], title=title) for n, (key, title) in enumerate(sections)}



def _cited(tree: dict, *path: str) -> tuple[object, str] | None:
    node: object = tree
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    if isinstance(node, dict) and "value" in node:
        return node["value"], str(node.get("source", ""))
    return None


def _scenario_tree(run, label: str) -> dict:
    from model.report.scheme_table import _reload

    try:
        return _reload(run.entry(label), run.manifest.get("population")).tree
    except (InputError, OSError):
        return {}


def _assumptions(tree: dict, county: dict | None) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    if county:
        profile = county["profile"]
        by = county["persons_by_category"]
        items.append((ASSUMED["persons"].format(persons=county["persons_simulated"], registered_poor=by["registered_poor"],
                                                dibao=by["dibao"], extreme_poor=by["extreme_poor"]),
                      ASSUMED["profile"].format(file=Path(profile["file"]).name)))
    found = _cited(tree, "population", "illness", "admissions", "share_admitted")
    if found:
        value, source = found
        items.append((ASSUMED["admissions"].format(rate=float(value["poor"]) * 100), source))
    found = _cited(tree, "population", "costs", "admission_mean")
    if found:
        value, source = found
        items.append((ASSUMED["admission_cost"].format(county=float(value["county"]), prefecture=float(value["prefecture"])),
                      source))
    found = _cited(tree, "population", "costs", "out_of_list_share")
    if found:
        value, source = found
        items.append((ASSUMED["out_of_list"].format(county=float(value["county"]) * 100,
                                                    prefecture=float(value["prefecture"]) * 100), source))
    for fund, zh in FUNDS:
        found = _cited(tree, "financing", "payer_funding", fund, "remainder")
        if found:
            value, source = found
            per_person = _cited(tree, "financing", "payer_funding", fund, "province_per_registered_person")
            level = dict(LEVELS).get(str(value), str(value))
            text = (ASSUMED["funding_per_person"].format(fund=zh, per_person=float(per_person[0]), level=level) if per_person
                    else ASSUMED["funding"].format(fund=zh, level=level))
            items.append((text, source if not per_person else f"{per_person[1]}; {source}"))
    found = _cited(tree, "financing", "purchased_cover", "supplementary", "premium_per_person")
    if found:
        items.append((ASSUMED["premium"].format(premium=float(found[0])), found[1]))
    document = tree.get("document") or {}
    if document.get("title"):
        items.append((ASSUMED["policy_clause"].format(title=document["title"], clause=document["clause"])
                      if document.get("clause") else ASSUMED["policy"].format(title=document["title"]),
                      f"seed {document.get('seed', '')}".strip()))
    return items


def _other_rows(stat, tree: dict) -> tuple[list[OtherRow], list[str]]:
    """Programme costs (by payer) and the hospitals' bad debt, a year's mean each, when the scheme has them, and
    one note naming the programmes with their costs and saying who bears the bad debt (with its P95)."""
    rows: list[OtherRow] = []
    parts: list[str] = []
    total = stat("programme_cost", "mean")
    if total is not None:
        rows.append(OtherRow("programme_cost", bilingual(entries("brief")["programme_costs"]), WORDS["mean"], wan(total),
                             [wan(stat(f"programme_cost_{level}", "mean")) for level, _ in PROGRAMME_PAYERS] + ["—"]))
        items = []
        for item in ((tree.get("programmes") or {}).get("items") or []):
            identifier = item.get("id") if isinstance(item, dict) else None
            amount = stat(f"programme_{identifier}", "mean") if identifier else None
            if amount is not None:
                items.append(WORDS["programme_item"].format(name=(item.get("name") or {}).get("zh") or identifier,
                                                            amount=wan(amount)))
        parts.append(WORDS["programme_note_items"].format(items=SEPARATORS["list"].join(items)) if items
                     else WORDS["programme_note"])
    mean = stat("bad_debt", "mean")
    if mean is not None:
        rows.append(OtherRow("bad_debt", bilingual(entries("brief")["bad_debt"]), WORDS["mean"], wan(mean),
                             ["—"] * len(PROGRAMME_PAYERS) + [wan(mean)]))
        parts.append(WORDS["bad_debt_note"].format(p95=wan(stat("bad_debt", "p95"))))
    return rows, ([SEPARATORS["clause"].join(parts) + SEPARATORS["stop"]] if parts else [])


def _drivers(folder: Path) -> tuple[list[tuple[str, str]], str]:
    """The three parameters with the largest total Sobol index ST of the mean, from drivers.csv when `hpa drivers`
    wrote one into the run folder ([] otherwise), and the metric they drive."""
    import json

    from model.report.labels import metric_label

    table = read_drivers(folder)
    if table is None:
        return [], ""
    means = table[table["statistic"] == "mean"].dropna(subset=["ST"]).sort_values("ST", ascending=False, kind="stable")
    top = [(str(row.label_zh), f"{row.ST:.2f}") for row in means.head(3).itertuples()]
    metric = ""
    info = folder / DRIVERS_INFO
    if info.is_file():
        metric = str(json.loads(info.read_text(encoding="utf-8")).get("metric", ""))
    return top, (metric_label(metric, "zh") if metric else "")


def drivers_sentence(brief: Brief) -> str:
    """The brief's one sentence naming its three largest drivers (the HTML and Word forms print the same)."""
    items = SEPARATORS["clause"].join(WORDS["driver_item"].format(number=n, label=label, st=st)
                                      for n, (label, st) in enumerate(brief.drivers, start=1))
    return WORDS["drivers_sentence"].format(metric=brief.drivers_metric or WORDS["budget"], items=items)


def build_brief(run_dir: Path, label: str | None = None) -> Brief:
    """The brief of one scenario of a finished run folder (the first, or `label`)."""
    from model.runfolder import load_run

    run = load_run(Path(run_dir))
    label = label or run.labels[0]
    metrics = run.summary["scenarios"][label]["metrics"]
    county = read_county_record(run.folder)
    profile = (county or {}).get("profile") or {}
    last_year = profile.get("last_year_yuan") or {}
    numbers: dict[str, str] = {}

    def stat(metric: str, statistic: str) -> float | None:
        value = (metrics.get(metric) or {}).get(statistic)
        if value is not None:
            numbers[f"{metric}.{statistic}"] = wan(value)
        return value

    rows = []
    for fund, zh in FUNDS:
        for statistic in ("p50", "p95"):
            total = stat(f"outlay_{fund}", statistic)
            row = FundRow(fund, zh, statistic.upper(), wan(total),
                          [wan(stat(f"outlay_{fund}_{level}", statistic)) for level, _ in LEVELS])
            if fund in last_year and total is not None:
                row.last_year = wan(last_year[fund])
                change = total - last_year[fund]
                row.change = ("+" if change > 0 else "") + wan(change) + \
                    (WORDS["change_share"].format(share=change / last_year[fund] * 100) if last_year[fund] else "")
            rows.append(row)
    premium_rows = []
    for metric, zh in PREMIUM_LINES:
        value = stat(metric, "mean")
        if value:
            premium_rows.append((zh, wan(value)))
    supplementary = stat("outlay_supplementary", "p50")
    notes = []
    if supplementary:
        notes.append(WORDS["supplementary_note"].format(p50=wan(supplementary)))
    rate = {m: (metrics.get(m) or {}).get("mean") for m in ("effective_reimbursement", "oop_share", "che_10", "impoverishment",
                                                            "target_reimbursement_share", "target_reimbursement")}
    target = rate["target_reimbursement"]
    # a scheme whose document sets no reimbursement target (baseline, GS) gets no sentence on it
    meets = (WORDS["protection_target"].format(share=percent(rate["target_reimbursement_share"]), target=percent(target))
             if target is not None and target == target else "")
    protection = WORDS["protection_sentence"].format(
        effective_reimbursement=percent(rate["effective_reimbursement"]), oop_share=percent(rate["oop_share"]),
        meets=meets, che_10=percent(rate["che_10"]), impoverishment=percent(rate["impoverishment"]))
    years_heading, years_rows = _years_table(run.summary["scenarios"][label], metrics)
    if years_rows:
        notes.append(WORDS["years_note"].format(first=years_rows[1][0], last=years_rows[-2][0]))
    tree = _scenario_tree(run, label)
    other_rows, other_notes = _other_rows(stat, tree)
    drivers, drivers_metric = _drivers(run.folder)
    scheme = (run.entry(label).get("name") or {}).get("zh") or label
    name = profile.get("name") or scheme
    year = str(profile.get("budget_year") or "—")
    persons = f"{run.persons:,}"
    notes.append(WORDS["levels_note"])
    subtitle = WORDS["subtitle"].format(scheme=scheme, persons=persons, replications=run.replications,
                                        seed=run.manifest.get("seed", "?"), finished=str(run.manifest.get("finished", ""))[:10])
    title = WORDS["page_title"].format(county=name) if year == "—" else WORDS["page_title_year"].format(county=name, year=year)
    return Brief(
        title=title,
        subtitle=subtitle, county=name, budget_year=year, scheme=scheme, persons=persons,
        fund_rows=rows, premium_rows=premium_rows, protection=protection,
        assumptions=_assumptions(tree, county), drivers=drivers, drivers_metric=drivers_metric,
        notes=notes, numbers=numbers, other_rows=other_rows, other_notes=other_notes,
        years_heading=years_heading, years_rows=years_rows,
    )


# the years table's columns: (metric, statistic, heading from the catalogue's brief.years_columns)
YEARS_COLUMNS = tuple((metric, statistic, WORDS["years_columns"][metric]) for metric, statistic in (
    ("outlay_backstop", "p50"), ("outlay_ma", "p50"), ("returned_to_poverty", "mean"),
    ("poor_due_to_illness_share", "mean"), ("poor_share_end", "mean")))


def _years_table(entry: dict, period: dict) -> tuple[str, list[list[str]]]:
    """A multi-year run's table (the same households followed year by year): each year's and the period's
    outlays and transitions, from summary.json's by_year and period metrics; ('', []) for a one-year run."""
    by_year = entry.get("by_year") or {}
    if not by_year:
        return "", []

    def cell(metrics: dict, metric: str, statistic: str) -> str:
        value = (metrics.get(metric) or {}).get(statistic)
        return wan(value) if metric.startswith("outlay_") else percent(value)

    years = sorted(by_year)
    rows = [[WORDS["year"]] + [label for _, _, label in YEARS_COLUMNS]]
    rows += [[year] + [cell(by_year[year]["metrics"], m, s) for m, s, _ in YEARS_COLUMNS] for year in years]
    rows.append([WORDS["period"]] + [cell(period, m, s) for m, s, _ in YEARS_COLUMNS])
    heading = WORDS["years_heading"].format(first=years[0], last=years[-1])
    return heading, rows

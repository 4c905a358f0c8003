"""What the one-page brief (简报) says, computed once from a run folder: amounts, rounding, sentences, sources.

The HTML, PDF and Word forms all print these strings, so they cannot disagree with each other or with
summary.json (each amount is summary.json's value passed through `wan`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from model.runfolder import DRIVERS_INFO, read_county_record, read_drivers
from model.errors import InputError
from model.report.texts import words

# The brief's words, from the report's catalogue (texts.yaml, groups `brief` and `labels`), in Chinese: the brief is
# a Chinese page.
WORDS = words("brief", "zh")
LEVELS = tuple(WORDS["levels"].items())
FUNDS = tuple(WORDS["funds"].items())
# the programme ledger's payers (model.programmes.ledger.LEVELS); the hospital bears bad debt
PROGRAMME_PAYERS = tuple(words("labels", "zh")["programme_payers"].items())
OTHER_COLUMNS = [zh for _, zh in PROGRAMME_PAYERS] + [WORDS["hospital"]]
PREMIUM_LINES = tuple(WORDS["premiums_lines"].items())


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
        year = self.budget_year if self.budget_year != "—" else "预算"
        sections = [("funds", f"{year}年度应安排资金（万元）"), ("premiums", "参保资助与保费（另列，万元/年）")]
        if self.other_rows:
            sections.append(("other", "项目经费与坏账（非理赔支出，另列，万元/年）"))
        sections.append(("protection", "保障效果"))
        if self.drivers:
            sections.append(("drivers", "预算的三大驱动因素"))
        sections.append(("assumptions", "主要假设与来源"))
        numerals = "一二三四五六七八九十"
        return {key: f"{numerals[n]}、{title}" for n, (key, title) in enumerate(sections)}



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
        items.append((f"贫困人口 {county['persons_simulated']:,} 人（建档立卡 {by['registered_poor']:,}、低保 {by['dibao']:,}、"
                      f"特困 {by['extreme_poor']:,}；同时在两类名单者计一次，计为建档立卡）",
                      f"县域概况 {Path(profile['file']).name}"))
    found = _cited(tree, "population", "illness", "admissions", "share_admitted")
    if found:
        value, source = found
        items.append((f"贫困人口年住院率 {float(value['poor']) * 100:.1f}%", source))
    found = _cited(tree, "population", "costs", "admission_mean")
    if found:
        value, source = found
        items.append((f"次均住院费用：县级 {float(value['county']):,.0f} 元、市级 {float(value['prefecture']):,.0f} 元", source))
    found = _cited(tree, "population", "costs", "out_of_list_share")
    if found:
        value, source = found
        items.append((f"目录外费用占比：县级 {float(value['county']) * 100:.0f}%、市级 {float(value['prefecture']) * 100:.0f}%", source))
    for fund, zh in FUNDS:
        found = _cited(tree, "financing", "payer_funding", fund, "remainder")
        if found:
            value, source = found
            per_person = _cited(tree, "financing", "payer_funding", fund, "province_per_registered_person")
            text = f"{zh}资金：" + (f"省级按每名建档立卡贫困人口 {float(per_person[0]):,.0f} 元补助，其余由" if per_person else "由") + \
                f"{dict(LEVELS).get(str(value), str(value))}承担"
            items.append((text, source if not per_person else f"{per_person[1]}; {source}"))
    found = _cited(tree, "financing", "purchased_cover", "supplementary", "premium_per_person")
    if found:
        items.append((f"补充医疗保险保费每人每年 {float(found[0]):,.0f} 元", found[1]))
    document = tree.get("document") or {}
    if document.get("title"):
        items.append((f"保障政策：{document['title']}" + (f"（{document['clause']}）" if document.get("clause") else ""),
                      f"seed {document.get('seed', '')}".strip()))
    return items


def _other_rows(stat, tree: dict) -> tuple[list[OtherRow], list[str]]:
    """Programme costs (by payer) and the hospitals' bad debt, a year's mean each, when the scheme has them, and
    one note naming the programmes with their costs and saying who bears the bad debt (with its P95)."""
    rows: list[OtherRow] = []
    parts: list[str] = []
    total = stat("programme_cost", "mean")
    if total is not None:
        rows.append(OtherRow("programme_cost", "项目经费 / programme costs", "均值", wan(total),
                             [wan(stat(f"programme_cost_{level}", "mean")) for level, _ in PROGRAMME_PAYERS] + ["—"]))
        items = []
        for item in ((tree.get("programmes") or {}).get("items") or []):
            identifier = item.get("id") if isinstance(item, dict) else None
            amount = stat(f"programme_{identifier}", "mean") if identifier else None
            if amount is not None:
                items.append(f"{(item.get('name') or {}).get('zh') or identifier} {wan(amount)} 万元")
        parts.append("项目经费为执行期年均" + ("，其中" + "、".join(items) if items else ""))
    mean = stat("bad_debt", "mean")
    if mean is not None:
        rows.append(OtherRow("bad_debt", "坏账 / bad debt", "均值", wan(mean),
                             ["—"] * len(PROGRAMME_PAYERS) + [wan(mean)]))
        parts.append(f"坏账为先诊疗后付费中患者最终未偿还的自付费用（P95 {wan(stat('bad_debt', 'p95'))}），"
                     "由定点医院承担，财政不直接安排")
    return rows, (["；".join(parts) + "。"] if parts else [])


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
    items = "；".join(f"{n}. {label}（总效应指数 ST {st}）" for n, (label, st) in enumerate(brief.drivers, start=1))
    return f"{brief.drivers_metric or '预算'}均值的不确定性主要来自：{items}。"


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
                    (f"（{change / last_year[fund] * 100:+.0f}%）" if last_year[fund] else "")
            rows.append(row)
    premium_rows = []
    for metric, zh in PREMIUM_LINES:
        value = stat(metric, "mean")
        if value:
            premium_rows.append((zh, wan(value)))
    supplementary = stat("outlay_supplementary", "p50")
    notes = []
    if supplementary:
        notes.append(f"补充保险赔付（由保险公司承担，县财政支出为其保费）P50 {wan(supplementary)} 万元。")
    rate = {m: (metrics.get(m) or {}).get("mean") for m in ("effective_reimbursement", "oop_share", "che_10", "impoverishment",
                                                            "target_reimbursement_share", "target_reimbursement")}
    target = rate["target_reimbursement"]
    # a scheme whose document sets no reimbursement target (baseline, GS) gets no sentence on it
    meets = (f"{percent(rate['target_reimbursement_share'])} 的合规住院报销达到方案目标 {percent(target)}；"
             if target is not None and target == target else "")
    protection = (f"测算显示，贫困人口住院和门诊慢特病实际报销比约 {percent(rate['effective_reimbursement'])}，"
                  f"县域内个人自付比 {percent(rate['oop_share'])}，{meets}"
                  f"仍有 {percent(rate['che_10'])} 的家庭自付超过年收入的 10%（全部自付），"
                  f"{percent(rate['impoverishment'])} 的家庭因医疗自付跌破贫困线。")
    years_heading, years_rows = _years_table(run.summary["scenarios"][label], metrics)
    if years_rows:
        notes.append(f"多年测算：资金为 {years_rows[1][0]}–{years_rows[-2][0]} 年合计（各年见逐年表），比率为各年平均。")
    tree = _scenario_tree(run, label)
    other_rows, other_notes = _other_rows(stat, tree)
    drivers, drivers_metric = _drivers(run.folder)
    scheme = (run.entry(label).get("name") or {}).get("zh") or label
    name = profile.get("name") or scheme
    year = str(profile.get("budget_year") or "—")
    persons = f"{run.persons:,}"
    notes.append("各级金额分别取各自的分位数，故各级之和不一定等于合计；金额单位万元，千万元以上取整、十万元以上保留一位小数。")
    subtitle = (f"保障方案：{scheme}｜模拟 {persons} 人 × {run.replications} 次重复（随机种子 {run.manifest.get('seed', '?')}）"
                f"｜完成于 {str(run.manifest.get('finished', ''))[:10]}")
    return Brief(
        title=f"{name}{'' if year == '—' else f' {year} 年度'}健康扶贫医疗保障资金测算简报",
        subtitle=subtitle, county=name, budget_year=year, scheme=scheme, persons=persons,
        fund_rows=rows, premium_rows=premium_rows, protection=protection,
        assumptions=_assumptions(tree, county), drivers=drivers, drivers_metric=drivers_metric,
        notes=notes, numbers=numbers, other_rows=other_rows, other_notes=other_notes,
        years_heading=years_heading, years_rows=years_rows,
    )


YEARS_COLUMNS = (("outlay_backstop", "p50", "兜底保障 P50（万元）"), ("outlay_ma", "p50", "医疗救助 P50（万元）"),
                 ("returned_to_poverty", "mean", "返贫户占比"), ("poor_due_to_illness_share", "mean", "贫困户中因病致贫占比"),
                 ("poor_share_end", "mean", "年末贫困户占比"))


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
    rows = [["年度"] + [label for _, _, label in YEARS_COLUMNS]]
    rows += [[year] + [cell(by_year[year]["metrics"], m, s) for m, s, _ in YEARS_COLUMNS] for year in years]
    rows.append(["全期"] + [cell(period, m, s) for m, s, _ in YEARS_COLUMNS])
    heading = f"逐年测算（{years[0]}–{years[-1]} 年，同一批家庭逐年跟踪：脱贫、返贫、死亡与出生）"
    return heading, rows

"""Bilingual words of figures and reports: metric, payer and level names, their units, and the report's headings."""

from __future__ import annotations

from model.codes import LEVEL_LABELS, PAYER_LABELS
from model.outcomes.metrics import METRIC_LABELS, RATE_METRICS

LANGUAGES = ("zh", "en")

_LEVEL_SHORT = {"village": "村 / village", "township": "乡镇 / township", "county": "县 / county",
                "prefecture": "市州 / prefecture", "province": "省 / province"}
GOVERNMENT_LEVELS = ("province", "prefecture", "county")
GOVERNMENT_LEVEL_LABELS = {"province": "省级 / province", "prefecture": "市州级 / prefecture", "county": "县级 / county"}

# Metrics summary.json carries beyond CORE_METRICS, and the sums the reports derive per replication.
EXTRA_METRIC_LABELS = {
    "admissions": "住院人次 / admissions",
    "waited_for_bed_share": "等候床位的住院占比 / admissions that waited for a bed",
    "premium_individual": "个人应缴保费 / individual premiums due",
    "premium_households": "家庭实缴保费 / premiums paid by households",
    "subsidy_province": "参保资助：省级 / premium subsidy: province",
    "subsidy_prefecture": "参保资助：市州 / premium subsidy: prefecture",
    "subsidy_county": "参保资助：县级 / premium subsidy: county",
    "budget_province": "省级预算（支出+参保资助） / province budget (outlays + premium subsidy)",
    "budget_prefecture": "市州预算（支出+参保资助） / prefecture budget (outlays + premium subsidy)",
    "budget_county": "县级预算（支出+参保资助） / county budget (outlays + premium subsidy)",
    "family_doctor_public_health": "家庭医生签约费：公卫经费 / family-doctor fee: public-health funds",
    "family_doctor_bmi_fund": "家庭医生签约费：医保基金 / family-doctor fee: BMI fund",
    "ma_backstop": "兜底保障+医疗救助支出 / backstop + medical assistance outlay",
    "government_budget": "各级政府预算合计 / government budget, all levels",
    "payers_total": "各支付方合计（总费用−个人自付） / all payers (total cost − OOP)",
    "poverty_funds": "扶贫倾斜支出（救助+兜底+补充+医院） / poverty tilt (MA + backstop + supplementary + hospital)",
}
for _level in ("village", "township", "county", "prefecture", "province"):
    _zh, _en = LEVEL_LABELS[_level].split(" / ")
    EXTRA_METRIC_LABELS[f"admissions_{_level}"] = f"住院人次：{_zh} / admissions: {_en}"
for _payer, _label in PAYER_LABELS.items():
    _zh, _en = _label.split(" / ")
    EXTRA_METRIC_LABELS[f"premium_{_payer}"] = f"保费：{_zh} / premium: {_en}"
    EXTRA_METRIC_LABELS[f"loss_ratio_{_payer}"] = f"赔付率：{_zh} / loss ratio: {_en}"

EXTRA_METRIC_LABELS.update({
    "capitation_budget": "打包预算 / capitation budget",
    "capitation_bundled_outlay": "打包资金实际支付 / bundled funds' outlay on covered persons",
    "capitation_surplus": "牵头医院结余（负为超支） / lead hospital's surplus (negative: deficit)",
    "capitation_persons": "打包覆盖人数 / persons covered by capitation",
    "deferred_oop": "患者延期（分期）自付 / out-of-pocket deferred by patients",
    "bad_debt": "医院坏账（先诊疗后付费） / hospitals' bad debt (pay after treatment)",
})
EXTRA_METRIC_LABELS["programme_cost"] = "项目支出（非理赔，执行期年均） / programme costs (not claims, a year in force)"
for _level, _label in (("central", "中央 / central"), ("province", "省级 / province"), ("prefecture", "市州 / prefecture"),
                       ("county", "县级 / county"), ("bmi_fund", "医保基金 / BMI fund"),
                       ("public_health", "公卫经费 / public-health funds")):
    _zh, _en = _label.split(" / ")
    EXTRA_METRIC_LABELS[f"programme_cost_{_level}"] = f"项目支出：{_zh} / programme costs: {_en}"

COUNT_METRICS = {"person_years", "admissions", "capitation_persons"}
RATIO_METRICS = {"loss_ratio_"}  # prefixes: claims ÷ premium, shown as a percentage


def pick(bilingual: str, lang: str | None) -> str:
    """'中文 / English' → the part for `lang` ('zh' or 'en'); the whole text when lang is None."""
    if lang is None or " / " not in bilingual:
        return bilingual
    zh, en = bilingual.split(" / ", 1)
    return zh if lang == "zh" else en


def metric_label(metric: str, lang: str | None = None) -> str:
    from model.years.engine import YEARS_METRIC_LABELS

    return pick(METRIC_LABELS.get(metric) or EXTRA_METRIC_LABELS.get(metric) or YEARS_METRIC_LABELS.get(metric) or metric, lang)


def two_lines(bilingual: str) -> str:
    """'中文 / English' on two lines: panel titles stay narrow."""
    return bilingual.replace(" / ", "\n", 1)


def level_label(level: str, lang: str | None = None, short: bool = False) -> str:
    return pick((_LEVEL_SHORT if short else LEVEL_LABELS).get(level, level), lang)


def payer_label(payer: str, lang: str | None = None) -> str:
    return pick(PAYER_LABELS.get(payer, payer), lang)


def metric_kind(metric: str) -> str:
    """'money' (yuan a year), 'rate' (a fraction), 'ratio' (claims ÷ premium) or 'count'."""
    from model.years.engine import YEARS_RATE_METRICS

    if metric in RATE_METRICS or metric.endswith("_share") or metric in YEARS_RATE_METRICS:
        return "rate"
    if any(metric.startswith(prefix) for prefix in RATIO_METRICS):
        return "ratio"
    if metric in COUNT_METRICS or metric.startswith("admissions"):
        return "count"
    return "money"


UNIT_LABELS = {
    "money": "元/年 / yuan a year",
    "rate": "比例 / fraction",
    "ratio": "赔付÷保费 / claims ÷ premium",
    "count": "人次或人年 / count",
}

# The report's words, one entry per language.
TEXT = {
    "zh": {
        "title": "健康扶贫政策测算报告",
        "subtitle": "HPA-Sim 模拟结果",
        "kind": {"run": "模拟运行", "compare": "方案比较（同一批住户，共同随机数）", "sweep": "参数扫描"},
        "run_line": "{kind}：{schemes}个方案，每次模拟{persons:,}人，重复{reps}次，随机种子{seed}；完成于{finished}；代码版本{version}。",
        "contents": "目录",
        "headline": "一、预算要点",
        "headline_lead": ("下表是模拟人口一年内兜底保障与医疗救助的支出。P50为中位数（一半年份低于此数）；"
                          "P95为20年中有19年不会超过的数额，建议按P95安排预算；P99为百年一遇的高位。"),
        "headline_scale": ("模拟人口为{persons:,}人。贵县人口规模不同时，可按“每人”一栏乘以实际人数估算"
                           "（支出与人数近似成正比，见笔记本01）。"),
        "ma_backstop": "兜底保障+医疗救助支出（万元/年）",
        "per_person": "每人（元，P95）",
        "scheme": "方案",
        "who_pays": "谁来支付：各级政府预算（支出+参保资助，万元/年）",
        "who_pays_lead": ("各级政府的预算包括其承担的医疗救助、兜底保障、购买商业保险的保费和对个人参保缴费的资助；"
                          "“合计”是每次重复中三级之和的分位数（不等于各级分位数相加）。"),
        "level": "层级",
        "total_government": "合计",
        "levels_silent": "{levels}在本次所有方案中都不承担任何费用，未列出。",
        "tilt_note": ("{schemes}：基本医保和大病保险对贫困人口多支付的部分（同一批费用按普通居民政策结算的差额，"
                      "平均每年{amount}万元）由省级财政承担（规范§6.6），从医保基金和保险公司移至省级；各资金来源之和仍等于总费用。"),
        "points": "百分点",
        "level_names": {"province": "省级", "prefecture": "市州级", "county": "县级"},
        "mean": "均值",
        "protection": "二、保障效果",
        "protection_lead": ("各方案在同一批住户、同一年疾病下的结果（均值，括号内为P5–P95区间）。"
                            "灾难性支出：个人自付超过家庭收入的10%或25%，或超过支付能力的40%。"),
        "differences": "与参照方案（{reference}）的差异",
        "differences_lead": "每次重复中两方案之差的均值（括号内为P5–P95）；同一批住户，差异不含抽样噪声。",
        "cost_protected": "每避免一户灾难性支出（10%收入）的成本",
        "cost_protected_lead": ("成本为各支付方比参照方案多支付的金额（即个人自付的减少额）；"
                                "避免的户数为灾难性支出户数的减少。"),
        "extra_cost": "多支付（万元/年）",
        "households_protected": "避免的户数",
        "cost_per_household": "每户成本（元）",
        "figures": "三、图示",
        "cash": "四、每月现金需求",
        "cash_lead": ("各月兜底保障与医疗救助向医院偿付的金额（万元，各次重复的均值）。"
                      "第13月起为次年1月起结清的上年费用。"),
        "month": "月份",
        "quintiles": "五、按收入五等分组的灾难性支出与因病致贫",
        "quintiles_lead": "第1组为人均收入最低的20%住户。数值为各次重复的均值。",
        "quintile": "收入组",
        "sweep": "六、参数扫描：成本与保障的权衡",
        "sweep_lead": ("每一行是被扫描参数的一组取值。成本为各支付方合计（总费用−个人自付）与政府预算；"
                       "保障为灾难性支出发生率。同一批住户，差异来自参数本身。"),
        "appendix_summary": "附录A　完整汇总表",
        "appendix_summary_lead": "每个指标在各次重复中的均值、标准差与分位数。金额单位万元/年，比例为百分比。",
        "appendix_manifest": "附录B　运行清单（manifest）",
        "appendix_parameters": "附录C　方案参数及其来源",
        "parameters_lead": ("按结算顺序列出各方案的每一层及其参数，每个数值均注明出处（文件条款或“assumed”假设说明）。"
                            "人口、医疗服务和结局定义的共同假设列在最后。"),
        "shared_assumptions": "共同假设：人口、医疗服务体系与结局定义",
        "same_as": "与“{other}”相同，以下参数不同：",
        "no_difference": "与“{other}”完全相同。",
        "hash_changed": "注意：该方案文件在模拟之后已改动（内容哈希不同），下列为文件当前的参数。",
        "reload_failed": "无法重新读取该方案：{error}",
        "layer": "层",
        "basis": "政策依据",
        "payer": "支付方",
        "applies_when": "适用条件",
        "parameter": "参数",
        "value": "取值",
        "source": "来源",
        "section": "部分",
        "statistic": "统计量",
        "metric": "指标",
        "unit": "单位",
        "document": "政策文件",
        "layers": "报销层（按结算顺序）",
        "other_rules": "支付上限、专项救治与筹资",
        "figure": "图",
        "none": "无",
        "generated": "本报告由 hpa report 生成于 {time}。",
        "wan": "万元",
        "yuan": "元",
        "captions": {
            "exposure_ma_backstop": "兜底保障与医疗救助合计支出在各次重复中的分布；竖线为P50、P95、P99。",
            "exposure_outlay_supplementary": "补充医疗保险支出在各次重复中的分布。",
            "exposure_outlay_hospital": "医院扶贫基金支出在各次重复中的分布。",
            "waterfall": "结算瀑布图：总费用依次由各支付方承担，剩余为个人自付（年均值）。",
            "funding": "各级政府承担的金额：实色为支出，斜线为参保资助（年均值）。",
            "protection": "主要保障指标：均值及P5–P95区间。",
            "quintiles": "按人均收入五等分组的灾难性支出与因病致贫发生率。",
            "flows": "住院病人从首诊层级到实际治疗层级的流向（每年人次，括号内为占该首诊层级的比例）。",
            "cashflow": "每月向医院偿付的现金（柱，均值）与P95（虚线，各支付方P95相加，偏保守）。",
            "tradeoff": "成本与保障的权衡：每个点为一组参数取值。",
            "sweep_curves": "各指标随被扫描参数的变化（P50实线，P95虚线）。",
        },
    },
    "en": {
        "title": "Health poverty alleviation: costing report",
        "subtitle": "HPA-Sim results",
        "kind": {"run": "simulation run", "compare": "scheme comparison (same households, common random numbers)",
                 "sweep": "parameter sweep"},
        "run_line": ("{kind}: {schemes} scenario(s), {persons:,} persons simulated, {reps} replications, seed {seed}; "
                     "finished {finished}; code {version}."),
        "contents": "Contents",
        "headline": "1. What to budget",
        "headline_lead": ("Backstop and medical-assistance outlays of the simulated population in one year. P50 is the "
                          "median (half the years are lower); P95 is not exceeded in 19 years out of 20 and is the "
                          "figure to budget; P99 is a one-in-a-hundred high."),
        "headline_scale": ("The simulated population is {persons:,} persons. For a county of another size, multiply the "
                           "per-person column by its number of persons (outlays grow almost in proportion; see notebook 01)."),
        "ma_backstop": "Backstop + medical assistance (10,000 yuan a year)",
        "per_person": "per person (yuan, P95)",
        "scheme": "scheme",
        "who_pays": "Who pays: government budgets by level (outlays + premium subsidies, 10,000 yuan a year)",
        "who_pays_lead": ("A level's budget holds the medical assistance, backstop and insurance premiums it funds and "
                          "the premium subsidies it pays for individuals. 'Total' is the percentile of the three levels' "
                          "sum in each replication (not the sum of the levels' percentiles)."),
        "level": "level",
        "total_government": "total",
        "levels_silent": "The {levels} pay nothing in any scenario of this run and are left out.",
        "tilt_note": ("{schemes}: what basic and critical-illness insurance pay the poor above what the ordinary residents' "
                      "layers would pay on the same claims ({amount} ten-thousand yuan a year on average) is funded by the "
                      "province (spec §6.6): it moves from the BMI fund and the insurer to the province, and the funding "
                      "sources still add up to the total cost."),
        "points": "percentage points",
        "level_names": {"province": "province", "prefecture": "prefecture", "county": "county"},
        "mean": "mean",
        "protection": "2. Protection",
        "protection_lead": ("Each scheme on the same households and the same year of illness (mean; P5–P95 in brackets). "
                            "Catastrophic spending: out-of-pocket above 10% or 25% of household income, or above 40% of "
                            "capacity to pay."),
        "differences": "Difference from the reference scheme ({reference})",
        "differences_lead": ("Mean of the paired difference in each replication (P5–P95 in brackets); same households, so "
                             "the difference carries no sampling noise between schemes."),
        "cost_protected": "Cost per household protected from catastrophic spending (10% of income)",
        "cost_protected_lead": ("The cost is what all payers pay beyond the reference scheme (the fall in out-of-pocket "
                                "spending); households protected is the fall in the number with catastrophic spending."),
        "extra_cost": "extra paid (10,000 yuan a year)",
        "households_protected": "households protected",
        "cost_per_household": "cost per household (yuan)",
        "figures": "3. Figures",
        "cash": "4. Monthly cash need",
        "cash_lead": ("What backstop and medical assistance repay hospitals each month (10,000 yuan, mean over "
                      "replications). Months 13 and later settle the year's bills in the next year."),
        "month": "month",
        "quintiles": "5. Catastrophic spending and impoverishment by income quintile",
        "quintiles_lead": "Quintile 1 is the 20% of households with the lowest income a person. Means over replications.",
        "quintile": "quintile",
        "sweep": "6. Parameter sweep: cost against protection",
        "sweep_lead": ("Each row is one setting of the varied parameter(s). Cost is all payers together (total cost − "
                       "out-of-pocket) and the government budget; protection is the rate of catastrophic spending. Same "
                       "households throughout, so differences come from the parameters."),
        "appendix_summary": "Appendix A. Full summary table",
        "appendix_summary_lead": ("Mean, standard deviation and percentiles of every metric over the replications. Money in "
                                  "10,000 yuan a year; rates in per cent."),
        "appendix_manifest": "Appendix B. The run's manifest",
        "appendix_parameters": "Appendix C. Scheme parameters and their sources",
        "parameters_lead": ("Every layer of each scheme in settlement order, with each value's source (a clause of the "
                            "policy document, or 'assumed' and why). The shared assumptions on population, care and "
                            "outcome definitions come last."),
        "shared_assumptions": "Shared assumptions: population, care system and outcome definitions",
        "same_as": "As '{other}', except:",
        "no_difference": "Identical to '{other}'.",
        "hash_changed": ("Note: this scheme's file has changed since the run (its content hash differs); the values "
                         "below are the file's current ones."),
        "reload_failed": "This scheme could not be reloaded: {error}",
        "layer": "layer",
        "basis": "basis",
        "payer": "payer",
        "applies_when": "applies when",
        "parameter": "parameter",
        "value": "value",
        "source": "source",
        "section": "section",
        "statistic": "statistic",
        "metric": "metric",
        "unit": "unit",
        "document": "policy document",
        "layers": "Reimbursement layers (in settlement order)",
        "other_rules": "Payer caps, special treatment and financing",
        "figure": "Figure",
        "none": "none",
        "generated": "Written by hpa report at {time}.",
        "wan": "10,000 yuan",
        "yuan": "yuan",
        "captions": {
            "exposure_ma_backstop": "Backstop and medical assistance together over the replications; lines at P50, P95, P99.",
            "exposure_outlay_supplementary": "Supplementary insurance outlay over the replications.",
            "exposure_outlay_hospital": "Hospital fund outlay over the replications.",
            "waterfall": "Settlement waterfall: the total cost taken in turn by each payer; what is left is out of pocket (mean a year).",
            "funding": "What each level of government pays: solid for outlays, hatched for premium subsidies (mean a year).",
            "protection": "The main protection measures: mean and P5–P95.",
            "quintiles": "Catastrophic spending and impoverishment by income quintile.",
            "flows": "Admissions from the level first visited to the level that treated them (a year; share of the entry level in brackets).",
            "cashflow": "Cash repaid to hospitals each month (bars: mean) and P95 (dashed: the payers' P95 added, conservative).",
            "tradeoff": "Cost against protection: each point is one setting of the parameters.",
            "sweep_curves": "Each measure against the varied parameter (P50 solid, P95 dashed).",
        },
    },
}

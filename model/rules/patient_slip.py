"""A narrow Chinese settlement slip (结算单) a clerk could print and hand a patient: what each fund paid, at what
rate and after what deductible, and what is left to pay. About 32 columns wide (a receipt printer's width)."""

from __future__ import annotations

import numpy as np

from model.codes import OUTPUT_COLUMNS
from model.money import RATE_SCALE, format_yuan
from model.rules.claims_csv import ClaimsFile
from model.rules.engine import settle_traced
from model.rules.slip import _record
from model.scenario import Scenario
from model.scenario.scheme import Ceiling, Coinsurance, OutOfList, Tiered, Topup
from model.textwidth import display_width

WIDTH = 32
SERVICE_ZH = {"outpatient": "普通门诊", "chronic_outpatient": "门诊慢特病", "inpatient": "住院"}
LEVEL_ZH = {"village": "村卫生室", "township": "乡镇卫生院", "county": "县级医院", "prefecture": "市级医院", "province": "省级医院"}
CATEGORY_ZH = {"ordinary": "普通居民", "registered_poor": "建档立卡", "dibao": "低保", "extreme_poor": "特困供养"}
PAYER_ZH = {"bmi": "基本医保", "cii": "大病保险", "ma": "医疗救助", "backstop": "兜底保障", "supplementary": "补充保险",
            "hospital": "医院减免", "oop": "个人自付"}


def _percent(ppm: int) -> str:
    return f"{ppm * 100 / RATE_SCALE:g}%"


def _rule(mechanic, record) -> str:
    """The layer's rule for this claim, in a few Chinese words: rate and deductible, target or ceiling."""
    from model.rules.reference import coinsurance_rate

    if isinstance(mechanic, Coinsurance):
        rate = coinsurance_rate(mechanic, record)
        deductible = mechanic.deductible_by_level.get(record.level, 0)
        text = f"报销{_percent(rate)}" if rate is not None else "报销"
        return text + (f" 起付{format_yuan(deductible).removesuffix('.00')}" if deductible else "")
    if isinstance(mechanic, Tiered):
        rates = "/".join(_percent(rate) for _, rate in mechanic.brackets)
        return f"年起付{format_yuan(mechanic.deductible).removesuffix('.00')} 分段{rates}"
    if isinstance(mechanic, Topup):
        return f"补足至{_percent(mechanic.target_by_disease.get(record.disease, mechanic.target))}"
    if isinstance(mechanic, Ceiling):
        return f"年自付封顶{format_yuan(mechanic.amount).removesuffix('.00')}"
    if isinstance(mechanic, OutOfList):
        return "目录外费用减免"
    return ""


def _line(left: str, right: str) -> str:
    gap = max(1, WIDTH - display_width(left) - display_width(right))
    return left + " " * gap + right


def narrow_slip(scenario: Scenario, claims_file: ClaimsFile, claim_id: str) -> str:
    """The slip of one claim, every line at most WIDTH display columns (a Chinese character counts two)."""
    from model.errors import InputError

    row = claims_file.find(claim_id)
    if row is None:
        raise InputError(f"--explain {claim_id}: no claim with that claim_id in {claims_file.path}")
    claims = claims_file.claims
    same_person = np.flatnonzero(claims.person == claims.person[row])
    subset = claims.take(same_person)
    position = int(np.flatnonzero(same_person == row)[0])
    paid, trace = settle_traced(scenario.scheme, subset, position)
    record = _record(claims_file, row)
    rule = "-" * WIDTH
    title = "医疗费用结算单"
    lines = [" " * ((WIDTH - display_width(title)) // 2) + title, rule,
             _line("单号", record.claim_id), _line("参保人", record.person_id),
             _line("人员类别", CATEGORY_ZH.get(record.category, record.category)), _line("结算日期", record.date),
             _line("就诊", f"{SERVICE_ZH.get(record.service, record.service)}·{LEVEL_ZH.get(record.level, record.level)}"),
             _line("转诊", "符合规定" if record.compliant else "未按规定转诊"), rule,
             _line("总费用", format_yuan(record.total)),
             _line(" 其中政策范围内", format_yuan(record.eligible)),
             _line(" 其中目录外", format_yuan(record.total - record.eligible)), rule]
    for step in trace:
        layer = scenario.scheme.layers[step.layer]
        lines.append(_line(PAYER_ZH.get(layer.payer, layer.payer), format_yuan(step.paid)))
        lines.append("  " + _rule(layer.mechanic, record))
    lines.append(rule)
    amounts = paid[position]
    for i, name in enumerate(OUTPUT_COLUMNS[:-1]):
        if amounts[i]:
            lines.append(_line(f"{PAYER_ZH[name]}合计", format_yuan(int(amounts[i]))))
    lines.append(_line("个人自付", format_yuan(int(amounts[-1]))))
    lines.append(_line("报销比例", f"{(record.total - int(amounts[-1])) * 100 / record.total:.1f}%" if record.total else "—"))
    lines.append(rule)
    lines.extend(_wrap(f"方案：{scenario.name['zh']}"))
    return "\n".join(lines)


def _wrap(text: str) -> list[str]:
    lines, current = [], ""
    for character in text:
        if display_width(current + character) > WIDTH:
            lines.append(current)
            current = "  "
        current += character
    return lines + [current]

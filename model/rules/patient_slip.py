"""A narrow Chinese settlement slip (结算单) a clerk could print and hand a patient: what each fund paid, at what
rate and after what deductible, and what is left to pay. About 32 columns wide (a receipt printer's width)."""

from __future__ import annotations

import numpy as np

from model.catalogue import words
from model.codes import OUTPUT_COLUMNS
from model.money import RATE_SCALE, format_yuan
from model.rules.claims_csv import ClaimsFile
from model.rules.engine import settle_traced
from model.rules.slip import CATALOGUE, _record
from model.scenario import Scenario
from model.scenario.layers import Ceiling, Coinsurance, OutOfList, Tiered, Topup
from model.textwidth import display_width

WIDTH = 32
# The receipt's words, in Chinese (model/rules/texts.yaml, group patient_slip).
WORDS = words(CATALOGUE, "patient_slip", "zh")
SERVICE_ZH = WORDS["services"]
LEVEL_ZH = WORDS["levels"]
CATEGORY_ZH = WORDS["categories"]
PAYER_ZH = WORDS["payers"]
RULES = WORDS["rules"]


def _percent(ppm: int) -> str:
    return f"{ppm * 100 / RATE_SCALE:g}%"


def _whole_yuan(fen: int) -> str:
    return format_yuan(fen).removesuffix(".00")


def _rule(mechanic, record) -> str:
    """The layer's rule for this claim, in a few Chinese words: rate and deductible, target or ceiling."""
    from model.rules.reference import coinsurance_rate

    if isinstance(mechanic, Coinsurance):
        rate = coinsurance_rate(mechanic, record)
        deductible = mechanic.deductible_by_level.get(record.level, 0)
        text = RULES["coinsurance"].format(rate=_percent(rate)) if rate is not None else RULES["coinsurance_no_rate"]
        return text + (RULES["deductible"].format(deductible=_whole_yuan(deductible)) if deductible else "")
    if isinstance(mechanic, Tiered):
        rates = "/".join(_percent(rate) for _, rate in mechanic.brackets)
        return RULES["tiered"].format(deductible=_whole_yuan(mechanic.deductible), rates=rates)
    if isinstance(mechanic, Topup):
        return RULES["topup"].format(target=_percent(mechanic.target_by_disease.get(record.disease, mechanic.target)))
    if isinstance(mechanic, Ceiling):
        return RULES["ceiling"].format(amount=_whole_yuan(mechanic.amount))
    if isinstance(mechanic, OutOfList):
        return RULES["out_of_list"]
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
    title = WORDS["title"]
    place = WORDS["visit_place"].format(service=SERVICE_ZH.get(record.service, record.service),
                                        level=LEVEL_ZH.get(record.level, record.level))
    lines = [" " * ((WIDTH - display_width(title)) // 2) + title, rule,
             _line(WORDS["claim_id"], record.claim_id), _line(WORDS["person"], record.person_id),
             _line(WORDS["category"], CATEGORY_ZH.get(record.category, record.category)), _line(WORDS["date"], record.date),
             _line(WORDS["visit"], place),
             _line(WORDS["referral"], WORDS["compliant" if record.compliant else "not_compliant"]), rule,
             _line(WORDS["total"], format_yuan(record.total)),
             _line(WORDS["eligible"], format_yuan(record.eligible)),
             _line(WORDS["out_of_list"], format_yuan(record.total - record.eligible)), rule]
    for step in trace:
        layer = scenario.scheme.layers[step.layer]
        lines.append(_line(PAYER_ZH.get(layer.payer, layer.payer), format_yuan(step.paid)))
        lines.append("  " + _rule(layer.mechanic, record))
    lines.append(rule)
    amounts = paid[position]
    for i, name in enumerate(OUTPUT_COLUMNS[:-1]):
        if amounts[i]:
            lines.append(_line(WORDS["payer_total"].format(payer=PAYER_ZH[name]), format_yuan(int(amounts[i]))))
    lines.append(_line(PAYER_ZH["oop"], format_yuan(int(amounts[-1]))))
    lines.append(_line(WORDS["reimbursed_share"], f"{(record.total - int(amounts[-1])) * 100 / record.total:.1f}%" if record.total else "—"))
    lines.append(rule)
    lines.extend(_wrap(WORDS["scheme"].format(scheme=scenario.name["zh"])))
    return "\n".join(lines)


def _wrap(text: str) -> list[str]:
    lines, current = [], ""
    for character in text:
        if display_width(current + character) > WIDTH:
            lines.append(current)
            current = "  "
        current += character
    return lines + [current]

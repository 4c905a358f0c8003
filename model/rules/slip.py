"""A settlement slip: one claim's settlement layer by layer, as a clerk or patient could check it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.catalogue import read
from model.codes import LEVEL_LABELS, OUTPUT_COLUMNS, PAYER_LABELS, SERVICE_LABELS, category_set_code, category_set_label, output_columns
from model.errors import InputError
from model.money import format_yuan
from model.rules.claims_csv import ClaimsFile
from model.rules.engine import settle_traced
from model.rules.reference import Claim, coinsurance_rate, failed_filter, is_special
from model.scenario import Scenario
from model.scenario.layers import Coinsurance
from model.textwidth import table

# The slips' words (model/rules/texts.yaml): the wide slip prints both languages, the narrow one its Chinese.
CATALOGUE = Path(__file__).with_name("texts.yaml")
SLIP = read(CATALOGUE)["slip"]


def _tagged(entry: dict, **fields) -> str:
    """A slip line's text: the Chinese tag, then the English with its fields ("tag English: …")."""
    english = entry["en"].format(**fields)
    return english if entry["zh"] is None else f"{entry['zh']} {english}"


def _glossed(entry: dict) -> str:
    """A column head or note: the English, then the Chinese ("layer tag")."""
    return entry["en"] if entry["zh"] is None else f"{entry['en']} {entry['zh']}"


def _record(claims_file: ClaimsFile, row: int) -> Claim:
    values = claims_file.fields(row)
    claims = claims_file.claims
    return Claim(
        claim_id=values["claim_id"], person_id=values["person_id"], date=values["date"], service=values["service"],
        level=values["level"], disease=values["disease"], total=int(claims.total[row]),
        eligible=int(claims.eligible[row]), compliant=values["compliant"] == "true", category=values["category"],
    )


def _money(fen: int) -> str:
    return "—" if fen < 0 else format_yuan(fen)


def _earlier_this_year(subset, position: int) -> int:
    """Claims settled before this one in the same person-year (spec §3: by date, ties in input order)."""
    day = subset.day[position]
    before = (subset.day < day) | ((subset.day == day) & (np.arange(len(subset)) < position))
    return int(np.sum(before & (subset.year == subset.year[position])))


def explain(scenario: Scenario, claims_file: ClaimsFile, claim_id: str) -> str:
    """`hpa adjudicate --explain CLAIM_ID`: how one claim settled, layer by layer, as a text slip.

    The claim's person is settled again alone (accumulators depend only on the person), by the reference settler.

    Parameters
    ----------
    scenario : Scenario
        The scheme the claims settle under.
    claims_file : ClaimsFile
        The claims file read.
    claim_id : str
        The claim to explain.

    Returns
    -------
    str
        The slip: each layer's deductible, rate, ceiling and payment (yuan), and what the patient pays.

    Raises
    ------
    InputError
        When no claim has that id.
    """
    row = claims_file.find(claim_id)
    if row is None:
        raise InputError(f"--explain {claim_id}: no claim with that claim_id in {claims_file.path}")
    claims = claims_file.claims
    same_person = np.flatnonzero(claims.person == claims.person[row])  # accumulators depend only on the person
    subset = claims.take(same_person)
    position = int(np.flatnonzero(same_person == row)[0])
    paid, trace = settle_traced(scenario.scheme, subset, position)
    record = _record(claims_file, row)
    scheme = scenario.scheme
    special = is_special(scheme, record)
    by_layer = {step.layer: step for step in trace}

    referral = SLIP["compliant" if record.compliant else "not_compliant"]["en"]
    lines = [
        _tagged(SLIP["title"], claim_id=record.claim_id),
        "  " + _tagged(SLIP["scheme"], scheme=scheme.id, name_zh=scenario.name["zh"], name_en=scenario.name["en"]),
        "  " + _tagged(SLIP["person"], person=record.person_id, date=record.date,
                       category=category_set_label(category_set_code(record.category))),
        "  " + _tagged(SLIP["claim"], service=SERVICE_LABELS[record.service], level=LEVEL_LABELS[record.level],
                       disease=record.disease or SLIP["no_disease"]["en"], referral=referral)
        + (f"; {_glossed(SLIP['special'])}" if special else ""),
        "  " + " = ".join([_tagged(SLIP["total"], total=format_yuan(record.total)),
                           " + ".join([_tagged(SLIP["eligible"], eligible=format_yuan(record.eligible)),
                                       _tagged(SLIP["out_of_list"], out_of_list=format_yuan(record.total - record.eligible))])]),
        "  " + _tagged(SLIP["earlier"], earlier=_earlier_this_year(subset, position)),
        "",
    ]
    header = [_glossed(column) for column in SLIP["columns"].values()]
    applied = [header]
    skipped = []
    for number, layer in enumerate(scheme.layers):
        label = f"{layer.id} {layer.name['zh']}"
        step = by_layer.get(number)
        if step is None:
            reason = failed_filter(layer.when, record, special)
            if reason is None and isinstance(layer.mechanic, Coinsurance) and coinsurance_rate(layer.mechanic, record) is None:
                reason = _tagged(SLIP["no_rate"], level=record.level)
            skipped.append(f"    {number + 1:>2} {label}: {reason}")
            continue
        caps = []
        if step.layer_cap_left >= 0:
            caps.append(f"layer {format_yuan(step.layer_cap_left)}")
        if step.payer_cap_left >= 0:
            caps.append(f"{layer.payer} {format_yuan(step.payer_cap_left)}")
        applied.append([
            str(number + 1), label, layer.payer, format_yuan(step.base), format_yuan(step.computed),
            format_yuan(step.paid), format_yuan(step.eligible_left), format_yuan(step.out_of_list_left),
            _money(step.cumulative_after), ", ".join(caps),
        ])
    lines.append("  " + _tagged(SLIP["applied"]))
    lines.append(table(applied, right_aligned={0, 3, 4, 5, 6, 7, 8}, indent="  "))
    if skipped:
        lines.append("  " + _tagged(SLIP["skipped"]))
        lines.extend(skipped)
    amounts = paid[position]
    lines.append("")
    lines.append("  " + _tagged(SLIP["paid"]))
    lines.append(table(
        [[PAYER_LABELS[name], format_yuan(int(amounts[OUTPUT_COLUMNS.index(name)]))] for name in output_columns(scheme.has_charity)],
        right_aligned={1}, indent="    ",
    ))
    check = int(amounts.sum())
    mark = "✓" if check == record.total else "✗"
    lines.append("  " + _tagged(SLIP["check"], check=format_yuan(check), total=format_yuan(record.total), mark=mark))
    lines.append("  " + _tagged(SLIP["cap_note"]))
    return "\n".join(lines)

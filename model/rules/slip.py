"""A settlement slip: one claim's settlement layer by layer, as a clerk or patient could check it."""

from __future__ import annotations

import numpy as np

from model.codes import LEVEL_LABELS, OUTPUT_COLUMNS, PAYER_LABELS, SERVICE_LABELS, category_set_code, category_set_label, output_columns
from model.errors import InputError
from model.money import format_yuan
from model.rules.claims_csv import ClaimsFile
from model.rules.engine import settle_traced
from model.rules.reference import Claim, coinsurance_rate, failed_filter, is_special
from model.scenario import Scenario
from model.scenario.scheme import Coinsurance
from model.textwidth import table


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

    lines = [
        f"结算单 Settlement slip — claim {record.claim_id}",
        f"  方案 Scheme: {scheme.id} — {scenario.name['zh']} / {scenario.name['en']}",
        f"  参保人 Person: {record.person_id} ({category_set_label(category_set_code(record.category))}), settled {record.date}",
        f"  费用 Claim: {SERVICE_LABELS[record.service]} at {LEVEL_LABELS[record.level]}; "
        f"disease {record.disease or '(none)'}; {'referral-compliant' if record.compliant else 'not referral-compliant'}"
        + ("; special treatment 大病专项救治" if special else ""),
        f"  总费用 Total {format_yuan(record.total)} = 政策范围内 eligible {format_yuan(record.eligible)}"
        f" + 目录外 out-of-list {format_yuan(record.total - record.eligible)}",
        f"  本年此前结算 Earlier claims of this person this year: {_earlier_this_year(subset, position)}",
        "",
    ]
    header = ["#", "layer 层", "payer", "base 基数", "computed 计算", "paid 支付", "eligible left", "out-of-list left",
              "year so far 累计", "cap left 限额余"]
    applied = [header]
    skipped = []
    for number, layer in enumerate(scheme.layers):
        label = f"{layer.id} {layer.name['zh']}"
        step = by_layer.get(number)
        if step is None:
            reason = failed_filter(layer.when, record, special)
            if reason is None and isinstance(layer.mechanic, Coinsurance) and coinsurance_rate(layer.mechanic, record) is None:
                reason = f"no rate for level {record.level}"
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
    lines.append("  适用层 Layers that applied, in order:")
    lines.append(table(applied, right_aligned={0, 3, 4, 5, 6, 7, 8}, indent="  "))
    if skipped:
        lines.append("  不适用 Layers that did not apply:")
        lines.extend(skipped)
    amounts = paid[position]
    lines.append("")
    lines.append("  支付合计 Paid:")
    lines.append(table(
        [[PAYER_LABELS[name], format_yuan(int(amounts[OUTPUT_COLUMNS.index(name)]))] for name in output_columns(scheme.has_charity)],
        right_aligned={1}, indent="    ",
    ))
    check = int(amounts.sum())
    mark = "✓" if check == record.total else "✗"
    lines.append(f"  核对 Check: payers + out of pocket = {format_yuan(check)}, total {format_yuan(record.total)} {mark}")
    lines.append("  'cap left' is what the layer's annual cap and the payer's annual cap had left before this layer paid.")
    return "\n".join(lines)

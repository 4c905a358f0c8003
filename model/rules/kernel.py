"""The compiled settlement loop: claims in processing order through their layers, pools, caps and counters.

Claims are independent across persons and sequential within a person-year (spec §3), so one
pass over claims sorted by (person, date, input order) settles everything. Counters carry the
index of the person-year that last wrote them ("stamps"), so a new person-year starts at zero
without clearing anything.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from model.rules.program import CEILING, COINSURANCE, NO_LIMIT, OUT_OF_LIST, TIERED, TOPUP

SCALE = 1_000_000
HALF = SCALE // 2
# A kernel's `out` has a column for each payer the scheme can pay, then oop: the six payers of spec §2 and oop
# (N_OUT) for a scheme without a charity layer, charity before oop (N_OUT + 1) for one with (spec §2). The
# columns are the spec's output as they stand, so writing payments copies nothing.
N_OUT = 7
# Columns of a trace row (one row per applied layer of the traced claim).
TRACE_COLUMNS = (
    "layer", "base", "computed", "paid", "eligible_left", "out_of_list_left",
    "cumulative_after", "layer_cap_left", "payer_cap_left",
)


@njit(cache=True)
def in_processing_order(person, day) -> bool:
    """True when claims already come person by person, date by date (as the simulation emits them)."""
    for i in range(1, person.shape[0]):
        if person[i] < person[i - 1] or (person[i] == person[i - 1] and day[i] < day[i - 1]):
            return False
    return True


@njit(cache=True, nogil=True)
def persons_order(person, day, first, last, order, dates):
    """Indices of the claims of persons first..last-1, grouped by person (counting sort), each
    person's by date, ties in input order: the start of `order` (`dates`, as long, is work space).
    Releases the GIL: ranges of persons sort side by side."""
    n = person.shape[0]
    start = np.zeros(last - first + 1, dtype=np.int64)
    for i in range(n):
        p = person[i] - first
        if 0 <= p < last - first:
            start[p + 1] += 1
    for p in range(last - first):
        start[p + 1] += start[p]
    fill = start[:-1].copy()
    for i in range(n):
        p = person[i] - first
        if 0 <= p < last - first:
            order[fill[p]] = i
            dates[fill[p]] = day[i]  # beside the order: the date sort reads no scattered memory
            fill[p] += 1
    for p in range(last - first):  # insertion sort by date: stable, and fast for a person's few claims
        for k in range(start[p] + 1, start[p + 1]):
            moving = order[k]
            moving_date = dates[k]
            j = k - 1
            while j >= start[p] and dates[j] > moving_date:
                order[j + 1] = order[j]
                dates[j + 1] = dates[j]
                j -= 1
            order[j + 1] = moving
            dates[j + 1] = moving_date
    return order[: start[-1]]


def processing_order(person: np.ndarray, day: np.ndarray, n_persons: int) -> np.ndarray:
    """Claim indices grouped by person, each person's by date, ties in input order."""
    return persons_order(person, day, 0, n_persons, np.empty(len(person), dtype=np.int64), np.empty(len(person), dtype=day.dtype))


@njit(cache=True, inline="always")
def _tiered(layer, amount, deductible, upper, rate, count):
    """F(amount) of spec §4.1, rounded half up once on the exact sum."""
    exact = 0  # in fen × SCALE
    lower = deductible[layer]
    for k in range(count[layer]):
        top = upper[layer, k]
        if top == NO_LIMIT or amount < top:
            top = amount
        if top > lower:
            exact += rate[layer, k] * (top - lower)
        if upper[layer, k] == NO_LIMIT or amount <= upper[layer, k]:
            break
        lower = upper[layer, k]
    return (exact + HALF) // SCALE


@njit(cache=True, nogil=True)
def settle_kernel(
    person, year, klass, total, eligible,
    class_start, entry_layer, entry_rate, entry_deductible, entry_cap, entry_cap_slot, n_cap_slots,
    mechanic, payer, base_total, tier_deductible, tier_upper, tier_rate, tier_count, ceiling,
    out_of_list_limit, payer_cap,
    out, oop_eligible, trace_claim, trace,
):
    """Settle claims given in processing order into `out` (n × the scheme's columns, fen, same order; every cell written, so it
    may come uninitialized); `oop_eligible` gets the part of each claim's out-of-pocket left in the
    eligible pool (for policy-range reimbursement).

    Fills `trace` for the claim at position `trace_claim` (-1: none).

    Returns the number of trace rows written.
    """
    n_layers = mechanic.shape[0]
    n_payers = payer_cap.shape[0]
    cumulative = np.zeros(n_layers, dtype=np.int64)
    cumulative_stamp = np.full(n_layers, -1, dtype=np.int64)
    cap_used = np.zeros(n_cap_slots, dtype=np.int64)
    cap_stamp = np.full(n_cap_slots, -1, dtype=np.int64)
    payer_used = np.zeros(n_payers, dtype=np.int64)
    payer_stamp = np.full(n_payers, -1, dtype=np.int64)
    person_year = -1
    last_person = -1
    last_year = -1
    traced = 0
    for i in range(person.shape[0]):
        if person[i] != last_person or year[i] != last_year:
            person_year += 1
            last_person = person[i]
            last_year = year[i]
        for column in range(out.shape[1]):  # every cell written here: `out` needs no zeroing beforehand
            out[i, column] = 0
        claim_total = total[i]
        claim_eligible = eligible[i]
        left_eligible = claim_eligible
        left_out = claim_total - claim_eligible
        c = klass[i]
        for j in range(class_start[c], class_start[c + 1]):
            layer = entry_layer[j]
            kind = mechanic[layer]
            if kind == OUT_OF_LIST:
                pool = left_out
            elif base_total[layer]:
                pool = left_eligible + left_out
            else:
                pool = left_eligible
            cumulative_after = NO_LIMIT
            if kind == COINSURANCE:
                above = pool - entry_deductible[j]
                pay = (entry_rate[j] * above + HALF) // SCALE if above > 0 else 0
            elif kind == TIERED or kind == CEILING:
                before = cumulative[layer] if cumulative_stamp[layer] == person_year else 0
                after = before + pool
                if kind == TIERED:
                    pay = _tiered(layer, after, tier_deductible, tier_upper, tier_rate, tier_count) - _tiered(
                        layer, before, tier_deductible, tier_upper, tier_rate, tier_count
                    )
                else:
                    c_amount = ceiling[layer]
                    pay = max(0, after - c_amount) - max(0, before - c_amount)
                cumulative[layer] = after  # advances by the full base even when a cap cuts the payment
                cumulative_stamp[layer] = person_year
                cumulative_after = after
            elif kind == TOPUP:
                if base_total[layer]:
                    pay = (entry_rate[j] * claim_total + HALF) // SCALE - (claim_total - left_eligible - left_out)
                else:
                    pay = (entry_rate[j] * claim_eligible + HALF) // SCALE - (claim_eligible - left_eligible)
            else:
                pay = pool
                if out_of_list_limit[layer] != NO_LIMIT:
                    limit = (out_of_list_limit[layer] * claim_total + HALF) // SCALE
                    if limit < pay:
                        pay = limit
            if pay < 0:
                pay = 0
            if pay > pool:
                pay = pool
            computed = pay
            layer_cap_left = NO_LIMIT
            cap = entry_cap[j]
            if cap != NO_LIMIT:
                slot = entry_cap_slot[j]
                if cap_stamp[slot] != person_year:
                    cap_stamp[slot] = person_year
                    cap_used[slot] = 0
                layer_cap_left = cap - cap_used[slot]
                if pay > layer_cap_left:
                    pay = layer_cap_left
            p = payer[layer]
            payer_cap_left = NO_LIMIT
            if payer_cap[p] != NO_LIMIT:
                if payer_stamp[p] != person_year:
                    payer_stamp[p] = person_year
                    payer_used[p] = 0
                payer_cap_left = payer_cap[p] - payer_used[p]
                if pay > payer_cap_left:
                    pay = payer_cap_left
                payer_used[p] += pay
            if cap != NO_LIMIT:
                cap_used[entry_cap_slot[j]] += pay
            if kind == OUT_OF_LIST:
                left_out -= pay
            elif pay <= left_eligible:
                left_eligible -= pay
            else:
                left_out -= pay - left_eligible
                left_eligible = 0
            out[i, p] += pay
            if i == trace_claim:
                trace[traced, 0] = layer
                trace[traced, 1] = pool
                trace[traced, 2] = computed
                trace[traced, 3] = pay
                trace[traced, 4] = left_eligible
                trace[traced, 5] = left_out
                trace[traced, 6] = cumulative_after
                trace[traced, 7] = layer_cap_left
                trace[traced, 8] = payer_cap_left
                traced += 1
        out[i, out.shape[1] - 1] = left_eligible + left_out
        oop_eligible[i] = left_eligible
    return traced


@njit(cache=True, nogil=True)
def settle_run(
    order, person, year, klass, total, eligible,
    class_start, entry_layer, entry_rate, entry_deductible, entry_cap, entry_cap_slot, n_cap_slots,
    mechanic, payer, base_total, tier_deductible, tier_upper, tier_rate, tier_count, ceiling,
    out_of_list_limit, payer_cap,
    out, oop_eligible, trace_claim, trace,
    s_person, s_year, s_klass, s_total, s_eligible, s_out, s_oop_eligible,
):
    """Settle the claims order[0], order[1], … (processing order, whole persons) into rows of `out` and
    `oop_eligible` indexed as the input; `trace_claim` is an input index too. The s_ arrays, at least
    as long as `order`, are work space: the caller allocates them, so that numpy can
    give them large pages.

    Gathers the run's claims into sorted copies, settles them, scatters the results back: separate
    tight loops keep many memory reads in flight, which the settlement loop itself cannot. Releases
    the GIL, so runs of different persons settle on separate threads into the same arrays.
    """
    n = order.shape[0]
    position = -1
    for k in range(n):
        i = order[k]
        s_person[k] = person[i]
        s_year[k] = year[i]
        s_klass[k] = klass[i]
        s_total[k] = total[i]
        s_eligible[k] = eligible[i]
        if i == trace_claim:
            position = k
    traced = settle_kernel(
        s_person[:n], s_year[:n], s_klass[:n], s_total[:n], s_eligible[:n],
        class_start, entry_layer, entry_rate, entry_deductible, entry_cap, entry_cap_slot, n_cap_slots,
        mechanic, payer, base_total, tier_deductible, tier_upper, tier_rate, tier_count, ceiling,
        out_of_list_limit, payer_cap, s_out, s_oop_eligible, position, trace,
    )
    for k in range(n):
        i = order[k]
        for column in range(out.shape[1]):
            out[i, column] = s_out[k, column]
        oop_eligible[i] = s_oop_eligible[k]
    return traced

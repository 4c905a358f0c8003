"""The compiled settler: spec §3–§4 over claims in processing order, one small function per mechanic of §4.1.

Read it beside model/rules/reference.py, the plain reading of the same sections: the mechanics
carry the same names, in the same order (spec §4.1's table), and `settle_kernel` takes a claim
through its layers in the steps `reference.settle` takes. The scheme arrives compiled by
model/rules/program.py: the filters of §4.2 are already applied per kind of claim, so a claim
walks only the layers that apply to it.

Claims are independent across persons and sequential within a person-year (spec §3.1), so one
pass over claims sorted by (person, date, input order) settles everything. Every counter of
spec §3.2 carries the index of the person-year that last wrote it (its "stamp"), so a new
person-year starts at zero without clearing anything.
"""

from __future__ import annotations

import sys

import numpy as np
from numba import njit

from model.rules.program import CEILING, COINSURANCE, NO_LIMIT, OUT_OF_LIST, TIERED, TOPUP

SCALE = 1_000_000  # rates are in ppm: rate × amount is exact in fen × SCALE (spec §3.4)
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


# Optional libraries numba imports while its CPU target loads, for features the kernels do not use: scipy.linalg
# (np.dot and np.linalg in compiled code; it pulls in numpy.f2py and unittest) and cffi (calling cffi functions; it
# builds a C parser). Together they are most of what loading the target costs a command that only settles.
UNUSED_BY_KERNELS = ("scipy.linalg", "cffi")


def load_compiler() -> None:
    """Load numba's CPU target, as the first call of a compiled function does, without UNUSED_BY_KERNELS.

    Each of those not yet imported is refused while the target loads (numba then goes without the feature in
    this process; no function here uses it) and imports as usual afterwards. Call it where no other thread may
    import them meanwhile (`hpa adjudicate` reads the claims beside it: pyarrow and numpy only).
    """
    from numba.core.compiler_lock import global_compiler_lock
    from numba.core.registry import cpu_target

    refused = [name for name in UNUSED_BY_KERNELS if name not in sys.modules]
    for name in refused:
        sys.modules[name] = None  # an import of it now raises ImportError: numba takes that as "not installed"
    try:
        with global_compiler_lock:  # as a first call loads it: never beside another thread's compile or load
            cpu_target.target_context.refresh()
    finally:
        for name in refused:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


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
    person's by date, ties in input order (spec §3.1): the start of `order` (`dates`, as long, is
    work space). Releases the GIL: ranges of persons sort side by side."""
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
            dates[fill[p]] = day[i]
            fill[p] += 1
    for p in range(last - first):  # insertion sort by date: stable, so ties keep input order (spec §3.1)
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


# Spec §4.1, one function per row of its table, in its order. Each returns the payment before
# spec §3.6's bounds and before the caps; `base` is what is left of the layer's base pool.


@njit(cache=True, inline="always")
def coinsurance(rate, deductible, base):
    """Spec §4.1 `coinsurance`: round(rate × max(0, base − deductible))."""
    above = base - deductible
    return (rate * above + HALF) // SCALE if above > 0 else 0


@njit(cache=True, inline="always")
def tiered_amount(layer, brackets, cumulative):
    """F(x) of spec §4.1 `tiered`: brackets start at the deductible and are absolute amounts; rounded
    half up once, on the exact sum."""
    exact = 0  # fen × SCALE
    lower = layer.deductible
    for k in range(layer.first_bracket, layer.first_bracket + layer.n_brackets):
        upper = brackets[k].upper
        top = cumulative if upper == NO_LIMIT or cumulative < upper else upper
        if top > lower:
            exact += brackets[k].rate * (top - lower)
        if upper == NO_LIMIT or cumulative <= upper:
            break
        lower = upper
    return (exact + HALF) // SCALE


@njit(cache=True, inline="always")
def tiered(layer, brackets, before, base):
    """Spec §4.1 `tiered`: F(B + b) − F(B), B = `before`, the person-year's cumulative base at this layer."""
    return tiered_amount(layer, brackets, before + base) - tiered_amount(layer, brackets, before)


@njit(cache=True, inline="always")
def topup(target, base_total, claim_total, claim_eligible, eligible_left, out_of_list_left):
    """Spec §4.1 `topup`: up to round(target × cost) of the claim paid, every payer counted so far."""
    if base_total:
        return max(0, (target * claim_total + HALF) // SCALE - (claim_total - eligible_left - out_of_list_left))
    return max(0, (target * claim_eligible + HALF) // SCALE - (claim_eligible - eligible_left))


@njit(cache=True, inline="always")
def ceiling(amount, before, base):
    """Spec §4.1 `ceiling`: max(0, B + b − c) − max(0, B − c), c = `amount`, B = `before`."""
    return max(0, before + base - amount) - max(0, before - amount)


@njit(cache=True, inline="always")
def out_of_list(limit_share_of_total, claim_total, base):
    """Spec §4.1 `out_of_list`: all of the base (what is left of X), at most round(limit × total_cost)."""
    if limit_share_of_total == NO_LIMIT:
        return base
    return min(base, (limit_share_of_total * claim_total + HALF) // SCALE)


@njit(cache=True, nogil=True)
def settle_kernel(
    person, year, class_index, total, eligible,
    class_start, entries, layers, brackets, payer_caps, n_cap_slots,
    out, oop_eligible, trace_claim, trace,
):
    """Settle claims given in processing order (spec §3.1) into `out` (n × the scheme's columns, fen, same order).

    Parameters
    ----------
    person, year, class_index, total, eligible : ndarray
        The claims: dense person index, calendar year, class (program.claim_class), total_cost and
        eligible_cost in fen.
    class_start, entries, layers, brackets, payer_caps, n_cap_slots
        The scheme's program (program.Program.kernel_arguments): ENTRY, LAYER and BRACKET records.
    out : ndarray
        int64 (n, columns of spec §2): every cell is written, so it may come uninitialized.
    oop_eligible : ndarray
        int64 (n,): the part of each claim's out-of-pocket left in the eligible pool E.
    trace_claim : int
        Position of the claim whose layers are recorded in `trace` (TRACE_COLUMNS); -1 for none.

    Returns
    -------
    int
        The number of trace rows written.
    """
    n_layers = layers.shape[0]
    n_payers = payer_caps.shape[0]
    # spec §3.2: the person-year's counters
    cumulative = np.zeros(n_layers, dtype=np.int64)  # tiered and ceiling: the cumulative base B
    cumulative_stamp = np.full(n_layers, -1, dtype=np.int64)
    cap_used = np.zeros(n_cap_slots, dtype=np.int64)  # paid against each layer's annual cap
    cap_stamp = np.full(n_cap_slots, -1, dtype=np.int64)
    payer_used = np.zeros(n_payers, dtype=np.int64)  # paid against each payer's cap
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
        for column in range(out.shape[1]):
            out[i, column] = 0
        claim_total = total[i]
        claim_eligible = eligible[i]
        eligible_left = claim_eligible  # spec §3.3: the pools E and X
        out_of_list_left = claim_total - claim_eligible
        c = class_index[i]
        for j in range(class_start[c], class_start[c + 1]):  # the layers that apply (§4.2), in the scheme's order
            entry = entries[j]
            l = entry.layer
            layer = layers[l]
            kind = layer.mechanic
            if kind == OUT_OF_LIST:  # spec §3.3: the layer's base pool
                base = out_of_list_left
            elif layer.base_total:
                base = eligible_left + out_of_list_left
            else:
                base = eligible_left
            cumulative_after = NO_LIMIT
            if kind == COINSURANCE:
                payment = coinsurance(entry.rate, entry.deductible, base)
            elif kind == TIERED or kind == CEILING:
                before = cumulative[l] if cumulative_stamp[l] == person_year else 0
                if kind == TIERED:
                    payment = tiered(layer, brackets, before, base)
                else:
                    payment = ceiling(layer.ceiling, before, base)
                cumulative_after = before + base  # spec §4.1: advances by the full base even when a cap cuts the payment
                cumulative[l] = cumulative_after
                cumulative_stamp[l] = person_year
            elif kind == TOPUP:
                payment = topup(entry.rate, layer.base_total, claim_total, claim_eligible, eligible_left, out_of_list_left)
            else:
                payment = out_of_list(layer.out_of_list_limit, claim_total, base)
            computed = payment = min(max(payment, 0), base)  # spec §3.6
            # spec §4.1: caps cut the payment, the layer's annual cap first, then the payer's
            layer_cap_left = NO_LIMIT
            cap = entry.annual_cap
            slot = entry.cap_slot
            if cap != NO_LIMIT:
                if cap_stamp[slot] != person_year:
                    cap_stamp[slot] = person_year
                    cap_used[slot] = 0
                layer_cap_left = cap - cap_used[slot]
                payment = min(payment, layer_cap_left)
            p = layer.payer
            payer_cap_left = NO_LIMIT
            if payer_caps[p] != NO_LIMIT:
                if payer_stamp[p] != person_year:
                    payer_stamp[p] = person_year
                    payer_used[p] = 0
                payer_cap_left = payer_caps[p] - payer_used[p]
                payment = min(payment, payer_cap_left)
                payer_used[p] += payment  # every counter records the payment as finally made
            if cap != NO_LIMIT:
                cap_used[slot] += payment
            # spec §3.3: drawn from E first, then X; out_of_list from X only
            from_eligible = 0 if kind == OUT_OF_LIST else min(payment, eligible_left)
            eligible_left -= from_eligible
            out_of_list_left -= payment - from_eligible
            out[i, p] += payment
            if i == trace_claim:
                trace[traced, 0] = l
                trace[traced, 1] = base
                trace[traced, 2] = computed
                trace[traced, 3] = payment
                trace[traced, 4] = eligible_left
                trace[traced, 5] = out_of_list_left
                trace[traced, 6] = cumulative_after
                trace[traced, 7] = layer_cap_left
                trace[traced, 8] = payer_cap_left
                traced += 1
        out[i, out.shape[1] - 1] = eligible_left + out_of_list_left  # oop: what is left in both pools
        oop_eligible[i] = eligible_left
    return traced


@njit(cache=True, nogil=True)
def settle_run(
    order, person, year, class_index, total, eligible,
    class_start, entries, layers, brackets, payer_caps, n_cap_slots,
    out, oop_eligible, trace_claim, trace,
    s_person, s_year, s_class_index, s_total, s_eligible, s_out, s_oop_eligible,
):
    """Settle the claims order[0], order[1], … (processing order, whole persons) into rows of `out` and
    `oop_eligible` indexed as the input; `trace_claim` is an input index too. The s_ arrays, at least
    as long as `order`, are work space the caller allocates.

    Gathers the run's claims into sorted copies, settles them with settle_kernel, scatters the
    results back. Releases the GIL, so runs of different persons settle on separate threads into
    the same arrays.
    """
    n = order.shape[0]
    position = -1
    for k in range(n):
        i = order[k]
        s_person[k] = person[i]
        s_year[k] = year[i]
        s_class_index[k] = class_index[i]
        s_total[k] = total[i]
        s_eligible[k] = eligible[i]
        if i == trace_claim:
            position = k
    traced = settle_kernel(
        s_person[:n], s_year[:n], s_class_index[:n], s_total[:n], s_eligible[:n],
        class_start, entries, layers, brackets, payer_caps, n_cap_slots,
        s_out, s_oop_eligible, position, trace,
    )
    for k in range(n):
        i = order[k]
        for column in range(out.shape[1]):
            out[i, column] = s_out[k, column]
        oop_eligible[i] = s_oop_eligible[k]
    return traced

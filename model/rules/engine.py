"""Settling claims with the compiled kernel: the one entry point the simulation and `hpa adjudicate` share."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

from model.codes import OUTPUT_COLUMNS, SPEC_COLUMNS
from model.rules.claim_arrays import ClaimArrays
from model.rules.kernel import TRACE_COLUMNS, in_processing_order, persons_order, settle_kernel, settle_run
from model.rules.program import Program, compile_scheme

if TYPE_CHECKING:  # a scheme arrives loaded: the engine only names its type, and loads without pydantic
    from model.scenario.layers import Scheme

ENGINE_NAME = "numba-kernel"


_compiled: dict[int, tuple[Scheme, Program]] = {}


def program_for(scheme: Scheme) -> Program:
    """The compiled program of a scheme, compiled once per scheme object."""
    cached = _compiled.get(id(scheme))
    if cached is None or cached[0] is not scheme:
        if len(_compiled) > 64:
            _compiled.clear()
        cached = _compiled[id(scheme)] = (scheme, compile_scheme(scheme))
    return cached[1]


@dataclass(frozen=True)
class TraceRow:
    """What one applied layer did to the traced claim (money in fen; -1 where a counter does not apply)."""

    layer: int
    base: int
    computed: int
    paid: int
    eligible_left: int
    out_of_list_left: int
    cumulative_after: int
    layer_cap_left: int
    payer_cap_left: int


PARALLEL_CLAIMS = 200_000  # fewer claims settle on one thread: starting a second costs more than it saves


def _run(program: Program, claims: ClaimArrays, trace_claim: int, threads: int = 1):
    n = len(claims)
    width = len(program.output_columns)  # spec §2: a charity column only for a scheme with a charity layer
    amounts = np.empty((n, width), dtype=np.int64)  # every row is written: each claim is settled once
    oop_eligible = np.empty(n, dtype=np.int64)
    trace = np.zeros((len(program.layer_ids), len(TRACE_COLUMNS)), dtype=np.int64)
    inputs = (claims.person, claims.year, claims.class_index, claims.total, claims.eligible)
    if in_processing_order(claims.person, claims.day):  # as the simulation emits them: nothing to move
        count = settle_kernel(*inputs, *program.kernel_arguments(), amounts, oop_eligible, trace_claim, trace)
        return amounts, oop_eligible, trace[:count]

    def settle_persons(persons: tuple[int, int]) -> int:
        """Sort and settle the claims of one range of persons (both steps release the GIL)."""
        order = persons_order(claims.person, claims.day, *persons, np.empty(n, dtype=np.int64), np.empty(n, dtype=claims.day.dtype))
        run = len(order)
        work = [np.empty(run, dtype=column.dtype) for column in inputs]
        return settle_run(order, *inputs, *program.kernel_arguments(), amounts, oop_eligible, trace_claim, trace,
                          *work, np.empty((run, width), dtype=np.int64), np.empty(run, dtype=np.int64))

    parts = threads if trace_claim < 0 and n >= PARALLEL_CLAIMS else 1
    if parts > 1:  # persons are independent (spec §3): ranges of them settle side by side into the same arrays
        cuts = [claims.n_persons * part // parts for part in range(parts + 1)]
        with ThreadPoolExecutor(max_workers=parts) as pool:
            list(pool.map(settle_persons, pairwise(cuts)))
        return amounts, oop_eligible, trace[:0]
    return amounts, oop_eligible, trace[: settle_persons((0, claims.n_persons))]


@dataclass(frozen=True)
class ClaimPayments:
    """Every claim's payments as the compiled engine settles them (spec §2), in fen, claims in input order."""

    amounts: np.ndarray  # (n, 8) int64 fen, columns OUTPUT_COLUMNS: every payer, charity included, then oop
    oop_eligible: np.ndarray  # (n,) int64 fen: the out-of-pocket part inside the catalogue



def all_payers(program: Program, amounts: np.ndarray) -> np.ndarray:
    """`amounts` as the kernel wrote them (the scheme's spec §2 columns) with every payer's column, charity's
    included (zero for a scheme without a charity layer): columns OUTPUT_COLUMNS."""
    if program.charity:
        return amounts
    return np.insert(amounts, OUTPUT_COLUMNS.index("charity"), 0, axis=1)


def spec_amounts(program: Program, amounts: np.ndarray) -> np.ndarray:
    """The columns of spec §2 for the program's scheme out of all payers' `amounts` (OUTPUT_COLUMNS)."""
    if program.charity:
        return amounts
    return np.delete(amounts, OUTPUT_COLUMNS.index("charity"), axis=1)


def settle_pools(scheme_or_program: Scheme | Program, claims: ClaimArrays, threads: int = 1) -> ClaimPayments:
    """Payments per claim (input order), every payer's column (OUTPUT_COLUMNS), and each claim's out-of-pocket
    inside the eligible pool.

    `threads` > 1 settles runs of whole persons side by side (same result, bit for bit).
    """
    program = scheme_or_program if isinstance(scheme_or_program, Program) else program_for(scheme_or_program)
    amounts, oop_eligible, _ = _run(program, claims, -1, threads)
    return ClaimPayments(all_payers(program, amounts), oop_eligible)


def settle(scheme_or_program: Scheme | Program, claims: ClaimArrays, threads: int = 1) -> np.ndarray:
    """Payments per claim, input order: an int64 array of fen with the scheme's spec §2 columns
    (`output_columns(scheme.has_charity)`: SPEC_COLUMNS, or OUTPUT_COLUMNS where a layer is paid by charity),
    as the kernel writes them (nothing copied)."""
    program = scheme_or_program if isinstance(scheme_or_program, Program) else program_for(scheme_or_program)
    return _run(program, claims, -1, threads)[0]


def settle_traced(scheme: Scheme, claims: ClaimArrays, claim_index: int) -> tuple[np.ndarray, list[TraceRow]]:
    """Settle and record, layer by layer, what happened to claim `claim_index`."""
    program = program_for(scheme)
    amounts, _, trace = _run(program, claims, claim_index)
    return all_payers(program, amounts), [TraceRow(*map(int, row)) for row in trace]


__all__ = ["ENGINE_NAME", "OUTPUT_COLUMNS", "SPEC_COLUMNS", "spec_amounts", "ClaimPayments", "TraceRow", "program_for", "settle", "settle_pools", "settle_traced"]

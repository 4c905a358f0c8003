"""Settling claims with the compiled kernel: the one entry point the simulation and `hpa adjudicate` share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.codes import OUTPUT_COLUMNS
from model.rules.claims import ClaimArrays
from model.rules.kernel import (
    N_OUT,
    TRACE_COLUMNS,
    arrange,
    in_processing_order,
    scatter_to_input,
    settle_kernel,
)
from model.rules.program import Program, compile_scheme
from model.scenario.scheme import Scheme

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


def _run(program: Program, claims: ClaimArrays, trace_claim: int):
    inputs = (claims.person, claims.year, claims.klass, claims.total, claims.eligible)
    arranged = not in_processing_order(claims.person, claims.day)
    if arranged:
        order, *inputs = arrange(
            claims.person, claims.day, claims.year, claims.klass, claims.total, claims.eligible, claims.n_persons
        )
    position = trace_claim
    if arranged and trace_claim >= 0:
        position = int(np.flatnonzero(order == trace_claim)[0])
    settled = np.zeros((len(claims), N_OUT + 1), dtype=np.int64)  # the last column: oop within the eligible pool
    trace = np.zeros((len(program.layer_ids), len(TRACE_COLUMNS)), dtype=np.int64)
    count = settle_kernel(*inputs, *program.kernel_arguments(), settled[:, :N_OUT], settled[:, N_OUT], position, trace)
    if arranged:
        out = np.empty_like(settled)
        scatter_to_input(order, settled, out)
        settled = out
    return settled, trace[:count]


@dataclass(frozen=True)
class Settlement:
    amounts: np.ndarray  # (n, 7) int64 fen, columns OUTPUT_COLUMNS (spec §2)
    oop_eligible: np.ndarray  # (n,) int64 fen: the out-of-pocket part inside the catalogue



def settle_pools(scheme_or_program: Scheme | Program, claims: ClaimArrays) -> Settlement:
    """Payments per claim (input order) and each claim's out-of-pocket inside the eligible pool."""
    program = scheme_or_program if isinstance(scheme_or_program, Program) else program_for(scheme_or_program)
    out, _ = _run(program, claims, -1)
    return Settlement(np.ascontiguousarray(out[:, :N_OUT]), out[:, N_OUT].copy())


def settle(scheme_or_program: Scheme | Program, claims: ClaimArrays) -> np.ndarray:
    """Payments per claim, input order: an (n, 7) int64 array of fen, columns OUTPUT_COLUMNS."""
    return settle_pools(scheme_or_program, claims).amounts


def settle_traced(scheme: Scheme, claims: ClaimArrays, claim_index: int) -> tuple[np.ndarray, list[TraceRow]]:
    """Settle and record, layer by layer, what happened to claim `claim_index`."""
    out, trace = _run(program_for(scheme), claims, claim_index)
    return np.ascontiguousarray(out[:, :N_OUT]), [TraceRow(*map(int, row)) for row in trace]


__all__ = ["ENGINE_NAME", "OUTPUT_COLUMNS", "Settlement", "TraceRow", "program_for", "settle", "settle_pools", "settle_traced"]

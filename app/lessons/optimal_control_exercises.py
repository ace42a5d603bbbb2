"""Optimal control: exercises checked with ``numdl_core.checkpointing`` (the memory section's random ResNet, seed 0)
and ``numdl_core.control.rk45`` (the course's spiral, the tolerance of the OTD solves)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, exact
from numdl_core import checkpointing as cp
from numdl_core import control

N, N_ROWS, WIDTH, SEED, T_NET = 256, 20, 2, 0, 2.0  # the memory exercises' network: 256 layers, 20 × 2 states
TOL, BUDGET = 1e-6, 600  # the RK45 exercise: final state within 1e-6 (relative) with fewer than 600 evaluations


@lru_cache(maxsize=None)
def _memory(regime: str, block: int | None = None) -> cp.MemoryGradient:
    """One gradient of the 256-layer ResNet (random weights, seed 0) in a memory regime (counts measured)."""
    Y0, K, b, C = cp._random_problem(N, N_ROWS, WIDTH, SEED)
    return cp.gradient(Y0, K, b, T_NET / N, C, regime=regime, block=block)


@lru_cache(maxsize=1)
def best_block() -> tuple[int, int]:
    """(fewest states stored by checkpointing, the smallest B reaching it), by formula over B = 1..N."""
    return min((cp.expected_counts(N, "checkpoint", B)[0], B) for B in range(1, N + 1))


def check_block(B: int) -> Verdict:
    if not 1 <= B <= N:
        return Verdict("wrong", f"B is a block of layers: between 1 and {N}.")
    g, (fewest, _) = _memory("checkpoint", B), best_block()
    said = f"With B = {B} one gradient holds {g.states_stored} states at once ({g.layer_evals} layer evaluations)"
    if g.states_stored == fewest:
        return Verdict("correct", f"{said}: the fewest possible.")
    status = "almost" if g.states_stored <= fewest + 1 else "wrong"
    return Verdict(status, f"{said}; {fewest} is possible. Balance the checkpoints N/B against the B − 1 states of "
                           "one block recomputed.")


def extra_evaluations() -> int:
    """Layer evaluations of checkpointing (B = 16) minus those of storing every state, both measured."""
    return _memory("checkpoint", 16).layer_evals - _memory("stored").layer_evals


def _block_solution() -> str:
    fewest, B = best_block()
    g = _memory("checkpoint", B)
    return (f"Checkpointing stores every B-th state (⌈N/B⌉ of them) and, going backwards, recomputes one block at a "
            f"time (B − 1 more states): ⌈N/B⌉ + B − 1 is smallest near B = √N = {np.sqrt(N):.0f}. The app measures "
            f"{g.states_stored} states at B = {B}, against {_memory('stored').states_stored} when storing all "
            f"and {_memory('reversible').states_stored} for the reversible network.")


def _extra_solution() -> str:
    g, s = _memory("checkpoint", 16), _memory("stored")
    return (f"Storing every state: {s.layer_evals} evaluations (the forward pass). Checkpointing with B = 16 runs "
            f"the forward pass once and recomputes, per block, the states after its checkpoint except the block's "
            f"last one: 2N − ⌈N/B⌉ = {g.layer_evals}, so {extra_evaluations()} extra evaluations "
            f"({100 * extra_evaluations() / s.layer_evals:.0f} % more work for {g.states_stored} instead of "
            f"{s.states_stored} states).")


@lru_cache(maxsize=1)
def _spiral():
    d = control.spiral_data(1)  # the reference y(T) (solve_ivp, DOP853 at 1e-12)
    return d.y0.ravel(), d.T, d.C[-1, 0]


@lru_cache(maxsize=64)
def rk45_run(rtol: float) -> tuple[float, int]:
    """(relative error of the final state, field evaluations) of ``control.rk45`` on the true spiral."""
    y0, T, ref = _spiral()
    res = control.rk45(control.spiral_rhs, (0.0, T), y0, rtol=rtol, atol=rtol / 100)
    return float(np.linalg.norm(res.y[-1] - ref) / np.linalg.norm(ref)), int(res.nfev)


def check_rtol(rtol: float) -> Verdict:
    if not 1e-13 <= rtol <= 0.5:
        return Verdict("wrong", "Choose rtol between 1e-13 and 0.5.")
    err, nfev = rk45_run(rtol)
    said = f"rtol = {rtol:.3g}: error {err:.2e} with {nfev} field evaluations"
    if err <= TOL and nfev < BUDGET:
        return Verdict("correct", f"{said}.")
    if err > TOL:
        return Verdict("almost" if err <= 3 * TOL else "wrong", f"{said}: not yet within {TOL:.0e}. Tighten rtol; "
                       "the global error is a few times the local tolerance.")
    return Verdict("almost" if nfev < 1.5 * BUDGET else "wrong", f"{said}: accurate, but over the budget of "
                   f"{BUDGET}. Loosen rtol: the error is a few times rtol, so it can be close to {TOL:.0e}/3.")


def _rtol_solution() -> str:
    rows = [(r, *rk45_run(r)) for r in (1e-6, 3e-7, 2e-7, 1e-7)]
    table = "; ".join(f"rtol {r:.0e}: error {e:.1e}, {n} evaluations" for r, e, n in rows)
    return (f"RK45 controls the local error per step; over the whole interval the errors add up to a few times rtol "
            f"here. {table}. So rtol between about 1.2e-7 and 3.3e-7 meets both: the error needs rtol ≲ {TOL:.0e}/3 "
            f"and the cost grows like rtol^(−1/5) per step.")


EXERCISES = ExerciseSet("optimal-control", (
    Exercise("checkpoint-block", f"Memory: a ResNet with N = {N} layers (20 × 2 states, random weights, seed 0) is "
             "differentiated with **checkpointing**. Choose the block size B for which one gradient holds the fewest "
             "states at once (the app runs the backpropagation with your B and counts).",
             check=check_block, solution=_block_solution, kind="int", label="B", lo=1, hi=N,
             tolerance="the fewest states stored", section="memory",
             hint="Stored: ⌈N/B⌉ checkpoints plus the B − 1 states of the block being recomputed."),
    Exercise("checkpoint-work", f"The same network (N = {N}) with checkpointing at B = 16: how many **more** layer "
             "evaluations does one gradient cost than storing every state?",
             check=exact(extra_evaluations, hint="Every layer is evaluated once forward; backwards each block "
                                                 "recomputes the states after its checkpoint except its last one."),
             solution=_extra_solution, kind="int", label="extra evaluations", lo=0, hi=10_000,
             tolerance="the exact count", section="memory"),
    Exercise("rk45-tolerance", "The course's spiral ∂ₜy = y³A from y(0) = (2, 0) to T = 1.5, solved by the app's RK45 "
             f"(the integrator of OTD) with atol = rtol/100. Choose rtol so that the final state is within "
             f"{TOL:.0e} (relative) of the reference solution, with fewer than {BUDGET} field evaluations.",
             check=check_rtol, solution=_rtol_solution, label="rtol", lo=0.0,
             tolerance=f"error ≤ {TOL:.0e} and fewer than {BUDGET} evaluations (the app runs it)",
             section="gradients", hint="The tolerance sweep below: each decade of rtol costs more evaluations."),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"checkpoint-block": (16, 4), "checkpoint-work": (240, 256), "rk45-tolerance": (2e-7, 1e-3)}

"""Sparse coding: exercises checked with ``numdl_core.theory.sparse`` on the ISTA-vs-FISTA section's planted problem
(``dictionary_problem``: F* exact) with n = 100 atoms (the section's smallest size, so that a check runs fast).

"ista-step" runs ISTA with the student's step and checks the gap F(x_k) − F* after a budget of iterations;
"fista-count" counts FISTA's iterations to a gap of 1e-6 (the stop rule of the section's compare mode);
"orthogonal-steps" counts ISTA's iterations on an orthogonal dictionary.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, close_to, exact
from numdl_core.theory import sparse as sp

N = 100  # atoms (the section's defaults otherwise: p = 1, q = 1/2, λ = 0.01, dense x*, seed 0)
ISTA_GAP, ISTA_BUDGET = 1e-4, 700  # ista-step: F − F* ≤ 1e-4 within 700 iterations
FISTA_GAP, MAX_ITER = 1e-6, 2000  # fista-count: the compare mode's target and iteration cap
EXACT_GAP = 1e-12  # orthogonal-steps: "solved" (round-off level; F* is about 3)
BLOWUP = 1e6  # as the page: a gap above 1e6 x F(0) counts as diverged


@lru_cache(maxsize=4)
def _problem(decay: float = 1.0) -> sp.SparseProblem:
    return sp.dictionary_problem(N, decay=decay, coef_decay=0.5, lam=0.01, zeros=0.0, seed=0)


def iterations_to_gap(method: str, gap: float, *, step: float = 1.0, decay: float = 1.0,
                      maxiter: int = MAX_ITER) -> tuple[int | None, float, bool]:
    r"""Iterations ISTA or FISTA with step ``step`` (× 1/L, L = ‖A‖² = 1) needs on the planted problem until
    :math:`F(x_k) - F^* \le` ``gap``.

    .. math:: F(x) = \tfrac12\|Ax - b\|^2 + \lambda\|x\|_1,\qquad x_{k+1} = S_{t\lambda}\big(x_k - tA^\top(Ax_k -
        b)\big)\ \text{(ISTA; FISTA adds Nesterov's extrapolation)}

    Parameters
    ----------
    method : {"ista", "fista"}
    gap : float
        The target of :math:`F(x_k) - F^*`.
    step : float
        The step :math:`t > 0`.
    decay : float
        :math:`p` of the singular values :math:`s_j = j^{-p}` (0: orthogonal).
    maxiter : int
        The budget.

    Returns
    -------
    k : int or None
        The first iteration with the gap reached (None: not within ``maxiter`` or diverged).
    last_gap : float
        The gap at the last iteration run.
    diverged : bool

    References
    ----------
    Beck and Teboulle (2009), SIAM J. Imaging Sciences 2(1), Theorems 3.1 and 4.4.
    """
    P = _problem(decay)
    last = None
    for s in getattr(sp, method)(P.A, P.b, P.lam, step=step, maxiter=maxiter, tol=0.0, blowup=BLOWUP):
        last = s
        if s.loss - P.F_star <= gap:
            return int(s.iteration), float(s.loss - P.F_star), False
    return None, float(last.loss - P.F_star), bool(last.info.get("diverged"))


def check_ista_step(t: float) -> Verdict:
    """Right when ISTA with step ``t`` reaches the gap within the budget (the app runs it)."""
    if t <= 0:
        return Verdict("wrong", "A step must be positive.")
    k, gap, diverged = iterations_to_gap("ista", ISTA_GAP, step=t, maxiter=ISTA_BUDGET)
    if diverged or not np.isfinite(gap):
        return Verdict("wrong", f"With t = {t:.3g} ISTA diverges: the top singular direction is multiplied by "
                                f"|1 − t s₁²| = {abs(1 - t):.3g} > 1 per step (t ≥ 2/L = 2).")
    if k is None and t >= 2:
        return Verdict("wrong", f"With t = {t:.3g} ISTA does not converge: the top singular direction is multiplied by "
                                f"|1 − t s₁²| = {abs(1 - t):.3g} ≥ 1 per step (the gap is {gap:.2e} after "
                                f"{ISTA_BUDGET} iterations); ISTA needs t < 2/L = 2.")
    if k is not None:
        return Verdict("correct", f"t = {t:.3g} reaches F − F* ≤ {ISTA_GAP:.0e} at iteration {k}.")
    if gap <= 2 * ISTA_GAP:
        return Verdict("almost", f"After {ISTA_BUDGET} iterations the gap is {gap:.2e}, not yet {ISTA_GAP:.0e}: a "
                                 "larger step helps.")
    return Verdict("wrong", f"After {ISTA_BUDGET} iterations the gap is only {gap:.2e}.")


def _ista_solution() -> str:
    k1 = iterations_to_gap("ista", ISTA_GAP, step=1.0)[0]
    k15 = iterations_to_gap("ista", ISTA_GAP, step=1.5)[0]
    k19 = iterations_to_gap("ista", ISTA_GAP, step=1.9)[0]
    return (f"With t = 1/L ISTA needs {k1} iterations: too many. Its gap behaves like ‖x*‖²/(2tk), so a larger step "
            f"shortens the run in proportion: t = 1.5 needs {k15}, t = 1.9 needs {k19}. ISTA is stable for every "
            f"t < 2/L = 2 (the top singular direction is multiplied by |1 − t|); at t = 2.1 it diverges. Any t from "
            f"about {k1 / ISTA_BUDGET:.2f} to just below 2 works. (FISTA's guarantee needs t ≤ 1/L.)")


@lru_cache(maxsize=1)
def fista_count() -> int:
    """FISTA's iterations (t = 1/L) to F − F* ≤ 1e-6 on the n = 100 problem."""
    k = iterations_to_gap("fista", FISTA_GAP)[0]
    return MAX_ITER if k is None else k


def _fista_solution() -> str:
    k_ista, gap, _ = iterations_to_gap("ista", FISTA_GAP, maxiter=MAX_ITER)
    return (f"FISTA reaches F − F* ≤ 10⁻⁶ at iteration **{fista_count()}** (compare mode: FISTA against ISTA with "
            f"n = 100). ISTA " + (f"needs {k_ista}" if k_ista else f"does not get there within {MAX_ITER} iterations "
                                  f"(gap {gap:.1e})") + ": its O(1/k) against FISTA's O(1/k²) at the same cost "
            "per iteration (one product with A and one with Aᵀ).")


@lru_cache(maxsize=1)
def orthogonal_steps() -> int:
    """ISTA's iterations (t = 1/L) to the minimizer (gap ≤ 1e-12) with an orthogonal dictionary (p = 0)."""
    k = iterations_to_gap("ista", EXACT_GAP, decay=0.0, maxiter=50)[0]
    return -1 if k is None else k


EXERCISES = ExerciseSet("sparse-coding", (
    Exercise("ista-step", f"ISTA vs FISTA with n = {N} atoms (other settings at their defaults). Choose the step t "
             f"(in units of 1/L) so that ISTA reaches F(x_k) − F* ≤ {ISTA_GAP:.0e} within {ISTA_BUDGET} iterations.",
             check=check_ista_step, solution=_ista_solution, label="t (× 1/L)", lo=0.0,
             tolerance=f"any t that reaches {ISTA_GAP:.0e} within {ISTA_BUDGET} iterations (the app runs ISTA)",
             hint="With t = 1/L ISTA is too slow; how large may the step be before ISTA diverges?",
             section="ista-fista"),
    Exercise("fista-count", f"With n = {N} atoms (defaults otherwise), how many FISTA iterations with t = 1/L does it "
             f"take to reach F(x_k) − F* ≤ {FISTA_GAP:.0e}?",
             check=close_to(fista_count, rtol=0.05, fmt=".0f",
                            hint="The compare mode stops each run at F − F* ≤ 1e-6 and reports its iterations."),
             solution=_fista_solution, kind="int", label="iterations", lo=0, hi=100_000, tolerance="within 5 %",
             hint="Set n = 100 and use the compare panel (FISTA, t = 1).", section="ista-fista"),
    Exercise("orthogonal-steps", "Orthogonal dictionary (p = 0: AᵀA = I), t = 1/L. How many ISTA iterations does it "
             "take to reach the minimizer x* (to round-off)?",
             check=exact(orthogonal_steps, hint="With AᵀA = I the gradient step x − Aᵀ(Ax − b) = Aᵀb does not depend "
                                                "on x."),
             solution=lambda: "With AᵀA = I and t = 1: x₁ = S_λ(x₀ − Aᵀ(Ax₀ − b)) = S_λ(Aᵀb) whatever x₀ is, and "
             "S_λ(Aᵀb) is the minimizer (F separates into n one-dimensional problems, each solved by one soft "
             f"threshold). The app's gap is round-off after **{orthogonal_steps()}** iteration(s).",
             kind="int", label="iterations", lo=0, hi=10_000, tolerance="the exact count", section="ista-fista"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"ista-step": (1.5, 1.0), "fista-count": (301, 609), "orthogonal-steps": (1, 100)}

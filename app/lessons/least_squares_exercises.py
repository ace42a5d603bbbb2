"""Linear least squares: exercises checked with ``numdl_core`` (the 3x2 problem of the iterative section)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, close_to, exact
from numdl_core import lstsq
from numdl_core.testproblems import exercise_3x2

TOL, BUDGET = 1e-6, 2000  # the step exercise: gradient down by 1e-6 within 2000 iterations


@lru_cache(maxsize=None)
def _problem(a: float):
    A, b, _ = exercise_3x2(a, 0.1, 0)
    lam = np.linalg.eigvalsh(A.T @ A)  # f = ||Ax - b||^2 has Hessian 2 A^T A
    return A, b, lam[0], lam[-1]


def _run_sd(step: float) -> tuple[int, float, bool]:
    """(iterations, gradient reduction, diverged) of fixed-step SD on the a = 1 problem, at most BUDGET steps."""
    A, b, _, _ = _problem(1.0)
    steps = list(lstsq.steepest_descent(A, b, step=step, tol=TOL, maxiter=BUDGET))
    g0, last = steps[0].grad_norm, steps[-1]
    return last.iteration, last.grad_norm / g0, bool(last.info.get("diverged"))


def check_sd_step(t: float) -> Verdict:
    """Right when fixed-step steepest descent with step ``t`` meets the tolerance within the budget."""
    _, _, lmin, lmax = _problem(1.0)
    if t <= 0:
        return Verdict("wrong", "A step must be positive.")
    k, reduction, diverged = _run_sd(t)
    if diverged or reduction > 1:
        return Verdict("wrong", f"With t = {t:.3g} the iteration diverges (at iteration {k}): t is above "
                                f"1/λmax = {1 / lmax:.3g}, so the error grows by |1 − 2tλmax| > 1 each step.")
    if reduction <= TOL:
        return Verdict("correct", f"t = {t:.3g} reaches the tolerance in {k} iterations.")
    if reduction <= 1e-3:
        return Verdict("almost", f"After {BUDGET} iterations the gradient is down by {reduction:.1e}, not yet "
                                 f"{TOL:.0e}: move t towards the middle of the stable range.")
    return Verdict("wrong", f"After {BUDGET} iterations the gradient is only down by {reduction:.1e}.")


def _sd_solution() -> str:
    _, _, lmin, lmax = _problem(1.0)
    best = 1 / (lmin + lmax)
    k, _, _ = _run_sd(best)
    rate = (lmax - lmin) / (lmax + lmin)
    return (f"The Hessian of ‖Ax − b‖² is 2AᵀA with eigenvalues 2λ, λ ∈ {{{lmin:.4g}, {lmax:.4g}}}. A fixed step "
            f"multiplies each error component by 1 − 2tλ, so it is stable for t < 1/λmax = {1 / lmax:.4g}. The "
            f"worst-case factor max |1 − 2tλ| is smallest at t = 1/(λmin + λmax) = {best:.4g}, where it is "
            f"(λmax − λmin)/(λmax + λmin) = {rate:.4f} (κ = {lmax / lmin:.0f}): from this start that run reaches "
            f"{TOL:.0e} in {k} iterations. Steps close to 1/λmax also work (the slow component then starts small); "
            f"steps below about {(1 - TOL ** (1 / BUDGET)) / (2 * lmin):.3g} are too slow for {BUDGET} iterations.")


def cg_iterations(a: float = 1.0) -> int:
    """Iterations CGLS takes on the 3x2 problem to reach a relative gradient of 1e-10."""
    A, b, _, _ = _problem(a)
    return list(lstsq.cgls(A, b, tol=1e-10, maxiter=100))[-1].iteration


def kappa(a: float) -> float:
    """κ = cond(AᵀA) of the 3x2 problem."""
    _, _, lmin, lmax = _problem(a)
    return lmax / lmin


EXERCISES = ExerciseSet("least-squares", (
    Exercise("sd-step", f"Steepest descent with a **fixed step** t on the 3×2 problem with a = 1 (noise 0.1, seed 0). "
             f"Choose t so that the gradient norm falls by a factor {TOL:.0e} within {BUDGET} iterations.",
             check=check_sd_step, solution=_sd_solution, label="t", lo=0.0,
             tolerance=f"any t that reaches {TOL:.0e} within {BUDGET} iterations (the app runs it)",
             hint="The stable range is 0 < t < 1/λmax(AᵀA); the fastest step balances λmin and λmax.",
             section="iterative"),
    Exercise("cg-count", "Predict: how many iterations does CG (CGLS) need on the 3×2 problem with a = 1 to reach "
             "a relative gradient of 1e-10?", check=exact(cg_iterations,
                                                        hint="CG minimizes over a Krylov space that grows by one "
                                                             "dimension per step; how many unknowns are there?"),
             solution=lambda: f"A has n = 2 columns: in exact arithmetic CG ends after at most n = 2 steps, since the "
             f"Krylov space then spans ℝ². The app counts {cg_iterations()} iterations.",
             kind="int", label="iterations", lo=0, hi=1000, tolerance="the exact count", section="iterative"),
    Exercise("kappa", "Compute κ = cond(AᵀA) for the 3×2 problem with a = 1e-2 (the number that sets the rate of "
             "steepest descent).", check=close_to(lambda: kappa(1e-2), rtol=0.02,
                                                  hint="κ(AᵀA) = cond(A)², and cond(A) = σmax/σmin."),
             solution=lambda: f"cond(A) = σmax/σmin = {np.sqrt(kappa(1e-2)):.4g}, so κ = cond(A)² = {kappa(1e-2):.4g}: "
             "steepest descent contracts the error by at most (κ−1)/(κ+1) per step, CG by (√κ−1)/(√κ+1).",
             label="κ", tolerance="within 2 %", section="iterative"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"sd-step": (0.025, 0.05), "cg-count": (2, 5), "kappa": (62450.0, 13.0)}

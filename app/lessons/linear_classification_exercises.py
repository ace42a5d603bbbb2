"""Linear classification: exercises checked with ``numdl_core`` (softmax regression on the page's default blobs)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, close_to
from numdl_core.classify import coding_example, entropy_bits, prefix_code
from numdl_core.classify_problems import classification_problem
from numdl_core.optim import gradient_descent, newton_cg

PROBLEM = {"data": "blobs", "features": "linear", "n": 300, "noise": 0.1, "alpha": 1e-3, "seed": 0}  # page defaults
GD_TOL, GD_BUDGET = 1e-4, 300  # the step exercise: ‖∇f‖ ≤ 1e-4 within 300 iterations
NCG_TOL = 1e-6  # the Newton-CG exercise: iterations to ‖∇f‖ ≤ 1e-6 with one CG iteration per Newton step
LENGTHS = (2, 3, 1, 3)  # the code exercise: codeword lengths of A, B, C, D


@lru_cache(maxsize=1)
def _objective():
    return classification_problem(**PROBLEM).obj


def two_over_L() -> float:
    """The safe-step bound 2/L of the default blobs problem."""
    return 2.0 / _objective().lipschitz_bound()


@lru_cache(maxsize=256)
def run_gd(step: float) -> tuple[int | None, float, bool]:
    """(first iteration with ‖∇f‖ ≤ GD_TOL or None, smallest ‖∇f‖, diverged) of fixed-step GD from θ = 0."""
    obj = _objective()
    best, last = np.inf, None
    for last in gradient_descent(obj, np.zeros(obj.n_params), step=step, maxiter=GD_BUDGET, tol=1e-14):
        best = min(best, last.grad_norm)
        if last.grad_norm <= GD_TOL:
            return last.iteration, best, False
    return None, best, last is None or not np.isfinite(last.grad_norm) or bool(last.info.get("diverged"))


def check_gd_step(t: float) -> Verdict:
    """Right when fixed-step GD with step ``t`` reaches ‖∇f‖ ≤ 1e-4 within 300 iterations."""
    if t <= 0:
        return Verdict("wrong", "A step must be positive.")
    if t > 1e4:
        return Verdict("wrong", f"t = {t:.3g} is far too large: t·α = {t * PROBLEM['alpha']:.3g} > 2, the Tikhonov "
                                "term alone multiplies W by |1 − tα| > 1 per step.")
    k, best, diverged = run_gd(float(t))
    if k is not None:
        return Verdict("correct", f"t = {t:.3g} reaches ‖∇f‖ ≤ {GD_TOL:.0e} at iteration {k}" + (
            f" (above 2/L = {two_over_L():.3g}: the bound is safe, not sharp)." if t > two_over_L() else "."))
    if diverged:
        return Verdict("wrong", f"With t = {t:.3g} GD diverges: t·α > 2 makes the weights grow by |1 − tα| per step.")
    status = "almost" if best <= 10 * GD_TOL else "wrong"
    why = ("too small a step: the progress per iteration is proportional to t" if t < two_over_L() else
           "the step overshoots: the loss oscillates")
    return Verdict(status, f"After {GD_BUDGET} iterations ‖∇f‖ is at best {best:.2e}, not yet {GD_TOL:.0e} ({why}).")


def _gd_solution() -> str:
    ok = [t for t in (0.5, 1.0, 2.0, 5.0, 10.0, 20.0) if run_gd(t)[0] is not None]
    counts = ", ".join(f"t = {t:g}: {run_gd(t)[0]}" for t in ok)
    return (f"The curvature bound is L = ‖[X 1]‖²/(2n) + α, so steps t < 2/L = {two_over_L():.3g} are guaranteed to "
            f"decrease f; but GD then needs {_gd_count_text(1.0)} iterations at t = 1 (the slow directions have "
            f"curvature far below L). L bounds the curvature everywhere; along this path it is smaller, so larger "
            f"steps converge faster here: {counts} iterations to ‖∇f‖ ≤ {GD_TOL:.0e}. Too large (t = 50) and the "
            "loss oscillates; t·α > 2 (t > 2000) diverges.")


def _gd_count_text(t: float) -> str:
    k = run_gd(t)[0]
    return f"more than {GD_BUDGET}" if k is None else str(k)


@lru_cache(maxsize=4)
def ncg_iterations(cg_maxiter: int = 1) -> int:
    """Newton-CG iterations (cg_tol 0.1, Armijo) to ‖∇f‖ ≤ 1e-6 from θ = 0 with ``cg_maxiter`` CG iterations."""
    obj = _objective()
    for s in newton_cg(obj, np.zeros(obj.n_params), cg_maxiter=cg_maxiter, cg_tol=0.1, maxiter=5000, tol=1e-14):
        if s.grad_norm <= NCG_TOL:
            return s.iteration
    raise RuntimeError("Newton-CG did not reach the tolerance")  # not reached on the default problem


def _ncg_solution() -> str:
    return (f"One CG iteration from p = 0 returns p = −(gᵀg / gᵀHg)·g: the steepest-descent direction with the step "
            f"that minimizes the quadratic model. Newton-CG then converges only linearly: {ncg_iterations(1)} "
            f"iterations to ‖∇f‖ ≤ {NCG_TOL:.0e}, against {ncg_iterations(20)} with up to 20 CG iterations (a "
            f"superlinear rate) and {ncg_iterations(2)} with 2.")


def wasted_bits() -> float:
    """Average length of the code with LENGTHS minus the entropy: KL(p‖q) in bits."""
    p = coding_example().p
    return prefix_code(p, list(LENGTHS)).average_length - entropy_bits(p)


def _code_solution() -> str:
    p = coding_example().p
    code = prefix_code(p, list(LENGTHS))
    return (f"Average length Σ pᵢℓᵢ = ½·2 + ¼·3 + ⅛·1 + ⅛·3 = {code.average_length:g} bits; the entropy is H(p) = "
            f"{entropy_bits(p):g} bits. The code is ideal for q = 2^(−ℓ) = ({', '.join(f'{v:g}' for v in code.q)}), "
            f"so it wastes H(p, q) − H(p) = KL(p‖q) = {wasted_bits():g} bits per symbol.")


EXERCISES = ExerciseSet("linear-classification", (
    Exercise("gd-step", f"Gradient descent with a **fixed** step t on the default blobs problem (300 points, noise "
             f"0.1, α = 10⁻³, linear features, seed 0), from W = 0. Choose t so that ‖∇f‖ falls below {GD_TOL:.0e} "
             f"within {GD_BUDGET} iterations.", check=check_gd_step, solution=_gd_solution, label="t", lo=0.0,
             tolerance=f"any t that reaches ‖∇f‖ ≤ {GD_TOL:.0e} within {GD_BUDGET} iterations (the app runs it)",
             hint="Start from 2/L (in the caption); is 2/L a limit here, or only a guarantee? Try a few steps "
                  "with Play.", section="train"),
    Exercise("ncg-one-cg", f"Newton-CG on the same problem with **Max CG iterations = 1** (CG tolerance 0.1): how many "
             f"Newton iterations does it need to bring ‖∇f‖ below {NCG_TOL:.0e}?",
             check=close_to(lambda: ncg_iterations(1), rtol=0.1, fmt=".0f",
                            hint="One CG iteration is a steepest-descent step with the model's step length."),
             solution=_ncg_solution, kind="int", label="iterations", lo=0, hi=100_000,
             tolerance="within 10 % of the count", hint="Set Max CG iterations to 1, press Play and read the table.",
             section="train"),
    Exercise("code-kl", f"Codeword lengths ({', '.join(map(str, LENGTHS))}) for A, B, C, D with p = (1/2, 1/4, 1/8, "
             "1/8): how many bits per symbol does this code waste compared with the best code?",
             check=close_to(wasted_bits, rtol=0.02, hint="The best code reaches the entropy H(p)."),
             solution=_code_solution, label="wasted bits per symbol", lo=0.0, tolerance="within 2 %",
             hint="Average length Σ pᵢℓᵢ minus the entropy H(p).", section="coding"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"gd-step": (5.0, 0.5), "ncg-one-cg": (52, 7), "code-kl": (0.5, 2.25)}

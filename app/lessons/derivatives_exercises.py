"""Checking derivatives: exercises checked with ``numdl_core`` (the Taylor test of the page's default functions)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, close_to
from numdl_core.checks import DerivativeCheck, derivative_check
from numdl_core.derivatives import make_function, with_bug

N, SEED = 10, 0  # the page's defaults: n = 10 variables, seed 0 (data and direction v)
K_FROM, K_TO = 10, 14  # the prediction exercise: from E1(2^-10) to E1(2^-14)
MIN_STEPS_CASE = ("rosenbrock", "missing_term", "skip")  # the step-count exercise: a term forgotten, gradient only


@lru_cache(maxsize=None)
def taylor(function: str, gradient: str = "none", hessian: str = "none", n_h: int = 20) -> DerivativeCheck:
    """The page's Taylor test of ``function`` (n = 10, seed 0) with the given bugs and ``n_h`` step sizes;
    ``hessian="skip"``: the gradient alone (the page's "not tested")."""
    fun = with_bug(make_function(function, N, SEED), gradient, "none" if hessian == "skip" else hessian)
    return derivative_check(fun.value_and_grad, fun.x0, hess_vec=None if hessian == "skip" else fun.hess_vec,
                            seed=SEED, n=n_h)


def e1(k: int) -> float:
    """E1(2^-k) of the correct gradient of the default tanh layer."""
    return float(taylor("tanh_layer", n_h=30).err1[k])


def _predict_solution() -> str:
    a, b = e1(K_FROM), e1(K_TO)
    ratios = taylor("tanh_layer", n_h=30).err1[K_FROM:K_TO] / taylor("tanh_layer", n_h=30).err1[K_FROM + 1:K_TO + 1]
    return (f"A correct gradient leaves E1(h) ≈ C·h² (the ½h²vᵀ∇²f v term). Each halving of h divides E1 by 2² = 4, "
            f"so {K_TO - K_FROM} halvings divide it by 4^{K_TO - K_FROM} = {4 ** (K_TO - K_FROM)}: "
            f"E1(2⁻¹⁴) ≈ {a:.4g} / {4 ** (K_TO - K_FROM)} = {a / 4 ** (K_TO - K_FROM):.4g}. The test measures "
            f"{b:.4g} (the measured halving ratios are {', '.join(f'{r:.3f}' for r in ratios)}: 4 up to the "
            "higher-order terms). Dividing by 2 per halving (order 1) would be the signature of a wrong gradient.")


def min_steps(most: int = 30) -> int:
    """The fewest step sizes ``n_h`` (from the page's 5) for which the Taylor test of the Rosenbrock gradient with a
    term forgotten fails (``most + 1``: never)."""
    return next((n for n in range(5, most + 1) if not taylor(*MIN_STEPS_CASE, n_h=n).passed), most + 1)


def check_min_steps(answer: int) -> Verdict:
    """Right when ``answer`` is the fewest step sizes that catch the forgotten term on Rosenbrock."""
    k, a = min_steps(), int(answer)
    if a == k:
        return Verdict("correct", f"With {k} step sizes (h down to {2.0 ** (1 - k):.2g}) the observed "
                                  f"E1 order is {taylor(*MIN_STEPS_CASE, n_h=k).order:.2f}: the test fails, as it "
                                  f"should; with {k - 1} it is {taylor(*MIN_STEPS_CASE, n_h=k - 1).order:.2f} and the "
                                  "wrong gradient passes.")
    if a < 5:
        return Verdict("wrong", "The page runs the test with 5 step sizes or more.")
    passed = taylor(*MIN_STEPS_CASE, n_h=min(a, 30)).passed
    if a < k:
        return Verdict("almost" if k - a == 1 else "wrong",
                       f"With {a} step sizes the wrong gradient still **passes** (observed E1 order "
                       f"{taylor(*MIN_STEPS_CASE, n_h=a).order:.2f} ≥ 1.5): h is not yet small enough.")
    return Verdict("almost" if a - k == 1 else "wrong",
                   f"With {a} step sizes the test {'passes' if passed else 'fails'}, but fewer suffice.")


def _min_steps_solution() -> str:
    k = min_steps()
    r = taylor(*MIN_STEPS_CASE, n_h=30)
    g = taylor("rosenbrock", hessian="skip", n_h=30)
    h_star = float(r.h[np.argmax(r.err1 > 2 * g.err1)])
    return (f"The forgotten term halves g₁, which is small at the Rosenbrock start: the error δ of the gradient gives "
            f"E1(h) ≈ |C·h² ± h·δᵀv|, and h·|δᵀv| beats the h² remainder only for small h (E1 of the wrong gradient "
            f"is twice the correct one's from h = {h_star:.2g} on). The test reads the order from the last three "
            f"pairs of step sizes, so they must lie in that regime: with n_h = {k} (h down to {2.0 ** (1 - k):.2g}) "
            f"the observed order is {taylor(*MIN_STEPS_CASE, n_h=k).order:.2f} and the test fails; with n_h = {k - 1} "
            f"it is {taylor(*MIN_STEPS_CASE, n_h=k - 1).order:.2f} and the bug slips through. Use 25 step sizes or "
            "more.")


def e2_order() -> float:
    """The observed E2 order on Rosenbrock with a diagonal-only Hessian (correct gradient)."""
    return taylor("rosenbrock", "none", "missing_term").order2


def check_e2_order(answer: int) -> Verdict:
    k = int(round(e2_order()))
    if int(answer) == k:
        return Verdict("correct", f"The test measures an E2 order of {e2_order():.3f}.")
    if int(answer) == 3:
        return Verdict("wrong", "3 is the order of a correct Hessian; this one is wrong.")
    return Verdict("wrong", f"{int(answer)} is not it.")


EXERCISES = ExerciseSet("derivatives", (
    Exercise("predict-e1", "The default tanh layer (n = 10, seed 0) with the **correct** gradient and 30 step sizes: "
             f"the table shows E1(2⁻¹⁰) = {e1(K_FROM):.4g}. Predict E1(2⁻¹⁴) without reading it.",
             check=close_to(lambda: e1(K_TO), rtol=0.05, hint="A correct gradient: how does E1 scale with h?"),
             solution=_predict_solution, label="E1(2⁻¹⁴)", lo=0.0, tolerance="within 5 % of the measured E1",
             hint="E1 = O(h²) for a correct gradient: each halving of h divides E1 by 4."),
    Exercise("min-steps", "Rosenbrock (n = 10, seed 0) with the gradient bug *a term forgotten* (half of g₁). What "
             "is the **fewest** number of step sizes h = 2⁻ᵏ for which the Taylor test catches the bug (fails)? Test the "
             "gradient alone (Hessian-vector product: *not tested*).",
             check=check_min_steps, solution=_min_steps_solution, kind="int", label="step sizes n_h", lo=5, hi=60,
             tolerance="the exact count (the app runs the test)",
             hint="Choose Rosenbrock, the bug and *not tested*, then move the number of step sizes: where does the "
                  "verdict turn?"),
    Exercise("e2-order", "Rosenbrock with the correct gradient but a Hessian-vector product that uses **only the "
             "diagonal** of the Hessian: what order does E2 decay with as h → 0?", check=check_e2_order,
             solution=lambda: "With a wrong Hessian H̃, E2(h) = |h²/2·vᵀ(H − H̃)v + O(h³)|: the h² term no longer "
             f"cancels, so E2 decays like h², as E1 does. The test measures E2 order {e2_order():.3f} (E1: "
             f"{taylor('rosenbrock', 'none', 'missing_term').order:.3f}).", kind="int", label="order", lo=0, hi=5,
             tolerance="the whole number nearest to the observed order",
             hint="Write E2 with the wrong Hessian: which term no longer cancels?"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"predict-e1": (e1(K_FROM) / 4 ** (K_TO - K_FROM), e1(K_FROM) / 2 ** (K_TO - K_FROM)),
            "min-steps": (20, 12), "e2-order": (2, 3)}

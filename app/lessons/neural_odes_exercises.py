"""Dynamic view (Neural ODEs): exercises checked with ``numdl_core.theory.neural_odes`` (the page's fields, data
and seeds: NFE of the adaptive solve, the order-keeping step size, the depth of the deep limit)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, close_to
from numdl_core.theory import neural_odes as M

T = 3.0  # the pages' default final time
W1 = -2.0  # the 1-D field f(y) = tanh(−2y) of the robustness section
DEEP_TOL = 1e-2  # the deep-limit exercise: max error of the ResNet ≤ 1e-2
MAX_N = 20_000  # deeper nets are not run (cost)


# -- NFE against tolerance (the adaptive section, n = 60, seed 0, the stiffer field 4θ₀) ------------------------------
@lru_cache(maxsize=1)
def _nfe() -> tuple[int, int]:
    X, _ = M.two_moons_like(60, seed=0)
    F = M.TanhField(2)
    th = 0.5 * np.random.default_rng(0).standard_normal(F.n_params + 3)[:F.n_params]  # θ₀ as on the page
    a, b = M.nfe_vs_tolerance(F, X, 4 * th, T, (1e-4, 1e-8))
    return int(a), int(b)


def nfe_factor() -> float:
    """NFE(rtol 1e-8) / NFE(rtol 1e-4) of the adaptive solve of the stiffer field 4θ₀."""
    a, b = _nfe()
    return b / a


def _nfe_solution() -> str:
    a, b = _nfe()
    return (f"The app's Dormand–Prince solve of the field 4θ₀ (T = {T:g}, 60 points, seed 0) takes NFE = {a} at rtol "
            f"1e-4 and {b} at rtol 1e-8: the factor is {b}/{a} = {b / a:.3g}. The error of an order-5 pair is about "
            f"C h⁵, so the step scales like tol^(1/5) and the NFE like tol^(−1/5): the asymptotic law predicts "
            f"10^(4/5) = {10 ** 0.8:.3g}. The measured factor is smaller because at 1e-4 the solve is not yet in the "
            f"asymptotic regime (each step costs 6 evaluations, and a minimum number of steps is always taken).")


# -- the one-step ResNet keeps the order (the robustness section) -------------------------------------------------
def _keeps_order(h: float, x: np.ndarray) -> bool:
    y = M.euler_resnet(M.TanhField(1), x[:, None], np.array([W1, 0.0]), h, 1)[-1, :, 0]
    return M.order_preserved(x, y)


@lru_cache(maxsize=1)
def order_h_max() -> float:
    """The largest h for which one Euler step y + h tanh(−2y) keeps the order of 4001 inputs in [−2, 2]
    (bisection on ``order_preserved``)."""
    x = np.linspace(-2.0, 2.0, 4001)
    lo, hi = 0.01, 10.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _keeps_order(mid, x) else (lo, mid)
    return lo


def check_order_h(h: float) -> Verdict:
    """Right within 3 % of the largest order-keeping h; says whether the page's two points are swapped."""
    if h <= 0:
        return Verdict("wrong", "A step h must be positive.")
    v = close_to(order_h_max, rtol=0.03, hint="Where is the step's derivative 1 + h f′(y) smallest?")(h)
    x, y = M.swap_counterexample(abs(W1), 0.0, float(h))
    swapped = "swaps" if y[0] > y[1] else "keeps the order of"
    return Verdict(v.status, f"{v.message} With h = {h:.3g} the step {swapped} the page's two points "
                             f"{x[0]:.2f} < {x[1]:.2f}.")


def _order_solution() -> str:
    return (f"One step maps y ↦ g(y) = y + h tanh(−2y), with g′(y) = 1 − 2h (1 − tanh²(2y)). It is smallest at "
            f"y = 0, where g′(0) = 1 − 2h: g is increasing (keeps every order) iff h ≤ 1/2 = 1/|w|. The app's "
            f"bisection on 4001 points finds h = {order_h_max():.4g}. The exact flow keeps the order for every T "
            "(trajectories of an ODE cannot cross); the discrete net does only for small steps.")


# -- the deep limit (n = 40, scale 1, seed 0) ---------------------------------------------------------------------
@lru_cache(maxsize=1)
def _deep():
    X, _ = M.two_moons_like(40, seed=0)
    F = M.TanhField(2)
    th = np.random.default_rng(0).standard_normal(F.n_params)  # weight scale 1, as on the page
    ref, _ = M.ode_flow(F, X, th, T, rtol=1e-11, atol=1e-13)
    return F, X, th, ref


@lru_cache(maxsize=256)
def deep_error(N: int) -> float:
    """max |Y_N − Y(T)| of the N-layer ResNet (h = T/N) on the deep-limit set-up."""
    F, X, th, ref = _deep()
    return float(np.max(np.abs(M.euler_resnet(F, X, th, T, N)[-1] - ref)))


@lru_cache(maxsize=1)
def deep_n_min() -> int:
    """The fewest layers with error ≤ DEEP_TOL (bisection: the error decreases like 1/N)."""
    lo, hi = 1, 2
    while deep_error(hi) > DEEP_TOL:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if deep_error(mid) <= DEEP_TOL else (mid, hi)
    return hi


def check_deep_n(N: int) -> Verdict:
    """Right when N layers meet the tolerance with at most 20 % more layers than needed."""
    if N < 1:
        return Verdict("wrong", "A ResNet needs at least one layer.")
    n_min = deep_n_min()
    if N > MAX_N:
        return Verdict("wrong", f"N = {N} certainly meets the tolerance, but with far too many layers.")
    err = deep_error(int(N))
    if err <= DEEP_TOL:
        if N <= 1.2 * n_min:
            return Verdict("correct", f"N = {N}: error {err:.3g} ≤ {DEEP_TOL:g} (the fewest is N = {n_min}).")
        return Verdict("almost", f"N = {N} gives error {err:.3g} ≤ {DEEP_TOL:g}, but noticeably fewer layers "
                                 "suffice: use the slope −1 to find the fewest.")
    if err <= 1.2 * DEEP_TOL:
        return Verdict("almost", f"N = {N} gives error {err:.4g}, just above {DEEP_TOL:g}.")
    return Verdict("wrong", f"N = {N} gives error {err:.3g} > {DEEP_TOL:g}. Halving h halves the error.")


def _deep_solution() -> str:
    n_min = deep_n_min()
    e128 = deep_error(128)
    return (f"Euler is first order: error ≈ C/N. The page's plot gives error {e128:.3g} at N = 128, so C ≈ "
            f"{128 * e128:.3g} and N ≈ C/{DEEP_TOL:g} = {128 * e128 / DEEP_TOL:.0f}. The app's search finds the fewest "
            f"layers N = {n_min} (error {deep_error(n_min):.3g}; N = {n_min - 1} gives {deep_error(n_min - 1):.4g}).")


EXERCISES = ExerciseSet("neural-odes", (
    Exercise("nfe-factor", f"Adaptive section, defaults (T = {T:g}, 60 points, seed 0): for the **stiffer field 4θ₀**, "
             "by what factor does the number of function evaluations grow when the tolerance goes from 1e-4 to 1e-8?",
             check=close_to(nfe_factor, rtol=0.1, hint="Read both NFE off the log-log plot \"NFE against "
                                                        "tolerance\"; the asymptotic law is tol^(−1/5)."),
             solution=_nfe_solution, label="NFE(1e-8) / NFE(1e-4)", lo=0.0, tolerance="within 10 %",
             section="adaptive"),
    Exercise("order-h", f"One ResNet step y ↦ y + h tanh({W1:g}y) on 1-D inputs: what is the **largest step h** for "
             "which it keeps the order of all inputs (as the ODE flow does)?", check=check_order_h,
             solution=_order_solution, label="h", lo=0.0, tolerance="within 3 %",
             hint="The step is monotone where its derivative 1 + h·f′(y) is positive.", section="robustness"),
    Exercise("deep-n", f"Deep-limit section, defaults (T = {T:g}, weight scale 1, seed 0): what is the **fewest "
             f"layers N** for which the ResNet's max error to the ODE flow is at most {DEEP_TOL:g}?",
             check=check_deep_n, solution=_deep_solution, kind="int", label="N", lo=1, hi=MAX_N,
             tolerance=f"error ≤ {DEEP_TOL:g} with at most 20 % more layers than the fewest",
             hint="Read the error at one N off the plot and use the slope −1.", section="deep-limit"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"nfe-factor": (4.75, 6.31), "order-h": (0.5, 1.0), "deep-n": (190, 128)}

"""Dynamical systems: exercises checked with ``numdl_core.theory.dynamics`` (the page's control problem, its
parareal set-up and the LM-ResNet's stability region)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, close_to, exact
from numdl_core import resnet
from numdl_core.theory import dynamics as dy

GD_TOL, GD_BUDGET = 1e-3, 10  # the step exercise: Φ ≤ 1e-3 within 10 iterations (L = 8, h = 0.25, seed 0)
PARA = {"N": 6, "T": 20.0, "omega": 8.0, "coarse": 1, "fine": 20}  # an unstable coarse propagator
LAM, K_LM = -5.0, -0.3  # the LM-ResNet exercise: y' = λy, k = −0.3


@lru_cache(maxsize=None)
def _control():
    return dy.control_problem(12, 2, 8, seed=0)


@lru_cache(maxsize=64)
def gd_iterations(step: float) -> tuple[int | None, list[float]]:
    """(first iteration with Φ ≤ GD_TOL or ``None``, the losses) of gradient descent with step η on the MSA
    problem, at most GD_BUDGET iterations."""
    Y0, C, K0, b0 = _control()
    losses = []
    for s in dy.gradient_descent(Y0, C, K0, b0, 0.25, step=step, tol=1e-14, maxiter=GD_BUDGET):
        losses.append(float(s.loss))
        if s.loss <= GD_TOL:
            return s.iteration, losses
        if s.info.get("diverged") or not np.isfinite(s.loss):
            break
    return None, losses


@lru_cache(maxsize=1)
def gd_window() -> tuple[float, float]:
    """The smallest and largest η of the grid 1, 2, …, 24 that reach Φ ≤ GD_TOL within GD_BUDGET iterations."""
    ok = [e for e in range(1, 25) if gd_iterations(float(e))[0] is not None]
    return float(min(ok)), float(max(ok))


def check_gd_step(step: float) -> Verdict:
    """Right when gradient descent with step η reaches Φ ≤ 1e-3 within the budget."""
    if step <= 0:
        return Verdict("wrong", "A step must be positive.")
    k, losses = gd_iterations(float(step))
    if k is not None:
        return Verdict("correct", f"η = {step:.3g} reaches Φ ≤ {GD_TOL:.0e} at iteration {k}.")
    loss = losses[-1]
    if np.isfinite(loss) and loss <= 10 * GD_TOL:
        return Verdict("almost", f"After {GD_BUDGET} iterations Φ = {loss:.2e}, not yet {GD_TOL:.0e}.")
    if step < gd_window()[0]:
        why = "too small: the loss falls at every step, but too slowly"
    else:
        why = (f"too large: the first step lands at Φ = {losses[1]:.3g} and the loss then stalls "
               f"(Φ = {loss:.3g} after {GD_BUDGET} iterations)" if len(losses) > 1 and np.isfinite(loss) else
               "too large: the run blows up")
    return Verdict("wrong", f"After {GD_BUDGET} iterations Φ = {loss:.2e}: η = {step:.3g} is {why}.")


def _gd_solution() -> str:
    lo, hi = gd_window()
    rows = ", ".join(f"η = {e:g}: {gd_iterations(e)[0] or f'not within {GD_BUDGET}'}" for e in (1.0, 3.0, 6.0,
                                                                                                 10.0, 20.0))
    return (f"Gradient descent θ ← θ − η∇Φ on a nonconvex Φ: the first iteration with Φ ≤ {GD_TOL:.0e} is, per "
            f"step, {rows}. Small steps crawl (the loss falls at every step, by little); too large a first step "
            f"throws the controls onto a plateau of Φ where the gradient is small. On the grid η = 1, 2, …, 24 the "
            f"steps from η = {lo:g} to {hi:g} reach the tolerance within {GD_BUDGET} iterations.")


def parareal_iterations() -> int:
    """Parareal iterations to reach max |Uᵏ − U_fine| ≤ 1e-8 with the unstable coarse propagator (PARA)."""
    return _parareal_errors()[1]


@lru_cache(maxsize=1)
def _parareal_errors() -> tuple[np.ndarray, int]:
    K = np.array([[-0.2, -PARA["omega"]], [PARA["omega"], -0.2]])  # rotation_rhs(ω, 0.2) of the page

    def f(t, y):
        return np.tanh(y @ K) + 0.5 * np.sin(t)

    y0 = np.array([[1.0, 0.0], [0.0, 1.0], [-0.5, 0.5]])
    U = dy.parareal(f, y0, PARA["T"], PARA["N"], coarse=PARA["coarse"], fine=PARA["fine"])
    ref = dy.fine_solve(f, y0, PARA["T"], PARA["N"], PARA["fine"])
    err = np.array([np.max(np.abs(Uk - ref)) for Uk in U])
    return err, int(np.flatnonzero(err <= 1e-8)[0])


def _parareal_solution() -> str:
    err, k = _parareal_errors()
    dt = PARA["T"] / PARA["N"]
    return (f"The coarse step Δt = T/N = {dt:.3g} gives ωΔt = {PARA['omega'] * dt:.3g}, far outside Euler's "
            f"stability disc, so the coarse correction is useless: the error stays between {err[1:-1].min():.1f} and "
            f"{err[1:-1].max():.1f} for k = 1…{PARA['N'] - 1}. But iteration k is exact on the first k slices "
            f"(by induction: U^k_n equals the fine solution for n ≤ k), so at k = N "
            f"= {PARA['N']} it equals the fine solve (error {err[-1]:.1e}): the app counts k = {k}. No speed-up: "
            "N iterations cost as much as the sequential fine solve.")


@lru_cache(maxsize=None)
def lm_left_end(k: float) -> float:
    """The left end z* < 0 of the LM-ResNet's real stability interval (bisection on ``dy.lm_roots``)."""
    lo, hi = -10.0, 0.0  # lm_roots(lo) > 1 (unstable), lm_roots(hi) = 1 (stable, the boundary root ξ = 1)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if dy.lm_roots(mid, k) <= 1.0 + 1e-12 else (mid, hi)
    return hi


def lm_h_max() -> float:
    """The largest h with hλ in the LM-ResNet's (k = K_LM) stability interval, λ = LAM."""
    return lm_left_end(K_LM) / LAM


def _lm_growth(h: float, L: int = 100) -> tuple[float, float]:
    """|u_L| of the ResNet and the LM-ResNet (k = K_LM) on y' = λy with step h (identity activation)."""
    one, K, b = np.ones((1, 1)), np.full((L, 1, 1), LAM), np.zeros((L, 1))
    res = abs(resnet.forward(one, K, b, h, activation="identity")[-1, 0, 0])
    lm = abs(dy.lm_forward(one, K, b, h, K_LM, activation="identity")[-1, 0, 0])
    return float(res), float(lm)


def check_lm_h(h: float) -> Verdict:
    """Right within 3 % of the largest stable h; the message says what 100 LM layers do with the student's h."""
    if h <= 0:
        return Verdict("wrong", "A step h must be positive.")
    v = close_to(lm_h_max, rtol=0.03, hint="Find where a root of ξ² − (1 − k + z)ξ − k crosses ξ = −1.")(h)
    _, lm = _lm_growth(float(h))
    return Verdict(v.status, f"{v.message} With h = {h:.3g}, 100 LM-ResNet layers give |u_L| = {lm:.2e}.")


def _lm_solution() -> str:
    z = lm_left_end(K_LM)
    res, lm = _lm_growth(0.5)
    return (f"On y' = λy the LM-ResNet's characteristic polynomial is ξ² − (1 − k + z)ξ − k with z = hλ. At z = 0 "
            f"the roots are 1 and −k; as z decreases a root leaves the unit disc through ξ = −1, where 1 + (1 − k + z) "
            f"− k = 0, i.e. z = −2(1 − k) = {z:.4g} for k = {K_LM:g} (ResNet, k = 0: −2). So h·{-LAM:g} ≤ {-z:.4g}, "
            f"h ≤ {lm_h_max():.4g} (the ResNet only allows h ≤ {2 / -LAM:g}). For example h = 0.5 after 100 layers: "
            f"ResNet |u_L| = {res:.1e}, LM-ResNet {lm:.1e}.")


EXERCISES = ExerciseSet("dynamical-systems", (
    Exercise("gd-step", f"On the MSA problem (L = 8, h = 0.25, seed 0) choose the **gradient descent** step η so that "
             f"the loss Φ falls to {GD_TOL:.0e} within {GD_BUDGET} iterations.", check=check_gd_step,
             solution=_gd_solution, label="η", lo=0.0,
             tolerance=f"any η that reaches Φ ≤ {GD_TOL:.0e} within {GD_BUDGET} iterations (the app runs it)",
             hint="Try the GD steps of the page (η = 3, 10, 30) and watch the loss curve: too small crawls, too "
                  "large overshoots.", section="msa"),
    Exercise("parareal-count", f"Parareal with an **unstable coarse propagator**: N = {PARA['N']} slices, "
             f"T = {PARA['T']:g}, ω = {PARA['omega']:g}, one coarse and {PARA['fine']} fine Euler steps per slice. "
             "Predict the number of parareal iterations until max |Uᵏ − U_fine| ≤ 1e-8.",
             check=exact(parareal_iterations, hint="Iteration k is exact on the first k slices; does the coarse "
                                                    "propagator help when ωΔt is that large?"),
             solution=_parareal_solution, kind="int", label="iterations", lo=0, hi=100,
             tolerance="the exact count", section="parareal"),
    Exercise("lm-h", f"The LM-ResNet with k = {K_LM:g} on the test equation y' = λy, λ = {LAM:g}: what is the "
             "**largest layer step h** for which it is stable (hλ in its real stability interval)?",
             check=check_lm_h, solution=_lm_solution, label="h", lo=0.0, tolerance="within 3 %",
             hint="On the page, move z = hλ along the negative axis for this k: where does the interval end?",
             section="architectures"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"gd-step": (6.0, 30.0), "parareal-count": (6, 2), "lm-h": (0.52, 0.4)}

"""Implicit bias: exercises checked with ``numdl_core.theory.implicit_bias`` (the page's default data and seeds).

"angle-time" runs gradient descent on the logistic loss of the margin section's separable clouds and counts the
iterations until the angle to the SVM direction is below 0.05 rad; "min-norm-length" asks for the norm of GD's
solution from x₀ (two orthogonal pieces, Pythagoras) and checks it with ``min_norm_study``; "large-init-winner"
runs the four completions of the matrix-completion section with a large initialization.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, close_to
from numdl_core.theory import implicit_bias as ib

ANGLE, STEP, MAX_ITER = 0.05, 1.0, 20_000  # angle-time: GD with η = 1 until ∠(w, ŵ) ≤ 0.05 rad
START = 2.0  # min-norm-length: the size of the other start x₀
LARGE_INIT = 1.0  # large-init-winner: the initialization scale
METHODS = (1, 2, 3, 0)  # depths; 0 = nuclear norm (SVT), as the page
LABELS = {1: "depth 1", 2: "depth 2", 3: "depth 3", 0: "nuclear norm (SVT)"}


@lru_cache(maxsize=1)
def _margin_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The margin section's default data (40 points, gap 0.3, spread 1, seed 0) and the SVM direction."""
    X, y = ib.separable_data(40, margin=0.3, spread=1.0, seed=0)
    return X, y, ib.max_margin_direction(X, y)


@lru_cache(maxsize=4)
def angle_iterations(threshold: float = ANGLE) -> int:
    """The first iteration of GD (η = 1, from 0) on the default data whose angle to the SVM is ≤ ``threshold``."""
    X, y, u = _margin_data()
    for s in ib.logistic_gd(X, y, step=STEP, maxiter=MAX_ITER):
        if s.iteration and ib.angle(s.x, u) <= threshold:
            return int(s.iteration)
    return MAX_ITER


def _angle_solution() -> str:
    X, y, u = _margin_data()
    k1, k2 = angle_iterations(0.1), angle_iterations(ANGLE)
    margin = 1 / np.linalg.norm(u / np.min(y * (X @ u)))
    return (f"Play the margin section with η = 1 and read the angle on its log axis: it is below 0.1 rad after "
            f"{k1} iterations and below {ANGLE} rad after **{k2}**. The angle decays only like 1/log t (Soudry et al. "
            f"2018): halving it from 0.1 to 0.05 took {k2 / k1:.0f} times the iterations (0.025 takes about seven "
            f"times more again). The SVM margin of these points is {margin:.3f}.")


@lru_cache(maxsize=1)
def _min_norm() -> tuple[float, float, float]:
    """‖A⁺b‖, ‖limit − A⁺b‖ and ‖limit‖ for the section's defaults; the limit P_null x₀ + A⁺b of GD from x₀ in closed
    form (``gd_limit``; the page's 2000 iterations reach it to ~1e-14)."""
    s = ib.min_norm_study(5, 12, start_scale=START, iterations=1, seed=0)
    return (float(np.linalg.norm(s.x_lstsq)), float(np.linalg.norm(s.limit_x0 - s.x_lstsq)),
            float(np.linalg.norm(s.limit_x0)))


def _min_norm_solution() -> str:
    a, d, n = _min_norm()
    return (f"GD never changes the null-space part of its start: from x₀ it ends at P_null x₀ + A⁺b. A⁺b lies in the "
            f"row space, P_null x₀ in the null space: they are orthogonal, so ‖x_GD(x₀)‖² = ‖A⁺b‖² + ‖P_null x₀‖² "
            f"= {a:.4f}² + {d:.4f}², ‖x_GD(x₀)‖ = {np.hypot(a, d):.4f}. GD's limit computed directly has norm {n:.4f}.")


@lru_cache(maxsize=1)
def _large_init_errors() -> dict[int, float]:
    """Test errors of the four completions on the default problem (n = 20, rank 3, 160 entries) from init 1."""
    prob = ib.completion_problem(20, 3, 160, seed=0)
    return {d: ib.completion_run(prob, d, step=0.2, init=LARGE_INIT, iterations=4000, seed=0).test_error
            for d in METHODS}


def check_large_init(choice: int) -> Verdict:
    """Right when ``choice`` has the lowest relative error on the unobserved entries."""
    err = _large_init_errors()
    best = min(err, key=err.get)
    if choice == best:
        return Verdict("correct", f"{LABELS[best]}: test error {err[best]:.2f}, the others " + ", ".join(
            f"{LABELS[d]} {e:.2f}" for d, e in err.items() if d != best) + ".")
    return Verdict("wrong", f"{LABELS[choice]} has test error {err[choice]:.2f}, not the lowest.")


def _large_init_solution() -> str:
    err = _large_init_errors()
    return ("Depth's low-rank bias comes from the small start: the singular values grow one at a time. From scale 1 "
            "every factorization starts with all singular values already large and just fits the observed entries (" +
            ", ".join(f"{LABELS[d]}: {err[d]:.2f}" for d in (1, 2, 3)) + "). Nuclear-norm SVT does not depend on the "
            f"start and keeps its error {err[0]:.2f}: the lowest.")


EXERCISES = ExerciseSet("implicit-bias", (
    Exercise("angle-time", f"Gradient descent with η = {STEP:g} on the default data (40 points, gap 0.3, spread 1, "
             f"seed 0), started at 0. After how many iterations is the angle between w(t) and the SVM direction first "
             f"below {ANGLE} rad?", check=close_to(angle_iterations, rtol=0.1, fmt=".0f",
                                                    hint="Play with 200 iterations per frame and read the angle "
                                                         "plot: its x-axis is logarithmic."),
             solution=_angle_solution, kind="int", label="iterations", lo=0, hi=MAX_ITER,
             tolerance="within 10 %", hint="The angle falls like 1/log t: far more iterations than you think.",
             section="margin"),
    Exercise("min-norm-length", "Minimum-norm section, defaults (m = 5, n = 12, seed 0): ‖A⁺b‖ = 1.153, and GD from "
             f"the start x₀ of size {START:g} ends 5.850 away from A⁺b. How long is that solution, ‖x_GD(x₀)‖? "
             "(Compute it before reading it off the page.)",
             check=close_to(lambda: _min_norm()[2], rtol=0.01, fmt=".4g",
                            hint="Which subspace does each of the two pieces lie in?"),
             solution=_min_norm_solution, label="‖x_GD(x₀)‖", lo=0.0, tolerance="within 1 %",
             hint="GD from x₀ ends at P_null x₀ + A⁺b; the two pieces are orthogonal.", section="min-norm"),
    Exercise("large-init-winner", f"Matrix completion, defaults but initialization scale {LARGE_INIT:g}. Which method "
             "has the lowest error on the unobserved entries?", check=check_large_init,
             solution=_large_init_solution, kind="choice", options=METHODS, labels=LABELS, label="method",
             tolerance="the lowest test error of the four runs", hint="Depth's bias towards low rank needs a small "
             "start; which method does not depend on the start?", section="matrix-completion"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"angle-time": (1067, 200), "min-norm-length": (5.962, 7.0), "large-init-winner": (0, 3)}

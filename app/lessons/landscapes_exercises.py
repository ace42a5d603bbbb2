"""Tractable landscapes: exercises checked with ``numdl_core.theory.landscapes`` (the page's defaults, seed 0).

"bound-iterations" asks how many iterations Du et al.'s bound (1 − ηλ₀/2)^k needs for a loss reduction of 1e-3
(λ₀ from ``relu_gram``); "escape-time" asks when plain gradient descent started just off the saddle's stable
manifold escapes (``escape_time``, no noise); "saddle-curvature" asks for the negative Hessian eigenvalue at the
strict saddles of ‖uuᵀ − M‖²_F (``critical_points``).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, close_to
from numdl_core.theory import landscapes as ls

ETA, REDUCTION = 1.0, 1e-3  # bound-iterations: the page's default step, the loss reduction asked for
NEAR, ESC_STEP, LAM2 = (1e-6, 1.5), 0.05, 0.5  # escape-time: the start "near", the default step and λ₂
CURV_LAM1, CURV_LAM2 = 2.0, 0.5  # saddle-curvature: M = diag(2, 0.5)


@lru_cache(maxsize=1)
def lambda_0() -> float:
    r"""λ₀ = λ_min(H^∞) of the wide-network section's default data (n = 20 unit inputs in ℝ¹⁰, seed 0).

    .. math:: H^\infty_{ij} = x_i^\top x_j\,\frac{\pi - \theta_{ij}}{2\pi},\qquad \lambda_0 = \lambda_{\min}(H^\infty)

    Returns
    -------
    float

    References
    ----------
    Du, Zhai, Póczos and Singh (2019), ICLR, Eq. (3.1) and Theorem 4.1.
    """
    X, _ = ls.unit_sphere_data(20, 10, seed=0)
    return float(np.linalg.eigvalsh(ls.relu_gram(X))[0])


def bound_iterations() -> int:
    """The smallest k with (1 − ηλ₀/2)^k ≤ 1e-3 (η = 1)."""
    rate = ls.du_rate(ETA, lambda_0())
    return int(np.ceil(np.log(REDUCTION) / np.log(rate)))


def _bound_solution() -> str:
    lam0, rate, k = lambda_0(), ls.du_rate(ETA, lambda_0()), bound_iterations()
    return (f"The caption gives λ₀ = λ_min(H^∞) = {lam0:.4g}. The bound contracts the loss by 1 − ηλ₀/2 = {rate:.4f} "
            f"per iteration, so (1 − ηλ₀/2)^k ≤ 10⁻³ needs k ≥ ln 10⁻³ / ln {rate:.4f} = "
            f"{np.log(REDUCTION) / np.log(rate):.1f}: **{k}** iterations. Play the run: the loss falls faster than "
            "the bound, which uses the smallest eigenvalue λ₀ for every direction.")


@lru_cache(maxsize=1)
def escape_iteration() -> int:
    """The escape iteration of plain GD (no noise) from (1e-6, 1.5) on f = ‖uuᵀ − diag(1, 0.5)‖²_F, η = 0.05."""
    k = ls.escape_time(ls.landscape(lam2=LAM2), np.array(NEAR), step=ESC_STEP, noise=0.0, seed=0)
    return -1 if k is None else int(k)


@lru_cache(maxsize=1)
def _noisy_escape() -> int | None:
    return ls.escape_time(ls.landscape(lam2=LAM2), np.array(NEAR), step=ESC_STEP, noise=0.1, seed=0)


def _escape_solution() -> str:
    grow = 1 + 4 * ESC_STEP * (1 - LAM2)
    k0 = np.log(0.5 / NEAR[0]) / np.log(grow)
    return (f"Near the saddle (0, √λ₂) the first component is multiplied by 1 + 4η(λ₁ − λ₂) = {grow:.2f} per step, so "
            f"the offset 10⁻⁶ needs about ln(0.5/10⁻⁶)/ln {grow:.2f} = {k0:.0f} steps to reach the radius 0.5, plus "
            f"the few steps the run takes to slide from (0, 1.5) down to the saddle. The app counts **"
            f"{escape_iteration()}**; noisy GD (σ = 0.1, seed 0) escapes at {_noisy_escape()}: a saddle slows plain "
            "GD down.")


@lru_cache(maxsize=1)
def saddle_curvature() -> float:
    """The smallest Hessian eigenvalue at the strict saddles of ‖uuᵀ − diag(2, 0.5)‖²_F, found on the page's grid."""
    cps = ls.critical_points(ls.landscape(lam1=CURV_LAM1, lam2=CURV_LAM2), n=81)
    return float(min(c.eigenvalues[0] for c in cps if c.kind == "strict saddle"))


def _curvature_solution() -> str:
    return (f"The strict saddles are ±(0, √λ₂): ‖u‖² = λ₂ and uuᵀ = diag(0, λ₂), so ∇²f = 4(‖u‖²I + 2uuᵀ − M) = "
            f"4·diag(λ₂ − λ₁, 3λ₂ − λ₂) = 4·diag({CURV_LAM2 - CURV_LAM1:g}, {2 * CURV_LAM2:g}): the eigenvalue along "
            f"u₁ is 4(λ₂ − λ₁) = **{4 * (CURV_LAM2 - CURV_LAM1):g}** (the grid search finds {saddle_curvature():.4g}). "
            "Negative: the saddle is strict, and noise escapes along u₁.")


EXERCISES = ExerciseSet("landscapes", (
    Exercise("bound-iterations", f"Wide network, defaults (n = 20, d = 10, seed 0, η = {ETA:g}). How many iterations "
             f"does Du et al.'s bound ‖u(k) − y‖² ≤ (1 − ηλ₀/2)^k ‖u(0) − y‖² need to guarantee a reduction of the "
             f"loss by {REDUCTION:.0e}?", check=close_to(bound_iterations, rtol=0.05, fmt=".0f",
                                                        hint="Solve (1 − ηλ₀/2)^k = 10⁻³ for k with logarithms."),
             solution=_bound_solution, kind="int", label="k", lo=0, hi=100_000, tolerance="within 5 %",
             hint="λ₀ = λ_min(H^∞) is in the caption under the plots.", section="overparameterized"),
    Exercise("escape-time", f"Escaping a saddle: plain gradient descent (no noise) from (10⁻⁶, 1.5), η = {ESC_STEP:g}, "
             f"M = diag(1, {LAM2:g}). At which iteration does it leave the ball of radius 0.5 around the saddle?",
             check=close_to(escape_iteration, rtol=0.1, fmt=".0f", hint="Count the steps the offset 10⁻⁶ needs "
                            "to grow to 0.5 by the factor 1 + 4η(λ₁ − λ₂) per step."),
             solution=_escape_solution, kind="int", label="iteration", lo=0, hi=100_000,
             tolerance="within 10 %", hint="The offset along u₁ grows geometrically near the saddle.",
             section="saddle"),
    Exercise("saddle-curvature", f"No spurious minima, with λ₁ = {CURV_LAM1:g} and λ₂ = {CURV_LAM2:g}. What is the "
             "negative Hessian eigenvalue at the strict saddles of f(u) = ‖uuᵀ − M‖²_F?",
             check=close_to(saddle_curvature, rtol=0.02, fmt=".4g",
                            hint="Evaluate ∇²f = 4(‖u‖²I + 2uuᵀ − M) at the saddle (0, √λ₂)."),
             solution=_curvature_solution, label="λ_min(∇²f)", tolerance="within 2 %",
             hint="The saddles are ±(0, √λ₂).", section="no-spurious-minima"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"bound-iterations": (110, 57), "escape-time": (146, 45), "saddle-curvature": (-6.0, 6.0)}

"""Introduction to theory: exercises checked with ``numdl_core.theory.intro`` (the ReLU fit of sin 2πx, the
optimizer race on the ill-conditioned quadratic, PCA as the best linear autoencoder), at the page's defaults."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, close_to
from numdl_core.theory import intro

RMS, MAX_WIDTH = 5e-3, 64  # the width exercise: rms error at most 5e-3 with at most 64 ReLU units
KAPPA, ITERS, DIST = 25.0, 150, 1e-3  # the step exercise: GD within 1e-3 of the minimizer in 150 iterations


@lru_cache(maxsize=1)
def _sine() -> tuple[np.ndarray, ...]:
    x, xt = np.linspace(-1.0, 1.0, 1000), np.linspace(-1.0, 1.0, 2001)  # as intro.approximation_study
    return x, intro.target("sine", x), xt, intro.target("sine", xt)


@lru_cache(maxsize=256)
def relu_rms(width: int) -> float:
    """Test rms error of the one-hidden-layer ReLU fit of sin 2πx with ``width`` units (``intro.fit_shallow``)."""
    x, y, xt, yt = _sine()
    e = intro.fit_shallow(x, y, int(width), activation="relu", seed=0).predict(xt) - yt
    return float(np.sqrt(np.mean(e ** 2)))


def check_width(m: int) -> Verdict:
    if not 1 <= m <= 256:
        return Verdict("wrong", "Choose a width between 1 and 256 (the page's range).")
    r = relu_rms(m)
    said = f"Width {m}: rms error {r:.2e}"
    if m > MAX_WIDTH:
        return Verdict("almost" if r <= RMS else "wrong", f"{said}, but that is more than {MAX_WIDTH} units.")
    if r <= RMS:
        return Verdict("correct", f"{said} ≤ {RMS:.0e}.")
    return Verdict("almost" if r <= 2 * RMS else "wrong", f"{said} > {RMS:.0e}: more units. The error falls "
                   "like m⁻² for this smooth target (the width plot's slope).")


def _width_solution() -> str:
    r16 = relu_rms(16)
    need = int(np.ceil(16 * np.sqrt(r16 / RMS)))
    rows = "; ".join(f"m = {m}: {relu_rms(m):.2e}" for m in sorted({need, need + 4, 48, MAX_WIDTH}))
    return (f"At width 16 the rms error is {r16:.2e}; ReLU units make a piecewise-linear interpolant, error ∝ m⁻², so "
            f"{RMS:.0e} needs m ≈ 16·√({r16:.2e}/{RMS:.0e}) ≈ {need}. The app's fits (knots drawn with seed 0, so the "
            f"error is not exactly monotone in m): {rows}.")


@lru_cache(maxsize=128)
def gd_run(lr: float) -> intro.RaceSummary:
    """Gradient descent (the race's 'SGD', full batch) on the κ = 25 quadratic from (−4, 1), ``ITERS`` steps."""
    return intro.race_summary(intro.zoo_problem("quadratic", kappa=KAPPA), "sgd", lr, ITERS, tol=DIST)


def check_lr(lr: float) -> Verdict:
    if lr <= 0:
        return Verdict("wrong", "A step size must be positive.")
    s, rho = gd_run(lr), intro.gd_quadratic_rate(KAPPA, lr)
    if s.diverged_at is not None or rho > 1:
        return Verdict("wrong", f"η = {lr:.3g} diverges: |1 − ηκ| = {abs(1 - lr * KAPPA):.3g} > 1 (η must be below "
                                f"2/κ = {2 / KAPPA:.3g}).")
    if s.reached is not None:
        return Verdict("correct", f"η = {lr:.3g}: within {DIST:.0e} after {s.reached} iterations (contraction "
                                  f"factor {rho:.4f} per step).")
    side = "the y-direction (1 − ηκ) oscillates too slowly down" if lr * KAPPA > 1 + (1 - lr) else \
        "the x-direction (1 − η) is too slow"
    return Verdict("almost" if s.distance <= 10 * DIST else "wrong",
                   f"η = {lr:.3g}: after {ITERS} iterations still {s.distance:.1e} away (factor {rho:.4f} per step): "
                   f"{side}. Balance |1 − η| and |1 − ηκ|.")


def _lr_solution() -> str:
    best = 2 / (1 + KAPPA)
    runs = {lr: gd_run(lr) for lr in (0.05, 0.06, best, 0.078)}
    rows = "; ".join(f"η = {lr:.4g}: " + (f"{r.reached} iterations" if r.reached is not None else
                                         f"{r.distance:.1e} away after {ITERS}") for lr, r in runs.items())
    return (f"GD multiplies the x-error by 1 − η and the y-error by 1 − ηκ. The worst factor max(|1 − η|, |1 − 25η|) "
            f"is smallest at η = 2/(1 + κ) = {best:.4f}: (κ − 1)/(κ + 1) = {(KAPPA - 1) / (KAPPA + 1):.4f}. The app's "
            f"runs from (−4, 1), to within {DIST:.0e}: {rows}. η ≥ 2/κ = {2 / KAPPA:g} diverges.")


@lru_cache(maxsize=1)
def pca2_error() -> float:
    """Mean squared error of the rank-2 PCA of the helix (200 points, noise 0.05, seed 0): ``intro.pca``."""
    return intro.pca(intro.curve_data("helix", 200, 0.05, 0), 2).error


def _pca_solution() -> str:
    X = intro.curve_data("helix", 200, 0.05, 0)
    s = intro.pca(X, 2).singular_values
    return (f"A linear autoencoder with a k-unit code reconstructs X by a rank-k map, and no rank-k map beats PCA "
            f"(Eckart–Young; Baldi and Hornik 1989). The centred helix has singular values "
            f"{', '.join(f'{v:.4g}' for v in s)}; the error is σ₃²/n = {s[2] ** 2:.4g}/{X.shape[0]} = "
            f"{pca2_error():.4g} (a 1-unit code: {intro.pca(X, 1).error:.4g}).")


EXERCISES = ExerciseSet("intro-theory", (
    Exercise("relu-width", "Universal approximation: the ReLU network with one hidden layer fitted to sin 2πx "
             f"(seed 0). Choose a width m of at most {MAX_WIDTH} units whose rms test error is at most {RMS:.0e} "
             "(the app fits it with your m).",
             check=check_width, solution=_width_solution, kind="int", label="width m", lo=1, hi=256,
             tolerance=f"rms error ≤ {RMS:.0e} with m ≤ {MAX_WIDTH}", section="approximation",
             hint="Read the error at width 16 and use the slope of the error against width."),
    Exercise("gd-step", f"The optimizer race on the ill-conditioned quadratic ½(x² + κy²), κ = {KAPPA:g}, from "
             f"(−4, 1). Choose the step η of plain gradient descent ('SGD', full batch) so that it is within "
             f"{DIST:.0e} of the minimizer within {ITERS} iterations (the app runs it).",
             check=check_lr, solution=_lr_solution, label="η", lo=0.0,
             tolerance=f"distance ≤ {DIST:.0e} within {ITERS} iterations", section="optimizers",
             hint="The contraction factor is max(|1 − η|, |1 − ηκ|)."),
    Exercise("pca-code-2", "Autoencoder vs PCA on the helix (3-D, 200 points, noise 0.05, seed 0). What is the "
             "smallest mean reconstruction error (1/n)Σ‖x̂ − x‖² that a **linear** autoencoder with a **2-unit** "
             "code can reach?",
             check=close_to(pca2_error, rtol=0.03, hint="The best rank-2 reconstruction leaves out the last singular "
                                                        "value of the centred data."),
             solution=_pca_solution, label="error", lo=0.0, tolerance="within 3 %", section="autoencoder"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"relu-width": (50, 16), "gd-step": (0.07, 0.1), "pca-code-2": (0.312, 0.743)}

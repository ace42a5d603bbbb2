"""Convolutional networks: exercises checked with ``numdl_core.conv`` (the page's 1-D circulant, its kernel fit with
the PDE penalty on two digits, and its variance-through-depth experiment)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, close_to
from numdl_core import conv
from numdl_core.data import load_digits

BLUR, N_BLUR = (0.5, 1.0, 0.5), 15  # the 1-D exercise: a blur stencil on an odd grid
WIDTH, DEPTH = 64, 30  # the initialization exercise: ReLU, width 64, 30 layers (seed 0)
FIT_SLACK = 1.10  # the α exercise: kernel error within 10 % of the best of the page's sweep


def blur_kappa() -> float:
    """cond(K) = max|λ|/min|λ| of the periodic blur circulant (eigenvalues by ``conv.circulant_eigenvalues``)."""
    a = np.abs(conv.circulant_eigenvalues(np.array(BLUR), N_BLUR))
    return float(a.max() / a.min())


def _kappa_solution() -> str:
    a = np.abs(conv.circulant_eigenvalues(np.array(BLUR), N_BLUR))
    k = int(np.argmin(a))
    return (f"λ_k = θ₂ + θ₁e^(2πik/n) + θ₃e^(−2πik/n) = 1 + cos(2πk/n) (real: θ₁ = θ₃). The largest is 2 (k = 0), "
            f"the smallest at k = {k}, next to n/2: 1 + cos(2π·{k}/{N_BLUR}) = {a.min():.4g}. So κ = 2/{a.min():.4g} = "
            f"{blur_kappa():.4g}: inverting the blur by FFT amplifies noise in that mode about {blur_kappa():.0f} "
            f"times. With n even, λ_(n/2) = 0 and K is singular.")


@lru_cache(maxsize=1)
def _images() -> np.ndarray:
    return load_digits()[0].reshape(-1, 8, 8)[:2]  # the page's default: 2 training digits


@lru_cache(maxsize=64)
def fit_error(alpha: float) -> tuple[float, float, float]:
    """(kernel error at α, best error of the page's sweep, its α): ``conv.kernel_fit_study``, page defaults."""
    f = conv.kernel_fit_study(_images(), alpha)  # noise 0.1, 7 × 7 kernel, seed 0
    g = f.numbers
    return g["kernel error, chosen α (relative)"], g["kernel error at the best α (relative)"], g["best α of the sweep"]


def check_alpha(alpha: float) -> Verdict:
    if alpha < 0 or alpha > 1e4:
        return Verdict("wrong", "α is a penalty weight: between 0 and 1e4.")
    err, best, _ = fit_error(alpha)
    said = f"α = {alpha:.3g}: kernel error {100 * err:.1f} % (the best of the sweep: {100 * best:.1f} %)"
    if err <= FIT_SLACK * best:
        return Verdict("correct", f"{said}.")
    tip = "a larger α: the fit still follows the noise" if alpha < fit_error(0.0)[2] else \
        "a smaller α: the penalty now flattens the kernel"
    return Verdict("almost" if err <= 1.5 * best else "wrong", f"{said}. Try {tip}.")


def _alpha_solution() -> str:
    _, best, a_best = fit_error(0.0)
    rows = "; ".join(f"α = {a:g}: {100 * fit_error(a)[0]:.1f} %" for a in (0.0, 0.01, 0.1, 1.0, 10.0))
    return (f"Kernel errors (2 digits, noise 0.1, 7 × 7, seed 0): {rows}. The sweep's best is α = {a_best:.3g} with "
            f"{100 * best:.1f} %: 49 unknowns from 2 × 64 noisy equations, so α = 0 fits the noise (rough kernel); "
            "a moderate α keeps ½‖Lθ‖² near the true kernel's roughness; a large α flattens it.")


def he_std() -> float:
    """He's standard deviation √(2/w) (``conv.init_std``)."""
    return conv.init_std("he", WIDTH, WIDTH)


@lru_cache(maxsize=64)
def variance_ratio(std: float) -> float:
    """Var(Y_L)/Var(Y_0) of the ReLU network with weights N(0, std²) (``conv.activation_variances``, seed 0)."""
    v = conv.activation_variances(DEPTH, WIDTH, activation="relu", scheme="naive", naive_std=std)
    return float(v[-1] / v[0])


def check_std(std: float) -> Verdict:
    if std <= 0:
        return Verdict("wrong", "A standard deviation must be positive.")
    v = close_to(he_std, rtol=0.03, hint="ReLU zeroes half of the pre-activations.")(std)
    with np.errstate(all="ignore"):
        r = variance_ratio(std)
    run = f"The app ran it: Var(Y_{DEPTH})/Var(Y_0) = {r:.3g}" if np.isfinite(r) else "The app ran it: overflow"
    return Verdict(v.status, f"{run}. {v.message}")


def _std_solution() -> str:
    return (f"A layer multiplies the second moment by w·σ₀²·½ (w products summed; ReLU keeps half): w σ₀²/2 = 1 gives "
            f"σ₀ = √(2/w) = √(2/{WIDTH}) = {he_std():.4f} (He). Over {DEPTH} layers an error ε in σ₀ compounds to "
            f"(1 + ε)^{2 * DEPTH}: σ₀ = {0.9 * he_std():.3f} gives {variance_ratio(0.9 * he_std()):.2g}, "
            f"σ₀ = {he_std():.3f} gives {variance_ratio(he_std()):.2g} (random fluctuation of one draw), "
            f"σ₀ = {1.1 * he_std():.3f} gives {variance_ratio(1.1 * he_std()):.2g}.")


EXERCISES = ExerciseSet("convolutional-networks", (
    Exercise("blur-condition", f"The periodic 1-D convolution with the blur stencil θ = ({BLUR[0]:g}, {BLUR[1]:g}, "
             f"{BLUR[2]:g}) on n = {N_BLUR} points: compute the condition number κ = max|λ|/min|λ| of its circulant K.",
             check=close_to(blur_kappa, rtol=0.02, hint="The eigenvalues are the FFT of the first column: here "
                                                        "1 + cos(2πk/n)."),
             solution=_kappa_solution, label="κ", lo=0.0, tolerance="within 2 %", section="conv1d"),
    Exercise("pde-alpha", "The kernel fit with the PDE penalty at the page's defaults (2 digits, noise 0.1, 7 × 7 "
             "kernel, seed 0). Choose α so that the learned kernel's error is within 10 % of the best of the page's "
             "α sweep (the app fits the kernel with your α).",
             check=check_alpha, solution=_alpha_solution, label="α", lo=0.0,
             tolerance="kernel error at most 1.1 × the best of the sweep",
             hint="The sweep plot: the error against α has one valley.", section="stencils"),
    Exercise("relu-std", f"A ReLU network of width {WIDTH} and {DEPTH} layers, weights N(0, σ₀²), no biases. Which σ₀ "
             "keeps the variance of the activations constant from layer to layer?",
             check=check_std, solution=_std_solution, label="σ₀", lo=0.0, tolerance="within 3 %",
             hint="One layer multiplies the second moment by w σ₀² times the fraction ReLU keeps.", section="init"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"blur-condition": (91.5, 2.0), "pde-alpha": (0.3, 0.0), "relu-std": (0.177, 0.125)}

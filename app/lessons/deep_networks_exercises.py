"""Deep networks: exercises checked with ``numdl_core.mlp`` (the course's norm experiment, the norms through depth
and the plain net against the ResNet, at the page's defaults and seed 0)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.optimize import brentq

from app.exercises import Exercise, ExerciseSet, Verdict, close_to
from numdl_core import mlp

BAND = (0.9, 1.1)  # the uniform exercise: mean ratio of the three-layer product within this band
SIGMA, DEPTH = 0.12, 50  # the prediction exercise: linear network, width 100, 50 layers, entries N(0, 0.12²)


@lru_cache(maxsize=64)
def uniform_ratio(a: float) -> float:
    """Mean ‖K₃K₂K₁y‖/‖y‖, entries U[−a, a], n = 100, 100 draws, seed 0 (``mlp.norm_growth``)."""
    return mlp.norm_growth("uniform", a, draws=100).mean


def check_uniform(a: float) -> Verdict:
    if not 0 < a <= 100:
        return Verdict("wrong", "The half-width a must be positive (and at most 100).")
    r = uniform_ratio(a)
    said = f"a = {a:.4g}: the mean ratio over 100 draws is {r:.3f}"
    if BAND[0] <= r <= BAND[1]:
        return Verdict("correct", f"{said}.")
    way = "smaller" if r > BAND[1] else "larger"
    close = 0.75 <= r <= 1.33
    return Verdict("almost" if close else "wrong", f"{said}, outside [{BAND[0]}, {BAND[1]}]: take a {way} a. "
                   "Each factor multiplies E‖·‖² by n Var(K_ij), and Var U[−a, a] = a²/3.")


def _uniform_solution() -> str:
    a = np.sqrt(3.0) / 10.0
    return (f"E‖K₃K₂K₁y‖²/‖y‖² = (n Var K_ij)³ with Var U[−a, a] = a²/3: n a²/3 = 1 gives a = √(3/n) = {a:.4f}. "
            f"The app's 100 draws give a mean ratio of {uniform_ratio(a):.3f} there (the mean of the norm sits a "
            f"little below the root of the mean square); the course's U[−0.5, 0.5] gives {uniform_ratio(0.5):.1f}.")


@lru_cache(maxsize=1)
def linear_ratio() -> float:
    """‖y_L‖/‖y_0‖ (mean of 10 draws) of the linear network (``mlp.depth_growth``, custom σ, page defaults)."""
    return float(mlp.depth_growth("identity", sigma=SIGMA).forward["custom"][-1])


def _linear_solution() -> str:
    pred = (np.sqrt(100) * SIGMA) ** DEPTH
    return (f"A linear layer multiplies E‖y‖² by n σ² = 100 · {SIGMA:g}² = {100 * SIGMA ** 2:.2f}, the norm by √(n)σ = "
            f"{10 * SIGMA:.2f}: after {DEPTH} layers ({10 * SIGMA:.2f})^{DEPTH} = {pred:.4g}. The app's mean over 10 "
            f"draws is {linear_ratio():.4g} ({100 * (linear_ratio() / pred - 1):+.0f} %: the random products spread "
            "log-normally). A 20 % error in σ compounds to a factor 9000 over 50 layers.")


def _gradient_gap(scale: float) -> float:
    """log(plain gradient norm / ResNet gradient norm) at weight scale ``scale`` (``mlp.plain_vs_resnet``)."""
    n = _line(round(scale, 6))
    return float(np.log(n["plain: gradient norm"] / n["ResNet: gradient norm"]))


@lru_cache(maxsize=128)
def _line(scale: float) -> dict:
    return mlp.plain_vs_resnet(scale=scale).numbers


@lru_cache(maxsize=1)
def crossover_scale() -> float:
    """The weight scale s at which the plain net's gradient norm equals the ResNet's (page defaults)."""
    return float(brentq(_gradient_gap, 0.2, 2.0, xtol=1e-4))


def _crossover_solution() -> str:
    s = crossover_scale()
    rows = "; ".join(f"s = {v:g}: plain {_line(v)['plain: gradient norm']:.3g}, ResNet "
                     f"{_line(v)['ResNet: gradient norm']:.3g}" for v in (0.1, 0.5, 1.0))
    return (f"Gradient norms at t = 1 (width 4, 6 layers, tanh, h = 1, seed 0): {rows}. The plain net multiplies by "
            f"about s√(width)·σ' per layer, so its gradient vanishes for small s; the ResNet's identity path keeps it. "
            f"The two are equal at s = {s:.3g} (found by bisection on the app's runs).")


EXERCISES = ExerciseSet("deep-networks", (
    Exercise("uniform-scale", "The course's experiment: ‖K₃K₂K₁y‖/‖y‖ with n = 100 and entries of K_j uniform on "
             f"[−a, a] (100 draws, seed 0). Choose a so that the mean ratio lies in [{BAND[0]}, {BAND[1]}] (the "
             "app runs the 100 draws with your a).",
             check=check_uniform, solution=_uniform_solution, label="a", lo=0.0,
             tolerance=f"mean ratio in [{BAND[0]}, {BAND[1]}]", section="norms",
             hint="The page shows U[−0.5, 0.5] (ratio about 24) and U[−0.05, 0.05] (about 0.024)."),
    Exercise("linear-depth", f"Predict: a **linear** network (identity activation) of width 100 and {DEPTH} layers "
             f"with entries N(0, σ²), σ = {SIGMA:g} (the page's 'custom σ', seed 0, 10 draws). What is "
             f"‖y_{DEPTH}‖/‖y_0‖?",
             check=close_to(linear_ratio, rtol=0.25, almost=3.0, hint="Each layer multiplies the norm by about √n·σ."),
             solution=_linear_solution, label="ratio", lo=0.0, tolerance="within 25 % of the app's mean of 10 draws",
             section="norms"),
    Exercise("gradient-crossover", "Plain net against ResNet at the page's defaults (width 4, 6 layers, tanh, h = 1, "
             "seed 0). Find the weight scale s at which the plain net's gradient norm at t = 1 equals the ResNet's.",
             check=close_to(crossover_scale, rtol=0.05, hint="Compare the two gradient norms at s = 0.5 and s = 1."),
             solution=_crossover_solution, label="s", lo=0.0, tolerance="within 5 %", section="resnet"),
))

# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"uniform-scale": (0.173, 0.5), "linear-depth": (9100.0, 1.0), "gradient-crossover": (0.585, 5.0)}

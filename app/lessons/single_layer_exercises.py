"""Single-layer networks: exercises checked with ``numdl_core`` (the ELM and training set-ups of the page, seed 0)."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.exercises import Exercise, ExerciseSet, Verdict, close_to
from numdl_core import single_layer as sl
from numdl_core.single_layer.extreme_learning import elm, feature_singular_values, numerical_rank
from numdl_core.single_layer.training import accuracies, train_validation_data

ALPHAS = (0.0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 1e-1)  # the page's α options (app.lessons.single_layer.ALPHAS)
RANK_WIDTH = 200  # the rank exercise: peaks, 1000 points, width 200, scale 1, seed 0
ALPHA_SETUP = {"n_train": 200, "width": 200, "activation": "tanh"}  # the α exercise: interpolation regime
MOMENTUM = 0.9  # the page's default SGD momentum


@lru_cache(maxsize=1)
def ranks() -> dict:
    """Numerical ranks of the ELM features (sin, tanh, ReLU) on peaks, 1000 points, width 200, seed 0."""
    d = train_validation_data("peaks", 1000, seed=0)
    sv = feature_singular_values(d.X, RANK_WIDTH, seed=0, scale=1.0)
    return {a: numerical_rank(s, d.X.shape[0]) for a, s in sv.items()}


def _rank_check(answer: int) -> Verdict:
    """Right for the numerical rank of the sin features; the tanh and ReLU ranks are told as such."""
    r, a = ranks(), int(answer)
    if a == r["sin"]:
        return Verdict("correct", f"rank {r['sin']} of {RANK_WIDTH}.")
    if a == RANK_WIDTH:
        return Verdict("wrong", f"{a} would be full rank: that is tanh here, not sin.")
    if a == r["relu"]:
        return Verdict("wrong", f"{a} is the rank with ReLU (its dead neurons), not sin.")
    return Verdict("almost" if abs(a - r["sin"]) == 1 else "wrong", f"{a} is not it.")


def _rank_solution() -> str:
    r = ranks()
    return (f"The feature matrix Z = sin(XK + b) is 1000 × {RANK_WIDTH}; its numerical rank counts the singular values "
            f"above σ₁·max(n, m)·ε. sin has rank **{r['sin']}**: many smooth waves on the bounded square are nearly "
            f"combinations of the others, so {RANK_WIDTH - r['sin']} singular values fall below round-off. With the "
            f"same K, b, ReLU has rank {r['relu']} (its {RANK_WIDTH - r['relu']} dead neurons give zero columns) and "
            f"tanh the full {r['tanh']}.")


@lru_cache(maxsize=1)
def validation_by_alpha() -> dict:
    """Validation accuracy of the ELM (peaks, 200 points, width 200, tanh, seed 0) for each α of the page."""
    d = train_validation_data("peaks", ALPHA_SETUP["n_train"], seed=0)
    out = {}
    for a in ALPHAS:
        r = elm(d.X, d.y, ALPHA_SETUP["width"], activation=ALPHA_SETUP["activation"], alpha=a, seed=0, scale=1.0,
                n_classes=d.n_classes)
        out[a] = accuracies(r.model, r.theta, d.X_val, d.y_val)[1]
    return out


def best_alpha() -> float:
    acc = validation_by_alpha()
    return max(acc, key=acc.get)


def check_alpha(answer: float) -> Verdict:
    """Right for the α of the page with the largest validation accuracy; within 1 point of it: almost."""
    acc, best = validation_by_alpha(), best_alpha()
    if answer == best:
        return Verdict("correct", f"α = {best:g} gives {100 * acc[best]:.2f} % validation accuracy, the most of the "
                                  "page's options.")
    gap = 100 * (acc[best] - acc[answer])
    return Verdict("almost" if gap <= 1.0 else "wrong",
                   f"α = {answer:g} gives {100 * acc[answer]:.2f} % validation accuracy, {gap:.1f} points below the "
                   "best option.")


def _alpha_solution() -> str:
    acc = validation_by_alpha()
    return ("With as many random features as points (m = n = 200) the output solve interpolates: α = 0 fits the "
            "training labels exactly and validates badly; a little Tikhonov damping of the small singular directions "
            "helps, too much underfits. Validation accuracy by α: " + ", ".join(
                f"{a:g}: {100 * v:.2f} %" for a, v in acc.items()) + f". Best: α = {best_alpha():g}.")


@lru_cache(maxsize=2)
def lr_limit(momentum: float) -> float:
    """2(1+μ)/L at θ₀ of the page's default training problem (peaks, 1000 points, width 30, tanh, squared loss)."""
    _, model, theta0 = sl.training_problem()
    return sl.sgd_lr_limit(model, theta0, momentum)


def _lr_solution() -> str:
    _, model, theta0 = sl.training_problem()
    L = sl.output_curvature(model, theta0)
    return (f"In the output weights the loss is a quadratic with curvature L = λmax([Z 1]ᵀ[Z 1])/n + α = {L:.4g} at θ₀. "
            f"Heavy-ball SGD is stable for η < 2(1 + μ)/L: with μ = {MOMENTUM} that is {lr_limit(MOMENTUM):.4g} (the "
            f"page's message), with μ = 0 it is 2/L = {lr_limit(0.0):.4g}, smaller by the factor 1/(1 + μ) = "
            f"{1 / (1 + MOMENTUM):.3g}. Momentum allows larger steps because it averages the oscillation out.")


EXERCISES = ExerciseSet("single-layer", (
    Exercise("elm-rank", f"ELM on peaks (1000 points, seed 0, scale s = 1) with **sin** features of width "
             f"{RANK_WIDTH}: what is the numerical rank of the feature matrix Z?",
             check=_rank_check, solution=_rank_solution, kind="int", label="rank", lo=0, hi=1000,
             tolerance="the exact count", hint="The page reports the numerical rank of Z under the figures; "
             "choose the width and the activation.", section="elm"),
    Exercise("elm-alpha", f"ELM on peaks with {ALPHA_SETUP['n_train']} training points and **{ALPHA_SETUP['width']} "
             f"{ALPHA_SETUP['activation']}** features (seed 0, s = 1): which Tikhonov α maximizes the validation "
             "accuracy?", check=check_alpha, solution=_alpha_solution, kind="choice", options=ALPHAS,
             labels={a: f"{a:g}" for a in ALPHAS}, label="α", tolerance="the best of the page's α options",
             hint="Set 200 training points and width 200, then step α through its options and watch the validation "
             "accuracy.", section="elm"),
    Exercise("sgd-limit", f"Training section, defaults (peaks, 1000 points, width 30, tanh, least squares, α = 10⁻⁴, "
             f"seed 0). With momentum μ = {MOMENTUM}, η = 1 diverges and the message quotes the largest stable rate "
             "2(1+μ)/L. What is the largest stable learning rate of **plain** SGD (μ = 0) at the start?",
             check=close_to(lambda: lr_limit(0.0), rtol=0.03, hint="The limit is 2(1 + μ)/L; L does not depend on μ."),
             solution=_lr_solution, label="η_max", lo=0.0, tolerance="within 3 %",
             hint="Open the preset *Too large a learning rate*, read the limit for μ = 0.9, and remove the momentum "
             "from the formula.", section="train"),
))


# A right and a wrong answer per exercise (the tests grade both).
EXAMPLES = {"elm-rank": (167, 200), "elm-alpha": (1e-4, 0.0), "sgd-limit": (0.159, 0.302)}

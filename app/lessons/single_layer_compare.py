"""Compare mode of the single-layer training section (pages/single_layer.py, issue 14): two solvers (or two settings
of one) on the page's training problem, the points the page uses included (own data), against passes over the data.

An SGD step of the comparison is one epoch (2 passes: forward and adjoint over every point); a Gauss-Newton or VarPro
iteration costs its gradient, its CG products and its line search, about 40 passes. On the default peaks problem
(1000 points, tanh, width 30, least squares, α = 1e-4, seed 0) VarPro reaches the loss 0.12 after 4 iterations
(172 passes), SGD (η = 0.05, μ = 0.9, batch 32) after 113 epochs (226 passes, about 0.7 s: within the 1 s cap; the
loss 0.11 takes VarPro 5 iterations and SGD 193 epochs, more than 1 s).
"""
from __future__ import annotations

import numpy as np

from app.compare import Setup
from app.lesson import Lesson, Solver
from app.lessons.compare_data import compare_on
from app.lessons.single_layer import CG, SERIES, TUNE, solver_name
from app.params import Param

__all__ = ["COMPARE", "TARGET", "MAX_ITER", "train_compare"]

SOLVER_LABELS = {k: v[0] for k, v in SERIES.items()}
COMPARE = [Param("solver", "Solver", "choice", "sgd", options=tuple(SERIES), labels=SOLVER_LABELS),
           *TUNE[:3], CG]  # named "solver", not "method": VarPro takes a keyword "method" (its outer iteration)
TARGET = 0.12  # training loss: a level both reach within 1 s on the default problem
MAX_ITER = 300  # SGD, Adam: epochs; the others: iterations


def train_compare(lesson: Lesson, M, th0: np.ndarray, loss: str, source: str) -> list | None:
    """The compare panel: A = SGD at the page's η, batch and μ; B = VarPro; each until the training loss is at most
    0.12, 300 iterations (epochs) or 1 s, on the model ``M`` and start ``th0`` of the live run."""
    def make(p: dict) -> Setup:
        k = p["solver"]
        return Setup(Solver(solver_name(k, loss), M, th0, **SERIES[k][2]))

    return compare_on(lesson, "solvers", make, COMPARE, {"solver": "varpro"}, {"own_data": source},
                      max_iter=MAX_ITER, target=TARGET, value_label="final loss", y_title="training loss", x="work",
                      note="SGD, Nesterov and Adam: one iteration is one epoch (2 passes); the iteration cap counts "
                           "epochs for them.")

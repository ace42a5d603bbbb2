"""Export script of the live ResNet training (app/lessons/residual_networks_train.py, section "train").

It rebuilds the page's problem with ``numdl_core.resnet_classifier.training_problem`` from ``params`` (``n_train``
as capped by the page), replays the series for ``params["iterations"]`` epochs with the solver and the options the
page gave it (``params["solvers"]``: {series: [name, options]}) and prints, with ``report``, the numbers the page
records: h = T/N, the largest growth factor max_j |R(hλ(K_j))| at the start, the observed order of the Taylor test
of the gradient, the loss and the accuracies.
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"train": """
from itertools import islice
import numpy as np
from numdl_core.checks import derivative_check
from numdl_core.resnet_classifier import training_problem
from numdl_core.solvers import SOLVERS
keys = ("data", "n_train", "width", "depth", "T", "scheme", "activation", "alpha", "smooth", "architecture", "gamma",
        "seed")
problem = training_problem(**{k: params[k] for k in keys})
model, data = problem.model, problem.data
numbers = {"h": model.h, "largest growth factor at the start": np.nanmax(model.amplification(problem.theta0))}
with np.errstate(all="ignore"):
    # the Taylor test of the gradient at the start: |f(x + tv) - f(x) - t g.v| should fall as t^2
    numbers["gradient check: Taylor order"] = derivative_check(model.value_and_grad, problem.theta0,
                                                               seed=params["seed"]).order
    for label, (name, options) in params["solvers"].items():  # replay the series for the page's epochs
        *_, last = islice(SOLVERS[name](model, problem.theta0, **options), params["iterations"][label] + 1)
        numbers[f"{label} loss"] = last.loss
        if np.all(np.isfinite(last.x)):
            numbers["training accuracy"] = model.accuracy(last.x)
            numbers["validation accuracy"] = model.accuracy(last.x, data.X_val, data.y_val)
report({k: v for k, v in numbers.items() if np.isfinite(v)})  # a diverged run has no accuracy
"""}

"""Export scripts of the introduction to theory (pages/intro_theory.py), one per section.

Each redoes the section's experiment with ``numdl_core`` from the page's ``params`` and prints, with ``report``,
the numbers the page records (``Lesson.numbers``); a live run is replayed for ``params["iterations"]`` of each
series (the race: ``params["runners"]`` = {series: [method, step size]}).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"approximation": """
from numdl_core.theory.intro import approximation_study
points = [params[f"p{i}"] for i in range(7)]  # the drawn curve's control values (used by the target 'drawn')
study = approximation_study(params["name"], params["width"], activation=params["activation"], points=points,
                            seed=params["seed"])
print("widths:", list(study.widths))
print("rms errors:", [float(f"{e:.3g}") for e in study.rms])
report(study.numbers)
""", "optimizers": """
from itertools import islice
from numdl_core.theory.intro import RACE_BLOWUP, gd_quadratic_rate, zoo_method, zoo_problem
problem = zoo_problem(params["problem"], kappa=params["kappa"])
numbers = {}
for label, (method, lr) in params["runners"].items():  # each runner with its own step size, from the same start
    steps = zoo_method(method, problem.objective, problem.x0, lr=lr, momentum=params["momentum"], maxiter=5000,
                       blowup=RACE_BLOWUP)  # diverged: the loss grew 1e6-fold
    *_, last = islice(steps, params["iterations"][label] + 1)
    if last.info.get("diverged"):
        numbers[f"{label} diverged at iteration"] = last.iteration
    else:
        numbers[f"{label} f - f*"] = last.loss - problem.f_min
        numbers[f"{label} distance to minimum"] = problem.distance(last.x)
if params["problem"] == "quadratic":
    numbers["GD contraction factor (theory)"] = gd_quadratic_rate(params["kappa"], params["lr_sgd"])
report(numbers)
""", "autoencoder": """
from itertools import islice
import numpy as np
from numdl_core.optim import adam
from numdl_core.theory.intro import Autoencoder, curve_data, linear_autoencoder_vs_pca, pca
X = curve_data(params["curve"], params["n"], params["noise"], params["seed"])
P = pca(X, 1)
check = linear_autoencoder_vs_pca(X, 1)  # a linear autoencoder trained to its minimum by L-BFGS
print("largest principal angle (rad):", check["largest principal angle (rad)"])
model = Autoencoder(X, params["hidden"], 1, params["activation"])
*_, last = islice(adam(model, model.init(params["seed"]), lr=params["lr"], batch_size=None),
                  params["iterations"]["Adam"] + 1)
numbers = {"PCA error": P.error, "linear AE error (L-BFGS)": check["linear AE error"],
           "linear AE spans PCA's subspace (angle < 1e-6)": float(check["largest principal angle (rad)"] < 1e-6),
           "autoencoder error": 2 * last.loss}
report({k: v for k, v in numbers.items() if np.isfinite(v)})
"""}

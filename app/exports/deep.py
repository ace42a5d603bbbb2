"""Export scripts of the deep networks page (pages/deep_networks.py), one per section.

Each redoes the section's experiment with ``numdl_core`` from the page's ``params`` and prints, with ``report``,
the numbers the page records (``Lesson.numbers``); the live training is replayed for ``params["iterations"]``, each
series with the solver and the options the page gave it (``params["solvers"]``: {series: [name, options]}).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"norms": """
from numdl_core.mlp import course_norm_growth, depth_growth
numbers = {f"{label} ratio": r.mean for label, r in course_norm_growth().items()}  # n = 100, 3 layers, 100 draws
keys = ("activation", "width", "depth", "sigma", "draws", "seed")
g = depth_growth(**{k: params[k] for k in keys})
numbers.update({f"{k}: forward ratio at depth {params['depth']}": v[-1] for k, v in g.forward.items()})
numbers.update({f"{k}: backward ratio at layer 0": v[0] for k, v in g.backward.items()})
report(numbers)
""", "train": """
from itertools import islice
import numpy as np
from numdl_core.mlp import training_problem
from numdl_core.solvers import SOLVERS
keys = ("data", "n_train", "depth", "width", "activation", "init", "sigma", "alpha", "seed")
problem = training_problem(**{k: params[k] for k in keys})  # n_train as capped by the page
g0 = problem.model.layer_gradient_norms(problem.theta0)  # ||grad K_1||, ..., ||grad K_L||, ||grad W|| at the start
with np.errstate(all="ignore"):
    numbers = {"first/last hidden layer gradient ratio at the start": g0[0] / g0[-2],
               "smallest layer gradient at the start": np.min(g0), "largest layer gradient at the start": np.max(g0)}
    for label, (name, options) in params["solvers"].items():  # replay each series for the page's epochs
        *_, last = islice(SOLVERS[name](problem.model, problem.theta0, **options), params["iterations"][label] + 1)
        numbers[f"{label} loss"] = last.loss
report({k: v for k, v in numbers.items() if np.isfinite(v)})  # a dead or diverged run has no number
""", "resnet": """
from numdl_core.mlp import plain_vs_resnet
keys = ("width", "depth", "scale", "activation", "h", "seed")
report(plain_vs_resnet(**{k: params[k] for k in keys}).numbers)
""", "checks": """
from numdl_core.mlp import layer_checks, network_checks, training_problem
p = training_problem("moons", params["n_samples"], params["depth"], params["width"], activation=params["activation"],
                     init="custom", sigma=0.7, seed=params["seed"], n_val=10)
layers = layer_checks(p.model, p.theta0, seed=params["seed"])
net = network_checks(p.model, p.theta0, seed=params["seed"])
report({"network E1 order": net.taylor.order, "network adjoint gap": net.adjoint.rel_error,
        "largest layer adjoint gap": max(c.adjoint.rel_error for c in layers)})
"""}

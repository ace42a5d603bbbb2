"""Export scripts of the single-layer network page (pages/single_layer.py), one per section.

Each redoes the section's experiment with ``numdl_core`` from the page's ``params`` and prints, with ``report``,
the numbers the page records (``Lesson.numbers``); a live run is replayed for ``params["iterations"]``, each
series with the solver and the options the page gave it (``params["solvers"]``: {series: [name, options]}).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"elm": """
from numdl_core.single_layer import elm_experiment
keys = ("data", "n_train", "width", "activation", "alpha", "scale", "seed")
report(elm_experiment(**{k: params[k] for k in keys}).summary())
""", "train": """
from itertools import islice
from numdl_core.single_layer import accuracies, model_checks, output_curvature, sgd_lr_limit, training_problem
from numdl_core.solvers import SOLVERS
keys = ("data", "n_train", "width", "activation", "loss", "alpha", "seed")
d, M, theta0 = training_problem(**{k: params[k] for k in keys})
numbers = {}
for label, (name, options) in params["solvers"].items():  # replay each series for the page's iterations
    *_, last = islice(SOLVERS[name](M, theta0, **options), params["iterations"][label] + 1)
    train, validation = accuracies(M, last.x, d.X_val, d.y_val)
    numbers.update({f"{label} loss": last.loss, f"{label} work": last.info["work"],
                    f"{label} training accuracy": train, f"{label} validation accuracy": validation})
taylor, adjoint = model_checks(M, theta0, seed=params["seed"])  # the checks at theta0
numbers.update({"curvature L": output_curvature(M, theta0), "E1 order": taylor.order,
                "SGD learning-rate limit": sgd_lr_limit(M, theta0, params["momentum"])})
if taylor.err2 is not None:
    numbers["E2 order"] = taylor.order2
if adjoint is not None:
    numbers["adjoint relative gap"] = adjoint.rel_error
report(numbers)
""", "surface": """
from numdl_core.single_layer import surface_experiment
keys = ("data", "n_train", "width", "activation", "loss", "center", "trainer", "iterations", "span", "normalize", "seed")
report(surface_experiment(**{k: params[k] for k in keys}).summary())
""", "crime": """
from itertools import islice
from numdl_core.single_layer import accuracies, course_inverse_crime, inverse_crime_problem, target_entropy
from numdl_core.solvers import SOLVERS
numbers = {}
if params["setup"] == "course":  # n = 500, n_f = 50, n_c = 10, m = 40: probabilities P as targets, cross-entropy
    crime = course_inverse_crime(params["n_samples"], params["n_features"], params["n_classes"], params["neurons"],
                                 activation=params["activation"], seed=params["seed"])
    numbers["minimum loss"] = target_entropy(crime.Y)  # the generating network's loss (accuracy 1 on argmax P)
else:  # 2-D points, least squares on the true network's outputs
    crime = inverse_crime_problem(params["n_train"], params["true_width"], params["width"],
                                  activation=params["activation"], seed=params["seed"])
for label, (name, options) in params["solvers"].items():  # replay each series from the same random start
    *_, last = islice(SOLVERS[name](crime.model, crime.theta0, **options), params["iterations"][label] + 1)
    train, validation = accuracies(crime.model, last.x, crime.X_val, crime.y_val)
    numbers.update({f"{label} loss": last.loss, f"{label} work": last.info["work"],
                    f"{label} training accuracy": train, f"{label} validation accuracy": validation})
report(numbers)
""", "varpro": """
from numdl_core.single_layer import varpro_experiment
keys = ("n_train", "width", "activation", "alpha", "inner", "inner_iters", "seed")
report(varpro_experiment(**{k: params[k] for k in keys}).summary())
"""}

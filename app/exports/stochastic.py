"""Export script of the stochastic-optimization section of the single-layer page
(app/lessons/single_layer_stochastic.py), in the format of app/exports/single_layer.py.

It redoes the experiment of the topic shown (``params["part"]``) with ``numdl_core`` and prints, with ``report``,
the numbers the page records; the live run is replayed for ``params["iterations"]``, each series with the solver
and the options the page gave it (``params["solvers"]``: {series: [name, options]}).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"stochastic": """
from itertools import islice
import numpy as np
from numdl_core import stochastic
from numdl_core.solvers import SOLVERS
problem = {k: params[k] for k in ("n_samples", "degree", "shift", "noise", "seed")}
if params["part"] == "saa":  # CG on samples S (SAA) against SGD with a constant step (SA)
    r = stochastic.saa_vs_sa(**problem, preprocess=params["preprocess"], lr=params["lr"],
                             batch_size=params["batch_size"], passes=params["passes"])
    report(r.numbers)
elif params["part"] == "steps":  # constant steps lr, lr/2, lr/4 against lr / (1 + decay k)
    r = stochastic.step_size_study(**problem, preprocess=params["preprocess"], lr=params["lr"],
                                   decay=params["decay"] or 0.05, batch_size=params["batch_size"],
                                   passes=params["passes"])
    report(r.numbers)
elif params["part"] == "preprocess":  # kappa(H), GD iterations and SGD passes for none / center / standardize
    r = stochastic.conditioning_after_preprocessing(**problem, batch_size=params["batch_size"],
                                                    passes=params["passes"])
    report(r.numbers)
else:  # the live run: momentum, Nesterov, AdaGrad, Adam from theta = 0, replayed for the page's epochs
    pb = stochastic.regression_problem(**problem, preprocess=params["preprocess"])
    numbers = {"kappa(H)": pb.kappa}
    for label, (name, options) in params["solvers"].items():
        steps = SOLVERS[name](pb.objective, np.zeros(pb.objective.n_params), **options)
        *_, last = islice(steps, params["iterations"][label] + 1)
        if np.all(np.isfinite(last.x)):
            numbers.update({f"{label} gap": pb.gap(last.x), f"{label} work": last.info["work"]})
    report(numbers)
"""}

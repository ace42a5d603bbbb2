"""Export scripts of the optimal control page's sections "gradients" and "train" (pages/optimal_control.py).

Each redoes the section's experiment with ``numdl_core.control`` from the page's ``params`` and prints, with
``report``, the numbers the page records; the live training is replayed for ``params["iterations"]``, each series
with its objective (``params["fits"]``: {series: SpiralFit options}) and Adam's options (``params["solvers"]``).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"gradients": """
from itertools import islice
from numdl_core.control import CubicTanhField, SpiralFit, taylor_check, tolerance_study
from numdl_core.solvers import SOLVERS
theta = CubicTanhField(50).init(params["seed"])  # K1, K2 ~ N(0, 0.1^2), zero biases
if params["weights"] == "trained":  # after 100 full-batch Adam steps of DTO (lr 0.03)
    *_, last = islice(SOLVERS["adam"](SpiralFit("dto"), theta, lr=0.03, batch_size=None), 101)
    theta = last.x
dto = taylor_check(SpiralFit("dto", n_steps=params["n_steps"]), theta, seed=params["seed"])  # h = 2^-1 .. 2^-20
otd = taylor_check(SpiralFit("otd", rtol=params["rtol"], atol=params["atol"]), theta, seed=params["seed"])
study = tolerance_study(theta, n_steps=params["n_steps"])  # OTD at rtol 1e-1 .. 1e-9 against rtol 1e-11
report({"DTO E1 order": dto.order, "DTO E1 at smallest h": dto.err1[-1], "OTD E1 order": otd.order,
        "OTD E1 at smallest h": otd.err1[-1], "OTD error at rtol 1e-1": study.otd_error[0],
        "OTD error at rtol 1e-9": study.otd_error[-1], "DTO distance to the continuous gradient": study.dto_error})
""", "train": """
from itertools import islice
import numpy as np
from numdl_core.control import CubicTanhField, SpiralFit
from numdl_core.solvers import SOLVERS
theta0 = CubicTanhField(50).init(params["seed"])  # the same start for every method
accurate = SpiralFit("otd", rtol=1e-8, atol=1e-10)  # the 'true loss': the same weights, an accurate solve
numbers = {}
for label, (name, options) in params["solvers"].items():  # replay each series for the page's Adam steps
    fit = SpiralFit(**params["fits"][label])
    with np.errstate(all="ignore"):
        *_, last = islice(SOLVERS[name](fit, theta0, **options), params["iterations"][label] + 1)
        numbers[f"{label} loss"] = last.loss
        numbers[f"{label} true loss"] = accurate.value(last.x) if np.all(np.isfinite(last.x)) else np.nan
report({k: v for k, v in numbers.items() if np.isfinite(v)})
"""}

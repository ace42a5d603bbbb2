"""Export scripts of the implicit-bias page (pages/implicit_bias.py), one per section.

Each redoes the section's experiment with ``numdl_core.theory.implicit_bias`` from the page's ``params`` and prints,
with ``report``, the numbers the page records (``Lesson.numbers``); the live run of "margin" is replayed for
``params["iterations"]["GD"]`` iterations with the final step ``params["step"]`` and the points the student added
(``params["added"]``: rows x1, x2, label).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"margin": """
from itertools import islice
import numpy as np
from numdl_core.theory import implicit_bias as ib
X, y = ib.separable_data(params["n"], margin=params["margin"], spread=params["spread"], seed=params["seed"])
y[:params["flipped"]] *= -1  # flipped labels break separability
if params["added"]:
    A = np.asarray(params["added"], dtype=float).reshape(-1, 3)
    X, y = np.vstack([X, A[:, :2]]), np.r_[y, A[:, 2]]
*_, last = islice(ib.logistic_gd(X, y, step=params["step"]), params["iterations"]["GD"] + 1)
numbers = {"GD iterations": last.iteration, "loss": last.loss, "||w||": last.info["w_norm"]}
try:
    u = ib.max_margin_direction(X, y)  # the hard-margin SVM through 0 (LP + SLSQP)
    w_hat = u / np.min(y * (X @ u))
    numbers.update({"SVM margin": 1 / np.linalg.norm(w_hat), "angle to the SVM direction (rad)": ib.angle(last.x, u),
                    "loss * eta * t / ||w_hat||^2": last.loss * params["step"] * last.iteration / (w_hat @ w_hat)})
except ValueError as err:  # not separable through the origin
    print(err)
report({k: v for k, v in numbers.items() if np.isfinite(v)})
""", "min-norm": """
from numdl_core.theory.implicit_bias import min_norm_study
s = min_norm_study(params["m"], params["n"], start_scale=params["start_scale"], iterations=params["iterations"],
                   seed=params["seed"])
report(s.numbers)
""", "matrix-completion": """
import numpy as np
from numdl_core.theory import implicit_bias as ib
n, rank = params["n"], min(params["rank"], params["n"])
problem = ib.completion_problem(n, rank, min(params["n_obs"], n * n), seed=params["seed"])
numbers = {}
for depth in (1, 2, 3, 0):  # 0: nuclear norm by singular value thresholding
    r = ib.completion_run(problem, depth, step=params["step"], init=params["init"], iterations=params["iterations"],
                          seed=params["seed"])
    numbers[f"{r.method}: effective rank"] = r.effective_rank
    numbers[f"{r.method}: test error"] = r.test_error
from numdl_core.checks import derivative_check  # Taylor test of the depth-3 gradient at random factors
theta = 0.5 * np.random.default_rng(params["seed"]).standard_normal(3 * n * n)
taylor = derivative_check(lambda t: ib.completion_loss(t, problem.truth, problem.mask, 3), theta, seed=params["seed"])
numbers["depth 3 gradient: Taylor E1 order"] = taylor.order
report({k: v for k, v in numbers.items() if np.isfinite(v)})
""", "weighting": """
from numdl_core.theory import implicit_bias as ib
X, y = ib.separable_data(params["n"], seed=params["seed"])
s = ib.weighting_study(X, y, params["weight"], alpha=params["alpha"], step=params["step"],
                       iterations=params["iterations"])
report(s.numbers)
"""}

"""Export scripts of the linear least-squares page (pages/least_squares.py), one per section.

Each redoes the section's experiment with ``numdl_core`` from the page's ``params`` and prints, with ``report``,
the numbers the page records (``Lesson.numbers``); a live run is replayed for ``params["iterations"]``.
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"galileo": """
from numdl_core.testproblems import galileo_fit
out = galileo_fit()  # x = g t²/2 on t = 0, 1, 2, 3 and x = 0, 4.9, 20.1, 44.1: g = 2 Σ t²x / Σ t⁴
numbers = {"g (m/s²)": out["g"], "residual norm": out["residual_norm"]}
if params["quadratic"]:  # the full quadratic a + b t + c t², g = 2c
    numbers.update({"quadratic: g = 2c": out["g_quadratic"], "quadratic: residual norm": out["quadratic_residual_norm"]})
report(numbers)
""", "polyfit": """
import numpy as np
from numdl_core.testproblems import polyfit_experiment
out, d = polyfit_experiment(noise=params["noise"], method=params["method"], alpha=params["alpha"], seed=params["seed"]), params["degree"]
numbers = {"best degree (test)": out["degree"][np.nanargmin(out["test"])]}
if d in out["fits"]:  # else the solver cannot fit degree d (more unknowns than data)
    numbers.update({"cond(A)": out["cond"][d], "training RMS": out["train"][d], "test RMS": out["test"][d]})
report(numbers)
""", "iterative": """
import itertools
from numdl_core import lstsq
from numdl_core.convergence import observed_rate, preconditioned
from numdl_core.testproblems import exercise_3x2
A, b, x_true = exercise_3x2(params["a"], params["noise"], params["seed"])
P = preconditioned(A, b, params["precond"], x_true=x_true)  # the solvers see min ‖A M⁻¹ y − b‖, from y0
step = None if params["line_search"] == "exact" else params["step"]
runs = {"steepest descent": lstsq.steepest_descent(P.A, b, step=step, x0=P.y0), "CG (CGLS)": lstsq.cgls(P.A, b, x0=P.y0)}
sd, cg = (list(itertools.islice(gen, params["iterations"][name] + 1))[-1] for name, gen in runs.items())
numbers = {**P.summary(), "‖x* − x_true‖": P.gap, "SD error": P.error(sd.x), "CG error": P.error(cg.x),
           "CG iterations": cg.iteration, "SD ‖xₖ − x_true‖": P.true_error(sd.x), "CG ‖xₖ − x_true‖": P.true_error(cg.x)}
if step is None and sd.iteration >= 2 and P.error(sd.x) > 1e-12:
    numbers["measured SD factor"] = observed_rate(1.0, P.error(sd.x), sd.iteration)
report(numbers)
""", "deblur": """
from numdl_core.regularization import compare_regularizations, semi_convergence
from numdl_core.testproblems import deblur_problem
A, b, x_true = deblur_problem(128, params["width"], params["noise"], params["seed"])
numbers = compare_regularizations(A, b, x_true, alpha=params["alpha"], k=params["k"]).summary()
lc = semi_convergence(A, b, x_true, 100)  # the L-curve of the first 100 CGLS iterates
numbers.update({"CGLS L-curve: best iteration": lc.best_iteration, "CGLS L-curve: best error": lc.best_error})
if params["iterations"]["CGLS"] >= 3:  # CGLS on the unregularized problem: the error falls, then rises
    numbers.update(semi_convergence(A, b, x_true, params["iterations"]["CGLS"]).summary())
report(numbers)
""", "conditioning": """
import numpy as np
from numdl_core.testproblems import conditioning_experiment
out = conditioning_experiment(np.logspace(0, 12, 25), m=4 * params["n"], n=params["n"], seed=params["seed"])
numbers = {f"{m} error at cond(A) = 1e6": out[m][12] for m in ("normal", "qr", "svd")}
if np.isnan(out["normal"]).any():
    numbers["normal equations fail from cond(A)"] = out["cond"][np.isnan(out["normal"])][0]
report(numbers)
""", "digits": """
import numpy as np
from numdl_core.data import load_digits
from numdl_core.testproblems import one_hot_experiment
X, y = load_digits()
out = one_hot_experiment(X, y, params["n_train"], alpha=params["alpha"], method=params["method"], seed=params["seed"])
report({"training accuracy": out["train_accuracy"], "test accuracy": out["test_accuracy"], "‖W‖_F": np.linalg.norm(out["W"])})
""", "validation": """
from numdl_core.data import load_digits
from numdl_core.validation import digits_validation, polyfit_bias_variance, polyfit_validation
# the polynomial fit: α (at a fixed degree) or the degree chosen by the validation set and by k-fold CV
numbers = polyfit_validation(choose=params["choose"], degree=params["degree"], n_points=params["n_points"],
                             noise=params["noise"], k=params["k"], seed=params["seed"]).summary()
X, y = load_digits()  # the digits: α or the CGLS iteration count chosen by the validation accuracy
numbers.update(digits_validation(X, y, choose=params["digits_by"], n_train=params["n_train"], seed=params["seed"]).summary())
# bias² and variance over 500 noise realizations on the 10-point design, against the degree or α
bv = polyfit_bias_variance(sweep=params["choose"], degree=min(params["degree"], 9), noise=params["noise"],
                           seed=params["seed"], n_points=10, n_realizations=500)
what = "α" if params["choose"] == "alpha" else "degree"
numbers.update({f"bias–variance: best {what}": bv.grid[bv.best], "bias–variance: bias² + variance there": bv.mc_total[bv.best]})
report(numbers)
"""}

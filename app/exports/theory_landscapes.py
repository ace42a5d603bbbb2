"""Export scripts of the tractable-landscapes page (pages/landscapes.py), one per section.

Each redoes the section's experiment with ``numdl_core`` from the page's ``params`` and prints, with ``report``,
the numbers the page records; live runs are replayed for ``params["iterations"]`` with the solver and options the
page gave each series (``params["solvers"]``: {series: [name, options]}).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"overparameterized": """
from itertools import islice
import numpy as np
from numdl_core.solvers import SOLVERS
from numdl_core.theory import landscapes as ls
X, y = ls.unit_sphere_data(params["n"], params["d"], seed=params["seed"], duplicate=params["duplicate"])
net = ls.TwoLayerReLU(X, y, params["m"], seed=params["seed"] + 1)          # f(x) = m^(-1/2) sum_r a_r relu(w_r.x)
lam0 = np.linalg.eigvalsh(ls.relu_gram(X))[0]                             # closed-form H_inf
rate = ls.du_rate(params["step"], lam0)                                   # 1 - eta lambda_0 / 2
name, options = params["solvers"]["GD"]
*_, last = islice(SOLVERS[name](net, net.theta0, **options), params["iterations"]["GD"] + 1)
loss0 = net.value_and_grad(net.theta0)[0]
with np.errstate(all="ignore"):
    measured = (last.loss / loss0) ** (1.0 / last.iteration) if last.iteration else float("nan")
numbers = {"lambda_0 = lambda_min(H_inf)": lam0, "lambda_min(H(0))": np.linalg.eigvalsh(net.gram(net.theta0))[0],
           "bound rate 1 - eta lambda_0/2": rate, "loss": last.loss,
           "relative movement": ls.relative_movement(last.x, net.theta0), "measured average rate": measured}
report({k: v for k, v in numbers.items() if np.isfinite(v)})
""", "movement": """
from numdl_core.theory import landscapes as ls
import numpy as np
widths = tuple(2 ** k for k in range(5, int(np.log2(params["max_width"])) + 1))
study = ls.movement_study(widths, n=params["n"], d=params["d"], step=params["step"], iterations=params["iterations"],
                          scaling=params["scaling"], seed=params["seed"])
report(study.numbers)
""", "saddle": """
from itertools import islice
import numpy as np
from numdl_core.theory import landscapes as ls
f = ls.landscape(lam2=params["lam2"])   # ||u u^T - M||_F^2, M = diag(1, lam2)
x0, s0 = np.array(params["x0"]), f.saddle()
numbers = {}
for label, (name, options) in params["solvers"].items():
    *_, last = islice(getattr(ls, name)(f, x0, **options), params["iterations"][label] + 1)
    numbers[f"{label} distance to the saddle"] = np.linalg.norm(last.x - s0)
    numbers[f"{label} loss"] = last.loss
for label in params["solvers"]:
    noise = 0.0 if label == "GD" else params["noise"]
    escape = ls.escape_time(f, x0, step=params["step"], noise=noise, seed=params["seed"])
    if escape is not None:
        numbers[f"{label} escape iteration"] = escape
report(numbers)
""", "no-spurious-minima": """
import numpy as np
from numdl_core.checks import derivative_check
from numdl_core.theory import landscapes as ls
f = ls.landscape(params["name"], lam1=params["lam1"], lam2=params["lam2"])
points = ls.critical_points(f, n=params["n_grid"])
kinds = [c.kind for c in points]
saddles = [c.eigenvalues[0] for c in points if c.kind == "strict saddle"]
taylor = derivative_check(f.value_and_grad, np.array([0.3, -0.7]), hess_vec=f.hess_vec, seed=0)
numbers = {"critical points": len(points), "global minima": kinds.count("global minimum"),
           "spurious minima": kinds.count("spurious minimum"), "strict saddles": len(saddles),
           "maxima": kinds.count("maximum"), "degenerate points": kinds.count("degenerate"),
           "gradient Taylor E1 order": taylor.order}
if saddles:
    numbers["largest negative curvature at a saddle"] = min(saddles)
report(numbers)
"""}

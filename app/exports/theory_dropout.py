"""Export scripts of the dropout page (pages/dropout.py), one per section.

Each redoes the section's experiment with ``numdl_core.theory.dropout`` from the page's ``params`` and prints, with
``report``, the numbers the page records; the live runs are replayed for ``params["iterations"]`` (per series).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"least-squares": """
from itertools import islice
import numpy as np
from numdl_core.theory.dropout import SOLVERS, dropout_ridge_solution, expected_dropout_loss, least_squares_problem
P = least_squares_problem(params["n"], params["d"], noise=params["noise"], seed=params["seed"])
X, y, p = P.X, P.y, params["p"]
w_ls, w_p = dropout_ridge_solution(X, y, 1.0), dropout_ridge_solution(X, y, p)  # least squares, dropout minimizer
w = {"ls": w_ls, "true": P.w_true, "dropout": w_p}[params["at"]]  # where the Monte Carlo estimate is taken
closed = expected_dropout_loss(X, y, w, p)  # ||y - Xw||^2 + ((1-p)/p) sum_j w_j^2 ||X_j||^2
it = params["iterations"]
*_, mc = islice(SOLVERS["dropout.monte_carlo"](X, y, w, p, batch=params["batch"], seed=params["seed"]),
                it["Monte Carlo"] + 1)
*_, sgd = islice(SOLVERS["dropout.sgd"](X, y, p, lr=params["lr"], batch_size=5, burn_in=20, seed=params["seed"]),
                 it["dropout SGD"] + 1)  # Step.x: the average of the iterates after 20 epochs


def rel(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300)


mean, se = mc.x
with np.errstate(all="ignore"):
    numbers = {"closed-form expected loss": closed, "Monte Carlo mean": mean, "standard error": se,
               "masks drawn": mc.info["n_masks"], "penalty at w": closed - np.sum((y - X @ w) ** 2),
               "|mean - closed form| / standard error": abs(mean - closed) / se if se > 0 else np.nan,
               "SGD average: relative distance to w_p": rel(sgd.x, w_p),
               "least squares: relative distance to w_p": rel(w_ls, w_p),
               "w_p: relative distance to the true w": rel(w_p, P.w_true),
               "least squares: relative distance to the true w": rel(w_ls, P.w_true)}
report({k: v for k, v in numbers.items() if np.isfinite(v)})
""", "factorization": """
from itertools import islice
import numpy as np
from numdl_core.theory.dropout import (DropoutFactorization, factorization_descent, factorization_optimum,
                                      low_rank_matrix)
Y = low_rank_matrix(*params["shape"], params["rank"], noise=params["noise"], seed=params["seed"])
r, p = params["r"], params["p"]
opt = factorization_optimum(Y, r, p)  # singular values of the global minimizer (closed form)
obj = DropoutFactorization(Y, r, p)
sY = np.linalg.svd(Y, compute_uv=False)
numbers = {"optimal rank": np.count_nonzero(opt)}
for label, mode in params["modes"].items():  # replay each series for the page's steps
    with np.errstate(all="ignore"):
        *_, s = islice(factorization_descent(Y, r, p, mode=mode, lr=params["lr"], scale=params["scale"],
                                             seed=params["seed"]), params["iterations"][label] + 1)
        sv, prod = obj.singular_values(s.x), obj.products(s.x)  # prod: ||u_i|| ||v_i||
        numbers[f"{label}: rank"] = np.sum(sv > params["rank_tol"] * sY[0])
        numbers[f"{label}: max/min column product"] = prod.max() / prod.min() if prod.min() > 0 else np.nan
        numbers[f"{label}: distance to the optimal singular values"] = np.linalg.norm(sv - opt) / np.linalg.norm(sY)
report({k: v for k, v in numbers.items() if np.isfinite(v)})
""", "mlp": """
from itertools import islice
import numpy as np
from numdl_core.theory.dropout import DropoutNet, dropout_training, regression_data
X, y, X_test, y_test = regression_data(params["n_train"], noise=params["noise"], seed=params["seed"])
numbers = {}
theta0 = None
for label, (p, alpha) in params["nets"].items():  # None: the page's p or alpha
    p, alpha = params["p"] if p is None else p, params["alpha"] if alpha is None else alpha
    net = DropoutNet(X, y, params["width"], p, alpha)
    theta0 = net.init(params["seed"]) if theta0 is None else theta0  # the same start for all three
    with np.errstate(all="ignore"):
        *_, s = islice(dropout_training(net, theta0, lr=params["lr"], seed=params["seed"]),
                       params["iterations"][label] + 1)
        numbers[f"{label}: train MSE"] = s.loss
        numbers[f"{label}: test MSE"] = net.mse(s.x, X_test, y_test)
report({k: v for k, v in numbers.items() if np.isfinite(v)})
"""}

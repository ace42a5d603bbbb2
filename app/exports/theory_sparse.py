"""Export scripts of the sparse-coding page (pages/sparse_coding.py), one per section.

Each redoes the section's experiment with ``numdl_core.theory.sparse`` from the page's ``params`` and prints, with
``report``, the numbers the page records (``Lesson.numbers``); the live runs are replayed for
``params["iterations"]`` (ISTA / FISTA with the options the page gave them, ``params["solvers"]``; LISTA with
full-batch Adam).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"ista-fista": """
from itertools import islice
import numpy as np
from numdl_core.theory import sparse
P = sparse.dictionary_problem(**{k: params[k] for k in ("n", "decay", "coef_decay", "lam", "zeros", "seed")})
numbers = {"F*": P.F_star}  # F* of the planted minimizer x*
for label, (method, options) in params["solvers"].items():  # "ista" or "fista" with the page's step and lam
    steps = list(islice(getattr(sparse, method)(P.A, P.b, **options), params["iterations"][label] + 1))
    k = np.array([s.iteration for s in steps], dtype=float)
    gap = np.array([s.loss - P.F_star for s in steps])
    numbers[f"{label} gap"] = gap[-1]
    numbers[f"{label} slope"] = sparse.loglog_slope(k, gap, 20)  # least squares of log gap on log k, k >= 20
report({k: v for k, v in numbers.items() if np.isfinite(v)})
""", "lista": """
from itertools import islice
import numpy as np
from numdl_core.optim import adam
from numdl_core.theory import sparse
P = sparse.lista_problem(n_layers=params["n_layers"], lam=params["lam"], density=params["density"],
                         n_train=params["n_train"], seed=params["seed"])
# full-batch Adam from the ISTA weights, backpropagation through the K unrolled layers
*_, last = islice(adam(P.model, P.theta0, lr=params["lr"], batch_size=None), params["iterations"]["LISTA"] + 1)
numbers = {}
if np.all(np.isfinite(last.x)):
    numbers = P.numbers(last.x, ista_max=300)  # LISTA's, ISTA's and FISTA's test gaps; ISTA steps up to 300
    numbers["LISTA gradient E1 order"] = P.model.taylor_check(last.x, seed=params["seed"]).order  # Taylor test
report(numbers)
""", "thresholding": """
from numdl_core.theory.sparse import layered_experiment
r = layered_experiment(**{k: params[k] for k in ("nnz", "atom_nnz", "lam1", "lam2", "noise", "seed")})
report(r.numbers)
""", "convolutional": """
from numdl_core.data import load_digits
from numdl_core.theory.sparse import csc_experiment, csc_image
if params["signal"] == "digit":  # 2-D: four 3 x 3 stroke filters on one 8 x 8 digit
    image = load_digits()[0][params["digit"]].reshape(8, 8)
    r = csc_image(image, lam=params["lam"], iterations=params["iterations"], seed=params["seed"])
else:  # 1-D: three 16-tap filters, planted spikes
    r = csc_experiment(**{k: params[k] for k in ("n", "nnz", "noise", "lam", "iterations", "seed")})
report(r.numbers)
""", "dictionary": """
from numdl_core.data import load_digits
from numdl_core.theory.sparse import dictionary_learning, image_patches
Y = image_patches(load_digits()[0][:params["n_images"]], params["size"])  # patches with their mean removed
steps = list(dictionary_learning(Y, params["n_atoms"], params["lam"], method=params["method"],
                                 maxiter=params["maxiter"], seed=params["seed"]))
report({"energy at the start": steps[0].loss, "energy after learning": steps[-1].loss,
        "zero codes": steps[-1].info.get("sparsity", 1.0),
        "relative residual": steps[-1].info.get("relative_residual", 1.0)})
"""}

"""Export scripts of the general-Tikhonov and inpainting sections of the linear least-squares page
(app/lessons/least_squares_tikhonov.py), one per section, in the format of app/exports/lstsq.py.

Each redoes the section's experiment with ``numdl_core`` from the page's ``params`` and prints, with ``report``,
the numbers the page records; the inpainting script replays CGLS for ``params["iterations"]["CGLS"]`` iterations.
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"gtikhonov": """
from numdl_core.regularization import compare_operators, smooth_deblur_problem
from numdl_core.testproblems import deblur_problem
problem = smooth_deblur_problem if params["signal"] == "smooth" else deblur_problem
A, b, x_true = problem(128, 0.03, params["noise"], params["seed"])  # n = 128, blur width 0.03
# min ||Ax - b||^2 + alpha ||G x||^2 for G = I, D1, D2, alpha per G by params["rule"] (corner, best or fixed)
r = compare_operators(A, b, x_true, alpha=params["alpha"])
report(r.summary(params["rule"]))
""", "inpainting": """
import itertools
import numpy as np
from numdl_core.inpainting import inpaint, inpainting_problem
from numdl_core.lstsq import cgls
from numdl_core.regularization import relative_error
prob = inpainting_problem(params["image"], 64, params["fraction"], params["noise"], params["seed"])
x_direct = inpaint(prob, params["alpha"], params["kind"])  # (P^T P + alpha G^T G) x = P^T d, sparse LU
K, rhs = prob.stacked(params["alpha"], params["kind"])      # CGLS on [P; sqrt(alpha) G] x = [d; 0]
x = list(itertools.islice(cgls(K, rhs), params["iterations"]["CGLS"] + 1))[-1].x
report({"known pixels": prob.known.size, "error, direct solve": relative_error(x_direct, prob.image),
        "CGLS iterations": params["iterations"]["CGLS"], "CGLS error": relative_error(x, prob.x_true),
        "CGLS gap to the direct solve": relative_error(x, x_direct.ravel())})
"""}

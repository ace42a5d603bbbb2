"""Export scripts of the dynamical-systems page (pages/dynamical_systems.py), one per section.

Each redoes the section's experiment with ``numdl_core.theory.dynamics`` from the page's ``params`` and prints, with
``report``, the numbers the page records; the live runs of "msa" are replayed for ``params["iterations"]`` with the
final tunable values.
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"msa": """
from itertools import islice
import numpy as np
from numdl_core import resnet
from numdl_core.theory import dynamics as dy
Y0, C, K0, b0 = dy.control_problem(12, 2, params["L"], seed=params["seed"])  # rows are examples
h = params["h"]
Y = resnet.forward(Y0, K0, b0, h)
P = dy.costate(Y, K0, b0, h, C)  # P_j = -dPhi/dY_j: the adjoint of backpropagation
adj = resnet.backward(Y, K0, b0, h, dy.terminal_loss(Y[-1], C)[1])[0]
*_, m = islice(dy.msa(Y0, C, K0, b0, h, rho=params["rho"], lr=params["lr"], inner=params["inner"]),
               params["iterations"]["MSA"] + 1)
*_, g = islice(dy.gradient_descent(Y0, C, K0, b0, h, step=params["step"]), params["iterations"]["GD"] + 1)
report({"MSA iterations": m.iteration, "MSA loss": m.loss, "GD iterations": g.iteration, "GD loss": g.loss,
        "costate vs adjoint gap": float(np.max(np.abs(P[0] + adj)))})
""", "parareal": """
import numpy as np
from numdl_core.theory import dynamics as dy
w = params["omega"]
K = np.array([[-0.2, -w], [w, -0.2]])
f = lambda t, y: np.tanh(y @ K) + 0.5 * np.sin(t)
y0 = np.array([[1.0, 0.0], [0.0, 1.0], [-0.5, 0.5]])  # three samples (rows)
U = dy.parareal(f, y0, params["T"], params["N"], coarse=params["coarse"], fine=params["fine"])
ref = dy.fine_solve(f, y0, params["T"], params["N"], params["fine"])
err = np.array([np.max(np.abs(Uk - ref)) for Uk in U])
reached = np.flatnonzero(err <= 1e-8)
report({"error at k = 0": err[0], "error at k = 1": err[min(1, len(err) - 1)], "error at k = N": err[-1],
        "iterations to 1e-8": reached[0] if reached.size else np.nan})
""", "architectures": """
import numpy as np
from numdl_core import resnet
from numdl_core.theory import dynamics as dy
k, z, L = params["k"], params["z"], params["L"]
one, K, b = np.ones((1, 1)), np.full((L, 1, 1), z), np.zeros((L, 1))  # y' = lambda y, h lambda = z (h = 1)
ures = np.abs(resnet.forward(one, K, b, 1.0, activation="identity")[:, 0, 0])
ulm = np.abs(dy.lm_forward(one, K, b, 1.0, k, activation="identity")[:, 0, 0])
zz = np.linspace(-6.0, 0.0, 6001)  # the stability interval on the negative real axis
bad = np.flatnonzero(dy.lm_roots(zz, k) > 1.0 + 1e-12)
left = float(zz[bad[-1] + 1]) if bad.size else -6.0
report({"|u_L| ResNet": ures[-1], "|u_L| LM-ResNet": ulm[-1], "LM stability interval left end": left,
        "max root modulus at z": float(dy.lm_roots(z, k))})
"""}

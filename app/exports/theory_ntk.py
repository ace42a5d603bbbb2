"""Export scripts of the neural tangent kernel page (pages/neural_tangent_kernel.py), one per section.

Each redoes the section's experiment with ``numdl_core.theory.ntk`` from the page's ``params`` and prints, with
``report``, the numbers the page records; the live run of "regression" is replayed for ``params["iterations"]["GD"]``
iterations.
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

_SETUP = """
import itertools
import numpy as np
from numdl_core.theory import ntk
WIDTHS = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
def target(phi):
    return np.sin(phi) + 0.5 * np.cos(2 * phi) + 0.25 * np.sin(5 * phi)
"""

SCRIPTS = {"kernel": _SETUP + """
_, X = ntk.circle_inputs(params["n"], bias=True)  # (cos phi, sin phi, 1) / sqrt 2
depth = params["depth"]
if depth == 1:
    K, emp = ntk.relu_ntk(X, X), lambda m, s: ntk.empirical_ntk(ntk.init_network(3, m, seed=s), X)
else:  # the deep ReLU NTK of Arora et al. (2019)
    K, emp = ntk.deep_relu_ntk(X, X, depth), lambda m, s: ntk.deep_empirical_ntk(ntk.deep_init(3, m, depth, seed=s),
                                                                                X, depth)
ms = np.array([m for m in WIDTHS if m <= (params["m_max"] if depth == 1 else min(params["m_max"], 1024))])
err = np.array([np.mean([np.linalg.norm(emp(int(m), params["seed"] + s) - K) / np.linalg.norm(K)
                         for s in range(params["draws"])]) for m in ms])
slope = np.polyfit(np.log(ms), np.log(err), 1)[0]  # about -1/2
report({"log-log slope of the kernel error": slope, "relative error at the largest width": err[-1]})
""", "lazy": _SETUP + """
phi, X = ntk.circle_inputs(params["n"], bias=True)
y = target(phi)
eta = params["eta_scale"] / np.linalg.eigvalsh(ntk.relu_ntk(X, X))[-1]
ms = np.array([m for m in WIDTHS[1:] if m <= params["m_max"]])
dw, dk = [], []
for m in ms:
    th0 = ntk.init_network(3, int(m), seed=params["seed"])
    *_, last = itertools.islice(ntk.ntk_gd(X, y, m=int(m), step=eta, theta0=th0), params["iterations"] + 1)
    K0 = ntk.empirical_ntk(th0, X)
    dw.append(last.info["weight_change"])
    dk.append(np.linalg.norm(ntk.empirical_ntk(last.x, X) - K0) / np.linalg.norm(K0))
dw, dk = np.array(dw), np.array(dk)
ok = np.isfinite(dw) & np.isfinite(dk) & (dk > 0)
fit = lambda v: np.polyfit(np.log(ms[ok]), np.log(v[ok]), 1)[0] if ok.sum() >= 2 else np.nan
report({"log-log slope of the weight change": fit(dw), "log-log slope of the kernel change": fit(dk),
        "weight change at the largest width": dw[-1]})
""", "regression": _SETUP + """
phi, X = ntk.circle_inputs(params["n"], bias=True)
y = target(phi)
_, Xt = ntk.circle_inputs(60, bias=True)
th0 = ntk.init_network(3, params["m"], seed=params["seed"])
K = ntk.relu_ntk(X, X)
kr = ntk.kernel_regression(K, ntk.relu_ntk(Xt, X), y, f0_train=ntk.network(th0, X), f0_test=ntk.network(th0, Xt))
eta = params["eta_scale"] / np.linalg.eigvalsh(K)[-1]
*_, last = itertools.islice(ntk.ntk_gd(X, y, m=params["m"], step=eta, theta0=th0), params["iterations"]["GD"] + 1)
report({"GD iterations": last.iteration, "loss": last.loss,
        "max |f - f_KR| on the test circle": np.max(np.abs(ntk.network(last.x, Xt) - kr))})
""", "spectral-bias": _SETUP + """
phi, X = ntk.circle_inputs(params["n"], bias=True)
y = target(phi)
th0 = ntk.init_network(3, params["m"], seed=params["seed"])
K0 = ntk.empirical_ntk(th0, X)
eta = params["eta_scale"] / np.linalg.eigvalsh(K0)[-1]
R = np.array([s.info["residual"] for s in itertools.islice(ntk.ntk_gd(X, y, m=params["m"], step=eta, theta0=th0),
                                                           params["iterations"] + 1)])
lam, V, C = ntk.predicted_residual(K0, R[0], eta, np.arange(len(R)))  # (1 - eta lam_i)^t v_i . r_0
M = R @ V  # measured components
dev = np.max(np.abs(M[:, :4] - C[:, :4])) / np.max(np.abs(C[0, :4]))
report({"relative deviation of the top 4 components": dev, "largest eigenvalue": lam[0],
        "final loss": 0.5 * R[-1] @ R[-1]})
"""}

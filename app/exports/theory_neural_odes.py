"""Export scripts of the dynamic-view page (pages/neural_odes.py), one per section.

Each redoes the section's experiment with ``numdl_core.theory.neural_odes`` from the page's ``params`` and prints,
with ``report``, the numbers the page records; the live run is replayed for ``params["iterations"]``.
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"adaptive": """
from itertools import islice
import numpy as np
from numdl_core.theory.neural_odes import TanhField, init_params, nfe_vs_tolerance, ode_training, two_moons_like
X, c = two_moons_like(params["n"], seed=params["seed"])
F = TanhField(2)
th = 0.5 * np.random.default_rng(params["seed"]).standard_normal(F.n_params + 3)[:F.n_params]
nfe1 = nfe_vs_tolerance(F, X, th, params["T"], params["tols"])  # NFE of Dormand-Prince per tolerance
nfe4 = nfe_vs_tolerance(F, X, 4 * th, params["T"], params["tols"])  # a stiffer field
*_, s = islice(ode_training((X, c), init_params("ode", seed=params["seed"]), model="ode", T=params["T"], N=10,
                            lr=params["lr"], rtol=params["rtol"]), params["iterations"]["Neural ODE"] + 1)
numbers = {"NFE at rtol 1e-2": nfe1[0], "NFE at rtol 1e-8": nfe1[-1], "NFE at rtol 1e-8, field 4θ₀": nfe4[-1],
           "training loss": s.loss, "training accuracy": s.info["accuracy"]}
if "nfe" in s.info:
    numbers["NFE now"] = s.info["nfe"]  # the adaptive solve of the trained field
report({k: v for k, v in numbers.items() if np.isfinite(v)})
""", "robustness": """
import numpy as np
from numdl_core.theory.neural_odes import (TanhField, euler_classifier_loss, euler_resnet, noise_accuracy, ode_flow,
                                           order_preserved, plain_classifier_loss, swap_counterexample,
                                           two_moons_like)
T, width, seed = params["T"], params["width"], params["seed"]
X, c = two_moons_like(80, seed=seed)
F = TanhField(2)
p_ode = 0.5 * np.random.default_rng(seed).standard_normal(F.n_params + 3)
p_pl = 0.5 * np.random.default_rng(seed).standard_normal(4 * width + 1)
for _ in range(params["iters"]):  # gradient descent, step 1
    p_ode = p_ode - 1.0 * euler_classifier_loss(F, X, c, p_ode, T, 10)[1]
    p_pl = p_pl - 1.0 * plain_classifier_loss(X, c, p_pl, width)[1]
ode = lambda Z: euler_resnet(F, Z, p_ode[:6], T, 10)[-1] @ p_ode[6:8] + p_ode[8]
plain = lambda Z: np.tanh(Z @ p_pl[:2 * width].reshape(2, width) + p_pl[2 * width:3 * width]) @ p_pl[3 * width:-1] \\
    + p_pl[-1]
a_ode = noise_accuracy(ode, X, c, params["sigmas"], n_draws=10, seed=seed)
a_pl = noise_accuracy(plain, X, c, params["sigmas"], n_draws=10, seed=seed)
x, _ = swap_counterexample(2.0, 0.0, params["h"])  # two inputs near the fixed point of tanh(-2y)
F1, th = TanhField(1), np.array([-2.0, 0.0])
_, r = ode_flow(F1, x[:, None], th, params["h"], rtol=1e-8, atol=1e-10, t_eval=np.linspace(0, params["h"], 41))
Yd = euler_resnet(F1, x[:, None], th, params["h"], 1)[:, :, 0]
report({"ODE net: accuracy at σ = 0": a_ode[0], "ODE net: accuracy at σ = 0.5": a_ode[4],
        "plain net: accuracy at σ = 0": a_pl[0], "plain net: accuracy at σ = 0.5": a_pl[4],
        "flow keeps order": float(order_preserved(x, r.y_eval[-1])),
        "ResNet step keeps order": float(order_preserved(x, Yd[-1]))})
""", "deep-limit": """
import numpy as np
from numdl_core.theory.neural_odes import TanhField, deep_limit, two_moons_like
X, _ = two_moons_like(40, seed=params["seed"])
F = TanhField(2)
th = params["scale"] * np.random.default_rng(params["seed"]).standard_normal(F.n_params)
r = deep_limit(F, X, th, params["T"], Ns=(4, 8, 16, 32, 64, 128, 256))  # Euler ResNets vs the flow at rtol 1e-11
report({"slope": r.slope, "error at N = 4": r.error[0], "error at N = 256": r.error[-1]})
"""}

"""Export scripts of the information-bottleneck page (pages/information_bottleneck.py), one per section.

Each redoes the section's experiment with ``numdl_core.theory.information`` from the page's ``params`` and prints,
with ``report``, the numbers the page records; the live runs are replayed for ``params["iterations"]`` (per series).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

_TRAIN = """
from itertools import islice
import numpy as np
from numdl_core.theory import information as I
X, y = I.twelve_bit_task()  # 4096 inputs (rows), label [||sum_i x_i u_i||^2 > median], u_i: icosahedron
idx = np.random.default_rng(params["seed"]).permutation(4096)[:int(round(params["train_frac"] * 4096))]


def train(activation, iterations):  # one Step per epoch; info: I(X;T_l), I(T_l;Y) per layer (binned, bits)
    net = I.IBNet(X[idx], y[idx], activation=activation)  # 12-10-7-5-4-3-2, softmax output
    steps = list(islice(I.ib_training(net, net.init(0), X, y, lr=params["lr"], optimizer=params["optimizer"],
                                      batch_size=params["batch_size"], bins=params["bins"], seed=params["seed"]),
                        iterations + 1))
    s = steps[-1]
    n = {"epochs": s.iteration, "training loss": s.loss, "accuracy (all 4096)": s.info["accuracy"]}
    for l in range(len(s.info["ixt"])):
        n[f"I(X;T{l + 1})"], n[f"I(T{l + 1};Y)"] = s.info["ixt"][l], s.info["ity"][l]
    with np.errstate(all="ignore"):
        n["compression of T5 (max - last I(X;T5))"] = np.nanmax([t.info["ixt"][4] for t in steps]) - s.info["ixt"][4]
    return {k: v for k, v in n.items() if np.isfinite(v)}

"""

SCRIPTS = {"plane": _TRAIN + """
report(train(params["activation"], params["iterations"]["training"]))
""", "counterpoints": _TRAIN + """
numbers = {}
for act in ("tanh", "relu"):
    numbers.update({f"{act}: {k}": v for k, v in train(act, params["iterations"][act]).items()})
report(numbers)
""", "estimator": """
import numpy as np
from numdl_core.theory import information as I
rng = np.random.default_rng(params["seed"])
x = rng.integers(0, 2, params["n"])
t = x ^ (rng.random(params["n"]) < params["flip"])  # binary symmetric channel
e = params["flip"]
exact = 1.0 - (0.0 if e in (0.0, 1.0) else -e * np.log2(e) - (1 - e) * np.log2(1 - e))  # 1 - H2(eps)
est = I.mutual_information(x, t)
u = rng.integers(0, 8, params["n"])
numbers = {"BSC: I(X;T) closed form": exact, "BSC: plug-in estimate": est, "BSC: |estimate - closed form|":
           abs(est - exact), "U mod 4: estimate (2 bits)": I.mutual_information(u, u % 4)}
X, y = I.twelve_bit_task()
for act in ("tanh", "relu"):  # the untrained network: I(X;T5) = H(T5) against the number of bins
    net = I.IBNet(X, y, activation=act)
    for b in (2, 5, 10, 30, 100, 1000):
        numbers[f"{act} init: I(X;T5) with {b} bins"] = I.layer_information(net, net.init(params["seed"]), X, y,
                                                                            b)[0][4]
report(numbers)
"""}

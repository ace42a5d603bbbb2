"""Export script of the CNN section of the convolutional-networks page (app/lessons/convolutional_networks_cnn.py).

It rebuilds the digits split and the network with ``numdl_core.cnn.digits_cnn``, replays the live run for the
page's epochs (``params["iterations"]``) with the same solver of ``numdl_core.solvers.SOLVERS`` and the same
keywords, and prints, with ``report``, every number the page records.
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"cnn": """
from itertools import islice
import numpy as np
from numdl_core import cnn
from numdl_core.solvers import SOLVERS

# the optimizer of the page -> (solver, fixed options); momentum and Nesterov use mu = 0.9
SOLVER_OF = {"sgd": ("sgd", {"momentum": 0.0}), "momentum": ("sgd", {"momentum": 0.9}),
             "nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}), "adam": ("adam", {})}
d = cnn.digits_cnn(params["c1"], params["c2"], params["kernel"], pool=params["pool"], n_train=1000,
                   seed=params["seed"])
name, options = SOLVER_OF[params["optimizer"]]
epochs = next(iter(params.get("iterations", {"run": 0}).values()))
steps = SOLVERS[name](d.model, d.theta0, lr=params["lr"], batch_size=params["batch_size"], seed=params["seed"],
                      **options)
*_, last = islice(steps, epochs + 1)  # iteration 0 is the start; one Step per epoch
numbers = {"weights": d.model.n_params, "epochs": last.iteration}
if np.all(np.isfinite(last.x)) and np.isfinite(last.loss):
    train, test = d.accuracies(last.x)
    numbers.update({"training loss": last.loss, "training accuracy": train, "test accuracy": test})
    taylor = cnn.taylor_check(d.model, last.x)  # 16 training images, a short random direction
    if np.isfinite(taylor.order):
        numbers["Taylor E1 order"] = taylor.order
    print("test confusion counts (row: true digit, column: predicted):")
    print(d.confusion(last.x))
report(numbers)
"""}

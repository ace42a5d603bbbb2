"""Export scripts of the optimal-control page's "memory" and "paths" sections (app/lessons/optimal_control_memory.py).

Each redoes the section's experiment with ``numdl_core`` from the page's ``params`` and prints, with ``report``,
the numbers the page records (``Lesson.numbers``). Memory: only deterministic numbers (counts, stored floats,
gradient differences); the measured bytes and seconds depend on the machine and are not printed. Paths: the live
training replayed for ``params["iterations"]`` epochs with the page's solver options (``params["solvers"]``).
"""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {"memory": """
import numpy as np
from numdl_core.checkpointing import REGIMES, gradient_checks, measure_memory
N = params["max_depth"]  # the page measures N = 8, 16, ..., max_depth; its numbers are those of the largest
m = measure_memory((N,), n=params["n"], d=2, T=2.0, block=params["block"] or None, repeats=1, seed=params["seed"])
numbers = {f"N = {N}: states stored, {r}": m.states[r][-1] for r in REGIMES}
numbers.update({f"N = {N}: layer evaluations, {r}": m.layer_evals[r][-1] for r in REGIMES})
numbers.update({f"N = {N}: stored floats (states x n x d), {r}": m.states[r][-1] * m.n * m.d for r in REGIMES})
numbers["checkpoint block B"] = m.blocks[-1]
numbers["max |checkpointed - stored gradient|"] = np.max(m.max_diff_checkpoint)
numbers["reversible = stored gradient to 1e-10 (1 = yes)"] = float(np.max(m.max_diff_reversible) <= 1e-10)
checks = gradient_checks(16, n=20, d=2, T=2.0, block=params["block"] or None, seed=params["seed"])  # Taylor tests
numbers.update({f"Taylor E1 order, {r} (N = 16)": c.order for r, c in checks.items()})
report(numbers)
print("peak memory (KiB) of one gradient at N =", N, {r: round(m.peak_bytes[r][-1] / 1024, 1) for r in REGIMES})
""", "paths": """
from itertools import islice
import numpy as np
from numdl_core.path_planning import layer_separability, path_problem
from numdl_core.solvers import SOLVERS
problem = path_problem(params["n_samples"], params["noise"], params["depth"], params["T"], augment=params["augment"],
                       activation=params["activation"], alpha=params["alpha"], seed=params["seed"])
model = problem.model
name, options = params["solvers"]["Adam"]  # full-batch Adam, replayed for the page's epochs
*_, last = islice(SOLVERS[name](model, problem.theta0, **options), params["iterations"]["Adam"] + 1)
numbers = {"loss": last.loss}
if np.all(np.isfinite(last.x)):
    sep = layer_separability(model, last.x, layers=[0, model.depth])
    numbers.update({"training accuracy": model.accuracy(last.x),
                    "test accuracy": model.accuracy(last.x, problem.X_test, problem.y_test),
                    "linear accuracy of the features at t = 0": sep[0],
                    "linear accuracy of the features at T": sep[1]})
report({k: v for k, v in numbers.items() if np.isfinite(v)})
"""}

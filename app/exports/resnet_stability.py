"""Exported script of the stability experiment on the residual-networks page (section "stability"): the course's
``EResNet_Stability.m`` with ``numdl_core.resnet_stability``, printing the numbers the page shows."""
from __future__ import annotations

__all__ = ["SCRIPTS"]

SCRIPTS = {
    "stability": '''\
import numpy as np
from numdl_core import resnet_stability as rs

# the course's experiment: 20 examples of 3 features (rows), T = 10, targets from N = 200 at theta = (1, 1);
# the misfit 0.5 ||Y_N(theta) - C||_F^2 of the N-layer network on a grid of theta in [0.2, 2]^2
result = rs.stability_experiment(params["N"], n_grid=params["n_grid"], activation=params["activation"],
                                 seed=params["seed"])
print("eigenvalues of K(1, 1):", np.round(result.eigenvalues.real, 12))
print("|1 + h lambda| per N:", result.factors)
grid = result.grid  # grid.train[i2, i1] and grid.test[i2, i1] at (grid.theta[i1], grid.theta[i2])
report(result.numbers)
''',
}

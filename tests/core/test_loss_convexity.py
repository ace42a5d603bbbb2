"""Tests of numdl_core.loss_convexity against independent oracles.

Oracles: second differences by a plain loop and in closed form (2 h^2 for x^2 + y^2), the losses at grid points
written out with scipy.special.expit and scipy.special.log_expit.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special as ssp

from numdl_core.data import make_dataset
from numdl_core.loss_convexity import compare_losses, min_second_difference


def _loop(F):
    m, n = F.shape
    best = np.inf
    for j in range(m):
        for i in range(1, n - 1):
            best = min(best, F[j, i - 1] - 2 * F[j, i] + F[j, i + 1])
    for j in range(1, m - 1):
        for i in range(n):
            best = min(best, F[j - 1, i] - 2 * F[j, i] + F[j + 1, i])
        for i in range(1, n - 1):
            best = min(best, F[j - 1, i - 1] - 2 * F[j, i] + F[j + 1, i + 1])
    return best


def test_min_second_difference_against_a_loop_and_closed_forms():
    F = np.random.default_rng(1).standard_normal((7, 9))
    assert min_second_difference(F) == pytest.approx(_loop(F), abs=1e-15)
    w = np.linspace(-2.0, 2.0, 21)
    h = w[1] - w[0]
    assert min_second_difference(np.add.outer(w ** 2, w ** 2)) == pytest.approx(2 * h * h, rel=1e-12)
    assert min_second_difference(-np.add.outer(w ** 2, w ** 2)) == pytest.approx(-4 * h * h, rel=1e-12)  # diagonal
    with pytest.raises(ValueError, match="3 x 3"):
        min_second_difference(np.ones((2, 5)))


def test_squared_loss_is_not_convex_cross_entropy_is():
    r = compare_losses("linear", w_max=20.0)
    assert r.curvature_squared < -1e-4 and r.curvature_cross_entropy > -1e-12 and r.squared_not_convex
    X, y = make_dataset("linear", 200, 0.0, 0)
    for j, i in [(0, 0), (30, 30), (7, 50)]:
        s = ssp.expit(X @ np.array([r.w[i], r.w[j]]))
        assert r.squared[j, i] == pytest.approx(0.5 * np.mean((s - y) ** 2), rel=1e-12)
        z = X @ np.array([r.w[i], r.w[j]])
        ce = -np.mean(y * ssp.log_expit(z) + (1 - y) * ssp.log_expit(-z))
        assert r.cross_entropy[j, i] == pytest.approx(ce, rel=1e-12)
    assert r.w.size == 61 and r.w[0] == -20.0 and r.w[-1] == 20.0


@pytest.mark.parametrize("data", ["ellipses", "moons", "circles"])
def test_cross_entropy_is_convex_on_any_data(data):
    r = compare_losses(data, noise=0.1, w_max=10.0, n_grid=31)
    assert r.curvature_cross_entropy > -1e-12


def test_bad_arguments():
    with pytest.raises(ValueError, match="two classes"):
        compare_losses("blobs")
    with pytest.raises(ValueError, match="w_max"):
        compare_losses("linear", w_max=-1.0)
    with pytest.raises(ValueError, match="n_grid"):
        compare_losses("linear", n_grid=2)

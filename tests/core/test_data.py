"""Tests of numdl_core.data: shapes, dtypes, labels, determinism and the exact label rules."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize as so

from numdl_core import data as D

N_CLASSES = {"moons": 2, "circles": 2, "spirals": 2, "blobs": 3, "peaks": 5, "rings": 3, "linear": 2, "ellipses": 2,
             "swissroll": 2}


def test_registry_covers_the_contract():
    assert set(D.DATASETS) >= {"moons", "circles", "spirals", "blobs", "peaks"}
    assert set(D.DATASETS) == set(N_CLASSES)
    for name in D.DATASETS:
        assert D.n_classes_of(name) == N_CLASSES[name]


@pytest.mark.parametrize("name", D.DATASETS)
@pytest.mark.parametrize("n", [7, 301])
def test_shapes_dtypes_labels(name, n):
    X, y = D.make_dataset(name, n_samples=n, noise=0.1, seed=1)
    assert X.shape == (n, 2) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.all(np.isfinite(X))
    C = N_CLASSES[name]
    assert set(np.unique(y)) == set(range(C))  # every class present, labels 0..C-1
    counts = np.bincount(y, minlength=C)
    assert counts.max() - counts.min() <= 1  # all generators here are balanced


@pytest.mark.parametrize("name", D.DATASETS)
def test_determinism_by_seed(name):
    X1, y1 = D.make_dataset(name, 200, seed=7)
    X2, y2 = D.make_dataset(name, 200, seed=7)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = D.make_dataset(name, 200, seed=8)
    assert not np.array_equal(X1, X3)


def _matlab_peaks(x, y):
    """MATLAB's peaks, typed in again from the MATLAB documentation."""
    z = 3 * (1 - x) ** 2 * np.exp(-(x**2) - (y + 1) ** 2)
    z = z - 10 * (x / 5 - x**3 - y**5) * np.exp(-(x**2) - y**2)
    return z - 1 / 3 * np.exp(-((x + 1) ** 2) - y**2)


def test_peaks_function_and_its_range():
    rng = np.random.default_rng(0)
    P = rng.uniform(-3, 3, (1000, 2))
    np.testing.assert_allclose(D.peaks(P[:, 0], P[:, 1]), _matlab_peaks(P[:, 0], P[:, 1]), rtol=1e-13, atol=1e-13)
    assert D.peaks(0.0, 0.0) == pytest.approx(3 * np.exp(-1) - np.exp(-1) / 3, rel=1e-14)
    # the documented extremes of peaks on [-3, 3]^2: min -6.5511 at (0.228, -1.626), max 8.1062 at (-0.009, 1.581)
    lo = so.minimize(lambda z: _matlab_peaks(*z), [0.2, -1.6], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14})
    hi = so.minimize(lambda z: -_matlab_peaks(*z), [0.0, 1.6], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14})
    assert lo.fun == pytest.approx(-6.5511, abs=1e-4) and hi.fun == pytest.approx(-8.1062, abs=1e-4)
    g = np.linspace(-3, 3, 601)
    Z = _matlab_peaks(*np.meshgrid(g, g))
    assert lo.fun <= Z.min() + 1e-12 and -hi.fun >= Z.max() - 1e-12  # global on the box, not local


def test_peaks_labels_are_the_level_bands():
    X, y = D.make_dataset("peaks", 1000, noise=0.0, seed=3)
    assert np.all(np.abs(X) <= 3)
    np.testing.assert_array_equal(np.bincount(y), [200] * 5)
    # independent re-computation: 5 equal-width bands of the range [min, max] of peaks on [-3, 3]^2
    g = np.linspace(-3, 3, 1201)
    Z = _matlab_peaks(*np.meshgrid(g, g))
    zmin, zmax = -6.551133, 8.106214  # grid extremes refined by Nelder-Mead (above), 7 digits
    assert Z.min() == pytest.approx(zmin, abs=1e-3) and Z.max() == pytest.approx(zmax, abs=1e-3)
    edges = zmin + (zmax - zmin) * np.arange(1, 5) / 5
    z = _matlab_peaks(X[:, 0], X[:, 1])
    band = np.searchsorted(edges, z)
    near_edge = np.min(np.abs(z[:, None] - edges[None, :]), axis=1) < 1e-5
    np.testing.assert_array_equal(y[~near_edge], band[~near_edge])
    assert near_edge.sum() <= 2
    # the top band is a small cap around the maximum, the middle band the plateau
    assert np.all(z[y == 4] > 5.18) and np.all(z[y == 0] < -3.6)
    # noise jitters the points, not the labels
    Xn, yn = D.make_dataset("peaks", 1000, noise=0.05, seed=3)
    np.testing.assert_array_equal(yn, y)
    assert 0.03 < np.std(Xn - X) < 0.07


def test_linear_labels_match_the_rule_without_noise():
    X, y = D.make_dataset("linear", 400, noise=0.0, seed=2)
    np.testing.assert_array_equal(y, (3 * X[:, 0] + 2 * X[:, 1] + 1 > 0).astype(np.int64))
    assert np.all(np.abs(X) <= 1)
    # with noise the points move but keep their labels (the same draws before the jitter)
    Xn, yn = D.make_dataset("linear", 400, noise=0.1, seed=2)
    np.testing.assert_array_equal(yn, y)
    assert np.std(Xn - X) == pytest.approx(0.1, rel=0.1)


def test_ellipses_labels_without_noise():
    X, y = D.make_dataset("ellipses", 400, noise=0.0, seed=2)
    inside = (X[:, 0] / 0.8) ** 2 + (X[:, 1] / 0.45) ** 2 < 0.6
    np.testing.assert_array_equal(y, inside.astype(np.int64))


def test_geometry_without_noise():
    X, y = D.make_dataset("moons", 100, noise=0.0)
    up, down = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*up.T), 1.0, rtol=1e-14)  # upper half of the unit circle
    assert np.all(up[:, 1] >= -1e-15)
    np.testing.assert_allclose(np.hypot(down[:, 0] - 1, down[:, 1] - 0.5), 1.0, rtol=1e-14)
    assert np.all(down[:, 1] <= 0.5 + 1e-15)
    X, y = D.make_dataset("circles", 100, noise=0.0)
    r = np.hypot(*X.T)
    np.testing.assert_allclose(r[y == 0], 1.0, rtol=1e-14)
    np.testing.assert_allclose(r[y == 1], 0.5, rtol=1e-14)
    X, y = D.make_dataset("rings", 300, noise=0.1)  # radii 2k + U[0, 1]
    r = np.hypot(*X.T)
    for k in range(3):
        assert np.all((r[y == k] >= 2 * k) & (r[y == k] <= 2 * k + 1))
    X, y = D.make_dataset("spirals", 400, noise=0.0)
    assert np.hypot(*X.T).max() <= 2 + 1e-12
    X, y = D.make_dataset("blobs", 3000, noise=0.0)
    centers = np.array([[-2.0, -1.0], [2.0, -1.0], [0.0, 2.0]])
    for k in range(3):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centers[k], atol=0.05)
        assert X[y == k].std(axis=0) == pytest.approx([0.5, 0.5], rel=0.1)


def test_noise_level_is_the_standard_deviation():
    X0, _ = D.make_dataset("moons", 2000, noise=0.0, seed=4)
    X1, _ = D.make_dataset("moons", 2000, noise=0.2, seed=4)
    assert np.std(X1 - X0) == pytest.approx(0.2, rel=0.05)


def test_load_digits():
    X, y = D.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(np.unique(y), np.arange(10))
    from sklearn.datasets import load_digits

    ref = load_digits()
    np.testing.assert_allclose(X * 16, ref.data)
    np.testing.assert_array_equal(y, ref.target)


def test_bad_input():
    with pytest.raises(ValueError) as err:
        D.make_dataset("swiss-cheese")
    for name in D.DATASETS:
        assert name in str(err.value)
    with pytest.raises(ValueError):
        D.n_classes_of("swiss-cheese")
    with pytest.raises(ValueError, match="at least 5"):
        D.make_dataset("peaks", n_samples=4)
    with pytest.raises(ValueError, match="noise"):
        D.make_dataset("moons", noise=-0.1)
    with pytest.raises(ValueError, match="noise"):
        D.make_dataset("moons", noise=float("nan"))

"""numdl_core.eigensolvers against independent oracles: scipy.linalg.eigvalsh / eigh of the explicit Laplacians,
the closed-form spectrum of the path graph (lambda_k = 2 - 2 cos(pi k / n)), the toy graph's {0, 1, 2, 4, 5} with
its Fiedler vector (1, 0, 1, 1, -3)/sqrt(12), and scipy.linalg.eig of the non-symmetric L_rw."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from scipy.sparse.csgraph import laplacian

from numdl_core import spectral as S
from numdl_core.data import make_dataset
from numdl_core.eigensolvers import EigenRun, fiedler_iteration, iteration_rate, timed_eigenpairs


def path_graph(n: int) -> np.ndarray:
    A = np.zeros((n, n))
    i = np.arange(n - 1)
    A[i, i + 1] = A[i + 1, i] = 1.0
    return A


def test_timed_eigenpairs_equal_a_direct_call_and_scipy():
    X, _ = make_dataset("moons", 200, noise=0.1, seed=0)
    W = S.similarity_matrix(X, sigma=0.3, n_neighbors=8)
    runs = timed_eigenpairs(W, 6, kind="sym", seed=1, maxiter=100)
    assert list(runs) == ["dense", "lanczos"]
    assert all(isinstance(r, EigenRun) and r.error is None for r in runs.values())
    ref = scipy.linalg.eigvalsh(laplacian(W.toarray(), normed=True))[:6]
    for s, r in runs.items():
        np.testing.assert_array_equal(r.eigenvalues, S.laplacian_eigenpairs(W, 6, kind="sym", solver=s, seed=1,
                                                                            maxiter=100)[0])
        np.testing.assert_allclose(r.eigenvalues, ref, atol=1e-12)
        assert r.seconds > 0 and r.eigenvectors.shape == (200, 6)


def test_timed_eigenpairs_record_a_failure():
    A = S.toy_graph()[1]
    run = timed_eigenpairs(A, 5, kind="unnormalized", solvers=["lanczos"])["lanczos"]
    assert run.eigenvalues is None and "at most n - 2 = 3" in run.error
    X, _ = make_dataset("moons", 300, noise=0.1, seed=0)
    run = timed_eigenpairs(S.similarity_matrix(X, sigma=0.01), 20, solvers=["lanczos"], maxiter=100)["lanczos"]
    assert run.error == "Lanczos (eigsh) did not converge within 100 restarts."
    with pytest.raises(ValueError, match="unknown eigen-solver 'qr'"):
        timed_eigenpairs(A, 2, solvers=["qr"])


@pytest.mark.parametrize("method", ["power", "inverse"])
def test_toy_graph_fiedler_vector_and_rates(method):
    A = S.toy_graph()[1]
    it = fiedler_iteration(A, method=method)
    u = np.array([1.0, 0.0, 1.0, 1.0, -3.0]) / np.sqrt(12.0)  # closed form: L u = u, u ⟂ 1
    np.testing.assert_allclose(np.abs(it.u @ u), 1.0, atol=1e-10)
    assert it.rayleigh[-1] == pytest.approx(1.0, abs=1e-12) and it.residual[-1] <= 1e-12 * it.bound
    expected = 6 / 7 if method == "power" else 1 / 2  # (8 - 2)/(8 - 1) with c = 2 max d = 8; lambda_2/lambda_3
    assert iteration_rate([0, 1, 2, 4, 5], method=method, bound=it.bound) == pytest.approx(expected, rel=1e-14)
    assert it.observed_rate == pytest.approx(expected, rel=1e-3)
    assert it.bound == 8.0 and it.method == method


@pytest.mark.parametrize("n", [12, 30])
def test_path_graph_rates_match_the_closed_form(n):
    lam = 2 - 2 * np.cos(np.pi * np.arange(n) / n)  # spectrum of the path's L = D - A
    A = path_graph(n)
    np.testing.assert_allclose(np.linalg.eigvalsh(np.diag(A.sum(1)) - A), lam, atol=1e-12)
    inv = fiedler_iteration(A, method="inverse", maxiter=2000)
    assert inv.rayleigh[-1] == pytest.approx(lam[1], rel=1e-10)
    assert inv.observed_rate == pytest.approx(lam[1] / lam[2], rel=1e-3)
    s = 0.5 * (lam[1] + lam[2]) - 0.01 * (lam[2] - lam[1])  # just below the midpoint: still nearer to lambda_2
    shifted = fiedler_iteration(A, method="inverse", shift=s, maxiter=5000)
    rate = abs(lam[1] - s) / abs(lam[2] - s)
    assert iteration_rate(lam, method="inverse", shift=s) == pytest.approx(rate, rel=1e-9)
    assert shifted.rayleigh[-1] == pytest.approx(lam[1], rel=1e-8)
    assert shifted.observed_rate == pytest.approx(rate, rel=1e-2)


@pytest.mark.parametrize("kind", ["sym", "rw"])
def test_normalized_laplacians(kind):
    X, _ = make_dataset("blobs", 60, noise=0.1, seed=4)
    W = S.similarity_matrix(X, sigma=1.0, n_neighbors=6)
    Lsym = laplacian(W.toarray(), normed=True)
    lam = scipy.linalg.eigvalsh(Lsym)
    it = fiedler_iteration(W, kind=kind, method="inverse", maxiter=3000)
    assert it.rayleigh[-1] == pytest.approx(lam[1], rel=1e-8) and it.bound == 2.0
    if kind == "rw":  # L_rw u = lambda_2 u with the explicit non-symmetric L_rw = I - D^-1 W
        Lrw = np.eye(60) - W.toarray() / W.toarray().sum(1)[:, None]
        np.testing.assert_allclose(Lrw @ it.u, lam[1] * it.u, atol=1e-7)
    assert iteration_rate(lam, method="power", bound=2.0) == pytest.approx((2 - lam[2]) / (2 - lam[1]))


def test_disconnected_graph_and_singular_shifts():
    A = S.toy_graph()[1]
    A[1, 4] = A[4, 1] = 0.0
    with pytest.raises(ValueError, match="s = 0 on a disconnected graph"):
        fiedler_iteration(A, method="inverse")
    it = fiedler_iteration(A, method="inverse", shift=-0.1)
    indicator = np.array([1, 1, 1, 1, -4]) / np.sqrt(20)  # ⟂ 1, constant on each component
    assert abs(it.u @ indicator) == pytest.approx(1.0, abs=1e-10) and abs(it.rayleigh[-1]) < 1e-12
    with pytest.raises(ValueError, match="is an eigenvalue"):
        fiedler_iteration(S.toy_graph()[1], method="inverse", shift=1.0)
    with pytest.raises(ValueError, match="unknown method"):
        fiedler_iteration(A, method="lanczos")
    with pytest.raises(ValueError, match="no edge"):
        fiedler_iteration(np.zeros((4, 4)))
    with pytest.raises(ValueError):
        iteration_rate([0, 1], method="power", bound=2.0)
    with pytest.raises(ValueError, match="needs its constant"):
        iteration_rate([0, 1, 2], method="power")

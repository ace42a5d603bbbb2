"""numdl_core.laplacian_checks against independent oracles: scipy.sparse.csgraph (Laplacian, components),
scipy.linalg.eigvalsh of the explicit matrices (spectrum, norm), and closed forms."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, laplacian

from numdl_core import spectral as S
from numdl_core.data import make_dataset
from numdl_core.laplacian_checks import (
    PropertyCheck, laplacian_checks, laplacian_norm_bound, null_vector_check, order_of_magnitude_check, psd_check,
    zero_multiplicity_check,
)


@pytest.fixture(scope="module")
def graphs():
    X, _ = make_dataset("moons", 150, noise=0.1, seed=0)
    return {"full": S.similarity_matrix(X, sigma=0.3), "knn": S.similarity_matrix(X, sigma=0.3, n_neighbors=6),
            "toy": S.toy_graph()[1]}


@pytest.mark.parametrize("kind", S.LAPLACIANS)
def test_gershgorin_bound_holds_for_the_spectrum(graphs, kind):
    for W in graphs.values():
        L = S.graph_laplacian(W, kind)
        L = L.toarray() if sp.issparse(L) else L
        lam_max = np.max(np.abs(np.linalg.eigvals(L)))  # L_rw is not symmetric
        assert lam_max <= laplacian_norm_bound(W, kind) * (1 + 1e-12)


@pytest.mark.parametrize("kind", S.LAPLACIANS)
def test_null_vector_passes_at_round_off(graphs, kind):
    for name, W in graphs.items():
        c = null_vector_check(W, kind)
        assert isinstance(c, PropertyCheck) and c.passed, (name, c)
        d = S.degrees(W)
        z = np.sqrt(d) if kind == "sym" else np.ones(d.size)
        Lcs = laplacian(W.toarray() if sp.issparse(W) else W, normed=kind == "sym")  # scipy's own Laplacian
        if kind != "rw":
            assert c.value == pytest.approx(np.linalg.norm(Lcs @ z), abs=1e-12)
        assert c.value < 1e-2 * c.bound and c.bound < 1e-8  # measured: round-off, far inside the tolerance


def test_psd_check_uses_the_smallest_eigenvalue(graphs):
    W = graphs["full"]
    lam = scipy.linalg.eigvalsh(laplacian(W, normed=True))
    c = psd_check(W, "sym", lam)
    assert c.passed and c.value == lam.min() and c.bound == pytest.approx(-2e-12)
    assert not psd_check(W, "sym", [-1e-6, 0.3]).passed  # a clearly negative eigenvalue fails
    assert "λ₁ = -1.0e-06 < −2e-12" in psd_check(W, "sym", [-1e-6, 0.3]).detail
    with pytest.raises(ValueError):
        psd_check(W, "sym", [])


@pytest.mark.parametrize("k", [2, 3, 8])
def test_zero_multiplicity_equals_csgraph_components(k):
    X, _ = make_dataset("blobs", 120, noise=0.0, seed=k)
    W = S.similarity_matrix(X, sigma=0.5, n_neighbors=k)
    lam = scipy.linalg.eigvalsh(S.graph_laplacian(W, "unnormalized").toarray())[:20]
    c = zero_multiplicity_check(W, lam)
    n_comp = connected_components(W, directed=False)[0]
    assert c.passed and c.value == c.bound == n_comp


def test_zero_multiplicity_explains_a_numerically_disconnected_graph():
    X, _ = make_dataset("moons", 100, noise=0.1, seed=0)
    W = S.similarity_matrix(X, sigma=0.01)  # connected on paper, weights down to 1e-300
    lam = S.laplacian_eigenpairs(W, 20, kind="sym")[0]
    c = zero_multiplicity_check(W, lam)
    assert not c.passed and c.value == 20 and c.bound == 1
    assert "numerically disconnected" in c.detail and "larger σ" in c.detail
    # all computed eigenvalues zero and at least as many components: passes (more are needed to see them all)
    A = np.zeros((6, 6))
    A[0, 1] = A[1, 0] = 1.0
    assert zero_multiplicity_check(A, np.zeros(3)).passed


def test_laplacian_checks_on_the_toy_graph():
    A = S.toy_graph()[1]
    lam = scipy.linalg.eigvalsh(np.diag(A.sum(1)) - A)
    checks = laplacian_checks(A, "unnormalized", lam)
    assert [c.passed for c in checks] == [True, True, True]
    assert checks[0].name == "L·1 = 0" and checks[0].value == 0.0
    assert laplacian_norm_bound(A, "unnormalized") == 8.0 >= lam.max()


def test_order_of_magnitude():
    assert order_of_magnitude_check("λ₂", 1.0e-2, 8.7e-3).passed
    assert order_of_magnitude_check("λ₂", 0.405, 0.40).passed
    assert not order_of_magnitude_check("λ₂", 0.05, 0.40).passed  # log10(8) > 1/2
    assert not order_of_magnitude_check("λ₂", -0.4, 0.40).passed
    assert order_of_magnitude_check("λ₂", -3e-16, 1.9e-15).passed  # both zero up to round-off
    assert not order_of_magnitude_check("λ₂", 1e-9, 1.9e-15).passed

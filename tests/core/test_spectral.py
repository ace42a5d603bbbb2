"""Tests of numdl_core.spectral against independent oracles.

Oracles: closed forms (toy graph spectrum, path-graph Fiedler pair), brute-force loops, scipy.sparse.csgraph
(laplacian, connected_components), scipy.linalg.eig on the explicit non-symmetric L_rw, and scikit-learn
(kneighbors_graph, SpectralClustering, KMeans).
"""
from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components as csgraph_components
from scipy.sparse.csgraph import laplacian as csgraph_laplacian
from sklearn.cluster import KMeans, SpectralClustering
from sklearn.metrics import adjusted_rand_score
from sklearn.neighbors import kneighbors_graph

from numdl_core import spectral as S
from numdl_core.data import make_dataset


def dense(M):
    return M.toarray() if sp.issparse(M) else np.asarray(M)


@pytest.fixture(scope="module")
def moons():
    return make_dataset("moons", 300, noise=0.05, seed=0)


@pytest.fixture(scope="module")
def knn_moons(moons):
    X, _ = moons
    return S.similarity_matrix(X, sigma=0.3, n_neighbors=8)


# ---------------------------------------------------------------------------------------------- toy graph
def test_toy_graph_degrees_and_spectrum():
    Y, A = S.toy_graph()
    assert Y.shape == (5, 2) and A.shape == (5, 5)
    np.testing.assert_array_equal(Y, [[-1, -1], [0, 1], [0.1, 0], [0.5, 0], [-1.5, 1]])
    np.testing.assert_array_equal(A, A.T)
    np.testing.assert_array_equal(np.diag(A), 0)
    np.testing.assert_array_equal(S.degrees(A), [2, 4, 3, 2, 1])
    # edges {12, 23, 13, 34, 24, 25} (1-based)
    edges = {(int(i) + 1, int(j) + 1) for i, j in zip(*np.nonzero(np.triu(A)))}
    assert edges == {(1, 2), (2, 3), (1, 3), (3, 4), (2, 4), (2, 5)}
    L = S.graph_laplacian(A, "unnormalized")
    np.testing.assert_allclose(L, np.diag([2, 4, 3, 2, 1]) - A, atol=0)
    lam, V = S.laplacian_eigenpairs(A, 5, kind="unnormalized")
    np.testing.assert_allclose(lam, [0, 1, 2, 4, 5], atol=1e-12)
    np.testing.assert_allclose(V.T @ V, np.eye(5), atol=1e-12)
    lam3, _ = S.laplacian_eigenpairs(A, 3, kind="unnormalized", solver="lanczos")
    np.testing.assert_allclose(lam3, [0, 1, 2], atol=1e-10)
    # independent: characteristic polynomial of D - A is x (x-1)(x-2)(x-4)(x-5)
    np.testing.assert_allclose(np.poly(np.diag([2, 4, 3, 2, 1]) - A), np.poly([0, 1, 2, 4, 5]), atol=1e-9)


# ---------------------------------------------------------------------------------------------- graphs
def test_similarity_matches_double_loop():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((25, 3))
    sigma = 0.7
    W = S.similarity_matrix(X, sigma=sigma)
    ref = np.zeros((25, 25))
    for i in range(25):
        for j in range(25):
            if i != j:
                ref[i, j] = np.exp(-np.sum((X[i] - X[j]) ** 2) / (2 * sigma**2))
    assert isinstance(W, np.ndarray)
    np.testing.assert_allclose(W, ref, rtol=1e-13, atol=1e-300)
    np.testing.assert_array_equal(W, W.T)
    np.testing.assert_array_equal(np.diag(W), 0)


@pytest.mark.parametrize("k", [1, 4, 10])
def test_knn_graph_matches_sklearn_symmetrized(k):
    X, _ = make_dataset("blobs", 120, noise=0.1, seed=3)
    sigma = 0.8
    W = S.similarity_matrix(X, sigma=sigma, n_neighbors=k)
    assert sp.issparse(W)
    D = kneighbors_graph(X, k, mode="distance", include_self=False)
    D = D.maximum(D.T).toarray()  # j in kNN(i) OR i in kNN(j)
    pattern = D > 0
    ref = np.where(pattern, np.exp(-(D**2) / (2 * sigma**2)), 0.0)
    Wd = W.toarray()
    np.testing.assert_array_equal(Wd > 0, pattern)
    np.testing.assert_allclose(Wd, ref, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(Wd, Wd.T)
    # brute-force: every node keeps at least its own k nearest neighbours
    full = S.similarity_matrix(X, sigma=sigma)
    for i in range(0, 120, 17):
        nn = np.argsort(-full[i])[:k]
        assert np.all(Wd[i, nn] > 0)


@pytest.mark.parametrize("k", [1, 4, 10])
def test_mutual_knn_graph_matches_a_loop_and_sklearn(k):
    """Mutual kNN: j among the k nearest of i AND i among the k nearest of j (von Luxburg 2007, Sec. 2.2)."""
    X, _ = make_dataset("moons", 90, noise=0.1, seed=5)
    sigma = 0.4
    W = S.similarity_matrix(X, sigma=sigma, n_neighbors=k, mutual=True)
    assert sp.issparse(W)
    Wd = W.toarray()
    # oracle 1: a plain double loop over the brute-force neighbour lists
    dist = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(dist, np.inf)
    nearest = [set(np.argsort(dist[i])[:k]) for i in range(90)]
    ref = np.zeros((90, 90))
    for i in range(90):
        for j in range(90):
            if j in nearest[i] and i in nearest[j]:
                ref[i, j] = np.exp(-dist[i, j] ** 2 / (2 * sigma**2))
    np.testing.assert_allclose(Wd, ref, rtol=1e-12, atol=0)
    # oracle 2: scikit-learn's kneighbors_graph, elementwise minimum of A and A^T
    D = kneighbors_graph(X, k, mode="distance", include_self=False)
    D = D.minimum(D.T).toarray()
    np.testing.assert_array_equal(Wd > 0, D > 0)
    np.testing.assert_allclose(Wd, np.where(D > 0, np.exp(-(D**2) / (2 * sigma**2)), 0.0), rtol=1e-12, atol=0)
    # a subgraph of the symmetric kNN graph, equal weights on the shared edges; by name through similarity_graph
    sym = S.similarity_matrix(X, sigma=sigma, n_neighbors=k).toarray()
    assert np.all((Wd > 0) <= (sym > 0)) and np.array_equal(Wd[Wd > 0], sym[Wd > 0])
    assert W.nnz < np.count_nonzero(sym)
    np.testing.assert_array_equal(S.similarity_graph(X, "mutual_knn", sigma=sigma, k=k).toarray(), Wd)
    # mutual=False (the default) keeps API.md's meaning: the symmetric (OR) kNN graph
    np.testing.assert_array_equal(S.similarity_matrix(X, sigma=sigma, n_neighbors=k, mutual=False).toarray(), sym)


def test_mutual_knn_can_isolate_a_point():
    """A far point is nobody's nearest neighbour: the kNN graph links it, the mutual kNN graph does not."""
    X = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [0.1, 0.1], [5.0, 5.0]])
    knn = S.similarity_graph(X, "knn", sigma=1.0, k=2).toarray()
    mutual = S.similarity_graph(X, "mutual_knn", sigma=1.0, k=2).toarray()
    assert knn[4].sum() > 0 and mutual[4].sum() == 0
    assert S.connected_components(knn)[0] == 1 and S.connected_components(mutual)[0] == 2
    with pytest.raises(ValueError, match="1 <= k <= n - 1 = 4"):
        S.similarity_graph(X, "mutual_knn", k=5)


def test_epsilon_graph_matches_brute_force():
    rng = np.random.default_rng(2)
    X = rng.uniform(0, 1, (60, 2))
    eps, sigma = 0.2, 0.3
    W = S.similarity_matrix(X, sigma=sigma, epsilon=eps)
    dist = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    ref = np.where((dist <= eps) & ~np.eye(60, dtype=bool), np.exp(-(dist**2) / (2 * sigma**2)), 0.0)
    np.testing.assert_allclose(W.toarray(), ref, rtol=1e-12, atol=0)
    Wb = S.epsilon_graph(X, eps, binary=True)
    np.testing.assert_array_equal(Wb.toarray(), (ref > 0).astype(float))


def test_graph_input_errors():
    X = np.random.default_rng(0).standard_normal((10, 2))
    with pytest.raises(ValueError, match="sigma"):
        S.similarity_matrix(X, sigma=-1)
    with pytest.raises(ValueError, match="not both"):
        S.similarity_matrix(X, n_neighbors=3, epsilon=0.5)
    with pytest.raises(ValueError, match="n_neighbors"):
        S.similarity_matrix(X, n_neighbors=10)
    with pytest.raises(ValueError, match="non-finite"):
        S.similarity_matrix(np.array([[0.0, np.nan], [1.0, 1.0]]))
    W = S.similarity_matrix(X)
    with pytest.raises(ValueError, match="'unnormalized', 'sym', 'rw'"):
        S.graph_laplacian(W, "normalized")
    with pytest.raises(ValueError, match="symmetric"):
        S.graph_laplacian(np.triu(W))
    with pytest.raises(ValueError, match="non-negative"):
        S.graph_laplacian(-W)
    with pytest.raises(ValueError, match="'dense', 'lanczos'"):
        S.laplacian_eigenpairs(W, 2, solver="arnoldi")


# ---------------------------------------------------------------------------------------------- Laplacians
@pytest.mark.parametrize("sparse", [False, True])
def test_laplacian_null_vectors_and_psd(knn_moons, sparse):
    W = knn_moons if sparse else knn_moons.toarray()
    d = np.asarray(W.sum(axis=1)).ravel()
    one = np.ones(d.size)
    for kind in S.LAPLACIANS:
        L = S.graph_laplacian(W, kind)
        assert sp.issparse(L) == sparse
        if kind == "sym":
            np.testing.assert_allclose(L @ np.sqrt(d), 0, atol=1e-12)
        else:
            np.testing.assert_allclose(L @ one, 0, atol=1e-12)
    for kind in ("unnormalized", "sym"):
        L = dense(S.graph_laplacian(W, kind))
        np.testing.assert_allclose(L, L.T, atol=1e-15)
        assert scipy.linalg.eigvalsh(L)[0] >= -1e-12
    # rw is not symmetric but similar to sym: real, non-negative spectrum
    ev = scipy.linalg.eigvals(dense(S.graph_laplacian(W, "rw")))
    assert np.abs(ev.imag).max() < 1e-10 and ev.real.min() >= -1e-12


def test_laplacian_against_scipy_csgraph_with_isolated_node():
    X, _ = make_dataset("blobs", 40, noise=0.0, seed=0)
    X = np.vstack([X, [[50.0, 50.0]]])  # far away: isolated in the epsilon graph
    W = S.similarity_matrix(X, sigma=1.0, epsilon=1.5)
    assert W[40].nnz == 0
    for sparse in (True, False):
        Wi = W if sparse else W.toarray()
        Lu = dense(S.graph_laplacian(Wi, "unnormalized"))
        Ls = dense(S.graph_laplacian(Wi, "sym"))
        Lr = dense(S.graph_laplacian(Wi, "rw"))
        for L in (Lu, Ls, Lr):
            assert np.all(np.isfinite(L))
            np.testing.assert_array_equal(L[40], 0)
            np.testing.assert_array_equal(L[:, 40], 0)
        np.testing.assert_allclose(Lu, csgraph_laplacian(W.toarray(), normed=False), atol=1e-14)
        np.testing.assert_allclose(Ls, csgraph_laplacian(W.toarray(), normed=True), atol=1e-14)
        d = W.toarray().sum(1)
        inv = np.where(d > 0, 1 / np.where(d > 0, d, 1), 0)
        np.testing.assert_allclose(Lr, inv[:, None] * Lu, atol=1e-14)
    # the isolated node is a component of its own: one more zero eigenvalue
    n_comp, _ = csgraph_components(W, directed=False)
    lam, _ = S.laplacian_eigenpairs(W, n_comp + 2, kind="sym")
    assert S.n_zero_eigenvalues(lam) == n_comp


# ---------------------------------------------------------------------------------------------- eigenproblems
@pytest.mark.parametrize("kind", S.LAPLACIANS)
def test_dense_and_lanczos_agree(knn_moons, kind):
    W = knn_moons
    lam_d, V_d = S.laplacian_eigenpairs(W, 8, kind=kind, solver="dense")
    lam_l, V_l = S.laplacian_eigenpairs(W, 8, kind=kind, solver="lanczos")
    np.testing.assert_allclose(lam_l, lam_d, atol=1e-8)
    assert np.all(np.diff(lam_d) >= -1e-14)
    L = dense(S.graph_laplacian(W, kind))
    for V, lam in ((V_d, lam_d), (V_l, lam_l)):
        np.testing.assert_allclose(L @ V, V * lam, atol=1e-8)  # L_rw u = lambda u for the rw vectors too
        np.testing.assert_allclose(np.linalg.norm(V, axis=0), 1, atol=1e-12)
    if kind == "rw":  # independent oracle: the non-symmetric eigenproblem itself
        ev = np.sort(scipy.linalg.eigvals(L).real)[:8]
        np.testing.assert_allclose(lam_d, ev, atol=1e-9)
    # simple eigenvalues (past the two zero ones): same eigenvectors up to the fixed sign
    np.testing.assert_allclose(V_l[:, 2:], V_d[:, 2:], atol=1e-6)


def test_fully_connected_dense_and_lanczos_agree():
    X, _ = make_dataset("circles", 150, noise=0.05, seed=1)
    W = S.similarity_matrix(X, sigma=0.2)
    for kind in S.LAPLACIANS:
        a, _ = S.laplacian_eigenpairs(W, 5, kind=kind, solver="dense")
        b, _ = S.laplacian_eigenpairs(W, 5, kind=kind, solver="lanczos")
        np.testing.assert_allclose(a, b, atol=1e-8)


@pytest.mark.parametrize("k", [2, 3, 5, 9])
def test_zero_multiplicity_equals_components(k):
    X, _ = make_dataset("rings", 240, noise=0.1, seed=4)
    W = S.similarity_matrix(X, sigma=0.5, n_neighbors=k)
    n_comp, _ = csgraph_components(W, directed=False)
    assert S.connected_components(W)[0] == n_comp
    m = min(n_comp + 3, 40)
    for kind in S.LAPLACIANS:
        for solver in S.SOLVERS:
            lam, _ = S.laplacian_eigenpairs(W, m, kind=kind, solver=solver)
            assert S.n_zero_eigenvalues(lam) == n_comp, (kind, solver, lam[: n_comp + 1])
            assert lam[n_comp] > 1e-6


def test_fiedler_vector_of_path_graph_closed_form():
    n = 12
    A = np.diag(np.ones(n - 1), 1)
    A = A + A.T
    lam2, u = S.fiedler_vector(A)
    # path graph: lambda_2 = 2 - 2 cos(pi/n), u_i ~ cos(pi (i + 1/2) / n)
    assert lam2 == pytest.approx(2 - 2 * np.cos(np.pi / n), abs=1e-12)
    ref = np.cos(np.pi * (np.arange(n) + 0.5) / n)
    ref /= np.linalg.norm(ref)
    assert abs(abs(u @ ref) - 1) < 1e-12
    assert abs(u.sum()) < 1e-12 and np.linalg.norm(u) == pytest.approx(1)
    assert 0.5 * u @ (S.graph_laplacian(A, "unnormalized") @ u) == pytest.approx(lam2 / 2, abs=1e-12)
    lam2_l, u_l = S.fiedler_vector(A, solver="lanczos")
    assert lam2_l == pytest.approx(lam2, abs=1e-10)
    np.testing.assert_allclose(u_l, u, atol=1e-8)


def test_fiedler_vector_splits_two_clusters():
    X, y = make_dataset("moons", 200, noise=0.05, seed=0)
    W = S.similarity_matrix(X, sigma=0.2, n_neighbors=20)
    assert S.connected_components(W)[0] == 1
    lam2, u = S.fiedler_vector(W, kind="sym")
    assert lam2 > 0
    assert adjusted_rand_score(y, (u > 0).astype(int)) > 0.95


def test_eigengap_finds_three_blobs():
    X, _ = make_dataset("blobs", 150, noise=0.0, seed=0)
    W = S.similarity_matrix(X, sigma=1.0)
    lam, _ = S.laplacian_eigenpairs(W, 10, kind="sym")
    k, gaps = S.eigengap(lam)
    assert k == 3
    np.testing.assert_allclose(gaps, np.diff(lam))
    assert S.eigengap(lam, max_clusters=2)[0] in (1, 2)
    with pytest.raises(ValueError):
        S.eigengap([0.0])


def test_reference_lambda2_orders_of_magnitude():
    ref = S.two_cluster_lambda2()
    assert abs(ref["disconnected_knn"]) < 1e-13  # course: about 1e-15 (machine zero)
    assert 3e-3 < ref["connected_knn"] < 3e-2  # course: 8.7e-3
    assert ref["fully_connected"] == pytest.approx(0.40, abs=0.02)  # course: 0.40


# ---------------------------------------------------------------------------------------------- clustering
def test_kmeans_matches_sklearn_and_is_deterministic():
    X, y = make_dataset("blobs", 300, noise=0.0, seed=5)
    labels, centers, inertia = S.kmeans(X, 3, seed=0, full_output=True)
    km = KMeans(3, n_init=10, random_state=0).fit(X)
    assert adjusted_rand_score(labels, km.labels_) == pytest.approx(1.0)
    assert inertia == pytest.approx(km.inertia_, rel=1e-9)
    assert inertia == pytest.approx(np.sum((X - centers[labels]) ** 2), rel=1e-12)
    np.testing.assert_array_equal(S.kmeans(X, 3, seed=0), labels)
    assert labels.dtype == np.int64 and set(labels) == {0, 1, 2}


@pytest.mark.parametrize("name,kw", [("moons", dict(sigma=0.3, n_neighbors=10)), ("circles", dict(sigma=0.1))])
def test_spectral_clustering_agrees_with_sklearn(name, kw):
    X, y = make_dataset(name, 300, noise=0.05, seed=0)
    ours = S.spectral_clustering(X, 2, seed=0, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # sklearn warns that a 0/1 kNN graph is disconnected
        sk = SpectralClustering(2, affinity="nearest_neighbors", n_neighbors=10, random_state=0).fit_predict(X)
    assert adjusted_rand_score(y, sk) >= 0.95  # the oracle itself solves the problem
    assert adjusted_rand_score(y, ours) >= 0.95
    assert adjusted_rand_score(sk, ours) >= 0.95
    # and on exactly the same graph
    W = S.similarity_matrix(X, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sk_same = SpectralClustering(2, affinity="precomputed", random_state=0).fit_predict(W)
    assert adjusted_rand_score(sk_same, ours) >= 0.95
    # raw k-means cannot separate them
    assert adjusted_rand_score(y, S.kmeans(X, 2, seed=0)) < 0.5


@pytest.mark.parametrize("laplacian", S.LAPLACIANS)
@pytest.mark.parametrize("solver", ["dense", "lanczos"])
def test_spectral_clustering_every_laplacian(moons, laplacian, solver):
    X, y = moons
    labels = S.spectral_clustering(X, 2, sigma=0.3, n_neighbors=10, laplacian=laplacian, solver=solver)
    assert adjusted_rand_score(y, labels) >= 0.95
    np.testing.assert_array_equal(
        labels, S.spectral_clustering(X, 2, sigma=0.3, n_neighbors=10, laplacian=laplacian, solver=solver)
    )


def test_spectral_embedding_rows_normalized_and_separated(moons, knn_moons):
    _, y = moons
    U = S.spectral_embedding(knn_moons, 2)
    np.testing.assert_allclose(np.linalg.norm(U, axis=1), 1, atol=1e-12)
    # disconnected graph (2 components): NJW maps each moon to one point (up to round-off)
    assert S.connected_components(knn_moons)[0] == 2
    for c in (0, 1):
        assert np.ptp(U[y == c], axis=0).max() < 1e-8
    U_un = S.spectral_embedding(knn_moons, 2, laplacian="unnormalized")
    assert not np.allclose(np.linalg.norm(U_un, axis=1), 1)


def test_three_rings_spectral_vs_kmeans():
    X, y = make_dataset("rings", 450, noise=0.1, seed=0)
    W = S.similarity_matrix(X, sigma=0.3, n_neighbors=15)
    assert S.connected_components(W)[0] == 1  # one connected graph: the eigenvectors must find the rings
    labels = S.spectral_clustering(X, 3, sigma=0.3, n_neighbors=15)
    assert adjusted_rand_score(y, labels) >= 0.95
    assert adjusted_rand_score(y, S.kmeans(X, 3)) < 0.3


# ---------------------------------------------------------------------------------------------- semi-supervised
def test_semi_supervised_recovers_three_rings():
    X, y = make_dataset("rings", 300, noise=0.1, seed=0)
    W = S.similarity_matrix(X, sigma=0.3, n_neighbors=10)
    assert S.connected_components(W)[0] == 1  # the rings touch: labels must travel along the graph
    rng = np.random.default_rng(0)
    idx = np.concatenate([rng.choice(np.flatnonzero(y == c), 3, replace=False) for c in range(3)])
    alpha = 1.0
    L = S.graph_laplacian(W, "unnormalized")
    pred, F = S.semi_supervised(L, idx, y[idx], 3, alpha)
    assert np.mean(pred == y) >= 0.95
    np.testing.assert_array_equal(pred[idx], y[idx])
    # oracle: the normal equations (P'P + alpha L) F = P'C, built and solved densely
    P = np.zeros((idx.size, 300))
    P[np.arange(idx.size), idx] = 1
    C = np.eye(3)[y[idx]]
    F_ref = np.linalg.solve(P.T @ P + alpha * L.toarray(), P.T @ C)
    np.testing.assert_allclose(F, F_ref, atol=1e-10)
    pred_d, F_d = S.semi_supervised(L.toarray(), idx, y[idx], 3, alpha)
    np.testing.assert_allclose(F_d, F_ref, atol=1e-10)


def test_semi_supervised_rejects_unlabelled_component():
    X, y = make_dataset("rings", 300, noise=0.1, seed=0)
    W = S.similarity_matrix(X, sigma=0.3, n_neighbors=3)
    assert S.connected_components(W)[0] > 3
    L = S.graph_laplacian(W, "unnormalized")
    with pytest.raises(ValueError, match="no labelled node"):
        S.semi_supervised(L, [0, 1, 2], y[:3], 3, 1.0)
    with pytest.raises(ValueError, match="alpha"):
        S.semi_supervised(L, [0], [0], 3, 0.0)
    with pytest.raises(ValueError, match="labels"):
        S.semi_supervised(L, [0], [5], 3, 1.0)


# ---------------------------------------------------------------------------------------------- ARI
def test_adjusted_rand_index_matches_scikit_learn():
    rng = np.random.default_rng(0)
    for trial in range(30):
        n = int(rng.integers(2, 60))
        a = rng.integers(0, int(rng.integers(1, 6)), n)
        b = rng.integers(0, int(rng.integers(1, 6)), n)
        assert S.adjusted_rand_index(a, b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)
    a = rng.integers(0, 3, 200)
    assert S.adjusted_rand_index(a, (a + 1) % 3) == pytest.approx(1.0)  # cluster numbers do not matter
    assert S.adjusted_rand_index(a, np.where(a == 0, 7, a)) == pytest.approx(1.0)
    # special cases where the denominator vanishes
    for x, y in [([0, 0, 0], [1, 1, 1]), ([0, 1, 2], [2, 0, 1]), ([5], [3])]:
        assert S.adjusted_rand_index(x, y) == pytest.approx(adjusted_rand_score(x, y))
    X, y = make_dataset("circles", 300, noise=0.05, seed=0)
    lab = S.kmeans(X, 2, seed=0)
    assert S.adjusted_rand_index(y, lab) == pytest.approx(adjusted_rand_score(y, lab), abs=1e-12)
    with pytest.raises(ValueError, match="same length"):
        S.adjusted_rand_index([0, 1], [0])


def test_lanczos_maxiter_caps_a_hopeless_run():
    from scipy.sparse.linalg import ArpackNoConvergence

    X, _ = make_dataset("moons", 300, noise=0.1, seed=0)
    # sigma = 0.01: the graph is numerically disconnected into many pieces, a cluster of > 20 zero eigenvalues
    W = S.similarity_matrix(X, sigma=0.01)
    lam, _ = S.laplacian_eigenpairs(W, 20, kind="sym", solver="dense")
    assert S.n_zero_eigenvalues(lam) == 20
    with pytest.raises(ArpackNoConvergence):
        S.laplacian_eigenpairs(W, 20, kind="sym", solver="lanczos", maxiter=20)
    # a well-separated spectrum converges within a few restarts, and maxiter does not change the result
    W = S.similarity_matrix(X, sigma=0.3, n_neighbors=10)
    for kind in S.LAPLACIANS:
        dense, _ = S.laplacian_eigenpairs(W, 20, kind=kind, solver="dense")
        lanczos, _ = S.laplacian_eigenpairs(W, 20, kind=kind, solver="lanczos", maxiter=20)
        np.testing.assert_allclose(lanczos, dense, atol=1e-10)


# ---------------------------------------------------------------------------------------------- graph by name, helpers
def _brute_graph(X, graph, sigma, k, epsilon):
    """A double-loop oracle of the four graphs: Gaussian weights on the edges chosen by name."""
    n = X.shape[0]
    D = np.array([[np.sum((X[i] - X[j]) ** 2) for j in range(n)] for i in range(n)])
    W = np.exp(-D / (2 * sigma**2))
    np.fill_diagonal(W, 0.0)
    if graph == "epsilon":
        W[np.sqrt(D) > epsilon] = 0.0
    elif graph in ("knn", "mutual_knn"):
        near = np.zeros((n, n), dtype=bool)
        for i in range(n):
            order = [j for j in np.argsort(D[i], kind="stable") if j != i][:k]
            near[i, order] = True
        W[~((near & near.T) if graph == "mutual_knn" else (near | near.T))] = 0.0
    return W


@pytest.mark.parametrize("graph", S.GRAPHS)
def test_similarity_graph_by_name_matches_a_double_loop(graph):
    X, _ = make_dataset("moons", 60, noise=0.1, seed=3)
    W = S.similarity_graph(X, graph, sigma=0.4, k=5, epsilon=0.3)
    np.testing.assert_allclose(dense(W), _brute_graph(X, graph, 0.4, 5, 0.3), rtol=1e-12, atol=0)
    assert sp.issparse(W) == (graph != "full")
    with pytest.raises(ValueError, match="unknown graph 'nope'; choose one of 'full', 'knn', 'mutual_knn', 'epsilon'"):
        S.similarity_graph(X, "nope")
    with pytest.raises(ValueError, match="at most n − 1 neighbours"):
        S.similarity_graph(X, "knn", k=60)


def test_edge_summary_and_edge_list_match_a_loop():
    X, _ = make_dataset("blobs", 40, noise=0.1, seed=1)
    for W in (S.similarity_matrix(X, sigma=0.5), S.similarity_matrix(X, sigma=0.5, n_neighbors=4)):
        M = dense(W)
        pairs = [(i, j, M[i, j]) for i in range(40) for j in range(i + 1, 40) if M[i, j] > 0]
        assert S.edge_summary(W) == (len(pairs), min(w for _, _, w in pairs))
        i, j, w, total = S.edge_list(W)
        assert total == len(pairs) and sorted(zip(i, j)) == sorted((a, b) for a, b, _ in pairs)
        np.testing.assert_array_equal(w, M[i, j])
        heavy = [p for p in pairs if p[2] > 0.1]
        i, j, w, total = S.edge_list(W, max_edges=10, min_weight=0.1)
        assert total == len(heavy) and i.size == min(10, len(heavy)) and np.all(w > 0.1) and np.all(i < j)
    assert S.edge_summary(np.zeros((3, 3))) == (0, 0.0)


def test_nearest_neighbour_distance_matches_brute_force():
    from scipy.spatial.distance import cdist

    X, _ = make_dataset("rings", 150, noise=0.1, seed=2)
    D = cdist(X, X)
    np.fill_diagonal(D, np.inf)
    assert S.nearest_neighbour_distance(X) == pytest.approx(np.median(D.min(axis=1)), rel=1e-12)


def test_suggest_clusters_zero_multiplicity_first_then_eigengap():
    assert S.suggest_clusters([0.0, 1e-16, 2e-16, 0.5, 0.6]) == 3  # three components
    assert S.suggest_clusters([0.0, 1e-16, 0.01, 0.02, 1.5, 1.6]) == 2  # zeros win over the larger gap after λ4
    assert S.suggest_clusters([0.0, 0.01, 0.02, 0.5, 0.6]) == 3  # connected: the eigengap
    assert S.suggest_clusters([0.0] * 12 + [1.0], max_clusters=10) <= 10  # more zeros than allowed: the eigengap
    with pytest.raises(ValueError):
        S.suggest_clusters([0.0])


def test_normalize_rows_matches_sklearn():
    from sklearn.preprocessing import normalize

    U = np.random.default_rng(0).standard_normal((20, 3))
    U[4] = 0.0
    np.testing.assert_allclose(S.normalize_rows(U), normalize(U), rtol=1e-14, atol=0)
    X, _ = make_dataset("moons", 200, noise=0.05, seed=0)
    W = S.similarity_matrix(X, sigma=0.3, n_neighbors=8)
    np.testing.assert_allclose(S.normalize_rows(S.laplacian_eigenpairs(W, 2)[1]), S.spectral_embedding(W, 2))


def test_two_cluster_graphs_give_the_course_lambda2():
    """The reference values of the page: lambda_2 = 0 to round-off (measured 2.7e-16; course 1.9e-15), 1.0e-2
    (course 8.7e-3) and 0.405 (course 0.40), each from scipy's eigvalsh of the explicit normalized Laplacian."""
    X, graphs = S.two_cluster_graphs()
    assert X.shape == (200, 2)
    lam2 = {g: scipy.linalg.eigvalsh(dense(csgraph_laplacian(dense(W), normed=True)))[1] for g, W in graphs.items()}
    assert abs(lam2["disconnected_knn"]) < 1e-12
    assert lam2["connected_knn"] == pytest.approx(1.0e-2, rel=0.01)
    assert lam2["fully_connected"] == pytest.approx(0.405, abs=1e-3)
    ours = S.two_cluster_lambda2()
    for g in graphs:
        assert ours[g] == pytest.approx(lam2[g], rel=1e-9, abs=1e-13)
    assert [csgraph_components(sp.csr_matrix(W))[0] for W in graphs.values()] == [2, 1, 1]
    assert set(S.COURSE_LAMBDA2) == set(graphs) and S.TOY_SPECTRUM == (0.0, 1.0, 2.0, 4.0, 5.0)
    # issue 8: the course's values (slides, 01-NumDNN-Unsupervised), not a rounded 1e-15
    assert S.COURSE_LAMBDA2 == {"disconnected_knn": 1.9e-15, "connected_knn": 8.7e-3, "fully_connected": 0.40}


def test_docstrings_have_no_control_characters():
    """Issue 8: adjusted_rand_index's docstring had control characters (a backslash escape in a non-raw string)."""
    for name in S.__all__:
        doc = inspect.getdoc(getattr(S, name)) or ""
        assert not [c for c in doc if ord(c) < 32 and c != "\n"], name
    assert r"\binom{n_{ij}}{2}" in S.adjusted_rand_index.__doc__  # the LaTeX survives, not a backspace + "inom"

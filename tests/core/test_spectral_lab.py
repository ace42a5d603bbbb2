"""numdl_core.spectral_lab: each study against the same experiment redone step by step with independent tools
(scikit-learn's adjusted_rand_score and SpectralClustering, scipy.linalg.eigvalsh, scipy.sparse.csgraph), and the
course's reference values (toy spectrum {0, 1, 2, 4, 5}; lambda_2 about 1e-15, 8.7e-3, 0.40)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.linalg
from scipy.sparse.csgraph import connected_components, laplacian
from sklearn.cluster import SpectralClustering
from sklearn.metrics import adjusted_rand_score

from numdl_core import spectral as S
from numdl_core import spectral_lab as lab
from numdl_core.checks import Agreement
from numdl_core.data import make_dataset


@pytest.mark.parametrize("kw", [{}, {"dataset": "circles", "noise": 0.05}, {"dataset": "blobs", "laplacian": "rw"},
                                {"graph": "full", "solver": "lanczos", "clusters": "eigengap"}])
def test_clustering_study_equals_the_steps_and_scikit_learn(kw):
    r = lab.clustering_study(**kw)
    p = {"dataset": "moons", "n": 300, "noise": 0.1, "seed": 0, "graph": "knn", "laplacian": "sym", **kw}
    X, y = make_dataset(p["dataset"], p["n"], p["noise"], seed=p["seed"])
    W = S.similarity_graph(X, p["graph"], sigma=0.3, k=10, epsilon=0.3)
    Wd = W.toarray() if hasattr(W, "toarray") else W
    ref = scipy.linalg.eigvalsh(laplacian(Wd, normed=p["laplacian"] != "unnormalized"))[:20]
    np.testing.assert_allclose(r.eigenvalues, ref, atol=1e-10)
    assert r.numbers["components"] == connected_components(Wd, directed=False)[0] == r.n_components
    assert r.numbers["edges"] == np.count_nonzero(np.triu(Wd, 1))
    assert r.ari == pytest.approx(adjusted_rand_score(y, r.labels), abs=1e-12)
    assert r.ari_kmeans == pytest.approx(adjusted_rand_score(y, r.labels_kmeans), abs=1e-12)
    assert all(c.passed for c in r.checks)
    assert any(isinstance(c, Agreement) for c in r.checks) == (r.runs["lanczos"].error is None)
    if p["dataset"] == "moons" and p["graph"] == "knn":  # the same graph in scikit-learn's pipeline
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            sk = SpectralClustering(2, affinity="precomputed", random_state=0).fit_predict(W)
        assert adjusted_rand_score(sk, r.labels) >= 0.95 and r.ari > 0.9 > 0.5 > r.ari_kmeans


def test_clustering_study_failures_are_explained():
    with pytest.raises(ValueError, match="The graph is empty"):
        lab.clustering_study(graph="epsilon", epsilon=0.01, n=20)
    r = lab.clustering_study(graph="full", sigma=0.01, solver="lanczos")
    assert r.solver == "dense" and "Lanczos eigsh failed" in r.warnings[0] and "Krylov" in r.warnings[0]
    assert r.numbers["zero eigenvalues"] == 20 and not r.checks[-1].passed
    r = lab.clustering_study(graph="epsilon", epsilon=0.02)
    assert any("connected components but you ask for 2 clusters" in t for t in r.notes)
    r = lab.clustering_study(n=1100, solver="lanczos")
    assert list(r.runs) == ["lanczos"] and any("Dense eigh skipped" in t for t in r.notes)


def test_toy_study_reference_numbers():
    r = lab.toy_study()
    np.testing.assert_allclose([r.numbers[f"λ{i}"] for i in range(1, 6)], S.TOY_SPECTRUM, atol=1e-12)
    assert r.checks[0].passed and r.checks[0].rel_error < 1e-12  # agreement with {0, 1, 2, 4, 5}
    assert r.numbers["power rate (theory)"] == pytest.approx(6 / 7)
    assert r.numbers["inverse rate (theory)"] == pytest.approx(0.5)
    np.testing.assert_allclose(r.degrees, [2, 4, 3, 2, 1])
    cut = lab.toy_study(cut=True, laplacian="sym", solver="lanczos")
    assert cut.numbers["components"] == 2 == cut.numbers["zero eigenvalues"] and "inverse" not in cut.iterations
    assert cut.lanczos.size == 2 and not cut.warnings and any("at most n − 2 = 3" in t for t in cut.notes)
    np.testing.assert_allclose(cut.lanczos, cut.eigenvalues[:2], atol=1e-10)
    with pytest.raises(ValueError):
        lab.toy_study(solver="qr")


def test_ring_study_accuracy_against_a_loop():
    r = lab.ring_study()
    rest = np.setdiff1d(np.arange(r.y.size), r.labelled)
    assert r.numbers["accuracy (graph) %"] == pytest.approx(100 * np.mean(r.predicted[rest] == r.y[rest]))
    assert r.numbers["accuracy (graph) %"] > 95 > 80 > r.numbers["nearest labelled point %"]
    assert r.numbers["labelled points"] == 9 and r.warnings == ()
    broken = lab.ring_study(k=3)
    assert broken.predicted is None and "accuracy (graph) %" not in broken.numbers
    assert broken.missing > 0 and "hold no labelled point" in broken.warnings[0]
    assert lab.ring_study(graph="full", sigma=1.0).numbers["accuracy (graph) %"] < 60


def test_lambda2_study_course_values():
    r = lab.lambda2_study()
    assert abs(r.values["disconnected_knn"]) < 1e-12  # measured 2.7e-16; course 1.9e-15
    assert r.values["connected_knn"] == pytest.approx(1.0e-2, rel=0.01)  # course 8.7e-3
    assert r.values["fully_connected"] == pytest.approx(0.405, abs=1e-3)  # course 0.40
    assert r.values == S.two_cluster_lambda2() and all(c.passed for c in r.checks.values())
    assert r.components == {"disconnected_knn": 2, "connected_knn": 1, "fully_connected": 1} and r.warnings == ()
    assert "is connected" in lab.lambda2_study(k_disconnected=14).warnings[0]


def test_lanczos_is_asked_only_for_the_few_eigenpairs_needed(monkeypatch):
    """Issue 8: eigsh gets k << n (the point of Lanczos), never k = n - 1 or n - 2 of a matrix it could do whole."""
    import scipy.sparse.linalg as spla
    asked, eigsh = [], spla.eigsh

    def spy(A, k=6, *args, **kwargs):
        asked.append((A.shape[0], k))
        return eigsh(A, k, *args, **kwargs)

    monkeypatch.setattr(spla, "eigsh", spy)
    lab.toy_study(solver="lanczos")
    assert asked == [(5, 2)]  # lambda_1, lambda_2 (the Fiedler vector), not all 5 and not n - 2 = 3
    asked.clear()
    lab.clustering_study(n=300, solver="lanczos")
    assert asked == [(300, lab.N_EIG)] and lab.N_EIG <= 300 // 10  # the 20 eigenvalues on screen
    asked.clear()
    X, _ = make_dataset("blobs", 400, 0.05, seed=0)
    S.spectral_clustering(X, 3, sigma=0.5)  # "auto": Lanczos above 200 points, k = the number of clusters
    assert asked == [(400, 3)]
    asked.clear()
    lab.lambda2_study(solver="lanczos")
    assert asked and all(k == 2 for _, k in asked)


def test_cluster_points_on_given_points_against_scipy_and_scikit_learn():
    """A student's own points: the Laplacian's spectrum against scipy, the ARI against scikit-learn."""
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal((-1, 0), 0.2, (40, 2)), rng.normal((1, 0), 0.2, (40, 2))])
    y = np.repeat([0, 1], 40)
    r = lab.cluster_points(X, y)
    W = S.similarity_graph(X, "knn", sigma=0.3, k=10, epsilon=0.3)
    Wd = W.toarray() if hasattr(W, "toarray") else W
    np.testing.assert_allclose(r.eigenvalues, scipy.linalg.eigvalsh(laplacian(Wd, normed=True))[:20], atol=1e-10)
    assert r.ari == pytest.approx(adjusted_rand_score(y, r.labels), abs=1e-12) and r.ari == 1.0
    for bad_X, bad_y, words in [(X[:, :1], y, "shape"), (X[:3], y[:3], "n >= 4"), (X * np.nan, y, "NaN"),
                                (X, y + 0.5, "whole label"), (X, y[:5], "one whole label")]:
        with pytest.raises(ValueError, match=words):
            lab.cluster_points(bad_X, bad_y)


def test_semi_supervised_points_is_ring_study_on_given_points():
    """ring_study = semi_supervised_points on the rings it draws; on two blobs it reaches 100 %."""
    r = lab.ring_study(per_ring=4, k=8)
    X, y = make_dataset("rings", 300, 0.1, seed=0)
    s = lab.semi_supervised_points(X, y, per_class=4, k=8)
    np.testing.assert_array_equal(r.predicted, s.predicted)
    assert r.accuracy == s.accuracy and r.numbers == s.numbers
    rng = np.random.default_rng(1)
    X2 = np.vstack([rng.normal((-2, 0), 0.3, (30, 2)), rng.normal((2, 0), 0.3, (30, 2))])
    y2 = np.repeat([0, 1], 30)
    b = lab.semi_supervised_points(X2, y2, per_class=2, k=6)
    assert b.accuracy == 1.0 and b.numbers["labelled points"] == 4
    with pytest.raises(ValueError, match="whole label"):
        lab.semi_supervised_points(X2, y2 - 0.5)

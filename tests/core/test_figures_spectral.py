"""Figures of the spectral-clustering page: built from real numdl_core.spectral results, checked for content."""
from __future__ import annotations

import itertools

import numpy as np
import plotly.graph_objects as go
import pytest

from app.figures import spectral as F
from app.style import PALETTE
from numdl_core import spectral as S
from numdl_core.data import make_dataset


@pytest.fixture(scope="module")
def moons_graph():
    X, y = make_dataset("moons", 200, noise=0.05, seed=0)
    W = S.similarity_matrix(X, sigma=0.3, n_neighbors=8)
    return X, y, W


def _edge_segments(trace):
    x, y = list(trace.x), list(trace.y)
    assert len(x) % 3 == 0
    assert all(v is None for v in x[2::3]) and all(v is None for v in y[2::3])
    return [((x[k], y[k]), (x[k + 1], y[k + 1])) for k in range(0, len(x), 3)]


def test_graph_edges_of_toy_graph():
    _, A = S.toy_graph()
    i, j, w, total = F.graph_edges(A)
    assert total == 6
    assert {(int(a) + 1, int(b) + 1) for a, b in zip(i, j)} == {(1, 2), (2, 3), (1, 3), (3, 4), (2, 4), (2, 5)}
    np.testing.assert_array_equal(w, 1)
    i, j, w, total = F.graph_edges(A, max_edges=3)
    assert total == 6 and i.size == 3


def test_graph_figure_toy_with_fiedler_colours():
    Y, A = S.toy_graph()
    lam2, u = S.fiedler_vector(A)
    fig = F.graph_figure(Y, A, values=u, value_name="Fiedler", node_text=list("12345"), title="toy")
    assert isinstance(fig, go.Figure)
    edges, nodes = fig.data
    segs = _edge_segments(edges)
    assert len(segs) == 6
    pts = {tuple(p) for p in Y}
    assert all(a in pts and b in pts for a, b in segs)
    np.testing.assert_allclose(np.asarray(nodes.marker.color, dtype=float), u)
    assert nodes.marker.cmin == -nodes.marker.cmax == -np.max(np.abs(u))
    assert list(nodes.text) == list("12345")
    assert fig.layout.yaxis.scaleanchor == "x"


def test_graph_figure_knn_labels_and_caps(moons_graph):
    X, y, W = moons_graph
    fig = F.graph_figure(X, W, labels=y)
    assert len(_edge_segments(fig.data[0])) == W.nnz // 2
    assert fig.data[0].name == f"edges ({W.nnz // 2})"
    cls = [t for t in fig.data[1:]]
    assert [t.name for t in cls] == ["cluster 0", "cluster 1"]
    assert sum(len(t.x) for t in cls) == len(y)
    assert cls[1].marker.color == PALETTE[1]
    fig = F.graph_figure(X, W, max_edges=100)
    assert len(_edge_segments(fig.data[0])) == 100 and f"of {W.nnz // 2}" in fig.data[0].name
    # fully connected graph, negligible weights hidden
    Wf = S.similarity_matrix(X, sigma=0.3)
    fig = F.graph_figure(X, Wf, min_weight=0.5, max_edges=10**6)
    assert len(_edge_segments(fig.data[0])) == int(np.sum(np.triu(Wf, 1) > 0.5))
    with pytest.raises(ValueError, match="one entry per point"):
        F.graph_figure(X, W, values=np.ones(3))
    with pytest.raises(ValueError, match="must be 10 x 10"):
        F.graph_figure(X[:10], W)


def test_graph_figure_large_uses_webgl():
    X, y = make_dataset("moons", 1500, noise=0.1, seed=0)
    W = S.similarity_matrix(X, sigma=0.1, n_neighbors=10)
    fig = F.graph_figure(X, W, labels=y)
    assert fig.data[0].type == "scattergl" and len(_edge_segments(fig.data[0])) == F.MAX_EDGES
    assert all(t.type == "scattergl" for t in fig.data[1:])


def test_spectrum_figure_toy_and_components(moons_graph):
    _, A = S.toy_graph()
    lam, _ = S.laplacian_eigenpairs(A, 5, kind="unnormalized")
    fig = F.spectrum_figure(lam)
    main, zeros, gap = fig.data
    np.testing.assert_allclose(main.y, lam)
    np.testing.assert_array_equal(main.x, [1, 2, 3, 4, 5])
    assert len(zeros.x) == 1 and "× 1" in zeros.name
    k = int(np.argmax(np.diff(lam)) + 1)  # toy spectrum 0,1,2,4,5: largest gap 2 -> 4 after lambda_3
    assert k == 3 and list(gap.x) == [3.5, 3.5]
    assert fig.layout.shapes[0].x0 == 3 and fig.layout.shapes[0].x1 == 4
    assert any("multiplicity of 0: 1" in a.text for a in fig.layout.annotations)
    # two components: zero eigenvalue twice; log axis leaves out exact zeros only
    _, _, W = moons_graph
    lam, _ = S.laplacian_eigenpairs(W, 8)
    n_comp = S.connected_components(W)[0]
    fig = F.spectrum_figure(lam, log_y=True, gap_index=2)
    assert len(fig.data[1].x) == n_comp == 2
    assert fig.layout.yaxis.type == "log"
    assert np.all(np.isnan(np.asarray(fig.data[0].y, dtype=float)) == (lam == 0))
    assert list(fig.data[2].x) == [2.5, 2.5]
    with pytest.raises(ValueError, match="gap_index"):
        F.spectrum_figure(lam, gap_index=8)


def test_embedding_figure(moons_graph):
    _, y, W = moons_graph
    U = S.spectral_embedding(W, 3)
    fig = F.embedding_figure(U, y, dims=(0, 2))
    pts = np.concatenate([np.c_[t.x, t.y] for t in fig.data])
    ref = np.concatenate([U[y == c][:, [0, 2]] for c in (0, 1)])
    np.testing.assert_allclose(pts, ref)
    assert fig.layout.xaxis.title.text == "u₁" and fig.layout.yaxis.title.text == "u₃"
    fig1 = F.embedding_figure(U[:, 1])
    np.testing.assert_allclose(fig1.data[0].y, U[:, 1])
    with pytest.raises(ValueError, match="dims"):
        F.embedding_figure(U, dims=(0, 3))


def test_match_labels_against_brute_force():
    rng = np.random.default_rng(0)
    ref = rng.integers(0, 4, 60)
    perm = np.array([2, 0, 3, 1])
    lab = perm[ref]
    lab[:5] = rng.integers(0, 4, 5)
    out = F.match_labels(ref, lab)
    best = max(itertools.permutations(range(4)), key=lambda p: np.sum(np.array(p)[lab] == ref))
    np.testing.assert_array_equal(out, np.array(best)[lab])
    np.testing.assert_array_equal(F.match_labels(ref, perm[ref]), ref)


def test_clusters_figure_side_by_side():
    X, y = make_dataset("moons", 200, noise=0.05, seed=0)
    sc = S.spectral_clustering(X, 2, sigma=0.3, n_neighbors=10)
    km = S.kmeans(X, 2)
    fig = F.clusters_figure(X, sc, km)
    assert [a.text for a in fig.layout.annotations] == ["spectral clustering", "k-means on raw data"]
    left = [t for t in fig.data if t.xaxis == "x"]
    right = [t for t in fig.data if t.xaxis == "x2"]
    assert sum(len(t.x) for t in left) == sum(len(t.x) for t in right) == 200
    # colours matched: the right panel's colour-0 points overlap the left's colour-0 points the most
    km_m = F.match_labels(sc, km)
    assert np.sum(km_m == sc) >= np.sum((1 - km_m) == sc)
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis2.scaleanchor == "x2"


def test_matrix_figures_toy():
    _, A = S.toy_graph()
    D = np.diag(S.degrees(A))
    L = S.graph_laplacian(A, "unnormalized")
    fig = F.matrices_figure({"A": A, "D": D, "L": L})
    assert [t.type for t in fig.data] == ["heatmap"] * 3
    for t, M in zip(fig.data, (A, D, L)):
        np.testing.assert_array_equal(np.asarray(t.z), M)
        assert t.zmax == 4 and t.zmin == -4
    assert [t.showscale for t in fig.data] == [False, False, True]
    fig = F.matrix_heatmap(L, title="L")
    assert fig.data[0].text[1][1] == "4" and fig.data[0].text[0][3] == "0"
    assert fig.layout.yaxis.autorange == "reversed"
    with pytest.raises(ValueError):
        F.matrices_figure({})


def test_semi_supervised_figure():
    X, y = make_dataset("rings", 300, noise=0.1, seed=0)
    W = S.similarity_matrix(X, sigma=0.3, n_neighbors=10)
    idx = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8])
    pred, _ = S.semi_supervised(S.graph_laplacian(W, "unnormalized"), idx, y[idx], 3, 1.0)
    fig = F.semi_supervised_figure(X, pred, idx, y[idx], truth=y)
    stars = [t for t in fig.data if t.name.startswith("labelled")]
    assert sum(len(t.x) for t in stars) == 9 and all(t.marker.symbol == "star" for t in stars)
    wrong = fig.data[-1]
    assert len(wrong.x) == int(np.sum(pred != y)) and wrong.name == f"wrong ({int(np.sum(pred != y))})"
    with pytest.raises(ValueError, match="same length"):
        F.semi_supervised_figure(X, pred, idx, y[:3])


def test_solver_timing_figure():
    fig = F.solver_timing_figure(["dense eigh", "Lanczos eigsh"], [0.5, 0.02], errors=[0.0, 3e-14])
    bar = fig.data[0]
    assert bar.type == "bar" and list(bar.x) == ["dense eigh", "Lanczos eigsh"]
    np.testing.assert_allclose(bar.y, [500, 20])
    assert fig.layout.xaxis.type == "category"
    assert "3.00e-14" in bar.hovertext[1]
    with pytest.raises(ValueError, match="same length"):
        F.solver_timing_figure(["a"], [1.0, 2.0])
    with pytest.raises(ValueError, match="non-negative"):
        F.solver_timing_figure(["a"], [-1.0])


def test_lambda2_figure():
    names = ["disconnected kNN", "connected kNN", "fully connected"]
    fig = F.lambda2_figure(names, [-3e-19, 1.0e-2, 0.405], [1e-15, 8.7e-3, 0.40])
    course, computed = fig.data
    assert course.name == "course" and computed.name == "computed"
    assert fig.layout.yaxis.type == "log" and fig.layout.barmode == "group"
    # the round-off value is drawn at the floor and labelled as zero; the others at |lambda_2|
    np.testing.assert_allclose(computed.y, [F.LAMBDA2_FLOOR, 1.0e-2, 0.405])
    assert computed.text[0].startswith("≈ 0") and computed.text[2] == "0.41"
    np.testing.assert_allclose(course.y, [1e-15, 8.7e-3, 0.40])
    only = F.lambda2_figure(names, [0.0, 1e-2, 0.4])
    assert len(only.data) == 1 and only.data[0].y[0] == F.LAMBDA2_FLOOR
    roundoff = F.lambda2_figure(names, [-1.6e-16, 1e-2, 0.4])  # a round-off lambda_2 shows its size, 1e-16
    assert roundoff.data[0].y[0] == pytest.approx(1.6e-16) and roundoff.data[0].text[0] == "-1.6e-16"
    with pytest.raises(ValueError, match="same length"):
        F.lambda2_figure(names, [1.0])
    with pytest.raises(ValueError, match="one value per graph"):
        F.lambda2_figure(names, [0.0, 1e-2, 0.4], [1.0])
    with pytest.raises(ValueError, match="finite"):
        F.lambda2_figure(names, [np.nan, 1e-2, 0.4])


def test_graph_figure_from_edges_matches_graph_figure():
    X, _ = make_dataset("moons", 120, noise=0.05, seed=0)
    W = S.similarity_matrix(X, sigma=0.3, n_neighbors=6)
    u = S.fiedler_vector(W)[1]
    ref = F.graph_figure(X, W, values=u, value_name="u₂")
    fig = F.graph_figure_from_edges(X, F.graph_edges(W), values=u, value_name="u₂")
    assert [t.type for t in fig.data] == [t.type for t in ref.data]
    assert fig.data[0].name == ref.data[0].name == f"edges ({W.nnz // 2})"
    # the same segments; NaN (not None) separates them
    x, y = np.asarray(fig.data[0].x, dtype=float), np.asarray(fig.data[0].y, dtype=float)
    assert np.all(np.isnan(x[2::3])) and np.all(np.isnan(y[2::3]))
    xr = np.array([np.nan if v is None else v for v in ref.data[0].x], dtype=float)
    np.testing.assert_array_equal(x, xr)
    np.testing.assert_array_equal(fig.data[1].marker.color, ref.data[1].marker.color)
    # a subsample names the total
    sub = F.graph_edges(W, max_edges=50)
    fig = F.graph_figure_from_edges(X, sub, labels=np.zeros(120, dtype=int))
    assert fig.data[0].name == f"edges (50 of {W.nnz // 2})" and len(fig.data[0].x) == 150
    assert fig.data[1].name == "cluster 0"
    empty = F.graph_figure_from_edges(X, (np.array([], int), np.array([], int), np.array([]), 0))
    assert empty.data[0].name == "edges (0)" and len(empty.data[0].x) == 0
    with pytest.raises(ValueError, match="node indices"):
        F.graph_figure_from_edges(X, (np.array([0]), np.array([500]), np.array([1.0]), 1))


def test_iteration_figure_residuals_and_theory_lines():
    """Power and inverse iteration on the toy graph: one residual curve each, and a dashed theory line through the
    last point with the closed-form rate (6/7 and 1/2)."""
    from numdl_core.eigensolvers import fiedler_iteration

    A = S.toy_graph()[1]
    its = {m: fiedler_iteration(A, method=m) for m in ("power", "inverse")}
    fig = F.iteration_figure(its, {"power": 6 / 7, "inverse": 0.5})
    names = [t.name for t in fig.data]
    assert names == ["power, c = 8", "inverse, s = 0", "power, c = 8: theory rate 0.857",
                     "inverse, s = 0: theory rate 0.5"]
    assert fig.layout.yaxis.type == "log"
    for curve, line, it, rate in zip(fig.data[:2], fig.data[2:], its.values(), (6 / 7, 0.5)):
        y, t = np.asarray(curve.y, dtype=float), np.asarray(line.y, dtype=float)
        np.testing.assert_allclose(y, it.residual, rtol=1e-6)  # float32 on the wire
        assert t[-1] == pytest.approx(y[-1], rel=1e-6) and t[-2] / t[-1] == pytest.approx(1 / rate, rel=1e-5)
        assert line.line.dash == "dash" and line.line.color == curve.line.color
    with pytest.raises(ValueError, match="one rate per iteration"):
        F.iteration_figure(its, {"power": 0.5})

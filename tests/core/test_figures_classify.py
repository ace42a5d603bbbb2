"""Figures of the classification page: built from real numdl_core results, checked for content."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from app.figures.classify import coding_figure, confusion_figure, loss_contours_figure, weight_mosaic_figure
from app.figures.common import class_colorscale, convergence_figure, decision_map_figure
from app.style import PALETTE
from numdl_core.classify import coding_example, decision_map, softmax_regression
from numdl_core.data import make_dataset
from numdl_core.optim import gradient_descent, newton_cg


@pytest.fixture(scope="module")
def fitted():
    X, y = make_dataset("blobs", 300, seed=0)
    obj = softmax_regression(X, y, 3, alpha=1e-2)
    for last in newton_cg(obj, np.zeros(obj.n_params), maxiter=30):
        pass
    return X, y, obj, last.x


def test_class_colorscale_is_stepped_palette():
    cs = class_colorscale(3)
    assert len(cs) == 6 and cs[0][0] == 0 and cs[-1][0] == 1
    assert cs[0][1] == cs[1][1] != cs[2][1]
    r, g, b = (int(PALETTE[1][i:i + 2], 16) for i in (1, 3, 5))
    assert cs[2][1].startswith(f"rgba({r},{g},{b},")


def test_decision_map_figure(fitted):
    X, y, obj, th = fitted
    gx, gy, lab = decision_map(lambda P: obj.predict(th, P), X, n=60)
    pred = obj.predict(th, X)
    fig = decision_map_figure(gx, gy, lab, X, y, n_classes=3, y_pred=pred)
    assert isinstance(fig, go.Figure)
    heat = fig.data[0]
    assert heat.type == "heatmap" and np.asarray(heat.z).shape == (60, 60)
    assert heat.zmin == -0.5 and heat.zmax == 2.5
    np.testing.assert_array_equal(np.asarray(heat.z), lab)
    pts = [t for t in fig.data if t.name and t.name.startswith("class")]
    assert [t.name for t in pts] == ["class 0", "class 1", "class 2"]
    assert sum(len(t.x) for t in pts) == len(y)
    assert pts[1].marker.color == PALETTE[1]
    wrong = fig.data[-1]
    assert len(wrong.x) == int(np.sum(pred != y)) and wrong.name.startswith("misclassified")
    # large data: WebGL points; too fine a map is thinned to at most 80 x 80
    Xb, yb = make_dataset("blobs", 1500, seed=1)
    gx, gy, lab = decision_map(lambda P: obj.predict(th, P), Xb, n=200)
    fig = decision_map_figure(gx, gy, lab, Xb, yb)
    assert np.asarray(fig.data[0].z).shape[0] <= 80 and np.asarray(fig.data[0].z).shape[1] <= 80
    assert all(t.type == "scattergl" for t in fig.data[1:])
    with pytest.raises(ValueError, match="len\\(gy\\), len\\(gx\\)"):
        decision_map_figure(gx, gy, lab.T[:5], Xb, yb)


def _two_panels(hist, f_star=0.0, **kw):
    """The page's two-panel convergence figure: loss gap on the left, gradient norm on the right."""
    its = {n: h.get("iteration", np.arange(len(h["loss"]))) for n, h in hist.items()}
    return convergence_figure({n: (its[n], np.asarray(h["loss"]) - f_star) for n, h in hist.items()},
                              right={n: (its[n], h["grad_norm"]) for n, h in hist.items()}, y_title="loss − f*", **kw)


def test_two_panel_convergence_figure(fitted):
    X, y, obj, th = fitted
    f_star = obj.loss(th)
    hist = {}
    runs = {
        "GD (step 1/L)": gradient_descent(obj, np.zeros(obj.n_params), step=1 / obj.lipschitz_bound(), maxiter=60),
        "Newton-CG": newton_cg(obj, np.zeros(obj.n_params), maxiter=60),
    }
    for name, gen in runs.items():
        steps = list(gen)
        hist[name] = {"loss": [s.loss for s in steps], "grad_norm": [s.grad_norm for s in steps]}
    fig = _two_panels(hist, f_star=f_star, diverged={"GD (step 1/L)": 60})
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis2.type == "log"
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 4
    assert lines[0].name == "GD (step 1/L)" and lines[0].xaxis == "x" and lines[1].xaxis == "x2"
    np.testing.assert_allclose(np.asarray(lines[1].y, dtype=float), hist["GD (step 1/L)"]["grad_norm"], rtol=1e-6)
    # loss gap: non-positive values (Newton reaching f* to round-off) become gaps, not log errors
    gap = np.asarray(lines[2].y, dtype=float)
    assert np.all(np.isnan(gap) | (gap > 0))
    assert "loss − f*" in fig.layout.annotations[0].text
    assert sum(1 for t in fig.data if t.mode == "markers+text") == 2


def test_loss_contours_figure(linear_landscapes):
    w1, w2, sq, ce = linear_landscapes[2:]
    fig = loss_contours_figure(w1, w2, sq, ce)
    contours = [t for t in fig.data if t.type == "contour"]
    assert len(contours) == 2
    np.testing.assert_array_equal(np.asarray(contours[1].z), ce)
    assert contours[0].xaxis == "x" and contours[1].xaxis == "x2"
    titles = [a.text for a in fig.layout.annotations]
    assert "squared" in titles[0] and "cross-entropy" in titles[1]
    stars = [t for t in fig.data if t.type == "scatter"]
    j, i = np.unravel_index(np.argmin(ce), ce.shape)
    assert stars[1].x[0] == w1[i] and stars[1].y[0] == w2[j]
    with pytest.raises(ValueError, match="shape"):
        loss_contours_figure(w1, w2, sq.T, ce)


def test_coding_figure():
    ex = coding_example()
    words = {name: c[1] for name, c in ex.codes.items()}
    fig = coding_figure(ex.bits, entropy=1.75, codewords=words)
    bar = fig.data[0]
    assert bar.type == "bar" and list(bar.x) == ["optimal", "uniform", "mismatched"]
    assert list(bar.y) == [1.75, 2.0, 2.25]
    assert list(bar.text) == ["1.75 bits", "2 bits", "2.25 bits"]
    assert list(bar.customdata) == ["0, 10, 110, 111", "00, 01, 10, 11", "10, 110, 0, 111"]
    assert any(s.y0 == 1.75 for s in fig.layout.shapes)


def test_confusion_figure():
    y_true = np.array([0, 0, 1, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 0, 2])
    fig = confusion_figure(y_true, y_pred, 3)
    heat = fig.data[0]
    assert heat.type == "heatmap"
    M = np.asarray(heat.z)
    np.testing.assert_array_equal(M, [[1, 1, 0], [0, 2, 0], [1, 0, 2]])  # rows true, columns predicted
    assert M.sum() == y_true.size and np.trace(M) == 5
    assert "71.4%" in fig.layout.title.text
    assert fig.layout.yaxis.autorange == "reversed"
    with pytest.raises(ValueError, match="same length"):
        confusion_figure(y_true, y_pred[:3], 3)
    with pytest.raises(ValueError, match="0..2"):
        confusion_figure(y_true, y_pred + 1, 3)


def test_two_panel_convergence_figure_marks_events_in_both_panels(fitted):
    hist = {"GD": {"loss": [1.0, 0.5, 0.25, 0.2], "grad_norm": [1.0, 0.3, 0.1, 0.05], "iteration": [0, 1, 2, 3]}}
    fig = _two_panels(hist, events=[(2, "step 1 → 5")])
    assert [s.x0 for s in fig.layout.shapes] == [2, 2]
    assert {s.xref for s in fig.layout.shapes} == {"x", "x2"}
    assert any(a.text == "step 1 → 5" for a in fig.layout.annotations)
    assert len([t for t in fig.data if t.mode == "lines"]) == 2


def test_weight_mosaic_figure():
    rng = np.random.default_rng(0)
    W1, W2 = rng.standard_normal((64, 10)), 1e-3 * rng.standard_normal((64, 10))
    fig = weight_mosaic_figure({"GD": W1, "Newton-CG": W2})
    heat = fig.data[0]
    Z, V = np.asarray(heat.z, dtype=float), np.asarray(heat.customdata, dtype=float)
    assert Z.shape == (17, 89)  # two rows of 8x8 images, ten per row, one blank line between
    np.testing.assert_allclose(V[:8, 9:17], W1[:, 1].reshape(8, 8), rtol=1e-7)  # class 1 of the first row (float32)
    np.testing.assert_allclose(V[9:17, :8], W2[:, 0].reshape(8, 8), rtol=1e-7)
    assert np.all(np.isnan(Z[8])) and np.all(np.isnan(Z[:, 8]))  # separators
    # each row scaled by its own max |W|: the tiny second row fills the colour range too
    assert np.nanmax(np.abs(Z[:8])) == pytest.approx(1.0) and np.nanmax(np.abs(Z[9:])) == pytest.approx(1.0)
    assert list(fig.layout.xaxis.ticktext) == [str(c) for c in range(10)]
    assert list(fig.layout.yaxis.ticktext) == ["GD", "Newton-CG"]
    # without hover values (a playing frame): the same picture in half the bytes
    lean = weight_mosaic_figure({"GD": W1, "Newton-CG": W2}, hover=False)
    levels = np.asarray(lean.data[0].z, dtype=float)  # uint8 levels: 127 (1 + Z), 255 for the separators
    np.testing.assert_array_equal(levels[np.isnan(Z)], 255)
    np.testing.assert_allclose(levels[~np.isnan(Z)], np.rint(127 * (1 + Z[~np.isnan(Z)])), atol=0)
    assert lean.data[0].customdata is None and len(lean.to_json()) < min(0.6 * len(fig.to_json()), 12_000)
    zero = weight_mosaic_figure({"L1": np.where(np.abs(W1) < 1, 0.0, W1)}, hover=False)  # exact zeros: the white middle
    assert np.sum(np.asarray(zero.data[0].z) == 127) == np.sum(np.abs(W1) < 1)
    with pytest.raises(ValueError, match="shape"):
        weight_mosaic_figure({"GD": W1[:10]})

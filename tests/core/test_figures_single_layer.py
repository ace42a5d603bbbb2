"""Figures of the single-layer page, built from real numdl_core results and checked for content."""
from __future__ import annotations

import itertools

import numpy as np
import plotly.graph_objects as go
import pytest

from app.figures.single_layer import (
    accuracy_curves_figure,
    inner_solve_figure,
    loss_surface_figure,
    singular_values_figure,
)
from app.figures.common import convergence_figure, decision_map_figure
from app.style import PALETTE
from numdl_core.checks import derivative_check
from numdl_core.classify import decision_map
from numdl_core.optim import CountingObjective, gauss_newton, gradient_descent, sgd
from numdl_core.single_layer import (
    SingleLayer,
    VarPro,
    elm_accuracy_vs_width,
    feature_singular_values,
    loss_surface,
    project_onto_plane,
    surface_directions,
    varpro,
)



def test_singular_values_figure(peaks_course):
    X = peaks_course[0]
    s = feature_singular_values(X, 40, seed=0)
    fig = singular_values_figure(s)
    assert isinstance(fig, go.Figure)
    lines = [t for t in fig.data if t.type == "scatter"]
    assert [t.name for t in lines] == ["sin", "tanh", "relu"]
    assert fig.layout.yaxis.type == "log"
    np.testing.assert_allclose(np.asarray(lines[1].y, dtype=float), s["tanh"] / s["tanh"][0])
    assert [t.line.color for t in lines] == list(PALETTE[:3])
    # exact zeros (dead ReLU features) become gaps, not log-axis errors
    relu_y = np.asarray(lines[2].y, dtype=float)
    assert np.all(np.isnan(relu_y[s["relu"] <= 0]))
    assert any(sh.y0 == np.finfo(float).eps for sh in fig.layout.shapes)
    raw = singular_values_figure(s, relative=False)
    np.testing.assert_allclose(np.asarray(raw.data[0].y, dtype=float), s["sin"])


def test_accuracy_against_width_figure(peaks_course):
    X, y, Xv, yv = peaks_course
    w, tr, va = elm_accuracy_vs_width(X, y, [5, 20, 60], Xv, yv)
    fig = accuracy_curves_figure(w, tr, va, x_title="width (hidden neurons)", log_x=True, markers=True, current=20)
    assert [t.name for t in fig.data] == ["training", "validation"]
    assert all(t.mode == "lines+markers" for t in fig.data) and fig.layout.xaxis.type == "log"
    np.testing.assert_array_equal(np.asarray(fig.data[0].x, dtype=float), w)
    np.testing.assert_allclose(np.asarray(fig.data[1].y, dtype=float), va, rtol=1e-6)  # sent as float32
    assert tuple(fig.layout.yaxis.range) == (0, 1.02)
    assert len(fig.layout.shapes) == 1 and fig.layout.shapes[0].x0 == 20
    with pytest.raises(ValueError, match="3 entries"):
        accuracy_curves_figure(w, tr[:2])


def test_loss_surface_figure(peaks_course):
    X, y = peaks_course[0][:200], peaks_course[1][:200]
    M = SingleLayer(X, y, 8, activation="tanh", alpha=1e-3)
    theta0 = M.init_theta(0)
    steps = list(itertools.islice(gradient_descent(M, theta0, step=0.5), 6))
    theta = steps[-1].x
    a, b, V = loss_surface(M, theta, n=41, span=0.8)
    d1, d2 = surface_directions(M, theta)
    pa, pb = project_onto_plane(np.array([s.x for s in steps]), theta, d1, d2)
    fig = loss_surface_figure(a, b, V, path=(pa, pb))
    contour = fig.data[0]
    assert contour.type == "contour" and np.asarray(contour.z).shape == (41, 41)
    np.testing.assert_array_equal(np.asarray(contour.z), V)
    assert contour.colorscale is not None
    names = [t.name for t in fig.data]
    assert names == ["loss", "path", "current θ"]
    assert fig.data[2].x == (0.0,) and fig.data[2].y == (0.0,)
    assert pa[-1] == pytest.approx(0.0, abs=1e-12)
    logfig = loss_surface_figure(a, b, V, log=True, point=None)
    np.testing.assert_allclose(np.asarray(logfig.data[0].z, dtype=float), np.log10(V))
    assert len(logfig.data) == 1
    with pytest.raises(ValueError, match="shape"):
        loss_surface_figure(a, b, V[:, :-1])


def test_loss_vs_work_figure(peaks_course):
    X, y = peaks_course[0][:300], peaks_course[1][:300]
    M = SingleLayer(X, y, 10, activation="tanh", loss="squared", alpha=1e-3)
    th0 = M.init_theta(0)
    runs = {
        "SGD": list(itertools.islice(sgd(M, th0, lr=0.2, batch_size=30, momentum=0.5), 8)),
        "Gauss-Newton": list(itertools.islice(gauss_newton(M, th0, cg_maxiter=5), 5)),
        "VarPro": list(itertools.islice(varpro(M, th0, cg_maxiter=5), 5)),
    }
    cobj = CountingObjective(M)
    gd_work, gd_loss = [], []
    for s in itertools.islice(gradient_descent(cobj, th0, step=0.5, line_search=True), 5):
        gd_work.append(cobj.work)
        gd_loss.append(s.loss)
    curves = {k: ([s.info["work"] for s in v], [s.loss for s in v]) for k, v in runs.items()}
    curves["GD + Armijo"] = (gd_work, gd_loss)
    fig = convergence_figure(curves, x="work", diverged={"SGD": True})
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text.startswith("work")
    lines = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in lines] == ["SGD", "Gauss-Newton", "VarPro", "GD + Armijo"]
    np.testing.assert_allclose(np.asarray(lines[0].x, dtype=float), [2.0 * k for k in range(8)])
    gn = runs["Gauss-Newton"]
    np.testing.assert_allclose(np.asarray(lines[1].y, dtype=float), [s.loss for s in gn], rtol=1e-6)  # float32
    assert np.all(np.diff(np.asarray(lines[1].x, dtype=float)) > 0)
    marks = [t for t in fig.data if t.showlegend is False]
    assert len(marks) == 1 and marks[0].text == ("diverged",)


def test_accuracy_curves_figure(peaks_course):
    X, y, Xv, yv = peaks_course
    M = SingleLayer(X[:300], y[:300], 10, activation="tanh", alpha=1e-4)
    steps = list(itertools.islice(sgd(M, M.init_theta(0), lr=0.05, batch_size=32, momentum=0.9), 6))
    ep = [s.iteration for s in steps]
    tr = [M.accuracy(s.x) for s in steps]
    va = [M.accuracy(s.x, Xv, yv) for s in steps]
    fig = accuracy_curves_figure(ep, tr, va)
    assert [t.name for t in fig.data] == ["training", "validation"]
    np.testing.assert_allclose(np.asarray(fig.data[1].y, dtype=float), va, rtol=1e-6)  # sent as float32
    assert fig.layout.xaxis.title.text == "epoch"


def test_decision_map_figure(peaks_course):
    X, y = peaks_course[0], peaks_course[1]
    M = SingleLayer(X, y, 20, activation="tanh", loss="squared", alpha=1e-4)
    for last in varpro(M, M.init_theta(0), cg_maxiter=10, maxiter=5):
        pass
    gx, gy, lab = decision_map(lambda P: M.predict(last.x, P), X, n=80)
    fig = decision_map_figure(gx, gy, lab, X, y, n_classes=5, webgl=True, marker_size=5)
    heat = fig.data[0]
    assert heat.type == "heatmap" and np.asarray(heat.z).shape == (80, 80)
    assert heat.zmin == -0.5 and heat.zmax == 4.5
    np.testing.assert_array_equal(np.asarray(heat.z), lab)
    pts = fig.data[1:]
    assert all(t.type == "scattergl" for t in pts)
    assert [t.name for t in pts] == [f"class {k}" for k in range(5)]
    assert sum(len(t.x) for t in pts) == len(y)
    assert [t.marker.color for t in pts] == list(PALETTE[:5])
    # a finer grid is thinned to at most 80 per axis
    gx2, gy2, lab2 = decision_map(lambda P: M.predict(last.x, P), X, n=160)
    fine = decision_map_figure(gx2, gy2, lab2, X, y)
    assert max(np.asarray(fine.data[0].z).shape) <= 80
    with pytest.raises(ValueError, match="0..4"):
        decision_map_figure(gx, gy, lab, X, y + 1, n_classes=5)


def test_inner_solve_figure(peaks_course):
    X, y = peaks_course[0][:150], peaks_course[1][:150]
    M = SingleLayer(X, y, 6, activation="tanh", loss="squared", alpha=1e-3)
    u = M.init_theta(1)[: M.n_hidden_params]
    its = [1, 2, 50]
    orders = [derivative_check(VarPro(M, inner="cg", inner_tol=0.0, inner_maxiter=k).value_and_grad, u, n=14).order
              for k in its]
    direct = derivative_check(VarPro(M).value_and_grad, u, n=14).order
    assert orders[0] < 1.3 and orders[-1] > 1.8 and direct > 1.8
    fig = inner_solve_figure(its, orders, [0.3, 0.1, 1e-14], direct_order=direct, current=2, title="orders")
    assert isinstance(fig, go.Figure)
    names = [t.name for t in fig.data]
    assert names[0] == "order (inner CG)" and names[1].startswith("direct solve (")
    np.testing.assert_allclose(np.asarray(fig.data[0].y, dtype=float), orders)
    assert fig.data[2].yaxis == "y2" and fig.layout.yaxis2.type == "log"
    assert fig.layout.xaxis.type == "log"
    lo, hi = fig.layout.yaxis.range
    assert lo < 0.5 and hi > 2.5  # both reference orders 1 and 2 visible
    levels = sorted(s.y0 for s in fig.layout.shapes if s.y0 == s.y1)
    assert levels == [1.0, 2.0]
    # without the optional parts
    bare = inner_solve_figure([1, 2], [1.0, float("nan")])
    assert len(bare.data) == 1 and "yaxis2" not in bare.to_plotly_json()["layout"]
    with pytest.raises(ValueError, match="orders"):
        inner_solve_figure([1, 2, 3], [1.0, 2.0])

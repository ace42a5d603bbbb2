"""The figures of the single-layer page's live frames: loss against work and iteration, and the decision map with a
thinned set of points. Oracle: the recorded numbers themselves (the figures must carry them, within float32) and
the plain decision map figure of all points."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.figures.common import decision_map_figure
from app.figures.single_layer import LIVE_MAP_POINTS, live_map_figure, loss_figures
from numdl_core.classify import decision_map
from numdl_core.single_layer import elm, train_validation_data
from numdl_core.solvers import SOLVERS


@pytest.fixture(scope="module")
def problem():
    from numdl_core.single_layer import training_problem

    return training_problem("peaks", 400, 10)


def _history(steps):
    return {"iteration": [s.iteration for s in steps], "work": [s.info["work"] for s in steps],
            "loss": [s.loss for s in steps]}


def test_loss_figures_carry_work_iterations_and_divergence(problem):
    _, M, th0 = problem
    runs = {"SGD": list(itertools.islice(SOLVERS["sgd"](M, th0, lr=50.0, momentum=0.9), 30)),
            "VarPro": list(itertools.islice(SOLVERS["varpro"](M, th0, cg_maxiter=5), 4))}
    assert runs["SGD"][-1].info.get("diverged")  # lr = 50 is far beyond 2(1+mu)/L
    hist = {n: _history(s) for n, s in runs.items()}
    by_work, by_iter = loss_figures(hist, diverged={"SGD": runs["SGD"][-1].iteration},
                                    events=[(2, "lr 50 → 0.05")], log_iterations=True)
    assert by_work.layout.xaxis.type == "log" and by_iter.layout.xaxis.type == "log"
    assert by_work.layout.title.text == "Training loss against work"
    curves = {t.name: t for t in by_work.data if t.showlegend is not False}
    vp = runs["VarPro"]
    np.testing.assert_allclose(np.asarray(curves["VarPro"].x, dtype=float)[1:], [s.info["work"] for s in vp[1:]])
    np.testing.assert_allclose(np.asarray(curves["VarPro"].y, dtype=float), [s.loss for s in vp], rtol=1e-6)
    for fig in (by_work, by_iter):  # one cross where SGD diverged, none for VarPro
        marks = [t for t in fig.data if t.showlegend is False]
        assert len(marks) == 1 and marks[0].text == ("diverged",)
    assert by_iter.layout.annotations[0].text == "lr 50 → 0.05"


def test_live_map_keeps_evenly_spaced_points_and_the_map():
    d = train_validation_data("peaks", 1000)
    res = elm(d.X, d.y, 50)
    grid = decision_map(lambda P: res.model.predict(res.theta, P), d.X, n=60)
    live = live_map_figure(*grid, d.X, d.y, n_classes=5, image=True)
    full = decision_map_figure(*grid, d.X, d.y, n_classes=5, image=True)
    shown = np.vstack([np.column_stack([np.asarray(t.x, float), np.asarray(t.y, float)]) for t in live.data])
    assert shown.shape == (LIVE_MAP_POINTS, 2)
    keep = np.unique(np.linspace(0, 999, LIVE_MAP_POINTS).round().astype(int))
    np.testing.assert_allclose(np.sort(shown, axis=0), np.sort(d.X[keep].astype(np.float32), axis=0))
    assert live.layout.images[0].source == full.layout.images[0].source  # the same regions
    assert len(live.to_json()) < 0.5 * len(full.to_json())  # measured 6.9 KB against 16.5 KB
    small = live_map_figure(*grid, d.X[:50], d.y[:50], n_classes=5)  # fewer points than the cap: all drawn
    assert sum(len(t.x) for t in small.data if t.type != "heatmap") == 50

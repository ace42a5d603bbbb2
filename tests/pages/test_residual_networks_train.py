"""pages/residual_networks.py, section "train" headless (AppTest): the live ResNet training renders its four charts
and the Taylor test of its gradient,
Step advances it and the loss falls, a large step h (or an absurd learning rate) ends in "diverged at iteration k",
a learning rate changed mid-run is sent into the running solver (no restart), a change of depth starts over, and
the recorded numbers are the model's."""
from __future__ import annotations

import json

import pytest

from tests.pages.helpers import assert_clean, page, texts

NAME = "residual_networks.py"
RUN = "rn.train.run"


def _step(at, n=1):
    for _ in range(n):
        at.button(key=f"{RUN}.step").click().run()
    assert_clean(at)
    return at.session_state[RUN]


def test_renders_its_charts_and_the_gradient_check_and_steps():
    at = page(NAME, {"section": "train"}).run()
    assert_clean(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 5  # map, loss, features, growth (live) and the Taylor test of the gradient
    assert any("passes" in t for t in texts(at.success))  # the Taylor test (order 2) of the gradient
    titles = [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "") for c in charts]
    assert any("features moving through the layers" in t for t in titles)
    run = _step(at, 3)
    s = run.series["Adam"]
    assert s.iteration == 3 and s.history["loss"][-1] < s.history["loss"][0]  # measured 1.73 -> 1.13


@pytest.mark.parametrize("query", [{"preset": "large-h-diverges"},
                                   {"section": "train", "activation": "relu", "optimizer": "sgd", "lr": "10"}])
def test_large_step_or_learning_rate_diverges(query):
    at = page(NAME, query).run()
    assert_clean(at)
    run = _step(at, 1)
    s = next(iter(run.series.values()))
    assert s.status == "diverged" and at.button(key=f"{RUN}.step").disabled
    assert any("diverged at iteration 1" in e for e in texts(at.error))  # measured: iteration 1 in both


def test_learning_rate_mid_run_keeps_the_run_and_depth_restarts_it():
    at = page(NAME, {"section": "train", "depth": "4"}).run()
    _step(at, 2)
    at.select_slider(key="rn.train.lr").set_value(0.03).run()
    assert_clean(at)
    run = _step(at, 2)
    s = run.series["Adam"]
    assert s.iteration == 4 and run.events and "lr 0.01 → 0.03" in run.events[-1][1]
    assert s.last.info["lr"] == 0.03  # from the second epoch after the change (the kit computes one ahead)
    at.slider(key="rn.train.depth").set_value(6).run()
    assert_clean(at)
    assert at.session_state[RUN].series["Adam"].iteration == 0  # a structural change starts over


def test_numbers_are_the_models():
    from app.lesson import EXPORT_KEY
    from numdl_core.resnet_classifier import training_problem

    at = page(NAME, {"section": "train", "depth": "8", "T": "2", "data": "swissroll"}).run()
    run = _step(at, 2)
    s = run.series["Adam"]
    p = training_problem("swissroll", 500, 8, 8, 2.0)
    numbers = at.session_state[EXPORT_KEY]["rn"]["numbers"]
    assert numbers["h"] == 0.25 and any("h = T/N = 0.25" in c for c in texts(at.caption))
    assert numbers["training accuracy"] == p.model.accuracy(s.last.x)
    assert numbers["validation accuracy"] == p.model.accuracy(s.last.x, p.data.X_val, p.data.y_val)
    assert numbers["Adam loss"] == s.last.loss
    assert numbers["largest growth factor at the start"] == pytest.approx(max(p.model.amplification(p.theta0)))
    assert 1.8 < numbers["gradient check: Taylor order"] < 2.2


def test_layer_slider_only_redraws():
    at = page(NAME, {"section": "train"}).run()
    _step(at, 2)
    at.slider(key="rn.train.layer").set_value(3).run()
    assert_clean(at)
    assert at.session_state[RUN].series["Adam"].iteration == 2  # a view control: the run goes on
    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if "features moving" in json.loads(c.proto.spec)["layout"].get("title", {}).get("text", ""))
    assert [a["text"] for a in spec["layout"]["annotations"]][1] == "layer 3 (t = 0.75)"


def test_play_advances_one_epoch_per_frame_and_pause_stops():
    at = page(NAME, {"section": "train"}).run()
    at.button(key=f"{RUN}.play").click().run()  # the click's rerun draws the first frame
    for _ in range(2):
        at.run()  # AppTest does not fire the timer: each run stands for one tick
    assert_clean(at)
    run = at.session_state[RUN]
    assert run.running and run.series["Adam"].iteration >= 2
    at.button(key=f"{RUN}.play").click().run()
    it = at.session_state[RUN].series["Adam"].iteration
    at.run()
    assert not at.session_state[RUN].running and at.session_state[RUN].series["Adam"].iteration == it


def test_the_dashed_line_is_the_decision_boundary():
    """Two classes: in the last feature panel the softmax layer decides by the first coordinate alone, so the points
    right of the dashed line are those the network assigns to the class w_1 - w_0 points to (oracle: predict)."""
    import numpy as np

    from app.lessons.residual_networks_train import layer_panels
    from numdl_core.resnet_classifier import feature_projection, training_problem

    p = training_problem("swissroll", 200, width=6, depth=5, T=2.0)
    th = p.theta0 + 0.3 * np.random.default_rng(0).standard_normal(p.model.n_params)
    panels, boundary, paths, rows = layer_panels(p.model, th, p.data.X)
    W = p.model.split(th)[4]
    P = feature_projection(p.model.states(th)[-1], W)
    side = np.sign(P[:, 0] @ (W[:, 1] - W[:, 0]))
    right = (panels[-1][1][:, 0] - boundary) * side > 0
    np.testing.assert_array_equal(right.astype(int), p.model.predict(th))
    assert paths.shape == (6, len(rows), 2)  # layers 0..5, the sampled points, the plane
    np.testing.assert_allclose(paths[-1], panels[-1][1][rows], rtol=1e-12)

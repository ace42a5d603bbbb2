"""Compare mode (issue 14) on the pages with several solvers: per page an AppTest that opens "Compare two settings",
presses "Run both" and checks the measured relation between A and B (no time cap: see ``no_time_cap``)."""
from __future__ import annotations

import numpy as np
import pytest

from app.compare import TIME_CAP_ENV
from tests.kit.test_compare import run_both
from tests.pages.helpers import figures


@pytest.fixture(autouse=True)
def no_time_cap(monkeypatch):
    """The numbers below must not depend on the machine's load: no time cap (the iteration caps still apply)."""
    monkeypatch.setenv(TIME_CAP_ENV, "0")


def test_linear_classification_gd_against_newton_cg():
    at, table = run_both("linear_classification.py", {"section": "train"}, "lc.train.cmp.methods")
    assert list(table["settings"]) == ["Method = gradient descent", "Method = Newton-CG"]
    # blobs, α = 1e-3, θ₀ = 0: loss − f* ≤ 1e-10 after 704 GD steps (t = 1, 1408 passes), 7 Newton-CG iterations (98)
    assert list(table["iterations"]) == [704, 7] and list(table["passes over the data"]) == [1408.0, 98.0]
    assert (table["final loss − f*"] <= 1e-10).all()
    fig = [f for f in figures(at) if f["layout"]["title"]["text"] == "A against B"][0]
    assert fig["layout"]["xaxis"]["title"]["text"] == "passes over the data"


def test_single_layer_sgd_against_varpro_in_passes():
    _, table = run_both("single_layer.py", {"section": "train"}, "sl.train.cmp.solvers")
    assert list(table["settings"]) == ["Solver = SGD", "Solver = VarPro"]
    # peaks, 1000 points, width 30: the training loss 0.12 after 113 SGD epochs (226 passes), 4 VarPro iterations (172)
    assert list(table["status"]) == ["reached 0.12 at iteration 113", "reached 0.12 at iteration 4"]
    assert list(table["passes over the data"]) == [226.0, 172.0]


def test_deep_networks_sgd_against_adam():
    _, table = run_both("deep_networks.py", {"section": "train"}, "dn.train.cmp.optimizers")
    assert list(table["settings"]) == ["Optimizer = SGD with momentum", "Optimizer = Adam"]
    # spirals, 500 points, 5 x 16 tanh, Glorot, η = 0.01, batch 32: loss 0.05 after 70 SGD (μ = 0.9), 47 Adam epochs
    assert list(table["status"]) == ["reached 0.05 at iteration 70", "reached 0.05 at iteration 47"]
    assert list(table["passes over the data"]) == [140.0, 94.0]


def test_residual_networks_euler_against_rk4():
    _, table = run_both("residual_networks.py", {"section": "train"}, "rn.train.cmp.integrators")
    assert list(table["settings"]) == ["Integrator = forward Euler (ResNet)", "Integrator = RK4"]
    # peaks, width 8, N = 16, T = 4, Adam η = 0.01: the training loss 0.5 after 17 epochs with either integrator; an
    # RK4 epoch evaluates f 4 times per layer: it takes more seconds
    assert list(table["status"]) == ["reached 0.5 at iteration 17", "reached 0.5 at iteration 17"]
    assert list(table["passes over the data"]) == [34.0, 34.0]
    assert table["seconds"][1] > 1.5 * table["seconds"][0]


def test_convolutional_networks_momentum_against_adam():
    _, table = run_both("convolutional_networks.py", {"section": "cnn"}, "conv.cnn.cmp.optimizers")
    assert list(table["settings"]) == ["Optimizer = SGD + momentum, Learning rate η (μ in the notes) = 0.02",
                                       "Optimizer = Adam, Learning rate η (μ in the notes) = 0.01"]
    # digits, c₁ = 4, c₂ = 8, 3 x 3, seed 0, batch 32: the training loss 0.2 after 11 (momentum) and 8 (Adam) epochs
    assert list(table["status"]) == ["reached 0.2 at iteration 11", "reached 0.2 at iteration 8"]
    assert list(table["passes over the data"]) == [22.0, 16.0]


def test_optimal_control_dto_against_otd():
    _, table = run_both("optimal_control.py", {"section": "train"}, "oc.train.cmp.methods")
    assert list(table["settings"]) == ["Method = DTO (backprop through RK4)", "Method = OTD (adjoint with RK45)"]
    # 40 full-batch Adam steps (η = 0.03, seed 0) from the loss 184.4: DTO at 28.1, OTD (rtol = atol = 1e-2) at 41.1
    assert list(table["iterations"]) == [40, 40] and list(table["passes over the data"]) == [80.0, 80.0]
    assert list(table["final loss"]) == pytest.approx([28.08, 41.13], abs=0.01)


def test_spectral_clustering_power_against_inverse_iteration():
    _, table = run_both("spectral_clustering.py", {"section": "toy"}, "spectral.toy.cmp.fiedler")
    assert list(table["settings"]) == ["Iteration = power iteration", "Iteration = inverse iteration"]
    # the course's 5-node graph, L = D − A (spectrum 0, 1, 2, 4, 5), c = 2 max dᵢ = 8: the power method contracts by
    # (c − λ₃)/(c − λ₂) = 6/7 per iteration, inverse iteration at s = 0 by λ₂/λ₃ = 1/2
    assert list(table["status"]) == ["converged at iteration 141", "converged at iteration 32"]
    assert list(table["products with cI − L or LU solves"]) == [141.0, 32.0]
    assert (table["final residual"] <= 8e-12).all()


def test_linear_classification_compares_on_the_uploaded_points():
    """With own data the compare panel runs on the student's points (not the page's blobs), keyed by them."""
    from app.compare import STORE_KEY, run_to
    from app.owndata import state_key
    from app.owndata_parse import parse_points_csv
    from numdl_core.classify import features, softmax_regression
    from numdl_core.classify_problems import reference_optimum
    from numdl_core.solvers import SOLVERS
    from tests.pages.test_owndata_pages import GOOD
    from tests.pages.helpers import assert_clean, page

    at = page("linear_classification.py", {"section": "train"})
    at.session_state[f"{state_key('lc.train')}.open"] = True
    at.run().file_uploader(key=f"{state_key('lc.train')}.upload").set_value(("mine.csv", GOOD, "text/csv")).run()
    at.button(key="lc.train.cmp.methods.run").click().run()
    assert_clean(at)
    (table,) = [d.value for d in at.dataframe if "configuration" in d.value.columns]
    X, y = parse_points_csv(GOOD)
    obj = softmax_regression(features(X, "linear"), y, 2, 1e-3)
    f_star = reference_optimum(obj).loss
    gd = run_to(SOLVERS["gradient_descent"](obj, np.zeros(obj.n_params), step=1.0), max_iter=20_000,
                value=lambda s: s.loss - f_star, target=1e-10)
    assert table["iterations"][0] == gd["iterations"] != 704 and table["iterations"][1] < gd["iterations"]
    (key,) = at.session_state[STORE_KEY]["lc.train.cmp.methods"]
    assert dict(key[0])["own_data"] != "page"

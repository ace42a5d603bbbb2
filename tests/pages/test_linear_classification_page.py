"""pages/linear_classification.py headless: every section, the live GD vs Newton-CG run (Step, Play, divergence,
oscillation, mid-run step change, reset, URL), the checks (Taylor, overflow, invariance, scikit-learn) and the numbers."""
from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from numdl_core.classify import sklearn_reference, softmax_regression
from numdl_core.data import make_dataset
from numdl_core.optim import newton_cg
from tests.pages.helpers import assert_clean, figures, page, texts

NAME = "linear_classification.py"
GD, NCG = "gradient descent", "Newton-CG"


def _play(at, frames: int):
    at.button(key="lc.run.play").click().run()
    for _ in range(frames):
        at.run()  # each run stands for one frame of the fragment timer
    assert_clean(at)
    return at.session_state["lc.run"]


def _array(v) -> np.ndarray:
    """A plotly JSON array: a list, or a typed array {"dtype", "bdata", "shape"} (base64)."""
    if isinstance(v, dict):
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
        return a.reshape([int(n) for n in str(v["shape"]).split(",")]) if "shape" in v else a
    return np.asarray(v, dtype=float)


def _stats(at) -> dict:
    """The per-optimizer table under the live picture, as {optimizer: row}."""
    df = at.dataframe[0].value
    return {r["optimizer"]: r for r in df.to_dict("records")}


@pytest.mark.parametrize("query,n_figs", [
    ({}, 4),  # two decision maps, convergence, Taylor
    ({"data": "digits"}, 4),  # weight mosaic, convergence, confusion, Taylor
    ({"data": "peaks", "features": "quadratic", "show": "ncg"}, 3),
    ({"section": "losses"}, 1),
    ({"section": "coding"}, 1),
])
def test_each_section_renders(query, n_figs):
    at = page(NAME, query).run()
    assert_clean(at)
    assert len(figures(at)) == n_figs, query
    assert not at.error


def test_step_then_play():
    at = page(NAME).run()
    at.button(key="lc.run.step").click().run()
    at.button(key="lc.run.step").click().run()
    assert_clean(at)
    cap = " ".join(texts(at.caption))
    assert f"**{GD}**: iteration 2" in cap and f"**{NCG}**: iteration 2" in cap
    run = _play(at, 3)
    assert run.series[GD].iteration > 2
    # the decision maps follow the iterates: titles carry the iteration
    titles = [f["layout"]["title"]["text"] for f in figures(at)[:2]]
    assert titles[0].startswith(f"{GD}: iteration {run.series[GD].iteration},")


def test_newton_quadratic_vs_gd_linear_on_blobs():
    """Newton-CG reaches ‖∇f‖ < 1e-6 in < 30 iterations; GD after as many iterations is far from it."""
    at = page(NAME, {"data": "blobs", "speed": "5"}).run()
    run = _play(at, 8)
    ncg, gd = run.series[NCG], run.series[GD]
    assert ncg.status == "converged" and ncg.iteration < 30
    g = np.asarray(ncg.history["grad_norm"])
    k = int(np.argmax(g < 1e-6))
    assert g[k] < 1e-6 and k < 30
    assert np.all(g[-3:] < 0.2 * g[-4:-1])  # superlinear tail
    gd_g = np.asarray(gd.history["grad_norm"])
    gd_it = np.asarray(gd.history["iteration"])
    assert gd_g[gd_it == k][0] > 1e-3  # GD at the same iteration: three orders of magnitude away
    rows = _stats(at)
    assert float(rows[NCG]["‖∇f‖"]) < 1e-9 and float(rows[GD]["‖∇f‖"]) > 1e-4
    assert float(rows[NCG]["loss − f*"]) < 1e-12  # reached the cached reference optimum
    ok = " ".join(texts(at.success))
    assert f"{NCG}**: converged at iteration {ncg.iteration}" in " ".join(texts(at.caption)) or "converged" in ok


def test_separable_toy_accuracy():
    at = page(NAME, {"data": "linear", "noise": "0", "speed": "5"}).run()
    run = _play(at, 5)
    assert run.series[NCG].status == "converged"
    acc = float(_stats(at)[NCG]["train acc."].rstrip("%")) / 100
    assert acc >= 0.98


def test_ellipses_need_quadratic_features():
    acc = {}
    for feats in ("linear", "quadratic"):
        at = page(NAME, {"data": "ellipses", "features": feats, "noise": "0.05", "alpha": "0.0001", "speed": "20"}).run()
        assert _play(at, 1).series[NCG].status == "converged"
        acc[feats] = float(_stats(at)[NCG]["train acc."].rstrip("%")) / 100
    assert acc["linear"] < 0.65 and acc["quadratic"] > 0.95


def test_absurd_step_diverges_with_hint_then_recovers():
    at = page(NAME, {"step": "1000", "alpha": "0.01", "speed": "10"}).run()
    run = _play(at, 1)
    assert run.series[GD].status == "diverged" and run.series[NCG].status != "diverged"
    err = " ".join(texts(at.error))
    assert "diverged at iteration" in err and "> 2/L = 1.07" in err and "t·α = 10 > 2" in err
    conv = figures(at)[2]
    gd_line = next(tr for tr in conv["data"] if tr.get("name") == GD)
    assert _array(gd_line["x"]).size >= 2  # the curve up to the divergence is kept
    # lowering the step restarts the diverged run
    at.select_slider(key="lc.train.step").set_value(0.5).run()
    run = _play(at, 1)
    assert not at.error and run.series[GD].status == "running"


def test_large_step_oscillates_without_blowing_up():
    at = page(NAME, {"step": "50", "alpha": "0.001", "speed": "20"}).run()
    run = _play(at, 3)
    assert run.series[GD].status == "running" and not at.error
    loss = np.asarray(run.series[GD].history["loss"])
    assert np.all(np.isfinite(loss)) and loss.max() > 2 * loss[0] and loss.max() < 1e3
    warn = " ".join(texts(at.warning))
    assert "Step t = 50 > 2/L = 1.08" in warn and "went **up**" in warn and "t > 2000" in warn


def test_step_change_mid_run_continues_gd_only():
    at = page(NAME, {"step": "0.1", "speed": "5"}).run()
    run = _play(at, 2)
    before = run.series[GD].iteration
    ncg_before = (run.series[NCG].iteration, run.series[NCG].offset)
    at.select_slider(key="lc.train.step").set_value(1.0).run()
    run = at.session_state["lc.run"]
    assert run.series[GD].iteration >= before and run.series[GD].offset == before  # continued, not reset
    assert (run.series[NCG].iteration, run.series[NCG].offset) == ncg_before  # Newton-CG untouched
    assert run.events and "step" in run.events[-1][1]
    at.button(key="lc.run.step").click().run()
    assert at.session_state["lc.run"].series[GD].last.info["step"] == pytest.approx(1.0)
    # the event line is drawn in both panels of the convergence figure
    assert len(figures(at)[2]["layout"]["shapes"]) == 2


def test_structural_change_resets():
    at = page(NAME, {"speed": "5"}).run()
    _play(at, 1)
    at.select_slider(key="lc.train.cg_tol").set_value(1e-4).run()
    assert_clean(at)
    run = at.session_state["lc.run"]
    assert run.series[GD].iteration == 0 and not run.running
    _play(at, 1)
    at.selectbox(key="lc.train.data").set_value("peaks").run()
    run = at.session_state["lc.run"]
    assert run.series[NCG].iteration == 0 and run.series[NCG].last.loss == pytest.approx(np.log(5))


def test_url_reproduces_settings():
    q = {"data": "peaks", "features": "quadratic", "n": "400", "noise": "0.05", "alpha": "0.01", "seed": "3",
         "gd": "armijo", "step": "2", "cg_tol": "0.01", "cg_maxiter": "7", "show": "gd", "speed": "10"}
    at = page(NAME, q).run()
    assert_clean(at)
    for k, v in q.items():
        got = at.query_params[k]
        got = got[0] if isinstance(got, list) else got
        assert got == v or (k not in ("data", "features", "gd", "show") and float(got) == float(v)), k
    assert at.selectbox(key="lc.train.data").value == "peaks"
    assert at.segmented_control(key="lc.train.features").value == "quadratic"
    assert at.select_slider(key="lc.train.alpha").value == 0.01
    assert at.slider(key="lc.train.cg_maxiter").value == 7
    run = at.session_state["lc.run"]
    assert dict(run.structure)["cg_maxiter"] == "7" and dict(run.tunables)["step"] == "2.0"
    assert "400 samples, 5 features, 5 classes: 30 unknowns" in " ".join(texts(at.caption))
    run = _play(at, 1)
    assert run.series[NCG].iteration % 10 == 0 or run.series[NCG].status == "converged"  # 10 per frame
    assert run.series[NCG].last.info.get("cg_iterations", 0) <= 7
    assert "backtracks" in run.series[GD].last.info  # Armijo


def test_checks_taylor_overflow_invariance():
    at = page(NAME, {"speed": "5"}).run()
    _play(at, 1)
    ok = " ".join(texts(at.success))
    assert "E1 decays like h^2.0 and E2 like h^3.0" in ok
    assert "max |Wᵢⱼ| = 10⁴" in ok and "gradient finite" in ok
    assert "b → b + 5·1 changes f by" in ok
    assert "gives **inf** here" in " ".join(texts(at.caption))  # the naive formula overflows


def test_sklearn_comparison_on_request():
    at = page(NAME, {"data": "linear", "alpha": "0.01"}).run()
    assert not any("LogisticRegression" in s for s in texts(at.success))
    at.button(key="lc.sk").click().run()
    assert_clean(at)
    msg = next(s for s in texts(at.success) if "LogisticRegression" in s)
    assert "C = 2/(αn)" in msg  # two classes
    gap = float(re.search(r"relative gap ([0-9.e+-]+)\)", msg).group(1))
    assert gap < 1e-8


def test_sklearn_reference_helper_matches_newton_cg():
    for name, C in (("linear", 2), ("blobs", 3)):
        X, y = make_dataset(name, 200, 0.1, seed=1)
        obj = softmax_regression(X, y, C, alpha=1e-2)
        for last in newton_cg(obj, np.zeros(obj.n_params), cg_tol=1e-8, cg_maxiter=50):
            pass
        th = sklearn_reference(obj)
        assert obj.loss(th) == pytest.approx(last.loss, rel=1e-9)
        np.testing.assert_allclose(obj.unpack(th)[0], obj.unpack(last.x)[0], atol=1e-5)


def test_try_this_sets_up_experiments():
    at = page(NAME, {"data": "digits"}).run()
    at.button(key="lc.try.try1").click().run()  # ellipses with quadratic features, also from the digits view
    assert_clean(at)
    assert at.selectbox(key="lc.train.data").value == "ellipses"
    assert at.segmented_control(key="lc.train.features").value == "quadratic"
    at.button(key="lc.try.try2").click().run()  # too large a step
    assert at.select_slider(key="lc.train.step").value == 1000.0
    _play(at, 3)
    assert "diverged at iteration" in " ".join(texts(at.error))
    at.button(key="lc.set_step").click().run()  # t <- 1/L
    assert at.select_slider(key="lc.train.step").value == 0.5
    assert not at.error


def test_digits_live():
    at = page(NAME, {"data": "digits", "speed": "5"}).run()
    run = _play(at, 4)
    assert run.series[NCG].iteration >= 10
    rows = _stats(at)
    assert float(rows[NCG]["test acc."].rstrip("%")) > 90
    mosaic = figures(at)[0]
    assert _array(mosaic["data"][0]["z"]).shape == (17, 89)  # both optimizers, ten 8x8 images each


def test_losses_section_convexity_numbers():
    at = page(NAME, {"section": "losses", "w_max": "20"}).run()
    assert_clean(at)
    vals = {m.label: float(m.value) for m in at.metric}
    assert vals["smallest second difference, squared loss"] < -1e-4
    assert vals["smallest second difference, cross-entropy"] > -1e-12
    assert "**not convex**" in " ".join(texts(at.markdown))


def test_coding_section_numbers_and_kraft():
    at = page(NAME, {"section": "coding"}).run()
    assert_clean(at)
    bars = figures(at)[0]["data"][0]
    assert list(bars["y"]) == [1.75, 2.0, 2.25]
    assert "**1.75 bits**" in " ".join(texts(at.success))
    at.button(key="lc.coding.try.try0").click().run()  # lengths (2, 3, 1, 3)
    assert "**2.25 bits**" in " ".join(texts(at.success))
    at.button(key="lc.coding.try.try1").click().run()  # lengths (1, 1, 2, 2)
    assert "Kraft sum Σ 2^(−ℓᵢ) = 1.5 > 1" in " ".join(texts(at.warning))
    assert_clean(at)


def test_bad_url_values_are_explained():
    at = page(NAME, {"data": "nonsense", "step": "-3", "cg_maxiter": "500"}).run()
    assert_clean(at)
    note = " ".join(texts(at.warning))
    assert "`data=nonsense` is not one of" in note and "`cg_maxiter=500` is outside 1..100" in note

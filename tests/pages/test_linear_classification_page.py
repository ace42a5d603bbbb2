"""pages/linear_classification.py headless: every section, the live GD vs Newton-CG run (Step, Play, divergence,
oscillation, tunables sent mid-run, reset, URL, presets), the checks (Taylor, overflow, invariance, scikit-learn) and
the numbers."""
from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest

from app.lesson import EXPORT_KEY
from numdl_core.classify import sklearn_reference, softmax_regression
from numdl_core.data import make_dataset
from numdl_core.optim import newton_cg
from tests.pages.helpers import assert_clean, figures, page, texts

NAME = "linear_classification.py"
GD, NCG = "gradient descent", "Newton-CG"
RUN = "lc.train.run"


def _play(at, frames: int):
    at.button(key=f"{RUN}.play").click().run()
    for _ in range(frames):
        at.run()  # each run stands for one frame of the fragment timer
    assert_clean(at)
    return at.session_state[RUN]


def _array(v) -> np.ndarray:
    """A plotly JSON array: a list, or a typed array {"dtype", "bdata", "shape"} (base64)."""
    if isinstance(v, dict):
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
        return a.reshape([int(n) for n in str(v["shape"]).split(",")]) if "shape" in v else a
    return np.asarray(v, dtype=float)


def _stats(at) -> dict:
    """The per-optimizer table under the live picture, as {optimizer: row} (numbers). A playing frame shows it
    as a compact markdown table: pause first (the numbers do not change) to read the interactive one."""
    pause = [b for b in at.button if b.key and b.key.endswith(".play") and "Pause" in b.label]
    if pause:
        pause[0].click().run()
    df = at.dataframe[0].value
    return {r["optimizer"]: r for r in df.to_dict("records")}


def _map_labels(fig: dict) -> np.ndarray:
    """The class levels of a live decision map (sent as a palette PNG under the points)."""
    from PIL import Image

    (img,) = fig["layout"]["images"]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(img["source"].split(",", 1)[1]))))[::-1]


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
    at.button(key=f"{RUN}.step").click().run()
    at.button(key=f"{RUN}.step").click().run()
    assert_clean(at)
    cap = " ".join(texts(at.caption))
    assert f"**{GD}**: iteration 2" in cap and f"**{NCG}**: iteration 2" in cap
    run = _play(at, 3)
    assert run.series[GD].iteration > 2
    # the decision maps follow the iterates: titles carry the iteration, the regions are the predicted classes
    maps = figures(at)[:2]
    assert maps[0]["layout"]["title"]["text"].startswith(f"{GD}: iteration {run.series[GD].iteration},")
    from numdl_core.classify_problems import classification_problem

    pr = classification_problem("blobs")
    gx, gy, lab = pr.decision_map(run.series[NCG].last.x)
    np.testing.assert_array_equal(_map_labels(maps[1]), lab)


def test_newton_superlinear_vs_gd_linear_on_blobs():
    """Newton-CG reaches ‖∇f‖ < 1e-6 in < 30 iterations; GD after as many iterations is far from it. The page
    measures the rate: Newton-CG's ratios ‖∇f_k+1‖/‖∇f_k‖ fall towards 0 (superlinear, not called quadratic)."""
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
    assert rows[NCG]["grad norm"] < 1e-9 and rows[GD]["grad norm"] > 1e-4
    assert rows[NCG]["loss - f*"] < 1e-12  # reached the cached reference optimum
    # work in data passes, from the protocol: GD 2 per iteration; Newton-CG 4 per H·v product + 2 per trial step
    assert rows[GD]["work"] == 2 * rows[GD]["iteration"]
    assert rows[NCG]["work"] >= 4 * rows[NCG]["Hessian-vector products"] + 2 * rows[NCG]["iteration"]
    assert np.isnan(rows[GD]["Hessian-vector products"])
    numbers = at.session_state[EXPORT_KEY]["lc"]["numbers"]  # what the page records (and its script prints)
    assert numbers[f"{NCG}: last ‖∇f‖ ratio"] == pytest.approx(g[-1] / g[-2], rel=1e-12) and g[-1] < 1e-3 * g[-2]
    assert 1 < numbers[f"{NCG}: last order"] < 2 and 0.9 < numbers[f"{GD}: last ‖∇f‖ ratio"] < 1
    caption = " ".join(texts(at.caption))
    assert "**Measured rate**" in caption and "→ 0: superlinear" in caption
    md = " ".join(texts(at.markdown))
    assert "converges superlinearly" in md and "converges quadratically" not in md
    ok = " ".join(texts(at.success))
    assert f"{NCG}**: converged at iteration {ncg.iteration}" in " ".join(texts(at.caption)) or "converged" in ok


def test_separable_toy_accuracy():
    at = page(NAME, {"data": "linear", "noise": "0", "speed": "5"}).run()
    run = _play(at, 5)
    assert run.series[NCG].status == "converged"
    assert _stats(at)[NCG]["training accuracy"] >= 0.98


def test_ellipses_need_quadratic_features():
    acc = {}
    for feats in ("linear", "quadratic"):
        at = page(NAME, {"data": "ellipses", "features": feats, "noise": "0.05", "alpha": "0.0001", "speed": "20"}).run()
        assert _play(at, 1).series[NCG].status == "converged"
        acc[feats] = _stats(at)[NCG]["training accuracy"]
    assert acc["linear"] < 0.65 and acc["quadratic"] > 0.95


def test_absurd_step_diverges_with_hint_then_recovers():
    at = page(NAME, {"step": "1000", "alpha": "0.01", "speed": "10"}).run()
    run = _play(at, 1)
    assert run.series[GD].status == "diverged" and run.series[NCG].status != "diverged"
    err = " ".join(texts(at.error))
    assert "diverged at iteration" in err and "> 2/L = 1.07" in err and "t·α = 10 > 2" in err
    assert "(1 − tα) = -9" in err and "1/L = 0.535" in err
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


def _pause(at):
    at.button(key=f"{RUN}.play").click().run()  # the Play button reads Pause while playing
    assert not at.session_state[RUN].running
    return at.session_state[RUN]


def test_step_change_mid_run_is_sent_into_gd_only():
    at = page(NAME, {"step": "0.1", "speed": "5"}).run()
    _play(at, 2)
    run = _pause(at)
    before, points = run.series[GD].iteration, len(run.series[GD].history["iteration"])
    ncg_before = (run.series[NCG].iteration, run.series[NCG].offset)
    at.select_slider(key="lc.train.step").set_value(1.0).run()
    run = at.session_state[RUN]
    gd = run.series[GD]
    assert gd.iteration == before and gd.offset == 0 and len(gd.history["iteration"]) == points  # not reset
    assert (run.series[NCG].iteration, run.series[NCG].offset) == ncg_before  # Newton-CG untouched
    assert run.events == [(before, "step 0.1 → 1")]
    for _ in range(2):  # the iteration fetched ahead was computed with t = 0.1; the next one uses t = 1
        at.button(key=f"{RUN}.step").click().run()
    gd = at.session_state[RUN].series[GD]
    assert gd.last.info["step"] == pytest.approx(1.0) and gd.iteration == before + 2 and gd.offset == 0
    # the event line is drawn in both panels of the convergence figure
    assert len(figures(at)[2]["layout"]["shapes"]) == 2


def test_cg_settings_are_sent_into_newton_cg_mid_run():
    at = page(NAME, {"speed": "1", "cg_maxiter": "1"}).run()
    _play(at, 2)
    run = _pause(at)
    k, gd_k = run.series[NCG].iteration, run.series[GD].iteration
    assert run.series[NCG].last.info["cg_iterations"] == 1
    at.slider(key="lc.train.cg_maxiter").set_value(50).run()
    for _ in range(2):
        at.button(key=f"{RUN}.step").click().run()
    run = at.session_state[RUN]
    ncg = run.series[NCG]
    assert ncg.iteration == k + 2 and ncg.offset == 0 and ncg.last.info["cg_iterations"] > 1  # same run, new value
    assert run.series[GD].iteration == gd_k + 2 and "cg_maxiter 1 → 50" in run.events[-1][1]


def test_structural_change_resets():
    at = page(NAME, {"speed": "5"}).run()
    _play(at, 1)
    at.select_slider(key="lc.train.alpha").set_value(1e-2).run()
    assert_clean(at)
    run = at.session_state[RUN]
    assert run.series[GD].iteration == 0 and not run.running and not run.events
    _play(at, 1)
    at.selectbox(key="lc.train.data").set_value("peaks").run()
    run = at.session_state[RUN]
    assert run.series[NCG].iteration == 0 and run.series[NCG].last.loss == pytest.approx(np.log(5))


def test_url_reproduces_settings():
    q = {"data": "peaks", "features": "quadratic", "n": "400", "noise": "0.05", "alpha": "0.01", "seed": "3",
         "line_search": "True", "step": "2", "cg_tol": "0.01", "cg_maxiter": "7", "show": "gd", "speed": "10"}
    at = page(NAME, q).run()
    assert_clean(at)
    for k, v in q.items():
        got = at.query_params[k]
        got = got[0] if isinstance(got, list) else got
        assert got == v or (k not in ("data", "features", "line_search", "show") and float(got) == float(v)), k
    assert at.selectbox(key="lc.train.data").value == "peaks"
    assert at.segmented_control(key="lc.train.features").value == "quadratic"
    assert at.select_slider(key="lc.train.alpha").value == 0.01
    assert at.slider(key="lc.train.cg_maxiter").value == 7
    run = at.session_state[RUN]
    assert dict(run.structure)["alpha"] == 0.01 and dict(run.tunables) == {
        "cg_maxiter": 7, "cg_tol": 0.01, "line_search": True, "step": 2.0}
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
    m = re.search(r"loss at max \|Wᵢⱼ\| = 10000 \(largest logit ([0-9.e+]+)\), gradient finite: relative difference "
                  r"([0-9.e+-]+) to scipy.special.logsumexp", ok)
    assert m and float(m.group(1)) > 709 and float(m.group(2)) <= 1e-12
    m = re.search(r"f and ∇f after b → b \+ 5·1: relative difference ([0-9.e+-]+) to f and ∇f at b", ok)
    assert m and float(m.group(1)) < 1e-14
    for check in (r"f and ∇f with the examples permuted: relative difference ([0-9.e+-]+) to f and ∇f in the original",
                  r"mean f and ∇f on 2 copies of the data: relative difference ([0-9.e+-]+) to f and ∇f on the data",
                  r"f at W = a·I, X = Y \(a = 1, 10000\): relative difference ([0-9.e+-]+) to log\(1 \+ \(C − 1\)"):
        m = re.search(check, ok)  # the course's invariance checks, all at round-off
        assert m and float(m.group(1)) < 1e-14, check
    assert not at.error
    assert "gives **inf** here" in " ".join(texts(at.markdown))  # the naive formula overflows


def test_sklearn_comparison_on_request():
    at = page(NAME, {"data": "linear", "alpha": "0.01"}).run()
    assert not any("LogisticRegression" in s for s in texts(at.success))
    at.button(key="lc.sk").click().run()
    assert_clean(at)
    msg = next(s for s in texts(at.success) if "LogisticRegression" in s)
    assert "C = 2/(αn)" in msg  # two classes
    gap = float(re.search(r"relative difference ([0-9.e+-]+) to", msg).group(1))
    assert gap < 1e-8
    assert "same predictions on 100.0% of the samples" in " ".join(texts(at.caption))


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
    at.button(key="lc.train.try1").click().run()  # ellipses with quadratic features, also from the digits view
    assert_clean(at)
    assert at.selectbox(key="lc.train.data").value == "ellipses"
    assert at.segmented_control(key="lc.train.features").value == "quadratic"
    at.button(key="lc.train.try2").click().run()  # too large a step
    assert at.select_slider(key="lc.train.step").value == 1000.0
    _play(at, 3)
    assert "diverged at iteration" in " ".join(texts(at.error))
    at.button(key="lc.set_step").click().run()  # t <- 1/L
    assert at.select_slider(key="lc.train.step").value == 0.5
    assert not at.error


@pytest.mark.parametrize("preset,section", [("newton-in-8-steps", "train"), ("step-too-large", "train"),
                                            ("plateaus", "losses"), ("mismatched-code", "coding"),
                                            ("logistic-separable", "logistic"), ("sparse-weights", "sparse")])
def test_presets_open_their_section(preset, section):
    at = page(NAME, {"preset": preset}).run()
    assert_clean(at)
    assert at.query_params["section"] in (section, [section]) and not at.warning


def test_newton_converges_in_8_steps_as_the_preset_says():
    at = page(NAME, {"preset": "newton-in-8-steps"}).run()
    run = _play(at, 4)
    ncg, gd = run.series[NCG], run.series[GD]
    assert ncg.status == "converged" and ncg.iteration == 8
    g = np.asarray(ncg.history["grad_norm"])
    assert g[7] < 1e-6 <= g[6]  # ‖∇f‖ < 1e-6 after 7 iterations
    assert ncg.last.info["hess_vecs"] == 27
    assert 0.05 < gd.history["grad_norm"][8] < 0.2  # GD after 8 iterations: about 0.1


def test_line_search_preset_rescues_the_step_at_a_price_in_data_passes():
    at = page(NAME, {"preset": "line-search", "axis": "work"}).run()
    run = _play(at, 4)
    gd = run.series[GD]
    loss = np.asarray(gd.history["loss"])
    assert gd.status != "diverged" and np.all(np.diff(loss) <= 0) and loss[-1] < 0.5 * loss[0]  # Armijo: monotone
    assert gd.last.info["backtracks"] > 0 and gd.last.info["step"] < 1000.0
    assert gd.last.info["work"] > 2 * gd.iteration  # every trial step costs a gradient (2 passes)
    conv = figures(at)[2]
    assert conv["layout"]["xaxis"]["title"]["text"] == "work (passes over the data)"
    gd_line = next(tr for tr in conv["data"] if tr.get("name") == GD)
    assert _array(gd_line["x"])[-1] == gd.history["work"][-1]


def test_digits_live():
    at = page(NAME, {"data": "digits", "speed": "5"}).run()
    run = _play(at, 4)
    assert run.series[NCG].iteration >= 10
    rows = _stats(at)
    assert rows[NCG]["test accuracy"] > 0.9
    mosaic = figures(at)[0]
    assert _array(mosaic["data"][0]["z"]).shape == (17, 89)  # both optimizers, ten 8x8 images each
    assert at.slider(key="lc.train.n").disabled and not at.slider(key="lc.train.n_train").disabled


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
    numbers = at.session_state[EXPORT_KEY]["lc"]["numbers"]
    assert (numbers["H(Alice, Bob) (bits)"], numbers["H(Bob, Alice) (bits)"]) == (2.25, 2.375)  # not symmetric
    assert "H(Bob, Alice) = **2.375 bits**" in " ".join(texts(at.markdown))
    at.button(key="lc.coding.try0").click().run()  # lengths (2, 3, 1, 3)
    ok = " ".join(texts(at.success))
    assert "**2.25 bits**" in ok and "A = 10, B = 110, C = 0, D = 111" in ok and "H(p, q) = 2.25 bits" in ok
    at.button(key="lc.coding.try1").click().run()  # lengths (1, 1, 2, 2)
    assert "Kraft sum Σ 2^(−ℓᵢ) = 1.5 > 1" in " ".join(texts(at.warning))
    assert_clean(at)


def test_bad_url_values_are_explained():
    at = page(NAME, {"data": "nonsense", "step": "-3", "cg_maxiter": "500"}).run()
    assert_clean(at)
    note = " ".join(texts(at.warning))
    assert "`data=nonsense` is not one of" in note and "`cg_maxiter=500` is outside 1..100" in note


def test_logistic_section_live_sigmoid_and_checks():
    """Binary logistic regression on the separable toy: Newton-CG reaches f* (reference Newton-CG of the same
    objective), the map shows its predictions, the sigmoid chart its scores; the checks pass: the sigmoid form equals
    the two-class softmax with W = [w, 0] and the loss at max |z| = 1e4 matches scipy's log_expit."""
    from numdl_core.logistic import logistic_problem

    at = page(NAME, {"section": "logistic", "speed": "5"}).run()
    assert_clean(at)
    assert len(figures(at)) == 4  # map, sigmoid, convergence, Taylor
    at.button(key="lc.logistic.run.play").click().run()
    for _ in range(3):
        at.run()
    at.button(key="lc.logistic.run.play").click().run()  # pause: the charts show every sample
    assert_clean(at)
    run = at.session_state["lc.logistic.run"]
    ncg = run.series[NCG]
    assert ncg.status == "converged" and ncg.iteration < 15 and run.series[GD].status == "running" and not run.running
    numbers = at.session_state[EXPORT_KEY]["lc"]["numbers"]
    assert numbers[f"{NCG}: loss"] == pytest.approx(numbers["f*"], rel=1e-9)
    assert numbers[f"{NCG}: training accuracy"] >= 0.95 and numbers[f"{GD}: loss"] > numbers["f*"]
    assert 1.8 < numbers["E1 order"] < 2.2 and np.isfinite(numbers["loss at max |z| = 1e4"])
    ok = " ".join(texts(at.success))
    m = re.search(r"f and ∇f of the sigmoid form: relative difference ([0-9.e+-]+) to the two-class softmax with "
                  r"W = \[w, 0\]", ok)
    assert m and float(m.group(1)) < 1e-14
    assert "loss at max |z| = 10000, gradient finite: relative difference" in ok and not at.error
    pr = logistic_problem("linear", n=200, noise=0.1, alpha=1e-3)
    theta = run.series[GD].last.x  # the map and the sigmoid show the GD iterate (Show = both -> GD)
    fig_map, fig_sig = figures(at)[:2]
    np.testing.assert_array_equal(_map_labels(fig_map), pr.decision_map(theta)[2])
    pts = [tr for tr in fig_sig["data"] if tr.get("mode") == "markers"]
    z = np.sort(np.concatenate([_array(tr["x"]) for tr in pts]))
    np.testing.assert_allclose(z, np.sort(pr.obj.scores(theta)), rtol=1e-6, atol=1e-6)  # float32 on the wire
    assert {float(v) for tr in pts for v in _array(tr["y"])} == {0.0, 1.0}
    at.button(key="lc.lg.sk").click().run()  # scikit-learn on request: the same f* with C = 1/(alpha n)
    assert_clean(at)
    msg = next(t for t in texts(at.success) if "LogisticRegression(C = 1/(αn))" in t)
    assert float(re.search(r"relative difference ([0-9.e+-]+) to", msg).group(1)) < 1e-8


def test_sparse_section_exact_zeros_monotone_and_sweep():
    """ISTA on the digits: exact zeros in the weight images (and none in Tikhonov's), F never increases at t <= 1/L,
    the optimality violation falls; the sweep on request: more zeros and lower test accuracy as alpha grows."""
    at = page(NAME, {"section": "sparse", "speed": "50"}).run()
    assert_clean(at)
    at.button(key="lc.sparse.run.play").click().run()
    for _ in range(3):
        at.run()
    at.button(key="lc.sparse.run.play").click().run()  # pause
    assert_clean(at)
    run = at.session_state["lc.sparse.run"]
    s = run.series["ISTA (L1)"]
    assert s.iteration >= 100 and np.all(np.diff(s.history["loss"]) <= 1e-12)
    numbers = at.session_state[EXPORT_KEY]["lc"]["numbers"]
    W = s.last.x[:640]
    assert numbers["ISTA (L1): zero weights"] == np.mean(W == 0) > 0.2  # measured 0.27 after 200 iterations (t = 0.1)
    from numdl_core.classify_problems import classification_problem

    blank = np.all(classification_problem("digits", alpha=0.0).obj.X == 0, axis=0)  # pixels blank in every image
    assert numbers["Tikhonov: zero weights"] == np.mean(blank) == 0.0625  # their gradient is 0: they stay 0
    assert numbers["Tikhonov: test accuracy"] > 0.95
    assert 0.85 < numbers["ISTA (L1): test accuracy"] <= numbers["Tikhonov: test accuracy"] + 0.02
    assert numbers["ISTA (L1): optimality violation"] < 0.05
    assert "F never increased" in " ".join(texts(at.markdown))
    mosaic = figures(at)[0]
    assert _array(mosaic["data"][0]["customdata"]).shape == (17, 89)  # paused: the real values on hover
    at.button(key="lc.l1.sweep_button").click().run()
    assert_clean(at)
    numbers = at.session_state[EXPORT_KEY]["lc"]["numbers"]
    zeros = [numbers[f"α = {a:g}: zero weights"] for a in (1e-4, 1e-3, 1e-2, 3e-2)]
    assert all(a < b for a, b in zip(zeros, zeros[1:])) and zeros[-1] > 0.8
    assert numbers["α = 0.03: test accuracy"] < numbers["α = 0.0001: test accuracy"] - 0.1
    assert len(figures(at)) == 4
    # the exported script prints the sweep too (tests/pages/test_export.py checks the rest without the sweep)
    import subprocess
    import sys

    from tests.pages.helpers import ROOT
    from tests.pages.test_export import _numbers

    proc = subprocess.run([sys.executable, "-c", at.session_state[EXPORT_KEY]["lc"]["script"]], cwd=ROOT, text=True,
                          capture_output=True, timeout=120, env={"PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"})
    printed = _numbers(proc.stdout)
    for k, v in numbers.items():
        assert printed[k] == pytest.approx(v, rel=1e-6, abs=1e-12), k


def test_unregularized_separable_preset_scales_the_true_line():
    """The preset's numbers: Newton-CG stops at (w, b) = 20 (3, 2, 1) within 1, max |z| about 117; GD's ‖w‖ ~ 4.5
    after 10 iterations and growing."""
    at = page(NAME, {"preset": "logistic-separable-unbounded"}).run()
    at.button(key="lc.logistic.run.play").click().run()
    at.run()
    assert_clean(at)
    run = at.session_state["lc.logistic.run"]
    ncg, gd = run.series[NCG], run.series[GD]
    assert ncg.status == "converged"
    np.testing.assert_allclose(ncg.last.x, [60, 40, 20], atol=1)
    from numdl_core.logistic import logistic_problem

    z = logistic_problem("linear", noise=0.0, alpha=1e-6).obj.scores(ncg.last.x)
    assert 110 < np.abs(z).max() < 125
    assert np.linalg.norm(gd.last.x[:2]) > 4.5 and gd.iteration >= 10

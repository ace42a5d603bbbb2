"""pages/least_squares.py headless: every experiment, the live runs (Play, Step, divergence, mid-run step change),
the presets and the headline numbers the page records (Lesson.numbers) against the syllabus' reference values."""
from __future__ import annotations

import numpy as np
import pytest

from app.lesson import EXPORT_KEY
from numdl_core.testproblems import exercise_3x2
from tests.pages.helpers import assert_clean, figures, page, render_section, texts

NAME = "least_squares.py"
SECTIONS = ["galileo", "polyfit", "iterative", "deblur", "conditioning", "digits", "validation"]
RUN, DEBLUR_RUN = "lstsq.iterative.run", "lstsq.deblur.run"


def numbers(at) -> dict:
    return at.session_state[EXPORT_KEY]["lstsq"]["numbers"]


def play(at, key: str, frames: int):
    at.button(key=f"{key}.play").click().run()
    for _ in range(frames):
        at.run()  # each run stands for one frame of the fragment timer
    assert_clean(at)
    return at


@pytest.mark.parametrize("section", SECTIONS)
def test_each_section_renders(section):
    render_section(NAME, section)


def test_step_then_play_on_3x2():
    at = page(NAME, {"section": "iterative", "a": "1"}).run()
    at.button(key=f"{RUN}.step").click().run()
    at.button(key=f"{RUN}.step").click().run()
    assert_clean(at)
    cap = " ".join(texts(at.caption))
    assert "steepest descent**: iteration 2" in cap
    assert "CG (CGLS)**: converged at iteration 2" in cap  # CG ends in 2 steps
    assert numbers(at)["CG iterations"] == 2 and numbers(at)["CG error"] < 1e-12
    play(at, RUN, 3)
    assert "steepest descent**: iteration 2," not in " ".join(texts(at.caption))
    assert at.session_state[RUN].series["steepest descent"].iteration > 2


@pytest.mark.parametrize("a,cond,bound", [("1", 13.0, 0.988), ("0.01", 250.0, 0.99997)])
def test_sd_rate_within_theory(a, cond, bound):
    at = play(page(NAME, {"section": "iterative", "a": a, "speed": "200"}).run(), RUN, 6)
    n = numbers(at)
    assert float(f"{n['cond(A)']:.3g}") == cond  # the syllabus' cond(A) = 13.0, 250
    theory = n["SD factor (κ−1)/(κ+1)"]
    assert theory == pytest.approx(bound, abs=5e-4)  # the syllabus' reference factors 0.988, 0.99997
    # from the worst-case start, the exact line search contracts by exactly the bound
    assert n["measured SD factor"] == pytest.approx(theory, abs=2e-5)
    assert any(s.startswith("measured SD factor") for s in texts(at.success))  # the agreement check on screen
    assert f"**{n['measured SD factor']:.5g}**" in " ".join(texts(at.caption))


@pytest.mark.parametrize("a,iterations", [("1", 2), ("1e-05", 3)])
def test_cg_iteration_count_is_measured(a, iterations):
    # CG ends after n = 2 steps in exact arithmetic; at a = 1e-5 (κ ≈ 6e10) round-off costs a third one
    at = play(page(NAME, {"section": "iterative", "a": a, "speed": "20"}).run(), RUN, 2)
    cg = at.session_state[RUN].series["CG (CGLS)"]
    assert cg.status == "converged" and numbers(at)["CG iterations"] == iterations
    cap = " ".join(texts(at.caption))
    assert f"CG (CGLS) stopped after **{iterations}** iterations" in cap
    assert ("the extra steps are round-off" in cap) == (iterations > 2)
    # the default convergence plot is the error to x_true: it levels off at ‖x* − x_true‖ (3.64e3 at a = 1e-5)
    n = numbers(at)
    assert n["CG ‖xₖ − x_true‖"] == pytest.approx(n["‖x* − x_true‖"], rel=1e-6)
    assert n["‖x* − x_true‖"] == pytest.approx(3639.4465, rel=1e-6) if a == "1e-05" else n["CG ‖xₖ − x_true‖"] < 0.07
    conv = figures(at)[0]
    assert "x_true" in conv["layout"]["yaxis"]["title"]["text"]
    assert conv["layout"]["annotations"][-1]["text"] == f"‖x* − x_true‖ = {n['‖x* − x_true‖']:.3g}"
    at = page(NAME, {"preset": "cg-round-off"}).run()
    assert_clean(at)


def test_ill_conditioned_3x2_numbers():
    at = page(NAME, {"section": "iterative", "a": "1e-05"}).run()
    assert_clean(at)
    n = numbers(at)
    assert float(f"{n['cond(A)']:.3g}") == 2.45e5 and n["SD factor (κ−1)/(κ+1)"] > 0.9999999999
    assert n["‖x* − x_true‖"] == pytest.approx(3.6e3, rel=0.02)  # x* far from x_true: ill-conditioning
    assert f"**‖x* − x_true‖ = {n['‖x* − x_true‖']:.3g}.**" in " ".join(texts(at.info))  # shown prominently
    contour = figures(at)[1]
    mark = next(tr for tr in contour["data"] if str(tr.get("name", "")).startswith("toward x_true"))
    assert "3.64e+03 from x*" in mark["name"]  # off the window: the marker points the way
    at = page(NAME, {"section": "iterative", "a": "1e-05", "plot": "x_star"}).run()  # the other view: the rates
    assert "x*" in figures(at)[0]["layout"]["yaxis"]["title"]["text"]
    at = page(NAME, {"section": "iterative", "a": "1"}).run()  # well conditioned: x_true is on the plot, near x*
    assert any(tr.get("name") == "x_true" for tr in figures(at)[1]["data"])
    assert numbers(at)["‖x* − x_true‖"] == pytest.approx(0.0617, abs=1e-4)


def test_absurd_step_diverges_with_message_and_curve():
    at = play(page(NAME, {"section": "iterative", "line_search": "fixed", "step": "1", "speed": "50"}).run(), RUN, 3)
    err = " ".join(texts(at.error))
    assert "diverged at iteration" in err and "exceeds 1/λmax" in err
    conv = figures(at)[0]
    sd = next(tr for tr in conv["data"] if tr.get("name") == "steepest descent")
    assert len(sd["x"]["bdata"] if isinstance(sd["x"], dict) else sd["x"]) >= 2  # the curve up to the divergence
    # lowering the step restarts the diverged run, which now converges
    at.select_slider(key="lstsq.iterative.step").set_value(0.01).run()
    play(at, RUN, 3)
    assert "diverged" not in " ".join(texts(at.error))


def test_step_change_mid_run_takes_effect_without_reset():
    at = play(page(NAME, {"section": "iterative", "line_search": "fixed", "step": "0.001", "speed": "10"}).run(), RUN, 1)
    before = at.session_state[RUN].series["steepest descent"].iteration
    assert before >= 10
    at.select_slider(key="lstsq.iterative.step").set_value(0.01).run()
    run = at.session_state[RUN]
    sd = run.series["steepest descent"]
    assert sd.iteration >= before  # continued, not reset
    assert run.events and "step" in run.events[-1][1]
    assert sd.last.info["step"] == pytest.approx(0.01)


def test_step_is_not_sent_into_the_exact_line_search():
    at = play(page(NAME, {"section": "iterative", "speed": "5"}).run(), RUN, 1)
    assert at.select_slider(key="lstsq.iterative.step").disabled
    at.session_state["lstsq.iterative.step"] = 0.1  # e.g. a Try-this button
    at.run()
    run = at.session_state[RUN]
    assert not run.events and run.series["steepest descent"].last.info["step"] != pytest.approx(0.1)


def test_structural_change_resets():
    at = play(page(NAME, {"section": "iterative", "speed": "10"}).run(), RUN, 1)
    at.segmented_control(key="lstsq.iterative.a").set_value(1e-2).run()
    assert_clean(at)
    run = at.session_state[RUN]
    assert run.series["steepest descent"].iteration == 0 and not run.running


def test_deblur_semi_convergence_live():
    at = play(page(NAME, {"section": "deblur", "noise": "0.01", "speed": "20"}).run(), DEBLUR_RUN, 4)
    e = np.asarray(at.session_state[DEBLUR_RUN].series["CGLS"].history["error"])
    k = int(np.argmin(e))
    assert 0 < k < e.size - 1 and e[-1] > 1.5 * e[k]  # falls, then rises: semi-convergence
    at.button(key=f"{DEBLUR_RUN}.play").click().run()  # pause: the page records the semi-convergence numbers
    n = numbers(at)
    assert n["CGLS best iteration"] == k and n["CGLS smallest error"] == pytest.approx(e[k], rel=1e-12)
    assert n["CGLS error now"] > 1.5 * n["CGLS smallest error"]


def test_deblur_numbers_and_lsqr_check():
    at = page(NAME, {"section": "deblur"}).run()
    assert_clean(at)
    n = numbers(at)
    # measured at the defaults (noise 0.01, width 0.03, seed 0): naive 2.7e10, Tikhonov 0.172, TSVD 0.193,
    # corner α = 3.4e-4 with error 0.203
    assert n["error, no regularization"] > 1e6 and n["error, Tikhonov"] < 0.2 and n["error, truncated SVD"] < 0.2
    assert 1e-4 < n["L-curve corner α"] < 1e-3 and n["error at the corner"] < 0.25
    assert any(s.startswith("Tikhonov solution by the SVD") for s in texts(at.success))
    # the L-curve of the CGLS iterates beside the Tikhonov one; its best iterate as good as the best Tikhonov α
    lc = next(tr for tr in figures(at)[2]["data"] if tr.get("name") == "CGLS, iteration k varies")
    assert len(lc["text"]) == 100 and lc["text"][0] == "k = 1"
    assert 5 < n["CGLS L-curve: best iteration"] < 60 and n["CGLS L-curve: best error"] < 0.25
    assert f"best iteration k = {int(n['CGLS L-curve: best iteration'])}" in " ".join(texts(at.markdown))


@pytest.mark.parametrize("preset,key", [("naive-inversion", "error, Tikhonov"), ("l-curve-corner", "error, Tikhonov")])
def test_deblur_presets(preset, key):
    at = page(NAME, {"preset": preset}).run()
    assert_clean(at)
    n = numbers(at)
    if preset == "naive-inversion":  # noise amplified by 1/σᵢ: far worse than at the corner
        assert n[key] > 10 * n["error at the corner"] and n["error, truncated SVD"] > 10 * n["error at the corner"]
    else:  # the corner's α: an error close to the corner's
        assert n[key] == pytest.approx(n["error at the corner"], rel=0.05)


def test_digits_accuracies():
    at = page(NAME, {"section": "digits"}).run()
    assert_clean(at)
    n = numbers(at)  # 1000 training images, α = 1, QR: 95.6% and 740/797 = 92.8%
    assert n["training accuracy"] == pytest.approx(0.956) and n["test accuracy"] == pytest.approx(740 / 797)
    metrics = [m.value for m in at.metric]
    assert metrics == ["95.6%", "92.8%"]
    at = page(NAME, {"preset": "too-little-regularization"}).run()
    n = numbers(at)
    assert n["training accuracy"] > 0.99 and n["test accuracy"] < n["training accuracy"] - 0.05


def test_digits_weights_get_smaller_not_smoother():
    sizes = []
    for alpha in ("0.0001", "1.0", "100.0"):
        at = page(NAME, {"section": "digits", "alpha": alpha}).run()
        assert_clean(at)
        sizes.append(numbers(at)["‖W‖_F"])
        assert f"‖W‖_F = **{sizes[-1]:.3g}**" in " ".join(texts(at.caption))
    # measured (1000 training images, QR, seed 0); tests/core/test_regularization.py checks the SVD closed form
    assert sizes[0] > sizes[1] > sizes[2] and sizes == pytest.approx([16.88, 2.568, 1.026], rel=2e-3)


def test_polyfit_and_conditioning_numbers():
    at = page(NAME, {"section": "polyfit"}).run()
    n = numbers(at)
    assert n["best degree (test)"] == 4 and n["test RMS"] == pytest.approx(0.0520, abs=1e-4)
    at = page(NAME, {"preset": "overfitting"}).run()
    assert numbers(at)["training RMS"] < 1e-10  # degree 9 interpolates 10 points
    at = page(NAME, {"section": "conditioning"}).run()
    n = numbers(at)  # cond(A) = 1e6: the normal equations lose about twice as many digits as QR
    assert n["normal error at cond(A) = 1e6"] > 1e-7 and n["qr error at cond(A) = 1e6"] < 1e-9
    assert 1e6 < n["normal equations fail from cond(A)"] < 1e10


def test_rank_deficient_choices_are_explained_not_crashing():
    at = page(NAME, {"section": "polyfit", "degree": "12", "method": "normal", "alpha": "0"}).run()
    assert_clean(at)
    assert any("cannot fit degree 12" in w for w in texts(at.warning))
    at = page(NAME, {"section": "digits", "method": "normal", "alpha": "0.0001"}).run()
    assert_clean(at)


def test_bad_url_values():
    at = page(NAME, {"section": "nonsense", "a": "7", "step": "-3"}).run()
    assert_clean(at)
    note = " ".join(texts(at.warning))
    assert "`section=nonsense` is not one of" in note


@pytest.mark.parametrize("precond,max_iter", [("qr", 2), ("jacobi", None)])
def test_preconditioning(precond, max_iter):
    at = page(NAME, {"section": "iterative", "a": "0.01", "precond": precond, "speed": "5"}).run()
    assert_clean(at)
    kappa = numbers(at)["κ = cond((AM⁻¹)ᵀAM⁻¹)"]
    assert f"κ = cond((AM⁻¹)ᵀAM⁻¹) = **{kappa:.3g}**" in " ".join(texts(at.markdown))
    if precond == "qr":
        assert kappa == pytest.approx(1.0, abs=1e-6)  # A R⁻¹ = Q: perfectly conditioned
    else:
        assert kappa > 1e4  # column scaling does not cure nearly parallel columns
    play(at, RUN, 1)
    sd = at.session_state[RUN].series["steepest descent"]
    if max_iter is not None:
        assert sd.status == "converged" and sd.iteration <= max_iter
        assert sd.history["error"][-1] < 1e-10


def test_presets_open_their_section():
    for preset, section in (("zig-zag", "iterative"), ("semi-convergence", "deblur"), ("small-weights", "digits"),
                            ("x-true-floor", "iterative")):
        at = page(NAME, {"preset": preset}).run()
        assert_clean(at)
        assert at.query_params["section"] in (section, [section])


def test_notation_is_stated_and_the_step_bound_matches_it():
    at = page(NAME, {"section": "iterative", "a": "1"}).run()
    theory = " ".join(texts(at.markdown))
    assert "α is the regularization weight" in theory and "t the step size" in theory
    assert "‖Ax − b‖² has no ½" in theory and "t < 1/λmax(AᵀA)" in theory
    # f = ‖Ax − b‖²: e ← (I − 2t AᵀA) e is stable iff t < 1/λmax(AᵀA), the bound the page records
    A = exercise_3x2(1.0, 0.1, 0)[0]
    assert numbers(at)["stable step limit 1/λmax"] == pytest.approx(1 / np.linalg.eigvalsh(A.T @ A)[-1], rel=1e-12)


def test_galileo_fit():
    at = page(NAME, {"section": "galileo"}).run()
    assert_clean(at)
    n = numbers(at)  # g = 2 Σt²x / Σt⁴ = 2·482.2/98; tests/core/test_testproblems.py checks numpy's lstsq
    assert n["g (m/s²)"] == pytest.approx(9.840816, abs=1e-6) and "quadratic: g = 2c" not in n
    assert any("= 9.8408" in x.value for x in at.latex)
    assert "00-NumDNN-Introduction.tex" in " ".join(texts(at.markdown))
    at = page(NAME, {"preset": "galileo-quadratic"}).run()
    assert_clean(at)
    n = numbers(at)
    assert n["quadratic: g = 2c"] == pytest.approx(9.55, abs=1e-9)
    assert n["quadratic: residual norm"] < n["residual norm"]
    assert [tr["name"] for tr in figures(at)[0]["data"]][:2] == ["½ g t², g = 9.841", "a + bt + ct², 2c = 9.55"]


def test_validation_choices_and_bias_variance():
    at = page(NAME, {"section": "validation"}).run()
    assert_clean(at)
    n = numbers(at)  # tests/core/test_validation.py checks these against sklearn and numpy oracles
    assert n["validation: chosen α"] == pytest.approx(10**-2.5) and n["validation: test RMS at the choice"] < 0.06
    assert n["digits: chosen α"] == pytest.approx(10**0.5) and n["digits: test accuracy at the choice"] > 0.75
    assert n["bias–variance: best α"] == pytest.approx(10**-3.5)
    cap = " ".join(texts(at.caption))
    assert f"Validation picks α = **{n['validation: chosen α']:.3g}**" in cap
    assert "02-NumDNN-LinearLeastSquares.tex" in " ".join(texts(at.markdown))
    names = [tr["name"] for tr in figures(at)[3]["data"]]
    assert names[:4] == ["bias²", "variance", "bias² + variance", "test MSE (+ noise σ²)"]
    at = page(NAME, {"preset": "validation-degree"}).run()
    assert_clean(at)
    n = numbers(at)
    assert (n["validation: chosen degree"], n["k-fold CV: chosen degree"], n["bias–variance: best degree"]) == (6, 5, 3)
    at = page(NAME, {"preset": "validation-cgls"}).run()
    assert_clean(at)
    assert numbers(at)["digits: chosen CGLS iterations"] == 10

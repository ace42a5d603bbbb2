"""pages/least_squares.py headless: every experiment, the live runs (Play, Step, divergence, mid-run step change)."""
from __future__ import annotations

import numpy as np
import pytest

from tests.pages.helpers import assert_clean, figures, page, render_section, texts

NAME = "least_squares.py"
SECTIONS = ["polyfit", "iterative", "deblur", "conditioning", "digits"]


@pytest.mark.parametrize("section", SECTIONS)
def test_each_section_renders(section):
    render_section(NAME, section)


def test_step_then_play_on_3x2():
    at = page(NAME, {"section": "iterative", "a": "1"}).run()
    at.button(key="lstsq.iter.run.step").click().run()
    at.button(key="lstsq.iter.run.step").click().run()
    assert_clean(at)
    cap = " ".join(texts(at.caption))
    assert "steepest descent**: iteration 2" in cap
    assert "CG (CGLS)**: converged at iteration 2" in cap  # CG ends in 2 steps
    at.button(key="lstsq.iter.run.play").click().run()
    for _ in range(3):
        at.run()  # each run stands for one frame of the fragment timer
    assert_clean(at)
    assert "iteration 2 " not in " ".join(texts(at.caption))


@pytest.mark.parametrize("a,bound", [("1", 0.988), ("0.01", 0.99997)])
def test_sd_rate_within_theory(a, bound):
    at = page(NAME, {"section": "iterative", "a": a, "speed": "200"}).run()
    at.button(key="lstsq.iter.run.play").click().run()
    for _ in range(6):
        at.run()
    assert_clean(at)
    info = " ".join(texts(at.info))
    measured = float(info.split("iterations): **")[1].split("**")[0])
    theory = float(info.split("(κ−1)/(κ+1) is ")[1].rstrip("."))
    assert theory == pytest.approx(bound, abs=5e-4)  # the syllabus' reference factors 0.988, 0.99997
    # from the worst-case start, the exact line search contracts by exactly the bound
    assert measured == pytest.approx(theory, abs=2e-5)


def test_absurd_step_diverges_with_message_and_curve():
    at = page(NAME, {"section": "iterative", "line_search": "fixed", "step": "1", "speed": "50"}).run()
    at.button(key="lstsq.iter.run.play").click().run()
    for _ in range(3):
        at.run()
    assert_clean(at)
    err = " ".join(texts(at.error))
    assert "diverged at iteration" in err and "exceeds 1/λmax" in err
    conv = figures(at)[0]
    sd = next(tr for tr in conv["data"] if tr.get("name") == "steepest descent")
    assert len(sd["x"]) >= 2  # the curve up to the divergence is kept
    # lowering the step restarts the diverged run, which now converges
    at.select_slider(key="lstsq.iterative.step").set_value(0.01).run()
    at.button(key="lstsq.iter.run.play").click().run()
    for _ in range(3):
        at.run()
    assert_clean(at)
    assert "diverged" not in " ".join(texts(at.error))


def test_step_change_mid_run_takes_effect_without_reset():
    at = page(NAME, {"section": "iterative", "line_search": "fixed", "step": "0.001", "speed": "10"}).run()
    at.button(key="lstsq.iter.run.play").click().run()
    at.run()
    before = at.session_state["lstsq.iter.run"].series["steepest descent"].iteration
    assert before >= 10
    at.select_slider(key="lstsq.iterative.step").set_value(0.01).run()
    run = at.session_state["lstsq.iter.run"]
    sd = run.series["steepest descent"]
    assert sd.iteration >= before  # continued, not reset
    assert run.events and "step" in run.events[-1][1]
    assert sd.last.info["step"] == pytest.approx(0.01)


def test_structural_change_resets():
    at = page(NAME, {"section": "iterative", "speed": "10"}).run()
    at.button(key="lstsq.iter.run.play").click().run()
    at.run()
    at.segmented_control(key="lstsq.iterative.a").set_value(1e-2).run()
    assert_clean(at)
    run = at.session_state["lstsq.iter.run"]
    assert run.series["steepest descent"].iteration == 0 and not run.running


def test_deblur_semi_convergence_live():
    at = page(NAME, {"section": "deblur", "noise": "0.01", "speed": "20"}).run()
    at.button(key="lstsq.deblur.run.play").click().run()
    for _ in range(4):
        at.run()
    assert_clean(at)
    e = np.asarray(at.session_state["lstsq.deblur.run"].series["CGLS"].history["error"])
    k = int(np.argmin(e))
    assert 0 < k < e.size - 1 and e[-1] > 1.5 * e[k]  # falls, then rises: semi-convergence


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
    md = " ".join(texts(at.markdown))
    kappa = float(md.split("κ = cond((AM⁻¹)ᵀAM⁻¹) = **")[1].split("**")[0])
    if precond == "qr":
        assert kappa == pytest.approx(1.0, abs=1e-6)  # A R⁻¹ = Q: perfectly conditioned
    else:
        assert kappa > 1e4  # column scaling does not cure nearly parallel columns
    at.button(key="lstsq.iter.run.play").click().run()
    at.run()
    sd = at.session_state["lstsq.iter.run"].series["steepest descent"]
    if max_iter is not None:
        assert sd.status == "converged" and sd.iteration <= max_iter
        assert sd.history["error"][-1] < 1e-10

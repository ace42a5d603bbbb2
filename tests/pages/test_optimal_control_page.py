"""pages/optimal_control.py, sections "gradients" and "train", headless: both render; the course's derivative checks on
the page (DTO and OTD at rtol 1e-7 pass with order 2, OTD at 1e-2 fails with order 1); live training with DTO and
OTD steps, records the numbers and its history stays bounded; an absurd learning rate ends in "diverged"."""
from __future__ import annotations

import pytest

from app.lesson import EXPORT_KEY
from tests.pages.helpers import assert_clean, figures, page, render_section, texts

NAME = "optimal_control.py"
RUN = "oc.train.run"


@pytest.mark.parametrize("section", ["gradients", "train"])
def test_each_section_renders(section):
    at = render_section(NAME, section)
    assert len(figures(at)) >= 2


def _numbers(at) -> dict:
    return at.session_state[EXPORT_KEY]["oc"]["numbers"]


def test_gradients_show_the_course_checks():
    at = page(NAME, {"section": "gradients"}).run()
    assert_clean(at)
    n = _numbers(at)
    assert n["DTO E1 order"] == pytest.approx(2.0, abs=0.15) and n["OTD E1 order"] == pytest.approx(2.0, abs=0.15)
    assert len(at.success) >= 2 and not at.error
    assert n["OTD error at rtol 1e-1"] > 1e3 * n["OTD error at rtol 1e-9"]


def test_loose_tolerance_preset_fails_the_taylor_test():
    at = page(NAME, {"preset": "otd-loose-tolerance"}).run()
    assert_clean(at)
    n = _numbers(at)
    assert n["OTD E1 order"] == pytest.approx(1.0, abs=0.25)  # measured 0.96
    assert n["OTD E1 at smallest h"] > 20 * n["DTO E1 at smallest h"]  # measured 3.6e-8 against 5.2e-10
    assert any("not the gradient of the computed loss" in e for e in texts(at.error))


def test_training_steps_both_methods_and_records_numbers():
    at = page(NAME, {"section": "train"}).run()
    assert_clean(at)
    for _ in range(3):
        at.button(key=f"{RUN}.step").click().run()
    assert_clean(at)
    run = at.session_state[RUN]
    assert set(run.series) == {"DTO (RK4, 30 steps)", "OTD (rtol 1e-02, atol 1e-02)"}
    assert all(s.iteration == 3 for s in run.series.values())
    n = _numbers(at)
    assert n["DTO (RK4, 30 steps) loss"] < 184.36  # the loss falls from 184.36 at the start
    assert "OTD (rtol 1e-02, atol 1e-02) true loss" in n
    assert len(figures(at)) >= 2


def test_play_runs_and_history_stays_bounded():
    at = page(NAME, {"section": "train", "run_otd": "0", "speed": "50"}).run()
    at.button(key=f"{RUN}.play").click().run()
    for _ in range(4):
        at.run()
    assert_clean(at)
    s = at.session_state[RUN].series["DTO (RK4, 30 steps)"]
    assert s.iteration >= 50 and len(s.history["iteration"]) <= 120


def test_absurd_learning_rate_diverges_with_a_message():
    at = page(NAME, {"preset": "learning-rate-too-large"}).run()
    at.button(key=f"{RUN}.step").click().run()
    assert_clean(at)
    assert any("diverged at iteration 1" in e for e in texts(at.error))


def test_no_method_switched_on_is_a_warning():
    at = page(NAME, {"section": "train", "run_dto": "0", "run_otd": "0"}).run()
    assert_clean(at)
    assert any("at least one method" in w for w in texts(at.warning))


@pytest.mark.parametrize("preset", ["dto-rk4", "otd-loose-tolerance", "trained-weights", "dto-vs-otd",
                                    "otd-tight-tolerance", "learning-rate-too-large"])
def test_presets_open_their_section(preset):
    at = page(NAME, {"preset": preset}).run()
    assert_clean(at)
    assert figures(at) and at.query_params["section"] in (("gradients",), ["gradients"], "gradients",
                                                          ("train",), ["train"], "train")


def test_trained_weights_preset_shows_the_dramatic_failure():
    n = _numbers(page(NAME, {"preset": "trained-weights"}).run())
    assert n["DTO E1 order"] == pytest.approx(2.0, abs=0.15) and n["OTD E1 order"] == pytest.approx(1.0, abs=0.2)
    assert n["OTD E1 at smallest h"] > 1e5 * n["DTO E1 at smallest h"]  # measured 1.0e-3 against 2.8e-9
    assert n["OTD error at rtol 1e-1"] > 10 and n["DTO distance to the continuous gradient"] > 0.01  # 78, 0.071

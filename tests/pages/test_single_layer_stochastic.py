"""The stochastic-optimization section of pages/single_layer.py headless: every topic renders and records the
numbers of numdl_core.stochastic (the oracle: the core functions called directly); the live run steps, takes a
new learning rate and decay mid-run without a restart, shows AdaGrad's decayed rate and keeps its frames small."""
from __future__ import annotations

import numpy as np
import pytest

from app.lesson import EXPORT_KEY
from numdl_core import stochastic as so
from tests.pages.helpers import assert_clean, figures, frame_bytes, page

NAME = "single_layer.py"
RUN = "sl.stochastic.run"


def _numbers(at) -> dict:
    return next(iter(at.session_state[EXPORT_KEY].values()))["numbers"]


@pytest.mark.parametrize("part,core", [
    ("saa", lambda: so.saa_vs_sa()), ("steps", lambda: so.step_size_study()),
    ("preprocess", lambda: so.conditioning_after_preprocessing())])
def test_each_topic_records_the_core_numbers(part, core):
    at = page(NAME, {"section": "stochastic", "part": part}).run()
    assert_clean(at)
    assert figures(at)
    recorded, expected = _numbers(at), core().numbers
    assert set(recorded) == set(expected)
    for k, v in expected.items():
        assert recorded[k] == pytest.approx(float(v), rel=1e-12, abs=1e-300), k
    if part == "steps":  # the measured facts the text states: floor ~ step, the schedule keeps converging
        assert 3.0 < recorded["floor ratio lr : lr/4"] < 5.5 and recorded["constant / decaying"] > 20
    if part == "preprocess":
        assert recorded["GD iterations, none"] == 536 and recorded["GD iterations, standardize"] == 4


def test_live_run_steps_takes_tunables_mid_run_and_sends_small_frames():
    at = page(NAME, {"section": "stochastic", "part": "live"}).run()
    assert_clean(at)
    run = at.session_state[RUN]
    assert list(run.series) == ["momentum", "Nesterov", "AdaGrad", "Adam"]
    for _ in range(2):
        at.button(key=f"{RUN}.step").click().run()
    at.select_slider(key="sl.stochastic.lr").set_value(0.02).run()  # sent into the running generators
    at.selectbox(key="sl.stochastic.decay").set_value(0.01).run()
    for _ in range(2):  # the kit fetches one iteration ahead: the new values act from the next one
        at.button(key=f"{RUN}.step").click().run()
    assert_clean(at)
    run = at.session_state[RUN]
    assert len(run.events) == 2 and all(s.offset == 0 for s in run.series.values())  # sent, not restarted
    ada = run.series["AdaGrad"]
    assert ada.iteration == 4 and ada.last.info["lr"] == 0.02 and ada.last.info["decay"] == 0.01
    assert ada.last.info["lr_k"] < 0.02  # lr / (1 + 0.01 k), k counted from the start of the run
    gaps = run.series["Nesterov"].history["gap"]
    assert gaps[-1] < 0.1 * gaps[0]
    at.button(key=f"{RUN}.play").click().run()
    at.run()
    assert_clean(at)
    sizes = frame_bytes(at)
    assert sizes and sum(sizes.values()) <= 20_000, sizes
    assert np.isfinite(_numbers(at)["Adam gap"])

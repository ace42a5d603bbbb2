"""pages/deep_networks.py headless: every section renders; the course's norm numbers on the page; live training
records per-layer gradient norms (exploding at depth 30 with naive init, tamed by He); the checks pass."""
from __future__ import annotations

import pytest

from tests.pages.helpers import assert_clean, page, render_section, texts

NAME = "deep_networks.py"
RUN = "dn.train.run"


@pytest.mark.parametrize("section", ["norms", "train", "resnet", "checks"])
def test_each_section_renders(section):
    render_section(NAME, section)


def test_norms_show_the_course_numbers():
    at = page(NAME, {"section": "norms"}).run()
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics["‖K₃K₂K₁y‖/‖y‖, entries N(0,1)"]) == pytest.approx(1000, rel=0.05)
    assert float(metrics["‖K₃K₂K₁y‖/‖y‖, entries U[-0.5,0.5]"]) == pytest.approx(24, rel=0.05)
    assert float(metrics["‖K₃K₂K₁y‖/‖y‖, entries U[-0.05,0.05]"]) == pytest.approx(0.024, rel=0.05)


def _start_ratio(at) -> float:
    cap = next(c for c in texts(at.caption) if "At the start ‖∇K₁f‖ / ‖∇K_L f‖ = " in c)
    return float(cap.split("‖∇K_L f‖ = ")[-1].split(";")[0])


def test_exploding_gradients_then_he_init():
    at = page(NAME, {"preset": "exploding-gradients-at-depth-30"}).run()
    assert_clean(at)
    at.button(key=f"{RUN}.step").click().run()
    assert_clean(at)
    run = at.session_state[RUN]
    assert {"g1", "g30", "gW"} <= set(run.series["SGD"].history)
    bad = _start_ratio(at)
    good = _start_ratio(page(NAME, {"preset": "he-init-fixes-it"}).run())
    assert bad > 1e3 and good < 1  # measured 2.91e3 (tanh, naive) and 0.393 (ReLU, He)


def test_checks_pass():
    at = page(NAME, {"section": "checks"}).run()
    assert_clean(at)
    assert any("passes" in s for s in texts(at.success)) and any("transpose" in s for s in texts(at.success))
    assert not at.error


def test_recorded_gradient_norms_are_the_models_and_history_stays_bounded():
    from numdl_core.mlp import training_problem

    at = page(NAME, {"section": "train", "depth": "3", "n_train": "200"}).run()
    for _ in range(3):
        at.button(key=f"{RUN}.step").click().run()
    assert_clean(at)
    s = at.session_state[RUN].series["SGD"]
    model = training_problem("spirals", 200, 3, 16).model
    recorded = [s.history[k][-1] for k in ("g1", "g2", "g3", "gW")]
    assert recorded == pytest.approx(list(model.layer_gradient_norms(s.last.x)), rel=1e-12)
    assert len(s.history["iteration"]) <= 60

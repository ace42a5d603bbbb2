"""pages/dynamical_systems.py headless: every section renders; the live MSA and GD runs lower the loss and the
costate equals the adjoint; parareal is exact at k = N; the LM-ResNet with k = 0 is the ResNet and k = -0.5
stabilizes z = -2.5."""
from __future__ import annotations

from functools import partial

import pytest

from tests.pages.helpers import assert_clean, lesson_numbers, page, render_section, texts

NAME = "dynamical_systems.py"
RUN = "dyn.msa.run"

_numbers = partial(lesson_numbers, key="dyn")


@pytest.mark.parametrize("section", ["msa", "parareal", "architectures"])
def test_each_section_renders(section):
    render_section(NAME, section)


def test_live_msa_and_gd_lower_the_loss():
    at = page(NAME, {"section": "msa", "speed": "20"}).run()
    assert_clean(at)
    at.button(key=f"{RUN}.play").click().run()
    for _ in range(3):
        at.run()
    at.button(key=f"{RUN}.play").click().run()
    assert_clean(at)
    n = _numbers(at)
    assert n["MSA iterations"] > 10 and n["GD iterations"] > 10
    assert n["MSA loss"] < 0.1 * 0.338 and n["GD loss"] < 0.1 * 0.338
    assert n["costate vs adjoint gap"] < 1e-14


def test_parareal_is_exact_at_N_on_the_page():
    at = page(NAME, {"preset": "parareal-exact"}).run()
    assert_clean(at)
    n = _numbers(at)
    assert n["error at k = N"] < 1e-12 and n["error at k = 0"] > 1e-3
    assert n["iterations to 1e-8"] <= 8
    assert any("equals the fine solve" in s for s in texts(at.success))


def test_lm_resnet_presets():
    at = page(NAME, {"preset": "lm-resnet-stabler"}).run()
    assert_clean(at)
    n = _numbers(at)
    assert n["|u_L| ResNet"] > 1e3 and n["|u_L| LM-ResNet"] < 1.0
    assert n["LM stability interval left end"] == pytest.approx(-3.0, abs=2e-3)
    at = page(NAME, {"preset": "lm-k-zero"}).run()
    n = _numbers(at)
    assert n["|u_L| ResNet"] == pytest.approx(n["|u_L| LM-ResNet"], rel=1e-12)
    assert n["LM stability interval left end"] == pytest.approx(-2.0, abs=2e-3)

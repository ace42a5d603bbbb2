"""pages/neural_tangent_kernel.py headless: every section renders with cold caches fast enough; the kernel error
falls like m^(-1/2) and training is lazy on the page; the live wide network stays close to kernel regression and a
narrow one does not; the residual components follow the eigenvalue prediction at large width, not at small width."""
from __future__ import annotations

from functools import partial

import pytest

from tests.pages.helpers import assert_clean, cold_render, lesson_numbers, page, render_section

NAME = "neural_tangent_kernel.py"
RUN = "ntk.regression.run"

_numbers = partial(lesson_numbers, key="ntk")


@pytest.mark.parametrize("section", ["kernel", "lazy", "regression", "spectral-bias"])
def test_each_section_renders(section):
    render_section(NAME, section)


def test_kernel_error_slope_and_lazy_slopes_on_the_page():
    n = _numbers(page(NAME, {"section": "kernel"}).run())
    assert n["log-log slope of the kernel error"] == pytest.approx(-0.5, abs=0.15)
    n = _numbers(page(NAME, {"preset": "deep-network"}).run())  # 3 hidden layers: measured -0.52
    assert n["log-log slope of the kernel error"] == pytest.approx(-0.5, abs=0.15)
    n = _numbers(page(NAME, {"section": "lazy"}).run())
    assert n["log-log slope of the weight change"] == pytest.approx(-0.5, abs=0.15)
    assert n["log-log slope of the kernel change"] < -0.35


def _play(query, frames=3):
    at = page(NAME, query).run()
    assert_clean(at)
    at.button(key=f"{RUN}.play").click().run()
    for _ in range(frames):
        at.run()
    at.button(key=f"{RUN}.play").click().run()
    assert_clean(at)
    return at


def test_live_wide_network_follows_kernel_regression_narrow_does_not():
    wide = _numbers(_play({"preset": "wide-network"}))
    narrow = _numbers(_play({"preset": "narrow-network"}))
    assert wide["GD iterations"] > 50 and wide["max |f - f_KR| on the test circle"] < 0.15
    assert narrow["max |f - f_KR| on the test circle"] > 2 * wide["max |f - f_KR| on the test circle"]


def test_spectral_bias_prediction_holds_wide_fails_narrow():
    wide = _numbers(page(NAME, {"preset": "spectral-wide"}).run())
    narrow = _numbers(page(NAME, {"preset": "spectral-narrow"}).run())
    assert wide["relative deviation of the top 4 components"] < 0.05
    assert narrow["relative deviation of the top 4 components"] > 2 * wide["relative deviation of the top 4 components"]


def test_divergence_is_reported_not_raised():
    at = page(NAME, {"section": "lazy", "eta_scale": "2.5"}).run()
    assert_clean(at)


@pytest.mark.parametrize("section", ["kernel", "lazy", "regression", "spectral-bias"])
def test_cold_first_render_is_fast(section):
    _, seconds = cold_render(NAME, section)
    assert seconds < 1.0  # budget 0.3 s on an idle machine; shared CI cores get slack

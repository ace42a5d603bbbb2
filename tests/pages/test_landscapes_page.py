"""pages/landscapes.py headless: every section renders; the live overparameterized run follows the linear bound;
the sweep's slope is near -1/2; noisy GD leaves the saddle while GD stays; the grid finds no spurious minimum of the
factorization loss and finds the sine neuron's."""
from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from tests.pages.helpers import assert_clean, lesson_numbers, page, render_section

NAME = "landscapes.py"

_numbers = partial(lesson_numbers, key="ls")


@pytest.mark.parametrize("section", ["overparameterized", "movement", "saddle", "no-spurious-minima"])
def test_each_section_renders(section):
    assert _numbers(render_section(NAME, section)), f"{section} records no numbers"


def test_wide_network_beats_the_bound():
    at = page(NAME, {"section": "overparameterized", "speed": "20"}).run()
    for _ in range(3):
        at.button(key="ls.overparameterized.run.step").click().run()
    assert_clean(at)
    n = _numbers(at)
    assert n["measured average rate"] < n["bound rate 1 - eta lambda_0/2"] < 1
    assert n["lambda_min(H(0))"] == pytest.approx(n["lambda_0 = lambda_min(H_inf)"], rel=0.2)
    assert n["relative movement"] < 0.05


def test_movement_slope_and_mean_field():
    assert abs(_numbers(page(NAME, {"section": "movement"}).run())[
        "fitted slope of ||W - W0||_F / ||W0||_F"] + 0.5) <= 0.15
    mf = _numbers(page(NAME, {"preset": "mean-field-moves"}).run())
    assert abs(mf["fitted slope of ||W - W0||_F / ||W0||_F"]) < 0.2


def test_noisy_gd_escapes_gd_stays():
    at = page(NAME, {"preset": "start-at-saddle"}).run()
    for _ in range(3):
        at.button(key="ls.saddle.run.step").click().run()
    assert_clean(at)
    n = _numbers(at)
    assert n["GD distance to the saddle"] == 0.0 and "GD escape iteration" not in n
    assert n["noisy GD escape iteration"] <= 200


def test_grid_counts():
    n = _numbers(page(NAME, {"section": "no-spurious-minima"}).run())
    assert (n["global minima"], n["strict saddles"], n["maxima"], n["spurious minima"]) == (2, 2, 1, 0)
    assert n["gradient Taylor E1 order"] == pytest.approx(2, abs=0.1)
    s = _numbers(page(NAME, {"preset": "sine-neuron"}).run())
    assert s["spurious minima"] >= 2 and np.isfinite(s["global minima"])

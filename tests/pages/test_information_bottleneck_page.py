"""pages/information_bottleneck.py headless: every section renders; the live information plane obeys
I(X;T) <= 12 bits and I(T;Y) <= H(Y), the tanh network fits and its layer T5 compresses; the estimator matches the
channel's closed form; the counterpoints run tanh and ReLU side by side; first renders are fast."""
from __future__ import annotations

from functools import partial

import pytest

from tests.pages.helpers import assert_clean, cold_render, lesson_numbers, page, play, render_section

NAME = "information_bottleneck.py"
_numbers = partial(lesson_numbers, key="infob")


@pytest.mark.parametrize("section", ["plane", "estimator", "counterpoints"])
def test_each_section_renders_fast(section):
    render_section(NAME, section)
    _, seconds = cold_render(NAME, section)
    assert seconds < 1.0  # bench target 0.3 s; headroom for a loaded test machine


def test_plane_fits_within_the_bounds_and_compresses():
    at = play(page(NAME, {"section": "plane", "speed": "20", "lr": "0.01"}).run(), "infob.plane.run", 4)
    n = _numbers(at)
    assert n["epochs"] >= 40
    assert n["accuracy (all 4096)"] > 0.95
    assert all(n[f"I(X;T{l})"] <= 12 + 1e-9 and n[f"I(T{l};Y)"] <= 1 + 1e-9 for l in range(1, 7))
    assert n["I(T6;Y)"] > 0.8


def test_estimator_matches_the_closed_form():
    at = page(NAME, {"section": "estimator", "n": "100000"}).run()
    assert_clean(at)
    n = _numbers(at)
    assert n["BSC: |estimate - closed form|"] < 0.01
    assert n["U mod 4: estimate (2 bits)"] == pytest.approx(2.0, abs=0.01)
    assert n["tanh init: I(X;T5) with 2 bins"] < n["tanh init: I(X;T5) with 1000 bins"] <= 12


def test_counterpoints_run_both_networks():
    at = play(page(NAME, {"section": "counterpoints", "speed": "5"}).run(), "infob.counterpoints.run", 2)
    n = _numbers(at)
    assert n["tanh: epochs"] >= 5 and n["relu: epochs"] >= 5

"""pages/neural_odes.py headless: every section renders; the live training records the NFE and it grows; the NFE
grows as the tolerance tightens; the flow keeps the order of two inputs that a large-step ResNet swaps; the deep
limit has slope -1."""
from __future__ import annotations

from functools import partial

import pytest

from tests.pages.helpers import assert_clean, lesson_numbers, page, render_section

NAME = "neural_odes.py"
_numbers = partial(lesson_numbers, key="no")


@pytest.mark.parametrize("section", ["adaptive", "robustness", "deep-limit"])
def test_each_section_renders(section):
    render_section(NAME, section)


def test_live_training_records_nfe_and_tolerance_study():
    at = page(NAME, {"section": "adaptive", "speed": "50"}).run()
    at.button(key="no.adaptive.run.play").click().run()
    at.run()
    assert_clean(at)
    n = _numbers(at)
    assert n["NFE at rtol 1e-8"] > n["NFE at rtol 1e-2"]
    assert n["NFE now"] >= 20 and n["training loss"] < 0.69


def test_swap_and_order():
    n = _numbers(page(NAME, {"preset": "swap-points"}).run())
    assert n["flow keeps order"] == 1.0 and n["ResNet step keeps order"] == 0.0
    n = _numbers(page(NAME, {"preset": "small-step"}).run())
    assert n["flow keeps order"] == 1.0 and n["ResNet step keeps order"] == 1.0


def test_deep_limit_slope():
    n = _numbers(page(NAME, {"section": "deep-limit"}).run())
    assert n["slope"] == pytest.approx(-1.0, abs=0.05)

"""pages/dropout.py headless: every section renders; the Monte Carlo estimate on the page lies within 3 standard
errors of the closed form; dropout SGD's average reaches the closed-form minimizer w_p (not least squares); the
factorization reaches the closed-form low-rank optimum with equalized columns; p = 1 removes every effect."""
from __future__ import annotations

from functools import partial

import pytest

from tests.pages.helpers import assert_clean, lesson_numbers, page, play, render_section

NAME = "dropout.py"

_numbers = partial(lesson_numbers, key="do")


@pytest.mark.parametrize("section", ["least-squares", "factorization", "mlp"])
def test_each_section_renders(section):
    render_section(NAME, section)


def test_monte_carlo_within_three_standard_errors_and_sgd_reaches_w_p():
    at = play(page(NAME, {"section": "least-squares", "speed": "100"}).run(), "do.least-squares.run", 3)
    n = _numbers(at)
    assert n["masks drawn"] >= 6000
    assert n["|mean - closed form| / standard error"] <= 3
    assert n["closed-form expected loss"] == pytest.approx(151.8028, rel=1e-5)  # at w_LS, p = 0.5, seed 0
    assert n["SGD average: relative distance to w_p"] < 0.05  # measured 0.018 after 300 epochs
    assert n["least squares: relative distance to w_p"] > 1.0  # 1.31: the minimizers differ from least squares


def test_keep_everything_has_no_variance_and_no_regularization():
    at = page(NAME, {"preset": "keep-everything"}).run()
    at.button(key="do.least-squares.run.step").click().run()
    assert_clean(at)
    n = _numbers(at)
    assert n["standard error"] == pytest.approx(0.0, abs=1e-9) and n["penalty at w"] == pytest.approx(0.0, abs=1e-9)
    assert n["least squares: relative distance to w_p"] == pytest.approx(0.0, abs=1e-12)


def test_factorization_reaches_the_low_rank_equalized_optimum():
    at = play(page(NAME, {"section": "factorization", "speed": "200"}).run(), "do.factorization.run", 4)
    n = _numbers(at)
    assert n["optimal rank"] == 3
    assert n["expected loss (GD): rank"] == 3 and n["no dropout: rank"] == 6
    assert n["expected loss (GD): max/min column product"] < 1.01  # equalized (1.41 each)
    assert n["no dropout: max/min column product"] > 2  # 4.3
    assert n["expected loss (GD): distance to the optimal singular values"] < 1e-3


def test_network_section_records_train_and_test_errors_and_takes_a_new_learning_rate():
    at = play(page(NAME, {"section": "mlp", "speed": "50"}).run(), "do.mlp.run", 2)
    n = _numbers(at)
    assert {"plain: test MSE", "dropout: test MSE", "weight decay: test MSE"} <= set(n)
    at.select_slider(key="do.mlp.lr").set_value(0.003).run()
    assert_clean(at)
    run = at.session_state["do.mlp.run"]
    assert run.iteration >= 100 and all(s.status == "running" for s in run.series.values())
    assert run.events and "lr 0.01 → 0.003" in run.events[-1][1]  # sent into the running Adam, no restart

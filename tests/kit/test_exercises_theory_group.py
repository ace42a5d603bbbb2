"""The exercises of implicit bias, dropout, landscapes, sparse coding and adversarial examples: the numbers their
questions quote are the ones the core computes, their set-ups are the pages' own, and the checks grade the edge
cases (divergent steps, ε just below the threshold) with the right verdict."""
from __future__ import annotations

import numpy as np

from app.lessons import adversarial as adv_page
from app.lessons import adversarial_exercises as adv_ex
from app.lessons import dropout_exercises as do_ex
from app.lessons import implicit_bias_exercises as ib_ex
from app.lessons import landscapes_exercises as ls_ex
from app.lessons import sparse_coding_exercises as sc_ex
from app.lessons.dropout_factorization import FACT, SHAPE


def _grade(module, name, answer):
    return next(e for e in module.EXERCISES.exercises if e.name == name).grade(answer)


def test_quoted_numbers_are_computed_ones():
    a, d, n = ib_ex._min_norm()
    assert (round(a, 3), round(d, 3), round(n, 3)) == (1.153, 5.85, 5.962)
    P, wls = do_ex._least_squares()
    fit = float(np.sum((P.y - P.X @ wls) ** 2))
    assert round(fit, 2) == 8.47 and round(do_ex.expected_loss(0.5) - fit, 1) == 143.3
    assert round(do_ex.expected_loss(0.2), 1) == 581.8


def test_set_ups_are_the_pages_defaults():
    assert adv_ex.SPLIT == adv_page.SPLIT and adv_ex.TRAIN == adv_page.TRAIN["softmax"]
    fact = {p.name: p.default for p in FACT}
    assert SHAPE == do_ex.SHAPE and (fact["r"], fact["rank"], fact["noise"]) == (do_ex.R, do_ex.RANK, 0.1)


def test_computed_answers():
    assert ib_ex.angle_iterations() == 1067
    assert np.count_nonzero(do_ex.optimum(0.1)) == 2 and abs(sum(do_ex.optimum(0.3)) / 6 - 0.9754) < 1e-3
    assert ls_ex.bound_iterations() == 110 and ls_ex.escape_iteration() == 146
    assert abs(ls_ex.saddle_curvature() + 6.0) < 1e-8
    assert sc_ex.fista_count() == 301 and sc_ex.orthogonal_steps() == 1
    assert adv_ex._half_eps() == 0.15 and adv_ex.targeted_eps() == 0.1


def test_edge_cases_get_the_right_verdict():
    assert _grade(sc_ex, "ista-step", 1.0).status == "almost"  # 1/L: 917 iterations, gap 1.4e-4 after 700
    assert "diverges" in _grade(sc_ex, "ista-step", 2.1).message
    assert _grade(sc_ex, "ista-step", 2.0).status == "wrong"  # |1 - t| = 1: no contraction
    assert _grade(sc_ex, "ista-step", 1.9).status == "correct"
    assert _grade(adv_ex, "targeted-eps", 0.09).status == "almost"  # still read as a 1
    assert _grade(adv_ex, "targeted-eps", 0.3).status == "wrong"  # works, far from the smallest
    assert _grade(adv_ex, "fgsm-half", 0.2).status == "almost"  # below 50 %, one grid step too far
    assert _grade(ls_ex, "escape-time", 138).status == "correct"  # the geometric estimate is within 10 %

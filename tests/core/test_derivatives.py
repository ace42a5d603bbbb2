"""Tests of numdl_core.derivatives: the planted bugs are what with_bug says, the Taylor test catches each
one, and the round-off floor of E1 is eps·|f| (a plateau, not an eps/h growth)."""
from __future__ import annotations

import numpy as np
import pytest

from numdl_core.checks import derivative_check
from numdl_core.derivatives import FUNCTIONS, GRADIENT_BUGS, make_function, with_bug

EPS = np.finfo(float).eps


def central_difference_gradient(f, x, h=1e-6):
    """Independent oracle: central differences, error O(h²) + O(eps/h)."""
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


@pytest.mark.parametrize("name", FUNCTIONS)
def test_correct_gradient_matches_central_differences(name):
    fun = make_function(name, 10, seed=0)
    g = fun.value_and_grad(fun.x0)[1]
    fd = central_difference_gradient(lambda x: fun.value_and_grad(x)[0], fun.x0)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_gradient_bug_is_what_the_docstring_says(name):
    fun = make_function(name, 10, seed=3)
    f, g = fun.value_and_grad(fun.x0)
    expected = {"none": g, "scaled": 1.01 * g,
                "sign": np.concatenate([g[:-1], [-g[-1]]]),
                "missing_term": np.concatenate([[0.5 * g[0]], g[1:]])}
    for bug in GRADIENT_BUGS:
        fb, gb = with_bug(fun, gradient=bug).value_and_grad(fun.x0)
        assert fb == f  # the value is never touched
        np.testing.assert_array_equal(gb, expected[bug])


@pytest.mark.parametrize("name", FUNCTIONS)
def test_each_hessian_bug_is_what_the_docstring_says(name):
    fun = make_function(name, 6, seed=1)
    v = np.random.default_rng(5).standard_normal(6)
    H = np.column_stack([fun.hess_vec(fun.x0, e) for e in np.eye(6)])  # dense Hessian, column by column
    np.testing.assert_allclose(with_bug(fun, hessian="scaled").hess_vec(fun.x0, v), 1.1 * H @ v, rtol=1e-12)
    np.testing.assert_allclose(with_bug(fun, hessian="missing_term").hess_vec(fun.x0, v), np.diag(H) * v,
                               rtol=1e-12)


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_taylor_test_catches_every_planted_gradient_bug(name, seed):
    fun = make_function(name, 10, seed=seed)
    for bug in GRADIENT_BUGS:
        res = derivative_check(with_bug(fun, gradient=bug).value_and_grad, fun.x0, seed=seed, n=25)
        if bug == "none":
            assert res.passed and abs(res.order - 2.0) < 0.05, (bug, res.order)
        else:
            assert not res.passed and abs(res.order - 1.0) < 0.05, (bug, res.order)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_taylor_test_catches_hessian_bugs(name):
    fun = make_function(name, 10, seed=0)
    ok = derivative_check(fun.value_and_grad, fun.x0, hess_vec=fun.hess_vec, n=20)
    if name == "quadratic":  # no third-order term: E2 is round-off for every h, the order is undefined
        assert ok.passed and np.isnan(ok.order2) and ok.err2.max() < 1e-13
    else:
        assert ok.passed and abs(ok.order2 - 3.0) < 0.1
    for bug in ("scaled", "missing_term"):
        b = with_bug(fun, hessian=bug)
        res = derivative_check(b.value_and_grad, b.x0, hess_vec=b.hess_vec, n=20)
        assert not res.passed and abs(res.order2 - 2.0) < 0.1, (bug, res.order2)


def test_round_off_plateau_is_eps_times_f_not_eps_over_h():
    """The page's default (tanh layer, n = 10, seed 0) with 30 step sizes: for tiny h, E1 sits on a plateau
    near eps·|f(x)|; an eps/h growth would put it some 1e8 times higher at h = 2^-29."""
    fun = make_function("tanh_layer", 10, seed=0)
    f0 = abs(fun.value_and_grad(fun.x0)[0])
    res = derivative_check(fun.value_and_grad, fun.x0, seed=0, n=30)
    assert res.passed and abs(res.order - 2.0) < 0.05
    floor = EPS * f0
    tail = res.err1[-5:]  # h = 2^-25 ... 2^-29, about 3e-8 ... 1.9e-9
    assert np.all(tail <= 4 * floor), tail / floor
    assert np.max(tail) >= 0.5 * floor  # at the round-off level, not below it
    assert np.max(tail) < 1e-6 * EPS * f0 / res.h[-1]  # nowhere near eps·|f|/h
    # before the plateau E1 still follows C·h²: 2^-15 ≈ 3e-5 is far above round-off
    k = 15
    assert res.err1[k] > 1e3 * floor
    assert abs(np.log2(res.err1[k - 1] / res.err1[k]) - 2.0) < 0.05

"""Tests of numdl_core.checks: the Taylor test and the adjoint (dot-product) test."""
from __future__ import annotations

import numpy as np
import pytest

from numdl_core.checks import adjoint_check, derivative_check, observed_order

RNG = np.random.default_rng(3)
N = 5
B = RNG.standard_normal((8, N))
C = RNG.standard_normal(8)
X0 = RNG.standard_normal(N)


def fun(x):
    """A smooth non-quadratic: sum log(1 + exp(B x - c)) + sum x^4 / 4, with its exact gradient."""
    z = B @ x - C
    return np.sum(np.logaddexp(0, z)) + 0.25 * np.sum(x**4), B.T @ (1 / (1 + np.exp(-z))) + x**3


def hess_vec(x, v):
    z = B @ x - C
    s = 1 / (1 + np.exp(-z))
    return B.T @ (s * (1 - s) * (B @ v)) + 3 * x**2 * v


def test_arrays_are_the_taylor_remainders():
    v = np.random.default_rng(0).standard_normal(N)
    r = derivative_check(fun, X0, v, hess_vec=hess_vec, n=8)
    f0, g = fun(X0)
    h = 2.0 ** -np.arange(8)
    np.testing.assert_array_equal(r.h, h)
    ft = np.array([fun(X0 + hi * v)[0] for hi in h])
    np.testing.assert_allclose(r.err0, abs(ft - f0), rtol=1e-12)
    np.testing.assert_allclose(r.err1, abs(ft - f0 - h * (g @ v)), rtol=1e-10)
    np.testing.assert_allclose(r.err2, abs(ft - f0 - h * (g @ v) - 0.5 * h**2 * (v @ hess_vec(X0, v))), rtol=1e-8)
    # the default direction is a standard normal draw with the seed
    r2 = derivative_check(fun, X0, seed=0, n=8)
    np.testing.assert_array_equal(r2.err1, derivative_check(fun, X0, v, n=8).err1)


@pytest.mark.parametrize("n", [10, 20])
def test_correct_gradient_has_order_two(n):
    r = derivative_check(fun, X0, n=n)
    # measured: order0 1.00, order 2.00 (n = 10 and 20)
    assert r.order0 == pytest.approx(1.0, abs=0.1)
    assert r.order == pytest.approx(2.0, abs=0.1)
    assert r.passed and not r.exact
    assert r.err2 is None and np.isnan(r.order2)


@pytest.mark.parametrize(
    "wrong",
    [lambda x: fun(x)[1] * 1.01, lambda x: fun(x)[1] + 1e-3, lambda x: fun(x)[1][::-1]],
    ids=["scaled", "shifted", "permuted"],
)
def test_wrong_gradient_has_order_one(wrong):
    r = derivative_check(lambda x: (fun(x)[0], wrong(x)), X0, n=20)
    # measured: 1.00 for all three (a 1e-3 shift still shows order 2 over h >= 2^-9, hence n = 20)
    assert r.order == pytest.approx(1.0, abs=0.1)
    assert not r.passed


def test_hessian_gives_order_three():
    r = derivative_check(fun, X0, hess_vec=hess_vec, n=10)
    assert r.order == pytest.approx(2.0, abs=0.1)
    assert r.order2 == pytest.approx(3.0, abs=0.15)  # measured 3.00
    assert r.passed
    bad = derivative_check(fun, X0, hess_vec=lambda x, v: 1.1 * hess_vec(x, v), n=10)
    assert bad.order2 == pytest.approx(2.0, abs=0.15)  # measured 2.01
    assert not bad.passed


def test_linear_and_quadratic_functions_are_exact():
    a = RNG.standard_normal(N)
    r = derivative_check(lambda x: (a @ x + 3.0, a), X0)
    assert r.exact and r.passed
    assert r.err1.max() < 1e-13  # round-off only
    np.testing.assert_allclose(r.err0, r.h * abs(a @ np.random.default_rng(0).standard_normal(N)), rtol=1e-12)
    Q = RNG.standard_normal((N, N))
    Q = Q @ Q.T
    r = derivative_check(lambda x: (0.5 * x @ Q @ x, Q @ x), X0, hess_vec=lambda x, v: Q @ v)
    assert r.passed and r.err2.max() < 1e-12
    assert r.order == pytest.approx(2.0, abs=1e-6)  # E1 = h^2/2 v'Qv exactly
    # a linear function with a correct (zero) Hessian passes, with a wrong Hessian it fails
    assert derivative_check(lambda x: (a @ x, a), X0, hess_vec=lambda x, v: 0 * v).passed
    r = derivative_check(lambda x: (a @ x, a), X0, hess_vec=lambda x, v: v)
    assert r.exact and not r.passed and r.order2 == pytest.approx(2.0, abs=1e-6)
    # a linear function with a wrong gradient is not "exact"
    r = derivative_check(lambda x: (a @ x, 2 * a), X0)
    assert not r.exact and not r.passed
    assert r.order == pytest.approx(1.0, abs=1e-6)


def test_matrix_valued_parameters():
    W0 = RNG.standard_normal((3, 4))
    M = RNG.standard_normal((3, 4))
    r = derivative_check(lambda W: (np.sum(np.sin(W) * M), np.cos(W) * M), W0)
    assert r.passed and r.order == pytest.approx(2.0, abs=0.1)


def test_derivative_check_bad_input():
    with pytest.raises(ValueError, match="non-finite"):
        derivative_check(fun, np.array([np.nan, 0, 0, 0, 0]))
    with pytest.raises(ValueError, match="shape"):
        derivative_check(fun, X0, np.ones(3))
    with pytest.raises(ValueError, match="n must"):
        derivative_check(fun, X0, n=1)
    with pytest.raises(ValueError, match="gradient"):
        derivative_check(lambda x: (fun(x)[0], np.ones(2)), X0)


def test_observed_order():
    h = 2.0 ** -np.arange(10)
    assert observed_order(h, 3 * h**2, 1e-300) == pytest.approx(2.0)
    assert np.isnan(observed_order(h, np.zeros(10), 1e-15))


def test_adjoint_check_matrix():
    A = RNG.standard_normal((7, 4))
    r = adjoint_check(lambda v: A @ v, lambda w: A.T @ w, 4)
    assert r.passed and r.rel_error < 1e-14
    rng = np.random.default_rng(0)  # independent recomputation of both sides with the same draws
    v = rng.standard_normal(4)
    w = rng.standard_normal(7)
    assert r.lhs == pytest.approx(w @ (A @ v), rel=1e-14)
    assert r.rhs == pytest.approx((A.T @ w) @ v, rel=1e-14)
    # the transpose of a transpose
    assert adjoint_check(lambda w: A.T @ w, lambda v: A @ v, 7).rel_error < 1e-14


def test_adjoint_check_convolution_operator():
    k = np.array([1.0, -2.0, 0.5])
    r = adjoint_check(lambda v: np.convolve(v, k, "full"), lambda w: np.correlate(w, k, "valid"), 20, seed=4)
    assert r.passed and r.rel_error < 1e-13
    # a "transpose" that convolves instead of correlating is wrong
    bad = adjoint_check(lambda v: np.convolve(v, k, "full"), lambda w: np.convolve(w, k, "valid"), 20, seed=4)
    assert not bad.passed and bad.rel_error > 1e-3


def test_adjoint_check_fails_for_wrong_transpose():
    S = RNG.standard_normal((5, 5))
    r = adjoint_check(lambda v: S @ v, lambda w: S @ w, 5)  # S instead of S^T
    assert not r.passed and r.rel_error > 1e-2
    r = adjoint_check(lambda v: S @ v, lambda w: (S.T @ w) * (1 + 1e-6), 5)
    assert not r.passed  # a relative error 1e-6 is far above the default rtol 1e-10
    assert r.rel_error == pytest.approx(1e-6, rel=1e-3)
    with pytest.raises(ValueError, match="transpose"):
        adjoint_check(lambda v: B @ v, lambda w: B @ w[:N], N)  # J^T w has the wrong size


def test_adjoint_check_tensor_shapes():
    K = RNG.standard_normal((2, 3, 4))
    J = lambda V: np.einsum("ijk,jk->i", K, V)  # noqa: E731
    JT = lambda w: np.einsum("ijk,i->jk", K, w)  # noqa: E731
    assert adjoint_check(J, JT, (3, 4)).rel_error < 1e-14


def test_agreement_against_hand_computed_relative_error():
    """Oracle: the relative error computed by hand, ||(1, 2.001) - (1, 2)|| / ||(1, 2)|| = 1e-3 / sqrt(5)."""
    from numdl_core.checks import agreement

    r = agreement("x", [1.0, 2.001], [1.0, 2.0], reference="hand", rtol=1e-3)
    assert r.rel_error == pytest.approx(1e-3 / np.sqrt(5), rel=1e-9)
    assert r.passed
    assert not agreement("x", [1.0, 2.1], [1.0, 2.0], reference="hand", rtol=1e-3).passed
    with pytest.raises(ValueError, match="shape"):
        agreement("x", [1.0], [1.0, 2.0], reference="hand")

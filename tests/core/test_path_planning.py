"""numdl_core.path_planning: the ResNet moves the circles until a linear classifier separates them.

Oracles: finite differences (Taylor test, numdl_core.checks.derivative_check) for the gradient; a plain loop of
the Euler ResNet and of the softmax cross-entropy for the loss; scipy's linear program (a hyperplane with
s_i (z_i w + c) >= 1 exists) for linear separability; the trained accuracy measured on fresh data.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from numdl_core import path_planning as pp
from numdl_core.checks import derivative_check
from numdl_core.data import make_dataset
from numdl_core.optim import adam


@pytest.mark.parametrize("augment,activation", [(0, "tanh"), (1, "tanh"), (0, "relu"), (2, "identity")])
def test_gradient_taylor_test(augment, activation):
    p = pp.path_problem(60, depth=6, T=3.0, augment=augment, activation=activation, alpha=1e-2)
    theta = p.theta0 + 0.1 * np.random.default_rng(1).standard_normal(p.model.n_params)
    res = derivative_check(p.model.value_and_grad, theta)
    assert res.passed and res.order > 1.9  # measured 2.00


def test_loss_is_the_plain_loop():
    p = pp.path_problem(30, depth=4, T=2.0, augment=1, alpha=0.1)
    m, th = p.model, p.theta0
    K, b, W, c = m.split(th)
    Y = np.c_[m.X, np.zeros(30)]
    for j in range(4):  # plain loop: Y <- Y + h tanh(Y K_j + b_j)
        Y = Y + 0.5 * np.tanh(Y @ K[j] + b[j])
    O = Y @ W + c
    ce = np.mean(np.log(np.exp(O).sum(1)) - O[np.arange(30), m.y])
    f = ce + 0.05 * (0.5 * np.sum(K ** 2) + np.sum(W ** 2))
    assert m.value_and_grad(th)[0] == pytest.approx(f, rel=1e-13)
    assert np.allclose(m.states(th)[-1], Y, atol=1e-14)
    # a mini-batch of every sample is the full objective
    fb, gb = m.batch_value_and_grad(th, np.arange(30))
    assert fb == pytest.approx(f, rel=1e-13) and np.allclose(gb, m.value_and_grad(th)[1], atol=1e-15)


def _separable_lp(Z, y) -> bool:
    """Oracle: a hyperplane with s_i (z_i w + c) >= 1 exists (feasibility LP)."""
    s = np.where(y == 1, 1.0, -1.0)
    A = -(s[:, None] * np.c_[Z, np.ones(len(y))])
    r = linprog(np.zeros(Z.shape[1] + 1), A_ub=A, b_ub=-np.ones(len(y)), bounds=[(None, None)] * (Z.shape[1] + 1))
    return r.status == 0


@pytest.mark.parametrize("name", ["circles", "linear", "moons", "blobs"])
def test_linear_accuracy_is_one_exactly_on_separable_data(name):
    X, y = make_dataset(name, 120, noise=0.0 if name != "blobs" else 0.05, seed=3)
    y = (y == 1).astype(np.int64)
    acc = pp.linear_accuracy(X, y)
    assert (acc == 1.0) == _separable_lp(X, y)
    if name == "circles":
        assert acc < 0.75  # the inner circle is surrounded: no line does well


def test_training_makes_the_circles_linearly_separable():
    """Default problem (200 points, noise 0.05, width 2 without lift, N = 10, T = 5): 300 full-batch Adam steps
    with lr 0.05. Measured: loss 0.0024, training accuracy 100%, test accuracy 100%; the best linear accuracy of
    the features grows from 0.505 at t = 0 to 1 at T."""
    p = pp.path_problem(200, noise=0.05, depth=10, T=5.0, augment=0)
    *_, last = itertools.islice(adam(p.model, p.theta0, lr=0.05, batch_size=None), 301)
    assert last.loss < 0.02
    assert p.model.accuracy(last.x) >= 0.99
    assert p.model.accuracy(last.x, p.X_test, p.y_test) >= 0.97
    sep = pp.layer_separability(p.model, last.x)
    assert sep[0] < 0.6 and sep[-1] == 1.0
    assert _separable_lp(p.model.states(last.x)[-1], p.model.y) and not _separable_lp(p.model.X, p.model.y)


def test_augmented_training_separates_too():
    p = pp.path_problem(200, noise=0.05, depth=10, T=5.0, augment=1)
    *_, last = itertools.islice(adam(p.model, p.theta0, lr=0.05, batch_size=None), 201)
    assert p.model.accuracy(last.x) >= 0.99 and pp.layer_separability(p.model, last.x, layers=[10])[0] == 1.0


def test_bad_input_raises():
    X, y = make_dataset("circles", 20)
    for kw in ({"depth": 0}, {"T": 0.0}, {"augment": -1}, {"alpha": -1.0}, {"activation": "sin"}):
        with pytest.raises(ValueError):
            pp.PathPlanning(X, y, 2, **kw)
    with pytest.raises(ValueError):
        pp.PathPlanning(X, y, 1)
    m = pp.PathPlanning(X, y, 2)
    with pytest.raises(ValueError):
        m.value_and_grad(np.zeros(3))
    with pytest.raises(ValueError):
        pp.layer_separability(m, m.init_theta(), layers=[99])
    with pytest.raises(ValueError):
        pp.linear_accuracy(X, y, iters=0)

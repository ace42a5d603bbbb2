"""numdl_core.mlp: the deep network objective against a plain-loop implementation, backpropagation against
central finite differences, Taylor and adjoint tests per layer and for the network, the course's norm-growth
numbers, initialization scales and plain vs ResNet."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from numdl_core import mlp
from numdl_core.checks import adjoint_check, derivative_check
from numdl_core.optim import sgd


def _problem(activation="tanh", widths=(5, 4, 3), n=12, d=3, C=3, alpha=0.0, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = np.arange(n) % C
    M = mlp.mlp_objective(X, y, widths, C, activation=activation, alpha=alpha)
    theta = 0.7 * rng.standard_normal(M.n_params)
    return M, theta


def _loop_loss(X, y, widths, C, theta, activation, alpha):
    """Oracle: the contract's formula with plain Python loops over samples, neurons and layers, reading theta in the
    documented packing (K_0 row-major, b_0, ..., W, c)."""
    act = {"tanh": math.tanh, "relu": lambda a: max(a, 0.0)}[activation]
    sizes = [X.shape[1], *widths]
    pos, Ks, bs = 0, [], []
    for j in range(len(widths)):
        m_in, m_out = sizes[j], sizes[j + 1]
        Ks.append([[theta[pos + r * m_out + s] for s in range(m_out)] for r in range(m_in)])
        pos += m_in * m_out
        bs.append([theta[pos + s] for s in range(m_out)])
        pos += m_out
    W = [[theta[pos + r * C + s] for s in range(C)] for r in range(widths[-1])]
    pos += widths[-1] * C
    c = [theta[pos + s] for s in range(C)]
    total = 0.0
    for i in range(X.shape[0]):
        v = list(X[i])
        for K, b in zip(Ks, bs):
            v = [act(sum(v[r] * K[r][s] for r in range(len(v))) + b[s]) for s in range(len(b))]
        o = [sum(v[r] * W[r][s] for r in range(len(v))) + c[s] for s in range(C)]
        mx = max(o)
        total += -(o[y[i]] - mx - math.log(sum(math.exp(a - mx) for a in o)))
    reg = sum(K[r][s] ** 2 for K in Ks + [W] for r in range(len(K)) for s in range(len(K[0])))
    return total / X.shape[0] + 0.5 * alpha * reg


@pytest.mark.parametrize("activation,alpha", [("tanh", 0.0), ("relu", 0.1), ("tanh", 0.3)])
def test_loss_at_fixed_weights_equals_a_plain_loop_implementation(activation, alpha):
    M, theta = _problem(activation, alpha=alpha)
    f, _ = M.value_and_grad(theta)
    assert f == pytest.approx(_loop_loss(M.X, M.y, M.widths, M.n_classes, theta, activation, alpha), rel=1e-12)


def test_packing_and_shapes_are_the_contracts():
    M, theta = _problem(widths=(5, 4))
    blocks = M.split(theta)
    assert [b.shape for b in blocks] == [(3, 5), (5,), (5, 4), (4,), (4, 3), (3,)]
    assert M.n_params == 15 + 5 + 20 + 4 + 12 + 3
    assert np.array_equal(M.join(*blocks), theta)
    assert np.shares_memory(blocks[0], theta) and blocks[0][0, 1] == theta[1]  # C order


@pytest.mark.parametrize("activation", ["tanh", "relu", "sin"])
def test_gradient_equals_central_finite_differences(activation):
    M, theta = _problem(activation, alpha=0.05)
    _, g = M.value_and_grad(theta)
    eps = 1e-6
    fd = np.array([(M.value_and_grad(theta + eps * e)[0] - M.value_and_grad(theta - eps * e)[0]) / (2 * eps)
                   for e in np.eye(M.n_params)])
    assert np.max(np.abs(fd - g)) < 1e-7 * max(1.0, np.max(np.abs(g)))  # measured ~1e-10


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_taylor_test_of_the_network_orders_1_and_2(activation):
    M, theta = _problem(activation, widths=(6, 6, 6, 6))
    res = derivative_check(M.value_and_grad, theta, n=14)
    assert res.passed
    assert res.order0 == pytest.approx(1.0, abs=0.1) and res.order == pytest.approx(2.0, abs=0.1)  # measured 1.00, 2.00


def test_a_wrong_backward_step_fails_the_taylor_test():
    M, theta = _problem()
    def wrong(t):
        f, g = M.value_and_grad(t)
        g = g.copy()
        g[: M.n_features * M.widths[0]] *= 1.5  # the first layer's K gradient 50% off
        return f, g
    assert derivative_check(wrong, theta, n=14).order == pytest.approx(1.0, abs=0.15)


@pytest.mark.parametrize("activation", ["tanh", "relu", "identity"])
def test_checks_per_layer_and_for_the_network_pass(activation):
    M, theta = _problem(activation, widths=(5, 4, 3))
    checks = mlp.layer_checks(M, theta, seed=1)
    assert [c.name for c in checks] == ["layer 1", "layer 2", "layer 3"]
    for c in checks:
        assert c.taylor.passed and c.adjoint.passed and c.adjoint.rel_error < 1e-12
        assert c.taylor.exact or c.taylor.order == pytest.approx(2.0, abs=0.15)
    net = mlp.network_checks(M, theta, seed=1)
    assert net.taylor.passed and net.adjoint.rel_error < 1e-12


def test_layer_adjoint_against_the_dense_jacobian():
    """Oracle: the layer's Jacobian assembled column by column from layer_jvp, transposed by numpy."""
    rng = np.random.default_rng(3)
    Y, K, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    sizes = [Y.size, K.size, b.size]
    cols = []
    for e in np.eye(sum(sizes)):
        dY, dK, db = np.split(e, np.cumsum(sizes)[:-1])
        cols.append(mlp.layer_jvp(Y, K, b, dY.reshape(Y.shape), dK.reshape(K.shape), db, "tanh").ravel())
    J = np.array(cols).T
    w = rng.standard_normal((4, 2))
    vjp = np.concatenate([a.ravel() for a in mlp.layer_vjp(Y, K, b, w, "tanh")])
    assert np.allclose(vjp, J.T @ w.ravel(), rtol=1e-13, atol=1e-14)


def test_network_jacobian_adjoint_and_gradient_by_chain_rule():
    M, theta = _problem()
    res = adjoint_check(lambda v: M.jac_vec(theta, v), lambda w: M.jac_t_vec(theta, w), M.n_params, seed=5)
    assert res.rel_error < 1e-13
    # the gradient is J^T (softmax(O) - onehot) / n
    P = M.predict_proba(theta)
    P[np.arange(M.n_samples), M.y] -= 1
    assert np.allclose(M.jac_t_vec(theta, P / M.n_samples), M.value_and_grad(theta)[1], rtol=1e-12, atol=1e-14)


def test_mini_batches_and_sgd():
    M, theta = _problem(n=30)
    idx = np.array([3, 7, 8, 20])
    sub = mlp.mlp_objective(M.X[idx], M.y[idx], M.widths, M.n_classes)
    fb, gb = M.batch_value_and_grad(theta, idx)
    f, g = sub.value_and_grad(theta)
    assert fb == pytest.approx(f, rel=1e-14) and np.allclose(gb, g, rtol=1e-13, atol=1e-15)
    steps = list(itertools.islice(sgd(M, theta, lr=0.1, batch_size=8, momentum=0.9), 30))
    assert steps[-1].loss < 0.6 * steps[0].loss  # measured 1.32 -> 0.69
    with pytest.raises(ValueError, match="sample indices"):
        M.batch_value_and_grad(theta, np.array([99]))


def test_layer_gradient_norms_are_the_blocks_of_the_gradient():
    M, theta = _problem(widths=(5, 4))
    _, g = M.value_and_grad(theta)
    K0, _, K1, _, W, _ = M.split(g)
    assert np.allclose(M.layer_gradient_norms(theta), [np.linalg.norm(K0), np.linalg.norm(K1), np.linalg.norm(W)])


def test_bad_input_is_refused_in_plain_words():
    X, y = np.ones((3, 2)), np.array([0, 1, 0])
    with pytest.raises(ValueError, match="activation"):
        mlp.mlp_objective(X, y, (3,), 2, activation="softplus")
    with pytest.raises(ValueError, match="width"):
        mlp.mlp_objective(X, y, (3, 0), 2)
    with pytest.raises(ValueError, match="initialization"):
        mlp.init_std("lecun", 3, 3)


def test_init_scales():
    assert mlp.init_std("naive", 100, 10) == 1.0
    assert mlp.init_std("glorot", 100, 50) == pytest.approx(math.sqrt(2 / 150))
    assert mlp.init_std("he", 100, 50) == pytest.approx(math.sqrt(0.02))
    assert mlp.init_std("custom", 100, 50, 0.3) == 0.3
    M, _ = _problem(widths=(200, 200), d=200, n=3)
    K0, b0, K1, *_ = M.split(M.init_theta("he", seed=0))
    assert K1.std() == pytest.approx(0.1, rel=0.02) and not np.any(b0)


def test_the_course_norm_growth_numbers():
    """||K3 K2 K1 y|| / ||y|| for y in R^100: about 1000, 24 and 0.024 (the slides); measured with seed 0 and 100
    draws: 977.2, 23.72, 0.02372, against (sqrt(100) std)^3 = 1000, 24.06, 0.02406."""
    r = mlp.course_norm_growth(seed=0, draws=100)
    assert r["N(0,1)"].mean == pytest.approx(1000, rel=0.05)
    assert r["U[-0.5,0.5]"].mean == pytest.approx(24, rel=0.05)
    assert r["U[-0.05,0.05]"].mean == pytest.approx(0.024, rel=0.05)
    assert r["U[-0.5,0.5]"].per_layer == pytest.approx(10 / math.sqrt(12), rel=0.02)
    assert r["U[-0.05,0.05]"].mean == pytest.approx(1e-3 * r["U[-0.5,0.5]"].mean, rel=1e-12)  # same draws, scaled


def test_depth_growth_linear_and_relu():
    lin = mlp.depth_growth("identity", ("glorot", "naive"), width=50, depth=10, draws=20)
    assert lin.forward["glorot"][-1] == pytest.approx(1.0, rel=0.25)
    assert lin.forward["naive"][-1] == pytest.approx(50 ** 5, rel=0.3)  # sqrt(n) per layer
    relu = mlp.depth_growth("relu", ("he", "glorot"), width=100, depth=20, draws=10)
    assert 0.5 < relu.forward["he"][-1] < 2.0 and 0.5 < relu.backward["he"][0] < 2.0
    assert relu.forward["glorot"][-1] < 1e-2  # halved variance per layer: 2^-10 ~ 1e-3
    tanh = mlp.depth_growth("tanh", ("naive",), width=100, depth=30, draws=5)
    assert tanh.backward["naive"][0] > 1e6 and tanh.forward["naive"][-1] < 2  # saturated forward, exploding backward


def test_plain_vs_resnet():
    c = mlp.plain_vs_resnet()
    assert c.t[0] == pytest.approx(-0.1) and c.t[-1] == 1.0
    i0 = np.argmin(np.abs(c.t))
    for name in ("plain", "resnet"):
        assert c.loss[name][i0] < 1e-12  # t = 0: the target weights
        assert c.gradient[name].size == 5 * 16 + 4
    # measured: gradient norms 0.158 (plain) and 23.1 (ResNet): the plain net's gradients vanish
    assert c.numbers["ResNet: gradient norm"] > 20 * c.numbers["plain: gradient norm"]


def test_training_problem_digits_and_2d():
    p = mlp.training_problem("digits", 300, depth=2, width=10, init="he")
    assert p.model.n_features == 64 and p.model.n_classes == 10 and p.data.X_val.shape[0] == 1797 - 300
    q = mlp.training_problem("peaks", 100, depth=3, width=6, n_val=50)
    assert q.data.X_val.shape == (50, 2) and q.theta0.size == q.model.n_params

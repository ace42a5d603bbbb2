"""SGD, Adam, Gauss-Newton and CountingObjective (numdl_core.optim), against hand-written reference loops,
gradient descent, numpy/scipy least squares."""
import itertools

import numpy as np
import pytest
from scipy.optimize import least_squares

from numdl_core.optim import (
    CountingObjective,
    FunctionObjective,
    adagrad,
    adam,
    gauss_newton,
    gradient_descent,
    sgd,
)
from numdl_core.single_layer import SingleLayer
from numdl_core.data import make_dataset
from tests.core.helpers import LeastSquaresBatches



# ---------------------------------------------------------------------------------------------
# test objectives
# ---------------------------------------------------------------------------------------------
def _quadratic(seed=0, n=5):
    rng = np.random.default_rng(seed)
    Q = rng.standard_normal((n, n))
    A = Q @ Q.T + n * np.eye(n)
    b = rng.standard_normal(n)
    obj = FunctionObjective(lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b), n)
    return obj, A, b


class ExplicitLS:
    """Residual with an explicit Jacobian (callables r(x), J(x))."""

    def __init__(self, r, J, n):
        self._r, self._J, self.n_params = r, J, n

    def residual(self, x):
        return self._r(x)

    def jac_vec(self, x, v):
        return self._J(x) @ v

    def jac_t_vec(self, x, w):
        return self._J(x).T @ w


# ---------------------------------------------------------------------------------------------
# SGD
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("batch_size", [None, 10**6])
def test_full_batch_sgd_equals_gradient_descent_exactly(batch_size):
    X, y = make_dataset("peaks", 120, seed=3)
    M = SingleLayer(X, y, 6, activation="tanh", alpha=1e-3)
    th0 = M.init_theta(2)
    a = list(itertools.islice(sgd(M, th0, lr=0.3, batch_size=batch_size, momentum=0.0), 12))
    b = list(itertools.islice(gradient_descent(M, th0, step=0.3), 12))
    for sa, sb in zip(a, b):
        assert sa.iteration == sb.iteration
        assert np.array_equal(sa.x, sb.x)
        assert sa.loss == sb.loss and sa.grad_norm == sb.grad_norm
    assert [s.info["work"] for s in a] == [2.0 * k for k in range(12)]


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_matches_reference_loop_on_quadratic(nesterov):
    obj, A, b = _quadratic()
    x0 = np.ones(5)
    lr, mu = 0.02, 0.8
    steps = list(itertools.islice(sgd(obj, x0, lr=lr, momentum=mu, nesterov=nesterov, batch_size=None), 30))
    x, v = x0.copy(), np.zeros(5)
    for s in steps[1:]:
        g = A @ (x + mu * v if nesterov else x) - b
        v = mu * v - lr * g
        x = x + v
        np.testing.assert_allclose(s.x, x, rtol=1e-13, atol=1e-15)
    # and it converges to A^{-1} b
    xs = np.linalg.solve(A, b)
    assert np.linalg.norm(steps[-1].x - xs) < 0.05 * np.linalg.norm(x0 - xs)


def test_adam_matches_reference_loop_on_quadratic():
    obj, A, b = _quadratic(1)
    x0 = np.zeros(5)
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    steps = list(itertools.islice(adam(obj, x0, lr=lr, batch_size=None), 40))
    x, m, v = x0.copy(), np.zeros(5), np.zeros(5)
    for k, s in enumerate(steps[1:], start=1):
        g = A @ x - b
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x = x - lr * (m / (1 - b1**k)) / (np.sqrt(v / (1 - b2**k)) + eps)
        np.testing.assert_allclose(s.x, x, rtol=1e-13, atol=1e-15)
    assert steps[-1].loss < steps[0].loss


def test_minibatch_sgd_matches_reference_loop_and_counts_work():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((23, 4))
    b = rng.standard_normal(23)
    obj = LeastSquaresBatches(A, b)
    x0 = np.zeros(4)
    lr, mu, bs, seed = 0.05, 0.5, 5, 7
    steps = list(itertools.islice(sgd(obj, x0, lr=lr, batch_size=bs, momentum=mu, seed=seed), 4))
    gen = np.random.default_rng(seed)
    x, v = x0.copy(), np.zeros(4)
    for s in steps[1:]:
        order = gen.permutation(23)
        for start in range(0, 23, bs):
            idx = order[start:start + bs]
            g = A[idx].T @ (A[idx] @ x - b[idx]) / len(idx)
            v = mu * v - lr * g
            x = x + v
        np.testing.assert_allclose(s.x, x, rtol=1e-13, atol=1e-15)
        assert s.info["updates"] == 5 * s.iteration  # ceil(23 / 5) batches per epoch
        assert s.info["work"] == 2.0 * s.iteration
        f_full = 0.5 * np.sum((A @ x - b) ** 2) / 23
        assert s.loss == pytest.approx(f_full, rel=1e-13)


def test_sgd_interpolation_converges_to_the_solution():
    # consistent system (zero residual at x*): SGD with a constant step converges linearly
    rng = np.random.default_rng(1)
    A = rng.standard_normal((60, 3))
    x_true = np.array([1.0, -2.0, 0.5])
    obj = LeastSquaresBatches(A, A @ x_true)
    last = None
    for last in sgd(obj, np.zeros(3), lr=0.1, batch_size=4, maxiter=80, seed=0):
        pass
    assert np.linalg.norm(last.x - x_true) < 1e-8


def test_sgd_stops_on_tolerance_and_diverges_cleanly():
    obj, A, b = _quadratic()
    steps = list(sgd(obj, np.ones(5), lr=1.0 / np.linalg.eigvalsh(A).max(), batch_size=None, tol=1e-8))
    assert steps[-1].grad_norm <= 1e-8 * max(1.0, steps[0].grad_norm)
    assert len(steps) < 2000
    steps = list(itertools.islice(sgd(obj, np.ones(5), lr=10.0, batch_size=None), 200))
    assert steps[-1].info.get("diverged") is True
    assert sum(bool(s.info.get("diverged")) for s in steps) == 1


def test_steps_own_their_arrays():
    obj, _, _ = _quadratic()
    steps = list(itertools.islice(sgd(obj, np.ones(5), lr=0.01, momentum=0.5, batch_size=None), 4))
    xs = [s.x.copy() for s in steps]
    steps[1].x[:] = 1e9
    assert np.array_equal(steps[2].x, xs[2])
    assert not np.shares_memory(steps[2].x, steps[3].x)


def test_stochastic_input_errors():
    obj, _, _ = _quadratic()
    with pytest.raises(ValueError, match="momentum"):
        next(sgd(obj, np.ones(5), momentum=1.0, batch_size=None))
    with pytest.raises(ValueError, match="lr"):
        next(sgd(obj, np.ones(5), lr=-1.0, batch_size=None))
    with pytest.raises(TypeError, match="batch_size=None"):
        next(sgd(obj, np.ones(5), batch_size=8))  # FunctionObjective has no mini-batches
    with pytest.raises(ValueError, match="batch_size"):
        next(sgd(LeastSquaresBatches(np.eye(4), np.ones(4)), np.ones(4), batch_size=0))
    with pytest.raises(ValueError, match="beta1"):
        next(adam(obj, np.ones(5), beta1=1.0, batch_size=None))


# ---------------------------------------------------------------------------------------------
# Gauss-Newton
# ---------------------------------------------------------------------------------------------
def _exp_fit():
    """Fit y = x0 exp(x1 t) + x2 on noisy data (non-zero residual)."""
    t = np.linspace(0, 1, 25)
    rng = np.random.default_rng(0)
    yd = 2.0 * np.exp(-1.3 * t) + 0.5 + 0.01 * rng.standard_normal(t.size)

    def r(x):
        return x[0] * np.exp(x[1] * t) + x[2] - yd

    def J(x):
        e = np.exp(x[1] * t)
        return np.column_stack([e, x[0] * t * e, np.ones_like(t)])

    return r, J


def test_gauss_newton_matches_scipy_least_squares():
    r, J = _exp_fit()
    obj = ExplicitLS(r, J, 3)
    x0 = np.array([1.0, -0.5, 0.0])
    steps = list(itertools.islice(gauss_newton(obj, x0, cg_maxiter=3, cg_tol=1e-12, tol=1e-12), 50))
    ref = least_squares(r, x0, jac=J, xtol=1e-15, ftol=1e-15, gtol=1e-15).x
    np.testing.assert_allclose(steps[-1].x, ref, rtol=1e-9)
    assert steps[-1].loss == pytest.approx(0.5 * np.sum(r(ref) ** 2), rel=1e-12)
    losses = [s.loss for s in steps]
    assert all(b <= a for a, b in zip(losses, losses[1:]))


def test_gauss_newton_solves_linear_least_squares_in_one_step():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((30, 6))
    bvec = rng.standard_normal(30)
    obj = ExplicitLS(lambda x: A @ x - bvec, lambda x: A, 6)
    steps = list(itertools.islice(gauss_newton(obj, np.zeros(6), cg_maxiter=6, cg_tol=1e-14), 2))
    np.testing.assert_allclose(steps[1].x, np.linalg.lstsq(A, bvec, rcond=None)[0], rtol=1e-10)
    # work after iteration 0 (whose r and J^T r at x0 are not counted): 2 per CG iteration (J v, J^T w) + 2 per
    # line-search trial (r, J^T r)
    s = steps[1]
    assert steps[0].info["work"] == 0.0 and steps[0].info["matvecs"] == 0
    assert s.info["work"] == 2 * s.info["cg_iterations"] + 2 * (s.info["backtracks"] + 1)
    assert s.info["matvecs"] == 2 * s.info["cg_iterations"] + (s.info["backtracks"] + 1)
    assert s.info["step"] == 1.0


def test_gauss_newton_zero_residual_converges_fast_and_damping_slows_it():
    # Rosenbrock as residuals: r = [10 (x2 - x1^2), 1 - x1], zero residual at (1, 1)
    obj = ExplicitLS(lambda x: np.array([10 * (x[1] - x[0] ** 2), 1 - x[0]]),
                     lambda x: np.array([[-20 * x[0], 10.0], [-1.0, 0.0]]), 2)
    x0 = np.array([-1.2, 1.0])
    steps = list(itertools.islice(gauss_newton(obj, x0, cg_maxiter=2, cg_tol=1e-14), 100))
    assert np.linalg.norm(steps[-1].x - 1.0) < 1e-10
    assert len(steps) < 15
    damped = list(itertools.islice(gauss_newton(obj, x0, damping=10.0, cg_maxiter=2, cg_tol=1e-14), 100))
    assert len(damped) > len(steps)


def test_gauss_newton_input_errors():
    obj, _, _ = _quadratic()
    with pytest.raises(TypeError, match="residual"):
        next(gauss_newton(obj, np.ones(5)))
    r, J = _exp_fit()
    with pytest.raises(ValueError, match="damping"):
        next(gauss_newton(ExplicitLS(r, J, 3), np.ones(3), damping=-1.0))
    X, y = make_dataset("peaks", 50)
    with pytest.raises(TypeError, match="loss='squared'"):
        next(gauss_newton(SingleLayer(X, y, 3), np.zeros(SingleLayer(X, y, 3).n_params)))


# ---------------------------------------------------------------------------------------------
# CountingObjective
# ---------------------------------------------------------------------------------------------
def test_counting_objective_counts_data_passes():
    obj, _, _ = _quadratic()
    c = CountingObjective(obj)
    steps = list(itertools.islice(gradient_descent(c, np.ones(5), step=0.01), 6))
    assert c.work == 2.0 * 6 and c.calls == {"value_and_grad": 6}
    assert c.n_params == 5
    ls = LeastSquaresBatches(np.eye(4), np.ones(4))
    c = CountingObjective(ls)
    c.batch_value_and_grad(np.zeros(4), np.array([0, 1]))
    assert c.work == 1.0  # 2 passes * 2/4 of the samples
    np.testing.assert_array_equal(steps[-1].x, list(gradient_descent(obj, np.ones(5), step=0.01, maxiter=5))[-1].x)


# ---------------------------------------------------------------------------------------------
# learning-rate decay (sgd, adam, adagrad) and AdaGrad, against hand-written loops
# ---------------------------------------------------------------------------------------------
def _reference(A, b, x0, bs, seed, epochs, step):
    """Mini-batch loop: ``x <- step(x, g, k)`` for the k-th update (k = 1, 2, ...), batches as in numdl_core."""
    gen = np.random.default_rng(seed)
    x, k, out = x0.copy(), 0, []
    n = A.shape[0]
    for _ in range(epochs):
        order = gen.permutation(n)
        for start in range(0, n, bs):
            idx = order[start:start + bs]
            k += 1
            x = step(x, A[idx].T @ (A[idx] @ x - b[idx]) / len(idx), k)
        out.append(x.copy())
    return out


def _problem():
    rng = np.random.default_rng(4)
    A = rng.standard_normal((23, 4))
    b = rng.standard_normal(23)
    return LeastSquaresBatches(A, b), A, b


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_with_decay_matches_reference_loop(nesterov):
    obj, A, b = _problem()
    lr, mu, decay, bs, seed = 0.1, 0.6, 0.3, 5, 3
    v = np.zeros(4)

    def step(x, g_at, k):
        nonlocal v
        lr_k = lr / (1 + decay * (k - 1))  # k - 1 updates made before this one
        v = mu * v - lr_k * g_at
        return x + v

    steps = list(itertools.islice(sgd(obj, np.zeros(4), lr=lr, momentum=mu, decay=decay, batch_size=bs,
                                      seed=seed, nesterov=nesterov), 5))
    if nesterov:  # the gradient at the look-ahead point: a loop of its own
        gen, x, k = np.random.default_rng(seed), np.zeros(4), 0
        v = np.zeros(4)
        ref = []
        for _ in range(4):
            order = gen.permutation(23)
            for start in range(0, 23, bs):
                idx = order[start:start + bs]
                y = x + mu * v
                g = A[idx].T @ (A[idx] @ y - b[idx]) / len(idx)
                v = mu * v - lr / (1 + decay * k) * g
                x = x + v
                k += 1
            ref.append(x.copy())
    else:
        ref = _reference(A, b, np.zeros(4), bs, seed, 4, step)
    for s, x in zip(steps[1:], ref):
        np.testing.assert_allclose(s.x, x, rtol=1e-13, atol=1e-15)
    assert steps[-1].info["decay"] == decay and steps[-1].info["updates"] == 20
    assert steps[-1].info["lr_k"] == pytest.approx(lr / (1 + decay * 19), rel=1e-15)


def test_adam_with_decay_matches_reference_loop():
    obj, A, b = _problem()
    lr, decay, b1, b2, eps, bs = 0.05, 0.2, 0.9, 0.999, 1e-8, 6
    m, v = np.zeros(4), np.zeros(4)

    def step(x, g, k):
        nonlocal m, v
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        return x - lr / (1 + decay * (k - 1)) * (m / (1 - b1**k)) / (np.sqrt(v / (1 - b2**k)) + eps)

    steps = list(itertools.islice(adam(obj, np.zeros(4), lr=lr, decay=decay, batch_size=bs, seed=1), 4))
    for s, x in zip(steps[1:], _reference(A, b, np.zeros(4), bs, 1, 3, step)):
        np.testing.assert_allclose(s.x, x, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("decay", [0.0, 0.5])
def test_adagrad_matches_reference_loop(decay):
    obj, A, b = _problem()
    lr, eps, bs = 0.3, 1e-8, 4
    G = np.zeros(4)

    def step(x, g, k):
        nonlocal G
        G = G + g * g  # Duchi, Hazan and Singer (2011): accumulated squared gradients
        return x - lr / (1 + decay * (k - 1)) * g / (np.sqrt(G) + eps)

    steps = list(itertools.islice(adagrad(obj, np.zeros(4), lr=lr, decay=decay, batch_size=bs, seed=2), 6))
    for s, x in zip(steps[1:], _reference(A, b, np.zeros(4), bs, 2, 5, step)):
        np.testing.assert_allclose(s.x, x, rtol=1e-13, atol=1e-15)
    assert steps[-1].info["work"] == 2.0 * 5 and steps[-1].info["updates"] == 6 * 5


def test_adagrad_full_batch_converges_to_the_least_squares_solution():
    obj, A, b = _problem()
    last = None
    for last in adagrad(obj, np.zeros(4), lr=0.5, batch_size=None, maxiter=3000, tol=1e-9):
        pass
    np.testing.assert_allclose(last.x, np.linalg.lstsq(A, b, rcond=None)[0], atol=1e-7)


@pytest.mark.parametrize("method", [sgd, adam])
def test_decay_zero_reproduces_the_old_iterates_exactly(method):
    obj, _, _ = _problem()
    kw = {"lr": 0.05, "batch_size": 5, "seed": 9}
    if method is sgd:
        kw["momentum"] = 0.5
    a = list(itertools.islice(method(obj, np.zeros(4), **kw), 6))
    b = list(itertools.islice(method(obj, np.zeros(4), decay=0.0, **kw), 6))
    for s, t in zip(a, b):
        assert np.array_equal(s.x, t.x) and s.loss == t.loss and s.info["work"] == t.info["work"]
    assert "decay" in method.tunables


def test_decay_sent_mid_run_keeps_the_update_count():
    """decay sent at epoch 2: the next updates use lr / (1 + decay k) with k counted from the start of the run."""
    obj, A, b = _problem()
    lr, bs, seed = 0.1, 5, 0
    gen = sgd(obj, np.zeros(4), lr=lr, batch_size=bs, seed=seed)
    steps = [next(gen), next(gen), next(gen)]
    steps.append(gen.send({"decay": 1.0}))
    sched = lambda k: lr if k <= 10 else lr / (1 + 1.0 * (k - 1))  # noqa: E731
    ref = _reference(A, b, np.zeros(4), bs, seed, 3, lambda x, g, k: x - sched(k) * g)
    np.testing.assert_allclose(steps[-1].x, ref[-1], rtol=1e-13, atol=1e-15)
    assert steps[-1].info["lr_k"] == pytest.approx(lr / 15)
    with pytest.raises(ValueError, match="decay"):
        gen.send({"decay": -1.0})


def test_decay_input_errors():
    obj, _, _ = _quadratic()
    for method in (sgd, adam, adagrad):
        with pytest.raises(ValueError, match="decay"):
            next(method(obj, np.ones(5), decay=-0.1, batch_size=None))
    with pytest.raises(ValueError, match="eps"):
        next(adagrad(obj, np.ones(5), eps=0.0, batch_size=None))

"""numdl_core.theory.sparse: ISTA and FISTA rates (Beck and Teboulle 2009), LISTA's backpropagated gradient
(Gregor and LeCun 2010), thresholding as ReLUs (Papyan, Romano and Elad 2017), the FFT convolutional dictionary and
dictionary learning, each against an independent oracle named in its docstring."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize

from numdl_core.checks import adjoint_check, derivative_check
from numdl_core.sparse import soft_threshold
from numdl_core.theory import sparse as sp

K = 500  # iterations of the rate test


@pytest.fixture(scope="module")
def problem():
    return sp.dictionary_problem(400, seed=0)


def _gaps(method, P, k=K):
    return np.array([s.loss for s in itertools.islice(method(P.A, P.b, P.lam), k + 1)]) - P.F_star


def test_the_planted_minimizer_is_the_minimizer_scipy_finds():
    """Oracle: scipy L-BFGS-B on the smooth split x = u - v, u, v >= 0 (a different algorithm)."""
    P = sp.dictionary_problem(30, decay=0.5, seed=3)
    n = P.A.shape[1]

    def fun(z):
        x = z[:n] - z[n:]
        r = P.A @ x - P.b
        g = P.A.T @ r
        return 0.5 * r @ r + P.lam * z.sum(), np.concatenate([g + P.lam, -g + P.lam])

    res = minimize(fun, np.zeros(2 * n), jac=True, method="L-BFGS-B", bounds=[(0, None)] * (2 * n),
                   options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 20000})
    assert res.fun == pytest.approx(P.F_star, rel=1e-7)
    assert np.allclose(res.x[:n] - res.x[n:], P.x_star, atol=1e-4)


def test_fista_beats_ista_past_20_and_the_rates_are_1_over_k_and_1_over_k2(problem):
    """Claim of Beck and Teboulle (2009): O(1/k) against O(1/k^2). Oracle: F* of the planted minimizer.
    Measured (n = 400, seed 0, k in [20, 500]): slopes -1.035 and -1.980."""
    gi, gf = _gaps(sp.ista, problem), _gaps(sp.fista, problem)
    assert np.all(gi >= -1e-12) and np.all(gf >= -1e-12)
    assert np.all(gf[20:] < gi[20:])
    k = np.arange(K + 1)
    assert sp.loglog_slope(k, gi, 20, K) == pytest.approx(-1.0, abs=0.1)
    assert sp.loglog_slope(k, gf, 20, K) == pytest.approx(-2.0, abs=0.2)
    # the theorems' bounds hold: L ||x0 - x*||^2 / (2k) and 2 L ||x0 - x*||^2 / (k + 1)^2
    L = problem.singular_values[0] ** 2
    R2 = float(problem.x_star @ problem.x_star)
    assert np.all(gi[1:] <= L * R2 / (2 * k[1:])) and np.all(gf[1:] <= 2 * L * R2 / (k[1:] + 1) ** 2)


def test_an_orthogonal_dictionary_breaks_the_sublinear_rates():
    """decay 0: A orthogonal, ISTA with t = 1/L = 1 is exact after one step (a proximal step of a separable F)."""
    P = sp.dictionary_problem(50, decay=0.0, seed=1)
    g = _gaps(sp.ista, P, 3)
    assert abs(g[1]) < 1e-12


def test_ista_steps_are_the_proximal_gradient_steps_of_numdl_core_sparse():
    """Oracle: numdl_core.sparse.proximal_gradient on the smooth part 1/2 ||Ax - b||^2 (another implementation)."""
    from numdl_core.optim import FunctionObjective
    from numdl_core.sparse import proximal_gradient

    P = sp.dictionary_problem(20, seed=2)
    t = 1 / np.linalg.norm(P.A, 2) ** 2
    obj = FunctionObjective(lambda x: (0.5 * np.sum((P.A @ x - P.b) ** 2), P.A.T @ (P.A @ x - P.b)), 20)
    ours = [s.x for s in itertools.islice(sp.ista(P.A, P.b, P.lam), 6)]
    theirs = [s.x for s in itertools.islice(proximal_gradient(obj, np.zeros(20), alpha=P.lam, step=t), 6)]
    assert np.allclose(ours, theirs, atol=1e-14)


def test_fista_batch_equals_the_fista_generator_per_row():
    P = sp.dictionary_problem(12, seed=4)
    B = np.vstack([P.b, 2 * P.b])
    X = sp.fista_batch(P.A, B, P.lam, iterations=30)
    for i in range(2):
        *_, last = itertools.islice(sp.fista(P.A, B[i], P.lam), 31)
        assert np.allclose(X[i], last.x, atol=1e-12)


def test_fista_batch_from_a_start_equals_the_generator_and_leaves_the_start_alone():
    P = sp.dictionary_problem(12, seed=6)
    B = np.vstack([P.b, -P.b, 0.5 * P.b])
    X0 = np.asfortranarray(np.random.default_rng(0).standard_normal((3, 12)))
    keep = X0.copy()
    X = sp.fista_batch(P.A, B, P.lam, iterations=25, X0=X0)
    assert np.array_equal(X0, keep)
    for i in range(3):
        *_, last = itertools.islice(sp.fista(P.A, B[i], P.lam, x0=X0[i]), 26)
        assert np.allclose(X[i], last.x, atol=1e-12)


def test_lista_targets_are_certified_minimizers():
    """Oracle: the LASSO optimality conditions checked directly (Aᵀ(b − Ax*) = λ sign(x*) on the support, at most λ
    in absolute value off it) and 3000 FISTA iterations (another computation) reaching no lower objective."""
    P = sp.lista_problem(n_train=100, n_test=50, density=0.2, seed=1)
    assert P.certified == 1.0
    X, B = np.vstack([P.model.X_star, P.X_test]), np.vstack([P.model.B, P.B_test])
    C = (B - X @ P.A.T) @ P.A
    on = X != 0
    assert np.allclose(C[on], P.lam * np.sign(X[on]), atol=1e-10)
    assert np.all(np.abs(C[~on]) <= P.lam * (1 + 1e-8))
    Xf = sp.fista_batch(P.A, B, P.lam, iterations=3000)

    def F(Z):
        return 0.5 * np.sum((Z @ P.A.T - B) ** 2, axis=1) + P.lam * np.abs(Z).sum(axis=1)

    assert np.all(F(X) <= F(Xf) + 1e-12)


def test_gap_curves_are_the_mean_gaps_of_the_ista_and_fista_generators():
    """Oracle: the generators ista and fista run signal by signal (step 1/L, from 0; a generator that stops at a
    minimizer keeps its last value)."""
    P = sp.lista_problem(n_train=10, n_test=4, seed=2)
    curves = P.gap_curves(12, P.theta0)

    def losses(method, b):
        F = [s.loss for s in itertools.islice(method(P.A, b, P.lam), 13)]
        return (F + F[-1:] * 13)[1:13]

    for name, method in (("ISTA", sp.ista), ("FISTA", sp.fista)):
        F = np.array([losses(method, b) for b in P.B_test])
        assert np.allclose(curves[name], np.mean(F - P.F_test[:, None], axis=0), rtol=1e-10, atol=1e-13)
    assert np.allclose(curves["LISTA"], curves["ISTA"], rtol=1e-10)  # ISTA's weights: LISTA is ISTA


def test_step_is_tunable_and_a_too_large_step_diverges():
    P = sp.dictionary_problem(20, seed=0)
    gen = sp.ista(P.A, P.b, P.lam)
    next(gen)
    assert gen.send({"step": 0.5}).info["step"] == 0.5
    last = list(sp.ista(P.A, P.b, P.lam, step=3.0, maxiter=2000))[-1]  # t = 3 > 2/L = 2
    assert last.info.get("diverged")
    with pytest.raises(ValueError):
        next(sp.fista(P.A, P.b[:3], P.lam))


def test_relu_soft_threshold_is_the_soft_threshold():
    v = np.linspace(-3, 3, 601)
    assert np.array_equal(sp.relu_soft_threshold(v, 0.7), soft_threshold(v, 0.7))


def test_layered_soft_thresholding_is_a_relu_network():
    """Papyan et al. (2017): the forward pass of the ReLU network built from the dictionaries (positive and negative
    parts as channels) equals layered soft thresholding. Oracle: layered_thresholding (no ReLU in the loop)."""
    rng = np.random.default_rng(0)
    Ds = [rng.standard_normal((16, 24)) / 4, rng.standard_normal((24, 32)) / 5]
    lams = [0.3, 0.2]
    Y = rng.standard_normal((10, 16))
    G = sp.layered_thresholding(Y, Ds, lams)
    W, c = sp.thresholding_network(Ds, lams)
    out = sp.relu_network(Y, W, c)
    assert np.allclose(out[:, :32] - out[:, 32:], G[-1], atol=1e-14)
    nonneg = sp.layered_thresholding(Y, Ds, lams, nonnegative=True)
    assert np.allclose(nonneg[-1], sp.relu_network(Y, [D for D in Ds], [np.full(D.shape[1], -l) for D, l in
                                                                       zip(Ds, lams)]))


@pytest.mark.parametrize("filters,shape", [((3, 5), 32), ((2, 3, 3), (8, 8)), ((1, 4), 4)])
def test_the_fft_dictionary_is_the_explicit_matrix_and_its_adjoint(filters, shape):
    """Oracle: the matrix built column by column with np.roll (no FFT); the adjoint test."""
    rng = np.random.default_rng(1)
    C = sp.ConvDictionary(rng.standard_normal(filters), shape)
    M = C.matrix()
    x = rng.standard_normal((C.n_filters, *C.shape))
    r = rng.standard_normal(C.shape)
    assert np.allclose(M @ x.ravel(), C.apply(x).ravel(), atol=1e-13)
    assert np.allclose(M.T @ r.ravel(), C.adjoint(r).ravel(), atol=1e-13)
    assert adjoint_check(C.apply, C.adjoint, x.shape).passed
    assert C.lipschitz() == pytest.approx(np.linalg.norm(M, 2) ** 2, rel=1e-10)


def test_fista_on_the_fft_operator_equals_fista_on_the_matrix():
    rng = np.random.default_rng(2)
    C = sp.ConvDictionary(rng.standard_normal((2, 4)), 16)
    b = rng.standard_normal(16)
    t = 1 / C.lipschitz()
    a = list(itertools.islice(sp.fista(C.operator(), b, 0.1, step=t), 20))[-1]
    m = list(itertools.islice(sp.fista(C.matrix(), b, 0.1, step=t), 20))[-1]
    assert np.allclose(a.x, m.x, atol=1e-12)


def test_lista_starts_as_ista_and_its_gradient_passes_the_taylor_test():
    """Oracle: K ISTA iterations (the generator) for the start; the Taylor test for backpropagation."""
    P = sp.lista_problem(6, 10, n_layers=3, n_train=30, n_test=5, density=0.3)
    b = P.B_test[0]
    *_, last = itertools.islice(sp.ista(P.A, b, P.lam), 4)
    assert np.allclose(P.model.codes(P.theta0, P.B_test[:1])[0], last.x, atol=1e-12)
    rng = np.random.default_rng(0)
    theta = P.theta0 + 0.05 * rng.standard_normal(P.model.n_params)
    v = 0.1 * rng.standard_normal(P.model.n_params)
    res = derivative_check(P.model.value_and_grad, theta, v)
    assert res.passed and res.order > 1.8
    f, g = P.model.batch_value_and_grad(theta, np.arange(5))
    sub = sp.LISTA(P.model.B[:5], P.model.X_star[:5], 3)
    assert np.allclose(g, sub.value_and_grad(theta)[1]) and f == pytest.approx(sub.value_and_grad(theta)[0])


def test_trained_lista_beats_ista_and_fista_at_the_same_depth():
    """Gregor and LeCun (2010): after training, K layers of LISTA reach a smaller gap than K iterations of ISTA or
    FISTA. Measured (defaults, 150 full-batch Adam steps, lr 3e-3): 0.063 against 0.158 and 0.128."""
    from numdl_core.optim import adam

    P = sp.lista_problem(n_train=400, n_test=100)
    *_, last = itertools.islice(adam(P.model, P.theta0, lr=3e-3, batch_size=None), 151)
    lista = P.gaps(P.model.codes(last.x, P.B_test))
    ista_ = P.gaps(P.model.codes(P.theta0, P.B_test))
    fista_ = P.gaps(sp.fista_batch(P.A, P.B_test, P.lam, iterations=5))
    assert lista < fista_ < ista_


def test_patches_and_dictionary_learning_decrease_the_energy():
    """Oracle: the energy recomputed from D and a long FISTA solve; MOD's alternation never increases it."""
    rng = np.random.default_rng(0)
    images = rng.random((20, 64))
    Y = sp.image_patches(images, 4, stride=2)
    assert Y.shape == (20 * 9, 16) and np.allclose(Y.mean(axis=1), 0)
    for method in ("mod", "gradient"):
        steps = list(sp.dictionary_learning(Y, 16, 0.05, method=method, maxiter=8, inner=200))
        assert [s.iteration for s in steps] == list(range(9)) and steps[0].info["work"] == 0
        losses = [s.loss for s in steps[1:]]
        assert all(b <= a + 1e-9 for a, b in zip(losses, losses[1:])), method
        D = steps[-1].x.reshape(16, 16)
        assert np.allclose(np.linalg.norm(D, axis=0), 1)
        X = sp.fista_batch(D, Y, 0.05, iterations=2000)
        E = (0.5 * np.sum((X @ D.T - Y) ** 2) + 0.05 * np.abs(X).sum()) / len(Y)
        assert E <= steps[-1].loss + 1e-9


def test_dictionary_energy_gradient_passes_the_taylor_test():
    rng = np.random.default_rng(3)
    Y, X = rng.standard_normal((30, 9)), rng.standard_normal((30, 12)) * (rng.random((30, 12)) < 0.3)
    D = rng.standard_normal((9, 12))
    res = derivative_check(lambda d: sp.dictionary_energy(d.reshape(9, 12), X, Y, 0.1), D.ravel())
    assert res.passed and res.order > 1.8  # a quadratic in D: E1 = h^2 v'Hv/2 exactly


def test_lista_taylor_check_method():
    P = sp.lista_problem(5, 8, n_layers=2, n_train=20, n_test=5, density=0.3)
    res = P.model.taylor_check(P.theta0 + 0.01)
    assert res.passed and res.order > 1.8


def test_csc_image_codes_a_digit_with_the_2d_fft_dictionary():
    """Oracle: the explicit 64 x 256 matrix and the adjoint test; FISTA's objective decreases below F(0)."""
    from numdl_core.data import load_digits

    r = sp.csc_image(load_digits()[0][0].reshape(8, 8), lam=0.05, iterations=100)
    assert r.numbers["FFT vs matrix: largest difference"] < 1e-12 and r.numbers["adjoint test gap"] < 1e-12
    assert r.numbers["‖D‖² by FFT"] == pytest.approx(12.0) == r.numbers["‖D‖² by eigenvalues of the matrix"]
    assert r.losses[-1] < 0.2 * r.losses[0] and r.numbers["relative residual"] < 0.1
    with pytest.raises(ValueError):
        sp.csc_image(np.ones(5))


def test_step_none_is_one_over_the_squared_norm_also_for_an_operator():
    """Contract: step=None means 1/||A||_2^2 (exact for a matrix; power iteration, +1%, for a LinearOperator)."""
    from scipy.sparse.linalg import aslinearoperator

    P = sp.dictionary_problem(20, seed=5)
    A = 3 * P.A  # ||A||_2 = 3
    assert list(itertools.islice(sp.ista(A, P.b, P.lam), 2))[1].info["step"] == pytest.approx(1 / 9)
    t = list(itertools.islice(sp.fista(aslinearoperator(A), P.b, P.lam), 2))[1].info["step"]
    assert 1 / 9 / 1.02 < t <= 1 / 9

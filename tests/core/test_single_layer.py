"""Single-layer networks: derivatives (Taylor, adjoint, finite differences), ELM vs numpy lstsq,
variable projection (accurate vs sloppy inner solve), training on peaks, inverse crime, loss surface."""

import numpy as np
import pytest
from scipy.special import log_softmax as scipy_log_softmax

from numdl_core.checks import adjoint_check, derivative_check
from numdl_core.data import make_dataset
from numdl_core.optim import gauss_newton, sgd
from numdl_core.single_layer import (
    ACTIVATIONS,
    SingleLayer,
    VarPro,
    elm,
    elm_accuracy_vs_width,
    feature_singular_values,
    loss_surface,
    make_inverse_crime,
    project_onto_plane,
    random_hidden,
    surface_directions,
    varpro,
)



@pytest.fixture(scope="module")
def peaks_small():
    return make_dataset("peaks", 150, noise=0.0, seed=4)


@pytest.fixture(scope="module")
def peaks_course():
    """The syllabus sizes: 1000 training and 2000 validation points."""
    X, y = make_dataset("peaks", 1000, noise=0.0, seed=0)
    Xv, yv = make_dataset("peaks", 2000, noise=0.0, seed=1)
    return X, y, Xv, yv


# ---------------------------------------------------------------------------------------------
# layout and forward model
# ---------------------------------------------------------------------------------------------
def test_layout_split_join_and_forward(peaks_small):
    X, y = peaks_small
    M = SingleLayer(X, y, 7, activation="sin")
    assert (M.n_features, M.width, M.n_classes) == (2, 7, 5)
    assert M.n_params == 2 * 7 + 7 + 7 * 5 + 5
    rng = np.random.default_rng(0)
    K, b, W, c = rng.standard_normal((2, 7)), rng.standard_normal(7), rng.standard_normal((7, 5)), rng.standard_normal(5)
    theta = M.join(K, b, W, c)
    np.testing.assert_array_equal(theta, np.concatenate([K.ravel(), b, W.ravel(), c]))
    for a, a2 in zip((K, b, W, c), M.split(theta)):
        np.testing.assert_array_equal(a, a2)
    # forward model written out sample by sample
    i = 17
    o_i = np.sin(X[i] @ K + b) @ W + c
    np.testing.assert_allclose(M.outputs(theta)[i], o_i, rtol=1e-14)
    assert M.predict(theta)[i] == np.argmax(o_i)


def test_softmax_loss_matches_scipy_log_softmax(peaks_small):
    X, y = peaks_small
    M = SingleLayer(X, y, 5, activation="tanh", alpha=0.3)
    theta = M.init_theta(1)
    K, b, W, c = M.split(theta)
    O = np.tanh(X @ K + b) @ W + c
    ref = -np.mean(scipy_log_softmax(O, axis=1)[np.arange(len(y)), y])
    assert M.data_loss(theta) == pytest.approx(ref, rel=1e-13)
    np.testing.assert_allclose(M.predict_proba(theta).sum(axis=1), 1.0, rtol=1e-14)
    reg = 0.15 * (np.sum(K**2) + np.sum(W**2))
    assert M.value(theta) == pytest.approx(M.data_loss(theta) + reg, rel=1e-14)
    assert M.value_and_grad(theta)[0] == M.value(theta)


@pytest.mark.parametrize("loss", ["softmax", "squared"])
@pytest.mark.parametrize("act", ACTIVATIONS)
def test_gradient_taylor_order_two(peaks_small, act, loss):
    X, y = peaks_small
    M = SingleLayer(X, y, 6, activation=act, loss=loss, alpha=1e-2)
    theta = M.init_theta(3)
    res = derivative_check(M.value_and_grad, theta, seed=5)
    assert res.passed and res.order > 1.8, (res.order, res.err1)
    # a wrong gradient (bias gradient dropped) is caught
    def broken(th):
        f, g = M.value_and_grad(th)
        g = g.copy()
        g[M.n_features * M.width: M.n_hidden_params] = 0.0
        return f, g
    bad = derivative_check(broken, theta, seed=5)
    assert not bad.passed and bad.order < 1.3


@pytest.mark.parametrize("loss", ["softmax", "squared"])
@pytest.mark.parametrize("act", ["sin", "tanh", "identity"])
def test_hessian_vector_product_taylor_order_three_and_symmetry(peaks_small, act, loss):
    X, y = peaks_small
    M = SingleLayer(X, y, 6, activation=act, loss=loss, alpha=1e-2)
    theta = M.init_theta(3)
    res = derivative_check(M.value_and_grad, theta, hess_vec=M.hess_vec, seed=5)
    assert res.passed and res.order2 > 2.7, (res.order2, res.err2)
    u, v = np.random.default_rng(0).standard_normal((2, M.n_params))
    assert u @ M.hess_vec(theta, v) == pytest.approx(v @ M.hess_vec(theta, u), rel=1e-12)
    # central differences of the gradient
    h = 1e-5
    fd = (M.value_and_grad(theta + h * v)[1] - M.value_and_grad(theta - h * v)[1]) / (2 * h)
    Hv = M.hess_vec(theta, v)
    assert np.linalg.norm(fd - Hv) <= 1e-7 * np.linalg.norm(Hv)


def test_relu_hessian_misses_the_kinks(peaks_small):
    # sigma'' = 0 almost everywhere, but f is only piecewise smooth: E2 does not reach order 3
    X, y = peaks_small
    M = SingleLayer(X, y, 6, activation="relu", alpha=1e-2)
    res = derivative_check(M.value_and_grad, M.init_theta(3), hess_vec=M.hess_vec, seed=5)
    assert res.order > 1.8 and res.order2 < 2.5


def test_newton_cg_trains_peaks(peaks_course):
    from numdl_core.optim import newton_cg
    X, y, Xv, yv = peaks_course
    M = SingleLayer(X[:400], y[:400], 20, activation="tanh", alpha=1e-4)
    steps = list(newton_cg(M, M.init_theta(0), maxiter=15, cg_maxiter=10))
    losses = [s.loss for s in steps]
    assert all(b <= a for a, b in zip(losses, losses[1:]))
    # measured: loss 0.243, train accuracy 0.9375, validation 0.8795
    assert M.accuracy(steps[-1].x) > 0.88 and M.accuracy(steps[-1].x, Xv, yv) > 0.85


def test_batch_gradient_is_the_mean_over_the_batch(peaks_small):
    X, y = peaks_small
    M = SingleLayer(X, y, 6, activation="tanh", alpha=0.1)
    theta = M.init_theta(0)
    f, g = M.value_and_grad(theta)
    f2, g2 = M.batch_value_and_grad(theta, np.arange(M.n_samples))
    assert f2 == pytest.approx(f, rel=1e-14)
    np.testing.assert_allclose(g2, g, rtol=1e-12, atol=1e-15)
    # weighted mean of the batch data terms over a partition = the full data term
    Mr = SingleLayer(X, y, 6, activation="tanh", alpha=0.0)
    parts = np.array_split(np.random.default_rng(1).permutation(M.n_samples), 4)
    fs, gs = zip(*[Mr.batch_value_and_grad(theta, p) for p in parts])
    w = np.array([len(p) for p in parts]) / M.n_samples
    f0, g0 = Mr.value_and_grad(theta)
    assert np.dot(w, fs) == pytest.approx(f0, rel=1e-13)
    np.testing.assert_allclose(np.tensordot(w, np.array(gs), axes=1), g0, rtol=1e-11, atol=1e-15)
    res = derivative_check(lambda th: M.batch_value_and_grad(th, parts[0]), theta)
    assert res.passed


# ---------------------------------------------------------------------------------------------
# least-squares interface for Gauss-Newton
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("act", ["sin", "tanh", "relu"])
def test_jacobian_adjoint_and_finite_differences(peaks_small, act):
    X, y = peaks_small
    M = SingleLayer(X, y, 6, activation=act, loss="squared", alpha=0.05)
    theta = M.init_theta(2)
    f, g = M.value_and_grad(theta)
    r = M.residual(theta)
    assert r.size == M.n_residuals
    assert 0.5 * r @ r == pytest.approx(f, rel=1e-14)
    np.testing.assert_allclose(M.jac_t_vec(theta, r), g, rtol=1e-12, atol=1e-15)
    for seed in range(3):
        chk = adjoint_check(lambda v: M.jac_vec(theta, v), lambda w: M.jac_t_vec(theta, w), M.n_params,
                            seed=seed, rtol=1e-12)
        assert chk.passed, chk.rel_error
    v = np.random.default_rng(9).standard_normal(M.n_params)
    h = 1e-6
    fd = (M.residual(theta + h * v) - M.residual(theta - h * v)) / (2 * h)
    Jv = M.jac_vec(theta, v)
    assert np.linalg.norm(fd - Jv) <= 1e-7 * np.linalg.norm(Jv)


def test_least_squares_interface_needs_squared_loss(peaks_small):
    X, y = peaks_small
    M = SingleLayer(X, y, 4)
    with pytest.raises(TypeError, match="loss='squared'"):
        M.residual(M.init_theta())
    with pytest.raises(TypeError, match="loss='squared'"):
        VarPro(M)


def test_input_errors(peaks_small):
    X, y = peaks_small
    with pytest.raises(ValueError, match="sin, tanh, relu, identity"):
        SingleLayer(X, y, 4, activation="sigmoid")
    with pytest.raises(ValueError, match="softmax, squared"):
        SingleLayer(X, y, 4, loss="hinge")
    with pytest.raises(ValueError, match="width"):
        SingleLayer(X, y, 0)
    with pytest.raises(ValueError, match="alpha"):
        SingleLayer(X, y, 4, alpha=-1.0)
    M = SingleLayer(X, y, 4)
    with pytest.raises(ValueError, match="n_params"):
        M.value_and_grad(np.zeros(3))
    with pytest.raises(ValueError, match="direct, cg"):
        VarPro(SingleLayer(X, y, 4, loss="squared"), inner="exact")
    with pytest.raises(ValueError, match="gauss_newton, gradient_descent"):
        next(varpro(SingleLayer(X, y, 4, loss="squared"), np.zeros(12), method="newton"))


# ---------------------------------------------------------------------------------------------
# ELM
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("act", ["sin", "tanh", "relu"])
def test_elm_output_weights_match_numpy_lstsq_on_augmented_system(peaks_small, act):
    X, y = peaks_small
    n, m, alpha = X.shape[0], 12, 1e-3
    res = elm(X, y, m, activation=act, alpha=alpha, seed=3)
    K, b, W, c = res.model.split(res.theta)
    K0, b0 = random_hidden(2, m, seed=3)
    np.testing.assert_array_equal(K, K0)
    np.testing.assert_array_equal(b, b0)
    Z = {"sin": np.sin, "tanh": np.tanh, "relu": lambda a: np.maximum(a, 0)}[act](X @ K0 + b0)
    Y = np.eye(5)[y]
    A = np.block([[Z, np.ones((n, 1))], [np.sqrt(n * alpha) * np.eye(m), np.zeros((m, 1))]])
    B = np.vstack([Y, np.zeros((m, 5))])
    Wa = np.linalg.lstsq(A, B, rcond=None)[0]
    np.testing.assert_allclose(W, Wa[:m], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(c, Wa[m], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(res.singular_values, np.linalg.svd(Z, compute_uv=False), rtol=1e-12, atol=1e-14)
    assert res.train_accuracy == np.mean(np.argmax(Z @ W + c, axis=1) == y)
    # ELM = variable projection at iteration 0 (an independent solver: SVD of the stacked system)
    vp = VarPro(res.model)
    Wv, cv, _ = vp.solve_inner(res.theta)
    np.testing.assert_allclose(Wv, W, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(cv, c, rtol=1e-8, atol=1e-10)


def test_elm_singular_values_and_accuracy_vs_width(peaks_course):
    X, y, Xv, yv = peaks_course
    s = feature_singular_values(X, 60, seed=0)
    assert list(s) == ["sin", "tanh", "relu"]
    assert all(v.shape == (60,) and np.all(np.diff(v) <= 1e-12 * v[0]) for v in s.values())
    # random ReLU features with hyperplanes missing the data are dead columns: numerically rank deficient
    assert s["relu"][-1] / s["relu"][0] < 1e-14 < s["tanh"][-1] / s["tanh"][0]
    widths, tr, va = elm_accuracy_vs_width(X, y, [10, 50, 100], Xv, yv, activation="tanh", alpha=1e-6)
    # measured: train 0.668 / 0.901 / 0.961, validation 0.6595 / 0.882 / 0.9355
    assert np.all(np.diff(tr) > 0)
    assert tr[-1] > 0.94 and va[-1] > 0.91
    assert va[0] < 0.75


# ---------------------------------------------------------------------------------------------
# variable projection
# ---------------------------------------------------------------------------------------------
def test_varpro_reduced_gradient_accurate_inner_solve(peaks_small):
    X, y = peaks_small
    M = SingleLayer(X, y, 6, activation="tanh", loss="squared", alpha=1e-3)
    u = M.init_theta(1)[: M.n_hidden_params]
    for inner in ("direct", "cg"):
        vp = VarPro(M, inner=inner, inner_tol=1e-13, inner_maxiter=1000)
        f, g = vp.value_and_grad(u)
        # the inner solution is optimal: the full gradient's (W, c) block vanishes
        gfull = M.value_and_grad(vp.full_theta(u))[1]
        assert np.linalg.norm(gfull[M.n_hidden_params:]) < 1e-10 * max(1.0, np.linalg.norm(g))
        for seed in range(2):
            v = np.random.default_rng(seed).standard_normal(u.size)
            h = 1e-5
            fd = (vp.value(u + h * v) - vp.value(u - h * v)) / (2 * h)
            assert fd == pytest.approx(g @ v, rel=1e-6)
        assert derivative_check(vp.value_and_grad, u).passed


def test_varpro_gradient_fails_taylor_test_with_sloppy_inner_solve(peaks_small):
    X, y = peaks_small
    M = SingleLayer(X, y, 6, activation="tanh", loss="squared", alpha=1e-3)
    u = M.init_theta(1)[: M.n_hidden_params]
    sloppy = VarPro(M, inner="cg", inner_tol=0.0, inner_maxiter=2)
    res = derivative_check(sloppy.value_and_grad, u)
    assert not res.passed and res.order < 1.3  # measured about 1.0
    exact = VarPro(M)
    assert derivative_check(exact.value_and_grad, u).order > 1.8


def test_varpro_training_decreases_and_beats_full_gauss_newton(peaks_course):
    X, y, Xv, yv = peaks_course
    M = SingleLayer(X, y, 30, activation="tanh", loss="squared", alpha=1e-4)
    th0 = M.init_theta(0)
    vp_steps = list(varpro(M, th0, cg_maxiter=20, maxiter=30, damping=1e-6))
    gn_steps = list(gauss_newton(M, th0, cg_maxiter=20, maxiter=30, damping=1e-6))
    for steps in (vp_steps, gn_steps):
        losses = [s.loss for s in steps]
        assert all(b <= a for a, b in zip(losses, losses[1:]))
        assert all(s.info["work"] > 0 for s in steps[1:])
    last = vp_steps[-1]
    assert last.loss == pytest.approx(M.value(last.x), rel=1e-12)  # x is the full theta
    np.testing.assert_array_equal(last.x[: M.n_hidden_params], last.info["u"])
    # measured after 30 iterations: VarPro loss 0.0799, accuracy 0.951 / 0.944; GN loss 0.104, 0.909 / 0.8945
    assert last.loss < gn_steps[-1].loss
    assert M.accuracy(last.x) > 0.93 and M.accuracy(last.x, Xv, yv) > 0.92
    assert M.accuracy(gn_steps[-1].x, Xv, yv) > 0.87
    # iteration 0 of VarPro is the ELM of the starting hidden layer
    Z = M.features(th0)
    assert vp_steps[0].loss < M.value(th0)
    assert np.allclose(M.split(vp_steps[0].x)[0], M.split(th0)[0]) and Z.shape == (1000, 30)


def test_inverse_crime_is_recovered_by_varpro():
    X, y, Y, theta_true = make_inverse_crime(300, 8, 5, seed=0)
    assert np.bincount(y, minlength=5).min() >= 20  # roughly balanced classes
    truth = SingleLayer(X, Y, 8, loss="squared")
    assert truth.value(theta_true) < 1e-28 and truth.accuracy(theta_true) == 1.0
    M = SingleLayer(X, Y, 16, loss="squared")
    last = None
    for last in varpro(M, M.init_theta(1), cg_maxiter=50, cg_tol=1e-3, maxiter=100):
        pass
    # measured: loss 7.9e-13 after 33 iterations, accuracy 1.0
    assert last.loss < 1e-10
    assert M.accuracy(last.x, X, y) == 1.0


# ---------------------------------------------------------------------------------------------
# stochastic training on peaks
# ---------------------------------------------------------------------------------------------
def test_sgd_trains_peaks_classifier(peaks_course):
    X, y, Xv, yv = peaks_course
    M = SingleLayer(X, y, 30, activation="tanh", alpha=1e-4)
    steps = list(sgd(M, M.init_theta(0), lr=0.05, batch_size=32, momentum=0.9, maxiter=40, seed=0))
    last = steps[-1]
    assert last.iteration == 40 and last.info["work"] == pytest.approx(80.0)
    assert last.info["updates"] == 40 * 32
    # measured: loss 0.261, train accuracy 0.911, validation 0.898 (a linear classifier: about 0.5)
    assert last.loss < 0.35
    assert M.accuracy(last.x) > 0.88 and M.accuracy(last.x, Xv, yv) > 0.87


# ---------------------------------------------------------------------------------------------
# loss surface
# ---------------------------------------------------------------------------------------------
def test_loss_surface_grid_and_filter_normalization(peaks_small):
    X, y = peaks_small
    M = SingleLayer(X, y, 6, activation="relu", alpha=1e-2)
    theta = M.init_theta(0)
    a, b, V = loss_surface(M, theta, n=41, span=0.5, seed=3)
    assert a.shape == b.shape == (41,) and V.shape == (41, 41)
    assert V[20, 20] == pytest.approx(M.value(theta), rel=1e-14)
    d1, d2 = surface_directions(M, theta, seed=3)
    i, j = 7, 30
    assert V[i, j] == pytest.approx(M.value(theta + a[j] * d1 + b[i] * d2), rel=1e-13)
    for dvec in (d1, d2):
        Kd, bd, Wd, cd = M.split(dvec)
        Kt, _, Wt, _ = M.split(theta)
        np.testing.assert_allclose(np.linalg.norm(Kd, axis=0), np.linalg.norm(Kt, axis=0), rtol=1e-12)
        np.testing.assert_allclose(np.linalg.norm(Wd, axis=0), np.linalg.norm(Wt, axis=0), rtol=1e-12)
        assert not np.any(bd) and not np.any(cd)
    u1, _ = surface_directions(M, theta, seed=3, normalize="unit")
    assert np.linalg.norm(u1) == pytest.approx(1.0)
    pa, pb = project_onto_plane(np.vstack([theta + 0.3 * d1 - 0.2 * d2, theta]), theta, d1, d2)
    np.testing.assert_allclose(pa, [0.3, 0.0], atol=1e-12)
    np.testing.assert_allclose(pb, [-0.2, 0.0], atol=1e-12)
    with pytest.raises(ValueError, match="filter, unit"):
        loss_surface(M, theta, normalize="layer")

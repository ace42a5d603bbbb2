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
    with pytest.raises(ValueError, match="Newton"):  # the cross-entropy's inner problem: Newton, not CGLS
        VarPro(M, inner="cg")


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


# ---------------------------------------------------------------------------------------------
# the lesson's set-ups and experiments (pages/single_layer.py calls these)
# ---------------------------------------------------------------------------------------------
from numdl_core import single_layer as sl  # noqa: E402
from numdl_core.data import load_digits  # noqa: E402


def test_train_validation_data_is_the_course_split():
    d = sl.train_validation_data("peaks", 300, seed=2)
    X, y = make_dataset("peaks", 300, noise=0.0, seed=2)
    Xv, yv = make_dataset("peaks", 2000, noise=0.0, seed=1002)
    for a, b in zip(d, (X, y, Xv, yv, 5)):
        np.testing.assert_array_equal(a, b)
    g = sl.train_validation_data("digits", 1000, seed=0)
    assert g.X.shape == (1000, 64) and g.X_val.shape == (797, 64) and g.n_classes == 10
    Xd, _ = load_digits()  # a partition of the 1797 images: every image once
    rows = {r.tobytes() for r in np.vstack([g.X, g.X_val])}
    assert len(rows) == len({r.tobytes() for r in Xd})
    with pytest.raises(ValueError, match="digits"):
        sl.train_validation_data("digits", 1797)


def test_accuracies_match_a_plain_argmax_and_are_nan_for_a_diverged_theta(peaks_small):
    X, y = peaks_small
    M = SingleLayer(X, y, 5, loss="squared")
    theta = M.init_theta(0)
    K, b, W, c = M.split(theta)
    Xv, yv = make_dataset("peaks", 50, noise=0.0, seed=9)
    plain = [np.mean(np.argmax(np.tanh(P @ K + b) @ W + c, axis=1) == t) for P, t in ((X, y), (Xv, yv))]
    assert sl.accuracies(M, theta, Xv, yv) == pytest.approx(tuple(plain), abs=0)
    bad = theta.copy()
    bad[3] = np.inf
    assert all(np.isnan(sl.accuracies(M, bad, Xv, yv)))


def _output_hessian(M, theta):
    """The dense Hessian of the loss in the output weights (W, c), column by column from exact H v products."""
    nu = M.n_hidden_params
    E = np.eye(M.n_params)[:, nu:]
    return np.column_stack([M.hess_vec(theta, e)[nu:] for e in E.T])


def test_output_curvature_is_the_largest_eigenvalue_of_the_output_hessian(peaks_small):
    X, y = peaks_small
    M = SingleLayer(X, y, 6, loss="squared")
    theta = M.init_theta(1)
    lam = np.linalg.eigvalsh(_output_hessian(M, theta))[-1]
    assert sl.output_curvature(M, theta) == pytest.approx(lam, rel=1e-10)  # exact for least squares, alpha = 0
    for loss, alpha in (("squared", 1e-2), ("softmax", 0.0), ("softmax", 1e-2)):  # an upper bound otherwise
        M = SingleLayer(X, y, 6, loss=loss, alpha=alpha)
        lam = np.linalg.eigvalsh(_output_hessian(M, theta))[-1]
        assert lam <= sl.output_curvature(M, theta) * (1 + 1e-12)
        assert lam >= 0.2 * sl.output_curvature(M, theta)  # measured ratios 0.5-1: the bound is not loose


def test_sgd_lr_limit_separates_convergent_and_divergent_heavy_ball(peaks_small):
    """Oracle: full-batch heavy ball on the output least-squares problem min 1/(2n)||[Z 1] V - Y||^2, a plain loop."""
    X, y = peaks_small
    M = SingleLayer(X, y, 6, loss="squared")
    theta = M.init_theta(1)
    A = np.c_[M.features(theta), np.ones(M.n_samples)]
    Y = np.eye(5)[y]
    mu = 0.9
    limit = sl.sgd_lr_limit(M, theta, mu)

    def final_residual(lr):
        V, vel = np.zeros((A.shape[1], 5)), np.zeros((A.shape[1], 5))
        for _ in range(1000):
            vel = mu * vel - lr * A.T @ (A @ V - Y) / M.n_samples
            V = V + vel
        return np.linalg.norm(A.T @ (A @ V - Y))

    assert final_residual(0.97 * limit) < 1e-8  # measured 4e-13 (||A^T Y|| = 132 at the start)
    assert final_residual(1.03 * limit) > 1e100  # measured 1.7e131


def test_dead_relu_neurons_and_condition_number():
    X = np.random.default_rng(0).uniform(-1, 1, (80, 2))
    K, b = sl.random_hidden(2, 300, seed=4, scale=2.0)
    dead = sum(all(X[i] @ K[:, j] + b[j] <= 0 for i in range(80)) for j in range(300))  # a plain loop
    assert sl.dead_relu_neurons(X, 300, seed=4, scale=2.0) == dead > 0
    U, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((6, 3)))
    assert sl.condition_number([5.0, 1.0, 0.5]) == pytest.approx(np.linalg.cond(U @ np.diag([5.0, 1.0, 0.5])))
    assert sl.condition_number([2.0, 0.0]) == np.inf
    with pytest.raises(ValueError):
        sl.condition_number([])


def test_varpro_gradient_check_and_inner_sweep(peaks_small):
    X, y = peaks_small
    M = SingleLayer(X, y, 6, loss="squared", alpha=1e-3)
    u = M.init_theta(1)
    exact = sl.varpro_gradient_check(M, u)
    assert exact.taylor.passed and exact.taylor.order == pytest.approx(2.0, abs=0.15)
    assert exact.inner_optimality < 1e-10 and exact.inner_iterations == 1
    sloppy = sl.varpro_gradient_check(M, u, inner="cg", inner_maxiter=2)
    assert not sloppy.taylor.passed and sloppy.taylor.order == pytest.approx(1.0, abs=0.15)
    # oracle of the inner optimality: the (W, c) gradient after 2 CG steps, from VarPro's own inner solve
    W, c, its = VarPro(M, inner="cg", inner_tol=0.0, inner_maxiter=2).solve_inner(u[: M.n_hidden_params])
    g = M.value_and_grad(np.concatenate([u[: M.n_hidden_params], W.ravel(), c]))[1][M.n_hidden_params:]
    g0 = M.value_and_grad(np.concatenate([u[: M.n_hidden_params], np.zeros(W.size + c.size)]))[1][M.n_hidden_params:]
    assert sloppy.inner_optimality == pytest.approx(np.linalg.norm(g) / np.linalg.norm(g0), rel=1e-12)
    assert sloppy.inner_optimality > 1e-3
    orders, opt, d_order, d_opt = sl.varpro_inner_sweep(M, u, (1, 2, 50))
    assert orders[0] == pytest.approx(1.0, abs=0.15) and orders[-1] == pytest.approx(2.0, abs=0.15)
    assert opt[0] > opt[1] > opt[2] and d_order == pytest.approx(exact.taylor.order) and d_opt < 1e-10


def test_training_path_is_the_solver_run_cut_at_the_iterations(peaks_small):
    X, y = peaks_small
    M = SingleLayer(X, y, 5)
    th0 = M.init_theta(0)
    path = sl.training_path(M, th0, "sgd", 4, seed=3)
    lr = min(0.05, 1.9 / sl.output_curvature(M, th0))
    plain = list(sgd(M, th0, lr=lr, batch_size=32, momentum=0.9, seed=3, maxiter=4))
    assert [s.iteration for s in path] == [0, 1, 2, 3, 4] and path[-1].info["lr"] == lr
    np.testing.assert_array_equal(path[-1].x, plain[-1].x)
    with pytest.raises(ValueError, match="newton_cg, sgd"):
        sl.training_path(M, th0, "adam")


def test_surface_statistics_on_closed_form_grids():
    a = np.linspace(-2, 2, 21)
    bowl = np.add.outer(a**2, a**2)  # convex: no negative curvature, one minimum (the centre)
    s = sl.surface_statistics(bowl)
    assert (s.centre, s.minimum, s.maximum, s.negative_curvature, s.local_minima) == (0.0, 0.0, 8.0, 0.0, 1)
    saddle = np.add.outer(a**2, -(a**2))  # concave along alpha (the columns) everywhere
    assert sl.surface_statistics(saddle).negative_curvature == 1.0 and sl.surface_statistics(saddle).local_minima == 0
    egg = np.add.outer(np.cos(np.pi * a), np.cos(np.pi * a))  # minima at odd integers: (±1, ±1) inside the grid
    assert sl.surface_statistics(egg).local_minima == 4
    with pytest.raises(ValueError, match="at least 3"):
        sl.surface_statistics(np.zeros((2, 5)))


def test_experiments_summarize_the_functions_they_call():
    e = sl.elm_experiment("peaks", 300, 50, activation="relu", seed=1, widths=(10, 50))
    d = sl.train_validation_data("peaks", 300, seed=1)
    res = elm(d.X, d.y, 50, activation="relu", seed=1, n_classes=5)
    np.testing.assert_array_equal(e.result.theta, res.theta)
    s = e.summary()
    assert s["validation accuracy"] == res.model.accuracy(res.theta, d.X_val, d.y_val)
    assert s["validation accuracy, width 50"] == s["validation accuracy"]  # the same ELM on the curve
    assert s["dead ReLU neurons"] == sl.dead_relu_neurons(d.X, 50, seed=1)
    sv = feature_singular_values(d.X, 50, seed=1)["relu"]
    assert s["cond(Z)"] == (sv[0] / sv[-1] if sv[-1] > 0 else np.inf)

    v = sl.varpro_experiment(100, 5, inner="direct", seed=0, sweep=(2,))
    assert v.unknowns_per_class == 6 and v.summary()["E1 order"] == pytest.approx(2.0, abs=0.15)
    assert v.summary()["E1 order with 2 inner CG iterations"] == pytest.approx(1.0, abs=0.15)

    f = sl.surface_experiment("peaks", 100, 5, center="initial", iterations=3, n=5)
    M = SingleLayer(*make_dataset("peaks", 100, noise=0.0, seed=0), 5, alpha=1e-4)
    assert f.stats.centre == pytest.approx(M.value(M.init_theta(0)), rel=1e-13) == f.loss_before
    assert f.path[0][0] == pytest.approx(0.0, abs=1e-12) and f.iterations == 3 and f.lr is None
    with pytest.raises(ValueError, match="center"):
        sl.surface_experiment(center="middle")


def test_training_problem_model_checks_and_inverse_crime():
    d, M, th0 = sl.training_problem("digits", 200, 8, seed=1)
    np.testing.assert_array_equal(th0, M.init_theta(1, scale=0.3))  # 64 pixels: smaller random K, b
    taylor, adjoint = sl.model_checks(M, th0, seed=1)
    assert taylor.passed and taylor.err2 is not None and adjoint.passed and adjoint.rel_error < 1e-12
    _, Ms, ths = sl.training_problem("peaks", 100, 4, activation="relu", loss="softmax")
    taylor, adjoint = sl.model_checks(Ms, ths)
    assert adjoint is None and taylor.err2 is None and taylor.passed
    c = sl.inverse_crime_problem(200, 6, 12, seed=3, n_val=400)
    X, y, Y, theta_true = make_inverse_crime(200, 6, 5, seed=3)
    np.testing.assert_array_equal(c.Y, Y)
    assert c.truth.accuracy(c.theta_true, c.X_val, c.y_val) == 1.0 and np.abs(c.X_val).max() <= 3.0
    assert c.model.width == 12 and c.model.loss == "squared"
    np.testing.assert_array_equal(c.theta0, c.model.init_theta(4))


def test_numerical_rank_ordering_of_the_elm_features():
    """Issue 8: at the 'dead ReLU' preset (peaks, 1000 points, width 200, seed 0) sin features are the most rank
    deficient, not ReLU; ReLU loses exactly its dead neurons, tanh keeps full rank (measured 167 < 188 < 200)."""
    e = sl.elm_experiment("peaks", 1000, 200, activation="relu", seed=0, widths=(10,))
    K, b = random_hidden(2, 200, seed=0)
    oracle = {a: int(np.linalg.matrix_rank(sl.activation(a)(e.data.X @ K + b)[0])) for a in ("sin", "tanh", "relu")}
    assert e.ranks == oracle
    assert e.ranks["sin"] < e.ranks["relu"] < e.ranks["tanh"] == 200
    assert e.ranks["relu"] == 200 - e.dead_neurons  # dead neurons: zero columns of Z, nothing else
    assert e.summary()["numerical rank, sin"] == e.ranks["sin"]
    assert sl.numerical_rank([1.0, 1e-3, 1e-17], 3) == 2 and sl.numerical_rank([0.0], 4) == 0


# ---------------------------------------------------------------------------------------------
# Gauss-Newton and VarPro with the cross-entropy (issue 8)
# ---------------------------------------------------------------------------------------------
def _dense_ggn(M, theta):
    """Oracle: J by central differences of the outputs, the loss Hessian in the outputs by hand, J^T H J + alpha R."""
    p, h = M.n_params, 1e-6
    J = np.stack([((M.outputs(theta + h * e) - M.outputs(theta - h * e)) / (2 * h)).ravel() for e in np.eye(p)], 1)
    O = M.outputs(theta)
    n, C = O.shape
    H = np.zeros((n * C, n * C))
    for i in range(n):
        P = np.exp(scipy_log_softmax(O[i]))
        H[i * C:(i + 1) * C, i * C:(i + 1) * C] = (np.diag(P) - np.outer(P, P) if M.loss == "softmax" else np.eye(C))
    R = np.zeros(p)
    e = M._ends
    R[: e[0]], R[e[1]: e[2]] = 1.0, 1.0
    return J.T @ H @ J / n + M.alpha * np.diag(R)


def test_cross_entropy_gauss_newton_matrix_is_jt_hessian_j_symmetric_psd(peaks_small):
    X, y = peaks_small[0][:40], peaks_small[1][:40]
    M = SingleLayer(X, y, 3, loss="softmax", alpha=1e-2)
    theta = M.init_theta(2)
    G = np.stack([v for v in map(M.gauss_newton_matvec(theta), np.eye(M.n_params))], 1)
    D = _dense_ggn(M, theta)
    assert np.abs(G - D).max() <= 1e-8 * np.abs(D).max()  # measured 5e-11
    assert np.abs(G - G.T).max() <= 1e-15 * np.abs(G).max() * M.n_params
    assert np.linalg.eigvalsh(G).min() > -1e-12
    Gh = M.gauss_newton_matvec(theta, block="hidden")  # the (K, b) block, what VarPro uses
    nh = M.n_hidden_params
    np.testing.assert_allclose(np.stack([Gh(v) for v in np.eye(nh)], 1), G[:nh, :nh], rtol=0, atol=1e-14)
    Ms = SingleLayer(X, y, 3, loss="squared", alpha=1e-2)  # least squares: J_r^T J_r of the residual interface
    Jv, JTw = Ms.linearize(theta)
    v = np.random.default_rng(0).standard_normal(Ms.n_params)
    np.testing.assert_allclose(Ms.gauss_newton_matvec(theta)(v), JTw(Jv(v)), rtol=1e-12)


def test_cross_entropy_gauss_newton_matvec_is_the_derivative_of_the_linearized_gradient(peaks_small):
    """G v = d/dt grad f_lin(t v) at 0, f_lin(d) = loss(O + J d) + reg: finite differences of that gradient."""
    X, y = peaks_small
    M = SingleLayer(X, y, 5, loss="softmax", alpha=1e-3)
    theta = M.init_theta(1)
    rng = np.random.default_rng(3)
    v = rng.standard_normal(M.n_params)
    O, e, n = M.outputs(theta), M._ends, M.n_samples
    h = 1e-7
    Jv = lambda w: (M.outputs(theta + h * w) - M.outputs(theta - h * w)) / (2 * h)  # noqa: E731

    def grad_lin(t):  # the gradient of the linearized model at theta + t v: J^T (softmax(O + t J v) - Y)/n + reg
        dO = (np.exp(scipy_log_softmax(O + t * Jv(v), axis=1)) - M.Y) / n
        Mo = SingleLayer(X, y, 5, loss="softmax", alpha=0.0)  # J^T via the model's own backpropagation at theta
        Jt = np.stack([(Mo.outputs(theta + h * w) - Mo.outputs(theta - h * w)).ravel() / (2 * h)
                       for w in np.eye(M.n_params)], 1).T
        g = Jt @ dO.ravel()
        g[: e[0]] += M.alpha * (theta[: e[0]] + t * v[: e[0]])
        g[e[1]: e[2]] += M.alpha * (theta[e[1]: e[2]] + t * v[e[1]: e[2]])
        return g

    t = 1e-4
    fd = (grad_lin(t) - grad_lin(-t)) / (2 * t)
    Gv = M.gauss_newton_matvec(theta)(v)
    assert np.linalg.norm(fd - Gv) <= 1e-6 * np.linalg.norm(Gv)


def test_cross_entropy_gauss_newton_step_passes_the_taylor_test(peaks_small):
    X, y = peaks_small
    M = SingleLayer(X, y, 5, loss="softmax", alpha=1e-3)
    theta = M.init_theta(0)
    p = sl.gauss_newton_direction(M, theta)
    f, g = M.value_and_grad(theta)
    G = M.gauss_newton_matvec(theta)
    assert np.linalg.norm(G(p) + g) <= 1e-8 * np.linalg.norm(g)  # CG solved G p = -g
    assert g @ p < 0 and g @ p == pytest.approx(-p @ G(p), rel=1e-8)  # descent: g'p = -p'Gp < 0
    check = derivative_check(M.value_and_grad, theta, p, n=12)  # d/dt f(theta + t p) at 0 is g'p: E1 = O(t^2)
    assert check.passed and check.order == pytest.approx(2.0, abs=0.15)
    h = 1e-6
    assert (M.value(theta + h * p) - M.value(theta - h * p)) / (2 * h) == pytest.approx(g @ p, rel=1e-6)


def test_generalized_gauss_newton_trains_softmax_and_equals_gn_matrix_for_least_squares(peaks_course):
    from numdl_core.solvers import SOLVERS
    X, y, _, _ = peaks_course
    M = SingleLayer(X, y, 20, loss="softmax", alpha=1e-4)
    steps = list(SOLVERS["generalized_gn"](M, M.init_theta(0), damping=1e-6, maxiter=30))
    assert all(b.loss <= a.loss for a, b in zip(steps, steps[1:]))  # Armijo: monotone
    assert steps[-1].loss < 0.1 * steps[0].loss and M.accuracy(steps[-1].x) > 0.95  # measured 1.95 -> 0.12, 98.6%
    assert steps[-1].info["work"] == 2 * steps[-1].info["matvecs"] / 2 + 2 * sum(
        s.info["backtracks"] + 1 for s in steps[1:])


def test_varpro_cross_entropy_inner_newton_and_reduced_gradient(peaks_small):
    from scipy.optimize import minimize
    X, y = peaks_small
    M = SingleLayer(X, y, 6, loss="softmax", alpha=1e-3)
    u = M.init_theta(1)[: M.n_hidden_params]
    W, c, its = VarPro(M).solve_inner(u)
    nh = M.n_hidden_params

    def inner(w):  # the inner objective by the model itself; oracle: scipy's L-BFGS
        f, g = M.value_and_grad(np.concatenate([u, w]))
        return f, g[nh:]

    ref = minimize(inner, np.zeros(W.size + c.size), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-12, "ftol": 1e-16, "maxiter": 5000})
    assert inner(np.concatenate([W.ravel(), c]))[0] <= ref.fun + 1e-12 and its < 20
    assert np.linalg.norm(inner(np.concatenate([W.ravel(), c]))[1]) < 1e-12
    exact = sl.varpro_gradient_check(M, u)  # accurate inner solve: the partial gradient is the reduced gradient
    assert exact.taylor.passed and exact.taylor.order == pytest.approx(2.0, abs=0.15) and exact.inner_optimality < 1e-10
    sloppy = sl.varpro_gradient_check(M, u, inner_maxiter=1)  # one Newton step: order 1
    assert not sloppy.taylor.passed and sloppy.taylor.order == pytest.approx(1.0, abs=0.15)
    # the reduced gradient against central differences of phi, along a random direction
    vp = VarPro(M)
    v = np.random.default_rng(5).standard_normal(nh)
    h = 1e-5
    fd = (vp.value(u + h * v) - vp.value(u - h * v)) / (2 * h)
    assert fd == pytest.approx(vp.value_and_grad(u)[1] @ v, rel=1e-7)


def test_varpro_trains_softmax_and_beats_its_elm_start(peaks_course):
    X, y, _, _ = peaks_course
    M = SingleLayer(X, y, 20, loss="softmax", alpha=1e-4)
    steps = list(varpro(M, M.init_theta(0), damping=1e-6, maxiter=15))
    assert all(b.loss <= a.loss for a, b in zip(steps, steps[1:]))
    assert steps[-1].loss < 0.5 * steps[0].loss and M.accuracy(steps[-1].x) > 0.97  # measured 0.33 -> 0.12, 98.7%
    nh = M.n_hidden_params  # every iterate has the optimal output weights of its hidden layer
    assert np.linalg.norm(M.value_and_grad(steps[-1].x)[1][nh:]) < 1e-9


def test_course_inverse_crime_set_up_and_recovery():
    """The course's inverse crime (04-NumDNN-SingleLayer.tex): targets P = softmax(tanh(X K + 0.1) W), n = 500,
    n_f = 50, n_c = 10, m = 40; generalized Gauss-Newton on the cross-entropy reaches the generating network's
    accuracy on the labels argmax P within 1% and its loss (the entropy of P) within 0.02."""
    from scipy.special import softmax as scipy_softmax
    from scipy.stats import entropy

    c = sl.course_inverse_crime()
    assert c.X.shape == (500, 50) and c.Y.shape == (500, 10) and c.model.width == 40 and c.model.soft
    rng = np.random.default_rng(0)  # oracle: the course's recipe, in numpy, in the same order of draws
    K, W = rng.standard_normal((50, 40)), None
    W = rng.standard_normal((40, 10))
    X = rng.standard_normal((500, 50))
    np.testing.assert_allclose(c.Y, scipy_softmax(np.tanh(X @ K + 0.1) @ W, axis=1), rtol=1e-12)
    H = float(np.mean(entropy(c.Y, axis=1)))
    assert sl.target_entropy(c.Y) == pytest.approx(H, rel=1e-12) == c.truth.value(c.theta_true)
    assert c.truth.accuracy(c.theta_true) == 1.0 and c.truth.accuracy(c.theta_true, c.X_val, c.y_val) == 1.0
    steps = list(sl.generalized_gauss_newton(c.model, c.theta0, cg_tol=1e-3, cg_maxiter=50, maxiter=30))
    assert steps[0].loss > H + 2.0  # a random start: loss 2.84
    assert c.model.accuracy(steps[-1].x) >= c.truth.accuracy(c.theta_true) - 0.01  # measured 0.990
    assert steps[-1].loss - H < 0.02  # measured 0.0117
    assert c.model.value(c.theta_true) == pytest.approx(H)  # the soft cross-entropy
    M = SingleLayer(c.X[:5], c.Y[:5], 3, loss="softmax")
    th = M.init_theta(0)
    ref = -np.sum(c.Y[:5] * scipy_log_softmax(M.outputs(th), axis=1)) / 5
    assert M.value(th) == pytest.approx(ref, rel=1e-13)
    assert derivative_check(M.value_and_grad, th, hess_vec=M.hess_vec).passed
    with pytest.raises(ValueError, match="probabilities"):
        SingleLayer(c.X[:5], c.Y[:5] * 2, 3, loss="softmax")


def test_learning_rate_decay_removes_the_wandering_of_sgd_and_adam():
    """The 'A decaying learning rate' Try-this (page defaults: peaks, 1000 points, width 30, lr 0.05, batch 32):
    with decay 1e-3 the losses at 25, 50, 100 epochs fall (SGD 0.160, 0.136, 0.123), with a constant rate SGD's
    goes up between 50 and 100 epochs (0.148 -> 0.166)."""
    from numdl_core.optim import adam
    d, M, th0 = sl.training_problem()

    def losses(gen):
        return [s.loss for s in gen if s.iteration in (25, 50, 100)]

    decayed = losses(sgd(M, th0, lr=0.05, momentum=0.9, batch_size=32, decay=1e-3, maxiter=100))
    constant = losses(sgd(M, th0, lr=0.05, momentum=0.9, batch_size=32, maxiter=100))
    assert decayed[0] > decayed[1] > decayed[2] and decayed[2] == pytest.approx(0.1234, abs=2e-3)
    assert constant[2] > constant[1] and constant[2] > decayed[2] + 0.02
    a = losses(adam(M, th0, lr=0.05, batch_size=32, decay=1e-3, maxiter=100))
    assert a[0] > a[1] > a[2] and a[2] == pytest.approx(0.1151, abs=2e-3)

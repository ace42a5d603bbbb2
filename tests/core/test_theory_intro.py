"""numdl_core.theory.intro: universal approximation, the optimizer zoo, autoencoders against PCA.

Oracles: measured log-log slopes against the spline rates (ReLU fit of a smooth target ~ m^-2, a jump ~ m^-1/2,
a linear activation ~ m^0); scipy.optimize.rosen / rosen_der and the known minimizer (1, 1); the closed-form
iterates (1 - t lambda_i)^k of gradient descent on a quadratic; a plain-loop RMSprop; numpy's eigh of the
covariance for PCA; scipy.linalg.subspace_angles for the linear autoencoder; Taylor tests of every gradient.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize

from numdl_core.checks import derivative_check
from numdl_core.theory import intro as I


# ------------------------------------------------------------------------------------------- universal approximation
def test_drawn_target_is_the_linear_interpolant():
    x = np.linspace(-1, 1, 11)
    assert I.target("drawn", x, [0.0, 1.0, -1.0]) == pytest.approx(np.interp(x, [-1, 0, 1], [0, 1, -1]))
    with pytest.raises(ValueError):
        I.target("drawn", x, [1.0])
    with pytest.raises(ValueError):
        I.target("cosh", x)


@pytest.mark.parametrize("name,lo,hi", [("sine", -2.3, -1.5), ("abs", -2.3, -1.4), ("step", -0.8, -0.3)])
def test_relu_error_falls_with_width_at_the_spline_rate(name, lo, hi):
    """Measured slopes (seed 0): sine -1.87, |x| -1.91, step -0.55; rms falls from width 8 to 256."""
    s = I.approximation_study(name, 16)
    assert lo < s.slope < hi
    assert s.rms[-1] < 0.1 * s.rms[2] if name != "step" else s.rms[-1] < 0.5 * s.rms[2]


def test_tanh_approximates_and_linear_does_not():
    """A non-polynomial sigma approximates (Leshno et al. 1993); a linear one gives an affine fit at every width."""
    tanh = I.approximation_study("sine", 16, activation="tanh")
    linear = I.approximation_study("sine", 16, activation="linear")
    assert tanh.slope < -1.0 and tanh.rms[-1] < 1e-3
    assert abs(linear.slope) < 1e-6
    best_line = np.polyfit(np.linspace(-1, 1, 2001), np.sin(2 * np.pi * np.linspace(-1, 1, 2001)), 1)
    xt = np.linspace(-1, 1, 2001)
    oracle = np.sqrt(np.mean((np.polyval(best_line, xt) - np.sin(2 * np.pi * xt)) ** 2))
    assert linear.rms[-1] == pytest.approx(oracle, rel=1e-3)  # the best straight line (fitted on 1000 points)


def test_fit_shallow_interpolates_a_relu_network_it_can_represent():
    """A target that is itself a ReLU network with the same knots is fitted to round-off."""
    fit = I.fit_shallow(np.linspace(-1, 1, 200), np.zeros(200), 12, seed=3)
    x = np.linspace(-1, 1, 300)
    y = np.maximum(fit.slopes * (x[:, None] - fit.knots), 0) @ np.arange(12.0) + 0.5
    assert I.fit_shallow(x, y, 12, seed=3).train_rms < 1e-10


# ------------------------------------------------------------------------------------------------- optimizer zoo
def test_test_functions_against_scipy_and_taylor():
    x = np.array([-0.7, 1.3])
    f, g = I.rosenbrock(x)
    assert f == pytest.approx(scipy.optimize.rosen(x)) and g == pytest.approx(scipy.optimize.rosen_der(x))
    for fun in (I.rosenbrock, I.saddle, lambda z: I.quadratic(z, 30.0)):
        assert derivative_check(fun, x, seed=1).passed
    assert I.saddle(np.array([0.0, np.sqrt(2)]))[1] == pytest.approx([0, 0], abs=1e-12)


@pytest.mark.parametrize("method,lr,within", [("adam", 0.1, 1300), ("momentum", 0.002, 900)])
def test_rosenbrock_minimum_reached(method, lr, within):
    """Oracle: the minimizer (1, 1). Measured: Adam (lr 0.1) within 1e-3 at iteration 1220, momentum (0.002) at 861."""
    r = I.race_summary(I.zoo_problem("rosenbrock"), method, lr, within)
    assert r.reached is not None and r.reached <= within and r.diverged_at is None


def test_gradient_descent_on_the_quadratic_is_the_closed_form():
    """x_k = ((1 - t)^k x_1, (1 - t kappa)^k x_2); the distance contracts by max |1 - t lambda| per step."""
    kappa, t = 25.0, 0.07
    p = I.zoo_problem("quadratic", kappa=kappa)
    xs = np.array([s.x for s in I.zoo_method("sgd", p.objective, p.x0, lr=t, maxiter=60)])
    k = np.arange(61)
    assert xs[:, 0] == pytest.approx(p.x0[0] * (1 - t) ** k, rel=1e-12)
    assert xs[:, 1] == pytest.approx(p.x0[1] * (1 - t * kappa) ** k, rel=1e-10, abs=1e-300)
    d = np.linalg.norm(xs, axis=1)
    assert d[-1] / d[-2] == pytest.approx(I.gd_quadratic_rate(kappa, t), rel=1e-6)


def test_too_large_a_step_diverges_once_flagged():
    """t > 2/kappa on the quadratic: |1 - t kappa| > 1, the run is flagged diverged and stops."""
    p = I.zoo_problem("quadratic", kappa=25.0)
    steps = list(I.zoo_method("sgd", p.objective, p.x0, lr=0.1, maxiter=10**4, blowup=I.RACE_BLOWUP))
    assert steps[-1].info.get("diverged") and sum(bool(s.info.get("diverged")) for s in steps) == 1
    assert I.gd_quadratic_rate(25.0, 0.1) == pytest.approx(1.5)
    assert I.race_summary(I.zoo_problem("rosenbrock"), "sgd", 0.01, 100).diverged_at == 3  # measured


def test_rmsprop_equals_a_plain_loop_and_takes_lr_mid_run():
    p = I.zoo_problem("rosenbrock")
    gen = I.rmsprop(p.objective, p.x0, lr=0.01, rho=0.9)
    got = [next(gen).x for _ in range(5)] + [gen.send({"lr": 0.002}).x, next(gen).x]
    x, E, ref = p.x0.copy(), np.zeros(2), [p.x0.copy()]
    for k in range(6):
        g = I.rosenbrock(x)[1]
        E = 0.9 * E + 0.1 * g * g
        x = x - (0.01 if k < 4 else 0.002) * g / (np.sqrt(E) + 1e-8)
        ref.append(x.copy())
    assert np.array(got) == pytest.approx(np.array(ref), rel=1e-13)


def test_rmsprop_follows_the_protocol():
    """Iteration 0 with work 0, 2 passes per full-batch update, maxiter, a blow-up flagged once with a reason, the
    same values sent give the uninterrupted run bit for bit (the average E is kept)."""
    p = I.zoo_problem("quadratic", kappa=10.0)
    steps = list(I.rmsprop(p.objective, p.x0, lr=0.01, maxiter=5))
    assert [s.iteration for s in steps] == list(range(6)) and [s.info["work"] for s in steps] == [0, 2, 4, 6, 8, 10]
    bad = list(I.rmsprop(p.objective, p.x0, lr=1e9, maxiter=100))
    assert bad[-1].info["diverged"] and bad[-1].info["reason"] and sum("diverged" in s.info for s in bad) == 1
    a, b = I.rmsprop(p.objective, p.x0, lr=0.01), I.rmsprop(p.objective, p.x0, lr=0.01)
    xa = [next(a).x for _ in range(8)]
    xb = [next(b).x for _ in range(4)] + [b.send({"lr": 0.01}).x] + [next(b).x for _ in range(3)]
    assert all(np.array_equal(u, v) for u, v in zip(xa, xb))
    assert I.rmsprop.tunables == ("lr", "batch_size", "decay")
    with pytest.raises(ValueError):
        next(I.rmsprop(p.objective, p.x0, rho=1.0))


@pytest.mark.parametrize("method", I.ZOO_METHODS)
def test_every_runner_reaches_a_saddle_minimum(method):
    """From (-1.5, 1e-3) every method leaves the saddle towards (0, sqrt 2) with a suitable step."""
    lr = {"sgd": 0.05, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05}[method]
    r = I.race_summary(I.zoo_problem("saddle"), method, lr, 3000, tol=1e-2)
    assert r.reached is not None and r.diverged_at is None


def test_zoo_rejects_unknown_names():
    with pytest.raises(ValueError):
        I.zoo_problem("himmelblau")
    with pytest.raises(ValueError):
        I.zoo_method("lbfgs", I.zoo_problem("saddle").objective, [0.0, 0.0], lr=0.1)


# ------------------------------------------------------------------------------------------ autoencoder vs PCA
@pytest.mark.parametrize("activation", ["tanh", "linear"])
def test_autoencoder_gradient_taylor(activation):
    M = I.Autoencoder(I.curve_data("helix", 30), 5, code=2, activation=activation)
    theta = M.init(1) + 0.1 * np.random.default_rng(2).standard_normal(M.n_params)
    assert derivative_check(M.value_and_grad, theta, seed=3).passed
    idx = np.arange(0, 30, 3)
    assert derivative_check(lambda t: M.batch_value_and_grad(t, idx), theta, seed=4).passed
    assert M.reconstruction_error(theta) == pytest.approx(2 * M.value_and_grad(theta)[0])


def test_pca_against_the_covariance_eigendecomposition():
    X = I.curve_data("helix", 200, noise=0.1)
    P = I.pca(X, 2)
    lam, V = np.linalg.eigh(np.cov(X.T, bias=True))
    assert P.error == pytest.approx(lam[0], rel=1e-10)
    assert np.abs(P.components @ V[:, 1:]) @ np.ones(2) == pytest.approx(np.ones(2), rel=1e-8)
    assert np.mean(np.sum((X - P.reconstruction) ** 2, axis=1)) == pytest.approx(P.error, rel=1e-10)


@pytest.mark.parametrize("curve,code", [("arc", 1), ("wave", 1), ("helix", 1), ("helix", 2)])
def test_linear_autoencoder_is_pca(curve, code):
    """Baldi and Hornik (1989): the linear autoencoder spans PCA's subspace. Measured angles ~1e-10."""
    r = I.linear_autoencoder_vs_pca(I.curve_data(curve, 150, seed=1), code)
    assert r["largest principal angle (rad)"] < 1e-6
    assert r["linear AE error"] == pytest.approx(r["PCA error"], rel=1e-8)


def test_nonlinear_autoencoder_beats_pca_on_a_curve():
    """Kramer (1991): the tanh autoencoder's 1-D curve reconstructs far better than PCA's line (measured 0.0029
    against 0.11 on the arc after 3000 Adam iterations)."""
    from numdl_core import optim

    X = I.curve_data("arc", 200)
    M = I.Autoencoder(X, 16)
    *_, last = optim.adam(M, M.init(0), lr=0.01, batch_size=None, maxiter=3000)
    assert M.reconstruction_error(last.x) < 0.05 * I.pca(X).error

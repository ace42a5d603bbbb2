"""numdl_core.theory.neural_odes against independent oracles: scipy's solve_ivp for the flow, a Taylor test
(numdl_core.checks.derivative_check) of the classifier gradient, the Euler order -1 of the deep limit, and the
order preservation of 1-D ODE flows (Yan et al. 2019) against a large-step Euler counterexample."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from numdl_core.checks import derivative_check
from numdl_core.theory import neural_odes as M

RNG = np.random.default_rng(0)
F2 = M.TanhField(2)
THETA = RNG.standard_normal(F2.n_params)
X = RNG.standard_normal((20, 2))


def test_flow_matches_scipy():
    YT, r = M.ode_flow(F2, X, THETA, 1.0, rtol=1e-10, atol=1e-12)
    ref = solve_ivp(lambda t, y: F2.f(y.reshape(X.shape), THETA).ravel(), (0, 1), X.ravel(), rtol=1e-11,
                    atol=1e-13).y[:, -1].reshape(X.shape)
    assert np.max(np.abs(YT - ref)) < 1e-8 and r.success


def test_nfe_increases_as_the_tolerance_tightens():
    nfe = M.nfe_vs_tolerance(F2, X, THETA, 1.0, tols=(1e-2, 1e-4, 1e-6, 1e-8, 1e-10))
    assert np.all(np.diff(nfe) >= 0) and nfe[-1] > 2 * nfe[0]


def test_deep_limit_slope_is_minus_one():
    r = M.deep_limit(F2, X, THETA, 1.0, Ns=(8, 16, 32, 64, 128))
    assert r.slope == pytest.approx(-1.0, abs=0.05)  # Euler: first order in h = T/N
    assert np.all(np.diff(r.error) < 0)


@pytest.mark.parametrize("seed", range(5))
def test_one_d_ode_flow_preserves_order_of_random_inputs(seed):
    rng = np.random.default_rng(seed)
    F1 = M.TanhField(1)
    theta = 3 * rng.standard_normal(2)
    x = rng.uniform(-2, 2, 30)
    YT, _ = M.ode_flow(F1, x[:, None], theta, 2.0, rtol=1e-8, atol=1e-10)
    assert M.order_preserved(x, YT[:, 0])
    assert M.order_preserved(x, M.euler_resnet(F1, x[:, None], theta, 2.0, 400)[-1, :, 0])  # small h too


def test_large_step_euler_swaps_two_points_the_flow_does_not():
    x, y = M.swap_counterexample(w=2.0, b=0.0, h=3.0)
    assert not M.order_preserved(x, y)
    F1 = M.TanhField(1)
    YT, _ = M.ode_flow(F1, x[:, None], np.array([-2.0, 0.0]), 3.0, rtol=1e-9, atol=1e-12)
    assert M.order_preserved(x, YT[:, 0])
    # the same step as a 1-layer ResNet
    assert np.allclose(M.euler_resnet(F1, x[:, None], np.array([-2.0, 0.0]), 3.0, 1)[-1, :, 0], y)


def test_classifier_gradient_passes_taylor_test():
    c = (X[:, 0] * X[:, 1] > 0).astype(float)
    p0 = RNG.standard_normal(F2.n_params + 3)
    assert derivative_check(lambda p: M.euler_classifier_loss(F2, X, c, p, 1.0, 8), p0).passed


def test_bad_input_raises():
    with pytest.raises(ValueError):
        M.TanhField(0)
    with pytest.raises(ValueError):
        M.euler_resnet(F2, X, THETA, 1.0, 0)
    with pytest.raises(ValueError):
        F2.unpack(np.ones(3))


def test_plain_gradient_passes_taylor_test():
    Xm, cm = M.two_moons_like(30, seed=1)
    p0 = RNG.standard_normal(2 * 4 + 2 * 4 + 1)
    assert derivative_check(lambda p: M.plain_classifier_loss(Xm, cm, p, 4), p0).passed


def test_training_lowers_the_loss_and_the_nfe_grows_as_the_field_stiffens():
    import itertools
    Xm, cm = M.two_moons_like(60, seed=0)
    run = M.ode_training((Xm, cm), M.init_params("ode"), model="ode", T=3.0, N=10, lr=1.0)
    steps = list(itertools.islice(run, 101))
    assert steps[-1].loss < 0.3 * steps[0].loss and steps[-1].info["accuracy"] >= 0.9
    assert steps[-1].info["nfe"] > steps[0].info["nfe"]  # measured 20 -> 44 on 100 points after 60 steps
    plain = list(itertools.islice(M.ode_training((Xm, cm), M.init_params("plain", width=8), model="plain", width=8,
                                           lr=1.0), 101))
    assert plain[-1].loss < plain[0].loss and "nfe" not in plain[-1].info
    with pytest.raises(ValueError):
        M.init_params("cnn")
    with pytest.raises(ValueError):
        next(M.ode_training((Xm, cm), np.zeros(3), model="cnn"))
    with pytest.raises(ValueError):
        next(M.ode_training((Xm, cm), np.zeros(3)))


def test_noise_accuracy_matches_a_plain_loop():
    Xm, cm = M.two_moons_like(40, seed=2)
    predict = lambda Z: Z[:, 1] - 0.25  # noqa: E731
    acc = M.noise_accuracy(predict, Xm, cm, [0.0, 0.3], n_draws=3, seed=5)
    Z = np.random.default_rng(5).standard_normal((3, *Xm.shape))
    loop = [np.mean([np.mean((predict(Xm + s * z) > 0) == (cm > 0.5)) for z in Z]) for s in (0.0, 0.3)]
    assert np.allclose(acc, loop)

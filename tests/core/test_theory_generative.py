"""numdl_core.theory.generative: VAE, GAN, WGAN and RealNVP on 2-D data.

Oracles: Taylor tests (numdl_core.checks.derivative_check) of every gradient; the closed-form KL against a Monte
Carlo estimate; the flow's log-determinant against numpy's slogdet of a central-difference Jacobian; the inverse
map composed with the forward map (identity to 1e-12); the importance-sampled log-likelihood against the ELBO
(Burda et al. 2016: IWAE bound >= ELBO); mode coverage of a trained GAN on the 8-Gaussian ring.
"""
from __future__ import annotations

import numpy as np
import pytest

from numdl_core.checks import derivative_check
from numdl_core.theory import generative as gm

X = gm.toy_data("ring", 256, seed=1)
EPS = np.random.default_rng(2).standard_normal(X.shape)
Z = np.random.default_rng(3).standard_normal((32, 2))


@pytest.mark.parametrize("name", gm.DATASETS)
def test_toy_data_shapes_and_errors(name):
    D = gm.toy_data(name, 100, seed=0)
    assert D.shape == (100, 2) and np.all(np.isfinite(D))
    with pytest.raises(ValueError):
        gm.toy_data("spirals")


def test_mlp_backward_is_the_adjoint_of_a_finite_difference():
    sizes = (2, 7, 5, 3)
    th = np.random.default_rng(0).standard_normal(gm.mlp_size(sizes))
    W = np.random.default_rng(1).standard_normal((4, 3))
    Xs = X[:4]
    out, cache = gm.mlp_forward(th, sizes, Xs)
    _, dX = gm.mlp_backward(th, sizes, cache, W)
    V = np.random.default_rng(2).standard_normal(Xs.shape)
    h = 1e-6
    jv = (gm.mlp_forward(th, sizes, Xs + h * V)[0] - gm.mlp_forward(th, sizes, Xs - h * V)[0]) / (2 * h)
    assert abs(np.sum(W * jv) - np.sum(dX * V)) < 1e-7 * abs(np.sum(W * jv))


def test_vae_elbo_gradient_passes_the_taylor_test_with_fixed_noise():
    v = gm.VAE(hidden=16)
    chk = derivative_check(lambda t: v.loss_grad(t, X[:32], EPS[:32]), v.init(0))
    assert chk.order > 1.8  # measured 1.96
    recon, kl = v.elbo_terms(v.init(0), X[:32], EPS[:32])
    assert np.isclose(-(recon - kl), v.loss_grad(v.init(0), X[:32], EPS[:32])[0])


@pytest.mark.parametrize("kind", ["gan", "wgan"])
def test_gan_discriminator_and_generator_gradients_pass_the_taylor_test(kind):
    g = gm.GAN(hidden=16, kind=kind)
    tg, td = g.init(0)
    assert derivative_check(lambda t: g.d_loss_grad(t, tg, X[:32], Z), td).order > 1.8  # measured 2.04 / 2.01
    assert derivative_check(lambda t: g.g_loss_grad(t, td, Z), tg).order > 1.8  # measured 2.02 / 2.01


def test_flow_log_likelihood_gradient_passes_the_taylor_test():
    f = gm.RealNVP(layers=4, hidden=16)
    assert derivative_check(lambda t: f.loss_grad(t, X[:32]), f.init(0, scale=0.5)).order > 1.8  # measured 1.98


def test_flow_logdet_equals_slogdet_of_the_numerical_jacobian_and_inverse_is_exact():
    f = gm.RealNVP(layers=4, hidden=16)
    th = f.init(0, scale=0.5)
    h = 1e-6
    for x0 in X[:5]:
        x0 = x0[None]
        J = np.column_stack([(f.forward(th, x0 + h * e)[0] - f.forward(th, x0 - h * e)[0])[0] / (2 * h)
                             for e in np.eye(2)])
        sign, logdet = np.linalg.slogdet(J)
        assert sign > 0 and abs(logdet - f.forward(th, x0)[1][0]) < 1e-8
    assert np.max(np.abs(f.inverse(th, f.forward(th, X)[0]) - X)) < 1e-12
    # the density integrates to 1 (exact likelihood): Riemann sum on a grid
    th = f.init(0, scale=0.2)
    g = np.linspace(-8, 8, 321)
    P = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    assert abs(np.exp(f.log_prob(th, P)).sum() * (g[1] - g[0]) ** 2 - 1) < 1e-4  # measured 1.5e-6


def test_kl_closed_form_matches_monte_carlo():
    mu = np.array([[0.3, -1.0], [0.0, 0.0]])
    lv = np.array([[0.2, -0.5], [0.0, 0.0]])
    kl = gm.gaussian_kl(mu, lv)
    assert kl[1] == 0.0
    assert np.allclose(gm.mc_kl(mu, lv, 40000), kl, atol=0.02)  # MC std ~ 0.005


def test_vae_elbo_improves_and_is_below_the_importance_sampled_log_likelihood():
    v = gm.VAE(hidden=32)
    fit = gm.fit_vae(X, v, iterations=400)
    assert np.mean(fit.loss[-20:]) < 0.2 * fit.loss[0]
    recon, kl = v.elbo_terms(fit.theta, X, EPS)
    ll = v.log_likelihood_is(fit.theta, X, k=128)
    assert recon - kl < ll.mean() and kl > 0


def test_flow_likelihood_beats_the_initial_and_gan_covers_the_ring():
    fit = gm.fit_flow(X, gm.RealNVP(layers=4, hidden=16), iterations=300)
    assert np.mean(fit.loss[-20:]) < fit.loss[0] - 1.0
    gan = gm.GAN(hidden=32)
    hist = gm.train_gan(X, gan, rounds=1200)
    S = gan.generate(hist.theta_g, np.random.default_rng(5).standard_normal((1000, 2)))
    assert gm.mode_coverage(S) >= 6


def test_wgan_clips_the_critic():
    hist = gm.train_gan(X, gm.GAN(hidden=16, kind="wgan"), rounds=20, d_steps=5, clip=0.05)
    assert np.max(np.abs(hist.theta_d)) <= 0.05 and np.all(np.isfinite(hist.g_loss))


def test_live_generators_follow_the_protocol_and_take_sent_ratios():
    import itertools
    for fn, model in [(gm.vae_training, gm.VAE(hidden=8)), (gm.flow_training, gm.RealNVP(layers=2, hidden=8)),
                      (gm.gan_training, gm.GAN(hidden=8, kind="wgan"))]:
        steps = list(itertools.islice(fn(X, model, batch_size=32), 6))
        assert [s.iteration for s in steps] == list(range(6)) and steps[0].info["work"] == 0.0
    gen = gm.gan_training(X, gm.GAN(hidden=8), batch_size=32)
    next(gen)
    s = gen.send({"d_steps": 3, "g_steps": 2})
    assert s.info["work"] == pytest.approx(3 * 2 * 32 / len(X))
    with pytest.raises(ValueError):
        gen.send({"d_steps": 0})
    with pytest.raises(ValueError):
        next(gm.gan_training(X, gm.GAN(), lr=-1.0))
    assert set(gm.SOLVERS) == {"generative.vae", "generative.flow", "generative.gan"}

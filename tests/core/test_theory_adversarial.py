"""Tests of numdl_core.theory.adversarial (FGSM, PGD, targeted attacks on the digits).

Oracles: the Taylor test (numdl_core.checks.derivative_check) of every new input gradient (softmax, MLP, ResNet with
each architecture and two integrators); the closed form (S - Y) W^T of softmax regression; central finite differences
of the loss written out sample by sample; the definition of the attacks (||delta||_inf = eps, the pixel box). The
claims of Goodfellow et al. (2015) and Madry et al. (2018) on a fixed test set of 300 digits and the grid EPS_GRID:
PGD's accuracy <= FGSM's at every eps, both non-increasing; a random-sign perturbation of the same size barely hurts.
Small models and few Adam steps keep the module at a few seconds.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from numdl_core.checks import derivative_check
from numdl_core.classify import SoftmaxRegression, softmax
from numdl_core.mlp import MLP
from numdl_core.resnet_classifier import ResNetClassifier
from numdl_core.theory import adversarial as adv

RNG = np.random.default_rng(0)
X_SMALL = RNG.uniform(0, 1, (6, 64))
Y_SMALL = RNG.integers(0, 10, 6)


def _models():
    out = {"softmax": SoftmaxRegression(X_SMALL, Y_SMALL, 10),
           "mlp-tanh-2": MLP(X_SMALL, Y_SMALL, (12, 8), 10, activation="tanh"),
           "mlp-sin": MLP(X_SMALL, Y_SMALL, (9,), 10, activation="sin")}
    for arch, scheme in itertools.product(("standard", "antisymmetric", "parabolic"), ("euler", "rk4")):
        out[f"resnet-{arch}-{scheme}"] = ResNetClassifier(X_SMALL, Y_SMALL, 10, width=5, depth=3, T=1.5,
                                                          architecture=arch, gamma=0.1, scheme=scheme)
    return out


MODELS = _models()


@pytest.mark.parametrize("name", list(MODELS))
def test_input_gradient_passes_the_taylor_test(name):
    m = MODELS[name]
    theta = 0.5 * np.random.default_rng(1).standard_normal(m.n_params)
    r = derivative_check(lambda x: adv.input_gradient(m, theta, x.reshape(X_SMALL.shape), Y_SMALL), X_SMALL,
                         seed=2, n=12)
    assert r.passed and r.order > 1.8, (name, r.order)  # measured 1.99-2.01


@pytest.mark.parametrize("name", ["mlp-tanh-2", "resnet-parabolic-rk4"])
def test_input_gradient_equals_central_differences_of_the_per_sample_loss(name):
    m = MODELS[name]
    theta = 0.5 * np.random.default_rng(4).standard_normal(m.n_params)
    L, G = adv.input_gradient(m, theta, X_SMALL, Y_SMALL)

    def loss_of(i, x):  # sample i's own cross-entropy, through predict_proba only
        return -np.log(m.predict_proba(theta, x[None])[0, Y_SMALL[i]])

    assert L == pytest.approx(sum(loss_of(i, X_SMALL[i]) for i in range(6)), rel=1e-12)
    e = 1e-6
    for i, j in ((0, 3), (2, 40), (5, 63)):
        dx = np.zeros(64)
        dx[j] = e
        fd = (loss_of(i, X_SMALL[i] + dx) - loss_of(i, X_SMALL[i] - dx)) / (2 * e)
        assert G[i, j] == pytest.approx(fd, rel=1e-6, abs=1e-9)


def test_softmax_input_gradient_is_the_closed_form():
    m = MODELS["softmax"]
    theta = np.random.default_rng(5).standard_normal(m.n_params)
    W, b = m.unpack(theta)
    S = softmax(X_SMALL @ W + b)
    S[np.arange(6), Y_SMALL] -= 1.0
    np.testing.assert_allclose(adv.input_gradient(m, theta, X_SMALL, Y_SMALL)[1], S @ W.T, rtol=1e-12)


# ------------------------------------------------------------------ trained models on the digits
@pytest.fixture(scope="module")
def trained():
    data = adv.digits_split(600, 300, seed=0)
    return data, {"softmax": adv.train_classifier("softmax", data, lr=0.05, maxiter=100),
                  "mlp": adv.train_classifier("mlp", data, width=16, maxiter=100),
                  "resnet": adv.train_classifier("resnet", data, width=8, depth=4, T=1.0, maxiter=100)}


def test_the_classifiers_learn_the_digits(trained):
    _, models = trained
    for kind, tm in models.items():
        assert tm.test_accuracy > 0.85, kind  # measured 0.92-0.95


def test_pgd_below_fgsm_and_both_fall_monotonically(trained):
    """The claim on a fixed test set (300 digits, seed 0) and the grid EPS_GRID = 0, 0.02, ..., 0.3."""
    data, models = trained
    for kind, tm in models.items():
        c = adv.attack_curve(tm.model, tm.theta, data.X_test, data.y_test, adv.EPS_GRID)
        assert np.all(c.pgd <= c.fgsm), kind
        assert np.all(np.diff(c.fgsm) <= 0) and np.all(np.diff(c.pgd) <= 0), (kind, c.fgsm, c.pgd)
        assert c.fgsm[0] == c.pgd[0] == pytest.approx(tm.test_accuracy)
        assert c.pgd[-1] < 0.05  # eps = 0.3 breaks every model
        i = adv.EPS_GRID.index(0.1)
        assert c.random[i] >= c.fgsm[0] - 0.03 and c.fgsm[i] < c.random[i] - 0.2, kind  # random signs barely hurt


def test_fgsm_perturbation_has_size_eps_and_stays_in_the_box(trained):
    data, models = trained
    tm = models["mlp"]
    X = data.X_test[:50]
    for eps in (0.05, 0.1, 0.3):
        Xa = adv.fgsm(tm.model, tm.theta, X, data.y_test[:50], eps)
        assert np.all(Xa >= 0) and np.all(Xa <= 1)
        np.testing.assert_allclose(np.max(np.abs(Xa - X), axis=1), eps, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(adv.fgsm(tm.model, tm.theta, X, data.y_test[:50], 0.0), X)  # eps = 0: no change


@pytest.mark.parametrize("start", ["fgsm", "clean", "random"])
def test_pgd_stays_in_the_ball_and_the_box(trained, start):
    data, models = trained
    tm = models["resnet"]
    X = data.X_test[:40]
    Xa = adv.pgd(tm.model, tm.theta, X, data.y_test[:40], 0.1, n_iter=5, start=start)
    assert np.max(np.abs(Xa - X)) <= 0.1 + 1e-15 and Xa.min() >= 0 and Xa.max() <= 1


def test_random_sign_has_size_eps():
    X = np.full((3, 64), 0.5)
    D = adv.random_sign(X, 0.2, seed=3) - X
    np.testing.assert_allclose(np.abs(D), 0.2)
    assert 0.3 < np.mean(D > 0) < 0.7


@pytest.mark.parametrize("kind", ["softmax", "mlp", "resnet"])
def test_targeted_attack_reaches_the_target_at_eps_0_3(trained, kind):
    """eps = 0.3, step 0.01, 100 projected sign steps: the first 4 test digits, each pushed to every other class;
    at least 90% of the 36 pairs end classified as the target (measured on 10 digits: 88/90 softmax, 90/90 MLP and
    ResNet; at eps = 0.2 only 54, 61 and 83 of 90)."""
    data, models = trained
    tm = models[kind]
    reached = 0
    for i in range(4):
        x, label = data.X_test[i], int(data.y_test[i])
        for target in [t for t in range(10) if t != label]:
            steps = list(adv.targeted_attack(tm.model, tm.theta, x, target, eps=0.3, step=0.01, maxiter=100))
            last = steps[-1]
            reached += last.info["predicted"] == target
            assert last.info["p_target"] > steps[0].info["p_target"]
            assert last.info["linf"] <= 0.3 + 1e-15 and last.x.min() >= 0 and last.x.max() <= 1
            assert steps[0].iteration == 0 and steps[0].info["work"] == 0 and last.info["work"] == 2 * last.iteration
    assert reached >= 0.9 * 36, (kind, reached)


def test_targeted_attack_follows_the_protocol(trained):
    data, models = trained
    tm = models["softmax"]
    gen = adv.targeted_attack(tm.model, tm.theta, data.X_test[1], 3, eps=0.1, step=0.01)
    s0, s1 = next(gen), next(gen)
    s2 = gen.send({"step": 0.05})
    assert (s0.iteration, s1.iteration, s2.iteration) == (0, 1, 2) and s2.info["step"] == 0.05
    assert s0.x is not s1.x and s0.x.shape == (64,)
    with pytest.raises(ValueError):
        next(adv.targeted_attack(tm.model, tm.theta, data.X_test[1], 10, eps=0.1))
    with pytest.raises(ValueError):
        next(adv.targeted_attack(tm.model, tm.theta, data.X_test[1], 3, eps=-0.1))


def test_tiny_eps_cannot_reach_the_target(trained):
    data, models = trained
    tm = models["softmax"]
    *_, last = adv.targeted_attack(tm.model, tm.theta, data.X_test[0], (int(data.y_test[0]) + 1) % 10, eps=0.005,
                                   step=0.005, maxiter=20)
    assert last.info["predicted"] == int(data.y_test[0])


def test_parabolic_small_h_does_not_amplify_but_large_h_does():
    """Haber and Ruthotto (2018): the parabolic right-hand side -sigma(YK + b)K^T has a symmetric negative
    semidefinite Jacobian, so forward Euler with a small step does not amplify perturbations; with a large one it does.
    """
    data = adv.digits_split(200, 50)
    rng = np.random.default_rng(0)
    m = ResNetClassifier(data.X, data.y, 10, width=8, depth=6, T=0.3, architecture="parabolic")
    theta = m.init_theta(0, scale=2.0)
    D = 1e-4 * rng.standard_normal(data.X_test.shape)
    g = adv.perturbation_growth(m, theta, data.X_test, D)
    assert g[0] == 1.0 and np.all(np.diff(g) <= 1e-6)
    big = ResNetClassifier(data.X, data.y, 10, width=8, depth=6, T=60.0, architecture="parabolic")
    assert adv.perturbation_growth(big, theta, data.X_test, D)[-1] > 2


def test_bad_input_is_rejected():
    m = MODELS["softmax"]
    theta = np.zeros(m.n_params)
    with pytest.raises(TypeError):
        adv.input_gradient(object(), theta, X_SMALL, Y_SMALL)
    with pytest.raises(ValueError):
        adv.fgsm(m, theta, X_SMALL[:, :10], Y_SMALL, 0.1)
    with pytest.raises(ValueError):
        adv.fgsm(m, theta, X_SMALL, Y_SMALL, -0.1)
    with pytest.raises(ValueError):
        adv.pgd(m, theta, X_SMALL, Y_SMALL, 0.1, start="nowhere")
    with pytest.raises(ValueError):
        adv.input_gradient(m, theta, X_SMALL, Y_SMALL + 10)
    with pytest.raises(ValueError):
        adv.train_classifier("svm", adv.digits_split(20, 10))
    with pytest.raises(ValueError):
        adv.digits_split(1700, 200)
    with pytest.raises(TypeError):
        adv.perturbation_growth(m, theta, X_SMALL, X_SMALL)


def test_smallest_fooling_eps_is_the_first_grid_radius_that_fools(trained):
    """Oracle: the definition (the attack at eps* fools, at the grid point before it does not); PGD started at the
    FGSM point fools whenever FGSM does, so its eps* is never larger; a linear two-class model by hand."""
    data, models = trained
    tm = models["mlp"]
    for i in range(6):
        x, y = data.X_test[i], int(data.y_test[i])
        e_f = adv.smallest_fooling_eps(tm.model, tm.theta, x, y)
        e_p = adv.smallest_fooling_eps(tm.model, tm.theta, x, y, attack="pgd")
        assert e_p <= e_f
        assert tm.model.predict(tm.theta, adv.fgsm(tm.model, tm.theta, x[None], [y], e_f))[0] != y
        assert tm.model.predict(tm.theta, adv.fgsm(tm.model, tm.theta, x[None], [y], round(e_f - 0.01, 10)))[0] == y
    m = SoftmaxRegression(np.eye(2), np.array([0, 1]), 2)  # logits (x1, x2): FGSM moves x1 down, x2 up
    theta = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0])
    assert adv.smallest_fooling_eps(m, theta, np.array([0.75, 0.25]), 0) == 0.26  # 0.75 - e < 0.25 + e for e > 0.25
    assert np.isnan(adv.smallest_fooling_eps(m, theta, np.array([0.7, 0.2]), 0, eps=[0.0, 0.1]))
    with pytest.raises(ValueError):
        adv.smallest_fooling_eps(m, theta, np.array([0.7, 0.2]), 0, attack="cw")

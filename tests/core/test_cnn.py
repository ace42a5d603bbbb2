"""numdl_core.cnn: the small CNN's loss, its hand-written backward pass and its training on the digits.

Oracles: a second implementation written here with plain loops (``scipy.signal.correlate`` per channel pair,
pooling window by window, the softmax cross-entropy sample by sample); central finite differences of the loss;
the Taylor test (``numdl_core.checks.derivative_check``); ``sklearn.metrics.confusion_matrix``.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate

from numdl_core import optim
from numdl_core.checks import derivative_check
from numdl_core.cnn import CNN, POOLS, confusion_matrix, digits_cnn, taylor_check

RNG = np.random.default_rng(0)
X_SMALL = RNG.random((7, 64))
Y_SMALL = np.array([0, 3, 9, 1, 3, 5, 7])


def tiny(pool="max", kernel=3, alpha=0.0, channels=(2, 3)) -> tuple[CNN, np.ndarray]:
    net = CNN(X_SMALL, Y_SMALL, channels=channels, kernel=kernel, pool=pool, n_classes=10, alpha=alpha)
    theta = net.init_theta(seed=1) + 0.05 * np.random.default_rng(2).standard_normal(net.n_params)
    return net, theta


# ------------------------------------------------------------------------------------------------
# the reference implementation: plain loops
# ------------------------------------------------------------------------------------------------
def _conv_loops(x: np.ndarray, K: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x (C, h, w), K (F, C, k, k): sum over input channels of scipy's 'same' cross-correlation, plus b."""
    return np.array([sum(correlate(x[c], K[f, c], mode="same") for c in range(x.shape[0])) + b[f]
                     for f in range(K.shape[0])])


def _pool_loops(z: np.ndarray, kind: str) -> np.ndarray:
    C, h, w = z.shape
    out = np.zeros((C, h // 2, w // 2))
    for c in range(C):
        for i in range(h // 2):
            for j in range(w // 2):
                win = z[c, 2 * i:2 * i + 2, 2 * j:2 * j + 2]
                out[c, i, j] = win.max() if kind == "max" else win.mean()
    return out


def reference_loss(net: CNN, theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """The loss written sample by sample, from the weights unpacked by hand (packing of the module docstring)."""
    c1, c2 = net.channels
    k = net.kernel
    sizes = [c1 * k * k, c1, c2 * c1 * k * k, c2, c2 * 4 * 10, 10]
    K1, b1, K2, b2, W, c = np.split(theta, np.cumsum(sizes)[:-1])
    K1, K2, W = K1.reshape(c1, 1, k, k), K2.reshape(c2, c1, k, k), W.reshape(c2 * 4, 10)
    total = 0.0
    for x, label in zip(X, y):
        z1 = np.maximum(_conv_loops(x.reshape(1, 8, 8), K1, b1), 0)
        p1 = _pool_loops(z1, net.pool)
        z2 = np.maximum(_conv_loops(p1, K2, b2), 0)
        p2 = _pool_loops(z2, net.pool)
        o = p2.ravel() @ W + c
        total += np.log(np.sum(np.exp(o - o.max()))) + o.max() - o[label]
    reg = 0.5 * net.alpha * (np.sum(K1 ** 2) + np.sum(K2 ** 2) + np.sum(W ** 2))
    return total / len(y) + reg


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("kernel", [3, 5])
def test_loss_equals_the_loop_implementation(pool, kernel):
    net, theta = tiny(pool, kernel, alpha=0.01)
    # measured: agreement to ~4e-16 relative
    assert net.value(theta) == pytest.approx(reference_loss(net, theta, X_SMALL, Y_SMALL), rel=1e-12)


def test_feature_maps_equal_the_loops():
    net, theta = tiny("max", 3, channels=(3, 4))
    fm = net.forward(theta, X_SMALL[:2])
    p = net.split(theta)
    z1 = np.maximum(_conv_loops(X_SMALL[1].reshape(1, 8, 8), p["K1"], p["b1"]), 0)
    np.testing.assert_allclose(fm.z1[1], z1, atol=1e-13)
    np.testing.assert_allclose(fm.p1[1], _pool_loops(z1, "max"), atol=1e-13)
    z2 = np.maximum(_conv_loops(fm.p1[1], p["K2"], p["b2"]), 0)
    np.testing.assert_allclose(fm.z2[1], z2, atol=1e-13)
    np.testing.assert_allclose(fm.p2[1], _pool_loops(z2, "max"), atol=1e-13)
    np.testing.assert_allclose(fm.logits, fm.p2.reshape(2, -1) @ p["W"] + p["c"], atol=1e-13)
    assert fm.images.shape == (2, 1, 8, 8) and fm.z1.shape == (2, 3, 8, 8) and fm.p2.shape == (2, 4, 2, 2)


@pytest.mark.parametrize("pool", POOLS)
def test_feature_maps_equal_numdl_core_conv(pool):
    """The same network from numdl_core.conv's conv2d (im2col) and pooling: the dense-matrix layers agree."""
    from numdl_core.conv import avg_pool2d, conv2d, max_pool2d

    net, theta = tiny(pool, 5, channels=(3, 4))
    p, fm = net.split(theta), net.forward(theta)
    pooled = max_pool2d if pool == "max" else avg_pool2d
    z1 = np.maximum(conv2d(fm.images, p["K1"], padding=2) + p["b1"][:, None, None], 0)
    z2 = np.maximum(conv2d(pooled(z1), p["K2"], padding=2) + p["b2"][:, None, None], 0)
    np.testing.assert_allclose(fm.z1, z1, atol=1e-13)
    np.testing.assert_allclose(fm.z2, z2, atol=1e-13)
    np.testing.assert_allclose(fm.p2, pooled(z2), atol=1e-13)


@pytest.mark.parametrize("pool", POOLS)
def test_gradient_equals_central_differences(pool):
    net, theta = tiny(pool, 3, alpha=0.01)
    _, g = net.value_and_grad(theta)
    h = 1e-6
    fd = np.array([(net.value(theta + h * e) - net.value(theta - h * e)) / (2 * h) for e in np.eye(net.n_params)])
    # measured: max abs difference ~5e-10 (gradient entries up to 0.25)
    np.testing.assert_allclose(g, fd, atol=1e-8)


@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("kernel", [3, 5])
def test_taylor_test_orders_one_and_two(pool, kernel):
    net, theta = tiny(pool, kernel, alpha=1e-3)
    v = np.random.default_rng(3).standard_normal(net.n_params)
    v *= 0.01 * np.linalg.norm(theta) / np.linalg.norm(v)
    r = derivative_check(net.value_and_grad, theta, v, n=14)
    # measured: E0 order 1.00, E1 order 2.00 in all four cases, E1 from ~1e-5 down to ~1e-12. ReLU and max
    # pooling are piecewise smooth: this short segment crosses no kink (with |v| = |theta| and h = 1 it does,
    # and the observed order of E1 wanders between 1.2 and 2.4)
    assert r.passed
    assert r.order0 == pytest.approx(1.0, abs=0.05)
    assert r.order == pytest.approx(2.0, abs=0.1)


def test_taylor_check_on_the_digits_cnn():
    d = digits_cnn(4, 8, 5, pool="avg", n_train=300, alpha=1e-4)
    r = taylor_check(d.model, d.theta0, n_images=16, seed=1)
    assert r.passed and r.order == pytest.approx(2.0, abs=0.1)
    with pytest.raises(ValueError, match="scale"):
        taylor_check(d.model, d.theta0, scale=0.0)


def test_zero_biases_put_the_blank_background_on_the_relu_kink():
    """With zero biases every pre-activation over the blank (exactly 0) background is exactly 0: the loss has a
    kink at that very point and E1 is only O(h) (measured: order 1.00; with the start's biases 0.1: 2.00)."""
    d = digits_cnn(4, 8, 3, n_train=100)
    parts = d.model.split(d.theta0.copy())
    parts["b1"][:] = parts["b2"][:] = 0.0
    r = taylor_check(d.model, d.model.join(parts), seed=0)
    assert not r.passed and r.order == pytest.approx(1.0, abs=0.1)


def test_a_wrong_gradient_fails_the_taylor_test():
    net, theta = tiny()
    v = np.random.default_rng(3).standard_normal(net.n_params)
    v *= 0.01 * np.linalg.norm(theta) / np.linalg.norm(v)
    r = derivative_check(lambda t: (net.value(t), 1.01 * net.value_and_grad(t)[1]), theta, v, n=14)
    assert not r.passed and r.order == pytest.approx(1.0, abs=0.2)


def test_batches_average_to_the_full_loss():
    net, theta = tiny(alpha=0.02)
    f, g = net.value_and_grad(theta)
    fb, gb = net.batch_value_and_grad(theta, np.arange(net.n_samples))
    assert fb == pytest.approx(f, rel=1e-14) and np.allclose(gb, g, atol=1e-15)
    assert net.batch_value_and_grad(theta, None)[0] == f
    reg = 0.5 * 0.02 * sum(np.sum(v ** 2) for k, v in net.split(theta).items() if k in ("K1", "K2", "W"))
    parts = [net.batch_value_and_grad(theta, idx)[0] - reg for idx in (np.arange(3), np.arange(3, 7))]
    assert (3 * parts[0] + 4 * parts[1]) / 7 + reg == pytest.approx(f, rel=1e-13)


def test_packing_split_join_and_the_memo_of_the_last_outputs():
    net, theta = tiny()
    parts = net.split(theta)
    assert list(parts) == ["K1", "b1", "K2", "b2", "W", "c"]
    assert [v.shape for v in parts.values()] == list(net.shapes.values())
    np.testing.assert_array_equal(net.join(parts), theta)
    assert net.n_params == 2 * 9 + 2 + 3 * 2 * 9 + 3 + 12 * 10 + 10
    net.value_and_grad(theta)
    fresh = net._forward(net.split(theta), net.images)[1]
    np.testing.assert_array_equal(net.logits(theta), fresh)
    other = theta + 0.1
    np.testing.assert_array_equal(net.logits(other), net._forward(net.split(other), net.images)[1])
    np.testing.assert_allclose(net.predict_proba(theta).sum(axis=1), 1.0)


def test_confusion_matrix_against_sklearn():
    from sklearn.metrics import confusion_matrix as sk

    y, yhat = RNG.integers(0, 10, 200), RNG.integers(0, 10, 200)
    np.testing.assert_array_equal(confusion_matrix(y, yhat, 10), sk(y, yhat, labels=range(10)))
    with pytest.raises(ValueError, match="same length"):
        confusion_matrix(y, yhat[:5], 10)
    with pytest.raises(ValueError, match="0..9"):
        confusion_matrix(y, yhat + 1, 10)


@pytest.mark.parametrize("kwargs, match", [
    (dict(kernel=4), "odd"), (dict(pool="min"), "unknown pool"), (dict(channels=(0, 2)), "at least 1"),
    (dict(alpha=-1.0), "alpha"), (dict(image_shape=(6, 6)), "divisible by 4")])
def test_bad_arguments_raise_in_plain_words(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CNN(X_SMALL, Y_SMALL, **kwargs)


def test_bad_data_and_theta_raise():
    with pytest.raises(ValueError, match="shape"):
        CNN(X_SMALL[:, :60], Y_SMALL)
    with pytest.raises(ValueError, match="labels"):
        CNN(X_SMALL, Y_SMALL, n_classes=5)
    with pytest.raises(ValueError, match="theta"):
        tiny()[0].value(np.zeros(3))
    with pytest.raises(ValueError, match="n_train"):
        digits_cnn(n_train=1797)


def test_sgd_and_adam_train_the_digits_cnn():
    """A few epochs on the digits (1000 training, 797 test images; c1 = 4, c2 = 8, 3 x 3 kernels, 666 weights)."""
    d = digits_cnn(4, 8, 3, n_train=1000, seed=0)
    assert d.model.n_params == 666 and d.X_test.shape == (797, 64)
    assert np.intersect1d(d.train_index, d.test_index).size == 0
    runs = {"adam": optim.adam(d.model, d.theta0, lr=0.01, batch_size=32),
            "momentum": optim.sgd(d.model, d.theta0, lr=0.05, momentum=0.9, batch_size=32)}
    for name, gen in runs.items():
        *_, last = (s for s, _ in zip(gen, range(16)))
        train, test = d.accuracies(last.x)
        # measured at epoch 15: Adam 98.1% training / 95.4% test, momentum (eta 0.05) 98.6% / 95.5% (chance: 10%)
        assert test > 0.90, (name, test)
        assert train >= test - 0.02
        M = d.confusion(last.x)
        assert M.sum() == 797 and np.trace(M) / 797 == pytest.approx(test)

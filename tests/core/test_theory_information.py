"""numdl_core.theory.information: the binned mutual information against independent oracles (a plain dict count,
scikit-learn's mutual_info_score in nats), I(X;T) = H(T) for distinct equally likely inputs, the bounds
I(X;T) <= H(X) and I(T;Y) <= H(Y), the data-processing inequality along the layers of the quantized network, a
Taylor test of the network's gradient, and the training run's information plane."""
from __future__ import annotations

import math
from collections import Counter
from itertools import islice

import numpy as np
import pytest

from numdl_core.checks import derivative_check
from numdl_core.theory import information as I


def _mi_dict(a, b) -> float:
    """Plain oracle: count pairs in dicts, I = sum p(a,b) log2 p(a,b) / (p(a) p(b))."""
    a = [tuple(r) if np.ndim(r) else r for r in np.asarray(a).tolist()]
    b = [tuple(r) if np.ndim(r) else r for r in np.asarray(b).tolist()]
    n = len(a)
    ca, cb, cab = Counter(a), Counter(b), Counter(zip(a, b))
    return sum(c / n * math.log2(c * n / (ca[x] * cb[z])) for (x, z), c in cab.items())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mutual_information_matches_a_dict_count_and_sklearn(seed):
    from sklearn.metrics import mutual_info_score
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 5, 500)
    b = (a + rng.integers(0, 3, 500)) % 6
    assert I.mutual_information(a, b) == pytest.approx(_mi_dict(a, b), abs=1e-12)
    assert I.mutual_information(a, b) == pytest.approx(mutual_info_score(a, b) / np.log(2), abs=1e-12)
    A = rng.integers(0, 3, (400, 4))  # rows are symbols
    B = np.c_[A[:, :2], rng.integers(0, 2, 400)]
    assert I.mutual_information(A, B) == pytest.approx(_mi_dict(A, B), abs=1e-12)
    assert I.entropy(A) == pytest.approx(I.mutual_information(A, A), abs=1e-12)


def test_mutual_information_of_known_distributions():
    x = np.arange(8)
    assert I.mutual_information(x, x) == pytest.approx(3.0)  # H of 8 equally likely symbols
    assert I.mutual_information(x, x % 2) == pytest.approx(1.0)
    assert I.mutual_information(np.repeat([0, 1], 4), np.tile([0, 1], 4)) == pytest.approx(0.0, abs=1e-15)
    assert I.mutual_information(np.zeros(5, int), x[:5]) == 0.0
    with pytest.raises(ValueError):
        I.mutual_information(x, x[:3])


def test_symbols_with_wide_rows_do_not_overflow():
    rng = np.random.default_rng(3)
    A = rng.integers(0, 1000, (300, 12))  # 1000^12 codes: recompressed on the way
    A[150:] = A[:150]
    ids = I.symbols(A)
    assert ids.max() + 1 == len({tuple(r) for r in A.tolist()})
    assert np.array_equal(ids[150:], ids[:150])


def test_twelve_bit_task_is_balanced_and_complete():
    X, y = I.twelve_bit_task()
    assert X.shape == (4096, 12) and len({tuple(r) for r in X.astype(int).tolist()}) == 4096
    assert abs(y.mean() - 0.5) < 0.01  # 0.497


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_layer_information_bounds_and_ixt_equals_entropy(activation):
    X, y = I.twelve_bit_task()
    net = I.IBNet(X, y, activation=activation)
    theta = net.init(1)
    ixt, ity = I.layer_information(net, theta, X, y, 30)
    hy = I.entropy(y)
    Ts = net.layers(theta, X)
    for l, T in enumerate(Ts):
        lo, hi = (0.0, 1.0) if l == len(Ts) - 1 else ((-1.0, 1.0) if activation == "tanh" else (0.0, T.max()))
        B = I.bin_activations(T, 30, lo, hi)
        assert ixt[l] == pytest.approx(I.mutual_information(np.arange(4096), B), abs=1e-9)  # I(X;T) = H(T)
        assert ity[l] == pytest.approx(_mi_dict(B, y), abs=1e-9)
    assert np.all(ixt <= 12 + 1e-12) and np.all(ity <= hy + 1e-12)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("bins", [2, 10, 30])
def test_data_processing_inequality_along_the_quantized_layers(activation, bins):
    X, y = I.twelve_bit_task()
    net = I.IBNet(X, y, activation=activation)
    ixt, ity = I.layer_information(net, net.init(2), X, y, bins, quantize=True)
    assert np.all(np.diff(ixt) <= 1e-12) and np.all(np.diff(ity) <= 1e-12)


def test_deterministic_maps_lose_information():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 50, 1000)
    y = x % 3
    t1 = x // 3
    t2 = t1 // 2
    assert I.mutual_information(x, y) >= I.mutual_information(t1, y) >= I.mutual_information(t2, y)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_network_gradient_passes_the_taylor_test(activation):
    X, y = I.twelve_bit_task()
    idx = np.random.default_rng(0).permutation(4096)[:200]
    net = I.IBNet(X[idx], y[idx], activation=activation)
    chk = derivative_check(net.value_and_grad, net.init(0) + 0.1, seed=1)
    assert chk.passed


def test_training_fits_and_the_tanh_deep_layers_compress():
    X, y = I.twelve_bit_task()
    idx = np.random.default_rng(0).permutation(4096)[:3482]
    net = I.IBNet(X[idx], y[idx])
    steps = list(islice(I.ib_training(net, net.init(0), X, y, lr=0.01), 61))
    assert steps[-1].info["accuracy"] > 0.99
    assert steps[-1].info["ity"][-1] > 0.95  # the output layer knows the label
    ixt = np.array([s.info["ixt"] for s in steps])
    assert ixt[-1, 4] < ixt.max(axis=0)[4] - 0.2  # layer 5 compresses after fitting
    with pytest.raises(ValueError):
        next(I.ib_training(net, net.init(0), X, y, optimizer="lbfgs"))


def test_a_huge_learning_rate_is_flagged_as_diverged_not_an_exception():
    X, y = I.twelve_bit_task()
    net = I.IBNet(X[:512], y[:512], activation="relu")
    steps = list(islice(I.ib_training(net, net.init(0), X, y, lr=1e6, optimizer="sgd", blowup=1e6), 50))
    assert steps[-1].info.get("diverged") or np.isfinite(steps[-1].loss)

"""numdl_core.checkpointing: the three memory regimes give the same gradient, at the counted cost.

Oracles: the stored-state gradient of numdl_core.resnet (forward + backward_euler) for checkpointing; the
stored-state backward pass of the same leapfrog network for the reversible one; finite differences (Taylor test,
numdl_core.checks.derivative_check) for every regime; resnet.backward(scheme="leapfrog") on stored states;
the formulas of expected_counts for the counts (measured by the implementation).
"""
from __future__ import annotations

import numpy as np
import pytest

from numdl_core import checkpointing as ck
from numdl_core import resnet
from numdl_core.checks import derivative_check


def _problem(N=13, n=7, d=3, seed=1, scale=1.0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)), scale * rng.standard_normal((N, d, d)), rng.standard_normal((N, d)), 0.2,
            rng.standard_normal((n, d)))


@pytest.mark.parametrize("activation", ["tanh", "relu", "identity"])
@pytest.mark.parametrize("B", [1, 2, 3, 4, 5, 12, 13, 40])
def test_checkpointed_gradient_equals_the_stored_one(B, activation):
    Y0, K, b, h, C = _problem()
    s = ck.gradient(Y0, K, b, h, C, activation=activation)
    c = ck.gradient(Y0, K, b, h, C, regime="checkpoint", block=B, activation=activation)
    # oracle: resnet.forward + resnet.backward_euler directly
    Y = resnet.forward(Y0, K, b, h, activation=activation)
    dY0, dK, db = resnet.backward_euler(Y, K, b, h, Y[-1] - C, activation=activation)
    assert s.loss == pytest.approx(0.5 * np.sum((Y[-1] - C) ** 2), rel=1e-14)
    for got, ref in ((c.dK, dK), (c.db, db), (c.dY0, dY0), (s.dK, dK)):
        assert np.abs(got - ref).max() <= 1e-12 * max(1.0, np.abs(ref).max())  # measured: 0 (same operations)
    assert c.loss == pytest.approx(s.loss, rel=1e-14)


@pytest.mark.parametrize("N", [1, 2, 40])
def test_the_reversible_gradient_equals_the_stored_state_gradient_of_the_same_network(N):
    Y0, K, b, h, C = _problem(N=N)
    s = ck.gradient(Y0, K, b, h, C, regime="stored", network="leapfrog")
    r = ck.gradient(Y0, K, b, h, C, regime="reversible")
    # oracle: resnet's leapfrog network with all states stored and its own backward pass
    kw = dict(scheme="leapfrog", architecture="parabolic")
    Y = resnet.forward(Y0, K, b, h, **kw)
    dY0, dK, db = resnet.backward(Y, K, b, h, Y[-1] - C, **kw)
    assert s.loss == pytest.approx(0.5 * np.sum((Y[-1] - C) ** 2), rel=1e-14)
    for got, ref in ((r.dK, dK), (r.db, db), (r.dY0, dY0), (s.dK, dK), (s.db, db), (s.dY0, dY0)):
        assert np.abs(got - ref).max() <= 1e-10 * np.abs(ref).max()  # measured ~1e-15 relative
    assert r.loss == pytest.approx(s.loss, rel=1e-13)


@pytest.mark.parametrize("kw", [{}, {"regime": "checkpoint", "block": 4}, {"regime": "checkpoint", "block": 1},
                                {"regime": "reversible"}, {"regime": "stored", "network": "leapfrog"}],
                         ids=["stored", "checkpoint-4", "checkpoint-1", "reversible", "leapfrog-stored"])
def test_taylor_test_of_every_regime(kw):
    Y0, K, b, h, C = _problem()
    N, n, d = K.shape[0], *Y0.shape

    def f(th):
        Kt = th[:N * d * d].reshape(N, d, d)
        bt = th[N * d * d:N * d * d + N * d].reshape(N, d)
        g = ck.gradient(th[N * d * d + N * d:].reshape(n, d), Kt, bt, h, C, **kw)
        return g.loss, np.concatenate([g.dK.ravel(), g.db.ravel(), g.dY0.ravel()])

    res = derivative_check(f, np.concatenate([K.ravel(), b.ravel(), Y0.ravel()]))
    assert res.passed and res.order > 1.9  # measured 1.99 (Euler) and 2.01 (leapfrog)


@pytest.mark.parametrize("N", [1, 2, 7, 16, 50])
def test_the_counts_match_the_formulas(N):
    Y0, K, b, h, C = _problem(N=N, n=3, d=2, scale=0.3)
    assert (N + 1, N) == ck.expected_counts(N, "stored")
    for B in sorted({1, 2, 3, ck.default_block(N), N, N + 5}):
        c = ck.gradient(Y0, K, b, h, C, regime="checkpoint", block=B)
        assert (c.states_stored, c.layer_evals) == ck.expected_counts(N, "checkpoint", B)
        Bc = min(B, N)
        n_ckpt = -(-N // Bc)  # ceil
        assert c.layer_evals == N + sum(min(Bc, N - s) - 1 for s in range(0, N, Bc))
        assert c.states_stored == n_ckpt + max(1, Bc - 1)
    s = ck.gradient(Y0, K, b, h, C)
    r = ck.gradient(Y0, K, b, h, C, regime="reversible")
    assert (s.states_stored, s.layer_evals) == (N + 1, N)
    assert (r.states_stored, r.layer_evals) == (2, 2 * N - 1) == ck.expected_counts(N, "reversible")


def test_sqrt_block_is_optimal_for_the_stored_states():
    N = 400
    states = {B: ck.expected_counts(N, "checkpoint", B)[0] for B in range(1, N + 1)}
    best = min(states.values())
    assert states[ck.default_block(N)] == best == 39  # ceil(400/20) + 19
    assert ck.expected_counts(N, "checkpoint", 20)[1] == 780  # < 2 forward passes


def test_measure_memory_grows_as_the_formulas_say():
    m = ck.measure_memory((16, 64, 256), n=200, d=2, repeats=1)
    assert m.states["stored"].tolist() == [17, 65, 257]
    assert m.states["reversible"].tolist() == [2, 2, 2]
    assert m.states["checkpoint"].tolist() == [ck.expected_counts(N, "checkpoint")[0] for N in (16, 64, 256)]
    assert np.all(m.max_diff_checkpoint <= 1e-12) and np.all(m.max_diff_reversible <= 1e-10)
    p = m.peak_bytes
    # stored grows ~ linearly (one state = 3.2 KB); reversible keeps only the O(N) gradient, far below
    assert p["stored"][-1] > 8 * p["reversible"][-1] and p["stored"][-1] > 4 * p["checkpoint"][-1]
    assert p["stored"][-1] - p["stored"][0] > 0.9 * 240 * 200 * 2 * 8
    assert np.all(m.seconds["stored"] > 0)


@pytest.mark.parametrize("block", [None, 3])
def test_gradient_checks_pass_for_every_regime(block):
    checks = ck.gradient_checks(16, block=block)
    assert set(checks) == set(ck.REGIMES)
    assert all(c.passed and c.order > 1.9 for c in checks.values())  # measured 2.00, 2.00, 2.20


def test_bad_input_raises_value_error():
    Y0, K, b, h, C = _problem()
    with pytest.raises(ValueError, match="regime"):
        ck.gradient(Y0, K, b, h, C, regime="magic")
    with pytest.raises(ValueError, match="leapfrog"):
        ck.gradient(Y0, K, b, h, C, regime="reversible", network="euler")
    with pytest.raises(ValueError, match="euler"):
        ck.gradient(Y0, K, b, h, C, regime="checkpoint", network="leapfrog")
    with pytest.raises(ValueError, match="block"):
        ck.gradient(Y0, K, b, h, C, regime="checkpoint", block=0)
    with pytest.raises(ValueError, match="C must"):
        ck.gradient(Y0, K, b, h, C[:2])
    with pytest.raises(ValueError):
        ck.measure_memory(())
    with pytest.raises(ValueError):
        ck.expected_counts(0, "stored")

"""numdl_core.theory.implicit_bias: the SVM against a brute-force angle search, GD's direction converging to it (angle
< 0.05 rad and falling, loss ~ ||w_hat||^2 / (eta t), ||w|| ~ log t), GD from zero = numpy.linalg.lstsq's minimum-norm
solution, deeper factorizations reach lower effective rank on a rank-3 truth, SVT against the truth, importance weights,
and Taylor tests of every gradient."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from numdl_core.checks import derivative_check
from numdl_core.lstsq import steepest_descent
from numdl_core.theory import implicit_bias as ib


@pytest.fixture(scope="module")
def data():
    return ib.separable_data(40, seed=0)


def test_max_margin_direction_matches_a_brute_force_angle_search(data):
    """Oracle: the margin min_i y_i x_i.u over 200,001 unit vectors u = (cos a, sin a); the best angle."""
    X, y = data
    u = ib.max_margin_direction(X, y)
    a = np.linspace(-np.pi, np.pi, 200_001)
    U = np.stack([np.cos(a), np.sin(a)])
    margins = np.min((y[:, None] * X) @ U, axis=0)
    best = U[:, np.argmax(margins)]
    assert np.linalg.norm(u) == pytest.approx(1.0)
    assert np.arccos(min(1.0, u @ best)) < 1e-4
    ours = np.min(y * (X @ u))  # at least the grid's best margin (grid step 3e-5 rad), and close to it
    assert margins.max() - 1e-12 <= ours < margins.max() + 1e-4


def test_max_margin_direction_refuses_data_not_separable_through_the_origin():
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="not linearly separable"):
        ib.max_margin_direction(X, np.array([1.0, 1.0, -1.0]))
    with pytest.raises(ValueError, match="-1 or \\+1"):
        ib.max_margin_direction(X, np.array([0.0, 1.0, 1.0]))


def test_gd_direction_converges_to_the_svm_with_the_rates_of_soudry_et_al(data):
    X, y = data
    u = ib.max_margin_direction(X, y)
    w_hat = u / np.min(y * (X @ u))  # margin 1: the SVM's w
    eta = 1.0
    record = {}
    for s in itertools.islice(ib.logistic_gd(X, y, step=eta), 4001):
        if s.iteration in (100, 1000, 2000, 4000):
            record[s.iteration] = s
    angle = {t: np.arccos(min(1.0, s.x @ u / np.linalg.norm(s.x))) for t, s in record.items()}
    # measured: 0.118, 0.0513, 0.0400, 0.0315 rad
    assert angle[2000] < 0.05 and angle[4000] < angle[2000] < angle[1000] < angle[100]
    # loss ~ ||w_hat||^2 / (eta t): within 20% at t = 4000 (measured ratio 0.89)
    assert record[4000].loss * eta * 4000 / (w_hat @ w_hat) == pytest.approx(1.0, rel=0.2)
    # ||w|| grows like ||w_hat|| log t: slope between t = 1000 and 4000 within 15%
    slope = (record[4000].info["w_norm"] - record[1000].info["w_norm"]) / np.log(4.0)
    assert slope / np.linalg.norm(w_hat) == pytest.approx(1.0, rel=0.25)  # measured 0.82 (0.88 from 2000 to 16000)


def test_logistic_loss_gradient_passes_the_taylor_test(data):
    X, y = data
    rng = np.random.default_rng(1)
    c = rng.uniform(0.5, 2.0, len(y))
    r = derivative_check(lambda w: ib.logistic_loss(X, y, w, c), rng.standard_normal(2), seed=2)
    assert r.passed and r.order > 1.8


def test_logistic_loss_against_a_plain_loop_and_no_overflow(data):
    X, y = data
    w = np.array([0.3, -0.7])
    loop = np.mean([np.log(1 + np.exp(-y[i] * X[i] @ w)) for i in range(len(y))])
    assert ib.logistic_loss(X, y, w)[0] == pytest.approx(loop, rel=1e-13)
    f, g = ib.logistic_loss(X, y, 1e4 * ib.max_margin_direction(X, y))
    assert np.isfinite(f) and np.all(np.isfinite(g)) and f >= 0
    f, g = ib.logistic_loss(X, y, -1e4 * ib.max_margin_direction(X, y))
    assert np.isfinite(f) and f > 1e3


def test_gd_from_zero_reaches_numpy_lstsq_minimum_norm_solution_and_not_from_elsewhere():
    """Oracle: numpy.linalg.lstsq (SVD) for the minimum-norm solution; the projection formula for another start."""
    rng = np.random.default_rng(0)
    A, b = rng.standard_normal((5, 12)), rng.standard_normal(5)
    x_mn = np.linalg.lstsq(A, b, rcond=None)[0]
    step = 0.9 / np.linalg.norm(A, 2) ** 2 / 2
    *_, last = steepest_descent(A, b, step=step, maxiter=20_000, tol=1e-14)
    assert np.linalg.norm(last.x - x_mn) < 1e-8 * np.linalg.norm(x_mn)
    assert np.allclose(ib.gd_limit(A, b), x_mn, atol=1e-12)
    x0 = rng.standard_normal(12)
    *_, other = steepest_descent(A, b, step=step, x0=x0, maxiter=20_000, tol=1e-14)
    assert np.linalg.norm(A @ other.x - b) < 1e-8  # a solution too ...
    assert np.linalg.norm(other.x - x_mn) > 0.5  # ... but not the minimum-norm one
    assert np.allclose(other.x, ib.gd_limit(A, b, x0), atol=1e-8)
    P = np.eye(12) - np.linalg.pinv(A) @ A  # its null-space part is x0's
    assert np.allclose(P @ other.x, P @ x0, atol=1e-8)


def _run(p, depth, iters=4000):
    *_, last = itertools.islice(ib.completion_gd(p.truth, p.mask, depth=depth, step=0.2, init=0.03), iters + 1)
    return ib.end_to_end(last.x, p.truth.shape[0], depth)


def test_deeper_factorizations_reach_lower_effective_rank_on_a_rank_3_truth():
    p = ib.completion_problem(20, 3, 160, seed=0)
    test = ~p.mask
    W = {d: _run(p, d) for d in (1, 2, 3)}
    erank = {d: ib.effective_rank(w) for d, w in W.items()}
    err = {d: np.linalg.norm((w - p.truth)[test]) / np.linalg.norm(p.truth[test]) for d, w in W.items()}
    # measured: erank 12.8, 4.62, 2.86; test error 1.00, 0.55, 0.004
    assert erank[3] < erank[2] < erank[1]
    assert erank[3] < 3.2 and err[3] < 0.05 < err[2] < err[1]
    for w in W.values():  # all fit the observed entries
        assert np.linalg.norm((w - p.truth)[p.mask]) < 1e-2


def test_completion_loss_gradient_passes_the_taylor_test_at_every_depth():
    p = ib.completion_problem(5, 2, 15, seed=1)
    rng = np.random.default_rng(3)
    for depth in (1, 2, 3):
        theta = 0.5 * rng.standard_normal(depth * 25)
        r = derivative_check(lambda t: ib.completion_loss(t, p.truth, p.mask, depth), theta, seed=depth)
        assert r.passed and r.order > 1.8


def test_end_to_end_against_a_loop_product():
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((3, 3)) for _ in range(3)]
    theta = np.concatenate([W.ravel() for W in Ws])
    assert np.allclose(ib.end_to_end(theta, 3, 3), Ws[2] @ Ws[1] @ Ws[0])


def test_svt_recovers_a_rank_1_truth_and_finds_the_smallest_nuclear_norm():
    """Oracles: the truth itself (rank 1, 80 of 100 entries: exact recovery); and every other completion we know
    (the truth, the depth-2 and depth-3 GD solutions) fits the same entries with a nuclear norm at least SVT's."""
    p = ib.completion_problem(10, 1, 80, seed=0)
    *_, last = ib.svt(p.truth, p.mask)
    assert np.linalg.norm(last.x.reshape(10, 10) - p.truth) < 1e-4 and last.info["rank"] == 1
    p = ib.completion_problem(20, 3, 160, seed=0)
    # tol 1e-7: converged after ~690 SVDs (residual 6e-6); at the default 1e-10 the fixed-point residual stalls
    # near 1e-8 and the run goes to maxiter 10**6 (65-100 s) for the same result
    *_, last = ib.svt(p.truth, p.mask, tol=1e-7)
    X = last.x.reshape(20, 20)
    assert np.linalg.norm((X - p.truth)[p.mask]) < 1e-4
    nuclear = np.linalg.svd(X, compute_uv=False).sum()
    assert nuclear == pytest.approx(last.info["nuclear_norm"], rel=1e-6)
    for W in (p.truth, _run(p, 2), _run(p, 3)):
        assert nuclear <= np.linalg.svd(W, compute_uv=False).sum() + 1e-3  # measured 6.94 vs 7.36 (truth)


def test_effective_rank_of_equal_singular_values_and_of_zero():
    assert ib.effective_rank(np.diag([2.0, 2.0, 2.0, 0.0])) == pytest.approx(3.0)
    assert ib.effective_rank(np.zeros((3, 3))) == 0.0
    assert 1.0 < ib.effective_rank(np.diag([3.0, 1.0])) < 2.0


def test_weights_move_the_regularized_solution_but_not_the_gd_direction(data):
    """Byrd and Lipton (2019): weights 3:1 on the two classes. The regularized solutions (alpha = 0.01) of the
    weighted and unweighted losses differ; weighted GD still turns towards the (unweighted) SVM direction."""
    X, y = data
    c = np.where(y > 0, 3.0, 1.0)
    u = ib.max_margin_direction(X, y)

    def ang(a, b):
        return np.arccos(min(1.0, abs(a @ b) / np.linalg.norm(a) / np.linalg.norm(b)))

    reg_w = ib.regularized_logistic(X, y, 0.01, c)
    assert ang(ib.regularized_logistic(X, y, 0.01), reg_w) > 0.05  # measured 0.069 rad
    gd = {s.iteration: ang(s.x, u) for s in itertools.islice(ib.logistic_gd(X, y, step=0.5, weights=c), 10001)
          if s.iteration in (1000, 5000, 10000)}
    # measured 0.126, ~0.085, 0.072 rad: falling like 1/log t, already closer than the regularized one (0.197)
    assert gd[10000] < gd[5000] < gd[1000] and gd[10000] < 0.08 < ang(reg_w, u)


def test_regularized_logistic_is_a_stationary_point():
    X, y = ib.separable_data(20, seed=3)
    c = np.linspace(0.5, 2, 20)
    w = ib.regularized_logistic(X, y, 0.05, c)
    g = ib.logistic_loss(X, y, w, c)[1] + 0.05 * w
    assert np.linalg.norm(g) < 1e-8
    # oracle: scipy's L-BFGS on the same objective, written as a plain loop over samples
    from scipy.optimize import minimize

    def f(v):
        return sum(c[i] * np.log1p(np.exp(-y[i] * X[i] @ v)) for i in range(20)) / 20 + 0.025 * v @ v

    ref = minimize(f, np.zeros(2), method="L-BFGS-B", options={"gtol": 1e-10, "ftol": 1e-14}).x
    assert np.allclose(w, ref, atol=1e-5)


def test_bad_input_raises_value_error(data):
    X, y = data
    with pytest.raises(ValueError):
        next(ib.logistic_gd(X, y, step=-1.0))
    with pytest.raises(ValueError):
        next(ib.logistic_gd(X, y[:-1], step=1.0))
    with pytest.raises(ValueError):
        ib.completion_problem(5, 6, 10)
    with pytest.raises(ValueError):
        next(ib.svt(np.zeros((3, 3)), np.zeros((3, 3), bool)))
    with pytest.raises(ValueError):
        ib.gd_limit(np.ones((2, 3)), np.ones(3))


def test_min_norm_study_against_lstsq_and_the_projection_formula():
    s = ib.min_norm_study(4, 10, iterations=3000, seed=1)
    assert np.allclose(s.x_from_zero, np.linalg.lstsq(s.A, s.b, rcond=None)[0], atol=1e-10)
    assert np.allclose(s.x_from_x0, s.x0 - np.linalg.pinv(s.A) @ (s.A @ s.x0 - s.b), atol=1e-10)
    assert s.numbers["||x_GD(x0) - x_lstsq||"] > 0.1 and s.numbers["||x_GD(x0)||"] > s.numbers["||x_lstsq||"]
    square = ib.min_norm_study(12, 6, iterations=3000, seed=1)  # full column rank: the start does not matter
    assert square.numbers["||x_GD(x0) - x_lstsq||"] < 1e-8


def test_completion_run_records_singular_values_and_errors():
    p = ib.completion_problem(20, 3, 160, seed=0)
    r = ib.completion_run(p, 3)
    assert r.iterations[-1] == 4000 and r.singular_values.shape == (len(r.iterations), 20)
    W = _run(p, 3)
    assert np.allclose(r.W, W) and r.effective_rank == pytest.approx(ib.effective_rank(W))
    assert np.allclose(r.singular_values[-1], np.linalg.svd(W, compute_uv=False))
    s = ib.completion_run(p, 0)
    assert s.method == "nuclear norm (SVT)" and s.train_error < 1e-4 and s.test_error > r.test_error
    bad = ib.completion_run(p, 3, step=50.0, iterations=200)
    assert bad.diverged


def test_angle_is_accurate_for_tiny_angles():
    a = np.array([1.0, 0.0])
    assert ib.angle(a, np.array([1.0, 1e-12])) == pytest.approx(1e-12, rel=1e-6)
    assert ib.angle(a, -a) == pytest.approx(np.pi) and np.isnan(ib.angle(a, 0 * a))


def test_weighting_study_numbers(data):
    X, y = data
    s = ib.weighting_study(X, y, 3.0, alpha=0.01, iterations=2000)
    assert s.numbers["regularized: weighted vs unweighted (rad)"] == pytest.approx(
        ib.angle(ib.regularized_logistic(X, y, 0.01), ib.regularized_logistic(X, y, 0.01, np.where(y > 0, 3.0, 1.0))))
    assert np.all(np.diff(s.angle_weighted[s.iterations >= 100]) < 0)  # falling
    assert s.reg_gap[0] < s.reg_gap[12]  # weights matter less as alpha -> 0 (both -> the SVM)


def test_geometric_steps_are_the_plain_run_at_geometric_iterations_and_forward_sent_values(data):
    """Oracle: the plain generator's Steps at the same iterations; a sent step equals a restart from there."""
    X, y = data
    plain = {s.iteration: s for s in ib.logistic_gd(X, y, step=1.0, maxiter=3000)}
    seen = list(ib.geometric_steps(ib.logistic_gd(X, y, step=1.0, maxiter=3000), ratio=1.1, max_gap=50))
    its = [s.iteration for s in seen]
    assert its[:6] == [0, 1, 2, 3, 4, 5] and its[-1] == 3000 and np.all(np.diff(its) <= 50)
    assert all(np.array_equal(s.x, plain[s.iteration].x) for s in seen)
    g = ib.geometric_steps(ib.logistic_gd(X, y, step=1.0), ratio=1.1)
    first = [next(g) for _ in range(30)]
    after = g.send({"step": 0.3})
    ref = list(itertools.islice(ib.logistic_gd(X, y, step=0.3, x0=first[-1].x), after.iteration - first[-1].iteration
                                + 1))[-1]
    assert np.allclose(after.x, ref.x, rtol=1e-12)
    with pytest.raises(ValueError):
        next(ib.geometric_steps(iter(()), ratio=1.0))

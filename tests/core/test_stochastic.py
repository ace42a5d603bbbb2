"""numdl_core.stochastic: SAA vs SA, step-size schedules and preprocessing on a least-squares problem with a known
optimum. Oracles: numpy's lstsq and cond, scikit-learn's PolynomialFeatures and StandardScaler, numdl_core.optim's
sgd and gradient_descent (a different code path), hand-written SGD loops and closed-form step sums."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from numdl_core import optim
from numdl_core.stochastic import (
    PREPROCESSING,
    LinearLeastSquares,
    conditioning_after_preprocessing,
    gd_iterations_to_tolerance,
    polynomial_features,
    regression_problem,
    sa_path,
    saa_vs_sa,
    standardize,
    step_size_study,
)


# ------------------------------------------------------------------------------------------------
# features, preprocessing, the objective
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("degree", [1, 2, 3, 5])
def test_polynomial_features_match_sklearn(degree):
    from sklearn.preprocessing import PolynomialFeatures

    P = np.random.default_rng(0).uniform(-2, 2, (17, 2))
    np.testing.assert_allclose(polynomial_features(P, degree),
                               PolynomialFeatures(degree, include_bias=False).fit_transform(P), rtol=1e-14)


@pytest.mark.parametrize("center,scale", [(True, True), (True, False), (False, True), (False, False)])
def test_standardize_matches_sklearn_standard_scaler(center, scale):
    from sklearn.preprocessing import StandardScaler

    F = np.random.default_rng(1).normal([5.0, -3.0, 100.0, 2.0], [1.0, 0.01, 30.0, 0.0], (50, 4))  # last: constant
    out = standardize(F, center=center, scale=scale)
    ref = StandardScaler(with_mean=center, with_std=scale).fit(F)
    np.testing.assert_allclose(out.Z, ref.transform(F), rtol=1e-12, atol=1e-12)
    if scale:
        np.testing.assert_allclose(out.scale, ref.scale_, rtol=1e-12)
    assert out.scale[3] == 1.0  # zero variance: not divided (as StandardScaler)


def test_linear_least_squares_against_lstsq_and_explicit_formulas():
    rng = np.random.default_rng(2)
    A, y = rng.standard_normal((40, 5)), rng.standard_normal(40)
    obj = LinearLeastSquares(A, y)
    np.testing.assert_allclose(obj.solution(), np.linalg.lstsq(A, y, rcond=None)[0], rtol=1e-12)
    ridge = LinearLeastSquares(A, y, alpha=0.3)
    np.testing.assert_allclose(ridge.solution(), np.linalg.solve(A.T @ A / 40 + 0.3 * np.eye(5), A.T @ y / 40),
                               rtol=1e-12)
    th, idx = rng.standard_normal(5), np.array([3, 7, 7, 11])
    f, g = ridge.batch_value_and_grad(th, idx)
    r = A[idx] @ th - y[idx]
    assert f == pytest.approx(r @ r / 8 + 0.15 * th @ th, rel=1e-14)
    np.testing.assert_allclose(g, A[idx].T @ r / 4 + 0.3 * th, rtol=1e-14)
    np.testing.assert_allclose(ridge.hess_vec(th, g), ridge.hessian() @ g, rtol=1e-13)
    with pytest.raises(ValueError, match="alpha"):
        LinearLeastSquares(A, y, alpha=-1.0)


def test_regression_problem_optimum_gap_and_condition_number():
    probs = {kind: regression_problem(600, degree=2, preprocess=kind, seed=3) for kind in PREPROCESSING}
    for kind, pb in probs.items():
        A, y = pb.objective.A, pb.objective.y
        np.testing.assert_allclose(pb.theta_star, np.linalg.lstsq(A, y, rcond=None)[0], rtol=1e-9, atol=1e-12)
        assert pb.kappa == pytest.approx(np.linalg.cond(A) ** 2, rel=1e-8)  # kappa(A^T A) = cond(A)^2
        th = np.random.default_rng(4).standard_normal(A.shape[1])
        assert pb.gap(th) == pytest.approx(pb.objective.value_and_grad(th)[0] - pb.f_star, rel=1e-10)
    # the same fitted function: one f* and one set of predictions for the three preprocessings
    f_stars = [pb.f_star for pb in probs.values()]
    assert max(f_stars) - min(f_stars) < 1e-12 * max(f_stars)
    preds = [pb.objective.A @ pb.theta_star for pb in probs.values()]
    np.testing.assert_allclose(preds[0], preds[2], rtol=1e-8, atol=1e-9)
    for bad in ({"preprocess": "whiten"}, {"degree": 7}, {"shift": -1.0}, {"noise": np.nan}, {"n_samples": 3}):
        with pytest.raises(ValueError):
            regression_problem(**{"n_samples": 100, **bad})


# ------------------------------------------------------------------------------------------------
# SA paths
# ------------------------------------------------------------------------------------------------
def test_sa_path_with_epochs_is_numdl_core_sgd():
    """sampling='epochs' gives optim.sgd's iterates (momentum 0, same seed, batches, decay) at every epoch end."""
    pb = regression_problem(230, degree=2, seed=5)
    lrs, decays = [0.1, 0.05], [0.0, 0.02]
    path = sa_path(pb, lrs, decays, batch_size=7, passes=4, sampling="epochs", seed=9)
    for c, (lr, dec) in enumerate(zip(lrs, decays)):
        steps = list(itertools.islice(optim.sgd(pb.objective, np.zeros(6), lr=lr, decay=dec, batch_size=7,
                                                seed=9), 5))
        for e, s in enumerate(steps):
            np.testing.assert_allclose(path.epoch_thetas[e][:, c], s.x, rtol=1e-11, atol=1e-13)
    assert path.updates == 4 * 33  # ceil(230 / 7) batches per pass


def test_sa_path_iid_matches_a_plain_loop_and_records_the_gap():
    pb = regression_problem(100, degree=1, seed=6)
    A, y = pb.objective.A, pb.objective.y
    path = sa_path(pb, [0.2], [0.1], batch_size=5, passes=2, records_per_pass=4, seed=1)
    rng, th, gaps = np.random.default_rng(1), np.zeros(3), [pb.gap(np.zeros(3))]
    draws = np.vstack([rng.integers(0, 100, (20, 5)) for _ in range(2)])  # one draw of 20 batches per pass
    for k in range(40):
        idx = draws[k]
        th = th - 0.2 / (1 + 0.1 * k) * A[idx].T @ (A[idx] @ th - y[idx]) / 5
        if k % 5 == 4:
            gaps.append(pb.objective.value_and_grad(th)[0] - pb.f_star)
    np.testing.assert_allclose(path.epoch_thetas[-1][:, 0], th, rtol=1e-12)
    np.testing.assert_allclose(path.gaps[:, 0], gaps, rtol=1e-8)
    np.testing.assert_allclose(path.work, np.arange(9) / 2)
    with pytest.raises(ValueError, match="same length"):
        sa_path(pb, [0.1, 0.2], [0.0, 0.1, 0.2])
    with pytest.raises(ValueError, match="sampling"):
        sa_path(pb, 0.1, sampling="stream")


# ------------------------------------------------------------------------------------------------
# the three studies
# ------------------------------------------------------------------------------------------------
def test_saa_levels_off_at_its_sample_optimum_and_cg_on_all_data_beats_sgd():
    res = saa_vs_sa(1000, passes=10)
    pb = regression_problem(1000)
    assert res.sample_sizes == (12, 50, 250, 1000)
    # each SAA curve ends at the gap of its sample's least-squares solution (the SAA limit, numpy lstsq)
    for g, limit in zip(res.saa_gaps, res.saa_limits):
        assert g[-1] == pytest.approx(limit, rel=1e-6, abs=1e-25)
    assert res.saa_limits[-1] < 1e-25  # CG on all data: the optimum to round-off (measured 1e-30)
    assert res.saa_limits[0] > res.saa_limits[1] > res.saa_limits[2]  # larger samples, smaller SAA error
    assert res.saa_limits[0] / res.saa_limits[2] > 10  # ~ 1/|S|: measured 0.028 / 6.9e-4
    assert res.sa_gaps[-1] > 1e-4  # SGD with a constant step stalls (measured 2e-3)
    assert res.saa_work[-1][-1] <= 4 * 6 * 2  # CG on all data: at most 4p iterations of 2 passes (measured 12)
    assert res.numbers["kappa(H)"] == pytest.approx(pb.kappa)


def test_constant_step_floor_is_proportional_to_the_step_and_a_decaying_step_keeps_converging():
    """Robbins-Monro: constant steps stall at a floor ~ alpha; alpha_k = alpha/(1 + delta k) does not stall."""
    res = step_size_study()
    n = res.numbers
    # measured at the defaults (2000 samples, batch 20, 20 passes): floors 2.15e-3, 1.04e-3, 5.2e-4; decaying 2.3e-5
    assert 1.6 < n["floor at lr"] / n["floor at lr/2"] < 2.5
    assert 3.0 < n["floor ratio lr : lr/4"] < 5.5
    assert n["constant / decaying"] > 20  # measured 93
    # the step sums: K alpha for a constant step; the harmonic-like sum of the schedule, summed independently
    K = int(round(2000 / 20 * 20))
    k = np.arange(K)
    assert res.step_sums[0] == pytest.approx(K * 0.1)
    assert n["sum of steps (decaying)"] == pytest.approx(np.sum(0.1 / (1 + 0.05 * k)), rel=1e-12)
    assert n["sum of squared steps (decaying)"] < 0.1**2 * (1 + 1 / 0.05)  # bounded: sum 1/(1+dk)^2 <= 1 + 1/d
    assert n["final step of the schedule"] == pytest.approx(0.1 / (1 + 0.05 * (K - 1)))
    with pytest.raises(ValueError, match="decay"):
        step_size_study(500, decay=0.0)


def test_gd_iteration_count_matches_a_gradient_descent_run():
    pb = regression_problem(500, degree=2, preprocess="center")
    L = pb.eigenvalues[-1]
    predicted = gd_iterations_to_tolerance(pb, 1.0 / L, tol=1e-6)
    gap0 = pb.gap(np.zeros(6))
    for step in optim.gradient_descent(pb.objective, np.zeros(6), step=1.0 / L, maxiter=10**4):
        if pb.gap(step.x) <= 1e-6 * gap0:
            break
    assert step.iteration == predicted  # measured 46 (kappa 8.8)
    bound = 0.5 * pb.kappa * np.log(1e6)  # (1 - 1/kappa)^(2k) <= tol: about kappa/2 ln(1/tol) = 61
    assert 0.5 * bound < predicted <= bound + 1
    with pytest.raises(ValueError, match="step"):
        gd_iterations_to_tolerance(pb, 3.0 / L)


def test_preprocessing_shrinks_kappa_and_the_iterations():
    res = conditioning_after_preprocessing()
    for kind, kappa in zip(res.kinds, res.kappa):
        pb = regression_problem(2000, preprocess=kind)
        assert kappa == pytest.approx(np.linalg.cond(pb.objective.A) ** 2, rel=1e-8)  # numpy's cond, independently
    # measured (degree 2, shift 0, 2000 samples): kappa 92.3, 9.09, 1.18; GD 536, 59, 4; SGD passes 5.5, 0.7, 0.2
    assert res.kappa[0] > 50 > res.kappa[1] > 5 > res.kappa[2]
    assert res.gd_iterations.tolist() == [536, 59, 4]
    assert res.sgd_passes[0] > 3 * res.sgd_passes[1] > 3 * res.sgd_passes[2] > 0
    n = res.numbers
    assert n["GD iterations, none"] / n["GD iterations, standardize"] > 100


def test_a_too_large_step_is_flagged_not_raised():
    """SGD beyond the stability limit 2/L: flagged as diverged, no warning, no exception; only finite numbers."""
    import warnings

    pb = regression_problem(500, degree=2, preprocess="none")  # L = lambda_max(H) ~ 26: eta = 1 is far too large
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = sa_path(pb, [1.0, 1e-3], passes=3)
        res = step_size_study(500, preprocess="none", lr=1.0, passes=3)
    assert path.diverged.tolist() == [True, False] and np.isfinite(path.gaps[-1, 1])
    assert res.diverged.all() and all(np.isfinite(v) for v in res.numbers.values())
    assert "floor at lr" not in res.numbers and "sum of steps (decaying)" in res.numbers


def test_adagrad_decays_by_itself_and_a_decay_sent_mid_run_rescues_the_others():
    """The 'AdaGrad decays by itself' Try-this of the page: at constant eta = 0.05 momentum, Nesterov and Adam hover
    at their noise floors while AdaGrad's steps shrink like 1/sqrt(k); sending decay 0.01 at epoch 25 (state kept)
    brings all four down. Measured mean gaps over epochs 15-25: 1.4e-2, 8.2e-3, 1.9e-4 (AdaGrad), 8.5e-3; over
    epochs 40-50: 1.9e-5, 1.8e-5, 6.5e-6, 1.3e-5."""
    from numdl_core.solvers import SOLVERS

    pb = regression_problem()
    before, after = {}, {}
    for label, (name, opt) in {"momentum": ("sgd", {"momentum": 0.9}),
                               "Nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}),
                               "AdaGrad": ("adagrad", {}), "Adam": ("adam", {})}.items():
        gen = SOLVERS[name](pb.objective, np.zeros(6), lr=0.05, decay=0.0, batch_size=20, seed=0, **opt)
        steps = [next(gen) for _ in range(26)] + [gen.send({"decay": 0.01})] + [next(gen) for _ in range(24)]
        before[label] = np.mean([pb.gap(s.x) for s in steps[15:26]])
        after[label] = np.mean([pb.gap(s.x) for s in steps[40:51]])
    assert before["AdaGrad"] < 0.1 * min(v for k, v in before.items() if k != "AdaGrad")
    assert min(v for k, v in before.items() if k != "AdaGrad") > 1e-3
    assert max(after.values()) < 1e-4 and all(after[k] < 0.01 * before[k] for k in ("momentum", "Nesterov", "Adam"))

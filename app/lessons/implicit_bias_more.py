"""The implicit-bias page's sections "min-norm" (underdetermined least squares from 0 and from elsewhere),
"matrix-completion" (depth 1 / 2 / 3 factorizations against nuclear-norm SVT; cached, with a progress bar) and
"weighting" (importance weights: the regularized solution moves, the GD direction does not).

Parameter names are the keywords of ``numdl_core.theory.implicit_bias.min_norm_study``, ``completion_problem`` /
``completion_run`` and ``weighting_study``; the export scripts are in app/exports/theory_implicit_bias.py.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from app.figures.theory_implicit_bias import bars_figure, curves_figure, margin_figure
from app.lesson import Experiment, Lesson, Param
from app.panels import show
from app.params import SEED, log_options
from numdl_core.checks import derivative_check
from numdl_core.theory import implicit_bias as ib

__all__ = ["EXPERIMENTS", "MIN_NORM", "COMPLETION", "WEIGHTING", "METHODS", "completion_numbers", "min_norm_section",
           "completion_section", "weighting_section"]

cached = st.cache_data(max_entries=32, show_spinner=False)
MIN_NORM = [Param("m", "Equations m (rows of A)", "int", 5, lo=1, hi=20),
            Param("n", "Unknowns n (columns)", "int", 12, lo=2, hi=40),
            Param("start_scale", "Size of the other start x₀", "choice", 1.0, options=(0.0, 0.5, 1.0, 2.0)),
            Param("iterations", "Iterations", "choice", 2000, options=(100, 300, 1000, 2000, 5000)), SEED]
COMPLETION = [Param("n", "Matrix size n", "int", 20, lo=8, hi=30),
              Param("rank", "True rank", "int", 3, lo=1, hi=6),
              Param("n_obs", "Observed entries", "int", 160, lo=20, hi=600, step=10,
                    help="At most n²; a rank-r n × n matrix has r(2n − r) degrees of freedom."),
              Param("init", "Initialization scale", "log", 0.03, options=(0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)),
              Param("step", "Step η", "choice", 0.2, options=(0.05, 0.1, 0.2, 0.3, 0.5)),
              Param("iterations", "GD iterations", "choice", 4000, options=(1000, 2000, 4000, 8000)), SEED]
WEIGHTING = [Param("weight", "Weight of class +1", "choice", 3.0, options=(1.0, 2.0, 3.0, 5.0, 10.0)),
             Param("alpha", "Regularization α (λ in the notes)", "log", 0.01, options=log_options(1e-4, 1.0, 1)),
             Param("step", "Step η", "choice", 0.5, options=(0.1, 0.2, 0.5, 1.0)),
             Param("iterations", "GD iterations", "choice", 5000, options=(1000, 2000, 5000, 10000, 20000)),
             Param("n", "Points", "int", 40, lo=6, hi=200, step=2), SEED]
METHODS = (1, 2, 3, 0)  # depths; 0 = nuclear norm (SVT)


def min_norm_section(lesson: Lesson) -> None:
    st.subheader("Underdetermined least squares: gradient descent from 0 finds the minimum-norm solution")
    p = lesson.controls(MIN_NORM, columns=5)
    s = cached(ib.min_norm_study)(**p)
    c1, c2 = st.columns(2)
    it = s.iterations
    show(curves_figure({"from 0: ‖x_k − x_lstsq‖": (it, s.error_zero), "from x₀: ‖x_k − x_lstsq‖": (it, s.error_x0),
                        "from x₀: ‖x_k − (P_null x₀ + A⁺b)‖": (it, s.error_limit)}, log_x=False,
                       y_title="distance", title="Distance to the two limits"), "ib.fig.minnorm.errors", c1)
    j = np.arange(1, p["n"] + 1)
    show(curves_figure({"x_lstsq = A⁺b": (j, s.x_lstsq), "GD from 0": (j, s.x_from_zero),
                        "GD from x₀": (j, s.x_from_x0),
                        "P_null x₀ + A⁺b": (j, s.limit_x0)}, log_x=False, log_y=False, markers=True,
                       x_title="coordinate j", y_title="x_j", title="The solutions, entry by entry"),
         "ib.fig.minnorm.entries", c2)
    st.caption(f"A is {p['m']} × {p['n']} Gaussian (seed {p['seed']}), step 0.9/(2‖A‖₂²). Oracle: numpy.linalg.lstsq "
               "(SVD). Every gradient 2Aᵀ(Ax − b) lies in the row space of A, so the null-space part of the start "
               "never "
               "changes: from 0 it stays 0 (minimum norm), from x₀ it stays P_null x₀. With m ≥ n (full column rank) "
               "the solution is unique and the start does not matter.")
    lesson.numbers(s.numbers, show=True, columns=3)


@st.cache_data(max_entries=64, show_spinner=False)
def _completion(n: int, rank: int, n_obs: int, seed: int, depth: int, step: float, init: float, iterations: int):
    prob = ib.completion_problem(n, rank, n_obs, seed=seed)
    return ib.completion_run(prob, depth, step=step, init=init, iterations=iterations, seed=seed)


@st.cache_data(max_entries=16, show_spinner=False)
def _taylor(n: int, rank: int, n_obs: int, seed: int):
    prob = ib.completion_problem(n, rank, n_obs, seed=seed)
    theta = 0.5 * np.random.default_rng(seed).standard_normal(3 * n * n)
    return derivative_check(lambda t: ib.completion_loss(t, prob.truth, prob.mask, 3), theta, seed=seed)


def completion_numbers(runs: dict) -> dict:
    """The headline numbers of the completion runs (``{depth: CompletionRun}``)."""
    out = {}
    for r in runs.values():
        out[f"{r.method}: effective rank"] = r.effective_rank
        out[f"{r.method}: test error"] = r.test_error
    return {k: v for k, v in out.items() if np.isfinite(v)}


def completion_section(lesson: Lesson) -> None:
    st.subheader("Matrix completion: deeper factorizations find lower rank")
    p = lesson.controls(COMPLETION, columns=7)
    if p["n_obs"] > p["n"] ** 2 or p["rank"] > p["n"]:
        p = dict(p, n_obs=min(p["n_obs"], p["n"] ** 2), rank=min(p["rank"], p["n"]))
        st.info(f"Using {p['n_obs']} observed entries (at most n² = {p['n'] ** 2}).")
    runs = {}
    bar = st.progress(0.0, text="Gradient descent for depths 1, 2, 3 and nuclear-norm SVT (cached) …")
    for i, d in enumerate(METHODS):
        runs[d] = _completion(p["n"], p["rank"], p["n_obs"], p["seed"], d, p["step"], p["init"], p["iterations"])
        bar.progress((i + 1) / len(METHODS))
    bar.empty()
    cols = st.columns(3)
    for c, d in zip(cols, (1, 2, 3)):
        r = runs[d]
        sv = {f"σ{k + 1}": (r.iterations + 1, r.singular_values[:, k]) for k in range(min(6, p["n"]))}
        show(curves_figure(sv, title=f"{r.method}: singular values" + (" (diverged)" if r.diverged else ""),
                           x_title="iteration + 1", y_title="σ_k(W)", height=300), f"ib.fig.mc.sv{d}", c)
    c1, c2 = st.columns(2)
    names = {d: runs[d].method for d in METHODS}
    show(bars_figure({names[d]: runs[d].effective_rank for d in METHODS}, reference=float(p["rank"]),
                     reference_name="true rank", title="Effective rank of the completion"), "ib.fig.mc.erank", c1)
    show(bars_figure({names[d]: runs[d].test_error for d in METHODS}, title="Relative error on the unobserved entries"),
         "ib.fig.mc.test", c2)
    dof = p["rank"] * (2 * p["n"] - p["rank"])
    st.caption(f"M = UVᵀ of rank {p['rank']}, {p['n']} × {p['n']}, ‖M‖_F = √n; {p['n_obs']} entries observed "
               f"({dof} degrees of freedom). Every factor starts at {p['init']:g}·N(0, 1/n). Depth 1 only changes the "
               "observed entries (the rest stay ≈ 0: the minimum Frobenius-norm fit). SVT: nuclear-norm minimization "
               "(thresholds decreasing to 1e-6, Cai-Candès-Shen / soft-impute). Effective rank: exp(entropy of σ/Σσ).")
    taylor = _taylor(p["n"], p["rank"], p["n_obs"], p["seed"])
    with st.expander("✔ Check: Taylor test of the depth-3 gradient ∇_{W_j} f = (W_N⋯W_{j+1})ᵀ R (W_{j−1}⋯W₁)ᵀ"):
        st.caption("At random factors (entries 0.5·N(0, 1), seed of the page) along a random direction.")
        lesson.check(taylor, key="ib.mc.taylor", what="factorization gradient")
    lesson.numbers({**completion_numbers(runs), "depth 3 gradient: Taylor E1 order": taylor.order})


def weighting_section(lesson: Lesson) -> None:
    st.subheader("Importance weights: they move the regularized solution, not GD's limit direction")
    p = lesson.controls(WEIGHTING, columns=6)
    X, y = cached(ib.separable_data)(p["n"], seed=p["seed"])
    with st.spinner("Gradient descent with and without weights, regularized solutions (cached) …"):
        s = cached(ib.weighting_study)(X, y, p["weight"], alpha=p["alpha"], step=p["step"], iterations=p["iterations"])
    c1, c2 = st.columns(2)
    T = s.iterations[-1]
    tt = np.geomspace(3, T, 40)
    show(curves_figure({"unweighted GD": (s.iterations, s.angle_plain), f"weighted GD (×{p['weight']:g})": (
        s.iterations, s.angle_weighted)}, theory={"C / log t": (tt, s.angle_weighted[-1] * np.log(T) / np.log(tt))},
        y_title="angle to the SVM (rad)", title="GD: both turn towards the same SVM"), "ib.fig.w.gd", c1)
    show(curves_figure({"regularized, unweighted": (s.alphas, s.reg_angle_plain), "regularized, weighted": (
        s.alphas, s.reg_angle_weighted), "weighted vs unweighted": (s.alphas, s.reg_gap)}, x_title="α",
        y_title="angle (rad)", title="Regularized solutions: the weights matter"), "ib.fig.w.reg", c2)
    show(margin_figure(X, y, {"SVM (max margin)": s.svm, "unweighted GD": s.w_plain, "weighted GD": s.w_weighted},
                       title="Directions after the last iteration", height=360), "ib.fig.w.data")
    st.caption(f"Points with y = +1 count ×{p['weight']:g} in the loss. The regularized minimizer balances the "
               "weighted "
               "losses against α‖w‖²: its direction depends on the weights (right, at every α; both tend to the SVM as "
               "α → 0). Without regularization the weighted losses of the support vectors still decay like 1/t and "
               "only the SVM direction makes them all decay together: the weights only add a bounded term to ρ(t), "
               "whose effect fades like 1/log t (left).")
    lesson.numbers(s.numbers, show=True, columns=5)


EXPERIMENTS = [
    Experiment("From zero: the minimum-norm solution", "Set x₀'s size to 0.", "GD from 0 ends at lstsq's minimum-norm "
               "solution to round-off (‖x_GD − x_lstsq‖ ~ 1e-15, ‖x_lstsq‖ = 1.15).",
               {"section": "min-norm", "start_scale": 0.0}, name="min-norm-from-zero"),
    Experiment("From elsewhere: a different solution", "Set x₀'s size to 2.", "GD from x₀ also solves Ax = b "
               "(residual ~1e-15) but ends 5.85 away from the minimum-norm solution, exactly at P_null x₀ + A⁺b "
               "(distance ~1e-14), with norm 5.96 instead of 1.15.", {"section": "min-norm", "start_scale": 2.0},
               name="min-norm-from-elsewhere"),
    Experiment("Break it: more equations than unknowns", "Set m = 12 and n = 6.", "A has full column rank: one "
               "least-squares solution (residual 2.01), and every start reaches it to ~1e-15: the null space is {0}.",
               {"section": "min-norm", "m": 12, "n": 6}, name="min-norm-overdetermined"),
    Experiment("Deeper is lower rank", "Compare the effective ranks and the test errors.", "Depth 1 fills only the "
               "observed entries (effective rank 12.9, test error 1.00); depth 2 reaches 4.6 (0.55), depth 3 2.86 "
               "(0.004): it recovers the matrix. Nuclear-norm SVT: 4.2 (0.44).", {"section": "matrix-completion"},
               name="deeper-is-lower-rank"),
    Experiment("Break it: a large initialization", "Set the initialization scale to 1.", "From a large start the "
               "singular values no longer grow one at a time: depth 3 loses its low-rank bias: it fits the observed "
               "entries with effective rank 10.6 and test error 1.01 (depth 2: 12.8 and 1.22), worse than SVT (4.2, "
               "0.44).",
               {"section": "matrix-completion", "init": 1.0}, name="large-initialization"),
    Experiment("Plenty of observations", "Observe 300 of the 400 entries (step 0.1).", "Now the convex baseline nearly "
               "recovers the matrix too (SVT: effective rank 3.0, test error 0.07; depth 2: 0.03; depth 3: 3e-4): "
               "depth matters most when observations are scarce.",
               {"section": "matrix-completion", "n_obs": 300, "step": 0.1}, name="plenty-of-observations"),
    Experiment("Weights fade", "Compare the two GD curves with the regularized ones.", "With weights ×3 the "
               "regularized "
               "solutions differ by 0.069 rad at α = 0.01 and stay apart for every α; weighted GD's angle to the SVM "
               "falls like 1/log t (0.084 rad after 5,000 iterations, 0.036 without weights) towards the same "
               "direction as without weights.",
               {"section": "weighting"}, name="weights-fade"),
    Experiment("Heavy weights, slower", "Set the weight to 10 and 20,000 iterations.", "The weighted direction still "
               "turns towards the SVM (0.10 rad after 20,000 iterations, the regularized one stays at 0.27), but the "
               "bounded offset is larger: the effect of the weights vanishes only asymptotically, like 1/log t.",
               {"section": "weighting", "weight": 10.0, "iterations": 20000}, name="heavy-weights"),
]

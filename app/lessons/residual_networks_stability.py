"""The stability experiment of the residual-networks page (pages/residual_networks.py, section "stability"): the
course's ``EResNet_Stability.m`` with ``numdl_core.resnet_stability``.

Parameter names are the keywords of ``numdl_core.resnet_stability.stability_experiment`` (``N``, ``n_grid``,
``activation``, ``seed``), so the page and the exported script call it with the same dict.
"""
from __future__ import annotations

import streamlit as st

from app.figures.resnet_stability import diagonal_figure, gap_figure, misfit_contours_figure
from app.lesson import Experiment
from app.panels import show
from app.params import SEED, Param
from numdl_core import resnet_stability as rs

__all__ = ["EXPERIMENTS", "PARAMS", "stability_section"]

N_LABELS = {5: "5 (h = 2)", 10: "10 (h = 1)", 20: "20 (h = 0.5)", 50: "50 (h = 0.2)", 100: "100 (h = 0.1)",
            200: "200 (h = 0.05, the targets')"}
PARAMS = [
    Param("N", "Layers N of the fitted network (h = 10/N)", "choice", 5, options=tuple(N_LABELS), labels=N_LABELS,
          widget="segmented", help="The course compares N = 5 (unstable) with N = 100 (stable); N = 200 made the "
                                   "targets."),
    Param("n_grid", "Grid points per axis", "choice", 101, options=(26, 51, 101), labels={101: "101 (the course)"},
          help="θ₁ and θ₂ on linspace(0.2, 2, n): n² networks, each run on the training and on the fresh inputs."),
    Param("activation", "Activation σ", "choice", "tanh", options=("tanh", "relu", "identity"),
          labels={"tanh": "tanh (the course)", "relu": "ReLU", "identity": "identity (linear)"}),
    SEED.but(help="Seeds the training and the fresh inputs (MATLAB's randn draws other numbers: the course's "
                  "minimizers are found for most seeds, within a grid cell)."),
]

EXPERIMENTS = [
    Experiment("N = 5 (h = 2) is unstable",
               "Fit the 5-layer network (h = 2). Where is the minimizer of the training misfit, and what is the "
               "misfit at the targets' own θ = (1, 1)? Compare the two panels.",
               "|1 + hλ| = |1 − 3·2| = 5 at θ = (1, 1): the coarse network explodes there (training misfit 26.4). Its "
               "best fit is in the far corner, θ* = (0.200, 0.218) (the course: (0.20, 0.22)), where |1 + hλ| = "
               "0.26 damps as the target does. The two panels differ by up to 27 (the |train − test| image): the "
               "landscape depends on the data, and θ* says nothing about the true θ.",
               {"section": "stability", "N": 5}, name="h-2-unstable"),
    Experiment("N = 100 (h = 0.1) is stable",
               "Fit the 100-layer network (h = 0.1). Where is the minimizer now, and how different are the training "
               "and the test landscapes?",
               "|1 + hλ| = 0.70: stable. θ* = (0.938, 0.938) (the course: (0.94, 0.94)), near (1, 1): forward Euler "
               "with h = 0.1 damps the mode λ = −3θ by (1 − 0.3θ)¹⁰⁰, equal to the targets' 0.85²⁰⁰ at θ = 0.925. "
               "The two panels look alike: the largest |train − test| is 5.8e-5 (the course: about 1e-4), and the "
               "misfits at θ* are 3.1e-10 (training) and 5.7e-10 (fresh inputs).",
               {"section": "stability", "N": 100}, name="n-100-stable"),
    Experiment("Where does the instability start?",
               "Step N through 10, 20 and 50 (and 100). How do the minimizer and the largest |train − test| move?",
               "N = 10 (h = 1): |1 − 3h| = 2, still unstable at (1, 1) (training misfit 4.0 there), θ* = (0.488, "
               "0.488) and |train − test| up to 9.7. Once stable near (1, 1), θ* walks towards it as h shrinks: N = 20 "
               "(|1 + hλ| = 0.5) (0.650, 0.632), N = 50 (0.830, 0.830), N = 100 (0.938, 0.938); the largest "
               "|train − test| falls to 0.017, 2.1e-4 and 5.8e-5.", {"section": "stability", "N": 10},
               name="stability-threshold"),
    Experiment("ReLU: nothing caps the growth",
               "Choose ReLU with N = 5. How large do the misfits get, and where is θ* now?",
               "tanh saturates, so the unstable tanh network's misfit stays below 160; ReLU is unbounded and the "
               "misfit reaches 2.5e6 (training) and 3.3e6 (fresh inputs), |train − test| up to 8.6e5, 611 at θ = (1, "
               "1). θ* = (0.308, 0.200), again a corner point with |1 + hλ| = 0.56 < 1.",
               {"section": "stability", "N": 5, "activation": "relu"}, name="stability-relu"),
    Experiment("The network that made the targets",
               "Choose N = 200. What is the misfit at θ = (1, 1)?",
               "Exactly 0 on both input sets: the targets are this network at θ = (1, 1). The grid has no point at "
               "(1, 1) (spacing 0.018), so the grid minimizer is a neighbour, (1.010, 0.992).",
               {"section": "stability", "N": 200}, name="stability-n-200"),
]


def _compute(N: int, n_grid: int, activation: str, seed: int) -> tuple[rs.StabilityResult, dict]:
    """The experiment with a progress bar (drawn inside, so that st.cache_data can replay it), and the cut along
    the diagonal for the course's three N."""
    bar = st.progress(0.0, text=f"Computing {n_grid ** 2:,} networks of {N} layers on 2 × 20 inputs …")
    result = rs.stability_experiment(N, n_grid=n_grid, activation=activation, seed=seed,
                                     progress=lambda f: bar.progress(f, text=f"Computing {n_grid ** 2:,} networks "
                                                                             f"of {N} layers … {f:.0%}"))
    bar.empty()
    problem = rs.stability_problem(activation=activation, seed=seed)
    diag = {n: rs.loss_along_diagonal(problem, n) for n in sorted({*rs.COURSE_N, N})}
    return result, diag


_cached = st.cache_data(max_entries=24, show_spinner=False)(_compute)


def stability_section(lesson) -> None:
    """The course's stability experiment: misfit landscapes over θ on training and on fresh inputs."""
    st.subheader("Why stability matters: fitting K(θ) with a coarse and a fine network")
    st.markdown(
        "Twenty examples of three features (**rows are examples**; the course stores them as columns and writes "
        "K Y), Y₀ = 0.1·randn. The targets C are made by the residual network with N = 200 layers, T = 10, at "
        "θ = (1, 1); then a network with N layers (h = 10/N) is fitted over a grid of θ by the misfit "
        "½‖Y_N(θ) − C‖²_F. K(θ) is the circulant below; K(1, 1) has the eigenvalues {0, −3, −3}.")
    st.latex(r"Y_{j+1} = Y_j + h \tanh(Y_j K(\theta)^\top),\quad K(\theta) = \begin{pmatrix} -\theta_1-\theta_2 & "
             r"\theta_1 & \theta_2 \\ \theta_2 & -\theta_1-\theta_2 & \theta_1 \\ \theta_1 & \theta_2 & "
             r"-\theta_1-\theta_2 \end{pmatrix},\quad |1 + h\lambda| \le 1")
    p = lesson.controls(PARAMS[:1])
    p.update(lesson.controls(PARAMS[1:], columns=3))
    res, diag = _cached(p["N"], p["n_grid"], p["activation"], p["seed"])
    g, num = res.grid, res.numbers
    factor = num["|1 + hλ| at θ = (1, 1), λ = −3"]
    m = st.columns([1, 1.7, 1.1, 1.1, 1.1])
    m[0].metric("|1 + hλ| at θ = (1, 1)", f"{factor:.3g}", "unstable" if factor > 1 else "stable",
                delta_color="inverse" if factor > 1 else "normal", help="λ = −3, h = 10/N; forward Euler is stable "
                "when |1 + hλ| ≤ 1 for every eigenvalue (λ = 0 gives 1 for every h).")
    m[1].metric("minimizer θ* (training)", f"({res.theta_min[0]:.3g}, {res.theta_min[1]:.3g})",
                help="The grid point of smallest training misfit. The course: (0.20, 0.22) for N = 5, (0.94, 0.94) "
                     "for N = 100.")
    m[2].metric("training misfit at θ*", f"{res.train_min:.2g}")
    m[3].metric("test misfit at θ*", f"{res.test_at_min:.2g}", help="The same network on 20 fresh inputs.")
    m[4].metric("largest |train − test|", f"{res.gap:.2g}", help="Over the grid (the course's 'abs. diff' image). "
                "The course: large for N = 5, about 1e-4 for N = 100.")
    show(misfit_contours_figure(g.theta, g.train, g.test, theta_min=res.theta_min,
                              title=f"Misfit ½‖Y_N(θ) − C‖²_F, N = {g.N}, h = {g.h:g} (log scale)"), "rn.stab.contours")
    c1, c2 = st.columns(2)
    show(gap_figure(g.theta, g.train, g.test, title="|train − test| (the course's abs. diff)"), "rn.stab.gap", c1)
    names = {n: f"N = {n}" for n in diag}
    t = next(iter(diag.values()))[0]
    show(diagonal_figure(t, {names[n]: d[1] for n, d in diag.items()}, {names[n]: d[2] for n, d in diag.items()},
                         title="Along θ₁ = θ₂ (solid: training, dotted: fresh)"), "rn.stab.diag", c2)
    factors = ", ".join(f"N = {n}: {rs.amplification(n)[1:].max():.3g}" for n in sorted({*rs.COURSE_N, g.N}))
    st.caption(f"|1 + hλ| at θ = (1, 1) for λ = −3: {factors}. On the diagonal K(t, t) has the eigenvalues "
               "{0, −3t, −3t}: the N = 5 network is stable only for t ≤ 1/3, so its best fit sits in the corner. "
               f"Misfit at θ = (1, 1): {num['train loss at θ = (1, 1)']:.3g} (training), "
               f"{num['test loss at θ = (1, 1)']:.3g} (fresh inputs). Seeds differ from the course's MATLAB draws.")
    lesson.numbers(num)

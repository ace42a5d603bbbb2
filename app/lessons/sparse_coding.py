"""The sparse-coding page's theory and its live sections "ista-fista" and "lista" (pages/sparse_coding.py).

ISTA against FISTA on a dictionary whose sparse code is planted (``numdl_core.theory.sparse.dictionary_problem``:
F* exact), the objective gap on a log-log plot with fitted slopes; LISTA's K layers trained by full-batch Adam
(backpropagation through the unrolled layers) against K iterations of ISTA and FISTA. Parameter names are the
keywords of ``dictionary_problem``, ``lista_problem``, ``ista`` / ``fista`` (``step``) and ``adam`` (``lr``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.compare import Setup
from app.figures.common import convergence_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.panels import live_table, show
from app.params import SEED, log_options
from numdl_core.theory import sparse as sp

__all__ = ["THEORY", "EXPERIMENTS", "PROBLEM", "SWITCHES", "STEP", "LISTA_PARAMS", "LR", "COMPARE", "compare_make",
           "ista_fista_section", "lista_section"]

THEORY = (
    "**Sparse coding**: find a code x with few nonzeros such that the dictionary A (its columns are the *atoms*) "
    "reproduces the signal b, by minimizing F below. **ISTA** is a gradient step on the smooth part followed by "
    "soft thresholding S_λ, the proximal map of λ‖·‖₁; **FISTA** (Beck and Teboulle 2009) extrapolates with "
    "Nesterov's momentum at the same cost and improves the worst-case rate of F(x_k) − F* from O(1/k) to O(1/k²). "
    "**LISTA** (Gregor and LeCun 2010) unrolls K iterations into a K-layer network with the weights (W_e, S, θ) "
    "free, and trains them on example signals; started at the ISTA weights it *is* K steps of ISTA, and after "
    "training it beats ISTA and FISTA at the same depth on signals like those it was trained on. S_λ is two "
    "biased ReLUs, so the forward pass of a ReLU network is layered thresholding in a multi-layer sparse model "
    "(Papyan, Romano and Elad 2017). A **convolutional dictionary** D x = Σ_k d_k ∗ x_k is diagonalized by the "
    "FFT; atoms can be **learned** from data by alternating sparse coding and a dictionary update (Olshausen and "
    "Field 1996). **Rows are examples** where several signals are coded at once; one signal is a column vector as "
    "in the papers.",
    [r"F(x) = \tfrac12\|Ax - b\|^2 + \lambda\|x\|_1,\qquad S_\tau(v) = \mathrm{sign}(v)\max(|v| - \tau, 0) = "
     r"\mathrm{relu}(v - \tau) - \mathrm{relu}(-v - \tau)",
     r"\text{ISTA: } x_{k+1} = S_{t\lambda}\big(x_k - tA^\top(Ax_k - b)\big),\qquad F(x_k) - F^* \le "
     r"\frac{L\|x_0 - x^*\|^2}{2k}\quad (t = 1/L,\ L = \|A\|_2^2)",
     r"\text{FISTA: } x_k = S_{t\lambda}\big(y_k - tA^\top(Ay_k - b)\big),\quad t_{k+1} = \tfrac{1 + \sqrt{1 + "
     r"4t_k^2}}2,\quad y_{k+1} = x_k + \tfrac{t_k - 1}{t_{k+1}}(x_k - x_{k-1})",
     r"F(x_k) - F^* \le \frac{2L\|x_0 - x^*\|^2}{(k+1)^2}\quad\text{(FISTA, } t = 1/L)",
     r"\text{LISTA: } x_{l+1} = S_\theta(W_e b + S x_l),\ l = 0..K-1,\qquad \min_{W_e, S, \theta}\ \frac1{2N}"
     r"\sum_i \|x_K(b_i) - x^*(b_i)\|^2",
     r"\text{ISTA as LISTA: } W_e = \tfrac{A^\top}L,\quad S = I - \tfrac{A^\top A}L,\quad \theta = \tfrac\lambda L"],
    "A. Beck and M. Teboulle (2009), A fast iterative shrinkage-thresholding algorithm for linear inverse problems, "
    "SIAM J. Imaging Sciences 2(1); K. Gregor and Y. LeCun (2010), Learning fast approximations of sparse coding, "
    "ICML; V. Papyan, Y. Romano and M. Elad (2017), Convolutional neural networks analyzed via convolutional sparse "
    "coding, JMLR 18; B. A. Olshausen and D. J. Field (1996), Emergence of simple-cell receptive field properties "
    "by learning a sparse code for natural images, Nature 381; K. Engan, S. O. Aase and J. H. Husøy (1999), Method "
    "of optimal directions for frame design, ICASSP.")

DECAYS = {0.0: "0 (orthogonal: κ = 1)", 0.5: "0.5", 1.0: "1 (κ = n)", 1.5: "1.5", 2.0: "2 (κ = n²)"}
PROBLEM = [Param("n", "Atoms n (= signal length)", "int", 400, lo=100, hi=800, step=100),
           Param("decay", "Singular values s_j = j^−p: p", "choice", 1.0, options=tuple(DECAYS), labels=DECAYS,
                 help="p = 0: an orthogonal dictionary; larger p: more ill-conditioned (κ = n^p)."),
           Param("coef_decay", "Code spectrum |c_j| = j^−q: q", "choice", 0.5, options=(0.0, 0.25, 0.5, 1.0, 1.5),
                 help="x* = V c in the right singular vectors of A. q = ½ spreads the error over the spectrum as in "
                      "the worst case (ISTA ~ 1/k, FISTA ~ 1/k²); larger q puts it on the well-conditioned atoms."),
           Param("lam", "λ (L1 weight)", "log", 0.01, options=log_options(1e-4, 1.0, 2)),
           Param("zeros", "Zeros in x*", "choice", 0.0, options=(0.0, 0.5, 0.9),
                 labels={0.0: "none (dense)", 0.5: "50%", 0.9: "90%"}), SEED]
SWITCHES = [Param("run_ista", "ISTA", "bool", True), Param("run_fista", "FISTA", "bool", True)]
STEP = Param("step", "Step t (× 1/L; L = ‖A‖² = 1)", "choice", 1.0, options=(0.25, 0.5, 1.0, 1.5, 1.9, 2.1, 3.0),
             role="tunable", help="ISTA converges for t < 2/L, FISTA's guarantee needs t ≤ 1/L. Change it while the "
                                  "run plays.")
METHODS = {"run_ista": ("ISTA", "ista"), "run_fista": ("FISTA", "fista")}
MAX_ITER = 2000
WINDOW = 20  # the slopes are fitted from k = 20 on
BLOWUP = 1e6  # a gap growing above 1e6 x F(0) counts as diverged
COMPARE = [Param("method", "Method", "choice", "ista", options=("ista", "fista"),
                 labels={"ista": "ISTA", "fista": "FISTA"}),
           STEP.but(role="structure"), PROBLEM[3]]  # compare mode: method, step and λ
GAP_TARGET = 1e-6  # compare mode: iterations until F(x_k) − F* ≤ 1e-6 (FISTA 609, ISTA not within 2000 by default)

LISTA_PARAMS = [Param("n_layers", "Layers K", "int", 5, lo=1, hi=10),
                Param("lam", "λ", "choice", 0.1, options=(0.05, 0.1, 0.2, 0.5)),
                Param("density", "Nonzeros per true code", "choice", 0.1, options=(0.05, 0.1, 0.2, 0.3),
                      labels={0.05: "5%", 0.1: "10%", 0.2: "20%", 0.3: "30%"}),
                Param("n_train", "Training signals", "choice", 400, options=(50, 100, 400, 1000)), SEED]
LR = Param("lr", "Adam learning rate η", "log", 1e-3, options=(1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 1.0),
           role="tunable", help="Full-batch Adam on the LISTA loss; change it while the run plays.")
LISTA_MAX = 1000  # Adam steps of a run
ISTA_MAX = 300  # ISTA / FISTA iterations of the baseline curves (how many ISTA steps match LISTA's K layers)
cached = st.cache_data(max_entries=8, show_spinner=False)


def compare_make(p: dict) -> Setup:
    """One configuration of the compare panel: ISTA or FISTA (step, λ) on the page's planted problem, with its
    objective gap F(x_k) − F* (F* depends on λ: the problem is planted for it)."""
    P = cached(sp.dictionary_problem)(**{k: p[k] for k in ("n", "decay", "coef_decay", "lam", "zeros", "seed")})
    Fs = P.F_star
    return Setup(Solver(getattr(sp, p["method"]), P.A, P.b, lam=P.lam, blowup=BLOWUP), value=lambda s: s.loss - Fs)


def ista_fista_section(lesson: Lesson):
    st.subheader("ISTA against FISTA: O(1/k) against O(1/k²)")
    p = lesson.controls(PROBLEM, columns=6)
    on = lesson.controls(SWITCHES, columns=2)
    lesson.controls([STEP])
    keys = [k for k in METHODS if on[k]]
    if not keys:
        return st.warning("Switch on at least one method.")
    P = cached(sp.dictionary_problem)(**{k: p[k] for k in ("n", "decay", "coef_decay", "lam", "zeros", "seed")})
    Fs = P.F_star

    def draw(run) -> None:
        curves, fits = {}, {}
        for n, s in run.series.items():
            k, gap = np.asarray(s.history["iteration"], float), np.asarray(s.history["gap"], float)
            curves[n] = (k, gap)
            slope = sp.loglog_slope(k, gap, WINDOW)
            if np.isfinite(slope):
                w = (k >= WINDOW) & (gap > 0) & np.isfinite(gap)
                c = np.exp(np.mean(np.log(gap[w]) - slope * np.log(k[w])))
                kk = np.geomspace(WINDOW, max(k[-1], WINDOW + 1), 40)
                fits[f"{n} fit: k^{slope:.2f}"] = (kk, c * kk ** slope)
        show(convergence_figure(curves, log_x=True, theory=fits, x_title="iteration k", y_title="F(x_k) − F*",
                                title="Objective gap (dashed: least-squares fits over k ≥ 20)", events=run.events,
                                diverged={n: s.iteration for n, s in run.series.items() if s.status == "diverged"}),
             "sc.fig.ista.gap")
        live_table(pd.DataFrame(rows(run)))
        st.caption(f"Frame compute time {run.frame_ms:.0f} ms. F* = {Fs:.6g} from the planted minimizer (exact). "
                   "Bounds at k: ISTA L‖x*‖²/(2k), FISTA 2L‖x*‖²/(k+1)².")

    def rows(run) -> list:
        R2 = float(P.x_star @ P.x_star)
        out = []
        for n, s in run.series.items():
            k = max(s.iteration, 1)
            bound = R2 / (2 * k) if n == "ISTA" else 2 * R2 / (k + 1) ** 2
            out.append({"method": n, "k": s.iteration, "gap": f"{s.last.loss - Fs:.3e}", "bound": f"{bound:.3e}",
                        "slope (k ≥ 20)": f"{sp.loglog_slope(s.history['iteration'], s.history['gap'], WINDOW):.3f}",
                        "zeros in x_k": s.last.info.get("zeros", 0), "status": s.status})
        return out

    solvers = {METHODS[k][0]: Solver(getattr(sp, METHODS[k][1]), P.A, P.b, lam=P.lam, blowup=BLOWUP) for k in keys}
    run = lesson.live("run", solvers, draw, max_iter=MAX_ITER, default_speed=20, max_points=MAX_ITER + 10,
                      metrics=lambda n, s: {"gap": s.loss - Fs},
                      diverged_hint="the step is too large: ISTA needs t < 2/L (here 2), FISTA t ≤ 1/L.")
    lesson.compare("methods", compare_make, COMPARE, {"method": "fista"}, max_iter=MAX_ITER, target=GAP_TARGET,
                   value_label="final gap", y_title="F(x_k) − F*", work_label="products with A or Aᵀ")
    st.caption(f"A = U diag(j^−p) Vᵀ with random orthogonal U, V (n = {p['n']}, condition number "
               f"{P.singular_values[0] / P.singular_values[-1]:.3g}); x* planted, b = Ax* + λA^−ᵀg so that x* is the "
               f"minimizer ({int(np.sum(P.x_star == 0))} zeros). Slopes: least squares of log gap on log k, k ≥ 20. "
               "The rates are for k ≪ n: after about n steps FISTA has resolved even the smallest singular value "
               "(1/n) and speeds up.")
    numbers = {"F*": Fs}
    for n, s in run.series.items():
        gap = s.last.loss - Fs
        numbers[f"{n} gap"] = gap
        numbers[f"{n} slope"] = sp.loglog_slope(s.history["iteration"], s.history["gap"], WINDOW)
    lesson.numbers({k: v for k, v in numbers.items() if np.isfinite(v)})
    return run, solvers, {"solvers": {n: [METHODS[k][1], solvers[n].kwargs(lesson.params)] for k in keys
                                      for n in [METHODS[k][0]]}}


@st.cache_data(max_entries=8, show_spinner="Optimal codes of the signals (FISTA + optimality conditions, cached) …")
def _lista(n_layers: int, lam: float, density: float, n_train: int, seed: int):
    P = sp.lista_problem(n_layers=n_layers, lam=lam, density=density, n_train=n_train, seed=seed)
    return P, P.gap_curves(ISTA_MAX)


def lista_section(lesson: Lesson):
    st.subheader("LISTA: K unrolled ISTA steps with trained weights")
    p = lesson.controls(LISTA_PARAMS, columns=5)
    lesson.controls([LR])
    P, curves = _lista(p["n_layers"], p["lam"], p["density"], p["n_train"], p["seed"])
    K, shown = p["n_layers"], 3 * p["n_layers"]

    def draw(run) -> None:
        s = run.series["LISTA"]
        c1, c2 = st.columns(2)
        show(convergence_figure({"LISTA": (s.history["iteration"], s.history["loss"])}, x_title="Adam step",
                                y_title="½‖x_K − x*‖² (mean)", title="Training loss", events=run.events,
                                diverged={"LISTA": s.iteration} if s.status == "diverged" else None),
             "sc.fig.lista.loss", c1)
        ks = np.arange(1, shown + 1)
        trained = P.gap_curves(K, s.last.x)["LISTA"] if np.all(np.isfinite(s.last.x)) else np.full(K, np.nan)
        show(convergence_figure({"ISTA": (ks, curves["ISTA"][:shown]), "FISTA": (ks, curves["FISTA"][:shown]),
                                 f"LISTA (trained for K = {K})": (ks[:K], trained)}, x_title="layers / iterations k",
                                y_title="mean F(x_k) − F*", title=f"Test gap (200 new signals); LISTA is trained at "
                                f"k = {K}"), "sc.fig.lista.gap", c2)
        st.caption(f"Frame compute time {run.frame_ms:.0f} ms. LISTA's curve: its trained layer applied k = 1 … "
                   f"{K} times (it shares one W_e, S, θ over the layers, as in Gregor and LeCun); ISTA and FISTA "
                   f"continue to k = {shown}.")

    solvers = {"LISTA": Solver("adam", P.model, P.theta0, batch_size=None)}
    run = lesson.live("run", solvers, draw, max_iter=LISTA_MAX, default_speed=5, max_points=400,
                      diverged_hint="the learning rate is too large for these weights: lower η.")
    s = run.series["LISTA"]
    st.caption(f"Dictionary: 20 × 40, unit-norm Gaussian atoms; signals b = Ax + 0.01·noise, x Bernoulli({p['density']}"
               f")-Gaussian; targets x*(b) exact: FISTA finds the support and signs, then Aₛᵀ(b − Ax) = λ sign(xₛ) is "
               f"solved on the support and the optimality conditions checked ({P.certified:.1%} certified). "
               f"{P.model.n_params} weights (W_e 40 × 20, S 40 × 40, θ ∈ R⁴⁰), "
               f"{p['n_train']} training signals, started at ISTA's weights; Adam on the full batch.")
    numbers = P.numbers(s.last.x, ISTA_MAX, curves) if np.all(np.isfinite(s.last.x)) else {}
    lesson.numbers(numbers, show=True)
    if np.all(np.isfinite(s.last.x)):
        with st.expander("Check: backpropagation through the K layers (Taylor test at the current weights)"):
            taylor = P.model.taylor_check(s.last.x, seed=p["seed"])
            lesson.check(taylor, key="sc.lista.taylor")
            st.caption("v = 0.1·randn. The loss is piecewise smooth (the kinks of S_θ); for small h no entry crosses "
                       "a kink and E1 falls like h².")
        lesson.numbers({"LISTA gradient E1 order": taylor.order})
    return run, solvers, {}


EXPERIMENTS = [
    Experiment("O(1/k) and O(1/k²)", "Play to k = 500 with both methods. Read the fitted slopes.",
               "On the defaults (n = 400, p = 1, q = ½, dense x*) ISTA's gap falls with slope −1.04 and FISTA's with "
               "−2.01 over 20 ≤ k ≤ 550; FISTA is below ISTA at every k ≥ 2 (at k = 20: 1.1e-3 against 4.8e-3, at "
               "k = 500: 1.8e-6 against 1.7e-4). Both stay under their theorems' bounds (the table).",
               {"section": "ista-fista", "speed": 50},
               name="ista-vs-fista-rates"),
    Experiment("Break it: an orthogonal dictionary", "Set p = 0 (orthogonal A, κ = 1) and press Step.",
               "With AᵀA = I the problem separates into n one-dimensional ones and ISTA with t = 1/L solves it in one "
               "step: the gap is 0 (round-off) at k = 1. The O(1/k) and O(1/k²) rates are worst cases; they appear "
               "when the error is spread over many small singular values.", {"section": "ista-fista",
                                                                            "decay": 0.0}, name="orthogonal-breaks-it"),
    Experiment("Break it: a well-aligned code", "Set q = 1.5 (the code lives on the large singular values).",
               "Most of x* now lies where A is well conditioned: the gaps start 10 times smaller and ISTA's slope "
               "steepens to −1.57, while FISTA's is −1.79 (at k = 550: 4.5e-7 and 1.1e-8). The rates are upper "
               "bounds for the worst case; on an easier problem the curves need not be straight lines of slope −1 "
               "and −2.",
               {"section": "ista-fista", "coef_decay": 1.5, "speed": 50}, name="aligned-code"),
    Experiment("A sparse code", "Set 90% zeros in x* and play to k = 500.",
               "360 of the 400 entries of x* are 0. ISTA still falls like 1/k (slope −1.06 over 20 ≤ k ≤ 550): the "
               "40 active atoms still reach the small singular values. FISTA falls faster than 1/k² (slope −2.96, "
               "gap 3.8e-8 at k = 550) once its iterates have found the zeros (the table counts them). The rates are "
               "guarantees, not predictions.", {"section": "ista-fista", "zeros": 0.9, "speed": 50},
               name="sparse-code"),
    Experiment("Too large a step", "Set t = 2.1 and press Play.",
               "ISTA multiplies the error along the top singular vector by |1 − t s₁²| = 1.1 per step: its objective "
               "grows above 10⁶ times F(0), diverged at iteration 141; FISTA's momentum makes it diverge at 16. "
               "t < 2/L is ISTA's limit, t ≤ 1/L FISTA's guarantee.",
               {"section": "ista-fista", "step": 2.1, "speed": 50}, name="step-too-large"),
    Experiment("Train LISTA", "Play 300 Adam steps and watch the test gap at k = K.",
               "Started at ISTA's weights the LISTA curve lies on ISTA's. After 310 full-batch Adam steps (η = 1e-3) "
               "5 LISTA layers reach a mean test gap of 0.078, below FISTA's 0.125 and ISTA's 0.155 after 5 "
               "iterations: ISTA needs 13 iterations for that.", {"section": "lista", "speed": 10},
               name="lista-training"),
    Experiment("Break it: too few training signals", "Set 50 training signals and train 300 steps.",
               "2,440 weights and 50 signals: the training loss falls to 0.003, but after 310 steps the test gap is "
               "0.27, worse than 5 plain ISTA steps (0.168): the layers memorized the training signals. LISTA's "
               "advantage holds only for signals like those it was trained on, and enough of them.",
               {"section": "lista", "n_train": 50, "speed": 10}, name="lista-overfits"),
]

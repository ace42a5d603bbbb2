"""Page support of the introduction to theory (pages/intro_theory.py): the theory panel, universal approximation
(one hidden layer, error against width) and the autoencoder against PCA (live), with their presets.

The page lists the sections in its SECTIONS literal and calls :func:`approximation_section` (returns None) and
:func:`autoencoder_section` (returns ``(run, solvers, extra)``); the optimizer race is in
``app/lessons/intro_theory_zoo.py``. Parameter names are the keywords of ``numdl_core.theory.intro``
(``approximation_study``: ``name``, ``width``, ``activation``; ``curve_data``: ``n``, ``noise``, ``seed``) and of
``numdl_core.optim.adam`` (``lr``). Exports: ``app/exports/theory_intro.py``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.common import convergence_figure, decimate
from app.figures.theory_intro import autoencoder_figure, fit_figure, width_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.panels import live_table, show
from app.params import SEED
from numdl_core.theory import intro

__all__ = ["THEORY", "APPROX", "DRAWN", "AE", "EXPERIMENTS", "approximation_section", "autoencoder_section"]

THEORY = (
    "Three claims that open the theory of deep learning. **Universal approximation**: a network with *one* hidden "
    "layer, f̂(x) = Σⱼ aⱼ σ(wⱼx + bⱼ) + a₀, approximates any continuous function on an interval as closely as we "
    "like, given enough units, for any non-polynomial σ (Cybenko 1989 for sigmoids; Hornik, Stinchcombe and White "
    "1989; Leshno et al. 1993). The theorem says nothing about *how many*: the page measures the error against the "
    "width m and the slope of that line on log-log axes. Here the hidden units are drawn (one knot per cell of "
    "[−1, 1]) and the output layer is solved by least squares — the best output layer for those units.\n\n"
    "**The optimizer zoo** (Ruder 2016): gradient descent, momentum (Polyak), Nesterov, AdaGrad, RMSprop and Adam "
    "differ in how they turn gradients into steps. Momentum averages directions, the adaptive methods divide by "
    "a running size of each coordinate's gradient. On a curved valley, a saddle and an ill-conditioned quadratic "
    "they behave very differently — and each has a step size above which it diverges.\n\n"
    "**Autoencoders as nonlinear PCA** (Kramer 1991): a network x → σ → z → σ → x̂ with a 1-unit bottleneck z learns "
    "a *curve* through the data, where PCA finds the best *line*. With linear σ the autoencoder can do no better "
    "than PCA, and at its minimum it spans exactly PCA's subspace (Baldi and Hornik 1989). **Rows are examples** "
    "(the course writes examples as columns).",
    [r"\hat f(x) = \sum_{j=1}^m a_j\,\sigma\big(w_j (x - c_j)\big) + a_0,\qquad \|\hat f - f\|_{L^2} \approx C\,m^{s}",
     r"v_{k+1} = \mu v_k - \eta g_k;\quad E_k = \rho E_{k-1} + (1-\rho) g_k^2,\ \ "
     r"\theta_{k+1} = \theta_k - \eta\, g_k/(\sqrt{E_k} + \epsilon)\ \ \text{(RMSprop)}",
     r"\min_\theta \tfrac1{2n}\|\sigma(\sigma(XW_1)W_2\,W_3)W_4 - X\|_F^2\ \ \text{vs.}\ \ "
     r"\min_{\mathrm{rank}\,k} \|X - \hat X\|_F^2 = \textstyle\sum_{i>k}\sigma_i^2 \ \ \text{(PCA)}"],
    "G. Cybenko (1989), Math. Control Signals Systems 2; K. Hornik, M. Stinchcombe and H. White (1989), Neural "
    "Networks 2; M. Leshno, V. Lin, A. Pinkus and S. Schocken (1993), Neural Networks 6; S. Ruder (2016), An overview "
    "of gradient descent optimization algorithms, arXiv:1609.04747; M. A. Kramer (1991), Nonlinear principal "
    "component analysis using autoassociative neural networks, AIChE J. 37; P. Baldi and K. Hornik (1989), Neural "
    "Networks 2.")

TARGET_LABELS = {"sine": "sin 2πx", "step": "step", "abs": "|x|", "drawn": "drawn curve"}
ACT_LABELS = {"relu": "ReLU", "tanh": "tanh", "linear": "linear (breaks it)"}
APPROX = [Param("name", "Target f", "choice", "sine", options=intro.TARGETS, labels=TARGET_LABELS, widget="segmented"),
          Param("activation", "Activation σ", "choice", "relu", options=intro.ACTIVATIONS, labels=ACT_LABELS,
                widget="segmented"),
          Param("width", "Width m (hidden units)", "int", 8, lo=1, hi=256), SEED]
DRAWN_DEFAULT = (0.0, 0.8, -0.2, -0.6, 0.5, 0.9, 0.1)
DRAWN = [Param(f"p{i}", f"y{i + 1}", "float", v, lo=-1.0, hi=1.0, step=0.1,
               help=f"The drawn curve's value at x = {-1 + i / 3:.2f}; the curve interpolates them linearly.")
         for i, v in enumerate(DRAWN_DEFAULT)]
CURVE_LABELS = {"arc": "arc (2-D)", "wave": "wave (2-D)", "helix": "helix (3-D)"}
AE = [Param("curve", "Data", "choice", "arc", options=intro.CURVES, labels=CURVE_LABELS, widget="segmented"),
      Param("n", "Points", "choice", 200, options=(100, 200, 400)),
      Param("noise", "Noise σ", "choice", 0.05, options=(0.0, 0.02, 0.05, 0.1, 0.2)),
      Param("hidden", "Hidden units (each side)", "choice", 16, options=(2, 4, 8, 16, 32)),
      Param("activation", "Activation", "choice", "tanh", options=("tanh", "linear"),
            labels={"tanh": "tanh", "linear": "linear (= PCA)"}), SEED]
LR = Param("lr", "Adam η", "log", 0.01, options=(0.001, 0.003, 0.01, 0.03, 0.1, 0.3), role="tunable")
MAX_ITER = 20000

cached = st.cache_data(max_entries=32, show_spinner=False)


def approximation_section(lesson: Lesson) -> None:
    st.subheader("Universal approximation: one hidden layer, growing width")
    p = lesson.controls(APPROX[:2], columns=2)
    p.update(lesson.controls(APPROX[2:], columns=2))
    with st.expander("Draw the curve (target 'drawn curve')", expanded=p["name"] == "drawn", icon=":material/edit:"):
        pts = lesson.controls(DRAWN, columns=7, disabled=() if p["name"] == "drawn" else tuple(q.name for q in DRAWN))
    points = tuple(pts[q.name] for q in DRAWN)
    s = cached(intro.approximation_study)(p["name"], p["width"], activation=p["activation"], points=points,
                                          seed=p["seed"])
    x = np.linspace(-1, 1, 801)
    c1, c2 = st.columns(2)
    nodes = (np.linspace(-1, 1, len(points)), points) if p["name"] == "drawn" else None
    show(fit_figure(x, intro.target(p["name"], x, points), s.fit.predict(x), nodes=nodes,
                    title=f"Width {p['width']}: the fit"), "t0.fig.approx.fit", c1)
    show(width_figure(s.widths, s.rms, s.max_error, s.slope, s.intercept, current=p["width"],
                      title="Error against width (log-log)"), "t0.fig.approx.width", c2)
    m = st.columns(4)
    for col, (k, v) in zip(m, s.numbers.items()):
        col.metric(k, f"{v:.3g}")
    verdict = ("the error does not fall with width: a linear σ makes every network an affine function of x"
               if abs(s.slope) < 0.1 else f"the error falls like m^{s.slope:.2f}")
    st.caption(f"Slope fitted over widths 8 … {s.widths[-1]} (2001 test points, 1000 training points): {verdict}. "
               "ReLU units make a piecewise-linear spline: a smooth target is approximated at rate m⁻², a kink "
               "costs a little, a jump leaves an error O(1) on an interval of length ~1/m (rms rate m^−½).")
    lesson.numbers(s.numbers)


def autoencoder_section(lesson: Lesson):
    st.subheader("An autoencoder as nonlinear PCA")
    p = lesson.controls(AE[:1])
    p.update(lesson.controls(AE[1:], columns=5))
    lesson.controls([LR])
    X = cached(intro.curve_data)(p["curve"], p["n"], p["noise"], p["seed"])
    P = cached(intro.pca)(X, 1)
    M = intro.Autoencoder(X, p["hidden"], 1, p["activation"])
    check = cached(intro.linear_autoencoder_vs_pca)(X, 1)
    t = (X - P.mean) @ P.components[0]
    line = P.mean + np.outer(np.linspace(t.min(), t.max(), 2), P.components[0])

    def draw(run) -> None:
        s = next(iter(run.series.values()))
        c1, c2 = st.columns([3, 2])
        curve = None
        if np.all(np.isfinite(s.last.x)):
            z = M.encode(s.last.x)
            curve = M.decode(s.last.x, np.linspace(z.min(), z.max(), 80)[:, None])
        show(autoencoder_figure(X, curve, line, title=f"Adam iteration {s.iteration}: the autoencoder's curve and "
                                "PCA's line"), "t0.fig.ae.curve", c1)
        it = np.asarray(s.history["iteration"], float)
        show(convergence_figure({"autoencoder": decimate(it, 2 * np.asarray(s.history["loss"]), 80, log=True),
                                 "PCA (best line)": (it[[0, -1]], np.full(2, P.error))}, y_title="mean ‖x̂ − x‖²",
                                title="Reconstruction error", events=run.events,
                                diverged={"autoencoder": s.iteration} if s.status == "diverged" else None),
             "t0.fig.ae.error", c2)
        live_table(pd.DataFrame([{"iteration": s.iteration, "autoencoder error": f"{2 * s.last.loss:.4g}",
                                  "PCA error": f"{P.error:.4g}", "ratio AE/PCA": f"{2 * s.last.loss / P.error:.3g}"}]))

    solvers = {"Adam": Solver("adam", M, M.init(p["seed"]), batch_size=None)}
    run = lesson.live("ae", solvers, draw, max_iter=MAX_ITER, default_speed=20, max_points=200,
                      diverged_hint="Adam's step η is too large for these weights; lower η.")
    angle = check["largest principal angle (rad)"]
    ok = angle < 1e-6
    (st.success if ok else st.error)(
        f"Linear autoencoder = PCA: trained to its minimum (L-BFGS, {check['iterations']:.0f} iterations), its decoder "
        f"spans PCA's line up to a principal angle of {angle:.1e} rad; errors {check['linear AE error']:.6g} "
        f"(autoencoder) and {check['PCA error']:.6g} (PCA, Σ_{{i>1}} σᵢ²/n).")
    st.caption(f"{M.n_params} weights: {X.shape[1]} → {p['hidden']} → 1 → {p['hidden']} → {X.shape[1]}, full-batch "
               "Adam from Glorot-scaled weights. The curve is the decoder over the range of the codes of the data. "
               "Choose 'linear' to see the live autoencoder settle on PCA's error.")
    with np.errstate(all="ignore"):
        numbers = {"PCA error": P.error, "linear AE error (L-BFGS)": check["linear AE error"],
                   "linear AE spans PCA's subspace (angle < 1e-6)": float(ok),
                   "autoencoder error": 2 * run.series["Adam"].last.loss}
    lesson.numbers({k: v for k, v in numbers.items() if np.isfinite(v)})
    return run, solvers, {}


EXPERIMENTS = [
    Experiment("Smooth, kinked, jump", "With ReLU, compare the slopes for sin 2πx, |x| and the step.",
               "sin 2πx: slope −1.87 (the spline rate m⁻², rms 1.5e-4 at m = 256); |x|: −1.91 (a knot lands near the "
               "kink); step: −0.55 — the jump leaves an O(1) error on an interval of width ~1/m, so the rms error "
               "falls only like m^−½ (4e-2 at 256). Universal approximation holds for all three; the rate does not.",
               {"section": "approximation", "name": "step"}, name="step-rate"),
    Experiment("Break it: a linear activation", "Choose the linear activation and move the width from 1 to 256.",
               "Nothing changes: every unit is affine, so the network is a + bx at any width; the error stays at the "
               "best line's 0.65 (slope 0.00). σ must be non-polynomial (Leshno et al. 1993).",
               {"section": "approximation", "activation": "linear"}, name="linear-breaks-it"),
    Experiment("Too few neurons", "Choose the drawn curve (7 control points, 5 corners inside) and lower the width "
               "to 3. Then try 8 and 16, and move the sliders.",
               "With 3 units a ReLU net has at most 3 kinks: it cannot follow 5 corners (rms 0.17, max 0.47). Width 8: "
               "rms 0.099; width 16: 0.029; the slope is −1.71 — a piecewise-linear target is matched once a knot "
               "lands near each corner. Nothing you draw is evaluated: the curve is the linear interpolant of the "
               "slider values.", {"section": "approximation", "name": "drawn", "width": 3}, name="too-few-neurons"),
    Experiment("A curve, not a line", "Play the autoencoder on the arc for ~2000 iterations.",
               "The 1-D curve follows the arc: its reconstruction error falls to 0.0031 after 2000 iterations (about "
               "the noise across the curve, σ² = 0.0025), 36 times below PCA's 0.111 — PCA can only project onto a "
               "line through the middle.", {"section": "autoencoder", "curve": "arc", "speed": 50},
               name="autoencoder-arc"),
    Experiment("Linear autoencoder = PCA", "Choose the linear activation and play.",
               "The live autoencoder's error falls to PCA's 0.110922 and never below; Adam stops converged at "
               "iteration 432. A linear encoder and decoder reconstruct on a line, and the best line is PCA's "
               "(Eckart-Young). The green box checks it exactly: the L-BFGS minimum spans PCA's line to a principal "
               "angle ~1e-10.",
               {"section": "autoencoder", "activation": "linear", "speed": 50}, name="linear-autoencoder-is-pca"),
    Experiment("A helix in 3-D", "Choose the helix and play.",
               "PCA's best line leaves most of the helix unexplained (error 0.74); the autoencoder's curve winds "
               "along it, at 0.015 after 3000 iterations (50 times lower). Rotate the 3-D view.",
               {"section": "autoencoder", "curve": "helix", "speed": 50}, name="autoencoder-helix"),
    Experiment("Break it: too narrow a network", "Keep the helix and set 2 hidden units on each side; play 3000 "
               "iterations, then compare with 4 and 16.",
               "Two tanh units can bend the decoder's curve only twice: the error stalls near 0.45 (PCA: 0.74, so "
               "barely better than a line); 4 units reach 0.13 and 16 units 0.015 after 3000 iterations. Kramer's "
               "nonlinear PCA needs enough units in its mapping and demapping layers — universal approximation "
               "again, inside the autoencoder.", {"section": "autoencoder", "curve": "helix", "hidden": 2,
                                                   "speed": 50}, name="autoencoder-too-narrow"),
]

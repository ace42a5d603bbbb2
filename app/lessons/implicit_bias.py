"""The implicit-bias page's theory and its live section "margin" (pages/implicit_bias.py): gradient descent on the
unregularized logistic loss over separable 2-D data turns towards the hard-margin SVM (Soudry et al. 2018), with the
angle, ‖w‖ and the loss against their theory curves.

The page lists the sections in its SECTIONS literal, adds :data:`EXPERIMENTS` to its presets, shows :data:`THEORY`
and calls :func:`margin_section` (returns ``(run, solvers, extra)``). Parameter names are the keywords of
``numdl_core.theory.implicit_bias.separable_data`` (``n``, ``margin``, ``spread``, ``seed``) and of ``logistic_gd``
(``step``); ``flipped`` flips the labels of the first points (the data stop being separable).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.theory_implicit_bias import curves_figure, margin_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.owndata import own_data
from app.panels import live_table, show
from app.params import SEED
from numdl_core.theory import implicit_bias as ib

__all__ = ["THEORY", "EXPERIMENTS", "DATA", "TUNE", "MAX_ADDED", "make_data", "added_points", "watched_gd",
           "margin_section"]

THEORY = (
    "Many solutions fit the data; **which one gradient descent returns** is decided by the algorithm, not by the loss. "
    "**Rows are examples.** (1) On linearly separable data the logistic loss has no minimizer: its infimum 0 is "
    "approached as ‖w‖ → ∞. Soudry, Hoffer, Nacson, Gunasekar and Srebro (2018) show that gradient descent (no bias, "
    "step η < 2/L) still picks a *direction*: w(t) = ŵ log t + ρ(t) with ρ bounded, ŵ the **hard-margin SVM**. So "
    "‖w‖ grows like ‖ŵ‖ log t, the loss falls like ‖ŵ‖²/(ηt) and the angle to the SVM direction decays only like "
    "1/log t. It fails when the data are not separable (a finite minimizer exists) or when the direction is compared "
    "with an SVM with a bias (the claim is about classifiers through the origin). (2) Least squares with more "
    "unknowns than equations: gradient descent never leaves x₀ + row space(A), so from 0 it reaches the "
    "**minimum-norm** solution A⁺b. (3) Matrix completion with W = W_N⋯W₁ from a small start: the singular values "
    "grow one at a time, and deeper products give **lower (effective) rank** than the nuclear norm, the convex "
    "baseline (Gunasekar et al. 2017; Arora, Cohen, Hu and Luo 2019). (4) **Importance weights** change the "
    "regularized solution but, on separable data, not the direction GD converges to (Byrd and Lipton 2019).",
    [r"f(w) = \tfrac1n \textstyle\sum_i c_i \log\big(1 + e^{-y_i x_i^\top w}\big),\qquad "
     r"\hat w = \arg\min_w \|w\|^2 \ \text{s.t.}\ y_i x_i^\top w \ge 1",
     r"w(t) = \hat w \log t + \rho(t),\quad \|w(t)\| \approx \|\hat w\|\log t,\quad f(w(t)) \approx "
     r"\frac{\|\hat w\|^2}{\eta\, t},\quad \angle(w(t), \hat w) = O\Big(\frac{1}{\log t}\Big)",
     r"x_0 \to x_0 - A^+(Ax_0 - b)\ \ (x_0 = 0:\ A^+b = \arg\min\{\|x\| : A^\top A x = A^\top b\})",
     r"\min_{W_1..W_N} \tfrac12 \|P_\Omega(W_N\cdots W_1 - M)\|_F^2,\qquad \operatorname{erank}(W) = "
     r"\exp\big(-\textstyle\sum_i p_i \log p_i\big),\ p = \sigma / \textstyle\sum \sigma"],
    "Soudry, Hoffer, Nacson, Gunasekar and Srebro (2018), The implicit bias of gradient descent on separable data, "
    "JMLR 19; Gunasekar, Woodworth, Bhojanapalli, Neyshabur and Srebro (2017), Implicit regularization in matrix "
    "factorization, NeurIPS; Arora, Cohen, Hu and Luo (2019), Implicit regularization in deep matrix factorization, "
    "NeurIPS; Cai, Candès and Shen (2010), A singular value thresholding algorithm for matrix completion, SIAM J. "
    "Optim. 20; Byrd and Lipton (2019), What is the effect of importance weighting in deep learning?, ICML; Roy and "
    "Vetterli (2007), The effective rank, EUSIPCO.")

MAX_ADDED = 50  # rows of the table of added points that are used
DATA = [Param("n", "Points", "int", 40, lo=6, hi=200, step=2),
        Param("margin", "Gap along (1, 1)", "float", 0.3, lo=0.0, hi=1.5, step=0.1,
              help="Points closer than this to the line x₁ + x₂ = 0 are redrawn: a wider gap, a larger SVM margin."),
        Param("spread", "Spread of each cloud", "float", 1.0, lo=0.2, hi=2.0, step=0.1),
        Param("flipped", "Labels flipped", "int", 0, lo=0, hi=5,
              help="Flip the labels of the first k points: the data stop being separable and the claim fails."),
        SEED]
TUNE = [Param("step", "Step η", "log", 1.0, options=(0.1, 0.3, 1.0, 1.5, 3.0, 10.0), role="tunable",
              help="Soudry et al. need η < 2/L (shown below); the loss theory ‖ŵ‖²/(ηt) uses the current η.")]


def make_data(n: int, margin: float, spread: float, flipped: int, seed: int, added=()) -> tuple[np.ndarray, np.ndarray]:
    """The separable clouds, the first ``flipped`` labels flipped, then the ``added`` rows (x1, x2, label)."""
    X, y = ib.separable_data(n, margin=margin, spread=spread, seed=seed)
    y[:flipped] *= -1
    if len(added):
        A = np.asarray(added, dtype=float).reshape(-1, 3)
        X, y = np.vstack([X, A[:, :2]]), np.r_[y, A[:, 2]]
    return X, y


def added_points(frame) -> tuple[tuple, int]:
    """The valid rows of the editor table as (x1, x2, ±1) tuples (coordinates clipped to [−10, 10], label by sign;
    rows with a missing or non-numeric entry or a zero label dropped), and the number of rows dropped."""
    if frame is None or len(frame) == 0:
        return (), 0
    num = frame.apply(pd.to_numeric, errors="coerce")
    ok = np.isfinite(num.to_numpy(dtype=float)).all(axis=1) & (np.sign(num["label"].to_numpy(dtype=float)) != 0)
    rows = num.to_numpy(dtype=float)[ok][:MAX_ADDED]
    return tuple((float(np.clip(a, -10, 10)), float(np.clip(b, -10, 10)), float(np.sign(c))) for a, b, c in rows), \
        int(len(frame) - len(rows))


def _svm(X: np.ndarray, y: np.ndarray):
    try:
        u = ib.max_margin_direction(X, y)
    except ValueError:
        return None, None
    return u, u / np.min(y * (X @ u))


def watched_gd(X: np.ndarray, y: np.ndarray, *, step: float, x0: np.ndarray | None = None):
    """:func:`ib.logistic_gd` seen at geometrically spaced iterations (at most 100 apart), for the log axes."""
    return ib.geometric_steps(ib.logistic_gd(X, y, step=step, x0=x0), ratio=1.05, max_gap=100)


watched_gd.tunables = ("step",)


def margin_section(lesson: Lesson):
    st.subheader("Gradient descent on the logistic loss turns towards the max-margin direction")
    p = lesson.controls(DATA, columns=5)
    with st.expander("Add your own points (x₁, x₂, label ±1)", icon=":material/edit:"):
        frame = st.data_editor(pd.DataFrame({"x1": [], "x2": [], "label": []}, dtype=float), num_rows="dynamic",
                               key="ib.margin.added", width="stretch")
        added, dropped = added_points(frame)
        st.caption(f"{len(added)} point(s) added" + (f"; {dropped} row(s) ignored (a missing or non-numeric entry, "
                                                       "label 0, or beyond the first 50)" if dropped else "") +
                   ". Numbers only: nothing you type is evaluated.")
    lesson.controls(TUNE)
    X, y = make_data(p["n"], p["margin"], p["spread"], p["flipped"], p["seed"], added)
    X, c, source = own_data("ib.margin", X, (y > 0).astype(int), classes=2, max_points=500)  # class 1: y = +1
    y = 2.0 * c - 1.0
    u, w_hat = _svm(X, y)
    L = np.linalg.norm(X, 2) ** 2 / (4 * len(y))
    if u is None:
        st.warning("Not separable through the origin: no max-margin direction exists, the logistic loss has a finite "
                   "minimizer, and gradient descent converges to it (‖w‖ levels off): the claim needs separable data.")

    def metrics(name, s):
        return {"angle": ib.angle(s.x, u) if u is not None else float("nan"), "w_norm": s.info["w_norm"]}

    def draw(run) -> None:
        s = run.series["GD"]
        h = {k: np.asarray(v, dtype=float) for k, v in s.history.items()}
        t, T = h["iteration"], max(s.iteration, 1)
        eta = lesson.params["step"]
        c1, c2 = st.columns(2)
        show(margin_figure(X, y, {"SVM (max margin)": u, f"GD, t = {s.iteration}": s.last.x},
                           title="Data and the separating lines through 0"), "ib.fig.margin.data", c1)
        tt = np.geomspace(1, T, 60)
        theory = {}
        if u is not None and T > 2 and np.isfinite(h["angle"][-1]):
            late = tt[tt > 2]
            theory = {"C / log t (through the last point)": (late, h["angle"][-1] * np.log(T) / np.log(late))}
        show(curves_figure({"angle to the SVM (rad)": (t[1:], h["angle"][1:])}, theory=theory, y_title="rad",
                           title="Angle gap ∠(w(t), ŵ)"), "ib.fig.margin.angle", c2)
        c3, c4 = st.columns(2)
        th = {} if u is None or T < 2 else {"‖ŵ‖ log t + c": (tt, np.linalg.norm(w_hat) * np.log(tt) + h["w_norm"][-1]
                                                            - np.linalg.norm(w_hat) * np.log(T))}
        show(curves_figure({"‖w(t)‖": (t[1:], h["w_norm"][1:])}, theory=th, log_y=False, title="‖w(t)‖ grows like "
                           "log t"), "ib.fig.margin.norm", c3)
        tl = {} if u is None else {"‖ŵ‖² / (η t)": (tt, (w_hat @ w_hat) / (eta * tt))}
        show(curves_figure({"loss f(w(t))": (t, h["loss"])}, theory=tl, title="Loss falls like 1/t"),
             "ib.fig.margin.loss", c4)
        live_table(pd.DataFrame(rows(run)))

    def rows(run):
        s = run.series["GD"]
        return [{"t": s.iteration, "angle (rad)": f"{metrics('GD', s.last)['angle']:.3g}",
                 "‖w‖": f"{s.last.info['w_norm']:.4g}", "loss": f"{s.last.loss:.3g}", "status": s.status}]

    solvers = {"GD": Solver(watched_gd, X, y)}
    run = lesson.live("run", solvers, draw, depends={"added": added, "own_data": source}, max_iter=200_000,
                      default_speed=20, max_points=300, metrics=metrics,
                      diverged_hint="the loss blew up: lower the step η.")
    st.caption(f"{len(y)} points, no bias. L = ‖X‖₂²/(4n) = {L:.3g}, so 2/L = {2 / L:.3g}. The run records "
               "GD at iterations spaced by 5% (at most 100 apart): 'iterations per frame' counts recorded points. " + (f"SVM margin 1/‖ŵ‖ = {1 / np.linalg.norm(w_hat):.4g}; dotted: "
                                                      "the theory curves." if u is not None else ""))
    s = run.series["GD"]
    numbers = {"GD iterations": s.iteration, "loss": s.last.loss, "||w||": s.last.info["w_norm"]}
    if u is not None:
        numbers.update({"SVM margin": 1 / np.linalg.norm(w_hat), "angle to the SVM direction (rad)":
                        ib.angle(s.last.x, u), "loss * eta * t / ||w_hat||^2": s.last.loss * lesson.params["step"] *
                        s.iteration / (w_hat @ w_hat)})
    lesson.numbers({k: v for k, v in numbers.items() if np.isfinite(v)})
    return run, solvers, {"added": [list(r) for r in added]}


EXPERIMENTS = [
    Experiment("Towards the SVM, slowly", "Play and watch the angle on its log axis. How many iterations for 0.05 rad? "
               "For 0.025?", "About 1,000 for 0.05 rad and 10,000 for 0.023: the gap shrinks like 1/log t, so halving "
               "it takes ~10 times the iterations. ‖w‖ follows ‖ŵ‖ log t (slope 1.73 per e-fold) and the loss "
               "‖ŵ‖²/(ηt) (the ratio is 0.86 at t = 10⁴).", {"section": "margin", "speed": 200},
               name="towards-the-svm"),
    Experiment("Break it: flip one label", "Set 'Labels flipped' to 1 and play.", "The data are no longer separable "
               "through the origin: no SVM exists, the loss has a finite minimizer and gradient descent converges to "
               "it "
               "(‖w‖ stops growing, the loss levels off above 0).", {"section": "margin", "flipped": 1, "speed": 200},
               name="non-separable"),
    Experiment("More points", "Set 100 points and play to 5,000 iterations.", "The angle is 0.033 rad after 1,000 "
               "iterations and 0.017 after 5,000 (40 points: 0.051 and 0.027): the constant in front of 1/log t "
               "depends "
               "on the data, the rate does not.", {"section": "margin", "n": 100, "speed": 200}, name="more-points"),
]

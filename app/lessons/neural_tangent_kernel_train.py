"""The neural tangent kernel page's sections "regression" (live: the trained network against kernel regression with
the analytic NTK on 1-D data on the circle) and "spectral-bias" (residual components along the kernel's eigenvectors
against exp(−η λᵢ t)), with their presets (pages/neural_tangent_kernel.py).

Parameter names are the keywords of ``numdl_core.theory.ntk`` (``n``, ``m``, ``seed``); ``eta_scale`` is the step in
units of 1/λ_max of the analytic kernel.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.theory_implicit_bias import curves_figure
from app.figures.theory_ntk import regression_figure
from app.lesson import Experiment, Lesson, Solver
from app.lessons.neural_tangent_kernel import target
from app.panels import live_table, show
from app.params import SEED, Param
from numdl_core.theory import ntk

__all__ = ["EXPERIMENTS", "REGRESSION", "SPECTRAL", "N_TEST", "regression_problem", "spectral_run",
           "regression_section", "spectral_section"]

N_TEST = 60
REGRESSION = [Param("n", "Training points on the circle", "int", 10, lo=3, hi=30),
              Param("m", "Width m", "choice", 512, options=(16, 64, 256, 512, 1024, 2048, 4096)),
              Param("eta_scale", "Step η · λ_max(K)", "choice", 1.0, options=(0.5, 1.0, 1.9, 2.5),
                    help="η < 2/λ_max is stable for the linearized model; at 2.5 the network changes its "
                         "kernel (catapult)."), SEED]
SPECTRAL = [Param("n", "Points on the circle", "int", 16, lo=6, hi=40),
            Param("m", "Width m", "choice", 2048, options=(16, 64, 256, 1024, 2048, 4096)),
            Param("iterations", "GD iterations", "choice", 200, options=(50, 100, 200, 500)),
            Param("eta_scale", "Step η · λ_max(K̂₀)", "choice", 1.0, options=(0.5, 1.0, 1.9)), SEED]
cached = st.cache_data(max_entries=32, show_spinner=False)


def regression_problem(n: int, m: int, eta_scale: float, seed: int) -> dict:
    """Training data (n angles, target), test angles, the start θ₀, the step η = eta_scale / λ_max(K) and the
    kernel-regression prediction f₀(x) + K(x, X) K(X, X)⁻¹ (y − f₀(X)) with the analytic NTK K."""
    phi, X = ntk.circle_inputs(n, bias=True)
    y = target(phi)
    pt, Xt = ntk.circle_inputs(N_TEST, bias=True)
    th0 = ntk.init_network(3, m, seed=seed)
    K = ntk.relu_ntk(X, X)
    kr = ntk.kernel_regression(K, ntk.relu_ntk(Xt, X), y, f0_train=ntk.network(th0, X), f0_test=ntk.network(th0, Xt))
    return {"phi": phi, "X": X, "y": y, "phi_test": pt, "X_test": Xt, "theta0": th0, "kr": kr,
            "eta": eta_scale / np.linalg.eigvalsh(K)[-1]}


def spectral_run(n: int, m: int, iterations: int, eta_scale: float, seed: int) -> dict:
    """GD for ``iterations`` steps; the residual's components along the eigenvectors of K̂₀ (measured) and the
    linearized prediction (1 − ηλᵢ)^t vᵢ·r₀; the largest relative deviation over the top 4 components."""
    phi, X = ntk.circle_inputs(n, bias=True)
    y = target(phi)
    th0 = ntk.init_network(3, m, seed=seed)
    K0 = ntk.empirical_ntk(th0, X)
    eta = eta_scale / np.linalg.eigvalsh(K0)[-1]
    R = np.array([s.info["residual"] for s in itertools.islice(ntk.ntk_gd(X, y, m=m, step=eta, theta0=th0),
                                                               iterations + 1)])
    t = np.arange(len(R))
    lam, V, C = ntk.predicted_residual(K0, R[0], eta, t)
    M = R @ V
    top = slice(0, 4)
    dev = float(np.max(np.abs(M[:, top] - C[:, top])) / np.max(np.abs(C[0, top])))
    return {"t": t, "lam": lam, "measured": M, "predicted": C, "deviation": dev, "eta": eta,
            "loss": 0.5 * float(R[-1] @ R[-1])}


def regression_section(lesson: Lesson):
    st.subheader("The trained network converges to kernel regression with the NTK as the width grows (live)")
    p = lesson.controls(REGRESSION, columns=4)
    pr = cached(regression_problem)(**p)
    Xt = pr["X_test"]

    def metrics(name, s):
        return {"gap": float(np.max(np.abs(ntk.network(s.x, Xt) - pr["kr"])))}

    def draw(run) -> None:
        s = run.series["GD"]
        c1, c2 = st.columns(2)
        show(regression_figure(pr["phi_test"], {f"network, t = {s.iteration}": ntk.network(s.last.x, Xt),
                                                "kernel regression (NTK)": pr["kr"], "target": target(pr["phi_test"])},
                               pr["phi"], pr["y"], title="Prediction on the circle"), "ntk.fig.reg.fit", c1)
        h = {k: np.asarray(v, dtype=float) for k, v in s.history.items()}
        it = np.maximum(h["iteration"], 1)
        show(curves_figure({"loss ½‖f − y‖²": (it, h["loss"]), "max |f − f_KR| (test)": (it, h["gap"])},
                           title="Training loss and distance to kernel regression"), "ntk.fig.reg.curves", c2)
        live_table(pd.DataFrame([{"t": s.iteration, "loss": f"{s.last.loss:.3g}",
                                  "max |f − f_KR|": f"{metrics('GD', s.last)['gap']:.3g}", "status": s.status}]))

    solvers = {"GD": Solver(ntk.ntk_gd, pr["X"], pr["y"], m=p["m"], step=pr["eta"], theta0=pr["theta0"])}
    run = lesson.live("run", solvers, draw, depends={"eta": pr["eta"]}, max_iter=20_000, default_speed=20,
                      max_points=300, metrics=metrics, diverged_hint="the loss blew up: lower η · λ_max below 2.")
    st.caption(f"η = {pr['eta']:.3g}. Inputs (cos φ, sin φ, 1)/√2; dashed: f₀ + K(x, X)K(X, X)⁻¹(y − f₀(X)) with the "
               "analytic K, the infinite-width limit of training. Try m = 16, then 4096.")
    s = run.series["GD"]
    lesson.numbers({"GD iterations": s.iteration, "loss": s.last.loss,
                    "max |f - f_KR| on the test circle": metrics("GD", s.last)["gap"]})
    return run, solvers, {}


def spectral_section(lesson: Lesson) -> None:
    st.subheader("Spectral bias: the residual decays fastest along the top eigenvectors of the kernel")
    p = lesson.controls(SPECTRAL, columns=5)
    r = cached(spectral_run)(**p)
    c1, c2 = st.columns(2)
    k = np.arange(1, len(r["lam"]) + 1)
    show(curves_figure({"λᵢ of K̂₀": (k, np.maximum(r["lam"], 1e-16))}, log_x=False, markers=True, x_title="index i",
                       y_title="eigenvalue", title="Kernel eigenvalues (pairs: sin/cos modes)"), "ntk.fig.sb.eig", c1)
    t = r["t"]
    floor = 1e-14 * np.max(np.abs(r["predicted"][0]))  # rounding level: below it a curve is not drawn

    def shown(y):
        y = np.abs(y)
        return np.where(y >= floor, y, np.nan)

    curves = {f"|v{i + 1}·r_t|": (t, shown(r["measured"][:, i])) for i in (0, 2, 4, 6) if i < len(k)}
    theory = {f"(1 − ηλ{i + 1})^t |v{i + 1}·r₀|": (t, shown(r["predicted"][:, i])) for i in (0, 2, 4) if i < len(k)}
    show(curves_figure(curves, theory=theory, log_x=False, title="Residual components: measured vs predicted"),
         "ntk.fig.sb.comp", c2)
    st.caption(f"η = {r['eta']:.3g}. Solid: the residual's components along eigenvectors of the initial empirical "
               "kernel; dotted: the linearized prediction (with η·λ₁ = 1 the top component is gone after one step; "
               "values below 1e-14 of the start are rounding and not drawn). Small λ (high frequency) barely moves: "
               "learned last. At small width the kernel moves and the prediction drifts.")
    lesson.numbers({"relative deviation of the top 4 components": r["deviation"], "largest eigenvalue": r["lam"][0],
                    "final loss": r["loss"]}, show=True)


EXPERIMENTS = [
    Experiment("Wide: the network follows the kernel", "Play with m = 4096 to 1,000 iterations.", "max |f − f_KR| "
               "stays small all along (a few 10⁻²): the wide network is kernel regression with the NTK.",
               {"section": "regression", "m": 4096, "speed": 50}, name="wide-network"),
    Experiment("Break it: narrow", "Play with m = 16.", "The network fits the training points but between them it "
               "differs from kernel regression by O(1): at small width the kernel changes during training.",
               {"section": "regression", "m": 16, "speed": 50}, name="narrow-network"),
    Experiment("Spectral bias at large width", "Read the components at the default.", "The top pair decays like "
               "(1 − ηλ₁)^t and the measured curve lies on the dotted one; the small-λ components barely move.",
               {"section": "spectral-bias"}, name="spectral-wide"),
    Experiment("Break it: small width", "Set m = 16.", "The measured components leave the prediction (deviation "
               "≫ that at m = 2048): the kernel moves, the linear picture fails.",
               {"section": "spectral-bias", "m": 16}, name="spectral-narrow"),
]

"""The neural tangent kernel page's theory, sections "kernel" (empirical NTK vs width) and "lazy" (relative change
of the weights and of the kernel during training vs width), and their presets (pages/neural_tangent_kernel.py).

Parameter names are the keywords of ``numdl_core.theory.ntk`` (``n`` points on the circle, ``m`` width, ``step``,
``seed``); the sections' computations are :func:`width_errors` and :func:`lazy_changes`, which the exported scripts
repeat line by line.
"""
from __future__ import annotations

import itertools

import numpy as np
import streamlit as st

from app.figures.theory_implicit_bias import curves_figure
from app.lesson import Experiment, Lesson
from app.panels import show
from app.params import SEED, Param
from numdl_core.theory import ntk

__all__ = ["THEORY", "EXPERIMENTS", "KERNEL", "LAZY", "WIDTHS", "width_errors", "lazy_changes", "target",
           "kernel_section", "lazy_section"]

THEORY = (
    "**Rows are examples.** The two-layer network f(x) = m^(−1/2) Σᵣ aᵣ relu(wᵣ·x) with N(0, 1) weights, both layers "
    "trained by gradient descent on the squared loss. Its tangent kernel K̂(x, x′) = ∇_θ f(x)·∇_θ f(x′) = (J Jᵀ) "
    "is random at initialization, but it is an average over m independent neurons: as m → ∞ it converges to a fixed "
    "kernel K (below), with a Monte Carlo error ~ m^(−1/2) (**Jacot, Gabriel and Hongler 2018**). During training "
    "each weight moves by O(m^(−1/2)), so the kernel stays put (**lazy training**, Lee et al. 2019): the network "
    "evolves like its linearization, the residual obeys r_{k+1} = (I − ηK) r_k, and the trained network converges to "
    "**kernel regression** with K (Arora et al. 2019). Along the eigenvectors vᵢ of K the residual decays like "
    "exp(−η λᵢ t): large-eigenvalue (smooth, low-frequency) components are learned first — the **spectral bias**. "
    "It breaks at small width (the kernel moves, the slopes bend) and with a large step η > 2/λ_max: the loss first "
    "grows, the weights travel far and the kernel changes by O(1) (the catapult phase, Lewkowycz et al. 2020).",
    [r"K(x,x') = \frac{x^\top x'\,(\pi - t)}{2\pi} + \frac{\|x\|\|x'\|(\sin t + (\pi - t)\cos t)}{2\pi},"
     r"\quad t = \angle(x, x')",
     r"\|\hat K_m - K\|_F / \|K\|_F = O(m^{-1/2}),\qquad \frac{\|\theta_t - \theta_0\|}{\|\theta_0\|} = O(m^{-1/2})",
     r"f_\infty(x) = f_0(x) + K(x, X) K(X, X)^{-1}(y - f_0(X)),\qquad v_i^\top r_t \approx e^{-\eta\lambda_i t}"
     r"\, v_i^\top r_0"],
    "Jacot, Gabriel and Hongler (2018), Neural tangent kernel: convergence and generalization in neural networks, "
    "NeurIPS (arXiv:1806.07572); Lee, Xiao, Schoenholz, Bahri, Novak, Sohl-Dickstein and Pennington (2019), Wide "
    "neural networks of any depth evolve as linear models under gradient descent, NeurIPS (arXiv:1902.06720); Arora, "
    "Du, Hu, Li, Salakhutdinov and Wang (2019), On exact computation with an infinitely wide neural net, NeurIPS "
    "(arXiv:1904.11955); Arora, Du, Hu, Li and Wang (2019), Fine-grained analysis of optimization and generalization "
    "for overparameterized two-layer neural networks, ICML; Lewkowycz, Bahri, Dyer, Sohl-Dickstein and Gur-Ari (2020), "
    "The large learning rate phase of deep learning: the catapult mechanism (arXiv:2003.02218).")

WIDTHS = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
KERNEL = [Param("n", "Points on the circle", "int", 12, lo=4, hi=40),
          Param("m_max", "Largest width", "choice", 2048, options=WIDTHS[3:]),
          Param("draws", "Networks averaged per width", "int", 5, lo=1, hi=20),
          Param("depth", "Hidden layers L", "choice", 1, options=(1, 2, 3),
                help="L > 1: the deep ReLU NTK of Arora et al. (2019), widths up to 1024."), SEED]
LAZY = [Param("n", "Points on the circle", "int", 12, lo=4, hi=40),
        Param("m_max", "Largest width", "choice", 1024, options=WIDTHS[3:8]),
        Param("iterations", "GD iterations", "choice", 200, options=(50, 100, 200, 500)),
        Param("eta_scale", "Step η · λ_max(K)", "choice", 1.0, options=(0.5, 1.0, 1.9, 2.5),
              help="η < 2/λ_max is stable for the linearized model; 2.5 breaks the lazy regime."), SEED]
cached = st.cache_data(max_entries=32, show_spinner=False)


def target(phi: np.ndarray) -> np.ndarray:
    """The regression target on the circle: sin φ + ½ cos 2φ + ¼ sin 5φ."""
    return np.sin(phi) + 0.5 * np.cos(2 * phi) + 0.25 * np.sin(5 * phi)


def width_errors(n: int, m_max: int, draws: int, depth: int, seed: int) -> dict:
    """Mean relative Frobenius error of the empirical NTK against relu_ntk (depth 1) or deep_relu_ntk at widths
    16 ... m_max (at most 1024 when deep), the fitted log-log slope, and one kernel row (point 0 against all) at the
    largest width."""
    _, X = ntk.circle_inputs(n, bias=True)
    if depth == 1:
        K, emp = ntk.relu_ntk(X, X), lambda m, s: ntk.empirical_ntk(ntk.init_network(3, m, seed=s), X)
    else:
        K, emp = ntk.deep_relu_ntk(X, X, depth), lambda m, s: ntk.deep_empirical_ntk(ntk.deep_init(3, m, depth, seed=s),
                                                                                    X, depth)
    ms = np.array([m for m in WIDTHS if m <= (m_max if depth == 1 else min(m_max, 1024))])
    err = np.array([np.mean([np.linalg.norm(emp(int(m), seed + s) - K) / np.linalg.norm(K) for s in range(draws)])
                    for m in ms])
    slope = float(np.polyfit(np.log(ms), np.log(err), 1)[0])
    return {"ms": ms, "err": err, "slope": slope, "row": emp(int(ms[-1]), seed)[0], "K_row": K[0]}


def lazy_changes(n: int, m_max: int, iterations: int, eta_scale: float, seed: int) -> dict:
    """GD on the circle regression for widths 32 ... m_max: relative weight change ‖θ_t − θ₀‖/‖θ₀‖ and kernel change
    ‖K̂_t − K̂₀‖/‖K̂₀‖ after ``iterations`` steps of η = eta_scale / λ_max(K), their log-log slopes, final losses."""
    phi, X = ntk.circle_inputs(n, bias=True)
    y = target(phi)
    eta = eta_scale / np.linalg.eigvalsh(ntk.relu_ntk(X, X))[-1]
    ms = np.array([m for m in WIDTHS[1:] if m <= m_max])
    dw, dk, loss = [], [], []
    for m in ms:
        th0 = ntk.init_network(3, int(m), seed=seed)
        *_, last = itertools.islice(ntk.ntk_gd(X, y, m=int(m), step=eta, theta0=th0), iterations + 1)
        K0 = ntk.empirical_ntk(th0, X)
        dw.append(last.info["weight_change"])
        dk.append(np.linalg.norm(ntk.empirical_ntk(last.x, X) - K0) / np.linalg.norm(K0))
        loss.append(last.loss)
    dw, dk = np.array(dw), np.array(dk)
    ok = np.isfinite(dw) & np.isfinite(dk) & (dk > 0)
    fit = (lambda v: float(np.polyfit(np.log(ms[ok]), np.log(v[ok]), 1)[0])) if ok.sum() >= 2 else (lambda v: np.nan)
    return {"ms": ms, "dw": dw, "dk": dk, "loss": np.array(loss), "slope_w": fit(dw), "slope_k": fit(dk), "eta": eta}


def kernel_section(lesson: Lesson) -> None:
    st.subheader("The empirical tangent kernel converges to the analytic NTK as the width grows")
    p = lesson.controls(KERNEL, columns=4)
    with st.spinner("Empirical kernels of the deep networks (cached) …" if p["depth"] > 1 else "Empirical kernels …"):
        r = cached(width_errors)(**p)
    c1, c2 = st.columns(2)
    ms = r["ms"].astype(float)
    show(curves_figure({"‖K̂_m − K‖_F / ‖K‖_F": (ms, r["err"])},
                       theory={"c · m^(−1/2)": (ms, r["err"][0] * np.sqrt(ms[0] / ms))}, x_title="width m",
                       y_title="relative error", markers=True, title=f"Error vs width: slope {r['slope']:.2f}"),
         "ntk.fig.kernel.error", c1)
    phi = 2 * np.pi * np.arange(p["n"]) / p["n"]
    show(curves_figure({f"K̂(x₀, x), m = {int(ms[-1])}": (phi, r["row"]), "K(x₀, x) analytic": (phi, r["K_row"])},
                       log_x=False, log_y=False, markers=True, x_title="angle φ of x (rad)", y_title="kernel",
                       title="One row of the kernel"), "ntk.fig.kernel.row", c2)
    st.caption(f"{p['n']} points (cos φ, sin φ, 1)/√2 (a bias coordinate); {p['draws']} networks per width; "
               f"{p['depth']} hidden layer(s). The fitted "
               "slope should be about −½ (Monte Carlo rate); with 1 network per width it is noisy.")
    lesson.numbers({"log-log slope of the kernel error": r["slope"], "relative error at the largest width":
                    r["err"][-1]}, show=True)


def lazy_section(lesson: Lesson) -> None:
    st.subheader("Lazy training: the wider the network, the less its weights and its kernel move")
    p = lesson.controls(LAZY, columns=5)
    r = cached(lazy_changes)(**p)
    ms = r["ms"].astype(float)
    if not np.all(np.isfinite(r["loss"])) or np.any(r["loss"] > 1e6):
        st.warning("Gradient descent diverged for some widths: η > 2/λ_max breaks the linearized picture.")
    elif p["eta_scale"] > 2:
        st.warning("η > 2/λ_max: the linearized model would diverge; the network instead changes its kernel "
                   "(catapult) — not lazy.")
    c1, c2 = st.columns(2)
    show(curves_figure({"‖θ_t − θ₀‖/‖θ₀‖": (ms, r["dw"]), "‖K̂_t − K̂₀‖/‖K̂₀‖": (ms, r["dk"])},
                       theory={"c · m^(−1/2)": (ms, r["dw"][0] * np.sqrt(ms[0] / ms))}, x_title="width m",
                       y_title="relative change", markers=True,
                       title=f"Slopes: weights {r['slope_w']:.2f}, kernel {r['slope_k']:.2f}"),
         "ntk.fig.lazy.change", c1)
    show(curves_figure({"final loss ½‖f − y‖²": (ms, r["loss"])}, x_title="width m", markers=True,
                       title=f"Loss after {p['iterations']} iterations"), "ntk.fig.lazy.loss", c2)
    st.caption(f"η = {r['eta']:.3g} (= {p['eta_scale']} / λ_max of the analytic kernel). Slopes are least-squares fits "
               "on the log-log points; the theory predicts −½ for both (the kernel's often steeper at small m).")
    lesson.numbers({"log-log slope of the weight change": r["slope_w"], "log-log slope of the kernel change":
                    r["slope_k"], "weight change at the largest width": r["dw"][-1]}, show=True)


EXPERIMENTS = [
    Experiment("Monte Carlo rate", "Set 10 networks per width and the largest width 4096. What slope?",
               "About −0.52: the empirical kernel is a mean of m i.i.d. terms, its error falls like m^(−1/2); at "
               "m = 4096 the error is ≈ 3%.", {"section": "kernel", "draws": 10, "m_max": 4096},
               name="monte-carlo-rate"),
    Experiment("One network per width", "Set 1 network per width.", "The points scatter around the line: a single "
               "draw's error is random, only its scale is m^(−1/2).", {"section": "kernel", "draws": 1},
               name="one-network"),
    Experiment("A deeper network", "Set 3 hidden layers.", "The empirical kernel of the 3-layer ReLU network "
               "converges to the recursive NTK of Arora et al. (2019) at the same rate (slope ≈ −0.5), from a larger "
               "error at small widths.", {"section": "kernel", "depth": 3}, name="deep-network"),
    Experiment("Lazy at every width", "Play the default: read both slopes.", "Weights: ≈ −0.51, kernel: steeper "
               "(≈ −0.79 from small widths): both vanish as m grows, the network trains as its linearization.",
               {"section": "lazy"}, name="lazy-default"),
    Experiment("Break it: too large a step", "Set η · λ_max = 2.5.", "The top eigencomponent first grows like "
               "|1 − 2.5|^t, then the kernel moves until the step fits it (a catapult): the slopes flatten (weights "
               "≈ −0.35, kernel ≈ −0.08), the lazy regime is gone.", {"section": "lazy",
                                                                                    "eta_scale": 2.5},
               name="lazy-large-step"),
]

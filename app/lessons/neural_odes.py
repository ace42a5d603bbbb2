"""The dynamic-view page's theory and sections (pages/neural_odes.py): "adaptive" (live training of a 2-D Neural
ODE classifier with the NFE of the adaptive solver per step; NFE against tolerance), "robustness" (ODE net vs a
plain net under Gaussian input noise; the non-crossing property of a 1-D flow) and "deep-limit" (ResNet error
against depth). Parameter names are the keywords of ``numdl_core.theory.neural_odes`` (``T``, ``lr``, ``rtol``,
``seed``)."""
from __future__ import annotations

import numpy as np
import streamlit as st

from app.figures.common import convergence_figure
from app.figures.theory_neural_odes import (deep_limit_figure, noise_figure, nfe_tolerance_figure,
                                            trajectories_figure)
from app.lesson import Experiment, Lesson, Param, Solver
from app.owndata import own_data
from app.panels import show
from app.params import SEED
from numdl_core.theory import neural_odes as M

__all__ = ["THEORY", "EXPERIMENTS", "TOLS", "SIGMAS", "adaptive_section", "robustness_section", "deep_section"]

THEORY = (
    "A **residual network** Y_{k+1} = Y_k + h f(Y_k, θ) with N layers and h = T/N is the forward Euler method for "
    "the ODE ∂_t Y = f(Y, θ); a **Neural ODE** (Chen et al. 2018) solves that ODE with an adaptive solver "
    "(Dormand-Prince 5(4) here). Its depth is the solver's work: the **number of function evaluations (NFE)** grows "
    "as the tolerance tightens (about tol^(−1/5) for an order-5 pair) and over training, as the learned field "
    "stiffens. The **flow map** of an ODE is a homeomorphism: trajectories cannot cross, so a 1-D flow keeps the "
    "order of its inputs, and Yan et al. (2019) argue this makes ODE nets more robust to input noise; a plain net, "
    "or a ResNet whose step h is large (1 + h f′(y) < 0), can swap two inputs. As N → ∞ with h = T/N the ResNet "
    "converges to the ODE flow, with error O(1/N) for Euler (the **deep limit**: Thorpe and van Gennip 2018; Lu et "
    "al. 2020). **Rows are examples** (the course writes them as columns).\n\n"
    "Break it: a large step h swaps two points (the discrete net is not a flow); on this 2-D toy problem the ODE "
    "net is *not* clearly more robust than a plain tanh net (measure it: the claim was made for images); a loose "
    "tolerance keeps the NFE flat.",
    [r"\partial_t Y = \tanh(Y W + \mathbf 1 b^\top),\quad Y(0) = X,\qquad Y_{k+1} = Y_k + h\,f(Y_k),\ h = T/N",
     r"\max_i |Y_N^{(i)} - Y^{(i)}(T)| = O(h) = O(1/N)",
     r"x_1 < x_2 \;\Rightarrow\; \phi_T(x_1) < \phi_T(x_2)\quad\text{(1-D flows preserve order)}"],
    "Chen, Rubanova, Bettencourt and Duvenaud (2018), Neural ordinary differential equations, NeurIPS; Yan, Du, "
    "Tan and Feng (2019), On robustness of neural ordinary differential equations, ICLR 2020 (arXiv:1910.05513); "
    "Thorpe and van Gennip (2018), Deep limits of residual neural networks, arXiv:1810.11741; Lu, Ma, Lu, Lu and "
    "Ying (2020), A mean-field analysis of deep ResNet and beyond, ICML.")

TOLS = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
SIGMAS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.8)
TIME = Param("T", "Final time T", "choice", 3.0, options=(0.5, 1.0, 2.0, 3.0, 5.0))
ADAPTIVE = [TIME, Param("n", "Points n", "int", 60, lo=10, hi=200, step=10),
            Param("rtol", "Tolerance of the NFE solve", "choice", 1e-4, options=(1e-2, 1e-3, 1e-4, 1e-6, 1e-8)),
            SEED]
TUNE = [Param("lr", "Learning rate η", "log", 1.0, options=(0.01, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0), role="tunable")]
ROBUST = [TIME, Param("width", "Plain net width", "choice", 8, options=(2, 4, 8, 16, 32)),
          Param("iters", "Training steps", "choice", 200, options=(50, 100, 200, 400)),
          Param("h", "Discrete step h (1-D)", "choice", 3.0, options=(0.1, 0.5, 1.0, 2.0, 3.0, 5.0)), SEED]
DEEP = [TIME, Param("scale", "Weight scale", "choice", 1.0, options=(0.5, 1.0, 2.0, 4.0)), SEED]
cached = st.cache_data(max_entries=16, show_spinner=False)


@cached
def _nfe(T: float, n: int, seed: int):
    X, _ = M.two_moons_like(n, seed=seed)
    F = M.TanhField(2)
    th = 0.5 * np.random.default_rng(seed).standard_normal(F.n_params + 3)[:F.n_params]
    return M.nfe_vs_tolerance(F, X, th, T, TOLS), M.nfe_vs_tolerance(F, X, 4 * th, T, TOLS)


def adaptive_section(lesson: Lesson):
    st.subheader("An adaptive solver: NFE against tolerance and over training")
    p = lesson.controls(ADAPTIVE, columns=4)
    lesson.controls(TUNE)
    X, c = M.two_moons_like(p["n"], seed=p["seed"])
    X, c, source = own_data("no.adaptive", X, c.astype(int), classes=2, max_points=200)
    c = c.astype(float)
    nfe1, nfe4 = _nfe(p["T"], p["n"], p["seed"])

    def metrics(name, step):
        return {"nfe": float(step.info.get("nfe", np.nan)), "accuracy": float(step.info["accuracy"])}

    def draw(run) -> None:
        s = run.series["Neural ODE"]
        h = s.history
        c1, c2 = st.columns(2)
        show(convergence_figure({"loss": (h["iteration"], h["loss"])}, title="Training loss",
                                diverged={"loss": s.iteration} if s.status == "diverged" else None),
             "no.fig.adaptive.loss", c1)
        show(convergence_figure({"NFE": (h["iteration"], h["nfe"])}, log_y=False, y_title="NFE",
                                title=f"NFE of the adaptive solve (rtol {p['rtol']:g}) per step"),
             "no.fig.adaptive.nfe", c2)
        st.caption(f"Iteration {s.iteration}: loss {s.last.loss:.4g}, accuracy {s.last.info['accuracy']:.3f}, NFE "
                   f"{s.last.info.get('nfe', float('nan'))}. Frame compute time {run.frame_ms:.0f} ms.")

    theta0 = M.init_params("ode", seed=p["seed"])
    solvers = {"Neural ODE": Solver(M.ode_training, (X, c), theta0, model="ode", N=10)}
    run = lesson.live("run", solvers, draw, depends={"own_data": source}, max_iter=2000, default_speed=5,
                      max_points=300, metrics=metrics, diverged_hint="The step is too large: lower η.")
    show(nfe_tolerance_figure(TOLS, {"initial field θ₀": nfe1, "stiffer field 4θ₀": nfe4},
                              title="NFE against tolerance (log-log): tighter tolerance, more evaluations"),
         "no.fig.adaptive.tol")
    last = run.series["Neural ODE"].last
    numbers = {"NFE at rtol 1e-2": nfe1[0], "NFE at rtol 1e-8": nfe1[-1], "NFE at rtol 1e-8, field 4θ₀": nfe4[-1],
               "training loss": last.loss, "training accuracy": last.info["accuracy"]}
    if "nfe" in last.info:
        numbers["NFE now"] = last.info["nfe"]
    lesson.numbers({k: v for k, v in numbers.items() if np.isfinite(v)})
    return run, solvers, {"tols": list(TOLS)}


@cached
def _robust(T: float, width: int, iters: int, seed: int):
    X, c = M.two_moons_like(80, seed=seed)
    F = M.TanhField(2)
    p_ode = 0.5 * np.random.default_rng(seed).standard_normal(F.n_params + 3)
    p_pl = 0.5 * np.random.default_rng(seed).standard_normal(2 * width + 2 * width + 1)
    for _ in range(iters):
        p_ode = p_ode - 1.0 * M.euler_classifier_loss(F, X, c, p_ode, T, 10)[1]
        p_pl = p_pl - 1.0 * M.plain_classifier_loss(X, c, p_pl, width)[1]
    ode = lambda Z: M.euler_resnet(F, Z, p_ode[:6], T, 10)[-1] @ p_ode[6:8] + p_ode[8]  # noqa: E731
    plain = lambda Z: np.tanh(Z @ p_pl[:2 * width].reshape(2, width) + p_pl[2 * width:3 * width]) \
        @ p_pl[3 * width:-1] + p_pl[-1]  # noqa: E731
    return (M.noise_accuracy(ode, X, c, SIGMAS, n_draws=10, seed=seed),
            M.noise_accuracy(plain, X, c, SIGMAS, n_draws=10, seed=seed))


def robustness_section(lesson: Lesson):
    st.subheader("Robustness to input noise and the non-crossing property")
    p = lesson.controls(ROBUST, columns=5)
    a_ode, a_pl = _robust(p["T"], p["width"], p["iters"], p["seed"])
    c1, c2 = st.columns(2)
    show(noise_figure(SIGMAS, {"Neural ODE (Euler, N = 10)": a_ode, f"plain tanh net, width {p['width']}": a_pl},
                      title="Accuracy under Gaussian input noise (80 moons points)"), "no.fig.robust.noise", c1)
    x, _ = M.swap_counterexample(2.0, 0.0, p["h"])
    F1, th = M.TanhField(1), np.array([-2.0, 0.0])
    t = np.linspace(0, p["h"], 41)
    _, r = M.ode_flow(F1, x[:, None], th, p["h"], rtol=1e-8, atol=1e-10, t_eval=t)
    Yd = M.euler_resnet(F1, x[:, None], th, p["h"], 1)[:, :, 0]
    show(trajectories_figure({"ODE flow": (t, r.y_eval), f"one ResNet step h = {p['h']:g}": ([0, p["h"]], Yd)},
                             title="Two inputs of f(y) = tanh(−2y): the flow never swaps them"),
         "no.fig.robust.traj", c2)
    flow_ok, net_ok = M.order_preserved(x, r.y_eval[-1]), M.order_preserved(x, Yd[-1])
    st.caption(f"ODE flow keeps the order: {flow_ok}; the one-step ResNet keeps it: {net_ok} "
               "(it swaps them when h·|w| > 1, here |w| = 2).")
    lesson.numbers({"ODE net: accuracy at σ = 0": a_ode[0], "ODE net: accuracy at σ = 0.5": a_ode[4],
                    "plain net: accuracy at σ = 0": a_pl[0], "plain net: accuracy at σ = 0.5": a_pl[4],
                    "flow keeps order": float(flow_ok), "ResNet step keeps order": float(net_ok)})
    return None, {}, {"sigmas": list(SIGMAS)}


def deep_section(lesson: Lesson):
    st.subheader("The deep limit: a ResNet with N layers converges to the ODE flow")
    p = lesson.controls(DEEP, columns=3)
    X, _ = M.two_moons_like(40, seed=p["seed"])
    F = M.TanhField(2)
    th = p["scale"] * np.random.default_rng(p["seed"]).standard_normal(F.n_params)
    r = M.deep_limit(F, X, th, p["T"], Ns=(4, 8, 16, 32, 64, 128, 256))
    show(deep_limit_figure(r.N, r.error, title=f"Error against depth: slope {r.slope:.3f} (Euler: −1)"),
         "no.fig.deep")
    st.caption("Reference: the adaptive Dormand-Prince solve at rtol 1e-11. Weights shared over layers (an autonomous "
               "field); a larger weight scale or T needs more layers before the slope −1 shows.")
    lesson.numbers({"slope": r.slope, "error at N = 4": r.error[0], "error at N = 256": r.error[-1]})
    return None, {}, {}


EXPERIMENTS = [
    Experiment("NFE grows in training", "Press Play. What happens to the NFE as the loss drops?",
               "The NFE of the adaptive solve at rtol 1e-4 grows (about 20 at the start, 40-50 later): "
               "the field that separates the moons is stiffer.", {"section": "adaptive"}, name="nfe-grows"),
    Experiment("A loose tolerance", "Set the tolerance to 1e-2 and play.",
               "The NFE stays near its minimum: a loose tolerance hides the stiffening (and its errors).",
               {"section": "adaptive", "rtol": 1e-2}, name="loose-tolerance"),
    Experiment("Swap two points", "Keep h = 3 and compare the ResNet step with the flow.",
               "The one-step net swaps the inputs (order kept: False); the flow keeps them ordered.",
               {"section": "robustness", "h": 3.0}, name="swap-points"),
    Experiment("A small step keeps order", "Set h = 0.1.",
               "h·|w| = 0.2 < 1: the Euler step is monotone and keeps the order, like the flow.",
               {"section": "robustness", "h": 0.1}, name="small-step"),
    Experiment("Slope −1", "Look at the error against N.",
               "The slope is about −1: Euler is first order in h = T/N.",
               {"section": "deep-limit"}, name="slope-one"),
    Experiment("A stiffer field", "Set the weight scale to 4 and T = 5.",
               "Small N is far off (the step is unstable); the slope −1 appears only for large N.",
               {"section": "deep-limit", "scale": 4.0, "T": 5.0}, name="stiff-deep-limit"),
]

"""The tractable-landscapes page (pages/landscapes.py): theory, and the sections "overparameterized" and "movement"
(Du et al. 2019) with their parameters and presets; the saddle and grid sections are in landscapes_saddle.py.

Parameter names are the keywords of ``numdl_core.theory.landscapes`` (``m``, ``n``, ``d``, ``scaling``,
``iterations``, ``lam1``, ``lam2``) and of its solvers (``step``, ``noise``), so the page passes its dict on.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.common import convergence_figure
from app.figures.theory_landscapes import movement_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.panels import live_table, show
from app.params import SEED
from numdl_core.theory import landscapes as ls

THEORY = (
    "**Over-parameterized networks (Du, Zhai, Póczos and Singh 2019).** A two-layer ReLU network "
    "f(x) = m^(−1/2) Σ_r a_r relu(w_rᵀx) with fixed a_r = ±1, trained by gradient descent on its first layer W "
    "(**rows are examples**, unit inputs x_i). The outputs u move by u(k+1) − y ≈ (I − ηH(k))(u(k) − y), with the Gram "
    "matrix H(k); at initialization H → H^∞ as m → ∞, and if λ₀ = λ_min(H^∞) > 0 (no two inputs parallel) a wide "
    "enough network converges **linearly** and every neuron moves only O(1/√m): the network stays in the lazy, "
    "kernel regime. **Saddles (Ge, Huang, Jin and Yuan 2015; Jin et al. 2017).** At a strict saddle (one negative "
    "Hessian eigenvalue λ_min) the gradient vanishes: gradient descent started on the saddle or on its stable "
    "manifold stays there; noise in the gradient pushes it off, the unstable direction grows by 1 + η|λ_min| per "
    "step, and it escapes after about log(r/(ησ))/log(1 + η|λ_min|) steps. "
    "**No spurious minima (Ge, Lee and Ma 2016).** For f(u) = ‖uuᵀ − M‖²_F every local minimum is global and every "
    "other critical point has a direction of negative curvature, so noisy gradient descent finds a global minimum. "
    "**Break it:** a narrow net (m ≈ n), two equal inputs (λ₀ = 0) or a step η > 2/λ_max(H); the mean-field "
    "scaling 1/m (weights move O(1)); a sine neuron has spurious minima at wrong frequencies.",
    [r"u_i = \tfrac{1}{\sqrt m}\textstyle\sum_r a_r\,\mathrm{relu}(w_r^\top x_i),\quad L(W) = \tfrac12\|u - y\|^2,"
     r"\quad H^\infty_{ij} = x_i^\top x_j\,\frac{\pi - \theta_{ij}}{2\pi},\quad \lambda_0 = \lambda_{\min}(H^\infty)",
     r"\|u(k) - y\|^2 \le \big(1 - \tfrac{\eta\lambda_0}{2}\big)^k \|u(0) - y\|^2,\qquad \|w_r(k) - w_r(0)\| \le "
     r"\frac{4\sqrt n\,\|y - u(0)\|}{\sqrt m\,\lambda_0}",
     r"\theta_{k+1} = \theta_k - \eta(\nabla f(\theta_k) + \sigma\xi_k),\quad \xi_k \sim N(0, I)",
     r"f(u) = \|uu^\top - M\|_F^2,\quad \nabla f = 4(\|u\|^2 u - Mu),\quad \nabla^2 f = 4(\|u\|^2 I + 2uu^\top - M)"],
    "Du, Zhai, Póczos and Singh (2019), Gradient descent provably optimizes over-parameterized neural networks, ICLR, "
    "arXiv:1810.02054; Ge, Huang, Jin and Yuan (2015), Escaping from saddle points, COLT; Jin, Ge, Netrapalli, Kakade "
    "and Jordan (2017), How to escape saddle points efficiently, ICML; Ge, Lee and Ma (2016), Matrix completion has "
    "no spurious local minimum, NeurIPS; Auer, Herbster and Warmuth (1996), Exponentially many local minima for "
    "single neurons, NeurIPS.")

WIDTHS = (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
DATA = [Param("n", "Examples n", "int", 20, lo=4, hi=40), Param("d", "Input dimension d", "int", 10, lo=2, hi=20),
        SEED]
OVER = [Param("m", "Width m", "log", 1000, options=WIDTHS), *DATA,
        Param("duplicate", "Two equal inputs, different labels", "bool", False,
              help="x₂ = x₁ with y₂ ≠ y₁: λ₀ = 0, the assumption of Du et al. fails and the loss stalls.")]
STEP = Param("step", "Step η", "choice", 1.0, options=(0.1, 0.3, 0.5, 1.0, 1.5, 2.0, 3.0), role="tunable",
             help="Gradient descent on W. Du et al. prove the rate for η = O(λ₀/n²); the linearized outputs "
                  "converge for any η < 2/λ_max(H).")
MOVE = [Param("max_width", "Largest width", "choice", 4096, options=(1024, 2048, 4096, 8192, 16384)),
        Param("iterations", "Gradient steps per width", "choice", 100, options=(50, 100, 200, 500)),
        Param("scaling", "Output scaling", "choice", "ntk", options=ls.SCALINGS,
              labels={"ntk": "m^(−1/2) (Du et al.)", "mean-field": "1/m, step × m (mean field)"}),
        STEP.but(role="structure"), *DATA]



@st.cache_data(max_entries=16, show_spinner=False)
def _problem(m: int, n: int, d: int, seed: int, duplicate: bool):
    X, y = ls.unit_sphere_data(n, d, seed=seed, duplicate=duplicate)
    net = ls.TwoLayerReLU(X, y, m, seed=seed + 1)
    lam = np.linalg.eigvalsh(ls.relu_gram(X))
    return net, float(lam[0]), float(lam[-1]), float(np.linalg.eigvalsh(net.gram(net.theta0))[0])


def over_section(lesson: Lesson):
    st.subheader("A wide two-layer ReLU network: linear convergence, λ_min(H), lazy weights")
    p = lesson.controls(OVER[:4], columns=4)
    p.update(lesson.controls(OVER[4:]))
    p["m"] = int(p["m"])
    lesson.controls([STEP])
    net, lam0, lam_max, lam_init = _problem(p["m"], p["n"], p["d"], p["seed"], p["duplicate"])
    rate = ls.du_rate(lesson.params["step"], lam0)
    loss0 = net.value_and_grad(net.theta0)[0]

    def measured(s) -> float:
        """(L_K / L_0)^(1/K): the average rate per iteration so far."""
        with np.errstate(all="ignore"):
            return float((s.last.loss / loss0) ** (1.0 / s.iteration)) if s.iteration else float("nan")

    def metrics(name, s):
        return {"movement": ls.relative_movement(s.x, net.theta0),
                "lam_min": float(np.linalg.eigvalsh(net.gram(s.x))[0])}

    def draw(run) -> None:
        h = next(iter(run.series.values())).history
        c1, c2 = st.columns(2)
        k = np.arange(0, max(h["iteration"][-1], 1) + 1)
        show(convergence_figure({f"GD, m = {p['m']}": (h["iteration"], h["loss"])}, title="Loss ½‖u − y‖²",
                                theory={f"bound (1 − ηλ₀/2)^k = {rate:.4f}^k": (k, h["loss"][0] * rate ** k)},
                                events=run.events), "ls.fig.over.loss", c1)
        show(convergence_figure({"GD": (h["iteration"], h["movement"])}, right={"GD": (h["iteration"], h["lam_min"])},
                                y_title="‖W − W(0)‖_F / ‖W(0)‖_F", right_title=f"λ_min(H(k)); λ₀ = {lam0:.3g}",
                                title="Weights move little; H stays near H^∞"), "ls.fig.over.move", c2)
        live_table(pd.DataFrame([{"iteration": s.iteration, "loss": f"{s.last.loss:.3e}", "average rate":
                                  f"{measured(s):.4f}", "bound": f"{rate:.4f}", "status": s.status}
                                 for s in run.series.values()]))

    solvers = {"GD": Solver("gradient_descent", net, net.theta0)}
    run = lesson.live("run", solvers, draw, max_iter=3000, default_speed=5, max_points=300, metrics=metrics,
                      diverged_hint=f"η is above 2/λ_max(H) ≈ {2 / lam_max:.2f}: the outputs oscillate and grow.")
    st.caption(f"n = {p['n']} unit inputs in R^{p['d']}, labels U[−1, 1]; λ₀ = λ_min(H^∞) = {lam0:.4g} (closed "
               f"form), λ_min(H(0)) = {lam_init:.4g} at width {p['m']} (Monte Carlo over the neurons), "
               f"λ_max(H^∞) = {lam_max:.3f}. The theory needs m = Ω(n⁶/λ₀⁴); far fewer suffice here.")
    s = run.series["GD"]
    numbers = {"lambda_0 = lambda_min(H_inf)": lam0, "lambda_min(H(0))": lam_init,
               "bound rate 1 - eta lambda_0/2": rate, "loss": s.last.loss,
               "relative movement": ls.relative_movement(s.last.x, net.theta0), "measured average rate": measured(s)}
    lesson.numbers({k: v for k, v in numbers.items() if np.isfinite(v)})
    return run, solvers, {}


def _sweep(widths: tuple, iterations: int, scaling: str, step: float, n: int, d: int, seed: int) -> ls.MovementStudy:
    bar = st.progress(0.0, text=f"Training {len(widths)} networks …")
    study = ls.movement_study(widths, n=n, d=d, step=step, iterations=iterations, scaling=scaling, seed=seed,
                              progress=lambda f: bar.progress(f, text=f"Training {len(widths)} networks … {f:.0%}"))
    bar.empty()
    return study


_cached_sweep = st.cache_data(max_entries=16, show_spinner=False)(_sweep)


def widths_of(max_width: int) -> tuple:
    """32, 64, ..., max_width."""
    return tuple(2 ** k for k in range(5, int(np.log2(max_width)) + 1))


def movement_section(lesson: Lesson) -> None:
    st.subheader("How far do the weights move? Slope −½ against the width")
    p = lesson.controls(MOVE, columns=4)
    s = _cached_sweep(widths_of(p["max_width"]), p["iterations"], p["scaling"], p["step"], p["n"], p["d"], p["seed"])
    show(movement_figure(s.widths, {"‖W − W(0)‖_F / ‖W(0)‖_F": s.relative, "max_r ‖w_r − w_r(0)‖": s.max_neuron},
                         slope=s.slope, title="Weight movement after training, against the width"), "ls.fig.move")
    verdict = abs(s.slope + 0.5) <= 0.15
    (st.success if verdict else st.warning)(
        f"Fitted slope {s.slope:.3f} (relative movement) and {s.slope_max:.3f} (largest neuron); Du et al.: −0.5. "
        + ("Within 0.15 of −½: the lazy regime." if verdict else "Not −½: this is not the lazy regime."))
    st.caption(f"Each width trained by {p['iterations']} gradient steps from its own W(0) ~ N(0, I) on the same data "
               f"(λ₀ = {s.lam0:.4f}); final losses from {s.final_loss.min():.1e} to {s.final_loss.max():.1e}. "
               "‖W(0)‖_F ≈ √(md) grows while ‖W − W(0)‖_F stays O(1): the relative movement falls like m^(−1/2).")
    lesson.numbers(s.numbers)


EXPERIMENTS = [
    Experiment("Wide: linear convergence", "Play about 200 iterations at width 1000 (η = 1).",
               "The loss falls on a straight line on the log axis, below the dashed bound (1 − ηλ₀/2)^k: after 180 "
               "iterations the measured average rate is 0.78 against the bound 0.939 (λ₀ = 0.122, λ_min(H(0)) = "
               "0.116), the weights have moved 7% (‖W − W(0)‖_F / ‖W(0)‖_F) and λ_min(H(k)) stays near λ₀.",
               {"section": "overparameterized", "speed": 20}, name="wide-linear-convergence"),
    Experiment("Narrow: the guarantee is gone", "Set the width to 10 and play.",
               "With m = 10 (100 weights for 20 examples) λ_min(H(0)) = 0.060 is half of λ₀, the weights move by "
               "100% of their size and activation patterns change: after 220 iterations the average rate 0.947 is "
               "worse than the bound 0.939 that holds for wide nets.",
               {"section": "overparameterized", "m": 10, "speed": 20}, name="narrow-network"),
    Experiment("A step too large", "Set η = 3 and press Step a few times.",
               "λ_max(H^∞) = 1.41: for η > 2/λ_max ≈ 1.4 the linearized outputs are amplified by |1 − ηλ| > 1 and "
               "the run diverges.", {"section": "overparameterized", "step": 3.0}, name="step-too-large"),
    Experiment("Two equal inputs", "Switch on 'Two equal inputs, different labels' and play.",
               "x₂ = x₁ makes H^∞ singular: λ₀ = 0 (to round-off) and the bound (1 − ηλ₀/2)^k is flat. The loss "
               "stalls at (y₁ − y₂)²/4 = 0.146 within 50 iterations — the best any function can do on one input with "
               "two labels: Du et al.'s assumption λ₀ > 0 is necessary.",
               {"section": "overparameterized", "duplicate": True, "speed": 20}, name="parallel-inputs"),
    Experiment("Slope −½", "Read the fitted slope of the relative movement.",
               "Widths 32 to 4096, 100 steps each: the fitted slope is −0.585 (−0.53 for the largest single "
               "neuron), within 0.15 of Du et al.'s −½.", {"section": "movement"}, name="slope-minus-half"),
    Experiment("Mean field: the weights move", "Choose the output scaling 1/m (with the step times m).",
               "The fitted slope is −0.03 (relative movement 2.4 at m = 4096): each neuron moves O(1) whatever "
               "the width; this is the mean-field (feature-learning) regime, outside Du et al.'s analysis.",
               {"section": "movement", "scaling": "mean-field"}, name="mean-field-moves"),
]

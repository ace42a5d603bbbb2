"""The optimal control page's theory and its sections "gradients" and "train" (pages/optimal_control.py): the course's
spiral fitted by a Neural ODE, its gradient by discretize-then-optimize (backpropagation through RK4) against
optimize-then-discretize (the continuous adjoint solved by an adaptive RK45), their derivative checks, and live Adam
training with each.

The page lists the sections in its SECTIONS literal, adds :data:`EXPERIMENTS` to its presets, shows :data:`THEORY`
and calls :func:`gradients_section` (returns None) and :func:`train_section` (returns ``(run, solvers, extra)``).
Parameter names are the keywords of ``numdl_core.control.SpiralFit`` (``n_steps``, ``rtol``, ``atol``) and of
``numdl_core.optim.adam`` (``lr``). Slides: 08-NumDNN-OptimalControl.tex ("Example: Gradient Test Disc→Diff",
"Example: Training Disc→Diff").
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.common import convergence_figure
from app.figures.control import phase_figure, taylor_comparison_figure, tolerance_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.panels import live_table, self_check, show
from app.params import SEED, log_options
from numdl_core import control
from numdl_core.solvers import SOLVERS

__all__ = ["THEORY", "EXPERIMENTS", "CHECKS", "TRAIN", "SWITCHES", "TUNE", "VIEW", "BLOWUP", "MAX_ITER", "fit",
           "start_weights", "gradients_section", "train_section"]

THEORY = (
    "A **Neural ODE** fits the weights θ of a vector field f(y, θ) so that the solution of ∂ₜy = f(y, θ), y(0) = y₀, "
    "passes through observations c_i at times t_i. The course's example: 30 points on t ∈ (0, 1.5] of ∂ₜy = y³A "
    "(componentwise cube), A = [[−0.1, 2], [−2, −0.1]], y₀ = (2, 0), fitted with f(y, θ) = tanh(y³K₁ + b₁)K₂ + b₂ of "
    "width 50. **Rows are examples**: a state is a row vector, so the course's K y is our y K.\n\n"
    "Two ways to the gradient. **Discretize-then-optimize** (DTO, Disc→Diff): discretize the ODE (RK4, a fixed step) "
    "and differentiate the discrete loss exactly: backpropagation through the solver, the discrete adjoint. "
    "**Optimize-then-discretize** (OTD, Diff→Disc): differentiate the continuous problem, which gives the adjoint "
    "equation below, then solve forward and adjoint equations with any solver (here an adaptive Dormand-Prince RK45 "
    "at a tolerance, y recomputed backward with z as in Chen et al. 2018). OTD's gradient is that of the continuous "
    "loss only as far as both solves are accurate; at a loose tolerance it is not the gradient of the loss the "
    "computer evaluates, and the Taylor test shows it (E1 of order 1). DTO's gradient is always the exact gradient "
    "of what is computed, even when the discretization is coarse (the model may then fit the discretization).",
    [r"\min_\theta\ L(\theta) = \sum_{i=1}^{30} \|y(t_i;\theta) - c_i\|^2, \qquad \partial_t y = f(y, \theta),"
     r"\quad y(0) = y_0",
     r"-\partial_t z = \Big(\frac{\partial f}{\partial y}\Big)^{\!\top} z,\quad z(t_{30}) = \frac{\partial L}"
     r"{\partial y(t_{30})},\quad z(t_i^-) = z(t_i^+) + \frac{\partial L}{\partial y(t_i)},\qquad \nabla_\theta L = "
     r"\int_0^{T} \Big(\frac{\partial f}{\partial \theta}\Big)^{\!\top} z\, dt",
     r"\text{DTO: } Y_{k+1} = \Phi_h(Y_k, \theta),\quad \Lambda_k = (\partial_Y \Phi_h)^\top \Lambda_{k+1} + "
     r"\frac{\partial L}{\partial Y_k},\quad \nabla_\theta L = \sum_k (\partial_\theta \Phi_h(Y_k))^\top "
     r"\Lambda_{k+1}"],
    "Ruthotto and Haber, Numerical Methods for Deep Learning, Module 8; Onken and Ruthotto (2020), "
    "Discretize-optimize vs. optimize-discretize for time-series regression and continuous normalizing flows, "
    "arXiv:2005.13420; Chen, Rubanova, Bettencourt and Duvenaud (2018), Neural ordinary differential equations, "
    "NeurIPS; Gholami, Keutzer and Biros (2019), ANODE, IJCAI; Haber and Ruthotto (2017), Stable architectures for "
    "deep neural networks, Inverse Problems; Hairer, Nørsett and Wanner, Solving ODEs I (Dormand-Prince 5(4)).")

RTOLS = log_options(1e-10, 1e-1, 1)
ATOLS = log_options(1e-12, 1e-1, 1)
STEPS = (30, 60, 150, 300)
WEIGHTS = {"start": "the start (seed)", "trained": "after 100 DTO Adam steps"}
BLOWUP = 1e4  # a loss above 1e4 x the initial one counts as diverged (the tanh field is bounded: no overflow)
MAX_ITER = 600
TOL_HELP = "Relative and absolute tolerance of both RK45 solves of OTD (the course: 1e-7 / 1e-9 and 1e-2 / 1e-2)."

CHECKS = [Param("n_steps", "RK4 steps (DTO)", "choice", 30, options=STEPS,
                help="Fixed RK4 steps over [0, 1.5], a multiple of the 30 observation times (the course: 30)."),
          Param("rtol", "OTD rtol", "log", 1e-7, options=RTOLS, help=TOL_HELP),
          Param("atol", "OTD atol", "log", 1e-9, options=ATOLS, help=TOL_HELP),
          Param("weights", "Check at the weights", "choice", "start", options=tuple(WEIGHTS), labels=WEIGHTS,
                help="The initial weights (K₁, K₂ ~ N(0, 0.1²), zero biases), or those after 100 full-batch Adam "
                     "steps of DTO (η = 0.03), where the field is strong and RK4 with 30 steps is inaccurate."),
          SEED.but(help="Seeds the initial weights and the direction v of the Taylor test.")]
TRAIN = [CHECKS[0], CHECKS[1].but(default=1e-2), CHECKS[2].but(default=1e-2),
         SEED.but(help="Seeds the initial weights (the same start for both methods).")]
SWITCHES = [Param("run_dto", "DTO: backprop through RK4", "bool", True),
            Param("run_otd", "OTD: adjoint with RK45", "bool", True)]
TUNE = [Param("lr", "Adam learning rate η", "log", 0.03, options=(1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 10.0, 100.0),
              role="tunable", help="Full-batch Adam (β₁ = 0.9, β₂ = 0.999). Change it while the run plays: Adam "
                                   "keeps its moments.")]
VIEW = Param("field_of", "Field drawn", "choice", "dto", options=("dto", "otd"),
             labels={"dto": "DTO's", "otd": "OTD's"}, role="view", widget="segmented")


@st.cache_resource(max_entries=16, show_spinner=False)
def fit(method: str, n_steps: int = 30, rtol: float = 1e-7, atol: float = 1e-9) -> control.SpiralFit:
    """The (stateless, shared) spiral objective of a method and its discretization."""
    return control.SpiralFit(method, n_steps=n_steps, rtol=rtol, atol=atol)


@st.cache_data(max_entries=8, show_spinner=False)
def start_weights(weights: str, seed: int) -> np.ndarray:
    """The weights of the derivative check: the initial ones, or after 100 DTO Adam steps (η = 0.03)."""
    theta = control.CubicTanhField(50).init(seed)
    if weights == "trained":
        *_, last = itertools.islice(SOLVERS["adam"](fit("dto"), theta, lr=0.03, batch_size=None), 101)
        theta = last.x
    return theta


@st.cache_data(max_entries=16, show_spinner=False)
def _checks(n_steps: int, rtol: float, atol: float, weights: str, seed: int):
    theta = start_weights(weights, seed)
    return (control.taylor_check(fit("dto", n_steps), theta, seed=seed),
            control.taylor_check(fit("otd", rtol=rtol, atol=atol), theta, seed=seed))


@st.cache_data(max_entries=8, show_spinner=False)
def _study(n_steps: int, weights: str, seed: int) -> control.ToleranceStudy:
    return control.tolerance_study(start_weights(weights, seed), n_steps=n_steps)


def gradients_section(lesson: Lesson) -> None:
    st.subheader("DTO vs OTD: are the gradients right?")
    p = lesson.controls(CHECKS, columns=5)
    with st.spinner("Taylor tests and the tolerance sweep (cached; a second or two at the trained weights or a "
                    "tight tolerance)…"):
        dto, otd = _checks(p["n_steps"], p["rtol"], p["atol"], p["weights"], p["seed"])
        s = _study(p["n_steps"], p["weights"], p["seed"])
    names = {"dto": f"DTO (RK4, {p['n_steps']} steps)",
             "otd": f"OTD (RK45, rtol {p['rtol']:.0e}, atol {p['atol']:.0e})"}
    c1, c2 = st.columns([3, 2])
    show(taylor_comparison_figure(dto.h, {names["dto"]: (dto.err0, dto.err1), names["otd"]: (otd.err0, otd.err1)},
                                  title="Taylor test of the loss along a random direction v"), "oc.fig.grad.taylor", c1)
    table = pd.DataFrame([{"gradient": names[k], "E1 order": f"{c.order:.2f}", "E1 at h = 2⁻²⁰": f"{c.err1[-1]:.2e}",
                           "verdict": "✔ order 2" if c.passed else "✘ order 1: wrong"} for k, c in
                          (("dto", dto), ("otd", otd))])
    c2.dataframe(table, hide_index=True, width="stretch")
    for k, c in (("dto", dto), ("otd", otd)):
        if c.passed:
            c2.success(f"✔ {names[k]}: E1 falls like h^{c.order:.1f} down to {c.err1[-1]:.1e}.")
        else:
            c2.error(f"✘ {names[k]}: E1 falls only like h^{c.order:.1f} and stalls at {c.err1[-1]:.1e}: the gradient "
                     "is not the gradient of the computed loss.")
    c2.caption("h = 2⁻¹ … 2⁻²⁰ (the course's range); v standard normal. Each gradient is tested against its own loss: "
               "DTO against the RK4 loss, OTD against the RK45 loss at the same tolerance. The course: DTO and OTD at "
               "rtol 1e-7 fall as h² to about 1.3e-7, OTD at 1e-2 stalls near 2e-5 with order 1 (its loss is "
               "scaled differently; the shape is the point).")
    show(tolerance_figure(s.tols, s.otd_error, s.nfev, dto_error=s.dto_error, dto_label=names["dto"],
                          current=p["rtol"], title="Tolerance control: the OTD gradient against the continuous one"),
         "oc.fig.grad.tol")
    st.caption(f"g* = the OTD gradient at rtol 1e-11 (the gradient of the continuous loss). The OTD error falls from "
               f"{s.otd_error[0]:.1e} at rtol 1e-1 to {s.otd_error[-1]:.1e} at 1e-9, for {s.nfev[0]} → {s.nfev[-1]} "
               f"field evaluations (forward + adjoint). DTO's gradient is {s.dto_error:.1e} from g*: exact for the "
               "discrete loss, it differs from the continuous gradient by the discretization error.")
    self_check("OTD at rtol = atol = 1e-2 fails the Taylor test although its forward solve is only a little "
               "inaccurate. Which statement is right?",
               ["The adjoint equation is wrong for this network.",
                "Its gradient approximates the continuous gradient, not the gradient of the loss it computes.",
                "RK45 cannot be differentiated."], 1,
               "The continuous adjoint is the right derivative of the continuous problem, but the loss the Taylor test "
               "perturbs is the one RK45 computes at that tolerance; the two derivatives differ by O(tolerance), so "
               "E1 keeps a term of order h. DTO differentiates exactly what it computes.", key="oc.gradients.self")
    lesson.numbers({"DTO E1 order": dto.order, "DTO E1 at smallest h": dto.err1[-1], "OTD E1 order": otd.order,
                    "OTD E1 at smallest h": otd.err1[-1], "OTD error at rtol 1e-1": s.otd_error[0],
                    "OTD error at rtol 1e-9": s.otd_error[-1], "DTO distance to the continuous gradient": s.dto_error})


# ------------------------------------------------------------------------------------------------------ training
GRID = np.linspace(-2.5, 2.5, 11)


@st.cache_data(max_entries=2, show_spinner=False)
def _truth() -> np.ndarray:
    """The true trajectory on a fine time grid (static layer)."""
    d = control.spiral_data(150)
    return np.vstack([d.y0, d.C[:, 0]])


def _series(p: dict) -> dict:
    """{label: (SpiralFit, key)} of the switched-on methods."""
    out = {}
    if p["run_dto"]:
        out[f"DTO (RK4, {p['n_steps']} steps)"] = (fit("dto", p["n_steps"]), "dto")
    if p["run_otd"]:
        out[f"OTD (rtol {p['rtol']:.0e}, atol {p['atol']:.0e})"] = (fit("otd", rtol=p["rtol"], atol=p["atol"]), "otd")
    return out


def train_section(lesson: Lesson):
    st.subheader("Fitting the spiral: DTO against OTD, the same Adam, the same start")
    p = lesson.controls(TRAIN, columns=4)
    p.update(lesson.controls(SWITCHES, columns=2))
    lesson.controls(TUNE)
    series = _series(p)
    if not series:
        st.warning("Switch on at least one method.")
        return None
    theta0 = control.CubicTanhField(50).init(p["seed"])
    accurate = fit("otd", rtol=1e-8, atol=1e-10)
    data = control.spiral_data()
    truth = _truth()

    view = lesson.controls([VIEW])["field_of"]

    def draw(run) -> None:
        c1, c2 = st.columns(2)
        show(convergence_figure({n: (s.history["iteration"], s.history["loss"]) for n, s in run.series.items()},
                                x_title="Adam step", title="Loss Σ‖y(t_i) − c_i‖² (each method's own)",
                                events=run.events, diverged={n: s.iteration for n, s in run.series.items()
                                                             if s.status == "diverged"}), "oc.fig.train.loss", c1)
        paths, shown = {}, None
        for n, s in run.series.items():
            obj, key = series[n]
            if s.last is not None and np.all(np.isfinite(s.last.x)):
                paths[n] = np.vstack([data.y0, obj.predict(s.last.x)[:, 0]])
                if key == view or shown is None:
                    shown = (n, s.last.x)
        U = V = np.full((GRID.size, GRID.size), np.nan)
        if shown is not None:
            X, Y = np.meshgrid(GRID, GRID)
            with np.errstate(all="ignore"):
                F = control.CubicTanhField(50).f(np.column_stack([X.ravel(), Y.ravel()]), shown[1])
            U, V = F[:, 0].reshape(X.shape), F[:, 1].reshape(X.shape)
        show(phase_figure(GRID, GRID, U, V, truth, data.C[:, 0], paths, field_name=shown[0] if shown else "",
                          title="Learned field and trajectories"), "oc.fig.train.phase", c2)
        live_table(pd.DataFrame(rows(run)))
        st.caption(f"Frame compute time {run.frame_ms:.0f} ms. 'true loss': the same θ with an accurate solve (RK45 "
                   "at rtol 1e-8): what the model really does between the data. Arrows: the direction of the field.")

    def rows(run) -> list:
        return [{"method": n, "step": s.iteration, "own loss": f"{s.last.loss:.4g}",
                 "true loss": f"{true_loss(s.last.x):.4g}", "status": s.status} for n, s in run.series.items()]

    def true_loss(x: np.ndarray) -> float:
        return accurate.value(x) if np.all(np.isfinite(x)) else float("nan")

    solvers = {n: Solver("adam", obj, theta0, batch_size=None, blowup=BLOWUP) for n, (obj, _) in series.items()}
    run = lesson.live("run", solvers, draw, max_iter=MAX_ITER, default_speed=2, max_points=120,
                      diverged_hint="the learning rate is far too large: Adam's first steps move every weight by "
                                    "about η, the field explodes and the loss with it. Lower η (the course: 1e-3 to "
                                    "0.03).")
    from app.lessons.optimal_control_compare import train_compare  # (it imports this module)
    train_compare(lesson, p["seed"])
    st.caption(f"{fit('dto').n_params} weights (width 50), 30 observations; both methods start from the same θ₀ "
               "(seed) and take full-batch Adam steps (one gradient per step). The course, after 300 steps: loss 0.446 "
               "(DTO) against 145.3 (OTD, tolerance 1e-2) and 142.0 (OTD, 1e-7).")
    with np.errstate(all="ignore"):
        numbers = {f"{n} loss": s.last.loss for n, s in run.series.items()}
        numbers.update({f"{n} true loss": true_loss(s.last.x) for n, s in run.series.items()})
    lesson.numbers({k: v for k, v in numbers.items() if np.isfinite(v)})
    fits = {n: {"method": key, "n_steps": p["n_steps"], "rtol": p["rtol"], "atol": p["atol"]}
            for n, (_, key) in series.items()}
    return run, solvers, {"fits": fits}


EXPERIMENTS = [
    Experiment("DTO: backprop through RK4", "Read the Taylor test of the DTO gradient (RK4, 30 steps). Then set 300 "
               "RK4 steps.", "E1 falls like h² over the whole range (observed order 2.00) down to 5.2e-10 at "
               "h = 2⁻²⁰ (the course, with its own scaling: 1.3e-7). The discrete adjoint is the exact gradient of the "
               "RK4 loss, with 30 steps as with 300; only its distance to the continuous gradient changes (3e-9 at "
               "the start weights).", {"section": "gradients"}, name="dto-rk4"),
    Experiment("OTD at loose tolerance fails", "Set the OTD tolerances to rtol = atol = 1e-2, the course's loose "
               "setting.", "E1 of OTD stops falling like h² at about h = 2⁻¹⁴ and continues like h (order 0.96), "
               "stalling at 3.6e-8 at h = 2⁻²⁰ while DTO reaches 5.2e-10 (the course: order 1 and 2e-5): the adjoint "
               "solved at this tolerance is not the gradient of the loss the forward solve computes (relative error "
               "1e-5 here).", {"section": "gradients", "rtol": 0.01, "atol": 0.01}, name="otd-loose-tolerance"),
    Experiment("Trained weights make it worse", "Check at the weights after 100 DTO Adam steps, with OTD at 1e-2.",
               "The learned field is strong and twisted: in the tolerance sweep the OTD gradient at rtol 1e-2 is 15 "
               "times its own size away from g* (78 at 1e-1); the Taylor test of OTD at rtol = atol = 1e-2 stalls "
               "at 1e-3 with order 1.0, while DTO still passes (order 2.00, 2.8e-9). DTO's "
               "gradient is now 7% away from the continuous one: RK4 with 30 steps no longer resolves this field, "
               "and DTO optimizes the discrete model it computes.",
               {"section": "gradients", "rtol": 0.01, "atol": 0.01, "weights": "trained"}, name="trained-weights"),
    Experiment("DTO against OTD at 1e-2", "Play 300 Adam steps (η = 0.03) with both methods from the same start.",
               "After 300 steps DTO's loss is 0.42 (its true loss too), OTD's own loss 1.36 and its true loss 2.85: "
               "the inconsistent OTD gradient costs a factor 7 (the course: 0.446 against 145.3). Watch the OTD curve "
               "jump (3.5 at step 150, 15.9 at step 200): steps along a wrong gradient.", {"section": "train"},
               name="dto-vs-otd"),
    Experiment("OTD at a tight tolerance", "Set the OTD tolerances to 1e-7 / 1e-9 and play 300 steps.",
               "Now OTD's gradient is the continuous one to about 1e-7, consistent with its loss, and the two runs "
               "stay close (0.409 against DTO's 0.420 after 300 steps), OTD at about 5 times the cost per step. DTO's "
               "gradient belongs to the RK4 model: 3e-9 from the continuous one at the start, a few percent where the "
               "learned field is strong. (The course reports 142.0 for OTD at 1e-7; with a consistent adjoint we do "
               "not see that failure.)", {"section": "train", "rtol": 1e-7, "atol": 1e-9}, name="otd-tight-tolerance"),
    Experiment("A learning rate far too large", "Set η = 100 and press Step.",
               "Adam's first step moves every weight by about η = 100: the field becomes huge, the trajectories shoot "
               "off and the loss grows above 10⁴ times its start: \"diverged at iteration 1\".",
               {"section": "train", "lr": 100.0}, name="learning-rate-too-large"),
]

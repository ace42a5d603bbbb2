"""The optimizer-zoo section of the introduction to theory (pages/intro_theory.py): SGD, momentum, Nesterov,
AdaGrad, RMSprop and Adam racing on a 2-D test function, each with its own step size, live.

The page lists the section as ``"optimizers"`` in its SECTIONS and calls :func:`optimizers_section` (returns
``(run, solvers, extra)``). Each series runs ``numdl_core.theory.intro.zoo_method``; :func:`runner` renames its
tunable ``lr`` to the page parameter ``lr_<method>``, so every runner has its own step size, changeable mid-run.
Export: ``app/exports/theory_intro.py``.
"""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import streamlit as st

from app.compare import Setup
from app.figures.common import convergence_figure, decimate
from app.figures.theory_intro import contour_levels, race_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.panels import live_table, show
from numdl_core.theory import intro

__all__ = ["LABELS", "PROBLEM", "SWITCHES", "RATES", "COMPARE", "EXPERIMENTS", "runner", "compare_make",
           "optimizers_section"]

LABELS = {"sgd": "SGD", "momentum": "momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad", "rmsprop": "RMSprop",
          "adam": "Adam"}
PROBLEM_LABELS = {"rosenbrock": "Rosenbrock", "saddle": "saddle", "quadratic": "ill-conditioned quadratic"}
LRS = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
DEFAULT_LR = {"sgd": 0.002, "momentum": 0.002, "nesterov": 0.001, "adagrad": 0.5, "rmsprop": 0.005, "adam": 0.1}
MAX_ITER = 5000
GRID = 32  # contour grid per axis (uint8 levels)

PROBLEM = [Param("problem", "Test function", "choice", "rosenbrock", options=intro.ZOO_PROBLEMS, labels=PROBLEM_LABELS,
                 widget="segmented"),
           Param("kappa", "Condition number κ (quadratic)", "choice", 25.0, options=(5.0, 25.0, 100.0, 400.0)),
           Param("momentum", "Momentum μ (γ in the notes)", "choice", 0.9, options=(0.5, 0.8, 0.9, 0.95, 0.99),
                 help="For momentum and Nesterov.")]
SWITCHES = [Param(f"show_{m}", label, "bool", True) for m, label in LABELS.items()]
RATES = [Param(f"lr_{m}", f"η {label}", "log", DEFAULT_LR[m], options=LRS, role="tunable",
               help="This runner's own step size; change it while the race runs.") for m, label in LABELS.items()]
COMPARE = [Param("method", "Optimizer", "choice", "sgd", options=tuple(LABELS), labels=LABELS),
           Param("lr", "Step size η", "log", DEFAULT_LR["sgd"], options=LRS), PROBLEM[2]]  # compare mode
TARGET = 1e-8  # compare mode: iterations until f(x_k) − f* ≤ 1e-8


def runner(method: str):
    """A generator function ``(obj, theta0, *, lr_<method>, momentum)`` running ``intro.zoo_method(method, ...)``,
    with ``lr_<method>`` as its tunable (sent on as ``lr``)."""
    key = f"lr_{method}"

    def run(obj, theta0, **kw):
        gen = intro.zoo_method(method, obj, theta0, lr=kw[key], momentum=kw.get("momentum", 0.9), maxiter=MAX_ITER,
                               blowup=intro.RACE_BLOWUP)
        sent = yield next(gen)
        while True:
            try:
                step = gen.send({"lr": sent[key]} if sent and key in sent else None)
            except StopIteration:
                return
            sent = yield step

    P = inspect.Parameter
    run.__signature__ = inspect.Signature([P("obj", P.POSITIONAL_OR_KEYWORD), P("theta0", P.POSITIONAL_OR_KEYWORD),
                                           P(key, P.KEYWORD_ONLY), P("momentum", P.KEYWORD_ONLY, default=0.9)])
    run.tunables = (key,)
    run.__name__ = f"zoo_{method}"
    return run


@st.cache_data(max_entries=16, show_spinner=False)
def _contours(problem: str, kappa: float):
    p = intro.zoo_problem(problem, kappa=kappa)
    gx, gy, F = p.grid(GRID)
    return gx, gy, contour_levels(F, p.f_min)


def compare_make(p: dict) -> Setup:
    """One configuration of the compare panel: optimizer ``p["method"]`` with step ``p["lr"]`` (and the momentum)
    on the page's test function, with its gap f(x_k) − f*."""
    prob = intro.zoo_problem(p["problem"], kappa=p["kappa"])
    solver = Solver(runner(p["method"]), prob.objective, prob.x0, **{f"lr_{p['method']}": p["lr"]})
    return Setup(solver, value=lambda s: s.loss - prob.f_min)


def optimizers_section(lesson: Lesson):
    st.subheader("The optimizer zoo: six methods race to the minimum")
    p = lesson.controls(PROBLEM[:1])
    p.update(lesson.controls(PROBLEM[1:], columns=2, disabled=() if p["problem"] == "quadratic" else ("kappa",)))
    on = lesson.controls(SWITCHES, columns=6)
    lesson.controls(RATES, columns=6)
    methods = [m for m in LABELS if on[f"show_{m}"]]
    if not methods:
        st.warning("Switch on at least one optimizer.")
        return None
    prob = intro.zoo_problem(p["problem"], kappa=p["kappa"])
    gx, gy, levels = _contours(p["problem"], p["kappa"])

    def draw(run) -> None:
        c1, c2 = st.columns([3, 2])
        paths = {n: np.array(s.path) for n, s in run.series.items() if s.path}
        show(race_figure(gx, gy, levels, paths, prob.minimizers, title=f"{PROBLEM_LABELS[prob.name]}: trajectories"),
             "t0.fig.race.paths", c1)
        curves = {n: decimate(np.asarray(s.history["iteration"], float), np.asarray(s.history["loss"]) - prob.f_min,
                              30, log=True) for n, s in run.series.items()}
        show(convergence_figure(curves, y_title="f(x_k) − f*", title="Gap to the minimum", events=run.events,
                                diverged={n: s.iteration for n, s in run.series.items() if s.status == "diverged"}),
             "t0.fig.race.gap", c2)
        live_table(pd.DataFrame(rows(run)))
        st.caption(f"Frame compute time {run.frame_ms:.1f} ms. Every runner starts at ({prob.x0[0]:g}, "
                   f"{prob.x0[1]:g}); one iteration is one full gradient (no noise: 'SGD' is plain gradient descent "
                   "here).")

    def rows(run) -> list:
        return [{"method": n, "iteration": s.iteration, "f − f*": f"{s.last.loss - prob.f_min:.3g}",
                 "distance to minimum": f"{prob.distance(s.last.x):.3g}" if s.status != "diverged" else "–",
                 "status": s.message or s.status} for n, s in run.series.items()]

    solvers = {LABELS[m]: Solver(runner(m), prob.objective, prob.x0) for m in methods}
    run = lesson.live("race", solvers, draw, keep_path=True, max_points=600, max_iter=MAX_ITER, default_speed=5,
                      diverged_hint="the step is too large for the curvature here (for gradient descent on the "
                                    "quadratic: η > 2/κ); lower that runner's η.")
    lesson.compare("optimizers", compare_make, COMPARE, {"method": "adam", "lr": lesson.params["lr_adam"]},
                   start={"lr": lesson.params["lr_sgd"]}, max_iter=MAX_ITER, target=TARGET,
                   value_label="final f − f*", y_title="f(x_k) − f*",
                   note="One iteration is one full gradient, counted as 2 passes (no data, no noise).")
    if p["problem"] == "quadratic":
        t = lesson.params["lr_sgd"]
        rate = intro.gd_quadratic_rate(p["kappa"], t)
        st.info(f"Gradient descent on ½(x₁² + κx₂²) multiplies the error by max(|1 − η|, |1 − ηκ|) = {rate:.4g} per "
                f"step (η = {t:g}, κ = {p['kappa']:g}); it diverges for η > 2/κ = {2 / p['kappa']:.3g}. The best "
                f"fixed step 2/(1 + κ) gives (κ − 1)/(κ + 1) = {(p['kappa'] - 1) / (p['kappa'] + 1):.4g}.")
    numbers = {}
    for n, s in run.series.items():
        if s.status == "diverged":
            numbers[f"{n} diverged at iteration"] = s.iteration
        else:
            numbers[f"{n} f - f*"] = s.last.loss - prob.f_min
            numbers[f"{n} distance to minimum"] = prob.distance(s.last.x)
    if p["problem"] == "quadratic":
        numbers["GD contraction factor (theory)"] = intro.gd_quadratic_rate(p["kappa"], lesson.params["lr_sgd"])
    lesson.numbers(numbers)
    methods_of = {LABELS[m]: m for m in methods}
    return run, solvers, {"runners": {n: [methods_of[n], lesson.params[f"lr_{methods_of[n]}"]] for n in solvers}}


EXPERIMENTS = [
    Experiment("The banana valley", "Play the race on Rosenbrock with the default steps for about 2000 iterations. "
               "Who arrives at (1, 1) first, who creeps along the valley?",
               "Momentum (η = 0.002, μ = 0.9) is within 1e-3 of (1, 1) after 861 iterations, Adam (η = 0.1) after "
               "1220, Nesterov (η = 0.001) after 1621. Plain gradient descent (η = 0.002) is still 0.085 away after "
               "3000: the valley floor is nearly flat along the parabola and steep across it, and a step small enough "
               "for the walls crawls along the floor. AdaGrad's steps decay like 1/√k (0.11 away at 3000); RMSprop "
               "with a constant η keeps jittering across the valley (0.039 away).",
               {"section": "optimizers", "problem": "rosenbrock", "speed": 20}, name="rosenbrock-race"),
    Experiment("Too large a step", "Set SGD's η to 0.01 on Rosenbrock and press Step a few times.",
               "SGD diverges at iteration 3: at (−1.2, 1) the largest curvature is about 1500 (the Hessian's "
               "largest eigenvalue), and a step of 0.01 > 2/1500 overshoots so far that the quartic term takes over "
               "(the page says 'diverged at iteration 3'). The others keep running: each runner has its own step size.",
               {"section": "optimizers", "problem": "rosenbrock", "lr_sgd": 0.01}, name="sgd-diverges"),
    Experiment("Escaping the saddle", "Choose the saddle x₁² − x₂² + x₂⁴/4, started at (−1.5, 0.001), and play.",
               "Gradient descent rolls into the saddle point (0, 0) and leaves it only as fast as x₂ grows, by a "
               "factor 1 + 2η per step: at η = 0.002 it needs 2635 iterations to get within 1e-3 of (0, √2). AdaGrad "
               "and Adam divide by the size of the tiny x₂-gradient, so they leave at once (AdaGrad at iteration 27, "
               "Adam at 107); momentum needs 263 — Ruder's Fig. 4b.",
               {"section": "optimizers", "problem": "saddle", "speed": 10}, name="saddle-escape"),
    Experiment("Ill-conditioning and the GD rate", "Choose the quadratic with κ = 25 and set SGD's η to 0.05, then "
               "0.1.", "η = 0.05 < 2/κ = 0.08: the x₂ error flips sign each step (factor 1 − 25·0.05 = −0.25) while "
               "x₁ shrinks by 0.95 per step — the contraction factor 0.95 in the blue box (within 1e-3 of 0 at "
               "iteration 162). η = 0.1 > 0.08: factor |1 − 2.5| = 1.5, gradient descent diverges (at iteration 18, "
               "when the loss has grown 1e6-fold); the others, with their own steps, arrive (Adam at 110, AdaGrad at "
               "165).",
               {"section": "optimizers", "problem": "quadratic", "kappa": 25.0, "lr_sgd": 0.05},
               name="quadratic-gd-rate"),
]

"""The tractable-landscapes page (pages/landscapes.py), sections "saddle" (gradient descent against noisy gradient
descent at a strict saddle of ||uu^T - M||^2, live) and "no-spurious-minima" (all critical points on a grid,
classified by the Hessian, against a sine neuron), with their parameters and presets.

Parameter names are the keywords of ``numdl_core.theory.landscapes`` (``lam1``, ``lam2``, ``name``) and of its
solvers (``step``, ``noise``, ``seed``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.compare import Setup
from app.figures.common import convergence_figure
from app.figures.theory_landscapes import landscape_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.panels import self_check, show
from app.params import SEED
from numdl_core.checks import derivative_check
from numdl_core.theory import landscapes as ls

STARTS = {"saddle": "exactly at the saddle", "manifold": "on its stable manifold (0, 1.5)",
          "near": "near it (10⁻⁶, 1.5)"}
SADDLE = [Param("start", "Start", "choice", "manifold", options=tuple(STARTS), labels=STARTS),
          Param("lam2", "λ₂ of M = diag(1, λ₂)", "choice", 0.5, options=(0.25, 0.5, 0.75)), SEED]
SADDLE_TUNE = [Param("step", "Step η", "choice", 0.05, options=(0.01, 0.02, 0.05, 0.1, 0.2), role="tunable"),
               Param("noise", "Noise σ", "choice", 0.1, options=(0.0, 0.001, 0.01, 0.1, 0.3, 1.0), role="tunable")]
COMPARE = [Param("method", "Method", "choice", "gd", options=("gd", "noisy"), labels={"gd": "GD", "noisy": "noisy GD"}),
           SADDLE[0], *(q.but(role="structure") for q in SADDLE_TUNE)]  # compare mode: method, start, step, noise
TARGET = 1e-3  # compare mode: iterations until f(u_k) − f* ≤ 1e-3 (a global minimum reached)
NAMES = {"factorization": "‖uuᵀ − M‖²_F (Ge, Lee and Ma)", "neuron": "a sine neuron (counterpoint)"}
GRID = [Param("name", "Loss", "choice", "factorization", options=ls.LANDSCAPES, labels=NAMES),
        Param("lam1", "λ₁ of M", "choice", 1.0, options=(0.5, 1.0, 2.0)),
        Param("lam2", "λ₂ of M", "choice", 0.5, options=(-0.5, 0.0, 0.25, 0.5, 1.0)),
        Param("n_grid", "Grid points per axis", "choice", 81, options=(41, 81, 121))]


@st.cache_data(max_entries=32, show_spinner=False)
def _critical(name: str, lam1: float, lam2: float, n: int) -> list:
    return ls.critical_points(ls.landscape(name, lam1=lam1, lam2=lam2), n=n)


@st.cache_data(max_entries=64, show_spinner=False)
def _escape(lam2: float, x0: tuple, step: float, noise: float, seed: int) -> int | None:
    return ls.escape_time(ls.landscape(lam2=lam2), np.array(x0), step=step, noise=noise, seed=seed)


def start_point(start: str, lam2: float) -> np.ndarray:
    """The start of the saddle section."""
    return {"saddle": ls.landscape(lam2=lam2).saddle(), "manifold": np.array([0.0, 1.5]),
            "near": np.array([1e-6, 1.5])}[start]


def compare_make(p: dict) -> Setup:
    """One configuration of the compare panel: GD or noisy GD from ``p["start"]``, with the gap f(u_k) − f* to the
    global minima ±(1, 0), where f* = λ₂²."""
    f = ls.landscape(lam2=p["lam2"])
    x0, f_min = start_point(p["start"], p["lam2"]), float(f.value(np.array([1.0, 0.0])))
    solver = (Solver(ls.plain_gradient_descent, f, x0, tol=None) if p["method"] == "gd" else
              Solver(ls.noisy_gradient_descent, f, x0, seed=p["seed"], tol=None))
    return Setup(solver, value=lambda s: s.loss - f_min)


def saddle_section(lesson: Lesson):
    st.subheader("Escaping a strict saddle: gradient descent against noisy gradient descent")
    p = lesson.controls(SADDLE, columns=3)
    t = lesson.controls(SADDLE_TUNE, columns=2)
    f = ls.landscape(lam2=p["lam2"])
    x0, s0 = start_point(p["start"], p["lam2"]), f.saddle()
    grid = np.linspace(*f.box, 41)
    Z = f.value(np.stack(np.meshgrid(grid, grid), axis=-1))
    marks = [(c.x[0], c.x[1], c.kind, c.value) for c in _critical("factorization", 1.0, p["lam2"], 41)]

    def draw(run) -> None:
        c1, c2 = st.columns([3, 2])
        paths = {n: np.array(s.path) for n, s in run.series.items()}
        show(landscape_figure(grid, Z, points=marks, paths=paths, title="f(u) = ‖uuᵀ − M‖²_F and the two runs"),
             "ls.fig.saddle.paths", c1)
        show(convergence_figure({n: (s.history["iteration"], s.history["dist"]) for n, s in run.series.items()},
                                y_title="‖u_k − saddle‖", title="Distance to the saddle", events=run.events),
             "ls.fig.saddle.dist", c2)

    solvers = {"GD": Solver(ls.plain_gradient_descent, f, x0, tol=None),  # tol=None: a zero gradient is no stop
               "noisy GD": Solver(ls.noisy_gradient_descent, f, x0, seed=p["seed"], tol=None)}
    run = lesson.live("run", solvers, draw, max_iter=2000, default_speed=5, max_points=300, keep_path=True,
                      metrics=lambda n, s: {"dist": float(np.linalg.norm(s.x - s0))},
                      diverged_hint="the step is too large for this quartic loss: lower η.")
    lesson.compare("methods", compare_make, COMPARE, {"method": "noisy"}, max_iter=2000, target=TARGET,
                   value_label="final f − f*", y_title="f(u_k) − f*",
                   note="GD stuck at the saddle keeps f − f* = 1 − λ₂² and runs to the cap.")
    esc = {n: _escape(p["lam2"], tuple(x0), t["step"], 0.0 if n == "GD" else t["noise"], p["seed"]) for n in solvers}
    st.caption("Hessian at the saddle (0, √λ₂): 4·diag(λ₂ − 1, 2λ₂), one negative eigenvalue. Escape = leaving the "
               "ball of radius 0.5 around it after having been inside (replayed up to 2000 steps): "
               + "; ".join(f"{n}: {'iteration ' + str(e) if e is not None else 'never'}" for n, e in esc.items()) + ".")
    self_check("Plain GD started at (0, 1.5) ends at the saddle, not at a minimum. Why?",
               ["The step is too small.", "Its gradient has no u₁ component while u₁ = 0, so u₁ stays 0 exactly.",
                "The saddle is a local minimum."], 1,
               "∇f = 4(‖u‖²u − Mu) has first component 4(‖u‖² − λ₁)u₁: zero on the axis u₁ = 0, which is the "
               "saddle's stable manifold. Any perturbation off that axis (noise, or round-off in other problems) grows "
               "by 1 + 4η(λ₁ − λ₂) per step near the saddle.", key="ls.saddle.self")
    numbers = {f"{n} distance to the saddle": float(np.linalg.norm(s.last.x - s0)) for n, s in run.series.items()}
    numbers.update({f"{n} loss": s.last.loss for n, s in run.series.items()})
    numbers.update({f"{n} escape iteration": e for n, e in esc.items() if e is not None})
    lesson.numbers(numbers)
    return run, solvers, {"x0": x0.tolist()}


def grid_section(lesson: Lesson) -> None:
    st.subheader("All critical points on a grid: no spurious minima (and a loss that has them)")
    p = lesson.controls(GRID[:1])
    p.update(lesson.controls(GRID[1:], columns=3, disabled=() if p["name"] == "factorization" else ("lam1", "lam2")))
    f = ls.landscape(p["name"], lam1=p["lam1"], lam2=p["lam2"])
    cps = _critical(p["name"], p["lam1"], p["lam2"], p["n_grid"])
    grid = np.linspace(*f.box, 81)
    Z = f.value(np.stack(np.meshgrid(grid, grid), axis=-1))
    c1, c2 = st.columns([3, 2])
    show(landscape_figure(grid, Z, points=[(c.x[0], c.x[1], c.kind, c.value) for c in cps[:60]],
                          title=f"{NAMES[p['name']]}: critical points by Hessian eigenvalues"), "ls.fig.grid", c1)
    kinds = [c.kind for c in cps]
    c2.dataframe(pd.DataFrame([{"u₁": f"{c.x[0]:.3f}", "u₂": f"{c.x[1]:.3f}", "f": f"{c.value:.4g}",
                                "λ₁(∇²f)": f"{c.eigenvalues[0]:.3g}", "λ₂(∇²f)": f"{c.eigenvalues[1]:.3g}",
                                "kind": c.kind} for c in cps[:60]]), hide_index=True,
                 height=300 if len(cps) > 8 else "auto")
    spurious = kinds.count("spurious minimum")
    (c2.error if spurious else c2.success)(
        f"{spurious} spurious local minima" + (": gradient descent can get stuck." if spurious else
                                               ": every local minimum is global."))
    taylor = derivative_check(f.value_and_grad, np.array([0.3, -0.7]), hess_vec=f.hess_vec, seed=0)
    lesson.check(taylor, key="ls.grid.taylor")
    saddles = [c.eigenvalues[0] for c in cps if c.kind == "strict saddle"]
    numbers = {"critical points": len(cps), "global minima": kinds.count("global minimum"),
               "spurious minima": spurious, "strict saddles": len(saddles), "maxima": kinds.count("maximum"),
               "degenerate points": kinds.count("degenerate"), "gradient Taylor E1 order": taylor.order}
    if saddles:
        numbers["largest negative curvature at a saddle"] = min(saddles)
    lesson.numbers(numbers)


EXPERIMENTS = [
    Experiment("GD stays, noise escapes", "Play from the stable manifold (0, 1.5).",
               "Gradient descent slides to the saddle (0, √0.5) and stays (u₁ = 0 exactly: the gradient has no "
               "u₁ component there). Noisy GD (σ = 0.1) leaves the ball of radius 0.5 at iteration 45 and reaches a "
               "global minimum (±1, 0).", {"section": "saddle"}, name="gd-stays-noise-escapes"),
    Experiment("Exactly at the saddle", "Start exactly at the saddle.",
               "The gradient is exactly 0: GD never moves. Noisy GD escapes at iteration 45 with σ = 0.1 "
               "(124 with η = 0.02).", {"section": "saddle", "start": "saddle"}, name="start-at-saddle"),
    Experiment("Near the saddle", "Start at (10⁻⁶, 1.5), just off the stable manifold.",
               "Plain GD escapes too, but only after the tiny offset has grown by (1 + 4η(1 − λ₂))^k = 1.1^k: "
               "iteration 146 against 45 for noisy GD (σ = 0.1) — saddles slow plain GD down.",
               {"section": "saddle", "start": "near"}, name="near-saddle"),
    Experiment("No spurious minima", "Read the table of critical points of ‖uuᵀ − M‖²_F.",
               "Five critical points: two global minima ±(1, 0) (f = λ₂² = 0.25), two strict saddles ±(0, √0.5) "
               "with Hessian eigenvalues (−2, 4), and the maximum 0.", {"section": "no-spurious-minima"},
               name="no-spurious-minima"),
    Experiment("Equal eigenvalues", "Set λ₂ = 1 (= λ₁).",
               "M = I: the global minima form the circle ‖u‖ = 1 (any rotation of u gives the same uuᵀ), so each "
               "minimum has a zero Hessian eigenvalue: degenerate, but still no spurious minimum.",
               {"section": "no-spurious-minima", "lam2": 1.0}, name="equal-eigenvalues"),
    Experiment("A sine neuron has spurious minima", "Choose the sine neuron.",
               "Fitting sin(w x + b) to a teacher with w = 2 (nine points in [−1, 1]): four global minima with "
               "f = 0 (the teacher and its copies b + 2πk, (−w, π − b)), and five spurious local minima at the wrong "
               "frequency |w| ≈ 5.93 with f = 6.85 and Hessian eigenvalues (3.6, 4.6) > 0: gradient descent started "
               "there stays.", {"section": "no-spurious-minima",
                                                                     "name": "neuron"}, name="sine-neuron"),
]

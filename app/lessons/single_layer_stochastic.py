"""The stochastic-optimization section of the single-layer network page (pages/single_layer.py): sample average
approximation against stochastic approximation, the step-size conditions, momentum, Nesterov, AdaGrad and Adam
side by side in a live run, and data preprocessing.

The page lists the section as ``"stochastic": "Stochastic optimization"`` in its SECTIONS. The problem is convex
with a known optimum (least squares on polynomial features, ``numdl_core.stochastic``), so every curve is an
optimality gap f(θ) − f* against work. ``stochastic_section(lesson)`` draws the section through the page's
:class:`~app.lesson.Lesson`; the exported script is ``app/exports/stochastic.py``. Slides:
04-NumDNN-SingleLayer.tex ("Sample Average Approximation", "Stochastic Approximation", "Stochastic Gradient
Descent", "Improvements of SGD", "Discussion: Stochastic Approximation", "Practical Hint: Data Preprocessing").
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.common import convergence_figure
from app.figures.stochastic import gap_figure, saa_sa_figure, spectra_figure, step_sizes_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.panels import live_table, show
from app.params import SEED
from numdl_core import stochastic as so

__all__ = ["PARTS", "SERIES", "EXPERIMENTS", "stochastic_section"]

PARTS = {"saa": "SAA vs SA", "steps": "Step sizes", "live": "Momentum, Nesterov, AdaGrad, Adam", "preprocess":
         "Preprocessing"}
# the live series: switch -> (label, solver of numdl_core.solvers.SOLVERS, fixed options)
# (switch names are not solver keywords: Solver fills keywords from the page's parameters by name)
SERIES = {"show_momentum": ("momentum", "sgd", {}), "show_nesterov": ("Nesterov", "sgd", {"nesterov": True}),
          "show_adagrad": ("AdaGrad", "adagrad", {}), "show_adam": ("Adam", "adam", {})}
PRE_LABELS = {"none": "none", "center": "centered", "standardize": "centered and scaled"}
LRS = tuple(float(f"{m * 10.0**e:g}") for e in range(-3, 0) for m in (1, 2, 5)) + (1.0,)
DECAYS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.3, 1.0)

PART = Param("part", "Topic", "choice", "saa", options=tuple(PARTS), labels=PARTS, widget="segmented")
PROBLEM = [
    Param("n_samples", "Samples n", "choice", 2000, options=(500, 1000, 2000, 4000)),
    Param("degree", "Feature degree", "int", 2, lo=1, hi=4, help="Monomials x₁ⁱx₂ʲ with 1 ≤ i + j ≤ degree, plus "
          "an intercept."),
    Param("shift", "Data offset s", "choice", 0.0, options=(0.0, 1.0, 2.0, 3.0),
          help="Inputs x ∈ [−3, 3]² + s: data that do not sit around 0."),
    Param("noise", "Noise σ", "choice", 0.5, options=(0.0, 0.1, 0.5, 1.0),
          help="Targets: a random polynomial of the inputs plus σ·N(0, 1). σ = 0: the residual at θ* is 0."),
    Param("preprocess", "Feature preprocessing", "choice", "standardize", options=so.PREPROCESSING, labels=PRE_LABELS),
    SEED]
LR = Param("lr", "Learning rate η (μ in the notes)", "log", 0.1, options=LRS, role="tunable")
DECAY = Param("decay", "Decay δ: η_k = η/(1 + δk)", "choice", 0.05, options=DECAYS, role="tunable",
              help="k counts the updates (mini-batches). δ = 0: a constant step.")
BATCH = Param("batch_size", "Batch size", "choice", 20, options=(10, 20, 50, 100), role="tunable")
PASSES = Param("passes", "Passes over the data", "choice", 20, options=(5, 10, 20, 50))
MOMENTUM = Param("momentum", "Momentum μ (γ in the notes)", "float", 0.9, lo=0.0, hi=0.99, step=0.01, role="tunable")
SWITCHES = [Param(k, v[0], "bool", True) for k, v in SERIES.items()]

EXPERIMENTS = [
    Experiment("Halve the step, halve the floor", "Set η = 0.2 and compare the floors of the three constant steps "
               "with the decaying one.", "The floors are about 4.6e-3, 2.2e-3 and 1.0e-3: proportional to η (the "
               "ratio of the floors at η and η/4 is 4.4). The schedule η/(1 + δk) satisfies Σ η_k = ∞ and "
               "Σ η_k² < ∞ and goes on to about 4e-5, 110 times below the floor at η. A smaller constant step only "
               "lowers the floor; it never removes it.", {"section": "stochastic", "part": "steps", "lr": 0.2},
               name="sgd-noise-floor"),
    Experiment("AdaGrad decays by itself", "Play the four methods with η = 0.05 and δ = 0 for about 25 epochs, then "
               "set δ = 0.01 while they run. Who converges before the change, and who after?",
               "With a constant η, momentum, Nesterov and Adam hover at gaps around 1e-2 (their noise floors; the "
               "measured means over epochs 15-25 are 1.4e-2, 8e-3 and 9e-3). AdaGrad's accumulated G_k grows like "
               "k, so its steps shrink like 1/√k without a schedule: it is at about 2e-4 by then. After δ = 0.01 "
               "is sent (every method keeps its state) all four fall to about 6e-6 by epoch 75.",
               {"section": "stochastic", "part": "live", "lr": 0.05, "decay": 0.0, "speed": 5},
               name="adagrad-decays-by-itself"),
    Experiment("Offset data", "Set the data offset to s = 2 and compare the three preprocessings.",
               "Without preprocessing κ(H) ≈ 1.6e3 and gradient descent needs about 9300 iterations to reduce the gap "
               "by 1e6; centering brings κ to ≈ 280, centering and scaling to ≈ 44 (235 iterations). Scaling the "
               "monomials of offset inputs cannot undo the near dependence of x and x²: center the inputs before "
               "building the features (that is the offset-0 problem, κ ≈ 1.2 after scaling).", {"section": "stochastic", "part": "preprocess", "shift": 2.0},
               name="offset-data"),
]

cached = st.cache_data(max_entries=16, show_spinner=False)


def _problem_controls(lesson: Lesson, skip: tuple = ()) -> dict:
    return lesson.controls([p for p in PROBLEM if p.name not in skip], columns=6)


def _keys(p: dict, names: tuple) -> dict:
    return {k: p[k] for k in names}


PROBLEM_KEYS = ("n_samples", "degree", "shift", "noise", "preprocess", "seed")
MAX_GD = 10**7  # numdl_core.stochastic.gd_iterations_to_tolerance's maxiter: "not reached"


def _diverged_warning(p: dict, labels) -> None:
    """A plain-words warning for SGD runs whose step was too large (their curves end where they blew up)."""
    if labels:
        L = float(cached(so.regression_problem)(**_keys(p, PROBLEM_KEYS)).eigenvalues[-1])
        st.warning(f"SGD diverged for {', '.join(labels)}: the step is too large for these features (the largest "
                   f"curvature is L = λmax(H) ≈ {L:.3g}; steps beyond about 2/L blow up, and single mini-batches can "
                   "be steeper still). Lower η, or center and scale the features.")


def _noise_free_note(p: dict) -> None:
    if p["noise"] == 0:
        st.info("σ = 0: the model fits the targets exactly, every mini-batch gradient vanishes at θ*, and SGD with a "
                "constant step converges too (no noise floor, gaps at round-off). Set σ > 0 to see the floor.")


def saa_part(lesson: Lesson) -> None:
    st.markdown("**SAA** fixes a sample S and solves the sampled problem with a deterministic method (here CG on the "
                "normal equations, which is Newton-CG for a quadratic); **SA** takes SGD steps on fresh mini-batches. "
                "The n samples stand for the distribution: the gap is measured on all of them.")
    p = _problem_controls(lesson)
    p.update(lesson.controls([LR, BATCH, PASSES], columns=3))
    r = cached(so.saa_vs_sa)(**_keys(p, PROBLEM_KEYS + ("lr", "batch_size", "passes")))
    _noise_free_note(p)
    _diverged_warning(p, [f"η = {p['lr']:g}"] if r.sa_diverged else [])
    show(saa_sa_figure(r.sample_sizes, r.saa_work, r.saa_gaps, r.sa_work, r.sa_gaps, lr=p["lr"], n=p["n_samples"]),
         "sl.fig.stochastic.saa")
    sizes = ", ".join(f"|S| = {s}: {g:.2g}" for s, g in zip(r.sample_sizes[:-1], r.saa_limits[:-1]))
    st.caption(f"SAA levels off at the gap of its sample's own optimum ({sizes}): roughly ∝ 1/|S|, the price of a "
               f"small sample (overfitting it). CG on all n samples reaches {r.saa_limits[-1]:.1e} (round-off) after "
               f"{r.numbers[f'SAA |S|={r.sample_sizes[-1]} work']:g} passes, while SGD with a constant step hovers "
               f"around {r.numbers.get('SA mean gap, last half', np.inf):.2g} after {r.sa_work[-1]:g} passes. SGD "
               "is cheap early on, but for a convex problem that fits in memory a deterministic method is the better "
               f"tool, as the course says. κ(H) = {r.kappa:.3g}.")
    lesson.numbers(r.numbers)


def steps_part(lesson: Lesson) -> None:
    st.markdown(r"The course's condition for SGD to converge: $\sum_k \eta_k = \infty$ (the steps can travel any "
                r"distance) and $\sum_k \eta_k^2 < \infty$ (the noise they add stays finite), e.g. "
                r"$\eta_k = \eta/(1 + \delta k) \sim 1/k$. Batches are drawn independently (a stream), the same for "
                "every run.")
    p = _problem_controls(lesson)
    p.update(lesson.controls([LR, DECAY, BATCH, PASSES], columns=4))
    if p["decay"] == 0:
        st.warning("δ = 0 is a constant step: the decaying run uses δ = 0.05.")
    decay = p["decay"] or 0.05
    r = cached(so.step_size_study)(**_keys(p, PROBLEM_KEYS + ("lr", "batch_size", "passes")), decay=decay)
    _noise_free_note(p)
    _diverged_warning(p, [lab for lab, bad in zip(r.labels, r.diverged) if bad])
    show(step_sizes_figure(r.labels, r.work, r.gaps, r.floors), "sl.fig.stochastic.steps")
    n = r.numbers
    c = st.columns(3)
    c[0].metric("floor at η / floor at η/4", f"{n.get('floor ratio lr : lr/4', np.nan):.2f}",
                help="4 if the floor ∝ η.")
    c[1].metric("constant η / decaying", f"{n.get('constant / decaying', np.nan):.3g}",
                help="Floor of the constant step over the mean gap of the schedule (last half of the run).")
    c[2].metric("last step of the schedule", f"{n['final step of the schedule']:.2g}")
    st.caption(f"Over the run the schedule's steps add up to Σ η_k = {n['sum of steps (decaying)']:.3g} (growing like "
               f"(η/δ) ln k without bound) and Σ η_k² = {n['sum of squared steps (decaying)']:.3g} (bounded by "
               f"η²(1 + 1/δ) = {p['lr'] ** 2 * (1 + 1 / decay):.3g}); a constant step has Σ η² = K η², unbounded. "
               "Decaying too fast (large δ) stalls before the optimum; too slowly, the gap keeps the constant-step "
               "noise for long.")
    lesson.numbers(n)


def live_part(lesson: Lesson):
    st.markdown(r"Heavy-ball momentum $v_{k+1} = \mu v_k - \eta_k \nabla f_{B_k}(\theta_k)$, "
                r"$\theta_{k+1} = \theta_k + v_{k+1}$; **Nesterov** takes the gradient at the look-ahead point "
                r"$\theta_k + \mu v_k$; **AdaGrad** (Duchi, Hazan and Singer 2011) divides by the accumulated "
                r"squared gradients, $G_k = G_{k-1} + g_k^2$, $\theta_{k+1} = \theta_k - \eta_k g_k/(\sqrt{G_k} + "
                r"\epsilon)$; **Adam** by running averages with bias correction. (The AdaGrad slide writes "
                r"$\theta_k^2$ and no square root; we follow the paper.) η, δ, μ and the batch size change mid-run: "
                "every method keeps its state.")
    p = _problem_controls(lesson)
    on = lesson.controls(SWITCHES, columns=4)
    t = lesson.controls([LR.but(default=0.05), DECAY.but(default=0.0), MOMENTUM, BATCH], columns=4)
    pb = cached(so.regression_problem)(**_keys(p, PROBLEM_KEYS))
    keys = [k for k in SERIES if on[k]]
    if not keys:
        st.warning("Switch on at least one method.")
        return None
    L = float(pb.eigenvalues[-1])

    def draw(run) -> None:
        div = {n: s.status == "diverged" for n, s in run.series.items()}
        show(gap_figure({n: s.history for n, s in run.series.items()}, diverged=div), "sl.fig.stochastic.live")
        live_table(pd.DataFrame([{"method": n, "epochs": s.iteration, "work": s.last.info["work"],
                                  "gap": pb.gap(s.last.x), "η_k": s.last.info.get("lr_k", t["lr"]),
                                  "status": s.status} for n, s in run.series.items()]),
                   formats={"work": "%.0f", "gap": "%.3g", "η_k": "%.3g"})

    solvers = {SERIES[k][0]: Solver(SERIES[k][1], pb.objective, np.zeros(pb.objective.n_params), **SERIES[k][2])
               for k in keys}
    run = lesson.live("run", solvers, draw, max_iter=2000, default_speed=1,
                      metrics=lambda n, s: {"gap": pb.gap(s.x), "work": s.info["work"]},
                      diverged_hint=lambda r: f"η = {lesson.params['lr']:g} is too large for these features: the "
                      f"largest curvature is L = λmax(H) ≈ {L:.3g}, and heavy-ball momentum is unstable for η > "
                      f"2(1 + μ)/L ≈ {2 * (1 + t['momentum']) / L:.3g}. Lower η (or preprocess the features): the "
                      "run restarts.")
    st.caption(f"κ(H) = {pb.kappa:.3g}, L = {L:.3g}. One epoch = n/|B| updates = 2 passes. f* = {pb.f_star:.4g}.")
    numbers = {"kappa(H)": pb.kappa}
    for n, s in run.series.items():
        if np.all(np.isfinite(s.last.x)):
            numbers.update({f"{n} gap": pb.gap(s.last.x), f"{n} work": s.last.info["work"]})
    lesson.numbers(numbers)
    return run, solvers


def preprocess_part(lesson: Lesson) -> None:
    st.markdown("Remove the mean of each feature and scale it to unit variance (the course's practical hint). The "
                "fitted function is the same; the parametrization, and with it the Hessian H = AᵀA/n, changes. "
                "Gradient descent needs about (κ/2)·ln(1/tol) iterations with t = 1/L; SGD runs with η = 1/L on the "
                "noise-free targets Aθ* (same optimum) so that its speed, not its noise floor, is measured.")
    p = _problem_controls(lesson, skip=("preprocess",))
    p.update(lesson.controls([BATCH, PASSES.but(default=10)], columns=2))
    r = cached(so.conditioning_after_preprocessing)(**_keys(p, ("n_samples", "degree", "shift", "noise",
                                                                 "batch_size", "passes", "seed")))
    if r.sgd_diverged.any():
        st.warning("SGD with η = 1/L diverged for " + ", ".join(PRE_LABELS[k] for k, bad in zip(r.kinds, r.sgd_diverged)
                   if bad) + ": single mini-batches are steeper than the average curvature L here. Use larger "
                   "batches.")
    c1, c2 = st.columns(2)
    show(spectra_figure([PRE_LABELS[k] for k in r.kinds], r.eigenvalues, r.kappa), "sl.fig.stochastic.spectra", c1)
    show(convergence_figure({PRE_LABELS[k]: (r.sgd_work, r.sgd_gaps[:, i]) for i, k in enumerate(r.kinds)},
                            x="work", y_title="relative gap", title="SGD (η = 1/L) on the noise-free targets"),
         "sl.fig.stochastic.pre_sgd", c2)
    st.dataframe(pd.DataFrame({"preprocessing": [PRE_LABELS[k] for k in r.kinds], "κ(H)": r.kappa,
                               "GD iterations to 1e-6": [f"{k:,}" if k < MAX_GD else "> 10⁷" for k in r.gd_iterations],
                               "SGD passes to 1e-6": r.sgd_passes}), hide_index=True,
                 column_config={"κ(H)": st.column_config.NumberColumn(format="%.3g"),
                                "SGD passes to 1e-6": st.column_config.NumberColumn(format="%.1f")})
    st.caption("κ(H) = cond(A)². Centering makes the intercept column orthogonal to the features; scaling equalizes "
               "their sizes. A blank SGD entry: not reached within the run.")
    lesson.numbers(r.numbers)


def stochastic_section(lesson: Lesson):
    """The section: a topic switch, then one of the four parts; returns ``(run, solvers)`` for the live part."""
    st.subheader("Stochastic optimization on a convex problem with a known optimum")
    st.caption("Slides 04-NumDNN-SingleLayer.tex: Sample Average Approximation, Stochastic Approximation, Stochastic "
               "Gradient Descent, Improvements of SGD (momentum, Nesterov, AdaGrad), Practical Hint: Data "
               "Preprocessing.")
    st.markdown(r"Least squares $f(\theta) = \frac{1}{2n}\|A\theta - y\|^2$ on polynomial features of 2-D inputs, "
                r"$A = [\mathbf 1,\ \mathrm{pre}(\phi(x))]$: convex, with the minimizer $\theta^*$ from one "
                r"least-squares solve, so every curve shows the gap $f(\theta) - f^* = \frac12(\theta - \theta^*)^\top "
                r"H(\theta - \theta^*)$, $H = A^\top A/n$, against work in passes over the data.")
    part = lesson.controls([PART])["part"]
    return {"saa": saa_part, "steps": steps_part, "live": live_part, "preprocess": preprocess_part}[part](lesson)

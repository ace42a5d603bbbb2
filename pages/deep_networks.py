"""Deep networks: norms through depth and initialization, live training with per-layer gradient norms (vanishing
and exploding gradients), plain network against ResNet, and the derivative checks of backpropagation."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.exports.deep import SCRIPTS
from app.figures.common import convergence_figure, decision_map_figure
from app.figures.deep import depth_curves_figure, gradient_histogram_figure, layer_gradients_figure, line_misfit_figure
from app.lesson import Lesson, Param, Solver
from app.lessons.deep_networks import (CHECKS, EXPERIMENTS, INIT_LABELS, LIVE_GRID, NORMS, RESNET, SERIES, SWITCHES,
                                       TRAIN, TUNE, capped, gradient_columns, gradient_rows, own_points,
                                       train_compare)
from app.lessons.deep_networks_exercises import EXERCISES
from app.panels import live_table, show
from numdl_core import mlp
from numdl_core.classify import decision_map

SECTIONS = {"norms": "Norms through depth", "train": "Training (live)", "resnet": "Plain net vs ResNet",
            "checks": "Checks of backpropagation"}

lesson = Lesson("dn", "Deep networks", presets=EXPERIMENTS, slides="06-NumDNN-DeepNets.tex",
                exercises=EXERCISES)
lesson.theory(
    "Notation: **rows are examples** (the course writes K Y with examples as columns). A deep network stacks L layers "
    "Y_{j+1} = σ(Y_j K_j + 1b_jᵀ) and classifies Y_L by a softmax layer W, c. **Backpropagation** is the reverse "
    "(adjoint) loop: the derivative of the loss with respect to Y_L is sent back through the transposed Jacobian of "
    "each layer, and each layer reads off its weight gradient on the way. Each step multiplies by K_jᵀ and by σ'; "
    "over many layers these factors compound: the signal and the gradient **explode or vanish** geometrically unless "
    "the weights are scaled so that one layer keeps the variance (Glorot for tanh, He for ReLU). A **residual** "
    "network Y_{j+1} = Y_j + hσ(Y_j K_j) adds an identity path around every layer, through which signal and "
    "gradient pass unchanged.",
    [r"Y_{j+1} = \sigma(Y_j K_j + \mathbf 1 b_j^\top),\quad O = Y_L W + \mathbf 1 c^\top,\quad "
     r"f = -\tfrac1n \textstyle\sum_i \log\mathrm{softmax}(o_i)_{y_i} + \tfrac\alpha2 \sum_j \|K_j\|_F^2",
     r"G_j = \Delta_{j+1} \odot \sigma'(A_j),\quad \nabla_{K_j} f = Y_j^\top G_j,\quad \nabla_{b_j} f = G_j^\top "
     r"\mathbf 1,\quad \Delta_j = G_j K_j^\top \quad (j = L-1, \dots, 0)",
     r"\mathbb E\,\|K_L\cdots K_1 y\|^2 = (n\,\mathrm{Var}\,K_{ij})^L \|y\|^2,\qquad s_{\rm Glorot} = "
     r"\sqrt{2/(n_{\rm in}+n_{\rm out})},\quad s_{\rm He} = \sqrt{2/n_{\rm in}}"],
    "Ruthotto and Haber, Numerical Methods for Deep Learning, Module 6; Rumelhart, Hinton and Williams (1986), Nature "
    "323 (backpropagation); Glorot and Bengio (2010), AISTATS; He, Zhang, Ren and Sun (2015), ICCV (He init) and "
    "(2016), CVPR (ResNet).")
section = lesson.sections(SECTIONS, default="norms")
cached = st.cache_data(max_entries=16, show_spinner=False)


def norms_section() -> None:
    st.subheader("How norms grow or shrink through depth")
    course = cached(mlp.course_norm_growth)()
    cols = st.columns(3)
    for c, (label, r) in zip(cols, course.items()):
        c.metric(f"‖K₃K₂K₁y‖/‖y‖, entries {label}", f"{r.mean:.4g}", help=f"Mean over {r.draws} draws, n = 100; "
                 f"expected (√n·std)³ = {r.predicted:.4g}, per layer {r.per_layer:.3g}.")
    st.caption("The course's experiment: y ∈ R¹⁰⁰ standard normal, three 100 × 100 matrices with independent entries "
               "(seed 0, 100 draws). Below: the same through L layers with the activation, per initialization.")
    p = lesson.controls(NORMS, columns=6)
    g = cached(mlp.depth_growth)(**p)
    names = {k: f"{INIT_LABELS[k].split(' ')[0]} (s = {g.stds[k]:.3g})" for k in g.forward}
    c1, c2 = st.columns(2)
    show(depth_curves_figure({names[k]: v for k, v in g.forward.items()}, title="Forward: ‖y_j‖ / ‖y_0‖"),
         "dn.fig.norms.forward", c1)
    show(depth_curves_figure({names[k]: v for k, v in g.backward.items()}, y_title="‖δ_j‖ / ‖δ_L‖",
                             title="Backward: the gradient sent back to layer j"), "dn.fig.norms.backward", c2)
    st.caption("Same random matrices for every initialization (only the scale s differs); 'custom' uses σ. A linear "
               "network multiplies the norm by √n·s per layer; tanh saturates (the forward norm stays bounded, but "
               "σ' → 0 and the gradient can still explode through large K); ReLU halves the variance per layer.")
    numbers = {f"{label} ratio": r.mean for label, r in course.items()}
    numbers.update({f"{k}: forward ratio at depth {p['depth']}": float(g.forward[k][-1]) for k in g.forward})
    numbers.update({f"{k}: backward ratio at layer 0": float(g.backward[k][0]) for k in g.backward})
    lesson.numbers(numbers)


def train_section():
    st.subheader("Training deep networks: per-layer gradient norms")
    p = lesson.controls(TRAIN[:6], columns=6)
    off = () if p["init"] == "custom" else ("sigma",)  # σ applies to the custom initialization only
    p, note = capped({**p, **lesson.controls(TRAIN[6:], columns=3, disabled=off)})
    if note:
        st.warning(note)
    on = lesson.controls(SWITCHES, columns=2)
    lesson.controls(TUNE, columns=3)
    keys = [k for k in SERIES if on[k]]
    if not keys:
        return st.warning("Switch on at least one optimizer.")
    P, source = own_points(p, cached(mlp.training_problem)(**{k: v for k, v in p.items()}))
    d, M, th0 = P.data, P.model, P.theta0
    grid = LIVE_GRID if p["depth"] * p["width"] <= 400 else 30

    def draw(run) -> None:
        c1, c2 = st.columns(2)
        show(convergence_figure({n: (s.history["iteration"], s.history["loss"]) for n, s in run.series.items()},
                                x_title="epoch", title="Training loss", events=run.events,
                                diverged={n: s.iteration for n, s in run.series.items() if s.status == "diverged"}),
             "dn.fig.train.loss", c1)
        norms = {}
        for n, s in run.series.items():
            first, last = gradient_rows(s.history)
            norms[f"{n}: start"], norms[f"{n}: epoch {s.iteration}"] = first, last
        show(layer_gradients_figure(norms, title="Per-layer gradient norms ‖∇K_j f‖"), "dn.fig.train.grads", c2)
        c3, c4 = st.columns(2)
        name, s = next(iter(run.series.items()))
        if d.X.shape[1] == 2 and np.all(np.isfinite(s.last.x)):
            with np.errstate(all="ignore"):
                gx, gy, lab = decision_map(lambda P_: M.predict(s.last.x, P_), d.X, n=grid)
            show(decision_map_figure(gx, gy, lab, d.X[:300], d.y[:300], n_classes=M.n_classes, image=True,
                                     marker_size=5, title=f"{name}: decision map, epoch {s.iteration}"),
                 "dn.fig.train.map", c3)
        elif d.X.shape[1] != 2:
            c3.info("Digits have 64 features: no 2-D decision map.")
        h, L = s.history, p["depth"]
        picked = dict.fromkeys([1, (L + 1) // 2, L])
        show(convergence_figure({**{f"layer {j}": (h["iteration"], h[f"g{j}"]) for j in picked}, "output W": (
            h["iteration"], h["gW"])}, x_title="epoch", y_title="‖∇K_j f‖_F", title=f"{name}: gradient norms of "
            "the first, middle and last layer"), "dn.fig.train.ghist", c4)
        live_table(pd.DataFrame(rows(run)))
        st.caption(f"Frame compute time {run.frame_ms:.0f} ms. Dotted lines: the per-layer norms at the start.")

    def rows(run):
        out = []
        for n, s in run.series.items():
            with np.errstate(all="ignore"):
                ok = np.all(np.isfinite(s.last.x))
                va = M.accuracy(s.last.x, d.X_val, d.y_val) if ok else float("nan")
            out.append({"optimizer": n, "epoch": s.iteration, "loss": f"{s.last.loss:.4g}",
                        "validation acc": f"{100 * va:.1f}%" if np.isfinite(va) else "–", "status": s.status})
        return out

    solvers = {SERIES[k][0]: Solver(SERIES[k][1], M, th0, **SERIES[k][2]) for k in keys}
    run = lesson.live("run", solvers, draw, depends={"own_data": source}, max_iter=5000, default_speed=1,
                      max_points=60,
                      metrics=lambda n, s: gradient_columns(M.layer_gradient_norms(s.x)),
                      diverged_hint="the loss blew up: lower the learning rate or change the initialization.")
    train_compare(lesson, P, source)
    g0 = M.layer_gradient_norms(th0)
    st.caption(f"{M.n_params} weights in {p['depth']} hidden layers of {p['width']} + the softmax layer; "
               f"{M.n_samples} training points. At the start ‖∇K₁f‖ / ‖∇K_L f‖ = {g0[0] / g0[-2]:.3g}; per-layer "
               f"gradient norms from {np.min(g0):.2g} to {np.max(g0):.2g}.")
    with np.errstate(all="ignore"):
        numbers = {"first/last hidden layer gradient ratio at the start": g0[0] / g0[-2], "smallest layer gradient at "
                   "the start": np.min(g0), "largest layer gradient at the start": np.max(g0),
                   **{f"{n} loss": s.last.loss for n, s in run.series.items()}}
    lesson.numbers({k: v for k, v in numbers.items() if np.isfinite(v)})  # a dead or diverged run has no number
    return run, solvers, {"n_train": p["n_train"]}


def resnet_section() -> None:
    st.subheader("Plain network against ResNet: the misfit along a line and the gradient entries")
    p = lesson.controls(RESNET, columns=6)
    c = cached(mlp.plain_vs_resnet)(**p)
    show(line_misfit_figure(c.t, {"plain": c.loss["plain"], "ResNet": c.loss["resnet"]},
                            title="Misfit along θ(t) = t θ₁ + (1 − t) θ*"), "dn.fig.resnet.line")
    c1, c2 = st.columns(2)
    show(gradient_histogram_figure(c.gradient["plain"], name="plain", title="Plain net: gradient entries at t = 1"),
         "dn.fig.resnet.hist_plain", c1)
    show(gradient_histogram_figure(c.gradient["resnet"], name="ResNet", i=1,
                                   title="ResNet: gradient entries at t = 1"), "dn.fig.resnet.hist_res", c2)
    m = st.columns(4)
    for col, k in zip(m, ("plain: gradient norm", "ResNet: gradient norm", "plain: misfit at t = 1",
                          "ResNet: misfit at t = 1")):
        col.metric(k, f"{c.numbers[k]:.3g}")
    st.caption(f"{p['depth'] - 1} layers of width {p['width']} and a last layer to 1 output, no biases, K = "
               f"{p['scale']:g}·randn; targets C from a second draw θ* (t = 0). The plain net multiplies by about "
               "s√width·σ' per layer: its gradient shrinks; the ResNet's identity path keeps it.")
    lesson.numbers(c.numbers)


def checks_section() -> None:
    st.subheader("Checks: every layer, then the whole network")
    p = lesson.controls(CHECKS, columns=5)
    prob = cached(mlp.training_problem)("moons", p["n_samples"], p["depth"], p["width"], activation=p["activation"],
                                        init="custom", sigma=0.7, seed=p["seed"], n_val=10)
    layers = mlp.layer_checks(prob.model, prob.theta0, seed=p["seed"])
    net = mlp.network_checks(prob.model, prob.theta0, seed=p["seed"])
    st.dataframe(pd.DataFrame([{"check": c.name, "Taylor E1 order": f"{c.taylor.order:.2f}", "Taylor": "✔" if
                                c.taylor.passed else "✘", "adjoint gap": f"{c.adjoint.rel_error:.1e}", "adjoint":
                                "✔" if c.adjoint.passed else "✘"} for c in [*layers, net]]), hide_index=True)
    st.caption("Layer j maps (Y_j, K_j, b_j) to σ(Y_j K_j + 1b_jᵀ): the Taylor test of ⟨w, Z⟩ checks its transposed "
               "Jacobian (one backpropagation step), the adjoint test the pair J, Jᵀ. Network: the loss with its "
               "backpropagated gradient, and the outputs' Jacobian against its transpose.")
    which = lesson.controls([Param("shown", "Show in detail", "choice", "network", options=("network", *(
        c.name for c in layers)), role="view")])["shown"]
    c = net if which == "network" else next(c for c in layers if c.name == which)
    st.markdown(f"**{which}: Taylor test of {'the loss' if c is net else '⟨w, σ(Y K + 1bᵀ)⟩ in (Y, K, b)'}, then "
                "the adjoint test**")
    lesson.check(c.taylor, c.adjoint, key="dn.checks.detail")
    numbers = {"network E1 order": net.taylor.order, "network adjoint gap": net.adjoint.rel_error,
               "largest layer adjoint gap": max(c.adjoint.rel_error for c in layers)}
    lesson.numbers(numbers)


out = {"norms": norms_section, "train": train_section, "resnet": resnet_section, "checks": checks_section}[section]()
run, solvers, extra = out if isinstance(out, tuple) else (None, {}, {})
lesson.try_this()
lesson.export(SCRIPTS[section], run=run, extra=solvers and {"solvers": {n: [s.method, s.kwargs(lesson.params)]
                                                                         for n, s in solvers.items()}, **extra})
lesson.finish()

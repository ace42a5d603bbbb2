"""Single-layer networks: extreme learning machines, SGD vs Gauss-Newton vs variable projection, the
non-convex loss surface, the inverse crime and the VarPro gradient check."""
from __future__ import annotations

import streamlit as st

from app.exports.single_layer import SCRIPTS
from app.figures.common import decision_map_figure
from app.figures.single_layer import (accuracy_curves_figure, inner_solve_figure, loss_surface_figure,
                                      singular_values_figure)
from app.lesson import Lesson, Solver
from app.lessons.single_layer import (ACT_LABELS, COURSE_CRIME, CRIME, CRIME_SERIES, CRIME_SETUP, CRIME_SWITCHES,
                                      CRIME_TEXT, CRIME_TUNE, ELM, EXPERIMENTS, LIVE_GRID, SERIES, STOCHASTIC, SURFACE,
                                      SWITCHES, TRAIN, TUNE, VARPRO, crime_verdicts, draw_run, max_points, pct,
                                      TOUR, own_training_problem, solver_name, summary)
from app.lessons.single_layer_exercises import EXERCISES
from app.lessons import single_layer_stochastic as stochastic
from app.lessons.single_layer_compare import train_compare
from app.exports.stochastic import SCRIPTS as STOCHASTIC_SCRIPTS
from app.owndata import own_data
from app.panels import self_check, show
from numdl_core import single_layer as sl
from numdl_core.classify import decision_map

SECTIONS = {"elm": "ELM (random features)", "train": "Training: SGD vs Gauss-Newton vs VarPro",
            "surface": "Loss surface", "crime": "Inverse crime", "varpro": "VarPro gradient",
            "stochastic": "Stochastic optimization"}

lesson = Lesson("sl", "Single-layer networks", presets=EXPERIMENTS + stochastic.EXPERIMENTS,
                slides="04-NumDNN-SingleLayer.tex", exercises=EXERCISES, tour=TOUR)
lesson.theory(
    "Notation: **rows are examples**. The data X is n × n_f (the course stores the transpose, its Y, with examples "
    "as columns and writes K y where we write xᵀK); K is n_f × m, W is m × n_c. "
    "One hidden layer of m neurons: the data (rows of X) go through a linear map K, a bias b and an activation σ; "
    "the output layer W, c is linear and a softmax (or a least-squares fit to one-hot targets) turns outputs into "
    "classes. The output weights enter **linearly**: with K, b fixed, finding W is a linear least-squares problem. "
    "That gives three ways to train: the **extreme learning machine** (random K, b; only solve for W), "
    "**variable projection** (eliminate W by an inner solve and optimize K, b on the reduced objective φ) and the "
    "full problem in all weights, by **SGD** (cheap, noisy steps on mini-batches; with Nesterov momentum, Adam and "
    "a decaying learning rate) or by **Gauss-Newton** (matrix-free, by CG: JᵀJ p = −Jᵀr for least squares, "
    "Jᵀ∇²ℓ J p = −∇f with the Hessian of the loss in the outputs for the cross-entropy). The loss is **not convex** in K, b. Work is counted in passes over the "
    "training data (forward or adjoint), the fair unit to compare such different methods.",
    [r"\hat c(x)^\top = \mathrm{softmax}\big(\sigma(x^\top K + b^\top)\, W + c^\top\big) \qquad "
     r"Z = \sigma(X K + \mathbf 1 b^\top),\quad O = Z W + \mathbf 1 c^\top",
     r"\text{ELM: } W = \arg\min_W \tfrac{1}{2n}\|Z W + \mathbf 1 c^\top - Y\|_F^2 + \tfrac\alpha2\|W\|_F^2",
     r"\text{SGD: } \theta_{k+1} = \theta_k + v_{k+1},\quad v_{k+1} = \mu v_k - \eta_k\,\nabla f_{B_k}(\theta_k"
     r"\,[+\,\mu v_k]_{\rm Nesterov}),\quad \eta_k = \frac{\eta}{1 + \delta k}",
     r"\text{GN: } (J^\top \nabla^2_O\ell\, J + \lambda I)\,p = -\nabla f, \quad \nabla^2_{o_i}\ell = "
     r"\tfrac1n\big(\mathrm{diag}(p_i) - p_i p_i^\top\big) \ \text{(cross-entropy)}",
     r"\nabla^2_{o_i}\ell = \tfrac1n I \ \text{(least squares: } J^\top J p = -J^\top r)",
     r"\text{VarPro: } \varphi(K, b) = \min_{W, c} f(K, b, W, c), \qquad "
     r"\nabla\varphi = \nabla_{K,b} f\big(K, b, W^*(K, b), c^*(K, b)\big)"],
    "Ruthotto and Haber, Numerical Methods for Deep Learning, Module 4; Huang, Zhu and Siew (2006), Neurocomputing 70 "
    "(ELM); Golub and Pereyra (1973), SIAM J. Numer. Anal. 10 (VarPro); Newman, Ruthotto, Hart and van Bloemen "
    "Waanders (2021), SIAM J. Math. Data Sci. 3 (Train like a (Var)Pro); Bottou, Curtis and Nocedal (2018), SIAM "
    "Review 60 (SGD); Kingma and Ba (2015), ICLR (Adam); Schraudolph (2002), Neural Computation 14 (generalized "
    "Gauss-Newton); Li, Xu, Taylor, Studer and Goldstein (2018), NeurIPS (loss landscapes).")
section = lesson.sections(SECTIONS, default="train")
cached = st.cache_data(max_entries=16, show_spinner=False)
model_checks = cached(lambda p: sl.model_checks(*sl.training_problem(**p)[1:], seed=p["seed"]))  # at θ₀


def elm_section() -> None:
    st.subheader("Extreme learning machine: random hidden layer, output weights by least squares")
    p = lesson.controls(ELM, columns=4)
    e = cached(sl.elm_experiment)(**p)
    d, res, (acc_tr, acc_va) = e.data, e.result, e.accuracies
    c1, c2 = st.columns(2)
    show(singular_values_figure(e.singular_values, title=f"Singular values of Z = σ(XK + b), width {p['width']}"),
         "sl.fig.elm.svals", c1)
    show(accuracy_curves_figure(e.widths, e.train_accuracy, e.validation_accuracy, x_title="width (hidden neurons)",
                                log_x=True, markers=True, current=p["width"], height=340, title="ELM accuracy "
                                f"against width ({ACT_LABELS[p['activation']]})"), "sl.fig.elm.width", c2)
    c3, c4 = st.columns(2)
    if d.X.shape[1] == 2:
        show(decision_map_figure(*decision_map(lambda P: res.model.predict(res.theta, P), d.X, n=80), d.X, d.y,
                                 n_classes=d.n_classes, height=400, webgl=True, marker_size=5,
                                 title=f"ELM decision map, width {p['width']}"), "sl.fig.elm.map", c3)
    else:
        c3.info("Digits have 64 features: no 2-D decision map.")
    m = c4.columns(2)
    m[0].metric("training accuracy", pct(acc_tr))
    m[1].metric("validation accuracy", pct(acc_va), help=f"{d.y_val.size} validation points")
    m[0].metric("cond(Z)", f"{e.cond:.2g}", help="σ₁/σₘ of the feature matrix for the chosen activation")
    m[1].metric("dead neurons with ReLU", f"{e.dead_neurons} of {p['width']}",
                help="Neurons whose hyperplane xᵀk + b = 0 leaves every training point on the inactive side: with ReLU "
                     "their feature is identically 0 (a zero singular value). Same K, b for every activation.")
    r = e.ranks
    c4.caption("Numerical rank of Z (singular values above σ₁·max(n, m)·ε): " + ", ".join(
        f"{ACT_LABELS[a]} {r[a]}" for a in r) + f" of {p['width']}; most rank deficient: "
        f"{ACT_LABELS[min(r, key=r.get)]}. Dead ReLU neurons give exact zeros; sin and tanh lose rank by near dependence.")
    c4.caption("ELM validation accuracy by width: " + ", ".join(
        f"m = {w}: {100 * a:.1f}%" for w, a in zip(e.widths, e.validation_accuracy)) + ". Only W and c are trained (one "
        "linear least-squares solve); K and b stay random. The output solve is as ill-conditioned as cond(Z) (α = 0).")
    lesson.numbers(e.summary())


def train_section():
    st.subheader("Training side by side: SGD, Gauss-Newton, variable projection")
    p = lesson.controls(TRAIN, columns=4)
    st.markdown("**Solvers** (switching one resets the run)")
    on = lesson.controls(SWITCHES, columns=7)
    st.markdown("**Tunables** (take effect mid-run: every solver keeps its state)")
    t = lesson.controls(TUNE, columns=4)
    d, M, th0 = cached(sl.training_problem)(**p)
    X, y, source = own_data("sl.train", d.X, d.y, classes=5) if p["data"] != "digits" else (0, 0, "page")
    if source != "page":
        d, M, th0 = own_training_problem(X, y, **p)
    keys = [k for k in SERIES if on[k]]
    if p["loss"] == "softmax" and ("gn" in keys or "varpro" in keys):
        st.caption("Cross-entropy: Gauss-Newton solves (Jᵀ∇²ℓ J + λI) p = −∇f with ∇²ℓ = (diag(pᵢ) − pᵢpᵢᵀ)/n, the "
                   "curvature of the loss in the outputs; VarPro's inner problem (a multinomial logistic regression "
                   "in W, c) is solved by Newton's method.")
    if not keys:
        return st.warning("Switch on at least one solver.")
    L, lr_max = sl.output_curvature(M, th0), sl.sgd_lr_limit(M, th0, t["momentum"])
    shown = SERIES[t["map_solver"] if t["map_solver"] in keys else keys[0]][0]

    def draw(run) -> None:
        c4, _ = draw_run(run, M, d, shown, "train", log_iterations=True,
                         titles=("Training loss against work", "Training loss against iteration (SGD, Adam: epochs)"))
        h = run.series[shown].history
        show(accuracy_curves_figure(h["iteration"], h["train_acc"], h["val_acc"], title=f"{shown}: training and "
             "validation accuracy", x_title="epoch" if shown in STOCHASTIC else "iteration"), "sl.fig.train.acc", c4)
        st.caption(f"Frame compute time {run.frame_ms:.0f} ms. Work: a forward or adjoint pass over the "
                   f"{M.n_samples} training points counts 1; a mini-batch of b points b/n.")

    def hint(run) -> str:
        return (f"the learning rate η = {t['lr']:g} is too large. In the output weights W the loss is a quadratic with "
                f"curvature L = λmax([Z 1]ᵀ[Z 1])/n{' /2' if p['loss'] == 'softmax' else ''} ≈ {L:.3g} at the start, "
                f"and heavy-ball SGD with momentum μ = {t['momentum']:g} is unstable for η > 2(1+μ)/L ≈ {lr_max:.3g}. "
                "Lower η: the run restarts." if any(run.series[n].status == "diverged" for n in STOCHASTIC
                                                     if n in run.series) else
                "the loss became non-finite. Lower the step sizes or raise α; the run restarts when a tunable changes.")

    solvers = {SERIES[k][0]: Solver(solver_name(k, p["loss"]), M, th0, **SERIES[k][2]) for k in keys}
    run = lesson.live("run", solvers, draw, depends={"own_data": source}, max_iter=2000, default_speed=1,
                      per_step=dict.fromkeys(STOCHASTIC, t["sgd_epochs"]), max_points=max_points(solvers),
                      diverged_hint=hint, metrics=lambda n, s: dict(zip(("train_acc", "val_acc"), sl.accuracies(
                          M, s.x, d.X_val, d.y_val)), work=s.info["work"]))
    train_compare(lesson, M, th0, p["loss"], source)
    st.caption(f"{M.n_params} weights (K {M.n_features}×{M.width}, b, W {M.width}×{d.n_classes}, c); start θ₀ with "
               f"K ~ N(0, s²), s = {sl.init_scale(p['data']):g}." + (" SGD is stable for η up to about "
               f"2(1+μ)/L ≈ {lr_max:.3g} (L ≈ {L:.3g}, the curvature of the loss in W at θ₀)." if "sgd" in keys else "")
               + (" VarPro's iteration 0 is already the ELM of θ₀." if "varpro" in keys else ""))
    st.markdown("#### Checks")
    taylor, adjoint = model_checks(p) if source == "page" else sl.model_checks(M, th0, seed=p["seed"])
    lesson.check(taylor, what="gradient" if p["activation"] == "relu" else "gradient and Hessian")
    if p["activation"] == "relu":
        st.caption("ReLU: σ'' = 0 away from the kinks, so the Hessian (E2) is not tested; f is only piecewise smooth.")
    if adjoint is not None:
        st.caption("The adjoint test of Gauss-Newton's matrix-free Jacobian J and its transpose at θ₀:")
        lesson.check(adjoint, key="sl.train.adjoint")
    lesson.numbers({**summary(run, M, d)[1], "curvature L": L, "SGD learning-rate limit": lr_max, "E1 order":
                    taylor.order, **({"E2 order": taylor.order2} if taylor.err2 is not None else {}),
                    **({"adjoint relative gap": adjoint.rel_error} if adjoint is not None else {})})
    self_check("Why is VarPro's loss at iteration 0 already far below the others?", ["It takes a larger first step",
               "It solves for the output weights W exactly at θ₀ (the ELM)", "It uses a different loss"], 1,
               "VarPro never carries W as a variable: every iterate has the best W for its hidden layer, so iteration 0 "
               "is the extreme learning machine of the initial K, b.", key="sl.train.quiz")
    return run, solvers


def surface_section() -> None:
    st.subheader("The loss along two random directions")
    p = lesson.controls(SURFACE, columns=4)
    e = cached(sl.surface_experiment)(**{k: v for k, v in p.items() if k != "log"})
    s, c1, c2 = e.stats, *st.columns([3, 2])
    show(loss_surface_figure(e.alphas, e.betas, e.values, path=e.path, log=p["log"], title="f(θ + α d₁ + β d₂) around "
                             f"the {'trained' if p['center'] == 'trained' else 'initial'} point"), "sl.fig.surface", c1)
    c2.metric("loss at the centre", f"{s.centre:.4g}")
    c2.metric("range on the grid", f"{s.minimum:.3g} … {s.maximum:.3g}")
    c2.metric("grid points with negative curvature along d₁", f"{100 * s.negative_curvature:.0f}%",
              help="Second differences f(α−h) − 2f(α) + f(α+h) < 0: impossible for a convex function.")
    c2.metric("local minima on the grid", f"{s.local_minima}")
    c2.caption(f"Training ({'Newton-CG' if e.lr is None else f'SGD with η = {e.lr:.3g}'}, {e.iterations} iterations): "
               f"loss {e.loss_before:.4g} → {e.loss_after:.4g}, training accuracy {pct(e.accuracy)}. The white path is "
               "the training path projected onto the plane: random directions are nearly orthogonal to it, so it "
               "looks short.")
    if e.iterations < p["iterations"]:
        st.warning(f"Training stopped after {e.iterations} of {p['iterations']} iterations (it converged, stalled or "
                   "diverged); the picture uses the last finite iterate.")
    if s.negative_curvature > 0:
        st.info(f"Not convex: along direction d₁ the loss bends downwards at {100 * s.negative_curvature:.0f}% of the "
                "grid points. A convex function restricted to a plane would be convex there too.")
    lesson.numbers(e.summary())


def crime_section():
    st.subheader("Inverse crime: data made by a known network")
    course = lesson.controls([CRIME_SETUP])["setup"] == "course"
    st.markdown(CRIME_TEXT["course" if course else "plane"])
    p = lesson.controls(COURSE_CRIME if course else CRIME, columns=6 if course else 5)
    on = lesson.controls(CRIME_SWITCHES, columns=3)
    lesson.controls(CRIME_TUNE, columns=2)
    c = cached(sl.course_inverse_crime if course else sl.inverse_crime_problem)(**p)
    keys = [k for k in CRIME_SERIES if on[k]]
    if not keys:
        return st.warning("Switch on at least one solver.")
    c1, c2 = st.columns(2)  # the truth is drawn once, outside the live frames
    H = sl.target_entropy(c.Y) if course else 0.0
    if course:
        m = c1.columns(2)
        m[0].metric("minimum loss: entropy of the targets", f"{H:.4f}", help="The generating network's cross-entropy.")
        m[1].metric("generating network's accuracy", pct(c.truth.accuracy(c.theta_true)), help="On the labels argmax P.")
    else:
        show(decision_map_figure(*decision_map(lambda P: c.truth.predict(c.theta_true, P), c.X, n=LIVE_GRID), c.X,
                                 c.y, n_classes=5, height=420, marker_size=5, image=True, title="True network"),
             "sl.fig.crime.truth", c1)
    c2.caption(f"True network: width {p['neurons'] if course else p['true_width']}, {ACT_LABELS[p['activation']]}; "
               f"trained network: width {p['neurons'] if course else p['width']}, started at random (seed "
               f"{p['seed'] + 1}). Targets: " + ("the class probabilities P (cross-entropy; Gauss-Newton with Jᵀ∇²ℓ J)"
               if course else "the real-valued outputs of the true network (least squares)") + "; labels: their "
               "arg-max. Validation: fresh inputs labelled by the true network.")

    def draw(run) -> None:
        c4, _ = draw_run(run, c.model, c, CRIME_SERIES[keys[0]][0], "crime", titles=("Loss against work",
                         "Loss against iteration"), y_title="cross-entropy" if course else "training loss ½‖r‖²")
        for text in crime_verdicts(run, c, course):
            c4.success(text)

    loss = "softmax" if course else "squared"
    solvers = {CRIME_SERIES[k][0]: Solver(solver_name(k, loss, CRIME_SERIES), c.model, c.theta0, **CRIME_SERIES[k][2])
               for k in keys}
    run = lesson.live("run", solvers, draw, metrics=lambda n, s: {"work": s.info["work"]}, max_iter=5000,
                      max_points=max_points(solvers),
                      default_speed=2, diverged_hint=lambda r: f"the SGD learning rate η = {lesson.params['lr']:g} is "
                      "too large for these targets; lower it: the run restarts.")
    lesson.numbers({**summary(run, c.model, c)[1], **({"minimum loss": H} if course else {})})
    return run, solvers


def varpro_section() -> None:
    st.subheader("The VarPro gradient is only correct if the inner solve is accurate")
    st.markdown(r"VarPro minimizes $\varphi(u) = f(u, W^*(u))$ over the hidden weights $u = (K, b)$ and uses the "
                r"partial gradient $\nabla_u f(u, W^*)$ as $\nabla\varphi$. That is exact only because "
                r"$\nabla_W f(u, W^*) = 0$: with an inexact inner solve $W_k(u)$ (k CG iterations) the chain rule leaves "
                r"a term $\big(\partial W_k/\partial u\big)^\top \nabla_W f(u, W_k) \ne 0$, and the Taylor test drops "
                r"to order 1.")
    p = lesson.controls(VARPRO, columns=4)
    e = cached(sl.varpro_experiment)(**p)
    k = p["inner_iters"] if p["inner"] == "cg" else None
    st.markdown("**Taylor test of the reduced gradient** (" + (f"inner CG with {k} iteration{'s' * (k > 1)}" if k
                else "direct inner solve") + ")")
    lesson.check(e.check.taylor, what="reduced gradient")
    st.metric("inner optimality ‖∇_W f(u, W)‖ / ‖∇_W f(u, 0)‖", f"{e.check.inner_optimality:.1e}",
              help="Zero for the exact inner solution; the size of the term the VarPro gradient leaves out.")
    show(inner_solve_figure(e.sweep, e.orders, e.inner_optimality, direct_order=e.direct_order, current=k,
                            title="Observed Taylor order against inner CG iterations"), "sl.fig.varpro.sweep")
    st.caption(f"The inner problem has {e.unknowns_per_class} unknowns per class (W column and c): CG solves it exactly "
               "after at most that many iterations in exact arithmetic. Near that count, round-off in the inner solve "
               "makes φ itself slightly noisy and the observed order can be erratic; far below it the order is 1.")
    lesson.numbers(e.summary())


out = {"elm": elm_section, "train": train_section, "surface": surface_section, "crime": crime_section,
       "varpro": varpro_section, "stochastic": lambda: stochastic.stochastic_section(lesson)}[section]()
run, solvers = out if isinstance(out, tuple) else (None, {})
lesson.try_this()
lesson.export({**SCRIPTS, **STOCHASTIC_SCRIPTS}[section], run=run, extra=solvers and {"solvers": {n: [s.method, s.kwargs(lesson.params)]
                                                                     for n, s in solvers.items()}})
lesson.finish()

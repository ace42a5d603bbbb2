"""The L1 section of the linear-classification page (pages/linear_classification.py): sparse weights on the digits by
proximal gradient (ISTA, soft-thresholding), next to the Tikhonov ones, and sparsity and test accuracy against α.

Parameter names are the keywords of the core: ``alpha`` the L1 weight and ``step`` of
:func:`numdl_core.sparse.proximal_gradient`, ``n_train`` and ``seed`` of
:func:`numdl_core.classify_problems.classification_problem`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.classify import l1_sweep_figure, weight_mosaic_figure
from app.figures.common import convergence_figure
from app.lesson import Solver
from app.live import Run
from app.panels import live_table, show
from app.params import SEED, STEP, Param
from numdl_core.classify_problems import classification_problem, reference_optimum
from numdl_core.sparse import l1_optimality, l1_path, sparsity

ISTA, TIKHONOV = "ISTA (L1)", "Tikhonov"
SWEEP = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)  # the L1 weights of the sweep (300 ISTA iterations each, warm starts)
SPARSE = [Param("n_train", "Training images", "int", 1000, lo=200, hi=1500, step=100,
                help="The remaining images of the 1797 are the test set."),
          Param("alpha", "L1 weight α (λ in the notes)", "log", 1e-3, options=SWEEP + (1e-1,),
                help="Weight of α‖W‖₁ (the biases are not penalized)."),
          Param("tikhonov", "Tikhonov α for comparison", "log", 1e-3, options=(1e-4, 1e-3, 1e-2, 1e-1),
                help="The weights minimizing f + (α/2)‖W‖²_F (Newton-CG), drawn next to the L1 ones."), SEED]
STEP_T = STEP.but(label="Step t (α in the notes)", default=0.1, options=tuple(
    float(f"{m * 10.0 ** e:g}") for e in range(-3, 2) for m in (1, 2, 5)),
    help="ISTA's step. With t ≤ 1/L the objective never increases. Takes effect mid-run.")
FORMATS = {"F = f + α‖W‖₁": "%.6g", "‖G_t‖": "%.3e", "zero weights": "percent", "training accuracy": "percent",
           "test accuracy": "percent"}
TABLE = {c: st.column_config.NumberColumn(format=f) for c, f in FORMATS.items()}


@st.cache_data(max_entries=16, show_spinner=False)
def digits_problem(n_train: int, seed: int):
    """The digits without a penalty: f of the L1 problem."""
    return classification_problem("digits", n_train=n_train, seed=seed, alpha=0.0)


@st.cache_data(max_entries=16, show_spinner=False)
def tikhonov_reference(n_train: int, seed: int, tikhonov: float) -> tuple[np.ndarray, float, float]:
    """The weights W minimizing f + (α/2)‖W‖² (Newton-CG), their training and test accuracy (a small cached value)."""
    tk = classification_problem("digits", n_train=n_train, seed=seed, alpha=tikhonov)
    theta = reference_optimum(tk.obj).theta
    return tk.obj.unpack(theta)[0], tk.obj.accuracy(theta), tk.test_accuracy(theta)


@st.cache_data(max_entries=8, show_spinner=False)
def sweep(n_train: int, seed: int) -> list[tuple[float, float, float]]:
    """(α, fraction of zero weights, test accuracy) after 300 ISTA iterations per α, warm-started from the largest."""
    pr = classification_problem("digits", n_train=n_train, seed=seed, alpha=0.0)
    mask = np.arange(pr.obj.n_params) < pr.obj.n_features * pr.obj.n_classes
    return [(r.alpha, r.sparsity, pr.test_accuracy(r.theta)) for r in l1_path(pr.obj, SWEEP, mask=mask, maxiter=300)]


def sparse(lesson) -> Run:
    """The L1 section: ISTA live on the digits, weight images next to Tikhonov's, the α sweep on request."""
    st.subheader("Sparse weights: the L1 penalty and soft-thresholding")
    st.markdown("Replace the Tikhonov term by α‖W‖₁ = α Σ|Wᵢⱼ|. Its kink at 0 makes many weights **exactly** zero: a "
                "pixel is ignored unless it helps enough. The penalty has no gradient at 0, so *proximal gradient* "
                "(ISTA, Beck and Teboulle 2009) takes a gradient step on the smooth f and then solves the penalty's "
                "part exactly, weight by weight: the soft-thresholding S_τ(v) = sign(v)·max(|v| − τ, 0) = "
                "argmin_x ½(x − v)² + τ|x|. Entries with |v| ≤ τ = tα become 0.")
    st.latex(r"\min_{W, b}\; f(W, b) + \alpha\|W\|_1, \qquad W \leftarrow S_{t\alpha}\big(W - t\nabla_W f\big), "
             r"\quad b \leftarrow b - t\nabla_b f, \qquad 0 \in \nabla f + \alpha\,\partial\|W\|_1 \text{ at the optimum}")
    p = lesson.controls(SPARSE, widths=(1.2, 1.2, 1.2, 0.8))
    p = lesson.controls([STEP_T]) | lesson.params
    pr = digits_problem(p["n_train"], p["seed"])
    W_tk, train_tk, acc_tk = tikhonov_reference(p["n_train"], p["seed"], p["tikhonov"])
    obj = pr.obj
    mask = np.arange(obj.n_params) < obj.n_features * obj.n_classes
    L = obj.lipschitz_bound()
    st.caption(f"Softmax cross-entropy on {obj.n_samples} training images (f without a Tikhonov term), "
               f"{int(mask.sum())} penalized weights and {obj.n_classes} biases. L = ‖[X 1]‖²/(2n) = **{L:.3g}**: "
               f"t ≤ 1/L = **{1 / L:.3g}** decreases F = f + α‖W‖₁ at every step. "
               f"{100 * np.mean(np.all(obj.X == 0, axis=0)):.1f}% of the weights belong to pixels that are blank in "
               "every training image: their gradient is 0, so they stay 0 with either penalty.")

    def draw(run: Run) -> None:
        s = run.series[ISTA]
        h = s.history
        show(weight_mosaic_figure({f"L1, it. {s.iteration} ({100 * sparsity(s.last.x, mask):.0f}% zero)":
                                   obj.unpack(s.last.x)[0], f"Tikhonov α = {p['tikhonov']:g}": W_tk},
                                  class_names=[str(k) for k in range(10)], hover=not run.running,
                                  title="Weight images w_c (8x8; white = exactly 0, red > 0 > blue)"), "lc.l1.weights")
        c1, c2 = st.columns(2)
        show(convergence_figure({ISTA: (h["iteration"], h["loss"])}, right={ISTA: (h["iteration"], h["grad_norm"])},
                                right_title="‖G_t‖ (gradient mapping)", y_title="F = f + α‖W‖₁", events=run.events,
                                diverged={ISTA: s.status == "diverged"}, title="Convergence (log scale)", max_points=120),
             "lc.l1.conv", c1)
        show(convergence_figure({"zero weights (%)": (h["iteration"], 100 * np.asarray(h["zeros"])),
                                 "test accuracy (%)": (h["iteration"], 100 * np.asarray(h["test_accuracy"]))},
                                y_title="%", log_y=False, title="Sparsity and test accuracy", max_points=120),
             "lc.l1.sparsity", c2)
        live_table(pd.DataFrame([
            {"model": ISTA, "iteration": s.iteration, "F = f + α‖W‖₁": s.last.loss, "‖G_t‖": s.last.grad_norm,
             "zero weights": sparsity(s.last.x, mask), "training accuracy": obj.accuracy(s.last.x),
             "test accuracy": pr.test_accuracy(s.last.x)},
            {"model": TIKHONOV, "iteration": np.nan, "F = f + α‖W‖₁": np.nan, "‖G_t‖": np.nan,
             "zero weights": sparsity(W_tk), "training accuracy": train_tk,
             "test accuracy": acc_tk}]), column_config=TABLE, formats=FORMATS)

    run = lesson.live("run", {ISTA: Solver("proximal_gradient", obj, np.zeros(obj.n_params), mask=mask)}, draw,
                      max_iter=20_000, default_speed=20, diverged_hint=f"the step t = {p['step']:g} is beyond 2/L = "
                      f"{2 / L:.3g}. Lower it: the run restarts.", metrics=lambda name, s: {
                          "zeros": sparsity(s.x, mask), "test_accuracy": pr.test_accuracy(s.x)})
    s = run.series[ISTA]
    x = s.last.x if np.all(np.isfinite(s.last.x)) else np.zeros(obj.n_params)
    gap = l1_optimality(x, obj.value_and_grad(x)[1], p["alpha"], mask)
    loss = np.asarray(s.history["loss"])
    ups = int(np.sum(np.diff(loss) > 1e-12 * np.abs(loss[:-1]))) if s.stride == 1 else 0
    st.markdown(f"**Optimality** 0 ∈ ∇f + α∂‖W‖₁: at iteration {s.iteration} the largest violation (|gᵢⱼ + α·sign Wᵢⱼ| "
                f"on the nonzero weights, |gᵢⱼ| − α on the zero ones, |g| on the biases) is **{gap:.2e}**; it tends "
                "to 0 as ISTA converges (sublinearly here: F − F* = O(1/k)). " + (
                    f"The step t = {p['step']:g} ≤ 1/L: F never increased." if p["step"] <= 1 / L else
                    f"The step t = {p['step']:g} > 1/L: no guarantee; F increased in {ups} iterations."))
    numbers = {"1/L": 1 / L, f"{ISTA}: F": s.last.loss, f"{ISTA}: optimality violation": gap,
               f"{ISTA}: zero weights": sparsity(x, mask), f"{ISTA}: training accuracy": obj.accuracy(x),
               f"{ISTA}: test accuracy": pr.test_accuracy(x), f"{TIKHONOV}: test accuracy": acc_tk,
               f"{TIKHONOV}: zero weights": sparsity(W_tk)}
    st.markdown("**Sparsity and test accuracy against α** (300 ISTA iterations per α, each started from the solution "
                "for the next larger α).")
    key, done = (p["n_train"], p["seed"]), st.session_state.setdefault("lc.l1.sweep_done", set())
    if key in done:
        rows = sweep(*key)
        show(l1_sweep_figure(*zip(*rows), current=p["alpha"]), "lc.l1.sweep")
        numbers |= {f"α = {a:g}: {k}": v for a, z, acc in rows for k, v in (("zero weights", z),
                                                                              ("test accuracy", acc))}
    else:
        st.button("Sweep α (about a second)", key="lc.l1.sweep_button", on_click=done.add, args=(key,))
    lesson.numbers({k: v for k, v in numbers.items() if np.isfinite(v)})
    return run

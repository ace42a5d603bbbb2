"""The dropout page's sections "factorization" and "mlp" (pages/dropout.py): dropout on a matrix factorization
drives to low-rank, equalized factors (the closed-form optimum drawn), and dropout against weight decay in a
network with one hidden layer on a tiny regression problem (train / test curves).

The page calls :func:`factorization_section` and :func:`mlp_section` (each returns ``(run, solvers, extra)``) and
adds :data:`EXPERIMENTS` to its presets. Parameter names are the keywords of ``numdl_core.theory.dropout``
(``r``, ``p``, ``lr``, ``scale``, ``seed``; ``width``, ``alpha``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.compare import Setup
from app.figures.common import convergence_figure
from app.figures.theory_dropout import fit_figure, products_figure, singular_values_figure, train_test_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.lessons.dropout import KEEP
from app.panels import live_table, show
from app.params import SEED
from numdl_core.theory import dropout as D

__all__ = ["EXPERIMENTS", "FACT", "FACT_TUNE", "MODES", "MLP", "MLP_TUNE", "NETS", "RANK_TOL", "COMPARE",
           "compare_make", "factorization_section", "mlp_section", "rank"]

MODES = {"expected loss (GD)": "expected", "dropout (masks)": "dropout", "no dropout": "plain"}
RANK_TOL = 1e-2  # a singular value counts if above RANK_TOL * sigma_1(Y)
SHAPE = (20, 15)
FACT = [KEEP, Param("r", "Factor columns r", "int", 6, lo=2, hi=10),
        Param("rank", "Rank of the truth", "int", 3, lo=1, hi=6),
        Param("noise", "Noise", "choice", 0.1, options=(0.0, 0.1, 0.3, 1.0)),
        Param("scale", "Initial entries", "choice", 0.1, options=(0.01, 0.1, 0.5, 1.0)), SEED]
FACT_TUNE = [Param("lr", "Step size", "log", 0.01, options=(0.001, 0.003, 0.01, 0.02, 0.05, 0.1, 0.3),
                   role="tunable")]
VIEW = Param("shown", "Singular values of", "choice", "expected loss (GD)", options=tuple(MODES), role="view",
             widget="segmented")
NETS = {"plain": (1.0, 0.0), "dropout": (None, 0.0), "weight decay": (1.0, None)}  # (p, alpha); None: the control's
MLP = [Param("n_train", "Training points", "int", 20, lo=5, hi=200, step=5),
       Param("noise", "Noise σ", "choice", 0.3, options=(0.0, 0.1, 0.3, 0.5)),
       Param("width", "Hidden units", "int", 50, lo=5, hi=200, step=5), KEEP,
       Param("alpha", "Weight decay α", "choice", 1e-3, options=(1e-5, 1e-4, 1e-3, 1e-2, 1e-1)), SEED]
MLP_TUNE = [Param("lr", "Adam learning rate η", "log", 0.01, options=(0.001, 0.003, 0.01, 0.03, 0.1, 1.0, 10.0),
                  role="tunable")]
COMPARE = [Param("regularizer", "Regularizer", "choice", "dropout", options=tuple(NETS)), KEEP, MLP[4],
           MLP_TUNE[0].but(role="structure")]  # compare mode: regularizer, p, α, η
COMPARE_STEPS = 500  # Adam steps per configuration (about 0.3 s each)
cached = st.cache_data(max_entries=16, show_spinner=False)


def compare_make(p: dict) -> Setup:
    """One configuration of the compare panel: the net with ``p["regularizer"]`` (its p or α from ``p``) from the
    page's common start, with its test error (the value plotted and tabulated)."""
    X, y, Xt, yt = cached(D.regression_data)(p["n_train"], noise=p["noise"], seed=p["seed"])
    q, a = NETS[p["regularizer"]]
    net = D.DropoutNet(X, y, p["width"], p["p"] if q is None else q, p["alpha"] if a is None else a)
    theta0 = D.DropoutNet(X, y, p["width"], 1.0, 0.0).init(p["seed"])
    return Setup(Solver(D.dropout_training, net, theta0), value=lambda s: net.mse(s.x, Xt, yt))


def rank(sv: np.ndarray, Y_norm: float) -> int:
    """Singular values above ``RANK_TOL * ||Y||_2``."""
    return int(np.sum(np.asarray(sv) > RANK_TOL * Y_norm))


def factorization_section(lesson: Lesson):
    st.subheader("Matrix factorization: dropout drives to low rank and equalized factors")
    p = lesson.controls(FACT, columns=6)
    lesson.controls(FACT_TUNE)
    Y = cached(D.low_rank_matrix)(*SHAPE, p["rank"], noise=p["noise"], seed=p["seed"])
    opt = D.factorization_optimum(Y, p["r"], p["p"])
    obj = D.DropoutFactorization(Y, p["r"], p["p"])
    sY = np.linalg.svd(Y, compute_uv=False)
    shown = lesson.controls([VIEW])["shown"]

    def metrics(name, step):
        out = {f"s{i + 1}": float(v) for i, v in enumerate(obj.singular_values(step.x))}
        with np.errstate(all="ignore"):
            pr = obj.products(step.x)
            out["balance"] = float(pr.max() / pr.min()) if pr.min() > 0 else np.nan
            out["reg"] = obj.regularizer(step.x)
        return out

    def draw(run) -> None:
        c1, c2 = st.columns(2)
        h = run.series[shown].history
        k = min(p["r"], *SHAPE)
        show(singular_values_figure(h["iteration"], {f"σ{i}": h[f"s{i}"] for i in range(1, k + 1)}, opt,
                                    title=f"{shown}: singular values of UVᵀ"), "do.fig.fact.sv", c1)
        prods = {n: obj.products(s.last.x) for n, s in run.series.items()}
        show(products_figure(prods, title="Column products ‖u_i‖‖v_i‖ (dropout: all equal)"), "do.fig.fact.prod",
             c2)
        hs = {n: s.history for n, s in run.series.items()}
        show(convergence_figure({n: (h["iteration"], h["balance"]) for n, h in hs.items()},
                                right={n: (h["iteration"], h["reg"]) for n, h in hs.items()}, x_title="step",
                                y_title="balance: max/min ‖u_i‖‖v_i‖", right_title="regularizer λΣ‖u_i‖²‖v_i‖²",
                                events=run.events, max_points=50, height=300), "do.fig.fact.balance")
        live_table(pd.DataFrame(rows(run)))
        st.caption(f"Frame compute time {run.frame_ms:.0f} ms. Rank: singular values above {RANK_TOL:g}·σ₁(Y). "
                   "Dashed: the optimum's singular values (closed form). The regularizer is evaluated with this p "
                   "for every run (the 'no dropout' run does not feel it).")

    def rows(run):
        out = []
        for n, s in run.series.items():
            with np.errstate(all="ignore"):
                sv, pr = obj.singular_values(s.last.x), obj.products(s.last.x)
                out.append({"series": n, "step": s.iteration, "expected loss": f"{obj.value_and_grad(s.last.x)[0]:.4g}",
                            "regularizer": f"{obj.regularizer(s.last.x):.3g}", "rank": rank(sv, sY[0]),
                            "max/min ‖u_i‖‖v_i‖": f"{pr.max() / pr.min():.3g}" if pr.min() > 0 else "∞",
                            "status": s.status})
        return out

    solvers = {n: Solver(D.factorization_descent, Y, mode=m) for n, m in MODES.items()}
    run = lesson.live("run", solvers, draw, max_iter=20000, default_speed=20, max_points=200, metrics=metrics,
                      diverged_hint="the step is too large for the largest singular value of Y: lower it.")
    st.caption(f"Y: {SHAPE[0]} × {SHAPE[1]}, rank {p['rank']} (singular values 6, 4, 2.7, …) plus noise; σ(Y) = "
               f"{', '.join(f'{v:.3g}' for v in sY[:p['r']])}. Optimum (λ = {obj.lam:.3g}, r = {p['r']}): σ = "
               f"{', '.join(f'{v:.3g}' for v in opt)}, rank {int(np.count_nonzero(opt))}.")
    numbers = {"optimal rank": float(np.count_nonzero(opt))}
    with np.errstate(all="ignore"):
        for n, s in run.series.items():
            sv, pr = obj.singular_values(s.last.x), obj.products(s.last.x)
            numbers[f"{n}: rank"] = rank(sv, sY[0])
            numbers[f"{n}: max/min column product"] = pr.max() / pr.min() if pr.min() > 0 else np.nan
            numbers[f"{n}: distance to the optimal singular values"] = np.linalg.norm(sv - opt) / np.linalg.norm(sY)
    lesson.numbers({k: v for k, v in numbers.items() if np.isfinite(v)})
    return run, solvers, {"modes": MODES, "shape": list(SHAPE), "rank_tol": RANK_TOL}


def mlp_section(lesson: Lesson):
    st.subheader("A small network: dropout against weight decay")
    p = lesson.controls(MLP, columns=6)
    lesson.controls(MLP_TUNE)
    X, y, Xt, yt = cached(D.regression_data)(p["n_train"], noise=p["noise"], seed=p["seed"])
    truth = cached(D.regression_data)(p["n_train"], noise=0.0, seed=p["seed"])[3]
    nets = {n: D.DropoutNet(X, y, p["width"], p["p"] if q is None else q, p["alpha"] if a is None else a)
            for n, (q, a) in NETS.items()}
    theta0 = nets["plain"].init(p["seed"])

    def metrics(name, step):
        with np.errstate(all="ignore"):
            return {"test": nets[name].mse(step.x, Xt, yt)}

    def draw(run) -> None:
        c1, c2 = st.columns(2)
        show(train_test_figure({n: (s.history["iteration"], s.history["loss"], s.history["test"])
                                for n, s in run.series.items()}, floor=p["noise"] ** 2,
                               title="Training (solid) and test (dashed) error"), "do.fig.mlp.curves", c1)
        with np.errstate(all="ignore"):
            preds = {n: nets[n].predict(s.last.x, Xt) for n, s in run.series.items()}
        show(fit_figure(X[:, 0], y, Xt[:, 0], truth, preds, title="The fitted functions (test time: no mask)"),
             "do.fig.mlp.fit", c2)
        live_table(pd.DataFrame([{"series": n, "step": s.iteration, "train MSE": f"{s.last.loss:.4g}",
                                  "test MSE": f"{s.history['test'][-1]:.4g}", "status": s.status}
                                 for n, s in run.series.items()]))
        st.caption(f"Frame compute time {run.frame_ms:.0f} ms. Dotted: the noise variance σ² = {p['noise'] ** 2:g}, "
                   "the best test error possible.")

    solvers = {n: Solver(D.dropout_training, net, theta0) for n, net in nets.items()}
    run = lesson.live("run", solvers, draw, max_iter=20000, default_speed=20, max_points=200, metrics=metrics,
                      diverged_hint="Adam's learning rate is far too large: lower η.")
    lesson.compare("nets", compare_make, COMPARE, {"regularizer": "weight decay"}, max_iter=COMPARE_STEPS,
                   value_label="final test MSE", y_title="test MSE",
                   note="The smallest test MSE and its step: where stopping early would have stopped.")
    st.caption(f"f(x) = (tanh(xK + b) ∘ m/p) W + c with {p['width']} hidden units ({nets['plain'].n_params} "
               f"weights), {p['n_train']} training points of sin(πx) + x/2 with noise σ = {p['noise']:g}; all three "
               f"start from the same weights. 'dropout': p = {p['p']:g}; 'weight decay': α = {p['alpha']:g}.")
    numbers = {}
    with np.errstate(all="ignore"):
        for n, s in run.series.items():
            numbers[f"{n}: train MSE"] = s.last.loss
            numbers[f"{n}: test MSE"] = nets[n].mse(s.last.x, Xt, yt)
    lesson.numbers({k: v for k, v in numbers.items() if np.isfinite(v)})
    return run, solvers, {"nets": NETS}


EXPERIMENTS = [
    Experiment("Low rank, equalized",
               "Play a few thousand steps. Compare the singular values and the column products of the three runs.",
               "Expected-loss GD reaches the closed-form optimum σ = 4.50, 2.59, 1.36, 0, 0, 0 (Y has 5.91, 4.00, "
               "2.77, 0.70, 0.67, 0.51) within 500 steps: rank 3 of 6 columns, and every ‖u_i‖‖v_i‖ = 1.41 = ‖M‖_*/r ="
               " 8.45/6, equalized. Dropout with masks hovers around it (rank 3, distance 0.07 after 3000 steps; "
               "products 1.1 to 1.6, the masks' noise). Without dropout all six singular values of Y stay (rank 6) and"
               " the products range from 0.73 to 3.11.",
               {"section": "factorization"}, name="low-rank-equalized"),
    Experiment("No dropout, no regularizer",
               "Set p = 1 and play.",
               "λ = 0: the three runs are the same: rank 6, column products from 0.73 to 3.11 (ratio 4.3); nothing "
               "balances the factors. UVᵀ becomes the best rank-6 approximation of Y (distance 3e-4 after 3000 steps).",
               {"section": "factorization", "p": 1.0}, name="factorization-without-dropout"),
    Experiment("Strong dropout",
               "Set p = 0.2 and play.",
               "λ = 4: the optimum keeps two singular values (3.08 and 1.17): the third component of the truth (2.77 "
               "in Y) is shrunk away. Expected-loss GD reaches it (rank 2, all products 0.71); dropout with masks is "
               "noisier (σ₃ still 0.2 after 3000 steps, products 0.28 to 1.14).",
               {"section": "factorization", "p": 0.2}, name="rank-collapses"),
    Experiment("Tiny data overfits",
               "Play about 3000 steps with 20 training points and 50 hidden units.",
               "After 3000 steps the unregularized net fits the noise: training MSE 0.014, test 0.208 (the noise floor"
               " is σ² = 0.09). Dropout p = 0.5: training 0.044, test 0.169; weight decay α = 1e-3: training 0.026, "
               "test 0.143. Both trade training error for test error.",
               {"section": "mlp"}, name="tiny-data-overfits"),
    Experiment("Plenty of data",
               "Set 200 training points and play.",
               "With 200 points all three end near the noise floor 0.09 (test 0.099, 0.098 and 0.089 after 3000 "
               "steps); dropout has the largest training error (0.106). With enough data the regularizers buy little.",
               {"section": "mlp", "n_train": 200}, name="plenty-of-data"),
    Experiment("Too much dropout",
               "Set p = 0.1 and play.",
               "Keeping 10% of the hidden units makes each step very noisy: training 0.21 after 300 steps and 0.091 "
               "after 3000, test 0.367 and 0.212, no better than no regularization (0.208): too much dropout underfits"
               " first.",
               {"section": "mlp", "p": 0.1}, name="too-much-dropout"),
]

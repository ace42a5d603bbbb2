"""Page support of the single-layer network page (pages/single_layer.py): the parameters of each section, the
series of its live runs and the panel of a live frame (loss curves, decision map, solver table).

Parameter names are the keywords of the ``numdl_core`` functions they feed (``training_problem``,
``elm_experiment``, ``surface_experiment``, ``inverse_crime_problem``, ``varpro_experiment``) and of the solvers
(``lr``, ``batch_size``, ``momentum``, ``cg_maxiter``), so the page passes its parameter dict on unchanged.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.single_layer import live_map_figure, loss_figures
from app.panels import live_table, show
from app.params import SEED, Param
from numdl_core import single_layer as sl
from numdl_core.classify import decision_map

DATA_LABELS = {"peaks": "peaks (5 classes)", "ellipses": "ellipses (2 classes)", "digits": "digits (8×8, 10 classes)"}
ACT_LABELS = {"sin": "sin", "tanh": "tanh", "relu": "ReLU"}
# the series of the live runs: switch -> (label, solver of numdl_core.solvers.SOLVERS, fixed options)
SERIES = {"sgd": ("SGD", "sgd", {}), "gn": ("Gauss-Newton", "gauss_newton", {"damping": 1e-6}),
          "varpro": ("VarPro", "varpro", {"damping": 1e-6}),
          "sd": ("steepest descent", "gradient_descent", {"step": 1.0, "line_search": True}),
          "newton": ("Newton-CG", "newton_cg", {})}
CRIME_SERIES = {"varpro": ("VarPro", "varpro", {"cg_tol": 1e-3}), "sgd": ("SGD", "sgd", {"momentum": 0.9}),
                "gn": ("Gauss-Newton", "gauss_newton", {"cg_tol": 1e-3})}
ALPHAS = (0.0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 1e-1)
LRS = tuple(float(f"{m * 10.0**e:g}") for e in range(-3, 2) for m in (1, 2, 5)) + (100.0,)

DATA = Param("data", "Data", "choice", "peaks", options=tuple(DATA_LABELS), labels=DATA_LABELS)
N_TRAIN = Param("n_train", "Training points", "int", 1000, lo=100, hi=1000, step=100)
ACT = Param("activation", "Activation σ", "choice", "tanh", options=tuple(ACT_LABELS), labels=ACT_LABELS,
            widget="segmented")
WIDTH = Param("width", "Width m", "int", 30, lo=2, hi=100)
LOSS = Param("loss", "Loss", "choice", "squared", options=("squared", "softmax"),
             labels={"squared": "least squares", "softmax": "softmax cross-entropy"})
ALPHA = Param("alpha", "Tikhonov α (λ in the notes)", "choice", 1e-4, options=ALPHAS, labels={0.0: "0"})
LR = Param("lr", "SGD learning rate η (μ in the notes)", "log", 0.05, options=LRS, role="tunable")
CG = Param("cg_maxiter", "CG iterations per step (GN, VarPro, Newton)", "int", 20, lo=1, hi=50, role="tunable")
ELM = [DATA, N_TRAIN.but(help="Validation: 2000 fresh points (peaks, ellipses) or the remaining images (digits)."),
       ACT, WIDTH.but(label="Width m (hidden neurons)", default=50, lo=1, hi=500),
       ALPHA.but(label="Tikhonov α (output solve)", default=1e-6), SEED,
       Param("scale", "Scale s of the random K, b", "log", 1.0, options=(0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
             help="K ~ N(0, s²), b ~ U(−πs, πs).")]
TRAIN = [DATA, N_TRAIN, ACT, WIDTH, LOSS.but(help="Gauss-Newton and VarPro need the least-squares loss."), ALPHA, SEED]
SWITCHES = [Param(k, SERIES[k][0], "bool", k in ("sgd", "gn", "varpro"), help=h) for k, h in (
    ("sgd", None), ("gn", None), ("varpro", None), ("sd", "Armijo line search from t = 1."),
    ("newton", "Exact Hessian-vector products (4 passes each)."))]
TUNE = [LR, Param("batch_size", "SGD batch size", "choice", 32, options=(8, 16, 32, 64, 128, 256, 1000),
                  labels={1000: "full batch"}, role="tunable"),
        Param("momentum", "SGD momentum μ (γ in the notes)", "float", 0.9, lo=0.0, hi=0.99, step=0.01, role="tunable"),
        CG, Param("sgd_epochs", "SGD epochs per step", "choice", 2, options=(1, 2, 5, 10, 20), role="view",
                  help="One Gauss-Newton or VarPro step costs about 40 passes over the data, one SGD epoch 2, yet 2 "
                       "epochs (64 mini-batches) take about as long to compute as one Gauss-Newton step: the default "
                       "gives every solver about the same computing time per frame. The plot against work is fair "
                       "either way."),
        Param("map_solver", "Decision map and accuracy curves of", "choice", "varpro", options=tuple(SERIES),
              labels={k: v[0] for k, v in SERIES.items()}, role="view")]
SURFACE = [DATA.but(options=("peaks", "ellipses")),
           N_TRAIN.but(label="Points (subsample)", default=300, help="41 × 41 loss evaluations: a subsample is quicker."),
           ACT, WIDTH.but(default=20), LOSS.but(default="softmax"),
           Param("center", "Centre of the picture", "choice", "trained", options=("initial", "trained"),
                 labels={"initial": "initial θ₀", "trained": "trained θ"}, widget="segmented"),
           Param("trainer", "Trained by", "choice", "newton_cg", options=sl.TRAINERS,
                 labels={"newton_cg": "Newton-CG", "sgd": "SGD (μ 0.9, batch 32)"},
                 help="SGD: η = min(0.05, half the stability limit 2(1+μ)/L of the output layer at θ₀)."),
           Param("iterations", "Training iterations (SGD: epochs)", "int", 30, lo=1, hi=200),
           Param("span", "Span of the grid", "choice", 1.0, options=(0.1, 0.25, 0.5, 1.0, 2.0)),
           Param("normalize", "Directions", "choice", "filter", options=("filter", "unit"),
                 labels={"filter": "filter-normalized", "unit": "unit length"}, widget="segmented",
                 help="Filter-normalized (Li et al. 2018): each neuron's part of d scaled to that neuron's size in θ."),
           Param("log", "Colour by log₁₀(loss)", "bool", False, role="view"), SEED]
CRIME = [N_TRAIN.but(label="Samples", default=300), Param("true_width", "Width of the true network", "int", 8, lo=2,
                                                           hi=20),
         WIDTH.but(label="Width of the trained network", default=16, hi=40), ACT, SEED]
CRIME_SWITCHES = [Param(k, v[0], "bool", k != "sgd") for k, v in CRIME_SERIES.items()]
CRIME_TUNE = [CG.but(label="CG iterations per step", default=50, hi=100), LR.but(default=0.01)]
VARPRO = [N_TRAIN.but(label="Points (peaks)", default=200), WIDTH.but(default=10, hi=50), ACT, ALPHA.but(default=1e-3),
          Param("inner", "Inner solve for W", "choice", "cg", options=("direct", "cg"), widget="segmented",
                labels={"direct": "direct (SVD)", "cg": "CG"},
                help="Direct: the exact inner solution by an SVD. CG: a fixed number of CG iterations from W = 0."),
          Param("inner_iters", "Inner CG iterations", "int", 2, lo=1, hi=100), SEED]
LIVE_GRID = 60  # decision maps redrawn in every live frame: 60 x 60 cells


def pct(a: float) -> str:
    return "–" if not np.isfinite(a) else f"{100 * a:.1f}%"


def summary(run, M: sl.SingleLayer, d) -> tuple[list[dict], dict]:
    """The solver table (the last iterate of each series) and its headline numbers (``d``: the data)."""
    rows, numbers = [], {}
    for n, s in run.series.items():
        tr, va = sl.accuracies(M, s.last.x, d.X_val, d.y_val)
        rows.append({"solver": n, "iteration": s.iteration, "work (passes)": f"{s.last.info['work']:.1f}",
                     "loss": f"{s.last.loss:.4g}", "train acc": pct(tr), "validation acc": pct(va), "status": s.status})
        numbers.update({f"{n} loss": s.last.loss, f"{n} work": s.last.info["work"], f"{n} training accuracy": tr,
                        f"{n} validation accuracy": va})
    return rows, {k: v for k, v in numbers.items() if np.isfinite(v)}


def draw_run(run, M: sl.SingleLayer, d, shown: str, key: str, **loss_kw):
    """A live frame: loss against work and iteration, the decision map of series ``shown``, the solver table.
    Returns the column next to the map and the table rows."""
    figs = loss_figures({n: s.history for n, s in run.series.items()}, events=run.events, **loss_kw,
                        diverged={n: s.iteration for n, s in run.series.items() if s.status == "diverged"})
    for c, fig, name in zip(st.columns(2), figs, ("work", "iter")):
        show(fig, f"sl.fig.{key}.{name}", c)
    c3, c4 = st.columns(2)
    x, it = run.series[shown].last.x, run.series[shown].iteration
    if d.X.shape[1] != 2:
        c3.info("Digits have 64 features: no 2-D decision map. The table and the accuracy curves show the "
                "classification quality.")
    elif np.all(np.isfinite(x)):
        with np.errstate(all="ignore"):  # huge (nearly diverged) weights overflow: their map is still drawn
            grid = decision_map(lambda P: M.predict(x, P), d.X, n=LIVE_GRID)
        show(live_map_figure(*grid, d.X, d.y, image=True, n_classes=M.n_classes, height=420, marker_size=5,
                             title=f"{shown}: decision map at iteration {it}"), f"sl.fig.{key}.map", c3)
    else:
        c3.warning(f"{shown} has no finite weights to draw.")
    rows = summary(run, M, d)[0]
    live_table(pd.DataFrame(rows))
    return c4, rows

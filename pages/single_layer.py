"""Single-layer networks: extreme learning machines, SGD vs Gauss-Newton vs variable projection, the
non-convex loss surface, the inverse crime and the VarPro gradient check."""
from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.common import convergence_figure, decision_map_figure
from app.figures.single_layer import (
    accuracy_curves_figure, accuracy_vs_width_figure, inner_solve_figure, loss_surface_figure, singular_values_figure,
)
from app.live import Metrics, Run, live_run
from app.panels import Experiment, code_panel, self_check, show, taylor_panel, theory, try_this
from app.params import PageParams, Param
from numdl_core import single_layer as sl
from numdl_core.checks import adjoint_check, derivative_check
from numdl_core.classify import decision_map
from numdl_core.data import load_digits, make_dataset
from numdl_core.optim import CountingObjective, Step, gauss_newton, gradient_descent, newton_cg, sgd

SECTIONS = {"elm": "ELM (random features)", "train": "Training: SGD vs Gauss-Newton vs VarPro",
            "surface": "Loss surface", "crime": "Inverse crime", "varpro": "VarPro gradient"}
DATA_LABELS = {"peaks": "peaks (5 classes)", "ellipses": "ellipses (2 classes)", "digits": "digits (8×8, 10 classes)"}
ACT_LABELS = {"sin": "sin", "tanh": "tanh", "relu": "ReLU"}
LOSS_LABELS = {"squared": "least squares", "softmax": "softmax cross-entropy"}
SOLVERS = {"sgd": "SGD", "gn": "Gauss-Newton", "varpro": "VarPro", "sd": "steepest descent", "newton": "Newton-CG"}
N_VAL = 2000  # validation points for the 2-D data sets (the course: 1000 training, 2000 validation)
INIT_SCALE = {"peaks": 1.0, "ellipses": 1.0, "digits": 0.3}  # scale of the random K, b (64 pixels: smaller)
ELM_WIDTHS = (1, 2, 5, 10, 20, 50, 100, 200, 300, 500)
MAP_GRID = 80  # decision maps: at most 80 x 80
LIVE_MAP_GRID = 60  # decision maps redrawn in every frame of a live run (and the truth they are compared with)
GN_DAMPING = 1e-6
LRS = tuple(float(f"{m * 10.0**e:g}") for e in range(-3, 2) for m in (1, 2, 5)) + (100.0,)
ALPHAS = (0.0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 1e-1)
ALPHA_LABELS = {0.0: "0"}

SECTION = Param("section", "Experiment", "choice", "train", options=tuple(SECTIONS), labels=SECTIONS, widget="segmented")
SEED = Param("seed", "Seed", "int", 0, lo=0, hi=99)


def _data_param(options=tuple(DATA_LABELS)) -> Param:
    return Param("data", "Data", "choice", "peaks", options=options, labels=DATA_LABELS)


def _act_param(default="tanh") -> Param:
    return Param("activation", "Activation σ", "choice", default, options=tuple(ACT_LABELS), labels=ACT_LABELS,
                 widget="segmented")


ELM = [
    _data_param(),
    Param("n_train", "Training points", "int", 1000, lo=100, hi=1000, step=100,
          help="Validation: 2000 fresh points (peaks, ellipses) or the remaining images (digits)."),
    _act_param(),
    Param("width", "Width m (hidden neurons)", "int", 50, lo=1, hi=500),
    Param("alpha", "Tikhonov α (output solve)", "choice", 1e-6, options=ALPHAS, labels=ALPHA_LABELS),
    Param("scale", "Scale s of the random K, b", "log", 1.0, options=(0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
          help="K ~ N(0, s²), b ~ U(−πs, πs)."),
    SEED,
]
TRAIN = [
    _data_param(),
    Param("n_train", "Training points", "int", 1000, lo=100, hi=1000, step=100),
    _act_param(),
    Param("width", "Width m", "int", 30, lo=2, hi=100),
    Param("loss", "Loss", "choice", "squared", options=tuple(LOSS_LABELS), labels=LOSS_LABELS,
          help="Gauss-Newton and VarPro need the least-squares loss (on one-hot targets)."),
    Param("alpha", "Tikhonov α", "choice", 1e-4, options=ALPHAS, labels=ALPHA_LABELS),
    SEED,
]
TRAIN_SOLVERS = [
    Param("sgd", "SGD", "bool", True),
    Param("gn", "Gauss-Newton", "bool", True),
    Param("varpro", "VarPro", "bool", True),
    Param("sd", "Steepest descent", "bool", False, help="Armijo line search from t = 1."),
    Param("newton", "Newton-CG", "bool", False, help="Exact Hessian-vector products (4 data passes each)."),
]
TRAIN_TUNE = [
    Param("lr", "SGD learning rate η", "log", 0.05, options=LRS, help="Takes effect mid-run."),
    Param("batch", "SGD batch size", "choice", 32, options=(0, 8, 16, 32, 64, 128, 256), labels={0: "full batch"}),
    Param("momentum", "SGD momentum μ", "float", 0.9, lo=0.0, hi=0.99, step=0.01),
    Param("cg_iters", "CG iterations per step (GN, VarPro, Newton)", "int", 20, lo=1, hi=50),
    Param("sgd_epochs", "SGD epochs per step", "choice", 2, options=(1, 2, 5, 10, 20),
          help="Every solver makes one step per iteration of the live run. One Gauss-Newton or VarPro step costs "
               "about 40 passes over the data, one SGD epoch 2, yet 2 epochs (64 small mini-batches) take about as "
               "long to compute as one Gauss-Newton step: the default gives every solver about the same computing "
               "time per frame. More epochs per step let SGD keep up in passes per frame, at the price of slower "
               "frames; the plot against work compares the solvers fairly either way."),
]
SURFACE = [
    _data_param(("peaks", "ellipses")),
    Param("n_train", "Points (subsample)", "int", 300, lo=100, hi=1000, step=100,
          help="41 × 41 = 1681 loss evaluations: a subsample keeps the picture quick."),
    _act_param(),
    Param("width", "Width m", "int", 20, lo=2, hi=100),
    Param("loss", "Loss", "choice", "softmax", options=tuple(LOSS_LABELS), labels=LOSS_LABELS),
    Param("center", "Centre of the picture", "choice", "trained", options=("initial", "trained"),
          labels={"initial": "initial θ₀", "trained": "trained θ"}, widget="segmented"),
    Param("trainer", "Trained by", "choice", "newton", options=("newton", "sgd"),
          labels={"newton": "Newton-CG", "sgd": "SGD (μ 0.9, batch 32)"},
          help="SGD: η = min(0.05, 1.9/L) with L the curvature of the loss in the output weights at θ₀."),
    Param("iters", "Training iterations (SGD: epochs)", "int", 30, lo=1, hi=200),
    Param("span", "Span of the grid", "choice", 1.0, options=(0.1, 0.25, 0.5, 1.0, 2.0)),
    Param("normalize", "Directions", "choice", "filter", options=("filter", "unit"),
          labels={"filter": "filter-normalized", "unit": "unit length"}, widget="segmented",
          help="Filter-normalized (Li et al. 2018): each neuron's part of d scaled to that neuron's size in θ."),
    Param("log", "Colour by log₁₀(loss)", "bool", False),
    SEED,
]
CRIME = [
    Param("n_train", "Samples", "int", 300, lo=100, hi=1000, step=100),
    Param("true_width", "Width of the true network", "int", 8, lo=2, hi=20),
    Param("width", "Width of the trained network", "int", 16, lo=2, hi=40),
    _act_param(),
    SEED,
]
CRIME_SOLVERS = [Param("varpro", "VarPro", "bool", True), Param("gn", "Gauss-Newton", "bool", True),
                 Param("sgd", "SGD", "bool", False)]
CRIME_TUNE = [Param("cg_iters", "CG iterations per step", "int", 50, lo=1, hi=100),
              Param("lr", "SGD learning rate η", "log", 0.01, options=LRS)]
VARPRO = [
    Param("n_train", "Points (peaks)", "int", 200, lo=100, hi=1000, step=100),
    Param("width", "Width m", "int", 10, lo=2, hi=50),
    _act_param(),
    Param("alpha", "Tikhonov α", "choice", 1e-3, options=ALPHAS, labels=ALPHA_LABELS),
    Param("inner", "Inner solve for W", "choice", "cg", options=("direct", "cg"),
          labels={"direct": "direct (SVD)", "cg": "CG"}, widget="segmented",
          help="Direct: the exact inner solution by an SVD. CG: a fixed number of CG iterations from W = 0."),
    Param("inner_iters", "Inner CG iterations", "int", 2, lo=1, hi=100),
    SEED,
]

pp = PageParams("sl")
st.title("🧠 Single-layer networks")
theory(
    "One hidden layer of m neurons: the data (rows of X) go through a linear map K, a bias b and an activation σ; "
    "the output layer W, c is linear and a softmax (or a least-squares fit to one-hot targets) turns outputs into "
    "classes. The output weights enter **linearly**: with K, b fixed, finding W is a linear least-squares problem. "
    "That gives three ways to train: the **extreme learning machine** (random K, b; only solve for W), "
    "**variable projection** (eliminate W by an inner solve and optimize K, b on the reduced objective φ) and the "
    "full problem in all weights, by **SGD** (cheap, noisy steps on mini-batches) or by **Gauss-Newton** "
    "(matrix-free JᵀJ p = −Jᵀr by CG). The loss is **not convex** in K, b. Work is counted in passes over the "
    "training data (forward or adjoint), the fair unit to compare such different methods.",
    [
        r"\hat c(y) = \mathrm{softmax}\big(W\,\sigma(K y + b) + c\big) \qquad "
        r"Z = \sigma(X K + \mathbf 1 b^\top),\quad O = Z W + \mathbf 1 c^\top",
        r"\text{ELM: } W = \arg\min_W \tfrac{1}{2n}\|Z W + \mathbf 1 c^\top - Y\|_F^2 + \tfrac\alpha2\|W\|_F^2",
        r"\text{SGD: } \theta_{k+1} = \theta_k + v_{k+1},\quad v_{k+1} = \mu v_k - \eta\,\nabla f_{B_k}(\theta_k)"
        r"\qquad \text{GN: } (J^\top J + \lambda I)\,p = -J^\top r",
        r"\text{VarPro: } \varphi(K, b) = \min_{W, c} f(K, b, W, c), \qquad "
        r"\nabla\varphi = \nabla_{K,b} f\big(K, b, W^*(K, b), c^*(K, b)\big)",
    ],
    "Ruthotto and Haber, Numerical Methods for Deep Learning, Module 4; Huang, Zhu and Siew (2006), Neurocomputing 70 "
    "(ELM); Golub and Pereyra (1973), SIAM J. Numer. Anal. 10 (VarPro); Newman, Ruthotto, Hart and van Bloemen "
    "Waanders (2021), SIAM J. Math. Data Sci. 3 (Train like a (Var)Pro); Bottou, Curtis and Nocedal (2018), SIAM "
    "Review 60 (SGD); Li, Xu, Taylor, Studer and Goldstein (2018), NeurIPS (loss landscapes).",
)
section = pp.controls([SECTION])["section"]


# ---------------------------------------------------------------- shared helpers
@st.cache_data(max_entries=16, show_spinner=False)
def _data(name: str, n_train: int, seed: int):
    """(X, y, X_val, y_val): 2-D sets with 2000 fresh validation points; digits split at random."""
    if name == "digits":
        X, y = load_digits()
        perm = np.random.default_rng(seed).permutation(y.size)
        return X[perm[:n_train]], y[perm[:n_train]], X[perm[n_train:]], y[perm[n_train:]]
    X, y = make_dataset(name, n_train, noise=0.0, seed=seed)
    Xv, yv = make_dataset(name, N_VAL, noise=0.0, seed=seed + 1000)
    return X, y, Xv, yv


def _n_classes(y, yv) -> int:
    return int(max(y.max(), yv.max())) + 1


def _tracked(gen: Iterator[Step], cobj: CountingObjective | None, w0: float) -> Iterator[Step]:
    """Steps of ``gen`` with ``info["work"]`` continued from ``w0`` (after a restart with new tunables) and taken
    from ``cobj`` for methods that do not count their own work; numpy overflow warnings silenced (a diverging
    run is reported on the page)."""
    while True:
        with np.errstate(all="ignore"):
            try:
                s = next(gen)
            except StopIteration:
                return
        work = cobj.work if cobj is not None else float(s.info.get("work", 0.0))
        yield Step(s.iteration, s.x, s.loss, s.grad_norm, {**s.info, "work": w0 + work})


def _every(gen: Iterator[Step], k: int) -> Iterator[Step]:
    """Every k-th Step of ``gen`` (iteration 0, k, 2k, ...), plus a diverged or final one."""
    last = None
    for s in gen:
        last = s
        if s.iteration % k == 0 or s.info.get("diverged"):
            last = None
            yield s
    if last is not None:
        yield last


def _work_so_far(run_key: str, name: str) -> float:
    run = st.session_state.get(run_key)
    if run is None or name not in run.series or run.series[name].last is None:
        return 0.0
    return float(run.series[name].last.info.get("work", 0.0))


def _accuracies(M: sl.SingleLayer, x: np.ndarray, Xv, yv) -> tuple[float, float]:
    if not np.all(np.isfinite(x)):
        return float("nan"), float("nan")
    with np.errstate(all="ignore"):
        return M.accuracy(x), M.accuracy(x, Xv, yv)


def _run_metrics(M: sl.SingleLayer, Xv, yv, accuracies: bool = True) -> Metrics:
    """The ``metrics`` of a live training run: work so far, and training and validation accuracy of each Step
    (``accuracies=False``: work only, for a run that shows just the accuracies of the last iterate)."""
    def metrics(name: str, step: Step) -> dict:
        if not accuracies:
            return {"work": float(step.info.get("work", 0.0))}
        tr, va = _accuracies(M, step.x, Xv, yv)
        return {"work": float(step.info.get("work", 0.0)), "train_acc": tr, "val_acc": va}
    return metrics


def _loss_figures(run: Run, y_title: str, work_title: str, iter_title: str, *, log_iterations: bool = False):
    """Loss against work (log axis) and loss against iteration of every series of ``run``, divergence marked."""
    ser = run.series
    by_work = convergence_figure({n: (s.history["work"], s.history["loss"]) for n, s in ser.items()}, x="work",
                                 log_x=True, y_title="training loss",
                                 diverged={n: s.status == "diverged" for n, s in ser.items()}, title=work_title)
    by_iter = convergence_figure({n: (s.history["iteration"], s.history["loss"]) for n, s in ser.items()},
                                 events=run.events, y_title=y_title, log_x=log_iterations,
                                 x_title="iteration (log)" if log_iterations else "iteration",
                                 diverged={n: s.iteration for n, s in ser.items() if s.status == "diverged"},
                                 title=iter_title)
    return by_work, by_iter


def _map(M: sl.SingleLayer, theta: np.ndarray, X: np.ndarray, n: int = MAP_GRID):
    with np.errstate(all="ignore"):
        return decision_map(lambda P: M.predict(theta, P), X, n=n)


def _output_curvature(M: sl.SingleLayer, theta: np.ndarray) -> float:
    """L = λmax of the Hessian of the loss in the output weights (W, c) at theta (softmax: its upper bound)."""
    Z = M.features(theta)
    A = np.c_[Z, np.ones(Z.shape[0])]
    L = float(np.linalg.eigvalsh(A.T @ A / Z.shape[0])[-1]) + M.alpha
    return L / 2 if M.loss == "softmax" else L


def _fmt_acc(a: float) -> str:
    return "–" if not np.isfinite(a) else f"{100 * a:.1f}%"


# ---------------------------------------------------------------- ELM
@st.cache_data(max_entries=32, show_spinner=False)
def _elm_curves(data, n_train, activation, alpha, scale, seed):
    X, y, Xv, yv = _data(data, n_train, seed)
    return sl.elm_accuracy_vs_width(X, y, ELM_WIDTHS, Xv, yv, activation=activation, alpha=alpha, seed=seed,
                                    scale=scale)


@st.cache_data(max_entries=32, show_spinner=False)
def _elm_at(data, n_train, width, activation, alpha, scale, seed):
    X, y, Xv, yv = _data(data, n_train, seed)
    C = _n_classes(y, yv)
    res = sl.elm(X, y, width, activation=activation, alpha=alpha, seed=seed, scale=scale, n_classes=C)
    acc_va = res.model.accuracy(res.theta, Xv, yv)
    grid = _map(res.model, res.theta, X) if X.shape[1] == 2 else None
    K, b = sl.random_hidden(X.shape[1], width, seed=seed, scale=scale)
    dead = int(np.sum(np.all(X @ K + b <= 0, axis=0)))
    svals = sl.feature_singular_values(X, width, seed=seed, scale=scale)
    return res.train_accuracy, acc_va, grid, dead, svals


def elm_section() -> None:
    st.subheader("Extreme learning machine: random hidden layer, output weights by least squares")
    p = pp.controls(ELM, columns=4, scope="elm")
    X, y, Xv, yv = _data(p["data"], p["n_train"], p["seed"])
    acc_tr, acc_va, grid, dead, svals = _elm_at(p["data"], p["n_train"], p["width"], p["activation"], p["alpha"],
                                                p["scale"], p["seed"])
    widths, tr, va = _elm_curves(p["data"], p["n_train"], p["activation"], p["alpha"], p["scale"], p["seed"])
    c1, c2 = st.columns(2)
    show(singular_values_figure(svals, title=f"Singular values of Z = σ(XK + b), width {p['width']}"),
         "sl.fig.elm.svals", c1)
    show(accuracy_vs_width_figure(widths, tr, va, current=p["width"],
                                  title=f"ELM accuracy against width ({ACT_LABELS[p['activation']]})"),
         "sl.fig.elm.width", c2)
    s = svals[p["activation"]]
    cond = s[0] / s[-1] if s[-1] > 0 else float("inf")
    c3, c4 = st.columns(2)
    if grid is not None:
        show(decision_map_figure(*grid, X, y, n_classes=_n_classes(y, yv), height=400, webgl=True, marker_size=5,
                                 title=f"ELM decision map, width {p['width']}"), "sl.fig.elm.map", c3)
    else:
        c3.info("Digits have 64 features: no 2-D decision map.")
    with c4:
        m1, m2 = st.columns(2)
        m1.metric("training accuracy", _fmt_acc(acc_tr))
        m2.metric("validation accuracy", _fmt_acc(acc_va), help=f"{yv.size} validation points")
        m3, m4 = st.columns(2)
        m3.metric("cond(Z)", f"{cond:.2g}", help="σ₁/σₘ of the feature matrix for the chosen activation")
        m4.metric("dead neurons with ReLU", f"{dead} of {p['width']}",
                  help="Neurons whose hyperplane xᵀk + b = 0 leaves every training point on the inactive side: "
                       "with ReLU their feature is identically 0 (a zero singular value). Same K, b for every "
                       "activation.")
        st.caption("ELM validation accuracy by width: " + ", ".join(
            f"m = {w}: {100 * a:.1f}%" for w, a in zip(widths, va)) + ".")
        st.caption("Only W and c are trained (one linear least-squares solve); K and b stay random. The output "
                   "solve is as ill-conditioned as cond(Z) (with α = 0).")
    try_this([
        Experiment("Dead ReLU neurons", "Compare the singular values of the three activations at width 200. "
                   "Which curve drops to round-off, and why?",
                   "The ReLU curve falls to ε·σ₁: random hyperplanes that miss the data give ReLU features that are "
                   "identically 0 (dead neurons) or exactly linear on the data, so Z is numerically rank deficient. "
                   "sin and tanh features stay independent, though their singular values also decay fast.",
                   {"width": 200, "activation": "relu"}),
        Experiment("Overfitting with width", "Use 200 training points and α = 1e-10. How do the training and the "
                   "validation accuracy behave as the width grows towards 200 and beyond?",
                   "Training accuracy reaches 100% once m ≈ n (as many features as points: interpolation), while "
                   "validation accuracy peaks around m ≈ 50 and then falls. Raise α to 1e-2 to close the gap.",
                   {"n_train": 200, "alpha": 1e-10, "activation": "tanh", "width": 200}),
        Experiment("The scale of the random weights", "On digits, compare s = 1 with s = 0.1 for sin features.",
                   "With s = 1 the 64-pixel inputs give large pre-activations: sin features are nearly random noise "
                   "and validation accuracy drops. s = 0.1 gives smooth features and better generalization.",
                   {"data": "digits", "activation": "sin", "scale": 0.1, "width": 200}),
    ], pp.apply, key="sl.elm")
    code_panel(f"""from numdl_core.data import make_dataset
from numdl_core.single_layer import elm, elm_accuracy_vs_width, feature_singular_values

X, y = make_dataset({p['data']!r}, {p['n_train']}, noise=0.0, seed={p['seed']})   # digits: numdl_core.data.load_digits()
Xv, yv = make_dataset({p['data']!r}, 2000, noise=0.0, seed={p['seed'] + 1000})
res = elm(X, y, {p['width']}, activation={p['activation']!r}, alpha={p['alpha']!r}, seed={p['seed']}, scale={p['scale']})
print(res.train_accuracy, res.model.accuracy(res.theta, Xv, yv))
svals = feature_singular_values(X, {p['width']}, seed={p['seed']}, scale={p['scale']})   # sin, tanh, relu
widths, acc_train, acc_val = elm_accuracy_vs_width(X, y, {list(ELM_WIDTHS)}, Xv, yv,
                                                   activation={p['activation']!r}, alpha={p['alpha']!r})""")


# ---------------------------------------------------------------- training
@st.cache_data(max_entries=16, show_spinner=False)
def _train_checks(data, n_train, activation, width, loss, alpha, seed):
    """Taylor test of the network gradient (and Hessian) and the adjoint test of J at theta0."""
    X, y, Xv, yv = _data(data, n_train, seed)
    M = sl.SingleLayer(X, y, width, activation=activation, loss=loss, alpha=alpha, n_classes=_n_classes(y, yv))
    th0 = M.init_theta(seed, scale=INIT_SCALE[data])
    res = derivative_check(M.value_and_grad, th0, hess_vec=None if activation == "relu" else M.hess_vec,
                           seed=seed, n=14)
    adj = None
    if loss == "squared":
        Jv, JTw = M.linearize(th0)
        adj = adjoint_check(Jv, JTw, M.n_params, seed=seed, rtol=1e-12)
    return res, adj


def train_section() -> None:
    st.subheader("Training side by side: SGD, Gauss-Newton, variable projection")
    p = pp.controls(TRAIN, columns=4, scope="train")
    st.markdown("**Solvers** (structural: switching one resets the run)")
    on = pp.controls(TRAIN_SOLVERS, columns=5, scope="train")
    st.markdown("**Tunables** (take effect mid-run, from the current weights)")
    t = pp.controls(TRAIN_TUNE, columns=5, scope="train")
    map_options = tuple(SOLVERS)
    map_key = pp.controls([Param("map_solver", "Decision map and accuracy curves of", "choice", "varpro",
                                 options=map_options, labels=SOLVERS)], scope="train")["map_solver"]
    X, y, Xv, yv = _data(p["data"], p["n_train"], p["seed"])
    C = _n_classes(y, yv)
    M = sl.SingleLayer(X, y, p["width"], activation=p["activation"], loss=p["loss"], alpha=p["alpha"], n_classes=C)
    th0 = M.init_theta(p["seed"], scale=INIT_SCALE[p["data"]])
    enabled = [k for k in SOLVERS if on[k]]
    if p["loss"] == "softmax" and ("gn" in enabled or "varpro" in enabled):
        st.info("Gauss-Newton and VarPro need a residual r(θ) with f = ½‖r‖² (the least-squares loss); with the "
                "softmax cross-entropy they are left out. Switch the loss to least squares to compare them.")
        enabled = [k for k in enabled if k not in ("gn", "varpro")]
    if not enabled:
        st.warning("Switch on at least one solver.")
        return
    names = [SOLVERS[k] for k in enabled]
    map_name = SOLVERS[map_key] if map_key in enabled else names[0]
    L = _output_curvature(M, th0)
    lr_bound = 2 * (1 + t["momentum"]) / L
    run_key = "sl.train.run"
    cg = t["cg_iters"]

    def start(x0s):
        gens = {}
        for key in enabled:
            name = SOLVERS[key]
            x0 = th0 if x0s is None else x0s.get(name, th0)
            w0 = 0.0 if x0s is None else _work_so_far(run_key, name)
            cobj = None
            if key == "sgd":
                gen = _every(sgd(M, x0, lr=t["lr"], batch_size=t["batch"] or None, momentum=t["momentum"],
                                 seed=p["seed"]), t["sgd_epochs"])
            elif key == "gn":
                gen = gauss_newton(M, x0, cg_maxiter=cg, damping=GN_DAMPING)
            elif key == "varpro":
                gen = sl.varpro(M, x0, cg_maxiter=cg, damping=GN_DAMPING)
            elif key == "sd":
                cobj = CountingObjective(M)
                gen = gradient_descent(cobj, x0, step=1.0, line_search=True)
            else:
                cobj = CountingObjective(M)
                gen = newton_cg(cobj, x0, cg_maxiter=cg)
            gens[name] = _tracked(gen, cobj, w0)
        return gens

    def draw(run: Run) -> None:
        ser = run.series
        c1, c2 = st.columns(2)
        by_work, by_iter = _loss_figures(run, "training loss", "Training loss against work",
                                         "Training loss against iteration (SGD: epochs)", log_iterations=True)
        show(by_work, "sl.fig.train.work", c1)
        show(by_iter, "sl.fig.train.iter", c2)
        c3, c4 = st.columns(2)
        sm = ser[map_name]
        if X.shape[1] == 2 and np.all(np.isfinite(sm.last.x)):
            show(decision_map_figure(*_map(M, sm.last.x, X, LIVE_MAP_GRID), X, y, n_classes=C, height=440,
                                     webgl=True, marker_size=5,
                                     title=f"{map_name}: decision map at iteration {sm.iteration}"), "sl.fig.train.map", c3)
        elif X.shape[1] != 2:
            c3.info("Digits have 64 features: no 2-D decision map. The table and the accuracy curves show the "
                    "classification quality.")
        else:
            c3.warning(f"{map_name} has no finite weights to draw.")
        h = sm.history
        show(accuracy_curves_figure(h["iteration"], h["train_acc"], h["val_acc"],
                                    x_title="epoch" if map_name == "SGD" else "iteration",
                                    title=f"{map_name}: training and validation accuracy"), "sl.fig.train.acc", c4)
        rows = []
        for n, s in ser.items():
            tr, va = (s.history["train_acc"][-1], s.history["val_acc"][-1]) if s.history.get("train_acc") else (np.nan,) * 2
            rows.append({"solver": n, "iteration": s.iteration, "work (passes)": f"{s.last.info.get('work', 0.0):.1f}",
                         "loss": f"{s.last.loss:.4g}", "train acc": _fmt_acc(tr), "validation acc": _fmt_acc(va),
                         "status": s.status})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.caption(f"Frame compute time {run.frame_ms:.0f} ms. Work: a forward or adjoint pass over the "
                   f"{M.n_samples} training points counts 1; a mini-batch of b points b/n.")

    def hint(run: Run) -> str:
        if "SGD" in run.series and run.series["SGD"].status == "diverged":
            return (f"the learning rate η = {t['lr']:g} is too large. In the output weights W the loss is a quadratic "
                    f"with curvature L = λmax([Z 1]ᵀ[Z 1])/n{' /2' if p['loss'] == 'softmax' else ''} ≈ {L:.3g} at the "
                    f"start, and heavy-ball SGD with momentum μ = {t['momentum']:g} is unstable for "
                    f"η > 2(1+μ)/L ≈ {lr_bound:.3g}. Lower η: the run restarts.")
        return "the loss became non-finite. Lower the step sizes or raise α; the run restarts when a tunable changes."

    structure = {**p, **{k: on[k] for k in SOLVERS}, "enabled": tuple(enabled)}
    run = live_run(run_key, pp, start, draw, structure=structure, tunables=t, metrics=_run_metrics(M, Xv, yv),
                   diverged_hint=hint, max_iter=2000, default_speed=1)
    note = (f"{M.n_params} weights (K {M.n_features}×{M.width}, b, W {M.width}×{C}, c); start θ₀ with K ~ N(0, s²), "
            f"s = {INIT_SCALE[p['data']]:g}.")
    if "sgd" in enabled:
        note += (f" SGD is stable for η up to about 2(1+μ)/L ≈ {lr_bound:.3g} (L ≈ {L:.3g}, the curvature of the loss "
                 "in W at θ₀).")
    if "varpro" in enabled:
        note += " VarPro's iteration 0 is already the ELM of θ₀."
    st.caption(note)

    st.markdown("#### Checks")
    res, adj = _train_checks(p["data"], p["n_train"], p["activation"], p["width"], p["loss"], p["alpha"], p["seed"])
    taylor_panel(res, key="sl.train.taylor", title="Taylor test of the network gradient at θ₀",
                 what="gradient" if p["activation"] == "relu" else "gradient and Hessian")
    if p["activation"] == "relu":
        st.caption("ReLU: σ'' = 0 away from the kinks, so the Hessian (E2) is not tested; f is only piecewise smooth.")
    if adj is not None:
        a1, a2, a3 = st.columns(3)
        a1.metric("⟨w, J v⟩", f"{adj.lhs:.15g}")
        a2.metric("⟨Jᵀw, v⟩", f"{adj.rhs:.15g}")
        a3.metric("adjoint test: relative gap", f"{adj.rel_error:.1e}")
        (st.success if adj.passed else st.error)(
            "Gauss-Newton's matrix-free Jacobian: " + ("Jᵀ is the transpose of J to round-off."
                                                      if adj.passed else "Jᵀ is NOT the transpose of J."))
    try_this([
        Experiment("Too large a learning rate", "Set η = 1 and press Play. What happens to SGD, and what brings it back?",
                   "SGD diverges within an epoch (the kit reports the iteration): η is far beyond 2(1+μ)/L. "
                   "Lower η to 0.05 while it shows the message: the run restarts and converges.",
                   {"lr": 1.0, "speed": 5}),
        Experiment("Work, not iterations", "Play SGD, Gauss-Newton, VarPro and steepest descent at 5 iterations per "
                   "frame and 10 SGD epochs per step for about 10 frames. In the loss-against-work plot, who is "
                   "ahead after 100 and after 1000 passes over the data?",
                   "After 100 passes: VarPro ≈ 0.13, SGD ≈ 0.15, Gauss-Newton ≈ 0.21, steepest descent ≈ 0.34. After "
                   "1000: VarPro ≈ 0.08 (94% validation accuracy), SGD ≈ 0.10 and Gauss-Newton ≈ 0.11 (about 90%), "
                   "steepest descent ≈ 0.2. Per pass, SGD's cheap noisy steps keep up with Gauss-Newton (one GN step "
                   "costs ~40 passes); eliminating W wins: VarPro's iteration 0 is already the ELM of θ₀.",
                   {"sgd": True, "gn": True, "varpro": True, "sd": True, "newton": False, "speed": 5,
                    "sgd_epochs": 10}),
        Experiment("Mini-batch noise", "Compare batch size 8 and full batch with momentum 0 (change them mid-run).",
                   "Small batches make many cheap, noisy updates: fast at first, then the loss jitters at a level set "
                   "by η. Full batch is gradient descent: smooth but slow per pass.",
                   {"batch": 8, "momentum": 0.0, "speed": 5}),
    ], pp.apply, key="sl.train")
    code_panel(f"""import itertools
from numdl_core.data import make_dataset
from numdl_core.optim import gauss_newton, sgd
from numdl_core.single_layer import SingleLayer, varpro

X, y = make_dataset({p['data']!r}, {p['n_train']}, noise=0.0, seed={p['seed']})   # digits: load_digits()
M = SingleLayer(X, y, {p['width']}, activation={p['activation']!r}, loss={p['loss']!r}, alpha={p['alpha']!r})
theta0 = M.init_theta({p['seed']}, scale={INIT_SCALE[p['data']]})
runs = {{
    "SGD": sgd(M, theta0, lr={t['lr']}, batch_size={t['batch'] or None}, momentum={t['momentum']}, seed={p['seed']}),
    "Gauss-Newton": gauss_newton(M, theta0, cg_maxiter={cg}, damping={GN_DAMPING}),   # least-squares loss only
    "VarPro": varpro(M, theta0, cg_maxiter={cg}, damping={GN_DAMPING}),               # least-squares loss only
}}
for name, gen in runs.items():
    steps = list(itertools.islice(gen, 50))
    print(name, steps[-1].loss, steps[-1].info["work"], M.accuracy(steps[-1].x))""")
    self_check("Why is VarPro's loss at iteration 0 already far below the others?",
               ["It takes a larger first step", "It solves for the output weights W exactly at θ₀ (the ELM)",
                "It uses a different loss"], 1,
               "VarPro never carries W as a variable: every iterate has the best W for its hidden layer, so iteration 0 "
               "is the extreme learning machine of the initial K, b.", key="sl.train.quiz")


# ---------------------------------------------------------------- loss surface
@st.cache_data(max_entries=16, show_spinner=False)
def _surface(data, n_train, activation, width, loss, center, trainer, iters, span, normalize, seed):
    X, y, Xv, yv = _data(data, n_train, seed)
    M = sl.SingleLayer(X, y, width, activation=activation, loss=loss, alpha=1e-4, n_classes=_n_classes(y, yv))
    th0 = M.init_theta(seed, scale=INIT_SCALE[data])
    with np.errstate(all="ignore"):
        if trainer == "newton":
            gen = newton_cg(M, th0, cg_maxiter=10)
        else:  # half the heavy-ball stability limit 2(1 + mu)/L of the output layer, at most 0.05
            gen = sgd(M, th0, lr=min(0.05, 1.9 / _output_curvature(M, th0)), batch_size=32, momentum=0.9, seed=seed)
        steps = []
        for s in gen:
            if not (np.isfinite(s.loss) and np.all(np.isfinite(s.x))):
                break  # diverged: keep the path up to the last finite iterate
            steps.append(s)
            if s.iteration >= iters or s.info.get("diverged"):
                break
    path = np.array([s.x for s in steps])
    theta = th0 if center == "initial" else path[-1]
    a, b, V = sl.loss_surface(M, theta, n=41, span=span, seed=seed, normalize=normalize)
    d1, d2 = sl.surface_directions(M, theta, seed=seed, normalize=normalize)
    pa, pb = sl.project_onto_plane(path, theta, d1, d2)
    acc = M.accuracy(path[-1])
    lr = steps[-1].info.get("lr")
    return a, b, V, pa, pb, float(steps[-1].loss), float(steps[0].loss), acc, int(steps[-1].iteration), lr


def surface_section() -> None:
    st.subheader("The loss along two random directions")
    p = pp.controls(SURFACE, columns=4, scope="surface")
    a, b, V, pa, pb, f_end, f_start, acc, done, lr = _surface(p["data"], p["n_train"], p["activation"], p["width"], p["loss"],
                                                    p["center"], p["trainer"], p["iters"], p["span"], p["normalize"],
                                                    p["seed"])
    c1, c2 = st.columns([3, 2])
    show(loss_surface_figure(a, b, V, path=(pa, pb), log=p["log"],
                             title=f"f(θ + α d₁ + β d₂) around the {'trained' if p['center'] == 'trained' else 'initial'} point"),
         "sl.fig.surface", c1)
    centre = V[V.shape[0] // 2, V.shape[1] // 2]
    d2a = V[:, 2:] - 2 * V[:, 1:-1] + V[:, :-2]  # second differences along direction 1
    neg = float(np.mean(d2a < -1e-12 * max(1.0, abs(centre))))
    inner = V[1:-1, 1:-1]
    nb = np.stack([V[:-2, 1:-1], V[2:, 1:-1], V[1:-1, :-2], V[1:-1, 2:], V[:-2, :-2], V[2:, 2:], V[:-2, 2:], V[2:, :-2]])
    n_min = int(np.sum(np.all(inner < nb, axis=0)))
    with c2:
        st.metric("loss at the centre", f"{centre:.4g}")
        st.metric("range on the grid", f"{V.min():.3g} … {V.max():.3g}")
        st.metric("grid points with negative curvature along d₁", f"{100 * neg:.0f}%",
                  help="Second differences f(α−h) − 2f(α) + f(α+h) < 0: impossible for a convex function.")
        st.metric("local minima on the grid", f"{n_min}")
        how = "Newton-CG" if p["trainer"] == "newton" else f"SGD with η = {lr:.3g}"
        st.caption(f"Training ({how}, {done} iterations): loss {f_start:.4g} → {f_end:.4g}, training accuracy "
                   f"{_fmt_acc(acc)}. The white path is the training path projected onto the plane: random directions "
                   "are nearly orthogonal to it, so it looks short.")
    if done < p["iters"]:
        st.warning(f"Training stopped after {done} of {p['iters']} iterations (it converged, stalled or diverged); "
                   "the picture uses the last finite iterate.")
    if neg > 0:
        st.info(f"Not convex: along direction d₁ the loss bends downwards at {100 * neg:.0f}% of the grid points. "
                "A convex function restricted to a plane would be convex there too.")
    try_this([
        Experiment("Around the start vs around the minimum", "Switch the centre between θ₀ and the trained θ.",
                   "Around θ₀ the star sits on a slope; after training it sits in a valley. Larger spans show "
                   "several basins and saddles: the landscape is non-convex.", {"center": "initial", "span": 1.0}),
        Experiment("ReLU kinks", "Choose ReLU, span 0.5, and compare the contour lines with tanh.",
                   "ReLU networks are piecewise smooth: the level lines have corners where neurons switch on or off.",
                   {"activation": "relu", "span": 0.5}),
        Experiment("Why filter normalization", "Switch the directions to unit length.",
                   "A unit step changes large and small neurons by the same absolute amount: the picture is dominated "
                   "by the scale of the weights (nearly flat here). Filter-normalized directions scale each neuron to "
                   "its own size, so pictures of different networks are comparable.", {"normalize": "unit"}),
    ], pp.apply, key="sl.surface")
    code_panel(f"""from numdl_core.data import make_dataset
from numdl_core.single_layer import SingleLayer, loss_surface

X, y = make_dataset({p['data']!r}, {p['n_train']}, noise=0.0, seed={p['seed']})
M = SingleLayer(X, y, {p['width']}, activation={p['activation']!r}, loss={p['loss']!r}, alpha=1e-4)
theta = M.init_theta({p['seed']})          # or the result of a training run
alphas, betas, values = loss_surface(M, theta, n=41, span={p['span']}, seed={p['seed']}, normalize={p['normalize']!r})""")


# ---------------------------------------------------------------- inverse crime
@st.cache_data(max_entries=16, show_spinner=False)
def _crime(n, true_width, activation, seed):
    X, y, Y, theta_true = sl.make_inverse_crime(n, true_width, 5, activation=activation, seed=seed)
    truth = sl.SingleLayer(X, Y, true_width, activation=activation, loss="squared")
    Xv = np.random.default_rng(seed + 1000).uniform(-3.0, 3.0, (N_VAL, 2))
    yv = truth.predict(theta_true, Xv)
    return X, y, Y, theta_true, Xv, yv, _map(truth, theta_true, X, LIVE_MAP_GRID)


def crime_section() -> None:
    st.subheader("Inverse crime: data made by a known network")
    st.markdown("The labels come from a network of the same kind (random K, b, W). A trained network at least as "
                "wide can fit the real-valued targets **exactly**: if training does not reach loss ≈ 0 and accuracy "
                "1, the optimizer failed, not the model.")
    p = pp.controls(CRIME, columns=5, scope="crime")
    on = pp.controls(CRIME_SOLVERS, columns=3, scope="crime")
    t = pp.controls(CRIME_TUNE, columns=2, scope="crime")
    X, y, Y, theta_true, Xv, yv, truth_map = _crime(p["n_train"], p["true_width"], p["activation"], p["seed"])
    M = sl.SingleLayer(X, Y, p["width"], activation=p["activation"], loss="squared")
    th0 = M.init_theta(p["seed"] + 1)
    enabled = [k for k in ("varpro", "gn", "sgd") if on[k]]
    if not enabled:
        st.warning("Switch on at least one solver.")
        return
    run_key = "sl.crime.run"

    def start(x0s):
        gens = {}
        for key in enabled:
            name = SOLVERS[key]
            x0 = th0 if x0s is None else x0s.get(name, th0)
            w0 = 0.0 if x0s is None else _work_so_far(run_key, name)
            if key == "varpro":
                gen = sl.varpro(M, x0, cg_maxiter=t["cg_iters"], cg_tol=1e-3)
            elif key == "gn":
                gen = gauss_newton(M, x0, cg_maxiter=t["cg_iters"], cg_tol=1e-3)
            else:
                gen = sgd(M, x0, lr=t["lr"], batch_size=32, momentum=0.9, seed=p["seed"])
            gens[name] = _tracked(gen, None, w0)
        return gens

    def draw(run: Run) -> None:
        ser = run.series
        c1, c2 = st.columns(2)
        by_work, by_iter = _loss_figures(run, "training loss ½‖r‖²", "Loss against work",
                                         "Loss against iteration (log scale)")
        show(by_iter, "sl.fig.crime.iter", c1)
        show(by_work, "sl.fig.crime.work", c2)
        first = ser[SOLVERS[enabled[0]]]
        c3, c4 = st.columns(2)
        show(decision_map_figure(*truth_map, X, y, n_classes=5, height=380, webgl=True, marker_size=5,
                                 title="True network"), "sl.fig.crime.truth", c3)
        if np.all(np.isfinite(first.last.x)):
            show(decision_map_figure(*_map(M, first.last.x, X, LIVE_MAP_GRID), X, y, n_classes=5, height=380,
                                     webgl=True, marker_size=5,
                                     title=f"{first.name} at iteration {first.iteration}"), "sl.fig.crime.map", c4)
        # accuracies of the shown iterates only, once per frame (not for every iteration of the frame)
        acc = {n: _accuracies(M, s.last.x, Xv, yv) for n, s in ser.items()}
        rows = [{"solver": n, "iteration": s.iteration, "work (passes)": f"{s.last.info.get('work', 0.0):.0f}",
                 "loss": f"{s.last.loss:.3e}", "train acc": _fmt_acc(acc[n][0]),
                 "validation acc": _fmt_acc(acc[n][1]), "status": s.status} for n, s in ser.items()]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        for n, s in ser.items():
            if s.last.loss < 1e-10 and acc[n][0] == 1.0:
                st.success(f"{n} recovered a perfect fit: loss {s.last.loss:.1e}, training accuracy 100%, "
                           f"validation accuracy {_fmt_acc(acc[n][1])} on {N_VAL} fresh points of "
                           "the true network.")

    live_run(run_key, pp, start, draw, structure={**p, **on}, tunables=t,
             metrics=_run_metrics(M, Xv, yv, accuracies=False),
             max_iter=5000, default_speed=2,
             diverged_hint=lambda r: f"the SGD learning rate η = {t['lr']:g} is too large for these "
             "targets (outputs of size ~3); lower it: the run restarts.")
    st.caption(f"True network: width {p['true_width']}, {ACT_LABELS[p['activation']]}; trained network: width "
               f"{p['width']}, started at random (seed {p['seed'] + 1}). Targets: the real-valued outputs of the true "
               "network (least squares); labels: their arg-max. Validation: fresh points labelled by the true network.")
    try_this([
        Experiment("Second order wins", "Play VarPro and Gauss-Newton. How low does each loss get, and how fast?",
                   "VarPro reaches loss ~1e-12 and 100% accuracy in a few tens of iterations; Gauss-Newton gets there "
                   "much more slowly. Near a zero-residual fit Gauss-Newton steps approach Newton steps.",
                   {"varpro": True, "gn": True, "sgd": False, "speed": 5}),
        Experiment("SGD on a perfect-fit problem", "Add SGD (η = 0.01). Does it recover the truth?",
                   "Its loss falls quickly at first and then crawls: after hundreds of epochs it is far above 1e-10, "
                   "although a perfect fit exists. Gradient noise and ill-conditioning stall first-order methods.",
                   {"sgd": True, "lr": 0.01, "speed": 20}),
        Experiment("Exactly as wide as the truth", "With seed 1, set the trained width equal to the true width (8). "
                   "Then go back to width 16.",
                   "Width 8: VarPro stops at a loss of about 3e-3 with 96% accuracy, although the truth is in the model "
                   "class: a local minimum of the non-convex loss. Width 16 (over-parametrized) recovers the perfect "
                   "fit from the same seed in about 25 iterations.",
                   {"width": 8, "true_width": 8, "seed": 1, "varpro": True, "speed": 20}),
    ], pp.apply, key="sl.crime")
    code_panel(f"""from numdl_core.single_layer import SingleLayer, make_inverse_crime, varpro

X, y, Y, theta_true = make_inverse_crime({p['n_train']}, {p['true_width']}, 5, activation={p['activation']!r}, seed={p['seed']})
M = SingleLayer(X, Y, {p['width']}, activation={p['activation']!r}, loss="squared")
for step in varpro(M, M.init_theta({p['seed'] + 1}), cg_maxiter={t['cg_iters']}, cg_tol=1e-3, maxiter=200):
    pass
print(step.loss, M.accuracy(step.x, X, y))   # ~1e-12 and 1.0""")


# ---------------------------------------------------------------- VarPro gradient
SWEEP = (1, 2, 5, 10, 20, 50)


@st.cache_data(max_entries=32, show_spinner=False)
def _varpro_check(n_train, width, activation, alpha, inner, inner_iters, seed):
    X, y, Xv, yv = _data("peaks", n_train, seed)
    M = sl.SingleLayer(X, y, width, activation=activation, loss="squared", alpha=alpha, n_classes=5)
    u = M.init_theta(seed)[: M.n_hidden_params]
    vp = sl.VarPro(M, inner=inner, inner_tol=0.0, inner_maxiter=inner_iters)
    with np.errstate(all="ignore"):
        res = derivative_check(vp.value_and_grad, u, seed=seed, n=14)
        W, c, its = vp.solve_inner(u)
        g_full = M.value_and_grad(np.concatenate([u, W.ravel(), c]))[1][M.n_hidden_params:]
        g_zero = M.value_and_grad(np.concatenate([u, np.zeros(W.size + c.size)]))[1][M.n_hidden_params:]
    return res, float(np.linalg.norm(g_full) / np.linalg.norm(g_zero)), its, M.n_params - M.n_hidden_params


@st.cache_data(max_entries=16, show_spinner=False)
def _varpro_sweep(n_train, width, activation, alpha, seed):
    orders, inner = [], []
    for k in SWEEP:
        res, rel, _, _ = _varpro_check(n_train, width, activation, alpha, "cg", k, seed)
        orders.append(res.order)
        inner.append(rel)
    direct = _varpro_check(n_train, width, activation, alpha, "direct", 1, seed)
    return np.array(orders), np.array(inner), direct[0].order, direct[1]


def varpro_section() -> None:
    st.subheader("The VarPro gradient is only correct if the inner solve is accurate")
    st.markdown(r"VarPro minimizes $\varphi(u) = f(u, W^*(u))$ over the hidden weights $u = (K, b)$ and uses the "
                r"partial gradient $\nabla_u f(u, W^*)$ as $\nabla\varphi$. That is exact only because "
                r"$\nabla_W f(u, W^*) = 0$: with an inexact inner solve $W_k(u)$ (k CG iterations) the chain rule "
                r"leaves a term $\big(\partial W_k/\partial u\big)^\top \nabla_W f(u, W_k) \ne 0$, and the Taylor test "
                r"drops to order 1.")
    p = pp.controls(VARPRO, columns=4, scope="varpro")
    k = p["inner_iters"] if p["inner"] == "cg" else 1
    res, rel, its, n_out = _varpro_check(p["n_train"], p["width"], p["activation"], p["alpha"], p["inner"], k, p["seed"])
    label = "direct inner solve" if p["inner"] == "direct" else f"inner CG with {k} iteration{'s' if k > 1 else ''}"
    taylor_panel(res, key="sl.varpro.taylor", title=f"Taylor test of the reduced gradient ({label})",
                 what="reduced gradient")
    st.metric("inner optimality ‖∇_W f(u, W)‖ / ‖∇_W f(u, 0)‖", f"{rel:.1e}",
              help="Zero for the exact inner solution; the size of the term the VarPro gradient leaves out.")
    orders, inner, d_order, d_rel = _varpro_sweep(p["n_train"], p["width"], p["activation"], p["alpha"], p["seed"])
    show(inner_solve_figure(SWEEP, orders, inner, direct_order=d_order, current=k if p["inner"] == "cg" else None,
                            title="Observed Taylor order against inner CG iterations"), "sl.fig.varpro.sweep")
    st.caption(f"The inner problem has {n_out // 5} unknowns per class (W column and c): CG solves it exactly after at "
               "most that many iterations in exact arithmetic. Near that count, round-off in the inner solve makes φ "
               "itself slightly noisy and the observed order can be erratic; far below it the order is 1.")
    try_this([
        Experiment("Sloppy inner solve", "Set the inner solve to CG with 2 iterations. What order does E1 show?",
                   "Order ≈ 1: the 'gradient' is not the gradient of the function VarPro is minimizing.",
                   {"inner": "cg", "inner_iters": 2}),
        Experiment("Accurate inner solve", "Switch to the direct (SVD) inner solve, or CG with 50 iterations.",
                   "Order ≈ 2: the inner optimality vanishes to round-off and the partial gradient is the reduced "
                   "gradient (Golub and Pereyra 1973).", {"inner": "direct"}),
    ], pp.apply, key="sl.varpro")
    code_panel(f"""from numdl_core.checks import derivative_check
from numdl_core.data import make_dataset
from numdl_core.single_layer import SingleLayer, VarPro

X, y = make_dataset("peaks", {p['n_train']}, noise=0.0, seed={p['seed']})
M = SingleLayer(X, y, {p['width']}, activation={p['activation']!r}, loss="squared", alpha={p['alpha']!r})
u = M.init_theta({p['seed']})[:M.n_hidden_params]
vp = VarPro(M, inner={p['inner']!r}, inner_tol=0.0, inner_maxiter={k})
print(derivative_check(vp.value_and_grad, u, seed={p['seed']}, n=14).order)   # ~2 direct, ~1 for few CG steps""")


{"elm": elm_section, "train": train_section, "surface": surface_section, "crime": crime_section,
 "varpro": varpro_section}[section]()
pp.sync_url()

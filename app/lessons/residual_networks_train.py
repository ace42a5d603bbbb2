"""The live training section of the residual-networks page (pages/residual_networks.py, section "train"): a ResNet
classifier (``numdl_core.resnet_classifier``) trained on peaks, the Swiss roll or two spirals, with the width, the
depth N, the final time T (so h = T/N), the integrator and the architecture as controls; the decision map, the loss,
the features of a few points moving through the layers and the growth per layer |R(hλ)| are redrawn every frame.

The page lists the section as ``"train"`` in its SECTIONS literal, adds :data:`EXPERIMENTS` to its presets and
``app.exports.resnet_train.SCRIPTS`` to its export scripts, and calls ``run, solvers, extra =
train_section(lesson)``. Parameter names are the keywords of ``numdl_core.resnet_classifier.training_problem`` and
of the solvers (``lr``, ``momentum``, ``batch_size``), so the page passes its parameter dicts on unchanged.
Slides: 07-NumDNN-ResNets.tex ("Stability of Deep Residual Networks", "Residual Network as a Path Planning Problem").
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.common import convergence_figure, decision_map_figure
from app.figures.resnet_train import features_figure, growth_figure
from app.lesson import Experiment, Lesson, Param, Solver
from app.owndata import own_data
from app.panels import live_table, show
from app.params import SEED
from numdl_core import resnet_classifier as rc
from numdl_core.checks import derivative_check
from numdl_core.classify import decision_map
from numdl_core.single_layer import DataSplit

__all__ = ["DATA_LABELS", "SCHEME_LABELS", "ARCH_LABELS", "OPTIMIZERS", "STAGES", "WORK_CAP", "TRAIN", "TUNE",
           "VIEW", "EXPERIMENTS", "capped", "layer_panels", "train_section"]

DATA_LABELS = {"peaks": "peaks (5 classes)", "swissroll": "Swiss roll (2 classes)",
               "spirals": "two spirals (2 classes)"}
SCHEME_LABELS = {"euler": "forward Euler (ResNet)", "heun": "Heun (RK2)", "midpoint": "midpoint (RK2)", "rk4": "RK4",
                 "leapfrog": "leapfrog (Verlet, Hamiltonian)"}
ARCH_LABELS = {"standard": "σ(YK + b)", "antisymmetric": "antisymmetric K − Kᵀ − γI",
               "parabolic": "parabolic −σ(YK + b)Kᵀ"}
ACT_LABELS = {"tanh": "tanh", "relu": "ReLU", "identity": "identity (linear)"}
# optimizer -> (label, solver of numdl_core.solvers.SOLVERS, fixed options)
OPTIMIZERS = {"adam": ("Adam", "adam", {}), "sgd": ("SGD", "sgd", {})}
STAGES = {"euler": 1, "heun": 2, "midpoint": 2, "rk4": 4, "leapfrog": 1}  # right-hand sides per layer
WORK_CAP = 32_768  # n_train x depth x stages: an epoch stays below ~60 ms, also with batches of 16
N_SHOWN = 120  # points whose features are drawn through the layers
N_MAP = 160  # training points drawn on the decision map
N_PATHS = 10  # of those, points whose paths through the layers are drawn (through at most 11 layers)
MAX_EPOCHS = 500

SCHEMES = tuple(s for s in rc.schemes())
ARCHS = tuple(a for a in rc.architectures())
TRAIN = [Param("data", "Data", "choice", "peaks", options=tuple(DATA_LABELS), labels=DATA_LABELS),
         Param("n_train", "Training points", "int", 500, lo=100, hi=1000, step=100),
         Param("width", "Width (features per layer)", "int", 8, lo=2, hi=16),
         Param("depth", "Depth N (layers)", "int", 16, lo=1, hi=64),
         Param("T", "Final time T (h = T/N)", "log", 4.0, options=(0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)),
         Param("scheme", "Integrator", "choice", "euler", options=SCHEMES,
               labels={k: v for k, v in SCHEME_LABELS.items() if k in SCHEMES}),
         Param("architecture", "Right-hand side f(Y)", "choice", "standard", options=ARCHS,
               labels={k: v for k, v in ARCH_LABELS.items() if k in ARCHS}),
         Param("activation", "Activation σ", "choice", "tanh", options=tuple(ACT_LABELS), labels=ACT_LABELS),
         Param("gamma", "Shift γ (antisymmetric)", "choice", 0.0, options=(0.0, 0.01, 0.1, 1.0),
               labels={0.0: "0"}),
         Param("alpha", "Tikhonov α (λ in the notes)", "choice", 0.0, options=(0.0, 1e-4, 1e-3, 1e-2),
               labels={0.0: "0"}, help="(α/2)(‖K_in‖² + h Σ‖K_j‖² + ‖W‖²): small weights."),
         Param("smooth", "Smoothness in time β", "choice", 0.0, options=(0.0, 1e-3, 1e-2, 1e-1), labels={0.0: "0"},
               help="(β/2h) Σ (‖K_{j+1} − K_j‖² + ‖b_{j+1} − b_j‖²): weights that change slowly from layer to layer "
                    "(the course's opTimeDer)."),
         Param("optimizer", "Optimizer", "choice", "adam", options=tuple(OPTIMIZERS),
               labels={k: v[0] for k, v in OPTIMIZERS.items()}, widget="segmented"),
         SEED]
TUNE = [Param("lr", "Learning rate η (μ in the notes)", "log", 0.01,
              options=(0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0), role="tunable"),
        Param("momentum", "Momentum μ (SGD; γ in the notes)", "float", 0.9, lo=0.0, hi=0.99, step=0.01,
              role="tunable"),
        Param("batch_size", "Batch size", "choice", 32, options=(16, 32, 64, 128, 1000), labels={1000: "full batch"},
              role="tunable")]
VIEW = [Param("layer", "Third panel: layer j", "int", 8, lo=0, hi=64, role="view",
              help="The layer whose features the third panel shows (at most N); changing it only redraws.")]


def capped(p: dict) -> tuple[dict, str | None]:
    """The parameters with ``n_train`` lowered so that n_train x depth x stages <= WORK_CAP, and the note."""
    stages = STAGES.get(p["scheme"], 2)
    cap = max(100, (WORK_CAP // (p["depth"] * stages)) // 100 * 100)
    if p["n_train"] <= cap:
        return p, None
    return dict(p, n_train=cap), (f"{p['depth']} layers × {stages} stage(s) × {p['n_train']} points is more than a "
                                  f"frame can train smoothly: the run uses {cap} training points.")


def layer_panels(model: rc.ResNetClassifier, theta: np.ndarray, X: np.ndarray, layer: int | None = None,
                 n_paths: int = N_PATHS) -> tuple[list, float | None, np.ndarray, np.ndarray]:
    """The panels of :func:`app.figures.resnet_train.features_figure`: the features of the points ``X`` after
    the opening layer, at layer ``layer`` (default N/2; shown when strictly between 0 and N) and at t = T,
    in the plane of ``feature_projection``; the abscissa of the decision boundary in the last panel (two
    classes), else None; and the paths of ``n_paths`` of the points (evenly spaced rows of ``X``) through at most
    11 evenly spaced layers, with the rows they come from."""
    Y = model.states(theta, X)
    W, c = model.split(theta)[4:]
    N = model.depth
    j = N // 2 if layer is None else min(max(int(layer), 0), N)
    P = rc.feature_projection(Y[-1], W)
    panels = [("Y₀ (opening layer)", Y[0] @ P)]  # (the input x is on the decision map beside it)
    if 0 < j < N:
        panels.append((f"layer {j} (t = {j * model.h:.3g})", Y[j] @ P))
    panels.append((f"layer {N} (t = T = {model.T:g})", Y[-1] @ P))
    boundary = None
    if model.n_classes == 2:
        s = float(P[:, 0] @ (W[:, 1] - W[:, 0]))
        if abs(s) > 1e-12:
            boundary = -float(c[1] - c[0]) / s
    rows = np.unique(np.linspace(0, X.shape[0] - 1, min(n_paths, X.shape[0])).astype(int))
    layers = np.unique(np.linspace(0, N, min(N + 1, 11)).astype(int))
    return panels, boundary, Y[layers][:, rows] @ P, rows


cached = st.cache_data(max_entries=16, show_spinner=False)


@cached
def _problem(**p) -> rc.ResNetProblem:
    return rc.training_problem(**p)


@cached
def _taylor(**p):
    """The Taylor test of the loss gradient at the start (``derivative_check`` with the page's seed)."""
    P = rc.training_problem(**p)
    with np.errstate(all="ignore"):
        return derivative_check(P.model.value_and_grad, P.theta0, seed=p["seed"])


@cached
def _own_problem(X: np.ndarray, y: np.ndarray, *, width, depth, T, scheme, activation, alpha, smooth, architecture,
                 gamma, seed, **_) -> rc.ResNetProblem:
    """:func:`numdl_core.resnet_classifier.training_problem` on the student's points (:mod:`app.owndata`); the
    validation set is the training set."""
    d = DataSplit(X, y, X, y, max(2, int(y.max()) + 1))
    model = rc.ResNetClassifier(X, y, d.n_classes, width=width, depth=depth, T=T, scheme=scheme, activation=activation,
                                alpha=alpha, smooth=smooth, architecture=architecture, gamma=gamma)
    return rc.ResNetProblem(d, model, model.init_theta(seed + 1, scale=1.0))


def train_section(lesson: Lesson):
    st.subheader("Training a ResNet live: depth N, final time T, integrator")
    st.caption("Rows are examples (the course writes K Y with examples as columns). Y₀ = σ(X K_in + 1b_inᵀ) lifts "
               "the 2-D points to the width; each layer is one step of size h = T/N of the chosen integrator for "
               "dY/dt = f(Y; K(t), b(t)); a softmax layer classifies Y_N.")
    p = lesson.controls(TRAIN[:5], columns=5)
    p.update(lesson.controls(TRAIN[5:8], columns=3))
    p.update(lesson.controls(TRAIN[8:], columns=5, disabled=() if p["architecture"] == "antisymmetric" else ("gamma",)))
    p, note = capped(p)
    if note:
        st.warning(note)
    lesson.controls(TUNE, columns=3)
    view = lesson.controls(VIEW)
    keys = ("data", "n_train", "width", "depth", "T", "scheme", "activation", "alpha", "smooth", "architecture",
            "gamma", "seed")
    P = _problem(**{k: p[k] for k in keys})
    X, y, source = own_data("rn.train", P.data.X, P.data.y, classes=5,
                            max_points=max(100, WORK_CAP // (p["depth"] * STAGES.get(p["scheme"], 2))))
    if source != "page":
        P = _own_problem(X, y, **{k: p[k] for k in keys})
    d, M, th0 = P.data, P.model, P.theta0
    label, method, fixed = OPTIMIZERS[p["optimizer"]]
    idx = np.linspace(0, d.X.shape[0] - 1, min(N_SHOWN, d.X.shape[0])).astype(int)  # evenly spaced rows: every
    shown = np.linspace(0, d.X.shape[0] - 1, min(N_MAP, d.X.shape[0])).astype(int)  # class (spirals are sorted)
    grid = 50 if p["depth"] * STAGES.get(p["scheme"], 2) <= 128 else 32
    with np.errstate(all="ignore"):
        g0 = M.amplification(th0)

    def finite(s) -> bool:
        return s.last is not None and bool(np.all(np.isfinite(s.last.x)))

    def draw(run) -> None:
        s = run.series[label]
        c1, c2 = st.columns(2)
        if finite(s):
            with np.errstate(all="ignore"):
                gx, gy, lab = decision_map(lambda X_: M.predict(s.last.x, X_), d.X, n=grid)
            show(decision_map_figure(gx, gy, lab, d.X[shown], d.y[shown], n_classes=M.n_classes, image=True,
                                     marker_size=5, title=f"Decision map, epoch {s.iteration}"), "rn.fig.train.map",
                 c1)
        else:
            c1.info("The weights are no longer finite: no decision map.")
        show(convergence_figure({label: (s.history["iteration"], s.history["loss"])}, x_title="epoch",
                                title="Training loss", events=run.events,
                                diverged={label: s.iteration} if s.status == "diverged" else None),
             "rn.fig.train.loss", c2)
        if finite(s):
            with np.errstate(all="ignore"):
                panels, boundary, paths, picked = layer_panels(M, s.last.x, d.X[idx], view["layer"])
            show(features_figure(panels, d.y[idx], n_classes=M.n_classes, boundary=boundary, paths=paths,
                                 path_classes=d.y[idx][picked],
                                 title="The features moving through the layers (projected on the classifier's "
                                       "plane)"), "rn.fig.train.features")
        c3, c4 = st.columns(2)
        with np.errstate(all="ignore"):
            g = M.amplification(s.last.x) if finite(s) else np.full(M.depth, np.nan)
        up = int(np.sum(g > 1 + 1e-12))
        show(growth_figure(g, start=g0, title=f"Growth per layer (h = {M.h:.3g}): {up} of {M.depth} amplify"),
             "rn.fig.train.growth", c3)
        with c4:
            live_table(pd.DataFrame(rows(s, g)))

    def rows(s, g) -> list:
        with np.errstate(all="ignore"):
            ok = finite(s)
            tr = M.accuracy(s.last.x) if ok else float("nan")
            va = M.accuracy(s.last.x, d.X_val, d.y_val) if ok else float("nan")
        pct = lambda v: f"{100 * v:.1f}%" if np.isfinite(v) else "–"  # noqa: E731
        return [{"epoch": s.iteration, "loss": f"{s.last.loss:.4g}", "train acc": pct(tr),
                 "validation acc": pct(va), "max |R(hλ)|": f"{np.nanmax(g):.3g}" if np.any(np.isfinite(g)) else "–",
                 "status": s.status}]

    def hint(run) -> str:
        grow = float(np.nanprod(g0)) if np.any(np.isfinite(g0)) else float("nan")
        bounded = "" if M.activation != "tanh" else " (tanh bounds each step by h, so the learning rate is the suspect)"
        return (f"the loss blew up. With h = T/N = {M.h:.3g} the linearized layers multiply some direction by up to "
                f"{np.nanmax(g0):.3g} each, {grow:.3g} over the {M.depth} layers at the start{bounded}; a learning "
                f"rate of {lesson.params['lr']:g} may overshoot. Lower h (more layers or a smaller T) or the "
                "learning rate" + (", or use tanh." if M.activation != "tanh" else "."))

    solvers = {label: Solver(method, M, th0, **fixed)}
    run = lesson.live("run", solvers, draw, depends={"own_data": source}, max_iter=MAX_EPOCHS, default_speed=1,
                      max_points=60, diverged_hint=hint)
    from app.lessons.residual_networks_compare import train_compare  # (it imports this module)
    train_compare(lesson, P, p, source)
    s = run.series[label]
    st.caption(f"{M.n_params} weights: the opening layer 2 → {M.width}, {M.depth} layers of {M.width} × {M.width} "
               f"plus biases, the softmax layer; {M.n_samples} training and {d.X_val.shape[0]} validation points. "
               f"h = T/N = {M.h:.4g}. At the start the largest growth factor of a linearized layer (σ' = 1) is "
               f"max_j |R(hλ(K_j))| = {np.nanmax(g0):.4g}; over all layers the product is "
               f"{np.nanprod(g0):.3g}. The dotted line marks the start, the dashed line 1 (stability bound).")
    with np.errstate(all="ignore"):
        ok = finite(s)
        numbers = {"h": M.h, "largest growth factor at the start": float(np.nanmax(g0)), f"{label} loss": s.last.loss,
                   "training accuracy": M.accuracy(s.last.x) if ok else np.nan,
                   "validation accuracy": M.accuracy(s.last.x, d.X_val, d.y_val) if ok else np.nan}
    if source == "page":
        taylor = _taylor(**{k: p[k] for k in keys})
    else:
        with np.errstate(all="ignore"):
            taylor = derivative_check(M.value_and_grad, th0, seed=p["seed"])
    scheme = SCHEME_LABELS.get(p["scheme"], p["scheme"])
    with st.expander(f"Check: the gradient by backpropagation through {scheme} (Taylor test at the start)"):
        lesson.check(taylor, key="rn.train.taylor")
    numbers["gradient check: Taylor order"] = taylor.order
    lesson.numbers({k: v for k, v in numbers.items() if np.isfinite(v)})  # a diverged run has no accuracy
    return run, solvers, {"n_train": p["n_train"]}


EXPERIMENTS = [
    Experiment("Deep and stable", "Keep T = 4 and set 64 layers (h = 1/16). Play 30 epochs.",
               "h = T/N = 0.0625: the largest growth factor of a layer falls from 1.29 (16 layers, h = 0.25) to 1.10, "
               "and the network trains about as well: after 30 epochs loss 0.43, 84% training and 81% validation "
               "accuracy (16 layers: 0.33, 90% and 84%; RK4 with 16 layers 0.32, 90% and 85%). More layers at a "
               "fixed T are a finer time grid of the same ODE, not a harder problem (compare the plain network on "
               "the deep-networks page).",
               {"section": "train", "depth": 64, "speed": 5}, name="deep-stable"),
    Experiment("A large step h blows up", "ReLU, 16 layers, T = 32 (h = 2), SGD with η = 0.01: press Step. Then "
               "choose tanh.", "Each layer can stretch a direction by up to |1 + hλ| = 3.31, 6.6e6 over the 16 layers: "
               "the loss overflows in the first epoch (\"diverged at iteration 1\"). With tanh the same h stays "
               "bounded (σ saturates) but trains poorly: 61% accuracy after 30 epochs. 64 ReLU layers at T = 32 "
               "(h = 0.5) diverge too (product 9.6e9).",
               {"section": "train", "activation": "relu", "T": 32.0, "optimizer": "sgd"}, name="large-h-diverges"),
    Experiment("Antisymmetric weights and forward Euler", "Choose the antisymmetric right-hand side (γ = 0) with "
               "forward Euler and play 30 epochs. Watch the growth per layer.",
               "K − Kᵀ has imaginary eigenvalues and |1 + hλ| > 1 for every h: the largest growth factor is 1.24 at "
               "the start and 1.69 after 30 epochs (product over the layers 659). The network still fits (93% "
               "training accuracy; tanh keeps the features bounded), but it amplifies perturbations of its input.",
               {"section": "train", "architecture": "antisymmetric", "speed": 5},
               name="antisymmetric-euler-unstable"),
    Experiment("RK4 keeps the antisymmetric network stable", "The same with RK4.",
               "|R(hλ)| = 1.000 at every layer, at the start and after 30 epochs (product 1.0): RK4's stability region "
               "contains the imaginary axis up to |hλ| ≈ 2.8. The fit is as good (92% training, 89% validation).",
               {"section": "train", "architecture": "antisymmetric", "scheme": "rk4", "speed": 5},
               name="antisymmetric-rk4-stable"),
    Experiment("Parabolic: stable until the weights grow", "Choose the parabolic right-hand side −σ(YK + b)Kᵀ and "
               "play 30 epochs.", "Its Jacobian −K diag(σ') Kᵀ has real eigenvalues ≤ 0: at the start the growth is "
               "1.00 at every layer. Training enlarges K until hλ passes −2, where forward Euler overshoots: the "
               "largest factor is 5.2 after 30 epochs, and the fit is slower (loss 0.61, 76%).",
               {"section": "train", "architecture": "parabolic", "speed": 5}, name="parabolic-step-limit"),
    Experiment("Smooth in time", "Set the smoothness weight β = 0.1 and play 30 epochs.",
               "Neighbouring layers are pulled together, so K(t) changes slowly, one of the course's conditions for "
               "stability: after 30 epochs the largest growth factor is 1.17 and the product over the layers 6.6 "
               "(without: 1.56 and 200), at the price of the fit (loss 0.57, 76% against 0.33, 90%).",
               {"section": "train", "smooth": 0.1, "speed": 5}, name="smooth-in-time"),
    Experiment("The Swiss roll", "The course's Swiss roll (two interleaved two-turn spirals 0.2 apart) with η = 0.03: "
               "play 100 epochs. Then try leapfrog, and T = 8.",
               "Forward Euler reaches 100% training and 99.8% validation accuracy (loss 8e-4) in 100 epochs, leapfrog "
               "(the Hamiltonian network) 100% and 100%. Watch the last panel: the two arms are pulled apart until a "
               "line separates them. With T = 8 (h = 0.5) training stalls at 77%.",
               {"section": "train", "data": "swissroll", "lr": 0.03, "speed": 5}, name="swiss-roll"),
]

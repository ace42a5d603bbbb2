"""Page support of the deep networks page (pages/deep_networks.py): the parameters of each section, the series of
the live training, the per-layer gradient norms recorded in each frame, and the presets.

Parameter names are the keywords of the ``numdl_core.mlp`` functions they feed (``depth_growth``,
``training_problem``, ``plain_vs_resnet``) and of the solvers (``lr``, ``batch_size``, ``momentum``), so the page
passes its parameter dict on unchanged.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from app.lesson import Experiment, Lesson
from app.owndata import own_data
from app.params import SEED, Param
from numdl_core import mlp
from numdl_core.single_layer import DataSplit

DATA_LABELS = {"spirals": "spirals (2 classes)", "peaks": "peaks (5 classes)", "moons": "moons (2 classes)",
               "digits": "digits (8×8, 10 classes)"}
ACT_LABELS = {"tanh": "tanh", "relu": "ReLU", "sin": "sin", "identity": "identity (linear)"}
INIT_LABELS = {"naive": "naive N(0, 1)", "glorot": "Glorot √(2/(n_in+n_out))", "he": "He √(2/n_in)",
               "custom": "custom σ"}
SIGMAS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0)
# the series of the live run: switch -> (label, solver of numdl_core.solvers.SOLVERS, fixed options)
# (one SGD series: its momentum is tunable, mu = 0 is plain SGD)
SERIES = {"run_sgd": ("SGD", "sgd", {}), "run_adam": ("Adam", "adam", {})}
WORK_CAP = 400_000  # depth x width x training points of the live training (a frame's epoch stays ~< 100 ms)
LIVE_GRID = 50  # decision map cells per axis in every frame

ACT = Param("activation", "Activation σ", "choice", "tanh", options=("tanh", "relu"), labels=ACT_LABELS,
            widget="segmented")
INIT = Param("init", "Initialization", "choice", "glorot", options=tuple(INIT_LABELS), labels=INIT_LABELS,
             help="Entries of every K_j and W drawn from N(0, s²): naive s = 1, Glorot s = √(2/(n_in+n_out)), "
                  "He s = √(2/n_in), or s = σ of your choice.")
SIGMA = Param("sigma", "Custom σ (init 'custom σ')", "log", 0.3, options=SIGMAS)

NORMS = [ACT.but(options=tuple(ACT_LABELS)), Param("width", "Width n", "int", 100, lo=10, hi=100, step=10),
         Param("depth", "Depth L", "int", 50, lo=5, hi=60, step=5), SIGMA,
         Param("draws", "Draws averaged", "int", 10, lo=2, hi=20), SEED]
TRAIN = [Param("data", "Data", "choice", "spirals", options=tuple(DATA_LABELS), labels=DATA_LABELS),
         Param("n_train", "Training points", "int", 500, lo=100, hi=1000, step=100),
         Param("depth", "Depth L (hidden layers)", "int", 5, lo=1, hi=50),
         Param("width", "Width (every hidden layer)", "int", 16, lo=2, hi=64), ACT, INIT, SIGMA,
         Param("alpha", "Weight decay α (λ in the notes)", "choice", 0.0, options=(0.0, 1e-5, 1e-4, 1e-3),
               labels={0.0: "0"}), SEED]
SWITCHES = [Param(k, v[0], "bool", True, help=h) for (k, v), h in zip(SERIES.items(), (
    "SGD on mini-batches with heavy-ball momentum μ (μ = 0: plain SGD).",
    "Adam (Kingma and Ba 2015): steps scaled entrywise by running moments of the gradient; same η, no μ."))]
TUNE = [Param("lr", "Learning rate η (μ in the notes)", "log", 0.01, options=(0.001, 0.003, 0.01, 0.03, 0.1, 0.3,
                                                                                  1.0), role="tunable"),
        Param("momentum", "Momentum μ (γ in the notes)", "float", 0.9, lo=0.0, hi=0.99, step=0.01, role="tunable"),
        Param("batch_size", "Batch size", "choice", 32, options=(16, 32, 64, 128, 1000), labels={1000: "full batch"},
              role="tunable")]
RESNET = [Param("width", "Width", "int", 4, lo=2, hi=8), Param("depth", "Layers", "int", 6, lo=2, hi=12),
          Param("scale", "Weight scale s (K = s·randn)", "log", 0.2, options=(0.05, 0.1, 0.2, 0.5, 1.0, 2.0)),
          ACT, Param("h", "Step h", "log", 1.0, options=(0.1, 0.2, 0.5, 1.0)),
          SEED.but(default=12, help="The course's script uses rng(12); ours draws from numpy's stream.")]
CHECKS = [Param("depth", "Depth L", "int", 3, lo=1, hi=8), Param("width", "Width", "int", 5, lo=2, hi=16),
          ACT.but(options=("tanh", "relu", "sin", "identity")), Param("n_samples", "Samples", "int", 20, lo=5, hi=100),
          SEED]


def capped(p: dict) -> tuple[dict, str | None]:
    """The training parameters with ``n_train`` lowered so that depth × width × n_train <= WORK_CAP, and the note."""
    cap = max(100, (WORK_CAP // (p["depth"] * p["width"])) // 100 * 100)
    if p["n_train"] <= cap:
        return p, None
    return dict(p, n_train=cap), (f"Depth {p['depth']} × width {p['width']} × {p['n_train']} points is more than a "
                                  f"frame can train smoothly: the run uses {cap} training points.")


@st.cache_data(max_entries=8, show_spinner=False)
def own_problem(X: np.ndarray, y: np.ndarray, *, depth: int, width: int, activation: str, init: str, sigma: float,
                alpha: float, seed: int, **_) -> mlp.DeepProblem:
    """:func:`numdl_core.mlp.training_problem` on the student's points (:mod:`app.owndata`); the validation set is
    the training set."""
    d = DataSplit(X, y, X, y, max(2, int(y.max()) + 1))
    model = mlp.MLP(X, y, (int(width),) * int(depth), d.n_classes, activation=activation, alpha=alpha)
    return mlp.DeepProblem(d, model, model.init_theta(init, sigma, seed=seed + 1))


def own_points(p: dict, P: mlp.DeepProblem) -> tuple[mlp.DeepProblem, str]:
    """The problem to train (the page's, or :func:`own_problem` of the student's points) and its data source; the
    editor is drawn here (2-D data sets only)."""
    if p["data"] == "digits":
        return P, "page"
    X, y, source = own_data("dn.train", P.data.X, P.data.y, classes=5,
                            max_points=max(100, WORK_CAP // (p["depth"] * p["width"])))
    return (P if source == "page" else own_problem(X, y, **p)), source


OPTIMIZERS = {"sgd": "SGD with momentum", "adam": "Adam"}
COMPARE = [Param("optimizer", "Optimizer", "choice", "sgd", options=tuple(OPTIMIZERS), labels=OPTIMIZERS), *TUNE]
COMPARE_TARGET = 0.05  # training loss: spirals (500 points, 5 x 16 tanh, Glorot), η = 0.01: Adam 47 epochs, SGD 70
COMPARE_EPOCHS = 300


def train_compare(lesson: Lesson, P: mlp.DeepProblem, source: str) -> list | None:
    """The compare panel of the training section: A = SGD with the page's η, μ and batch, B = Adam, from the same
    θ₀ on the points the page uses (``source``: own data), each until the training loss is at most 0.05."""
    from app.compare import Setup
    from app.lessons.compare_data import compare_on
    from app.live import Solver

    def make(p: dict) -> Setup:
        return Setup(Solver(p["optimizer"], P.model, P.theta0))

    return compare_on(lesson, "optimizers", make, COMPARE, {"optimizer": "adam"}, {"own_data": source},
                      max_iter=COMPARE_EPOCHS, target=COMPARE_TARGET, value_label="final loss",
                      y_title="training loss", note="One iteration is one epoch (2 passes); Adam ignores μ.")

def gradient_columns(norms: np.ndarray) -> dict:
    """Per-layer gradient norms as history columns g1 .. gL and gW (recorded per frame)."""
    out = {f"g{j + 1}": float(v) for j, v in enumerate(norms[:-1])}
    out["gW"] = float(norms[-1])
    return out


def gradient_rows(history: dict) -> tuple[np.ndarray, np.ndarray]:
    """The per-layer gradient norms at the first and at the last recorded point of a series' history."""
    keys = sorted((k for k in history if k.startswith("g") and k[1:].isdigit()), key=lambda k: int(k[1:])) + ["gW"]
    first = np.array([history[k][0] for k in keys], dtype=float)
    last = np.array([history[k][-1] for k in keys], dtype=float)
    return first, last


EXPERIMENTS = [
    Experiment("The course's three numbers", "Read the three ratios ‖K₃K₂K₁y‖/‖y‖ above the curves. Why does each "
               "layer multiply the norm by about 10, 2.9 and 0.29?",
               "The page measures 977, 23.7 and 0.0237 (seed 0, 100 draws) against 1000, 24.1 and 0.0241: a product "
               "with a 100 × 100 matrix of independent entries of variance v multiplies the expected squared norm by "
               "100 v (v = 1, 1/12, 1/1200).", {"section": "norms"}, name="course-norm-growth"),
    Experiment("ReLU needs He", "Choose ReLU. Compare the forward and backward curves of Glorot and He at depth 50.",
               "ReLU zeroes half its inputs: with Glorot's scale the norm falls by √2 per layer (2.4e-8 at depth 50, "
               "the gradient sent back to layer 0 likewise 2.3e-8); He's doubled variance keeps both near 1 (0.82 "
               "and 0.76); naive N(0, 1) explodes (2.4e42).", {"section": "norms", "activation": "relu"},
               name="relu-needs-he"),
    Experiment("Exploding gradients at depth 30", "Train 30 tanh layers of width 16 started with naive N(0, 1) weights "
               "(η = 0.001) and play 40 epochs. Compare the per-layer gradient norms of layer 1 and layer 30.",
               "At the start ‖∇K₁f‖ is 2.9e3 times ‖∇K₃₀f‖ (2.8e3 against 0.96): the forward pass saturates every "
               "tanh, and the gradient grows by a constant factor per layer on its way back. The loss falls from 1.94 "
               "to the level of guessing (SGD 0.65, Adam 0.81 after 40 epochs; validation accuracy 60% and 56%).",
               {"section": "train", "depth": 30, "init": "naive", "activation": "tanh", "lr": 0.001, "speed": 2},
               name="exploding-gradients-at-depth-30"),
    Experiment("He init fixes it", "The same 30 layers with ReLU and He's scaling √(2/n_in), η = 0.001, 40 epochs.",
               "The per-layer gradient norms start within a factor 3 of each other (0.015 to 0.038; first/last ratio "
               "0.39) and the network learns: after 40 epochs SGD reaches loss 0.40 (73% validation accuracy) and Adam "
               "0.15 (94%). The variance of the signal is kept layer by layer, so depth is trainable.",
               {"section": "train", "depth": 30, "init": "he", "activation": "relu", "lr": 0.001, "speed": 2},
               name="he-init-fixes-it"),
    Experiment("Vanishing gradients", "Use 20 tanh layers with the custom σ = 0.1 and play.",
               "Each layer multiplies the signal by about σ√16 = 0.4: every per-layer gradient starts near 3e-9, "
               "and SGD and Adam stay at log 2 = 0.693 (50% validation accuracy): nothing moves.",
               {"section": "train", "depth": 20, "init": "custom", "sigma": 0.1, "lr": 0.001, "speed": 5},
               name="vanishing-gradients"),
    Experiment("The course's comparison", "Compare the two histograms and the two misfit curves.",
               "The plain network's misfit has a sharp kink at the target weights (0.49 already at t = 0.1) and is "
               "flat beyond it; the ResNet's grows smoothly (0.14 at t = 0.1, 0.68 at 0.4). The plain network's gradient "
               "entries are all tiny (norm 0.16, largest 0.077) while the ResNet's are ~150 times larger (norm 23): "
               "the identity paths carry signal and gradient through the layers.", {"section": "resnet"},
               name="plain-vs-resnet"),
    Experiment("Smaller and larger weights", "Set the weight scale to 0.05, then to 1.",
               "s = 0.05: the plain network's gradient vanishes (norm 2e-4), the ResNet is nearly the identity and "
               "keeps a useful gradient (norm 19). s = 1: the plain net's gradient is larger than the ResNet's (9.7 against "
               "4.5) and both misfits have a second local minimum on the line.",
               {"section": "resnet", "scale": 0.05}, name="resnet-small-weights"),
    Experiment("ReLU kinks in the checks", "Choose ReLU. Do the Taylor tests still show order 2?",
               "Yes: for small h no pre-activation changes sign, so the network is smooth along the line and "
               "E1 = O(h²) (orders 2.00 per layer, 2.00 for the network); the adjoint gaps stay at round-off (~1e-16).",
               {"section": "checks", "activation": "relu"}, name="relu-checks"),
    Experiment("A deeper check", "Set depth 8 and width 16.",
               "Every layer's adjoint test stays at round-off (at most 9e-15) and every Taylor order at 2: "
               "backpropagation is the composition of the layers' transposed Jacobians, each checked on its own.",
               {"section": "checks", "depth": 8, "width": 16}, name="deep-checks"),
]

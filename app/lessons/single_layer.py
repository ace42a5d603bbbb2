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
from app.lesson import Experiment
from app.panels import live_table, show
from app.params import SEED, Param
from numdl_core import single_layer as sl
from numdl_core.classify import decision_map

DATA_LABELS = {"peaks": "peaks (5 classes)", "ellipses": "ellipses (2 classes)", "digits": "digits (8×8, 10 classes)"}
ACT_LABELS = {"sin": "sin", "tanh": "tanh", "relu": "ReLU"}
# VarPro's inner Newton iterations on the cross-entropy (the least-squares inner solve is direct: unaffected): without
# regularization, on separable features the inner problem has no minimizer and Newton would run to its limit
INNER_NEWTON = 10
# the series of the live runs: switch -> (label, solver of numdl_core.solvers.SOLVERS, fixed options); SGD fixes
# nesterov=False: the switch "nesterov" is also a keyword of sgd, which the page would pass on
SERIES = {"sgd": ("SGD", "sgd", {"nesterov": False}), "nesterov": ("Nesterov", "sgd", {"nesterov": True}), "adam": ("Adam", "adam", {}),
          "gn": ("Gauss-Newton", "gauss_newton", {"damping": 1e-6}),
          "varpro": ("VarPro", "varpro", {"damping": 1e-6, "inner_maxiter": INNER_NEWTON}),
          "sd": ("steepest descent", "gradient_descent", {"step": 1.0, "line_search": True}),
          "newton": ("Newton-CG", "newton_cg", {})}
CRIME_SERIES = {"varpro": ("VarPro", "varpro", {"cg_tol": 1e-3, "inner_maxiter": INNER_NEWTON}), "sgd": ("SGD", "sgd", {"momentum": 0.9}),
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
TRAIN = [DATA, N_TRAIN, ACT, WIDTH, LOSS.but(help="Every solver works with both losses: with the cross-entropy "
                                       "Gauss-Newton uses the curvature of the loss in the outputs, Jᵀ∇²ℓ J."),
         ALPHA, SEED]
STOCHASTIC = ("SGD", "Nesterov", "Adam")  # the series counted in epochs
SWITCHES = [Param(k, SERIES[k][0], "bool", k in ("sgd", "gn", "varpro"), help=h) for k, h in (
    ("sgd", "Heavy-ball momentum: the gradient at θₖ."),
    ("nesterov", "SGD with Nesterov momentum: the gradient at the look-ahead point θₖ + μvₖ."),
    ("adam", "Adam (Kingma and Ba 2015): steps scaled entrywise by running moments of the gradient; uses η, the batch "
             "size and the decay, not μ."), ("gn", None), ("varpro", None), ("sd", "Armijo line search from t = 1."),
    ("newton", "Exact Hessian-vector products (4 passes each)."))]
DECAY = Param("decay", "Learning-rate decay δ", "choice", 0.0, options=(0.0, 1e-4, 1e-3, 1e-2, 1e-1), labels={0.0: "0"},
              role="tunable", help="ηₖ = η / (1 + δk), k = mini-batch updates so far (SGD, Nesterov, Adam): Σηₖ = ∞ "
                                   "and Σηₖ² < ∞, the step-size conditions of stochastic approximation.")
TUNE = [LR, Param("batch_size", "SGD batch size", "choice", 32, options=(8, 16, 32, 64, 128, 256, 1000),
                  labels={1000: "full batch"}, role="tunable"),
        Param("momentum", "SGD momentum μ (γ in the notes)", "float", 0.9, lo=0.0, hi=0.99, step=0.01, role="tunable"),
        DECAY, CG, Param("sgd_epochs", "SGD epochs per step", "choice", 2, options=(1, 2, 5, 10, 20), role="view",
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
CRIME_SETUP = Param("setup", "Set-up", "choice", "course", options=("course", "plane"), widget="segmented",
                    labels={"course": "the course's: 50 features, 10 classes, cross-entropy",
                            "plane": "2-D points, least squares"})
COURSE_CRIME = [Param("n_samples", "Samples n", "int", 500, lo=100, hi=1000, step=100),
                Param("n_features", "Features n_f", "int", 50, lo=2, hi=100),
                Param("n_classes", "Classes n_c", "int", 10, lo=2, hi=10),
                Param("neurons", "Neurons m (both networks)", "int", 40, lo=2, hi=60), ACT, SEED]
CRIME_TEXT = {
    "course": "As in the course's slides: n = 500 inputs with n_f = 50 standard normal features, a random network "
              "with m = 40 neurons (K, W standard normal, b = 0.1) and the class probabilities P = softmax(σ(XK + "
              "1bᵀ)W) as targets (the course's C_obs). A network of the same size is trained on the cross-entropy "
              "against P from a random start. No network can get below the entropy of P (Gibbs' inequality), and "
              "the generating one reaches it with 100% accuracy on the labels argmax P.",
    "plane": "The labels come from a network of the same kind (random K, b, W). A trained network at least as wide "
             "can fit the real-valued targets **exactly**: if training does not reach loss ≈ 0 and accuracy 1, the "
             "optimizer failed, not the model."}
CRIME_SWITCHES = [Param(k, v[0], "bool", k == "gn", help=h) for (k, v), h in zip(CRIME_SERIES.items(), (
    "Slow on the course's set-up: each evaluation solves a 410-unknown logistic regression by Newton's method.",
    None, None))]
CRIME_TUNE = [CG.but(label="CG iterations per step", default=50, hi=100), LR.but(default=0.01)]
VARPRO = [N_TRAIN.but(label="Points (peaks)", default=200), WIDTH.but(default=10, hi=50), ACT, ALPHA.but(default=1e-3),
          Param("inner", "Inner solve for W", "choice", "cg", options=("direct", "cg"), widget="segmented",
                labels={"direct": "direct (SVD)", "cg": "CG"},
                help="Direct: the exact inner solution by an SVD. CG: a fixed number of CG iterations from W = 0."),
          Param("inner_iters", "Inner CG iterations", "int", 2, lo=1, hi=100), SEED]
LIVE_GRID = 60  # decision maps redrawn in every live frame: 60 x 60 cells


def solver_name(key: str, loss: str, series: dict = SERIES) -> str:
    """The registry name of series ``key``: Gauss-Newton on the cross-entropy is the generalized one (Jᵀ∇²ℓ J)."""
    return "generalized_gn" if key == "gn" and loss == "softmax" else series[key][1]


def crime_verdicts(run, c, course: bool) -> list[str]:
    """The success messages of the inverse crime: a perfect fit (2-D, least squares), or the generating network's
    accuracy on the training labels reached within 1% (the course's set-up)."""
    out = []
    for s in run.series.values():
        tr, va = sl.accuracies(c.model, s.last.x, c.X_val, c.y_val)
        if not course and s.last.loss < 1e-10 and tr == 1.0:
            out.append(f"{s.name} recovered a perfect fit: loss {s.last.loss:.1e}, training accuracy 100%, validation "
                       f"accuracy {pct(va)} on {c.y_val.size} fresh points of the true network.")
        elif course and tr >= c.truth.accuracy(c.theta_true) - 0.01:
            out.append(f"{s.name} reaches the generating network's accuracy on the labels: {pct(tr)} (generating "
                       f"network 100%), loss {s.last.loss:.4f} against the minimum {sl.target_entropy(c.Y):.4f}. On "
                       f"{c.y_val.size} fresh inputs the two networks agree on {pct(va)} of the labels: {c.X.shape[0]} "
                       "examples pin the outputs on the data, not the weights.")
    return out


def max_points(solvers) -> int:
    """Points kept per series of a live run (older ones thinned): about 180 in all, so that the two loss figures,
    redrawn in every frame, stay a few KB each however long the run (at least 30 per series)."""
    return max(30, 180 // max(1, len(solvers)))


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


@st.cache_data(max_entries=8, show_spinner=False)
def own_training_problem(X: np.ndarray, y: np.ndarray, *, width: int, activation: str, loss: str, alpha: float,
                         seed: int, **_) -> sl.TrainingProblem:
    """:func:`numdl_core.single_layer.training_problem` on the student's points (:mod:`app.owndata`): the same
    model and start; the validation set is the training set (few points: no split)."""
    d = sl.DataSplit(X, y, X, y, max(2, int(y.max()) + 1))
    model = sl.SingleLayer(X, y, width, activation=activation, loss=loss, alpha=alpha, n_classes=d.n_classes)
    return sl.TrainingProblem(d, model, model.init_theta(seed, scale=1.0))


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
        c3.info(f"{d.X.shape[1]} features: no 2-D decision map; the table shows the accuracies.")
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


EXPERIMENTS = [
    Experiment("Which features are rank deficient?", "Compare the singular values of the three activations at width "
               "200 and the numerical ranks the page reports. Which activation loses the most rank, and why?",
               "sin, not ReLU: the page measures numerical rank 167 for sin, 188 for ReLU and 200 (full) for tanh "
               "(peaks, 1000 points, seed 0). ReLU loses exactly its 12 dead neurons (hyperplanes that miss the data "
               "give features that are identically 0: exact zero singular values). sin(xᵀk + b) with 2-D inputs are "
               "smooth waves on a bounded square: many of them are nearly linear combinations of the others, and "
               "33 singular values fall below round-off. tanh features stay independent (cond ≈ 2e8).",
               {"section": "elm", "width": 200, "activation": "relu"}, name="dead-relu-neurons"),
    Experiment("Overfitting with width", "Use 200 training points and α = 1e-10. How do the training and the "
               "validation accuracy behave as the width grows towards 200 and beyond?",
               "Training accuracy reaches 100% once m ≈ n (as many features as points: interpolation), while "
               "validation accuracy peaks around m ≈ 50 and then falls. Raise α to 1e-2 to close the gap.",
               {"section": "elm", "n_train": 200, "alpha": 1e-10, "activation": "tanh", "width": 200},
               name="overfitting-with-width"),
    Experiment("The scale of the random weights", "On digits, compare s = 1 with s = 0.1 for sin features.",
               "With s = 1 the 64-pixel inputs give large pre-activations: sin features are nearly random noise and "
               "validation accuracy drops. s = 0.1 gives smooth features and better generalization.",
               {"section": "elm", "data": "digits", "activation": "sin", "scale": 0.1, "width": 200},
               name="random-weight-scale"),
    Experiment("Too large a learning rate", "Set η = 1 and press Play. What happens to SGD, and what brings it back?",
               "SGD diverges within an epoch (the page reports the iteration): η is far beyond 2(1+μ)/L. Lower η to "
               "0.05 while it shows the message: the run restarts and converges.",
               {"section": "train", "lr": 1.0, "speed": 5}, name="sgd-step-too-large"),
    Experiment("Work, not iterations", "Play SGD, Gauss-Newton, VarPro and steepest descent at 5 iterations per frame "
               "and 10 SGD epochs per step for about 10 frames. In the loss-against-work plot, who is ahead after 100 "
               "and after 1000 passes over the data?",
               "After 100 passes: VarPro ≈ 0.13, SGD ≈ 0.15, Gauss-Newton ≈ 0.21, steepest descent ≈ 0.34. After 1000: "
               "VarPro ≈ 0.08 (94% validation accuracy), SGD ≈ 0.10 and Gauss-Newton ≈ 0.11 (about 90%), steepest "
               "descent ≈ 0.2. Per pass, SGD's cheap noisy steps keep up with Gauss-Newton (one GN step costs ~40 "
               "passes); eliminating W wins: VarPro's iteration 0 is already the ELM of θ₀.",
               {"section": "train", "sgd": True, "gn": True, "varpro": True, "sd": True, "newton": False, "speed": 5,
                "sgd_epochs": 10}, name="work-not-iterations"),
    Experiment("Mini-batch noise", "Compare batch size 8 and full batch with momentum 0 (change them mid-run).",
               "Small batches make many cheap, noisy updates: fast at first, then the loss jitters at a level set by "
               "η. Full batch is gradient descent: smooth but slow per pass.",
               {"section": "train", "batch_size": 8, "momentum": 0.0, "speed": 5}, name="mini-batch-noise"),
    Experiment("Second order on the cross-entropy", "Play SGD, Gauss-Newton, VarPro and Newton-CG on the softmax "
               "cross-entropy (10 SGD epochs per step). Who is ahead after 1000 and after 3000 passes over the data?",
               "After 1000 passes: VarPro ≈ 0.106, SGD, Newton-CG and Gauss-Newton ≈ 0.13. After 3000: Gauss-Newton "
               "(0.101, 97.4% validation) has caught up with VarPro (0.100); Newton-CG ≈ 0.108, and SGD at a constant η "
               "jitters between 0.13 and 0.21. Gauss-Newton needs no residual: only the curvature of the loss in the "
               "outputs, Jᵀ∇²ℓ J with ∇²ℓ = (diag(p) − ppᵀ)/n.",
               {"section": "train", "loss": "softmax", "sgd": True, "gn": True, "varpro": True, "newton": True,
                "speed": 5, "sgd_epochs": 10}, name="cross-entropy-gauss-newton"),
    Experiment("A decaying learning rate", "Play SGD, Nesterov and Adam with δ = 1e-3 to 200 epochs and read the loss "
               "at 50, 100 and 200 epochs. Then Reset with δ = 0, and with δ = 1e-2.",
               "δ = 1e-3: every loss keeps falling (SGD 0.136, 0.123, 0.116; Adam 0.121, 0.115, 0.105). δ = 0: the "
               "losses wander at the noise level of the constant step (SGD 0.148, 0.166, 0.122; Adam 0.185, 0.135, "
               "0.163). δ = 1e-2: the rate shrinks too fast (η/65 after 200 epochs) and SGD stalls near 0.15.",
               {"section": "train", "sgd": True, "nesterov": True, "adam": True, "gn": False, "varpro": False,
                "decay": 1e-3, "speed": 5, "sgd_epochs": 10}, name="learning-rate-decay"),
    Experiment("Around the start vs around the minimum", "Switch the centre between θ₀ and the trained θ.",
               "Around θ₀ the star sits on a slope; after training it sits in a valley. Larger spans show several "
               "basins and saddles: the landscape is non-convex.",
               {"section": "surface", "center": "initial", "span": 1.0}, name="start-vs-minimum"),
    Experiment("ReLU kinks", "Choose ReLU, span 0.5, and compare the contour lines with tanh.",
               "ReLU networks are piecewise smooth: the level lines have corners where neurons switch on or off.",
               {"section": "surface", "activation": "relu", "span": 0.5}, name="relu-kinks"),
    Experiment("Why filter normalization", "Switch the directions to unit length.",
               "A unit step changes large and small neurons by the same absolute amount: the picture is dominated by "
               "the scale of the weights (nearly flat here). Filter-normalized directions scale each neuron to its "
               "own size, so pictures of different networks are comparable.",
               {"section": "surface", "normalize": "unit"}, name="filter-normalization"),
    Experiment("Second order wins", "Play VarPro and Gauss-Newton. How low does each loss get, and how fast?",
               "VarPro reaches loss ~1e-12 and 100% accuracy in a few tens of iterations; Gauss-Newton gets there much "
               "more slowly. Near a zero-residual fit Gauss-Newton steps approach Newton steps.",
               {"section": "crime", "setup": "plane", "varpro": True, "gn": True, "sgd": False, "speed": 5}, name="varpro-wins"),
    Experiment("The course's inverse crime", "Switch on Gauss-Newton, VarPro and SGD with η = 0.1 and play 100 "
               "iterations. Who reaches the generating network's 100% on the labels, and how close to the minimum "
               "loss (0.4621, the entropy of the targets)?",
               "Gauss-Newton: 99.8% of the labels at iteration 50, 0.007 above the minimum (0.004 at 100). VarPro is "
               "slower here (0.071 above at 50, 99.0% at 100): its outer matrix ignores the coupling with W. SGD (one "
               "epoch per iteration) is the cheapest per pass: 98.6% and 0.054 above after 100 epochs, 200 passes, "
               "against ~10,000 for Gauss-Newton's last digits. On fresh inputs each trained network agrees with the "
               "generating one on only about a third of the labels: 500 examples fix the outputs, not K, b, W.",
               {"section": "crime", "setup": "course", "gn": True, "varpro": True, "sgd": True, "lr": 0.1, "speed": 10},
               name="course-inverse-crime"),
    Experiment("SGD on a perfect-fit problem", "Add SGD (η = 0.01). Does it recover the truth?",
               "Its loss falls quickly at first and then crawls: after hundreds of epochs it is far above 1e-10, "
               "although a perfect fit exists. Gradient noise and ill-conditioning stall first-order methods.",
               {"section": "crime", "setup": "plane", "sgd": True, "lr": 0.01, "speed": 20}, name="sgd-stalls"),
    Experiment("Exactly as wide as the truth", "With seed 1, set the trained width equal to the true width (8). Then "
               "go back to width 16.",
               "Width 8: VarPro stops at a loss of about 3e-3 with 96% accuracy, although the truth is in the model "
               "class: a local minimum of the non-convex loss. Width 16 (over-parametrized) recovers the perfect fit "
               "from the same seed in about 25 iterations.",
               {"section": "crime", "setup": "plane", "width": 8, "true_width": 8, "seed": 1, "varpro": True, "speed": 20},
               name="inverse-crime-local-minimum"),
    Experiment("Sloppy inner solve", "Set the inner solve to CG with 2 iterations. What order does E1 show?",
               "Order ≈ 1: the 'gradient' is not the gradient of the function VarPro is minimizing.",
               {"section": "varpro", "inner": "cg", "inner_iters": 2}, name="sloppy-inner-solve"),
    Experiment("Accurate inner solve", "Switch to the direct (SVD) inner solve, or CG with 50 iterations.",
               "Order ≈ 2: the inner optimality vanishes to round-off and the partial gradient is the reduced "
               "gradient (Golub and Pereyra 1973).", {"section": "varpro", "inner": "direct"},
               name="accurate-inner-solve"),
]
TOUR = ("work-not-iterations", "sgd-step-too-large", "sloppy-inner-solve", "accurate-inner-solve", "varpro-wins",
        "inverse-crime-local-minimum")  # the lecture tour: compare, break SGD, break and fix VarPro, its limits

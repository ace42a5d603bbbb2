"""Page support of the linear-classification page (pages/linear_classification.py): the parameters of its sections,
its Try-this experiments, and the body of the binary logistic regression section (:func:`logistic`).

Parameter names are the keywords of the ``numdl_core`` functions they feed (``classification_problem``,
``logistic_problem``) and of the solvers (``step``, ``cg_tol``, ``cg_maxiter``), so the page passes its parameter
dict on unchanged. The observe texts of the experiments state what the page's recorded numbers show.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.classify import sigmoid_figure
from app.figures.common import convergence_figure, decision_map_figure
from app.lesson import Experiment, Lesson, Solver
from app.live import Run
from app.owndata import own_data
from app.panels import live_table, show
from app.params import ALPHA, SEED, STEP, Param
from numdl_core.checks import agreement, derivative_check
from numdl_core.classify import features as classify_features
from numdl_core.classify import softmax_regression
from numdl_core.classify_problems import ClassificationProblem, reference_optimum
from numdl_core.logistic import DATASETS as BINARY_DATASETS
from numdl_core.logistic import (LogisticProblem, binary_logistic, large_score_check, logistic_problem,
                                 sklearn_binary_reference, softmax_agreement)

GD, NCG = "gradient descent", "Newton-CG"
DATA_LABELS = {"linear": "separable toy", "blobs": "blobs (3 classes)", "ellipses": "ellipses",
               "peaks": "peaks (5 classes)", "digits": "digits (64-D, 10 classes)"}
MODEL = [Param("data", "Data set", "choice", "blobs", options=tuple(DATA_LABELS), labels=DATA_LABELS, help="Separable "
               "toy: class 1 where 3x₁ + 2x₂ + 1 > 0. Ellipses and peaks are not linearly separable."),
         Param("features", "Features", "choice", "linear", options=("linear", "quadratic"), widget="segmented",
               help="quadratic: [x₁, x₂, x₁², x₁x₂, x₂²]: a linear boundary in these is a conic in the plane."),
         Param("n", "Samples", "int", 300, lo=50, hi=1000, step=50),
         Param("noise", "Noise", "float", 0.1, lo=0.0, hi=0.5, step=0.01,
               help="Jitter of the points (blobs: cluster standard deviation 0.5 + 5·noise)."),
         Param("n_train", "Training images", "int", 1000, lo=200, hi=1500, step=100,
               help="Digits only: the remaining images of the 1797 are the test set."),
         ALPHA.but(label="Tikhonov α (λ in the notes)", options=(1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0),
                   role="structure", help="Weight of (α/2)‖W‖²: makes the minimizer unique and finite."), SEED]
OPT = [Param("line_search", "GD step rule", "choice", False, options=(False, True), widget="segmented",
             labels={False: "fixed", True: "Armijo"}, role="tunable"),
       STEP.but(label="GD step t (α in the notes)", default=1.0, options=tuple(
           float(f"{m * 10.0 ** e:g}") for e in range(-3, 4) for m in (1, 2, 5)) + (1e4,),
           help="Fixed step (or the first trial step of Armijo). Takes effect mid-run, from the current iterate."),
       Param("cg_tol", "CG tolerance", "log", 0.1, options=(1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 0.1, 0.5), role="tunable",
             help="CG stops at ‖Hp + g‖ ≤ η‖g‖, η = min(tol, √‖g‖): a superlinear rate. Takes effect mid-run."),
       Param("cg_maxiter", "Max CG iterations", "int", 20, lo=1, hi=100, role="tunable",
             help="1 CG iteration = steepest descent with the step of the quadratic model. Takes effect mid-run."),
       Param("show", "Show", "choice", "both", options=("both", "gd", "ncg"), widget="segmented", role="view",
             labels={"gd": "GD", "ncg": "NCG"}, help="Whose decision regions (or weights) to draw."),
       Param("axis", "Curves against", "choice", "iteration", options=("iteration", "work"), widget="segmented",
             labels={"iteration": "iterations"}, role="view",
             help="Work in passes over the data: a gradient costs 2, a Hessian-vector product 4.")]
LOSSES = [Param("data", "Data set", "choice", "linear", options=("linear", "ellipses", "moons", "circles"),
                labels={"linear": "separable toy"}), Param("noise", "Noise", "float", 0.0, lo=0.0, hi=0.5, step=0.01),
          Param("w_max", "Window |w| ≤", "float", 10.0, lo=1.0, hi=50.0, step=1.0), SEED]
FORMATS = {"loss": "%.6g", "loss - f*": "%.3e", "grad norm": "%.3e", "training accuracy": "percent",
           "test accuracy": "percent", "step": "%.3g", "work": "%d"}
TABLE = {c: st.column_config.NumberColumn(format=f) for c, f in FORMATS.items()}
CODE = [Param(f"len_{s.lower()}", f"length of {s}", "int", d, lo=1, hi=6) for s, d in zip("ABCD", (1, 2, 3, 3))]
EXPERIMENTS = [
    Experiment("Linear vs superlinear convergence", "On blobs with a fixed step t = 1 (just under 2/L), press Play. How "
               "many iterations does each method need to bring ‖∇f‖ below 10⁻⁶?", "Newton-CG: 7 (converged at 8); "
               "the ratio ‖∇f_{k+1}‖/‖∇f_k‖ falls towards 0 (0.08, 0.005, 3·10⁻⁵): superlinear. GD is a straight line on the log scale (linear rate): "
               "‖∇f‖ ≈ 0.1 after 8 iterations, 10⁻⁶ after about 740. Against data passes (its 27 Hessian-vector "
               "products cost 4 each) Newton-CG still wins by far.", {"section": "train", "data": "blobs",
               "features": "linear", "alpha": 1e-3, "line_search": False, "step": 1.0, "cg_tol": 0.1, "cg_maxiter": 20,
               "speed": 5}, name="newton-in-8-steps"),
    Experiment("A linear classifier cannot draw an ellipse", "On the ellipses, compare the accuracy with linear and "
               "quadratic features.", "Linear: about 55%, the best a straight line can do. Quadratic [x₁, x₂, x₁², "
               "x₁x₂, x₂²]: above 95%, the boundary is an ellipse; the model is still linear in its parameters, so the "
               "problem stays convex.", {"section": "train", "data": "ellipses", "features": "quadratic", "noise": 0.05,
               "alpha": 1e-4, "speed": 5}, name="ellipse-needs-quadratic-features"),
    Experiment("Too large a step", "Set α = 0.01 and a fixed step t = 1000 (2/L ≈ 1), then Play. Then try t = 50.",
               "t = 1000: t·α = 10 > 2, the Tikhonov term multiplies W by (1 − tα) = −9 per step: GD diverges in a few "
               "iterations. t = 50 > 2/L: the loss jumps up and oscillates but stays bounded (the cross-entropy's "
               "gradient is bounded): GD neither converges nor blows up. Newton-CG, with its line search, is "
               "unaffected.",
               {"section": "train", "data": "blobs", "features": "linear", "alpha": 1e-2, "line_search": False,
                "step": 1000.0, "speed": 2}, name="step-too-large"),
    Experiment("A line search rescues the step", "Keep t = 1000 but switch the GD step rule to Armijo.", "Armijo "
               "halves the trial step until the loss decreases enough: GD converges from any first trial step, at the "
               "price of extra gradients: plot the curves against work.", {"section": "train", "data": "blobs",
               "alpha": 1e-2, "line_search": True, "step": 1000.0, "speed": 5}, name="line-search"),
    Experiment("Plateaus", "Widen the window to |w| ≤ 40. What does the squared loss look like far from the origin?",
               "Flat regions near 0 or 1/2 (saturated sigmoids) separated by cliffs: no gradient to follow. The "
               "cross-entropy is a smooth bowl opening linearly.", {"section": "losses", "w_max": 40.0},
               name="plateaus"),
    Experiment("Harder data", "Switch to the moons with noise 0.1. Is the cross-entropy still convex?", "Yes: "
               "convexity is a property of the loss of a linear model, not of the data; its minimum is just higher. "
               "The squared loss still bends down.", {"section": "losses", "data": "moons", "noise": 0.1},
               name="moons-still-convex"),
    Experiment("The mismatched code", "Set the lengths to (2, 3, 1, 3). How many bits per symbol?", "2.25 bits: the "
               "frequent A costs 2 bits, the rare C only 1. The 0.5 extra bits are KL(p‖q).",
               {"section": "coding", "len_a": 2, "len_b": 3, "len_c": 1, "len_d": 3}, name="mismatched-code"),
    Experiment("Shorter than possible", "Try (1, 1, 2, 2). Why is it rejected?", "Kraft sum 1/2 + 1/2 + 1/4 + 1/4 = "
               "1.5 > 1: two one-bit codewords use up 0 and 1, nothing is left for C and D. No code beats the entropy "
               "1.75 bits.", {"section": "coding", "len_a": 1, "len_b": 1, "len_c": 2, "len_d": 2},
               name="kraft-violated"),
    Experiment("Two classes, one sigmoid", "On the separable toy, press Play. Where does the sigmoid put the "
               "samples, and how fast does each method converge?", "Newton-CG converges in about 7 iterations, "
               "gradient descent needs thousands (its rate is linear). The scores z = wᵀx + b spread out along the "
               "sigmoid: nearly every c = 1 sample ends right of z = 0, nearly every c = 0 sample left of it "
               "(training accuracy about 97%).", {"section": "logistic", "data": "linear", "features": "linear",
               "alpha": 1e-3, "step": 2.0, "speed": 5}, name="logistic-separable"),
    Experiment("Without regularization on separable data", "Noise 0 and α = 10⁻⁶ on the separable toy: Play. What "
               "happens to w?", "The classes can be split by a line, so the loss falls by scaling w up: the sigmoid "
               "sharpens into a step. Newton-CG stops at w ≈ (60, 40), b ≈ 19: 20 times the true (3, 2, 1), scores "
               "up to |z| ≈ 117; only the tiny Tikhonov term keeps it finite. Gradient descent creeps after it, ‖w‖ "
               "≈ 4.5, 11, 23 after 10, 100, 1000 iterations.", {"section": "logistic", "data": "linear",
               "noise": 0.0, "alpha": 1e-6, "step": 5.0, "speed": 20}, name="logistic-separable-unbounded"),
    Experiment("Sparse weights", "On the digits with the L1 weight α = 10⁻² (λ in the notes), press Play and let "
               "ISTA run a few hundred iterations. Compare the weight images with the Tikhonov ones.", "Most weights "
               "become exactly 0 and stay there: about 64% after 300 iterations, 75% after 1000 (t = 0.1). "
               "Soft-thresholding zeroes every weight whose gradient stays below α; what is left is a few pixels "
               "per digit. The test accuracy (about 91%) is a few points below Tikhonov's 96.5%.",
               {"section": "sparse", "alpha": 1e-2, "speed": 50}, name="sparse-weights"),
]
TOUR = ("newton-in-8-steps", "step-too-large", "line-search", "ellipse-needs-quadratic-features", "logistic-separable",
        "logistic-separable-unbounded")  # the lecture tour: converge, break the step, fix it, then the model's limits


BINARY_LABELS = {"linear": "separable toy", "ellipses": "ellipses", "moons": "moons", "circles": "circles"}
LOGISTIC = [Param("data", "Data set", "choice", "linear", options=BINARY_DATASETS, labels=BINARY_LABELS,
                  help="Two classes. Separable toy: c = 1 where 3x₁ + 2x₂ + 1 > 0."), MODEL[1],
            MODEL[2].but(default=200), MODEL[3], MODEL[5].but(default=1e-3, help="Weight of (α/2)‖w‖² (no "
                                                                                   "penalty on b)."), SEED]
LOGISTIC_OPT = [OPT[1].but(default=2.0), OPT[4]]


@st.cache_data(max_entries=8, show_spinner=False)
def own_problem_and_optimum(X: np.ndarray, y: np.ndarray, features: str, alpha: float):
    """The softmax-regression problem of the student's points (:mod:`app.owndata`) and its optimum."""
    obj = softmax_regression(classify_features(X, features), y, max(2, int(y.max()) + 1), alpha)
    return (pr := ClassificationProblem("your data", features, X, y, obj)), reference_optimum(obj)


@st.cache_data(max_entries=32, show_spinner=False)
def logistic_and_optimum(**problem):
    return (pr := logistic_problem(**problem)), reference_optimum(pr.obj)  # f* by Newton-CG, tight tolerance


@st.cache_data(max_entries=8, show_spinner=False)
def own_logistic_and_optimum(X: np.ndarray, c: np.ndarray, features: str, alpha: float):
    """The binary logistic problem of the student's points (:mod:`app.owndata`, labels 0/1) and its optimum."""
    obj = binary_logistic(classify_features(X, features), c, alpha)
    return (pr := LogisticProblem("your data", features, X, c, obj)), reference_optimum(obj)


def logistic(lesson) -> Run:
    """The binary logistic regression section: the sigmoid, its loss, a live GD vs Newton-CG run and the checks."""
    st.subheader("Binary logistic regression: two classes, one sigmoid")
    st.markdown("With two classes one score is enough: z = wᵀx + b (the notes write an example as y), and the "
                "sigmoid p = σ(z) = 1/(1 + e^(−z)) is the probability of the first category (c = 1). The loss is the "
                "cross-entropy of the observed c and p. It is the softmax of two classes with the second score fixed "
                "to 0, W = [w, 0]: e^z/(e^z + e^0) = σ(z). Computed as softplus(z) − cz with softplus(z) = max(z, 0) "
                "+ log1p(e^(−|z|)) (the sign trick), nothing overflows.")
    st.latex(r"f(w, b) = -\frac1n\sum_i \big[c_i\log p_i + (1 - c_i)\log(1 - p_i)\big] + \frac\alpha2\|w\|^2, "
             r"\quad \nabla_w f = \tfrac1n X^\top(p - c) + \alpha w, \quad "
             r"\nabla^2_w f = \tfrac1n X^\top \mathrm{diag}\big(p(1 - p)\big) X + \alpha I")
    lesson.controls(LOGISTIC, widths=(1.3, 1.1, 1, 1, 1.3, 0.8))
    p = lesson.controls(LOGISTIC_OPT, columns=2) | lesson.params
    pr, opt = logistic_and_optimum(**{q.name: p[q.name] for q in LOGISTIC})
    X, c, source = own_data("lc.logistic", pr.X, pr.c, classes=2, max_points=1000)
    if source != "page":
        pr, opt = own_logistic_and_optimum(X, c, p["features"], p["alpha"])
    obj, f_star = pr.obj, opt.loss
    L = obj.lipschitz_bound()
    st.caption(f"{obj.n_samples} samples, {obj.n_features} features: {obj.n_params} unknowns (w and b). Curvature "
               f"bound L = ‖[X 1]‖²/(4n) + α = **{L:.3g}** (σ' ≤ 1/4), fixed steps t < 2/L = **{2 / L:.3g}** are "
               f"safe. Optimum (reference Newton-CG): f* = **{f_star:.6g}**.")
    shown = NCG if p["show"] == "ncg" else GD

    def draw(run: Run) -> None:
        ser = run.series
        s = ser[shown] if ser[shown].status != "diverged" else ser[NCG]
        x, k = s.last.x, (-(-pr.c.size // 150) if run.running else 1)  # playing: at most 150 points per chart
        c1, c2 = st.columns(2)
        show(decision_map_figure(*pr.decision_map(x), pr.X[::k], pr.c[::k], n_classes=2, y_pred=obj.predict(x)[::k],
                                 image=True, height=380, title=f"{s.name}: iteration {s.iteration}, accuracy "
                                 f"{100 * obj.accuracy(x):.1f}%"), "lc.lg.map", c1)
        show(sigmoid_figure(obj.scores(x), obj.c, max_points=150 if run.running else 1000,
                            title="Scores and the sigmoid: c = 1 right of 0 is right"), "lc.lg.sigmoid", c2)
        show(convergence_figure({n: (q.history["iteration"], np.asarray(q.history["loss"]) - f_star)
                                 for n, q in ser.items()}, right={n: (q.history["iteration"], q.history["grad_norm"])
                                                                  for n, q in ser.items()},
                                y_title="loss − f*", events=run.events, title="Convergence (log scale)",
                                diverged={n: True for n, q in ser.items() if q.status == "diverged"}), "lc.lg.conv")
        live_table(pd.DataFrame([{"optimizer": n, "iteration": q.iteration, "loss": q.last.loss,
                                  "grad norm": q.last.grad_norm, "training accuracy": obj.accuracy(q.last.x),
                                  "work": q.last.info["work"]} for n, q in ser.items()]),
                   column_config=TABLE, formats=FORMATS)

    theta0 = np.zeros(obj.n_params)
    run = lesson.live("run", {GD: Solver("gradient_descent", obj, theta0), NCG: Solver("newton_cg", obj, theta0)},
                      draw, depends={"own_data": source}, max_iter=20_000, default_speed=2, diverged_hint=f"the step "
                      f"t = {p['step']:g} is far beyond 2/L = {2 / L:.3g}. Lower it: the run restarts.")
    st.subheader("Checks")
    s = run.series[shown if run.series[shown].status != "diverged" else NCG]
    res = derivative_check(obj.value_and_grad, s.last.x, hess_vec=obj.hess_vec, seed=p["seed"], n=12)
    st.markdown(f"**Taylor test** of f at the {s.name} iterate (iteration {s.iteration}), exact Hessian-vector product.")
    lesson.check(res, what="gradient and Hessian")
    big = large_score_check(obj, s.last.x)
    st.markdown("**The same as the two-class softmax**, with W = [w, 0], b = (b, 0) and the classes listed as "
                f"(c = 1, c = 0); and **no overflow at max |zᵢ| = 10⁴**: the literal formula with log p and "
                f"log(1 − p) gives **{big.naive_loss}** there (p rounds to 0 or 1).")
    lesson.check(softmax_agreement(obj, s.last.x), big, key="lc.lg.checks")
    key, done = (*(p[q.name] for q in LOGISTIC), source), st.session_state.setdefault("lc.lg.sk_done", set())
    if key in done:  # scikit-learn's LogisticRegression: the same f with C = 1/(αn) (not 2/(αn) as for W = [w₀, w₁])
        th = sklearn_binary_reference(obj)
        lesson.check(agreement(f"f* = {f_star:.10g}", f_star, obj.loss(th), rtol=1e-6, reference=(
            f"LogisticRegression(C = 1/(αn)) of scikit-learn, f = {obj.loss(th):.10g}")), key="lc.lg.sklearn")
        st.caption(f"‖θ* − θ_sk‖/‖θ_sk‖ = {np.linalg.norm(opt.theta - th) / np.linalg.norm(th):.1e}: one w for the "
                   "sigmoid, penalized by (α/2)‖w‖², so C = 1/(αn).")
    else:
        st.button("Compare with scikit-learn", key="lc.lg.sk", on_click=done.add, args=(key,))
    numbers = {"2/L": 2 / L, "f*": f_star, "E1 order": res.order, "E2 order": res.order2,
               "loss at max |z| = 1e4": big.loss} | {f"{n}: {k}": v for n, q in run.series.items() for k, v in (
                   ("loss", q.last.loss), ("grad norm", q.last.grad_norm),
                   ("training accuracy", obj.accuracy(q.last.x)))}
    lesson.numbers({k: v for k, v in numbers.items() if np.isfinite(v)})
    return run


METHODS = {"gd": GD, "ncg": NCG}
COMPARE = [Param("method", "Method", "choice", "gd", options=tuple(METHODS), labels=METHODS), *OPT[:4]]
COMPARE_TARGET = 1e-10  # on loss − f*: gradient descent at t = 1 on the blobs needs 704 iterations, Newton-CG 7
COMPARE_ITER = 20_000  # the live run's cap


def train_compare(lesson: Lesson, obj, f_star: float, source: str) -> list | None:
    """The compare panel of the train section: A = gradient descent at the page's step, B = Newton-CG, both from
    θ = 0 on the points the page uses (``source``: the own-data token), each until loss − f* ≤ 1e-10."""
    from app.compare import Setup
    from app.lessons.compare_data import compare_on

    def make(p: dict) -> Setup:
        method = "gradient_descent" if p["method"] == "gd" else "newton_cg"
        return Setup(Solver(method, obj, np.zeros(obj.n_params)), value=lambda s: s.loss - f_star)

    return compare_on(lesson, "methods", make, COMPARE, {"method": "ncg"}, {"own_data": source},
                      max_iter=COMPARE_ITER, target=COMPARE_TARGET, value_label="final loss − f*",
                      y_title="loss − f*", x="work",
                      note="A gradient costs 2 passes, a Hessian-vector product 4: a Newton-CG iteration pays 4 per CG "
                           "iteration and 2 per trial step of its line search.")

"""Linear classification: softmax regression trained live by gradient descent and Newton-CG."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

from app.figures.classify import coding_figure, confusion_figure, loss_contours_figure, weight_mosaic_figure
from app.figures.common import convergence_figure, decision_map_figure
from app.live import Run, live_run
from app.panels import Experiment, code_panel, self_check, show, taylor_panel, theory, try_this
from app.params import PageParams, Param
from numdl_core.checks import derivative_check
from numdl_core.classify import (
    coding_example, cross_entropy_bits, decision_map, entropy_bits, features, loss_landscape, sklearn_reference,
    softmax_regression,
)
from numdl_core.data import load_digits, make_dataset, n_classes_of
from numdl_core.optim import gradient_descent, newton_cg

SECTIONS = {"train": "GD vs Newton-CG (live)", "losses": "Squared loss vs cross-entropy",
            "coding": "Cross-entropy as code length"}
DATA_LABELS = {"linear": "separable toy", "blobs": "blobs (3 classes)", "ellipses": "ellipses",
               "peaks": "peaks (5 classes)", "digits": "digits (64-D, 10 classes)"}
GD, NCG = "gradient descent", "Newton-CG"
ALPHAS = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
STEPS = (1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0,
         1e3, 2e3, 5e3, 1e4)
DIGIT_TITLES = [str(k) for k in range(10)]

SECTION = Param("section", "Section", "choice", "train", options=tuple(SECTIONS), labels=SECTIONS, widget="segmented")
SEED = Param("seed", "Seed", "int", 0, lo=0, hi=99)
P_DATA = Param("data", "Data set", "choice", "blobs", options=tuple(DATA_LABELS), labels=DATA_LABELS,
               help="Separable toy: class 1 where 3x₁ + 2x₂ + 1 > 0. Ellipses and peaks are not linearly separable.")
P_FEATURES = Param("features", "Features", "choice", "linear", options=("linear", "quadratic"),
                   labels={"linear": "linear", "quadratic": "quadratic"}, widget="segmented",
                   help="quadratic: [x₁, x₂, x₁², x₁x₂, x₂²]: a linear boundary in these is a conic in the plane.")
P_N = Param("n", "Samples", "int", 300, lo=50, hi=1000, step=50)
P_NOISE = Param("noise", "Noise", "float", 0.1, lo=0.0, hi=0.5, step=0.01,
                help="Jitter of the points (blobs: cluster standard deviation 0.5 + 5·noise).")
P_NTRAIN = Param("n_train", "Training images", "int", 1000, lo=200, hi=1500, step=100,
                 help="The remaining images of the 1797 are the test set.")
P_ALPHA = Param("alpha", "Tikhonov α", "log", 1e-3, options=ALPHAS,
                help="Weight of (α/2)‖W‖²: makes the minimizer unique and finite, also on separable data.")
OPT = [
    Param("gd", "GD step rule", "choice", "fixed", options=("fixed", "armijo"),
          labels={"fixed": "fixed step", "armijo": "Armijo"}, widget="segmented"),
    Param("step", "GD step t", "log", 1.0, options=STEPS,
          help="Fixed step (or the first trial step of Armijo). Takes effect mid-run: the run continues from "
               "the current iterate."),
    Param("cg_tol", "CG tolerance", "log", 0.1, options=(1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 0.1, 0.5),
          help="CG stops at the relative residual ‖Hp + g‖ ≤ tol·‖g‖: small tol = exact Newton (quadratic rate)."),
    Param("cg_maxiter", "Max CG iterations", "int", 20, lo=1, hi=100,
          help="1 CG iteration = steepest descent with the step of the quadratic model."),
    Param("show", "Show", "choice", "both", options=("both", "gd", "ncg"),
          labels={"both": "both", "gd": "GD", "ncg": "NCG"}, widget="segmented",
          help="Which optimizer's decision regions (or weights, for digits) to draw."),
]
LOSSES = [
    Param("data", "Data set", "choice", "linear", options=("linear", "ellipses", "moons", "circles"),
          labels={"linear": "separable toy", "ellipses": "ellipses", "moons": "moons", "circles": "circles"}),
    Param("noise", "Noise", "float", 0.0, lo=0.0, hi=0.5, step=0.01),
    Param("w_max", "Window |w| ≤", "float", 10.0, lo=1.0, hi=50.0, step=1.0),
    SEED,
]
CODE = [Param(f"len_{s.lower()}", f"length of {s}", "int", d, lo=1, hi=6) for s, d in zip("ABCD", (1, 2, 3, 3))]

pp = PageParams("lc")
st.title("🧭 Linear classification")
theory(
    "A linear classifier scores each class by zᵢ = xᵢW + b and turns the scores into probabilities with the "
    "softmax. Training minimizes the average cross-entropy, −log of the probability given to the true class, "
    "plus a Tikhonov term. Subtracting the row maximum before exp() (the *max-shift*) changes nothing and rules "
    "out overflow. The objective is convex, so there are no bad local minima. Gradient descent converges "
    "linearly, with fixed steps safe below 2/L. Newton-CG solves H p = −∇f approximately by CG, using only "
    "Hessian-vector products, and converges quadratically near the optimum.",
    [
        r"f(W, b) = \frac1n \sum_{i=1}^n \Big(\log \sum_j e^{z_{ij} - m_i} - (z_{i y_i} - m_i)\Big)"
        r" + \frac{\alpha}{2}\|W\|_F^2, \qquad z_i = x_i W + b,\; m_i = \max_j z_{ij}",
        r"\nabla_W f = \tfrac1n X^\top (S - Y) + \alpha W, \qquad \nabla_b f = \tfrac1n (S - Y)^\top \mathbf 1,"
        r"\qquad S = \mathrm{softmax}(Z)",
        r"\nabla^2 f\,[V] = \tfrac1n X^\top \big(S \odot D - S \odot ((S\odot D)\mathbf 1)\mathbf 1^\top\big) + \alpha V,"
        r"\qquad D = X V",
        r"\text{GD: } \theta_{k+1} = \theta_k - t\,\nabla f(\theta_k),\; t < 2/L \qquad"
        r"\text{Newton-CG: } \nabla^2 f\, p \approx -\nabla f,\; \theta_{k+1} = \theta_k + t_k p",
    ],
    "Ruthotto and Haber, Numerical Methods for Deep Learning, Module 3; Bishop (2006), Pattern Recognition and "
    "Machine Learning, Sec. 4.3.4; Nocedal and Wright (2006), Numerical Optimization, Ch. 3 and 7; "
    "Olah (2015), Visual Information Theory.",
)
section = pp.controls([SECTION])["section"]


# ---------------------------------------------------------------- data and the reference optimum
@st.cache_data(max_entries=1, show_spinner=False)
def _digits():
    return load_digits()


@st.cache_data(max_entries=48, show_spinner=False)
def _problem(data: str, feats: str, n: int, noise: float, seed: int, n_train: int, alpha: float) -> dict:
    """Data, features, test split and the reference optimum (Newton-CG to a tight tolerance)."""
    if data == "digits":
        X, y = _digits()
        perm = np.random.default_rng(seed).permutation(y.size)
        tr, te = perm[:n_train], perm[n_train:]
        out = dict(X=None, y=y[tr], F=X[tr], Xte=X[te], yte=y[te], C=10)
    else:
        X, y = make_dataset(data, n, noise, seed)
        out = dict(X=X, y=y, F=features(X, feats), Xte=None, yte=None, C=n_classes_of(data))
    obj = softmax_regression(out["F"], out["y"], out["C"], alpha)
    last = None
    for last in newton_cg(obj, np.zeros(obj.n_params), cg_tol=1e-4, cg_maxiter=100, maxiter=100):
        pass
    out.update(theta_star=last.x, f_star=last.loss, g_star=last.grad_norm, L=obj.lipschitz_bound())
    return out


@st.cache_data(max_entries=48, show_spinner=False)
def _sklearn(data: str, feats: str, n: int, noise: float, seed: int, n_train: int, alpha: float) -> dict:
    pr = _problem(data, feats, n, noise, seed, n_train, alpha)
    obj = softmax_regression(pr["F"], pr["y"], pr["C"], alpha)
    t0 = time.perf_counter()
    th = sklearn_reference(obj)
    ms = 1e3 * (time.perf_counter() - t0)
    W_ours, _ = obj.unpack(pr["theta_star"])
    W_sk, _ = obj.unpack(th)
    return dict(ms=ms, f_sk=obj.loss(th), f_ours=pr["f_star"],
                w_rel=float(np.linalg.norm(W_ours - W_sk) / max(np.linalg.norm(W_sk), 1e-300)),
                agree=float(np.mean(obj.predict(th) == obj.predict(pr["theta_star"]))))


def _apply_train(settings: dict) -> None:
    """Try-this settings for the training section (scoped widget keys, also for controls not shown now)."""
    for name, value in settings.items():
        st.session_state[pp.wkey(name, "" if name == "speed" else "train")] = value


def _fmt(v: float) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{v:.3e}"


# ---------------------------------------------------------------- GD vs Newton-CG
def train_section() -> None:
    st.subheader("Gradient descent vs Newton-CG on softmax regression")
    data = pp.controls([P_DATA], scope="train")["data"]
    two_d = data != "digits"
    st.markdown("**Data and model**")
    p = dict(data=data)
    p.update(pp.controls([P_FEATURES, P_N, P_NOISE, P_ALPHA, SEED] if two_d else [P_NTRAIN, P_ALPHA, SEED],
                         columns=5 if two_d else 3, scope="train"))
    st.markdown("**Optimizers**")
    p.update(pp.controls(OPT, columns=5, scope="train"))
    feats = p.get("features", "linear")
    key = (data, feats, p.get("n", 0), p.get("noise", 0.0), p["seed"], p.get("n_train", 0), p["alpha"])
    pr = _problem(*key)
    X, y, F, C = pr["X"], pr["y"], pr["F"], pr["C"]
    obj = softmax_regression(F, y, C, p["alpha"])
    L, t, alpha = pr["L"], p["step"], p["alpha"]
    armijo = p["gd"] == "armijo"
    f_star = pr["f_star"]

    c1, c2 = st.columns([4, 1], vertical_alignment="center")
    c1.caption(f"{obj.n_samples} samples, {obj.n_features} features, {C} classes: {obj.n_params} unknowns. "
               f"Curvature bound L = ‖[X 1]‖²/(2n) + α = **{L:.3g}**, so fixed steps t < 2/L = **{2 / L:.3g}** are "
               f"safe. Optimum (reference Newton-CG, ‖∇f‖ = {pr['g_star']:.1e}): f* = **{pr['f_star']:.6g}**.")
    c2.button("t ← 1/L", key="lc.set_step", on_click=_apply_train,
              args=({"step": OPT[1].clamp(1.0 / L)},), help=f"Set the GD step to the option nearest to 1/L = {1 / L:.3g}.")

    theta0 = np.zeros(obj.n_params)

    def start(x0s):
        gd = lambda x: gradient_descent(obj, x, step=t, line_search=armijo)  # noqa: E731
        if x0s is None:
            return {GD: gd(theta0), NCG: newton_cg(obj, theta0, cg_maxiter=p["cg_maxiter"], cg_tol=p["cg_tol"])}
        return {GD: gd(x0s[GD])}  # the step only concerns GD: Newton-CG continues undisturbed

    def metrics(name, step):
        m = {"accuracy": obj.accuracy(step.x), "hess_vecs": float(step.info.get("hess_vecs", 0))}
        if pr["Xte"] is not None:
            m["test_accuracy"] = obj.accuracy(step.x, pr["Xte"], pr["yte"])
        return m

    shown = {"both": (GD, NCG), "gd": (GD,), "ncg": (NCG,)}[p["show"]]

    def large_step_note(run: Run) -> None:
        s = run.series[GD]
        if armijo or t <= 2 / L or s.status == "diverged":
            return
        loss = np.asarray(s.history["loss"][-60:])
        ups = int(np.sum(np.diff(loss) > 0)) if loss.size > 1 else 0
        grows = (f"t·α = {t * alpha:.3g} > 2, so the weights will grow geometrically"
                 if t * alpha > 2 else f"it would only blow up once t·α > 2 (t > {2 / alpha:.4g})")
        if ups:
            st.warning(f"Step t = {t:g} > 2/L = {2 / L:.3g}: the loss went **up** in {ups} of the last "
                       f"{loss.size - 1} iterations: gradient descent overshoots and oscillates. The cross-entropy "
                       f"grows only linearly in W (its gradient is bounded), so the loss does not explode as on a "
                       f"quadratic; {grows}.")
        else:
            st.info(f"Step t = {t:g} > 2/L = {2 / L:.3g}, yet the loss still decreases: L bounds the curvature "
                    f"everywhere, the curvature along this path is smaller. No guarantee, though.")

    def stats(run: Run) -> None:
        rows = []
        for name, s in run.series.items():
            x, info = s.last.x, s.last.info
            row = {"optimizer": name, "iteration": s.iteration, "loss": f"{s.last.loss:.6g}",
                   "loss − f*": _fmt(max(s.last.loss - f_star, 0.0)), "‖∇f‖": _fmt(s.last.grad_norm),
                   "train acc.": f"{100 * obj.accuracy(x):.1f}%"}
            if pr["Xte"] is not None:
                row["test acc."] = f"{100 * obj.accuracy(x, pr['Xte'], pr['yte']):.1f}%"
            row["last step t"] = f"{info.get('step', 0.0):.3g}"
            row["CG its (last)"] = str(info.get("cg_iterations", 0)) if name == NCG else "—"
            row["H·v products"] = str(info.get("hess_vecs", 0)) if name == NCG else "—"
            rows.append(row)
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

    def draw(run: Run) -> None:
        div = {n: s.iteration for n, s in run.series.items() if s.status == "diverged"}
        ser = run.series
        conv = convergence_figure(
            {n: (s.history["iteration"], np.asarray(s.history["loss"]) - f_star) for n, s in ser.items()},
            right={n: (s.history["iteration"], s.history["grad_norm"]) for n, s in ser.items()},
            y_title="loss − f*", diverged=div, events=run.events, title="Convergence (log scale)")
        if two_d:
            grid = 60 if len(shown) == 2 else 80
            cols = st.columns(len(shown))
            for name, col in zip(shown, cols):
                s = run.series[name]
                x = s.last.x
                gx, gy, lab = decision_map(lambda P: obj.predict(x, features(P, feats)), X, n=grid)
                acc = 100 * obj.accuracy(x)
                show(decision_map_figure(gx, gy, lab, X, y, n_classes=C, y_pred=obj.predict(x),
                                         title=f"{name}: iteration {s.iteration}, accuracy {acc:.1f}%",
                                         height=380 if len(shown) == 2 else 440),
                     f"lc.map.{name}", col)
            show(conv, "lc.conv")
        else:
            ws = {f"{n} (it. {run.series[n].iteration})": obj.unpack(run.series[n].last.x)[0] for n in shown}
            show(weight_mosaic_figure(ws, class_names=DIGIT_TITLES,
                                      title="Weight images w_c (8x8), one per digit (red > 0 > blue)"),
                 "lc.weights")
            c_left, c_right = st.columns([3, 2])
            show(conv, "lc.conv", c_left)
            s = run.series[shown[-1]]
            pred = obj.predict(s.last.x, pr["Xte"])
            show(confusion_figure(pr["yte"], pred, 10, height=380,
                                  title=f"{shown[-1]}: test set, accuracy {100 * np.mean(pred == pr['yte']):.1f}%"),
                 "lc.confusion", c_right)
        stats(run)
        large_step_note(run)

    def hint(run: Run) -> str:
        if t * alpha > 2:
            return (f"the step t = {t:g} > 2/L = {2 / L:.3g}, and even t·α = {t * alpha:.3g} > 2: the Tikhonov term "
                    f"(α/2)‖W‖² is a quadratic with curvature α, and each step multiplies W by (1 − tα) = "
                    f"{1 - t * alpha:.3g}, so ‖W‖ and the loss grow geometrically. (The cross-entropy alone cannot "
                    f"blow up: its gradient is bounded.) Lower the step, e.g. to 1/L = {1 / L:.3g}: the run restarts.")
        return (f"the step t = {t:g} > 2/L = {2 / L:.3g} (L = {L:.3g} bounds the Hessian). "
                f"Lower the step, e.g. to 1/L = {1 / L:.3g}: the run restarts.")

    structure = {k: v for k, v in p.items() if k not in ("step", "show")}
    run = live_run("lc.run", pp, start, draw, structure=structure, tunables={"step": t}, metrics=metrics,
                   diverged_hint=hint, max_iter=20_000, default_speed=2)

    # ---------------------------------------------------------------- checks
    st.subheader("Checks")
    name = NCG if (p["show"] == "ncg" or run.series[GD].status == "diverged") else GD
    s = run.series[name]
    x = s.last.x
    st.markdown(f"**Taylor test** of the softmax objective at the current {name} iterate (iteration {s.iteration}; "
                "it follows the run when paused), along a random direction v, with the exact Hessian-vector product:")
    if np.all(np.isfinite(x)):
        res = derivative_check(obj.value_and_grad, x, hess_vec=obj.hess_vec, seed=p["seed"], n=12)
        taylor_panel(res, key="lc.taylor", what="gradient and Hessian")
        if s.last.grad_norm < 1e-6:
            st.caption("This iterate is (nearly) a minimizer, ∇f ≈ 0: E0 itself then decays like h² and coincides "
                       "with E1. Show GD, or test before convergence, to see E0 = O(h).")

    c_over, c_inv, c_sk = st.columns(3)
    with c_over:
        st.markdown("**No overflow at max |Wᵢⱼ| = 10⁴**")
        W, b = obj.unpack(x if np.all(np.isfinite(x)) else theta0)
        if not np.any(W):
            W = np.sign(np.random.default_rng(p["seed"]).standard_normal(W.shape))
        th_big = obj.pack(W * (1e4 / np.abs(W).max()), b)
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                f_big, g_big = obj.value_and_grad(th_big)
            ok = bool(np.isfinite(f_big) and np.all(np.isfinite(g_big)))
        except FloatingPointError as err:
            ok, f_big = False, str(err)
        Wb, bb = obj.unpack(th_big)
        Z = F @ Wb + bb
        with np.errstate(all="ignore"):
            naive = float(np.mean(np.log(np.sum(np.exp(Z), axis=1)) - Z[np.arange(y.size), y]))
        if ok:
            st.success(f"✔ W scaled to max |Wᵢⱼ| = 10⁴ (largest logit {np.abs(Z).max():.2g}): the loss is "
                       f"**{f_big:.6g}**, gradient finite, no floating-point warning.")
        else:
            st.error(f"✘ The loss overflowed at max |Wᵢⱼ| = 10⁴: {f_big}")
        st.caption(f"Without the max-shift, log Σⱼ exp(zⱼ) gives **{naive}** here: exp overflows beyond z ≈ 709.")
    with c_inv:
        st.markdown("**Invariance: shifting every bias**")
        shift = np.zeros(obj.n_params)
        shift[-C:] = 5.0
        f0, g0 = obj.value_and_grad(x if np.all(np.isfinite(x)) else theta0)
        f1, g1 = obj.value_and_grad((x if np.all(np.isfinite(x)) else theta0) + shift)
        d = abs(f1 - f0) / max(abs(f0), 1e-300)
        if d < 1e-12:
            st.success(f"✔ b → b + 5·1 changes f by {d:.1e} (relative) and ∇f by {np.abs(g1 - g0).max():.1e}: "
                       "softmax(z + c) = softmax(z).")
        else:
            st.error(f"✘ Shifting the biases changed f by {d:.1e} (relative).")
        st.caption("So the Hessian is only semidefinite: the direction (0, 1) is in its null space. Gradients are "
                   "orthogonal to it, so neither optimizer moves along it.")
    with c_sk:
        st.markdown("**Reference: scikit-learn**")
        done = st.session_state.setdefault("lc.sk_done", set())
        if key in done:
            r = _sklearn(*key)
            rel = abs(r["f_ours"] - r["f_sk"]) / max(abs(r["f_sk"]), 1e-300)
            good = rel < 1e-6
            (st.success if good else st.warning)(
                f"{'✔' if good else '≈'} LogisticRegression(C = {'2' if C == 2 else '1'}/(αn)) reaches "
                f"f = **{r['f_sk']:.10g}**; our Newton-CG optimum f* = **{r['f_ours']:.10g}** "
                f"(relative gap {rel:.1e}). ‖W − W_sk‖/‖W_sk‖ = {r['w_rel']:.1e}; same predictions on "
                f"{100 * r['agree']:.1f}% of the samples.")
            st.caption(f"scikit-learn (lbfgs, tol 1e-10) took {r['ms']:.0f} ms."
                       + (" With two classes it fits one vector w = W₁ − W₀, hence C = 2/(αn)." if C == 2 else ""))
        else:
            st.caption("An independent solver for the same objective (C = 1/(αn), or 2/(αn) for two classes). "
                       "It can take up to a second, so it runs on request.")
            st.button("Compare with scikit-learn", key="lc.sk", on_click=lambda: done.add(key))

    try_this([
        Experiment("Linear vs quadratic convergence",
                   "On blobs with a fixed step t = 1 (just under 2/L), press Play. How many iterations does each "
                   "method need to bring ‖∇f‖ below 10⁻⁶?",
                   "Newton-CG: 7 iterations (converged at 8), and the loss gap plunges ever faster: the number of "
                   "correct digits roughly doubles per step. GD is a straight line on the log scale (linear "
                   "convergence): after 8 iterations its gradient is still about 0.1, and it needs about 740 "
                   "iterations to reach 10⁻⁶. Newton-CG used 27 Hessian-vector products in total: it wins by far.",
                   {"data": "blobs", "features": "linear", "alpha": 1e-3, "gd": "fixed", "step": 1.0,
                    "cg_tol": 0.1, "cg_maxiter": 20, "speed": 5}),
        Experiment("A linear classifier cannot draw an ellipse",
                   "On the ellipses, compare the accuracy with linear and with quadratic features.",
                   "Linear features: about 55%, the best any straight line can do (it mostly predicts one class). "
                   "Quadratic features [x₁, x₂, x₁², x₁x₂, x₂²]: above 95%, the boundary is now an ellipse. "
                   "The model is still linear in its parameters, so the problem stays convex.",
                   {"data": "ellipses", "features": "quadratic", "noise": 0.05, "alpha": 1e-4, "speed": 5}),
        Experiment("Too large a step",
                   "Set α = 0.01 and a fixed step t = 1000 (2/L ≈ 1), then Play. Afterwards try t = 50.",
                   "t = 1000: t·α = 10 > 2, the regularization term multiplies W by (1 − tα) = −9 per step, and the "
                   "run diverges within a few iterations. t = 50 > 2/L: the loss jumps up and oscillates but stays "
                   "bounded, because the cross-entropy's gradient is bounded, so GD never converges and never blows "
                   "up. Newton-CG with its line search is unaffected.",
                   {"data": "blobs", "features": "linear", "alpha": 1e-2, "gd": "fixed", "step": 1000.0, "speed": 2}),
    ], _apply_train, key="lc.try")
    self_check("Newton-CG with max CG iterations = 1 behaves like…",
               ["Newton's method", "gradient descent with a curvature-based step length", "it diverges"], 1,
               "One CG iteration from p = 0 returns p = −(gᵀg / gᵀHg)·g: the steepest-descent direction with the "
               "step that minimizes the quadratic model. The rate becomes linear; set it to 1 and compare.",
               key="lc.quiz")
    if two_d:
        load = f'X, y = make_dataset({data!r}, n_samples={p["n"]}, noise={p["noise"]}, seed={p["seed"]})\n' \
               f'F = features(X, {feats!r})'
        imports = "from numdl_core.classify import features, softmax_regression\nfrom numdl_core.data import make_dataset"
    else:
        load = (f'X, y = load_digits()\nperm = np.random.default_rng({p["seed"]}).permutation(y.size)\n'
                f'F, y = X[perm[:{p["n_train"]}]], y[perm[:{p["n_train"]}]]')
        imports = "from numdl_core.classify import softmax_regression\nfrom numdl_core.data import load_digits"
    code_panel(f"""import itertools
import numpy as np
{imports}
from numdl_core.optim import gradient_descent, newton_cg

{load}
obj = softmax_regression(F, y, n_classes={C}, alpha={alpha})
print("2/L =", 2 / obj.lipschitz_bound())   # fixed GD steps below this are safe
theta0 = np.zeros(obj.n_params)
gd = list(itertools.islice(gradient_descent(obj, theta0, step={t}, line_search={armijo}), 500))
ncg = list(newton_cg(obj, theta0, cg_maxiter={p['cg_maxiter']}, cg_tol={p['cg_tol']}))
print(len(ncg) - 1, ncg[-1].grad_norm, obj.accuracy(ncg[-1].x))
print(gd[-1].grad_norm, obj.accuracy(gd[-1].x))""")


# ---------------------------------------------------------------- squared loss vs cross-entropy
@st.cache_data(max_entries=32, show_spinner=False)
def _landscape(data: str, noise: float, w_max: float, seed: int):
    X, y = make_dataset(data, 200, noise, seed)
    w = np.linspace(-w_max, w_max, 61)
    return w, loss_landscape(X, y, w, w, "squared"), loss_landscape(X, y, w, w, "cross_entropy")


def _min_second_difference(F: np.ndarray) -> float:
    """Smallest second difference along rows, columns and diagonals (>= 0 on a grid sample of a convex function)."""
    return float(min((F[:, 2:] - 2 * F[:, 1:-1] + F[:, :-2]).min(), (F[2:] - 2 * F[1:-1] + F[:-2]).min(),
                     (F[2:, 2:] - 2 * F[1:-1, 1:-1] + F[:-2, :-2]).min()))


def losses_section() -> None:
    st.subheader("Why cross-entropy and not the squared error?")
    st.markdown("One neuron σ(w₁x₁ + w₂x₂) with two classes y ∈ {0, 1}, and its loss over the plane of weights. "
                r"Squared error: $\frac1{2n}\sum_i(\sigma(z_i) - y_i)^2$; cross-entropy: "
                r"$\frac1n\sum_i -y_i\log\sigma(z_i) - (1 - y_i)\log(1 - \sigma(z_i))$.")
    p = pp.controls(LOSSES, columns=4, scope="losses")
    w, sq, ce = _landscape(p["data"], p["noise"], p["w_max"], p["seed"])
    show(loss_contours_figure(w, w, sq, ce), "lc.contours")
    d_sq, d_ce = _min_second_difference(sq), _min_second_difference(ce)
    c1, c2 = st.columns(2)
    c1.metric("smallest second difference, squared loss", f"{d_sq:.2e}",
              help="Negative: the loss bends down somewhere, so it is not convex.")
    c2.metric("smallest second difference, cross-entropy", f"{d_ce:.2e}",
              help="Non-negative on every grid line and diagonal, as a convex function must be.")
    verdict = ("the squared loss is **not convex** (a negative second difference) while the cross-entropy's are all "
               "≥ 0 (up to round-off), as convexity requires" if d_sq < 0 <= d_ce + 1e-12 else
               "on this window both look convex: widen it to reach the saturated plateaus")
    st.markdown(f"Checked on the 61×61 grid: {verdict}. Where σ saturates, the squared loss is flat: its gradient "
                "vanishes and gradient descent stalls on the plateau. The cross-entropy keeps growing linearly "
                "for wrong confident predictions, so its gradient keeps pointing home.")
    try_this([
        Experiment("Plateaus", "Widen the window to |w| ≤ 40. What does the squared loss look like far from the "
                   "origin?", "Large flat regions at values near 0 or 1/2 (saturated sigmoids) separated by "
                   "cliffs: no gradient to follow. The cross-entropy is a smooth bowl opening linearly.",
                   {"w_max": 40.0}),
        Experiment("Harder data", "Switch to the moons with noise 0.1. Is the cross-entropy still convex?",
                   "Yes: convexity is a property of the loss of a linear model, not of the data. Its minimum is "
                   "just higher. The squared loss still shows negative curvature.", {"data": "moons", "noise": 0.1}),
    ], pp.apply, key="lc.losses.try")
    code_panel(f"""import numpy as np
from numdl_core.classify import loss_landscape
from numdl_core.data import make_dataset

X, y = make_dataset({p['data']!r}, 200, noise={p['noise']}, seed={p['seed']})
w = np.linspace(-{p['w_max']}, {p['w_max']}, 61)
sq = loss_landscape(X, y, w, w, "squared")        # sq[j, i] at (w[i], w[j])
ce = loss_landscape(X, y, w, w, "cross_entropy")""")


# ---------------------------------------------------------------- coding example
def coding_section() -> None:
    st.subheader("Cross-entropy is the length of a code")
    ex = coding_example()
    st.markdown(f"A source sends the symbols {', '.join(ex.symbols)} with probabilities p = (1/2, 1/4, 1/8, 1/8). "
                "A prefix code gives symbol i a codeword of length ℓᵢ; the ideal code for a distribution q has "
                "ℓᵢ = −log₂ qᵢ, so its average length is the cross-entropy H(p, q) = −Σ pᵢ log₂ qᵢ ≥ H(p).")
    words = {name: c[1] for name, c in ex.codes.items()}
    c1, c2 = st.columns([3, 2])
    show(coding_figure(ex.bits, entropy=entropy_bits(ex.p), codewords=words, title="Average bits per symbol"),
         "lc.coding", c1)
    table = {"symbol": list(ex.symbols), "p": [f"{v:g}" for v in ex.p]}
    for name, (q, ws, _) in ex.codes.items():
        table[name] = list(ws)
    c2.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
    c2.caption("Codewords of each code; a codeword of length ℓ is ideal for the probability q = 2^(−ℓ).")
    c2.markdown(f"optimal: **{ex.bits['optimal']:g}** bits = H(p); uniform: **{ex.bits['uniform']:g}**; "
                f"mismatched (another source's code): **{ex.bits['mismatched']:g}** = H(p) + KL(p‖q).")

    st.markdown("**Design your own code**: pick codeword lengths.")
    p = pp.controls(CODE, columns=4, scope="coding")
    lengths = np.array([p[f"len_{s.lower()}"] for s in "abcd"], dtype=float)
    kraft = float(np.sum(2.0 ** -lengths))
    avg = float(ex.p @ lengths)
    if kraft > 1:
        st.warning(f"Kraft sum Σ 2^(−ℓᵢ) = {kraft:g} > 1: no prefix code has these lengths (some codeword would "
                   f"be the beginning of another). Lengthen a codeword.")
    else:
        q = 2.0 ** -lengths / kraft
        st.success(f"Kraft sum Σ 2^(−ℓᵢ) = {kraft:g} ≤ 1: a prefix code exists. Average length Σ pᵢℓᵢ = "
                   f"**{avg:g} bits** ≥ H(p) = {entropy_bits(ex.p):g}"
                   + (f"; these are the ideal lengths of q = ({', '.join(f'{v:g}' for v in q)}), and "
                      f"H(p, q) = {cross_entropy_bits(ex.p, q):g} bits." if kraft == 1 else
                      "; the code wastes codewords (Kraft sum < 1)."))
    st.caption("A classifier trained with cross-entropy minimizes the average number of bits (times ln 2: nats) "
               "needed to send the true labels with the code its predicted probabilities define.")
    try_this([
        Experiment("The mismatched code", "Set the lengths to (2, 3, 1, 3). How many bits per symbol?",
                   "2.25 bits: the frequent A costs 2 bits, the rare C only 1. The 0.5 extra bits are KL(p‖q).",
                   {"len_a": 2, "len_b": 3, "len_c": 1, "len_d": 3}),
        Experiment("Shorter than possible", "Try (1, 1, 2, 2). Why is it rejected?",
                   "Kraft sum 1/2 + 1/2 + 1/4 + 1/4 = 1.5 > 1: two one-bit codewords use up 0 and 1, nothing "
                   "is left for C and D. No code beats the entropy 1.75 bits on average.",
                   {"len_a": 1, "len_b": 1, "len_c": 2, "len_d": 2}),
    ], pp.apply, key="lc.coding.try")
    code_panel("""from numdl_core.classify import coding_example, cross_entropy_bits, entropy_bits

ex = coding_example()
print(ex.bits)                  # {'optimal': 1.75, 'uniform': 2.0, 'mismatched': 2.25}
print(entropy_bits(ex.p), cross_entropy_bits(ex.p, ex.codes["mismatched"][0]))""")


{"train": train_section, "losses": losses_section, "coding": coding_section}[section]()
pp.sync_url()

"""Linear classification: softmax regression by gradient descent and Newton-CG, binary logistic regression, sparse
weights by soft-thresholding, convex losses, code lengths."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.exports.classify import SCRIPTS
from app.figures.classify import coding_figure, confusion_figure, loss_contours_figure, weight_mosaic_figure
from app.figures.common import convergence_figure, decision_map_figure
from app.lesson import Lesson, Solver
from app.lessons.linear_classification import (CODE, EXPERIMENTS, FORMATS, GD, LOSSES, MODEL, NCG, OPT, TABLE,
                                               TOUR, logistic, own_problem_and_optimum, train_compare)
from app.lessons.linear_classification_exercises import EXERCISES
from app.lessons.linear_classification_sparse import sparse
from app.live import Run
from app.owndata import own_data
from app.panels import live_table, self_check, show
from numdl_core.checks import derivative_check
from numdl_core.classify import coding_example, entropy_asymmetry, entropy_bits, prefix_code
from numdl_core.classify_problems import (
    classification_problem, convergence_rate, iterate_report, loss_increases, reference_optimum, step_regime)
from numdl_core.loss_convexity import compare_losses
from numdl_core.softmax_checks import (identity_weights_check, overflow_check, permutation_invariance,
                                      replication_invariance, shift_invariance, sklearn_comparison)

SECTIONS = {"train": "GD vs Newton-CG (live)", "logistic": "Binary logistic regression (live)",
            "sparse": "Sparse weights: L1 (live)", "losses": "Squared loss vs cross-entropy",
            "coding": "Cross-entropy as code length"}

lesson = Lesson("lc", "Linear classification", presets=EXPERIMENTS, slides="03-NumDNN-LinearClassification.tex",
                exercises=EXERCISES, tour=TOUR)
lesson.theory(
    "A linear classifier scores each class by zᵢ = xᵢW + b and turns the scores into probabilities with the softmax. "
    "Training minimizes the mean cross-entropy, −log of the probability of the true class, plus a Tikhonov term. "
    "Subtracting the row maximum before exp() (the *max-shift*) changes nothing and rules out overflow. The objective "
    "is convex: no bad local minima. Gradient descent converges linearly, with fixed steps safe below 2/L. Newton-CG "
    "solves H p = −∇f by CG (Hessian-vector products only) to the relative residual η_k = min(cg_tol, √‖∇f‖), so "
    "Newton-CG converges superlinearly near the optimum (quadratically only with exact solves). With two classes the "
    "softmax of the scores (z, 0) is the sigmoid σ(z) of one score: binary logistic regression. An L1 penalty α‖W‖₁ "
    "in place of the Tikhonov term makes many weights exactly zero; proximal gradient (ISTA) handles its kink at 0 by "
    "soft-thresholding.",
    [r"f(W, b) = \frac1n \sum_{i=1}^n \Big(\log \sum_j e^{z_{ij} - m_i} - (z_{i y_i} - m_i)\Big)"
     r" + \frac{\alpha}{2}\|W\|_F^2, \qquad z_i = x_i W + b,\; m_i = \max_j z_{ij}",
     r"\nabla_W f = \tfrac1n X^\top (S - Y) + \alpha W, \qquad \nabla_b f = \tfrac1n (S - Y)^\top \mathbf 1,"
     r"\qquad S = \mathrm{softmax}(Z)",
     r"\nabla^2 f\,[V] = \tfrac1n X^\top \big(S \odot D - S \odot ((S\odot D)\mathbf 1)\mathbf 1^\top\big) + \alpha V,"
     r"\qquad D = X V",
     r"\text{GD: } \theta_{k+1} = \theta_k - t\,\nabla f(\theta_k),\; t < 2/L \qquad"
     r"\text{Newton-CG: } \nabla^2 f\, p \approx -\nabla f,\; \theta_{k+1} = \theta_k + t_k p"],
    "Ruthotto and Haber, Numerical Methods for Deep Learning, Module 3; Bishop (2006), PRML, Sec. 4.3.4; Nocedal and "
    "Wright (2006), Numerical Optimization, Ch. 3 and 7; Beck and Teboulle (2009), SIAM J. Imaging Sci. 2 (ISTA); "
    "Olah (2015), Visual Information Theory.")
section = lesson.sections(SECTIONS)
compare = st.cache_data(max_entries=32, show_spinner=False)(compare_losses)


@st.cache_data(max_entries=48, show_spinner=False)
def problem_and_optimum(**problem):
    return (pr := classification_problem(**problem)), reference_optimum(pr.obj)  # f* by Newton-CG, tight tolerance


def train() -> Run:
    st.subheader("Gradient descent vs Newton-CG on softmax regression")
    st.markdown("**Data and model**")
    two_d = lesson.controls(MODEL[:1])["data"] != "digits"
    lesson.controls(MODEL[1:], widths=(1.5, 1, 1, 1, 1.1, 1),
                    disabled=("n_train",) if two_d else ("features", "n", "noise"))
    st.markdown("**Optimizers**")
    p = lesson.controls(OPT, widths=(1.2, 1.1, 1, 1.1, 1.45, 1.3)) | lesson.params
    pr, opt = problem_and_optimum(**{q.name: p[q.name] for q in MODEL})
    X, y, source = own_data("lc.train", pr.X, pr.y, classes=5) if two_d else (None, None, "page")
    if source != "page":
        pr, opt = own_problem_and_optimum(X, y, p["features"], p["alpha"])
    obj, f_star, regime = pr.obj, opt.loss, step_regime(pr.obj, p["step"])
    L, shown = regime.L, {"both": (GD, NCG), "gd": (GD,), "ncg": (NCG,)}[p["show"]]
    c1, c2 = st.columns([4, 1], vertical_alignment="center")
    c1.caption(f"{obj.n_samples} samples, {obj.n_features} features, {pr.n_classes} classes: {obj.n_params} unknowns. "
               f"Curvature bound L = ‖[X 1]‖²/(2n) + α = **{L:.3g}**, so fixed steps t < 2/L = **{2 / L:.3g}** are "
               f"safe. Optimum (reference Newton-CG, ‖∇f‖ = {opt.grad_norm:.1e}): f* = **{f_star:.6g}**.")
    c2.button("t ← 1/L", key="lc.set_step", help=f"Set the GD step to the option nearest to 1/L = {1 / L:.3g}.",
              on_click=lesson.pp.apply, args=({"step": OPT[1].clamp(1.0 / L)}, "train"))

    def draw(run: Run) -> None:
        ser, axis = run.series, p["axis"]  # iterations, or work in data passes
        conv = convergence_figure(
            {n: (s.history[axis], np.asarray(s.history["loss"]) - f_star) for n, s in ser.items()}, x=axis,
            right={n: (s.history[axis], s.history["grad_norm"]) for n, s in ser.items()}, y_title="loss − f*",
            diverged={n: True for n, s in ser.items() if s.status == "diverged"},
            events=run.events if axis == "iteration" else (), title="Convergence (log scale)")
        if two_d:
            k = -(-pr.y.size // 150) if run.running else 1  # playing: every k-th point (at most 150 per map on the wire)
            for name, col in zip(shown, st.columns(len(shown))):
                x, acc = ser[name].last.x, 100 * obj.accuracy(ser[name].last.x)
                show(decision_map_figure(*pr.decision_map(x), pr.X[::k], pr.y[::k], n_classes=pr.n_classes,
                                         y_pred=obj.predict(x)[::k], image=True,
                                         title=f"{name}: iteration {ser[name].iteration}, accuracy {acc:.1f}%",
                                         height=380 if len(shown) == 2 else 440), f"lc.map.{name}", col)
            show(conv, "lc.conv")
        else:
            show(weight_mosaic_figure({f"{n} (it. {ser[n].iteration})": obj.unpack(ser[n].last.x)[0] for n in shown},
                                      class_names=[str(k) for k in range(10)],
                                      title="Weight images w_c (8x8), one per digit (red > 0 > blue)",
                                      hover=not run.running), "lc.weights")
            c_left, c_right = st.columns([3, 2])
            show(conv, "lc.conv", c_left)
            pred = obj.predict(ser[shown[-1]].last.x, pr.X_test)
            show(confusion_figure(pr.y_test, pred, 10, height=380, title=f"{shown[-1]}: test set, accuracy "
                                  f"{100 * np.mean(pred == pr.y_test):.1f}%"), "lc.confusion", c_right)
        table = pd.DataFrame([{"optimizer": n, "iteration": s.iteration, **iterate_report(pr, s.last, f_star)}
                              for n, s in ser.items()]).drop(columns=[] if pr.X_test is not None else "test accuracy")
        live_table(table, column_config=TABLE, formats=FORMATS)  # playing: markdown, a few hundred bytes per frame
        if not (p["line_search"] or regime.kind == "safe" or ser[GD].status == "diverged"):
            ups, changes = loss_increases(ser[GD].history["loss"])
            (st.warning if ups else st.info)(f"Step {regime.message} " + (
                f"Here the loss went **up** in {ups} of the last {changes} iterations: gradient descent overshoots "
                "and oscillates." if ups else "Yet here the loss still decreases: L bounds the curvature everywhere, "
                "the curvature along this path is smaller. No guarantee, though."))

    theta0 = np.zeros(obj.n_params)
    run = lesson.live("run", {GD: Solver("gradient_descent", obj, theta0), NCG: Solver("newton_cg", obj, theta0)},
                      draw, depends={"own_data": source}, max_iter=20_000, default_speed=2,
                      diverged_hint=f"the step {regime.message} Lower the "
                      f"step, e.g. to 1/L = {1 / L:.3g}: the run restarts.", metrics=lambda name, s: {
                          "accuracy": obj.accuracy(s.x), "test_accuracy": pr.test_accuracy(s.x),
                          "work": s.info["work"]})
    train_compare(lesson, obj, f_star, source)

    rates = {n: convergence_rate(q.history["grad_norm"], q.history["iteration"]) for n, q in run.series.items()}
    exact = {f"{n}: last {k}": v for n, r in rates.items() if run.series[n].stride == 1  # all iterations kept: the
             for k, v in (("‖∇f‖ ratio", r.last_ratio), ("order", r.last_order))}  # exported script measures the same
    st.caption("**Measured rate**, ‖∇f_{k+1}‖/‖∇f_k‖ over the last 3 iterations (→ 0: superlinear; constant: linear): "
               + "; ".join(f"{n}: {', '.join(f'{v:.2g}' for v in r.ratios)}" for n, r in rates.items()) + ".")
    st.subheader("Checks")
    s = run.series[name := NCG if p["show"] == "ncg" or run.series[GD].status == "diverged" else GD]
    st.markdown(f"**Taylor test** of the softmax objective at the current {name} iterate (iteration {s.iteration}; it "
                "follows the run when paused), along a random direction v, with the exact Hessian-vector product." + (
                    " This iterate is (nearly) a minimizer, ∇f ≈ 0: E0 itself then decays like h² and coincides with "
                    "E1. Show GD, or test before convergence, to see E0 = O(h)." if s.last.grad_norm < 1e-6 else ""))
    res = derivative_check(obj.value_and_grad, s.last.x, hess_vec=obj.hess_vec, seed=p["seed"], n=12)
    lesson.check(res, what="gradient and Hessian")
    two = pr.n_classes == 2
    c_over, c_inv, c_sk = st.columns(3)
    with c_over:
        ov = overflow_check(obj, s.last.x)
        st.markdown(f"**No overflow at max |Wᵢⱼ| = 10⁴** with the max-shift, no floating-point warning. Without it, "
                    f"log Σⱼ exp(zⱼ) gives **{ov.naive_loss}** here: exp overflows beyond z ≈ 709 (and underflows to "
                    "log 0 below −745).")
        lesson.check(ov, key="lc.overflow")
    with c_inv:
        st.markdown("**Invariances.** Shifting every bias, softmax(z + c) = softmax(z): the Hessian is only "
                    "semidefinite, (0, 1) is in its null space. Permuting or replicating the examples leaves the mean "
                    "loss unchanged. One-hot features X = Y and W = a·I: f = log(1 + (C − 1)e^(−a)), 0 at a = 10⁴.")
        lesson.check(shift_invariance(obj, s.last.x), permutation_invariance(obj, s.last.x, seed=p["seed"]),
                     replication_invariance(obj, s.last.x), identity_weights_check(pr.n_classes), key="lc.shift")
    with c_sk:
        st.markdown("**Reference: scikit-learn**, an independent solver for the same objective (C = 1/(αn), or 2/(αn) "
                    "for two classes).")
        key, done = (*(p[q.name] for q in MODEL), source), st.session_state.setdefault("lc.sk_done", set())
        if key in done:
            lesson.check(r := sklearn_comparison(obj, opt.theta), key="lc.sklearn")
            st.caption(f"f* of our Newton-CG; ‖W − W_sk‖/‖W_sk‖ = {r.weight_rel_diff:.1e}; same predictions on "
                       f"{100 * r.same_predictions:.1f}% of the samples; scikit-learn (lbfgs, tol 1e-10) took "
                       f"{1e3 * r.seconds:.0f} ms." + " With two classes it fits one w = W₁ − W₀: C = 2/(αn)." * two)
        else:
            st.caption("It can take up to a second, so it runs on request.")
            st.button("Compare with scikit-learn", key="lc.sk", on_click=done.add, args=(key,))
    numbers = {"2/L": 2 / L, "f*": f_star, "E1 order": res.order, "E2 order": res.order2,
               "loss at max |W| = 1e4": ov.loss} | exact | {f"{n}: {k}": v for n, q in run.series.items()
                                                         for k, v in iterate_report(pr, q.last, f_star).items()}
    lesson.numbers({k: v for k, v in numbers.items() if np.isfinite(v)})
    return run


def losses() -> None:
    st.subheader("Why cross-entropy and not the squared error?")
    st.markdown("One neuron σ(w₁x₁ + w₂x₂) with two classes y ∈ {0, 1}, and its loss over the plane of weights. "
                r"Squared error: $\frac1{2n}\sum_i(\sigma(z_i) - y_i)^2$; cross-entropy: "
                r"$\frac1n\sum_i -y_i\log\sigma(z_i) - (1 - y_i)\log(1 - \sigma(z_i))$.")
    p = lesson.controls(LOSSES, columns=4)
    r = compare(p["data"], noise=p["noise"], w_max=p["w_max"], seed=p["seed"])
    show(loss_contours_figure(r.w, r.w, r.squared, r.cross_entropy), "lc.contours")
    lesson.numbers({"smallest second difference, squared loss": r.curvature_squared,
                    "smallest second difference, cross-entropy": r.curvature_cross_entropy}, show=True)
    st.markdown("On every row, column and diagonal of the 61×61 grid: " + ("the squared loss is **not convex** (a "
                "negative second difference: it bends down somewhere), the cross-entropy's are all ≥ 0 (up to "
                "round-off), as convexity requires" if r.squared_not_convex else "both look convex: widen the window "
                "to reach the saturated plateaus") + ". Where σ saturates, the squared loss is flat: its gradient "
                "vanishes and GD stalls on the plateau. The cross-entropy grows linearly for confident wrong "
                "predictions, so its gradient keeps pointing home.")


def coding() -> None:
    st.subheader("Cross-entropy is the length of a code")
    ex = coding_example()
    st.markdown(f"A source sends the symbols {', '.join(ex.symbols)} with probabilities p = (1/2, 1/4, 1/8, 1/8). "
                "A prefix code gives symbol i a codeword of length ℓᵢ; the ideal code for a distribution q has "
                "ℓᵢ = −log₂ qᵢ, so its average length is the cross-entropy H(p, q) = −Σ pᵢ log₂ qᵢ ≥ H(p).")
    c1, c2 = st.columns([3, 2])
    show(coding_figure(ex.bits, entropy=entropy_bits(ex.p), codewords={n: c[1] for n, c in ex.codes.items()},
                       title="Average bits per symbol"), "lc.coding", c1)
    c2.dataframe(pd.DataFrame({"symbol": list(ex.symbols), "p": [f"{v:g}" for v in ex.p],
                               **{n: list(c[1]) for n, c in ex.codes.items()}}), hide_index=True, width="stretch")
    b = ex.bits
    c2.markdown(f"A codeword of length ℓ is ideal for q = 2^(−ℓ). Optimal: **{b['optimal']:g}** bits = H(p); uniform: "
                f"**{b['uniform']:g}**; mismatched (another source's code): **{b['mismatched']:g}** = H(p) + KL(p‖q).")
    asym = entropy_asymmetry()
    st.markdown(f"**Cross-entropy is not symmetric.** Bob talks about {', '.join(asym.symbols)} with frequencies "
                f"(1/2, 1/4, 1/8, 1/8), Alice with (1/8, 1/2, 1/4, 1/8); both have entropy {asym.entropy_bob:g} bits. "
                f"Alice with Bob's code: H(Alice, Bob) = **{asym.alice_with_bobs_code:g} bits**; Bob with Alice's "
                f"code: H(Bob, Alice) = **{asym.bob_with_alices_code:g} bits**. It measures a mismatch, not a distance.")
    st.markdown("**Design your own code**: pick codeword lengths.")
    p = lesson.controls(CODE, columns=4)
    code = prefix_code(ex.p, [p[f"len_{s}"] for s in "abcd"])
    if not code.exists:
        st.warning(f"Kraft sum Σ 2^(−ℓᵢ) = {code.kraft_sum:g} > 1: no prefix code has these lengths (some codeword "
                   "would be the beginning of another). Lengthen a codeword.")
    else:
        ideal = (f"these are the ideal lengths of q = ({', '.join(f'{v:g}' for v in code.q)}), and H(p, q) = "
                 f"{code.cross_entropy:g} bits" if code.complete else "the code wastes codewords (Kraft sum < 1)")
        words = ", ".join(map("{} = {}".format, ex.symbols, code.codewords))
        st.success(f"Kraft sum Σ 2^(−ℓᵢ) = {code.kraft_sum:g} ≤ 1: a prefix code exists, e.g. {words}. Average length "
                   f"Σ pᵢℓᵢ = **{code.average_length:g} bits** ≥ H(p) = {entropy_bits(ex.p):g}; {ideal}.")
    st.caption("A classifier trained with cross-entropy minimizes the average number of bits (times ln 2: nats) "
               "needed to send the true labels with the code its predicted probabilities define.")
    lesson.numbers({**{f"{name} code (bits)": bits for name, bits in ex.bits.items()}, "entropy H(p) (bits)":
                    entropy_bits(ex.p), "H(Alice, Bob) (bits)": asym.alice_with_bobs_code, "H(Bob, Alice) (bits)":
                    asym.bob_with_alices_code, "Kraft sum": code.kraft_sum, "your average length (bits)": code.average_length})


run = {"train": train, "logistic": lambda: logistic(lesson), "sparse": lambda: sparse(lesson), "losses": losses,
       "coding": coding}[section]()
lesson.try_this()
if section == "train":
    self_check("Newton-CG with max CG iterations = 1 behaves like…",
               ["Newton's method", "gradient descent with a curvature-based step length", "it diverges"], 1,
               "One CG iteration from p = 0 returns p = −(gᵀg / gᵀHg)·g: the steepest-descent direction with the "
               "step that minimizes the quadratic model. The rate becomes linear; set it to 1 and compare.",
               key="lc.quiz")
lesson.export(SCRIPTS[section], run=run)
lesson.finish()

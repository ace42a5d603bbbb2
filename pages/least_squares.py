"""Linear least squares: direct solvers, iterative solvers, regularization of ill-posed problems."""
from __future__ import annotations

import numpy as np
import streamlit as st

from app.exports.lstsq import SCRIPTS
from app.figures.common import convergence_figure, rate_line
from app.figures.lstsq import (conditioning_figure, degree_errors_figure, l_curve_figure, picard_figure, polyfit_figure,
                               quadratic_contours_figure, signals_figure, true_error_figure, weight_images_figure)
from app.lesson import Lesson, Param, Solver
from app.lessons.least_squares import EXPERIMENTS, TOUR
from app.lessons.least_squares_exercises import EXERCISES
from app.lessons.least_squares_compare import compare_section, deblur_compare
from app.lessons.least_squares_validation import galileo_section, validation_section
from app.lessons import least_squares_tikhonov as tikhonov
from app.exports.lstsq_tikhonov import SCRIPTS as TIKHONOV_SCRIPTS
from app.panels import self_check, show
from app.params import ALPHA, SEED, STEP, log_options
from numdl_core import lstsq
from numdl_core.checks import agreement
from numdl_core.convergence import PRECONDITIONERS, observed_rate, preconditioned
from numdl_core.data import load_digits
from numdl_core.regularization import compare_regularizations, relative_error, semi_convergence
from numdl_core.testproblems import (conditioning_experiment, deblur_problem, exercise_3x2, one_hot_experiment,
                                    polyfit_experiment)

SECTIONS = {"galileo": "Galileo's g", "polyfit": "Polynomial fit", "iterative": "SD vs CG (3x2)",
            "deblur": "Ill-posed deblurring", "conditioning": "Normal equations vs QR", "digits": "Digits (one-hot)",
            "validation": "Validation & bias–variance", "gtikhonov": "General Tikhonov ‖Gx‖",
            "inpainting": "Image inpainting"}
METHOD_LABELS = {"normal": "normal equations", "qr": "QR", "svd": "SVD"}
METHOD = Param("method", "Solver", "choice", "qr", options=lstsq.METHODS, labels=METHOD_LABELS, widget="segmented")
NOISE = Param("noise", "Noise", "float", 0.1, lo=0.0, hi=0.5, step=0.01)
TIKHONOV = ALPHA.but(label="Tikhonov α (λ in the notes)", role="structure")
POLY = [Param("degree", "Degree", "int", 3, lo=0, hi=12), NOISE, METHOD,
        TIKHONOV.but(kind="choice", default=0.0, options=(0.0,) + log_options(1e-8, 1e2, 2), labels={0.0: "0"}), SEED]
ITER = [Param("a", "a (conditioning)", "choice", 1.0, options=(1.0, 1e-2, 1e-5), widget="segmented",
              labels={1.0: "1", 1e-2: "1e-2", 1e-5: "1e-5"}, help="cond(A) = 13.0, 250, 2.45e5"),
        Param("line_search", "SD step", "choice", "exact", options=("exact", "fixed"), widget="segmented",
              labels={"exact": "exact line search", "fixed": "fixed step"}),
        Param("precond", "Preconditioner M", "choice", "none", options=PRECONDITIONERS, widget="segmented",
              labels={"none": "none", "jacobi": "column scaling", "qr": "R from QR (ideal)"},
              help="Right preconditioning: solve min ‖A M⁻¹ y − b‖, then x = M⁻¹ y. The rates depend on cond(A M⁻¹).")]
ERROR_VIEW = Param("plot", "Convergence plot", "choice", "x_true", options=("x_true", "x_star"), widget="segmented",
                   role="view", labels={"x_true": "‖xₖ − x_true‖", "x_star": "‖xₖ − x*‖ (rates)"},
                   help="The distance to the parameters that made the data, or to the least-squares solution x*.")
FIXED_STEP = STEP.but(label="Fixed step t", default=0.01, options=log_options(1e-4, 1.0, 8),
                      help="Stable for t < 1/λmax(AᵀA) (= 2/L); change it while the run plays.")
DEBLUR = [Param("noise", "Noise level", "log", 0.01, options=log_options(1e-4, 1e-1, 2)),
          TIKHONOV.but(options=log_options(1e-8, 1.0, 4), role="view"),  # neither α nor k touches the CGLS run
          Param("k", "TSVD rank k", "int", 20, lo=1, hi=128, role="view"),
          Param("width", "Blur width", "choice", 0.03, options=(0.01, 0.02, 0.03, 0.05)), SEED]
COND = [Param("n", "Columns n", "int", 10, lo=2, hi=40), SEED]
DIGITS = [TIKHONOV.but(default=1.0, options=log_options(1e-4, 1e3, 2)), METHOD,
          Param("n_train", "Training images", "int", 1000, lo=50, hi=1500, step=50), SEED]
CONDS = np.logspace(0, 12, 25)  # cond(A) of the conditioning section; CONDS[12] = 1e6
LCURVE_ITERATIONS = 100  # CGLS iterates on the deblurring L-curve, beside the Tikhonov one

lesson = Lesson("lstsq", "Linear least squares", presets=EXPERIMENTS + tikhonov.EXPERIMENTS,
                slides="02-NumDNN-LinearLeastSquares.tex", exercises=EXERCISES, tour=TOUR)
lesson.theory(
    "Fit the data by minimizing the squared residual, possibly with Tikhonov regularization. Direct solvers "
    "factor A once: the normal equations square the condition number, QR and the SVD do not. Iterative solvers "
    "only multiply by A and Aᵀ: steepest descent converges at a rate set by κ = cond(AᵀA), conjugate "
    "gradients (CGLS) at a rate set by √κ, and ends after n steps. On ill-posed problems the iteration count, "
    "the rank k of a truncated SVD or α act as the regularization: filter factors φᵢ damp the small singular values. "
    "Notation: α is the regularization weight (λ in some slides), t the step size; the objective ‖Ax − b‖² has no ½, "
    "so its gradient is 2Aᵀ(Ax − b) and a fixed step is stable for t < 1/λmax(AᵀA) (2/λmax with the ½).",
    [
        r"\min_x \; \|A x - b\|^2 + \alpha \|x\|^2 \quad\Longleftrightarrow\quad (A^\top A + \alpha I)\, x = A^\top b",
        r"x_\alpha = \sum_i \underbrace{\frac{\sigma_i^2}{\sigma_i^2 + \alpha}}_{\varphi_i} \frac{u_i^\top b}{\sigma_i} v_i",
        r"\text{SD: } \|e_{k}\| \lesssim \Big(\frac{\kappa - 1}{\kappa + 1}\Big)^k \|e_0\|, \qquad "
        r"\text{CG: } \|e_{k}\| \lesssim 2\Big(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\Big)^k \|e_0\|",
    ],
    "Ruthotto and Haber, Numerical Methods for Deep Learning, Module 2; Golub and Van Loan (2013), Ch. 5; "
    "Hansen (2010), Discrete Inverse Problems; Björck (1996), CGLS; Paige and Saunders (1982), LSQR.",
)
section = lesson.sections(SECTIONS, default="iterative")


def polyfit_section() -> None:
    st.subheader("Polynomial fit: under- and overfitting")
    p = lesson.controls(POLY, columns=3)
    out, d = polyfit_experiment(noise=p["noise"], method=p["method"], alpha=p["alpha"], seed=p["seed"]), p["degree"]
    left, right = st.columns(2)
    if d in out["fits"]:
        show(polyfit_figure(out["t"], out["y"], out["t_test"], out["truth"], out["fits"][d], degree=d),
             "lstsq.polyfit", left)
        lesson.numbers({"cond(A)": out["cond"][d], "training RMS": out["train"][d], "test RMS": out["test"][d]})
        st.caption(f"cond(A) = {out['cond'][d]:.3g} for degree {d} (Vandermonde matrix, 10 points). Training RMS "
                   f"{out['train'][d]:.3g}, test RMS {out['test'][d]:.3g}.")
    else:
        left.warning(f"The {METHOD_LABELS[p['method']]} solver cannot fit degree {d} to 10 points with α = 0: more "
                     "unknowns than data (or numerically rank deficient). Use the SVD (minimum-norm solution) or α > 0.")
    show(degree_errors_figure(out["degree"], out["train"], out["test"], current=d), "lstsq.degrees", right)
    lesson.numbers({"best degree (test)": out["degree"][np.nanargmin(out["test"])]})


def iterative_section():
    st.subheader("Steepest descent vs conjugate gradients on the 3x2 exercise")
    p = lesson.controls(ITER, widths=(1, 1.4, 1.6))
    exact = p["line_search"] == "exact"  # then the step is not used: it only redraws
    p.update(lesson.controls([FIXED_STEP.but(role="view" if exact else "tunable"), NOISE, SEED, ERROR_VIEW],
                             widths=(1, 1, 1, 1.3), disabled=("step",) if exact else ()))
    A, b, x_true = exercise_3x2(p["a"], p["noise"], p["seed"])
    P = preconditioned(A, b, p["precond"], x_true=x_true)  # right preconditioning: the solvers iterate on y = M x
    pre = "" if p["precond"] == "none" else f" (preconditioned; without M: κ = {P.kappa_original:.3g})"
    st.markdown(f"cond(A M⁻¹) = **{np.sqrt(P.kappa):.3g}**, κ = cond((AM⁻¹)ᵀAM⁻¹) = **{P.kappa:.3g}**{pre}; "
                f"SD factor (κ−1)/(κ+1) = **{P.sd_rate:.5g}**, CG factor (√κ−1)/(√κ+1) = **{P.cg_rate:.4g}**; "
                f"fixed steps are stable for t < 1/λmax = **{P.step_limit:.3g}**.")
    st.caption("Start: the worst case for steepest descent (its first gradient has equal components along both "
               "eigenvectors of the Hessian), 2 units from the solution in the variables the solver sees.")
    gap, smin = P.gap, np.linalg.svd(A, compute_uv=False)[-1]
    st.info(f"**‖x* − x_true‖ = {gap:.3g}.** The least-squares solution x* (★) lies {gap:.3g} from the parameters "
            f"x_true (◆) that made the data, though b differs from A x_true only by noise of norm "
            f"{np.linalg.norm(b - A @ x_true):.3g}: the noise is amplified by up to 1/σmin(A) = {1 / smin:.3g}. "
            "That is the lesson of ill-conditioning: a solver that finds x* exactly still misses x_true. The "
            "convergence plot shows it: ‖xₖ − x_true‖ levels off at ‖x* − x_true‖ (dashed), however long the solvers run.")

    levels, window = P.level_sets()  # f − f* = (f(x0) − f*)·0.35ᵏ, in a box around x0 and x*

    def draw(run) -> None:
        hist = {n: (s.history["iteration"], s.history["error"]) for n, s in run.series.items()}
        its, cg_its = np.array([0.0, run.series["steepest descent"].iteration]), np.arange(3)  # straight on log y
        theory = {"SD bound ((κ−1)/(κ+1))ᵏ": (its, rate_line(its, 1.0, P.sd_rate))} if exact else {}
        theory["CG bound 2((√κ−1)/(√κ+1))ᵏ"] = (cg_its, rate_line(cg_its, 2.0, P.cg_rate))
        c1, c2 = st.columns(2)
        diverged = {n: s.iteration for n, s in run.series.items() if s.status == "diverged"}
        if p["plot"] == "x_true":  # levels off at ‖x* − x_true‖: 0.0617 at a = 1, 3.64e3 at a = 1e-5
            true = {n: (s.history["iteration"], s.history["true_error"]) for n, s in run.series.items()}
            show(true_error_figure(true, P.gap, events=run.events, diverged=diverged), "lstsq.iter.conv", c1)
        else:
            show(convergence_figure(hist, y_title="‖xₖ − x*‖ / ‖x₀ − x*‖ (AᵀA-norm)", theory=theory, events=run.events,
                                    diverged=diverged, title="Error against iteration"), "lstsq.iter.conv", c1)
        paths = {n: P.to_x(np.array(s.path)) for n, s in run.series.items()}
        show(quadratic_contours_figure(A.T @ A, P.x_star, levels, paths, window, x_true=x_true), "lstsq.iter.contour",
             c2)

    run = lesson.live("run", {"steepest descent": Solver("lstsq.steepest_descent", P.A, b, x0=P.y0,
                                                         **({"step": None} if exact else {})),
                              "CG (CGLS)": Solver("lstsq.cgls", P.A, b, x0=P.y0)}, draw,
                      metrics=lambda name, step: {"error": P.error(step.x), "true_error": P.true_error(step.x)},
                      keep_path=True,
                      diverged_hint=lambda r: f"the step t = {p['step']:.3g} exceeds 1/λmax = {P.step_limit:.3g} "
                      "(that is 2/L for f = ‖Ax−b‖², L = 2λmax): the error grows by |1 − 2tλmax| > 1 each step. "
                      "Lower the step: the run restarts.", default_speed=1 if p["a"] == 1.0 else 20)
    sd, cg = run.series["steepest descent"], run.series["CG (CGLS)"]
    lesson.numbers({**P.summary(), "‖x* − x_true‖": P.gap, "SD error": P.error(sd.last.x),
                    "CG error": P.error(cg.last.x), "CG iterations": cg.iteration,
                    "SD ‖xₖ − x_true‖": P.true_error(sd.last.x), "CG ‖xₖ − x_true‖": P.true_error(cg.last.x)})
    if cg.status == "converged":  # the count is measured, not claimed: 2 in exact arithmetic, 3 at a = 1e-5
        st.caption(f"CG (CGLS) stopped after **{cg.iteration}** iterations (‖∇f‖ below the tolerance). In exact "
                   "arithmetic it ends after at most n = 2 steps" + (": the extra steps are round-off, which "
                   f"spoils the conjugacy of the directions when κ = {P.kappa:.3g}." if cg.iteration > 2 else "."))
    if exact and sd.iteration >= 2 and P.error(sd.last.x) > 1e-12:
        rate = observed_rate(1.0, P.error(sd.last.x), sd.iteration)
        lesson.numbers({"measured SD factor": rate})
        st.caption(f"Measured SD contraction per iteration (geometric mean over {sd.iteration} iterations): "
                   f"**{rate:.5g}**; the worst case (κ−1)/(κ+1) is {P.sd_rate:.5g}.")
        lesson.check(agreement("measured SD factor", rate, P.sd_rate, rtol=1e-4,
                               reference="(κ−1)/(κ+1) from the singular values of A M⁻¹"))
    compare_section(lesson, p)
    self_check("For a = 1e-5 (cond(A) ≈ 2.45e5), how many CG iterations does the 3x2 problem need in exact arithmetic?",
               ["2", "about 500", "about 2.45e5"], 0, "In exact arithmetic CG ends in at most n = 2 steps, whatever κ "
               "is. In floating point round-off can add steps: press Play at a = 1e-5 and read the measured count.",
               key="lstsq.quiz")
    return run


@st.cache_data(max_entries=16, show_spinner=False)
def _deblur(noise: float, width: float, seed: int, alpha: float, k: int):
    A, b, x_true = deblur_problem(128, width, noise, seed)
    return A, b, x_true, compare_regularizations(A, b, x_true, alpha=alpha, k=k)


@st.cache_data(max_entries=64, show_spinner=False)
def _semi_convergence(noise: float, width: float, seed: int, iterations: int):
    return semi_convergence(*deblur_problem(128, width, noise, seed), iterations)


def deblur_section():
    st.subheader("An ill-posed problem: deblurring")
    p = lesson.controls(DEBLUR, columns=3)
    A, b, x_true, r = _deblur(p["noise"], p["width"], p["seed"], p["alpha"], p["k"])
    tt = (np.arange(128) + 0.5) / 128
    c1, c2 = st.columns(2)
    show(signals_figure(tt, {"x_true": x_true, "data b (blurred, noisy)": b, f"Tikhonov α={p['alpha']:.2g}": r.x_tikhonov,
                             f"TSVD k={p['k']}": r.x_tsvd}, title="Reconstructions"), "lstsq.deblur.signals", c1)
    show(picard_figure(r.s, r.beta, r.phi), "lstsq.deblur.picard", c2)
    c3, c4 = st.columns(2)
    lc = _semi_convergence(p["noise"], p["width"], p["seed"], LCURVE_ITERATIONS)  # the L-curve of the CGLS iterates
    show(l_curve_figure(r.residual_norms, r.solution_norms, r.alphas, chosen=p["alpha"], corner=r.corner,
                        cgls=(lc.residual_norms, lc.solution_norms, lc.best_iteration)), "lstsq.deblur.lcurve", c3)
    lesson.numbers({"CGLS L-curve: best iteration": lc.best_iteration, "CGLS L-curve: best error": lc.best_error})
    with c4:
        st.markdown(f"cond(A) = **{r.cond:.2g}**. Relative errors ‖x − x_true‖/‖x_true‖:\n\n"
                    f"- no regularization (A⁻¹b): **{r.errors['naive']:.3g}**\n"
                    f"- Tikhonov, α = {p['alpha']:.2g}: **{r.errors['tikhonov']:.3g}**\n"
                    f"- truncated SVD, k = {p['k']}: **{r.errors['tsvd']:.3g}**\n"
                    f"- Tikhonov at the L-curve corner, α = {r.alpha_corner:.2g}: **{r.errors['corner']:.3g}**\n"
                    f"- CGLS stopped at its best iteration k = {lc.best_iteration}: **{lc.best_error:.3g}** (the "
                    "dotted L-curve: the iteration count plays the role of 1/α)")
        lesson.check(agreement("Tikhonov solution by the SVD", r.x_tikhonov, r.x_lsqr,
                               reference="scipy's LSQR with damp = √α"))
    lesson.numbers(r.summary())
    st.markdown("**Semi-convergence.** CGLS on the unregularized problem: watch the error to x_true fall, then rise "
                "as the iterations start to fit the noise.")

    def draw(run) -> None:
        d1, d2 = st.columns(2)
        hist = {n: (s.history["iteration"], s.history["error"]) for n, s in run.series.items()}
        show(convergence_figure(hist, y_title="relative error to x_true", title="Error against iteration"),
             "lstsq.deblur.conv", d1)
        cg = run.series["CGLS"]
        show(signals_figure(tt, {"x_true": x_true, f"CGLS iterate k = {cg.iteration}": cg.last.x},
                            title="Current CGLS iterate"), "lstsq.deblur.iterate", d2)

    run = lesson.live("run", {"CGLS": Solver("lstsq.cgls", A, b, alpha=0.0),
                              "steepest descent": Solver("lstsq.steepest_descent", A, b, alpha=0.0)}, draw,
                      metrics=lambda name, step: {"error": relative_error(step.x, x_true),
                                                  "residual": step.info["residual_norm"]},
                      max_iter=5000, default_speed=1)
    deblur_compare(lesson)
    if run.series["CGLS"].iteration >= 3:
        sc = _semi_convergence(p["noise"], p["width"], p["seed"], run.series["CGLS"].iteration)
        st.info(f"CGLS: smallest error **{sc.best_error:.3g}** at iteration **{sc.best_iteration}**; now "
                f"{sc.final_error:.3g}. Stopping early is a regularization.")
        lesson.numbers(sc.summary())
    return run


@st.cache_data(max_entries=16, show_spinner=False)
def _conditioning(n: int, seed: int) -> dict:
    return conditioning_experiment(CONDS, m=4 * n, n=n, seed=seed)


def conditioning_section() -> None:
    st.subheader("Normal equations vs QR as cond(A) grows")
    p = lesson.controls(COND, columns=2)
    out = _conditioning(p["n"], p["seed"])
    show(conditioning_figure(out["cond"], {k: out[k] for k in ("normal", "qr", "svd")}), "lstsq.cond")
    fails = out["cond"][np.isnan(out["normal"])]
    st.markdown("Consistent problems A x_true = b with prescribed singular values. The normal equations lose digits "
                "like ε·κ², QR and the SVD like ε·κ."
                + (f" The Cholesky factorization of AᵀA breaks down from cond(A) ≈ {fails[0]:.1g} on." if fails.size else ""))
    lesson.numbers({f"{m} error at cond(A) = 1e6": out[m][12] for m in ("normal", "qr", "svd")})
    if fails.size:
        lesson.numbers({"normal equations fail from cond(A)": fails[0]})


@st.cache_data(max_entries=32, show_spinner=False)
def _digits(alpha: float, method: str, n_train: int, seed: int) -> dict:
    X, y = load_digits()
    return one_hot_experiment(X, y, n_train, alpha=alpha, method=method, seed=seed)


def digits_section() -> None:
    st.subheader("One-hot regression on digits")
    p = lesson.controls(DIGITS, columns=2)
    try:
        out = _digits(p["alpha"], p["method"], p["n_train"], p["seed"])
    except ValueError as err:
        st.warning(f"{err}. With α = {p['alpha']:g} the {METHOD_LABELS[p['method']]} solver fails here; pick α larger "
                   "or QR/SVD.")
        return
    show(weight_images_figure(out["W"][:-1]), "lstsq.digits.weights")
    c1, c2 = st.columns(2)
    c1.metric("training accuracy", f"{100 * out['train_accuracy']:.1f}%")
    c2.metric("test accuracy", f"{100 * out['test_accuracy']:.1f}%", help=f"{out['n_test']} held-out images")
    size = np.linalg.norm(out["W"])  # Frobenius norm of the weights and the bias row: the penalized quantity
    lesson.numbers({"training accuracy": out["train_accuracy"], "test accuracy": out["test_accuracy"], "‖W‖_F": size})
    st.caption(f"Each class c gets a weight image w_c; an image is classified by the largest wᵀ_c x + b_c. "
               f"Regularization makes the weights smaller: ‖W‖_F = **{size:.3g}** at α = {p['alpha']:.3g}, and it "
               "shrinks as α grows (the penalty α‖W‖²_F damps the small singular directions most).")


run = {"galileo": lambda: galileo_section(lesson), "polyfit": polyfit_section, "iterative": iterative_section,
       "deblur": deblur_section, "conditioning": conditioning_section, "digits": digits_section,
       "validation": lambda: validation_section(lesson), "gtikhonov": lambda: tikhonov.gtikhonov_section(lesson),
       "inpainting": lambda: tikhonov.inpainting_section(lesson)}[section]()
lesson.try_this()
lesson.export({**SCRIPTS, **TIKHONOV_SCRIPTS}[section], run=run)
lesson.finish()

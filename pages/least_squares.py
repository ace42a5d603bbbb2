"""Linear least squares: direct solvers, iterative solvers, regularization of ill-posed problems."""
from __future__ import annotations

import numpy as np
import streamlit as st

from app.figures.common import convergence_figure, rate_line
from app.figures.lstsq import (
    conditioning_figure, degree_errors_figure, quadratic_contours_figure, l_curve_figure, picard_figure,
    polyfit_figure, signals_figure, weight_images_figure,
)
from app.live import Run, live_run
from app.panels import Experiment, code_panel, self_check, show, theory, try_this
from app.params import PageParams, Param, log_options
from numdl_core import lstsq
from numdl_core.data import load_digits
from numdl_core.testproblems import (
    conditioning_experiment, deblur_problem, exercise_3x2, one_hot, polyfit_problem, vandermonde, with_bias,
)

SECTIONS = {"polyfit": "Polynomial fit", "iterative": "SD vs CG (3x2)", "deblur": "Ill-posed deblurring",
            "conditioning": "Normal equations vs QR", "digits": "Digits (one-hot)"}
METHOD_LABELS = {"normal": "normal equations", "qr": "QR", "svd": "SVD"}
ALPHAS = (0.0,) + log_options(1e-8, 1e2, 2)

SECTION = Param("section", "Experiment", "choice", "iterative", options=tuple(SECTIONS), labels=SECTIONS,
                widget="segmented")
SEED = Param("seed", "Seed", "int", 0, lo=0, hi=99)
POLY = [
    Param("degree", "Degree", "int", 3, lo=0, hi=12),
    Param("noise", "Noise", "float", 0.1, lo=0.0, hi=0.5, step=0.01),
    Param("method", "Solver", "choice", "qr", options=lstsq.METHODS, labels=METHOD_LABELS, widget="segmented"),
    Param("alpha", "Tikhonov α", "choice", 0.0, options=ALPHAS, labels={0.0: "0"}),
    SEED,
]
ITER = [
    Param("a", "a (conditioning)", "choice", 1.0, options=(1.0, 1e-2, 1e-5), labels={1.0: "1", 1e-2: "1e-2", 1e-5: "1e-5"},
          widget="segmented", help="cond(A) = 13.0, 250, 2.45e5"),
    Param("line_search", "SD step", "choice", "exact", options=("exact", "fixed"),
          labels={"exact": "exact line search", "fixed": "fixed step"}, widget="segmented"),
    Param("step", "Fixed step t", "log", 0.01, options=log_options(1e-4, 1.0, 8),
          help="Stable for t < 1/λmax(AᵀA) (= 2/L); change it while the run plays."),
    Param("noise", "Noise", "float", 0.1, lo=0.0, hi=0.5, step=0.01),
    Param("precond", "Preconditioner M", "choice", "none", options=("none", "jacobi", "qr"),
          labels={"none": "none", "jacobi": "column scaling", "qr": "R from QR (ideal)"}, widget="segmented",
          help="Right preconditioning: solve min ‖A M⁻¹ y − b‖, then x = M⁻¹ y. The rates depend on cond(A M⁻¹)."),
    SEED,
]
DEBLUR = [
    Param("noise", "Noise level", "log", 0.01, options=log_options(1e-4, 1e-1, 2)),
    Param("alpha", "Tikhonov α", "log", 1e-3, options=log_options(1e-8, 1.0, 4)),
    Param("k", "TSVD rank k", "int", 20, lo=1, hi=128),
    Param("width", "Blur width", "choice", 0.03, options=(0.01, 0.02, 0.03, 0.05)),
    SEED,
]
COND = [Param("n", "Columns n", "int", 10, lo=2, hi=40), SEED]
DIGITS = [
    Param("alpha", "Tikhonov α", "log", 1.0, options=log_options(1e-4, 1e3, 2)),
    Param("method", "Solver", "choice", "qr", options=lstsq.METHODS, labels=METHOD_LABELS, widget="segmented"),
    Param("n_train", "Training images", "int", 1000, lo=50, hi=1500, step=50),
    SEED,
]

pp = PageParams("lstsq")
st.title("📐 Linear least squares")
theory(
    "Fit the data by minimizing the squared residual, possibly with Tikhonov regularization. Direct solvers "
    "factor A once: the normal equations square the condition number, QR and the SVD do not. Iterative solvers "
    "only multiply by A and Aᵀ: steepest descent converges at a rate set by κ = cond(AᵀA), conjugate "
    "gradients (CGLS) at a rate set by √κ, and ends after n steps. On ill-posed problems the iteration count, "
    "the rank k of a truncated SVD or α act as the regularization: filter factors φᵢ damp the small singular values.",
    [
        r"\min_x \; \|A x - b\|^2 + \alpha \|x\|^2 \quad\Longleftrightarrow\quad (A^\top A + \alpha I)\, x = A^\top b",
        r"x_\alpha = \sum_i \underbrace{\frac{\sigma_i^2}{\sigma_i^2 + \alpha}}_{\varphi_i} \frac{u_i^\top b}{\sigma_i} v_i",
        r"\text{SD: } \|e_{k}\| \lesssim \Big(\frac{\kappa - 1}{\kappa + 1}\Big)^k \|e_0\|, \qquad "
        r"\text{CG: } \|e_{k}\| \lesssim 2\Big(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\Big)^k \|e_0\|",
    ],
    "Ruthotto and Haber, Numerical Methods for Deep Learning, Module 2; Golub and Van Loan (2013), Ch. 5; "
    "Hansen (2010), Discrete Inverse Problems; Björck (1996), CGLS; Paige and Saunders (1982), LSQR.",
)
section = pp.controls([SECTION])["section"]


# ---------------------------------------------------------------- polynomial fit
def polyfit_section() -> None:
    st.subheader("Polynomial fit: under- and overfitting")
    p = pp.controls(POLY, columns=3, scope="polyfit")
    t, y = polyfit_problem(10, p["noise"], p["seed"])
    tf = np.linspace(0, 1, 400)
    truth = np.sin(np.pi * tf**2)
    degrees = np.arange(0, 13)
    train, test = np.full(degrees.size, np.nan), np.full(degrees.size, np.nan)
    fits = {}
    for d in degrees:
        try:
            c = lstsq.solve(vandermonde(t, d), y, p["method"], p["alpha"])
        except ValueError:
            continue
        fits[int(d)] = c
        train[d] = np.sqrt(np.mean((vandermonde(t, d) @ c - y) ** 2))
        test[d] = np.sqrt(np.mean((vandermonde(tf, d) @ c - truth) ** 2))
    left, right = st.columns(2)
    if p["degree"] in fits:
        show(polyfit_figure(t, y, tf, truth, vandermonde(tf, p["degree"]) @ fits[p["degree"]], degree=p["degree"]),
             "lstsq.polyfit", left)
    else:
        left.warning(f"The {METHOD_LABELS[p['method']]} solver cannot fit degree {p['degree']} to 10 points with α = 0: "
                     "more unknowns than data (or numerically rank deficient). Use the SVD (minimum-norm solution) or α > 0.")
    show(degree_errors_figure(degrees, train, test, current=p["degree"]), "lstsq.degrees", right)
    if p["degree"] in fits:
        st.caption(f"cond(A) = {np.linalg.cond(vandermonde(t, p['degree'])):.3g} for degree {p['degree']} "
                   f"(Vandermonde matrix, 10 points). Training RMS {train[p['degree']]:.3g}, test RMS {test[p['degree']]:.3g}.")
    try_this([
        Experiment("Overfitting", "Raise the degree to 9 (10 coefficients for 10 points). What happens to the training "
                   "and the test error?", "The training error drops to round-off (interpolation) while the curve "
                   "oscillates wildly between the points: the test error grows. Degree 3-5 generalizes best.",
                   {"degree": 9, "method": "svd", "alpha": 0.0}),
        Experiment("Regularization tames it", "Keep degree 9 and set α = 1e-4. Does the fit improve?",
                   "Yes: the Tikhonov term damps the large coefficients; the curve becomes smooth and the test error "
                   "drops, at the price of a small training error.", {"degree": 9, "alpha": 1e-4}),
    ], pp.apply, key="lstsq.poly")
    code_panel(f"""import numpy as np
from numdl_core import lstsq
from numdl_core.testproblems import polyfit_problem, vandermonde

t, y = polyfit_problem(10, noise={p['noise']}, seed={p['seed']})
coef = lstsq.solve(vandermonde(t, {p['degree']}), y, method={p['method']!r}, alpha={p['alpha']})""")


# ---------------------------------------------------------------- SD vs CG
def iterative_section() -> None:
    st.subheader("Steepest descent vs conjugate gradients on the 3x2 exercise")
    p = pp.controls(ITER, columns=3, scope="iterative")
    A, b, x_true = exercise_3x2(p["a"], p["noise"], p["seed"])
    x_star = lstsq.solve(A, b, "svd")
    H = A.T @ A
    kappa_A = float(np.linalg.cond(H))
    # Right preconditioning: the solvers iterate on y = M x for min ‖(A M⁻¹) y − b‖; iterates are shown as x = M⁻¹ y.
    M = {"none": np.eye(2), "jacobi": np.diag(np.linalg.norm(A, axis=0)), "qr": np.linalg.qr(A)[1]}[p["precond"]]
    Minv = np.linalg.inv(M)
    Ap = A @ Minv
    Hp = Ap.T @ Ap
    lam, V = np.linalg.eigh(Hp)
    kappa = lam[-1] / lam[0]
    t_max = 1.0 / lam[-1]
    exact = p["line_search"] == "exact"
    pre = "" if p["precond"] == "none" else f" (preconditioned; without M: κ = {kappa_A:.3g})"
    st.markdown(f"cond(A M⁻¹) = **{np.sqrt(kappa):.3g}**, κ = cond((AM⁻¹)ᵀAM⁻¹) = **{kappa:.3g}**{pre}; "
                f"SD factor (κ−1)/(κ+1) = **{lstsq.sd_rate(kappa):.5g}**, CG factor (√κ−1)/(√κ+1) = "
                f"**{lstsq.cg_rate(kappa):.4g}**; fixed steps are stable for t < 1/λmax = **{t_max:.3g}**.")
    # The worst-case start for steepest descent: the initial gradient has equal components along both
    # eigenvectors (e0 ∝ v1/λ1 + v2/λ2); then the exact line search contracts by exactly (κ−1)/(κ+1).
    y_star = M @ x_star
    e_dir = V[:, 0] / lam[0] + V[:, 1] / lam[1]
    y0 = y_star - 2.0 * e_dir / np.linalg.norm(e_dir)
    x0 = Minv @ y0
    st.caption("Start: the worst case for steepest descent (its first gradient has equal components along both "
               "eigenvectors of the Hessian), 2 units from the solution in the variables the solver sees.")

    def start(y0s):
        y0s = y0s or {}
        sd_step = None if exact else p["step"]
        return {"steepest descent": lstsq.steepest_descent(Ap, b, step=sd_step, x0=y0s.get("steepest descent", y0)),
                "CG (CGLS)": lstsq.cgls(Ap, b, x0=y0s.get("CG (CGLS)", y0))}

    def energy(e):  # ‖x − x*‖ in the AᵀA-norm, computed in y: (y − y*)ᵀ Hp (y − y*) = (x − x*)ᵀ H (x − x*)
        return float(np.sqrt(e @ Hp @ e))

    e0 = energy(y0 - y_star)

    def metrics(name, step):
        return {"error": energy(step.x - y_star) / e0}

    # Axes: the box around x0 and x*, padded; level sets f − f* = e0ᵀHe0 · 0.35ᵏ (ellipses, drawn exactly).
    window = (np.minimum(x0, x_star) - 1.0, np.maximum(x0, x_star) + 1.0)
    levels = (e0**2) * 0.35 ** np.arange(0, 16)

    def draw(run: Run) -> None:
        hist = {n: (s.history["iteration"], s.history["error"]) for n, s in run.series.items()}
        its = np.asarray(run.series["steepest descent"].history["iteration"], dtype=float)
        theory_curves = {}
        if exact and its.size:
            theory_curves["SD bound ((κ−1)/(κ+1))ᵏ"] = (its, rate_line(its, 1.0, lstsq.sd_rate(kappa)))
        cg_its = np.arange(0, 3)
        theory_curves["CG bound 2((√κ−1)/(√κ+1))ᵏ"] = (cg_its, rate_line(cg_its, 2.0, lstsq.cg_rate(kappa)))
        div = {n: s.iteration for n, s in run.series.items() if s.status == "diverged"}
        c1, c2 = st.columns(2)
        show(convergence_figure(hist, y_title="‖xₖ − x*‖ / ‖x₀ − x*‖ (AᵀA-norm)", theory=theory_curves,
                                events=run.events, diverged=div, title="Error against iteration"), "lstsq.iter.conv", c1)
        paths = {n: np.array(s.path[-300:]) @ Minv.T for n, s in run.series.items()}
        show(quadratic_contours_figure(H, x_star, levels, paths, window), "lstsq.iter.contour", c2)

    run = live_run("lstsq.iter.run", pp, start, draw, structure={k: p[k] for k in ("a", "noise", "seed", "line_search", "precond")},
                   tunables={"step": None if exact else p["step"]}, metrics=metrics, keep_path=True,
                   diverged_hint=lambda r: (f"the step t = {p['step']:.3g} exceeds 1/λmax = {t_max:.3g} (that is 2/L "
                                            "for f = ‖Ax−b‖², L = 2λmax): the error grows by |1 − 2tλmax| > 1 each step. "
                                            "Lower the step: the run restarts."),
                   default_speed=1 if p["a"] == 1.0 else 20)
    sd = run.series["steepest descent"].history
    if exact and len(sd["error"]) >= 3:
        e, it = np.asarray(sd["error"]), np.asarray(sd["iteration"])
        ok = e > 1e-12
        if ok.sum() >= 3 and it[ok][-1] > 0:
            rate = float(e[ok][-1] ** (1.0 / it[ok][-1]))
            st.info(f"Measured SD contraction per iteration (geometric mean over {int(it[ok][-1])} iterations): "
                    f"**{rate:.5g}**; the worst case (κ−1)/(κ+1) is {lstsq.sd_rate(kappa):.5g}.")
    try_this([
        Experiment("The zig-zag", "With a = 1 and the exact line search, step through SD. What do successive steps look like?",
                   "Each step is orthogonal to the previous one: a zig-zag across the valley. CG reaches x* in 2 steps "
                   "(n = 2 unknowns).", {"a": 1.0, "line_search": "exact", "speed": 1}),
        Experiment("Ill-conditioning", "Switch to a = 1e-2 and press Play. How many iterations does SD need compared to CG?",
                   "SD's factor is 0.99997: thousands of iterations to gain a few digits. CG still needs 2.",
                   {"a": 1e-2, "line_search": "exact", "speed": 50}),
        Experiment("Preconditioning", "With a = 1e-2, compare the preconditioners. Does scaling the columns help? "
                   "What does the ideal preconditioner R do?",
                   "Column scaling barely changes κ: the columns are nearly parallel, not badly scaled. With M = R from "
                   "the QR factorization, A M⁻¹ = Q has orthonormal columns, κ = 1, and steepest descent converges in "
                   "one step.", {"a": 1e-2, "precond": "qr", "line_search": "exact", "speed": 1}),
        Experiment("Too large a step", "Use a fixed step t = 0.1 with a = 1 and press Play.",
                   "1/λmax(AᵀA) ≈ 0.031 < 0.1: the error grows by |1 − 2tλmax| > 1 per step and the run diverges. "
                   "Lower t to 0.0178 and press Play again: it converges.",
                   {"a": 1.0, "line_search": "fixed", "step": 0.1, "speed": 5}),
    ], pp.apply, key="lstsq.iter")
    code_panel(f"""import itertools
from numdl_core import lstsq
from numdl_core.testproblems import exercise_3x2

A, b, x_true = exercise_3x2(a={p['a']}, noise={p['noise']}, seed={p['seed']})
sd = list(itertools.islice(lstsq.steepest_descent(A, b, step={None if exact else p['step']}), 200))
cg = list(lstsq.cgls(A, b))   # ends after 2 iterations
print(sd[-1].x, cg[-1].x)""")


# ---------------------------------------------------------------- deblurring
@st.cache_data(max_entries=32, show_spinner=False)
def _deblur(noise: float, width: float, seed: int):
    A, b, x_true = deblur_problem(128, width, noise, seed)
    U, s, Vt = np.linalg.svd(A)
    return A, b, x_true, U, s, Vt


def deblur_section() -> None:
    st.subheader("An ill-posed problem: deblurring")
    p = pp.controls(DEBLUR, columns=3, scope="deblur")
    A, b, x_true, U, s, Vt = _deblur(p["noise"], p["width"], p["seed"])
    tt = (np.arange(128) + 0.5) / 128
    x_tik = lstsq.tikhonov_svd(U, s, Vt, b, p["alpha"])
    x_tsvd = Vt.T @ (lstsq.filter_factors(s, k=p["k"], svd_inverse=True) * (U.T @ b))
    x_naive = Vt.T @ (lstsq.filter_factors(s, svd_inverse=True) * (U.T @ b))
    naive_err = np.linalg.norm(x_naive - x_true) / np.linalg.norm(x_true)
    err = lambda x: np.linalg.norm(x - x_true) / np.linalg.norm(x_true)  # noqa: E731
    c1, c2 = st.columns(2)
    show(signals_figure(tt, {"x_true": x_true, "data b (blurred, noisy)": b, f"Tikhonov α={p['alpha']:.2g}": x_tik,
                             f"TSVD k={p['k']}": x_tsvd}, title="Reconstructions"), "lstsq.deblur.signals", c1)
    show(picard_figure(s, U.T @ b, lstsq.filter_factors(s, alpha=p["alpha"])), "lstsq.deblur.picard", c2)
    alphas = np.logspace(-10, 1, 60)
    res, sol = lstsq.l_curve(A, b, alphas)
    corner = lstsq.l_curve_corner(res, sol, alphas)
    c3, c4 = st.columns(2)
    show(l_curve_figure(res, sol, alphas, chosen=p["alpha"], corner=corner), "lstsq.deblur.lcurve", c3)
    with c4:
        st.markdown(
            f"cond(A) = **{s[0] / s[-1]:.2g}**. Relative errors ‖x − x_true‖/‖x_true‖:\n\n"
            f"- no regularization (A⁻¹b): **{naive_err:.3g}**\n"
            f"- Tikhonov, α = {p['alpha']:.2g}: **{err(x_tik):.3g}**\n"
            f"- truncated SVD, k = {p['k']}: **{err(x_tsvd):.3g}**\n"
            f"- Tikhonov at the L-curve corner, α = {alphas[corner]:.2g}: "
            f"**{err(lstsq.tikhonov_svd(U, s, Vt, b, alphas[corner])):.3g}**"
        )
        x_ref = lstsq.lsqr_reference(A, b, p["alpha"])
        st.caption(f"Check: scipy's LSQR with damp = √α agrees with the SVD Tikhonov solution to "
                   f"{np.linalg.norm(x_ref - x_tik) / np.linalg.norm(x_tik):.1e} (relative).")

    st.markdown("**Semi-convergence.** CGLS on the unregularized problem: watch the error to x_true fall, then rise "
                "as the iterations start to fit the noise.")
    xt_norm = float(np.linalg.norm(x_true))

    def start(x0s):
        return {"CGLS": lstsq.cgls(A, b), "steepest descent": lstsq.steepest_descent(A, b)}

    def metrics(name, step):
        return {"error": float(np.linalg.norm(step.x - x_true)) / xt_norm, "residual": step.info["residual_norm"]}

    def draw(run: Run) -> None:
        d1, d2 = st.columns(2)
        hist = {n: (s_.history["iteration"], s_.history["error"]) for n, s_ in run.series.items()}
        show(convergence_figure(hist, y_title="relative error to x_true", title="Error against iteration"),
             "lstsq.deblur.conv", d1)
        cg = run.series["CGLS"]
        show(signals_figure(tt, {"x_true": x_true, f"CGLS iterate k = {cg.iteration}": cg.last.x},
                            title="Current CGLS iterate"), "lstsq.deblur.iterate", d2)

    run = live_run("lstsq.deblur.run", pp, start, draw, structure={k: p[k] for k in ("noise", "width", "seed")},
                   metrics=metrics, max_iter=5000, default_speed=1)
    e = run.series["CGLS"].history["error"]
    if len(e) > 3:
        k = int(np.argmin(e))
        st.info(f"CGLS: smallest error **{e[k]:.3g}** at iteration **{run.series['CGLS'].history['iteration'][k]}**; "
                f"now {e[-1]:.3g}. Stopping early is a regularization.")
    try_this([
        Experiment("Naive inversion", "Set α = 1e-8 and k = 128. What does the reconstruction look like?",
                   "Noise amplified by 1/σᵢ dominates: the Picard plot shows |uᵢᵀb| levelling off at the noise while σᵢ "
                   "keeps falling.", {"alpha": 1e-8, "k": 128}),
        Experiment("The L-curve corner", "Set α near the corner of the L-curve. Is the error close to the best?",
                   "The corner balances the residual and the solution norm; its error is close to the smallest one.",
                   {"alpha": 1e-3}),
        Experiment("Semi-convergence", "Play CGLS with noise 0.01. When is the error smallest?",
                   "After a few tens of iterations; later iterations fit the noise and the error grows again.",
                   {"noise": 0.01, "speed": 2}),
    ], pp.apply, key="lstsq.deblur")
    code_panel(f"""from numdl_core import lstsq
from numdl_core.testproblems import deblur_problem

A, b, x_true = deblur_problem(128, width={p['width']}, noise={p['noise']}, seed={p['seed']})
x_tik = lstsq.solve(A, b, method="svd", alpha={p['alpha']})
x_tsvd = lstsq.tsvd(A, b, k={p['k']})""")


# ---------------------------------------------------------------- conditioning
def conditioning_section() -> None:
    st.subheader("Normal equations vs QR as cond(A) grows")
    p = pp.controls(COND, columns=2, scope="conditioning")
    conds = np.logspace(0, 12, 25)
    out = conditioning_experiment(conds, m=4 * p["n"], n=p["n"], seed=p["seed"])
    show(conditioning_figure(out["cond"], {k: out[k] for k in ("normal", "qr", "svd")}), "lstsq.cond")
    fails = conds[~np.isfinite(out["normal"])]
    st.markdown("Consistent problems A x_true = b with prescribed singular values. The normal equations lose digits "
                "like ε·κ², QR and the SVD like ε·κ."
                + (f" The Cholesky factorization of AᵀA breaks down from cond(A) ≈ {fails[0]:.1g} on." if fails.size else ""))
    try_this([
        Experiment("Half the digits", "At cond(A) = 1e6, how many correct digits do the normal equations give? QR?",
                   "About 4 (16 − 2·6) against about 10 (16 − 6): forming AᵀA squares the condition number.", {}),
    ], pp.apply, key="lstsq.cond")


# ---------------------------------------------------------------- digits
@st.cache_data(max_entries=4, show_spinner=False)
def _digits():
    return load_digits()


def digits_section() -> None:
    st.subheader("One-hot regression on digits")
    p = pp.controls(DIGITS, columns=2, scope="digits")
    X, y = _digits()
    perm = np.random.default_rng(p["seed"]).permutation(y.size)
    tr, te = perm[: p["n_train"]], perm[p["n_train"]:]
    Xb = with_bias(X)
    try:
        W = lstsq.solve(Xb[tr], one_hot(y[tr], 10), p["method"], p["alpha"])
    except ValueError as err:
        st.warning(f"{err}. With α = {p['alpha']:g} the {METHOD_LABELS[p['method']]} solver fails here; pick α larger or QR/SVD.")
        return
    acc_tr = float(np.mean(np.argmax(Xb[tr] @ W, 1) == y[tr]))
    acc_te = float(np.mean(np.argmax(Xb[te] @ W, 1) == y[te]))
    show(weight_images_figure(W[:-1]), "lstsq.digits.weights")
    c1, c2 = st.columns(2)
    c1.metric("training accuracy", f"{100 * acc_tr:.1f}%")
    c2.metric("test accuracy", f"{100 * acc_te:.1f}%", help=f"{te.size} held-out images")
    st.caption("Each class c gets a weight image w_c; an image is classified by the largest wᵀ_c x + b_c. "
               "Regularization makes the weight images smoother.")
    try_this([
        Experiment("Too little regularization", "Set α = 1e-4 with 200 training images. Compare training and test accuracy.",
                   "Training accuracy near 100%, test much lower, and noisy weight images: overfitting.",
                   {"alpha": 1e-4, "n_train": 200}),
        Experiment("Smooth weights", "Now α = 100. What do the weight images look like?",
                   "Smooth, digit-like templates; both accuracies drop a little if α is too large.", {"alpha": 100.0}),
    ], pp.apply, key="lstsq.digits")
    code_panel(f"""import numpy as np
from numdl_core import lstsq
from numdl_core.data import load_digits
from numdl_core.testproblems import one_hot, with_bias

X, y = load_digits()
W = lstsq.solve(with_bias(X), one_hot(y), method={p['method']!r}, alpha={p['alpha']})""")


{"polyfit": polyfit_section, "iterative": iterative_section, "deblur": deblur_section,
 "conditioning": conditioning_section, "digits": digits_section}[section]()
if section == "iterative":
    self_check("For a = 1e-5 (cond(A) ≈ 2.45e5), how many CG iterations does the 3x2 problem need in exact arithmetic?",
               ["2", "about 500", "about 2.45e5"], 0, "CG ends in at most n = 2 steps, whatever κ is.",
               key="lstsq.quiz")
pp.sync_url()

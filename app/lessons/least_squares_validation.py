"""Sections of the linear least-squares page (pages/least_squares.py) whose bodies do not fit on the page:
Galileo's falling-body fit and choosing a regularization by validation (train / validation / test,
k-fold cross-validation, the bias–variance trade-off).

Each ``*_section(lesson)`` draws its controls, figures and numbers through the page's :class:`~app.lesson.Lesson`;
the numerics are in ``numdl_core.testproblems`` and ``numdl_core.validation``.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from app.figures.lstsq import bias_variance_figure, galileo_figure, split_fit_figure, validation_curve_figure
from app.lesson import Lesson, Param
from app.panels import show
from app.params import SEED
from numdl_core.data import load_digits
from numdl_core.testproblems import galileo_fit, vandermonde
from numdl_core.validation import digits_validation, polyfit_bias_variance, polyfit_validation

__all__ = ["GALILEO", "VALIDATION", "galileo_section", "validation_section"]

GALILEO = [Param("quadratic", "Compare with a + bt + ct²", "bool", False, role="view",
                 help="Fit a full quadratic (three unknowns) to the same four points.")]


def galileo_section(lesson: Lesson) -> None:
    """Galileo's law x = ½ g t² fitted to the course's four observations: one unknown, one normal equation."""
    st.subheader("Galileo's falling body: the first least-squares problem")
    p = lesson.controls(GALILEO)
    out = galileo_fit()
    t, x, g = out["t"], out["x"], out["g"]
    st.markdown("Theory gives the model, data calibrate it (00-NumDNN-Introduction.tex): a body falls "
                "x(t) = ½ g t² metres in t seconds, with one unknown g. Four observations, one unknown: the system "
                "½ tᵢ² g = xᵢ has no exact solution, so minimize ‖A g − x‖² with the single column A = ½ t².")
    left, right = st.columns([3, 2])
    show(galileo_figure(t, x, g, quadratic=out["quadratic"] if p["quadratic"] else None), "lstsq.galileo.fit", left)
    with right:
        st.latex(r"A^\top A\, g = A^\top x \;\Longleftrightarrow\; \tfrac14 \sum_i t_i^4\, g = \tfrac12 \sum_i t_i^2 x_i"
                 r"\;\Longrightarrow\; g = \frac{2\sum_i t_i^2 x_i}{\sum_i t_i^4} = "
                 rf"\frac{{2 \cdot {out['sum_t2x']:.4g}}}{{{out['sum_t4']:.4g}}} = {g:.4f}")
        st.table({"t (s)": t, "x (m)": x, "½ g t² (m)": np.round(0.5 * g * t**2, 3),
                  "residual (m)": np.round(out["residuals"], 3)})
        st.caption(f"‖x − ½ g t²‖ = {out['residual_norm']:.3g} m. The residual is orthogonal to the column ½ t² "
                   "(that is the normal equation); it is largest at t = 2.")
    numbers = {"g (m/s²)": g, "residual norm": out["residual_norm"]}
    if p["quadratic"]:
        a, b, c = out["quadratic"]
        numbers.update({"quadratic: g = 2c": out["g_quadratic"], "quadratic: residual norm":
                        out["quadratic_residual_norm"]})
        st.info(f"The quadratic a + bt + ct² has three unknowns for four points: a = {a:.3g}, b = {b:.3g}, "
                f"c = {c:.4g}. It fits the data better (residual {out['quadratic_residual_norm']:.3g} m against "
                f"{out['residual_norm']:.3g}), yet its g = 2c = **{out['g_quadratic']:.3g}** is further from 9.81 than "
                f"the law's **{g:.4g}**: the extra freedom absorbs the measurement errors. A model from theory with "
                "fewer parameters can generalize better than a more flexible one.")
    lesson.numbers(numbers, show=True)


VALIDATION = [Param("choose", "Choose", "choice", "alpha", options=("alpha", "degree"), widget="segmented",
                    labels={"alpha": "Tikhonov α (λ in the notes)", "degree": "the degree (α = 0)"}),
              Param("degree", "Degree (when choosing α)", "int", 12, lo=1, hi=12),
              Param("n_points", "Data points", "int", 40, lo=20, hi=200, step=10),
              Param("noise", "Noise", "float", 0.1, lo=0.01, hi=0.5, step=0.01),
              Param("k", "Folds k", "int", 5, lo=2, hi=10), SEED]
DIGITS_VALIDATION = [Param("digits_by", "Digits: choose", "choice", "alpha", options=("alpha", "iterations"),
                           widget="segmented", labels={"alpha": "α", "iterations": "CGLS iterations"}),
                     Param("n_train", "Digits: training images", "int", 200, lo=50, hi=1000, step=50)]
BV_POINTS, BV_DRAWS = 10, 500  # the polynomial fit's 10 equispaced points; noise realizations


@st.cache_data(max_entries=32, show_spinner=False)
def _polyfit(choose: str, degree: int, n_points: int, noise: float, k: int, seed: int):
    return polyfit_validation(choose=choose, degree=degree, n_points=n_points, noise=noise, k=k, seed=seed)


@st.cache_data(max_entries=16, show_spinner=False)
def _digits(choose: str, n_train: int, seed: int):
    X, y = load_digits()
    return digits_validation(X, y, choose=choose, n_train=n_train, seed=seed)


@st.cache_data(max_entries=32, show_spinner=False)
def _bias_variance(sweep: str, degree: int, noise: float, seed: int):
    return polyfit_bias_variance(sweep=sweep, degree=degree, noise=noise, seed=seed, n_points=BV_POINTS,
                                 n_realizations=BV_DRAWS)


def validation_section(lesson: Lesson) -> None:
    """Train / validation / test, k-fold cross-validation and the bias–variance trade-off (02-NumDNN-LinearLeastSquares.tex)."""
    st.subheader("Choosing α or the degree: validation, cross-validation, bias and variance")
    p = lesson.controls(VALIDATION[:1])
    by_alpha = p["choose"] == "alpha"
    p.update(lesson.controls(VALIDATION[1:], columns=5, disabled=() if by_alpha else ("degree",)))
    what, x_title = ("α", "Tikhonov α") if by_alpha else ("degree", "degree")
    st.markdown("Fit on the **training** set, choose α (or the degree) where the error on the **validation** set is "
                "smallest, and report the error on the **test** set, used once and never to choose "
                "(02-NumDNN-LinearLeastSquares.tex, Cross Validation). k-fold cross-validation uses the training and "
                "validation data together: each fold is held out in turn and the held-out errors are averaged.")
    out = _polyfit(p["choose"], p["degree"], p["n_points"], p["noise"], p["k"], p["seed"])
    t_fine = np.linspace(0.0, 1.0, 300)
    degree_at = (lambda j: p["degree"]) if by_alpha else (lambda j: int(out.grid[j]))
    fits = {f"validation choice: {what} = {out.grid[out.chosen_val]:.3g}":
            vandermonde(t_fine, degree_at(out.chosen_val)) @ out.coefficients["val"],
            f"{out.k}-fold CV choice: {what} = {out.grid[out.chosen_cv]:.3g}":
            vandermonde(t_fine, degree_at(out.chosen_cv)) @ out.coefficients["cv"]}
    left, right = st.columns(2)
    show(split_fit_figure(out.t, out.y, {"training": out.train, "validation": out.val, "test": out.test}, t_fine,
                          np.sin(np.pi * t_fine**2), fits), "lstsq.validation.fit", left)
    show(validation_curve_figure(out.grid, {"training": out.train_rms, "validation": out.val_rms,
                                            f"{out.k}-fold CV": out.cv_rms, "test (not used to choose)": out.test_rms},
                                 chosen={"validation": out.grid[out.chosen_val], "CV": out.grid[out.chosen_cv]},
                                 x_title=x_title, y_title="RMS error", title=f"Error against {what}", log_x=by_alpha,
                                 log_y=True, dashed=("test (not used to choose)",)), "lstsq.validation.curve", right)
    lesson.numbers(out.summary())
    st.caption(f"Validation picks {what} = **{out.grid[out.chosen_val]:.3g}** (test RMS **{out.test_at_val:.3g}**); "
               f"{out.k}-fold cross-validation picks **{out.grid[out.chosen_cv]:.3g}** (test RMS, refitted on training "
               f"+ validation data, **{out.test_at_cv:.3g}**). The smallest test RMS on the grid is "
               f"{np.nanmin(out.test_rms):.3g}; with {out.val.size} validation points the choice is itself noisy: "
               "change the seed.")

    st.markdown("**Digits.** One-hot regression on a few training images: choose α, or stop CGLS early, by the "
                "validation accuracy.")
    q = lesson.controls(DIGITS_VALIDATION, columns=2)
    d = _digits(q["digits_by"], q["n_train"], p["seed"])
    alpha_d = q["digits_by"] == "alpha"
    show(validation_curve_figure(d.grid, {"training": d.train_accuracy, "validation": d.val_accuracy,
                                          "test (not used to choose)": d.test_accuracy},
                                 chosen={"chosen": d.grid[d.chosen]}, x_title="Tikhonov α" if alpha_d else
                                 "CGLS iteration k", y_title="accuracy", title="Digits: accuracy against "
                                 + ("α" if alpha_d else "the iteration count"), log_x=alpha_d,
                                 dashed=("test (not used to choose)",)), "lstsq.validation.digits")
    lesson.numbers(d.summary())
    st.caption(f"{d.sizes[0]} training, {d.sizes[1]} validation and {d.sizes[2]} test images. Chosen: "
               f"{'α' if alpha_d else 'k'} = **{d.grid[d.chosen]:.3g}**, validation accuracy "
               f"{100 * d.val_accuracy[d.chosen]:.1f}%, test accuracy **{100 * d.test_accuracy[d.chosen]:.1f}%**.")

    st.markdown(f"**Bias and variance.** Refit the polynomial to {BV_DRAWS} noisy copies of the {BV_POINTS}-point data "
                "(same t, new noise): the average fit misses sin(πt²) by the bias, the fits scatter around their "
                "average by the variance. Their sum is the expected squared error; it is U-shaped.")
    bv_degree = min(p["degree"], BV_POINTS - 1)
    bv = _bias_variance(p["choose"], bv_degree, p["noise"], p["seed"])
    show(bias_variance_figure(bv.grid, bv.mc_bias2, bv.mc_variance, bv.mc_test_mse, bv.noise2, x_title=x_title
                              + (f" (degree {bv_degree})" if by_alpha else " (α = 0)"), log_x=by_alpha, best=bv.best),
         "lstsq.validation.biasvar")
    lesson.numbers({f"bias–variance: best {what}": bv.grid[bv.best],
                    "bias–variance: bias² + variance there": bv.mc_total[bv.best]})
    st.caption(f"Smallest bias² + variance at {what} = **{bv.grid[bv.best]:.3g}** ({bv.mc_total[bv.best]:.3g}); "
               f"the test MSE adds the noise σ² = {bv.noise2:.2g} that no model removes. Monte Carlo agrees with the "
               "closed forms bias² = mean((Hf − f)²), variance = σ²‖H‖²_F / n (tests/core/test_validation.py).")

"""Sections of the linear least-squares page (pages/least_squares.py) whose bodies do not fit on the page:
Galileo's falling-body fit and choosing a regularization by validation (train / validation / test,
k-fold cross-validation, the bias–variance trade-off).

Each ``*_section(lesson)`` draws its controls, figures and numbers through the page's :class:`~app.lesson.Lesson`;
the numerics are in ``numdl_core.testproblems`` and ``numdl_core.validation``.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from app.figures.lstsq import galileo_figure
from app.lesson import Lesson, Param
from app.panels import show
from numdl_core.testproblems import galileo_fit

__all__ = ["GALILEO", "galileo_section"]

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

"""Compare mode of the least-squares sections "iterative" and "deblur" (pages/least_squares.py), through
:meth:`Lesson.compare`: two settings of the solver (method, line search or fixed step, preconditioner) on the page's
3x2 exercise; CGLS or steepest descent with or without Tikhonov α on the page's deblurring problem.

Work is the number of products with A (A M⁻¹) or its transpose (``Step.info["work"]`` of ``numdl_core.lstsq``).
"""
from __future__ import annotations

import streamlit as st

from app.compare import Setup
from app.lesson import Lesson, Param, Solver
from app.params import STEP, log_options
from numdl_core.convergence import PRECONDITIONERS, preconditioned
from numdl_core.regularization import relative_error
from numdl_core.testproblems import deblur_problem, exercise_3x2

__all__ = ["COMPARE", "MAX_ITER", "make", "alternative", "compare_section", "DEBLUR_COMPARE", "make_deblur",
           "deblur_compare"]

METHODS = {"sd": "steepest descent", "cg": "CG (CGLS)"}
PRECOND_LABELS = {"none": "none", "jacobi": "column scaling", "qr": "R from QR"}
COMPARE = [Param("method", "Method", "choice", "sd", options=tuple(METHODS), labels=METHODS),
           Param("line_search", "SD step", "choice", "exact", options=("exact", "fixed"),
                 labels={"exact": "exact line search", "fixed": "fixed step"}),
           STEP.but(label="Fixed step t", default=0.01, options=log_options(1e-4, 1.0, 8), role="structure",
                    help="Used by steepest descent with a fixed step only."),
           Param("precond", "Preconditioner M", "choice", "none", options=PRECONDITIONERS, labels=PRECOND_LABELS)]
MAX_ITER = 5000  # steepest descent at a = 1 reaches the tolerance 1e-10 well before; at a = 1e-2 it cannot


def make(p: dict) -> Setup:
    """The configuration ``p`` (the page's a, noise, seed and the compare controls) as a Solver and its error
    ‖xₖ − x*‖ in the energy norm, relative to the start (the page's convergence plot)."""
    A, b, x_true = exercise_3x2(p["a"], p["noise"], p["seed"])
    P = preconditioned(A, b, p["precond"], x_true=x_true)
    if p["method"] == "cg":
        solver = Solver("lstsq.cgls", P.A, b, x0=P.y0)
    else:
        solver = Solver("lstsq.steepest_descent", P.A, b, x0=P.y0,
                        step=None if p["line_search"] == "exact" else p["step"])
    return Setup(solver, value=lambda s: P.error(s.x))


def alternative(p: dict) -> dict:
    """B's starting settings: A with the ideal preconditioner R from QR (with none if A already has it)."""
    return {"method": "sd", "precond": "none" if p.get("precond") == "qr" else "qr"}


def compare_section(lesson: Lesson, p: dict):
    """The compare panel under the live run (A starts at the page's settings with steepest descent)."""
    return lesson.compare("iter", make, COMPARE, alternative(p), max_iter=MAX_ITER, seconds=1.0,
                          value_label="final error", y_title="‖xₖ − x*‖ / ‖x₀ − x*‖ (AᵀA-norm)",
                          work_label="products with A or Aᵀ")


DEBLUR_COMPARE = [Param("method", "Method", "choice", "cgls", options=("cgls", "sd"),
                        labels={"cgls": "CGLS", "sd": "steepest descent"}),
                  Param("alpha", "Tikhonov α", "choice", 0.0, options=(0.0, 1e-4, 1e-3, 1e-2, 1e-1),
                        labels={0.0: "0"})]
DEBLUR_ITER = 100  # iterations of each configuration: CGLS's error to x_true has its minimum well before


@st.cache_data(max_entries=8, show_spinner=False)
def _deblur_problem(noise: float, width: float, seed: int):
    return deblur_problem(128, width, noise, seed)


def make_deblur(p: dict) -> Setup:
    """The configuration ``p`` on the page's deblurring problem, with the relative error ‖xₖ − x_true‖/‖x_true‖
    (semi-convergence: it falls, then rises as the iterations fit the noise, unless α damps it)."""
    A, b, x_true = _deblur_problem(p["noise"], p["width"], p["seed"])
    method = "lstsq.cgls" if p["method"] == "cgls" else "lstsq.steepest_descent"
    return Setup(Solver(method, A, b, alpha=p["alpha"]), value=lambda s: relative_error(s.x, x_true))


def deblur_compare(lesson: Lesson):
    """The compare panel of the deblurring section: A = CGLS, B = steepest descent, both with α = 0."""
    return lesson.compare("deblur", make_deblur, DEBLUR_COMPARE, {"method": "sd"}, max_iter=DEBLUR_ITER,
                          seconds=1.0, value_label="final error", y_title="‖xₖ − x_true‖ / ‖x_true‖",
                          work_label="products with A or Aᵀ")

"""Compare mode of the least-squares section "iterative" (pages/least_squares.py): two settings of the solver
(method, line search or fixed step, preconditioner) on the page's 3x2 exercise, through :meth:`Lesson.compare`.

Work is the number of products with A M⁻¹ or its transpose (``Step.info["work"]`` of ``numdl_core.lstsq``).
"""
from __future__ import annotations

from app.compare import Setup
from app.lesson import Lesson, Param, Solver
from app.params import STEP, log_options
from numdl_core.convergence import PRECONDITIONERS, preconditioned
from numdl_core.testproblems import exercise_3x2

__all__ = ["COMPARE", "MAX_ITER", "make", "alternative", "compare_section"]

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

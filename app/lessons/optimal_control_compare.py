"""Compare mode of the optimal-control training section (app/lessons/optimal_control.py, "Fitting the spiral",
issue 14): DTO (backprop through RK4) against OTD (the adjoint ODE solved by RK45), the same full-batch Adam from
the same θ₀, capped at 40 Adam steps so that each side fits the kit's 1 s (the page plays 300).

One step costs a DTO gradient about 14 ms and an OTD gradient at rtol = atol = 1e-2 about 20 ms (a loaded 2-core
server); after 40 steps at η = 0.03 (seed 0) DTO's loss is 28.1 and OTD's 41.1 (the start: 184.4).
"""
from __future__ import annotations

from app.compare import Setup
from app.lesson import Lesson, Param, Solver
from app.lessons.optimal_control import BLOWUP, TRAIN, TUNE, fit
from numdl_core import control

__all__ = ["COMPARE", "STEPS", "train_compare"]

METHODS = {"dto": "DTO (backprop through RK4)", "otd": "OTD (adjoint with RK45)"}
COMPARE = [Param("method", "Method", "choice", "dto", options=tuple(METHODS), labels=METHODS), *TRAIN[:3], *TUNE]
STEPS = 40  # Adam steps of each side (an OTD step at rtol 1e-7 costs ~6 times more: it then stops by the time cap)


def train_compare(lesson: Lesson, seed: int) -> list | None:
    """The compare panel: A = DTO with the page's RK4 steps, B = OTD with the page's tolerances; each runs 40 Adam
    steps (or 1 s) from ``CubicTanhField(50).init(seed)``; the value is each method's own loss."""
    def make(q: dict) -> Setup:
        obj = fit("dto", q["n_steps"]) if q["method"] == "dto" else fit("otd", rtol=q["rtol"], atol=q["atol"])
        return Setup(Solver("adam", obj, control.CubicTanhField(50).init(seed), batch_size=None, blowup=BLOWUP))

    return lesson.compare("methods", make, COMPARE, {"method": "otd"}, max_iter=STEPS, value_label="final loss",
                          y_title="loss Σ‖y(t_i) − c_i‖² (each method's own)",
                          note=f"Capped at {STEPS} Adam steps (the live run plays up to 300) so that each side fits "
                               "about 1 s; one step is one gradient (counted as 2 passes). Compare the seconds: an "
                               "OTD gradient solves two adaptive ODEs.")

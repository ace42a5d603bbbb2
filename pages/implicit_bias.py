"""Implicit bias (algorithmic regularization): gradient descent on separable data turns towards the max-margin SVM,
least squares from 0 reaches the minimum-norm solution, deeper matrix factorizations find lower rank, and importance
weights move the regularized solution but not GD's limit direction."""
from __future__ import annotations

from app.exports.theory_implicit_bias import SCRIPTS
from app.lesson import Lesson
from app.lessons import implicit_bias as ib
from app.lessons import implicit_bias_more as more
from app.lessons.implicit_bias_exercises import EXERCISES

SECTIONS = {"margin": "Max margin (live)", "min-norm": "Minimum norm", "matrix-completion": "Matrix completion",
            "weighting": "Importance weighting"}

lesson = Lesson("ib", "Implicit bias", presets=ib.EXPERIMENTS + more.EXPERIMENTS, slides=None,
                exercises=EXERCISES)
lesson.theory(*ib.THEORY)
section = lesson.sections(SECTIONS, default="margin")
out = {"margin": lambda: ib.margin_section(lesson), "min-norm": lambda: more.min_norm_section(lesson),
       "matrix-completion": lambda: more.completion_section(lesson),
       "weighting": lambda: more.weighting_section(lesson)}[section]()
run, solvers, extra = out if isinstance(out, tuple) else (None, {}, {})
lesson.try_this()
lesson.export(SCRIPTS[section], run=run, extra=extra)
lesson.finish()

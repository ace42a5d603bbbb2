"""Dropout as an explicit regularizer: the expected dropout loss of least squares in closed form (Monte Carlo and
dropout SGD live), low-rank equalized factors of a dropout factorization, and dropout against weight decay in a
small network."""
from __future__ import annotations

from app.exports.theory_dropout import SCRIPTS
from app.lesson import Lesson
from app.lessons import dropout as ls
from app.lessons import dropout_factorization as fact
from app.lessons.dropout_exercises import EXERCISES

SECTIONS = {"least-squares": "Least squares: closed form (live)", "factorization": "Matrix factorization (live)",
            "mlp": "Dropout vs weight decay (live)"}

lesson = Lesson("do", "Dropout", presets=ls.EXPERIMENTS + fact.EXPERIMENTS, exercises=EXERCISES)
lesson.theory(*ls.THEORY)
section = lesson.sections(SECTIONS, default="least-squares")
run, solvers, extra = {"least-squares": lambda: ls.least_squares_section(lesson),
                       "factorization": lambda: fact.factorization_section(lesson),
                       "mlp": lambda: fact.mlp_section(lesson)}[section]()
lesson.try_this()
lesson.export(SCRIPTS[section], run=run, extra=extra)
lesson.finish()

"""Tractable landscapes: over-parameterized two-layer ReLU networks converge linearly with lazy weights (Du et al.
2019), noise escapes strict saddles (Ge et al. 2015), and low-rank factorization has no spurious local minima (Ge,
Lee and Ma 2016) while a sine neuron does."""
from __future__ import annotations

from app.exports.theory_landscapes import SCRIPTS
from app.lesson import Lesson
from app.lessons import landscapes as ls
from app.lessons import landscapes_saddle as sd
from app.lessons.landscapes_exercises import EXERCISES

SECTIONS = {"overparameterized": "Wide networks (live)", "movement": "Weight movement vs width",
            "saddle": "Escaping a saddle (live)", "no-spurious-minima": "No spurious minima"}

lesson = Lesson("ls", "Tractable landscapes", presets=ls.EXPERIMENTS + sd.EXPERIMENTS, slides=None,
                exercises=EXERCISES)
lesson.theory(*ls.THEORY)
section = lesson.sections(SECTIONS, default="overparameterized")
out = {"overparameterized": lambda: ls.over_section(lesson), "movement": lambda: ls.movement_section(lesson),
       "saddle": lambda: sd.saddle_section(lesson), "no-spurious-minima": lambda: sd.grid_section(lesson)}[section]()
run, solvers, extra = out if isinstance(out, tuple) else (None, {}, {})
lesson.try_this()
lesson.export(SCRIPTS[section], run=run, extra=solvers and {
    "solvers": {n: [getattr(s.method, "__name__", s.method), s.kwargs(lesson.params)] for n, s in solvers.items()},
    **extra})
lesson.finish()

"""The dynamic view of deep learning: Neural ODEs with an adaptive solver (NFE against tolerance and over
training, live), robustness to input noise and the non-crossing property, and the deep limit of ResNets."""
from __future__ import annotations

from app.exports.theory_neural_odes import SCRIPTS
from app.lesson import Lesson
from app.lessons import neural_odes as ls
from app.lessons.neural_odes_exercises import EXERCISES

SECTIONS = {"adaptive": "Adaptive solver: NFE (live)", "robustness": "Robustness and non-crossing",
            "deep-limit": "The deep limit"}

lesson = Lesson("no", "Dynamic view: Neural ODEs", presets=ls.EXPERIMENTS, exercises=EXERCISES)
lesson.theory(*ls.THEORY)
section = lesson.sections(SECTIONS, default="adaptive")
run, solvers, extra = {"adaptive": lambda: ls.adaptive_section(lesson),
                       "robustness": lambda: ls.robustness_section(lesson),
                       "deep-limit": lambda: ls.deep_section(lesson)}[section]()
lesson.try_this()
lesson.export(SCRIPTS[section], run=run, extra=extra)
lesson.finish()

"""Dynamical systems and deep learning: training as optimal control (MSA from Pontryagin's maximum principle
against gradient descent), parareal layer-parallel forward propagation, and architectures as time integrators."""
from __future__ import annotations

from app.exports.theory_dynamics import SCRIPTS
from app.lesson import Lesson
from app.lessons import dynamical_systems as ds
from app.lessons.dynamical_systems_exercises import EXERCISES

SECTIONS = {"msa": "MSA vs gradient descent (live)", "parareal": "Parareal", "architectures": "Architectures as "
            "integrators"}

lesson = Lesson("dyn", "Dynamical systems and deep learning", presets=ds.EXPERIMENTS, slides=None,
                exercises=EXERCISES)
lesson.theory(*ds.THEORY)
section = lesson.sections(SECTIONS, default="msa")
out = {"msa": lambda: ds.msa_section(lesson), "parareal": lambda: ds.parareal_section(lesson),
       "architectures": lambda: ds.architectures_section(lesson)}[section]()
run, solvers, extra = out if isinstance(out, tuple) else (None, {}, {})
lesson.try_this()
lesson.export(SCRIPTS[section], run=run, extra=extra)
lesson.finish()

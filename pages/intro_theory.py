"""Introduction to deep learning theory: universal approximation with one hidden layer (error against width), the
optimizer zoo racing on 2-D test functions (live), and an autoencoder as nonlinear PCA against PCA (live)."""
from __future__ import annotations

from app.exports.theory_intro import SCRIPTS
from app.lesson import Lesson
from app.lessons import intro_theory as t0
from app.lessons import intro_theory_zoo as zoo
from app.lessons.intro_theory_exercises import EXERCISES

SECTIONS = {"approximation": "Universal approximation", "optimizers": "Optimizer zoo (live)",
            "autoencoder": "Autoencoder vs PCA (live)"}

lesson = Lesson("t0", "Introduction to theory", presets=t0.EXPERIMENTS + zoo.EXPERIMENTS, slides=None,
                exercises=EXERCISES)
lesson.theory(*t0.THEORY)
section = lesson.sections(SECTIONS, default="approximation")
out = {"approximation": lambda: t0.approximation_section(lesson), "optimizers": lambda: zoo.optimizers_section(lesson),
       "autoencoder": lambda: t0.autoencoder_section(lesson)}[section]()
run, solvers, extra = out if isinstance(out, tuple) else (None, {}, {})
lesson.try_this()
lesson.export(SCRIPTS[section], run=run, extra=extra)
lesson.finish()

"""Optimal control and Neural ODEs: discretize-then-optimize against optimize-then-discretize on the course's
spiral, their derivative checks and live training, the memory of stored states against checkpointing and
reversing, and the path-planning view of classification."""
from __future__ import annotations

from app.exports.control import SCRIPTS
from app.exports.control_memory import SCRIPTS as MEMORY_SCRIPTS
from app.lesson import Lesson
from app.lessons import optimal_control as oc
from app.lessons import optimal_control_memory as memory
from app.lessons.optimal_control_exercises import EXERCISES

SECTIONS = {"gradients": "DTO vs OTD: gradient checks", "train": "Fitting the spiral (live)",
            "memory": "Memory: store, checkpoint, reverse", "paths": "Path planning: moving data until separable"}

lesson = Lesson("oc", "Optimal control and Neural ODEs", presets=oc.EXPERIMENTS + memory.EXPERIMENTS,
                slides="08-NumDNN-OptimalControl.tex", exercises=EXERCISES)
lesson.theory(*oc.THEORY)
section = lesson.sections(SECTIONS, default="gradients")
out = {"gradients": lambda: oc.gradients_section(lesson), "train": lambda: oc.train_section(lesson),
       "memory": lambda: memory.memory_section(lesson), "paths": lambda: memory.paths_section(lesson)}[section]()
run, solvers, extra = out if isinstance(out, tuple) else (None, {}, {})
lesson.try_this()
lesson.export({**SCRIPTS, **MEMORY_SCRIPTS}[section], run=run, extra=solvers and {
    "solvers": {n: [s.method, s.kwargs(lesson.params)] for n, s in solvers.items()}, **extra})
lesson.finish()

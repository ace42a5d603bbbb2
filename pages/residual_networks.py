"""Residual networks as discretized ODEs: trajectories and stability regions, time integrators with their
checks, the course's stability experiment, reversible (Hamiltonian) networks, and live training."""
from __future__ import annotations

from app.exports.resnet import SCRIPTS
from app.exports.resnet_stability import SCRIPTS as STABILITY_SCRIPTS
from app.exports.resnet_train import SCRIPTS as TRAIN_SCRIPTS
from app.lesson import Lesson
from app.lessons import residual_networks as rn
from app.lessons import residual_networks_stability as stability
from app.lessons import residual_networks_train as train
from app.lessons.residual_networks_exercises import EXERCISES

SECTIONS = {"trajectories": "Trajectories and stability", "integrators": "Integrators and their checks",
            "stability": "The stability experiment", "reversible": "Reversibility and memory",
            "train": "Training (live)"}

lesson = Lesson("rn", "Residual networks", presets=rn.EXPERIMENTS + stability.EXPERIMENTS + train.EXPERIMENTS,
                slides="07-NumDNN-ResNets.tex", exercises=EXERCISES)
lesson.theory(*rn.THEORY)
section = lesson.sections(SECTIONS, default="trajectories")
out = {"trajectories": lambda: rn.trajectories_section(lesson), "integrators": lambda: rn.integrators_section(lesson),
       "stability": lambda: stability.stability_section(lesson), "reversible": lambda: rn.reversible_section(lesson),
       "train": lambda: train.train_section(lesson)}[section]()
run, solvers, extra = out if isinstance(out, tuple) else (None, {}, {})
lesson.try_this()
lesson.export({**SCRIPTS, **STABILITY_SCRIPTS, **TRAIN_SCRIPTS}[section], run=run, extra=solvers and {
    "solvers": {n: [s.method, s.kwargs(lesson.params)] for n, s in solvers.items()}, **extra})
lesson.finish()

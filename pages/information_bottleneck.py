"""The information bottleneck (Shwartz-Ziv and Tishby 2017) and its critique (Saxe et al. 2019): the binned
information plane of a 12-10-7-5-4-3-2 network on the 12-bit task over training (live), the binned estimator on
known distributions, and tanh against ReLU with the number of bins."""
from __future__ import annotations

from app.exports.theory_information import SCRIPTS
from app.lesson import Lesson
from app.lessons import information_bottleneck as ls
from app.lessons.information_bottleneck_exercises import EXERCISES

SECTIONS = {"plane": "Information plane (live)", "estimator": "The estimator", "counterpoints":
            "Counterpoints: ReLU and bins (live)"}

lesson = Lesson("infob", "Information bottleneck", presets=ls.EXPERIMENTS, exercises=EXERCISES)
lesson.theory(*ls.THEORY)
section = lesson.sections(SECTIONS, default="plane")
run, solvers, extra = {"plane": lambda: ls.plane_section(lesson),
                       "estimator": lambda: ls.estimator_section(lesson),
                       "counterpoints": lambda: ls.counterpoints_section(lesson)}[section]()
lesson.try_this()
lesson.export(SCRIPTS[section], run=run, extra=extra)
lesson.finish()

"""The neural tangent kernel (Jacot, Gabriel and Hongler 2018; Lee et al. 2019; Arora et al. 2019): the empirical
kernel of a two-layer ReLU network converges to the analytic NTK like m^(-1/2), training is lazy, the trained network
approaches kernel regression, and the residual decays along the kernel's eigenvectors (spectral bias)."""
from __future__ import annotations

from app.exports.theory_ntk import SCRIPTS
from app.lesson import Lesson
from app.lessons import neural_tangent_kernel as nk
from app.lessons import neural_tangent_kernel_train as tr
from app.lessons.neural_tangent_kernel_exercises import EXERCISES

SECTIONS = {"kernel": "Kernel vs width", "lazy": "Lazy training", "regression": "Kernel regression (live)",
            "spectral-bias": "Spectral bias"}

lesson = Lesson("ntk", "Neural tangent kernel", presets=nk.EXPERIMENTS + tr.EXPERIMENTS, slides=None,
                exercises=EXERCISES)
lesson.theory(*nk.THEORY)
section = lesson.sections(SECTIONS, default="kernel")
out = {"kernel": lambda: nk.kernel_section(lesson), "lazy": lambda: nk.lazy_section(lesson),
       "regression": lambda: tr.regression_section(lesson),
       "spectral-bias": lambda: tr.spectral_section(lesson)}[section]()
run, solvers, extra = out if isinstance(out, tuple) else (None, {}, {})
lesson.try_this()
lesson.export(SCRIPTS[section], run=run, extra=extra)
lesson.finish()

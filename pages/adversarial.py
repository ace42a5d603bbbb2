"""Vulnerability: FGSM and PGD against softmax regression, an MLP and a ResNet trained on the 8x8 digits, one fooled
digit with its perturbation, a live targeted attack (an optimization over the input), and plain against stable
(ODE-based) residual networks under attack."""
from __future__ import annotations

from app.exports.theory_adversarial import SCRIPTS
from app.lesson import Lesson
from app.lessons import adversarial as adv
from app.lessons import adversarial_targeted as targeted
from app.lessons.adversarial_exercises import EXERCISES

SECTIONS = {"fgsm-pgd": "Accuracy against ε", "fooled": "A fooled digit", "targeted": "Targeted attack (live)",
            "stable": "Plain vs stable networks"}

lesson = Lesson("adv", "Adversarial examples", presets=adv.EXPERIMENTS + targeted.EXPERIMENTS, slides=None,
                exercises=EXERCISES)
lesson.theory(*adv.THEORY)
section = lesson.sections(SECTIONS, default="fgsm-pgd")
run, solvers, extra = {"fgsm-pgd": lambda: adv.curves_section(lesson), "fooled": lambda: adv.fooled_section(lesson),
                       "targeted": lambda: targeted.targeted_section(lesson),
                       "stable": lambda: targeted.stable_section(lesson)}[section]()
lesson.try_this()
lesson.export(SCRIPTS[section], run=run, extra=extra)
lesson.finish()

"""Generative models on 2-D data: a VAE (ELBO terms, latent map), a GAN with separate train-D / train-G steps and
mode collapse, a WGAN with a clipped critic, and a RealNVP flow whose exact likelihood beats the VAE's ELBO
(all live)."""
from __future__ import annotations

from app.exports.theory_generative import SCRIPTS
from app.lesson import Lesson
from app.lessons import generative_models as t10
from app.lessons.generative_models_exercises import EXERCISES

SECTIONS = {"vae": "VAE (live)", "gan": "GAN (live)", "wgan": "WGAN (live)", "flow": "Normalizing flow (live)"}

lesson = Lesson("t10", "Generative models", presets=t10.EXPERIMENTS, slides=None,
                exercises=EXERCISES)
lesson.theory(*t10.THEORY)
section = lesson.sections(SECTIONS, default="vae")
out = {"vae": lambda: t10.vae_section(lesson), "gan": lambda: t10.adversarial_section(lesson, "gan"),
       "wgan": lambda: t10.adversarial_section(lesson, "wgan"), "flow": lambda: t10.flow_section(lesson)}[section]()
run, solvers, extra = out if isinstance(out, tuple) else (None, {}, {})
lesson.try_this()
lesson.export(SCRIPTS[section], run=run, extra=extra)
lesson.finish()

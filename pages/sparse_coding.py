"""Convolutional sparse coding (theory lab T4): ISTA against FISTA (Beck and Teboulle 2009) on a dictionary with a
planted code, LISTA's trained layers (Gregor and LeCun 2010), soft thresholding as a biased ReLU and layered
thresholding as a ReLU network (Papyan, Romano and Elad 2017), a convolutional dictionary applied by the FFT, and
atoms learned from patches of the digits (Olshausen and Field 1996)."""
from __future__ import annotations

from app.exports.theory_sparse import SCRIPTS
from app.lesson import Lesson
from app.lessons import sparse_coding as sc
from app.lessons import sparse_coding_models as models
from app.lessons.sparse_coding_exercises import EXERCISES

SECTIONS = {"ista-fista": "ISTA vs FISTA (live)", "lista": "LISTA: trained layers (live)",
            "thresholding": "Thresholding = ReLU", "convolutional": "Convolutional dictionary (FFT)",
            "dictionary": "Learned atoms (digits)"}

lesson = Lesson("sc", "Convolutional sparse coding", presets=sc.EXPERIMENTS + models.EXPERIMENTS,
                exercises=EXERCISES)
lesson.theory(*sc.THEORY)
section = lesson.sections(SECTIONS, default="ista-fista")
out = {"ista-fista": lambda: sc.ista_fista_section(lesson), "lista": lambda: sc.lista_section(lesson),
       "thresholding": lambda: models.thresholding_section(lesson),
       "convolutional": lambda: models.convolutional_section(lesson),
       "dictionary": lambda: models.dictionary_section(lesson)}[section]()
run, solvers, extra = out if isinstance(out, tuple) else (None, {}, {})
lesson.try_this()
lesson.export(SCRIPTS[section], run=run, extra=extra)
lesson.finish()

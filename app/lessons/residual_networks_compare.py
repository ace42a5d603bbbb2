"""Compare mode of the residual-networks training section (app/lessons/residual_networks_train.py, issue 14): two
integrators (or right-hand sides) of the same ResNet at the same h = T/N, trained by the page's optimizer from the
same start on the points the page uses (own data included).

Both models are :class:`numdl_core.resnet_classifier.ResNetClassifier` on the same points, started at
``init_theta(seed + 1, scale=1)`` (the start of :func:`numdl_core.resnet_classifier.training_problem`); the
integrators have the same weights per layer, so the start is the same vector. A pass over the data counts a forward
and a backward sweep, whatever the integrator: RK4 evaluates f four times per layer, forward Euler once, so at the same
epochs RK4 takes about four times the seconds. On the default peaks (500 points, width 8, N = 16, T = 4, Adam,
η = 0.01, batch 32) both reach the training loss 0.5 after 17 epochs (forward Euler about 0.2 s, RK4 about 0.8 s on
an idle server: within the 1 s cap); the loss 0.3 takes Euler 34 and RK4 32 epochs, RK4 then more than 1 s.
"""
from __future__ import annotations

from app.compare import Setup
from app.lesson import Lesson, Solver
from app.lessons.compare_data import compare_on
from app.lessons.residual_networks_train import OPTIMIZERS, TRAIN
from numdl_core import resnet_classifier as rc

__all__ = ["COMPARE", "TARGET", "MAX_EPOCHS", "train_compare"]

COMPARE = [q for q in TRAIN if q.name in ("scheme", "architecture")]
TARGET = 0.5  # training loss (0.3 would take RK4 more than the 1 s cap)
MAX_EPOCHS = 200  # both need 17 on the default problem (RK4: 4 right-hand sides per layer)
MODEL = ("width", "depth", "T", "activation", "alpha", "smooth", "gamma")


def train_compare(lesson: Lesson, P: rc.ResNetProblem, p: dict, source: str) -> list | None:
    """The compare panel: A = the page's integrator, B = RK4 (forward Euler when the page has RK4), same h."""
    X, y, n_classes = P.data.X, P.data.y, P.data.n_classes
    label, method, fixed = OPTIMIZERS[p["optimizer"]]

    def make(q: dict) -> Setup:
        model = rc.ResNetClassifier(X, y, n_classes, scheme=q["scheme"], architecture=q["architecture"],
                                    **{k: p[k] for k in MODEL})
        return Setup(Solver(method, model, model.init_theta(p["seed"] + 1, scale=1.0), **fixed))

    return compare_on(lesson, "integrators", make, COMPARE, {"scheme": "euler" if p["scheme"] == "rk4" else "rk4"},
                      {"own_data": source, "n_points": int(y.size)}, max_iter=MAX_EPOCHS, target=TARGET,
                      value_label="final loss", y_title="training loss",
                      note=f"{label}; one iteration is one epoch (2 passes: a forward and a backward sweep, whatever "
                           "the integrator: RK4 evaluates f 4 times per layer, Heun and midpoint twice, forward Euler "
                           "and leapfrog once, so compare the seconds).")

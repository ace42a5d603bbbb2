"""Fixtures shared by the core test modules."""
from __future__ import annotations

import numpy as np
import pytest

from numdl_core.classify import loss_landscape
from numdl_core.data import make_dataset


@pytest.fixture(scope="session")
def peaks_course():
    """The syllabus sizes of the peaks data: 1000 training (seed 0) and 2000 validation points (seed 1)."""
    X, y = make_dataset("peaks", 1000, noise=0.0, seed=0)
    Xv, yv = make_dataset("peaks", 2000, noise=0.0, seed=1)
    return X, y, Xv, yv


@pytest.fixture(scope="session")
def linear_landscapes():
    """``(X, y, w1, w2, squared, cross_entropy)``: the two loss landscapes of the noiseless 2-D linear data
    (200 points, seed 0) on the grid ``w1`` (41 values in [-10, 10]) by ``w2`` (33 values in [-8, 8])."""
    X, y = make_dataset("linear", 200, noise=0.0, seed=0)
    w1, w2 = np.linspace(-10, 10, 41), np.linspace(-8, 8, 33)
    return X, y, w1, w2, loss_landscape(X, y, w1, w2, "squared"), loss_landscape(X, y, w1, w2, "cross_entropy")

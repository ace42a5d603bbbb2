"""app.figures.resnet_stability: the figures carry the numbers they are given (log10 levels on whole decades, the
marks at the minimizer and at theta = (1, 1), |train - test|, the diagonal curves)."""
from __future__ import annotations

import numpy as np
import pytest

from app.figures import resnet_stability as fig
from app.figures.lstsq_tikhonov import LEVELS


def test_decade_levels_map_log10_to_uint8_on_whole_decades():
    (a, b), lo, hi = fig.decade_levels([np.array([1e-6, 1e-3, 1.0]), np.array([0.0, 50.0, np.nan])])
    assert (lo, hi) == (-6.0, 2.0)  # 1e-6 .. 50 -> decades -6 .. 2
    assert a.dtype == np.uint8 and list(a) == [0, round(254 * 3 / 8), round(254 * 6 / 8)]
    assert b[0] == LEVELS and b[2] == LEVELS  # zero and nan: the "missing" level
    assert b[1] == round(254 * (np.log10(50.0) + 6) / 8)


def test_contours_mark_the_minimizer_and_the_targets_theta_on_both_panels():
    theta = np.linspace(0.2, 2.0, 11)
    train = np.exp(np.add.outer(theta, theta))
    f = fig.misfit_contours_figure(theta, train, 2 * train, theta_min=(0.2, 0.38))
    contours = [t for t in f.data if t.type == "contour"]
    assert len(contours) == 2 and contours[0].x0 == 0.2 and contours[0].dx == pytest.approx(0.18)
    marks = [(t.x[0], t.y[0]) for t in f.data if t.type == "scatter"]
    assert marks.count((0.2, 0.38)) == 2 and marks.count((1.0, 1.0)) == 2
    with pytest.raises(ValueError):
        fig.misfit_contours_figure(theta, train[:3], train, theta_min=(1, 1))


def test_gap_figure_shows_abs_difference_and_diagonal_curves():
    theta = np.linspace(0.2, 2.0, 5)
    train, test = np.full((5, 5), 1e-3), np.full((5, 5), 1e-3)
    test[2, 3] = 1.0 + 1e-3  # |train - test| = 1 there, 0 elsewhere (the missing level)
    z = np.asarray(fig.gap_figure(theta, train, test).data[0].z)
    assert z[2, 3] < LEVELS and np.sum(z == LEVELS) == 24
    d = fig.diagonal_figure(theta, {"N = 5": np.ones(5)}, {"N = 5": 2 * np.ones(5)})
    assert [t.showlegend for t in d.data] == [None, False] and np.allclose(d.data[1].y, 2.0)

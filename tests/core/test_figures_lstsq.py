"""The least-squares level-set picture: exact ellipses as Bezier paths, compact on the wire."""
from __future__ import annotations

import re

import numpy as np
import plotly.io as pio

from app.figures.lstsq import _ellipse_path, quadratic_contours_figure


def _bezier_points(path: str, n: int = 60) -> np.ndarray:
    P = np.array([tuple(map(float, q.split(","))) for q in re.findall(r"-?[\d.e+-]+,-?[\d.e+-]+", path)])
    assert P.shape == (13, 2) and path.startswith("M") and path.endswith("Z") and path.count("C") == 4
    t = np.linspace(0, 1, n)[:, None]
    return np.vstack([(1 - t) ** 3 * P[i] + 3 * (1 - t) ** 2 * t * P[i + 1] + 3 * (1 - t) * t ** 2 * P[i + 2]
                      + t ** 3 * P[i + 3] for i in range(0, 12, 3)])


def test_level_sets_are_the_ellipses_of_f():
    H = np.array([[3.0, 1.0], [1.0, 1.0]])
    x_star = np.array([1.0, -2.0])
    levels = 0.35 ** np.arange(16)
    paths = {"SD": x_star + np.cumsum(np.random.default_rng(0).standard_normal((1000, 2)), 0), "CG": np.zeros((3, 2))}
    fig = quadratic_contours_figure(H, x_star, levels, paths, (x_star - 3, x_star + 3))
    assert len(fig.layout.shapes) == levels.size
    for c, shape in zip(levels, fig.layout.shapes):
        D = _bezier_points(shape.path) - x_star
        q = np.einsum("ij,jk,ik->i", D, H, D)  # (x − x*)ᵀH(x − x*) on the drawn curve: c up to the Bezier error
        np.testing.assert_allclose(np.sqrt(q / c), 1.0, atol=3e-4)
    names = [t.name for t in fig.data]
    assert names == ["level sets", "SD", "CG", "x*"]
    sd = fig.data[1]
    assert len(sd.x) <= 300 and sd.x[-1] == np.float32(paths["SD"][-1, 0])  # thinned, last iterate kept
    assert len(pio.to_json(fig, validate=False)) < 12_000

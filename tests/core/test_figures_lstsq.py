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


def test_reference_lines_and_choices_sit_where_the_data_are_on_log_axes():
    """Plotly's convention: shapes take data values, annotations on a log axis their log10."""
    import numpy as np

    from app.figures.lstsq import bias_variance_figure, true_error_figure, validation_curve_figure

    fig = true_error_figure({"CG": ([0, 1, 2], [3641.0, 3640.0, 3639.4])}, 3639.4)
    assert fig.layout.yaxis.type == "log" and fig.layout.shapes[-1].y0 == 3639.4
    assert fig.layout.annotations[-1].y == np.log10(3639.4) and fig.layout.annotations[-1].text == "‖x* − x_true‖ = 3.64e+03"
    grid = np.logspace(-4, 0, 5)
    fig = validation_curve_figure(grid, {"validation": grid}, chosen={"validation": 1e-2}, x_title="α", y_title="e",
                                  title="t", log_x=True)
    assert fig.layout.shapes[0].x0 == 1e-2 and fig.layout.annotations[0].x == -2.0
    fig = bias_variance_figure(grid, grid, grid[::-1], 2 * grid + 0.01, 0.01, x_title="α", log_x=True, best=2)
    assert [t.name for t in fig.data] == ["bias²", "variance", "bias² + variance", "test MSE (+ noise σ²)",
                                          "smallest bias² + variance"]
    assert fig.layout.shapes[0].y0 == 0.01 and fig.layout.annotations[0].y == -2.0

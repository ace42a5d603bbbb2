"""app.figures.deep: the figures carry the numbers they are given (per-layer norms on a log axis, histogram counts
summing to the entries, the misfit curves on the t grid)."""
from __future__ import annotations

import numpy as np

from app.figures import deep


def _y(trace) -> np.ndarray:
    return np.asarray(trace.y, dtype=float)


def test_depth_curves_one_line_per_init_on_a_log_axis():
    fig = deep.depth_curves_figure({"he": [1.0, 0.9, 0.8], "naive": [1.0, 10.0, 100.0]}, title="t")
    assert [tr.name for tr in fig.data] == ["he", "naive"]
    assert np.allclose(_y(fig.data[1]), [1, 10, 100]) and list(fig.data[1].x) == [0, 1, 2]
    assert fig.layout.yaxis.type == "log" and fig.layout.shapes[0].y0 == 1.0


def test_layer_gradients_start_dotted_and_non_positive_values_are_gaps():
    fig = deep.layer_gradients_figure({"SGD: start": [1.0, 2.0, 3.0], "SGD: epoch 4": [0.0, 2.0, np.nan]})
    assert fig.data[0].line.dash == "dot" and fig.data[1].line.dash == "solid"
    assert list(fig.data[0].x) == [1, 2, 3]  # layers counted from 1, the output layer last
    assert np.isnan(_y(fig.data[1])[0]) and np.isnan(_y(fig.data[1])[2])


def test_histogram_counts_every_finite_entry_and_misfit_curves():
    g = np.r_[np.random.default_rng(0).standard_normal(500), np.nan]
    fig = deep.gradient_histogram_figure(g, name="plain", bins=40)
    assert sum(fig.data[0].y) == 500 and len(fig.data[0].x) == 40
    t = np.linspace(-0.1, 1.0, 12)
    fig = deep.line_misfit_figure(t, {"plain": t ** 2, "ResNet": np.abs(t)})
    assert [tr.name for tr in fig.data] == ["plain", "ResNet"] and np.allclose(_y(fig.data[1]), np.abs(t), atol=1e-6)

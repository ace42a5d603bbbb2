"""Figures of the neural tangent kernel page (pages/neural_tangent_kernel.py): the 1-D regression on the circle
(the trained network, the kernel-regression prediction, the training points) redrawn in every live frame.
Curves against width or iteration use :func:`app.figures.theory_implicit_bias.curves_figure`.

Numbers in, plotly figure out; built with ``app.style.fast_figure`` and float32 arrays.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact
from app.style import base_layout, color, fast_figure

__all__ = ["regression_figure"]


def regression_figure(x: np.ndarray, curves: Mapping[str, Sequence[float]], x_train: np.ndarray,
                      y_train: np.ndarray, *, title: str | None = None, height: int = 380) -> go.Figure:
    """Curves ``{name: values at x}`` (the first solid, the others dashed) and the training points as markers."""
    data = [dict(type="scatter", mode="lines", name=name, x=compact(np.asarray(x, dtype=float)),
                 y=compact(np.asarray(v, dtype=float)), line=dict(color=color(i), width=2,
                                                                   dash="solid" if i == 0 else "dash"))
            for i, (name, v) in enumerate(curves.items())]
    data.append(dict(type="scatter", mode="markers", name="training points", x=compact(np.asarray(x_train, float)),
                     y=compact(np.asarray(y_train, float)), marker=dict(color="#222", size=8, symbol="circle")))
    return fast_figure(data, base_layout(title, x_title="angle φ (rad)", y_title="f", height=height))

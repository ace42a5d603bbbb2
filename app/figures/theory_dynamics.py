"""Figures of the dynamical-systems page (pages/dynamical_systems.py): loss / error curves, the states of the
control problem (inputs, outputs, targets) and stability-region boundaries in the complex plane.

Numbers in, plotly figure out; each built in one ``Figure(data, layout)`` call (app.style.fast_figure) with float32
arrays, since the curves and states are redrawn in every live frame of "msa".
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact, decimate, positive
from app.style import base_layout, color, fast_figure

__all__ = ["curves_figure", "states_figure", "locus_figure"]


def curves_figure(curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], *, title: str | None = None,
                  x_title: str = "iteration", y_title: str | None = None, log_y: bool = True,
                  markers: bool = False, height: int = 340) -> go.Figure:
    """Curves ``{name: (x, y)}``, decimated to <= 300 points; non-positive values dropped on the log axis."""
    data = []
    for i, (name, (x, y)) in enumerate(curves.items()):
        x, y = decimate(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        data.append(dict(type="scatter", mode="lines+markers" if markers else "lines", name=name, x=compact(x),
                         y=compact(positive(y) if log_y else y), line=dict(color=color(i), width=2),
                         marker=dict(size=6)))
    return fast_figure(data, base_layout(title, x_title=x_title, y_title=y_title, log_y=log_y, height=height))


def states_figure(Y0: np.ndarray, YL: np.ndarray, C: np.ndarray, *, title: str | None = None,
                  height: int = 340) -> go.Figure:
    """Inputs, network outputs and targets (first two coordinates), each output joined to its target."""
    Y0, YL, C = (np.asarray(a, dtype=float) for a in (Y0, YL, C))
    gx = np.column_stack([YL[:, 0], C[:, 0], np.full(len(C), np.nan)]).ravel()
    gy = np.column_stack([YL[:, 1], C[:, 1], np.full(len(C), np.nan)]).ravel()
    data = [dict(type="scatter", mode="lines", name="output → target", x=compact(gx), y=compact(gy),
                 line=dict(color="#bbb", width=1), hoverinfo="skip")]
    for i, (name, P, sym) in enumerate((("inputs Y₀", Y0, "circle-open"), ("outputs Y_L", YL, "circle"),
                                        ("targets C", C, "x"))):
        data.append(dict(type="scatter", mode="markers", name=name, x=compact(P[:, 0]), y=compact(P[:, 1]),
                         marker=dict(color=color(i), size=8, symbol=sym)))
    layout = base_layout(title, x_title="y₁", y_title="y₂", height=height)
    layout["yaxis"] = dict(layout["yaxis"], scaleanchor="x", scaleratio=1)
    return fast_figure(data, layout)


def locus_figure(loci: Mapping[str, np.ndarray], points: Mapping[str, complex] | None = None, *,
                 title: str | None = None, height: int = 420) -> go.Figure:
    """Boundary-locus curves ``{name: z (complex array)}`` in the complex plane and marked points ``{name: z}``."""
    data = []
    for i, (name, z) in enumerate(loci.items()):
        z = np.asarray(z, dtype=complex)
        data.append(dict(type="scatter", mode="lines", name=name, x=compact(z.real), y=compact(z.imag),
                         line=dict(color=color(i), width=2, dash="dash" if i == 0 else "solid")))
    for j, (name, z) in enumerate((points or {}).items()):
        data.append(dict(type="scatter", mode="markers", name=name, x=[float(np.real(z))], y=[float(np.imag(z))],
                         marker=dict(color=color(len(loci) + j), size=11, symbol="diamond")))
    layout = base_layout(title, x_title="Re z = Re hλ", y_title="Im z", height=height)
    layout["yaxis"] = dict(layout["yaxis"], scaleanchor="x", scaleratio=1)
    return fast_figure(data, layout)

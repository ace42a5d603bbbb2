"""Figures of the residual-networks page (pages/residual_networks.py), sections trajectories, integrators and
reversible: points flowing through the layers, h·λ over an integrator's stability region, errors against h
(convergence orders), growth of the antisymmetric network, reconstruction errors per layer and the memory of
stored states. Numbers in, plotly figure out (static figures, validated).
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact, positive
from app.style import base_layout, color

__all__ = ["trajectories_figure", "stability_region_figure", "regions_figure", "norms_figure", "convergence_figure_loglog",
           "growth_figure", "reconstruction_figure", "memory_figure", "region_window"]

STABLE, UNSTABLE = "#2E8B57", "#D62728"


def _stride(n: int, most: int = 1200) -> int:
    return max(1, int(np.ceil(n / most)))


def trajectories_figure(states: np.ndarray, *, labels: Sequence[str] = ("Y₀ = (1, 1)", "Y₀ = −(1, 1)"),
                        title: str | None = None, height: int = 420) -> go.Figure:
    """The rows of ``states`` (shape (m+1, n, 2)) as paths in the plane, start circled, end marked."""
    states = np.asarray(states, dtype=float)
    k = _stride(states.shape[0])
    data = []
    for i in range(states.shape[1]):
        path = np.concatenate([states[::k, i], states[-1:, i]])
        data.append(go.Scatter(x=compact(path[:, 0]), y=compact(path[:, 1]), mode="lines", name=labels[i % len(
            labels)], line=dict(color=color(i), width=2)))
        data.append(go.Scatter(x=[float(path[0, 0])], y=[float(path[0, 1])], mode="markers", showlegend=False,
                               marker=dict(color=color(i), size=14, symbol="circle-open", line=dict(width=3)),
                               hovertext="start", hoverinfo="text"))
        data.append(go.Scatter(x=[float(path[-1, 0])], y=[float(path[-1, 1])], mode="markers", showlegend=False,
                               marker=dict(color=color(i), size=9, symbol="x"), hovertext="last layer",
                               hoverinfo="text"))
    layout = base_layout(title, x_title="feature 1", y_title="feature 2", height=height)
    layout["yaxis"] = dict(layout["yaxis"], scaleanchor="x", scaleratio=1)
    return go.Figure(data=data, layout=layout)


def norms_figure(states: np.ndarray, *, title: str | None = None, height: int = 260) -> go.Figure:
    """‖Y_j‖_F / ‖Y_0‖_F against the layer j (log y)."""
    states = np.asarray(states, dtype=float)
    r = positive(np.linalg.norm(states, axis=(1, 2)) / np.linalg.norm(states[0]))
    k = _stride(r.size)
    j = np.arange(r.size)
    data = [go.Scatter(x=compact(np.append(j[::k], j[-1])), y=compact(np.append(r[::k], r[-1])), mode="lines",
                       name="‖Y_j‖ / ‖Y₀‖", line=dict(color=color(0), width=2))]
    layout = base_layout(title, x_title="layer j", y_title="‖Y_j‖ / ‖Y₀‖", log_y=True, height=height)
    return go.Figure(data=data, layout=layout)


def region_window(z: np.ndarray, R: Callable[[np.ndarray], np.ndarray], *, zoom: bool) -> tuple[float, ...]:
    """(x0, x1, y0, y1) of the plot: the whole region (and every z), or a zoom on the upper eigenvalue wide
    enough to show its distance to the boundary |R| = 1."""
    z = np.asarray(z, dtype=complex)
    if not zoom:
        x0, x1, y0, y1 = -4.0, 1.5, -3.5, 3.5
        if z.size:
            x0, x1 = min(x0, 1.1 * z.real.min()), max(x1, 1.1 * z.real.max())
            y0, y1 = min(y0, 1.1 * z.imag.min()), max(y1, 1.1 * z.imag.max())
        return x0, x1, y0, y1
    c = z[np.argmax(z.imag)] if z.size else 0j
    eps = 1e-7 * max(1.0, abs(c))
    dR = (R(np.array([c + eps])) - R(np.array([c - eps])))[0] / (2 * eps)
    dist = abs(abs(R(np.array([c]))[0]) - 1.0) / max(abs(dR), 1e-12)
    w = max(4.0 * dist, 2e-3 * abs(c), 1e-6)
    return c.real - w, c.real + w, c.imag - w, c.imag + w


def stability_region_figure(z: np.ndarray, R: Callable[[np.ndarray], np.ndarray], *, scheme: str,
                            zoom: bool = False, title: str | None = None, n: int = 161,
                            height: int = 420) -> go.Figure:
    """The points ``z = h·λ`` (green inside the region |R(z)| <= 1, red outside) over the stability region of a
    scheme with stability function ``R``; leapfrog's region is the segment [−2i, 2i] of the imaginary axis."""
    z = np.asarray(z, dtype=complex)
    x0, x1, y0, y1 = region_window(z, R, zoom=zoom)
    data = []
    if scheme == "leapfrog":
        lo, hi = max(y0, -2.0), min(y1, 2.0)
        if x0 <= 0 <= x1 and lo < hi:
            data.append(go.Scatter(x=[0.0, 0.0], y=[lo, hi], mode="lines", name="stable: [−2i, 2i]",
                                   line=dict(color=STABLE, width=6)))
    else:
        pad = 0.5 * (x1 - x0)  # the equal-aspect axes show more x than asked for: fill it too
        xs, ys = np.linspace(x0 - pad, x1 + pad, 2 * n - 1), np.linspace(y0, y1, n)
        absR = np.abs(R(xs[None, :] + 1j * ys[:, None]))
        data.append(go.Heatmap(x=compact(xs), y=compact(ys), z=(absR <= 1).astype(np.uint8), showscale=False,
                               colorscale=[[0, "rgba(255,255,255,0)"], [1, "rgba(46,139,87,0.22)"]], zmin=0, zmax=1,
                               hoverinfo="skip", name="|R(z)| ≤ 1"))
        data.append(go.Contour(x=compact(xs), y=compact(ys), z=compact(absR), showscale=False, hoverinfo="skip",
                               contours=dict(start=1.0, end=1.0, size=1.0, coloring="none"),
                               line=dict(color=STABLE, width=2), name="|R(z)| = 1", showlegend=True))
    amp = np.abs(R(z)) if z.size else np.array([])
    ok = amp <= 1 + 1e-12
    for mask, name, col in ((ok, "hλ: stable", STABLE), (~ok, "hλ: unstable", UNSTABLE)):
        if mask.any():
            data.append(go.Scatter(x=z.real[mask].tolist(), y=z.imag[mask].tolist(), mode="markers", name=name,
                                   marker=dict(color=col, size=12, symbol="x", line=dict(width=1)),
                                   text=[f"|R| = {a:.6g}" for a in amp[mask]], hoverinfo="text+x+y"))
    layout = base_layout(title, x_title="Re hλ", y_title="Im hλ", height=height)
    layout["xaxis"] = dict(layout["xaxis"], range=[x0, x1])
    layout["yaxis"] = dict(layout["yaxis"], range=[y0, y1], scaleanchor="x", scaleratio=1)
    return go.Figure(data=data, layout=layout)


def regions_figure(z: np.ndarray, R: Mapping[str, Callable[[np.ndarray], np.ndarray]], *, title: str | None = None,
                   window: tuple[float, float, float, float] = (-3.2, 0.8, -3.2, 3.2), n: int = 201,
                   height: int = 420) -> go.Figure:
    """The boundaries |R(z)| = 1 of several schemes (``{name: R}``) in one plane, with the points ``z = h·λ``."""
    x0, x1, y0, y1 = window
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    Z = xs[None, :] + 1j * ys[:, None]
    data = []
    for i, (name, f) in enumerate(R.items()):
        data.append(go.Contour(x=compact(xs), y=compact(ys), z=compact(np.minimum(np.abs(f(Z)), 10.0)),
                               showscale=False, hoverinfo="skip", name=name, showlegend=True,
                               contours=dict(start=1.0, end=1.0, size=1.0, coloring="none"),
                               line=dict(color=color(i), width=2, dash=("solid", "dash", "dot", "dashdot")[i % 4])))
    z = np.asarray(z, dtype=complex)
    data.append(go.Scatter(x=z.real.tolist(), y=z.imag.tolist(), mode="markers", name="h·λ",
                           marker=dict(color="#1A1A1A", size=11, symbol="x")))
    layout = base_layout(title, x_title="Re hλ", y_title="Im hλ", height=height)
    layout["xaxis"] = dict(layout["xaxis"], range=[x0, x1])
    layout["yaxis"] = dict(layout["yaxis"], range=[y0, y1], scaleanchor="x", scaleratio=1)
    return go.Figure(data=data, layout=layout)


def convergence_figure_loglog(hs: np.ndarray, errors: Mapping[str, np.ndarray], orders: Mapping[str, float], *,
                              expected: Mapping[str, int], title: str | None = None, height: int = 400) -> go.Figure:
    """Relative error against h on log-log axes, one line per scheme (label with the measured slope), with dotted
    reference slopes h^p through each scheme's last point."""
    hs = np.asarray(hs, dtype=float)
    data = []
    for i, (s, e) in enumerate(errors.items()):
        e = positive(np.asarray(e, dtype=float))
        data.append(go.Scatter(x=compact(hs), y=compact(e), mode="lines+markers", name=f"{s}: slope {orders[s]:.2f}",
                               line=dict(color=color(i), width=2)))
        p = expected[s]
        data.append(go.Scatter(x=compact(hs), y=compact(e[-1] * (hs / hs[-1]) ** p), mode="lines",
                               name=f"h^{p}", showlegend=False, line=dict(color=color(i), width=1, dash="dot"),
                               hoverinfo="skip"))
    layout = base_layout(title, x_title="step h = T / L", y_title="‖Y_L − Y(T)‖ / ‖Y(T)‖", log_x=True, log_y=True,
                         height=height)
    return go.Figure(data=data, layout=_decades(layout))


def _decades(layout: dict) -> dict:
    """Decade ticks on a log x axis (no crowded minor labels) and the legend below the axis title."""
    for ax in ("xaxis",):
        if layout[ax].get("type") == "log" and "dtick" not in layout[ax]:
            layout[ax] = dict(layout[ax], dtick=1)
    layout["legend"] = dict(layout["legend"], y=-0.24)
    return layout


def growth_figure(hs: np.ndarray, curves: Mapping[str, np.ndarray], *, y_title: str, h: float | None = None,
                  title: str | None = None, height: int = 360) -> go.Figure:
    """Curves against h (log x, log y) with a dotted line at 1 and the chosen h marked."""
    dashes = ("solid", "dash", "dot", "dashdot")  # Heun and midpoint coincide on the linear test equation
    data = [go.Scatter(x=compact(hs), y=compact(positive(np.asarray(v, dtype=float))), mode="lines+markers", name=s,
                       line=dict(color=color(i), width=2, dash=dashes[i % 4]), marker=dict(size=5))
            for i, (s, v) in enumerate(curves.items())]
    layout = base_layout(title, x_title="step h", y_title=y_title, log_x=True, log_y=True, height=height)
    shapes = [dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=1, y1=1,
                   line=dict(color="#888", dash="dot", width=1))]
    if h is not None:
        shapes.append(dict(type="line", xref="x", x0=h, x1=h, yref="paper", y0=0, y1=1,
                           line=dict(color="#888", dash="dash", width=1)))
    layout["shapes"] = shapes
    return go.Figure(data=data, layout=_decades(layout))


def reconstruction_figure(errors: Mapping[str, np.ndarray], *, title: str | None = None,
                          height: int = 380) -> go.Figure:
    """Relative error of each reconstructed state against the layer (log y; exact zeros drawn at 1e-17)."""
    data = []
    for i, (name, e) in enumerate(errors.items()):
        e = np.maximum(np.asarray(e, dtype=float), 1e-17)
        k = _stride(e.size)
        j = np.arange(e.size)
        data.append(go.Scatter(x=compact(np.append(j[::k], j[-1])), y=compact(positive(np.append(e[::k], e[-1]))),
                               mode="lines", name=name, line=dict(color=color(i), width=2)))
    layout = base_layout(title, x_title="layer j", y_title="‖Ỹ_j − Y_j‖ / ‖Y_j‖", log_y=True, height=height)
    layout["yaxis"] = dict(layout["yaxis"], dtick=3)
    return go.Figure(data=data, layout=_decades(layout))


def memory_figure(Ns: np.ndarray, curves: Mapping[str, np.ndarray], *, title: str | None = None,
                  height: int = 340) -> go.Figure:
    """Bytes of states held during backpropagation against the depth N (log-log)."""
    data = [go.Scatter(x=compact(Ns), y=compact(positive(np.asarray(v, dtype=float))), mode="lines+markers",
                       name=name, line=dict(color=color(i), width=2)) for i, (name, v) in enumerate(curves.items())]
    layout = base_layout(title, x_title="depth N (layers)", y_title="bytes of stored states", log_x=True,
                         log_y=True, height=height)
    return go.Figure(data=data, layout=_decades(layout))

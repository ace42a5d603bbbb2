"""Figures of the general-Tikhonov and inpainting sections of the linear least-squares page.

Images are sent as uint8 levels 0..254 on a fixed value range (255 marks an unknown pixel, drawn light grey), so a
64 x 64 image costs about 5.5 KB of JSON in a live frame instead of 44 KB of float64; the colour bar is labelled
with the true values.
"""
from __future__ import annotations

import functools
from typing import Mapping

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from app.figures.common import compact
from app.style import base_layout, color, fast_figure, new_figure

__all__ = ["LEVELS", "quantize", "sampled_colorscale", "image_colorscale", "images_figure", "alpha_errors_figure",
           "l_curves_figure"]

LEVELS = 255  # value levels 0..254; level 255 is "unknown"
_MISSING = "#D9DDE3"


def quantize(img: np.ndarray, lo: float, hi: float, mask: np.ndarray | None = None) -> np.ndarray:
    """``img`` as uint8 levels ``round(254 (v - lo)/(hi - lo))``, clipped; 255 where ``mask`` is False or v is nan."""
    img = np.asarray(img, dtype=float)
    span = hi - lo if hi > lo else 1.0
    with np.errstate(invalid="ignore"):
        z = np.clip(np.rint((LEVELS - 1) * (img - lo) / span), 0, LEVELS - 1)
    z = np.where(np.isfinite(z), z, LEVELS).astype(np.uint8)
    if mask is not None:
        z[~np.asarray(mask, dtype=bool)] = LEVELS
    return z


@functools.lru_cache(maxsize=None)
def _sampled(name: str, n: int) -> tuple[tuple[float, str], ...]:
    stops = np.linspace(0, 1, n)
    return tuple((float(s), c) for s, c in zip(stops, sample_colorscale(name, list(stops))))


def sampled_colorscale(name: str, n: int = 9, *, top: float = 1.0) -> list:
    """The plotly colour scale ``name`` sampled at ``n`` equal steps, its stops scaled to ``[0, top]``.

    Computed once per ``(name, n)`` and cached: ``plotly.colors.sample_colorscale`` looks the name up among all
    of plotly's scales (0.3 ms a call), a noticeable share of a figure redrawn in every live frame.

    Parameters
    ----------
    name : str
        A plotly colour scale (``"Viridis"``, ``"RdBu_r"``...).
    n : int
        Number of stops.
    top : float
        The stop of the last colour (the stops are :math:`s_k\,\mathrm{top}`, :math:`s_k = k/(n-1)`).

    Returns
    -------
    list of [float, str]
        A new list each call (``[[stop, colour], ...]``), safe to extend or modify.
    """
    return [[s * top, c] for s, c in _sampled(name, int(n))]


def image_colorscale() -> list:
    """Viridis over the levels 0..254, light grey for level 255 (an unknown pixel)."""
    top = (LEVELS - 1) / LEVELS
    return sampled_colorscale("Viridis", top=top) + [[float(top + 0.5 / LEVELS), _MISSING], [1.0, _MISSING]]


def images_figure(images: Mapping[str, np.ndarray], *, lo: float, hi: float,
                  masks: Mapping[str, np.ndarray] | None = None, title: str | None = None,
                  height: int = 330) -> go.Figure:
    """Images side by side on one value scale ``[lo, hi]`` (one tiled uint8 heatmap; 1-pixel gaps).

    ``masks[name]`` (boolean, the image's shape) greys out the pixels where it is False (the unknown pixels).
    Cheap enough for a live frame: one ``Figure(data, layout)`` call, a few KB per 64 x 64 image.
    """
    names = list(images)
    ny, nx = np.asarray(images[names[0]]).shape
    gap = max(1, nx // 32)
    mosaic = np.full((ny, len(names) * (nx + gap) - gap), LEVELS, dtype=np.uint8)
    for j, name in enumerate(names):
        mask = None if masks is None else masks.get(name)
        mosaic[:, j * (nx + gap): j * (nx + gap) + nx] = quantize(images[name], lo, hi, mask)
    ticks = np.linspace(0, LEVELS - 1, 5)
    data = [dict(type="heatmap", z=mosaic, zmin=0, zmax=LEVELS, colorscale=image_colorscale(), hoverinfo="skip",
                 colorbar=dict(thickness=12, tickvals=ticks.tolist(),
                               ticktext=[f"{lo + t / (LEVELS - 1) * (hi - lo):.3g}" for t in ticks]))]
    layout = base_layout(title, height=height)
    layout["margin"] = dict(l=10, r=10, t=60 if title else 34, b=10)
    layout["xaxis"] = dict(visible=False, constrain="domain", range=[-0.5, mosaic.shape[1] - 0.5])
    layout["yaxis"] = dict(visible=False, scaleanchor="x", scaleratio=1, range=[-0.5, ny - 0.5])
    layout["annotations"] = [dict(x=j * (nx + gap) + (nx - 1) / 2, y=ny - 0.5, yanchor="bottom", text=name,
                                  showarrow=False, xref="x", yref="y", font=dict(size=13))
                             for j, name in enumerate(names)]
    return fast_figure(data, layout)


def alpha_errors_figure(alphas: np.ndarray, errors: Mapping[str, np.ndarray],
                        chosen: Mapping[str, tuple[float, float]], *, fixed: float | None = None,
                        height: int = 380) -> go.Figure:
    """Relative error against alpha for each regularization operator, the chosen alpha of each marked."""
    fig = new_figure("Error against α", x_title="α", y_title="‖x_α − x_true‖ / ‖x_true‖", log_x=True, log_y=True,
                     height=height)
    for i, (name, e) in enumerate(errors.items()):
        fig.add_trace(go.Scatter(x=compact(alphas), y=compact(e), mode="lines", name=f"G = {name}",
                                 line=dict(color=color(i), width=2)))
        a, err = chosen[name]
        fig.add_trace(go.Scatter(x=[a], y=[err], mode="markers", showlegend=False, hovertemplate=f"G = {name}: "
                                 "α = %{x:.3g}, error %{y:.3g}<extra></extra>",
                                 marker=dict(color=color(i), size=12, symbol="circle-open", line=dict(width=3))))
    if fixed is not None:
        fig.update_layout(shapes=[dict(type="line", xref="x", yref="paper", x0=fixed, x1=fixed, y0=0, y1=1,
                                       line=dict(color="#888", dash="dot"))])
    return fig


def l_curves_figure(residual_norms: Mapping[str, np.ndarray], seminorms: Mapping[str, np.ndarray],
                    corners: Mapping[str, int], *, height: int = 380) -> go.Figure:
    """The L-curve (‖Ax − b‖, ‖Gx‖) of each operator on log-log axes, its corner marked."""
    fig = new_figure("L-curves, one per G", x_title="residual norm ‖Ax − b‖", y_title="‖G x‖", log_x=True,
                     log_y=True, height=height)
    for i, name in enumerate(residual_norms):
        r, s, c = residual_norms[name], seminorms[name], corners[name]
        fig.add_trace(go.Scatter(x=compact(r), y=compact(s), mode="lines+markers", name=f"G = {name}",
                                 line=dict(color=color(i), width=2), marker=dict(size=4)))
        fig.add_trace(go.Scatter(x=[r[c]], y=[s[c]], mode="markers", showlegend=False,
                                 marker=dict(color=color(i), size=12, symbol="x")))
    return fig

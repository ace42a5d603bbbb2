"""Figures of the generative-models page (pages/generative_models.py): samples over the data on a quantized heat
map (discriminator, critic or density), and a latent map. Numbers in, plotly figure out; light enough for live
frames (float32 points, at most 200 per layer, the heat map as uint8 levels on an equally spaced grid)."""
from __future__ import annotations

import functools

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from app.figures.common import _cells
from app.style import BLACK, SEQUENTIAL, base_layout, color, fast_figure

__all__ = ["MAX_POINTS", "quantize", "samples_figure", "latent_figure"]

MAX_POINTS = 200  # generated samples and latent means per frame (frames <= 20 KB)
MAX_DATA = 160  # points of the (unchanging) data drawn under them


def quantize(Z: np.ndarray) -> tuple[np.ndarray, float, float]:
    """``Z`` as uint8 levels 0..255 between its finite min and max (NaN -> 0); returns (levels, lo, hi)."""
    Z = np.asarray(Z, float)
    fin = np.isfinite(Z)
    lo, hi = (float(Z[fin].min()), float(Z[fin].max())) if fin.any() else (0.0, 1.0)
    hi = hi if hi > lo else lo + 1.0
    q = np.where(fin, np.round(255 * (np.where(fin, Z, lo) - lo) / (hi - lo)), 0)
    return q.astype(np.uint8), lo, hi


@functools.lru_cache(maxsize=None)
def _scale(name: str) -> tuple[tuple[float, str], ...]:
    return tuple((s, c) for s, c in get_colorscale(name))


def _colorscale(name: str) -> list:
    """``plotly.colors.get_colorscale(name)`` (a new list), looked up once: the lookup walks all of plotly's
    scales (0.2 ms), a noticeable share of a figure redrawn in every live frame."""
    return [[s, c] for s, c in _scale(name)]


def _points(P: np.ndarray, n: int = MAX_POINTS) -> np.ndarray:
    """The finite rows of ``P``, thinned by a stride to at most ``n``, as float32."""
    P = np.asarray(P, float)
    P = P[np.all(np.isfinite(P), axis=1)]
    return P[:: max(1, int(np.ceil(len(P) / n)))].astype(np.float32)


def samples_figure(X: np.ndarray, S: np.ndarray | None, gx: np.ndarray | None = None, gy: np.ndarray | None = None,
                   Z: np.ndarray | None = None, *, heat_name: str = "D(x)", title: str | None = None,
                   lim: float = 3.5, height: int = 420) -> go.Figure:
    """Data (grey) and generated samples (coloured) over a heat map ``Z[j, i]`` at ``(gx[i], gy[j])``."""
    data = []
    if Z is not None and gx is not None and gy is not None:
        q, lo, hi = quantize(Z)
        data.append(dict(type="heatmap", **_cells("x", np.asarray(gx)), **_cells("y", np.asarray(gy)), z=q,
                         zmin=0, zmax=255, colorscale=_colorscale(SEQUENTIAL), opacity=0.55, hoverinfo="skip",
                         name=heat_name, colorbar=dict(title=dict(text=heat_name), tickvals=[0, 255],
                                                       ticktext=[f"{lo:.3g}", f"{hi:.3g}"], len=0.6)))
    P = _points(X, MAX_DATA)
    data.append(dict(type="scatter", x=P[:, 0], y=P[:, 1], mode="markers", name="data",
                     marker=dict(color="rgba(90,90,90,0.45)", size=4)))
    if S is not None:
        Q = _points(S)
        data.append(dict(type="scatter", x=Q[:, 0], y=Q[:, 1], mode="markers", name="samples",
                         marker=dict(color=color(1), size=5, line=dict(color=BLACK, width=0.3))))
    layout = base_layout(title, x_title="x₁", y_title="x₂", height=height)
    layout["xaxis"].update(range=[-lim, lim], showgrid=False, zeroline=False)
    layout["yaxis"].update(range=[-lim, lim], showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1)
    layout["legend"] = dict(orientation="h", y=-0.15)
    return fast_figure(data, layout)


def latent_figure(M: np.ndarray, hue: np.ndarray, *, title: str | None = None, height: int = 420) -> go.Figure:
    """The encoder means μ(x) of the data in the 2-D latent space, coloured by ``hue`` (the data's angle), with the
    prior's 1σ and 2σ circles."""
    M = np.asarray(M, float)
    k = max(1, int(np.ceil(len(M) / MAX_POINTS)))
    M, hue = M[::k].astype(np.float32), np.asarray(hue, float)[::k]
    level = np.round(255 * (np.mod(hue + np.pi, 2 * np.pi) / (2 * np.pi))).astype(np.uint8)  # angle, 1.4° steps
    data = [dict(type="scatter", x=M[:, 0], y=M[:, 1], mode="markers", name="μ(x) of the data",
                 marker=dict(color=level, colorscale=_colorscale("HSV"), cmin=0, cmax=255, size=5))]
    layout = base_layout(title, x_title="z₁", y_title="z₂", height=height)
    layout["shapes"] = [dict(type="circle", xref="x", yref="y", x0=-r, y0=-r, x1=r, y1=r,  # the prior's 1σ, 2σ
                             line=dict(color=BLACK, width=1, dash="dot")) for r in (1, 2)]
    layout["xaxis"].update(range=[-3.5, 3.5], zeroline=False)
    layout["yaxis"].update(range=[-3.5, 3.5], zeroline=False, scaleanchor="x", scaleratio=1)
    layout["legend"] = dict(orientation="h", y=-0.15)
    return fast_figure(data, layout)

"""Figures of the CNN section of the convolutional-networks page: the learned first-layer kernels and a digit's
feature maps, redrawn in every live frame.

Both are one tiled heatmap of uint8 levels (``app.figures.lstsq_tikhonov.quantize``: 0..254 on a fixed value range,
255 for the gaps between tiles, drawn light grey), so a frame carries a few KB however many channels there are;
hovering shows the level, the colour bar the true values.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact, decimate, positive
from app.figures.lstsq_tikhonov import LEVELS, image_colorscale, quantize, sampled_colorscale
from app.style import BLUE, VERMILLION, base_layout, fast_figure

__all__ = ["training_figure", "kernels_figure", "feature_maps_figure", "mosaic"]

_GAP = "#D9DDE3"


def training_figure(epochs: Sequence[float], loss: Sequence[float], train_accuracy: Sequence[float],
                    test_accuracy: Sequence[float], *, title: str | None = None, height: int = 300,
                    max_points: int = 150) -> go.Figure:
    """Two panels against the epoch: the training loss (log axis) and the training and test accuracy.

    Each curve is thinned to ``max_points`` points and sent as float32 (it is redrawn in every live frame).

    Parameters
    ----------
    epochs, loss, train_accuracy, test_accuracy : sequences of equal length
    title : str, optional
    height, max_points : int
    """
    x = np.asarray(epochs, dtype=float).ravel()
    curves = [("training loss", loss, "x", "y", dict(color=BLUE, width=2)),
              ("training accuracy", train_accuracy, "x2", "y2", dict(color=BLUE, width=2)),
              ("test accuracy", test_accuracy, "x2", "y2", dict(color=VERMILLION, width=2, dash="dash"))]
    data = []
    for name, y, xa, ya, line in curves:
        y = np.asarray(y, dtype=float).ravel()
        if y.size != x.size:
            raise ValueError(f"{name}: {y.size} values for {x.size} epochs")
        xs, ys = decimate(x, positive(y) if ya == "y" else y, max_points)
        data.append(dict(type="scatter", x=compact(xs), y=compact(ys), mode="lines", name=name, line=line,
                         xaxis=xa, yaxis=ya, showlegend=ya == "y2"))
    layout = base_layout(title, height=height)
    layout.update(
        xaxis=dict(domain=[0, 0.44], title=dict(text="epoch"), anchor="y"),
        yaxis=dict(type="log", title=dict(text="training loss (cross-entropy)"), anchor="x", exponentformat="power"),
        xaxis2=dict(domain=[0.56, 1], title=dict(text="epoch"), anchor="y2"),
        yaxis2=dict(range=[0, 1.02], title=dict(text="accuracy"), anchor="x2"),
        legend=dict(orientation="h", x=1.0, xanchor="right", y=1.02, yanchor="bottom"))
    return fast_figure(data, layout)


def _diverging_colorscale() -> list:
    """Blue (negative) - white (0) - red (positive) over the levels 0..254, light grey for level 255."""
    top = (LEVELS - 1) / LEVELS
    return sampled_colorscale("RdBu_r", top=top) + [[float(top + 0.5 / LEVELS), _GAP], [1.0, _GAP]]


def mosaic(tiles: Sequence[np.ndarray], columns: int, lo: float, hi: float, *,
           scale: Sequence[int] | None = None) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Square tiles on a grid of ``columns`` (row by row, 1-pixel gaps), as uint8 levels on ``[lo, hi]``.

    ``scale[i]`` enlarges tile ``i`` by pixel repetition (a 4 x 4 map shown as 8 x 8). Returns the mosaic and the
    top-left corner (row, column) of each tile.
    """
    scale = [1] * len(tiles) if scale is None else list(scale)
    blocks = [np.asarray(t, dtype=float) for t in tiles]
    blocks = [b if s == 1 else b.repeat(s, axis=0).repeat(s, axis=1) for b, s in zip(blocks, scale)]
    size = max(b.shape[0] for b in blocks)
    rows = -(-len(blocks) // columns)
    out = np.full((rows * (size + 1) - 1, columns * (size + 1) - 1), LEVELS, dtype=np.uint8)
    corners = []
    for i, b in enumerate(blocks):
        r, c = divmod(i, columns)
        y, x = r * (size + 1), c * (size + 1)
        out[y:y + b.shape[0], x:x + b.shape[1]] = quantize(b, lo, hi)
        corners.append((y, x))
    return out, corners


def _heatmap(z: np.ndarray, colorscale: list, lo: float, hi: float, title: str, height: int,
             labels: Sequence[tuple[float, float, str]] = ()) -> tuple[list, dict]:
    """The trace and layout of a tiled uint8 heatmap, for ``app.style.fast_figure``."""
    ticks = np.linspace(0, LEVELS - 1, 3)
    data = [dict(type="heatmap", z=z, zmin=0, zmax=LEVELS, colorscale=colorscale, hoverinfo="skip",
                 colorbar=dict(thickness=10, len=0.8, tickvals=ticks.tolist(),
                               ticktext=[f"{lo + t / (LEVELS - 1) * (hi - lo):.2g}" for t in ticks]))]
    layout = base_layout(title, height=height)
    layout["margin"] = dict(l=10, r=10, t=50, b=10)
    ny, nx = z.shape
    layout["xaxis"] = dict(visible=False, constrain="domain", range=[-0.5, nx - 0.5])
    layout["yaxis"] = dict(visible=False, scaleanchor="x", scaleratio=1, range=[ny - 0.5, -0.5])
    layout["annotations"] = [dict(x=x, y=y, text=text, showarrow=False, xref="x", yref="y", yanchor="bottom",
                                  font=dict(size=11)) for x, y, text in labels]
    return data, layout


def kernels_figure(K1: np.ndarray, *, title: str | None = None, height: int = 240) -> go.Figure:
    """The first-layer kernels ``K1 (c1, 1, k, k)`` side by side, on one symmetric scale ``[-m, m]`` (blue < 0 < red).

    Parameters
    ----------
    K1 : ndarray, shape (c1, 1, k, k)
    title : str, optional
    height : int
    """
    K1 = np.asarray(K1, dtype=float)
    kernels = K1.reshape(K1.shape[0], K1.shape[-2], K1.shape[-1])
    m = float(np.max(np.abs(kernels))) if kernels.size and np.all(np.isfinite(kernels)) else 1.0
    m = m or 1.0
    columns = min(len(kernels), 8)
    z, corners = mosaic(list(kernels), columns, -m, m)
    k = kernels.shape[-1]
    labels = [(x + (k - 1) / 2, y - 0.5, f"K1[{i}]") for i, (y, x) in enumerate(corners)]
    return fast_figure(*_heatmap(z, _diverging_colorscale(), -m, m, title or f"Learned first-layer kernels "
                                 f"({k} x {k})", height, labels))


def feature_maps_figure(image: np.ndarray, z1: np.ndarray, z2: np.ndarray, *, label: str = "",
                        title: str | None = None, height: int = 300) -> go.Figure:
    """A digit and its feature maps: the input, the ``c1`` maps after conv 1 + ReLU (full size), the ``c2`` maps
    after conv 2 + ReLU (half size, enlarged x2). Each group on its own scale ``[0, max]``.

    Parameters
    ----------
    image : ndarray, shape (h, w)
    z1 : ndarray, shape (c1, h, w)
    z2 : ndarray, shape (c2, h/2, w/2)
    label : str
        Shown above the input (e.g. "true 3, predicted 3").
    title : str, optional
    height : int
    """
    image, z1, z2 = (np.nan_to_num(np.asarray(a, dtype=float)) for a in (image, z1, z2))
    c1, c2 = z1.shape[0], z2.shape[0]
    columns = max(1 + c1, min(c2, 16), 4)
    top = [image / (image.max() or 1.0)] + [m / (z1.max() or 1.0) for m in z1]
    bottom = [m / (z2.max() or 1.0) for m in z2]
    tiles = top + [np.zeros_like(image)] * (columns - len(top)) + bottom
    z, corners = mosaic(tiles, columns, 0.0, 1.0, scale=[1] * columns + [2] * len(bottom))
    blank = range(len(top), columns)
    for i in blank:  # padding tiles of the first row: grey
        y, x = corners[i]
        z[y:y + image.shape[0], x:x + image.shape[1]] = LEVELS
    h = image.shape[0]
    labels = [(corners[0][1] + (h - 1) / 2, -0.5, label or "input")] + [
        (corners[1 + i][1] + (h - 1) / 2, -0.5, f"Z1[{i}]") for i in range(c1)]
    data, layout = _heatmap(z, image_colorscale(), 0.0, 1.0, title or f"Top: the digit and its {c1} maps after "
                            f"conv 1 + ReLU; below: the {c2} maps after conv 2 + ReLU (x2)", height, labels)
    data[0]["showscale"] = False  # each group has its own scale: a colour bar would mislead
    return fast_figure(data, layout)

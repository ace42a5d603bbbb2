"""Figures of the linear-classification page: squared loss versus cross-entropy contours, the cross-entropy
coding example, confusion counts and weight images (decision maps and convergence curves are shared:
:mod:`app.figures.common`).
"""
from __future__ import annotations

import functools
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.figures.common import compact
from app.style import BLACK, DIVERGING, SEQUENTIAL, base_layout, color, fast_figure, new_figure

__all__ = [
    "loss_contours_figure",
    "coding_figure",
    "confusion_figure",
    "weight_mosaic_figure",
    "sigmoid_figure",
    "l1_sweep_figure",
]

@functools.lru_cache(maxsize=None)
def _named_scale(name: str) -> tuple:
    """A named plotly colour scale as the explicit list validation makes of it (plotly.js's scales of the same
    name can differ, e.g. "RdBu": an unvalidated figure must carry the list)."""
    return tuple(tuple(x) for x in go.Heatmap(colorscale=name).to_plotly_json()["colorscale"])


@functools.lru_cache(maxsize=None)
def _level_scale(name: str) -> tuple:
    """The reversed named scale over the uint8 levels 0..254 of a quantized image, and white for level 255 (a gap)."""
    scale = _named_scale(name)
    top = 254 / 255
    return tuple((float((1 - x) * top), c) for x, c in reversed(scale)) + ((float(top + 0.5 / 255), "#ffffff"),
                                                                             (1.0, "#ffffff"))


def _room_for_subplot_titles(fig: go.Figure, title: str | None) -> None:
    """Lift the horizontal legend above the subplot titles (which sit just above each panel)."""
    fig.update_layout(margin=dict(t=95 if title else 70), legend=dict(y=1.1, yanchor="bottom"))


def loss_contours_figure(
    w1: np.ndarray,
    w2: np.ndarray,
    squared: np.ndarray,
    cross_entropy: np.ndarray,
    *,
    n_contours: int = 25,
    title: str | None = None,
    height: int = 400,
) -> go.Figure:
    """Side-by-side contours of the squared loss and the cross-entropy over ``(w1, w2)``.

    ``squared[j, i]`` and ``cross_entropy[j, i]`` are the losses at ``(w1[i], w2[j])`` (as returned
    by ``numdl_core.classify.loss_landscape``). The minimum on the grid of each is marked. The
    squared loss of a sigmoid output shows flat plateaus and bent level sets (non-convex); the
    cross-entropy has nested convex level sets.
    """
    w1 = np.asarray(w1, dtype=float)
    w2 = np.asarray(w2, dtype=float)
    panels = (("squared loss (non-convex)", np.asarray(squared, dtype=float)),
              ("cross-entropy (convex)", np.asarray(cross_entropy, dtype=float)))
    for name, F in panels:
        if F.shape != (w2.size, w1.size):
            raise ValueError(f"{name}: values must have shape (len(w2), len(w1)) = {(w2.size, w1.size)}, got {F.shape}")
    fig = make_subplots(rows=1, cols=2, subplot_titles=[p[0] for p in panels], horizontal_spacing=0.14,
                        figure=new_figure(title, height=height))
    for col, (name, F) in enumerate(panels, start=1):
        fig.add_trace(go.Contour(x=w1, y=w2, z=F, colorscale=SEQUENTIAL, ncontours=int(n_contours),
                                 contours=dict(coloring="heatmap", showlines=True),
                                 line=dict(width=0.6, color="rgba(255,255,255,0.6)"),
                                 colorbar=dict(x=0.43 if col == 1 else 1.0, len=0.9, thickness=12),
                                 name=name, hovertemplate="w₁=%{x:.2f}<br>w₂=%{y:.2f}<br>loss=%{z:.4g}<extra></extra>"),
                      row=1, col=col)
        j, i = np.unravel_index(np.nanargmin(F), F.shape)
        fig.add_trace(go.Scatter(x=[w1[i]], y=[w2[j]], mode="markers", name="grid minimum",
                                 showlegend=col == 1, legendgroup="min",
                                 marker=dict(symbol="star", size=13, color="white", line=dict(color=BLACK, width=1))),
                      row=1, col=col)
    fig.update_xaxes(title_text="w₁")
    fig.update_yaxes(title_text="w₂")
    _room_for_subplot_titles(fig, title)
    return fig


def coding_figure(
    bits: Mapping[str, float],
    *,
    entropy: float | None = None,
    codewords: Mapping[str, Sequence[str]] | None = None,
    title: str | None = None,
    height: int = 300,
) -> go.Figure:
    """Average code length in bits per symbol for several codes, with the entropy as a floor.

    ``bits`` maps a code's name to its average length ``H(p, q)``; ``entropy`` (``H(p)``) is drawn
    as a dashed line; ``codewords`` (name -> codewords) are shown on hover.
    """
    names = list(bits)
    vals = [float(bits[n]) for n in names]
    fig = new_figure(title, y_title="bits per symbol", height=height)
    hover = [", ".join(codewords[n]) if codewords and n in codewords else "" for n in names]
    fig.add_trace(go.Bar(x=names, y=vals, marker_color=[color(i) for i in range(len(names))],
                         text=[f"{v:g} bits" for v in vals], textposition="outside", customdata=hover,
                         hovertemplate="%{x}: %{y:g} bits<br>codewords: %{customdata}<extra></extra>",
                         showlegend=False, name="average length"))
    if entropy is not None:
        fig.add_hline(y=float(entropy), line=dict(color=BLACK, dash="dash", width=1.5),
                      annotation_text=f"entropy H(p) = {float(entropy):g}", annotation_position="top right",
                      annotation_bgcolor="rgba(255,255,255,0.85)")
    fig.update_xaxes(type="category")
    top = max(vals + ([float(entropy)] if entropy is not None else []), default=1.0)
    fig.update_yaxes(range=[0, 1.2 * top])
    return fig


def confusion_figure(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    n_classes: int,
    *,
    title: str | None = None,
    height: int = 360,
) -> go.Figure:
    """Confusion counts as a heatmap: row = true class, column = predicted class, numbers in the cells.

    The diagonal holds the correctly classified samples; the title reports the accuracy.
    """
    y_true = np.asarray(y_true).astype(int).ravel()
    y_pred = np.asarray(y_pred).astype(int).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {y_true.size} and {y_pred.size}")
    C = int(n_classes)
    if y_true.size and (min(y_true.min(), y_pred.min()) < 0 or max(y_true.max(), y_pred.max()) >= C):
        raise ValueError(f"labels must lie in 0..{C - 1}")
    M = np.zeros((C, C), dtype=int)
    np.add.at(M, (y_true, y_pred), 1)
    acc = float(np.trace(M)) / max(int(M.sum()), 1)
    ticks = [str(k) for k in range(C)]
    data = [dict(type="heatmap", x=ticks, y=ticks, z=M, colorscale=_named_scale("Blues"), showscale=False, text=M,
                 texttemplate="%{text}", hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
                 name="counts")]
    layout = base_layout(title or f"Confusion counts (accuracy {100 * acc:.1f}%)", height=height)
    layout["xaxis"].update(title=dict(text="predicted class"), type="category", side="bottom")
    layout["yaxis"].update(title=dict(text="true class"), type="category", autorange="reversed", scaleanchor="x",
                           scaleratio=1)
    return fast_figure(data, layout)  # redrawn in every frame of the live digits run


def weight_mosaic_figure(
    weights: Mapping[str, np.ndarray],
    *,
    shape: tuple[int, int] = (8, 8),
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    height: int | None = None,
    hover: bool = True,
) -> go.Figure:
    """The weight images of one or more linear classifiers in one heatmap (light enough to redraw live).

    ``weights`` maps a row label (e.g. an optimizer) to ``W`` of shape ``(shape[0]*shape[1], n_classes)``;
    column ``c`` of ``W`` is drawn as a ``shape`` image. One row of images per entry, one image per class,
    separated by blank lines. Each row is scaled by its own ``max |W|`` (a diverging scale centred at 0, red
    positive, blue negative) so a young iterate with small weights stays visible; hovering shows the real value.
    Sent as float32 (:func:`~app.figures.common.compact`); ``hover=False`` leaves out the hover values (half the
    bytes), for the frames of a playing run, which are drawn without hover anyway.
    """
    names = list(weights)
    if not names:
        raise ValueError("weights is empty: pass at least one {label: W}")
    h, w = int(shape[0]), int(shape[1])
    Ws = [np.asarray(weights[n], dtype=float) for n in names]
    C = Ws[0].shape[1] if Ws[0].ndim == 2 else 0
    for n, W in zip(names, Ws):
        if W.ndim != 2 or W.shape != (h * w, C):
            raise ValueError(f"{n}: W must have shape ({h * w}, {C}) (one column per class), got {W.shape}")
    rows, cols = len(names) * (h + 1) - 1, C * (w + 1) - 1
    Z = np.full((rows, cols), np.nan)
    V = np.full((rows, cols), np.nan)
    for r, W in enumerate(Ws):
        scale = float(np.nanmax(np.abs(W))) if np.any(np.isfinite(W)) else 1.0
        scale = scale if np.isfinite(scale) and scale > 0 else 1.0
        for c in range(C):
            img = W[:, c].reshape(h, w)
            Z[r * (h + 1): r * (h + 1) + h, c * (w + 1): c * (w + 1) + w] = img / scale
            V[r * (h + 1): r * (h + 1) + h, c * (w + 1): c * (w + 1) + w] = img
    labels = list(class_names) if class_names is not None else [str(c) for c in range(C)]
    if hover:
        data = [dict(type="heatmap", z=compact(Z), colorscale=_named_scale(DIVERGING), reversescale=True, zmin=-1,
                     zmax=1, showscale=False, hoverongaps=False, name="weights", customdata=compact(V),
                     hovertemplate="w = %{customdata:.3g}<extra></extra>")]
    else:  # a live frame: uint8 levels 0..254 (127 = exactly 0, white), 255 for the gaps: a quarter of the bytes
        with np.errstate(invalid="ignore"):
            levels = np.where(np.isfinite(Z), np.clip(np.rint(127 * (Z + 1)), 0, 254), 255).astype(np.uint8)
        data = [dict(type="heatmap", z=levels, colorscale=_level_scale(DIVERGING), zmin=0, zmax=255,
                     showscale=False, name="weights", hoverinfo="skip")]
    layout = base_layout(title, height=height or 70 + 110 * len(names))
    layout["xaxis"].update(tickmode="array", tickvals=[c * (w + 1) + (w - 1) / 2 for c in range(C)], ticktext=labels,
                           showgrid=False, zeroline=False, side="top")
    layout["yaxis"].update(tickmode="array", tickvals=[r * (h + 1) + (h - 1) / 2 for r in range(len(names))],
                           ticktext=names, autorange="reversed", showgrid=False, zeroline=False, scaleanchor="x",
                           scaleratio=1)
    layout["margin"] = dict(l=130, r=10, t=60 if title else 30, b=10)
    return fast_figure(data, layout)  # redrawn in every frame of the live digits run


def sigmoid_figure(z: np.ndarray, c: np.ndarray, *, title: str | None = None, height: int = 380,
                   max_points: int = 150) -> go.Figure:
    """The sigmoid p = σ(z) over the scores ``z`` of the samples, with each sample at (z_i, c_i) in its class colour.

    Samples right of z = 0 are predicted c = 1: a point at c = 0 there (or at c = 1 on the left) is misclassified.
    At most ``max_points`` samples are drawn (every k-th), so a live frame stays small.
    """
    z = np.asarray(z, dtype=float)
    c = np.asarray(c, dtype=float)
    k = max(1, -(-z.size // max_points))
    zs, cs = z[::k], c[::k]
    finite = zs[np.isfinite(zs)]
    half = max(6.0, float(np.max(np.abs(finite)))) if finite.size else 6.0
    grid = np.linspace(-half, half, 121)
    e = np.exp(-np.abs(grid))
    data = [dict(type="scatter", x=compact(grid), y=compact(np.where(grid >= 0, 1 / (1 + e), e / (1 + e))),
                 mode="lines", line=dict(color=BLACK, width=2), name="σ(z)", hoverinfo="skip")]
    for cls in (0, 1):
        sel = np.round(cs) == cls
        data.append(dict(type="scatter", x=compact(zs[sel]), y=compact(cs[sel]), mode="markers", name=f"c = {cls}",
                         marker=dict(color=color(cls), size=6, opacity=0.6),
                         hovertemplate="z = %{x:.3g}<extra></extra>"))
    layout = base_layout(title, x_title="score z = wᵀx + b", y_title="p = σ(z) and observed c", height=height)
    layout["yaxis"].update(range=[-0.08, 1.08])
    layout["shapes"] = [dict(type="line", x0=0, x1=0, y0=0, y1=1, xref="x", yref="paper",
                             line=dict(color="grey", dash="dot", width=1))]
    return fast_figure(data, layout)


def l1_sweep_figure(alphas: Sequence[float], sparsity: Sequence[float], test_accuracy: Sequence[float], *,
                    current: float | None = None, title: str | None = None, height: int = 340) -> go.Figure:
    """Sparsity (% of the weights exactly 0) and test accuracy against the L1 weight α (log axis), ``current`` marked."""
    a = np.asarray(alphas, dtype=float)
    data = [dict(type="scatter", x=a, y=100 * np.asarray(sparsity, float), mode="lines+markers", name="zero weights (%)",
                 line=dict(color=color(0)), hovertemplate="α = %{x:.3g}: %{y:.1f}% zeros<extra></extra>"),
            dict(type="scatter", x=a, y=100 * np.asarray(test_accuracy, float), mode="lines+markers",
                 name="test accuracy (%)", line=dict(color=color(1)),
                 hovertemplate="α = %{x:.3g}: %{y:.1f}% correct<extra></extra>")]
    layout = base_layout(title, x_title="L1 weight α (λ in the notes)", y_title="%", log_x=True, height=height)
    layout["yaxis"].update(range=[0, 102])
    if current is not None:
        layout["shapes"] = [dict(type="line", x0=float(current), x1=float(current), y0=0, y1=1, xref="x",
                                 yref="paper", line=dict(color="grey", dash="dot", width=1))]
    return fast_figure(data, layout)

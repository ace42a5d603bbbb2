"""Figures of the single-layer network page: ELM singular values, accuracy against width, the loss
surface along two random directions, accuracy curves, the inner-solve order, and the loss curves and decision
map of a live run (drawn with the shared :mod:`app.figures.common`).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact, convergence_figure, decimate, decision_map_figure, positive
from app.style import base_layout, fast_figure
from app.style import BLACK, BLUE, SEQUENTIAL, VERMILLION, color, new_figure

__all__ = [
    "singular_values_figure",
    "loss_surface_figure",
    "accuracy_curves_figure",
    "inner_solve_figure",
    "loss_figures",
    "live_map_figure",
    "LIVE_MAP_POINTS",
]

LIVE_MAP_POINTS = 300  # data points drawn on a decision map that is redrawn in every live frame

EPS = float(np.finfo(float).eps)


def _vector(name: str, a, n: int | None = None) -> np.ndarray:
    a = np.asarray(a, dtype=float).ravel()
    if n is not None and a.size != n:
        raise ValueError(f"{name} must have {n} entries, got {a.size}")
    return a


# a horizontal legend above the plot, right-aligned, so that it never covers a left-aligned title
_LEGEND_RIGHT = dict(x=1.0, xanchor="right", y=1.02, yanchor="bottom")


def _layout(title, **kw) -> dict:
    """The base layout (:func:`app.style.base_layout`) with the legend at ``_LEGEND_RIGHT``."""
    layout = base_layout(title, **kw)
    layout["legend"] = dict(layout["legend"], **_LEGEND_RIGHT)
    return layout


def _legend_right(fig: go.Figure) -> go.Figure:
    """``fig`` with its legend at ``_LEGEND_RIGHT``."""
    fig.update_layout(legend=_LEGEND_RIGHT)
    return fig


def singular_values_figure(
    singular_values: Mapping[str, Sequence[float]],
    *,
    relative: bool = True,
    title: str | None = None,
    height: int = 360,
) -> go.Figure:
    """Singular values of the ELM feature matrix, log-y, one line per activation.

    Parameters
    ----------
    singular_values : {activation: singular values (descending)}
        E.g. from ``numdl_core.single_layer.feature_singular_values``.
    relative : bool
        Plot :math:`\\sigma_i / \\sigma_1` (then a dotted line marks the round-off level ``eps``: features
        below it are numerically dependent, the output solve is as ill-conditioned as ``sigma_1 / sigma_m``).
        Exact zeros (dead ReLU features) cannot be drawn on a log axis and leave the line early.
    """
    fig = new_figure(title, x_title="index i", y_title="σᵢ / σ₁" if relative else "σᵢ", log_y=True, height=height)
    for k, (name, s) in enumerate(singular_values.items()):
        s = _vector(f"singular values of {name}", s)
        y = s / s[0] if relative and s.size and s[0] > 0 else s
        fig.add_trace(go.Scatter(x=np.arange(1, s.size + 1), y=positive(y), mode="lines+markers", name=name,
                                 line=dict(color=color(k), width=2), marker=dict(size=4)))
    if relative:
        fig.add_hline(y=EPS, line=dict(color=BLACK, width=1, dash="dot"), annotation_text="round-off (eps)",
                      annotation_position="bottom left")
    return _legend_right(fig)


def loss_surface_figure(
    alphas: Sequence[float],
    betas: Sequence[float],
    values: np.ndarray,
    *,
    point: tuple[float, float] | None = (0.0, 0.0),
    path: tuple[Sequence[float], Sequence[float]] | None = None,
    log: bool = False,
    title: str | None = None,
    height: int = 420,
) -> go.Figure:
    """The loss on the plane ``theta + a d1 + b d2`` as a filled contour map, with the current point.

    Parameters
    ----------
    alphas, betas : 1-D arrays
        Grid coordinates along ``d1`` (x-axis) and ``d2`` (y-axis).
    values : ndarray, shape (len(betas), len(alphas))
        From ``numdl_core.single_layer.loss_surface`` (rows follow ``betas``).
    point : (a, b) or None
        The current parameters (the centre ``(0, 0)`` by default), drawn as a star.
    path : (a, b) arrays, optional
        An optimization path projected onto the plane (``project_onto_plane``).
    log : bool
        Colour by ``log10(loss)`` (shows the floor of a nearly zero-residual fit).
    """
    a = _vector("alphas", alphas)
    b = _vector("betas", betas)
    V = np.asarray(values, dtype=float)
    if V.shape != (b.size, a.size):
        raise ValueError(f"values must have shape (len(betas), len(alphas)) = {(b.size, a.size)}, got {V.shape}")
    z = np.log10(positive(V)) if log else V
    fig = new_figure(title, x_title="α (direction 1)", y_title="β (direction 2)", height=height)
    fig.add_trace(go.Contour(x=a, y=b, z=z, colorscale=SEQUENTIAL, ncontours=25, name="loss",
                             contours=dict(coloring="heatmap", showlines=True),
                             line=dict(width=0.5, color="rgba(255,255,255,0.5)"),
                             colorbar=dict(title="log₁₀ loss" if log else "loss", thickness=14),
                             hovertemplate="α=%{x:.3f}<br>β=%{y:.3f}<br>%{z:.4g}<extra></extra>"))
    if path is not None:
        pa, pb = _vector("path a", path[0]), _vector("path b", path[1])
        if pa.size != pb.size:
            raise ValueError(f"path coordinates must have equal lengths, got {pa.size} and {pb.size}")
        fig.add_trace(go.Scatter(x=pa, y=pb, mode="lines+markers", name="path",
                                 line=dict(color="white", width=2),
                                 marker=dict(size=5, color="white", line=dict(color=BLACK, width=1))))
    if point is not None:
        fig.add_trace(go.Scatter(x=[float(point[0])], y=[float(point[1])], mode="markers", name="current θ",
                                 marker=dict(symbol="star", size=16, color=VERMILLION,
                                             line=dict(color="white", width=1))))
    fig.update_xaxes(range=[a[0], a[-1]], showgrid=False, zeroline=False)
    fig.update_yaxes(range=[b[0], b[-1]], showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1)
    return _legend_right(fig)


def accuracy_curves_figure(
    x: Sequence[float],
    train_accuracy: Sequence[float],
    validation_accuracy: Sequence[float] | None = None,
    *,
    x_title: str = "epoch",
    log_x: bool = False,
    markers: bool = False,
    current: float | None = None,
    title: str | None = None,
    height: int = 320,
) -> go.Figure:
    """Training and validation accuracy against ``x`` (the gap is the generalization error).

    ``x`` is the epoch during training, or the width of the hidden layer for the ELM (``x_title="width (hidden
    neurons)"``, ``log_x=True``, ``markers=True``); ``current`` marks a chosen ``x`` with a dotted vertical line.
    A long curve is thinned to at most ``MAX_CURVE_POINTS`` points (it is redrawn in every live frame); the figure
    is built from plain dicts in one :func:`app.style.fast_figure` call.
    """
    x = _vector("x", x)
    mode = "lines+markers" if markers else "lines"
    data = []
    for name, arg, acc, line in (("training", "train_accuracy", train_accuracy, dict(color=BLUE, width=2)),
                                 ("validation", "validation_accuracy", validation_accuracy,
                                  dict(color=VERMILLION, width=2, dash="dash"))):
        if acc is not None:
            xs, ys = decimate(x, _vector(arg, acc, x.size))
            data.append(dict(type="scatter", x=compact(xs), y=compact(ys), mode=mode, name=name, line=line))
    layout = _layout(title, x_title=x_title, y_title="accuracy", log_x=log_x, height=height)
    layout["yaxis"]["range"] = [0, 1.02]
    if current is not None:  # what fig.add_vline(x=current) adds, without its validation
        layout["shapes"] = [dict(type="line", x0=float(current), x1=float(current), xref="x", y0=0, y1=1,
                                 yref="y domain", line=dict(color=BLACK, width=1, dash="dot"))]
    return fast_figure(data, layout)


def inner_solve_figure(
    iterations: Sequence[int],
    orders: Sequence[float],
    inner_optimality: Sequence[float] | None = None,
    *,
    direct_order: float | None = None,
    current: int | None = None,
    title: str | None = None,
    height: int = 340,
) -> go.Figure:
    """Observed Taylor order of the VarPro reduced gradient against the number of inner CG iterations.

    Parameters
    ----------
    iterations : inner CG iterations (x-axis, log scale)
    orders : observed order of E1 for each (``nan`` where not measurable is left out)
    inner_optimality : optional relative inner gradient norm ``||grad_W f(u, W_k)|| / ||grad_W f(u, 0)||``
        drawn on a second, logarithmic y-axis (right)
    direct_order : the order with the direct (exact) inner solve, drawn as a dashed horizontal line
    current : the iteration count chosen on the page (dotted vertical line)

    Dotted reference lines mark order 1 (wrong gradient) and order 2 (correct gradient).
    """
    it = _vector("iterations", iterations)
    od = _vector("orders", orders, it.size)
    fig = new_figure(title, x_title="inner CG iterations", y_title="observed order of E1", log_x=True, height=height)
    fig.add_trace(go.Scatter(x=it, y=od, mode="lines+markers", name="order (inner CG)",
                             line=dict(color=BLUE, width=2), marker=dict(size=7)))
    for level, text in ((1.0, "order 1: wrong gradient"), (2.0, "order 2: correct gradient")):
        fig.add_hline(y=level, line=dict(color=BLACK, width=1, dash="dot"), annotation_text=text,
                      annotation_position="top left", annotation_font_size=10)
    if direct_order is not None and np.isfinite(direct_order):
        fig.add_trace(go.Scatter(x=[it.min(), it.max()], y=[float(direct_order)] * 2, mode="lines",
                                 name=f"direct solve ({float(direct_order):.2f})",
                                 line=dict(color=VERMILLION, width=2, dash="dash")))
    if inner_optimality is not None:
        io = _vector("inner_optimality", inner_optimality, it.size)
        fig.add_trace(go.Scatter(x=it, y=positive(io), mode="lines+markers", name="inner optimality (right axis)",
                                 yaxis="y2", line=dict(color=color(2), width=1.5, dash="dot"), marker=dict(size=5)))
        fig.update_layout(yaxis2=dict(title="‖∇_W f‖ / ‖∇_W f(W=0)‖", type="log", overlaying="y", side="right",
                                      showgrid=False, exponentformat="power", dtick=4))
        fig.update_layout(margin=dict(r=70))
    if current is not None:
        fig.add_vline(x=float(current), line=dict(color=BLACK, width=1, dash="dot"))
    finite = od[np.isfinite(od)]
    lo = min(0.0, float(finite.min()) if finite.size else 0.0) - 0.2
    hi = max(2.5, float(finite.max()) if finite.size else 0.0) + 0.3
    fig.update_layout(yaxis=dict(range=[lo, hi]))
    return _legend_right(fig)


def loss_figures(
    histories: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    diverged: Mapping[str, float] | None = None,
    events: Sequence[tuple[float, str]] = (),
    y_title: str = "training loss",
    titles: tuple[str, str] = ("Training loss against work", "Training loss against iteration"),
    log_iterations: bool = False,
) -> tuple[go.Figure, go.Figure]:
    """The loss of every series of a live run against work (log-log) and against iteration.

    Parameters
    ----------
    histories : {name: {"iteration": ..., "work": ..., "loss": ...}}
        The recorded history of each series (work in passes over the data, ``Step.info["work"]``).
    diverged : {name: iteration}, optional
        Series that diverged, and where: a cross marks it in both figures.
    events : [(iteration, text)]
        Settings changed mid-run (dotted lines in the figure against iteration).
    y_title : str
        Title of the y axis against iteration.
    titles : (str, str)
        Titles of the figure against work and of the figure against iteration.
    log_iterations : bool
        Logarithmic iteration axis.

    Returns
    -------
    (plotly.graph_objects.Figure, plotly.graph_objects.Figure)
        Against work, against iteration.
    """
    diverged = dict(diverged or {})
    by_work = convergence_figure({n: (h["work"], h["loss"]) for n, h in histories.items()}, x="work", log_x=True,
                                 y_title="training loss", diverged={n: n in diverged for n in histories},
                                 title=titles[0])
    by_iter = convergence_figure({n: (h["iteration"], h["loss"]) for n, h in histories.items()}, events=events,
                                 y_title=y_title, log_x=log_iterations, diverged=diverged, title=titles[1],
                                 x_title="iteration (log)" if log_iterations else "iteration")
    return by_work, by_iter


def live_map_figure(
    gx: Sequence[float],
    gy: Sequence[float],
    labels: np.ndarray,
    X: np.ndarray,
    y: Sequence[int],
    *,
    max_points: int = LIVE_MAP_POINTS,
    **options,
) -> go.Figure:
    """:func:`app.figures.common.decision_map_figure` with at most ``max_points`` of the data points.

    A decision map redrawn in every live frame carries its map (uint8 levels) and the points; 1000 points
    would double the bytes of the frame, so evenly spaced rows of ``X`` are kept (the data sets are shuffled,
    so every class keeps its share).

    Parameters
    ----------
    gx, gy, labels, X, y
        As in :func:`app.figures.common.decision_map_figure`.
    max_points : int
        Points drawn at most.
    **options
        Passed on (``n_classes``, ``title``, ``height``, ``marker_size``, ``webgl``...).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.shape[0] > max_points:
        keep = np.unique(np.linspace(0, X.shape[0] - 1, int(max_points)).round().astype(int))
        X, y = X[keep], y[keep]
    return decision_map_figure(gx, gy, labels, X, y, **options)

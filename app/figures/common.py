"""Figures shared by many pages: convergence curves, decision maps and the Taylor-test picture, with the
helpers that keep live figures small on the wire (:func:`positive`, :func:`decimate`, :func:`compact`).

Live figures are redrawn several times per second and sent to the browser as JSON each time
(``plotly.io.to_json``, which writes numpy arrays as base64 typed arrays): curves are decimated to at most
:data:`MAX_CURVE_POINTS` points, coordinates go out as float32 and class maps as uint8.
"""
from __future__ import annotations

import base64
import struct
import zlib
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.style import BLACK, BLUE, GREEN, VERMILLION, base_layout, color, fast_figure, new_figure

__all__ = [
    "MAX_CURVE_POINTS",
    "MAX_GRID",
    "positive",
    "decimate",
    "compact",
    "rate_line",
    "class_colorscale",
    "convergence_figure",
    "decision_map_figure",
    "taylor_figure",
]

MAX_CURVE_POINTS = 300  # a curve of a live figure is decimated to at most this many points
MAX_GRID = 80  # a decision map finer than this per axis is thinned before drawing
_F32_TINY, _F32_HUGE = 1e-37, 1e37  # magnitudes float32 holds with full relative precision


def positive(y) -> np.ndarray:
    """``y`` as float64 with non-positive and non-finite values replaced by nan (they break log axes).

    Parameters
    ----------
    y : array_like

    Returns
    -------
    ndarray
        A new array: :math:`y_i` where :math:`y_i > 0` is finite, nan elsewhere.
    """
    y = np.asarray(y, dtype=float).copy()
    y[~np.isfinite(y) | (y <= 0)] = np.nan
    return y


def compact(a) -> np.ndarray:
    """``a`` as float32 when that loses nothing visible, else float64 (half the bytes on the wire).

    float32 keeps a relative precision of :math:`2^{-24} \\approx 6\\cdot10^{-8}`, far below a pixel, for
    magnitudes in :math:`[10^{-37}, 10^{37}]`; an array with a finite nonzero value outside that range
    (e.g. a theory curve falling to :math:`10^{-60}` on a log axis) stays float64 so that it is drawn
    where it was. Integers up to :math:`2^{24}` are exact in float32.

    Reference: IEEE 754-2008, binary32 format.
    """
    a = np.asarray(a, dtype=float)
    m = np.abs(a[np.isfinite(a) & (a != 0)])
    if m.size and (m.min() < _F32_TINY or m.max() > _F32_HUGE):
        return a
    return a.astype(np.float32)


def decimate(x, y, n: int = MAX_CURVE_POINTS, *, log: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """At most ``n`` points of the curve ``(x, y)``, the first and the last always kept.

    The kept indices are :math:`i_k = \\mathrm{round}(k (N-1)/(n-1))`, :math:`k = 0..n-1` (equally spaced), or
    with ``log=True`` equally spaced in :math:`\\log(i+1)` (for a log x axis: the early iterations, which
    fill most of its width, keep their detail). Duplicate indices are dropped.

    Parameters
    ----------
    x, y : array_like of equal length N
    n : int
        Maximum number of points kept (at least 2).
    log : bool
        Space the kept indices geometrically.

    Returns
    -------
    x, y : ndarray
        The kept points, in order; the input arrays themselves when ``N <= n``.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D of equal length, got shapes {x.shape} and {y.shape}")
    N, n = x.size, max(int(n), 2)
    if N <= n:
        return x, y
    if log:
        idx = np.unique(np.rint(np.geomspace(1, N, n)).astype(int) - 1)
    else:
        idx = np.unique(np.rint(np.linspace(0, N - 1, n)).astype(int))
    return x[idx], y[idx]


def rate_line(iterations: np.ndarray, y0: float, rate: float) -> np.ndarray:
    """Theory curve ``y0 * rate**k`` (with underflow clipped to nan for log axes)."""
    k = np.asarray(iterations, dtype=float)
    with np.errstate(under="ignore", divide="ignore"):
        y = y0 * np.power(rate, k)
    return positive(y)


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def class_colorscale(n_classes: int, alpha: float = 0.35) -> list:
    """A stepped (discrete) plotly colour scale: class ``k`` of ``0..n_classes-1`` gets palette colour ``k``.

    Use with ``zmin=-0.5, zmax=n_classes-0.5``; ``alpha`` lightens the regions so points stay visible.
    """
    n = max(int(n_classes), 1)
    scale = []
    for k in range(n):
        c = _rgba(color(k), alpha)
        scale += [[k / n, c], [(k + 1) / n, c]]
    return scale


def _last_finite(y: np.ndarray) -> float | None:
    return next((float(v) for v in y[::-1] if np.isfinite(v)), None)


def _diverged_x(mark, x: np.ndarray) -> float | None:
    """Where a divergence cross goes: ``True`` -> the last point, a number -> that x, ``False``/None -> none."""
    if mark is None or mark is False or (mark is True and not x.size):
        return None
    return float(x[-1]) if mark is True else mark


def convergence_figure(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    right: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
    right_title: str = "‖gradient‖",
    x: str = "iteration",
    x_title: str | None = None,
    y_title: str = "loss",
    log_x: bool = False,
    log_y: bool = True,
    theory: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
    events: Sequence[tuple[float, str]] = (),
    diverged: Mapping[str, float | bool] | None = None,
    levels: Sequence[tuple[float, str, dict]] = (),
    title: str | None = None,
    height: int = 360,
    max_points: int = MAX_CURVE_POINTS,
) -> go.Figure:
    """Curves :math:`y_k` against iteration (or work), one colour per name, for static and live use.

    One ``Figure(data, layout)`` call (:func:`app.style.fast_figure`): it is redrawn in every live frame.
    Each curve is decimated to ``max_points`` points (:func:`decimate`, the last point kept) and sent as
    float32 (:func:`compact`); on a log y axis non-positive values become gaps (:func:`positive`).

    Parameters
    ----------
    series : {name: (x, y)}
        ``x`` iterations (or work, see ``x``) and values of each curve.
    right : {name: (x, y)}, optional
        A second panel to the right (e.g. the gradient norm :math:`\\|\\nabla f(w_k)\\|`) with the same
        names; then ``y_title`` and ``right_title`` are the titles above the two panels, one legend entry
        per name toggles both curves, events are marked in both panels.
    x : {"iteration", "work"}
        ``"iteration"``: iteration counts in plain numbers (1, 10, 100, 1k) also on a log axis, legend above the
        plot on the left. ``"work"`` (cumulative passes over the data, e.g. ``Step.info["work"]``): legend above
        the plot on the right, markers on curves of at most 60 points. (Legends never go below the axis, where
        they would cover its title: :func:`app.style.tidy_layout`.)
    x_title, y_title : str
        Axis titles (``x_title`` defaults to "iteration" or "work (passes over the data)").
    log_x, log_y : bool
        Logarithmic axes.
    theory : {name: (x, y)}, optional
        Dashed curves in the colour of the series of the same position (one panel only).
    events : [(x, text)]
        Dotted vertical lines with their text (e.g. ``(120, "step 1 → 5")``: a setting changed mid-run).
    diverged : {name: x or bool}
        A cross marks where a series diverged: at that x, or with ``True`` at its last point.
    levels : [(y, text, line)]
        Horizontal reference lines across the plot (one panel only), each with its text above the right end
        and its plotly line style (e.g. a floor no iterate goes below).
    max_points : int
        Maximum number of points drawn per curve (half of it per curve in each of two panels: the panels are
        half as wide).

    Notes
    -----
    Linear convergence :math:`e_k \\le C \\rho^k` is a straight line on a log y axis (slope :math:`\\log\\rho`);
    see Nocedal and Wright, *Numerical Optimization*, 2nd ed., Springer 2006, Sec. 2.2.
    """
    if x not in ("iteration", "work"):
        raise ValueError(f"x must be 'iteration' or 'work', got {x!r}")
    two = right is not None
    if two and set(right) != set(series):
        raise ValueError(f"right must have the names of series {sorted(series)}, got {sorted(right)}")
    if two and (theory or levels):
        raise ValueError("theory curves and levels are drawn in a one-panel figure only (right=None)")
    x_title = x_title or ("iteration" if x == "iteration" else "work (passes over the data)")
    panels = [("x", "y", series)] + ([("x2", "y2", right)] if two else [])
    data, marks = [], []
    for i, name in enumerate(series):
        c = color(i)
        for xa, ya, curves in panels:
            xs, ys = (np.asarray(v, dtype=float).ravel() for v in curves[name])
            if xs.size != ys.size:
                raise ValueError(f"{name}: x and y must have equal lengths, got {xs.size} and {ys.size}")
            xs = positive(xs) if log_x else xs
            ys = positive(ys) if log_y else ys
            dx, dy = decimate(xs, ys, max_points // len(panels), log=log_x)  # points per pixel as in one panel
            tr = dict(type="scatter", x=compact(dx), y=compact(dy), mode="lines", name=name,
                      line=dict(color=c, width=2))
            if x == "work" and xs.size <= 60:
                tr.update(mode="lines+markers", marker=dict(size=4))
            if two:
                tr.update(legendgroup=name, xaxis=xa, yaxis=ya, **({} if xa == "x" else {"showlegend": False}))
            data.append(tr)
            at = _diverged_x(diverged.get(name) if diverged else None, xs)
            if at is not None:
                mk = dict(type="scatter", x=[at], y=[_last_finite(ys)], mode="markers+text", text=["diverged"],
                          textposition="top left", showlegend=False, marker=dict(symbol="x", size=12, color=c))
                if two:
                    mk.update(legendgroup=name, xaxis=xa, yaxis=ya)
                marks.append(mk)
    for i, (name, (tx, ty)) in enumerate((theory or {}).items()):
        tx, ty = decimate(np.asarray(tx, dtype=float), positive(ty) if log_y else np.asarray(ty, dtype=float),
                          max_points, log=log_x)
        marks.append(dict(type="scatter", x=compact(tx), y=compact(ty), mode="lines", name=name,
                          line=dict(color=color(i), width=1.5, dash="dash")))
    data += marks
    if two:
        layout = _two_panel_layout(title, x_title, y_title, right_title, log_x, log_y, height, events)
    else:
        layout = base_layout(title, x_title=x_title, y_title=y_title, log_x=log_x, log_y=log_y, height=height)
        if x == "iteration":
            layout["xaxis"]["exponentformat"] = "B"  # iteration counts read 1, 10, 100, 1k also on a log axis
        elif len(data) <= 3:  # above the plot, right-aligned, beside a left-aligned title; more entries go below
            layout["legend"] = dict(layout["legend"], x=1.0, xanchor="right", y=1.02, yanchor="bottom")
        if events:  # dotted vertical marks with their text, in the layout (add_vline is slow for live frames)
            layout["shapes"] = [dict(type="line", xref="x", yref="paper", x0=at, x1=at, y0=0, y1=1,
                                     line=dict(color="#888", dash="dot", width=1)) for at, _ in events]
            layout["annotations"] = [dict(x=at, y=1, xref="x", yref="paper", text=text, showarrow=False,
                                          xanchor="right", yanchor="top", font=dict(size=10)) for at, text in events]
        for y, text, line in levels:  # an annotation on a log axis takes log10 of its value (plotly's convention)
            layout.setdefault("shapes", []).append(dict(type="line", xref="x domain", yref="y", x0=0, x1=1,
                                                        y0=y, y1=y, line=line))
            layout.setdefault("annotations", []).append(
                dict(xref="x domain", yref="y", x=1, y=float(np.log10(y)) if log_y else float(y), text=text,
                     showarrow=False, xanchor="right", yanchor="bottom"))
    return fast_figure(data, layout)


def _two_panel_layout(title, x_title, left_title, right_title, log_x, log_y, height, events) -> dict:
    """The base layout with the grid of ``make_subplots(rows=1, cols=2, horizontal_spacing=0.12)``, laid out by
    hand (``xaxis``/``xaxis2`` domains): ``make_subplots`` costs tens of milliseconds per live frame."""
    layout = base_layout(title, height=height)
    xaxis = dict(title=dict(text=x_title), type="log" if log_x else "linear", exponentformat="B")
    yaxis = dict(type="log" if log_y else "linear", exponentformat="power" if log_y else "B")
    layout["xaxis"].update(xaxis, anchor="y", domain=[0.0, 0.44])
    layout["yaxis"].update(yaxis, anchor="x", domain=[0.0, 1.0])
    layout["xaxis2"] = dict(xaxis, anchor="y2", domain=[0.56, 1.0])
    layout["yaxis2"] = dict(yaxis, anchor="x2", domain=[0.0, 1.0])
    annotations = [dict(text=text, x=at, y=1.0, xref="paper", yref="paper", xanchor="center", yanchor="bottom",
                        showarrow=False, font=dict(size=16)) for text, at in ((left_title, 0.22), (right_title, 0.78))]
    shapes = []
    for at, text in events:  # dotted vertical lines in both panels, the text in the left one
        for xa, ya in (("x", "y"), ("x2", "y2")):
            shapes.append(dict(type="line", xref=xa, yref=f"{ya} domain", x0=at, x1=at, y0=0, y1=1,
                               line=dict(color="#888", dash="dot", width=1)))
        annotations.append(dict(text=text, x=at, y=1, xref="x", yref="y domain", xanchor="right", yanchor="top",
                                showarrow=False, font=dict(size=10)))
    layout["annotations"] = annotations
    if shapes:
        layout["shapes"] = shapes
    # room for the panel titles: the horizontal legend goes above them
    layout["margin"]["t"] = 95 if title else 70
    layout["legend"].update(y=1.1, yanchor="bottom")
    return layout


def _cells(axis: str, g: np.ndarray) -> dict:
    """Heatmap cell centres along one axis: ``{x0, dx}`` for an equally spaced grid (a few bytes, the same
    cells), else the float32 coordinates."""
    d = np.diff(g)
    if g.size > 1 and np.allclose(d, d[0], rtol=1e-6, atol=0.0):
        return {f"{axis}0": float(g[0]), f"d{axis}": float((g[-1] - g[0]) / (g.size - 1))}
    return {axis: g.astype(np.float32)}


def decision_map_figure(
    gx: Sequence[float],
    gy: Sequence[float],
    labels: np.ndarray,
    X: np.ndarray,
    y: Sequence[int],
    *,
    n_classes: int | None = None,
    y_pred: Sequence[int] | None = None,
    webgl: bool | None = None,
    marker_size: float = 6,
    title: str | None = None,
    height: int = 420,
    image: bool = False,
) -> go.Figure:
    """Predicted class on a grid (light discrete colours, one per class) with the data points on top.

    Light enough to redraw in every live frame: one ``Figure(data, layout)`` call, the map sent as uint8
    class levels on float32 coordinates (an 80 x 80 map: 6.4 KB of levels instead of 51 KB of float64).

    Parameters
    ----------
    gx, gy : 1-D arrays
        Grid coordinates (``numdl_core.classify.decision_map(predict, X, n=80)``); grids finer than
        :data:`MAX_GRID` per axis are thinned.
    labels : ndarray of int, shape (len(gy), len(gx))
        ``labels[j, i]`` is the predicted class at ``(gx[i], gy[j])``.
    X : ndarray, shape (n, 2); y : ndarray of int, shape (n,)
        The data, one colour per class.
    n_classes : int, optional
        Number of classes :math:`C` (default: from ``labels`` and ``y``), so colours stay fixed while the map
        changes; labels and classes must lie in ``0..C-1``.
    y_pred : ndarray of int, optional
        Predictions at ``X``; misclassified points get a black ring.
    webgl : bool, optional
        Draw the points with WebGL (default: for more than 1000 points).
    marker_size : float
        Size of the data points.
    image : bool
        Send the regions as a PNG image under the points (a few hundred bytes, however fine the grid) instead of
        a heatmap, for maps redrawn in every live frame; needs an equally spaced grid (else the heatmap is used).

    Notes
    -----
    The class regions :math:`\\{x : \\arg\\max_c p_c(x) = k\\}` of a linear classifier are convex polygons
    (Bishop, *Pattern Recognition and Machine Learning*, Springer 2006, Sec. 4.1.2).
    """
    gx = np.asarray(gx, dtype=float).ravel()
    gy = np.asarray(gy, dtype=float).ravel()
    labels = np.asarray(labels)
    if labels.shape != (gy.size, gx.size):
        raise ValueError(f"labels must have shape (len(gy), len(gx)) = {(gy.size, gx.size)}, got {labels.shape}")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).astype(int).ravel()
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] != y.size:
        raise ValueError(f"X must have shape (n, 2) and y shape (n,), got {X.shape} and {y.shape}")
    if labels.size and labels.min() < 0 or y.size and y.min() < 0:
        raise ValueError("labels and y must be class indices 0, 1, 2, ...")
    C = int(n_classes) if n_classes else int(max(labels.max(initial=0), y.max(initial=0)) + 1)
    if C < 1 or (y.size and y.max() >= C) or labels.max(initial=0) >= C:
        raise ValueError(f"labels and y must lie in 0..{C - 1} for n_classes = {C}")
    image = image and C <= 256 and {"dx", "dy"} <= {**_cells("x", gx), **_cells("y", gy)}.keys()
    si = 1 if image else max(1, int(np.ceil(gx.size / MAX_GRID)))
    sj = 1 if image else max(1, int(np.ceil(gy.size / MAX_GRID)))
    gx, gy, labels = gx[::si], gy[::sj], labels[::sj, ::si]
    # class levels as uint8 (uint16 beyond 256 classes): the same numbers, so the same colours under zmin/zmax
    z = labels.astype(np.uint8 if C <= 256 else np.uint16)
    data = [] if image else [dict(type="heatmap", **_cells("x", gx), **_cells("y", gy), z=z, zmin=-0.5, zmax=C - 0.5,
                 colorscale=class_colorscale(C), showscale=False, hoverinfo="skip", name="regions")]
    kind = "scattergl" if (webgl if webgl is not None else X.shape[0] > 1000) else "scatter"
    P = X.astype(np.float32)
    for k in range(C):
        m = y == k
        if not np.any(m):
            continue
        data.append(dict(type=kind, x=P[m, 0], y=P[m, 1], mode="markers", name=f"class {k}",
                         marker=dict(color=color(k), size=marker_size, line=dict(color="white", width=0.5))))
    if y_pred is not None:
        y_pred = np.asarray(y_pred).astype(int).ravel()
        if y_pred.shape != y.shape:
            raise ValueError(f"y_pred must have the shape of y {y.shape}, got {y_pred.shape}")
        wrong = y_pred != y
        data.append(dict(type=kind, x=P[wrong, 0], y=P[wrong, 1], mode="markers",
                         name=f"misclassified ({int(wrong.sum())})",
                         marker=dict(color="rgba(0,0,0,0)", size=11, line=dict(color=BLACK, width=1.5))))
    layout = base_layout(title, x_title="x₁", y_title="x₂", height=height)
    # legend on the right: the equal-aspect map leaves room there, and the title keeps the top
    layout["legend"] = dict(orientation="v", yanchor="top", y=1.0, xanchor="left", x=1.02)
    layout["xaxis"].update(range=[float(gx[0]), float(gx[-1])], showgrid=False, zeroline=False)
    layout["yaxis"].update(range=[float(gy[0]), float(gy[-1])], showgrid=False, zeroline=False, scaleanchor="x",
                           scaleratio=1)
    if image:
        layout["images"] = [_regions_image(z, C, gx, gy)]
    return fast_figure(data, layout)


def _regions_image(z: np.ndarray, n_classes: int, gx: np.ndarray, gy: np.ndarray) -> dict:
    """A layout image of the class levels ``z[j, i]`` at ``(gx[i], gy[j])``: a palette PNG (colour type 3,
    one byte per cell, the colours of :func:`class_colorscale`), stretched over the cells of the grid."""
    hx, hy = (gx[-1] - gx[0]) / max(gx.size - 1, 1), (gy[-1] - gy[0]) / max(gy.size - 1, 1)
    rgb = [bytes(int(color(k)[i:i + 2], 16) for i in (1, 3, 5)) for k in range(n_classes)]
    rows = np.ascontiguousarray(z[::-1].astype(np.uint8))  # PNG rows run top to bottom
    raw = np.hstack([np.zeros((rows.shape[0], 1), np.uint8), rows]).tobytes()  # filter byte 0 per row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", rows.shape[1], rows.shape[0], 8, 3, 0, 0, 0))
           + chunk(b"PLTE", b"".join(rgb)) + chunk(b"tRNS", bytes([round(0.35 * 255)] * n_classes))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    return dict(source="data:image/png;base64," + base64.b64encode(png).decode(), xref="x", yref="y",
                x=float(gx[0] - hx / 2), y=float(gy[-1] + hy / 2), sizex=float(gx[-1] - gx[0] + hx),
                sizey=float(gy[-1] - gy[0] + hy), sizing="stretch", layer="below", xanchor="left", yanchor="top")


def taylor_figure(
    h: np.ndarray,
    err0: np.ndarray,
    err1: np.ndarray,
    err2: np.ndarray | None = None,
    *,
    title: str | None = "Taylor test",
    height: int = 380,
) -> go.Figure:
    """E0, E1 (and E2) against h on log-log axes, with dotted reference slopes h, h^2, h^3."""
    fig = new_figure(title, x_title="h", y_title="error", log_x=True, log_y=True, height=height)
    h = np.asarray(h, dtype=float)
    curves = [("E0 = |f(x+hv) − f(x)|", err0, BLUE, 1), ("E1 = |… − h∇f·v|", err1, VERMILLION, 2)]
    if err2 is not None:
        curves.append(("E2 = |… − h²/2 v·Hv|", err2, GREEN, 3))
    for name, e, c, p in curves:
        e = positive(e)
        fig.add_trace(go.Scatter(x=h, y=e, mode="lines+markers", name=name, line=dict(color=c, width=2),
                                 marker=dict(size=6)))
        finite = np.flatnonzero(np.isfinite(e))
        if finite.size:
            j = finite[0]
            ref = e[j] * (h / h[j]) ** p
            fig.add_trace(go.Scatter(x=h, y=positive(ref), mode="lines", name=f"slope {p} (O(h{'' if p == 1 else '²' if p == 2 else '³'}))",
                                     line=dict(color=c, width=1, dash="dot"), hoverinfo="skip"))
    fig.update_layout(xaxis_autorange="reversed")
    return fig

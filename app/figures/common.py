"""Figures shared by many pages: convergence curves and the Taylor-test picture."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.style import GREEN, VERMILLION, BLUE, color, new_figure

__all__ = ["convergence_figure", "taylor_figure", "rate_line"]


def _positive(y: np.ndarray) -> np.ndarray:
    """Replace non-positive and non-finite values by nan so log axes do not break."""
    y = np.asarray(y, dtype=float).copy()
    y[~np.isfinite(y) | (y <= 0)] = np.nan
    return y


def rate_line(iterations: np.ndarray, y0: float, rate: float) -> np.ndarray:
    """Theory curve ``y0 * rate**k`` (with underflow clipped to nan for log axes)."""
    k = np.asarray(iterations, dtype=float)
    with np.errstate(under="ignore", divide="ignore"):
        y = y0 * np.power(rate, k)
    return _positive(y)


def convergence_figure(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    title: str | None = None,
    y_title: str = "loss",
    log_y: bool = True,
    theory: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
    events: Sequence[tuple[int, str]] = (),
    diverged: Mapping[str, int] | None = None,
    height: int = 360,
) -> go.Figure:
    """Curves ``y`` against iteration, one per name; dashed theory curves; vertical marks for events.

    Parameters
    ----------
    series : {name: (iterations, values)}
    theory : {name: (iterations, values)}, optional
        Drawn dashed in the colour of the series of the same position.
    events : [(iteration, text)]
        Drawn as dotted vertical lines (e.g. "step 0.1 → 0.2").
    diverged : {name: iteration}
        Marks where a series diverged with a cross.
    """
    fig = new_figure(title, x_title="iteration", y_title=y_title, log_y=log_y, height=height)
    for i, (name, (it, y)) in enumerate(series.items()):
        y = _positive(y) if log_y else np.asarray(y, dtype=float)
        fig.add_trace(go.Scatter(x=np.asarray(it), y=y, mode="lines", name=name, line=dict(color=color(i), width=2)))
        if diverged and name in diverged and len(it):
            last_y = next((v for v in y[::-1] if np.isfinite(v)), None)
            fig.add_trace(go.Scatter(x=[diverged[name]], y=[last_y], mode="markers+text", text=["diverged"],
                                     textposition="top left", marker=dict(symbol="x", size=12, color=color(i)),
                                     showlegend=False))
    for i, (name, (it, y)) in enumerate((theory or {}).items()):
        fig.add_trace(go.Scatter(x=np.asarray(it), y=_positive(y) if log_y else y, mode="lines", name=name,
                                 line=dict(color=color(i), width=1.5, dash="dash")))
    if events:  # dotted vertical marks; set in one layout update (add_vline is slow for live frames)
        fig.update_layout(
            shapes=[dict(type="line", xref="x", yref="paper", x0=it, x1=it, y0=0, y1=1,
                         line=dict(color="#888", dash="dot", width=1)) for it, _ in events],
            annotations=[dict(x=it, y=1, xref="x", yref="paper", text=text, showarrow=False, xanchor="right",
                              yanchor="top", font=dict(size=10)) for it, text in events],
        )
    return fig


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
        e = _positive(e)
        fig.add_trace(go.Scatter(x=h, y=e, mode="lines+markers", name=name, line=dict(color=c, width=2),
                                 marker=dict(size=6)))
        finite = np.flatnonzero(np.isfinite(e))
        if finite.size:
            j = finite[0]
            ref = e[j] * (h / h[j]) ** p
            fig.add_trace(go.Scatter(x=h, y=_positive(ref), mode="lines", name=f"slope {p} (O(h{'' if p == 1 else '²' if p == 2 else '³'}))",
                                     line=dict(color=c, width=1, dash="dot"), hoverinfo="skip"))
    fig.update_layout(xaxis_autorange="reversed")
    return fig

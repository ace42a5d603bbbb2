"""Figures of the linear least-squares page."""
from __future__ import annotations

import functools
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.figures.common import compact, convergence_figure, decimate
from app.style import BLACK, BLUE, DIVERGING, GREEN, VERMILLION, base_layout, color, fast_figure, new_figure

__all__ = [
    "polyfit_figure",
    "degree_errors_figure",
    "quadratic_contours_figure",
    "signals_figure",
    "picard_figure",
    "l_curve_figure",
    "conditioning_figure",
    "weight_images_figure",
    "true_error_figure",
    "galileo_figure",
    "split_fit_figure",
    "validation_curve_figure",
    "bias_variance_figure",
]


def polyfit_figure(t: np.ndarray, y: np.ndarray, t_fine: np.ndarray, truth: np.ndarray, fit: np.ndarray,
                   *, degree: int, height: int = 380) -> go.Figure:
    """Data points, the true curve sin(pi t^2) and the fitted polynomial."""
    fig = new_figure(f"Polynomial of degree {degree}", x_title="t", y_title="y", height=height)
    fig.add_trace(go.Scatter(x=t_fine, y=truth, mode="lines", name="sin(πt²)", line=dict(color=BLACK, dash="dot", width=2)))
    fig.add_trace(go.Scatter(x=t_fine, y=fit, mode="lines", name="fit", line=dict(color=BLUE, width=3)))
    fig.add_trace(go.Scatter(x=t, y=y, mode="markers", name="data", marker=dict(color=VERMILLION, size=10)))
    lo, hi = float(np.min(y)), float(np.max(y))
    pad = 0.6 * (hi - lo + 1e-9)
    fig.update_layout(yaxis_range=[lo - pad, hi + pad])
    return fig


def degree_errors_figure(degrees: np.ndarray, train: np.ndarray, test: np.ndarray, *, current: int,
                         height: int = 380) -> go.Figure:
    """Training residual and error against the true function, against the degree (under/overfitting)."""
    fig = new_figure("Error against degree", x_title="degree", y_title="RMS error", log_y=True, height=height)
    fig.add_trace(go.Scatter(x=degrees, y=np.maximum(train, 1e-16), mode="lines+markers", name="on the data (training)",
                             line=dict(color=BLUE, width=2)))
    fig.add_trace(go.Scatter(x=degrees, y=np.maximum(test, 1e-16), mode="lines+markers", name="against sin(πt²) (test)",
                             line=dict(color=VERMILLION, width=2)))
    fig.update_layout(shapes=[dict(type="line", xref="x", yref="paper", x0=current, x1=current, y0=0, y1=1,
                                   line=dict(color="#888", dash="dot"))])
    return fig


def _ellipse_path(center: np.ndarray, A: np.ndarray) -> str:
    """SVG path of the ellipse ``center + A [cos t, sin t]`` as four cubic Bezier arcs.

    A quarter circle from (1, 0) to (0, 1) is the Bezier curve with control points (1, k), (k, 1),
    :math:`k = 4(\\sqrt 2 - 1)/3`, radial error below :math:`2.7\\cdot10^{-4}` (Riskus, "Approximation of a cubic
    Bezier curve by circular arcs", Information Technology and Control 35, 2006); an affine map ``A`` maps it to the
    quarter ellipse with the same relative error.
    """
    k = 4.0 * (np.sqrt(2.0) - 1.0) / 3.0
    unit = [(1, 0), (1, k), (k, 1), (0, 1), (-k, 1), (-1, k), (-1, 0), (-1, -k), (-k, -1), (0, -1), (k, -1),
            (1, -k), (1, 0)]
    P = center[None, :] + np.asarray(unit, dtype=float) @ A.T
    pts = [f"{x:.9g},{y:.9g}" for x, y in P]
    return "M" + pts[0] + "".join(f"C{pts[i]} {pts[i + 1]} {pts[i + 2]}" for i in range(1, 13, 3)) + "Z"


@functools.lru_cache(maxsize=256)
def _level_set_paths(H: bytes, x_star: bytes, levels: bytes) -> tuple[str, ...]:
    """The SVG paths of the level sets (arguments as float64 bytes: the 2 x 2 ``H``, ``x*`` and the values c).

    Cached: a live run redraws the same ellipses in every frame (only the iterates move)."""
    lam, V = np.linalg.eigh(np.frombuffer(H).reshape(2, 2))
    M = V / np.sqrt(np.maximum(lam, np.finfo(float).tiny))
    center = np.frombuffer(x_star)
    return tuple(_ellipse_path(center, np.sqrt(c) * M) for c in np.frombuffer(levels) if np.isfinite(c) and c > 0)


def quadratic_contours_figure(H: np.ndarray, x_star: np.ndarray, levels: np.ndarray, paths: Mapping[str, np.ndarray],
                              window: tuple[np.ndarray, np.ndarray], *, x_true: np.ndarray | None = None,
                              height: int = 420) -> go.Figure:
    """Level sets of a 2-D quadratic f(x) = f* + (x − x*)ᵀH(x − x*) with the iterate paths of each solver.

    The level set f − f* = c is the ellipse x* + √c · V Λ^{-1/2} [cos t, sin t] (H = V Λ Vᵀ), drawn exactly as a
    layout path of four Bezier arcs (a few hundred bytes per ellipse) instead of a plotly contour or sampled lines:
    it is redrawn in every frame of a live run. ``levels`` are the values c; ``window`` is ``(lower corner, upper
    corner)`` of the axes. Paths longer than 300 iterates are thinned geometrically (the late iterates crowd at x*)
    and sent as float32. ``x_true`` (the parameters that generated the data) is drawn as a diamond; when it lies
    outside the window, a dashed line from x* points to it and the diamond sits where that line leaves the window.
    """
    layout = base_layout("Iterates on the level sets of f", x_title="x₁", y_title="x₂", height=height)
    x_star = np.asarray(x_star, dtype=float)
    ring = dict(color="#9AA5B1", width=1)
    H, levels = np.asarray(H, dtype=float), np.asarray(levels, dtype=float)
    shapes = [dict(type="path", path=p, line=ring, layer="below")
              for p in _level_set_paths(H.tobytes(), x_star.tobytes(), levels.tobytes())]
    # the legend entry of the level sets (the ellipses themselves are layout shapes)
    data = [dict(type="scatter", x=[None], y=[None], mode="lines", name="level sets", line=ring, hoverinfo="skip")]
    for i, (name, P) in enumerate(paths.items()):
        P = np.asarray(P, dtype=float)
        if P.size:
            px, py = decimate(P[:, 0], P[:, 1], log=True)
            data.append(dict(type="scatter", x=compact(px), y=compact(py), mode="lines+markers", name=name,
                             line=dict(color=color(i + 1 if i else 0), width=2), marker=dict(size=5)))
    data.append(dict(type="scatter", x=[float(x_star[0])], y=[float(x_star[1])], mode="markers", name="x*",
                     marker=dict(symbol="star", size=14, color=BLACK)))
    lo, hi = (np.asarray(c, dtype=float) for c in window)
    if x_true is not None:
        d = np.asarray(x_true, dtype=float) - x_star
        with np.errstate(divide="ignore", invalid="ignore"):  # the largest t <= 1 with x* + t d in the window
            t = min([1.0] + [float(v) for v in np.where(d > 0, (hi - x_star) / d, (lo - x_star) / d) if v >= 0])
        inside, shown = t >= 1.0, x_star + t * d
        name = "x_true" if inside else f"toward x_true ({np.linalg.norm(d):.3g} from x*)"
        if not inside:
            data.append(dict(type="scatter", x=[float(x_star[0]), float(shown[0])],
                             y=[float(x_star[1]), float(shown[1])], mode="lines", showlegend=False,
                             line=dict(color=VERMILLION, dash="dash", width=2), hoverinfo="skip"))
        data.append(dict(type="scatter", x=[float(shown[0])], y=[float(shown[1])], mode="markers", name=name,
                         marker=dict(symbol="diamond", size=12, color=VERMILLION)))
    layout["xaxis"]["range"] = [float(lo[0]), float(hi[0])]
    layout["yaxis"]["range"] = [float(lo[1]), float(hi[1])]
    layout["shapes"] = shapes
    return fast_figure(data, layout)


def signals_figure(t: np.ndarray, curves: Mapping[str, np.ndarray], *, title: str = "Deblurring",
                   height: int = 380) -> go.Figure:
    """Several signals on [0, 1]: the truth (black, dotted), the data, reconstructions (float32 on the wire).

    Redrawn in every frame of the deblurring live run: built from plain dicts in one
    :func:`app.style.fast_figure` call (no validation).
    """
    x = compact(t)
    data = [dict(type="scatter", x=x, y=compact(y), mode="lines", name=name,
                 line=dict(color=BLACK, dash="dot", width=2) if i == 0 else dict(color=color(i - 1), width=2))
            for i, (name, y) in enumerate(curves.items())]
    return fast_figure(data, base_layout(title, x_title="t", y_title="x(t)", height=height))


def picard_figure(s: np.ndarray, beta: np.ndarray, phi: np.ndarray, *, height: int = 380) -> go.Figure:
    """Picard plot: singular values, |u_iᵀ b| and the filter factors of the chosen regularization."""
    i = np.arange(1, s.size + 1)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=i, y=np.maximum(s, 1e-300), mode="lines", name="σᵢ", line=dict(color=BLUE, width=2)))
    fig.add_trace(go.Scatter(x=i, y=np.maximum(np.abs(beta), 1e-300), mode="markers", name="|uᵢᵀb|",
                             marker=dict(color=VERMILLION, size=4)))
    fig.add_trace(go.Scatter(x=i, y=phi, mode="lines", name="filter factor φᵢ", line=dict(color=GREEN, width=2, dash="dash")),
                  secondary_y=True)
    fig.update_layout(template="numdl", height=height, title=dict(text="Picard plot and filter factors", x=0.01),
                      margin=dict(l=60, r=60, t=50, b=50), legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
    fig.update_yaxes(type="log", exponentformat="power", title_text="value", secondary_y=False)
    fig.update_yaxes(range=[-0.05, 1.05], title_text="φᵢ", secondary_y=True, showgrid=False)
    fig.update_xaxes(title_text="index i")
    return fig


def l_curve_figure(res: np.ndarray, sol: np.ndarray, alphas: np.ndarray, *, chosen: float, corner: int,
                   cgls: tuple[np.ndarray, np.ndarray, int] | None = None, height: int = 380) -> go.Figure:
    """The L-curve (‖Ax−b‖, ‖x‖) on log-log axes with the chosen alpha and the corner.

    ``cgls = (residual norms, solution norms, best iteration)`` adds the L-curve of the CGLS iterates x_1, x_2, ...
    (the iteration count as the regularization parameter; x_0 = 0 has no place on log axes) and marks the iterate
    with the smallest error.
    """
    fig = new_figure("L-curve", x_title="residual norm ‖Ax − b‖", y_title="solution norm ‖x‖", log_x=True, log_y=True,
                     height=height)
    fig.add_trace(go.Scatter(x=res, y=sol, mode="lines+markers", name="Tikhonov, α varies",
                             text=[f"α = {a:.2g}" for a in alphas], hoverinfo="text+x+y",
                             line=dict(color=BLUE, width=2), marker=dict(size=4)))
    j = int(np.argmin(np.abs(np.log(alphas) - np.log(chosen))))
    fig.add_trace(go.Scatter(x=[res[j]], y=[sol[j]], mode="markers", name=f"chosen α = {chosen:.2g}",
                             marker=dict(color=VERMILLION, size=14, symbol="circle-open", line=dict(width=3))))
    fig.add_trace(go.Scatter(x=[res[corner]], y=[sol[corner]], mode="markers", name=f"corner α = {alphas[corner]:.2g}",
                             marker=dict(color=GREEN, size=12, symbol="x")))
    if cgls is not None:
        c_res, c_sol, best = cgls
        k = np.arange(1, len(c_res))
        fig.add_trace(go.Scatter(x=c_res[1:], y=c_sol[1:], mode="lines+markers", name="CGLS, iteration k varies",
                                 text=[f"k = {j}" for j in k], hoverinfo="text+x+y",
                                 line=dict(color=color(3), width=2, dash="dot"), marker=dict(size=4)))
        if best > 0:
            fig.add_trace(go.Scatter(x=[c_res[best]], y=[c_sol[best]], mode="markers", name=f"best CGLS k = {best}",
                                     marker=dict(color=color(3), size=12, symbol="diamond-open", line=dict(width=3))))
    return fig


def conditioning_figure(cond: np.ndarray, errors: Mapping[str, np.ndarray], *, height: int = 400) -> go.Figure:
    """Relative error against cond(A) for each solver, with eps·κ and eps·κ² guides."""
    fig = new_figure("Accuracy as cond(A) grows", x_title="cond(A)", y_title="relative error ‖x − x_true‖/‖x_true‖",
                     log_x=True, log_y=True, height=height)
    names = {"normal": "normal equations (Cholesky)", "qr": "QR", "svd": "SVD"}
    for i, (k, e) in enumerate(errors.items()):
        fig.add_trace(go.Scatter(x=cond, y=np.where(np.isfinite(e), np.maximum(e, 1e-17), np.nan), mode="lines+markers",
                                 name=names.get(k, k), line=dict(color=color(i), width=2)))
    eps = np.finfo(float).eps
    fig.add_trace(go.Scatter(x=cond, y=eps * cond, mode="lines", name="ε·κ", line=dict(color="#999", dash="dot")))
    fig.add_trace(go.Scatter(x=cond, y=np.minimum(eps * cond**2, 10), mode="lines", name="ε·κ²",
                             line=dict(color="#555", dash="dash")))
    return fig


def weight_images_figure(W: np.ndarray, *, shape: tuple[int, int] = (8, 8), titles: Sequence[str] | None = None,
                         height: int = 230) -> go.Figure:
    """The columns of W (one per class) as images side by side (one tiled heatmap, shared diverging scale)."""
    h, w = shape
    k = W.shape[1]
    titles = list(titles) if titles is not None else [str(j) for j in range(k)]
    gap = 1
    mosaic = np.full((h, k * (w + gap) - gap), np.nan)
    for j in range(k):
        mosaic[:, j * (w + gap): j * (w + gap) + w] = W[:, j].reshape(shape)
    vmax = float(np.nanmax(np.abs(mosaic))) or 1.0
    fig = go.Figure(go.Heatmap(z=mosaic[::-1], colorscale=DIVERGING, zmin=-vmax, zmax=vmax, hoverongaps=False,
                               hovertemplate="%{z:.3f}<extra></extra>", colorbar=dict(thickness=12)))
    fig.update_layout(
        template="numdl", height=height, margin=dict(l=10, r=10, t=60, b=10),
        title=dict(text="Weights per class (8x8 images)", x=0.01),
        xaxis=dict(visible=False, constrain="domain"),
        yaxis=dict(visible=False, scaleanchor="x", scaleratio=1),
        annotations=[dict(x=j * (w + gap) + (w - 1) / 2, y=h - 0.3, yanchor="bottom", text=titles[j], showarrow=False,
                          xref="x", yref="y", font=dict(size=14)) for j in range(k)],
    )
    return fig


def true_error_figure(series: Mapping[str, tuple[Sequence[float], Sequence[float]]], gap: float, *,
                      events: Sequence[tuple[float, str]] = (), diverged: Mapping[str, float] | None = None,
                      height: int = 360) -> go.Figure:
    """‖x_k − x_true‖ against the iteration, with the floor ‖x* − x_true‖ that no solver of the problem goes below."""
    level = (gap, f"‖x* − x_true‖ = {gap:.3g}", dict(color=GREEN, dash="dash", width=2))
    return convergence_figure(series, y_title="‖xₖ − x_true‖ (error to the true parameters)", events=events,
                              diverged=diverged, levels=[level] if gap > 0 else [],
                              title="Error to x_true against iteration", height=height)


def _hline(fig: go.Figure, y: float, text: str, line: dict, *, log: bool) -> go.Figure:
    """A horizontal line across the plot with its label above the right end.

    Shapes take data values, annotations on a log axis its log10 (plotly's convention; ``add_hline`` gets the
    label's position wrong on a log axis)."""
    fig.add_shape(type="line", xref="x domain", yref="y", x0=0, x1=1, y0=y, y1=y, line=line)
    fig.add_annotation(xref="x domain", yref="y", x=1, y=float(np.log10(y) if log else y), text=text, showarrow=False,
                       xanchor="right", yanchor="bottom")
    return fig


def galileo_figure(t: np.ndarray, x: np.ndarray, g: float, *, quadratic: Sequence[float] | None = None,
                   height: int = 380) -> go.Figure:
    """Galileo's data, the fitted law x = g t²/2 with its residuals (vertical segments) and optionally a + bt + ct²."""
    t, x = np.asarray(t, dtype=float), np.asarray(x, dtype=float)
    tf = np.linspace(min(0.0, t.min()), t.max() * 1.05, 120)
    fig = new_figure("Falling body: distance against time", x_title="time t (s)", y_title="distance x (m)",
                     height=height)
    fig.add_trace(go.Scatter(x=tf, y=0.5 * g * tf**2, mode="lines", name=f"½ g t², g = {g:.4g}",
                             line=dict(color=BLUE, width=3)))
    if quadratic is not None and np.all(np.isfinite(quadratic)):
        a, b, c = quadratic
        fig.add_trace(go.Scatter(x=tf, y=a + b * tf + c * tf**2, mode="lines", name=f"a + bt + ct², 2c = {2 * c:.4g}",
                                 line=dict(color=GREEN, width=2, dash="dash")))
    fit = 0.5 * g * t**2
    seg_x = np.column_stack([t, t, np.full_like(t, np.nan)]).ravel()
    seg_y = np.column_stack([x, fit, np.full_like(t, np.nan)]).ravel()
    fig.add_trace(go.Scatter(x=seg_x, y=seg_y, mode="lines", name="residuals xᵢ − ½ g tᵢ²",
                             line=dict(color=VERMILLION, width=2)))
    fig.add_trace(go.Scatter(x=t, y=x, mode="markers", name="observations", marker=dict(color=VERMILLION, size=11)))
    return fig


def split_fit_figure(t: np.ndarray, y: np.ndarray, split: Mapping[str, np.ndarray], t_fine: np.ndarray,
                     truth: np.ndarray, fits: Mapping[str, np.ndarray], *, height: int = 380) -> go.Figure:
    """The data coloured by set (training, validation, test), the true curve and the fits at the chosen values."""
    fig = new_figure("Data split and the chosen fits", x_title="t", y_title="y", height=height)
    fig.add_trace(go.Scatter(x=t_fine, y=truth, mode="lines", name="sin(πt²)", line=dict(color=BLACK, dash="dot", width=2)))
    for i, (name, values) in enumerate(fits.items()):
        fig.add_trace(go.Scatter(x=t_fine, y=values, mode="lines", name=name, line=dict(color=color(i), width=3)))
    symbols = {"training": "circle", "validation": "diamond", "test": "x"}
    for (name, idx), c in zip(split.items(), (BLUE, VERMILLION, GREEN)):
        fig.add_trace(go.Scatter(x=t[idx], y=y[idx], mode="markers", name=f"{name} ({len(idx)})",
                                 marker=dict(color=c, size=9, symbol=symbols.get(name, "circle"))))
    lo, hi = float(np.min(y)), float(np.max(y))
    fig.update_layout(yaxis_range=[lo - 0.4 * (hi - lo + 1e-9), hi + 0.4 * (hi - lo + 1e-9)])
    return fig


def validation_curve_figure(grid: np.ndarray, curves: Mapping[str, np.ndarray], *, chosen: Mapping[str, float],
                            x_title: str, y_title: str, title: str, log_x: bool = False, log_y: bool = False,
                            dashed: Sequence[str] = (), height: int = 380) -> go.Figure:
    """Errors (or accuracies) of each set against a hyper-parameter, with a dotted line at each choice."""
    fig = new_figure(title, x_title=x_title, y_title=y_title, log_x=log_x, log_y=log_y, height=height)
    for i, (name, values) in enumerate(curves.items()):
        fig.add_trace(go.Scatter(x=grid, y=values, mode="lines+markers", name=name, marker=dict(size=5),
                                 line=dict(color=color(i), width=2, dash="dash" if name in dashed else "solid")))
    shapes, notes = [], []
    for i, (label, x) in enumerate(chosen.items()):
        shapes.append(dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                           line=dict(color="#666", dash="dot", width=2)))
        notes.append(dict(x=np.log10(x) if log_x else x, y=1 - 0.08 * i, xref="x", yref="paper", text=label,
                          showarrow=False, xanchor="left", font=dict(size=11)))
    fig.update_layout(shapes=shapes, annotations=notes)
    return fig


def bias_variance_figure(grid: np.ndarray, bias2: np.ndarray, variance: np.ndarray, test_mse: np.ndarray,
                         noise2: float, *, x_title: str, log_x: bool = False, best: int | None = None,
                         height: int = 380) -> go.Figure:
    """Bias², variance, their sum (U-shaped) and the test MSE (= sum + σ²) against the degree or α."""
    fig = new_figure("Bias–variance trade-off", x_title=x_title, y_title="mean squared error", log_x=log_x,
                     log_y=True, height=height)
    total = np.asarray(bias2) + np.asarray(variance)
    for name, values, c, dash in (("bias²", bias2, BLUE, "solid"), ("variance", variance, VERMILLION, "solid"),
                                  ("bias² + variance", total, BLACK, "solid"),
                                  ("test MSE (+ noise σ²)", test_mse, GREEN, "dash")):
        fig.add_trace(go.Scatter(x=grid, y=np.maximum(values, 1e-12), mode="lines+markers", name=name,
                                 marker=dict(size=5), line=dict(color=c, width=2, dash=dash)))
    _hline(fig, noise2, f"σ² = {noise2:.2g}", dict(color="#888", dash="dot"), log=True)
    if best is not None:
        fig.add_trace(go.Scatter(x=[grid[best]], y=[total[best]], mode="markers", name="smallest bias² + variance",
                                 marker=dict(color=BLACK, size=14, symbol="circle-open", line=dict(width=3))))
    return fig

"""Figures of the convolutional networks page: matrices and their sparsity, eigenvalues in the complex plane,
signals, images and kernels, the PDE-penalty sweep and the variance of activations through depth.

Numbers in, plotly figure out (no Streamlit); every figure is built once per parameter change (no live frames).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.style import DIVERGING, base_layout, color, new_figure

__all__ = ["matrix_figure", "eigenvalues_figure", "signals_figure", "images_figure", "sparsity_figure",
           "eigen_compare_figure", "stencil_action_figure", "alpha_sweep_figure", "variance_depth_figure"]


def _sym_range(a: np.ndarray) -> float:
    m = float(np.nanmax(np.abs(a))) if np.size(a) else 1.0
    return m if m > 0 else 1.0


def matrix_figure(K: np.ndarray, *, title: str | None = None, height: int = 360) -> go.Figure:
    """A (small) matrix as a heatmap, zero white, rows downwards."""
    m = _sym_range(K)
    fig = go.Figure(go.Heatmap(z=K, zmin=-m, zmax=m, colorscale=DIVERGING, reversescale=True,
                               hovertemplate="row %{y}, col %{x}: %{z:.3g}<extra></extra>",
                               colorbar=dict(thickness=12)), layout=base_layout(title, height=height))
    fig.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain", showgrid=False)
    fig.update_xaxes(showgrid=False, constrain="domain")
    return fig


def eigenvalues_figure(lam_fft: np.ndarray, lam_dense: np.ndarray, *, title: str | None = None,
                       height: int = 360) -> go.Figure:
    """Eigenvalues in the complex plane: the FFT of the first column (circles) and numpy's eigvals (crosses)."""
    fig = new_figure(title, x_title="Re λ", y_title="Im λ", height=height)
    fig.add_trace(go.Scatter(x=lam_fft.real, y=lam_fft.imag, mode="markers", name="fft(K e₁)",
                             marker=dict(size=11, symbol="circle-open", color=color(0), line=dict(width=2))))
    fig.add_trace(go.Scatter(x=lam_dense.real, y=lam_dense.imag, mode="markers", name="numpy.linalg.eigvals(K)",
                             marker=dict(size=7, symbol="x", color=color(1))))
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def signals_figure(series: Mapping[str, np.ndarray], *, title: str | None = None, height: int = 330,
                   y_title: str | None = None) -> go.Figure:
    """Signals on the grid i = 0..n−1: the first series as a line with dots, the others as crosses."""
    fig = new_figure(title, x_title="i", y_title=y_title, height=height)
    for j, (name, y) in enumerate(series.items()):  # the first as a line, the others as crosses on it
        fig.add_trace(go.Scatter(x=np.arange(len(y)), y=y, name=name, mode="lines+markers" if j == 0 else "markers",
                                 line=dict(color=color(j)), marker=dict(size=6 if j == 0 else 9, color=color(j),
                                                                        symbol="circle" if j == 0 else "x")))
    return fig


def _panels(n: int, titles: Sequence[str], title: str | None, height: int, gap: float = 0.05,
            margin_top: int | None = None) -> dict:
    """A layout with ``n`` side-by-side square panels (axes x, x2, ...; y, y2, ...), one title above each; built as
    one dict (make_subplots and update_* calls cost tens of milliseconds)."""
    layout = {k: v for k, v in base_layout(title, height=height).items() if k not in ("xaxis", "yaxis")}
    layout["margin"] = dict(l=10, r=10, t=margin_top or (70 if title else 40), b=10)
    w = (1.0 - gap * (n - 1)) / n
    notes = []
    for j in range(n):
        s = "" if j == 0 else str(j + 1)
        lo = j * (w + gap)
        layout[f"xaxis{s}"] = dict(domain=[lo, lo + w], showticklabels=False, showgrid=False, zeroline=False,
                                   showline=False, constrain="domain")
        layout[f"yaxis{s}"] = dict(autorange="reversed", scaleanchor=f"x{s}", showticklabels=False, showgrid=False,
                                   showline=False, zeroline=False, constrain="domain")
        notes.append(dict(text=titles[j], x=lo + w / 2, y=1.0, xref="paper", yref="paper", xanchor="center",
                          yanchor="bottom", showarrow=False, font=dict(size=13)))
    layout["annotations"] = notes
    return layout


def images_figure(images: Mapping[str, np.ndarray], *, title: str | None = None, height: int = 300,
                  diverging: Sequence[bool] | None = None) -> go.Figure:
    """Images (or kernels) side by side, each on its own colour scale (diverging ones centred at 0, white = 0)."""
    names = list(images)
    data = []
    for j, name in enumerate(names):
        a = np.asarray(images[name], dtype=float)
        div = diverging[j] if diverging is not None else bool(np.nanmin(a) < 0)
        m = _sym_range(a)
        s = "" if j == 0 else str(j + 1)
        data.append(go.Heatmap(z=a, colorscale=DIVERGING if div else "Greys", reversescale=div,
                               zmin=-m if div else float(np.nanmin(a)), zmax=m if div else float(np.nanmax(a)),
                               showscale=False, xaxis=f"x{s}", yaxis=f"y{s}",
                               hovertemplate="(%{y}, %{x}): %{z:.3g}<extra></extra>"))
    return go.Figure(data=data, layout=_panels(len(names), names, title, height))


def sparsity_figure(matrices: Mapping[str, "object"], *, title: str | None = None, height: int = 380) -> go.Figure:
    """Sparsity patterns (nonzeros as dots, coloured by value) of sparse matrices side by side."""
    names = list(matrices)
    m = max(_sym_range(matrices[n].data) for n in names)
    data = []
    layout = _panels(len(names), [f"{n}: {matrices[n].nnz} nonzeros" for n in names], title, height, gap=0.08)
    for j, name in enumerate(names):
        A = matrices[name].tocoo()
        s = "" if j == 0 else str(j + 1)
        data.append(go.Scattergl(x=A.col, y=A.row, mode="markers", showlegend=False, xaxis=f"x{s}", yaxis=f"y{s}",
                                 marker=dict(size=3, color=A.data, colorscale=DIVERGING, reversescale=True,
                                             cmin=-m, cmax=m, symbol="square"),
                                 hovertemplate="row %{y}, col %{x}<extra></extra>"))
        layout[f"xaxis{s}"].update(range=[-0.5, A.shape[1] - 0.5], showgrid=True, showticklabels=True)
        layout[f"yaxis{s}"].update(range=[A.shape[0] - 0.5, -0.5], autorange=False, showticklabels=True)
    layout["margin"] = dict(l=40, r=10, t=70 if title else 40, b=30)
    return go.Figure(data=data, layout=layout)


def eigen_compare_figure(computed: Mapping[str, np.ndarray], formula: Mapping[str, np.ndarray], *,
                         title: str | None = None, height: int = 340) -> go.Figure:
    """Sorted eigenvalues: computed (markers) against the closed form (lines), one pair per operator."""
    fig = new_figure(title, x_title="index (sorted)", y_title="eigenvalue", height=height)
    for j, name in enumerate(computed):
        c = np.asarray(computed[name])
        fig.add_trace(go.Scatter(x=np.arange(c.size) / max(c.size - 1, 1), y=formula[name], mode="lines",
                                 name=f"{name}: formula", line=dict(color=color(j), width=3)))
        fig.add_trace(go.Scatter(x=np.arange(c.size) / max(c.size - 1, 1), y=c, mode="markers",
                                 name=f"{name}: numpy", marker=dict(color=color(j), size=5, symbol="x")))
    fig.update_xaxes(title_text="sorted position (0: smallest)")
    fig.update_layout(legend=dict(y=-0.22), margin=dict(b=90))
    return fig


def stencil_action_figure(x: np.ndarray, u: np.ndarray, Lu: np.ndarray, exact: np.ndarray, *,
                          title: str | None = None, height: int = 320) -> go.Figure:
    """A grid function, the stencil applied to it and the exact second derivative."""
    fig = new_figure(title, x_title="x", height=height)
    fig.add_trace(go.Scatter(x=x, y=exact, mode="lines", name="u'' = −4π² sin 2πx",
                             line=dict(color=color(0), width=3)))
    fig.add_trace(go.Scatter(x=x, y=Lu, mode="markers", name="[1 −2 1]/h² u", marker=dict(color=color(1), size=8)))
    fig.add_trace(go.Scatter(x=x, y=u * 4 * np.pi**2, mode="lines", name="4π² u (for scale)",
                             line=dict(color=color(2), dash="dot")))
    return fig


def alpha_sweep_figure(alphas: np.ndarray, errors: np.ndarray, roughness: np.ndarray, *, current: float,
                       truth_roughness: float, title: str | None = None, height: int = 340) -> go.Figure:
    """Kernel error (left axis) and roughness (right axis, log) against α (log axis; α = 0 drawn at the left end)."""
    a = np.asarray(alphas, dtype=float)
    pos = a[a > 0]
    x = np.where(a > 0, a, pos.min() / 10 if pos.size else 1e-5)
    cx = current if current > 0 else float(x.min())
    layout = base_layout(title, height=height)
    layout["xaxis"].update(type="log", title=dict(text="α (leftmost point: α = 0)"), exponentformat="power", dtick=2)
    layout["yaxis"].update(title=dict(text="relative error"), rangemode="tozero")
    layout["yaxis2"] = dict(title=dict(text="½‖Lθ‖²"), type="log", overlaying="y", side="right", showgrid=False,
                            exponentformat="power", dtick=1)
    layout["legend"] = dict(orientation="h", yanchor="top", y=-0.3, xanchor="left", x=0)
    layout["margin"] = dict(l=60, r=60, t=40 if title else 20, b=110)
    layout["shapes"] = [dict(type="line", x0=cx, x1=cx, y0=0, y1=1, xref="x", yref="paper",
                             line=dict(color="#888", dash="dash"))]
    data = [go.Scatter(x=x, y=errors, mode="lines+markers", name="kernel error ‖θ − θ_true‖/‖θ_true‖",
                       line=dict(color=color(0))),
            go.Scatter(x=x, y=roughness, mode="lines+markers", name="roughness ½‖Lθ‖²", yaxis="y2",
                       line=dict(color=color(1), dash="dot")),
            go.Scatter(x=[x.min(), x.max()], y=[truth_roughness] * 2, mode="lines", yaxis="y2",
                       name="true kernel's roughness", line=dict(color=color(1), width=1))]
    return go.Figure(data=data, layout=layout)


def variance_depth_figure(variances: Mapping[str, np.ndarray], *, title: str | None = None,
                          height: int = 380) -> go.Figure:
    """Variance of the activations against the layer, one curve per initialization (log y)."""
    fig = new_figure(title, x_title="layer j", y_title="Var(Y_j)", log_y=True, height=height)
    for j, (name, v) in enumerate(variances.items()):
        v = np.asarray(v, dtype=float)
        y = np.where(np.isfinite(v) & (v > 0), v, np.nan)
        fig.add_trace(go.Scatter(x=np.arange(v.size), y=y, mode="lines+markers", name=name,
                                 line=dict(color=color(j), width=2.5), marker=dict(size=5)))
    fig.add_hline(y=1.0, line=dict(color="#888", dash="dot"))
    finite = [x for v in variances.values() for x in np.asarray(v, dtype=float) if np.isfinite(x) and x > 0]
    span = np.log10(max(finite) / min(finite)) if finite else 0.0
    fig.update_yaxes(exponentformat="power", **({"dtick": max(1, int(span // 8))} if span >= 2 else {}))
    return fig

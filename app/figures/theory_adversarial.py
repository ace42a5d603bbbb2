"""Figures of the vulnerability page (pages/adversarial.py): accuracy against the attack radius, a digit with its
perturbation and the fooled image, class probabilities, the target probability of a live targeted attack, and the
growth of a perturbation through the layers of a residual network.

The digit panels are 8 x 8 heatmaps of uint8 levels (``app.figures.lstsq_tikhonov.quantize``): drawn large by the
browser, a few hundred bytes on the wire, so the live targeted attack redraws them in every frame (fast path).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact, decimate
from app.figures.lstsq_tikhonov import LEVELS, quantize, sampled_colorscale
from app.style import BLUE, GREEN, VERMILLION, base_layout, color, fast_figure

__all__ = ["attack_accuracy_figure", "digit_attack_figure", "class_probabilities_figure",
           "target_probability_figure", "perturbation_growth_figure"]

DASH = {"FGSM": "solid", "PGD": "dash", "random signs": "dot"}


def attack_accuracy_figure(eps: Sequence[float], curves: Mapping[str, Mapping[str, Sequence[float]]], *,
                           marker: float | None = None, title: str | None = None, height: int = 380) -> go.Figure:
    """Test accuracy against the radius ε: one colour per model, one dash per attack (FGSM solid, PGD dashed,
    random signs dotted).

    Parameters
    ----------
    eps : sequence of float
    curves : {model: {attack: accuracies}}
    marker : float, optional
        An ε to mark with a vertical line (the one the numbers quote).
    title : str, optional
    height : int
    """
    x = compact(eps)
    data = []
    for i, (model, attacks) in enumerate(curves.items()):
        for attack, acc in attacks.items():
            data.append(dict(type="scatter", x=x, y=compact(acc), mode="lines+markers", name=f"{model}: {attack}",
                             line=dict(color=color(i), width=2, dash=DASH.get(attack, "solid")),
                             marker=dict(size=5), hovertemplate="ε = %{x:.3g}<br>accuracy %{y:.3f}<extra></extra>"))
    layout = base_layout(title or "Test accuracy under attack", x_title="ε (‖δ‖∞, pixels in [0, 1])",
                         y_title="accuracy", height=height)
    layout["yaxis"]["range"] = [-0.02, 1.02]
    layout["legend"] = dict(layout["legend"], y=-0.32)  # below the axis title
    if marker is not None and np.isfinite(marker):
        layout["shapes"] = [dict(type="line", x0=float(marker), x1=float(marker), y0=0, y1=1, yref="paper",
                                 line=dict(color="#888888", width=1, dash="dot"))]
    return fast_figure(data, layout)


def _grey() -> list:
    return [[0.0, "#FFFFFF"], [1.0, "#111111"]]


def _diverging() -> list:
    return sampled_colorscale("RdBu_r")


def digit_attack_figure(clean: np.ndarray, delta: np.ndarray, attacked: np.ndarray, eps: float, *,
                        labels: Sequence[str] = ("clean", "perturbation δ", "attacked"), title: str | None = None,
                        height: int = 300) -> go.Figure:
    """Three 8 x 8 panels: the clean digit, the perturbation δ (diverging colours on [−ε, ε]) and the attacked
    digit (pixels on [0, 1], dark = ink), each as uint8 levels.

    Parameters
    ----------
    clean, delta, attacked : ndarray, 64 entries each
    eps : float
        The colour range of δ (at least 1e-3).
    labels : three str
        Panel titles (e.g. with the predicted classes).
    title : str, optional
    height : int
    """
    imgs = [np.asarray(a, dtype=float).reshape(8, 8) for a in (clean, delta, attacked)]
    e = max(float(eps), 1e-3)
    ranges = [(0.0, 1.0), (-e, e), (0.0, 1.0)]
    scales = [_grey(), _diverging(), _grey()]
    data, layout = [], base_layout(title, height=height)
    layout["margin"] = dict(l=10, r=10, t=90 if title else 55, b=10)
    annotations = []
    for k, (img, (lo, hi), cs) in enumerate(zip(imgs, ranges, scales)):
        ax = "" if k == 0 else str(k + 1)
        z = quantize(img, lo, hi)
        data.append(dict(type="heatmap", z=z, zmin=0, zmax=LEVELS - 1, colorscale=cs, showscale=False,
                         xaxis=f"x{ax}", yaxis=f"y{ax}", hovertemplate="row %{y}, column %{x}<extra></extra>"))
        dom = [k / 3 + 0.01, (k + 1) / 3 - 0.01]
        layout[f"xaxis{ax}"] = dict(domain=dom, visible=False, range=[-0.5, 7.5], constrain="domain")
        layout[f"yaxis{ax}"] = dict(visible=False, range=[7.5, -0.5], scaleanchor=f"x{ax}", scaleratio=1)
        annotations.append(dict(x=(dom[0] + dom[1]) / 2, y=1.0, xref="paper", yref="paper", yanchor="bottom",
                                text=labels[k] if k < len(labels) else "", showarrow=False, font=dict(size=12)))
    layout["annotations"] = annotations
    return fast_figure(data, layout)


def class_probabilities_figure(probabilities: Mapping[str, Sequence[float]], *, true: int | None = None,
                               target: int | None = None, title: str | None = None, height: int = 280) -> go.Figure:
    """Grouped bars of the class probabilities (0..9), one group per input (clean, attacked); the true class and
    the target are named on the axis.

    Parameters
    ----------
    probabilities : {name: 10 probabilities}
    true, target : int, optional
    title : str, optional
    height : int
    """
    names = [str(c) + (" (true)" if c == true else "") + (" (target)" if c == target else "") for c in range(10)]
    data = [dict(type="bar", x=names, y=compact(p), name=n, marker=dict(color=[BLUE, VERMILLION, GREEN][i % 3]),
                 hovertemplate="%{x}: %{y:.3f}<extra></extra>") for i, (n, p) in enumerate(probabilities.items())]
    layout = base_layout(title or "Class probabilities", y_title="probability", height=height)
    layout["yaxis"]["range"] = [0, 1.02]
    layout["xaxis"]["type"] = "category"
    layout["barmode"] = "group"
    return fast_figure(data, layout)


def target_probability_figure(iterations: Sequence[float], p_target: Sequence[float], p_true: Sequence[float], *,
                              title: str | None = None, height: int = 280, max_points: int = 200) -> go.Figure:
    """The probability of the target class and of the true class against the attack's iterations (live).

    Parameters
    ----------
    iterations, p_target, p_true : sequences of equal length
    title : str, optional
    height, max_points : int
    """
    it = np.asarray(iterations, dtype=float)
    data = []
    for name, p, c in (("target class", p_target, VERMILLION), ("true class", p_true, BLUE)):
        x, y = decimate(it, np.asarray(p, dtype=float), max_points)
        data.append(dict(type="scatter", x=compact(x), y=compact(y), mode="lines", name=name,
                         line=dict(color=c, width=2)))
    layout = base_layout(title or "Probability of the target and of the true class", x_title="iteration",
                         y_title="probability", height=height)
    layout["yaxis"]["range"] = [-0.02, 1.02]
    layout["shapes"] = [dict(type="line", x0=0, x1=1, xref="paper", y0=0.5, y1=0.5,
                             line=dict(color="#888888", width=1, dash="dot"))]
    return fast_figure(data, layout)


def perturbation_growth_figure(growth: Mapping[str, Sequence[float]], *, title: str | None = None,
                               height: int = 340) -> go.Figure:
    """‖Y_j(x + δ) − Y_j(x)‖ / ‖Y_0(x + δ) − Y_0(x)‖ against the layer j, one curve per network (log y).

    Parameters
    ----------
    growth : {network: ratios, shape (N + 1,)}
    title : str, optional
    height : int
    """
    data = []
    for i, (name, g) in enumerate(growth.items()):
        g = np.asarray(g, dtype=float)
        data.append(dict(type="scatter", x=compact(np.arange(g.size)), y=compact(g), mode="lines+markers", name=name,
                         line=dict(color=color(i), width=2), marker=dict(size=5)))
    layout = base_layout(title or "How a random-sign perturbation grows through the layers", x_title="layer j",
                         y_title="‖ΔY_j‖ / ‖ΔY_0‖", log_y=True, height=height)
    layout["legend"] = dict(layout["legend"], y=-0.22)
    return fast_figure(data, layout)

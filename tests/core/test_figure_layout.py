"""Legends never cover a title, an axis title or the plot, in normal and in presentation styling.

The figures: every fast figure of the live pages (tests/core/test_figures_fast.CASES) and validated ones (the
Taylor test, least-squares figures, subplots), each as ``app.panels.show`` displays it: ``app.style.tidy`` (normal;
fast figures are built tidy) and ``app.style.presentation`` (a styled copy: presentation mode).
"""
from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

import app.figures.lstsq as lstsq
from app.figures.common import convergence_figure, taylor_figure
from app.style import _tidy_validated, legend_rows, presentation, tidy
from tests.core.test_figures_fast import CASES
from tests.kit.test_chart import _validated_cases

H = np.logspace(0, -6, 7)


def _validated() -> dict:
    cases = {
        "taylor": lambda: taylor_figure(H, H, H ** 2, H ** 3),
        "taylor, no title": lambda: taylor_figure(H, H, H ** 2, title=None),
        "picard": lambda: lstsq.picard_figure(np.logspace(0, -4, 20), np.logspace(0, -3, 20), np.ones(20)),
        "conditioning": lambda: lstsq.conditioning_figure(np.logspace(0, 8, 9), {"normal equations": np.logspace(-16, -1, 9),
                                                                                   "QR": np.logspace(-16, -8, 9)}),
        "legend below, by hand": lambda: _below(),
        "legend inside, by hand": lambda: _inside(),
    }
    cases.update({f"other: {k}": (lambda f=f: go.Figure(f)) for k, f in _validated_cases().items()})
    return cases


def _below() -> go.Figure:
    fig = convergence_figure({"steepest descent": (np.arange(9), np.logspace(0, -8, 9)), "CG": (np.arange(3), [1, 1e-3, 1e-9])},
                             title="Error against iteration", y_title="‖x_k − x*‖")
    return go.Figure(fig).update_layout(legend=dict(orientation="h", y=-0.3, yanchor="top"))


def _inside() -> go.Figure:
    fig = taylor_figure(H, H, H ** 2)
    return fig.update_layout(legend=dict(orientation="v", x=0.99, xanchor="right", y=0.02, yanchor="bottom"))


FIGURES = {**{f"fast: {k}": f for k, f in CASES.items()}, **_validated()}


def _shown_legend(fig: go.Figure) -> list[str]:
    names = [t.name or "" for t in fig.data if t.type in ("scatter", "scattergl", "bar") and t.showlegend is not False
             and t.visible is not False]
    if fig.layout.showlegend is False or (fig.layout.showlegend is None and len(names) < 2):
        return []
    return names


def _check(fig: go.Figure, name: str) -> None:
    lay = fig.layout
    for key in [k for k in lay if k[:5] in ("xaxis", "yaxis") and lay[k] is not None]:
        assert lay[key].automargin is True, f"{name}: {key} without automargin"
    names = _shown_legend(fig)
    if not names:
        return
    leg = lay.legend
    right = leg.orientation == "v" and (leg.x or 0) >= 1.02 and leg.xanchor == "left"
    above = leg.orientation == "h" and leg.yanchor == "bottom" and (leg.y or 0) >= 1.0
    assert right or above, f"{name}: legend at x={leg.x} y={leg.y} ({leg.orientation}, {leg.yanchor}) can cover the plot"
    if above:
        size = (leg.font.size or lay.font.size or 13)
        title = lay.title.text
        need = legend_rows(names, size) * 1.2 * size + (1.2 * (lay.title.font.size or size) if title else 0)
        assert lay.margin.t >= need, f"{name}: top margin {lay.margin.t} < {need:.0f} px for the legend and title"
        if title:  # the title at the top of the figure, the legend under it
            assert (lay.title.yref, lay.title.y, lay.title.yanchor) == ("container", 1.0, "top"), name


@pytest.mark.parametrize("name", list(FIGURES))
def test_legend_above_or_right_and_room_for_it(name):
    fig = tidy(FIGURES[name]())
    _check(fig, name)
    _check(tidy(fig), name)  # idempotent


def test_tidy_is_plotlys_validated_update_layout_on_a_copy():
    """The oracle: the same changes through plotly's validated ``update_layout``. ``tidy`` builds its copy unvalidated
    and leaves the figure it was given (perhaps a cached one) as it was."""
    wrong = []
    for name, make in FIGURES.items():
        fig = make()
        before = fig.to_json()
        ours = json.loads(tidy(fig).to_json())
        assert fig.to_json() == before, f"{name}: tidy changed the figure it was given"
        if ours != json.loads(_tidy_validated(fig).to_json()):
            wrong.append(name)
    assert not wrong, f"tidy differs from the validated update_layout for {wrong}"


@pytest.mark.parametrize("name", list(FIGURES))
def test_presentation_fonts_lines_and_legend(name):
    original = tidy(FIGURES[name]())
    before = original.to_json()
    fig = presentation(original)
    assert original.to_json() == before  # a styled copy
    go.Figure(fig.to_dict())  # plotly validates every property here (presentation builds the copy unvalidated)
    _check(fig, name)
    lay = fig.layout
    assert lay.font.size >= 18 and lay.legend.font.size >= 18
    assert lay.title.font.size is None or lay.title.font.size >= 18
    for key in [k for k in lay if k[:5] in ("xaxis", "yaxis") and lay[k] is not None]:
        assert lay[key].tickfont.size >= 18 and lay[key].title.font.size >= 18, f"{name}: {key} fonts"
    for ann in lay.annotations or ():
        assert ann.font.size >= 14, f"{name}: annotation {ann.text!r} at {ann.font.size} px"
    for shape in lay.shapes or ():
        assert shape.line.width is None or shape.line.width >= 3, name
    for tr in fig.data:
        if tr.type in ("scatter", "scattergl") and "lines" in (tr.mode or "lines"):
            assert tr.line.width >= 3, f"{name}: {tr.name!r} line width {tr.line.width}"
        bar = getattr(tr, "colorbar", None)
        if bar is not None and getattr(tr, "showscale", None) is not False and bar.tickfont.size is not None:
            assert bar.tickfont.size >= 18, name


def test_a_legend_below_the_axis_goes_above_the_plot_with_room():
    fig = tidy(_below())
    assert (fig.layout.legend.y, fig.layout.legend.yanchor, fig.layout.legend.orientation) == (1.02, "bottom", "h")
    assert fig.layout.margin.t >= 30 + 25  # the title (13 px x 1.4) and one legend row (13 px x 1.45) with pads
    big = presentation(fig)
    assert big.layout.margin.t > fig.layout.margin.t  # room made for the larger fonts


def test_legend_rows_estimate():
    assert legend_rows([], 13) == 0
    assert legend_rows(["a", "b"], 13) == 1
    assert legend_rows(["a long legend entry name"] * 6, 20, width=520) == 6  # 304 px an entry at 20 px
    # wrapped: columns as wide as the widest entry (216 px at 20 px: 2 a row), as the least-squares level sets
    assert legend_rows(["level sets", "steepest descent", "CG (CGLS)", "x*", "x_true"], 20, width=520) == 3


def test_a_legend_goes_above_a_text_standing_on_the_plot_area():
    """As the spectral-clustering eigenvalue plot: "gap after λ8" stands on the top edge of the plot area."""
    fig = taylor_figure(H, H, H ** 2, title="eigenvalues")
    fig.add_annotation(x=1e-3, y=1.0, xref="x", yref="paper", yanchor="bottom", text="gap", font=dict(size=12),
                       showarrow=False)
    lay = tidy(fig).layout
    plot = 0.7 * lay.height
    assert lay.legend.y >= 1.0 + (1.4 * 12 + 6) / plot - 1e-3  # the text's height above the plot area
    assert lay.margin.t >= (lay.legend.y - 1.0) * plot + 1.45 * 13 + 1.3 * 13 * 1.4  # and the legend and title on it
    lay2 = tidy(presentation(fig)).layout
    assert lay2.legend.y >= 1.0 + (1.4 * 19 + 6) / (0.7 * lay2.height) - 1e-3  # the annotation grew to 19 px

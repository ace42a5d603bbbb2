"""Shared look of every figure: a colour-blind-safe palette and one base layout.

Figures are built by plain functions in ``app.figures`` that take numbers and return a
``plotly.graph_objects.Figure``; presentation mode (large fonts, thick lines) is applied once,
at display time, by :func:`app.kit.show` through :func:`presentation`.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

# Okabe and Ito (2008), "Color universal design": distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, YELLOW, BLACK = PALETTE
# Sequential and diverging colour scales that stay readable for colour-blind viewers.
SEQUENTIAL = "Viridis"
DIVERGING = "RdBu"
# Where legends go (app.style.tidy_layout): a horizontal row just above the plot area, under the title.
LEGEND_ABOVE = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0)


def color(i: int) -> str:
    """The i-th colour of the palette (cycled)."""
    return PALETTE[i % len(PALETTE)]


# A slim light template. The built-in "plotly_white" is deep-copied into every new figure, which cost ~20 ms
# per figure: too much for live frames. Axes and layout are set in one dict for the same reason (update_xaxes
# and friends walk the subplot grid and cost several ms each).
_AXIS = dict(gridcolor="#E5EAF2", linecolor="#C8D0DC", zerolinecolor="#E5EAF2", zerolinewidth=1.5, ticks="",
             automargin=True, showline=True)
pio.templates["numdl"] = go.layout.Template(
    layout=dict(paper_bgcolor="white", plot_bgcolor="white", xaxis=_AXIS, yaxis=_AXIS, hovermode="closest",
                font=dict(color="#1A1A1A", family="Source Sans Pro, Helvetica, Arial, sans-serif"),
                colorway=list(PALETTE))
)
TEMPLATE = "numdl"


def axis(title: str | None = None, log: bool = False, **kw) -> dict:
    """An axis layout dict (log axes show powers of ten)."""
    d = dict(title=dict(text=title) if title else None, type="log" if log else "linear",
             exponentformat="power" if log else "B")
    d.update(kw)
    return d


def new_figure(title: str | None = None, **kw) -> go.Figure:
    """An empty figure with the app's base layout (light template, compact margins, legend above the plot).

    ``kw`` are the keywords of :func:`base_layout`: ``x_title``, ``y_title``, ``log_x``, ``log_y``, ``height``.
    """
    return go.Figure(layout=base_layout(title, **kw))


def base_layout(
    title: str | None = None,
    *,
    x_title: str | None = None,
    y_title: str | None = None,
    log_x: bool = False,
    log_y: bool = False,
    height: int = 380,
) -> dict:
    """The layout of :func:`app.style.new_figure` as a plain dict, to be completed and passed to
    ``go.Figure(data=..., layout=...)`` in one call (live figures: ``add_trace`` and ``update_*`` cost
    milliseconds each)."""
    layout = dict(
        template=TEMPLATE,
        title=dict(text=title, x=0.01, xanchor="left") if title else None,
        height=height,
        margin=dict(l=60, r=20, t=40 if title else 20, b=50),
        legend=dict(LEGEND_ABOVE),  # above the plot, under the title (see tidy_layout)
        font=dict(size=13),
        xaxis={k: v for k, v in axis(x_title, log_x).items() if v is not None},
        yaxis={k: v for k, v in axis(y_title, log_y).items() if v is not None},
    )
    return {k: v for k, v in layout.items() if v is not None}  # (validation would drop the Nones too)


_TEMPLATE_JSON = pio.templates[TEMPLATE].to_plotly_json()  # the app's template as plain JSON, made once


def fast_figure(data: list[dict], layout: dict) -> go.Figure:
    """``go.Figure(data=data, layout=layout)`` without plotly's property-by-property validation.

    For figures redrawn in every frame of a live run: validating the traces and the layout is most of the
    cost of building a figure (a decision map: 5.5 ms validated, 0.5 ms not). The traces and layouts are
    plain dicts written in this package and checked by its tests; the JSON sent to the browser is the
    same (the template is passed as its JSON, since an unvalidated name would not be resolved).
    """
    layout = dict(layout, **tidy_layout(layout, data))
    if layout.get("template") == TEMPLATE:
        layout = dict(layout, template=_TEMPLATE_JSON)
    try:
        return go.Figure(data=data, layout=layout, _validate=False)
    except TypeError:  # a plotly without the (private) _validate switch: build the figure validated
        return go.Figure(data=data, layout=dict(layout, template=TEMPLATE))


def presentation(fig: go.Figure, scale: float = 1.6) -> go.Figure:
    """Projector styling of a copy of ``fig``: fonts scaled by ``scale`` (the layout's, the legend's, the titles', the
    axes', the annotations' and the colour bars'; explicit sizes, since Streamlit's plotly theme sets the axes' own),
    lines, shapes and markers thicker, the figure taller, the legend and the margins laid out again for the larger
    fonts (:func:`tidy_layout`). Works on the figure's JSON and builds the copy unvalidated, like
    :func:`fast_figure` (a few milliseconds: it runs for every chart of a live frame when presenting)."""
    d = fig.to_plotly_json()
    data, lay = [dict(t) for t in d.get("data", ())], dict(d.get("layout", {}))
    size = int(13 * scale)
    lay["font"] = {**lay.get("font", {}), "size": size}
    lay["legend"] = {**lay.get("legend", {}), "font": {**lay.get("legend", {}).get("font", {}), "size": size}}
    if isinstance(lay.get("title"), dict):
        lay["title"] = {**lay["title"], "font": {**lay["title"].get("font", {}), "size": int(size * 1.15)}}
    if lay.get("height"):
        lay["height"] = int(lay["height"] * 1.25)
    for key in [k for k in lay if k[:5] in ("xaxis", "yaxis")]:
        ax = dict(lay[key] or {})
        ax["tickfont"] = _bigger(ax.get("tickfont"), int(size * 0.9))
        ax["title"] = dict(ax.get("title") or {}, font=_bigger((ax.get("title") or {}).get("font"), size))
        lay[key] = ax
    lay["annotations"] = [dict(a, font=_bigger(a.get("font"), max(int(((a.get("font") or {}).get("size") or 13)
                                                                          * scale), 14)))
                          for a in lay.get("annotations", ())]
    lay["shapes"] = [dict(sh, line=dict(sh.get("line") or {}, width=max((sh.get("line") or {}).get("width", 1) * 2, 3)))
                     if (sh.get("line") or {}).get("width", 1) else sh for sh in lay.get("shapes", ())]
    for k in ("annotations", "shapes"):
        if not lay[k]:
            del lay[k]
    for tr in data:
        ttype = tr.get("type", "scatter")
        if ttype in ("scatter", "scattergl"):
            tr["line"] = dict(tr.get("line") or {}, width=max((tr.get("line") or {}).get("width", 2) * 2, 4))
            marker = tr.get("marker") or {}
            if isinstance(marker.get("size"), (int, float, np.ndarray)):
                tr["marker"] = dict(marker, size=marker["size"] * 1.5)
        elif ttype in ("contour", "histogram2dcontour") and (tr.get("line") or {}).get("width", 1):
            tr["line"] = dict(tr.get("line") or {}, width=max((tr.get("line") or {}).get("width", 0.5) * 2, 3))
        if ttype in _COLORBAR_TYPES and tr.get("showscale", True) is not False:
            bar = dict(tr.get("colorbar") or {})
            bar["tickfont"] = _bigger(bar.get("tickfont"), size)
            bar["title"] = dict(bar.get("title") or {}, font=_bigger((bar.get("title") or {}).get("font"), size))
            tr["colorbar"] = bar
    lay.update(tidy_layout(lay, data))
    try:
        return go.Figure(data=data, layout=lay, _validate=False)
    except TypeError:  # a plotly without the (private) _validate switch
        return go.Figure(data=data, layout=lay)


_COLORBAR_TYPES = {"heatmap", "contour", "histogram2d", "histogram2dcontour", "surface"}


def _bigger(font: dict | None, size: int) -> dict:
    """``font`` (a dict or None) with a size of at least ``size``."""
    font = dict(font or {})
    font["size"] = max(font.get("size") or 0, size)
    return font


# ---------------------------------------------------------------------------------------------------- legends
# A legend never covers a title, an axis title or the data: it is a horizontal row above the plot area (the
# title, if any, above it at the top of the figure, the top margin made for both), or a column right of the plot
# (``x >= 1.02``, ``xanchor="left"``) where a figure put it there. Legends a figure put below the x axis or inside
# the plot go above it: a fixed paper position below the axis ends up on the axis title once automargin moves it
# (larger fonts, long tick labels), as on the least-squares convergence plot.
_LEGEND_TYPES = {"scatter", "scattergl", "bar", "histogram", "box", "violin", "scatterpolar", "scatter3d"}
_ROW_WIDTH = 520  # px a legend row is assumed to have (a chart in a column; wider charts wrap less)


def _get(obj: Any, key: str, default: Any = None) -> Any:
    """``obj[key]`` of a dict, or the attribute of a plotly object (None when unset)."""
    if obj is None:
        return default
    value = obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)
    return default if value is None else value


def _legend_names(data: Sequence[Any], showlegend: Any) -> list[str]:
    """The names the legend shows (plotly shows a legend for two entries or more, or when asked)."""
    names = [str(_get(t, "name", "")) for t in data
             if _get(t, "type", "scatter") in _LEGEND_TYPES and _get(t, "showlegend", True) is not False
             and _get(t, "visible", True) is not False]
    if showlegend is False or (showlegend is None and len(names) < 2):
        return []
    return names


def legend_rows(names: Sequence[str], size: float, width: float = _ROW_WIDTH) -> int:
    """Rows a horizontal legend of ``names`` takes at font ``size`` in ``width`` px (an estimate: 0.55 em a
    character and 40 px for each entry's symbol and gap). A legend that wraps is laid out in columns as wide as
    its widest entry (plotly's layout of a wrapped horizontal legend)."""
    if not names:
        return 0
    widths = [0.55 * size * len(name) + 40 for name in names]
    if sum(widths) <= width:
        return 1
    per_row = max(int(width // max(widths)), 1)
    return -(-len(names) // per_row)


def tidy_layout(layout: dict, data: Sequence[Any]) -> dict:
    """The changes to ``layout`` (a plain dict) that put its legend where it cannot cover a title, an axis title
    or the plot (above the plot area, or at its right), the title at the top, and a top margin for both; every
    axis gets ``automargin``. Pure dict work (no plotly validation): it runs for every live frame."""
    font = _get(_get(layout, "font"), "size", 13)
    legend = dict(_get(layout, "legend", {}) or {})
    size = _get(_get(legend, "font"), "size", font)
    names = _legend_names(data, _get(layout, "showlegend"))
    right = _get(legend, "orientation") == "v" and _get(legend, "x", 1.02) >= 1.02 and _get(legend, "xanchor") == "left"
    above = not right and _get(legend, "yanchor") == "bottom" and _get(legend, "y", 0) >= 1.0
    changes: dict = {}
    if names and not right:
        if not above:
            legend.update(LEGEND_ABOVE)
        legend["orientation"] = "h"
        changes["legend"] = legend
    title = _get(layout, "title")
    text = _get(title, "text") if isinstance(title, dict) else (title if isinstance(title, str) else _get(title, "text"))
    top = 8.0
    if text:
        tsize = _get(_get(title, "font") if not isinstance(title, str) else None, "size", font * 1.4)
        changes["title"] = dict(title if isinstance(title, dict) else {"text": text}, y=1.0, yref="container",
                                yanchor="top", pad=dict(t=6))
        top += 1.3 * tsize * (1 + text.count("<br>")) + 6
    if names and not right:
        plot = 0.7 * _get(layout, "height", 450)  # the plot area's height, roughly
        over = _top_annotations(layout, font)  # texts just above the plot area (panel titles): the legend goes above
        if over:
            legend["y"] = max(_get(legend, "y", 1.02), round(1.0 + (over + 6) / plot, 3))
        lift = max(_get(legend, "y", 1.02) - 1.0, 0.0) * plot  # the legend's offset above the plot area
        top += legend_rows(names, size) * 1.45 * size + 4 + lift
    margin = dict(_get(layout, "margin", {}) or {})
    if _get(margin, "t", 0) < top:
        margin["t"] = int(top + 0.5)
        changes["margin"] = margin
    for key in sorted({k for k in layout if k[:5] in ("xaxis", "yaxis")} | {"xaxis", "yaxis"}):
        ax = layout.get(key)
        if _get(ax, "automargin") is not True:
            changes[key] = dict(ax or {}, automargin=True)
    return changes


def _top_annotations(layout: dict, font: float) -> float:
    """The height (px) of the tallest annotation standing on the top edge of the plot area (``y >= 1`` in paper or
    axis-domain units, anchored at its bottom), 0 if none."""
    tallest = 0.0
    for ann in _get(layout, "annotations", ()) or ():
        yref = str(_get(ann, "yref", "paper"))
        if (yref == "paper" or yref.endswith("domain")) and _get(ann, "y", 0) >= 0.99 and \
                _get(ann, "yanchor") == "bottom":
            text = str(_get(ann, "text", ""))
            tallest = max(tallest, 1.4 * _get(_get(ann, "font"), "size", font) * (1 + text.count("<br>")))
    return tallest


def tidy(fig: go.Figure) -> go.Figure:
    """:func:`tidy_layout` applied to a figure. Idempotent; ``fig`` itself is left as it was.

    Returns a copy with the changed layout, built unvalidated (as :func:`fast_figure`) from the figure's own trace and
    layout dicts (validated already, or written by this package): plotly's validated ``update_layout`` was about a
    fifth of the server's work for a page's first run. ``fig`` when nothing changes; a figure with animation frames
    goes through ``update_layout``."""
    data, layout = getattr(fig, "_data", None), getattr(fig, "_layout", None)
    if data is None or layout is None or getattr(fig, "_frame_objs", ()):
        return _tidy_validated(fig)
    changes = tidy_layout(layout, data)
    if not changes:
        return fig
    try:
        return go.Figure(data=[dict(t) for t in data], layout={**layout, **changes}, _validate=False)
    except TypeError:  # a plotly without the (private) _validate switch
        return _tidy_validated(fig)


def _tidy_validated(fig: go.Figure) -> go.Figure:
    """:func:`tidy_layout` applied through plotly's validated ``update_layout``; returns ``fig`` (modified)."""
    lay = fig.layout
    keys = [k for k in lay if k[:5] in ("xaxis", "yaxis") and lay[k] is not None]
    plain = {"font": {"size": _get(lay.font, "size")}, "legend": lay.legend.to_plotly_json(),
             "title": lay.title.to_plotly_json(), "showlegend": lay.showlegend, "height": lay.height,
             "margin": lay.margin.to_plotly_json(), "annotations": [a.to_plotly_json() for a in lay.annotations],
             **{k: {"automargin": lay[k].automargin} for k in keys}}
    changes = tidy_layout(plain, fig.data)
    for k in keys:
        if k in changes:
            changes[k] = {"automargin": True}
    if changes:
        fig.update_layout(changes)
    return fig

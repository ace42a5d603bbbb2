"""Shared look of every figure: a colour-blind-safe palette and one base layout.

Figures are built by plain functions in ``app.figures`` that take numbers and return a
``plotly.graph_objects.Figure``; presentation mode (large fonts, thick lines) is applied once,
at display time, by :func:`app.kit.show` through :func:`presentation`.
"""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

# Okabe and Ito (2008), "Color universal design": distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, YELLOW, BLACK = PALETTE
# Sequential and diverging colour scales that stay readable for colour-blind viewers.
SEQUENTIAL = "Viridis"
DIVERGING = "RdBu"


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
    """An empty figure with the app's base layout (light template, compact margins, legend below the plot).

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
        legend=dict(orientation="h", yanchor="top", y=-0.16, xanchor="left", x=0),
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
    if layout.get("template") == TEMPLATE:
        layout = dict(layout, template=_TEMPLATE_JSON)
    try:
        return go.Figure(data=data, layout=layout, _validate=False)
    except TypeError:  # a plotly without the (private) _validate switch: build the figure validated
        return go.Figure(data=data, layout=dict(layout, template=TEMPLATE))


def presentation(fig: go.Figure, scale: float = 1.6) -> go.Figure:
    """Projector styling: fonts scaled by ``scale``, lines and markers thicker. Returns ``fig`` (modified)."""
    size = int(13 * scale)
    fig.update_layout(font=dict(size=size), title_font=dict(size=int(size * 1.15)), legend_font=dict(size=size))
    h = fig.layout.height
    if h:
        fig.update_layout(height=int(h * 1.25))
    for tr in fig.data:
        ttype = getattr(tr, "type", "")
        if ttype in ("scatter", "scattergl") and tr.line is not None:
            width = tr.line.width or 2
            tr.line.width = max(width * 2, 4)
            if tr.marker is not None and tr.marker.size is not None:
                tr.marker.size = tr.marker.size * 1.5
    return fig

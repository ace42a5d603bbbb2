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


def new_figure(
    title: str | None = None,
    *,
    x_title: str | None = None,
    y_title: str | None = None,
    log_x: bool = False,
    log_y: bool = False,
    height: int = 380,
) -> go.Figure:
    """An empty figure with the app's base layout (light template, compact margins, legend below the plot)."""
    return go.Figure(layout=dict(
        template=TEMPLATE,
        title=dict(text=title, x=0.01, xanchor="left") if title else None,
        height=height,
        margin=dict(l=60, r=20, t=40 if title else 20, b=50),
        legend=dict(orientation="h", yanchor="top", y=-0.16, xanchor="left", x=0),
        font=dict(size=13),
        xaxis=axis(x_title, log_x),
        yaxis=axis(y_title, log_y),
    ))


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

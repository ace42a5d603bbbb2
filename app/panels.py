"""Shared page furniture: presentation mode, figure display, theory, "Try this", Taylor-test and code panels."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import os

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import chart
from app.figures.common import taylor_figure
from app.style import presentation as _present_fig
from app.style import tidy as _tidy

__all__ = [
    "panel_open",
    "presenting",
    "presentation_toggle",
    "show",
    "theory",
    "Experiment",
    "try_this",
    "taylor_panel",
    "code_panel",
    "self_check",
    "check_panel",
    "FRAME_BYTES_KEY",
]

PRESENT_KEY = "presentation"  # the mode itself: plain session state, not a widget's (see presentation_toggle)
PRESENT_WIDGET_KEY = "presentation_toggle"  # the sidebar toggle that switches it

# Presentation mode fits a 1280x720 projector: the title, the section switch, compact controls, Play and the top
# of the main figure without scrolling (tests/browser/test_presentation.py). The figures carry the large fonts and
# thick lines (app.style.presentation); the page's text stays a little larger than usual, its spacing is tighter,
# the sidebar is collapsed (presentation_toggle) and its captions hidden, the title sits in the header's row beside
# the sidebar's chevron, the labels of the section switch and of a live run's speed are dropped. A live run's Play row and picture come right after the page's controls
# (app.lesson.Lesson.live): notes drawn between the last control and Play follow the picture.
_PRESENT_CSS = """
<style>
html { font-size: 16px; }
[data-testid="stMainBlockContainer"] { padding: 0.4rem 2rem 2rem 2rem; max-width: none; }
[data-testid="stHeader"] { height: 2.2rem; min-height: 2.2rem; background: transparent; pointer-events: none; }
[data-testid="stHeader"] button, [data-testid="stHeader"] a { pointer-events: auto; }
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p { line-height: 1.45; }
[data-testid="stMain"] [data-testid="stSelectbox"] [class*="ComboBox"] > div { height: 2.2rem; min-height: 0; }
[data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 0.2rem; }
[data-testid="stMetricValue"] { font-size: 1.5rem; line-height: 1.25; }
[data-testid="stMain"] h1 { font-size: 1.8rem !important; padding: 0 0 0.3rem 0 !important; margin: 0 3rem 0 1.6rem; }
[data-testid="stMain"] h2 { font-size: 1.45rem !important; padding: 0.15rem 0 0.1rem 0 !important; }
[data-testid="stMain"] h3 { font-size: 1.3rem !important; padding: 0.15rem 0 0.3rem 0 !important; }
[data-testid="stExpander"] summary { padding-top: 0.2rem; padding-bottom: 0.2rem; }
[data-testid="stMain"] [data-testid="stBaseButton-tertiary"] { min-height: 1.6rem; }
[data-testid="stWidgetLabel"] { min-height: 1rem; margin-bottom: 0; }
[data-testid="stSlider"] [data-testid="stWidgetLabel"] { margin-bottom: 0.15rem; }
[data-testid="stSliderThumbValue"] p { font-size: 0.8rem; line-height: 1.2; }
[data-testid="stMain"] [data-testid="stHeading"] { margin-bottom: 0.2rem; }
[data-testid="stMain"] [data-testid="stSelectbox"] input { padding-top: 5px; padding-bottom: 5px; }
[data-testid="stMain"] [data-testid="stSlider"] > div:last-child > div { padding-bottom: 14px; }
[data-testid="stSidebar"] [data-testid="stCaptionContainer"] { display: none; }
.stElementContainer[class*="-section "] [data-testid="stWidgetLabel"] { display: none; }
.stElementContainer[class*="-speed "] [data-testid="stWidgetLabel"] { display: none; }
</style>
"""


def presenting() -> bool:
    """True when presentation mode (projector styling) is on."""
    return bool(st.session_state.get(PRESENT_KEY, False))


def _present_toggled() -> None:
    st.session_state[PRESENT_KEY] = bool(st.session_state[PRESENT_WIDGET_KEY])


def presentation_toggle() -> bool:
    """The sidebar toggle for presentation mode, mirrored in the URL as ``present=1``.

    The mode lives in its own session key and the toggle is told its value on every run. Keyed to the toggle
    itself, the mode was lost now and then on the second page opened by URL: the browser rebuilt the collapsed
    sidebar's toggle at its default (off) and sent that back with the next page's rerun (seen in Chromium,
    tests/browser/test_presentation.py).
    """
    if PRESENT_KEY not in st.session_state:
        st.session_state[PRESENT_KEY] = st.query_params.get("present") in ("1", "true")
    st.session_state[PRESENT_WIDGET_KEY] = st.session_state[PRESENT_KEY]
    st.sidebar.toggle("Presentation mode", key=PRESENT_WIDGET_KEY, on_change=_present_toggled,
                      help="Large text and thick lines for a projector; explanations collapsed.")
    on = presenting()
    if on:
        st.query_params["present"] = "1"
        st.set_page_config(initial_sidebar_state="collapsed")  # the whole width (the toggle is one click away)
        st.markdown(_PRESENT_CSS, unsafe_allow_html=True)
    elif "present" in st.query_params:
        del st.query_params["present"]
    return on


LIVE_FRAME_KEY = "_live_frame_playing"  # set by app.live while a playing run draws its frame
FRAME_BYTES_KEY = "_frame_bytes"  # {chart key: bytes of its figure JSON} of the last live frame (when measured)


def _measure_frames() -> bool:
    """``NUMDL_MEASURE_FRAMES=1`` (the tests) records the JSON size of every chart a live frame sends."""
    return os.environ.get("NUMDL_MEASURE_FRAMES") == "1"


def show(fig: go.Figure, key: str, container: Any = None) -> None:
    """Display a figure (with projector styling in presentation mode).

    Every chart is sent by :func:`app.chart.send`: the element ``st.plotly_chart`` sends, without its copy and
    re-validation of the figure (a page's first run draws several charts, and a class joins at once). While a
    live run is playing, its charts are drawn as static plots (no hover layer, no mode bar): the browser redraws
    them several times per second and the interactive layers roughly double plotly.js's work per redraw. Paused,
    every chart is interactive again.
    """
    live = st.session_state.get(LIVE_FRAME_KEY)
    if presenting():
        fig = _present_fig(fig)  # a copy: the caller's (possibly cached) figure stays as it was
    elif not live:  # legends above the plot (a live frame's figures are built so, by app.style.fast_figure)
        fig = _tidy(fig)  # a copy, built unvalidated
    config = {"displaylogo": False, "responsive": True}
    if live:
        config["staticPlot"] = True
        if _measure_frames():
            st.session_state.setdefault(FRAME_BYTES_KEY, {})[key] = len(fig.to_json())
    chart.send(container if container is not None else st._main, fig, key=key, config=config)


def panel_open(box: Any) -> bool:
    """Whether a collapsible panel drawn with ``on_change="rerun"`` draws its content: when it is open (opening it
    reruns the page). A closed panel's widgets and text cost every student's first page run as much as visible
    ones (a class joins at once). Also True where Streamlit does not track the state (``open`` is None) and with
    ``NUMDL_OPEN_PANELS=1`` (the tests: every panel's content runs in every test)."""
    return getattr(box, "open", None) is not False or os.environ.get("NUMDL_OPEN_PANELS") == "1"


def theory(markdown: str, equations: Sequence[str] = (), reference: str | None = None, *, title: str = "Theory") -> None:
    """The theory panel: a short text, key equations in LaTeX, the reference. Collapsed when presenting."""
    with st.expander(title, expanded=not presenting(), icon=":material/menu_book:"):
        st.markdown(markdown)
        for eq in equations:
            st.latex(eq)
        if reference:
            st.caption(f"Reference: {reference}")


@dataclass(frozen=True)
class Experiment:
    """A guided experiment: what to do (``settings`` applied by a button), the question, what to observe.

    With a ``name`` it is also a preset: ``?preset=name`` opens the page in that state (``settings`` may then
    name the ``section``).
    """

    title: str
    question: str
    observe: str
    settings: dict = field(default_factory=dict)
    name: str | None = None


def try_this(experiments: Sequence[Experiment], apply: Callable[[dict], None] | None = None, *, key: str) -> None:
    """The "Try this" panel: each experiment with a button that sets the controls, its question and the answer."""
    with st.expander("Try this", expanded=not presenting(), icon=":material/science:"):
        for i, ex in enumerate(experiments):
            link = f"  \n*Link:* `?preset={ex.name}`" if ex.name else ""
            st.markdown(f"**{i + 1}. {ex.title}**  \n{ex.question}{link}")
            cols = st.columns([1, 3])
            settings = {k: v for k, v in ex.settings.items() if k != "section"}
            if settings and apply is not None:
                cols[0].button("Set it up", key=f"{key}.try{i}", on_click=apply, args=(settings,))
            with cols[1].popover("What should I see?"):
                st.markdown(ex.observe)


def self_check(question: str, options: Sequence[str], answer: int, explanation: str, *, key: str) -> None:
    """A multiple-choice self-check question with feedback."""
    st.markdown(f"**Self-check.** {question}")
    choice = st.radio(question, list(options), index=None, key=key, label_visibility="collapsed")
    if choice is not None:
        if list(options).index(choice) == answer:
            st.success(f"Right. {explanation}")
        else:
            st.info(f"Not quite. {explanation}")


def taylor_panel(result: Any, *, key: str, title: str = "Taylor test", what: str = "gradient") -> None:
    """The Taylor-test picture, the table of errors with observed orders, and the verdict."""
    show(taylor_figure(result.h, result.err0, result.err1, result.err2, title=title), key=f"{key}.fig")
    has2 = result.err2 is not None
    orders = {"E0": result.order0, "E1": result.order}
    if has2:
        orders["E2"] = result.order2
    c1, c2 = st.columns([2, 3])
    with c1:
        st.markdown("**Observed orders** (slope as h → 0)")
        expect = {"E0": 1, "E1": 2, "E2": 3}
        st.dataframe(pd.DataFrame({"error": list(orders), "observed": [f"{v:.2f}" if np.isfinite(v) else "round-off" for v in orders.values()],
                                   "expected": [expect[k] for k in orders]}), hide_index=True, width="stretch")
    with c2:
        table = {"h": result.h, "E0": result.err0, "E1": result.err1}
        if has2:
            table["E2"] = result.err2
        st.dataframe(pd.DataFrame(table).style.format("{:.2e}"), hide_index=True, width="stretch", height=210)
    verb = "pass" if " and " in what else "passes"
    if result.passed:
        if result.exact:
            st.success(f"✔ The {what} {verb}: E1 is at round-off for every h (the function is linear along v).")
        else:
            st.success(f"✔ The {what} {verb}: E1 decays like h^{result.order:.1f}"
                       + (f" and E2 like h^{result.order2:.1f}." if has2 else "."))
    else:
        bad = "E1 decays only like h^{:.1f}: the gradient is wrong.".format(result.order)
        if has2 and result.order >= 1.5:
            bad = "E1 is fine but E2 decays only like h^{:.1f}: the Hessian is wrong.".format(result.order2)
        st.error(f"✘ The {what} {'fail' if verb == 'pass' else 'fails'} the Taylor test. {bad}")


def code_panel(code: str) -> None:
    """The current experiment as a notebook snippet using numdl_core."""
    with st.expander("Reproduce in a notebook", expanded=False, icon=":material/code:"):
        st.code(code, language="python")


def check_panel(result: Any, *, key: str, what: str | None = None) -> None:
    """Render one check result of ``numdl_core.checks``: a Taylor test (``DerivativeCheck``), an adjoint test
    (``AdjointCheck``), an agreement with a reference (``Agreement``) or a property with its numbers in a
    sentence (any result with ``name``, ``passed`` and ``detail``, e.g. ``laplacian_checks.PropertyCheck``)."""
    if hasattr(result, "err1"):
        taylor_panel(result, key=key, what=what or "gradient")
        return
    if hasattr(result, "lhs"):  # adjoint test
        c1, c2, c3 = st.columns(3)
        c1.metric("⟨w, J v⟩", f"{result.lhs:.15g}")
        c2.metric("⟨Jᵀw, v⟩", f"{result.rhs:.15g}")
        c3.metric("relative gap", f"{result.rel_error:.1e}")
        if result.passed:
            st.success("✔ Jᵀ is the transpose of J: the two inner products agree to round-off.")
        else:
            st.error("✘ Jᵀ is not the transpose of J: the inner products differ far beyond round-off.")
        return
    if hasattr(result, "detail"):  # a property check (numdl_core.laplacian_checks.PropertyCheck)
        (st.success if result.passed else st.error)(f"{'✔' if result.passed else '✘'} {result.name}: {result.detail}")
        return
    text = f"{result.name}: relative difference {result.rel_error:.1e} to {result.reference} (tolerance {result.rtol:.0e})"
    (st.success if result.passed else st.error)(("✔ " if result.passed else "✘ ") + text)


def _cell(v: Any, fmt: str | None) -> str:
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return "—"
        if fmt == "percent":
            return f"{100 * v:.1f}%"
        return (fmt % v) if fmt else f"{v:.4g}"
    return _md_escape(str(v))


def _md_escape(text: str) -> str:
    """``text`` for a markdown table cell: a ``|`` (as in ``max |f − f_KR|``) would end the cell."""
    return text.replace("|", "\\|")


def live_table(table: pd.DataFrame, *, column_config: dict | None = None, formats: dict[str, str] | None = None) -> None:
    """A small table under a live picture: an interactive ``st.dataframe`` when paused, and a markdown table
    (a few hundred bytes instead of ~3 KB of Arrow data per frame) while the run plays.

    ``formats`` maps columns to printf formats (or ``"percent"``) for the markdown version.
    """
    if not st.session_state.get(LIVE_FRAME_KEY):
        st.dataframe(table, hide_index=True, width="stretch", column_config=column_config)
        return
    formats = formats or {}
    cols = list(table.columns)
    lines = ["| " + " | ".join(_md_escape(str(c)) for c in cols) + " |", "|" + "---|" * len(cols)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v, formats.get(c)) for c, v in zip(cols, row)) + " |")
    st.markdown("\n".join(lines))

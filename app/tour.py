"""The lecture tour: a page's presets in the lecturer's order, stepped through with buttons and keys.

A page names its storyline, ``Lesson(..., tour=("stable", "raise-step", "diverges", "momentum"))`` (names of its
presets, :class:`app.panels.Experiment` with a ``name``). ``?tour=1`` opens the page at the first step (one URL to
share); the bar under the title shows the step, its question, and **Previous** / **Next** (keys ← and →); **Space**
plays or pauses the page's live run. Each step sets the controls of its preset, its section included.
"""
from __future__ import annotations

from typing import Any, Sequence

import streamlit as st

__all__ = ["URL_KEY", "PLAY_SHORTCUT_KEY", "tour_bar", "parse_step"]

URL_KEY = "tour"
PLAY_SHORTCUT_KEY = "_tour.play_shortcut"  # set while a tour is on: the first Play button of the run takes Space


def parse_step(raw: str | None, n: int) -> tuple[int | None, str | None]:
    """The tour step (0-based) of a ``?tour=`` value and a note when it had to be changed; ``None``: no tour."""
    if raw is None or raw == "":
        return None, None
    try:
        k = int(str(raw)[:12])
    except ValueError:
        return 0, f"`tour={str(raw)[:20]}` is not a step number: the tour starts at step 1."
    if not 1 <= k <= n:
        c = min(max(k, 1), n)
        return c - 1, f"`tour={k}`: this tour has steps 1 to {n}; opened at step {c}."
    return k - 1, None


def _apply(pp: Any, settings: dict) -> None:
    settings = dict(settings)
    section = settings.pop("section", None)
    if section is not None:
        pp.apply({"section": section}, scope="")
    pp.apply(settings, scope=section or "")


def tour_bar(key: str, pp: Any, steps: Sequence[Any]) -> int | None:
    """Draw the tour bar when the tour is on (``?tour=k``, or the toggle); return the current step (0-based).

    ``steps`` are the page's :class:`~app.panels.Experiment` presets in tour order.
    """
    n = len(steps)
    state = f"_tour.{key}"
    if state not in st.session_state:  # first run of the page in this session: the URL decides
        step, note = parse_step(st.query_params.get(URL_KEY), n)
        st.session_state[state] = step
        if step is not None:
            _apply(pp, steps[step].settings)
            st.session_state[f"{state}.note"] = note

    def go(k: int | None) -> None:
        st.session_state[state] = k
        if k is not None:
            _apply(pp, steps[k].settings)

    step = st.session_state[state]
    if step is None:
        st.session_state.pop(PLAY_SHORTCUT_KEY, None)
        st.button(f"Start the lecture tour ({n} steps)", key=f"{state}.start", on_click=go, args=(0,),
                  icon=":material/slideshow:", type="tertiary",
                  help="The lecturer's storyline: the page's presets in order. Keys: → next, ← previous, "
                       "Space play / pause.")
        if URL_KEY in st.query_params:
            del st.query_params[URL_KEY]
        return None
    note = st.session_state.pop(f"{state}.note", None)
    if note:
        st.warning(note)
    ex = steps[step]
    with st.container(border=True):
        st.markdown(f"**Lecture tour, step {step + 1} of {n}: {ex.title}**  \n{ex.question}")
        c1, c2, c3, c4 = st.columns([1, 1, 1.2, 3])
        c1.button("Previous", key=f"{state}.prev", on_click=go, args=(step - 1,), disabled=step == 0,
                  icon=":material/arrow_back:", shortcut="Left", width="stretch")
        c2.button("Next", key=f"{state}.next", on_click=go, args=(step + 1,), disabled=step == n - 1,
                  icon=":material/arrow_forward:", shortcut="Right", width="stretch")
        c3.button("End the tour", key=f"{state}.end", on_click=go, args=(None,), icon=":material/close:",
                  width="stretch")
        with c4.popover("What should I see?"):
            st.markdown(ex.observe)
    st.session_state[PLAY_SHORTCUT_KEY] = True
    if st.query_params.get(URL_KEY) != str(step + 1):
        st.query_params[URL_KEY] = str(step + 1)
    return step

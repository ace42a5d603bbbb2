"""The Home page: what NumDL Studio is, a search over the course, how to use it, and the course map."""
from __future__ import annotations

import streamlit as st

from app.catalog import GROUPS, available
from app.exercise_panel import progress_panel
from app.search import MAX_QUERY, build_index, search


def home() -> None:
    """Draw the Home page."""
    st.title("NumDL Studio")
    st.markdown(
        "An interactive companion to **Numerical Methods for Deep Learning** (Ruthotto and Haber) and "
        "**Deep Learning Theory**. Each page is one topic: read the theory, tune the controls, watch the "
        "numerics work live, and see the check that proves the numbers right."
    )
    search_box()
    with st.expander("How to use it", expanded=True):
        st.markdown(
            """
- **Live runs.** Iterative methods run live: **▶ Play** animates, **Step** does one iteration, **Reset** starts
  over; *iterations per frame* sets the speed. Change a step size while it runs and it takes effect at once;
  change the data or the method and the run starts over. A step size that is too large ends in a
  *diverged at iteration k* message with the reason, and the curve up to there.
- **Checks on screen.** Every page shows its correctness check: a Taylor test of the derivatives, an adjoint
  test, or a comparison with an independent reference (scipy, scikit-learn, a closed form).
- **Try this.** Each page ends with guided experiments: a button sets the controls, you answer the question,
  then compare with what you should see.
- **Exercises.** Each page has exercises the app checks by computing: choose a step size, predict an iteration
  count, find a stability limit. It answers *correct*, *almost* with what is off, or *not yet* with a hint, and
  shows the worked solution on request. Your progress is below, in the URL and in a file you can save.
- **Your own data.** On the 2-D pages, click the plot to add or remove points, or upload a CSV (x1, x2, label).
- **Compare.** Pages with several solvers or settings run two configurations side by side: their costs in one
  table, their curves in one plot.
- **Presentation mode** (sidebar toggle): large text and thick lines for a projector, explanations collapsed.
- **Lecture tour.** Some pages have a tour (*Start the lecture tour* under the title, or `?tour=1`): the
  lecturer's storyline as a series of presets, stepped with **Next** / **Previous** (keys → / ←) and **Space**
  for Play / Pause.
- **Share a URL.** Every control, the random seed included, is in the address bar: copy it and anyone who opens
  it sees the same experiment.
- **In a notebook.** The numerics are the plain numpy/scipy library `numdl_core`; each page shows the code that
  reproduces its experiment.
"""
        )
    st.header("Course map")
    entries = available()
    for group in GROUPS:
        here = [e for e in entries if e.group == group]
        if not here:
            continue
        st.subheader(group)
        for e in here:
            st.page_link(str(e.path), label=f"**{e.title}**: {e.summary}", icon=e.icon)
    progress_panel()


def search_box() -> None:
    """A search over the pages, their sections, theory and experiments (app/search.py): links to the sections."""
    query = st.text_input("Search the course", key="home.search", max_chars=MAX_QUERY, icon=":material/search:",
                          placeholder="a term: semi-convergence, Fiedler, adjoint, Taylor, CG")
    if not query or not query.strip():
        return
    hits = search(build_index(), query, limit=10)
    if not hits:
        st.caption(f"Nothing found for *{_plain(query)}*: try a shorter term or another spelling.")
        return
    for hit in hits:
        label = f"**{hit.entry.title}**" + (f" › {_plain(hit.label)}" if hit.label else "")
        st.page_link(str(hit.entry.path), label=label, icon=hit.entry.icon,
                     query_params={"section": hit.section} if hit.section else None)
        st.caption(_plain(hit.snippet))


def _plain(text: str) -> str:
    """``text`` shown as it is in Markdown: no emphasis, LaTeX, links or list from its characters."""
    return "".join("\\" + c if c in "\\`*_$[]<>#|~" or (i == 0 and c in "-+") else c for i, c in enumerate(text))

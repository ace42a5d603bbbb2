"""The Home page: what NumDL Studio is, how to use it, and the course map."""
from __future__ import annotations

import streamlit as st

from app.catalog import GROUPS, available


def home() -> None:
    """Draw the Home page."""
    st.title("NumDL Studio")
    st.markdown(
        "An interactive companion to **Numerical Methods for Deep Learning** (Ruthotto and Haber) and "
        "**Deep Learning Theory**. Each page is one topic: read the theory, tune the controls, watch the "
        "numerics work live, and see the check that proves the numbers right."
    )
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
- **Presentation mode** (sidebar toggle): large text and thick lines for a projector, explanations collapsed.
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

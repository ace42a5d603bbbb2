"""The kit's panels (app/panels.py), rendered headless."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _table_while_playing():
    import pandas as pd
    import streamlit as st

    from app.live import LIVE_FRAME_KEY
    from app.panels import live_table

    st.session_state[LIVE_FRAME_KEY] = True
    live_table(pd.DataFrame([{"t": 10, "max |f − f_KR|": "1e-3", "status": "a|b"}]))


def test_live_table_escapes_pipes_in_the_markdown_table():
    at = AppTest.from_function(_table_while_playing).run()
    assert not at.exception
    md = at.markdown[0].value
    header, rule, row = md.splitlines()
    assert header == "| t | max \\|f − f_KR\\| | status |"
    assert rule == "|---|---|---|"
    assert row == "| 10 | 1e-3 | a\\|b |"


def test_closed_panels_draw_their_content_only_when_opened(monkeypatch):
    """"Compare two settings", "Exercises", "Export" and "Presets" are collapsed: their content is drawn only once a
    reader opens them (``st.expander(on_change="rerun")``, app.panels.panel_open), so a class's first page runs
    skip them. The rest of the suite draws them always (NUMDL_OPEN_PANELS=1 in tests/conftest.py)."""
    from tests.pages.helpers import assert_clean, page

    monkeypatch.delenv("NUMDL_OPEN_PANELS", raising=False)
    at = page("least_squares.py", {"section": "iterative"}).run()
    assert_clean(at)
    labels = [e.label for e in at.expander]
    assert "Compare two settings" in labels and any(lab.startswith("Exercises (") for lab in labels)
    buttons = {b.label for b in at.button}
    assert "Run both" not in buttons and "Check" not in {b.label for b in at.get("form_submit_button")}
    assert "▶ Play" in buttons  # the page itself is all there
    assert "Python script" not in {b.label for b in at.get("download_button")}  # nor is the export's script
    panels = ["lstsq.iterative.cmp.iter.panel", "_ex.least-squares.iterative.panel", "lstsq.iterative.export",
              "lstsq.presets"]
    assert all(k in at.session_state and at.session_state[k] is False for k in panels)
    for k in panels:  # the reader opens both
        at.session_state[k] = True
    at.run()
    assert_clean(at)
    assert "Run both" in {b.label for b in at.button}
    assert "Check" in {b.label for b in at.get("form_submit_button")}
    assert "Python script" in {b.label for b in at.get("download_button")}

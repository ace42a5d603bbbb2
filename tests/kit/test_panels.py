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

"""``app.chart.send`` puts the element ``st.plotly_chart`` would on the page, without copying the figure.

The oracle is Streamlit itself: the same figures go through ``st.plotly_chart`` and through ``send`` in one
script run, and the two ``PlotlyChart`` elements must carry the same figure (the JSON parsed), config and theme,
and the same height. Figures: every fast figure of the live pages (``tests/core/test_figures_fast.CASES``) and
validated ones with subplots, 2-D heatmaps, int64 / uint8 / bool arrays, NaN and inf, and a numpy axis range.
"""
from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots
from streamlit.testing.v1 import AppTest

from app.chart import spec_json
from app.style import base_layout, fast_figure
from tests.core.test_figures_fast import CASES


def _validated_cases() -> dict:
    z = np.arange(12, dtype=np.int64).reshape(3, 4)
    sub = make_subplots(rows=1, cols=2, subplot_titles=("a", "b"))
    sub.add_trace(go.Scatter(x=np.arange(5), y=np.array([1.0, np.nan, np.inf, -np.inf, 2.0])), row=1, col=1)
    sub.add_trace(go.Heatmap(z=z.astype(np.uint8), colorscale="Viridis"), row=1, col=2)
    big = go.Figure(go.Scatter(x=np.array([0, 2**40]), y=np.array([True, False]), mode="markers"))
    big.update_layout(xaxis_range=np.array([0.0, 1.0]), height=333, title="big ints")
    heat = go.Figure(go.Heatmap(z=np.random.default_rng(0).random((5, 7)).astype(np.float32), zmin=0, zmax=1))
    text = go.Figure(go.Scatter(x=[1, 2], y=[3, 4], text=np.array(["a", "b"], dtype=object), mode="text"))
    layout = base_layout("numpy range")
    layout["xaxis"]["range"] = np.array([0.0, 2.0])
    ranged = fast_figure([dict(type="scatter", x=np.arange(3), y=np.ones(3))], layout)
    return {"fast, numpy range": ranged, "subplots, nan, inf": sub, "int64 over int32, bool, numpy range": big, "float32 heatmap": heat,
            "object text": text, "empty": go.Figure()}


FIGURES = {**{f"fast: {k}": f for k, f in CASES.items()}, **{f"other: {k}": (lambda f=f: f)
                                                            for k, f in _validated_cases().items()}}


def _all() -> None:
    import streamlit as st

    from app import chart
    from tests.kit.test_chart import FIGURES

    for i, make in enumerate(FIGURES.values()):
        # a live frame's charts are static, a paused page's interactive (app.panels.show)
        config = {"displaylogo": False, "responsive": True, **({"staticPlot": True} if i % 2 else {})}
        fig = make()
        st.plotly_chart(fig, key=f"st{i}", config=config)
        chart.send(st._main, fig, key=f"ours{i}", config=config)


def test_send_puts_the_element_st_plotly_chart_would():
    """One script run draws every figure both ways (one AppTest: the suite's time)."""
    at = AppTest.from_function(_all).run(timeout=60)
    assert not at.exception, at.exception
    elements = [e.proto for e in at.get("plotly_chart")]
    assert len(elements) == 2 * len(FIGURES)
    wrong = []
    for name, theirs, ours in zip(FIGURES, elements[::2], elements[1::2]):
        if json.loads(ours.spec) != json.loads(theirs.spec) or \
                (ours.config, ours.theme, ours.form_id) != (theirs.config, theirs.theme, theirs.form_id):
            wrong.append(name)
        assert ours.id and ours.id != theirs.id  # registered under its own key
    assert not wrong, f"send differs from st.plotly_chart for {wrong}"


def test_the_spec_is_strict_json_with_typed_arrays():
    fig = go.Figure(go.Scatter(x=np.arange(1000, dtype=np.float32), y=[1.0, float("nan"), float("inf")]),
                    layout=dict(template=None))
    s = spec_json(fig)
    sent = json.loads(s, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))  # NaN / Infinity fail here
    assert sent["data"][0]["x"]["dtype"] == "f4" and len(sent["data"][0]["x"]["bdata"]) == 5336  # 4000 bytes
    assert sent["data"][0]["y"] == [1.0, None, None]


def test_animation_frames_fall_back_to_st_plotly_chart():
    fig = go.Figure(go.Scatter(x=[1], y=[1]), frames=[go.Frame(data=[go.Scatter(x=[2], y=[2])])])
    assert spec_json(fig) is None

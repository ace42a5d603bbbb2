"""A live frame's plotly chart, sent without ``st.plotly_chart``'s copy of the figure.

``st.plotly_chart(fig)`` turns the figure into a dict with ``fig.to_dict()`` (a deep copy of every trace and of
the layout, then a walk that encodes numpy arrays) and then into JSON: about 2 ms of the ~9 ms a least-squares
live frame costs the server, repeated for every student several times per second. :func:`send` writes the JSON
of the figure's own trace and layout dicts in one walk (numpy arrays become plotly.js typed arrays, as plotly's
``to_dict`` writes them) and enqueues the same ``PlotlyChart`` element ``st.plotly_chart`` would: same spec, same
config, same element id and layout.

Streamlit internals used: the ``PlotlyChart`` proto, ``compute_and_register_element_id``, ``current_form_id``,
``LayoutConfig``, ``agent_spec.element`` and ``DeltaGenerator._enqueue``. ``tests/kit/test_chart.py`` checks
that the element is the one ``st.plotly_chart`` sends, for figures of every kind the live pages draw; when an
internal is missing, :func:`send` falls back to ``st.plotly_chart``.
"""
from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np
import plotly.graph_objects as go

__all__ = ["send", "spec_json"]

# plotly.js typed arrays (plotly.py's _plotly_utils.utils.plotlyjsShortTypes); int64 is narrowed as plotly does
_SHORT = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4",
          "float32": "f4", "float64": "f8"}
_NARROW = (np.int8, np.int16, np.int32)
_SKIPPED = frozenset(("geojson", "layer", "layers", "range"))  # keys plotly leaves as plain lists


def _typed(a: np.ndarray) -> Any:
    """A numpy array as plotly.js's typed-array spec ``{"dtype", "bdata"[, "shape"]}`` (plotly's own rules)."""
    if a.size == 0:
        return []
    if a.dtype == np.int64:
        lo, hi = int(a.min()), int(a.max())
        for t in _NARROW:
            info = np.iinfo(t)
            if info.min <= lo and hi <= info.max:
                a = a.astype(t)
                break
        else:
            return _plain(a.tolist())
    short = _SHORT.get(str(a.dtype))
    if short is None:
        return _plain(a.tolist())
    spec = {"dtype": short, "bdata": base64.b64encode(np.ascontiguousarray(a)).decode("ascii")}
    if a.ndim > 1:
        spec["shape"] = str(a.shape)[1:-1]
    return spec


def _plain(v: Any, key: str | None = None) -> Any:
    """``v`` as JSON-ready values: arrays typed (plain lists under ``range`` and the like), NaN and ±inf null."""
    if isinstance(v, dict):
        return {k: _plain(x, k) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.ndarray):
        return _plain(v.tolist()) if key in _SKIPPED or v.dtype == object else _typed(v)
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, np.generic):
        return _plain(v.item())
    return v


def spec_json(fig: go.Figure) -> str | None:
    """The JSON ``st.plotly_chart`` sends for ``fig`` (``{"data": [...], "layout": {...}}``), or None for a figure
    this module does not handle (animation frames)."""
    data, layout = getattr(fig, "_data", None), getattr(fig, "_layout", None)
    if data is None or layout is None or getattr(fig, "_frame_objs", ()):
        return None
    return json.dumps({"data": _plain(data), "layout": _plain(layout)}, separators=(",", ":"), allow_nan=False)


def send(dg: Any, fig: go.Figure, *, key: str, config: dict) -> None:
    """Show ``fig`` in ``dg`` as ``dg.plotly_chart(fig, key=key, config=config)`` does (width "stretch", height
    "content", Streamlit theme, no selection), without copying the figure."""
    spec = spec_json(fig)
    try:
        from streamlit.elements.lib import agent_spec
        from streamlit.elements.lib.form_utils import current_form_id
        from streamlit.elements.lib.layout_utils import LayoutConfig
        from streamlit.elements.lib.utils import compute_and_register_element_id
        from streamlit.elements.plotly_chart import _plotly_data
        from streamlit.proto.PlotlyChart_pb2 import PlotlyChart
    except ImportError:
        spec = None
    if spec is None or not hasattr(dg, "_enqueue"):
        dg.plotly_chart(fig, key=key, config=config)
        return
    proto = PlotlyChart()
    proto.theme = "streamlit"
    proto.form_id = current_form_id(dg)
    proto.spec = spec
    proto.config = json.dumps(config)
    proto.id = compute_and_register_element_id(
        "plotly_chart", user_key=key, key_as_main_identity=False, dg=dg, plotly_spec=proto.spec,
        plotly_config=proto.config, selection_mode=("points", "box", "lasso"), is_selection_activated=False,
        theme="streamlit", width="stretch", height="content", alt=None)
    height = fig._layout.get("height")  # "content" height: the layout's, else plotly.js's default 450
    height = int(height) if isinstance(height, (int, float)) and not isinstance(height, bool) and height > 0 else 450
    dg._enqueue("plotly_chart", proto, layout_config=LayoutConfig(width="stretch", height=height),
                agent_props=agent_spec.element("plotly_chart", key=key, data_builder=lambda: _plotly_data(spec),
                                               alt=None))

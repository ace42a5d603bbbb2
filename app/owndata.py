"""Your own data on a 2-D page: click to add or remove points, upload a CSV, reset, download.

A page calls, before it builds its problem (and outside any live fragment)::

    X, y, source = own_data("lc.train", X, y, classes=pr.n_classes)

and trains or clusters on what it gets back: the page's generated ``X, y`` until the student edits or uploads,
then the student's points (kept in ``st.session_state`` per page and section). ``source`` is ``"page"`` or a
token ``"own:<digest>"`` that changes with every edit: pass it to
``lesson.live(..., depends={"own_data": source})`` so a live run restarts on the new points.

Clicks: ``st.plotly_chart(on_select=...)`` reports clicks only on markers, so an invisible 40 x 40 grid of
markers covers the plot; a click on it adds a point of the chosen class there (mode *add*) or removes the nearest
data point within one grid cell (mode *remove*); a click on a data point removes it (mode *remove*).
Parsing and validation are pure functions in :mod:`app.owndata_parse`. Messages about a file are shown with
every Markdown character escaped.
"""
from __future__ import annotations

import hashlib
from functools import partial
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from app.owndata_parse import (MAX_BYTES, MAX_ROWS, MIN_POINTS, apply_selection, escape_markdown, parse_points_csv,
                               points_csv)
from app.style import color

__all__ = ["own_data", "state_key", "set_points", "token", "GRID"]

GRID = 40  # click targets per axis
MODES = {"add": "add points", "remove": "remove points"}


def state_key(key: str) -> str:
    """The session-state key of the student's points of ``key`` (a dict with ``X``, ``y``, ``source``)."""
    return f"owndata.{key}"


def token(X: np.ndarray, y: np.ndarray) -> str:
    """A short digest of the points: ``"own:<10 hex digits>"`` (changes with every edit)."""
    h = hashlib.sha1(np.ascontiguousarray(X, dtype=float).tobytes() + np.asarray(y, dtype=np.int64).tobytes())
    return "own:" + h.hexdigest()[:10]


def set_points(key: str, X: np.ndarray, y: np.ndarray, source: str) -> None:
    """Store the student's points of ``key`` (what a click, an upload or a test does)."""
    sk = state_key(key)
    old = st.session_state.get(sk) or {}
    st.session_state[sk] = {"X": np.asarray(X, dtype=float).reshape(-1, 2), "y": np.asarray(y, dtype=np.int64),
                            "source": source, "version": old.get("version", 0) + 1}
    st.session_state.pop(f"{sk}.error", None)


def _reset(key: str) -> None:
    sk = state_key(key)
    version = (st.session_state.get(sk) or {}).get("version", 0)
    st.session_state[sk] = {"version": version + 1}  # no points: the page's data again (a fresh chart)
    st.session_state.pop(f"{sk}.error", None)


def _limits(X: np.ndarray, lim: tuple[float, float] | None, axis: int) -> tuple[float, float]:
    if lim is not None:
        return float(lim[0]), float(lim[1])
    lo, hi = (float(X[:, axis].min()), float(X[:, axis].max())) if X.size else (-1.0, 1.0)
    pad = 0.15 * (hi - lo) or 1.0
    return lo - pad, hi + pad


def _grid(xlim, ylim) -> tuple[np.ndarray, np.ndarray]:
    gx, gy = np.meshgrid(np.linspace(*xlim, GRID), np.linspace(*ylim, GRID))
    return gx.ravel(), gy.ravel()


def _figure(X, y, classes: int, xlim, ylim) -> go.Figure:
    gx, gy = _grid(xlim, ylim)
    data = [go.Scatter(x=gx, y=gy, mode="markers", name="click targets", showlegend=False, hovertemplate=
                       "(%{x:.3g}, %{y:.3g})<extra>click</extra>", marker=dict(size=12, opacity=0, color="#888"))]
    for k in range(classes):
        m = y == k
        if np.any(m):
            data.append(go.Scatter(x=X[m, 0], y=X[m, 1], mode="markers", name=f"class {k}", marker=dict(
                color=color(k), size=8, line=dict(color="white", width=0.5)),
                hovertemplate="(%{x:.3g}, %{y:.3g})<extra>class " + str(k) + "</extra>"))
    fig = go.Figure(data)
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=30, b=10), clickmode="event+select",
                      title=dict(text=f"{y.size} points: click to add or remove", font=dict(size=14)),
                      xaxis=dict(range=list(xlim), title="x₁", fixedrange=True),
                      yaxis=dict(range=list(ylim), title="x₂", fixedrange=True), dragmode=False)
    return fig


def _on_click(key: str, chart_key: str, version: int, classes: int, max_points: int, xlim, ylim) -> None:
    sk = state_key(key)
    if (st.session_state.get(sk) or {}).get("version", 0) != version:
        return  # a stale report of an older chart (a click can arrive twice: with a live frame and the page's run)
    shown = st.session_state.get(f"{sk}.shown")
    chart = st.session_state.get(chart_key)
    points = ((chart or {}).get("selection") or {}).get("points") or []
    if shown is None or not points:
        return
    X, y = shown
    mode = st.session_state.get(f"{sk}.mode") or "add"
    label = int(st.session_state.get(f"{sk}.class") or 0)
    radius = float(np.hypot((xlim[1] - xlim[0]) / (GRID - 1), (ylim[1] - ylim[0]) / (GRID - 1)))
    X, y = apply_selection(X, y, points[0], classes=classes, mode=mode, label=label, radius=radius,
                           max_points=max_points)  # one click at a time
    set_points(key, X, y, "your clicks")


def _on_upload(key: str, classes: int, min_classes: int, max_points: int) -> None:
    sk = state_key(key)
    f = st.session_state.get(f"{sk}.upload")
    if f is None:
        return
    try:
        if f.size > MAX_BYTES:
            raise ValueError(f"The file is too large: {f.size:,} bytes (at most {MAX_BYTES:,} bytes).")
        X, y = parse_points_csv(f.getvalue(), n_classes=classes, min_classes=min_classes, max_rows=max_points)
    except ValueError as err:
        st.session_state[f"{sk}.error"] = f"{f.name}: {err}"
        return
    set_points(key, X, y, f"the file {f.name}")


def _editor(key: str, Xs: np.ndarray, ys: np.ndarray, version: int, *, classes: int, xlim, ylim, min_classes: int,
            max_points: int) -> None:
    """Class picker, click mode, the clickable chart, the uploader and the download button."""
    sk = state_key(key)
    c1, c2, c3 = st.columns([2, 2.5, 1.4], vertical_alignment="bottom")
    c1.radio("Click mode", tuple(MODES), format_func=MODES.get, key=f"{sk}.mode", horizontal=True)
    if classes > 1:
        c2.radio("Class of new points", tuple(range(classes)), format_func=lambda k: f"class {k}",
                 key=f"{sk}.class", horizontal=True)
    else:  # unlabelled points (a distribution to learn): one class, label 0
        c2.caption("One class: the points are unlabelled samples of your distribution.")
    c3.download_button("Download as CSV", points_csv(Xs, ys), file_name=f"{key.replace('.', '_')}_points.csv",
                       mime="text/csv", key=f"{sk}.download", on_click="ignore")
    st.session_state[f"{sk}.shown"] = (Xs, ys)
    chart_key = f"{sk}.chart.{version}"  # a fresh chart (no selection left) after each edit
    st.plotly_chart(_figure(Xs, ys, classes, xlim, ylim), key=chart_key, selection_mode="points",
                    on_select=partial(_on_click, key, chart_key, version, classes, max_points, xlim, ylim),
                    config={"displaylogo": False, "displayModeBar": False})
    labels = f"labels 0 to {classes - 1}" if classes > 1 else "label 0 on every line (unlabelled points)"
    st.file_uploader(f"Upload a CSV: lines x1,x2,label (header optional), {labels}, at most "
                     f"{max_points:,} points and {MAX_BYTES // 1000} kB", type=["csv", "txt"], key=f"{sk}.upload",
                     on_change=_on_upload, args=(key, classes, min_classes, max_points), max_upload_size=1)


def own_data(key: str, X: np.ndarray, y: np.ndarray, *, classes: int, xlim: tuple[float, float] | None = None,
             ylim: tuple[float, float] | None = None, min_classes: int = 2,
             max_points: int = MAX_ROWS) -> tuple[np.ndarray, np.ndarray, str]:
    """The data editor of a 2-D page, and the data to use.

    Parameters
    ----------
    key : str
        Unique per page and section, e.g. ``"lc.train"``.
    X : ndarray, shape (n, 2); y : ndarray of int, shape (n,)
        The page's generated data (what the editor starts from).
    classes : int
        Classes the page supports (the class picker offers ``0..classes - 1``; files with other labels are refused).
        ``1``: unlabelled points (a distribution to learn): no class picker, every label of a file must be 0.
    xlim, ylim : (float, float), optional
        The clickable area (default: the page's data, padded by 15%).
    min_classes : int
        Distinct labels the page needs (2 for a classifier; 1 for clustering).
    max_points : int
        Most points (clicks beyond are ignored, larger files refused).

    Returns
    -------
    X, y : ndarray
        The student's points when there are valid ones (at least 4 points and ``min_classes`` classes), else the
        page's.
    source : str
        ``"page"``, or :func:`token` of the student's points.
    """
    sk = state_key(key)
    own = st.session_state.get(sk) or {}
    has_own = "X" in own
    Xs, ys = (own["X"], own["y"]) if has_own else (np.asarray(X, float), np.asarray(y, np.int64))
    valid = ys.size >= MIN_POINTS and np.unique(ys).size >= min_classes
    both = np.vstack([np.asarray(X, float).reshape(-1, 2), Xs])
    xlim, ylim = _limits(both, xlim, 0), _limits(both, ylim, 1)
    top = st.columns([3, 2], vertical_alignment="center")  # the same rows before and after the first edit (the
    opened = top[0].toggle("Your own data: click to add or remove points, or upload a CSV", key=f"{sk}.open",
                           help="Edit the page's points or use your own; the page then computes on them.")
    top[0].button("Reset to the page's data", key=f"{sk}.reset", on_click=_reset, args=(key,), disabled=not has_own)
    if has_own and valid:  # chart below does not jump at the first click)
        counts = ", ".join(f"class {k}: {int(np.sum(ys == k))}" for k in range(classes) if np.any(ys == k))
        top[1].caption(escape_markdown(f"Using your data ({own.get('source', 'edited')}): {ys.size} points "
                                       f"({counts}). The page's data controls have no effect until you reset."))
    if opened:
        _editor(key, Xs, ys, own.get("version", 0), classes=classes, xlim=xlim, ylim=ylim, min_classes=min_classes,
                max_points=max_points)
    if f"{sk}.error" in st.session_state:
        st.error("**This file was not used.** " + escape_markdown(st.session_state[f"{sk}.error"]))
    if has_own and not valid:
        st.warning(f"Your data need at least {MIN_POINTS} points and {min_classes} class"
                   f"{'es' if min_classes > 1 else ''}: the page uses its own data until then.")
    if has_own and valid:
        return Xs, ys, token(Xs, ys)
    return np.asarray(X, float), np.asarray(y, np.int64), "page"

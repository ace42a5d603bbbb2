"""app/owndata_parse.py (pure): the CSV of a student's 2-D points, strictly checked; clicks that add and remove
points. The editor on the pages is tested in tests/pages/test_owndata_pages.py."""
from __future__ import annotations

import numpy as np
import pytest

from app.owndata_parse import (apply_click, apply_selection, escape_markdown, parse_points_csv, points_csv)

GOOD = "x1,x2,label\n0,0,0\n1,0.5,0\n-2e-1,1,1\n3,1.5,1\n"


@pytest.mark.parametrize("text", [
    GOOD,  # header and trailing newline
    GOOD.replace("\n", "\r\n"),  # CRLF
    GOOD.split("\n", 1)[1].rstrip("\n"),  # no header, no trailing newline
    "\ufeff X1 , x2 ,LABEL\n\n0 , 0, 0\n1,0.5,0.0\n-.2,1,1\n\n3,+1.5,1\n\n",  # BOM, spaces, blank lines, 0.0
])
def test_good_files_parse(text):
    X, y = parse_points_csv(text.encode(), n_classes=2, min_classes=2)
    np.testing.assert_array_equal(X, [[0, 0], [1, 0.5], [-0.2, 1], [3, 1.5]])
    assert y.tolist() == [0, 0, 1, 1] and X.dtype == float and y.dtype == np.int64


def test_roundtrip_through_points_csv():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 2)) * 1e3, rng.integers(0, 3, 50)
    X2, y2 = parse_points_csv(points_csv(X, y))
    np.testing.assert_array_equal(X2, X)  # repr precision: exact
    np.testing.assert_array_equal(y2, y)


@pytest.mark.parametrize("data,words", [
    (b"", "empty"),
    (b"  \n\r\n ", "empty"),
    (b"1,2,0\n" * 40_000, "too large"),
    (b"x1,x2,label\n0,0,0\n\xff\xfe,1,1\n", "not UTF-8"),
    (b"0,0,0\x00\n", "not UTF-8"),
    (b"0,0,0\n1,1,1\n2,2\n3,3,1\n", "line 3: expected 3 columns"),
    (b"0,0,0\n1,1,1,7\n", "line 2: expected 3 columns (x1, x2, label), found 4"),
    (b"x,y,class\n0,0,0\n", "line 1: unexpected header"),
    (b"0,0,0\n1,1,1\n2,abc,1\n", "line 3, column x2: 'abc' is not a number"),
    (b"0,0,0\n1,1,1\n2,,1\n", "line 3, column x2: an empty field is not a number"),
    (b"0,0,0\n1_0,1,1\n", "line 2, column x1: '1_0' is not a number"),  # float() would accept it
    (b"0,0,0\nnan,1,1\n", "line 2, column x1: NaN"),
    (b"0,0,0\n1,-inf,1\n", "line 2, column x2: NaN or infinite"),
    (b"0,0,0\n1,1e999,1\n", "line 2, column x2: '1e999' overflows"),
    (b"0,0,0\n1,1,-1\n", "line 2: label '-1' is not an integer"),
    (b"0,0,0\n1,1,0.5\n", "line 2: label '0.5' is not an integer"),
    (b"0,0,0\n1,1,cat\n", "line 2, column label: 'cat' is not a number"),
    (b"0,0,0\n1,1,1\n1,2,2\n", "line 3: label 2, but this page supports at most 2 classes"),
    (b"0,0,0\n1,1,1\n" * 6, "Too many rows: more than 10 points (line 11)"),
    (b"0,0,0\n1,1,1\n2e7,1,0\n", "line 3: coordinate 2e+07 is out of range"),
    (b"x1,x2,label\n0,0,0\n1,1,1\n", "Too few points: 2 (at least 4)"),
    (b"0,0,1\n1,1,1\n2,2,1\n3,3,1\n", "Only 1 class (label 1): this page needs at least 2 classes"),
    (b'0,0,0\n"1,1,1\n', "line 2"),  # an unclosed quote: one field, or malformed CSV; either names the line
])
def test_bad_files_raise_a_message_naming_the_problem(data, words):
    with pytest.raises(ValueError) as err:
        parse_points_csv(data, n_classes=2, min_classes=2, max_rows=10)
    assert words in str(err.value), str(err.value)


def test_not_bytes_is_a_type_error():
    with pytest.raises(TypeError, match="data must be bytes"):
        parse_points_csv("0,0,0")


def test_echoed_file_content_is_quoted_and_cut():
    with pytest.raises(ValueError) as err:
        parse_points_csv(b"0,0,0\n1," + b"[a](javascript:x)" * 10 + b",1\n")
    msg = str(err.value)
    assert len(msg) < 120 and "…" in msg
    shown = escape_markdown(msg)
    assert "](" not in shown and "\\[a\\]\\(javascript\\:x\\)" in shown


def test_escape_markdown_neutralizes_markup():
    s = escape_markdown("<b>x</b> $x$ :red[y] **z** `c`\nnext")
    for raw in ("<b>", "$x$", ":red[", "**", "`c`", "\n"):
        assert raw not in s


def test_apply_click_adds_and_removes():
    X, y = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([0, 1])
    X1, y1 = apply_click(X, y, (0.5, -0.5), mode="add", label=2)
    assert X1.tolist()[-1] == [0.5, -0.5] and y1.tolist() == [0, 1, 2] and y.size == 2  # input unchanged
    X2, y2 = apply_click(X1, y1, (0.95, 1.02), mode="remove", label=0, radius=0.1)  # nearest within the radius
    assert X2.tolist() == [[0.0, 0.0], [0.5, -0.5]] and y2.tolist() == [0, 2]
    X3, y3 = apply_click(X2, y2, (5.0, 5.0), mode="remove", label=0, radius=0.1)  # nothing near: unchanged
    assert y3.tolist() == [0, 2]
    assert apply_click(X, y, (0, 0), mode="add", label=0, max_points=2)[1].size == 2  # full: no more points
    with pytest.raises(ValueError, match="mode"):
        apply_click(X, y, (0, 0), mode="move", label=0)


def test_apply_selection_maps_traces_to_rows():
    """Trace 0 is the grid of click targets; trace c >= 1 the c-th class present, its point_index counting
    within that class."""
    X, y = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]), np.array([2, 0, 2, 2])
    X1, y1 = apply_selection(X, y, {"curve_number": 2, "point_index": 1, "x": 2.0, "y": 2.0}, classes=3,
                             mode="remove", label=0, radius=0.0)
    assert X1[:, 0].tolist() == [0.0, 1.0, 3.0] and y1.tolist() == [2, 0, 2]
    X2, y2 = apply_selection(X, y, {"curve_number": 0, "point_index": 77, "x": -1.0, "y": 4.0}, classes=3,
                             mode="add", label=1, radius=0.0)
    assert X2.tolist()[-1] == [-1.0, 4.0] and y2.tolist()[-1] == 1
    X3, _ = apply_selection(X, y, {"curve_number": 1, "point_index": 0, "x": 1.0, "y": 1.0}, classes=3,
                            mode="add", label=0, radius=0.0)  # add mode on a data point: a point there
    assert X3.shape == (5, 2)


def test_a_click_is_applied_once_per_version_of_the_points(monkeypatch):
    """app.owndata._on_click: a report from the chart of the current version adds the point and bumps the
    version; the same report again (a click delivered twice, or a stale chart) changes nothing."""
    from types import SimpleNamespace

    from app import owndata

    X, y = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [3.0, 1.0]]), np.array([0, 0, 1, 1])
    state = {"owndata.k.shown": (X, y), "owndata.k.mode": "add", "owndata.k.class": 1,
             "owndata.k.chart.0": {"selection": {"points": [{"curve_number": 0, "point_index": 5, "x": 0.5,
                                                             "y": 2.0}]}}}
    monkeypatch.setattr(owndata, "st", SimpleNamespace(session_state=state))
    for _ in range(2):
        owndata._on_click("k", "owndata.k.chart.0", 0, 2, 100, (-1.0, 4.0), (-1.0, 3.0))
    own = state["owndata.k"]
    assert own["version"] == 1 and own["y"].tolist() == [0, 0, 1, 1, 1] and own["X"][-1].tolist() == [0.5, 2.0]

"""The helpers that keep live figures small: decimate, compact, positive, and what the merged figures send."""
from __future__ import annotations

import json

import numpy as np
import plotly.io as pio
import pytest

from app.figures.common import compact, convergence_figure, decimate, decision_map_figure, positive


def test_decimate_keeps_first_last_and_at_most_n():
    x = np.arange(2000)
    y = x ** 2.0
    dx, dy = decimate(x, y, 300)
    assert dx.size <= 300 and dx[0] == 0 and dx[-1] == 1999
    np.testing.assert_array_equal(dy, dx ** 2.0)  # pairs stay together
    assert np.all(np.diff(dx) > 0)
    # equally spaced indices: gaps of 1999/299 ≈ 6.69, rounded
    assert set(np.diff(dx)) <= {6, 7}
    # log spacing: the first ten iterations all kept, the gaps grow
    lx, _ = decimate(x, y, 300, log=True)
    assert lx[-1] == 1999 and list(lx[:10]) == list(range(10)) and np.diff(lx)[-1] > 10
    short = np.arange(5.0)
    assert decimate(short, short, 300)[0] is short
    with pytest.raises(ValueError, match="equal length"):
        decimate(x, y[:-1])


def test_compact_float32_unless_magnitudes_need_float64():
    a = np.array([1.0, 1e-30, np.nan, 0.0, 3e30])
    assert compact(a).dtype == np.float32
    np.testing.assert_allclose(compact(a), a, rtol=2 ** -24)
    assert compact([1.0, 1e-60]).dtype == np.float64  # would flush to 0 in float32
    assert compact([1.0, 1e300]).dtype == np.float64
    np.testing.assert_array_equal(positive([2.0, 0.0, -1.0, np.inf]), [2.0, np.nan, np.nan, np.nan])


def test_convergence_figure_is_decimated_and_marks_divergence_from_full_data():
    it = np.arange(1000)
    loss = 0.5 ** (it / 50.0)
    loss[-1] = np.inf  # the last value is not finite: the cross goes at the last finite one
    fig = convergence_figure({"GD": (it, loss)}, diverged={"GD": 999})
    line, mark = fig.data
    assert len(line.x) <= 300 and line.x[-1] == 999
    assert mark.x == (999,) and mark.y[0] == pytest.approx(loss[-2])
    sent = json.loads(pio.to_json(fig, validate=False))
    assert sent["data"][0]["y"]["dtype"] == "f4"
    with pytest.raises(ValueError, match="iteration' or 'work"):
        convergence_figure({"GD": (it, loss)}, x="time")
    with pytest.raises(ValueError, match="names of series"):
        convergence_figure({"GD": (it, loss)}, right={"NCG": (it, loss)})


def test_decision_map_sends_uint8_levels_on_equal_cells():
    g = np.linspace(-1.0, 1.0, 80)
    lab = (np.add.outer(g, g) > 0).astype(int)
    X = np.array([[-0.5, -0.5], [0.5, 0.5]])
    fig = decision_map_figure(g, g, lab, X, [0, 1], n_classes=2)
    heat = json.loads(pio.to_json(fig, validate=False))["data"][0]
    assert heat["z"]["dtype"] == "u1" and "x" not in heat
    assert heat["x0"] == -1.0 and heat["dx"] == pytest.approx(2 / 79) and heat["zmin"] == -0.5 and heat["zmax"] == 1.5
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), lab)
    assert len(pio.to_json(fig, validate=False)) < 12_000
    with pytest.raises(ValueError, match="class indices"):
        decision_map_figure(g, g, lab - 1, X, [0, 1])


def test_decision_map_as_image_is_the_same_map_in_a_few_hundred_bytes():
    """``image=True``: the regions as a palette PNG under the points. Oracle: Pillow decodes the PNG back to the
    class levels (top row = largest y) and its palette to the colours of class_colorscale."""
    import base64
    import io

    from PIL import Image

    from app.figures.common import class_colorscale

    g = np.linspace(-1.0, 1.0, 120)
    lab = (np.add.outer(g, g) > 0).astype(int) + (np.subtract.outer(g, g) > 0.5).astype(int)
    X = np.array([[-0.5, -0.5], [0.5, 0.5], [0.0, 0.9]])
    fig = decision_map_figure(g, g, lab, X, [0, 1, 2], n_classes=3, image=True)
    sent = json.loads(pio.to_json(fig, validate=False))
    assert all(tr["type"] != "heatmap" for tr in sent["data"])
    (img,) = sent["layout"]["images"]
    png = Image.open(io.BytesIO(base64.b64decode(img["source"].split(",", 1)[1])))
    assert png.mode == "P" and png.size == (120, 120)
    np.testing.assert_array_equal(np.asarray(png)[::-1], lab)
    rgba = np.asarray(png.convert("RGBA"))[::-1]
    scale = class_colorscale(3)
    for k in range(3):
        r, gg, b = rgba[lab == k][0, :3]
        assert scale[2 * k][1] == f"rgba({r},{gg},{b},0.35)" and rgba[lab == k][0, 3] == round(0.35 * 255)
    h = 2 / 119  # the image covers the cells: half a cell beyond the first and last centres
    assert img["x"] == pytest.approx(-1 - h / 2) and img["sizex"] == pytest.approx(2 + h)
    assert img["y"] == pytest.approx(1 + h / 2) and img["yanchor"] == "top" and img["layer"] == "below"
    assert len(img["source"]) < 1_000 and len(pio.to_json(fig, validate=False)) < 3_000
    # an uneven grid cannot be an image: the heatmap is used
    fig = decision_map_figure(g ** 3, g, lab, X, [0, 1, 2], image=True)
    assert fig.data[0].type == "heatmap" and not fig.layout.images

"""pages/residual_networks.py, section "stability" headless: it renders at the defaults and at every preset, shows
the course's numbers (the page's numbers are numdl_core's; the course's minimizers within a grid cell), draws the
grids compactly (uint8 levels) with the minimizer and theta = (1, 1) marked, leaves no progress bar behind, and the
presets' texts quote what the page measures."""
from __future__ import annotations

import json

import pytest

from app.lesson import EXPORT_KEY
from app.lessons import residual_networks_stability as stab
from numdl_core import resnet_stability as rs
from tests.pages.helpers import assert_clean, declared_presets, figures, page, render_section, ROOT

NAME = "residual_networks.py"


def _numbers(at) -> dict:
    return at.session_state[EXPORT_KEY]["rn"]["numbers"]


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_renders_at_the_defaults_with_the_course_s_unstable_numbers():
    at = render_section(NAME, "stability")
    m = _metrics(at)
    assert m["|1 + hλ| at θ = (1, 1)"] == "5" and m["minimizer θ* (training)"] == "(0.2, 0.218)"
    assert float(m["largest |train − test|"]) > 10  # measured 27 (seed 0)
    numbers = _numbers(at)
    ref = rs.stability_experiment(5).numbers
    assert numbers == pytest.approx(ref, rel=1e-12)
    assert not at.get("progress"), "the progress bar must be gone once the grid is computed"
    figs = figures(at)
    assert len(figs) == 3
    assert len(json.dumps(figs[0])) < 60_000  # two 101 x 101 grids as uint8 levels (measured ~33 KB)


def test_the_contour_figure_marks_the_minimizer_and_the_targets_theta():
    at = page(NAME, {"section": "stability", "N": "100", "n_grid": "51"}).run()
    assert_clean(at)
    fig = figures(at)[0]
    contours = [t for t in fig["data"] if t["type"] == "contour"]
    assert len(contours) == 2 and all(t["z"]["dtype"] == "u1" for t in contours)
    marks = [(t["x"][0], t["y"][0]) for t in fig["data"] if t["type"] == "scatter"]
    res = rs.stability_experiment(100, n_grid=51)
    assert marks.count(res.theta_min) == 2 and marks.count((1.0, 1.0)) == 2
    assert abs(res.theta_min[0] - 0.94) < 0.04 and abs(res.theta_min[1] - 0.94) < 0.04  # spacing 0.036 at 51


def test_stable_preset_shows_the_course_s_stable_numbers():
    at = page(NAME, {"preset": "n-100-stable"}).run()
    assert_clean(at)
    n = _numbers(at)
    assert n["|1 + hλ| at θ = (1, 1), λ = −3"] == pytest.approx(0.7)
    assert (n["minimizer θ1"], n["minimizer θ2"]) == pytest.approx((0.938, 0.938))  # the course: (0.94, 0.94)
    assert 1e-5 < n["largest |train − test| on the grid"] < 1e-3  # the course: near 1e-4; measured 5.8e-5


def test_presets_are_declared_for_this_section_and_render():
    names = declared_presets(ROOT / "pages" / NAME)["stability"]
    assert {"h-2-unstable", "n-100-stable"} <= set(names)
    for name in names:
        at = page(NAME, {"preset": name}).run()
        assert_clean(at)
        assert at.query_params["section"] in ("stability", ["stability"])


@pytest.mark.parametrize("preset,quotes", [
    ("h-2-unstable", lambda n: [f"({n['minimizer θ1']:.3f}, {n['minimizer θ2']:.3f})",
                                f"{n['train loss at θ = (1, 1)']:.1f}", f"{n['|1 + hλ| at the minimizer']:.2f}"]),
    ("n-100-stable", lambda n: [f"({n['minimizer θ1']:.3f}, {n['minimizer θ2']:.3f})",
                                f"{n['largest |train − test| on the grid']:.1e}".replace("e-05", "e-5"),
                                f"{n['train loss at the minimizer']:.1e}".replace("e-10", "e-10")]),
    ("stability-n-200", lambda n: [f"({n['minimizer θ1']:.3f}, {n['minimizer θ2']:.3f})"]),
    ("stability-relu", lambda n: [f"({n['minimizer θ1']:.3f}, {n['minimizer θ2']:.3f})",
                                  f"{n['|1 + hλ| at the minimizer']:.2f}"]),
])
def test_preset_texts_quote_the_page_s_numbers(preset, quotes):
    at = page(NAME, {"preset": preset}).run()
    assert_clean(at)
    text = next(e.observe for e in stab.EXPERIMENTS if e.name == preset)
    for q in quotes(_numbers(at)):
        assert q in text, (q, text)
    if preset == "stability-n-200":
        assert _numbers(at)["train loss at θ = (1, 1)"] == 0.0


def test_bad_url_values_are_ignored_with_a_note():
    at = page(NAME, {"section": "stability", "N": "7", "n_grid": "100000", "activation": "sigmoid"}).run()
    assert_clean(at)
    assert _numbers(at)["h = T/N"] == 2.0  # N = 7 is not offered: the default N = 5
    note = " ".join(w.value for w in at.warning)
    assert "N=7" in note and "activation=sigmoid" in note  # the kit's note about the ignored values

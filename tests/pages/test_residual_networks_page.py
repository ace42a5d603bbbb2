"""pages/residual_networks.py headless, sections trajectories, integrators and reversible: the course's numbers on
the page (|1 + hλ| = 1.0001, ‖Y_N‖/‖Y0‖ = 1.102), the stable/unstable indicator following the sliders, h·λ drawn
over the region, every integrator's checks passing, Euler against Heun on antisymmetric weights, and the
reconstruction of Y0 at round-off; first renders within the page budget."""
from __future__ import annotations

import pytest

from tests.pages.helpers import assert_clean, cold_render, figures, page, render_section, texts

NAME = "residual_networks.py"


@pytest.mark.parametrize("section", ["trajectories", "integrators", "reversible"])
def test_each_section_renders(section):
    render_section(NAME, section)


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_trajectories_show_the_course_numbers_and_the_unstable_verdict():
    at = page(NAME, {"section": "trajectories"}).run()
    assert_clean(at)
    m = _metrics(at)
    assert m["|R(hλ)| per layer = |1 + hλ|"] == "1.0001"
    assert m["‖Y_N‖ / ‖Y₀‖"] == "1.102"
    assert any("Unstable" in e for e in texts(at.error))
    region = next(f for f in figures(at) if "region" in f["layout"]["title"]["text"])
    marks = [t for t in region["data"] if t.get("name", "").startswith("hλ")]
    assert [t["name"] for t in marks] == ["hλ: unstable"]
    assert sorted(round(y, 6) for y in marks[0]["y"]) == [-0.02, 0.02]
    assert any(t["type"] == "contour" for t in region["data"])  # the boundary |R| = 1


def test_moving_a_makes_it_stable_and_the_zoom_separates_hlambda_from_the_boundary():
    at = page(NAME, {"section": "trajectories", "a": "-0.01", "view": "zoom"}).run()
    assert_clean(at)
    assert any("Stable" in s for s in texts(at.success)) and not at.error
    region = next(f for f in figures(at) if "region" in f["layout"]["title"]["text"])
    x0, x1 = region["layout"]["xaxis"]["range"]
    assert x1 - x0 < 0.01  # zoomed around hλ = -0.001 + 0.02i (the whole region is 5.5 wide)


def test_unstable_step_preset_and_a_better_integrator():
    at = page(NAME, {"preset": "unstable-step"}).run()
    assert_clean(at)
    m = _metrics(at)
    assert float(m["|R(hλ)| per layer = |1 + hλ|"]) == pytest.approx(1.077, abs=1e-3)
    assert float(m["‖Y_N‖ / ‖Y₀‖"]) > 1e30
    heun = page(NAME, {"preset": "heun-rotation"}).run()
    assert any("Stable" in s for s in texts(heun.success))
    lf = page(NAME, {"preset": "leapfrog-rotation"}).run()
    assert_clean(lf)
    region = next(f for f in figures(lf) if "region" in f["layout"]["title"]["text"])
    assert any(t.get("name") == "stable: [−2i, 2i]" for t in region["data"])


def test_integrators_orders_checks_and_antisymmetric_growth():
    at = page(NAME, {"section": "integrators"}).run()
    assert_clean(at)
    table = at.dataframe[0].value
    assert list(table["checks"]) == ["✔"] * 5
    orders = dict(zip(table["order (theory)"], table["order (measured)"]))
    assert float(orders[4]) == pytest.approx(4, abs=0.1) and float(orders[1]) == pytest.approx(1, abs=0.05)
    m = _metrics(at)
    assert float(m["euler growth (h = 0.1)"]) > 2.5 and float(m["heun growth (h = 0.1)"]) < 1.01
    damped = _metrics(page(NAME, {"preset": "antisymmetric-damped"}).run())
    assert float(damped["euler growth (h = 0.2)"]) > 5 and float(damped["heun growth (h = 0.2)"]) < 0.85


def test_reversible_reconstructs_to_round_off():
    at = page(NAME, {"section": "reversible"}).run()
    assert_clean(at)
    m = _metrics(at)
    assert float(m["leapfrog: ‖Ỹ₀ − Y₀‖/‖Y₀‖"]) < 1e-12
    assert float(m["Euler backwards: ‖Ỹ₀ − Y₀‖/‖Y₀‖"]) > 1
    assert float(m["gradient from reconstructed states (rel. diff.)"]) < 1e-10
    memory = at.dataframe[0].value
    assert list(memory["stored states: N + 1"]) == [11, 101, 1001, 10001]


@pytest.mark.parametrize("section", ["trajectories", "integrators", "reversible"])
def test_first_render_is_fast(section):
    """Cold caches, warm interpreter (bench/bench_pages.py's measure); budget 0.3 s, asserted with slack for a
    shared machine."""
    _, elapsed = cold_render(NAME, section)
    assert elapsed < 0.9, elapsed

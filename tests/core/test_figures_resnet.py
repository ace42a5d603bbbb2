"""app/figures/resnet.py: every figure builds (plotly validates it), draws its data, marks h·λ by the scheme's own
stability function, and survives overflow (inf/nan) in its inputs."""
from __future__ import annotations

import numpy as np

from app.figures import resnet as figs
from numdl_core import resnet


def test_stability_region_marks_follow_the_stability_function():
    z = np.array([-0.0001 + 0.02j, -0.0001 - 0.02j, -1.0 + 0.0j])
    fig = figs.stability_region_figure(z, lambda w: resnet.stability_function(w, "euler"), scheme="euler")
    names = {t.name: t for t in fig.data}
    assert list(names["hλ: unstable"].y) == [0.02, -0.02] and list(names["hλ: stable"].x) == [-1.0]
    assert any(t.type == "contour" for t in fig.data) and any(t.type == "heatmap" for t in fig.data)
    zoom = figs.stability_region_figure(z[:2], lambda w: resnet.stability_function(w, "euler"), scheme="euler",
                                        zoom=True)
    x0, x1 = zoom.layout.xaxis.range
    assert x0 < -0.0002 < -0.0001 < x1 and x1 - x0 < 0.01  # the boundary (Re z = -0.0002 at Im 0.02) and z inside
    lf = figs.stability_region_figure(np.array([1.5j, 2.5j]), lambda w: resnet.stability_function(w, "leapfrog"),
                                      scheme="leapfrog")
    names = {t.name: t for t in lf.data}
    assert list(names["stable: [−2i, 2i]"].y) == [-2.0, 2.0]
    assert list(names["hλ: stable"].y) == [1.5] and list(names["hλ: unstable"].y) == [2.5]


def test_other_figures_build_and_draw_their_data():
    states = np.cumsum(np.ones((11, 2, 2)), axis=0)
    states[-1] = np.inf
    assert len(figs.trajectories_figure(states[:-1]).data) == 6
    assert len(figs.norms_figure(states).data) == 1
    hs = np.array([0.5, 0.25, 0.125])
    errs = {"euler": hs, "rk4": hs ** 4}
    fig = figs.convergence_figure_loglog(hs, errs, {"euler": 1.0, "rk4": 4.0}, expected={"euler": 1, "rk4": 4})
    assert [t.name for t in fig.data if t.showlegend is not False] == ["euler: slope 1.00", "rk4: slope 4.00"]
    assert figs.growth_figure(hs, {"euler": [1.0, np.inf, np.nan]}, y_title="g", h=0.25).layout.shapes
    assert len(figs.reconstruction_figure({"a": np.zeros(5), "b": np.ones(5)}).data) == 2
    assert len(figs.memory_figure(np.array([10, 100]), {"stored": [1e3, 1e4]}).data) == 1
    rf = figs.regions_figure(np.array([0.5j]), {s: (lambda w, s=s: resnet.stability_function(w, s))
                                                 for s in ("euler", "rk4")})
    assert [t.type for t in rf.data] == ["contour", "contour", "scatter"]

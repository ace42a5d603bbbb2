"""app.figures.conv: each figure builds (plotly validates every property), draws the numbers it is given, and
stays small; images and matrices are drawn rows downwards with 0 at the centre of diverging colour scales."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.figures import conv as F
from numdl_core import conv

RNG = np.random.default_rng(0)


def _validated(fig: go.Figure) -> dict:
    return go.Figure(fig.to_dict()).to_plotly_json()  # raises on a wrong property


def test_matrix_and_eigenvalue_figures():
    s = conv.periodic_1d_study([1.0, -2.0, 0.5], 16)
    fig = F.matrix_figure(s.K, title="K")
    _validated(fig)
    hm = fig.data[0]
    assert hm.zmin == -hm.zmax == -2.0 and fig.layout.yaxis.autorange == "reversed"
    fig = F.eigenvalues_figure(s.eigenvalues, s.eigenvalues_dense)
    _validated(fig)
    np.testing.assert_allclose(fig.data[0].x, s.eigenvalues.real)
    np.testing.assert_allclose(fig.data[1].y, s.eigenvalues_dense.imag)
    fig = F.signals_figure({"a": s.Ky, "b": s.Ky_fft})
    _validated(fig)
    assert [t.mode for t in fig.data] == ["lines+markers", "markers"]


def test_images_and_sparsity_panels():
    s = conv.conv2d_study(RNG.random((8, 8)), conv.stencil_preset("laplacian", 5))
    fig = F.images_figure({"x": s.image, "θ": s.kernel, "y": s.output}, diverging=[False, True, True], title="t")
    d = _validated(fig)
    assert [t["xaxis"] for t in d["data"]] == ["x", "x2", "x3"]
    assert fig.data[1].zmin == -fig.data[1].zmax  # diverging: centred at 0
    assert len(fig.layout.annotations) == 3
    fig = F.sparsity_figure({"T": s.toeplitz, "B": s.bccb})
    _validated(fig)
    assert len(fig.data[0].x) == s.toeplitz.nnz and len(fig.data[1].x) == s.bccb.nnz
    assert fig.layout.yaxis.range[0] > fig.layout.yaxis.range[1]  # row 0 at the top
    assert len(fig.to_json()) < 60_000


def test_stencil_sweep_and_variance_figures():
    s = conv.laplacian_study(8)
    _validated(F.eigen_compare_figure({"1-D": s.computed_1d}, {"1-D": s.formula_1d}))
    _validated(F.stencil_action_figure(s.x, s.u, s.Lu, s.exact))
    fig = F.alpha_sweep_figure(np.r_[0.0, 1e-3, 1e-1], np.array([0.4, 0.2, 0.1]), np.array([0.2, 0.05, 0.01]),
                               current=0.0, truth_roughness=0.02)
    _validated(fig)
    assert fig.data[0].x[0] > 0  # alpha = 0 drawn at the left end of the log axis
    v = conv.init_study(20, 32, "relu")
    fig = F.variance_depth_figure({k: row for k, row in zip(v.schemes, v.variances)})
    _validated(fig)
    assert len(fig.data) == 3 and fig.layout.yaxis.type == "log"
    # an overflowed variance is a gap, not inf
    fig = F.variance_depth_figure({"a": np.array([1.0, 1e300, np.inf])})
    assert np.isnan(fig.data[0].y[2])

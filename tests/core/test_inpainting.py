"""Tests of numdl_core.inpainting. Oracles: np.diff and a 5-point stencil written with slicing (the operators),
matrix-free transposes written here with numpy indexing and np.diff (adjoint tests of P and G), numpy's lstsq of the
dense stacked system [P; √α G] (the direct solve), and CGLS iterates checked on the normal equations and against
scipy's spsolve."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from numdl_core import inpainting as I
from numdl_core.checks import adjoint_check
from numdl_core.lstsq import cgls


def test_gradient_is_np_diff_along_rows_and_columns():
    img = np.random.default_rng(0).standard_normal((5, 7))
    G = I.gradient_operator_2d(img.shape, "gradient")
    assert G.shape == (5 * 6 + 4 * 7, 35)
    np.testing.assert_allclose(G @ img.ravel(), np.concatenate([np.diff(img, axis=1).ravel(),
                                                                np.diff(img, axis=0).ravel()]), atol=1e-14)
    np.testing.assert_allclose(G @ np.full(35, 3.0), 0.0)


def test_laplacian_is_the_5_point_stencil_and_minus_gtg():
    img = np.random.default_rng(1).standard_normal((6, 8))
    L, G = I.gradient_operator_2d(img.shape, "laplacian"), I.gradient_operator_2d(img.shape, "gradient")
    Lx = (L @ img.ravel()).reshape(img.shape)
    stencil = img[1:-1, :-2] + img[1:-1, 2:] + img[:-2, 1:-1] + img[2:, 1:-1] - 4 * img[1:-1, 1:-1]
    np.testing.assert_allclose(Lx[1:-1, 1:-1], stencil, atol=1e-13)
    np.testing.assert_allclose(L.toarray(), -(G.T @ G).toarray(), atol=1e-14)
    # the null space is the constants only
    assert np.linalg.matrix_rank(L.toarray()) == img.size - 1
    np.testing.assert_allclose(L @ np.ones(img.size), 0.0, atol=1e-14)


def test_adjoint_tests_of_p_and_g():
    prob = I.inpainting_problem("peaks", n=12, fraction=0.3, seed=4)
    known, n = prob.known, prob.x_true.size

    def embed(d):  # P^T written independently: zero fill
        x = np.zeros(n)
        x[known] = d
        return x

    r = adjoint_check(lambda x: prob.P @ x, embed, n, seed=1, rtol=1e-13)
    assert r.passed, r.rel_error
    G = I.gradient_operator_2d((12, 12), "gradient")

    def minus_div(w):  # G^T written independently: the transposed differences as negative backward differences
        gx, gy = w[: 12 * 11].reshape(12, 11), w[12 * 11:].reshape(11, 12)
        out = np.zeros((12, 12))
        out[:, :-1] -= gx
        out[:, 1:] += gx
        out[:-1, :] -= gy
        out[1:, :] += gy
        return out.ravel()

    r = adjoint_check(lambda x: G @ x, minus_div, n, seed=2, rtol=1e-13)
    assert r.passed, r.rel_error
    # and the failing case: a wrong sign is caught
    assert not adjoint_check(lambda x: G @ x, lambda w: -minus_div(w), n, seed=2).passed


@pytest.mark.parametrize("kind", I.INPAINT_OPERATORS)
@pytest.mark.parametrize("alpha", [1e-3, 1.0])
def test_inpaint_against_dense_stacked_lstsq(kind, alpha):
    prob = I.inpainting_problem("shapes", n=12, fraction=0.25, noise=0.05, seed=2)
    x = I.inpaint(prob, alpha, kind)
    K, r = prob.stacked(alpha, kind)
    x_ref = np.linalg.lstsq(K.toarray(), r, rcond=None)[0]
    # measured gaps 1e-14 .. 1e-11 (cond(K) up to ~1e4 for the Laplacian at alpha = 1e-3)
    np.testing.assert_allclose(x.ravel(), x_ref, rtol=0, atol=1e-9 * np.abs(x_ref).max())
    assert prob.normal_residual(x, alpha, kind) < 1e-10


@pytest.mark.parametrize("kind", I.INPAINT_OPERATORS)
def test_cgls_on_the_stacked_system_reaches_the_direct_solution(kind):
    prob = I.inpainting_problem("peaks", n=32, fraction=0.2, seed=0)
    alpha = 1e-2
    K, r = prob.stacked(alpha, kind)
    steps = list(itertools.islice(cgls(K, r, tol=1e-10), 5001))
    x_cg, x_direct = steps[-1].x, I.inpaint(prob, alpha, kind).ravel()
    # measured: 81 (gradient) and 182 (Laplacian) iterations; normal residual 8e-11 / 1e-10, gap 3e-9
    assert len(steps) < 2000
    assert prob.normal_residual(x_cg, alpha, kind) < 1e-8
    assert np.linalg.norm(x_cg - x_direct) < 1e-6 * np.linalg.norm(x_direct)
    # x_1 is a multiple of K^T r = P^T d: only the known pixels; each later product with G^T G reaches further
    assert np.count_nonzero(steps[1].x) == prob.known.size < np.count_nonzero(steps[2].x)


def test_known_pixels_are_reproduced_up_to_the_regularization():
    prob = I.inpainting_problem("peaks", n=24, fraction=0.1, seed=3)
    misfit = [np.linalg.norm(prob.P @ I.inpaint(prob, a, "gradient").ravel() - prob.d) / np.linalg.norm(prob.d)
              for a in (1e-6, 1e-4, 1e-2, 1.0)]
    # measured 1.1e-6, 1.1e-4, 1.1e-2, 0.46: proportional to alpha while small, then saturating
    assert all(a < b for a, b in zip(misfit, misfit[1:]))
    assert misfit[0] < 1e-4 and misfit[1] < 1e-2 and misfit[-1] > 0.05
    with pytest.raises(ValueError, match="alpha must be > 0"):
        I.inpaint(prob, 0.0)


def test_smoother_penalty_wins_on_a_smooth_image():
    prob = I.inpainting_problem("peaks", n=64, fraction=0.2, seed=0)
    e = {k: np.linalg.norm(I.inpaint(prob, 1e-2, k) - prob.image) / np.linalg.norm(prob.image)
         for k in I.INPAINT_OPERATORS}
    assert e["laplacian"] < 0.1 * e["gradient"]  # measured 0.0057 vs 0.081


def test_problem_and_operators_validate():
    prob = I.inpainting_problem("shapes", n=8, fraction=1e-6, seed=0)
    assert prob.known.size == 1 and prob.shape == (8, 8)
    np.testing.assert_allclose(prob.P.toarray().sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="fraction"):
        I.inpainting_problem(fraction=0.0)
    with pytest.raises(ValueError, match="fraction"):
        I.inpainting_problem(fraction=1.5)
    with pytest.raises(ValueError, match="unknown image"):
        I.make_image("cat")
    with pytest.raises(ValueError, match="n must"):
        I.make_image("peaks", 3)
    with pytest.raises(ValueError, match="unknown operator"):
        I.gradient_operator_2d((4, 4), "curl")
    with pytest.raises(ValueError, match="at least 2"):
        I.gradient_operator_2d((1, 4))
    with pytest.raises(ValueError, match="distinct"):
        I.selection_operator([1, 1], 4)
    with pytest.raises(ValueError, match="0..3"):
        I.selection_operator([4], 4)
    with pytest.raises(ValueError, match="alpha"):
        prob.stacked(-1.0)

"""numdl_core.conv against independent oracles: scipy.signal.correlate summed over channels, a plain-loop
convolution written here, the FFT, the sparse matrix, adjoint (dot-product) tests, central finite differences
and numpy.linalg.eigvals of dense periodic matrices."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.signal import correlate

from numdl_core import conv

RNG = np.random.default_rng(20261207)


def loop_conv2d(x, w, stride, padding):
    """Oracle: the definition y[n,o,i,j] = sum_{c,a,b} w[o,c,a,b] xpad[n,c,s i+a,s j+b], written as plain loops."""
    N, C, H, W = x.shape
    Co, _, kh, kw = w.shape
    xp = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    xp[:, :, padding:padding + H, padding:padding + W] = x
    Ho, Wo = (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1
    y = np.zeros((N, Co, Ho, Wo))
    for n in range(N):
        for o in range(Co):
            for i in range(Ho):
                for j in range(Wo):
                    s = 0.0
                    for c in range(C):
                        for a in range(kh):
                            for b in range(kw):
                                s += w[o, c, a, b] * xp[n, c, stride * i + a, stride * j + b]
                    y[n, o, i, j] = s
    return y


def scipy_conv2d(x, w, stride, padding):
    """Oracle: scipy.signal.correlate (valid) on the zero-padded image, summed over input channels, subsampled."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    return np.array([[sum(correlate(xp[n, c], w[o, c], mode="valid") for c in range(x.shape[1]))[::stride, ::stride]
                      for o in range(w.shape[0])] for n in range(x.shape[0])])


CASES = [(N, C, Co, H, W, kh, kw, s, p) for (N, C, Co), (H, W), (kh, kw), s, p in itertools.product(
    [(1, 1, 1), (2, 3, 4)], [(7, 6), (8, 8)], [(1, 1), (3, 3), (2, 3), (5, 5)], [1, 2, 3], [0, 1, 2])]


@pytest.mark.parametrize("N, C, Co, H, W, kh, kw, s, p", CASES)
def test_conv2d_equals_scipy_correlate_summed_over_channels(N, C, Co, H, W, kh, kw, s, p):
    x, w = RNG.standard_normal((N, C, H, W)), RNG.standard_normal((Co, C, kh, kw))
    y = conv2d_or_skip(x, w, s, p)
    ref = scipy_conv2d(x, w, s, p)
    assert y.shape == ref.shape == (N, Co, *conv.conv_output_shape((H, W), (kh, kw), stride=s, padding=p))
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-12 * max(1.0, np.abs(ref).max()))


def conv2d_or_skip(x, w, s, p):
    if x.shape[2] + 2 * p < w.shape[2] or x.shape[3] + 2 * p < w.shape[3]:
        with pytest.raises(ValueError):
            conv.conv2d(x, w, stride=s, padding=p)
        pytest.skip("kernel larger than the padded image")
    return conv.conv2d(x, w, stride=s, padding=p)


@pytest.mark.parametrize("s, p", [(1, 0), (2, 1), (1, 2), (3, 1)])
def test_conv2d_equals_a_plain_loop_and_the_fft_and_the_matrix(s, p):
    x, w = RNG.standard_normal((2, 3, 9, 7)), RNG.standard_normal((4, 3, 3, 4))
    y = conv.conv2d(x, w, stride=s, padding=p)
    scale = np.abs(y).max()
    assert np.abs(y - loop_conv2d(x, w, s, p)).max() <= 1e-12 * scale
    assert np.abs(y - conv.conv2d_fft(x, w, stride=s, padding=p)).max() <= 1e-12 * scale
    A = conv.conv2d_matrix(w, x.shape[1:], stride=s, padding=p)
    assert A.shape == (y[0].size, x[0].size)
    for n in range(2):
        assert np.abs(A @ x[n].ravel() - y[n].ravel()).max() <= 1e-12 * scale


@pytest.mark.parametrize("s, p, k", [(1, 0, 3), (1, 1, 3), (2, 1, 3), (2, 2, 5), (3, 0, 2)])
def test_adjoint_of_conv2d_and_its_transpose_and_the_weight_map(s, p, k):
    """<A x, y> = <x, A^T y> for the input map and the weight map; A^T equals the sparse matrix's transpose."""
    x, w = RNG.standard_normal((2, 3, 10, 9)), RNG.standard_normal((2, 3, k, k))
    y = conv.conv2d(x, w, stride=s, padding=p)
    dy = RNG.standard_normal(y.shape)
    dx = conv.conv2d_transpose(dy, w, x.shape[2:], stride=s, padding=p)
    dw = conv.conv2d_weight_grad(dy, x, (k, k), stride=s, padding=p)
    lhs = np.vdot(dy, y)
    assert abs(lhs - np.vdot(dx, x)) <= 1e-13 * np.abs(dy).sum() * np.abs(y).max()
    assert abs(lhs - np.vdot(dw, w)) <= 1e-13 * np.abs(dy).sum() * np.abs(y).max()
    A = conv.conv2d_matrix(w, x.shape[1:], stride=s, padding=p)
    np.testing.assert_allclose(dx[1].ravel(), A.T @ dy[1].ravel(), atol=1e-12)
    dx2, dw2 = conv.conv2d_backward(dy, x, w, stride=s, padding=p)
    np.testing.assert_array_equal(dx2, dx)
    np.testing.assert_array_equal(dw2, dw)


def test_weight_gradient_by_central_finite_differences():
    """d/dw of sum(dy * conv2d(x, w)) entry by entry; conv2d is linear in w, so the central difference is exact
    up to round-off (measured ~1e-10)."""
    x, w = RNG.standard_normal((2, 2, 6, 5)), RNG.standard_normal((3, 2, 3, 2))
    dy = RNG.standard_normal(conv.conv2d(x, w, stride=2, padding=1).shape)
    g = conv.conv2d_weight_grad(dy, x, (3, 2), stride=2, padding=1)
    h, fd = 1e-5, np.zeros_like(w)
    for idx in np.ndindex(*w.shape):
        e = np.zeros_like(w)
        e[idx] = h
        fd[idx] = (np.vdot(dy, conv.conv2d(x, w + e, stride=2, padding=1))
                   - np.vdot(dy, conv.conv2d(x, w - e, stride=2, padding=1))) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("k, s", [(2, None), (3, None), (3, 1), (3, 2), (2, 1)])
def test_pooling_backward_by_central_finite_differences(k, s):
    x = RNG.standard_normal((2, 3, 7, 8))
    for fwd, bwd in ((conv.max_pool2d, lambda dy: conv.max_pool2d_backward(dy, x, k, stride=s)),
                     (conv.avg_pool2d, lambda dy: conv.avg_pool2d_backward(dy, x.shape, k, stride=s))):
        y = fwd(x, k, stride=s)
        dy = RNG.standard_normal(y.shape)
        g, h = bwd(dy), 1e-6
        for _ in range(5):
            v = RNG.standard_normal(x.shape)
            fd = (np.vdot(dy, fwd(x + h * v, k, stride=s)) - np.vdot(dy, fwd(x - h * v, k, stride=s))) / (2 * h)
            assert abs(fd - np.vdot(g, v)) <= 1e-7 * max(1.0, abs(fd))


def test_pooling_against_loops():
    x = RNG.standard_normal((2, 2, 7, 6))
    for k, s in ((2, 2), (3, 2), (2, 1)):
        Ho, Wo = (7 - k) // s + 1, (6 - k) // s + 1
        ref_max = np.array([[[[x[n, c, s * i:s * i + k, s * j:s * j + k].max() for j in range(Wo)] for i in range(Ho)]
                             for c in range(2)] for n in range(2)])
        ref_avg = np.array([[[[x[n, c, s * i:s * i + k, s * j:s * j + k].mean() for j in range(Wo)] for i in range(Ho)]
                             for c in range(2)] for n in range(2)])
        np.testing.assert_allclose(conv.max_pool2d(x, k, stride=s), ref_max, rtol=0, atol=0)
        np.testing.assert_allclose(conv.avg_pool2d(x, k, stride=s), ref_avg, rtol=0, atol=1e-15)


def test_bad_input_raises_plain_errors():
    x, w = np.ones((1, 2, 5, 5)), np.ones((1, 3, 3, 3))
    with pytest.raises(ValueError, match="channels"):
        conv.conv2d(x, w)
    with pytest.raises(ValueError, match="dimensions"):
        conv.conv2d(np.ones((5, 5)), w)
    with pytest.raises(ValueError, match=">= 1"):
        conv.conv2d(np.ones((1, 3, 5, 5)), w, stride=0)
    with pytest.raises(TypeError):
        conv.conv2d(np.ones((1, 3, 5, 5)), w, padding="1")
    with pytest.raises(ValueError, match="does not fit"):
        conv.conv2d(np.ones((1, 3, 2, 2)), w)
    with pytest.raises(ValueError, match="non-finite"):
        conv.conv2d(np.full((1, 3, 5, 5), np.nan), w)
    with pytest.raises(ValueError, match="shape"):
        conv.conv2d_transpose(np.ones((1, 1, 2, 2)), w, (5, 5))
    with pytest.raises(ValueError, match="does not fit"):
        conv.max_pool2d(np.ones((1, 1, 2, 2)), 3)

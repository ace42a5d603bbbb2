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


# ----------------------------------------------------------------------------------------------- periodic, structured
def matched(a, b):
    """Largest distance from an entry of a to the nearest entry of b and vice versa (eigenvalues in any order)."""
    d = np.abs(np.asarray(a)[:, None] - np.asarray(b)[None, :])
    return max(d.min(axis=1).max(), d.min(axis=0).max())


@pytest.mark.parametrize("taps", [3, 5])
def test_circulant_eigenvalues_fft_products_and_transpose(taps):
    """Oracles: numpy.linalg.eigvals of the dense circulant, dense products K y and K^T y (n = 16)."""
    k, y = RNG.standard_normal(taps), RNG.standard_normal((3, 16))
    K = conv.circulant(k, 16)
    # the course's convention for three taps: z_i = t3 y_{i-1} + t2 y_i + t1 y_{i+1}
    if taps == 3:
        yi = y[0]
        np.testing.assert_allclose(K @ yi, k[2] * np.roll(yi, 1) + k[1] * yi + k[0] * np.roll(yi, -1), atol=1e-14)
    assert matched(conv.circulant_eigenvalues(k, 16), np.linalg.eigvals(K)) < 1e-13
    np.testing.assert_allclose(conv.conv1d_periodic(y, k), y @ K.T, atol=1e-14)
    np.testing.assert_allclose(conv.conv1d_periodic_transpose(y, k), y @ K, atol=1e-14)
    s = conv.periodic_1d_study(k, 16)
    assert s.numbers["K y: FFT vs dense (relative)"] < 1e-14
    assert s.numbers["Kᵀy: conjugate FFT vs dense (relative)"] < 1e-14
    assert s.numbers["adjoint relative gap"] < 1e-13


def test_bccb_and_toeplitz_matrices_against_scipy_and_the_fft():
    """BCCB = scipy.ndimage.correlate(mode='wrap'), Toeplitz = scipy.signal.correlate(mode='same'); the BCCB
    eigenvalues (FFT of the first column) = numpy.linalg.eigvals of the dense matrix."""
    from scipy.ndimage import correlate as nd_correlate

    for shape in ((3, 3), (5, 5), (3, 5)):
        k, x = RNG.standard_normal(shape), RNG.standard_normal((8, 7))
        B, T = conv.bccb_matrix(k, x.shape), conv.toeplitz_matrix(k, x.shape)
        np.testing.assert_allclose((B @ x.ravel()).reshape(x.shape), nd_correlate(x, k, mode="wrap"), atol=1e-13)
        np.testing.assert_allclose((T @ x.ravel()).reshape(x.shape), correlate(x, k, mode="same"), atol=1e-13)
        np.testing.assert_allclose(conv.conv2d_periodic(x, k), nd_correlate(x, k, mode="wrap"), atol=1e-13)
        assert matched(conv.bccb_eigenvalues(k, (6, 5)).ravel(),
                       np.linalg.eigvals(conv.bccb_matrix(k, (6, 5)).toarray())) < 1e-12


def test_conv2d_study_checks_are_at_round_off():
    s = conv.conv2d_study(RNG.random((8, 8)), conv.stencil_preset("edges", 5))
    for name in ("conv2d vs FFT (relative)", "conv2d vs sparse matrix (relative)",
                 "periodic: FFT vs BCCB matrix (relative)", "adjoint relative gap",
                 "linearity in θ: largest relative E1"):
        assert s.numbers[name] < 1e-12, name
    taps = np.count_nonzero(conv.stencil_preset("edges", 5))  # 20: the middle column is zero
    assert s.numbers["BCCB nonzeros"] == taps * 64 and s.numbers["Toeplitz nonzeros"] < taps * 64


def test_laplacian_eigenvalues_against_numpy_eigvals_of_the_periodic_matrix():
    """-4/h^2 sin^2(pi k/N) (1-D) and sums (2-D) against numpy.linalg.eigvals; N = 16, h = 1/16: smallest -1024."""
    n, h = 16, 1 / 16
    L1 = conv.second_difference_matrix(n, h).toarray()
    assert matched(conv.periodic_laplacian_eigenvalues(n, h), np.linalg.eigvals(L1)) <= 1e-12 * 1024
    assert conv.periodic_laplacian_eigenvalues(n, h).min() == pytest.approx(-1024.0, rel=1e-15)
    L2 = conv.laplacian_matrix((8, 8), 1 / 8).toarray()
    assert matched(conv.periodic_laplacian_eigenvalues(8, 1 / 8, dim=2).ravel(), np.linalg.eigvals(L2)) <= 1e-12 * 512
    # the 5-point Laplacian is the convolution with its stencil (periodic: a BCCB matrix)
    assert abs(conv.laplacian_matrix((6, 7), 0.5) - conv.bccb_matrix(conv.laplacian_stencil(0.5), (6, 7))).max() < 1e-14
    s = conv.laplacian_study(16)
    assert s.numbers["smallest eigenvalue (1-D)"] == -1024.0
    assert s.numbers["eigenvalues 2-D: eigvals vs formula (relative)"] < 1e-12
    # O(h^2): (4/h^2) sin^2(pi h) - 4 pi^2 ~ -4 pi^4 h^2 / 3, relative to 4 pi^2: pi^2 h^2 / 3
    assert s.numbers["u'' error for sin(2πx) (relative)"] == pytest.approx(np.pi**2 / 16**2 / 3, rel=0.01)


def test_stencils_act_as_derivatives_on_polynomials():
    """Second differences are exact on quadratics; the 13-point 5x5 Laplacian on quartics (interior points)."""
    i, j = np.meshgrid(np.arange(9.0), np.arange(9.0), indexing="ij")
    u = i**2 + 3 * j**2
    lap = correlate(u, conv.stencil_preset("laplacian", 3), mode="valid")
    np.testing.assert_allclose(lap, 8.0, atol=1e-11)
    u4 = i**4 + j**4
    lap5 = correlate(u4, conv.stencil_preset("laplacian", 5), mode="valid")
    np.testing.assert_allclose(lap5, 12 * i[2:-2, 2:-2] ** 2 + 12 * j[2:-2, 2:-2] ** 2, atol=1e-9)
    for name in ("edges", "laplacian"):
        for size in (3, 5):
            assert abs(conv.stencil_preset(name, size).sum()) < 1e-14
    assert conv.stencil_preset("blur", 5).sum() == pytest.approx(1.0)


def test_parametric_kernel_is_the_course_m_matrix_and_linear():
    th = np.arange(1.0, 7.0)
    K = conv.parametric_kernel(th, conv.stencil_basis("course_mmatrix"))
    t1, t2, t3, t4, t5, t6 = th
    np.testing.assert_array_equal(K, [[t1 + t2, -t1, -t2], [-t3, t3 + t4, -t4], [-t5, -t6, t5 + t6]])
    for name, p in (("full", 9), ("symmetric", 4), ("isotropic", 3)):
        Q = conv.stencil_basis(name)
        assert Q.shape == (9, p) and np.linalg.matrix_rank(Q) == p
        th, v, w = RNG.standard_normal(p), RNG.standard_normal(p), RNG.standard_normal((3, 3))
        np.testing.assert_allclose(conv.parametric_kernel(th + v, Q),
                                   conv.parametric_kernel(th, Q) + conv.parametric_kernel(v, Q), atol=1e-15)
        # J^T w = Q^T vec(w) (column-major vec): the adjoint test
        assert abs(np.vdot(w, conv.parametric_kernel(v, Q)) - Q.T @ w.ravel(order="F") @ v) < 1e-13
        if name != "full":
            Kt = conv.parametric_kernel(th, Q)
            np.testing.assert_allclose(Kt, Kt[::-1], atol=0)
            np.testing.assert_allclose(Kt, Kt[:, ::-1], atol=0)
    assert conv.parameter_counts((28, 28)) == {"dense": 614656, "convolution": 9, "parametric": 9}


def test_fit_kernel_against_the_normal_equations_and_the_roughness_gradient():
    """Oracle: the normal equations (A^T A + alpha L^T L) theta = A^T y, A built column by column from conv2d
    of unit kernels; the gradient of 1/2 ||L theta||^2 by central differences."""
    x = RNG.standard_normal((2, 8, 8))
    y = RNG.standard_normal((2, 8, 8))
    A = np.column_stack([conv.conv2d(x[:, None], np.eye(25)[i].reshape(1, 1, 5, 5), padding=2).ravel()
                         for i in range(25)])
    L = conv.laplacian_matrix((5, 5), boundary="zero").toarray()
    for alpha in (0.0, 0.3):
        th = np.linalg.solve(A.T @ A + alpha * L.T @ L, A.T @ y.ravel())
        np.testing.assert_allclose(conv.fit_kernel(x, y, (5, 5), alpha, padding=2).ravel(), th, atol=1e-10)
    th = RNG.standard_normal((5, 5))
    val, g = conv.kernel_roughness(th)
    assert val == pytest.approx(0.5 * np.sum((L @ th.ravel()) ** 2))
    v, h = RNG.standard_normal((5, 5)), 1e-4
    fd = (conv.kernel_roughness(th + h * v)[0] - conv.kernel_roughness(th - h * v)[0]) / (2 * h)
    assert fd == pytest.approx(np.vdot(g, v), rel=1e-9)


def test_the_penalty_makes_the_learned_kernel_smoother_and_better():
    from numdl_core.data import load_digits

    X, _ = load_digits()
    s = conv.kernel_fit_study(X[:2].reshape(2, 8, 8), 0.1)
    n = s.numbers
    assert n["roughness ½‖Lθ‖², chosen α"] < n["roughness ½‖Lθ‖², α = 0"] / 3
    assert n["kernel error, chosen α (relative)"] < n["kernel error, α = 0 (relative)"] / 2
    assert np.all(np.diff(s.roughness) <= 1e-12)  # roughness falls monotonically with alpha
    # the sweep's one-SVD standard-form solutions equal fit_kernel's stacked least squares
    images = X[:2].reshape(2, 8, 8)
    k = conv.gaussian_kernel(7, 1.2)
    y = conv.conv2d(images[:, None], k[None, None], padding=3)[:, 0]
    y = y + 0.1 * y.std() * np.random.default_rng(0).standard_normal(y.shape)
    for i in (0, 3, 9):
        ref = conv.fit_kernel(images, y, (7, 7), s.alphas[i], padding=3)
        assert np.abs(conv.kernel_fit_study(images, s.alphas[i]).fitted - ref).max() < 1e-10


def test_activation_variance_through_depth():
    """Linear layers: Var(Y_{j+1}) ~ w s^2 Var(Y_j) (closed form); Glorot for tanh/identity and He for ReLU keep
    the variance within a small factor over 30 layers; naive N(0,1) explodes (x width per layer), Glorot with
    ReLU halves it per layer."""
    w = 200
    v = conv.activation_variances(30, w, activation="identity", scheme="naive")
    assert np.median(np.diff(np.log10(v))) == pytest.approx(np.log10(w), abs=0.05)
    v = conv.activation_variances(30, w, activation="identity", scheme="glorot")
    assert 0.2 < v[-1] / v[0] < 5
    v = conv.activation_variances(30, w, activation="relu", scheme="glorot")
    assert np.median(v[2:] / v[1:-1]) == pytest.approx(0.5, rel=0.1)
    v = conv.activation_variances(30, w, activation="relu", scheme="he")
    assert 0.1 < v[-1] / v[1] < 10
    s = conv.init_study(30, w, "tanh")
    assert s.variances.shape == (3, 31)
    assert s.numbers["variance at the last layer, naive"] > 0.8  # saturated at +-1
    with pytest.raises(ValueError, match="activation"):
        conv.activation_variances(3, 4, activation="swish")

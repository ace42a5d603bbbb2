r"""Convolutions as structured linear operators: multi-channel 2-D convolution layers (forward, transpose,
weight gradient, sparse matrix, FFT), pooling, periodic 1-D and 2-D convolutions (circulant and BCCB matrices
diagonalized by the FFT), parametric kernels :math:`K(\theta) = \mathrm{mat}(Q\theta)`, stencils as
differential operators with PDE regularization, and the variance of activations through deep layers for the
usual initialization scalings.

Conventions. The layers follow the deep-learning convention (as PyTorch's ``conv2d``): the "convolution" is a
**cross-correlation**, ``x`` has shape ``(N, C_in, H, W)`` (samples first, then channels), the kernel ``w`` has
shape ``(C_out, C_in, kh, kw)``, padding is by zeros on all four sides and

.. math::

    y_{n,o,i,j} = \sum_{c=0}^{C_\mathrm{in}-1}\sum_{a=0}^{k_h-1}\sum_{b=0}^{k_w-1}
    w_{o,c,a,b}\; \tilde x_{n,c,\,s i + a,\, s j + b},
    \qquad H_\mathrm{out} = \Big\lfloor \frac{H + 2p - k_h}{s} \Big\rfloor + 1,

with :math:`\tilde x` the zero-padded input (padding :math:`p`, stride :math:`s`). The periodic 1-D operator of
the course's slides is a true convolution :math:`z_i = \sum_j \theta_j y_{i-j}` with a centred stencil
(:func:`circulant`). Every layer is linear in ``x`` and in ``w``; its transpose in ``x`` (:func:`conv2d_transpose`)
and its derivative in ``w`` (:func:`conv2d_weight_grad`) are what backpropagation needs
(:func:`conv2d_backward`).

Implementation: ``conv2d`` gathers the receptive fields (im2col, a strided view copied once by ``tensordot``) and
does one matrix product (GEMM) with the kernel matrix of shape ``(C_out, C_in kh kw)``; :func:`conv2d_fft` is the
same map by the 2-D FFT (it wins only for large kernels).

References
----------
Goodfellow, Bengio and Courville (2016), *Deep Learning*, MIT Press, ch. 9 (convolutional networks).
Ruthotto and Haber, *Numerical Methods for Deep Learning*, slides 05-NumDNN-ConvNets.tex.
Hansen, Nagy and O'Leary (2006), *Deblurring Images: Matrices, Spectra, and Filtering*, SIAM (structured
matrices, BCCB and the FFT).
Chellapilla, Puri and Simard (2006), High performance convolutional neural networks for document processing
(im2col + GEMM).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "conv_output_shape",
    "conv2d",
    "conv2d_transpose",
    "conv2d_weight_grad",
    "conv2d_backward",
    "conv2d_fft",
    "conv2d_matrix",
    "max_pool2d",
    "max_pool2d_backward",
    "avg_pool2d",
    "avg_pool2d_backward",
]


# ----------------------------------------------------------------------------------------------- checks
def _int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value != int(value) or int(value) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _array(name: str, value: Any, ndim: int, what: str) -> np.ndarray:
    a = np.asarray(value, dtype=np.float64)
    if a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions {what}, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} has non-finite entries (nan or inf)")
    return a


def _check_layer(x: Any, w: Any, stride: Any, padding: Any) -> tuple[np.ndarray, np.ndarray, int, int]:
    x = _array("x", x, 4, "(N, C_in, H, W)")
    w = _array("w", w, 4, "(C_out, C_in, kh, kw)")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"x has {x.shape[1]} channels but w expects C_in = {w.shape[1]} (w has shape {w.shape})")
    s, p = _int("stride", stride, 1), _int("padding", padding, 0)
    conv_output_shape(x.shape[2:], w.shape[2:], stride=s, padding=p)
    return x, w, s, p


def conv_output_shape(input_hw: tuple[int, int], kernel_hw: tuple[int, int], *, stride: int = 1,
                      padding: int = 0) -> tuple[int, int]:
    r"""Spatial size of a convolution's output.

    .. math:: H_\mathrm{out} = \lfloor (H + 2p - k_h)/s \rfloor + 1, \quad
              W_\mathrm{out} = \lfloor (W + 2p - k_w)/s \rfloor + 1.

    Parameters
    ----------
    input_hw : tuple of int
        ``(H, W)``.
    kernel_hw : tuple of int
        ``(kh, kw)``.
    stride : int
        Stride ``s >= 1``.
    padding : int
        Zero padding ``p >= 0`` on each side.

    Returns
    -------
    tuple of int
        ``(H_out, W_out)``, both at least 1.

    Raises
    ------
    ValueError
        If the padded input is smaller than the kernel (no output).

    References
    ----------
    Dumoulin and Visin (2016), A guide to convolution arithmetic for deep learning, arXiv:1603.07285.

    Examples
    --------
    >>> conv_output_shape((28, 28), (5, 5), stride=2, padding=2)
    (14, 14)
    """
    (H, W), (kh, kw) = (int(v) for v in input_hw), (int(v) for v in kernel_hw)
    s, p = _int("stride", stride, 1), _int("padding", padding, 0)
    if kh < 1 or kw < 1 or H + 2 * p < kh or W + 2 * p < kw:
        raise ValueError(f"a {kh}x{kw} kernel does not fit in a {H}x{W} input with padding {p}: use a smaller "
                         "kernel or more padding")
    return (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1


def _windows(x: np.ndarray, kh: int, kw: int, s: int, p: int) -> np.ndarray:
    """Strided view of shape (N, C, H_out, W_out, kh, kw) of the receptive fields (no copy)."""
    if p:
        x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    v = sliding_window_view(x, (kh, kw), axis=(2, 3))
    return v[:, :, ::s, ::s] if s > 1 else v


# ----------------------------------------------------------------------------------------------- the layer
def conv2d(x: np.ndarray, w: np.ndarray, *, stride: int = 1, padding: int = 0) -> np.ndarray:
    r"""Multi-channel 2-D convolution layer (cross-correlation, zero padding), by im2col and one GEMM.

    .. math::

        y_{n,o,i,j} = \sum_{c,a,b} w_{o,c,a,b}\, \tilde x_{n,c,\,s i+a,\, s j+b}

    where :math:`\tilde x` is ``x`` padded by ``padding`` zeros on each side. The receptive fields are gathered into
    a matrix of shape ``(N H_out W_out, C_in kh kw)`` and multiplied by the kernel matrix: cost
    :math:`2 N H_\mathrm{out} W_\mathrm{out} C_\mathrm{out} C_\mathrm{in} k_h k_w` flops.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
        Input images (samples, channels, rows, columns).
    w : ndarray, shape (C_out, C_in, kh, kw)
        Kernels, one per output and input channel.
    stride : int
        Stride ``s >= 1`` (the output keeps every s-th position).
    padding : int
        Zeros added on each of the four sides.

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out)
        See :func:`conv_output_shape`.

    Raises
    ------
    ValueError
        On wrong dimensions, mismatched channels, non-finite entries, a kernel larger than the padded input.
    TypeError
        If stride or padding is not an integer.

    References
    ----------
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, sec. 9.1 and 9.5 (eq. 9.7, strided convolution).
    Chellapilla, Puri and Simard (2006), High performance convolutional neural networks for document processing.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d(x, np.ones((1, 1, 2, 2)), stride=2)[0, 0]
    array([[10., 18.],
           [42., 50.]])
    """
    x, w, s, p = _check_layer(x, w, stride, padding)
    win = _windows(x, w.shape[2], w.shape[3], s, p)
    y = np.tensordot(win, w, axes=([1, 4, 5], [1, 2, 3]))  # (N, H_out, W_out, C_out): im2col + one GEMM
    return np.ascontiguousarray(y.transpose(0, 3, 1, 2))


def conv2d_transpose(y: np.ndarray, w: np.ndarray, input_hw: tuple[int, int], *, stride: int = 1,
                     padding: int = 0) -> np.ndarray:
    r"""Transpose (adjoint) of :func:`conv2d` in its input: the input gradient of backpropagation.

    With :math:`A` the linear map :math:`x \mapsto` ``conv2d(x, w)``, returns :math:`A^\top y`:

    .. math::

        (A^\top y)_{n,c,u,v} = \sum_{o,i,j} w_{o,c,\,u + p - s i,\, v + p - s j}\; y_{n,o,i,j}

    (terms with kernel indices out of range are zero), so that :math:`\langle A x, y\rangle = \langle x,
    A^\top y\rangle`. One GEMM (``y`` against the kernel matrix) and a scatter-add of the ``kh kw`` shifted
    columns (col2im).

    Parameters
    ----------
    y : ndarray, shape (N, C_out, H_out, W_out)
        An output-shaped array (in backpropagation: the gradient of the loss in the layer's output).
    w : ndarray, shape (C_out, C_in, kh, kw)
        The kernels.
    input_hw : tuple of int
        ``(H, W)`` of the input (needed: with a stride, several input sizes give the same output size).
    stride, padding : int
        As in :func:`conv2d`.

    Returns
    -------
    ndarray, shape (N, C_in, H, W)

    Raises
    ------
    ValueError
        If the shapes do not fit together.

    References
    ----------
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, sec. 9.5 (eq. 9.13, the transpose of convolution).
    Dumoulin and Visin (2016), A guide to convolution arithmetic for deep learning.

    Examples
    --------
    >>> conv2d_transpose(np.ones((1, 1, 1, 1)), np.arange(4.0).reshape(1, 1, 2, 2), (2, 2))[0, 0]
    array([[0., 1.],
           [2., 3.]])
    """
    y = _array("y", y, 4, "(N, C_out, H_out, W_out)")
    w = _array("w", w, 4, "(C_out, C_in, kh, kw)")
    s, p = _int("stride", stride, 1), _int("padding", padding, 0)
    H, W = (int(v) for v in input_hw)
    C_out, C_in, kh, kw = w.shape
    Ho, Wo = conv_output_shape((H, W), (kh, kw), stride=s, padding=p)
    if y.shape[1:] != (C_out, Ho, Wo):
        raise ValueError(f"y must have shape (N, {C_out}, {Ho}, {Wo}) for a {H}x{W} input, kernels {w.shape}, "
                         f"stride {s}, padding {p}; got {y.shape}")
    cols = np.tensordot(y, w, axes=([1], [0]))  # (N, Ho, Wo, C_in, kh, kw)
    N = y.shape[0]
    xp = np.zeros((N, C_in, H + 2 * p, W + 2 * p))
    for a in range(kh):
        for b in range(kw):
            xp[:, :, a:a + s * (Ho - 1) + 1:s, b:b + s * (Wo - 1) + 1:s] += cols[:, :, :, :, a, b].transpose(0, 3, 1, 2)
    return xp[:, :, p:p + H, p:p + W].copy() if p else xp


def conv2d_weight_grad(dy: np.ndarray, x: np.ndarray, kernel_hw: tuple[int, int], *, stride: int = 1,
                       padding: int = 0) -> np.ndarray:
    r"""Derivative of :math:`\langle dy, \mathrm{conv2d}(x, w)\rangle` in the kernels ``w`` (the weight gradient).

    .. math::

        \frac{\partial}{\partial w_{o,c,a,b}} \langle dy, y\rangle
        = \sum_{n,i,j} dy_{n,o,i,j}\; \tilde x_{n,c,\,s i + a,\, s j + b},

    one GEMM of ``dy`` (as a ``C_out x N H_out W_out`` matrix) with the im2col matrix of ``x``. It is also the
    transpose, in ``w``, of the map :math:`w \mapsto` ``conv2d(x, w)`` (linear in ``w``).

    Parameters
    ----------
    dy : ndarray, shape (N, C_out, H_out, W_out)
        Gradient of the loss in the layer's output.
    x : ndarray, shape (N, C_in, H, W)
        The layer's input.
    kernel_hw : tuple of int
        ``(kh, kw)``.
    stride, padding : int
        As in :func:`conv2d`.

    Returns
    -------
    ndarray, shape (C_out, C_in, kh, kw)

    Raises
    ------
    ValueError
        If the shapes do not fit together.

    References
    ----------
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, sec. 9.5 (eq. 9.11, the kernel gradient).

    Examples
    --------
    >>> conv2d_weight_grad(np.ones((1, 1, 1, 1)), np.arange(4.0).reshape(1, 1, 2, 2), (2, 2))[0, 0]
    array([[0., 1.],
           [2., 3.]])
    """
    dy = _array("dy", dy, 4, "(N, C_out, H_out, W_out)")
    x = _array("x", x, 4, "(N, C_in, H, W)")
    s, p = _int("stride", stride, 1), _int("padding", padding, 0)
    kh, kw = (int(v) for v in kernel_hw)
    Ho, Wo = conv_output_shape(x.shape[2:], (kh, kw), stride=s, padding=p)
    if dy.shape[0] != x.shape[0] or dy.shape[2:] != (Ho, Wo):
        raise ValueError(f"dy must have shape ({x.shape[0]}, C_out, {Ho}, {Wo}) for x of shape {x.shape}, a {kh}x{kw} "
                         f"kernel, stride {s}, padding {p}; got {dy.shape}")
    win = _windows(x, kh, kw, s, p)  # (N, C_in, Ho, Wo, kh, kw)
    return np.tensordot(dy, win, axes=([0, 2, 3], [0, 2, 3]))  # (C_out, C_in, kh, kw)


def conv2d_backward(dy: np.ndarray, x: np.ndarray, w: np.ndarray, *, stride: int = 1,
                    padding: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Backward pass of :func:`conv2d`: the gradients in the input and in the kernels.

    For a loss :math:`\ell(y)` with :math:`y = A(w) x` (``conv2d``) and :math:`dy = \partial \ell/\partial y`:

    .. math::

        dx = A(w)^\top dy \quad (\text{:func:`conv2d_transpose`}), \qquad
        dw = \frac{\partial \langle dy, A(w) x\rangle}{\partial w} \quad (\text{:func:`conv2d_weight_grad`}).

    Parameters
    ----------
    dy : ndarray, shape (N, C_out, H_out, W_out)
        Gradient of the loss in the layer's output.
    x : ndarray, shape (N, C_in, H, W)
        The layer's input (as in the forward pass).
    w : ndarray, shape (C_out, C_in, kh, kw)
        The kernels.
    stride, padding : int
        As in the forward pass.

    Returns
    -------
    dx : ndarray, shape (N, C_in, H, W)
    dw : ndarray, shape (C_out, C_in, kh, kw)

    References
    ----------
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, sec. 9.5 and 6.5 (back-propagation).

    Examples
    --------
    >>> x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    >>> dx, dw = conv2d_backward(np.ones((1, 1, 2, 2)), x, w)
    >>> dx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    w = np.asarray(w, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    dx = conv2d_transpose(dy, w, x.shape[2:], stride=stride, padding=padding)
    dw = conv2d_weight_grad(dy, x, w.shape[2:], stride=stride, padding=padding)
    return dx, dw


def conv2d_fft(x: np.ndarray, w: np.ndarray, *, stride: int = 1, padding: int = 0) -> np.ndarray:
    r"""The same map as :func:`conv2d`, computed by the 2-D FFT (the convolution theorem).

    The padded input :math:`\tilde x` (size :math:`H_p \times W_p`) and the flipped kernel, zero-padded to the same
    size, are multiplied in Fourier space; the circular convolution equals the linear one on the valid part
    (rows :math:`k_h-1, \dots, H_p-1`), which is then subsampled by the stride:

    .. math::

        y_{n,o} = \Big[\mathcal F^{-1}\Big(\sum_c \mathcal F(\tilde x_{n,c}) \odot
        \mathcal F(\mathrm{flip}(w_{o,c}))\Big)\Big]_{k_h - 1 + s i,\; k_w - 1 + s j}.

    Cost :math:`O(N C_\mathrm{in} H_p W_p \log(H_p W_p) + N C_\mathrm{out} C_\mathrm{in} H_p W_p)`, independent of
    the kernel size: it beats im2col only for large kernels.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
        Input images.
    w : ndarray, shape (C_out, C_in, kh, kw)
        Kernels.
    stride, padding : int
        As in :func:`conv2d`.

    Returns
    -------
    ndarray, shape (N, C_out, H_out, W_out)

    References
    ----------
    Mathieu, Henaff and LeCun (2014), Fast training of convolutional networks through FFTs, ICLR.
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (2D convolution using FFTs).

    Examples
    --------
    >>> x, w = np.random.default_rng(0).random((2, 3, 6, 6)), np.random.default_rng(1).random((4, 3, 3, 3))
    >>> bool(np.allclose(conv2d_fft(x, w, padding=1), conv2d(x, w, padding=1)))
    True
    """
    x, w, s, p = _check_layer(x, w, stride, padding)
    kh, kw = w.shape[2:]
    if p:
        x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    Hp, Wp = x.shape[2:]
    X = np.fft.rfft2(x, s=(Hp, Wp))  # (N, C_in, Hp, Wp//2+1)
    K = np.fft.rfft2(w[:, :, ::-1, ::-1], s=(Hp, Wp))  # (C_out, C_in, ...)
    Y = np.einsum("ncuv,ocuv->nouv", X, K, optimize=True)
    y = np.fft.irfft2(Y, s=(Hp, Wp))
    return np.ascontiguousarray(y[:, :, kh - 1::s, kw - 1::s])


def conv2d_matrix(w: np.ndarray, input_shape: tuple[int, int, int], *, stride: int = 1,
                  padding: int = 0) -> sp.csr_matrix:
    r"""The sparse matrix :math:`A` of :func:`conv2d` for one sample: ``A @ x.ravel() == conv2d(x[None], w).ravel()``.

    Row :math:`(o, i, j)` (C order over ``(C_out, H_out, W_out)``) holds :math:`w_{o,c,a,b}` in column
    :math:`(c, s i + a - p, s j + b - p)` (C order over ``(C_in, H, W)``) whenever that pixel lies inside the
    image; pixels of the zero padding drop out. For one channel and stride 1 this is the block Toeplitz matrix with
    Toeplitz blocks of the zero boundary condition (slides 05, "Structured Matrices").

    .. math::

        A_{(o,i,j),\,(c,u,v)} = w_{o,c,\,u - s i + p,\, v - s j + p}

    Parameters
    ----------
    w : ndarray, shape (C_out, C_in, kh, kw)
        Kernels.
    input_shape : tuple of int
        ``(C_in, H, W)`` of one sample.
    stride, padding : int
        As in :func:`conv2d`.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (C_out H_out W_out, C_in H W)
        At most ``C_in kh kw`` nonzeros per row (fewer next to the boundary).

    Raises
    ------
    ValueError
        If ``input_shape`` does not have three entries matching ``w``'s input channels.

    References
    ----------
    Hansen, Nagy and O'Leary (2006), *Deblurring Images*, SIAM, ch. 4 (structured matrices).
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, sec. 9.1 (convolution as a sparse Toeplitz matrix).

    Examples
    --------
    >>> A = conv2d_matrix(np.ones((1, 1, 3, 3)), (1, 4, 4), padding=1)
    >>> A.shape, A.nnz
    ((16, 16), 100)
    """
    w = _array("w", w, 4, "(C_out, C_in, kh, kw)")
    if len(tuple(input_shape)) != 3:
        raise ValueError(f"input_shape must be (C_in, H, W), got {input_shape!r}")
    C, H, W = (int(v) for v in input_shape)
    if C != w.shape[1]:
        raise ValueError(f"input_shape has {C} channels but w expects C_in = {w.shape[1]}")
    s, p = _int("stride", stride, 1), _int("padding", padding, 0)
    C_out, _, kh, kw = w.shape
    Ho, Wo = conv_output_shape((H, W), (kh, kw), stride=s, padding=p)
    o, i, j, c, a, b = np.meshgrid(np.arange(C_out), np.arange(Ho), np.arange(Wo), np.arange(C), np.arange(kh),
                                   np.arange(kw), indexing="ij", sparse=False)
    u, v = s * i + a - p, s * j + b - p
    keep = (u >= 0) & (u < H) & (v >= 0) & (v < W)
    rows = ((o * Ho + i) * Wo + j)[keep]
    cols = ((c * H + u) * W + v)[keep]
    vals = w[o[keep], c[keep], a[keep], b[keep]]
    return sp.csr_matrix((vals, (rows, cols)), shape=(C_out * Ho * Wo, C * H * W))


# ----------------------------------------------------------------------------------------------- pooling
def _pool_args(x: Any, size: Any, stride: Any, name: str = "x") -> tuple[np.ndarray, int, int, int, int]:
    x = _array(name, x, 4, "(N, C, H, W)")
    k = _int("size", size, 1)
    s = k if stride is None else _int("stride", stride, 1)
    if x.shape[2] < k or x.shape[3] < k:
        raise ValueError(f"a {k}x{k} pooling window does not fit in a {x.shape[2]}x{x.shape[3]} image")
    Ho, Wo = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1
    return x, k, s, Ho, Wo


def _pool_windows(x: np.ndarray, k: int, s: int, Ho: int, Wo: int) -> np.ndarray:
    """(N, C, Ho, Wo, k*k) copy of the pooling windows."""
    if s == k:  # non-overlapping: a reshape
        N, C = x.shape[:2]
        v = x[:, :, :Ho * k, :Wo * k].reshape(N, C, Ho, k, Wo, k).transpose(0, 1, 2, 4, 3, 5)
    else:
        v = sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::s, ::s][:, :, :Ho, :Wo]
    return v.reshape(*v.shape[:4], k * k)


def max_pool2d(x: np.ndarray, size: int = 2, *, stride: int | None = None) -> np.ndarray:
    r"""Max pooling over ``size x size`` windows, channel by channel.

    .. math:: y_{n,c,i,j} = \max_{0 \le a, b < k} x_{n,c,\, s i + a,\, s j + b}, \qquad
              H_\mathrm{out} = \lfloor (H - k)/s \rfloor + 1

    (rows and columns that no window reaches are dropped, no padding).

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Feature maps.
    size : int
        Window size ``k``.
    stride : int, optional
        Stride ``s``; default ``size`` (non-overlapping windows).

    Returns
    -------
    ndarray, shape (N, C, H_out, W_out)

    References
    ----------
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, sec. 9.3 (pooling).

    Examples
    --------
    >>> max_pool2d(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    x, k, s, Ho, Wo = _pool_args(x, size, stride)
    return _pool_windows(x, k, s, Ho, Wo).max(axis=-1)


def max_pool2d_backward(dy: np.ndarray, x: np.ndarray, size: int = 2, *, stride: int | None = None) -> np.ndarray:
    r"""Backward pass of :func:`max_pool2d`: each output's gradient goes to the input entry that was the maximum.

    .. math:: dx_{n,c,u,v} = \sum_{i,j:\ (u,v) = \arg\max \text{ of window } (i,j)} dy_{n,c,i,j}

    (a tie goes to the first maximum in row-major window order, as ``numpy.argmax``; overlapping windows add).

    Parameters
    ----------
    dy : ndarray, shape (N, C, H_out, W_out)
        Gradient of the loss in the pooled output.
    x : ndarray, shape (N, C, H, W)
        The input of the forward pass.
    size : int
        Window size.
    stride : int, optional
        Stride; default ``size``.

    Returns
    -------
    ndarray, shape (N, C, H, W)

    Raises
    ------
    ValueError
        If ``dy`` does not have the pooled shape.

    References
    ----------
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, sec. 9.3 and 6.5.

    Examples
    --------
    >>> max_pool2d_backward(np.ones((1, 1, 1, 1)), np.array([[[[1.0, 3.0], [2.0, 0.0]]]]))[0, 0]
    array([[0., 1.],
           [0., 0.]])
    """
    x, k, s, Ho, Wo = _pool_args(x, size, stride)
    dy = _array("dy", dy, 4, "(N, C, H_out, W_out)")
    if dy.shape != (*x.shape[:2], Ho, Wo):
        raise ValueError(f"dy must have shape {(*x.shape[:2], Ho, Wo)}, got {dy.shape}")
    arg = _pool_windows(x, k, s, Ho, Wo).argmax(axis=-1)
    dx = np.zeros_like(x)
    for a in range(k):
        for b in range(k):
            dx[:, :, a:a + s * (Ho - 1) + 1:s, b:b + s * (Wo - 1) + 1:s] += np.where(arg == a * k + b, dy, 0.0)
    return dx


def avg_pool2d(x: np.ndarray, size: int = 2, *, stride: int | None = None) -> np.ndarray:
    r"""Average pooling over ``size x size`` windows, channel by channel.

    .. math:: y_{n,c,i,j} = \frac{1}{k^2}\sum_{0 \le a, b < k} x_{n,c,\, s i + a,\, s j + b}

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Feature maps.
    size : int
        Window size ``k``.
    stride : int, optional
        Stride ``s``; default ``size``.

    Returns
    -------
    ndarray, shape (N, C, H_out, W_out)

    References
    ----------
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, sec. 9.3 (pooling).

    Examples
    --------
    >>> avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4))[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    """
    x, k, s, Ho, Wo = _pool_args(x, size, stride)
    return _pool_windows(x, k, s, Ho, Wo).mean(axis=-1)


def avg_pool2d_backward(dy: np.ndarray, x_shape: tuple[int, int, int, int], size: int = 2, *,
                        stride: int | None = None) -> np.ndarray:
    r"""Backward pass (the transpose) of :func:`avg_pool2d`: each output's gradient is spread evenly on its window.

    .. math:: dx_{n,c,u,v} = \frac{1}{k^2} \sum_{i,j:\ (u,v) \in \text{window } (i,j)} dy_{n,c,i,j}

    Parameters
    ----------
    dy : ndarray, shape (N, C, H_out, W_out)
        Gradient of the loss in the pooled output.
    x_shape : tuple of int
        ``(N, C, H, W)`` of the forward input.
    size : int
        Window size.
    stride : int, optional
        Stride; default ``size``.

    Returns
    -------
    ndarray, shape x_shape

    Raises
    ------
    ValueError
        If ``dy`` does not have the pooled shape.

    References
    ----------
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, sec. 9.3 and 6.5.

    Examples
    --------
    >>> avg_pool2d_backward(np.ones((1, 1, 1, 1)), (1, 1, 2, 2))[0, 0]
    array([[0.25, 0.25],
           [0.25, 0.25]])
    """
    x_shape = tuple(int(v) for v in x_shape)
    if len(x_shape) != 4:
        raise ValueError(f"x_shape must be (N, C, H, W), got {x_shape}")
    _, k, s, Ho, Wo = _pool_args(np.zeros((1, 1, *x_shape[2:])), size, stride)
    dy = _array("dy", dy, 4, "(N, C, H_out, W_out)")
    if dy.shape != (*x_shape[:2], Ho, Wo):
        raise ValueError(f"dy must have shape {(*x_shape[:2], Ho, Wo)}, got {dy.shape}")
    dx = np.zeros(x_shape)
    g = dy / (k * k)
    for a in range(k):
        for b in range(k):
            dx[:, :, a:a + s * (Ho - 1) + 1:s, b:b + s * (Wo - 1) + 1:s] += g
    return dx

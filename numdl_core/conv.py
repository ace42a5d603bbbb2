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

Implementation: ``conv2d`` gathers the receptive fields into a ``(C_in kh kw, N H_out W_out)`` matrix (im2col: one
slice copy per kernel offset) and does one matrix product (GEMM) with the kernel matrix of shape
``(C_out, C_in kh kw)``; the backward pass is two GEMMs and the scatter-add back (col2im). At the CNN's sizes (8x8
digits, 3x3 kernels) forward + backward takes 0.9-1.3 times PyTorch CPU's time, one thread
(``bench/bench_torch.py``); :func:`conv2d_fft` is the same map by the 2-D FFT (it wins only for large kernels).

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

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.lib.stride_tricks import sliding_window_view

from numdl_core._validate import as_float_array, check_positive

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
    "circulant_column",
    "circulant",
    "circulant_eigenvalues",
    "conv1d_periodic",
    "conv1d_periodic_transpose",
    "bccb_matrix",
    "toeplitz_matrix",
    "bccb_eigenvalues",
    "conv2d_periodic",
    "STENCIL_BASES",
    "stencil_basis",
    "parametric_kernel",
    "project_kernel",
    "parameter_counts",
    "second_difference_matrix",
    "laplacian_matrix",
    "laplacian_stencil",
    "periodic_laplacian_eigenvalues",
    "kernel_roughness",
    "fit_kernel",
    "gaussian_kernel",
    "STENCILS",
    "stencil_preset",
    "INIT_SCHEMES",
    "ACTIVATIONS",
    "init_std",
    "activation_variances",
    "Periodic1dStudy",
    "periodic_1d_study",
    "Conv2dStudy",
    "conv2d_study",
    "LaplacianStudy",
    "laplacian_study",
    "KernelFitStudy",
    "kernel_fit_study",
    "InitStudy",
    "init_study",
]


# ----------------------------------------------------------------------------------------------- checks
def _int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value != int(value) or int(value) < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _array(name: str, value: Any, ndim: int, what: str) -> np.ndarray:
    a = as_float_array(name, value)
    if a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions {what}, got shape {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} has non-finite entries (nan or inf)")
    return a


def _whole_numbers(name: str, value: Any, what: str) -> tuple[int, ...]:
    """A tuple of whole numbers >= 1 with the entries ``what`` names, e.g. ``"(height, width)"``."""
    n = what.count(",") + 1
    try:
        entries = tuple(value)
    except TypeError:
        raise TypeError(f"{name} must be a tuple {what} of integers, got {value!r}") from None
    if len(entries) != n:
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return tuple(_int(name, v, 1) for v in entries)


def _pair(name: str, value: Any) -> tuple[int, int]:
    """``(height, width)``: two whole numbers >= 1."""
    return _whole_numbers(name, value, "(height, width)")


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
    (H, W), (kh, kw) = _pair("input_hw", input_hw), _pair("kernel_hw", kernel_hw)
    s, p = _int("stride", stride, 1), _int("padding", padding, 0)
    if H + 2 * p < kh or W + 2 * p < kw:
        raise ValueError(f"a {kh}x{kw} kernel (kernel_hw) does not fit in a {H}x{W} input (input_hw) with padding "
                         f"{p}: use a smaller kernel or more padding")
    return (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1


def _windows(x: np.ndarray, kh: int, kw: int, s: int, p: int) -> np.ndarray:
    """Strided view of shape (N, C, H_out, W_out, kh, kw) of the receptive fields (no copy)."""
    if p:
        x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    v = sliding_window_view(x, (kh, kw), axis=(2, 3))
    return v[:, :, ::s, ::s] if s > 1 else v


def _im2col(x: np.ndarray, kh: int, kw: int, s: int, p: int, Ho: int, Wo: int) -> np.ndarray:
    """The receptive fields as a (C kh kw, N Ho Wo) matrix (rows (c, a, b), columns (n, i, j)): one copy per kernel
    offset of a channel-first padded input (kh kw slice copies, no Python loop over pixels)."""
    N, C, H, W = x.shape
    if p:
        xp = np.zeros((C, N, H + 2 * p, W + 2 * p))
        xp[:, :, p:p + H, p:p + W] = x.transpose(1, 0, 2, 3)
    else:
        xp = x.transpose(1, 0, 2, 3)
    cols = np.empty((C, kh, kw, N, Ho, Wo))
    for a in range(kh):
        for b in range(kw):
            cols[:, a, b] = xp[:, :, a:a + s * (Ho - 1) + 1:s, b:b + s * (Wo - 1) + 1:s]
    return cols.reshape(C * kh * kw, N * Ho * Wo)


def _col2im(dcols: np.ndarray, shape: tuple[int, ...], kh: int, kw: int, s: int, p: int, Ho: int,
            Wo: int) -> np.ndarray:
    """The transpose of :func:`_im2col`: scatter-add the (C kh kw, N Ho Wo) columns back to an (N, C, H, W) image."""
    N, C, H, W = shape
    d = dcols.reshape(C, kh, kw, N, Ho, Wo)
    xp = np.zeros((C, N, H + 2 * p, W + 2 * p))
    for a in range(kh):
        for b in range(kw):
            xp[:, :, a:a + s * (Ho - 1) + 1:s, b:b + s * (Wo - 1) + 1:s] += d[:, a, b]
    return np.ascontiguousarray(xp[:, :, p:p + H, p:p + W].transpose(1, 0, 2, 3))


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
    C_out, _, kh, kw = w.shape
    Ho, Wo = conv_output_shape(x.shape[2:], (kh, kw), stride=s, padding=p)
    y = w.reshape(C_out, -1) @ _im2col(x, kh, kw, s, p, Ho, Wo)  # im2col + one GEMM: (C_out, N Ho Wo)
    return np.ascontiguousarray(y.reshape(C_out, x.shape[0], Ho, Wo).transpose(1, 0, 2, 3))


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
    dcols = w.reshape(C_out, -1).T @ y.transpose(1, 0, 2, 3).reshape(C_out, -1)  # one GEMM, then col2im
    return _col2im(dcols, (y.shape[0], C_in, H, W), kh, kw, s, p, Ho, Wo)


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
        Those of the forward :func:`conv2d`.

    Returns
    -------
    ndarray, shape (C_out, C_in, kh, kw)

    Raises
    ------
    ValueError
        If ``dy`` is not shaped like ``conv2d`` of ``x`` with such kernels.

    References
    ----------
    Goodfellow, Bengio and Courville (2016), *Deep Learning*, sec. 9.5 (eq. 9.11, the kernel gradient).

    Examples
    --------
    A one-pixel output: the kernel gradient is the window it saw.

    >>> x = np.arange(4.0).reshape(1, 1, 2, 2)
    >>> conv2d_weight_grad(np.ones((1, 1, 1, 1)), x, (2, 2))[0, 0]
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
    dyr = dy.transpose(1, 0, 2, 3).reshape(dy.shape[1], -1)
    return (dyr @ _im2col(x, kh, kw, s, p, Ho, Wo).T).reshape(dy.shape[1], x.shape[1], kh, kw)


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

    Raises
    ------
    ValueError
        If the shapes do not fit together (``dy`` shaped as :func:`conv2d` of ``x`` and ``w``).

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
    x, w, s, p = _check_layer(x, w, stride, padding)
    dy = _array("dy", dy, 4, "(N, C_out, H_out, W_out)")
    C_out, C_in, kh, kw = w.shape
    Ho, Wo = conv_output_shape(x.shape[2:], (kh, kw), stride=s, padding=p)
    if dy.shape != (x.shape[0], C_out, Ho, Wo):
        raise ValueError(f"dy must have the output's shape {(x.shape[0], C_out, Ho, Wo)}, got {dy.shape}")
    dyr = dy.transpose(1, 0, 2, 3).reshape(C_out, -1)
    dw = (dyr @ _im2col(x, kh, kw, s, p, Ho, Wo).T).reshape(w.shape)
    dx = _col2im(w.reshape(C_out, -1).T @ dyr, x.shape, kh, kw, s, p, Ho, Wo)
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
    the kernel size: it beats im2col only for large kernels. Measured (one thread): 8x8 digits with 3x3 kernels
    0.07 ms (im2col) against 0.46 ms (FFT); 28x28, 5x5: 4.4 against 5.7 ms; 64x64, 9x9: 17 against 5.5 ms;
    128x128, 31x31: 490 against 45 ms. ``conv2d`` therefore uses im2col (the pages' sizes).

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
    C, H, W = _whole_numbers("input_shape", input_shape, "(C_in, H, W)")
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
    x, size, stride
        As for :func:`max_pool2d`.

    Returns
    -------
    ndarray
        The window means, shaped as the result of :func:`max_pool2d`.

    References
    ----------
    As for :func:`max_pool2d`.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> avg_pool2d(x)[0, 0]
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
    dy, size, stride
        As for :func:`max_pool2d_backward`.
    x_shape : tuple of int
        ``(N, C, H, W)`` of the forward input.

    Returns
    -------
    ndarray, shape x_shape

    Raises
    ------
    ValueError
        As :func:`max_pool2d_backward`.

    References
    ----------
    As for :func:`max_pool2d_backward`.

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


# ----------------------------------------------------------------------------------------------- periodic 1-D
def _kernel1d(kernel: Any) -> np.ndarray:
    k = _array("kernel", kernel, 1, "(a 1-D stencil)")
    if k.size % 2 == 0 or k.size == 0:
        raise ValueError(f"kernel must have an odd number of taps (a centred stencil), got {k.size}")
    return k


def circulant_column(kernel: np.ndarray, n: int) -> np.ndarray:
    r"""First column of the circulant matrix of :func:`circulant`: :math:`c = K(\theta) e_1`.

    .. math:: c_{(j - m) \bmod n} \mathrel{+}= \theta_j, \qquad j = 0, \dots, 2m,\ m = \lfloor \text{len}/2 \rfloor.

    Parameters
    ----------
    kernel : ndarray, shape (2m+1,)
        Centred stencil :math:`\theta` (the course's :math:`\theta_1, \theta_2, \theta_3` for m = 1).
    n : int
        Grid size, ``n >= 1`` (taps that wrap onto the same entry add up).

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    ValueError
        If the kernel has an even number of taps.

    See Also
    --------
    circulant, circulant_eigenvalues : the matrix and its spectrum, built on this column.

    References
    ----------
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (Structured Matrices - 2).

    Examples
    --------
    >>> circulant_column([1.0, 2.0, 3.0], 5)
    array([2., 3., 0., 0., 1.])
    """
    k, n = _kernel1d(kernel), _int("n", n, 1)
    m = k.size // 2
    c = np.zeros(n)
    np.add.at(c, (np.arange(k.size) - m) % n, k)
    return c


def circulant(kernel: np.ndarray, n: int) -> np.ndarray:
    r"""The ``n x n`` circulant matrix of the periodic 1-D convolution with a centred stencil (the course's
    convention):

    .. math:: (K(\theta) y)_i = \sum_{j=-m}^{m} \theta_{j+m}\, y_{(i - j) \bmod n},

    so for three taps :math:`z_i = \theta_3 y_{i-1} + \theta_2 y_i + \theta_1 y_{i+1}` (slides 05, "Structured
    Matrices"). Column :math:`k` is the first column :func:`circulant_column` shifted down by :math:`k`.

    Parameters
    ----------
    kernel, n
        As in :func:`circulant_column`.

    Returns
    -------
    ndarray, shape (n, n)
        Dense (``n`` is small on the page); :math:`K_{ik} = c_{(i-k) \bmod n}`.

    References
    ----------
    Golub and Van Loan (2013), *Matrix Computations*, sec. 4.8 (circulant systems).
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex.

    Examples
    --------
    >>> circulant([1.0, 2.0, 3.0], 4)
    array([[2., 1., 0., 3.],
           [3., 2., 1., 0.],
           [0., 3., 2., 1.],
           [1., 0., 3., 2.]])
    """
    c = circulant_column(kernel, n)
    i = np.arange(c.size)
    return c[(i[:, None] - i[None, :]) % c.size]


def circulant_eigenvalues(kernel: np.ndarray, n: int) -> np.ndarray:
    r"""Eigenvalues of :func:`circulant`: the discrete Fourier transform of its first column.

    .. math:: K = F^{*} \mathrm{diag}(\lambda) F / n \ (\text{unnormalized } F), \qquad \lambda = F (K e_1),
              \qquad \lambda_k = \sum_{i} c_i\, e^{-2\pi \mathrm{i}\, i k / n}.

    Eigenvector :math:`k` is the Fourier mode :math:`v_i = e^{2\pi \mathrm{i}\, i k/n}`.

    Parameters
    ----------
    kernel, n
        The stencil and the grid size of :func:`circulant`.

    Returns
    -------
    ndarray of complex, shape (n,)
        ``numpy.fft.fft(circulant_column(kernel, n))``, in the order of the frequencies ``k = 0..n-1``.

    References
    ----------
    Hansen, Nagy and O'Leary (2006), *Deblurring Images*, SIAM, sec. 4.2.
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (Structured Matrices - 2).

    Examples
    --------
    >>> circulant_eigenvalues([1.0, -2.0, 1.0], 4).real
    array([ 0., -2., -4., -2.])
    """
    return np.fft.fft(circulant_column(kernel, n))


def conv1d_periodic(y: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    r"""Periodic 1-D convolution :math:`K(\theta) y` by the FFT, along the last axis of ``y``.

    .. math:: K y = \mathrm{real}\big(F^{-1}(\lambda \odot F y)\big), \qquad \lambda = F(K e_1).

    Cost :math:`O(n \log n)` per signal instead of :math:`O(n^2)` for the dense product.

    Parameters
    ----------
    y : ndarray, shape (..., n)
        Signals (a batch along the leading axes).
    kernel : ndarray, shape (2m+1,)
        Centred stencil (the convention of :func:`circulant`).

    Returns
    -------
    ndarray, shape (..., n)

    Raises
    ------
    ValueError
        If ``y`` is empty or not finite, or ``kernel`` is not a finite 1-D stencil that fits.
    TypeError
        If ``y`` or ``kernel`` is no array of numbers.

    References
    ----------
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex; the course's ``conv/EConv_Conv1DFFT.m``.

    Examples
    --------
    >>> conv1d_periodic(np.array([0.0, 1.0, 0.0, 0.0]), [1.0, 2.0, 3.0])
    array([1., 2., 3., 0.])
    """
    y = _array("y", y, np.ndim(y), "(..., n)") if np.ndim(y) >= 1 else _array("y", y, 1, "(n,)")
    if y.shape[-1] == 0:
        raise ValueError(f"y is empty (shape {y.shape})")
    lam = circulant_eigenvalues(_array("kernel", kernel, 1, "(taps,)"), y.shape[-1])
    return np.fft.ifft(lam * np.fft.fft(y, axis=-1), axis=-1).real


def conv1d_periodic_transpose(z: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    r"""The transpose :math:`K(\theta)^\top z` of :func:`conv1d_periodic`, by the FFT with conjugated eigenvalues.

    .. math:: K^\top z = \mathrm{real}\big(F^{-1}(\bar\lambda \odot F z)\big)

    (:math:`K^\top = F^{*}\mathrm{diag}(\bar\lambda) F/n` for a real circulant :math:`K`).

    Parameters
    ----------
    z : ndarray, shape (..., n)
        Signals.
    kernel : ndarray, shape (2m+1,)
        Centred stencil.

    Returns
    -------
    ndarray, shape (..., n)

    References
    ----------
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (the transpose by FFT).

    Examples
    --------
    >>> conv1d_periodic_transpose(np.array([0.0, 1.0, 0.0, 0.0]), [1.0, 2.0, 3.0])
    array([3., 2., 1., 0.])
    """
    z = np.asarray(z, dtype=np.float64)
    lam = circulant_eigenvalues(kernel, z.shape[-1])
    return np.fft.ifft(np.conj(lam) * np.fft.fft(z, axis=-1), axis=-1).real


# ----------------------------------------------------------------------------------------------- periodic 2-D
def _kernel2d(kernel: Any) -> np.ndarray:
    k = _array("kernel", kernel, 2, "(a 2-D stencil)")
    if k.shape[0] % 2 == 0 or k.shape[1] % 2 == 0:
        raise ValueError(f"kernel must have odd sizes (a centred stencil), got shape {k.shape}")
    return k


def _shape2(shape: Any) -> tuple[int, int]:
    shape = tuple(shape)
    if len(shape) != 2:
        raise ValueError(f"shape must be (H, W), got {shape!r}")
    return _int("H", shape[0], 1), _int("W", shape[1], 1)


def bccb_matrix(kernel: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    r"""The BCCB matrix (block circulant with circulant blocks) of a centred 2-D stencil with **periodic**
    boundary conditions, in the cross-correlation convention of :func:`conv2d` (rows and columns of the image
    in C order):

    .. math:: (K x)_{i,j} = \sum_{a,b} \theta_{a,b}\; x_{(i + a - m_1) \bmod H,\ (j + b - m_2) \bmod W},
              \qquad m_1 = \lfloor k_h/2 \rfloor,\ m_2 = \lfloor k_w/2 \rfloor.

    Away from the boundary it equals :func:`toeplitz_matrix`; near it, it wraps around.

    Parameters
    ----------
    kernel : ndarray, shape (kh, kw)
        Centred stencil, odd sizes.
    shape : tuple of int
        ``(H, W)`` of the image.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (H W, H W)

    Raises
    ------
    ValueError
        If the stencil is not centred (even sizes) or ``shape`` is not ``(H, W)``.

    References
    ----------
    Hansen, Nagy and O'Leary (2006), *Deblurring Images*, SIAM, sec. 4.2 (BCCB matrices).
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (Extension: 2D Convolution).

    Examples
    --------
    >>> bccb_matrix(np.ones((3, 3)), (4, 4)).nnz
    144
    """
    k = _kernel2d(kernel)
    H, W = _shape2(shape)
    kh, kw = k.shape
    i, j, a, b = np.meshgrid(np.arange(H), np.arange(W), np.arange(kh), np.arange(kw), indexing="ij")
    rows = (i * W + j).ravel()
    cols = (((i + a - kh // 2) % H) * W + (j + b - kw // 2) % W).ravel()
    A = sp.csr_matrix((k[a, b].ravel(), (rows, cols)), shape=(H * W, H * W))
    A.sum_duplicates()
    A.eliminate_zeros()  # zero taps are not part of the pattern
    return A


def toeplitz_matrix(kernel: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    r"""The block Toeplitz matrix with Toeplitz blocks of a centred 2-D stencil with **zero** boundary conditions:
    :func:`conv2d_matrix` of one channel with "same" padding :math:`(k-1)/2`.

    .. math:: (K x)_{i,j} = \sum_{a,b} \theta_{a,b}\; x_{i + a - m_1,\ j + b - m_2}
              \quad (x = 0 \text{ outside the image}).

    Parameters
    ----------
    kernel, shape
        As in :func:`bccb_matrix`.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (H W, H W)

    References
    ----------
    Hansen, Nagy and O'Leary (2006), *Deblurring Images*, SIAM, sec. 4.2.
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (Structured Matrices - 1).

    Examples
    --------
    >>> toeplitz_matrix(np.ones((3, 3)), (4, 4)).nnz
    100
    """
    k = _kernel2d(kernel)
    H, W = _shape2(shape)
    dh, dw = max(0, k.shape[1] - k.shape[0]) // 2, max(0, k.shape[0] - k.shape[1]) // 2
    k = np.pad(k, ((dh, dh), (dw, dw)))  # square and centred: one padding serves both axes
    A = conv2d_matrix(k[None, None], (1, H, W), padding=k.shape[0] // 2)
    A.eliminate_zeros()
    return A


def bccb_eigenvalues(kernel: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    r"""Eigenvalues of :func:`bccb_matrix`: the 2-D DFT of its first column, reshaped to the image.

    .. math:: \lambda = F_2\big(\mathrm{mat}(K e_1)\big), \qquad K = F_2^{*}\,\mathrm{diag}(\lambda)\,F_2 / (H W).

    Parameters
    ----------
    kernel : ndarray, shape (kh, kw)
        Centred stencil.
    shape : tuple of int
        ``(H, W)``.

    Returns
    -------
    ndarray of complex, shape (H, W)

    References
    ----------
    Hansen, Nagy and O'Leary (2006), *Deblurring Images*, SIAM, sec. 4.2.
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (2D Convolution using FFTs).

    Examples
    --------
    >>> float(bccb_eigenvalues(np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]]), (4, 4)).real.min())
    -8.0
    """
    k = _kernel2d(kernel)
    H, W = _shape2(shape)
    kh, kw = k.shape
    col = np.zeros((H, W))
    a, b = np.meshgrid(np.arange(kh), np.arange(kw), indexing="ij")
    # K e_1: column (0, 0) has theta[a, b] in row (i, j) with i + a - m1 = 0 mod H
    np.add.at(col, ((kh // 2 - a) % H, (kw // 2 - b) % W), k)
    return np.fft.fft2(col)


def conv2d_periodic(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    r"""Periodic 2-D convolution of one image with a centred stencil by the FFT: ``bccb_matrix(kernel) @ x``.

    .. math:: K x = \mathrm{real}\big(F_2^{-1}(\lambda \odot F_2 x)\big)

    with :math:`\lambda` from :func:`bccb_eigenvalues`.

    Parameters
    ----------
    x : ndarray, shape (..., H, W)
        Images (a batch along leading axes).
    kernel : ndarray, shape (kh, kw)
        Centred stencil.

    Returns
    -------
    ndarray, shape (..., H, W)

    References
    ----------
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (2D Convolution using FFTs).

    Examples
    --------
    >>> x = np.zeros((4, 4)); x[0, 0] = 1.0
    >>> conv2d_periodic(x, np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]]))[0]
    array([-4.,  1.,  0.,  1.])
    """
    x = np.asarray(x, dtype=np.float64)
    lam = bccb_eigenvalues(kernel, x.shape[-2:])
    return np.fft.ifft2(lam * np.fft.fft2(x)).real


# ------------------------------------------------------------------------------------ K(theta) = mat(Q theta)
STENCIL_BASES = ("full", "symmetric", "isotropic", "course_mmatrix")


def stencil_basis(name: str) -> np.ndarray:
    r"""A basis :math:`Q` (``9 x p``) of a linear family of 3x3 kernels :math:`K(\theta) = \mathrm{mat}(Q\theta)`.

    ``mat`` stacks columns (column-major, as the course's MATLAB ``reshape``), see :func:`parametric_kernel`.

    - ``"full"``: :math:`Q = I_9`, every entry free (p = 9);
    - ``"symmetric"``: invariant under left-right and up-down flips: centre, the two horizontal neighbours, the
      two vertical neighbours, the four corners (p = 4);
    - ``"isotropic"``: invariant under 90° rotations too: centre, the four neighbours, the four corners (p = 3);
      the 5-point Laplacian is :math:`\theta = (-4, 1, 0)`;
    - ``"course_mmatrix"``: the course's M-matrix example, the 9 x 6 :math:`Q` of the slides with
      :math:`K = \begin{pmatrix}\theta_1+\theta_2 & -\theta_1 & -\theta_2\\ -\theta_3 & \theta_3+\theta_4 & -\theta_4\\
      -\theta_5 & -\theta_6 & \theta_5+\theta_6\end{pmatrix}` (p = 6).

    Because :math:`K` is linear in :math:`\theta`, the Jacobian products are :math:`J v = \mathrm{mat}(Q v)` and
    :math:`J^\top w = Q^\top w`.

    Parameters
    ----------
    name : str
        One of ``STENCIL_BASES``.

    Returns
    -------
    ndarray, shape (9, p)

    Raises
    ------
    ValueError
        For an unknown name.

    References
    ----------
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (Differentiating Parametric Models; Example: Derivative of
    M-matrix).

    Examples
    --------
    >>> stencil_basis("isotropic").shape
    (9, 3)
    """
    if name == "full":
        return np.eye(9)
    if name == "course_mmatrix":
        Q = np.zeros((9, 6))
        # rows in column-major order: K11, K21, K31, K12, K22, K32, K13, K23, K33
        for row, entries in enumerate([{0: 1, 1: 1}, {2: -1}, {4: -1}, {0: -1}, {2: 1, 3: 1}, {5: -1}, {1: -1},
                                       {3: -1}, {4: 1, 5: 1}]):
            for col, v in entries.items():
                Q[row, col] = v
        return Q
    groups = {"symmetric": [[(1, 1)], [(1, 0), (1, 2)], [(0, 1), (2, 1)], [(0, 0), (0, 2), (2, 0), (2, 2)]],
              "isotropic": [[(1, 1)], [(1, 0), (1, 2), (0, 1), (2, 1)], [(0, 0), (0, 2), (2, 0), (2, 2)]]}
    if name not in groups:
        raise ValueError(f"unknown stencil basis {name!r}; choose one of {STENCIL_BASES}")
    Q = np.zeros((9, len(groups[name])))
    for col, cells in enumerate(groups[name]):
        for i, j in cells:
            Q[j * 3 + i, col] = 1.0  # column-major position of entry (i, j)
    return Q


def parametric_kernel(theta: np.ndarray, Q: np.ndarray, shape: tuple[int, int] = (3, 3)) -> np.ndarray:
    r"""The kernel :math:`K(\theta) = \mathrm{mat}(Q\theta)` (column-major ``mat``, as MATLAB's ``reshape``).

    .. math:: \mathrm{vec}(K(\theta)) = Q\theta, \qquad \frac{\partial\, \mathrm{vec}(K)}{\partial\theta} = Q.

    Parameters
    ----------
    theta : ndarray, shape (p,)
        Parameters.
    Q : ndarray, shape (kh kw, p)
        Basis, e.g. :func:`stencil_basis`.
    shape : tuple of int
        ``(kh, kw)``.

    Returns
    -------
    ndarray, shape (kh, kw)
        :math:`\mathrm{mat}(Q\theta)`, filled column by column.

    Raises
    ------
    ValueError
        If the sizes do not fit.

    References
    ----------
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (Differentiating Parametric Models).

    Examples
    --------
    >>> parametric_kernel(np.array([-4.0, 1.0, 0.0]), stencil_basis("isotropic"))
    array([[ 0.,  1.,  0.],
           [ 1., -4.,  1.],
           [ 0.,  1.,  0.]])
    """
    theta, Q = np.asarray(theta, dtype=np.float64), np.asarray(Q, dtype=np.float64)
    kh, kw = _shape2(shape)
    if Q.ndim != 2 or Q.shape != (kh * kw, theta.size):
        raise ValueError(f"Q must have shape ({kh * kw}, {theta.size}) for theta of length {theta.size} and a "
                         f"{kh}x{kw} kernel, got {Q.shape}")
    return (Q @ theta).reshape((kh, kw), order="F")


def project_kernel(kernel: np.ndarray, Q: np.ndarray) -> tuple[np.ndarray, float]:
    r"""The member of a family :math:`K(\theta) = \mathrm{mat}(Q\theta)` closest to a given kernel.

    .. math:: \theta^* = \arg\min_\theta \|Q\theta - \mathrm{vec}(K)\|_2, \qquad
              r = \frac{\|Q\theta^* - \mathrm{vec}(K)\|}{\|\mathrm{vec}(K)\|}

    (column-major ``vec``; ``numpy.linalg.lstsq``).

    Parameters
    ----------
    kernel : ndarray, shape (kh, kw)
        The kernel.
    Q : ndarray, shape (kh kw, p)
        The family's basis.

    Returns
    -------
    theta : ndarray, shape (p,)
    residual : float
        The relative residual r (0 when the kernel is in the family; 0 for a zero kernel).

    Raises
    ------
    ValueError
        If ``Q`` does not have one row per kernel entry.

    References
    ----------
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (Differentiating Parametric Models);
    Golub and Van Loan (2013), *Matrix Computations*, ch. 5 (least squares).

    Examples
    --------
    >>> theta, r = project_kernel(laplacian_stencil(), stencil_basis("isotropic"))
    >>> theta, r
    (array([-4.,  1.,  0.]), 0.0)
    """
    k = _array("kernel", kernel, 2, "(kh, kw)")
    Q = _array("Q", Q, 2, "(kh kw, p)")
    if Q.shape[0] != k.size:
        raise ValueError(f"Q must have {k.size} rows for a {k.shape[0]}x{k.shape[1]} kernel, got {Q.shape}")
    v = k.ravel(order="F")
    theta = np.linalg.lstsq(Q, v, rcond=None)[0]
    theta[np.abs(theta) < 1e-14 * max(1.0, np.abs(v).max())] = 0.0
    nv = np.linalg.norm(v)
    return theta, float(np.linalg.norm(Q @ theta - v) / nv) if nv > 0 else 0.0


def parameter_counts(image_hw: tuple[int, int], kernel_hw: tuple[int, int] = (3, 3), *, n_theta: int | None = None,
                     channels_in: int = 1, channels_out: int = 1) -> dict[str, int]:
    r"""Unknowns of one layer on an image: a dense layer against a convolution (and a parametric kernel).

    .. math:: \text{dense: } (C_\mathrm{out} H W)(C_\mathrm{in} H W), \qquad
              \text{convolution: } C_\mathrm{out} C_\mathrm{in} k_h k_w, \qquad
              \text{parametric: } C_\mathrm{out} C_\mathrm{in} p.

    The course's example: a 28 x 28 image and as many outputs as inputs give 614,656 dense unknowns against 9 for
    one 3 x 3 stencil.

    Parameters
    ----------
    image_hw : tuple of int
        ``(H, W)``.
    kernel_hw : tuple of int
        ``(kh, kw)``.
    n_theta : int, optional
        ``p``, the parameters per kernel of a parametric family (default ``kh kw``).
    channels_in, channels_out : int
        Channels.

    Returns
    -------
    dict
        ``{"dense": ..., "convolution": ..., "parametric": ...}``.

    References
    ----------
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (Motivation).

    Examples
    --------
    >>> parameter_counts((28, 28))["dense"]
    614656
    """
    H, W = _shape2(image_hw)
    kh, kw = _shape2(kernel_hw)
    ci, co = _int("channels_in", channels_in, 1), _int("channels_out", channels_out, 1)
    p = kh * kw if n_theta is None else _int("n_theta", n_theta, 1)
    return {"dense": co * H * W * ci * H * W, "convolution": co * ci * kh * kw, "parametric": co * ci * p}


# ----------------------------------------------------------------------------------------------- stencils, Laplacian
def second_difference_matrix(n: int, h: float = 1.0, *, boundary: str = "periodic") -> sp.csr_matrix:
    r"""The 1-D second difference :math:`[1\ -2\ 1]/h^2`, a discrete :math:`d^2/dx^2`.

    .. math:: (L u)_j = \frac{u_{j-1} - 2 u_j + u_{j+1}}{h^2}

    with ``boundary="periodic"`` (:math:`u_{-1} = u_{n-1}`, a circulant matrix) or ``"zero"``
    (:math:`u_{-1} = u_n = 0`, Dirichlet, a Toeplitz matrix: MATLAB's ``spdiags`` of the slides).

    Parameters
    ----------
    n : int
        Grid points (``n >= 3``).
    h : float
        Grid spacing.
    boundary : str
        ``"periodic"`` or ``"zero"``.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n, n)

    Raises
    ------
    ValueError
        For ``n < 3``, ``h <= 0`` or an unknown boundary.

    References
    ----------
    LeVeque (2007), *Finite Difference Methods for Ordinary and Partial Differential Equations*, SIAM, ch. 2.
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (Discretization of the Laplacian).

    Examples
    --------
    >>> second_difference_matrix(4).toarray()
    array([[-2.,  1.,  0.,  1.],
           [ 1., -2.,  1.,  0.],
           [ 0.,  1., -2.,  1.],
           [ 1.,  0.,  1., -2.]])
    """
    n = _int("n", n, 3)
    h = float(h)
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"h must be a positive grid spacing, got {h}")
    if boundary not in ("periodic", "zero"):
        raise ValueError(f"boundary must be 'periodic' or 'zero', got {boundary!r}")
    L = sp.diags([np.ones(n - 1), -2.0 * np.ones(n), np.ones(n - 1)], [-1, 0, 1], format="lil")
    if boundary == "periodic":
        L[0, n - 1] = L[n - 1, 0] = 1.0
    return (L / h**2).tocsr()


def laplacian_matrix(shape: tuple[int, int], h: float = 1.0, *, boundary: str = "periodic") -> sp.csr_matrix:
    r"""The 5-point Laplacian on an ``H x W`` grid (C order), by Kronecker products of second differences.

    .. math:: L = I_H \otimes L^{(W)} + L^{(H)} \otimes I_W, \qquad
              (L u)_{ij} = \frac{u_{i-1,j} + u_{i+1,j} + u_{i,j-1} + u_{i,j+1} - 4 u_{ij}}{h^2},

    the convolution with the stencil :func:`laplacian_stencil` (periodic: a BCCB matrix).

    Parameters
    ----------
    shape : tuple of int
        ``(H, W)``, each at least 3.
    h : float
        Grid spacing (both directions).
    boundary : str
        ``"periodic"`` or ``"zero"``.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (H W, H W)

    References
    ----------
    LeVeque (2007), *Finite Difference Methods*, SIAM, sec. 3.2; Ruthotto and Haber, slides 05 (Kronecker products).

    Examples
    --------
    >>> laplacian_matrix((3, 3)).diagonal()[:3]
    array([-4., -4., -4.])
    """
    H, W = _shape2(shape)
    LH = second_difference_matrix(H, h, boundary=boundary)
    LW = second_difference_matrix(W, h, boundary=boundary)
    return (sp.kron(sp.identity(H), LW) + sp.kron(LH, sp.identity(W))).tocsr()


def laplacian_stencil(h: float = 1.0) -> np.ndarray:
    r"""The 5-point Laplacian stencil :math:`\frac{1}{h^2}\begin{pmatrix}0&1&0\\1&-4&1\\0&1&0\end{pmatrix}`.

    Parameters
    ----------
    h : float
        Grid spacing.

    Returns
    -------
    ndarray, shape (3, 3)

    References
    ----------
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (More about discrete Laplacian).

    Examples
    --------
    >>> laplacian_stencil(0.5)[1]
    array([  4., -16.,   4.])
    """
    return np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]) / float(h) ** 2


def periodic_laplacian_eigenvalues(n: int, h: float = 1.0, *, dim: int = 1) -> np.ndarray:
    r"""Closed-form eigenvalues of the periodic second difference (``dim=1``) or 5-point Laplacian (``dim=2``).

    .. math:: \lambda_k = -\frac{4}{h^2}\sin^2\!\Big(\frac{\pi k}{N}\Big),\ k = 0..N-1; \qquad
              \lambda_{k_1 k_2} = \lambda_{k_1} + \lambda_{k_2} \ (\text{2-D}, N \times N).

    Smallest :math:`-4/h^2` (1-D, N even) and :math:`-8/h^2` (2-D); for N = 16, h = 1/16: -1024 and -2048.

    Parameters
    ----------
    n : int
        Grid points per direction.
    h : float
        Grid spacing.
    dim : int
        1 or 2.

    Returns
    -------
    ndarray, shape (n,) or (n, n)
        In the order of the frequencies (the FFT order).

    Raises
    ------
    ValueError
        For ``dim`` other than 1 or 2.

    References
    ----------
    LeVeque (2007), *Finite Difference Methods*, SIAM, sec. 2.10; Strang (2007), *Computational Science and
    Engineering*, sec. 1.5 and 4.1.

    Examples
    --------
    >>> float(periodic_laplacian_eigenvalues(16, 1 / 16).min())
    -1024.0
    """
    n = _int("n", n, 1)
    if dim not in (1, 2):
        raise ValueError(f"dim must be 1 or 2, got {dim!r}")
    lam = -4.0 / float(h) ** 2 * np.sin(np.pi * np.arange(n) / n) ** 2
    return lam if dim == 1 else lam[:, None] + lam[None, :]


# ----------------------------------------------------------------------------------------------- PDE regularization
def kernel_roughness(theta: np.ndarray, h: float = 1.0) -> tuple[float, np.ndarray]:
    r"""The PDE regularizer of a kernel, :math:`R(\theta) = \tfrac12 \|L\,\mathrm{vec}(\theta)\|^2`, and its gradient.

    :math:`L` is the 5-point Laplacian on the kernel's grid with zero boundary conditions
    (:func:`laplacian_matrix`): :math:`R` is small for smooth kernels that fade to zero at their border and large for
    rough, oscillating ones. Gradient :math:`\nabla R = L^\top L\, \mathrm{vec}(\theta)`.

    Parameters
    ----------
    theta : ndarray, shape (kh, kw)
        Kernel, both sizes at least 3.
    h : float
        Grid spacing of the kernel.

    Returns
    -------
    value : float
    grad : ndarray, shape (kh, kw)

    References
    ----------
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (Type of Regularization: general Tikhonov with a
    derivative operator); Hansen (2010), *Discrete Inverse Problems*, SIAM, sec. 8.1.

    Examples
    --------
    >>> kernel_roughness(np.ones((3, 3)))[0]
    10.0
    """
    theta = _array("theta", theta, 2, "(kh, kw)")
    L = laplacian_matrix(theta.shape, h, boundary="zero")
    r = L @ theta.ravel()
    return 0.5 * float(r @ r), (L.T @ r).reshape(theta.shape)


def fit_kernel(x: np.ndarray, y: np.ndarray, kernel_hw: tuple[int, int], alpha: float = 0.0, *, padding: int = 0,
               h: float = 1.0) -> np.ndarray:
    r"""Fit one kernel to input/output image pairs with the PDE regularizer (a linear least-squares problem).

    .. math:: \min_\theta\ \tfrac12 \sum_n \|\mathrm{conv2d}(x_n, \theta) - y_n\|^2 + \tfrac{\alpha}{2}\|L\theta\|^2
              \iff \min_\theta \left\| \begin{pmatrix} A \\ \sqrt{\alpha} L \end{pmatrix}\theta -
              \begin{pmatrix} y \\ 0 \end{pmatrix}\right\|

    with :math:`A` the im2col matrix of the inputs (``conv2d`` is linear in :math:`\theta`) and :math:`L` as in
    :func:`kernel_roughness`; solved by ``numpy.linalg.lstsq`` on the stacked system.

    Parameters
    ----------
    x : ndarray, shape (N, H, W)
        Input images (one channel).
    y : ndarray, shape (N, H_out, W_out)
        Observed outputs.
    kernel_hw : tuple of int
        ``(kh, kw)``, each at least 3.
    alpha : float
        Regularization weight, ``>= 0`` (λ in the notes).
    padding : int
        Zero padding of the convolution.
    h : float
        Grid spacing of the kernel in :math:`L`.

    Returns
    -------
    ndarray, shape (kh, kw)

    Raises
    ------
    ValueError
        For a negative ``alpha`` or shapes that do not fit.

    References
    ----------
    Hansen (2010), *Discrete Inverse Problems*, SIAM, ch. 8 (general-form Tikhonov);
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (Regularization).

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal((2, 8, 8))
    >>> k = laplacian_stencil()
    >>> y = conv2d(x[:, None], k[None, None], padding=1)[:, 0]
    >>> bool(np.allclose(fit_kernel(x, y, (3, 3), padding=1), k))
    True
    """
    x = _array("x", x, 3, "(N, H, W)")
    y = _array("y", y, 3, "(N, H_out, W_out)")
    alpha = float(alpha)
    if not (np.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    kh, kw = _shape2(kernel_hw)
    p = _int("padding", padding, 0)
    Ho, Wo = conv_output_shape(x.shape[1:], (kh, kw), padding=p)
    if y.shape != (x.shape[0], Ho, Wo):
        raise ValueError(f"y must have shape {(x.shape[0], Ho, Wo)}, got {y.shape}")
    A = _windows(x[:, None], kh, kw, 1, p)[:, 0].reshape(-1, kh * kw)
    b = y.ravel()
    if alpha > 0:
        L = laplacian_matrix((kh, kw), h, boundary="zero").toarray()
        A, b = np.vstack([A, np.sqrt(alpha) * L]), np.concatenate([b, np.zeros(kh * kw)])
    return np.linalg.lstsq(A, b, rcond=None)[0].reshape(kh, kw)


def gaussian_kernel(size: int = 7, sigma: float = 1.2) -> np.ndarray:
    r"""A normalized Gaussian blur stencil, :math:`\theta_{ab} \propto e^{-(a^2 + b^2)/(2\sigma^2)}`, summing to 1.

    Parameters
    ----------
    size : int
        Odd size.
    sigma : float
        Width in pixels.

    Returns
    -------
    ndarray, shape (size, size)
        Positive entries summing to 1.

    Raises
    ------
    ValueError
        For an even size or a non-positive sigma.

    References
    ----------
    Hansen, Nagy and O'Leary (2006), *Deblurring Images*, SIAM, sec. 3.1 (Gaussian point spread function).

    Examples
    --------
    >>> float(gaussian_kernel(5, 1.0).sum())
    1.0
    """
    size, sigma = _int("size", size, 1), check_positive("sigma", sigma)
    if size % 2 == 0:
        raise ValueError(f"size must be odd (a centred kernel), got {size}")
    a = np.arange(size) - size // 2
    g = np.exp(-(a[:, None] ** 2 + a[None, :] ** 2) / (2.0 * sigma**2))
    return g / g.sum()


# ----------------------------------------------------------------------------------------------- preset stencils
STENCILS = ("edges", "blur", "laplacian", "identity")


def stencil_preset(name: str, size: int = 3) -> np.ndarray:
    r"""Classic 3x3 and 5x5 stencils: ``"edges"`` (Sobel: smoothing down, derivative across; zero mean),
    ``"blur"`` (binomial, sums to 1), ``"laplacian"`` (5-point, or the fourth-order 13-point stencil for 5x5; zero
    sum), ``"identity"`` (a centred delta).

    .. math:: \text{Sobel}_3 = \begin{pmatrix}1\\2\\1\end{pmatrix}(-1\ 0\ 1), \quad
              \text{blur}_3 = \tfrac1{16}\begin{pmatrix}1\\2\\1\end{pmatrix}(1\ 2\ 1), \quad
              \Delta_5:\ \tfrac1{12}(-1\ \ 16\ -30\ \ 16\ -1) \text{ along each axis}.

    Parameters
    ----------
    name : str
        One of ``STENCILS``.
    size : int
        3 or 5.

    Returns
    -------
    ndarray, shape (size, size)

    Raises
    ------
    ValueError
        For an unknown name or size.

    References
    ----------
    Gonzalez and Woods (2018), *Digital Image Processing*, 4th ed., ch. 3 (spatial filters);
    LeVeque (2007), *Finite Difference Methods*, sec. 1.5 (higher-order differences).

    Examples
    --------
    >>> stencil_preset("edges")
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]])
    """
    if size not in (3, 5):
        raise ValueError(f"size must be 3 or 5, got {size!r}")
    smooth = np.array([1.0, 2.0, 1.0]) if size == 3 else np.array([1.0, 4.0, 6.0, 4.0, 1.0])
    if name == "edges":
        d = np.array([-1.0, 0.0, 1.0]) if size == 3 else np.array([-1.0, -2.0, 0.0, 2.0, 1.0])
        return np.outer(smooth, d)
    if name == "blur":
        return np.outer(smooth, smooth) / smooth.sum() ** 2
    if name == "laplacian":
        if size == 3:
            return laplacian_stencil()
        k = np.zeros((5, 5))
        d = np.array([-1.0, 16.0, -30.0, 16.0, -1.0]) / 12.0
        k[2, :] += d
        k[:, 2] += d
        return k
    if name == "identity":
        k = np.zeros((size, size))
        k[size // 2, size // 2] = 1.0
        return k
    raise ValueError(f"unknown stencil {name!r}; choose one of {STENCILS}")


# ----------------------------------------------------------------------------------------------- initialization
INIT_SCHEMES = ("naive", "glorot", "he")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "identity")
_ACT = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0.0), "sigmoid": lambda a: 0.5 * (1.0 + np.tanh(0.5 * a)),
        "identity": lambda a: a}


def init_std(scheme: str, fan_in: int, fan_out: int, *, naive_std: float = 1.0) -> float:
    r"""Standard deviation of the Gaussian weights of a layer: :func:`numdl_core.mlp.init_std` with the naive
    scheme's :math:`\sigma_0` as a parameter.

    .. math:: \text{naive: } \sigma = \sigma_0, \qquad \text{Glorot: } \sigma^2 = \frac{2}{n_\mathrm{in} +
              n_\mathrm{out}}, \qquad \text{He: } \sigma^2 = \frac{2}{n_\mathrm{in}}.

    Parameters
    ----------
    scheme : str
        One of ``INIT_SCHEMES``.
    fan_in, fan_out
        As for :func:`numdl_core.mlp.init_std`.
    naive_std : float
        :math:`\sigma_0` of the naive scheme (1: the standard normal of the course's norm-growth example).

    Returns
    -------
    float
        The standard deviation :math:`\sigma`.

    Raises
    ------
    ValueError
        Unknown scheme, or ``naive_std < 0``.

    References
    ----------
    Glorot and Bengio (2010), AISTATS; He, Zhang, Ren and Sun (2015), ICCV (as :func:`numdl_core.mlp.init_std`).
    """
    from numdl_core.mlp import init_std as _init_std  # one formula for both modules (mlp imports no conv)

    if scheme not in INIT_SCHEMES:
        raise ValueError(f"unknown initialization {scheme!r}; choose one of {INIT_SCHEMES}")
    return _init_std("custom", fan_in, fan_out, naive_std) if scheme == "naive" else _init_std(scheme, fan_in, fan_out)


def activation_variances(depth: int = 30, width: int = 100, *, activation: str = "tanh", scheme: str = "he",
                         naive_std: float = 1.0, n_samples: int = 256, seed: int = 0) -> np.ndarray:
    r"""Variance of the activations, layer by layer, of a deep fully connected network at initialization.

    .. math:: Y_0 \sim \mathcal N(0, 1)^{n \times w}, \qquad Y_{j+1} = \sigma(Y_j K_j), \quad
              (K_j)_{ab} \sim \mathcal N(0, s^2),\ s = \text{:func:`init_std`}, \qquad
              v_j = \mathrm{Var}(Y_j)

    (biases zero; the variance over all entries of :math:`Y_j`). The weights are the same standard normal draws
    scaled by each scheme's :math:`s`, so the schemes differ only in scale. For a linear layer
    :math:`v_{j+1} \approx w s^2 v_j`: the naive :math:`s = 1` multiplies the variance by the width per layer.

    Parameters
    ----------
    depth : int
        Layers ``L >= 1``.
    width : int
        Neurons per layer.
    activation : str
        One of ``ACTIVATIONS``.
    scheme : str
        One of ``INIT_SCHEMES``.
    naive_std : float
        The naive scheme's standard deviation.
    n_samples : int
        Rows of :math:`Y_0`.
    seed : int
        Seed of the inputs and weights.

    Returns
    -------
    ndarray, shape (depth + 1,)
        :math:`v_0, \dots, v_L` (``inf`` where the activations overflowed).

    Raises
    ------
    ValueError
        For an unknown activation.

    References
    ----------
    Glorot and Bengio (2010), AISTATS; He et al. (2015), ICCV; Goodfellow, Bengio and Courville (2016),
    *Deep Learning*, sec. 8.4.

    Examples
    --------
    >>> v = activation_variances(20, 100, activation="relu", scheme="he")
    >>> bool(0.3 < v[-1] / v[1] < 3)
    True
    """
    if activation not in _ACT:
        raise ValueError(f"unknown activation {activation!r}; choose one of {ACTIVATIONS}")
    L, w = _int("depth", depth, 1), _int("width", width, 1)
    rng = np.random.default_rng(seed)
    Y = rng.standard_normal((_int("n_samples", n_samples, 2), w))
    s = init_std(scheme, w, w, naive_std=naive_std)
    out = [Y.var()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(L):
            Y = _ACT[activation](Y @ (s * rng.standard_normal((w, w))))
            out.append(Y.var() if np.isfinite(Y).all() else np.inf)
    return np.array(out)


# ----------------------------------------------------------------------------------------------- the page's studies
def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(np.ravel(a - b)) / max(np.linalg.norm(np.ravel(b)), np.finfo(float).tiny))


def _matched_gap(a: np.ndarray, b: np.ndarray) -> float:
    """max over a of the distance to the nearest entry of b (and vice versa), relative to max |b|."""
    d = np.abs(a[:, None] - b[None, :])
    return float(max(d.min(axis=1).max(), d.min(axis=0).max()) / max(np.abs(b).max(), np.finfo(float).tiny))


@dataclass(frozen=True)
class Periodic1dStudy:
    r"""Result of :func:`periodic_1d_study`.

    Attributes
    ----------
    kernel : ndarray, shape (3,)
        The stencil :math:`\theta`.
    K : ndarray, shape (n, n)
        The circulant matrix.
    eigenvalues : ndarray of complex, shape (n,)
        ``fft(K[:, 0])``, frequency order.
    eigenvalues_dense : ndarray of complex, shape (n,)
        ``numpy.linalg.eigvals(K)``.
    y : ndarray, shape (n,)
        A random signal.
    Ky, Ky_fft, KTy, KTy_fft : ndarray, shape (n,)
        Dense products and their FFT versions.
    numbers : dict
        The headline numbers.
    """

    kernel: np.ndarray
    K: np.ndarray
    eigenvalues: np.ndarray
    eigenvalues_dense: np.ndarray
    y: np.ndarray
    Ky: np.ndarray
    Ky_fft: np.ndarray
    KTy: np.ndarray
    KTy_fft: np.ndarray
    numbers: dict


def periodic_1d_study(kernel: Any = (1.0, -2.0, 1.0), n: int = 16, *, seed: int = 0) -> Periodic1dStudy:
    r"""The 1-D periodic convolution of slides 05: the circulant matrix, its eigenvalues as the FFT of its first
    column against ``numpy.linalg.eigvals``, and :math:`K y`, :math:`K^\top y` by FFT against the dense products.

    .. math:: \lambda = F(K e_1), \quad K y = F^{-1}(\lambda \odot F y), \quad K^\top y = F^{-1}(\bar\lambda \odot F y)

    Parameters
    ----------
    kernel : array_like, shape (2m+1,)
        The stencil.
    n : int
        Grid size (``n >= len(kernel)``).
    seed : int
        Seed of the signal y.

    Returns
    -------
    Periodic1dStudy

    Raises
    ------
    ValueError
        If the grid is smaller than the stencil.

    References
    ----------
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex (Structured Matrices; the exercise on 1D convolution by FFT).

    Examples
    --------
    >>> s = periodic_1d_study([1.0, -2.0, 1.0], 16)
    >>> s.numbers["K y: FFT vs dense (relative)"] < 1e-14
    True
    """
    k = _kernel1d(kernel)
    n = _int("n", n, 1)
    if n < k.size:
        raise ValueError(f"the grid (n = {n}) must be at least as long as the stencil ({k.size} taps)")
    K = circulant(k, n)
    lam = circulant_eigenvalues(k, n)
    lam_dense = np.linalg.eigvals(K)
    y = np.random.default_rng(seed).standard_normal(n)
    Ky, KTy = K @ y, K.T @ y
    Ky_fft, KTy_fft = conv1d_periodic(y, k), conv1d_periodic_transpose(y, k)
    z = np.random.default_rng(seed + 1).standard_normal(n)
    lhs, rhs = float(z @ Ky_fft), float(conv1d_periodic_transpose(z, k) @ y)
    numbers = {"eigenvalues: FFT vs eigvals (relative)": _matched_gap(lam, lam_dense),
               "K y: FFT vs dense (relative)": _rel(Ky_fft, Ky), "Kᵀy: conjugate FFT vs dense (relative)":
               _rel(KTy_fft, KTy), "adjoint relative gap": abs(lhs - rhs) / max(abs(lhs), abs(rhs), 1e-300),
               "spectral radius": float(np.abs(lam).max()), "largest |imaginary part|": float(np.abs(lam.imag).max())}
    return Periodic1dStudy(k, K, lam, lam_dense, y, Ky, Ky_fft, KTy, KTy_fft, numbers)


@dataclass(frozen=True)
class Conv2dStudy:
    r"""Result of :func:`conv2d_study`.

    Attributes
    ----------
    image : ndarray, shape (H, W)
        The input.
    kernel : ndarray, shape (k, k)
        The stencil.
    output : ndarray, shape (H, W)
        ``conv2d`` with zero boundary ("same" padding).
    output_periodic : ndarray, shape (H, W)
        The periodic convolution (FFT).
    toeplitz, bccb : scipy.sparse.csr_matrix, shape (H W, H W)
        The matrices of the two boundary conditions.
    numbers : dict
        Agreement of conv2d with FFT and matrix, adjoint gap, linearity in the kernel, matrix sizes.
    """

    image: np.ndarray
    kernel: np.ndarray
    output: np.ndarray
    output_periodic: np.ndarray
    toeplitz: sp.csr_matrix
    bccb: sp.csr_matrix
    numbers: dict


def conv2d_study(image: np.ndarray, kernel: np.ndarray, *, seed: int = 0) -> Conv2dStudy:
    r"""One image convolved with one centred stencil, and the checks of slides 05 on it.

    - ``conv2d`` (im2col) against ``conv2d_fft`` and ``conv2d_matrix`` (relative differences, round-off);
      the periodic convolution by FFT against the BCCB matrix;
    - the adjoint test :math:`\langle A x, y\rangle = \langle x, A^\top y\rangle` of ``conv2d`` and
      ``conv2d_transpose`` (random x, y);
    - linearity in the kernel: the Taylor remainder :math:`E_1(h) = \|A(\theta + h v)x - A(\theta)x - h A(v) x\|`
      relative to :math:`\max(\|A(\theta)x\|, \|A(v)x\|)`, the largest over :math:`h = 10^{0}, \dots, 10^{-6}`:
      round-off for every h (not :math:`O(h^2)`), as for any linear map;
    - the sizes and nonzeros of the Toeplitz and BCCB matrices.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        One grey image.
    kernel : ndarray, shape (k, k)
        Odd size; zero padding ``(k - 1)/2`` keeps the image size.
    seed : int
        Seed of the random vectors of the tests.

    Returns
    -------
    Conv2dStudy

    Raises
    ------
    ValueError
        If the kernel is not square with an odd size.

    References
    ----------
    Ruthotto and Haber, slides 05-NumDNN-ConvNets.tex; Goodfellow, Bengio and Courville (2016), ch. 9.

    Examples
    --------
    >>> s = conv2d_study(np.eye(8), stencil_preset("laplacian"))
    >>> s.numbers["conv2d vs FFT (relative)"] < 1e-12
    True
    """
    img = _array("image", image, 2, "(H, W)")
    k = _kernel2d(kernel)
    if k.shape[0] != k.shape[1]:
        raise ValueError(f"kernel must be square, got shape {k.shape}")
    p = k.shape[0] // 2
    x, w = img[None, None], k[None, None]
    out = conv2d(x, w, padding=p)
    A = conv2d_matrix(w, (1, *img.shape), padding=p)
    B = bccb_matrix(k, img.shape)
    per = conv2d_periodic(img, k)
    rng = np.random.default_rng(seed)
    v, z = rng.standard_normal(x.shape), rng.standard_normal(out.shape)
    lhs, rhs = float(np.vdot(z, conv2d(v, w, padding=p))), float(np.vdot(conv2d_transpose(z, w, img.shape,
                                                                                       padding=p), v))
    dv = rng.standard_normal(w.shape)
    Av = conv2d(x, dv, padding=p)
    scale = max(np.linalg.norm(out), np.linalg.norm(Av), 1e-300)
    e1 = max(np.linalg.norm(conv2d(x, w + h * dv, padding=p) - out - h * Av) / scale for h in 10.0 ** -np.arange(7))
    T = toeplitz_matrix(k, img.shape)
    numbers = {"conv2d vs FFT (relative)": _rel(conv2d_fft(x, w, padding=p), out),
               "conv2d vs sparse matrix (relative)": _rel((A @ img.ravel()).reshape(out.shape), out),
               "periodic: FFT vs BCCB matrix (relative)": _rel(per, (B @ img.ravel()).reshape(img.shape)),
               "adjoint relative gap": abs(lhs - rhs) / max(abs(lhs), abs(rhs), 1e-300),
               "linearity in θ: largest relative E1": float(e1),
               "Toeplitz nonzeros": float(T.nnz), "BCCB nonzeros": float(B.nnz),
               "matrix entries": float(img.size ** 2)}
    return Conv2dStudy(img, k, out[0, 0], per, T, B, numbers)


@dataclass(frozen=True)
class LaplacianStudy:
    r"""Result of :func:`laplacian_study`.

    Attributes
    ----------
    n : int
        Grid points per direction.
    h : float
        Grid spacing.
    computed_1d, formula_1d : ndarray, shape (n,)
        Eigenvalues of the periodic second difference (``numpy.linalg.eigvalsh``) and the formula, both sorted.
    computed_2d, formula_2d : ndarray, shape (n*n,)
        The same for the 5-point Laplacian.
    x, u, Lu, exact : ndarray, shape (n,)
        The grid, :math:`u = \sin 2\pi x`, the stencil applied, and :math:`u'' = -4\pi^2 u`.
    numbers : dict
        The headline numbers.
    """

    n: int
    h: float
    computed_1d: np.ndarray
    formula_1d: np.ndarray
    computed_2d: np.ndarray
    formula_2d: np.ndarray
    x: np.ndarray
    u: np.ndarray
    Lu: np.ndarray
    exact: np.ndarray
    numbers: dict


def laplacian_study(n: int = 16) -> LaplacianStudy:
    r"""Stencils as differential operators on :math:`[0, 1)` with :math:`h = 1/n`, periodic.

    The eigenvalues of the periodic :math:`[1\ -2\ 1]/h^2` and of the 5-point Laplacian, computed by
    ``numpy.linalg.eigvalsh`` of the dense (symmetric) matrices, against :func:`periodic_laplacian_eigenvalues`; and the
    stencil applied to :math:`u = \sin(2\pi x)` against :math:`u'' = -4\pi^2 u` (error :math:`O(h^2)`:
    :math:`\frac{4}{h^2}\sin^2(\pi h) - 4\pi^2 \approx -\frac{4\pi^4 h^2}{3}`).

    Parameters
    ----------
    n : int
        Grid points per direction, 4 to 64.

    Returns
    -------
    LaplacianStudy

    Raises
    ------
    ValueError
        For ``n`` outside 4..64 (the 2-D matrix is dense: ``n^4`` entries).

    References
    ----------
    LeVeque (2007), *Finite Difference Methods*, SIAM, sec. 1.5 and 2.10; Ruthotto and Haber, slides 05.

    Examples
    --------
    >>> laplacian_study(16).numbers["smallest eigenvalue (1-D)"]
    -1024.0
    """
    n = _int("n", n, 4)
    if n > 64:
        raise ValueError(f"n must be at most 64 (the 2-D matrix has n^4 entries), got {n}")
    h = 1.0 / n
    c1 = np.linalg.eigvalsh(second_difference_matrix(n, h).toarray())  # symmetric: real, sorted
    c2 = np.linalg.eigvalsh(laplacian_matrix((n, n), h).toarray())
    f1, f2 = np.sort(periodic_laplacian_eigenvalues(n, h)), np.sort(periodic_laplacian_eigenvalues(n, h, dim=2).ravel())
    x = np.arange(n) * h
    u = np.sin(2 * np.pi * x)
    Lu = second_difference_matrix(n, h) @ u
    exact = -4 * np.pi**2 * u
    numbers = {"eigenvalues 1-D: eigvals vs formula (relative)": float(np.abs(c1 - f1).max() / np.abs(f1).max()),
               "eigenvalues 2-D: eigvals vs formula (relative)": float(np.abs(c2 - f2).max() / np.abs(f2).max()),
               "smallest eigenvalue (1-D)": float(f1.min()), "smallest eigenvalue (2-D)": float(f2.min()),
               "u'' error for sin(2πx) (relative)": float(np.abs(Lu - exact).max() / (4 * np.pi**2))}
    return LaplacianStudy(n, h, c1, f1, c2, f2, x, u, Lu, exact, numbers)


@dataclass(frozen=True)
class KernelFitStudy:
    r"""Result of :func:`kernel_fit_study`.

    Attributes
    ----------
    truth : ndarray, shape (k, k)
        The smooth kernel that made the data.
    fitted : ndarray, shape (k, k)
        The fit with the chosen α.
    unregularized : ndarray, shape (k, k)
        The fit with α = 0.
    alphas, errors, roughness : ndarray
        The α sweep: relative kernel error and :math:`\tfrac12\|L\theta\|^2` of each fit.
    numbers : dict
        The headline numbers.
    """

    truth: np.ndarray
    fitted: np.ndarray
    unregularized: np.ndarray
    alphas: np.ndarray
    errors: np.ndarray
    roughness: np.ndarray
    numbers: dict


def kernel_fit_study(images: np.ndarray, alpha: float = 0.1, *, noise: float = 0.1, kernel_size: int = 7,
                     sigma: float = 1.2, seed: int = 0) -> KernelFitStudy:
    r"""Learn a blur kernel from noisy blurred images, with and without the PDE regularizer.

    Data :math:`y_n = \mathrm{conv2d}(x_n, \theta_\mathrm{true}) + \eta\, \mathrm{std}(y)\, \varepsilon_n`
    with a Gaussian :math:`\theta_\mathrm{true}` (:func:`gaussian_kernel`), "same" zero padding and standard
    normal :math:`\varepsilon`; fits by :func:`fit_kernel` for the chosen α and for a sweep
    :math:`\alpha \in \{0\} \cup \{10^{-4}, \dots, 10^{2}\}`.

    .. math:: \theta_\alpha = \arg\min_\theta \tfrac12\|A\theta - y\|^2 + \tfrac\alpha2\|L\theta\|^2

    Parameters
    ----------
    images : ndarray, shape (N, H, W)
        Inputs (e.g. digits).
    alpha : float
        The regularization weight of the highlighted fit.
    noise : float
        Noise level :math:`\eta` relative to the data's standard deviation.
    kernel_size : int
        Odd size of the kernel (at least 3).
    sigma : float
        Width of the true Gaussian.
    seed : int
        Seed of the noise.

    Returns
    -------
    KernelFitStudy

    Raises
    ------
    ValueError
        For a negative ``alpha``.

    References
    ----------
    Hansen (2010), *Discrete Inverse Problems*, SIAM, ch. 4 and 8; Ruthotto and Haber, slides 05 (Regularization).

    Examples
    --------
    >>> x = np.random.default_rng(1).random((3, 8, 8))
    >>> s = kernel_fit_study(x, 0.1, noise=0.0, kernel_size=3)
    >>> s.numbers["kernel error, α = 0 (relative)"] < 1e-10
    True
    """
    x = _array("images", images, 3, "(N, H, W)")
    k = gaussian_kernel(kernel_size, sigma)
    p = kernel_size // 2
    y = conv2d(x[:, None], k[None, None], padding=p)[:, 0]
    y = y + float(noise) * y.std() * np.random.default_rng(seed).standard_normal(y.shape)
    alphas = np.concatenate([[0.0], 10.0 ** np.arange(-4.0, 2.5, 0.5)])
    # alpha > 0: one SVD for the whole sweep. L (zero boundary) is invertible, so theta = L^-1 z turns the problem
    # into standard form min 1/2||B z - y||^2 + alpha/2 ||z||^2 with B = A L^-1: z = V diag(s/(s^2 + alpha)) U^T y
    # (Hansen 2010, sec. 8.4). alpha = 0: fit_kernel's least-squares solution.
    A = _windows(x[:, None], kernel_size, kernel_size, 1, p)[:, 0].reshape(-1, k.size)
    L = laplacian_matrix(k.shape, boundary="zero").toarray()
    U, sv, Vt = np.linalg.svd(np.linalg.solve(L.T, A.T).T, full_matrices=False)
    beta = U.T @ y.ravel()

    def fit(a: float) -> np.ndarray:
        if a == 0:
            return fit_kernel(x, y, k.shape, 0.0, padding=p)
        return np.linalg.solve(L, Vt.T @ (sv / (sv**2 + a) * beta)).reshape(k.shape)

    alpha = float(alpha)
    if not (np.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    fits = [fit(a) for a in alphas]
    fitted = fit(alpha)
    err = np.array([_rel(f, k) for f in fits])
    rough = np.array([kernel_roughness(f)[0] for f in fits])
    best = int(np.argmin(err))
    numbers = {"kernel error, chosen α (relative)": _rel(fitted, k), "kernel error, α = 0 (relative)": float(err[0]),
               "roughness ½‖Lθ‖², chosen α": kernel_roughness(fitted)[0], "roughness ½‖Lθ‖², α = 0": float(rough[0]),
               "roughness ½‖Lθ‖², true kernel": kernel_roughness(k)[0], "best α of the sweep": float(alphas[best]),
               "kernel error at the best α (relative)": float(err[best])}
    return KernelFitStudy(k, fitted, fits[0], alphas, err, rough, numbers)


@dataclass(frozen=True)
class InitStudy:
    r"""Result of :func:`init_study`.

    Attributes
    ----------
    activation : str
        The activation.
    schemes : tuple of str
        ``INIT_SCHEMES``.
    stds : dict
        Weight standard deviation of each scheme.
    variances : ndarray, shape (len(schemes), depth + 1)
        :func:`activation_variances` of each scheme.
    numbers : dict
        Variance at the last layer per scheme (finite ones), and the input's.
    """

    activation: str
    schemes: tuple
    stds: dict
    variances: np.ndarray
    numbers: dict


def init_study(depth: int = 30, width: int = 100, activation: str = "tanh", *, naive_std: float = 1.0,
               n_samples: int = 256, seed: int = 0) -> InitStudy:
    r"""The variance of the activations through ``depth`` layers for the naive, Glorot and He scalings.

    .. math:: v_{j+1} = \mathrm{Var}\big(\sigma(Y_j K_j)\big), \quad K_j = s\, G_j,\ (G_j)_{ab} \sim \mathcal N(0,1),
              \quad s \in \{\sigma_0,\ \sqrt{2/(2w)},\ \sqrt{2/w}\}

    (see :func:`activation_variances`; the same :math:`G_j` for every scheme).

    Parameters
    ----------
    depth : int
        Layers.
    width : int
        Neurons per layer.
    activation : str
        One of ``ACTIVATIONS``.
    naive_std : float
        The naive scheme's standard deviation.
    n_samples : int
        Inputs.
    seed : int
        Seed.

    Returns
    -------
    InitStudy

    References
    ----------
    Glorot and Bengio (2010), AISTATS; He et al. (2015), ICCV.

    Examples
    --------
    >>> s = init_study(20, 64, "relu")
    >>> s.numbers["variance at the last layer, Glorot"] < 1e-4
    True
    """
    v = np.array([activation_variances(depth, width, activation=activation, scheme=s, naive_std=naive_std,
                                       n_samples=n_samples, seed=seed) for s in INIT_SCHEMES])
    names = {"naive": "naive", "glorot": "Glorot", "he": "He"}
    numbers = {"variance of the input": float(v[0, 0])}
    numbers.update({f"variance at the last layer, {names[s]}": float(v[i, -1])
                    for i, s in enumerate(INIT_SCHEMES) if np.isfinite(v[i, -1])})
    return InitStudy(activation, INIT_SCHEMES, {s: init_std(s, width, width, naive_std=naive_std)
                                                for s in INIT_SCHEMES}, v, numbers)

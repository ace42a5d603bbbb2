r"""A small convolutional network for the 8 x 8 digits, with a hand-written backward pass.

The network (samples are rows of ``X``; each row is reshaped to one image of ``image_shape``, one channel):

.. math::
    Z_1 = \sigma(K_1 * Y + b_1), \quad P_1 = \mathrm{pool}(Z_1), \quad
    Z_2 = \sigma(K_2 * P_1 + b_2), \quad P_2 = \mathrm{pool}(Z_2), \quad
    O = \mathrm{vec}(P_2)\, W + \mathbf 1 c^\top,

with :math:`*` the multi-channel cross-correlation of :func:`numdl_core.conv.conv2d` (stride 1, zero padding
``(k - 1) / 2``: the image keeps its size), :math:`\sigma` the ReLU and ``pool`` a 2 x 2 maximum or average
(halving each side: 8 x 8, 4 x 4, 2 x 2). The loss is the softmax cross-entropy averaged over the samples,
plus :math:`\frac\alpha2(\|K_1\|_F^2 + \|K_2\|_F^2 + \|W\|_F^2)` (biases not regularized).

Shapes (``c1, c2`` channels, ``k`` the kernel size, ``h x w`` the image, ``C`` classes):
``K_1`` is ``(c1, 1, k, k)``, ``b_1`` ``(c1,)``, ``K_2`` ``(c2, c1, k, k)``, ``b_2`` ``(c2,)``, ``W``
``(c2 (h/4) (w/4), C)`` and ``c`` ``(C,)``. **Packing** of the flat parameter vector (C order, as
``numdl_core.mlp``)::

    theta = concatenate([K1.ravel(), b1, K2.ravel(), b2, W.ravel(), c])

``vec(P_2)`` is ``P_2.reshape(n, -1)``: channel first, then rows, then columns.

The gradient is the reverse (adjoint) loop of the forward pass: the transpose of a convolution is the
convolution of the output gradient with the flipped kernel (input and output channels swapped), the
transpose of max pooling puts each gradient back on the entry that won (the first one on a tie), that of
average pooling spreads it evenly, and ReLU passes it where its input was positive.

Implementation: on images this small each convolution is applied as one product with its dense matrix
:math:`A(K) = \mathrm{mat}(QK)`, filled on the sparsity pattern of :func:`numdl_core.conv.conv2d_matrix`; the
kernel gradient is :math:`Q^\top \mathrm{vec}(\delta^\top Y)` (the entries of :math:`\delta^\top Y` on the pattern,
summed per kernel entry). On 1000 digits that is 3 to 8 times faster than im2col (``numdl_core.conv.conv2d``).

References
----------
Y. LeCun et al., Handwritten digit recognition with a back-propagation network, NIPS 2 (1990).
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 5 (05-NumDNN-ConvNets.tex).
I. Goodfellow, Y. Bengio and A. Courville, *Deep Learning*, MIT Press (2016), Ch. 9.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from numdl_core.conv import conv2d_matrix
from numdl_core.optim import Objective

__all__ = ["POOLS", "CNN", "FeatureMaps", "DigitsCNN", "digits_cnn", "confusion_matrix", "taylor_check"]

POOLS = ("max", "avg")


# ------------------------------------------------------------------------------------------------
# layers (forward and transpose)
# ------------------------------------------------------------------------------------------------
def _pattern(w_shape: tuple, hw: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sparsity pattern of the 'same' convolution matrix ``A = mat(Q theta)``: ``A[rows, cols] = w.ravel()[kidx]``.

    ``A`` maps one image ``x (C_in, h, w)``, raveled, to ``conv2d(x[None], w, padding=(k-1)/2).ravel()``.
    Built from :func:`numdl_core.conv.conv2d_matrix` applied to the kernel ``1, 2, ..., P``: each stored
    entry of that matrix names the kernel entry it holds.
    """
    F, C, k, _ = w_shape
    P = F * C * k * k
    A = conv2d_matrix(np.arange(1.0, P + 1.0).reshape(w_shape), (C, *hw), padding=(k - 1) // 2).tocoo()
    return A.row.astype(np.int64), A.col.astype(np.int64), np.rint(A.data).astype(np.int64) - 1


class _ConvLayer:
    """A 'same' convolution (stride 1) on flattened images, as a dense matrix ``A(w)`` built from its pattern.

    For images of at most a few hundred pixels one GEMM with the (mostly zero) dense matrix beats im2col: the
    forward pass is ``Y A^T``, the transpose ``dZ A``, and the kernel gradient ``Q^T vec(dZ^T Y)`` gathers the
    entries of ``dZ^T Y`` on the pattern and sums them per kernel entry (the course's ``K(theta) = mat(Q theta)``,
    ``J^T w = Q^T w``). The rows (outputs) are stored *window-major*: first the top-left pixel of every 2 x 2
    pooling window (all channels, in C order of the pooled map), then the top-right ones, the bottom-left, the
    bottom-right. The 2 x 2 pooling is then a maximum (or mean) over four contiguous blocks, and the pooled map
    comes out in C order ``(channel, row, column)``, the input order of the next layer.
    """

    def __init__(self, w_shape: tuple, hw: tuple[int, int]):
        self.w_shape = tuple(int(s) for s in w_shape)
        F, C = self.w_shape[:2]
        h, w = hw
        self.hw = (h, w)
        self.shape = (F * h * w, C * h * w)
        rows, self.cols, self.kidx = _pattern(self.w_shape, hw)
        f, rest = np.divmod(rows, h * w)
        i, j = np.divmod(rest, w)
        self.rows = (2 * (i % 2) + j % 2) * (F * h * w // 4) + (f * (h // 2) + i // 2) * (w // 2) + j // 2
        self.size = int(np.prod(self.w_shape))
        self._channel = np.tile(np.repeat(np.arange(F), h * w // 4), 4)  # channel of each (window-major) output

    def matrix(self, w: np.ndarray) -> np.ndarray:
        A = np.zeros(self.shape)
        A[self.rows, self.cols] = w.ravel()[self.kidx]
        return A

    def bias(self, b: np.ndarray) -> np.ndarray:
        """The bias of every output, in the window-major order."""
        return b[self._channel]

    def kernel_grad(self, dZ: np.ndarray, Y: np.ndarray) -> np.ndarray:
        G = dZ.T @ Y
        return np.bincount(self.kidx, weights=G[self.rows, self.cols], minlength=self.size).reshape(self.w_shape)

    def bias_grad(self, dZ: np.ndarray) -> np.ndarray:
        return dZ.reshape(dZ.shape[0], 4, self.w_shape[0], -1).sum(axis=(0, 1, 3))

    def images(self, Z: np.ndarray) -> np.ndarray:
        """Window-major outputs ``(n, F h w)`` as feature maps ``(n, F, h, w)``."""
        n, (h, w), F = Z.shape[0], self.hw, self.w_shape[0]
        return Z.reshape(n, 2, 2, F, h // 2, w // 2).transpose(0, 3, 4, 1, 5, 2).reshape(n, F, h, w)


def _pool(z: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray | None]:
    """2 x 2 pooling of window-major maps ``(n, 4 m)`` -> ``(n, m)``; for max also the windows ``(n, 4, m)``."""
    r = z.reshape(z.shape[0], 4, -1)
    if kind == "avg":
        return r.mean(axis=1), None
    m = np.maximum(np.maximum(r[:, 0], r[:, 1]), np.maximum(r[:, 2], r[:, 3]))
    return m, r


def _winners(r: np.ndarray, m: np.ndarray) -> np.ndarray:
    """The winner (0..3, the first on a tie) of each pooling window (comparisons: 30 times faster than argmax
    over the strided axis)."""
    return np.where(r[:, 0] == m, 0, np.where(r[:, 1] == m, 1, np.where(r[:, 2] == m, 2, 3)))


_QUARTERS = np.arange(4)[None, :, None]


def _pool_backward(dy: np.ndarray, r: np.ndarray | None, m: np.ndarray) -> np.ndarray:
    """The transpose of :func:`_pool` at windows ``r`` with maxima ``m``: ``(n, m)`` -> window-major ``(n, 4 m)``."""
    n = dy.shape[0]
    if r is None:
        return np.broadcast_to((0.25 * dy)[:, None, :], (n, 4, dy.shape[1])).reshape(n, -1)
    return ((_QUARTERS == _winners(r, m)[:, None, :]) * dy[:, None, :]).reshape(n, -1)


def _log_softmax(O: np.ndarray) -> np.ndarray:
    O = O - O.max(axis=1, keepdims=True)
    return O - np.log(np.exp(O).sum(axis=1, keepdims=True))


class FeatureMaps(NamedTuple):
    """The intermediate states of :meth:`CNN.forward` for a batch of images.

    Attributes
    ----------
    images : ndarray, shape (n, 1, h, w)
    z1 : ndarray, shape (n, c1, h, w)
        :math:`\\sigma(K_1 * Y + b_1)`.
    p1 : ndarray, shape (n, c1, h/2, w/2)
    z2 : ndarray, shape (n, c2, h/2, w/2)
    p2 : ndarray, shape (n, c2, h/4, w/4)
    logits : ndarray, shape (n, n_classes)
    """

    images: np.ndarray
    z1: np.ndarray
    p1: np.ndarray
    z2: np.ndarray
    p2: np.ndarray
    logits: np.ndarray


class CNN(Objective):
    r"""The loss of the convolutional network of this module as an objective of :mod:`numdl_core.optim`.

    .. math::
        f(\theta) = -\frac1n \sum_{i=1}^n \log \mathrm{softmax}(o_i)_{y_i}
        + \frac\alpha2\big(\|K_1\|_F^2 + \|K_2\|_F^2 + \|W\|_F^2\big)

    with the outputs :math:`o_i` of the module's network (conv, ReLU, pool, conv, ReLU, pool, linear). Works
    with :func:`numdl_core.optim.sgd` (plain, momentum, Nesterov), :func:`~numdl_core.optim.adam` and every
    first-order method: ``n_samples`` and ``batch_value_and_grad`` serve mini-batches.

    Cost of one ``value_and_grad`` on n images of :math:`p = hw` pixels: the convolutions are products with
    dense matrices (see the module docstring), about :math:`4 n c_1 p^2 + \tfrac{3}{8} n c_1 c_2 p^2` flops (conv 1
    forward and its kernel gradient, conv 2 forward, kernel gradient and transpose): 115 Mflop for the digits
    defaults (n = 1000, 4 and 8 channels), independent of the kernel size.

    Parameters
    ----------
    X : ndarray, shape (n_samples, h * w)
        Images as rows (pixels row by row).
    y : ndarray of int, shape (n_samples,)
        Labels ``0..n_classes-1``.
    channels : tuple of two ints, optional
        ``(c1, c2)``, the output channels of the two convolutions.
    kernel : int, optional
        Kernel size ``k`` (odd: 3 or 5), the same for both convolutions.
    pool : {"max", "avg"}, optional
    n_classes : int, optional
        Default ``max(y) + 1``.
    alpha : float, optional
        Weight decay on the kernels and ``W`` (>= 0).
    image_shape : tuple of two ints, optional
        ``(h, w)``, both divisible by 4. Default 8 x 8.

    Attributes
    ----------
    n_params, n_samples, n_classes : int
    shapes : dict
        ``{"K1": ..., "b1": ..., "K2": ..., "b2": ..., "W": ..., "c": ...}``, in the packing order of ``theta``.

    Raises
    ------
    ValueError
        For bad shapes, labels, channel counts, an even kernel size, an unknown pooling or ``alpha < 0``.

    References
    ----------
    LeCun et al. (1990); Ruthotto and Haber, Module 5.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> net = CNN(rng.random((5, 64)), np.arange(5), channels=(2, 3), kernel=3, n_classes=10)
    >>> net.n_params, net.shapes["W"]
    (207, (12, 10))
    >>> f, g = net.value_and_grad(net.init_theta(seed=0))
    >>> g.shape
    (207,)
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, *, channels: tuple[int, int] = (4, 8), kernel: int = 3,
                 pool: str = "max", n_classes: int | None = None, alpha: float = 0.0,
                 image_shape: tuple[int, int] = (8, 8)):
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        h, w = (int(s) for s in image_shape)
        if h % 4 or w % 4 or h <= 0 or w <= 0:
            raise ValueError(f"image_shape must have sides divisible by 4 (two 2 x 2 poolings), got {image_shape}")
        if X.ndim != 2 or X.shape[1] != h * w:
            raise ValueError(f"X must have shape (n_samples, {h * w}) for {h} x {w} images, got {X.shape}")
        if y.shape != (X.shape[0],) or not np.issubdtype(y.dtype, np.integer):
            raise ValueError(f"y must hold one integer label per row of X ({X.shape[0]}), got shape {y.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError("X has non-finite entries (nan or inf)")
        c1, c2 = (int(c) for c in channels)
        if min(c1, c2) < 1:
            raise ValueError(f"channel counts must be at least 1, got {channels}")
        kernel = int(kernel)
        if kernel < 1 or kernel % 2 == 0:
            raise ValueError(f"kernel must be an odd size (3 or 5), got {kernel}")
        if pool not in POOLS:
            raise ValueError(f"unknown pool {pool!r}; use one of {', '.join(POOLS)}")
        if not alpha >= 0:
            raise ValueError(f"alpha must be >= 0, got {alpha}")
        C = int(n_classes) if n_classes is not None else int(y.max()) + 1 if y.size else 2
        if y.size and (y.min() < 0 or y.max() >= C):
            raise ValueError(f"labels must lie in 0..{C - 1}")
        self.X, self.y = X, y.astype(np.int64)
        self.images = X.reshape(-1, 1, h, w)
        self.image_shape = (h, w)
        self.channels, self.kernel, self.pool, self.alpha = (c1, c2), kernel, pool, float(alpha)
        self.n_samples, self.n_classes = X.shape[0], C
        k = kernel
        self.shapes = {"K1": (c1, 1, k, k), "b1": (c1,), "K2": (c2, c1, k, k), "b2": (c2,),
                       "W": (c2 * (h // 4) * (w // 4), C), "c": (C,)}
        sizes = [int(np.prod(s)) for s in self.shapes.values()]
        self._offsets = np.cumsum([0] + sizes)
        self._last = None  # (theta, outputs) of the last evaluation on all training images
        self._layers = (_ConvLayer(self.shapes["K1"], (h, w)), _ConvLayer(self.shapes["K2"], (h // 2, w // 2)))
        self.n_params = int(self._offsets[-1])

    # ---------------------------------------------------------------------------------- packing
    def split(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """The weights of ``theta`` by name (views, reshaped).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
            Packed as the module docstring says.

        Returns
        -------
        dict
            ``{"K1", "b1", "K2", "b2", "W", "c"}`` of the shapes in :attr:`shapes`.

        Raises
        ------
        ValueError
            If ``theta`` does not have ``n_params`` entries.
        """
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape != (self.n_params,):
            raise ValueError(f"theta must have shape ({self.n_params},), got {theta.shape}")
        return {name: theta[a:b].reshape(shape) for (name, shape), a, b
                in zip(self.shapes.items(), self._offsets[:-1], self._offsets[1:])}

    def join(self, parts: dict[str, np.ndarray]) -> np.ndarray:
        """Pack weights by name into ``theta`` (the inverse of :meth:`split`).

        Parameters
        ----------
        parts : dict
            Arrays of the shapes in :attr:`shapes`.

        Returns
        -------
        ndarray, shape (n_params,)
        """
        return np.concatenate([np.asarray(parts[name], dtype=np.float64).ravel() for name in self.shapes])

    def init_theta(self, seed: int | np.random.Generator = 0) -> np.ndarray:
        r"""He-scaled random kernels and output weights, convolution biases 0.1, output bias 0.

        :math:`K_1 \sim N(0, 2/k^2)`, :math:`K_2 \sim N(0, 2/(c_1 k^2))`, :math:`W \sim N(0, 1/d)` with
        :math:`d` the number of pooled features (He et al. 2015: the variance of the activations is kept
        through the ReLU layers). The small positive biases matter: the digits have a blank (exactly 0)
        background, so with zero biases every pre-activation there would sit exactly on the kink of the ReLU
        and the loss would not be differentiable at the start (the Taylor test would show order 1).

        Parameters
        ----------
        seed : int or numpy.random.Generator

        Returns
        -------
        ndarray, shape (n_params,)
        """
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        s = self.shapes
        k2 = self.kernel ** 2
        return self.join({
            "K1": rng.standard_normal(s["K1"]) * np.sqrt(2.0 / k2), "b1": np.full(s["b1"], 0.1),
            "K2": rng.standard_normal(s["K2"]) * np.sqrt(2.0 / (self.channels[0] * k2)), "b2": np.full(s["b2"], 0.1),
            "W": rng.standard_normal(s["W"]) / np.sqrt(s["W"][0]), "c": np.zeros(s["c"])})

    # ---------------------------------------------------------------------------------- forward
    def _as_images(self, X: np.ndarray | None) -> np.ndarray:
        if X is None:
            return self.images
        X = np.asarray(X, dtype=np.float64)
        h, w = self.image_shape
        if X.ndim == 1:
            X = X[None]
        if X.shape[-1] != h * w and X.shape[-2:] != (h, w):
            raise ValueError(f"images must have {h * w} pixels ({h} x {w}), got shape {X.shape}")
        return X.reshape(-1, 1, h, w)

    def _forward(self, p: dict, Y: np.ndarray):
        """The forward pass on images ``Y (n, 1, h, w)``: the states the reverse loop needs, and the outputs."""
        n = Y.shape[0]
        L1, L2 = self._layers
        y0 = Y.reshape(n, -1)
        a1 = y0 @ L1.matrix(p["K1"]).T
        a1 += L1.bias(p["b1"])  # (n, c1 h w), window-major
        y1, win1 = _pool(np.maximum(a1, 0.0), self.pool)  # (n, c1 h/2 w/2), C order
        A2 = L2.matrix(p["K2"])
        a2 = y1 @ A2.T
        a2 += L2.bias(p["b2"])
        y2, win2 = _pool(np.maximum(a2, 0.0), self.pool)  # (n, c2 h/4 w/4)
        O = y2 @ p["W"] + p["c"]
        return (y0, a1, win1, A2, y1, a2, y2, win2), O

    def forward(self, theta: np.ndarray, X: np.ndarray | None = None) -> FeatureMaps:
        """Every state of the network for the images ``X`` (default: the training images).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        X : ndarray, shape (n, h * w) or (n, h, w), optional

        Returns
        -------
        FeatureMaps
        """
        Y = self._as_images(X)
        (_, a1, _, _, y1, a2, y2, _), O = self._forward(self.split(theta), Y)
        L1, L2 = self._layers
        (c1, c2), (h, w), n = self.channels, self.image_shape, Y.shape[0]
        return FeatureMaps(Y, L1.images(np.maximum(a1, 0.0)), y1.reshape(n, c1, h // 2, w // 2),
                           L2.images(np.maximum(a2, 0.0)), y2.reshape(n, c2, h // 4, w // 4), O)

    def logits(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        r"""The outputs :math:`O = \mathrm{vec}(P_2) W + \mathbf 1 c^\top`.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        X : ndarray, shape (n, h * w), optional
            Default: the training images.

        Returns
        -------
        ndarray, shape (n, n_classes)
        """
        if X is None:  # the outputs of the last full evaluation, if at this theta (an optimizer monitors f)
            last = self._last
            if last is not None and np.array_equal(last[0], theta):
                return last[1].copy()
        return self._forward(self.split(theta), self._as_images(X))[1]

    def predict_proba(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        r"""Class probabilities :math:`\mathrm{softmax}(o_i)`.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        X : ndarray, shape (n, h * w), optional

        Returns
        -------
        ndarray, shape (n, n_classes)
        """
        return np.exp(_log_softmax(self.logits(theta, X)))

    def predict(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        r"""Predicted labels :math:`\arg\max_j o_{ij}`.

        Parameters
        ----------
        theta, X
            As for :meth:`logits`.

        Returns
        -------
        ndarray of int64, shape (n,)
        """
        return np.argmax(self.logits(theta, X), axis=1).astype(np.int64)

    def accuracy(self, theta: np.ndarray, X: np.ndarray | None = None, y: np.ndarray | None = None) -> float:
        r"""Fraction of correctly classified images, :math:`\frac1n \#\{i: \arg\max_j o_{ij} = y_i\}`
        (``nan`` for a non-finite ``theta``).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        X, y : ndarray, optional
            Images and labels; default the training data.

        Returns
        -------
        float
        """
        theta = np.asarray(theta, dtype=np.float64)
        if not np.all(np.isfinite(theta)):
            return float("nan")
        y = self.y if X is None else np.asarray(y)
        with np.errstate(all="ignore"):
            return float(np.mean(self.predict(theta, X) == y))

    # ---------------------------------------------------------------------------------- loss and gradient
    def _loss_grad(self, theta: np.ndarray, Y: np.ndarray, y: np.ndarray, grad: bool = True):
        p = self.split(theta)
        (y0, a1, win1, A2, y1, a2, y2, win2), O = self._forward(p, Y)
        n = Y.shape[0]
        if Y is self.images:
            self._last = (np.array(theta, dtype=np.float64), O)
        logP = _log_softmax(O)
        reg = 0.5 * self.alpha * sum(float(np.sum(p[k] ** 2)) for k in ("K1", "K2", "W")) if self.alpha else 0.0
        f = float(-logP[np.arange(n), y].mean()) + reg
        if not grad:
            return f, None
        # the reverse loop: the transpose of every layer, last to first
        L1, L2 = self._layers
        dO = np.exp(logP)
        dO[np.arange(n), y] -= 1.0
        dO /= n
        g = {"c": dO.sum(axis=0), "W": y2.T @ dO}
        da2 = _pool_backward(dO @ p["W"].T, win2, y2) * (a2 > 0)
        g["b2"], g["K2"] = L2.bias_grad(da2), L2.kernel_grad(da2, y1)
        da1 = _pool_backward(da2 @ A2, win1, y1) * (a1 > 0)
        g["b1"], g["K1"] = L1.bias_grad(da1), L1.kernel_grad(da1, y0)
        if self.alpha:
            for k in ("K1", "K2", "W"):
                g[k] = g[k] + self.alpha * p[k]
        return f, self.join(g)

    def value(self, theta: np.ndarray) -> float:
        """The loss :math:`f(\\theta)` on all training images (forward pass only).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
            Packed as :meth:`split` reads it.

        Returns
        -------
        f : float
        """
        return self._loss_grad(theta, self.images, self.y, grad=False)[0]

    # documented in Objective; the gradient by the reverse (adjoint) loop, packed as theta
    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        return self._loss_grad(theta, self.images, self.y)

    def batch_value_and_grad(self, theta: np.ndarray, idx: np.ndarray | None) -> tuple[float, np.ndarray]:
        r"""The loss and gradient of the mini-batch ``idx``: the mean over :math:`i \in B` plus the regularizer.

        .. math::
            f_B(\theta) = -\frac1{|B|}\sum_{i \in B} \log \mathrm{softmax}(o_i)_{y_i} + \frac\alpha2(\ldots)

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        idx : ndarray of int or None
            Indices of the training images in the batch; None for all of them.

        Returns
        -------
        f : float
        g : ndarray, shape (n_params,)
        """
        if idx is None:
            return self.value_and_grad(theta)
        idx = np.asarray(idx)
        return self._loss_grad(theta, self.images[idx], self.y[idx])


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    r"""Confusion counts :math:`M_{ij} = \#\{s: y_s = i,\ \hat y_s = j\}` (row: true class, column: predicted).

    Parameters
    ----------
    y_true, y_pred : ndarray of int, shape (n,)
    n_classes : int

    Returns
    -------
    ndarray of int64, shape (n_classes, n_classes)
        Its trace over its sum is the accuracy.

    Raises
    ------
    ValueError
        For arrays of different lengths or labels outside ``0..n_classes-1``.

    References
    ----------
    K. P. Murphy, *Probabilistic Machine Learning: An Introduction*, MIT Press (2022), Sec. 5.1.3.

    Examples
    --------
    >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), 2)
    array([[1, 0],
           [1, 1]])
    """
    y_true = np.asarray(y_true).astype(np.int64).ravel()
    y_pred = np.asarray(y_pred).astype(np.int64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {y_true.size} and {y_pred.size}")
    if y_true.size and (min(y_true.min(), y_pred.min()) < 0 or max(y_true.max(), y_pred.max()) >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}")
    return np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


@dataclass(frozen=True)
class DigitsCNN:
    """The digits set-up of :func:`digits_cnn`.

    Attributes
    ----------
    model : CNN
        The objective on the training images.
    theta0 : ndarray
        The He-scaled start (``model.init_theta(seed)``).
    X_test : ndarray, shape (n_test, 64)
    y_test : ndarray of int64, shape (n_test,)
    train_index, test_index : ndarray of int
        Rows of ``numdl_core.data.load_digits()`` in each part.
    """

    model: CNN
    theta0: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    train_index: np.ndarray
    test_index: np.ndarray

    def accuracies(self, theta: np.ndarray) -> tuple[float, float]:
        """Training and test accuracy of ``theta`` (``nan`` for a non-finite ``theta``).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        train, test : float
        """
        return self.model.accuracy(theta), self.model.accuracy(theta, self.X_test, self.y_test)

    def confusion(self, theta: np.ndarray) -> np.ndarray:
        """Confusion counts of ``theta`` on the test images (:func:`confusion_matrix`).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        ndarray of int64, shape (10, 10)
        """
        return confusion_matrix(self.y_test, self.model.predict(theta, self.X_test), self.model.n_classes)


def digits_cnn(c1: int = 4, c2: int = 8, kernel: int = 3, *, pool: str = "max", n_train: int = 1000,
               alpha: float = 0.0, seed: int = 0) -> DigitsCNN:
    r"""The small CNN on the bundled 8 x 8 digits: a random train/test split and a He-scaled start.

    The 1797 images of ``numdl_core.data.load_digits`` are permuted with ``seed``; the first ``n_train``
    train the :class:`CNN` (loss :math:`f(\theta)` of the module docstring), the rest test it. The start
    ``theta0`` is ``model.init_theta(seed)``.

    Parameters
    ----------
    c1, c2 : int
        Output channels of the two convolutions.
    kernel : int
        Kernel size (3 or 5).
    pool : {"max", "avg"}
    n_train : int
        Training images (1 to 1796).
    alpha : float
        Weight decay (>= 0).
    seed : int
        Split and start.

    Returns
    -------
    DigitsCNN

    Raises
    ------
    ValueError
        For ``n_train`` outside 1..1796 (and everything :class:`CNN` rejects).

    References
    ----------
    LeCun et al. (1990); Alpaydin and Kaynak (1998), the UCI optical digits.

    Examples
    --------
    >>> d = digits_cnn(2, 4, 3, n_train=1000)
    >>> d.model.n_params, d.X_test.shape
    (266, (797, 64))
    """
    from numdl_core.data import load_digits

    X, y = load_digits()
    n_train = int(n_train)
    if not 1 <= n_train < y.size:
        raise ValueError(f"n_train must be between 1 and {y.size - 1}, got {n_train}")
    perm = np.random.default_rng(seed).permutation(y.size)
    tr, te = np.sort(perm[:n_train]), np.sort(perm[n_train:])
    model = CNN(X[tr], y[tr], channels=(c1, c2), kernel=kernel, pool=pool, n_classes=10, alpha=alpha)
    return DigitsCNN(model, model.init_theta(seed), X[te], y[te], tr, te)


def taylor_check(model: CNN, theta: np.ndarray, *, n_images: int = 16, scale: float = 0.01, seed: int = 0,
                 n: int = 14):
    r"""The Taylor test of the loss in all its weights, on the first ``n_images`` training images.

    Along a random direction :math:`v` with :math:`\|v\| = ` ``scale`` :math:`\|\theta\|`, for
    :math:`h = 2^{-k}`: :math:`E_0(h) = |f(\theta + hv) - f(\theta)| = O(h)` and
    :math:`E_1(h) = |f(\theta + hv) - f(\theta) - h \nabla f^\top v| = O(h^2)`
    (:func:`numdl_core.checks.derivative_check`). ReLU and max pooling make :math:`f` only piecewise smooth: a
    short segment on a few images crosses no kink, so the orders 1 and 2 show; over a long segment or many
    images a kink is crossed and :math:`E_1` is :math:`O(h)` there.

    Parameters
    ----------
    model : CNN
    theta : ndarray, shape (n_params,)
    n_images : int
        Images used (the first ones of the training set).
    scale : float
        Length of the direction relative to ``||theta||`` (> 0).
    seed : int
        Of the direction.
    n : int
        Step sizes ``h = 1, 1/2, ..., 2^(1-n)``.

    Returns
    -------
    numdl_core.checks.DerivativeCheck

    Raises
    ------
    ValueError
        For ``n_images < 1`` or ``scale <= 0``.

    References
    ----------
    Ruthotto and Haber, Module 0 (derivative checks) and Module 5.

    Examples
    --------
    >>> d = digits_cnn(2, 4, 3, n_train=100)
    >>> r = taylor_check(d.model, d.theta0)
    >>> r.passed, round(r.order0), round(r.order)
    (True, 1, 2)
    """
    from numdl_core.checks import derivative_check

    if int(n_images) < 1 or not scale > 0:
        raise ValueError(f"n_images must be >= 1 and scale > 0, got {n_images} and {scale}")
    m = min(int(n_images), model.n_samples)
    small = CNN(model.X[:m], model.y[:m], channels=model.channels, kernel=model.kernel, pool=model.pool,
                n_classes=model.n_classes, alpha=model.alpha, image_shape=model.image_shape)
    theta = np.asarray(theta, dtype=np.float64)
    v = np.random.default_rng(seed).standard_normal(theta.size)
    v *= scale * max(float(np.linalg.norm(theta)), 1.0) / np.linalg.norm(v)
    return derivative_check(small.value_and_grad, theta, v, n=n)

r"""Linear classification: softmax (multinomial logistic) regression and its loss landscape.

The model maps a sample :math:`x_i \in \mathbb{R}^{n_f}` (a row of ``X``) to class probabilities
:math:`\mathrm{softmax}(x_i W + b)`, with :math:`W \in \mathbb{R}^{n_f \times C}` and
:math:`b \in \mathbb{R}^{C}`. Training minimizes the regularized cross-entropy

.. math::
    f(W, b) = \frac{1}{n} \sum_{i=1}^{n} -\log \mathrm{softmax}(x_i W + b)_{y_i}
              + \frac{\alpha}{2} \|W\|_F^2 ,

a smooth convex function (strictly convex in :math:`W` for :math:`\alpha > 0`), so gradient
descent converges linearly and Newton's method fast. Everything here works on the flat vector
``theta = concatenate([W.ravel(), b])`` (``W`` in C order) that the optimizers of
:mod:`numdl_core.optim` expect.

The module also holds the two small lessons of the page: squared loss versus cross-entropy for a
sigmoid output (:func:`loss_landscape`; non-convex versus convex) and cross-entropy as the length
of a code (:func:`cross_entropy_bits`, :func:`coding_example`).

References
----------
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, lecture notes and course code,
Module 3 (linear models, softmax, Newton-CG).
C. M. Bishop, *Pattern Recognition and Machine Learning*, Springer, 2006, Sec. 4.3.4
(multiclass logistic regression, its gradient and Hessian).
J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006, Ch. 7 (Newton-CG).
T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley, 2006, Ch. 5
(entropy and code length).
C. Olah, "Visual Information Theory", colah.github.io, 2015 (the 1.75 / 2 / 2.25 bit example).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from numdl_core._validate import as_float_array, check_labels, check_nonneg, check_X
from numdl_core.optim import Objective

__all__ = [
    "SoftmaxRegression",
    "softmax_regression",
    "sklearn_reference",
    "softmax",
    "log_softmax",
    "FEATURES",
    "features",
    "LOSSES",
    "loss_landscape",
    "decision_map",
    "cross_entropy_bits",
    "entropy_bits",
    "CodingExample",
    "coding_example",
    "EntropyAsymmetry",
    "entropy_asymmetry",
    "PrefixCode",
    "prefix_code",
]


# --------------------------------------------------------------------------------------------
# softmax with the max-shift
# --------------------------------------------------------------------------------------------
def _scores(Z) -> np.ndarray:
    """Scores with the classes on the last axis (nan and inf pass: they propagate, as in a diverging run)."""
    Z = as_float_array("Z", Z)
    if Z.ndim == 0 or Z.shape[-1] == 0:
        raise ValueError(f"Z needs the classes on its last axis (at least one), got shape {Z.shape}")
    return Z


def log_softmax(Z: np.ndarray) -> np.ndarray:
    r"""Row-wise :math:`\log \mathrm{softmax}(z) = z - \max z - \log \sum_j e^{z_j - \max z}`.

    Subtracting the row maximum first (the "max-shift") keeps every exponent :math:`\le 0`,
    so nothing overflows however large the logits are; the result is unchanged because
    softmax is invariant to adding a constant to all entries of a row.

    Parameters
    ----------
    Z : array_like, shape (n_samples, n_classes)
        Logits, samples as rows (any shape: the last axis is the class axis).

    Returns
    -------
    ndarray, shape of ``Z``

    References
    ----------
    Bishop (2006), Sec. 4.3.4; Ruthotto and Haber, Module 3 (the max-shift).

    Examples
    --------
    >>> log_softmax(np.array([[1000.0, 1000.0]]))
    array([[-0.693147, -0.693147]])
    """
    Z = _scores(Z)
    Zs = Z - np.max(Z, axis=-1, keepdims=True)
    return Zs - np.log(np.sum(np.exp(Zs), axis=-1, keepdims=True))


def softmax(Z: np.ndarray) -> np.ndarray:
    r"""Row-wise :math:`\mathrm{softmax}(z)_j = e^{z_j} / \sum_k e^{z_k}`, computed with the max-shift.

    Parameters
    ----------
    Z : array_like, shape (n_samples, n_classes)
        Logits, samples as rows (the last axis is the class axis).

    Returns
    -------
    ndarray, shape of ``Z``
        Each row non-negative and summing to 1.

    References
    ----------
    Bishop (2006), Eq. 4.104; Ruthotto and Haber, Module 3.

    Examples
    --------
    >>> softmax(np.array([[0.0, np.log(3.0)]]))
    array([[0.25, 0.75]])
    """
    Z = _scores(Z)
    E = np.exp(Z - np.max(Z, axis=-1, keepdims=True))
    return E / np.sum(E, axis=-1, keepdims=True)


# --------------------------------------------------------------------------------------------
# predictions of a classifier from its logits
# --------------------------------------------------------------------------------------------
class _Classifier:
    """The flat parameter vector and the predictions from the logits, shared by :class:`SoftmaxRegression` and
    :class:`numdl_core.single_layer.SingleLayer` (a mixin).

    A subclass calls ``_layout`` in ``__init__`` (which sets ``n_params``) and has the training data ``X``, ``y``,
    ``n_features`` and ``_logits(theta, X)``: :meth:`logits` of the rows of an already checked ``X``.
    """

    def _layout(self, *blocks: tuple[str, tuple[int, ...]]) -> None:
        """Set the layout of ``theta``: the blocks ``(name, shape)``, each raveled in C order, one after another."""
        self._blocks = blocks
        self._ends = np.cumsum([int(np.prod(shape)) for _, shape in blocks])
        self._slices = [(slice(e - int(np.prod(shape)), e), shape) for (_, shape), e in zip(blocks, self._ends)]
        self.n_params = int(self._ends[-1])

    def _check_theta(self, theta, name: str = "theta") -> np.ndarray:
        theta = np.asarray(theta, dtype=np.float64)
        if theta.ndim != 1 or theta.size != self.n_params:
            layout = ", ".join(f"{block} {'x'.join(map(str, shape))}" for block, shape in self._blocks)
            raise ValueError(f"{name} must be a flat vector of n_params = {self.n_params} entries ({layout}), "
                             f"got shape {theta.shape}")
        return theta

    def _split(self, theta: np.ndarray) -> tuple[np.ndarray, ...]:
        """The blocks of an already checked ``theta`` (views)."""
        return tuple(theta[sl].reshape(shape) for sl, shape in self._slices)

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, ...]:
        """The blocks of ``theta``, as views: ``(W, b)`` of a :class:`SoftmaxRegression` (also named ``unpack``),
        ``(K, b, W, c)`` of a :class:`numdl_core.single_layer.SingleLayer`.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
            The blocks one after another, each raveled in C order.

        Returns
        -------
        tuple of ndarray
            ``W`` of shape ``(n_features, n_classes)`` and ``b`` of shape ``(n_classes,)``; or ``K`` ``(d, m)``,
            ``b`` ``(m,)``, ``W`` ``(m, C)`` and ``c`` ``(C,)``.

        Raises
        ------
        ValueError
            If ``theta`` is not a flat vector of ``n_params`` entries.
        """
        return self._split(self._check_theta(theta))

    def join(self, *blocks: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`split`: ``theta = concatenate([block.ravel() for block in blocks])`` (also named
        ``pack`` for a :class:`SoftmaxRegression`).

        Parameters
        ----------
        *blocks : ndarray
            ``W, b`` or ``K, b, W, c``, with the shapes :meth:`split` returns.

        Returns
        -------
        theta : ndarray, shape (n_params,)

        Raises
        ------
        ValueError
            If a block has the wrong shape, or their number is wrong.
        """
        if len(blocks) != len(self._blocks):
            names = ", ".join(name for name, _ in self._blocks)
            raise ValueError(f"join takes the {len(self._blocks)} blocks {names}, got {len(blocks)} arrays")
        out = []
        for a, (name, shape) in zip(blocks, self._blocks):
            a = np.asarray(a, dtype=np.float64)
            if a.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {a.shape}")
            out.append(a.ravel())
        return np.concatenate(out)

    def _data(self, X: np.ndarray | None) -> np.ndarray:
        """``X`` checked against the model, or the training data if None."""
        return self.X if X is None else check_X(X, n_features=self.n_features)

    def _labelled(self, X: np.ndarray | None, y: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Checked labelled data ``(X, y)``: both given (validation data) or neither (the training data)."""
        if (X is None) != (y is None):
            raise ValueError("pass both X and y (validation data) or neither (training data)")
        if X is None:  # the training data, checked in __init__
            return self.X, self.y
        X = check_X(X, n_features=self.n_features)
        return X, check_labels(y, X.shape[0])

    def logits(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        r"""Logits (class scores) :math:`O`, one row per sample (row of ``X``).

        :math:`O = X W + \mathbf 1 b^\top` for :class:`SoftmaxRegression`; the network outputs
        :math:`O = \sigma(X K + \mathbf 1 b^\top) W + \mathbf 1 c^\top` for
        :class:`numdl_core.single_layer.SingleLayer` (also named ``outputs`` there).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        X : ndarray, shape (m, n_features), optional
            Default: the training data.

        Returns
        -------
        O : ndarray, shape (m, n_classes)
        """
        return self._logits(theta, self._data(X))

    def predict_proba(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        r"""Class probabilities :math:`\mathrm{softmax}(O)` of the :meth:`logits` :math:`O` (row-wise).

        For a network trained with the squared loss, a monotone rescaling of its outputs.

        Parameters
        ----------
        theta, X : as for :meth:`logits`

        Returns
        -------
        ndarray, shape (m, n_classes)
            Rows sum to 1.
        """
        return softmax(self.logits(theta, X))

    def predict(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        r"""Predicted class :math:`\arg\max_j O_{ij}` of every row: the largest logit.

        Parameters
        ----------
        theta, X : as for :meth:`logits`

        Returns
        -------
        ndarray of int64, shape (m,)
        """
        return np.argmax(self.logits(theta, X), axis=1).astype(np.int64)

    def accuracy(self, theta: np.ndarray, X: np.ndarray | None = None, y: np.ndarray | None = None) -> float:
        """Fraction of correctly classified samples (training data by default; pass ``X, y`` for validation).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        X : ndarray, shape (m, n_features), optional
        y : ndarray of int, shape (m,), optional
            Labels of ``X``. Both or neither.

        Returns
        -------
        float
            In [0, 1].

        Raises
        ------
        ValueError
            If only one of ``X``, ``y`` is given, or they are malformed.
        """
        X, y = self._labelled(X, y)
        return float(np.mean(np.argmax(self._logits(theta, X), axis=1) == y))


# --------------------------------------------------------------------------------------------
# softmax regression
# --------------------------------------------------------------------------------------------
class _MiniBatchClassifier(_Classifier):
    """:meth:`batch_value_and_grad` for a classifier with per-sample losses, shared by
    :class:`numdl_core.mlp.MLP` and :class:`numdl_core.single_layer.SingleLayer` (a mixin).

    A subclass has ``n_samples``, ``value_and_grad(theta)`` and ``_batch_loss_grad(theta, idx)``: the
    regularized loss and gradient of the rows ``idx`` for an already checked ``theta`` and ``idx``.
    """

    def batch_value_and_grad(self, theta: np.ndarray, idx: np.ndarray | None) -> tuple[float, np.ndarray]:
        r"""Mean loss over the samples ``idx`` (integer row indices) plus the full regularizer, and its
        gradient: the mini-batch objective :math:`f_B` of :func:`numdl_core.optim.sgd`.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        idx : ndarray of int, shape (b,), or None
            Row indices of the batch; None is the full objective.

        Returns
        -------
        f_B : float
        g_B : ndarray, shape (n_params,)

        Raises
        ------
        ValueError
            If ``idx`` is not a non-empty 1-D integer array of valid row indices.

        References
        ----------
        Bottou, Curtis and Nocedal, Optimization methods for large-scale machine learning, SIAM Review 60 (2018).
        """
        if idx is None:
            return self.value_and_grad(theta)
        theta = self._check_theta(theta)
        idx = np.asarray(idx)
        if idx.ndim != 1 or idx.size == 0 or idx.dtype.kind not in "iu":
            raise ValueError("idx must be a non-empty 1-D array of integer sample indices")
        if idx.min() < -self.n_samples or idx.max() >= self.n_samples:
            raise ValueError(f"sample indices must lie in 0..{self.n_samples - 1}")
        return self._batch_loss_grad(theta, idx)


class SoftmaxRegression(_Classifier, Objective):
    r"""Regularized softmax cross-entropy of a linear model, as an objective on a flat ``theta``.

    .. math::
        f(\theta) = \frac{1}{n} \sum_i \Big(\log \sum_j e^{z_{ij}} - z_{i y_i}\Big)
                    + \frac{\alpha}{2}\|W\|_F^2, \qquad Z = X W + \mathbf{1} b^\top ,

    with ``theta = concatenate([W.ravel(), b])``. With :math:`S = \mathrm{softmax}(Z)` (row-wise)
    and :math:`Y` the one-hot labels, the gradient is

    .. math:: \nabla_W f = \tfrac1n X^\top (S - Y) + \alpha W, \qquad \nabla_b f = \tfrac1n (S - Y)^\top \mathbf{1},

    and the Hessian applied to a direction :math:`(V, v_b)` is, with :math:`D = X V + \mathbf{1} v_b^\top`,

    .. math::
        \dot S = S \odot D - S \odot \big((S \odot D)\mathbf{1}\big)\mathbf{1}^\top, \qquad
        H\,(V, v_b) = \big(\tfrac1n X^\top \dot S + \alpha V,\; \tfrac1n \dot S^\top \mathbf{1}\big),

    i.e. per sample the block :math:`\mathrm{diag}(s_i) - s_i s_i^\top` sandwiched between the
    features (Bishop 2006, Eq. 4.110). ``hess_vec`` costs two products with ``X`` and never
    forms the ``n_params x n_params`` matrix. The probabilities of the last ``theta`` seen are
    cached, so the Hessian-vector products of one Newton step reuse them.

    The Hessian is only positive semidefinite: adding the same constant to every entry of ``b``
    changes nothing (softmax is shift invariant), so the direction ``(0, 1)`` is in its null
    space. Gradients are orthogonal to it, so gradient descent and CG never move along it.

    The same optimum as scikit-learn's ``LogisticRegression(C=1 / (alpha * n_samples))`` (multinomial, which
    sums the losses and penalizes ``||W||^2 / (2C)``; see :func:`sklearn_reference`). Also named
    ``softmax_regression``.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
        Features, samples as rows; finite.
    y : ndarray of int, shape (n_samples,)
        Labels in ``0..n_classes-1``.
    n_classes : int
        Number of classes ``C >= 2``.
    alpha : float
        Tikhonov weight ``>= 0``.

    Attributes
    ----------
    X : ndarray, shape (n_samples, n_features)
    y : ndarray of int64, shape (n_samples,)
    n_classes, n_features, n_samples, n_params : int
        ``n_params = (n_features + 1) * n_classes``.
    alpha : float

    Raises
    ------
    ValueError
        If ``X`` is not a finite 2-D array, a label is outside ``0..C-1``, ``n_classes < 2`` or ``alpha < 0``.
    TypeError
        If ``n_classes`` is not an integer or ``y`` does not hold integers.

    References
    ----------
    Bishop (2006), Sec. 4.3.4 (Eq. 4.109-4.110); Ruthotto and Haber, Module 3.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> obj = softmax_regression(X, np.array([0, 0, 1, 1]), n_classes=2, alpha=0.1)
    >>> f, g = obj.value_and_grad(np.zeros(obj.n_params))
    >>> print(round(f, 6), g.shape)  # log 2 at theta = 0
    0.693147 (4,)
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, n_classes: int, alpha: float = 0.0):
        self.X = check_X(X)
        if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)):
            raise TypeError(f"n_classes must be an integer (the number of classes C), got {n_classes!r}")
        if n_classes < 2:
            raise ValueError(f"n_classes must be at least 2, got {n_classes}")
        self.n_classes = int(n_classes)
        self.n_samples, self.n_features = self.X.shape
        self.y = check_labels(y, self.n_samples, self.n_classes)
        self.alpha = check_nonneg("alpha (the Tikhonov weight)", alpha)
        self._layout(("W", (self.n_features, self.n_classes)), ("b", (self.n_classes,)))
        self._YT = np.zeros((self.n_classes, self.n_samples))  # one-hot labels, class-major
        self._YT[self.y, np.arange(self.n_samples)] = 1.0
        self._XT = np.ascontiguousarray(self.X.T)
        self._cache: tuple[np.ndarray, np.ndarray, float] | None = None  # (theta, S^T, data loss)

    # ---- parameter vector ------------------------------------------------------------------
    unpack, pack = _Classifier.split, _Classifier.join  # the names of the linear model

    def init(self, scale: float = 0.0, seed: int = 0) -> np.ndarray:
        """A starting ``theta``: zeros, or N(0, scale^2) entries drawn with ``seed``.

        Parameters
        ----------
        scale : float
            Standard deviation of the entries (0: all zeros, the usual start of a convex problem).
        seed : int

        Returns
        -------
        theta : ndarray, shape (n_params,)
        """
        if scale == 0:
            return np.zeros(self.n_params)
        return float(scale) * np.random.default_rng(seed).standard_normal(self.n_params)

    # ---- model (logits, predictions: see _Classifier) --------------------------------------
    def _logits(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        W, b = self.unpack(theta)
        return X @ W + b

    # ---- objective -------------------------------------------------------------------------
    # Internally the per-sample arrays are stored class-major, shape (n_classes, n_samples): the
    # reductions over classes then run along the long contiguous axis, about twice as fast as the
    # row-major (n_samples, n_classes) layout for few classes and many samples.
    def _probs(self, theta: np.ndarray) -> tuple[np.ndarray, float]:
        """Softmax probabilities ``S^T`` (classes x samples) on the training data and the data term.

        Cached per ``theta``: the Hessian-vector products of one Newton step reuse them.
        """
        cache = self._cache  # one atomic read: (theta, S^T, data loss)
        if cache is not None and np.array_equal(cache[0], theta):
            return cache[1], cache[2]
        W, b = self.unpack(theta)
        ZT = W.T @ self._XT
        ZT += b[:, None]
        ZT -= ZT.max(axis=0)  # the max-shift: every exponent <= 0
        ST = np.exp(ZT)
        s = ST.sum(axis=0)
        ST /= s
        # -log softmax(z)_y = log sum exp(z - max) - (z - max)_y
        data = float(np.mean(np.log(s) - ZT[self.y, np.arange(self.n_samples)]))
        self._cache = (theta.copy(), ST, data)
        return ST, data

    def loss(self, theta: np.ndarray) -> float:
        r"""The objective :math:`f(\theta) = \frac1n\sum_i -\log\mathrm{softmax}(x_i W + b)_{y_i} + \frac\alpha2\|W\|_F^2`.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        float
            ``value_and_grad(theta)[0]``, without the gradient.
        """
        theta = self._check_theta(theta)
        _, data = self._probs(theta)
        W, _ = self.unpack(theta)
        return data + 0.5 * self.alpha * float(np.sum(W * W))

    # documented in Objective; the formulas are in the class docstring
    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        theta = self._check_theta(theta)
        ST, data = self._probs(theta)
        W, _ = self.unpack(theta)
        RT = ST - self._YT
        inv_n = 1.0 / self.n_samples
        gW = (RT @ self.X).T  # X^T (S - Y)
        gW *= inv_n
        if self.alpha:
            gW += self.alpha * W
        f = data + 0.5 * self.alpha * float(np.sum(W * W))
        return f, np.concatenate([gW.ravel(), inv_n * RT.sum(axis=1)])

    def hess_vec(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        r"""Exact Hessian-vector product :math:`\nabla^2 f(\theta)\, v` (matrix-free; see the class docstring).

        Per sample the block :math:`\mathrm{diag}(s_i) - s_i s_i^\top` between the features
        (Bishop 2006, Eq. 4.110), plus :math:`\alpha V` on the ``W`` part.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        v : ndarray, shape (n_params,)
            Direction ``(V, v_b)`` laid out as ``theta``.

        Returns
        -------
        ndarray, shape (n_params,)
        """
        theta = self._check_theta(theta)
        v = self._check_theta(v, "v")
        ST, _ = self._probs(theta)
        V, vb = self.unpack(v)
        DT = V.T @ self._XT  # D^T = (X V + 1 vb^T)^T
        DT += vb[:, None]
        DT *= ST  # (S o D)^T
        DT -= ST * DT.sum(axis=0)  # n * Sdot^T
        inv_n = 1.0 / self.n_samples
        HW = (DT @ self.X).T
        HW *= inv_n
        if self.alpha:
            HW += self.alpha * V
        return np.concatenate([HW.ravel(), inv_n * DT.sum(axis=1)])

    def lipschitz_bound(self) -> float:
        r"""An upper bound :math:`L` on the largest Hessian eigenvalue (gradient descent is safe for step < 2/L).

        Each per-sample block :math:`\mathrm{diag}(s) - s s^\top` has norm at most 1/2, so
        :math:`L \le \|[X\ \mathbf{1}]\|_2^2 / (2n) + \alpha`.

        Returns
        -------
        float
            The bound :math:`L` (one 2-norm of an ``n x (n_features + 1)`` matrix).

        References
        ----------
        Nocedal and Wright (2006), Sec. 3.3 (step sizes for L-smooth functions); Bishop (2006), Eq. 4.110.
        """
        A = np.hstack([self.X, np.ones((self.n_samples, 1))])
        return float(np.linalg.norm(A, 2) ** 2 / (2 * self.n_samples) + self.alpha)

    def __repr__(self) -> str:
        return (f"SoftmaxRegression(n_samples={self.n_samples}, n_features={self.n_features}, "
                f"n_classes={self.n_classes}, alpha={self.alpha:g})")


softmax_regression = SoftmaxRegression  # the objective's name in the course code


def sklearn_reference(obj: SoftmaxRegression, *, tol: float = 1e-10, max_iter: int = 10_000) -> np.ndarray:
    r"""The minimizer of ``obj`` computed independently by scikit-learn's ``LogisticRegression``, as our ``theta``.

    scikit-learn sums the per-sample losses and penalizes :math:`\|W\|^2 / (2C)`, so the same objective
    needs :math:`C = 1/(\alpha n)` for :math:`C \ge 3` classes (multinomial, ``W`` = ``coef_.T``). With two
    classes it fits one vector :math:`w` for :math:`\sigma(x w + b)`; the softmax optimum is symmetric,
    :math:`W = [-w/2,\ w/2]`, whose penalty :math:`\tfrac{\alpha}{2}\|W\|_F^2 = \tfrac{\alpha}{4}\|w\|^2`
    matches :math:`C = 2/(\alpha n)`. ``alpha = 0`` uses ``C = inf`` (no penalty). The bias is only defined up to
    a common shift of all classes (softmax is shift invariant); the one returned is scikit-learn's.
    Runs on one thread (scikit-learn's OpenMP loss oversubscribes a busy machine). Needs scikit-learn and
    threadpoolctl (the ``sklearn`` extra of numdl_core).

    Parameters
    ----------
    obj : SoftmaxRegression
        The objective (its data, ``n_classes`` and ``alpha``).
    tol : float
        scikit-learn's tolerance.
    max_iter : int
        scikit-learn's iteration limit.

    Returns
    -------
    theta : ndarray, shape (obj.n_params,)
        The minimizer in our layout ``concatenate([W.ravel(), b])``.

    Raises
    ------
    ValueError
        If ``obj.y`` holds fewer than two classes, or fewer than ``n_classes`` with ``n_classes >= 3``.
    ImportError
        If scikit-learn or threadpoolctl is not installed.

    References
    ----------
    scikit-learn User Guide, Sec. 1.1.11 (logistic regression, multinomial case).
    """
    try:
        from sklearn.linear_model import LogisticRegression  # optional dependency: imported on use
        from threadpoolctl import threadpool_limits
    except ImportError as err:
        raise ImportError("sklearn_reference needs scikit-learn and threadpoolctl: "
                          "pip install scikit-learn threadpoolctl") from err

    n, C = obj.n_samples, obj.n_classes
    if np.unique(obj.y).size < 2:
        raise ValueError("scikit-learn needs at least two classes present in y")
    c_reg = np.inf if obj.alpha == 0 else (2.0 if C == 2 else 1.0) / (obj.alpha * n)
    with threadpool_limits(1):
        clf = LogisticRegression(C=c_reg, tol=float(tol), max_iter=int(max_iter)).fit(obj.X, obj.y)
    if C == 2:
        w, b = clf.coef_.ravel(), float(clf.intercept_[0])
        return obj.pack(np.c_[-w / 2, w / 2], np.array([-b / 2, b / 2]))
    if clf.coef_.shape[0] != C:
        raise ValueError(f"y holds only {clf.coef_.shape[0]} of the {C} classes: scikit-learn fits a smaller model")
    return obj.pack(clf.coef_.T, clf.intercept_)


# --------------------------------------------------------------------------------------------
# feature maps
# --------------------------------------------------------------------------------------------
FEATURES = ("linear", "quadratic")


def features(X: np.ndarray, kind: str = "linear") -> np.ndarray:
    r"""Feature map applied before the linear classifier.

    ``"linear"``: ``X`` itself. ``"quadratic"``: ``[X, x_j x_k for j <= k]``; for 2-D data
    ``[x1, x2, x1^2, x1 x2, x2^2]``, with which an ellipse becomes a linear decision boundary
    (the "ellipses" data set is not linearly separable in the raw coordinates but is in these).

    Parameters
    ----------
    X : ndarray, shape (n_samples, d)
    kind : str
        One of :data:`FEATURES`.

    Returns
    -------
    ndarray, shape (n_samples, d) or (n_samples, d + d (d + 1) / 2)
        A new array.

    Raises
    ------
    ValueError
        If ``kind`` is unknown (the message lists :data:`FEATURES`) or ``X`` is not a finite 2-D array.

    References
    ----------
    Ruthotto and Haber, Module 3 (feature maps for linear classifiers); Bishop (2006), Sec. 4.3.

    Examples
    --------
    >>> features(np.array([[2.0, 3.0]]), "quadratic")
    array([[2., 3., 4., 6., 9.]])
    """
    X = check_X(X)
    if kind == "linear":
        return X.copy()
    if kind == "quadratic":
        j, k = np.triu_indices(X.shape[1])
        return np.hstack([X, X[:, j] * X[:, k]])
    raise ValueError(f"unknown feature map {kind!r}; choose one of {', '.join(FEATURES)}")


def decision_map(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    *,
    n: int = 80,
    margin: float = 0.1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predicted class on an ``n x n`` grid covering the 2-D points ``X`` (plus a relative ``margin``).

    ``predict`` maps an array of points of shape ``(m, 2)`` to labels (e.g.
    ``lambda P: obj.predict(theta, features(P, "quadratic"))``). The grid spans
    ``[min - margin * range, max + margin * range]`` of each coordinate.

    Parameters
    ----------
    predict : callable
        ``(m, 2) array -> (m,) labels``.
    X : ndarray, shape (n_samples, 2)
        The points to cover.
    n : int
        Grid points per axis (at least 2).
    margin : float
        Padding relative to the data range.

    Returns
    -------
    gx : ndarray, shape (n,)
    gy : ndarray, shape (n,)
    labels : ndarray, shape (n, n)
        ``labels[j, i]`` is the class at ``(gx[i], gy[j])`` (the layout of a plotly heatmap).

    Raises
    ------
    ValueError
        If ``X`` does not have 2 columns or ``n < 2``.

    References
    ----------
    Ruthotto and Haber, Module 3 (decision boundaries of linear classifiers).
    """
    X = check_X(X)
    if X.shape[1] != 2:
        raise ValueError(f"a decision map needs 2-D points, X has {X.shape[1]} columns")
    n = int(n)
    if n < 2:
        raise ValueError(f"the grid needs n >= 2 points per axis, got {n}")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = float(margin) * np.maximum(hi - lo, 1e-12)
    gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], n)
    gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], n)
    GX, GY = np.meshgrid(gx, gy)
    labels = np.asarray(predict(np.c_[GX.ravel(), GY.ravel()])).reshape(n, n)
    return gx, gy, labels


# --------------------------------------------------------------------------------------------
# squared loss versus cross-entropy for a sigmoid output
# --------------------------------------------------------------------------------------------
LOSSES = ("cross_entropy", "squared")


def loss_landscape(
    X: np.ndarray,
    y: np.ndarray,
    w1_grid: np.ndarray,
    w2_grid: np.ndarray,
    loss: str = "cross_entropy",
) -> np.ndarray:
    r"""Loss of the one-neuron classifier :math:`\sigma(w_1 x_1 + w_2 x_2)` on a grid of :math:`(w_1, w_2)`.

    With :math:`z_i = w_1 x_{i1} + w_2 x_{i2}`, :math:`\sigma(z) = 1/(1 + e^{-z})` and labels
    :math:`y_i \in \{0, 1\}`:

    - ``"cross_entropy"``: :math:`\frac1n\sum_i -y_i \log\sigma(z_i) - (1-y_i)\log(1-\sigma(z_i))`,
      convex in :math:`w` (a sum of softplus functions of linear functions), computed stably as
      :math:`\log(1 + e^{-z})` / :math:`\log(1 + e^{z})` with ``np.logaddexp``;
    - ``"squared"``: :math:`\frac1{2n}\sum_i (\sigma(z_i) - y_i)^2`, not convex: it flattens
      into plateaus where the sigmoid saturates.

    Parameters
    ----------
    X : ndarray, shape (n_samples, 2)
    y : ndarray of int, shape (n_samples,), values 0 or 1
    w1_grid, w2_grid : 1-D arrays
    loss : ``"cross_entropy"`` or ``"squared"``

    Returns
    -------
    ndarray, shape (len(w2_grid), len(w1_grid))
        ``out[j, i]`` is the loss at ``(w1_grid[i], w2_grid[j])`` (plotly's contour layout).

    Raises
    ------
    ValueError
        If ``loss`` is unknown, ``X`` does not have 2 columns, a label is not 0 or 1, or a grid is empty or
        not finite.

    References
    ----------
    Ruthotto and Haber, Module 3 (why cross-entropy, not least squares, for classification).

    Examples
    --------
    >>> X, y = np.array([[1.0, 0.0], [-1.0, 0.0]]), np.array([1, 0])
    >>> loss_landscape(X, y, np.array([0.0]), np.array([0.0]))  # log 2 at w = 0
    array([[0.693147]])
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    X = check_X(X)
    if X.shape[1] != 2:
        raise ValueError(f"the landscape model sigma(w1 x1 + w2 x2) needs X with 2 columns, got {X.shape[1]}")
    y = check_labels(y, X.shape[0], 2).astype(np.float64)
    w1 = np.asarray(w1_grid, dtype=np.float64).ravel()
    w2 = np.asarray(w2_grid, dtype=np.float64).ravel()
    if w1.size == 0 or w2.size == 0 or not (np.all(np.isfinite(w1)) and np.all(np.isfinite(w2))):
        raise ValueError("w1_grid and w2_grid must be non-empty arrays of finite numbers")
    out = np.empty((w2.size, w1.size))
    # rows of the grid one at a time: memory n_samples * len(w1), not n_samples * len(w1) * len(w2)
    base = np.outer(X[:, 0], w1)  # (n, len(w1))
    for j, w in enumerate(w2):
        Z = base + w * X[:, 1:2]
        if loss == "cross_entropy":
            out[j] = np.mean(y[:, None] * np.logaddexp(0.0, -Z) + (1 - y[:, None]) * np.logaddexp(0.0, Z), axis=0)
        else:
            sig = 0.5 * (1.0 + np.tanh(0.5 * Z))  # = 1 / (1 + exp(-Z)) without overflow
            out[j] = 0.5 * np.mean((sig - y[:, None]) ** 2, axis=0)
    return out


# --------------------------------------------------------------------------------------------
# cross-entropy as code length
# --------------------------------------------------------------------------------------------
def _check_distribution(p, name: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"{name} must be a 1-D probability vector, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{name} must have finite entries >= 0, got {p}")
    if abs(p.sum() - 1.0) > 1e-9:
        raise ValueError(f"{name} must sum to 1, sums to {p.sum():.12g}")
    return p


def cross_entropy_bits(p: np.ndarray, q: np.ndarray) -> float:
    r"""Cross-entropy :math:`H(p, q) = -\sum_i p_i \log_2 q_i` in bits.

    The average length per symbol of a source with distribution ``p`` encoded by the ideal code
    for ``q`` (codeword lengths :math:`-\log_2 q_i`); :math:`H(p, p)` is the entropy and
    :math:`H(p, q) - H(p, p) = KL(p\|q) \ge 0` (Gibbs' inequality; Cover and Thomas 2006, Thm 5.4.3).
    Terms with :math:`p_i = 0` contribute 0; :math:`p_i > 0 = q_i` gives ``inf``.

    Parameters
    ----------
    p, q : ndarray, shape (k,)
        Probability vectors (entries ``>= 0`` summing to 1).

    Returns
    -------
    float
        In bits.

    Raises
    ------
    ValueError
        If ``p`` or ``q`` is not a probability vector, or their lengths differ.

    References
    ----------
    Cover and Thomas (2006), Sec. 2.1 and 5.4.

    Examples
    --------
    >>> cross_entropy_bits([0.5, 0.5], [0.25, 0.75]) > entropy_bits([0.5, 0.5])
    True
    """
    p = _check_distribution(p, "p")
    q = _check_distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same length, got {p.size} and {q.size}")
    m = p > 0
    if np.any(q[m] == 0):
        return float("inf")
    return float(-np.sum(p[m] * np.log2(q[m])))


def entropy_bits(p: np.ndarray) -> float:
    r"""Entropy :math:`H(p) = -\sum_i p_i \log_2 p_i` in bits (:func:`cross_entropy_bits` with ``q = p``).

    Parameters
    ----------
    p : ndarray, shape (k,)
        A probability vector.

    Returns
    -------
    float
        In bits: the least average code length per symbol (Shannon).

    References
    ----------
    Cover and Thomas (2006), Sec. 2.1 and Thm 5.3.1.

    Examples
    --------
    >>> entropy_bits([0.5, 0.25, 0.125, 0.125])
    1.75
    """
    return cross_entropy_bits(p, p)


@dataclass(frozen=True)
class CodingExample:
    """The course's coding example: a source ``p`` and three prefix codes for it.

    Attributes
    ----------
    symbols : tuple of str
        The source's symbols.
    p : ndarray, shape (k,)
        Their probabilities.
    codes : dict
        Maps a name to ``(q, codewords, bits)``: the distribution the code is ideal for,
        one binary codeword per symbol (lengths ``-log2 q``), and the average length
        ``H(p, q) = sum_i p_i len(codeword_i)`` in bits.
    bits : dict
        Name -> average code length in bits.
    """

    symbols: tuple[str, ...]
    p: np.ndarray
    codes: dict

    @property
    def bits(self) -> dict:
        """Name -> average code length in bits."""
        return {name: c[2] for name, c in self.codes.items()}


def coding_example() -> CodingExample:
    r"""Entropy versus cross-entropy: 1.75 versus 2 versus 2.25 bits.

    A source emits four symbols with :math:`p = (1/2, 1/4, 1/8, 1/8)`.

    - ``"optimal"``: the code for :math:`q = p` (codewords ``0, 10, 110, 111``) uses
      :math:`H(p) = 1.75` bits per symbol, the least any code can (Shannon's source coding theorem).
    - ``"uniform"``: a fixed-length 2-bit code (:math:`q = (1/4, 1/4, 1/4, 1/4)`) uses
      :math:`H(p, q) = 2` bits.
    - ``"mismatched"``: the optimal code of another source,
      :math:`q = (1/4, 1/8, 1/2, 1/8)` (codewords ``10, 110, 0, 111``): the frequent first
      symbol gets 2 bits, the rare third one 1 bit, so :math:`H(p, q) = 1/2 \cdot 2 + 1/4 \cdot 3
      + 1/8 \cdot 1 + 1/8 \cdot 3 = 2.25` bits; the 0.5 extra bits are :math:`KL(p\|q)`.

    This is Olah's (2015) example (Alice's word frequencies with Bob's code), symbols reordered
    so that ``p`` is decreasing. Cross-entropy training of a classifier minimizes exactly this
    average code length of the labels under the model's ``q``.

    Returns
    -------
    CodingExample
        Symbols ``A..D``, ``p`` and the three codes.

    References
    ----------
    C. Olah, "Visual Information Theory" (2015); Cover and Thomas (2006), Ch. 5.

    Examples
    --------
    >>> coding_example().bits
    {'optimal': 1.75, 'uniform': 2.0, 'mismatched': 2.25}
    """
    p = np.array([0.5, 0.25, 0.125, 0.125])
    specs = {
        "optimal": (p.copy(), ("0", "10", "110", "111")),
        "uniform": (np.full(4, 0.25), ("00", "01", "10", "11")),
        "mismatched": (np.array([0.25, 0.125, 0.5, 0.125]), ("10", "110", "0", "111")),
    }
    codes = {}
    for name, (q, words) in specs.items():
        codes[name] = (q, words, cross_entropy_bits(p, q))
    return CodingExample(("A", "B", "C", "D"), p, codes)


@dataclass(frozen=True)
class EntropyAsymmetry:
    """The course's two speakers and the cross-entropies of each one's words under the other's code.

    Attributes
    ----------
    symbols : tuple of str
        What they talk about.
    bob, alice : ndarray, shape (k,)
        How often each speaker uses each word.
    alice_with_bobs_code, bob_with_alices_code : float
        :math:`H(\\text{alice}, \\text{bob})` and :math:`H(\\text{bob}, \\text{alice})`, in bits.
    entropy_bob, entropy_alice : float
        :math:`H(\\text{bob})` and :math:`H(\\text{alice})`, in bits.
    """

    symbols: tuple[str, ...]
    bob: np.ndarray
    alice: np.ndarray
    alice_with_bobs_code: float
    bob_with_alices_code: float
    entropy_bob: float
    entropy_alice: float


def entropy_asymmetry() -> EntropyAsymmetry:
    r"""Cross-entropy is not symmetric: :math:`H(p, q) \ne H(q, p)`, the course's example (2.25 vs 2.375 bits).

    Bob talks about dogs, cats, fish and birds with frequencies :math:`c_B = (1/2, 1/4, 1/8, 1/8)`, Alice with
    :math:`c_A = (1/8, 1/2, 1/4, 1/8)`; both have entropy 1.75 bits. With the cross-entropy
    :math:`H(p, q) = -\sum_i p_i \log_2 q_i` (the average word length when a speaker with frequencies :math:`p`
    uses the code made for :math:`q`),

    .. math::
        H(c_A, c_B) = \tfrac18 \cdot 1 + \tfrac12 \cdot 2 + \tfrac14 \cdot 3 + \tfrac18 \cdot 3 = 2.25,
        \qquad
        H(c_B, c_A) = \tfrac12 \cdot 3 + \tfrac14 \cdot 1 + \tfrac18 \cdot 2 + \tfrac18 \cdot 3 = 2.375.

    So the cross-entropy measures how well :math:`q` fits :math:`p`, but it is not a distance.

    Returns
    -------
    EntropyAsymmetry

    References
    ----------
    L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 3 (slide "Cross Entropy": "verify for
    our example"); C. Olah, "Visual Information Theory" (2015); Cover and Thomas (2006), Sec. 2.3.

    Examples
    --------
    >>> ex = entropy_asymmetry()
    >>> ex.alice_with_bobs_code, ex.bob_with_alices_code, ex.entropy_bob, ex.entropy_alice
    (2.25, 2.375, 1.75, 1.75)
    """
    bob, alice = np.array([0.5, 0.25, 0.125, 0.125]), np.array([0.125, 0.5, 0.25, 0.125])
    return EntropyAsymmetry(("dogs", "cats", "fish", "birds"), bob, alice, cross_entropy_bits(alice, bob),
                            cross_entropy_bits(bob, alice), entropy_bits(bob), entropy_bits(alice))


@dataclass(frozen=True)
class PrefixCode:
    """A prefix code with given codeword lengths for a source ``p`` (or why there is none).

    Attributes
    ----------
    lengths : ndarray of int, shape (k,)
        The codeword lengths :math:`\\ell_i`.
    kraft_sum : float
        :math:`\\sum_i 2^{-\\ell_i}`; a prefix code with these lengths exists if and only if it is at most 1.
    codewords : tuple of str, or None
        The canonical prefix code with these lengths (None if the Kraft sum exceeds 1).
    average_length : float
        :math:`\\sum_i p_i \\ell_i` bits per symbol, at least the entropy :math:`H(p)`.
    q : ndarray, shape (k,)
        The distribution the lengths are ideal for, :math:`q_i = 2^{-\\ell_i} / \\sum_j 2^{-\\ell_j}`.
    cross_entropy : float
        :math:`H(p, q)` in bits; equal to ``average_length`` when the Kraft sum is 1.
    """

    lengths: np.ndarray
    kraft_sum: float
    codewords: tuple | None
    average_length: float
    q: np.ndarray
    cross_entropy: float

    @property
    def exists(self) -> bool:
        """A prefix code with these lengths exists (Kraft sum at most 1)."""
        return self.kraft_sum <= 1.0

    @property
    def complete(self) -> bool:
        """No codeword is wasted (Kraft sum exactly 1)."""
        return self.kraft_sum == 1.0


def prefix_code(p: np.ndarray, lengths) -> PrefixCode:
    r"""A binary prefix code with codeword lengths ``lengths`` for a source with probabilities ``p``.

    By the Kraft inequality a prefix code with lengths :math:`\ell_i` exists if and only if
    :math:`\sum_i 2^{-\ell_i} \le 1`; the canonical one assigns, in order of increasing length, the next
    binary number of each length. Its average length :math:`\sum_i p_i \ell_i` is at least :math:`H(p)`, with
    equality when :math:`\ell_i = -\log_2 p_i`; with a Kraft sum of 1 it is the cross-entropy :math:`H(p, q)` for
    :math:`q_i = 2^{-\ell_i}`.

    Parameters
    ----------
    p : array_like, shape (k,)
        The source's probabilities.
    lengths : array_like of int, shape (k,)
        Codeword lengths, at least 1.

    Returns
    -------
    PrefixCode

    Raises
    ------
    ValueError
        If ``p`` is not a probability vector, or ``lengths`` are not integers >= 1 of the same length.

    References
    ----------
    Cover and Thomas (2006), Sec. 5.2 (Kraft inequality) and 5.4 (H(p, q) = expected length of a mismatched
    code).

    Examples
    --------
    >>> c = prefix_code([0.5, 0.25, 0.125, 0.125], [2, 3, 1, 3])
    >>> c.codewords, c.average_length, c.kraft_sum
    (('10', '110', '0', '111'), 2.25, 1.0)
    >>> prefix_code([0.5, 0.25, 0.125, 0.125], [1, 1, 2, 2]).exists
    False
    """
    p = _check_distribution(p, "p")
    ell = np.asarray(lengths)
    if ell.shape != p.shape or not np.all(np.isfinite(ell.astype(float))) or np.any(ell != np.round(ell)) \
            or np.any(ell < 1):
        raise ValueError(f"lengths must be {p.size} integers >= 1 (one per symbol), got {lengths!r}")
    ell = ell.astype(np.int64)
    weights = 2.0 ** -ell.astype(float)
    kraft = float(weights.sum())
    words = None
    if kraft <= 1.0:
        out = [""] * ell.size
        code, prev = 0, 0
        for i in np.argsort(ell, kind="stable"):
            code <<= int(ell[i]) - prev
            prev = int(ell[i])
            out[i] = format(code, f"0{prev}b")
            code += 1
        words = tuple(out)
    q = weights / kraft
    return PrefixCode(ell, kraft, words, float(p @ ell), q, cross_entropy_bits(p, q))

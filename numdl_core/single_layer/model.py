r"""The single-layer network as an objective: activations, :class:`SingleLayer` and its random hidden layer.

:class:`SingleLayer` is the training objective on fixed data (value, gradient by backpropagation, exact
Hessian-vector products, mini-batches, and the residual with matrix-free Jacobian products for Gauss-Newton);
:func:`random_hidden` draws the random ``K, b`` of its starting point and of the extreme learning machine. The
model and the notation: :mod:`numdl_core.single_layer`.

References
----------
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 4 (single-layer networks).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from numdl_core._validate import check_labels, check_nonneg, check_positive, check_X
from numdl_core.classify import _Classifier, _MiniBatchClassifier, log_softmax, softmax
from numdl_core.optim import Objective

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "activation",
    "SingleLayer",
    "random_hidden",
]

ACTIVATIONS = ("sin", "tanh", "relu", "identity")
LOSSES = ("softmax", "squared")


# --------------------------------------------------------------------------------------------
# activations
# --------------------------------------------------------------------------------------------
def _sin(A):
    return np.sin(A), np.cos(A)


def _tanh(A):
    T = np.tanh(A)
    return T, 1.0 - T * T


def _relu(A):
    return np.maximum(A, 0.0), (A > 0).astype(np.float64)


def _identity(A):
    return A.copy(), np.ones_like(A)


_ACT = {"sin": _sin, "tanh": _tanh, "relu": _relu, "identity": _identity}
# sigma alone, in place (for predictions: no derivative computed, no second n x m array)
_VALUE_INPLACE = {"sin": lambda A: np.sin(A, out=A), "tanh": lambda A: np.tanh(A, out=A),
                  "relu": lambda A: np.maximum(A, 0.0, out=A), "identity": lambda A: A}


def _act_inplace(name: str, A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_ACT[name](A)`` (the same numbers), computed in the memory of ``A`` where possible: ``A`` is
    overwritten. Fewer temporaries of size n x m: the hot loops of training allocate less."""
    if name == "tanh":
        T = np.tanh(A, out=A)
        D = np.multiply(T, T)
        return T, np.subtract(1.0, D, out=D)
    if name == "sin":
        D = np.cos(A)
        return np.sin(A, out=A), D
    if name == "relu":
        D = (A > 0).astype(np.float64)
        return np.maximum(A, 0.0, out=A), D
    return A, np.ones_like(A)


def _second_derivative(name: str, A: np.ndarray, Z: np.ndarray, dZ: np.ndarray) -> np.ndarray:
    """sigma''(A) given Z = sigma(A) and dZ = sigma'(A) (0 for relu, defined almost everywhere)."""
    if name == "sin":
        return -Z
    if name == "tanh":
        return -2.0 * Z * dZ
    return np.zeros_like(A)


def activation(name: str) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    r"""The activation ``name`` as a function ``A -> (sigma(A), sigma'(A))`` (entrywise).

    ``"sin"``: :math:`\sin, \cos`; ``"tanh"``: :math:`\tanh, 1 - \tanh^2`; ``"relu"``:
    :math:`\max(a, 0)` and the Heaviside step (0 at :math:`a = 0`); ``"identity"``: :math:`a, 1`.

    Parameters
    ----------
    name : {"sin", "tanh", "relu", "identity"}
        The names in :data:`ACTIVATIONS`.

    Returns
    -------
    callable
        ``A -> (sigma(A), sigma'(A))``, both of the shape of ``A``.

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists :data:`ACTIVATIONS`).

    References
    ----------
    Ruthotto and Haber, Module 4 (activation functions).

    Examples
    --------
    >>> activation("tanh")(np.array([0.0]))
    (array([0.]), array([1.]))
    """
    if name not in _ACT:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return _ACT[name]


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------
def _check_width(width) -> int:
    if isinstance(width, bool) or int(width) != width or int(width) < 1:
        raise ValueError(f"width (number of hidden neurons) must be a positive integer, got {width}")
    return int(width)


def _one_hot(y: np.ndarray, C: int) -> np.ndarray:
    Y = np.zeros((y.size, C))
    Y[np.arange(y.size), y] = 1.0
    return Y


# --------------------------------------------------------------------------------------------
# the objective
# --------------------------------------------------------------------------------------------
class SingleLayer(_MiniBatchClassifier, Objective):
    r"""Training objective of a single-layer network on fixed data, on the flat vector ``theta``.

    Model :math:`O = \sigma(X K + \mathbf 1 b^\top) W + \mathbf 1 c^\top` (see the module docstring) with
    ``theta = concatenate([K.ravel(), b, W.ravel(), c])``. Gradient by backpropagation: with
    :math:`\delta O = \frac1n (S - Y)` (softmax, :math:`S = \mathrm{softmax}(O)`) or :math:`\frac1n (O - Y)`
    (squared),

    .. math::
        \nabla_W f = Z^\top \delta O + \alpha W,\quad \nabla_c f = \delta O^\top \mathbf 1,\quad
        \delta A = (\delta O\, W^\top) \odot \sigma'(A),\quad
        \nabla_K f = X^\top \delta A + \alpha K,\quad \nabla_b f = \delta A^\top \mathbf 1 .

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
        Training data, samples as rows.
    y : ndarray
        Integer labels ``0..C-1`` of shape ``(n_samples,)``, or a float target matrix of shape
        ``(n_samples, C)`` (then the labels are its row-wise argmax): any targets with ``loss="squared"``,
        class probabilities (rows non-negative, summing to 1) with ``loss="softmax"``, whose loss is then the
        cross-entropy :math:`-\frac1n \sum_i y_i^\top \log\mathrm{softmax}(o_i)` against them (the course's
        :math:`C_{\rm obs}`).
    width : int
        Number of hidden neurons ``m``.
    activation : {"sin", "tanh", "relu", "identity"}
    loss : {"softmax", "squared"}
    alpha : float
        Tikhonov weight on ``K`` and ``W`` (``>= 0``).
    n_classes : int, optional
        Number of classes ``C`` (default ``max(y) + 1``).

    Notes
    -----
    Least-squares interface (``loss="squared"``), used by :func:`numdl_core.optim.gauss_newton`:
    the residual

    .. math:: r(\theta) = \big[\tfrac{1}{\sqrt n}\,\mathrm{vec}(O - Y);\ \sqrt\alpha\,\mathrm{vec}(K);\ \sqrt\alpha\,\mathrm{vec}(W)\big]

    (length :math:`nC + dm + mC`, blocks raveled in C order, present also when :math:`\alpha = 0`)
    satisfies :math:`f = \frac12\|r\|^2`; :meth:`jac_vec` and :meth:`jac_t_vec` apply its Jacobian
    :math:`J` and :math:`J^\top` without forming them (one linearized forward / one adjoint pass).

    Attributes
    ----------
    X : ndarray, shape (n_samples, n_features)
    y : ndarray of int64, shape (n_samples,)
    Y : ndarray, shape (n_samples, n_classes)
        One-hot labels, or the given target matrix.
    soft : bool
        ``True`` for a softmax network on a matrix of class probabilities.
    width, n_classes, n_samples, n_features : int
    n_params : int
        ``d m + m + m C + C``.
    n_hidden_params : int
        ``d m + m`` (the ``K, b`` part).
    n_residuals : int
        ``n C + d m + m C``.
    activation, loss : str
    alpha : float

    Raises
    ------
    ValueError
        If ``activation`` or ``loss`` is unknown, ``X`` or ``y`` is malformed (non-finite, wrong shapes,
        labels out of range, fewer than 2 classes), a target matrix for ``loss="softmax"`` does not hold
        probabilities, ``width``
        is not a positive integer, or ``alpha < 0``.

    References
    ----------
    Ruthotto and Haber, Module 4 (single-layer networks); Nocedal and Wright (2006), Sec. 10.3 (least squares).

    Examples
    --------
    >>> from numdl_core.checks import derivative_check
    >>> from numdl_core.data import make_dataset
    >>> X, y = make_dataset("moons", 40)
    >>> net = SingleLayer(X, y, 5, activation="tanh", alpha=1e-3)
    >>> derivative_check(net.value_and_grad, net.init_theta(0), hess_vec=net.hess_vec).passed
    True
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        width: int,
        *,
        activation: str = "tanh",
        loss: str = "softmax",
        alpha: float = 0.0,
        n_classes: int | None = None,
    ):
        if activation not in _ACT:
            raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
        self.X = check_X(X)
        n, d = self.X.shape
        yy = np.asarray(y)
        self.soft = False
        if yy.ndim == 2:
            if yy.shape[0] != n or not np.all(np.isfinite(yy)):
                raise ValueError(f"the target matrix must have {n} finite rows, got shape {yy.shape}")
            if loss == "softmax":
                if np.any(yy < 0) or not np.allclose(yy.sum(axis=1), 1.0, rtol=0.0, atol=1e-8):
                    raise ValueError("with loss='softmax' a target matrix y of shape (n_samples, C) must hold "
                                     "probabilities (non-negative rows that sum to 1); or pass integer labels")
                self.soft = True
            self.Y = np.array(yy, dtype=np.float64)
            if n_classes is not None and int(n_classes) != self.Y.shape[1]:
                raise ValueError(f"n_classes = {n_classes} but the target matrix has {self.Y.shape[1]} columns")
            self.n_classes = self.Y.shape[1]
            self.y = np.argmax(self.Y, axis=1).astype(np.int64)
        else:
            self.y = check_labels(yy, n, n_classes)
            self.n_classes = int(n_classes) if n_classes is not None else int(self.y.max()) + 1
            if self.n_classes < 2:
                raise ValueError(f"a classifier needs at least 2 classes, got n_classes = {self.n_classes}")
            self.Y = _one_hot(self.y, self.n_classes)
        self.width = _check_width(width)
        self.activation = activation
        self.loss = loss
        self.alpha = check_nonneg("alpha", alpha)
        self.n_samples, self.n_features = n, d
        m, C = self.width, self.n_classes
        self._layout(("K", (d, m)), ("b", (m,)), ("W", (m, C)), ("c", (C,)))
        self.n_hidden_params = d * m + m
        self.n_residuals = n * C + d * m + m * C
        self._act = _ACT[activation]

    # ---- layout: split and join, from _Classifier -------------------------------------------
    def init_theta(self, seed: int | np.random.Generator = 0, scale: float = 1.0) -> np.ndarray:
        """A random starting point: ``K, b`` from :func:`random_hidden` (with ``scale``), ``W`` with
        N(0, 1/m) entries, ``c = 0``.

        Parameters
        ----------
        seed : int or numpy.random.Generator
        scale : float
            Scale of ``K, b`` (see :func:`random_hidden`).

        Returns
        -------
        theta : ndarray, shape (n_params,)
        """
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        K, b = random_hidden(self.n_features, self.width, seed=rng, scale=scale)
        W = rng.standard_normal((self.width, self.n_classes)) / np.sqrt(self.width)
        return self.join(K, b, W, np.zeros(self.n_classes))

    # ---- forward ----------------------------------------------------------------------------
    def features(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        r"""Hidden features :math:`Z = \sigma(X K + \mathbf 1 b^\top)`.

        Parameters
        ----------
        theta, X : as for :meth:`logits`

        Returns
        -------
        Z : ndarray, shape (n, m)
            The activations of the ``m`` hidden neurons, one row per sample.
        """
        K, b, _, _ = self.split(theta)
        return self._features(K, b, self._data(X))

    def _features(self, K, b, X) -> np.ndarray:
        A = X @ K
        A += b
        return _VALUE_INPLACE[self.activation](A)

    outputs = _Classifier.logits  # the network outputs are the logits

    def _logits(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        K, b, W, c = self.split(theta)
        O = self._features(K, b, X) @ W
        O += c
        return O

    def _reg(self, K, W) -> float:
        return 0.5 * self.alpha * (float(np.sum(K * K)) + float(np.sum(W * W)))

    def _loss_grad(self, theta, X, y, Y, grad: bool = True):
        """Mean loss over the rows of X (no regularizer) and the gradient of it.

        Written for speed (it runs for every mini-batch of SGD): ``theta`` is checked by the caller, and the
        n x m temporaries are reused in place. Every operation is the one of the plain formulas, in the same
        order, so the numbers are the same to the last bit (training trajectories are sensitive to round-off).
        """
        K, b, W, c = self._split(theta)
        n = X.shape[0]
        A = X @ K
        A += b
        Z, dZ = _act_inplace(self.activation, A)
        O = Z @ W
        O += c
        if self.loss == "softmax":
            L = log_softmax(O)
            f = -float(np.sum(Y * L)) / n if self.soft else -float(np.mean(L[np.arange(n), y]))
            dO = np.exp(L, out=L)
            dO -= Y
            dO /= n
        else:
            dO = np.subtract(O, Y, out=O)  # the residual R = O - Y
            f = 0.5 * float(np.sum(dO * dO)) / n
            dO /= n
        if not grad:
            return f, None
        e, (d, m), C = self._ends, K.shape, self.n_classes
        g = np.empty(self.n_params)
        np.matmul(Z.T, dO, out=g[e[1]: e[2]].reshape(m, C))
        g[e[2]:] = dO.sum(axis=0)
        dA = dO @ W.T
        dA *= dZ
        np.matmul(X.T, dA, out=g[: e[0]].reshape(d, m))
        g[e[0]: e[1]] = dA.sum(axis=0)
        return f, g

    def _add_reg(self, theta, f, g):
        K, _, W, _ = self._split(theta)
        f = f + self._reg(K, W)
        if g is not None and self.alpha > 0:
            e = self._ends
            g[: e[0]] += self.alpha * theta[: e[0]]
            g[e[1]: e[2]] += self.alpha * theta[e[1]: e[2]]
        return f, g

    def value(self, theta: np.ndarray) -> float:
        r"""The objective :math:`f(\theta)` on the training data (loss plus :math:`\frac\alpha2(\|K\|_F^2 + \|W\|_F^2)`),
        without the gradient (one forward pass).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
            The blocks ``K, b, W, c`` (:meth:`split`).

        Returns
        -------
        float
        """
        theta = self._check_theta(theta)
        f, _ = self._loss_grad(theta, self.X, self.y, self.Y, grad=False)
        return self._add_reg(theta, f, None)[0]

    # documented in Objective; the formulas are in the class docstring
    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        theta = self._check_theta(theta)
        f, g = self._loss_grad(theta, self.X, self.y, self.Y)
        return self._add_reg(theta, f, g)

    def hess_vec(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        r"""Exact Hessian-vector product :math:`\nabla^2 f(\theta) v` (forward-over-reverse differentiation).

        Differentiating the backpropagation formulas along :math:`v = (v_K, v_b, v_W, v_c)`:
        :math:`\dot A = X v_K + \mathbf 1 v_b^\top`, :math:`\dot Z = \sigma'(A)\odot\dot A`,
        :math:`\dot O = \dot Z W + Z v_W + \mathbf 1 v_c^\top`, :math:`\dot{\delta O} = \frac1n (S\odot\dot O - S\odot
        (S\odot\dot O)\mathbf 1\mathbf 1^\top)` (softmax) or :math:`\frac1n\dot O` (squared), then
        :math:`\dot{\delta A} = (\dot{\delta O} W^\top + \delta O\, v_W^\top)\odot\sigma'(A) +
        (\delta O W^\top)\odot\sigma''(A)\odot\dot A` and
        :math:`H v = [X^\top\dot{\delta A} + \alpha v_K;\ \dot{\delta A}^\top\mathbf 1;\
        \dot Z^\top\delta O + Z^\top\dot{\delta O} + \alpha v_W;\ \dot{\delta O}^\top\mathbf 1]`.
        The Hessian is indefinite away from a minimum (the problem is not convex); used by
        :func:`numdl_core.optim.newton_cg`. For ``"relu"`` :math:`\sigma'' = 0` (almost everywhere).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        v : ndarray, shape (n_params,)
            Direction, laid out as ``theta``.

        Returns
        -------
        ndarray, shape (n_params,)

        References
        ----------
        Nocedal and Wright (2006), Sec. 8.2 (automatic differentiation);
        B. A. Pearlmutter, Fast exact multiplication by the Hessian, Neural Computation 6 (1994).
        """
        theta = self._check_theta(theta)
        K, b, W, c = self.split(theta)
        vK, vb, vW, vc = self.split(np.asarray(v, dtype=np.float64).ravel())
        X, n = self.X, self.n_samples
        A = X @ K + b
        Z, dZ = self._act(A)
        O = Z @ W + c
        Ad = X @ vK + vb
        Zd = dZ * Ad
        Od = Zd @ W + Z @ vW + vc
        if self.loss == "softmax":
            S = softmax(O)
            dO = (S - self.Y) / n
            SOd = S * Od
            dOd = (SOd - S * SOd.sum(axis=1, keepdims=True)) / n
        else:
            dO = (O - self.Y) / n
            dOd = Od / n
        G = dO @ W.T
        dAd = (dOd @ W.T + dO @ vW.T) * dZ + G * _second_derivative(self.activation, A, Z, dZ) * Ad
        hK = X.T @ dAd + self.alpha * vK
        hW = Zd.T @ dO + Z.T @ dOd + self.alpha * vW
        return np.concatenate([hK.ravel(), dAd.sum(axis=0), hW.ravel(), dOd.sum(axis=0)])

    def _batch_loss_grad(self, theta: np.ndarray, idx: np.ndarray):  # for batch_value_and_grad
        f, g = self._loss_grad(theta, self.X[idx], self.y[idx] if self.loss == "softmax" and not self.soft else None,
                               self.Y[idx])
        return self._add_reg(theta, f, g)

    def data_loss(self, theta: np.ndarray, X: np.ndarray | None = None, y: np.ndarray | None = None) -> float:
        """Mean loss (no regularizer) on ``X, y`` (e.g. validation data; training data by default).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        X : ndarray, shape (n, d), optional
        y : ndarray, optional
            Labels of shape (n,); for ``loss="squared"`` also a target matrix of shape (n, C). Both or neither.

        Returns
        -------
        float

        Raises
        ------
        ValueError
            If only one of ``X``, ``y`` is given, or they are malformed.
        """
        theta = self._check_theta(theta)
        if (X is None) != (y is None):
            raise ValueError("pass both X and y (validation data) or neither (training data)")
        if X is None:
            return self._loss_grad(theta, self.X, self.y, self.Y, grad=False)[0]
        X = check_X(X, n_features=self.n_features)
        yy = np.asarray(y)
        if yy.ndim == 2 and (self.loss == "squared" or self.soft):
            if yy.shape != (X.shape[0], self.n_classes):
                raise ValueError(f"the target matrix must have shape {(X.shape[0], self.n_classes)}, got {yy.shape}")
            Y = yy.astype(np.float64)
            lab = np.argmax(Y, axis=1)
        else:
            lab = check_labels(yy, X.shape[0], self.n_classes)
            Y = _one_hot(lab, self.n_classes)
        return self._loss_grad(theta, X, lab, Y, grad=False)[0]

    # ---- generalized Gauss-Newton (both losses) ----------------------------------------------
    def gauss_newton_matvec(self, theta: np.ndarray, block: str = "all") -> Callable[[np.ndarray], np.ndarray]:
        r"""The generalized Gauss-Newton matrix at ``theta`` as a function ``v -> G v`` (one forward pass, reused).

        With :math:`J = \partial\,\mathrm{vec}(O) / \partial\theta` the Jacobian of the network outputs and
        :math:`\nabla^2_O \ell` the Hessian of the loss in the outputs (block diagonal over the samples),

        .. math::
            G = J^\top \nabla^2_O \ell\, J + \alpha\, \mathrm{diag}(I_K, 0_b, I_W, 0_c), \qquad
            \nabla^2_{o_i} \ell = \tfrac1n \big(\mathrm{diag}(p_i) - p_i p_i^\top\big) \ \text{(softmax)}, \quad
            \tfrac1n I \ \text{(squared)},

        :math:`p_i = \mathrm{softmax}(o_i)`. It drops the terms of the exact Hessian with the second derivatives
        of the network (:math:`\sigma''` and the product :math:`W \cdot K`), keeps the curvature of the loss,
        and is symmetric positive semidefinite (both loss Hessians are). For ``"squared"`` it is
        :math:`J_r^\top J_r` of the least-squares interface. ``block="hidden"`` restricts it to ``u = (K, b)``:
        ``v`` and ``G v`` have ``n_hidden_params`` entries (the output weights held fixed; what variable
        projection uses).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
            The point of the linearization.
        block : {"all", "hidden"}

        Returns
        -------
        callable
            ``v -> G v``.

        Raises
        ------
        ValueError
            For an unknown ``block``; (when called) for a ``v`` of the wrong length.

        References
        ----------
        N. N. Schraudolph, Fast curvature matrix-vector products for second-order gradient descent, Neural
        Computation 14 (2002) 1723-1738 (generalized Gauss-Newton); Ruthotto and Haber, Module 4
        (Gauss-Newton for the cross-entropy, :math:`J^\top \nabla^2 E\, J`).
        """
        if block not in ("all", "hidden"):
            raise ValueError(f"block must be 'all' or 'hidden', got {block!r}")
        theta = self._check_theta(theta)
        K, b, W, c = self.split(theta)
        X, n = self.X, self.n_samples
        d, m, C = self.n_features, self.width, self.n_classes
        A = X @ K
        A += b
        Z, dZ = _act_inplace(self.activation, A)
        P = None
        if self.loss == "softmax":
            P = Z @ W
            P += c
            P = softmax(P)
        nh, e, alpha = self.n_hidden_params, self._ends, self.alpha

        def matvec(v):
            v = np.asarray(v, dtype=np.float64).ravel()
            size = nh if block == "hidden" else self.n_params
            if v.size != size:
                raise ValueError(f"v must have {size} entries, got {v.size}")
            vK, vb = v[: d * m].reshape(d, m), v[d * m: nh]
            dA = X @ vK
            dA += vb
            dA *= dZ
            dO = dA @ W
            if block == "all":
                vW, vc = v[e[1]: e[2]].reshape(m, C), v[e[2]:]
                dO += Z @ vW
                dO += vc
            if P is not None:  # (diag(p) - p p^T) do, row by row
                PdO = P * dO
                dO = PdO - P * PdO.sum(axis=1, keepdims=True)
            dO /= n
            dA = dO @ W.T
            dA *= dZ
            out = np.empty(size)
            out[: d * m] = (X.T @ dA + alpha * vK).ravel()
            out[d * m: nh] = dA.sum(axis=0)
            if block == "all":
                out[e[1]: e[2]] = (Z.T @ dO + alpha * vW).ravel()
                out[e[2]:] = dO.sum(axis=0)
            return out

        return matvec

    # ---- least-squares interface (Gauss-Newton) ---------------------------------------------
    def _need_squared(self, what: str) -> None:
        if self.loss != "squared":
            raise TypeError(f"{what} is defined for the least-squares loss only; build the network with loss='squared'")

    def residual(self, theta: np.ndarray) -> np.ndarray:
        r"""The residual :math:`r(\theta)` with :math:`f = \frac12\|r\|^2` (see the class Notes).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        r : ndarray, shape (n_residuals,)

        Raises
        ------
        TypeError
            If the network was not built with ``loss="squared"``.
        """
        self._need_squared("residual")
        K, b, W, c = self.split(theta)
        R = self._features(K, b, self.X) @ W
        R += c
        R -= self.Y
        sa = np.sqrt(self.alpha)
        return np.concatenate([R.ravel() / np.sqrt(self.n_samples), sa * K.ravel(), sa * W.ravel()])

    def linearize(self, theta: np.ndarray) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
        """``(Jv, JTw)``: the products of :meth:`jac_vec` and :meth:`jac_t_vec` at a fixed ``theta`` as
        functions of ``v`` and ``w``, reusing one forward pass (what :func:`numdl_core.optim.gauss_newton`
        calls in its CG loop).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
            The point of the linearization.

        Returns
        -------
        Jv : callable
            ``v (n_params,) -> J v (n_residuals,)``.
        JTw : callable
            ``w (n_residuals,) -> J^T w (n_params,)``.

        Raises
        ------
        TypeError
            If the network was not built with ``loss="squared"``.
        ValueError
            (when called) If ``v`` or ``w`` has the wrong number of entries.
        """
        self._need_squared("linearize")
        K, b, W, _ = self.split(theta)
        W = W.copy()
        X = self.X
        n, d, m, C = self.n_samples, self.n_features, self.width, self.n_classes
        A = X @ K
        A += b
        Z, dZ = _act_inplace(self.activation, A)
        sn, sa = np.sqrt(n), np.sqrt(self.alpha)
        nC, e = n * C, self._ends
        scratch = np.empty((n, m))  # dA of each product: one buffer for all of them (no fresh n x m array)

        def Jv(v):
            v = self._check_theta(np.asarray(v, dtype=np.float64).ravel())
            vK, vb, vW, vc = self._split(v)
            out = np.empty(self.n_residuals)
            dA = np.matmul(X, vK, out=scratch)
            dA += vb
            dA *= dZ
            dO = dA @ W
            dO += Z @ vW
            dO += vc
            np.divide(dO, sn, out=out[:nC].reshape(n, C))
            np.multiply(sa, vK, out=out[nC: nC + d * m].reshape(d, m))
            np.multiply(sa, vW, out=out[nC + d * m:].reshape(m, C))
            return out

        def JTw(w):
            w = np.asarray(w, dtype=np.float64).ravel()
            if w.size != self.n_residuals:
                raise ValueError(f"w must have n_residuals = {self.n_residuals} entries, got {w.size}")
            dO = w[:nC].reshape(n, C) / sn
            wK = w[nC: nC + d * m].reshape(d, m)
            wW = w[nC + d * m:].reshape(m, C)
            dA = np.matmul(dO, W.T, out=scratch)
            dA *= dZ
            g = np.empty(self.n_params)
            gK = np.matmul(X.T, dA, out=g[: e[0]].reshape(d, m))
            gK += sa * wK
            g[e[0]: e[1]] = dA.sum(axis=0)
            gW = np.matmul(Z.T, dO, out=g[e[1]: e[2]].reshape(m, C))
            gW += sa * wW
            g[e[2]:] = dO.sum(axis=0)
            return g

        return Jv, JTw

    def jac_vec(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        r""":math:`J v` for a parameter direction ``v``:
        :math:`\delta O = ((X v_K + \mathbf 1 v_b^\top) \odot \sigma'(A)) W + Z v_W + \mathbf 1 v_c^\top`,
        returned as :math:`[\delta O / \sqrt n;\ \sqrt\alpha v_K;\ \sqrt\alpha v_W]` (raveled).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        v : ndarray, shape (n_params,)
            Laid out as ``theta``: ``(v_K, v_b, v_W, v_c)``.

        Returns
        -------
        ndarray, shape (n_residuals,)
            Laid out as the residual :meth:`residual`.

        Raises
        ------
        TypeError
            If the network was not built with ``loss="squared"``.
        """
        return self.linearize(theta)[0](v)

    def jac_t_vec(self, theta: np.ndarray, w: np.ndarray) -> np.ndarray:
        r""":math:`J^\top w` for ``w`` in residual space:
        with :math:`\delta O = w_O/\sqrt n`, :math:`\delta A = (\delta O W^\top) \odot \sigma'(A)`, returns
        :math:`[X^\top \delta A + \sqrt\alpha w_K;\ \delta A^\top \mathbf 1;\ Z^\top \delta O + \sqrt\alpha w_W;\ \delta O^\top \mathbf 1]`.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        w : ndarray, shape (n_residuals,)
            ``[w_O (n x C); w_K (d x m); w_W (m x C)]``, raveled.

        Returns
        -------
        ndarray, shape (n_params,)
            Laid out as ``theta``.

        Raises
        ------
        TypeError
            If the network was not built with ``loss="squared"``.
        """
        return self.linearize(theta)[1](w)


def random_hidden(
    n_features: int, width: int, *, seed: int | np.random.Generator = 0, scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Random hidden layer: :math:`K_{ij} \sim N(0, s^2)`, :math:`b_j \sim U(-\pi s, \pi s)`, :math:`s` = ``scale``.

    For ``"sin"`` these are random Fourier features (Rahimi and Recht 2007); for ``tanh``/``relu``
    random hyperplanes :math:`x^\top k_j + b_j = 0` crossing the data region. Huang et al. (2006) draw
    uniform weights; the conclusions are the same. The same ``seed`` gives the same pre-activations for
    every activation.

    Parameters
    ----------
    n_features : int
        ``d``.
    width : int
        ``m``, a positive integer.
    seed : int or numpy.random.Generator
    scale : float
        ``s > 0``.

    Returns
    -------
    K : ndarray, shape (n_features, width)
    b : ndarray, shape (width,)

    Raises
    ------
    ValueError
        If ``width`` is not a positive integer or ``scale`` is not positive.

    References
    ----------
    Huang, Zhu and Siew (2006); A. Rahimi and B. Recht, Random features for large-scale kernel machines,
    NIPS 2007.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    width = _check_width(width)
    scale = check_positive("scale", scale)
    K = scale * rng.standard_normal((int(n_features), width))
    b = scale * rng.uniform(-np.pi, np.pi, width)
    return K, b

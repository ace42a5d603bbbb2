r"""A residual network classifier for 2-D data: an opening layer, a residual network integrated with a chosen
time integrator, and a softmax classifier (Module 7 of the course, slides ``07-NumDNN-ResNets.tex``; the course's
``ResNetObjFun.m`` and ``EResNet_Peaks*.m``).

With **samples as rows** (the course stores them as columns and writes :math:`\mathbf K_j \mathbf Y_j`):

.. math::
    Y_0 = \sigma(X K_{\rm in} + \mathbf 1 b_{\rm in}^\top), \qquad
    Y_{j+1} = \Phi_h(Y_j; K_j, b_j), \quad j = 0, \ldots, N-1, \qquad O = Y_N W + \mathbf 1 c^\top,

where :math:`\Phi_h` is one step of size :math:`h = T/N` of the integrator ``scheme`` applied to
:math:`\dot Y = \sigma(Y K(t) + b(t))` (``"euler"``: :math:`\Phi_h(Y) = Y + h\sigma(Y K_j + \mathbf 1 b_j^\top)`,
the ResNet), computed by :func:`numdl_core.resnet.forward`. The objective is the mean softmax cross-entropy

.. math::
    f(\theta) = -\frac1n \sum_{i=1}^n \log \mathrm{softmax}(o_i)_{y_i}
    + \frac\alpha2 \Big(\|K_{\rm in}\|_F^2 + h \sum_{j=0}^{N-1} \|K_j\|_F^2 + \|W\|_F^2\Big)
    + \frac\beta{2h} \sum_{j=0}^{N-2} \big(\|K_{j+1} - K_j\|_F^2 + \|b_{j+1} - b_j\|_F^2\big),

a Tikhonov term (``alpha``; the course's :math:`\lambda`, ``paramReg.lambda``; the factor :math:`h` makes it
the quadrature of :math:`\int_0^T \|K(t)\|^2\,dt`, independent of :math:`N`) and the smoothness-in-time term
(``smooth`` :math:`= \beta`; the course's ``opTimeDer``: the quadrature of :math:`\int_0^T \|\dot K\|^2 +
\|\dot b\|^2 dt`). Biases are not in the Tikhonov term.

``theta = concatenate([K_in.ravel(), b_in, K.ravel(), b.ravel(), W.ravel(), c])`` with ``K_in`` of shape
``(d, width)``, ``K`` of shape ``(N, width, width)``, ``b`` of shape ``(N, width)``, ``W`` of shape
``(width, n_classes)`` (C order). The gradient is backpropagation: the softmax layer, the discrete adjoint of the
integrator (:func:`numdl_core.resnet.backward`), then the opening layer.

Differences from the course's ``EResNet_Peaks*.m``: its opening layer is :math:`Y_1 = h\sigma(K_1 Y_0 + b_1)`
(a layer with :math:`P = 0`); we drop the factor :math:`h`, so the lifted features do not shrink when the depth
grows at fixed :math:`T`. Its residual weights all start equal (one random :math:`K`); ours are drawn
independently (:meth:`ResNetClassifier.init_theta`).

References
----------
E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018) 014004.
K. He, X. Zhang, S. Ren and J. Sun, Deep residual learning for image recognition, CVPR 2016.
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 7 (slides 07-NumDNN-ResNets.tex; course
code ``ResNetForward.m``, ``ResNetObjFun.m``, ``EResNet_PeaksSGD.m``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numdl_core import resnet
from numdl_core._validate import check_count, check_labels, check_nonneg, check_X
from numdl_core.classify import _MiniBatchClassifier, log_softmax
from numdl_core.mlp import DeepProblem
from numdl_core.optim import Objective

__all__ = ["schemes", "architectures", "activations", "ResNetClassifier", "feature_projection", "ResNetProblem",
           "training_problem"]


def schemes() -> tuple[str, ...]:
    """The integrators the classifier can train with: every scheme of :data:`numdl_core.resnet.SCHEMES` whose
    discrete adjoint :mod:`numdl_core.resnet` provides (all of them with ``resnet.backward``; forward Euler with
    ``resnet.backward_euler``).

    Returns
    -------
    tuple of str
        Scheme names, ``"euler"`` first.

    References
    ----------
    Haber and Ruthotto (2018), Sec. 3-4 (integrators as architectures).

    Examples
    --------
    >>> schemes()[0]
    'euler'
    """
    if callable(getattr(resnet, "backward", None)):
        return tuple(resnet.SCHEMES)
    return tuple(s for s in resnet.SCHEMES if s == "euler")


def architectures() -> tuple[str, ...]:
    r"""The right-hand sides :math:`f(Y; K, b)` of :data:`numdl_core.resnet.ARCHITECTURES` (``"standard"``
    :math:`\sigma(YK + \mathbf 1 b^\top)` only, while :mod:`numdl_core.resnet` has no such list).

    Returns
    -------
    tuple of str
        ``"standard"`` first; e.g. also ``"antisymmetric"`` (:math:`K - K^\top - \gamma I`) and ``"parabolic"``
        (:math:`-\sigma(YK + \mathbf 1 b^\top) K^\top`).

    References
    ----------
    Haber and Ruthotto (2018), Sec. 3 (stable architectures).

    Examples
    --------
    >>> architectures()[0]
    'standard'
    """
    return tuple(getattr(resnet, "ARCHITECTURES", ("standard",)))


def activations() -> tuple[str, ...]:
    """The activations :math:`\\sigma` of :data:`numdl_core.resnet.ACTIVATIONS` (names, in their order).

    Returns
    -------
    tuple of str

    References
    ----------
    Ruthotto and Haber, Module 5 (activation functions).

    Examples
    --------
    >>> "tanh" in activations()
    True
    """
    return tuple(resnet.ACTIVATIONS)


def _adjoint(Y, K, b, h, dYL, activation, scheme, options):
    """The discrete adjoint of the integrator: (dY0, dK, db)."""
    if callable(getattr(resnet, "backward", None)):
        return resnet.backward(Y, K, b, h, dYL, activation=activation, scheme=scheme, **options)
    return resnet.backward_euler(Y, K, b, h, dYL, activation=activation)


class ResNetClassifier(_MiniBatchClassifier, Objective):
    r"""The residual network classifier of this module as an objective on a flat parameter vector.

    .. math::
        Y_0 = \sigma(X K_{\rm in} + \mathbf 1 b_{\rm in}^\top), \quad Y_{j+1} = \Phi_h(Y_j; K_j, b_j), \quad
        O = Y_N W + \mathbf 1 c^\top, \quad h = T / N,

    with the softmax cross-entropy, Tikhonov (``alpha``) and smoothness-in-time (``smooth``) terms of the module
    docstring. Layout of ``theta``: ``K_in`` ``(d, width)``, ``b_in`` ``(width,)``, ``K`` ``(N, width, width)``,
    ``b`` ``(N, width)``, ``W`` ``(width, n_classes)``, ``c`` ``(n_classes,)``; :meth:`split` returns them.

    Parameters
    ----------
    X : ndarray, shape (n_samples, d)
    y : ndarray of int, shape (n_samples,)
        Labels ``0..n_classes-1``.
    n_classes : int
    width : int
        Features per layer (the course's ``nc``).
    depth : int
        Number of residual layers :math:`N` (time steps).
    T : float
        Final time; the step is :math:`h = T / N`.
    scheme : str
        Integrator, one of :func:`schemes`.
    activation : str
        One of :func:`activations`; also the opening layer's.
    alpha : float
        Tikhonov weight :math:`\alpha \ge 0` (the course's :math:`\lambda`).
    smooth : float
        Smoothness-in-time weight :math:`\beta \ge 0`.
    architecture : str
        The right-hand side, one of :func:`architectures` (``"antisymmetric"`` uses :math:`K_j - K_j^\top -
        \gamma I`, ``"parabolic"`` :math:`-\sigma(Y K_j + \mathbf 1 b_j^\top) K_j^\top`).
    gamma : float
        The shift :math:`\gamma` of the antisymmetric architecture.

    Attributes
    ----------
    X, y, n_classes, width, depth, T, h, scheme, activation, alpha, smooth, architecture, gamma
    n_samples, n_features, n_params : int

    Raises
    ------
    ValueError
        For malformed data, a non-positive width, depth or ``T``, an unknown scheme or activation, or a negative
        ``alpha`` or ``smooth``.

    References
    ----------
    Haber and Ruthotto (2018); Ruthotto and Haber, Module 7 (``ResNetObjFun.m``).

    Examples
    --------
    >>> from numdl_core.data import make_dataset
    >>> X, y = make_dataset("swissroll", 40, noise=0.0)
    >>> m = ResNetClassifier(X, y, 2, width=4, depth=8, T=2.0)
    >>> m.h, m.n_params
    (0.25, 182)
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, n_classes: int, *, width: int = 8, depth: int = 16,
                 T: float = 4.0, scheme: str = "euler", activation: str = "tanh", alpha: float = 0.0,
                 smooth: float = 0.0, architecture: str = "standard", gamma: float = 0.0):
        self.X = check_X(X)
        n, d = self.X.shape
        self.n_classes = check_count("n_classes", n_classes, 2)
        self.y = check_labels(y, n, self.n_classes)
        self.width = check_count("width", width)
        self.depth = check_count("depth", depth)
        T = float(T)
        if not np.isfinite(T) or T <= 0:
            raise ValueError(f"the final time T must be a positive number, got {T}")
        if scheme not in schemes():
            raise ValueError(f"unknown scheme {scheme!r}; choose one of {', '.join(schemes())}")
        if activation not in resnet.ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(activations())}")
        if architecture not in architectures():
            raise ValueError(f"unknown architecture {architecture!r}; choose one of {', '.join(architectures())}")
        gamma = float(gamma)
        if not np.isfinite(gamma):
            raise ValueError(f"gamma must be a finite number, got {gamma}")
        self.T, self.h, self.scheme, self.activation = T, T / self.depth, scheme, activation
        self.architecture, self.gamma = architecture, gamma
        # keywords of numdl_core.resnet beyond the scheme (none while it knows only the standard architecture)
        self._options = {"architecture": architecture, "gamma": gamma} if hasattr(resnet, "ARCHITECTURES") else {}
        self.alpha = check_nonneg("alpha", alpha)
        self.smooth = check_nonneg("smooth", smooth)
        self.n_samples, self.n_features = n, d
        w, N = self.width, self.depth
        self._layout(("K_in", (d, w)), ("b_in", (w,)), ("K", (N, w, w)), ("b", (N, w)),
                     ("W", (w, self.n_classes)), ("c", (self.n_classes,)))

    # ---------------------------------------------------------------- forward
    def _states(self, blocks, X):
        K_in, b_in, K, b = blocks[:4]
        A0 = X @ K_in + b_in
        act = resnet.ACTIVATIONS[self.activation][0]  # looked up, not stored: the model stays picklable
        Y = resnet.forward(act(A0), K, b, self.h, activation=self.activation, scheme=self.scheme,
                           **self._options)
        return A0, Y

    def states(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        r"""The features at every layer: :math:`Y_0` (after the opening layer), :math:`Y_1, \ldots, Y_N`.

        Parameters
        ----------
        theta, X
            As in :meth:`numdl_core.mlp.MLP.states` (``X`` None: the training data).

        Returns
        -------
        ndarray, shape (N+1, m, width)
        """
        return self._states(self._split(self._check_theta(theta)), self._data(X))[1]

    def _logits(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        blocks = self._split(self._check_theta(theta))
        return self._states(blocks, X)[1][-1] @ blocks[4] + blocks[5]

    # ---------------------------------------------------------------- loss and backpropagation
    def _loss_grad(self, theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        K_in, b_in, K, b, W, c = blocks = self._split(theta)
        A0, Y = self._states(blocks, X)
        logp = log_softmax(Y[-1] @ W + c)
        n = X.shape[0]
        f = -float(np.mean(logp[np.arange(n), y]))
        dO = np.exp(logp)
        dO[np.arange(n), y] -= 1.0
        dO /= n
        dY0, dK, db = _adjoint(Y, K, b, self.h, dO @ W.T, self.activation, self.scheme, self._options)
        G0 = dY0 * resnet.ACTIVATIONS[self.activation][1](A0)
        grads = [X.T @ G0, G0.sum(axis=0), dK, db, Y[-1].T @ dO, dO.sum(axis=0)]
        if self.alpha:
            a, h = self.alpha, self.h
            f += 0.5 * a * (float(np.sum(K_in ** 2)) + h * float(np.sum(K ** 2)) + float(np.sum(W ** 2)))
            grads[0] = grads[0] + a * K_in
            grads[2] = grads[2] + a * h * K
            grads[4] = grads[4] + a * W
        if self.smooth and self.depth > 1:
            s = self.smooth / self.h
            for i, P in ((2, K), (3, b)):
                D = np.diff(P, axis=0)  # P_{j+1} - P_j
                f += 0.5 * s * float(np.sum(D ** 2))
                g = np.zeros_like(P)
                g[1:] += D
                g[:-1] -= D
                grads[i] = grads[i] + s * g
        return f, np.concatenate([a.ravel() for a in grads])

    # documented in Objective; the gradient by backpropagation through the integrator (its discrete adjoint)
    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        return self._loss_grad(self._check_theta(theta), self.X, self.y)

    def _batch_loss_grad(self, theta: np.ndarray, idx: np.ndarray) -> tuple[float, np.ndarray]:
        return self._loss_grad(theta, self.X[idx], self.y[idx])

    # ---------------------------------------------------------------- start and stability
    def init_theta(self, seed: int | np.random.Generator = 0, *, scale: float = 1.0) -> np.ndarray:
        r"""A random start: Glorot-scaled normal weights, zero biases.

        .. math::
            (K_{\rm in})_{ik} \sim N\big(0, \tfrac{2 s^2}{d + w}\big), \quad (K_j)_{ik} \sim N\big(0,
            \tfrac{s^2}{w}\big), \quad W_{ik} \sim N\big(0, \tfrac{2}{w + C}\big), \quad b_{\rm in} = b_j = c = 0,

        with :math:`s` = ``scale`` and :math:`w` the width.

        Parameters
        ----------
        seed : int or numpy.random.Generator
        scale : float
            Multiplies the standard deviation of ``K_in`` and every ``K_j``.

        Returns
        -------
        theta : ndarray, shape (n_params,)

        References
        ----------
        Glorot and Bengio (2010); the course's ``EResNet_PeaksSGD.m`` draws ``randn / sqrt(n_in n_out)``.
        """
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        s = check_nonneg("scale", scale)
        d, w, N, C = self.n_features, self.width, self.depth, self.n_classes
        return self.join(s * np.sqrt(2.0 / (d + w)) * rng.standard_normal((d, w)), np.zeros(w),
                         s / np.sqrt(w) * rng.standard_normal((N, w, w)), np.zeros((N, w)),
                         np.sqrt(2.0 / (w + C)) * rng.standard_normal((w, C)), np.zeros(C))

    def amplification(self, theta: np.ndarray) -> np.ndarray:
        r"""The growth per layer of the linearized network: :math:`\max_i |R(h\lambda_i(K_j))|` for each layer
        :math:`j`, with :math:`R` the integrator's stability function (:func:`numdl_core.resnet.amplification_factors`)
        and :math:`\sigma'` taken as 1 (tanh and ReLU near 0). A value above 1 means the layer amplifies some
        direction; a product of many such layers makes the network unstable (Haber and Ruthotto 2018).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        ndarray, shape (N,)
            ``nan`` for a scheme whose stability function :mod:`numdl_core.resnet` does not provide, and for
            non-finite weights.

        References
        ----------
        Haber and Ruthotto (2018), Sec. 3; Hairer, Nørsett and Wanner, *Solving ODEs I*, Sec. IV.2.
        """
        K = self.split(theta)[2]
        out = np.full(self.depth, np.nan)
        for j in range(self.depth):
            if not np.all(np.isfinite(K[j])):
                continue
            try:
                R = resnet.amplification_factors(K[j], self.h, scheme=self.scheme, **self._options)
                out[j] = float(np.max(np.abs(R)))
            except (ValueError, TypeError):
                return out
        return out

    def __repr__(self) -> str:
        return (f"ResNetClassifier(n_samples={self.n_samples}, width={self.width}, depth={self.depth}, T={self.T:g}, "
                f"scheme={self.scheme!r}, activation={self.activation!r}, architecture={self.architecture!r})")


def feature_projection(Y: np.ndarray, W: np.ndarray | None = None) -> np.ndarray:
    r"""An orthonormal basis :math:`P` (``width x 2``) of a plane to draw features of any width in 2-D.

    The first directions are those the softmax layer reads: the left singular vectors of the class-centred
    weights :math:`W - \bar w \mathbf 1^\top` (for 2 classes the single direction
    :math:`w_1 - w_0` that separates them), as many as are nonzero (at most 2); the rest are the principal
    directions of the features ``Y`` (rows; those of the last layer, say) orthogonal to them. Signs are fixed
    (largest entry positive), so the picture does not flip between calls. The features of every layer are then
    drawn as :math:`Y_j P` in one common plane: at the last layer the classes should lie apart along the first axis.

    Parameters
    ----------
    Y : ndarray, shape (m, width)
        Features (samples as rows) for the principal directions.
    W : ndarray, shape (width, C), optional
        The classifier's weights; None: principal directions only.

    Returns
    -------
    P : ndarray, shape (width, 2)
        Orthonormal columns (for ``width == 1`` the second column is zero).

    Raises
    ------
    ValueError
        If ``Y`` is not 2-D or ``W`` does not have ``width`` rows.

    References
    ----------
    I. T. Jolliffe, *Principal Component Analysis*, Springer, 2002; the path-planning view of Haber and Ruthotto
    (slides 07-NumDNN-ResNets.tex).

    Examples
    --------
    >>> P = feature_projection(np.random.default_rng(0).standard_normal((50, 4)), np.eye(4)[:, :2])
    >>> np.allclose(P.T @ P, np.eye(2))
    True
    """
    Y = np.asarray(Y, dtype=float)
    if Y.ndim != 2:
        raise ValueError(f"Y must have shape (m, width), got {Y.shape}")
    w = Y.shape[1]
    cols: list[np.ndarray] = []
    if W is not None:
        W = np.asarray(W, dtype=float)
        if W.ndim != 2 or W.shape[0] != w:
            raise ValueError(f"W must have shape ({w}, C), got {W.shape}")
        if np.all(np.isfinite(W)):
            U, s, _ = np.linalg.svd(W - W.mean(axis=1, keepdims=True), full_matrices=False)
            cols += [U[:, i] for i in range(min(2, s.size)) if s[i] > 1e-10 * max(s[0], 1e-300)]
    P = np.zeros((w, 2))
    for i, u in enumerate(cols):
        P[:, i] = u
    k = len(cols)
    if k < 2 and w > k:
        Z = Y[np.all(np.isfinite(Y), axis=1)]
        Z = Z - Z.mean(axis=0) if Z.shape[0] else np.zeros((1, w))
        Z = Z - (Z @ P[:, :k]) @ P[:, :k].T
        Vt = np.linalg.svd(Z, full_matrices=True)[2]
        for v in np.vstack([Vt, np.eye(w)]):  # principal directions first, coordinate axes as a fallback
            v = v - P[:, :k] @ (P[:, :k].T @ v)
            if np.linalg.norm(v) > 0.5:
                P[:, k] = v / np.linalg.norm(v)
                k += 1
                if k == 2:
                    break
    for i in range(2):
        j = int(np.argmax(np.abs(P[:, i])))
        if P[j, i] < 0:
            P[:, i] = -P[:, i]
    return P


@dataclass(frozen=True)
class ResNetProblem(DeepProblem):
    """Result of :func:`training_problem`: the record :class:`numdl_core.mlp.DeepProblem` with a ResNet model.

    Attributes
    ----------
    model : ResNetClassifier
        ``data`` and ``theta0`` as in :class:`numdl_core.mlp.DeepProblem`.
    """

    model: ResNetClassifier


def training_problem(data: str = "peaks", n_train: int = 500, width: int = 8, depth: int = 16, T: float = 4.0, *,
                     scheme: str = "euler", activation: str = "tanh", alpha: float = 0.0, smooth: float = 0.0,
                     architecture: str = "standard", gamma: float = 0.0, scale: float = 1.0, seed: int = 0,
                     n_val: int = 1000) -> ResNetProblem:
    r"""Data, ResNet classifier and random start of the page's live training.

    ``n_train`` points of the 2-D set ``data`` (:func:`numdl_core.data.make_dataset` without noise, via
    :func:`numdl_core.single_layer.train_validation_data`, with ``n_val`` fresh validation points), the model
    :class:`ResNetClassifier` with :math:`h = T / N`, started at :meth:`ResNetClassifier.init_theta`
    (``seed + 1``, ``scale``).

    .. math:: Y_0 = \sigma(X K_{\rm in} + \mathbf 1 b_{\rm in}^\top), \quad Y_{j+1} = \Phi_h(Y_j; K_j, b_j),
        \quad O = Y_N W + \mathbf 1 c^\top

    Parameters
    ----------
    data : str
        ``"peaks"``, ``"swissroll"``, ``"spirals"``, ... (a name of :data:`numdl_core.data.DATASETS`).
    n_train, width, depth : int
    T : float
    scheme, activation, architecture : str
    alpha, smooth, gamma, scale : float
    seed, n_val : int

    Returns
    -------
    ResNetProblem

    References
    ----------
    Ruthotto and Haber, Module 7 (``EResNet_PeaksSGD.m``: peaks, width 8, T = 4, 16 layers).

    Examples
    --------
    >>> p = training_problem("swissroll", 100, width=4, depth=8, T=2.0)
    >>> p.model.h, p.model.n_params, p.data.n_classes
    (0.25, 182, 2)
    """
    from numdl_core.single_layer import train_validation_data

    d = train_validation_data(data, n_train, seed=seed, n_val=n_val)
    model = ResNetClassifier(d.X, d.y, d.n_classes, width=width, depth=depth, T=T, scheme=scheme,
                             activation=activation, alpha=alpha, smooth=smooth, architecture=architecture,
                             gamma=gamma)
    return ResNetProblem(d, model, model.init_theta(seed + 1, scale=scale))

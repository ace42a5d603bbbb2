r"""Classification as path planning: a ResNet / Neural ODE moves the data until a linear classifier separates it.

The course (slides ``08-NumDNN-OptimalControl.tex``, "Residual network as a path planning problem") views the
network as the control of the ODE :math:`\partial_t Y = \sigma(Y K(t) + \mathbf 1 b(t)^\top)`: plan a path of the
features such that :math:`Y(T)` can be linearly separated. Here with **samples as rows**, no opening layer: the
state starts at the data itself, optionally with ``augment`` zero columns (the augmented Neural ODE of Dupont,
Doucet and Teh 2019: a flow of the plane is a homeomorphism and cannot pull the inner disc of two concentric
circles out of the outer ring; one extra dimension can),

.. math::
    Y_0 = [X, 0_{n \times a}], \qquad Y_{j+1} = Y_j + h\,\sigma(Y_j K_j + \mathbf 1 b_j^\top), \quad
    h = T/N, \qquad O = Y_N W + \mathbf 1 c^\top,

(forward Euler, ``numdl_core.resnet.forward``), with the mean softmax cross-entropy of the logits :math:`O` and a
Tikhonov term on the weights,

.. math::
    f(\theta) = -\frac1n \sum_i \log \mathrm{softmax}(o_i)_{y_i}
    + \frac\alpha2 \Big(h \sum_{j} \|K_j\|_F^2 + \|W\|_F^2\Big).

``theta = concatenate([K.ravel(), b.ravel(), W.ravel(), c])`` with ``K`` of shape ``(N, w, w)``, ``b`` of shape
``(N, w)``, ``W`` of shape ``(w, C)``, ``c`` of shape ``(C,)`` and the width :math:`w = d + a`. The gradient is
backpropagation: the softmax layer, then the discrete adjoint of the ResNet (``numdl_core.resnet.backward_euler``).

References
----------
E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018) 014004.
E. Dupont, A. Doucet and Y. W. Teh, Augmented neural ODEs, NeurIPS 2019.
R. T. Q. Chen, Y. Rubanova, J. Bettencourt and D. Duvenaud, Neural ordinary differential equations, NeurIPS 2018.
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 8 (slides 08-NumDNN-OptimalControl.tex).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numdl_core import resnet
from numdl_core._validate import check_labels, check_X
from numdl_core.classify import _MiniBatchClassifier, log_softmax, softmax
from numdl_core.data import make_dataset
from numdl_core.optim import Objective

__all__ = ["PathPlanning", "PathProblem", "path_problem", "linear_accuracy", "layer_separability"]


class PathPlanning(_MiniBatchClassifier, Objective):
    r"""The path-planning objective: an Euler ResNet started at the (augmented) data, then softmax regression.

    See the module docstring for the model and the objective :math:`f(\theta)`.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Training data, one sample per row.
    y : ndarray of int, shape (n,)
        Labels in ``0..n_classes-1``.
    n_classes : int
        Number of classes :math:`C \ge 2`.
    depth : int
        Number of layers :math:`N \ge 1`.
    T : float
        Final time (> 0); the step is :math:`h = T/N`.
    augment : int
        Zero columns appended to the data (:math:`a \ge 0`); the width is :math:`w = d + a`.
    activation : {"tanh", "relu", "identity"}
        The activation :math:`\sigma`.
    alpha : float
        Tikhonov weight :math:`\alpha \ge 0`.

    Attributes
    ----------
    n_params : int
        :math:`N(w^2 + w) + wC + C`.
    n_samples, n_features, width, depth, h : int, int, int, int, float

    Raises
    ------
    ValueError
        Bad data or labels, ``n_classes < 2``, ``depth < 1``, ``T <= 0``, ``augment < 0``, ``alpha < 0`` or an
        unknown activation.

    References
    ----------
    Haber and Ruthotto (2018); Dupont, Doucet and Teh (2019).

    Examples
    --------
    >>> X, y = make_dataset("circles", 20, noise=0.0)
    >>> m = PathPlanning(X, y, 2, depth=4, T=2.0, augment=1)
    >>> m.width, m.n_params, m.states(m.init_theta()).shape
    (3, 56, (5, 20, 3))
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, n_classes: int, *, depth: int = 20, T: float = 5.0,
                 augment: int = 0, activation: str = "tanh", alpha: float = 1e-4):
        self.X = check_X(X)
        self.y = check_labels(y, self.X.shape[0])
        if int(n_classes) < 2 or self.y.max() >= int(n_classes):
            raise ValueError(f"n_classes must be >= 2 and exceed every label, got {n_classes}")
        if int(depth) < 1 or not float(depth).is_integer():
            raise ValueError(f"depth must be an integer >= 1, got {depth}")
        if not (np.isfinite(T) and T > 0):
            raise ValueError(f"T must be a positive number, got {T}")
        if int(augment) < 0:
            raise ValueError(f"augment must be >= 0, got {augment}")
        if not (np.isfinite(alpha) and alpha >= 0):
            raise ValueError(f"alpha must be a number >= 0, got {alpha}")
        if activation not in resnet.ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(resnet.ACTIVATIONS)}")
        self.n_classes, self.depth, self.T = int(n_classes), int(depth), float(T)
        self.augment, self.activation, self.alpha = int(augment), activation, float(alpha)
        self.n_samples, self.n_features = self.X.shape
        self.width = self.n_features + self.augment
        self.h = self.T / self.depth
        w, N, C = self.width, self.depth, self.n_classes
        self._layout(("K", (N, w, w)), ("b", (N, w)), ("W", (w, C)), ("c", (C,)))

    def _lift(self, X: np.ndarray) -> np.ndarray:
        return np.hstack([X, np.zeros((X.shape[0], self.augment))]) if self.augment else X

    def states(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        r"""The features at every layer, :math:`Y_0 = [X, 0], Y_1, \ldots, Y_N`.

        Parameters
        ----------
        theta, X
            As in :meth:`logits` (``X`` None: the training data).

        Returns
        -------
        ndarray, shape (N+1, m, w)
        """
        K, b, _, _ = self.split(theta)
        return resnet.forward(self._lift(self._data(X)), K, b, self.h, activation=self.activation)

    def _logits(self, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
        K, b, W, c = self._split(theta)
        return resnet.forward(self._lift(X), K, b, self.h, activation=self.activation)[-1] @ W + c

    def _loss_grad(self, theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        K, b, W, c = self._split(theta)
        Y = resnet.forward(self._lift(X), K, b, self.h, activation=self.activation)
        O = Y[-1] @ W + c
        m = X.shape[0]
        lp = log_softmax(O)
        R = softmax(O)
        R[np.arange(m), y] -= 1.0
        R /= m
        _, dK, db = resnet.backward_euler(Y, K, b, self.h, R @ W.T, activation=self.activation)
        a = self.alpha
        f = -float(np.mean(lp[np.arange(m), y])) + 0.5 * a * (self.h * float(np.sum(K * K)) + float(np.sum(W * W)))
        g = np.concatenate([(dK + a * self.h * K).ravel(), db.ravel(), (Y[-1].T @ R + a * W).ravel(), R.sum(0)])
        return f, g

    # documented in Objective
    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        return self._loss_grad(self._check_theta(theta), self.X, self.y)

    def _batch_loss_grad(self, theta: np.ndarray, idx: np.ndarray) -> tuple[float, np.ndarray]:
        return self._loss_grad(theta, self.X[idx], self.y[idx])

    def init_theta(self, seed: int | np.random.Generator = 0, *, scale: float = 1.0) -> np.ndarray:
        r"""A random start: :math:`K_j` entries :math:`N(0, s^2/w)`, :math:`b = 0`, :math:`W` entries
        :math:`N(0, 0.01)`, :math:`c = 0`.

        Parameters
        ----------
        seed : int or numpy.random.Generator
            Random stream.
        scale : float
            :math:`s`.

        Returns
        -------
        ndarray, shape (n_params,)
        """
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        w, N, C = self.width, self.depth, self.n_classes
        return self.join(scale / np.sqrt(w) * rng.standard_normal((N, w, w)), np.zeros((N, w)),
                         0.1 * rng.standard_normal((w, C)), np.zeros(C))

    def __repr__(self) -> str:
        return (f"PathPlanning(n={self.n_samples}, width={self.width}, depth={self.depth}, T={self.T:g}, "
                f"activation={self.activation!r}, alpha={self.alpha:g})")


@dataclass
class PathProblem:
    """A path-planning problem: the model, its start, and fresh test data from the same distribution.

    Attributes
    ----------
    model : PathPlanning
        The objective on the training data.
    theta0 : ndarray, shape (model.n_params,)
        The start.
    X_test, y_test : ndarray
        Test data (another seed).
    """

    model: PathPlanning
    theta0: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def path_problem(n_samples: int = 200, noise: float = 0.05, depth: int = 10, T: float = 5.0, *, augment: int = 0,
                 activation: str = "tanh", alpha: float = 1e-4, data: str = "circles",
                 seed: int = 0) -> PathProblem:
    r"""The course's path-planning example: two concentric circles (``make_dataset("circles")``) to be moved by the
    ResNet until linearly separable.

    Training points from ``seed``, as many test points from ``seed + 1``; the start from
    :meth:`PathPlanning.init_theta` with ``seed``.

    Parameters
    ----------
    n_samples, noise : int, float
        As for :func:`numdl_core.data.make_dataset`.
    depth, T, augment, activation, alpha
        As for :class:`PathPlanning`.
    data : str
        Any 2-D data set of :func:`numdl_core.data.make_dataset` (default ``"circles"``).
    seed : int
        Seed of the data and the start.

    Returns
    -------
    PathProblem

    Raises
    ------
    ValueError
        As for :func:`numdl_core.data.make_dataset` and :class:`PathPlanning`.

    References
    ----------
    Ruthotto and Haber, Module 8 ("Residual network as a path planning problem"); Dupont, Doucet and Teh (2019).

    Examples
    --------
    >>> p = path_problem(40, depth=5)
    >>> p.model.width, p.X_test.shape
    (2, (40, 2))
    """
    from numdl_core.data import n_classes_of

    X, y = make_dataset(data, n_samples, noise=noise, seed=seed)
    Xt, yt = make_dataset(data, n_samples, noise=noise, seed=seed + 1)
    model = PathPlanning(X, y, n_classes_of(data), depth=depth, T=T, augment=augment, activation=activation,
                         alpha=alpha)
    return PathProblem(model, model.init_theta(seed), Xt, yt)


def linear_accuracy(Z: np.ndarray, y: np.ndarray, *, iters: int = 30, ridge: float = 1e-6) -> float:
    r"""How linearly separable are the points :math:`Z`: the training accuracy of the best logistic regression.

    Fits :math:`\min_{w, c} \frac1n \sum_i \log(1 + e^{-s_i (z_i^\top w + c)}) + \tfrac{\rho}{2}\|w\|^2` with
    :math:`s_i = \pm 1` (class 1 against the rest) by Newton's method (``iters`` steps, halving the step until
    the objective decreases) and returns the fraction of points on the right side of :math:`z^\top w + c = 0`.
    On separable data the logistic loss has no minimizer, the iterates grow along a separating direction and the
    accuracy reaches 1 (Soudry et al. 2018); otherwise it is that of the (near) maximum-likelihood hyperplane,
    a lower bound of the best linear accuracy. Cost: ``iters`` solves with a :math:`(p+1) \times (p+1)` matrix.

    Parameters
    ----------
    Z : ndarray, shape (n, p)
        The features (e.g. one layer's states).
    y : ndarray of int, shape (n,)
        Labels; class 1 against the others.
    iters : int
        Newton steps.
    ridge : float
        :math:`\rho > 0`, keeps the Newton systems regular.

    Returns
    -------
    float
        Accuracy in [0, 1].

    Raises
    ------
    ValueError
        Bad ``Z`` or ``y``, ``iters < 1`` or ``ridge <= 0``.

    References
    ----------
    D. Soudry, E. Hoffer, M. S. Nacson, S. Gunasekar and N. Srebro, The implicit bias of gradient descent on
    separable data, JMLR 19 (2018).

    Examples
    --------
    >>> X, y = make_dataset("circles", 100, noise=0.0)
    >>> linear_accuracy(X, y) < 0.8, linear_accuracy(np.c_[X, np.sum(X ** 2, axis=1)], y)
    (True, 1.0)
    """
    Z = check_X(Z)
    y = check_labels(y, Z.shape[0])
    if int(iters) < 1 or not (np.isfinite(ridge) and ridge > 0):
        raise ValueError(f"iters must be >= 1 and ridge > 0, got {iters}, {ridge}")
    s = np.where(y == 1, 1.0, -1.0)
    A = np.c_[Z, np.ones(Z.shape[0])]
    n, p = A.shape
    R = ridge * np.eye(p)
    R[-1, -1] = 0.0

    def obj(v):
        return float(np.mean(np.logaddexp(0.0, -s * (A @ v)))) + 0.5 * float(v @ R @ v)

    v = np.zeros(p)
    f = obj(v)
    for _ in range(int(iters)):
        m = s * (A @ v)
        q = 0.5 * (1.0 - np.tanh(0.5 * m))  # sigmoid(-m), without overflow
        g = -(A.T @ (s * q)) / n + R @ v
        H = (A.T * (q * (1.0 - q))) @ A / n + R + 1e-12 * np.eye(p)
        step = np.linalg.solve(H, -g)
        t = 1.0
        while t > 1e-8:
            f_new = obj(v + t * step)
            if f_new < f:
                break
            t *= 0.5
        else:
            break
        v, f = v + t * step, f_new
    return float(np.mean(s * (A @ v) > 0))


def layer_separability(model: PathPlanning, theta: np.ndarray, X: np.ndarray | None = None,
                       y: np.ndarray | None = None, *, layers: np.ndarray | None = None) -> np.ndarray:
    r""":func:`linear_accuracy` of the features :math:`Y_j` at each layer: how the path makes the data separable.

    Parameters
    ----------
    model : PathPlanning
    theta : ndarray, shape (model.n_params,)
    X, y : ndarray, optional
        Data (default: the training data).
    layers : array of int, optional
        Which layers :math:`j \in 0..N` (default all).

    Returns
    -------
    ndarray, shape (len(layers),)
        Accuracy of the best logistic regression on :math:`Y_j`, per layer.

    Raises
    ------
    ValueError
        If only one of ``X``, ``y`` is given, or a layer is outside ``0..N``.

    References
    ----------
    Ruthotto and Haber, Module 8.
    """
    if (X is None) != (y is None):
        raise ValueError("pass both X and y or neither (the training data)")
    y = model.y if y is None else check_labels(y, np.asarray(X).shape[0])
    Y = model.states(theta, X)
    layers = np.arange(Y.shape[0]) if layers is None else np.asarray(layers, dtype=int)
    if layers.size and (layers.min() < 0 or layers.max() >= Y.shape[0]):
        raise ValueError(f"layers must lie in 0..{Y.shape[0] - 1}")
    return np.array([linear_accuracy(Y[j], y) for j in layers])

r"""Single-layer networks: the model, its derivatives, ELM, variable projection and the loss surface.

A single hidden layer of ``width`` neurons maps the samples (rows of ``X``, shape ``(n, d)``) to

.. math::
    A = X K + \mathbf 1 b^\top, \qquad Z = \sigma(A), \qquad O = Z W + \mathbf 1 c^\top ,

with :math:`K \in \mathbb R^{d \times m}`, :math:`b \in \mathbb R^m`, :math:`W \in \mathbb R^{m \times C}`,
:math:`c \in \mathbb R^C` and an activation :math:`\sigma` applied entrywise (``"sin"``, ``"tanh"``,
``"relu"``, ``"identity"``). The course writes the same model with samples as columns,
:math:`\mathrm{softmax}(W \sigma(K y + b))`. Every function here works on the flat vector

.. code-block:: python

    theta = np.concatenate([K.ravel(), b, W.ravel(), c])   # K (d, m) and W (m, C) in C order

of length :math:`dm + m + mC + C` (:meth:`SingleLayer.split` and :meth:`SingleLayer.join` convert).
Two losses (means over the samples, plus a Tikhonov term on the weights, biases not regularized):

- ``"softmax"`` (cross-entropy): :math:`f = \frac1n \sum_i -\log \mathrm{softmax}(o_i)_{y_i}
  + \frac\alpha2 (\|K\|_F^2 + \|W\|_F^2)`;
- ``"squared"`` (least squares on one-hot or given targets :math:`Y`):
  :math:`f = \frac1{2n}\|O - Y\|_F^2 + \frac\alpha2 (\|K\|_F^2 + \|W\|_F^2) = \frac12\|r(\theta)\|^2`,
  the form Gauss-Newton and variable projection need.

The module provides the objective (:class:`SingleLayer`: value, gradient by backpropagation, exact
Hessian-vector products for Newton-CG, mini-batches for SGD, the residual and matrix-free Jacobian
products for Gauss-Newton), the extreme
learning machine (:func:`elm`: random ``K, b``, then ``W, c`` by regularized least squares), variable
projection (:class:`VarPro`, :func:`varpro`: ``W, c`` eliminated by an inner least-squares solve),
the loss along two random directions (:func:`loss_surface`) and the "inverse crime" data
(:func:`make_inverse_crime`). Work is counted in data passes as in :mod:`numdl_core.optim`.

References
----------
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, lecture notes and course code,
Module 4 (single-layer networks, stochastic optimization, Gauss-Newton, variable projection).
G.-B. Huang, Q.-Y. Zhu and C.-K. Siew, Extreme learning machine: theory and applications,
Neurocomputing 70 (2006) 489-501.
G. H. Golub and V. Pereyra, The differentiation of pseudo-inverses and nonlinear least squares
problems whose variables separate, SIAM J. Numer. Anal. 10 (1973) 413-432.
L. Kaufman, A variable projection method for solving separable nonlinear least squares problems,
BIT 15 (1975) 49-57.
D. P. O'Leary and B. W. Rust, Variable projection for nonlinear least squares problems,
Comput. Optim. Appl. 54 (2013) 579-593.
E. Newman, L. Ruthotto, J. Hart and B. van Bloemen Waanders, Train like a (Var)Pro: efficient training
of neural networks with variable projection, SIAM J. Math. Data Sci. 3 (2021) 1041-1066.
H. Li, Z. Xu, G. Taylor, C. Studer and T. Goldstein, Visualizing the loss landscape of neural nets,
NeurIPS 2018 (filter-normalized directions).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, NamedTuple

import numpy as np

from numdl_core._validate import check_labels, check_nonneg, check_X
from numdl_core.classify import log_softmax, softmax
from numdl_core.lstsq import solve as lstsq_solve
from numdl_core.iterate import (BLOWUP, Step, apply_sent, check_count, check_positive, check_stop, converged, record,
                                 tunable)
from numdl_core.optim import armijo, conjugate_gradient

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "activation",
    "SingleLayer",
    "random_hidden",
    "ELMResult",
    "elm",
    "elm_accuracy_vs_width",
    "feature_singular_values",
    "VarPro",
    "varpro",
    "surface_directions",
    "loss_surface",
    "project_onto_plane",
    "make_inverse_crime",
    "N_VALIDATION",
    "DataSplit",
    "train_validation_data",
    "accuracies",
    "output_curvature",
    "sgd_lr_limit",
    "TrainingProblem",
    "training_problem",
    "model_checks",
    "ELM_WIDTHS",
    "ELMExperiment",
    "elm_experiment",
    "VarProExperiment",
    "varpro_experiment",
    "SurfaceExperiment",
    "surface_experiment",
    "dead_relu_neurons",
    "condition_number",
    "VarProCheck",
    "varpro_gradient_check",
    "varpro_inner_sweep",
    "TRAINERS",
    "training_path",
    "SurfaceStats",
    "surface_statistics",
    "InverseCrime",
    "inverse_crime_problem",
]

ACTIVATIONS = ("sin", "tanh", "relu", "identity")
LOSSES = ("softmax", "squared")
INNER_SOLVERS = ("direct", "cg")
VARPRO_METHODS = ("gauss_newton", "gradient_descent")


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
    name : str
        One of :data:`ACTIVATIONS`.

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
class SingleLayer:
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
        Integer labels ``0..C-1`` of shape ``(n_samples,)``; with ``loss="squared"`` also a float
        target matrix of shape ``(n_samples, C)`` (then the labels are its row-wise argmax).
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
        labels out of range, fewer than 2 classes), a target matrix comes with ``loss="softmax"``, ``width``
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
        if yy.ndim == 2:
            if loss != "squared":
                raise ValueError("a target matrix y of shape (n_samples, C) needs loss='squared'; "
                                 "for loss='softmax' pass integer labels")
            if yy.shape[0] != n or not np.all(np.isfinite(yy)):
                raise ValueError(f"the target matrix must have {n} finite rows, got shape {yy.shape}")
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
        self._sizes = (d * m, m, m * C, C)
        self._ends = np.cumsum(self._sizes)
        self.n_params = int(self._ends[-1])
        self.n_hidden_params = d * m + m
        self.n_residuals = n * C + d * m + m * C
        self._act = _ACT[activation]

    # ---- layout ---------------------------------------------------------------------------
    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``theta -> (K, b, W, c)`` (views of ``theta``).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        K : ndarray, shape (d, m)
        b : ndarray, shape (m,)
        W : ndarray, shape (m, C)
        c : ndarray, shape (C,)

        Raises
        ------
        ValueError
            If ``theta`` is not a flat vector of ``n_params`` entries.
        """
        theta = self._check_theta(theta)
        d, m, C = self.n_features, self.width, self.n_classes
        e = self._ends
        return theta[: e[0]].reshape(d, m), theta[e[0]: e[1]], theta[e[1]: e[2]].reshape(m, C), theta[e[2]:]

    def _split(self, theta: np.ndarray):
        """:meth:`split` of an already checked ``theta`` (hot loops)."""
        e = self._ends
        return (theta[: e[0]].reshape(self.n_features, self.width), theta[e[0]: e[1]],
                theta[e[1]: e[2]].reshape(self.width, self.n_classes), theta[e[2]:])

    def join(self, K: np.ndarray, b: np.ndarray, W: np.ndarray, c: np.ndarray) -> np.ndarray:
        """``(K, b, W, c) -> theta = concatenate([K.ravel(), b, W.ravel(), c])`` (the inverse of :meth:`split`).

        Parameters
        ----------
        K : ndarray, shape (d, m)
        b : ndarray, shape (m,)
        W : ndarray, shape (m, C)
        c : ndarray, shape (C,)

        Returns
        -------
        theta : ndarray, shape (n_params,)

        Raises
        ------
        ValueError
            If a block has the wrong shape.
        """
        d, m, C = self.n_features, self.width, self.n_classes
        parts = [(K, (d, m), "K"), (b, (m,), "b"), (W, (m, C), "W"), (c, (C,), "c")]
        out = []
        for a, shape, name in parts:
            a = np.asarray(a, dtype=np.float64)
            if a.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {a.shape}")
            out.append(a.ravel())
        return np.concatenate(out)

    def _check_theta(self, theta) -> np.ndarray:
        theta = np.asarray(theta, dtype=np.float64)
        if theta.ndim != 1 or theta.size != self.n_params:
            raise ValueError(f"theta must be a flat vector of n_params = {self.n_params} entries "
                             f"(K {self.n_features}x{self.width}, b, W {self.width}x{self.n_classes}, c), "
                             f"got shape {theta.shape}")
        return theta

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
        theta : ndarray, shape (n_params,)
        X : ndarray, shape (n, d), optional
            Default: the training data.

        Returns
        -------
        Z : ndarray, shape (n, m)
        """
        K, b, _, _ = self.split(theta)
        X = self.X if X is None else check_X(X, n_features=self.n_features)
        return self._features(K, b, X)

    def _features(self, K, b, X) -> np.ndarray:
        A = X @ K
        A += b
        return _VALUE_INPLACE[self.activation](A)

    def outputs(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        r"""Network outputs (logits) :math:`O = Z W + \mathbf 1 c^\top`.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        X : ndarray, shape (n, d), optional
            Default: the training data.

        Returns
        -------
        O : ndarray, shape (n, C)
        """
        K, b, W, c = self.split(theta)
        X = self.X if X is None else check_X(X, n_features=self.n_features)
        O = self._features(K, b, X) @ W
        O += c
        return O

    def predict_proba(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        """Row-wise ``softmax`` of the outputs (for ``loss="squared"`` a monotone rescaling of the outputs).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        X : ndarray, shape (n, d), optional
            Default: the training data.

        Returns
        -------
        P : ndarray, shape (n, C)
            Rows sum to 1.
        """
        return softmax(self.outputs(theta, X))

    def predict(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        """Predicted class: the arg-max of the outputs.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        X : ndarray, shape (n, d), optional
            Default: the training data.

        Returns
        -------
        ndarray of int64, shape (n,)
        """
        return np.argmax(self.outputs(theta, X), axis=1).astype(np.int64)

    def accuracy(self, theta: np.ndarray, X: np.ndarray | None = None, y: np.ndarray | None = None) -> float:
        """Fraction of correctly classified samples (training data by default; pass ``X, y`` for validation).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        X : ndarray, shape (n, d), optional
        y : ndarray of int, shape (n,), optional
            Both or neither.

        Returns
        -------
        float
            In [0, 1].

        Raises
        ------
        ValueError
            If only one of ``X``, ``y`` is given, or they are malformed.
        """
        if (X is None) != (y is None):
            raise ValueError("pass both X and y (validation data) or neither (training data)")
        if X is None:  # the training data, checked in __init__
            return float(np.mean(self.predict(theta) == self.y))
        X = check_X(X, n_features=self.n_features)
        y = check_labels(y, X.shape[0])
        return float(np.mean(self.predict(theta, X) == y))

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
            f = -float(np.mean(L[np.arange(n), y]))
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

        Returns
        -------
        float
        """
        theta = self._check_theta(theta)
        f, _ = self._loss_grad(theta, self.X, self.y, self.Y, grad=False)
        return self._add_reg(theta, f, None)[0]

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """``(f(theta), grad f(theta))`` on all training samples (one forward and one adjoint pass).

        The backpropagation formulas are in the class docstring.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        f : float
        g : ndarray, shape (n_params,)
            Laid out as ``theta``.
        """
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
        f, g = self._loss_grad(theta, self.X[idx], self.y[idx] if self.loss == "softmax" else None, self.Y[idx])
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
        if yy.ndim == 2 and self.loss == "squared":
            if yy.shape != (X.shape[0], self.n_classes):
                raise ValueError(f"the target matrix must have shape {(X.shape[0], self.n_classes)}, got {yy.shape}")
            Y = yy.astype(np.float64)
            lab = np.argmax(Y, axis=1)
        else:
            lab = check_labels(yy, X.shape[0], self.n_classes)
            Y = _one_hot(lab, self.n_classes)
        return self._loss_grad(theta, X, lab, Y, grad=False)[0]

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
        r""":math:`J v` for a parameter direction ``v`` (layout of ``theta``):
        :math:`\delta O = ((X v_K + \mathbf 1 v_b^\top) \odot \sigma'(A)) W + Z v_W + \mathbf 1 v_c^\top`,
        returned as :math:`[\delta O / \sqrt n;\ \sqrt\alpha v_K;\ \sqrt\alpha v_W]` (raveled).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        v : ndarray, shape (n_params,)

        Returns
        -------
        ndarray, shape (n_residuals,)

        Raises
        ------
        TypeError
            If the network was not built with ``loss="squared"``.
        """
        return self.linearize(theta)[0](v)

    def jac_t_vec(self, theta: np.ndarray, w: np.ndarray) -> np.ndarray:
        r""":math:`J^\top w` for ``w`` in residual space ``[w_O (n x C); w_K (d x m); w_W (m x C)]``:
        with :math:`\delta O = w_O/\sqrt n`, :math:`\delta A = (\delta O W^\top) \odot \sigma'(A)`, returns
        :math:`[X^\top \delta A + \sqrt\alpha w_K;\ \delta A^\top \mathbf 1;\ Z^\top \delta O + \sqrt\alpha w_W;\ \delta O^\top \mathbf 1]`.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        w : ndarray, shape (n_residuals,)

        Returns
        -------
        ndarray, shape (n_params,)

        Raises
        ------
        TypeError
            If the network was not built with ``loss="squared"``.
        """
        return self.linearize(theta)[1](w)


# --------------------------------------------------------------------------------------------
# the lesson's data and what a trainer needs to know about the model
# --------------------------------------------------------------------------------------------
N_VALIDATION = 2000
"""Validation points of the 2-D data sets (the course: 1000 training and 2000 validation points)."""


class DataSplit(NamedTuple):
    """Training and validation data (:func:`train_validation_data`).

    Attributes
    ----------
    X : ndarray, shape (n_train, d)
    y : ndarray of int64, shape (n_train,)
    X_val : ndarray, shape (n_val, d)
    y_val : ndarray of int64, shape (n_val,)
    n_classes : int
        ``C = max(max(y), max(y_val)) + 1``.
    """

    X: np.ndarray
    y: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    n_classes: int


def train_validation_data(name: str, n_train: int = 1000, *, seed: int = 0, n_val: int = N_VALIDATION) -> DataSplit:
    """Training data and independent validation data, as in the course's single-layer experiments.

    A 2-D set (``numdl_core.data.make_dataset``, without noise): ``n_train`` points with ``seed`` and ``n_val``
    fresh points with ``seed + 1000``. ``"digits"`` (``numdl_core.data.load_digits``, 1797 images of 8 x 8
    pixels): a random permutation with ``seed``, the first ``n_train`` images for training and the rest
    for validation (``n_val`` is not used).

    Parameters
    ----------
    name : str
        ``"digits"`` or a name of ``numdl_core.data.DATASETS`` (the page uses ``"peaks"`` and ``"ellipses"``).
    n_train : int
        Training points (digits: at most 1796).
    seed : int
    n_val : int
        Validation points of a 2-D set.

    Returns
    -------
    DataSplit
        ``(X, y, X_val, y_val, n_classes)``.

    Raises
    ------
    ValueError
        For an unknown data set, or a digits split that leaves no training or no validation image.

    References
    ----------
    Ruthotto and Haber, Module 4 (peaks: 1000 training and 2000 validation points).

    Examples
    --------
    >>> d = train_validation_data("peaks", 100, seed=0)
    >>> d.X.shape, d.X_val.shape, d.n_classes
    ((100, 2), (2000, 2), 5)
    """
    from numdl_core.data import load_digits, make_dataset

    if name == "digits":
        X, y = load_digits()
        n_train = int(n_train)
        if not 1 <= n_train < y.size:
            raise ValueError(f"digits: n_train must be between 1 and {y.size - 1}, got {n_train}")
        perm = np.random.default_rng(seed).permutation(y.size)
        X, y, Xv, yv = X[perm[:n_train]], y[perm[:n_train]], X[perm[n_train:]], y[perm[n_train:]]
    else:
        X, y = make_dataset(name, n_train, noise=0.0, seed=seed)
        Xv, yv = make_dataset(name, n_val, noise=0.0, seed=seed + 1000)
    return DataSplit(X, y, Xv, yv, int(max(y.max(), yv.max())) + 1)


def accuracies(model: SingleLayer, theta: np.ndarray, X_val: np.ndarray, y_val: np.ndarray) -> tuple[float, float]:
    """Training and validation accuracy of ``theta``: ``nan`` for both when ``theta`` is not finite (a diverged run).

    Parameters
    ----------
    model : SingleLayer
        Holds the training data.
    theta : ndarray, shape (n_params,)
    X_val : ndarray, shape (n_val, d)
    y_val : ndarray of int, shape (n_val,)

    Returns
    -------
    train, validation : float
        Fractions of correctly classified points (see :meth:`SingleLayer.accuracy`).

    Examples
    --------
    >>> d = train_validation_data("peaks", 200)
    >>> M = SingleLayer(d.X, d.y, 30, loss="squared")
    >>> tr, va = accuracies(M, elm(d.X, d.y, 30).theta, d.X_val, d.y_val)
    >>> 0.5 < va <= tr <= 1.0
    True
    """
    theta = np.asarray(theta, dtype=np.float64)
    if not np.all(np.isfinite(theta)):
        return float("nan"), float("nan")
    with np.errstate(all="ignore"):
        return model.accuracy(theta), model.accuracy(theta, X_val, y_val)


def output_curvature(model: SingleLayer, theta: np.ndarray) -> float:
    r"""Curvature :math:`L` of the loss in the output weights ``(W, c)`` at ``theta`` (hidden layer fixed).

    With :math:`A = [Z,\ \mathbf 1]` (features and a column of ones), the least-squares loss is a quadratic in
    ``(W, c)`` whose Hessian has largest eigenvalue at most

    .. math:: L = \lambda_{\max}(A^\top A / n) + \alpha

    (equal for :math:`\alpha = 0`); for the softmax cross-entropy the Hessian of :math:`-\log\mathrm{softmax}`
    in the outputs is :math:`\mathrm{diag}(p) - p p^\top \preceq \tfrac12 I`, which halves the bound.

    Parameters
    ----------
    model : SingleLayer
    theta : ndarray, shape (n_params,)

    Returns
    -------
    float
        :math:`L > 0`.

    References
    ----------
    Bottou, Curtis and Nocedal, Optimization methods for large-scale machine learning, SIAM Review 60 (2018),
    Sec. 4 (the Lipschitz constant of the gradient); D. Böhning, Multinomial logistic regression algorithm,
    Ann. Inst. Statist. Math. 44 (1992) 197-200 (the bound of the softmax Hessian).

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> M = SingleLayer(X, np.array([0, 1]), 1, activation="identity", loss="squared")
    >>> theta = M.join(np.array([[1.0], [0.0]]), np.zeros(1), np.zeros((1, 2)), np.zeros(2))
    >>> round(output_curvature(M, theta), 12)       # A = [[0, 1], [1, 1]]: eigenvalues of A'A/2
    1.309016994375
    """
    Z = model.features(theta)
    A = np.c_[Z, np.ones(Z.shape[0])]
    L = float(np.linalg.eigvalsh(A.T @ A / Z.shape[0])[-1]) + model.alpha
    return L / 2 if model.loss == "softmax" else L


def sgd_lr_limit(model: SingleLayer, theta: np.ndarray, momentum: float = 0.0) -> float:
    r"""The largest stable learning rate of heavy-ball SGD on the output layer at ``theta``.

    On a quadratic with curvature :math:`L` the heavy-ball iteration
    :math:`v_{k+1} = \mu v_k - \eta \nabla f`, :math:`\theta_{k+1} = \theta_k + v_{k+1}` is stable exactly when
    :math:`0 < \eta L < 2(1 + \mu)`; with :math:`L` from :func:`output_curvature` the limit is

    .. math:: \eta_{\max} = \frac{2(1 + \mu)}{L}.

    Beyond it SGD diverges whatever the hidden layer does (the output weights alone already blow up).

    Parameters
    ----------
    model : SingleLayer
    theta : ndarray, shape (n_params,)
    momentum : float
        :math:`\mu \in [0, 1)`.

    Returns
    -------
    float

    References
    ----------
    B. T. Polyak, Some methods of speeding up the convergence of iteration methods, USSR Comput. Math. Math.
    Phys. 4 (1964) 1-17.

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> M = SingleLayer(X, np.array([0, 1]), 1, activation="identity", loss="squared")
    >>> theta = M.join(np.array([[1.0], [0.0]]), np.zeros(1), np.zeros((1, 2)), np.zeros(2))
    >>> round(sgd_lr_limit(M, theta, momentum=0.5) * output_curvature(M, theta), 12)
    3.0
    """
    return 2.0 * (1.0 + float(momentum)) / output_curvature(model, theta)


class TrainingProblem(NamedTuple):
    """Result of :func:`training_problem`.

    Attributes
    ----------
    data : DataSplit
    model : SingleLayer
        The objective on the training data.
    theta0 : ndarray, shape (n_params,)
        The starting point.
    """

    data: DataSplit
    model: SingleLayer
    theta0: np.ndarray


def training_problem(
    data: str = "peaks",
    n_train: int = 1000,
    width: int = 30,
    *,
    activation: str = "tanh",
    loss: str = "squared",
    alpha: float = 1e-4,
    seed: int = 0,
) -> TrainingProblem:
    """The training set-up of the single-layer lesson: data, model and starting point.

    The data come from :func:`train_validation_data`; the start is ``model.init_theta(seed, scale=s)`` with
    :math:`s = 0.3` for the digits (64 pixels in [0, 1]: with :math:`s = 1` the pre-activations :math:`x^\\top k`
    would be several times those of the 2-D sets and saturate tanh) and :math:`s = 1` otherwise.

    Parameters
    ----------
    data : str
        See :func:`train_validation_data`.
    n_train, width : int
    activation, loss : str
        See :class:`SingleLayer`.
    alpha : float
        Tikhonov weight.
    seed : int
        Seed of the data and of the start.

    Returns
    -------
    TrainingProblem
        ``(data, model, theta0)``.

    Raises
    ------
    ValueError
        As :func:`train_validation_data` and :class:`SingleLayer`.

    Examples
    --------
    >>> d, M, theta0 = training_problem("peaks", 200, 10)
    >>> M.n_params == theta0.size == 2 * 10 + 10 + 10 * 5 + 5
    True
    """
    d = train_validation_data(data, n_train, seed=seed)
    model = SingleLayer(d.X, d.y, width, activation=activation, loss=loss, alpha=alpha, n_classes=d.n_classes)
    return TrainingProblem(d, model, model.init_theta(seed, scale=0.3 if data == "digits" else 1.0))


def model_checks(model: SingleLayer, theta: np.ndarray, *, seed: int = 0, n: int = 14) -> tuple[Any, Any]:
    r"""The derivative checks of a network at ``theta``: the Taylor test and, for least squares, the adjoint test.

    The Taylor test (:func:`numdl_core.checks.derivative_check`) checks the gradient and, except for ReLU (whose
    :math:`\sigma'' = 0` away from the kinks makes :math:`f` only piecewise smooth), the Hessian-vector product.
    The adjoint test (:func:`numdl_core.checks.adjoint_check`, relative tolerance :math:`10^{-12}`) checks that the
    matrix-free :math:`J^\top` of :meth:`SingleLayer.linearize`, which Gauss-Newton uses, is the transpose of
    :math:`J`.

    Parameters
    ----------
    model : SingleLayer
    theta : ndarray, shape (n_params,)
    seed : int
        Seed of the random directions.
    n : int
        Step sizes of the Taylor test.

    Returns
    -------
    taylor : numdl_core.checks.DerivativeCheck
    adjoint : numdl_core.checks.AdjointCheck or None
        ``None`` for the softmax loss (no residual).

    References
    ----------
    Ruthotto and Haber, Module 0 (the Taylor and adjoint tests).

    Examples
    --------
    >>> d, M, theta0 = training_problem("peaks", 100, 5)
    >>> taylor, adjoint = model_checks(M, theta0)
    >>> taylor.passed, adjoint.passed
    (True, True)
    """
    from numdl_core.checks import adjoint_check, derivative_check

    taylor = derivative_check(model.value_and_grad, theta, hess_vec=None if model.activation == "relu" else
                              model.hess_vec, seed=seed, n=n)
    if model.loss != "squared":
        return taylor, None
    return taylor, adjoint_check(*model.linearize(theta), model.n_params, seed=seed, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# extreme learning machine
# --------------------------------------------------------------------------------------------
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
    scale = float(scale)
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, got {scale}")
    K = scale * rng.standard_normal((int(n_features), width))
    b = scale * rng.uniform(-np.pi, np.pi, width)
    return K, b


def _ridge_output(Z: np.ndarray, Y: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    r"""``(W, c)`` minimizing :math:`\frac1{2n}\|Z W + \mathbf 1 c^\top - Y\|^2 + \frac\alpha2 \|W\|^2`.

    The unregularized bias is eliminated first, :math:`c = \bar Y - \bar Z W` (column means), which
    leaves ridge regression on the centred data, :math:`\min_W \|Z_c W - Y_c\|^2 + n\alpha\|W\|^2`, solved by
    :func:`numdl_core.lstsq.solve` (SVD: the minimum-norm solution if :math:`\alpha = 0` and :math:`Z` is rank deficient).
    """
    n = Z.shape[0]
    zm, ym = Z.mean(axis=0), Y.mean(axis=0)
    W = lstsq_solve(Z - zm, Y - ym, method="svd", alpha=n * alpha)
    return W, ym - zm @ W


@dataclass(frozen=True)
class ELMResult:
    """Result of :func:`elm`.

    Attributes
    ----------
    theta : ndarray, shape (n_params,)
        Flat parameters ``[K, b, W, c]`` of the fitted network.
    model : SingleLayer
        The least-squares objective on the training data (``model.accuracy(theta, X_val, y_val)``...).
    singular_values : ndarray, shape (min(n, m),)
        Singular values of the feature matrix ``Z = act(X K + b)`` (descending).
    train_accuracy : float
    """

    theta: np.ndarray
    model: SingleLayer
    singular_values: np.ndarray
    train_accuracy: float


def elm(
    X: np.ndarray,
    y: np.ndarray,
    width: int,
    *,
    activation: str = "tanh",
    alpha: float = 1e-6,
    seed: int | np.random.Generator = 0,
    scale: float = 1.0,
    n_classes: int | None = None,
) -> ELMResult:
    r"""Extreme learning machine: random hidden layer, output layer by regularized least squares.

    ``K, b`` are drawn by :func:`random_hidden` (``seed``, ``scale``) and kept fixed; with
    :math:`Z = \sigma(X K + \mathbf 1 b^\top)` and the one-hot targets :math:`Y`,

    .. math:: (W, c) = \arg\min \frac1{2n}\|Z W + \mathbf 1 c^\top - Y\|_F^2 + \frac\alpha2\|W\|_F^2 ,

    a linear least-squares problem (the bias ``c`` is not regularized; the same scaling as
    :class:`SingleLayer` with ``loss="squared"``, so that an ELM is variable projection without outer
    iterations). Equivalently, :math:`[W; c^\top]` solves the augmented system
    :math:`[Z, \mathbf 1;\ \sqrt{n\alpha}\, I, 0]\,[W; c^\top] \approx [Y; 0]`.

    Parameters
    ----------
    X : ndarray, shape (n_samples, n_features)
    y : ndarray of int, shape (n_samples,)
        Labels ``0..C-1`` (one-hot targets), or a target matrix of shape (n_samples, C).
    width : int
        Number of hidden neurons ``m``.
    activation : {"sin", "tanh", "relu", "identity"}
    alpha : float
        Tikhonov weight ``>= 0``.
    seed : int or numpy.random.Generator
        Seed of the hidden layer.
    scale : float
        Scale of the hidden layer (see :func:`random_hidden`).
    n_classes : int, optional
        ``C`` (default ``max(y) + 1``).

    Returns
    -------
    ELMResult
        ``theta``, ``model``, ``singular_values`` of ``Z`` (their decay shows how ill-conditioned the
        output problem is for each activation) and ``train_accuracy``.

    Raises
    ------
    ValueError
        As :class:`SingleLayer` and :func:`random_hidden`.

    References
    ----------
    Huang, Zhu and Siew (2006), Neurocomputing 70, Sec. 3 (the ELM algorithm).

    Examples
    --------
    >>> from numdl_core.data import make_dataset
    >>> X, y = make_dataset("moons", 200, noise=0.1)
    >>> res = elm(X, y, 100, alpha=1e-6)
    >>> res.train_accuracy > 0.95
    True
    """
    X = check_X(X)
    model = SingleLayer(X, y, width, activation=activation, loss="squared", alpha=0.0, n_classes=n_classes)
    alpha = check_nonneg("alpha", alpha)
    K, b = random_hidden(model.n_features, model.width, seed=seed, scale=scale)
    Z = model._act(X @ K + b)[0]
    W, c = _ridge_output(Z, model.Y, alpha)
    theta = model.join(K, b, W, c)
    s = np.linalg.svd(Z, compute_uv=False)
    model = SingleLayer(X, y, width, activation=activation, loss="squared", alpha=alpha, n_classes=n_classes)
    return ELMResult(theta, model, s, model.accuracy(theta))


def elm_accuracy_vs_width(
    X: np.ndarray,
    y: np.ndarray,
    widths,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    activation: str = "tanh",
    alpha: float = 1e-6,
    seed: int = 0,
    scale: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train and validation accuracy of :func:`elm` for each width in ``widths`` (same ``seed`` for all).

    With ``alpha`` tiny the training accuracy rises to 1 as the width approaches the number of samples,
    while the validation accuracy peaks and then falls (overfitting): the regularization ``alpha`` controls
    the gap.

    Parameters
    ----------
    X : ndarray, shape (n, d)
    y : ndarray of int, shape (n,)
    widths : sequence of int, length k
    X_val : ndarray, shape (n_val, d)
    y_val : ndarray of int, shape (n_val,)
    activation, alpha, seed, scale
        As in :func:`elm`.

    Returns
    -------
    widths : ndarray of int64, shape (k,)
    train_accuracy : ndarray, shape (k,)
    validation_accuracy : ndarray, shape (k,)

    Raises
    ------
    ValueError
        As :func:`elm` (a width that is not a positive integer, malformed data).

    References
    ----------
    Huang, Zhu and Siew (2006); Ruthotto and Haber, Module 4 (overfitting of the ELM).
    """
    widths = np.asarray([_check_width(w) for w in np.atleast_1d(widths)], dtype=np.int64)
    X = check_X(X)
    y = check_labels(y, X.shape[0])
    X_val = check_X(X_val, "X_val", X.shape[1])
    y_val = check_labels(y_val, X_val.shape[0])
    C = int(max(y.max(), y_val.max())) + 1
    tr, va = np.empty(widths.size), np.empty(widths.size)
    for i, w in enumerate(widths):
        res = elm(X, y, int(w), activation=activation, alpha=alpha, seed=seed, scale=scale, n_classes=C)
        tr[i] = res.train_accuracy
        va[i] = res.model.accuracy(res.theta, X_val, y_val)
    return widths, tr, va


def feature_singular_values(
    X: np.ndarray,
    width: int,
    activations=("sin", "tanh", "relu"),
    *,
    seed: int = 0,
    scale: float = 1.0,
) -> dict:
    """Singular values of the ELM feature matrix ``act(X K + b)`` for each activation (same random ``K, b``).

    Plot them on a log scale to compare how fast they decay (the numerical rank of the features, and the
    conditioning of the output solve).

    Parameters
    ----------
    X : ndarray, shape (n, d)
    width : int
        ``m``.
    activations : sequence of str
        Names from :data:`ACTIVATIONS`.
    seed : int
    scale : float
        See :func:`random_hidden`.

    Returns
    -------
    dict
        ``{activation: ndarray of shape (min(n, m),)}``, singular values descending.

    Raises
    ------
    ValueError
        As :func:`random_hidden` and :func:`activation`.

    References
    ----------
    Huang, Zhu and Siew (2006); Golub and Van Loan (2013), Sec. 2.4 (the SVD and numerical rank).
    """
    X = check_X(X)
    K, b = random_hidden(X.shape[1], width, seed=seed, scale=scale)
    A = X @ K + b
    return {name: np.linalg.svd(activation(name)(A)[0], compute_uv=False) for name in activations}


def dead_relu_neurons(X: np.ndarray, width: int, *, seed: int = 0, scale: float = 1.0) -> int:
    r"""How many random ReLU neurons of :func:`random_hidden` are zero on every sample of ``X``.

    Neuron :math:`j` is dead when its hyperplane :math:`x^\top k_j + b_j = 0` leaves all the data on the
    inactive side, :math:`x_i^\top k_j + b_j \le 0` for every :math:`i`: its ReLU feature is identically 0, a
    zero singular value of the feature matrix (the same ``K, b`` as :func:`feature_singular_values`).

    Parameters
    ----------
    X : ndarray, shape (n, d)
    width : int
        ``m``.
    seed : int
    scale : float
        See :func:`random_hidden`.

    Returns
    -------
    int
        Between 0 and ``width``.

    References
    ----------
    L. Lu, Y. Shin, Y. Su and G. E. Karniadakis, Dying ReLU and initialization, Commun. Comput. Phys. 28 (2020).

    Examples
    --------
    >>> X = np.random.default_rng(0).uniform(-1, 1, (50, 2))
    >>> dead_relu_neurons(X, 200, scale=1.0) > 0        # hyperplanes far from the data
    True
    """
    X = check_X(X)
    K, b = random_hidden(X.shape[1], width, seed=seed, scale=scale)
    return int(np.sum(np.all(X @ K + b <= 0, axis=0)))


def condition_number(singular_values) -> float:
    r""":math:`\kappa = \sigma_1 / \sigma_m` from singular values in descending order (``inf`` if :math:`\sigma_m = 0`).

    The output solve of an ELM (with :math:`\alpha = 0`) is as ill-conditioned as :math:`\kappa(Z)`.

    Parameters
    ----------
    singular_values : array_like, shape (k,)
        Descending, non-negative (e.g. a value of :func:`feature_singular_values`).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If there are no singular values.

    References
    ----------
    Golub and Van Loan, *Matrix Computations*, 4th ed., 2013, Sec. 2.6.2.

    Examples
    --------
    >>> condition_number([4.0, 2.0, 0.5]), condition_number([1.0, 0.0])
    (8.0, inf)
    """
    s = np.asarray(singular_values, dtype=np.float64).ravel()
    if s.size == 0:
        raise ValueError("no singular values")
    return float(s[0] / s[-1]) if s[-1] > 0 else float("inf")


ELM_WIDTHS = (1, 2, 5, 10, 20, 50, 100, 200, 300, 500)
"""The widths of the accuracy-against-width curve of :func:`elm_experiment`."""


@dataclass(frozen=True)
class ELMExperiment:
    """Result of :func:`elm_experiment`.

    Attributes
    ----------
    data : DataSplit
    result : ELMResult
        The ELM of the chosen width.
    activation : str
    singular_values : dict
        ``{activation: singular values}`` of the feature matrix for sin, tanh and ReLU (same ``K, b``).
    dead_neurons : int
        ReLU neurons that are zero on all the training data.
    widths, train_accuracy, validation_accuracy : ndarray, shape (k,)
        The ELM accuracy against the width (:func:`elm_accuracy_vs_width`).
    """

    data: DataSplit
    result: ELMResult
    activation: str
    singular_values: dict
    dead_neurons: int
    widths: np.ndarray
    train_accuracy: np.ndarray
    validation_accuracy: np.ndarray

    @property
    def accuracies(self) -> tuple[float, float]:
        """Training and validation accuracy of the ELM of the chosen width."""
        return accuracies(self.result.model, self.result.theta, self.data.X_val, self.data.y_val)

    @property
    def cond(self) -> float:
        """cond(Z) of the feature matrix of the chosen activation (:func:`condition_number`)."""
        return condition_number(self.singular_values[self.activation])

    def summary(self) -> dict:
        """The headline numbers.

        Returns
        -------
        dict
            ``"training accuracy"``, ``"validation accuracy"``, ``"cond(Z)"``, ``"dead ReLU neurons"`` and
            ``"validation accuracy, width m"`` for every width of the curve.
        """
        tr, va = self.accuracies
        return {"training accuracy": tr, "validation accuracy": va, "cond(Z)": self.cond,
                "dead ReLU neurons": self.dead_neurons,
                **{f"validation accuracy, width {w}": float(a) for w, a in zip(self.widths, self.validation_accuracy)}}


def elm_experiment(
    data: str = "peaks",
    n_train: int = 1000,
    width: int = 50,
    *,
    activation: str = "tanh",
    alpha: float = 1e-6,
    scale: float = 1.0,
    seed: int = 0,
    widths=ELM_WIDTHS,
) -> ELMExperiment:
    """The ELM lesson on one data set: the ELM of one width, its features, and the accuracy against the width.

    :func:`train_validation_data`, then :func:`elm`, :func:`feature_singular_values` (sin, tanh, ReLU),
    :func:`dead_relu_neurons` and :func:`elm_accuracy_vs_width`, all with the same random hidden layer
    (``seed``, ``scale``).

    Parameters
    ----------
    data : str
        See :func:`train_validation_data`.
    n_train, width : int
    activation : str
    alpha, scale : float
        See :func:`elm`.
    seed : int
    widths : sequence of int

    Returns
    -------
    ELMExperiment

    Raises
    ------
    ValueError
        As the functions it calls.

    References
    ----------
    Huang, Zhu and Siew (2006).

    Examples
    --------
    >>> out = elm_experiment("peaks", 300, 50, widths=(10, 50))
    >>> out.summary()["validation accuracy, width 50"] > out.summary()["validation accuracy, width 10"]
    True
    """
    d = train_validation_data(data, n_train, seed=seed)
    res = elm(d.X, d.y, width, activation=activation, alpha=alpha, seed=seed, scale=scale, n_classes=d.n_classes)
    curve = elm_accuracy_vs_width(d.X, d.y, widths, d.X_val, d.y_val, activation=activation, alpha=alpha, seed=seed,
                                  scale=scale)
    return ELMExperiment(d, res, activation, feature_singular_values(d.X, width, seed=seed, scale=scale),
                         dead_relu_neurons(d.X, width, seed=seed, scale=scale), *curve)


# --------------------------------------------------------------------------------------------
# variable projection
# --------------------------------------------------------------------------------------------
class VarPro:
    r"""The reduced (variable projection) objective of a least-squares single-layer network.

    The output weights enter linearly, so for fixed hidden parameters :math:`u = (K, b)` the best
    :math:`(W, c)` solves a linear least-squares problem (the *inner* problem)

    .. math::
        (W^*(u), c^*(u)) = \arg\min_{W, c}\ \tfrac1{2n}\|Z(u) W + \mathbf 1 c^\top - Y\|_F^2 + \tfrac\alpha2 \|W\|_F^2 ,

    and the reduced objective is :math:`\phi(u) = f(u, W^*(u), c^*(u))` (``f`` the ``model`` objective,
    which includes :math:`\frac\alpha2\|K\|^2`). Since :math:`\nabla_{W,c} f = 0` at the inner solution,

    .. math:: \nabla \phi(u) = \nabla_u f(u, W^*(u), c^*(u))

    (Golub and Pereyra 1973): the reduced gradient is the partial gradient, *only if the inner problem is
    solved accurately*. With a sloppy inner solve (few CG iterations) the same formula is not the gradient
    of the function being minimized, and the Taylor test fails (order 1).

    Parameters
    ----------
    model : SingleLayer
        With ``loss="squared"``.
    inner : {"direct", "cg"}
        ``"direct"``: SVD of the stacked matrix :math:`[Z, \mathbf 1;\ \sqrt{n\alpha} I, 0]/\sqrt n` (exact up to
        round-off; minimum norm if rank deficient). ``"cg"``: CGLS from zero, stopped when the inner gradient
        satisfies :math:`\|\nabla_{W,c} f\| \le` ``inner_tol`` :math:`\cdot \|\nabla_{W,c} f(0)\|` (per class column)
        or after ``inner_maxiter`` iterations.
    inner_tol : float
        Relative tolerance of the inner CGLS (``>= 0``).
    inner_maxiter : int
        Iteration limit of the inner CGLS (``>= 1``).

    Attributes
    ----------
    n_params : int
        ``d m + m``; ``u = concatenate([K.ravel(), b])`` (the first entries of the full ``theta``).

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`SingleLayer` with ``loss="squared"``.
    ValueError
        If ``inner`` is unknown, ``inner_maxiter < 1`` or ``inner_tol < 0``.

    References
    ----------
    Golub and Pereyra (1973); O'Leary and Rust (2013); Newman, Ruthotto, Hart and van Bloemen Waanders (2021).
    """

    def __init__(self, model: SingleLayer, *, inner: str = "direct", inner_tol: float = 1e-12,
                 inner_maxiter: int = 500):
        if not isinstance(model, SingleLayer):
            raise TypeError("VarPro needs a SingleLayer model")
        model._need_squared("variable projection")
        if inner not in INNER_SOLVERS:
            raise ValueError(f"unknown inner solver {inner!r}; choose one of {', '.join(INNER_SOLVERS)}")
        if int(inner_maxiter) < 1:
            raise ValueError(f"inner_maxiter must be at least 1, got {inner_maxiter}")
        self.model = model
        self.inner = inner
        self.inner_tol = check_nonneg("inner_tol", inner_tol)
        self.inner_maxiter = int(inner_maxiter)
        self.n_params = model.n_hidden_params

    def _check_u(self, u) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64).ravel()
        if u.size == self.model.n_params:
            u = u[: self.n_params]
        if u.size != self.n_params:
            raise ValueError(f"u must have d*m + m = {self.n_params} entries (K and b), or be a full theta of "
                             f"{self.model.n_params} entries, got {u.size}")
        return u

    def _hidden(self, u):
        d, m = self.model.n_features, self.model.width
        return u[: d * m].reshape(d, m), u[d * m:]

    def _solve(self, u):
        """Inner solve. Returns ``(W, c, iterations, Q)``; ``Q`` an orthonormal basis of the range of the
        stacked inner matrix (direct solver only, else ``None``)."""
        M = self.model
        n, m = M.n_samples, M.width
        K, b = self._hidden(u)
        Z = M._features(K, b, M.X)
        sn, sa = np.sqrt(n), np.sqrt(M.alpha)
        if self.inner == "direct":
            A = np.zeros((n + m, m + 1))
            A[:n, :m] = Z / sn
            A[:n, m] = 1.0 / sn
            A[n + np.arange(m), np.arange(m)] = sa
            U, s, Vt = np.linalg.svd(A, full_matrices=False)
            r = int(np.sum(s > max(A.shape) * np.finfo(float).eps * s[0])) if s[0] > 0 else 0
            Q = U[:, :r]
            Wa = Vt[:r].T @ ((Q[:n].T @ (M.Y / sn)) / s[:r, None])
            return Wa[:m], Wa[m], 1, Q

        def Amul(P):  # (m+1, C) -> (n+m, C)
            return np.vstack([(Z @ P[:m] + P[m]) / sn, sa * P[:m]])

        def ATmul(R):  # (n+m, C) -> (m+1, C)
            top = Z.T @ R[:n] / sn + sa * R[n:]
            return np.vstack([top, R[:n].sum(axis=0)[None] / sn])

        C = M.n_classes
        Xs = np.zeros((m + 1, C))
        R = np.vstack([M.Y / sn, np.zeros((m, C))])
        S = ATmul(R)
        P = S.copy()
        gamma = np.sum(S * S, axis=0)
        stop = self.inner_tol**2 * gamma
        its = 0
        for its in range(1, self.inner_maxiter + 1):
            active = gamma > stop
            if not np.any(active):
                its -= 1
                break
            Qm = Amul(P)
            delta = np.sum(Qm * Qm, axis=0)
            a = np.where(active & (delta > 0), gamma / np.where(delta > 0, delta, 1.0), 0.0)
            Xs += a * P
            R -= a * Qm
            S = ATmul(R)
            gnew = np.sum(S * S, axis=0)
            beta = np.where(active, gnew / np.where(gamma > 0, gamma, 1.0), 0.0)
            P = S + beta * P
            gamma = np.where(active, gnew, gamma)
        return Xs[:m], Xs[m], its, None

    def solve_inner(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """``(W, c, iterations)`` of the inner least-squares problem for ``u = (K, b)``.

        Parameters
        ----------
        u : ndarray, shape (n_params,) or (model.n_params,)
            ``concatenate([K.ravel(), b])``, or a full ``theta`` (its ``K, b`` part is used).

        Returns
        -------
        W : ndarray, shape (m, C)
        c : ndarray, shape (C,)
        iterations : int
            CGLS iterations (1 for the direct solver).
        """
        W, c, its, _ = self._solve(self._check_u(u))
        return W, c, its

    def full_theta(self, u: np.ndarray) -> np.ndarray:
        """The full parameter vector ``[K, b, W*(u), c*(u)]`` of the network (for prediction).

        Parameters
        ----------
        u : ndarray, shape (n_params,) or (model.n_params,)

        Returns
        -------
        theta : ndarray, shape (model.n_params,)
        """
        u = self._check_u(u)
        W, c, _, _ = self._solve(u)
        return np.concatenate([u, W.ravel(), c])

    def value_and_grad(self, u: np.ndarray) -> tuple[float, np.ndarray]:
        r"""``(phi(u), grad_u f(u, W*, c*))``: the reduced objective and the variable projection gradient
        :math:`\nabla\phi(u) = \nabla_u f(u, W^*(u), c^*(u))`.

        Parameters
        ----------
        u : ndarray, shape (n_params,) or (model.n_params,)

        Returns
        -------
        phi : float
        g : ndarray, shape (n_params,)

        References
        ----------
        Golub and Pereyra (1973).
        """
        u = self._check_u(u)
        W, c, _, _ = self._solve(u)
        f, g = self.model.value_and_grad(np.concatenate([u, W.ravel(), c]))
        return f, g[: self.n_params]

    def value(self, u: np.ndarray) -> float:
        """The reduced objective :math:`\\phi(u) = f(u, W^*(u), c^*(u))`.

        Parameters
        ----------
        u : ndarray, shape (n_params,) or (model.n_params,)

        Returns
        -------
        float
        """
        return self.model.value(self.full_theta(u))


def _varpro_tunables() -> dict:
    return {
        "damping": lambda v: check_nonneg("damping", v),
        "cg_maxiter": lambda v: check_count("cg_maxiter", v),
        "cg_tol": lambda v: check_positive("cg_tol", v),
        "step": lambda v: check_positive("step", v),
    }


@tunable("damping", "cg_maxiter", "cg_tol", "step")
def varpro(
    model: SingleLayer,
    theta0: np.ndarray,
    *,
    method: str = "gauss_newton",
    inner: str = "direct",
    inner_tol: float = 1e-12,
    inner_maxiter: int = 500,
    damping: float = 0.0,
    cg_maxiter: int = 20,
    cg_tol: float = 1e-2,
    step: float = 1.0,
    tol: float = 1e-10,
    maxiter: int = 10**6,
    blowup: float = BLOWUP,
) -> Iterator[Step]:
    r"""Train a least-squares single-layer network by variable projection (outer iteration in ``K, b`` only).

    Every evaluation of the reduced objective :math:`\phi(u)` (see :class:`VarPro`) solves the inner
    linear least-squares problem for the output weights, so every iterate is the best network for its
    hidden layer (iteration 0 is the ELM of the starting ``K, b``). Outer methods, both ending with
    :math:`u_{k+1} = u_k + t_k p_k` and an Armijo line search (:func:`numdl_core.optim.armijo`):

    - ``"gauss_newton"``: :math:`(J_r^\top J_r + \lambda I) p = -\nabla\phi` by CG, with Kaufman's (1975)
      approximation of the reduced Jacobian :math:`J_r = P^\perp J_u` (:math:`J_u` the Jacobian of the residual
      with respect to :math:`u`, :math:`P^\perp` the projector onto the orthogonal complement of the range of
      the inner least-squares matrix; with ``inner="cg"`` the projection is not available and :math:`J_u` is
      used), line search from ``t = 1``;
    - ``"gradient_descent"``: :math:`p = -\nabla\phi`, line search from ``t = step``.

    A non-finite product with :math:`J_r` ends the run as diverged; an inner solve that fails (non-finite
    features at a trial point) rejects that trial step. The generator follows the protocol of
    :mod:`numdl_core.iterate`.

    Parameters
    ----------
    model : SingleLayer
        With ``loss="squared"``.
    theta0 : array_like
        A full parameter vector (its ``W, c`` are ignored) or ``u0 = [K.ravel(), b]``.
    method : {"gauss_newton", "gradient_descent"}, optional
        The outer method.
    inner : {"direct", "cg"}, optional
        The inner least-squares solver (see :class:`VarPro`).
    inner_tol : float, optional
        Relative tolerance of the inner CG solve.
    inner_maxiter : int, optional
        Most inner CG iterations.
    damping : float, optional
        Levenberg-Marquardt shift :math:`\lambda \ge 0` of the Gauss-Newton system. Tunable.
    cg_maxiter : int, optional
        Most CG iterations per Gauss-Newton step. Tunable.
    cg_tol : float, optional
        Relative residual of the Gauss-Newton CG solve. Tunable.
    step : float, optional
        First trial step of the line search of ``"gradient_descent"``. Tunable.
    tol : float, optional
        Stop when :math:`\|\nabla\phi\| \le` ``tol`` :math:`\max(1, \|\nabla\phi(u_0)\|)`.
    maxiter : int, optional
        Stop after this many outer iterations.
    blowup : float, optional
        Divergence threshold on the loss (see :func:`numdl_core.iterate.is_diverged`).

    Yields
    ------
    Step
        ``x`` is the *full* ``theta = [K, b, W*, c*]`` (use it with ``model.predict``); ``grad_norm`` is
        :math:`\|\nabla\phi\|`. ``info``: ``u`` (the outer variable), ``step``, ``backtracks``,
        ``cg_iterations``, ``fallback``, ``inner_iterations`` (of the last inner solve), ``matvecs`` and
        ``work``. Cost: each reduced evaluation (one per trial step) counts 1 forward pass + the inner solve (1
        for ``"direct"``, one per inner CG iteration) + 1 adjoint pass; each CG iteration of Gauss-Newton one
        product with :math:`J_r` and one with :math:`J_r^\top` (2 passes).

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`SingleLayer`.
    ValueError
        For a model without the squared loss, an unknown ``method`` or ``inner``, a step that is not a positive
        number, ``damping < 0``, ``cg_maxiter < 1``, ``cg_tol <= 0``, a bad ``tol``, ``maxiter`` or
        ``theta0``; or when a bad value is sent (see :mod:`numdl_core.iterate`).

    References
    ----------
    Golub and Pereyra (1973); Kaufman (1975); O'Leary and Rust (2013), Sec. 2-3;
    Newman, Ruthotto, Hart and van Bloemen Waanders (2021).

    Examples
    --------
    >>> X, y = make_inverse_crime(200, width=4, n_classes=3, seed=0)[:2]    # data a width-4 network fits
    >>> M = SingleLayer(X, y, 4, loss="squared")
    >>> steps = list(varpro(M, M.init_theta(1), maxiter=10))
    >>> len(steps), steps[-1].loss < 1e-5 * steps[0].loss
    (11, True)
    """
    if method not in VARPRO_METHODS:
        raise ValueError(f"unknown outer method {method!r}; choose one of {', '.join(VARPRO_METHODS)}")
    vp = VarPro(model, inner=inner, inner_tol=inner_tol, inner_maxiter=inner_maxiter)
    tunables = _varpro_tunables()
    params = {"damping": damping, "cg_maxiter": cg_maxiter, "cg_tol": cg_tol, "step": step}
    params = {name: check(params[name]) for name, check in tunables.items()}
    tol, maxiter = check_stop(tol, maxiter)
    u = vp._check_u(theta0)
    if not np.all(np.isfinite(u)):
        raise ValueError("theta0 has non-finite entries (nan or inf)")
    M = model
    n, d, m, C = M.n_samples, M.n_features, M.width, M.n_classes
    nu = vp.n_params
    count = {"work": 0.0, "matvecs": 0}
    last: dict = {}

    class _Reduced:
        n_params = nu

        @staticmethod
        def value_and_grad(uu):
            try:
                W, c, its, Q = vp._solve(uu)
            except np.linalg.LinAlgError:  # non-finite features: a rejected trial step
                count["work"] += 1.0
                return np.nan, np.full(nu, np.nan)
            theta = np.concatenate([uu, W.ravel(), c])
            f, g = M.value_and_grad(theta)
            count["work"] += 2.0 + its
            last.update(u=uu, theta=theta, Q=Q, its=its)
            return f, g[:nu]

    def reduced_normal_matvec(theta, Q):
        r"""``v -> J_r^T J_r v`` with ``J_r = P^\perp J_u`` at ``theta`` (without the damping).

        The products with the model's Jacobian restricted to ``u = (K, b)``: in residual space only the data
        block and the W-regularization block (zero for a direction in ``u``) take part in the projection
        :math:`P^\perp = I - Q Q^\top` (per class column; applied for :math:`J_r` and again for :math:`J_r^\top`),
        and the K-regularization block :math:`\sqrt\alpha v_K` passes through unchanged. The same operations in
        the same order as the full products :meth:`SingleLayer.linearize` (the same numbers), without the parts
        that vanish for a direction in ``u``.
        """
        X = M.X
        K, b, W, _ = M._split(theta)
        W = W.copy()
        A = X @ K
        A += b
        _, dZ = _act_inplace(M.activation, A)
        sn, sa = np.sqrt(n), np.sqrt(M.alpha)
        scratch = np.empty((n, m))

        def matvec(v):
            vK = v[: d * m].reshape(d, m)
            dA = np.matmul(X, vK, out=scratch)
            dA += v[d * m:]
            dA *= dZ
            S = np.zeros((n + m, C))  # [data block; W-regularization block] of J_u v
            np.divide(dA @ W, sn, out=S[:n])
            if Q is not None:
                S -= Q @ (Q.T @ S)
                S -= Q @ (Q.T @ S)
            dA = np.matmul(S[:n] / sn, W.T, out=scratch)
            dA *= dZ
            gK = X.T @ dA
            gK += sa * (sa * vK)
            return np.concatenate([gK.ravel(), dA.sum(axis=0)])

        return matvec

    last.update(u=u, theta=np.concatenate([u, np.full(M.n_params - nu, np.nan)]), Q=None, its=0)
    f, g = _Reduced.value_and_grad(u)
    f0, g0 = float(f), float(np.linalg.norm(g))
    work0 = count["work"]  # the evaluation of iteration 0 is not counted

    def finish(k, f, g, info, reason=None):
        info.update(u=last["u"].copy(), inner_iterations=last["its"], matvecs=count["matvecs"])
        return record(k, last["theta"], f, float(np.linalg.norm(g)), info, work=count["work"] - work0, loss0=f0,
                      blowup=blowup, reason=reason)

    step_k, stop = finish(0, f, g, {"step": 0.0, "cg_iterations": 0})
    sent = yield step_k
    for k in range(1, maxiter + 1):
        if stop:
            return
        params = apply_sent(sent, params, tunables)
        if converged(float(np.linalg.norm(g)), g0, tol):
            return
        state = dict(last)
        its, fallback, nonfinite = 0, False, False
        if method == "gauss_newton":
            JrTJr = reduced_normal_matvec(state["theta"], state["Q"])
            lam = params["damping"]

            def matvec(v):
                nonlocal nonfinite
                count["work"] += 2.0
                count["matvecs"] += 2
                out = JrTJr(v) + lam * v
                nonfinite = nonfinite or not np.all(np.isfinite(out))
                return out

            p, its, ok = conjugate_gradient(matvec, -g, tol=params["cg_tol"], maxiter=params["cg_maxiter"])
            if nonfinite:
                info = {"cg_iterations": its, "fallback": False, "backtracks": 0, "step": 0.0}
                step_k, stop = finish(k, f, g, info, reason="a product with the reduced Jacobian is not finite "
                                                            "(nan or inf)")
                sent = yield step_k
                continue
            if not np.any(p) or float(g @ p) >= 0 or not np.all(np.isfinite(p)):
                p, fallback = -g, True
            t0 = 1.0
        else:
            p, t0 = -g, params["step"]
        t, f_new, g_new, nb = armijo(_Reduced, state["u"], f, g, p, t0=t0)
        info = {"cg_iterations": its, "fallback": fallback, "backtracks": nb, "step": t}
        if t == 0.0:
            last.update(state)
            info["stalled"] = True
        else:
            # armijo accepts the last point it evaluated, so `last` holds the new iterate and its inner solution
            f, g = f_new, g_new
        step_k, stop = finish(k, f, g, info)
        sent = yield step_k


class VarProCheck(NamedTuple):
    """Result of :func:`varpro_gradient_check`.

    Attributes
    ----------
    taylor : numdl_core.checks.DerivativeCheck
        The Taylor test of :math:`(\\varphi, \\nabla_u f)`.
    inner_optimality : float
        :math:`\\|\\nabla_W f(u, W_k)\\| / \\|\\nabla_W f(u, 0)\\|` (``W`` with ``c``): 0 for the exact inner solution.
    inner_iterations : int
        Iterations of the inner solve (1 for ``"direct"``).
    """

    taylor: Any
    inner_optimality: float
    inner_iterations: int


def varpro_gradient_check(
    model: SingleLayer, u: np.ndarray, *, inner: str = "direct", inner_maxiter: int = 500, seed: int = 0, n: int = 14
) -> VarProCheck:
    r"""Taylor test of the VarPro gradient, and how far the inner solve is from optimal.

    VarPro uses the partial gradient :math:`\nabla_u f(u, W_k(u))` as the gradient of
    :math:`\varphi(u) = f(u, W_k(u))`. By the chain rule
    :math:`\nabla\varphi = \nabla_u f + (\partial W_k / \partial u)^\top \nabla_W f(u, W_k)`, so it is the gradient
    only when :math:`\nabla_W f(u, W_k) = 0`, i.e. for an exact inner solve (``inner="direct"``, or CG run to
    convergence); a few inner CG iterations (``inner="cg"``, from :math:`W = 0`, no tolerance) leave the second
    term and the Taylor test drops from order 2 to order 1.

    Parameters
    ----------
    model : SingleLayer
        With ``loss="squared"``.
    u : ndarray, shape (d m + m,) or (n_params,)
        The hidden weights ``[K.ravel(), b]`` (or a full ``theta``, whose ``W, c`` are ignored).
    inner : {"direct", "cg"}
    inner_maxiter : int
        Inner CG iterations (``inner="cg"``).
    seed : int
        Seed of the Taylor direction.
    n : int
        Step sizes of the Taylor test.

    Returns
    -------
    VarProCheck
        ``(taylor, inner_optimality, inner_iterations)``.

    Raises
    ------
    ValueError, TypeError
        As :class:`VarPro`.

    References
    ----------
    Golub and Pereyra (1973), Thm. 2.1; O'Leary and Rust (2013), Sec. 2.

    Examples
    --------
    >>> from numdl_core.data import make_dataset
    >>> X, y = make_dataset("peaks", 100, noise=0.0)
    >>> M = SingleLayer(X, y, 5, loss="squared", alpha=1e-3)
    >>> u = M.init_theta(0)[:M.n_hidden_params]
    >>> exact = varpro_gradient_check(M, u)
    >>> sloppy = varpro_gradient_check(M, u, inner="cg", inner_maxiter=2)
    >>> round(exact.taylor.order), round(sloppy.taylor.order)
    (2, 1)
    """
    from numdl_core.checks import derivative_check

    vp = VarPro(model, inner=inner, inner_tol=0.0, inner_maxiter=inner_maxiter)
    u = vp._check_u(u)
    nu = vp.n_params
    with np.errstate(all="ignore"):
        res = derivative_check(vp.value_and_grad, u, seed=seed, n=n)
        W, c, its = vp.solve_inner(u)
        g = model.value_and_grad(np.concatenate([u, W.ravel(), c]))[1][nu:]
        g0 = model.value_and_grad(np.concatenate([u, np.zeros(W.size + c.size)]))[1][nu:]
    return VarProCheck(res, float(np.linalg.norm(g) / np.linalg.norm(g0)), int(its))


def varpro_inner_sweep(
    model: SingleLayer, u: np.ndarray, iterations=(1, 2, 5, 10, 20, 50), *, seed: int = 0, n: int = 14
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The observed Taylor order of the VarPro gradient against the number of inner CG iterations.

    :func:`varpro_gradient_check` with ``inner="cg"`` for each count in ``iterations``, and once with the
    direct inner solve. Far below the size of the inner problem the order is 1; with an accurate inner solve it
    is 2 (near the size of the inner problem, round-off in the inner solve can make it erratic).

    Parameters
    ----------
    model : SingleLayer
        With ``loss="squared"``.
    u : ndarray
        As in :func:`varpro_gradient_check`.
    iterations : sequence of int, length k
    seed, n : int
        As in :func:`varpro_gradient_check`.

    Returns
    -------
    orders : ndarray, shape (k,)
        Observed order of :math:`E_1` for each inner iteration count.
    inner_optimality : ndarray, shape (k,)
    direct_order : float
    direct_optimality : float

    Raises
    ------
    ValueError, TypeError
        As :class:`VarPro`.

    References
    ----------
    Golub and Pereyra (1973); Newman, Ruthotto, Hart and van Bloemen Waanders (2021), Sec. 3.

    Examples
    --------
    >>> from numdl_core.data import make_dataset
    >>> X, y = make_dataset("peaks", 100, noise=0.0)
    >>> M = SingleLayer(X, y, 5, loss="squared", alpha=1e-3)
    >>> orders, _, direct, _ = varpro_inner_sweep(M, M.init_theta(0), iterations=(1, 50))
    >>> round(orders[0]), round(orders[-1]), round(direct)
    (1, 2, 2)
    """
    checks = [varpro_gradient_check(model, u, inner="cg", inner_maxiter=int(k), seed=seed, n=n) for k in iterations]
    direct = varpro_gradient_check(model, u, seed=seed, n=n)
    return (np.array([c.taylor.order for c in checks]), np.array([c.inner_optimality for c in checks]),
            float(direct.taylor.order), direct.inner_optimality)


@dataclass(frozen=True)
class VarProExperiment:
    """Result of :func:`varpro_experiment`.

    Attributes
    ----------
    check : VarProCheck
        The chosen inner solve.
    sweep : tuple of int
        Inner CG iteration counts of the sweep.
    orders, inner_optimality : ndarray, shape (len(sweep),)
        Observed Taylor order and inner optimality for each count (:func:`varpro_inner_sweep`).
    direct_order, direct_optimality : float
        The same with the direct inner solve.
    unknowns_per_class : int
        ``m + 1``: a column of ``W`` and an entry of ``c`` (CG on the inner problem ends after at most that many
        iterations in exact arithmetic).
    """

    check: VarProCheck
    sweep: tuple
    orders: np.ndarray
    inner_optimality: np.ndarray
    direct_order: float
    direct_optimality: float
    unknowns_per_class: int

    def summary(self) -> dict:
        """The headline numbers.

        Returns
        -------
        dict
            ``"E1 order"``, ``"inner optimality"``, ``"E1 order with the direct inner solve"`` and
            ``"E1 order with k inner CG iterations"`` for every ``k`` of the sweep.
        """
        return {"E1 order": self.check.taylor.order, "inner optimality": self.check.inner_optimality,
                "E1 order with the direct inner solve": self.direct_order,
                **{f"E1 order with {k} inner CG iterations": float(o) for k, o in zip(self.sweep, self.orders)}}


def varpro_experiment(
    n_train: int = 200,
    width: int = 10,
    *,
    activation: str = "tanh",
    alpha: float = 1e-3,
    inner: str = "cg",
    inner_iters: int = 2,
    seed: int = 0,
    sweep=(1, 2, 5, 10, 20, 50),
) -> VarProExperiment:
    """The VarPro gradient lesson: Taylor tests of the reduced gradient against the accuracy of the inner solve.

    A least-squares network on ``n_train`` points of peaks (:func:`train_validation_data`), ``u`` the hidden
    weights of ``init_theta(seed)``; :func:`varpro_gradient_check` with the chosen inner solve and
    :func:`varpro_inner_sweep` over ``sweep``.

    Parameters
    ----------
    n_train, width : int
    activation : str
    alpha : float
        Tikhonov weight (makes the inner problem well posed).
    inner : {"direct", "cg"}
    inner_iters : int
        Inner CG iterations (``inner="cg"``).
    seed : int
    sweep : sequence of int

    Returns
    -------
    VarProExperiment

    Raises
    ------
    ValueError
        As the functions it calls.

    References
    ----------
    Golub and Pereyra (1973).

    Examples
    --------
    >>> out = varpro_experiment(100, 5, inner="cg", inner_iters=2, sweep=(2,))
    >>> round(out.check.taylor.order), round(out.direct_order)
    (1, 2)
    """
    d = train_validation_data("peaks", n_train, seed=seed)
    model = SingleLayer(d.X, d.y, width, activation=activation, loss="squared", alpha=alpha, n_classes=d.n_classes)
    u = model.init_theta(seed)[: model.n_hidden_params]
    check = varpro_gradient_check(model, u, inner=inner, inner_maxiter=inner_iters, seed=seed)
    sweep = tuple(int(k) for k in sweep)
    return VarProExperiment(check, sweep, *varpro_inner_sweep(model, u, sweep, seed=seed), model.width + 1)


# --------------------------------------------------------------------------------------------
# loss surface along two random directions
# --------------------------------------------------------------------------------------------
NORMALIZATIONS = ("filter", "unit")


def surface_directions(
    obj: Any, theta: np.ndarray, *, seed: int = 0, normalize: str = "filter"
) -> tuple[np.ndarray, np.ndarray]:
    r"""Two random directions in parameter space for :func:`loss_surface`.

    Both start as standard normal vectors (``seed``). ``normalize="filter"`` (Li et al. 2018, for objects
    with ``split``, e.g. :class:`SingleLayer`): each neuron's incoming weights in the direction, the columns
    of its ``K`` part and of its ``W`` part, are rescaled to the norm of the same column of ``theta``, and the
    bias parts are set to zero, so that a step of 1 changes every neuron by about its own size (and the
    picture does not depend on the arbitrary scale of each layer). ``normalize="unit"``: each direction is
    scaled to unit Euclidean norm.

    Parameters
    ----------
    obj : object
        The objective (with ``split`` for ``"filter"``).
    theta : ndarray, shape (n_params,)
        The centre of the picture.
    seed : int
    normalize : {"filter", "unit"}

    Returns
    -------
    d1, d2 : ndarray, shape (n_params,)

    Raises
    ------
    ValueError
        If ``normalize`` is unknown.
    TypeError
        If ``normalize="filter"`` and ``obj`` has no ``split``.

    References
    ----------
    Li, Xu, Taylor, Studer and Goldstein, NeurIPS 2018 (filter normalization).
    """
    if normalize not in NORMALIZATIONS:
        raise ValueError(f"unknown normalization {normalize!r}; choose one of {', '.join(NORMALIZATIONS)}")
    theta = np.asarray(theta, dtype=np.float64).ravel()
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(2):
        dvec = rng.standard_normal(theta.size)
        if normalize == "unit":
            out.append(dvec / np.linalg.norm(dvec))
            continue
        if not callable(getattr(obj, "split", None)):
            raise TypeError("filter normalization needs an objective with split(theta) (e.g. SingleLayer); "
                            "use normalize='unit'")
        Kt, _, Wt, _ = obj.split(theta)
        Kd, bd, Wd, cd = obj.split(dvec)
        Kd *= np.linalg.norm(Kt, axis=0) / np.maximum(np.linalg.norm(Kd, axis=0), 1e-300)
        Wd *= np.linalg.norm(Wt, axis=0) / np.maximum(np.linalg.norm(Wd, axis=0), 1e-300)
        bd[:] = 0.0
        cd[:] = 0.0
        out.append(dvec)
    return out[0], out[1]


def loss_surface(
    obj: Any,
    theta: np.ndarray,
    n: int = 41,
    span: float = 1.0,
    seed: int = 0,
    *,
    normalize: str = "filter",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The objective on a plane through ``theta`` spanned by two random directions.

    .. math:: \mathrm{values}[i, j] = f(\theta + a_j d_1 + b_i d_2), \qquad a, b \in \mathrm{linspace}(-\mathrm{span}, \mathrm{span}, n),

    with :math:`d_1, d_2` from :func:`surface_directions` (``seed``, ``normalize``). Uses ``obj.value`` if
    present, else ``obj.value_and_grad(...)[0]``: ``n**2`` forward passes (about 1 s for 1000 samples,
    width 30 and the 41 x 41 grid; build ``obj`` on a subsample for a faster picture). The centre of the
    grid (``n`` odd) is ``theta`` itself.

    Parameters
    ----------
    obj : object
        With ``value(theta)`` or ``value_and_grad(theta)``.
    theta : ndarray, shape (n_params,)
    n : int
        Grid points per axis (at least 2).
    span : float
        Half-width of the grid (``> 0``).
    seed : int
        Seed of the directions.
    normalize : {"filter", "unit"}
        See :func:`surface_directions`.

    Returns
    -------
    alphas, betas : ndarray, shape (n,)
    values : ndarray, shape (n, n)
        Rows follow ``betas``, columns ``alphas`` (the layout of a plotly heatmap/contour).

    Raises
    ------
    ValueError
        If ``n < 2`` or ``span`` is not positive (and see :func:`surface_directions`).

    References
    ----------
    Li, Xu, Taylor, Studer and Goldstein, Visualizing the loss landscape of neural nets, NeurIPS 2018.
    """
    n = int(n)
    if n < 2:
        raise ValueError(f"n (grid points per axis) must be at least 2, got {n}")
    span = float(span)
    if not np.isfinite(span) or span <= 0:
        raise ValueError(f"span must be a positive number, got {span}")
    theta = np.asarray(theta, dtype=np.float64).ravel()
    d1, d2 = surface_directions(obj, theta, seed=seed, normalize=normalize)
    grid = np.linspace(-span, span, n)
    fval = obj.value if callable(getattr(obj, "value", None)) else (lambda th: obj.value_and_grad(th)[0])
    values = np.empty((n, n))
    for i, bb in enumerate(grid):
        for j, aa in enumerate(grid):
            values[i, j] = fval(theta + aa * d1 + bb * d2)
    return grid.copy(), grid.copy(), values


def project_onto_plane(
    points: np.ndarray, center: np.ndarray, d1: np.ndarray, d2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    r"""Coordinates ``(a, b)`` of the least-squares projection of each row of ``points`` onto the plane
    ``center + a d1 + b d2`` (to draw an optimization path on a :func:`loss_surface` picture).

    :math:`(a_k, b_k) = \arg\min \|p_k - \mathrm{center} - a d_1 - b d_2\|`.

    Parameters
    ----------
    points : ndarray, shape (k, n_params) or (n_params,)
    center : ndarray, shape (n_params,)
    d1, d2 : ndarray, shape (n_params,)

    Returns
    -------
    a, b : ndarray, shape (k,)

    References
    ----------
    Li et al. (2018), Sec. 7 (optimization paths on the loss surface).
    """
    P = np.atleast_2d(np.asarray(points, dtype=np.float64)) - np.asarray(center, dtype=np.float64).ravel()
    D = np.column_stack([d1, d2])
    coef = np.linalg.lstsq(D, P.T, rcond=None)[0]
    return coef[0], coef[1]


TRAINERS = ("newton_cg", "sgd")


def training_path(
    model: SingleLayer, theta0: np.ndarray, trainer: str = "newton_cg", iterations: int = 30, *, seed: int = 0
) -> list[Step]:
    r"""The iterates of a short training run, to draw on a :func:`loss_surface` picture.

    ``"newton_cg"``: :func:`numdl_core.optim.newton_cg` with 10 CG iterations per step. ``"sgd"``: heavy-ball
    :func:`numdl_core.optim.sgd` (momentum 0.9, batches of 32, shuffled with ``seed``) with the learning rate

    .. math:: \eta = \min\big(0.05,\ \tfrac12\,\eta_{\max}\big), \qquad \eta_{\max} = 2(1 + 0.9)/L,

    half the stability limit of :func:`sgd_lr_limit` at ``theta0`` (``info["lr"]`` of each Step). One
    iteration of SGD is one epoch. The run stops after ``iterations`` iterations, or earlier when it converges;
    a diverging run is cut before its first non-finite iterate.

    Parameters
    ----------
    model : SingleLayer
    theta0 : ndarray, shape (n_params,)
    trainer : {"newton_cg", "sgd"}
    iterations : int
        At least 1.
    seed : int
        Seed of the SGD batches.

    Returns
    -------
    list of Step
        Iteration 0 (``theta0``) first; every ``x`` finite.

    Raises
    ------
    ValueError
        For an unknown ``trainer`` or ``iterations < 1``.

    References
    ----------
    Li, Xu, Taylor, Studer and Goldstein (2018), Sec. 7 (optimization paths on loss surfaces).

    Examples
    --------
    >>> from numdl_core.data import make_dataset
    >>> X, y = make_dataset("peaks", 100, noise=0.0)
    >>> M = SingleLayer(X, y, 5)
    >>> path = training_path(M, M.init_theta(0), "newton_cg", 5)
    >>> len(path), path[-1].loss < path[0].loss
    (6, True)
    """
    from numdl_core.optim import newton_cg, sgd

    if trainer not in TRAINERS:
        raise ValueError(f"unknown trainer {trainer!r}; choose one of {', '.join(TRAINERS)}")
    iterations = check_count("iterations", iterations)
    with np.errstate(all="ignore"):
        if trainer == "newton_cg":
            gen = newton_cg(model, theta0, cg_maxiter=10)
        else:
            lr = min(0.05, 0.5 * sgd_lr_limit(model, theta0, 0.9))
            gen = sgd(model, theta0, lr=lr, batch_size=32, momentum=0.9, seed=seed)
        steps = []
        for s in gen:
            if not (np.isfinite(s.loss) and np.all(np.isfinite(s.x))):
                break
            steps.append(s)
            if s.iteration >= iterations or s.info.get("diverged"):
                break
    return steps


class SurfaceStats(NamedTuple):
    """Result of :func:`surface_statistics`.

    Attributes
    ----------
    centre : float
        The loss at the centre of the grid.
    minimum, maximum : float
        Smallest and largest value on the grid.
    negative_curvature : float
        Fraction of the interior grid points where the loss bends downwards along direction 1.
    local_minima : int
        Interior grid points lower than their 8 neighbours.
    """

    centre: float
    minimum: float
    maximum: float
    negative_curvature: float
    local_minima: int


def surface_statistics(values: np.ndarray) -> SurfaceStats:
    r"""What a :func:`loss_surface` grid says about convexity.

    Along direction 1 (the columns), the second difference
    :math:`f_{i,j-1} - 2 f_{i,j} + f_{i,j+1} < -10^{-12} \max(1, |f_{\rm centre}|)` means the loss bends
    downwards: impossible for a convex function, whose restriction to any line is convex. A local minimum of the
    grid is an interior point lower than its 8 neighbours: more than one means more than one basin (on the grid).

    Parameters
    ----------
    values : ndarray, shape (n, n)
        ``values[i, j]`` as returned by :func:`loss_surface` (``n >= 3``).

    Returns
    -------
    SurfaceStats
        ``(centre, minimum, maximum, negative_curvature, local_minima)``.

    Raises
    ------
    ValueError
        If ``values`` is not a 2-D array with at least 3 points per axis.

    References
    ----------
    S. Boyd and L. Vandenberghe, *Convex Optimization*, Cambridge, 2004, Sec. 3.1.1 (restriction to a line).

    Examples
    --------
    >>> a = np.linspace(-1, 1, 5)
    >>> s = surface_statistics(np.add.outer(a**2, np.cos(3 * a)))    # rows: beta, columns: alpha
    >>> s.centre, s.negative_curvature > 0, s.local_minima
    (1.0, True, 0)
    """
    V = np.asarray(values, dtype=np.float64)
    if V.ndim != 2 or min(V.shape) < 3:
        raise ValueError(f"values must be a 2-D grid with at least 3 points per axis, got shape {V.shape}")
    centre = float(V[V.shape[0] // 2, V.shape[1] // 2])
    d2 = V[:, 2:] - 2 * V[:, 1:-1] + V[:, :-2]
    negative = float(np.mean(d2 < -1e-12 * max(1.0, abs(centre))))
    inner = V[1:-1, 1:-1]
    neighbours = np.stack([V[:-2, 1:-1], V[2:, 1:-1], V[1:-1, :-2], V[1:-1, 2:],
                           V[:-2, :-2], V[2:, 2:], V[:-2, 2:], V[2:, :-2]])
    minima = int(np.sum(np.all(inner < neighbours, axis=0)))
    return SurfaceStats(centre, float(V.min()), float(V.max()), negative, minima)


@dataclass(frozen=True)
class SurfaceExperiment:
    """Result of :func:`surface_experiment`.

    Attributes
    ----------
    alphas, betas : ndarray, shape (n,)
    values : ndarray, shape (n, n)
        The loss on the plane (:func:`loss_surface`).
    path : tuple of ndarray
        ``(a, b)``: the training path projected onto the plane (:func:`project_onto_plane`).
    stats : SurfaceStats
    loss_before, loss_after : float
        The loss at the start and at the end of training.
    accuracy : float
        Training accuracy at the end of training.
    iterations : int
        Training iterations done (fewer than asked if the run converged, stalled or diverged).
    lr : float or None
        The SGD learning rate (``None`` for Newton-CG).
    """

    alphas: np.ndarray
    betas: np.ndarray
    values: np.ndarray
    path: tuple
    stats: SurfaceStats
    loss_before: float
    loss_after: float
    accuracy: float
    iterations: int
    lr: float | None

    def summary(self) -> dict:
        """The headline numbers.

        Returns
        -------
        dict
            The fields of :attr:`stats`, the loss before and after training, the training accuracy and the
            iterations done.
        """
        s = self.stats
        return {"loss at the centre": s.centre, "smallest loss on the grid": s.minimum,
                "largest loss on the grid": s.maximum, "negative curvature fraction": s.negative_curvature,
                "local minima": s.local_minima, "loss before training": self.loss_before,
                "loss after training": self.loss_after, "training accuracy": self.accuracy,
                "training iterations": self.iterations}


def surface_experiment(
    data: str = "peaks",
    n_train: int = 300,
    width: int = 20,
    *,
    activation: str = "tanh",
    loss: str = "softmax",
    center: str = "trained",
    trainer: str = "newton_cg",
    iterations: int = 30,
    span: float = 1.0,
    normalize: str = "filter",
    seed: int = 0,
    n: int = 41,
) -> SurfaceExperiment:
    """The loss-surface lesson: train a network briefly, then picture the loss on a random plane.

    A network (:func:`training_problem`, Tikhonov weight :math:`10^{-4}`) on ``n_train`` points of ``data``,
    trained from its ``theta0`` by :func:`training_path`; the plane passes through the initial or the trained point
    (``center``), with directions from :func:`surface_directions`; the loss on an ``n x n`` grid
    (:func:`loss_surface`), its statistics (:func:`surface_statistics`) and the training path projected onto it.

    Parameters
    ----------
    data : str
        See :func:`train_validation_data` (a 2-D set).
    n_train, width : int
    activation, loss : str
    center : {"initial", "trained"}
    trainer : {"newton_cg", "sgd"}
    iterations : int
    span : float
    normalize : {"filter", "unit"}
    seed : int
        Seed of the data, the start, the SGD batches and the directions.
    n : int
        Grid points per axis.

    Returns
    -------
    SurfaceExperiment

    Raises
    ------
    ValueError
        For an unknown ``center`` (and as the functions it calls).

    References
    ----------
    Li, Xu, Taylor, Studer and Goldstein (2018).

    Examples
    --------
    >>> out = surface_experiment("peaks", 100, 5, iterations=5, n=9)
    >>> out.values.shape, bool(np.isclose(out.stats.centre, out.loss_after))
    ((9, 9), True)
    """
    if center not in ("initial", "trained"):
        raise ValueError(f"unknown center {center!r}; choose 'initial' or 'trained'")
    _, model, theta0 = training_problem(data, n_train, width, activation=activation, loss=loss, seed=seed)
    path = training_path(model, theta0, trainer, iterations, seed=seed)
    theta = path[0].x if center == "initial" else path[-1].x
    a, b, V = loss_surface(model, theta, n=n, span=span, seed=seed, normalize=normalize)
    projected = project_onto_plane(np.array([s.x for s in path]), theta,
                                   *surface_directions(model, theta, seed=seed, normalize=normalize))
    return SurfaceExperiment(a, b, V, projected, surface_statistics(V), float(path[0].loss), float(path[-1].loss),
                             model.accuracy(path[-1].x), int(path[-1].iteration), path[-1].info.get("lr"))


# --------------------------------------------------------------------------------------------
# inverse crime
# --------------------------------------------------------------------------------------------
def make_inverse_crime(
    n_samples: int = 500,
    width: int = 8,
    n_classes: int = 5,
    *,
    n_features: int = 2,
    activation: str = "tanh",
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Data generated by a known network (an "inverse crime": the model class contains the truth).

    Samples :math:`X \sim U[-3, 3]^{n \times d}`; a true network :math:`\theta_{\rm true}` with
    ``K, b`` from :func:`random_hidden` and ``W`` standard normal; the output bias ``c`` is chosen (a few
    fixed-point steps) so that the mean softmax probability of every class is :math:`1/C`, which keeps the
    classes roughly balanced. Returns ``(X, y, Y, theta_true)`` with the real-valued targets
    :math:`Y = \sigma(X K + \mathbf 1 b^\top) W + \mathbf 1 c^\top` and the labels ``y = argmax(Y, axis=1)``.
    A network of the same ``width`` and ``activation`` can fit both exactly (loss 0 on ``Y`` with
    ``loss="squared"``, accuracy 1 on ``y``), so training that does not get there is an optimization failure,
    not a modelling one.

    Parameters
    ----------
    n_samples : int
        ``n``, a positive integer.
    width : int
        Hidden neurons of the true network.
    n_classes : int
        ``C >= 2``.
    n_features : int
        ``d``.
    activation : {"sin", "tanh", "relu", "identity"}
    seed : int

    Returns
    -------
    X : ndarray, shape (n_samples, n_features)
    y : ndarray of int64, shape (n_samples,)
    Y : ndarray, shape (n_samples, n_classes)
    theta_true : ndarray, shape (d m + m + m C + C,)

    Raises
    ------
    ValueError
        If ``activation`` is unknown, ``n_samples`` is not a positive integer or ``n_classes < 2``.

    References
    ----------
    Ruthotto and Haber, Module 4 (the inverse crime); D. Colton and R. Kress, *Inverse Acoustic and
    Electromagnetic Scattering Theory*, 2nd ed., Springer, 1998 (the term).
    """
    if activation not in _ACT:
        raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    if isinstance(n_samples, bool) or int(n_samples) != n_samples or int(n_samples) < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples}")
    n_samples = int(n_samples)
    C = int(n_classes)
    if C < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3.0, 3.0, (n_samples, int(n_features)))
    K, b = random_hidden(int(n_features), width, seed=rng)
    W = rng.standard_normal((int(width), C))
    Z = _ACT[activation](X @ K + b)[0]
    O = Z @ W
    c = np.zeros(C)
    for _ in range(50):
        c -= np.log(np.maximum(softmax(O + c).mean(axis=0), 1e-300) * C)
    c -= c.mean()
    Y = O + c
    theta = np.concatenate([K.ravel(), b, W.ravel(), c])
    return X, np.argmax(Y, axis=1).astype(np.int64), Y, theta


class InverseCrime(NamedTuple):
    """Result of :func:`inverse_crime_problem`.

    Attributes
    ----------
    X : ndarray, shape (n, 2)
    y : ndarray of int64, shape (n,)
        Labels ``argmax(Y)``.
    Y : ndarray, shape (n, C)
        The true network's outputs (the least-squares targets).
    theta_true : ndarray
        The true network's parameters.
    truth : SingleLayer
        The true network's model (``truth.predict(theta_true, P)`` labels any points ``P``).
    X_val : ndarray, shape (n_val, 2)
    y_val : ndarray of int64, shape (n_val,)
        Fresh points, labelled by the true network.
    model : SingleLayer
        The network to train: least squares on ``Y``, width ``width``.
    theta0 : ndarray
        Its random start (``model.init_theta(seed + 1)``).
    """

    X: np.ndarray
    y: np.ndarray
    Y: np.ndarray
    theta_true: np.ndarray
    truth: SingleLayer
    X_val: np.ndarray
    y_val: np.ndarray
    model: SingleLayer
    theta0: np.ndarray


def inverse_crime_problem(
    n_train: int = 300,
    true_width: int = 8,
    width: int = 16,
    *,
    activation: str = "tanh",
    seed: int = 0,
    n_classes: int = 5,
    n_val: int = N_VALIDATION,
) -> InverseCrime:
    """The inverse-crime lesson: data made by a known network, validation points, and a network to train.

    :func:`make_inverse_crime` (``n_train`` samples, a true network of ``true_width`` neurons, ``seed``); fresh
    validation points drawn like the samples, :math:`U[-3, 3]^2` (``seed + 1000``), labelled by the true network;
    a least-squares network of ``width`` neurons on the targets ``Y``, started at ``init_theta(seed + 1)``. If
    ``width >= true_width`` it can fit ``Y`` exactly, so a run that stops short of loss 0 is an optimization
    failure.

    Parameters
    ----------
    n_train, true_width, width : int
    activation : str
        Of both networks.
    seed : int
    n_classes : int
    n_val : int
        Validation points.

    Returns
    -------
    InverseCrime
        ``(X, y, Y, theta_true, truth, X_val, y_val, model, theta0)``.

    Raises
    ------
    ValueError
        As :func:`make_inverse_crime` and :class:`SingleLayer`.

    References
    ----------
    Ruthotto and Haber, Module 4 (the inverse crime).

    Examples
    --------
    >>> crime = inverse_crime_problem(100, 4, 8, n_classes=3, n_val=50)
    >>> crime.truth.accuracy(crime.theta_true, crime.X_val, crime.y_val), crime.model.width
    (1.0, 8)
    """
    X, y, Y, theta_true = make_inverse_crime(n_train, true_width, n_classes, activation=activation, seed=seed)
    truth = SingleLayer(X, Y, true_width, activation=activation, loss="squared")
    X_val = np.random.default_rng(seed + 1000).uniform(-3.0, 3.0, (int(n_val), X.shape[1]))
    model = SingleLayer(X, Y, width, activation=activation, loss="squared")
    return InverseCrime(X, y, Y, theta_true, truth, X_val, truth.predict(theta_true, X_val), model,
                        model.init_theta(seed + 1))

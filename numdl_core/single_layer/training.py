"""The lesson's data and what a trainer needs to know about the model.

The course's split (:func:`train_validation_data`: 1000 training and 2000 validation points of peaks), the
training set-up of the page (:func:`training_problem`), the derivative checks of a network
(:func:`model_checks`), accuracies that survive a diverged run (:func:`accuracies`), and the curvature of the
loss in the output layer with the stability limit of heavy-ball SGD it implies (:func:`output_curvature`,
:func:`sgd_lr_limit`).

References
----------
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 4.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from numdl_core.single_layer.model import SingleLayer

__all__ = [
    "N_VALIDATION", "DataSplit", "train_validation_data", "accuracies", "output_curvature", "sgd_lr_limit",
    "init_scale", "TrainingProblem", "training_problem", "model_checks"
]

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


def init_scale(data: str) -> float:
    r"""The scale :math:`s` of the random hidden layer of a starting point on ``data`` (see :func:`random_hidden`).

    :math:`s = 0.3` for the digits (64 pixels in [0, 1]: with :math:`s = 1` the pre-activations :math:`x^\top k`
    would be several times those of the 2-D sets and saturate tanh), :math:`s = 1` otherwise.

    Parameters
    ----------
    data : str
        A data set name of :func:`train_validation_data`.

    Returns
    -------
    float

    Examples
    --------
    >>> init_scale("digits"), init_scale("peaks")
    (0.3, 1.0)
    """
    return 0.3 if data == "digits" else 1.0


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


def training_problem(data: str = "peaks", n_train: int = 1000, width: int = 30, *, activation: str = "tanh",
                     loss: str = "squared", alpha: float = 1e-4, seed: int = 0) -> TrainingProblem:
    """The training set-up of the single-layer lesson: data, model and starting point.

    The data come from :func:`train_validation_data`; the start is ``model.init_theta(seed, scale=s)`` with
    :math:`s` = :func:`init_scale` ``(data)``.

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
    return TrainingProblem(d, model, model.init_theta(seed, scale=init_scale(data)))


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

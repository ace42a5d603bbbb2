r"""Extreme learning machines: a random hidden layer, the output layer by regularized least squares.

:func:`elm` fits one; :func:`elm_accuracy_vs_width` the accuracy against the width (overfitting once the width
nears the number of samples); :func:`feature_singular_values`, :func:`dead_relu_neurons` and
:func:`condition_number` describe the random features; :func:`elm_experiment` is the page's lesson in one call.

References
----------
G.-B. Huang, Q.-Y. Zhu and C.-K. Siew, Extreme learning machine: theory and applications, Neurocomputing 70
(2006) 489-501.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numdl_core._validate import check_labels, check_nonneg, check_X
from numdl_core.lstsq import solve as lstsq_solve
from numdl_core.single_layer.model import SingleLayer, _check_width, activation, random_hidden
from numdl_core.single_layer.training import DataSplit, accuracies, train_validation_data

__all__ = [
    "ELMResult",
    "elm",
    "elm_accuracy_vs_width",
    "feature_singular_values",
    "dead_relu_neurons",
    "condition_number",
    "numerical_rank",
    "ELM_WIDTHS",
    "ELMExperiment",
    "elm_experiment",
]

def _ridge_output(Z: np.ndarray, Y: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    r"""``(W, c)`` minimizing :math:`\frac1{2n}\|Z W + \mathbf 1 c^\top - Y\|^2 + \frac\alpha2 \|W\|^2`.

    The unregularized bias is eliminated first, :math:`c = \bar Y - \bar Z W` (column means), which
    leaves ridge regression on the centred data, :math:`\min_W \|Z_c W - Y_c\|^2 + n\alpha\|W\|^2`, solved by
    :func:`numdl_core.lstsq.solve`: the normal equations when :math:`\|Z_c\|_F^2 < 10^{10} n\alpha` (then
    :math:`\kappa(Z_c^\top Z_c + n\alpha I) < 10^{10}`), else the SVD (the minimum-norm solution if :math:`\alpha = 0`
    and :math:`Z` is rank deficient).
    """
    n = Z.shape[0]
    zm, ym = Z.mean(axis=0), Y.mean(axis=0)
    Zc, Yc = Z - zm, Y - ym
    # Cholesky of Z_c^T Z_c + n alpha I when the regularization bounds its condition number by 1e10 (relative error
    # ~ 1e-6 at worst; 2x faster than an SVD on the page's width sweep), else the SVD (minimum norm if alpha = 0).
    well_posed = alpha > 0 and float(np.vdot(Zc, Zc)) < 1e10 * n * alpha
    try:
        W = lstsq_solve(Zc, Yc, method="normal" if well_posed else "svd", alpha=n * alpha)
    except ValueError:  # Cholesky broke down: fall back to the SVD
        W = lstsq_solve(Zc, Yc, method="svd", alpha=n * alpha)
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
        If ``X`` or ``y`` is malformed, ``activation`` is unknown, ``width`` is not a positive integer, ``alpha``
        is negative or ``scale`` is not positive.

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
    model, theta, Z = _fit(X, y, width, activation, alpha, seed, scale, n_classes)
    return ELMResult(theta, model, np.linalg.svd(Z, compute_uv=False), model.accuracy(theta))


def _fit(X, y, width, activation, alpha, seed, scale, n_classes):
    """The ELM fit of :func:`elm` without the singular values: ``(model, theta, Z)``."""
    X = check_X(X)
    model = SingleLayer(X, y, width, activation=activation, loss="squared", alpha=0.0, n_classes=n_classes)
    alpha = check_nonneg("alpha", alpha)
    K, b = random_hidden(model.n_features, model.width, seed=seed, scale=scale)
    Z = model._act(X @ K + b)[0]
    W, c = _ridge_output(Z, model.Y, alpha)
    theta = model.join(K, b, W, c)
    model = SingleLayer(X, y, width, activation=activation, loss="squared", alpha=alpha, n_classes=n_classes)
    return model, theta, Z


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
        model, theta, _ = _fit(X, y, int(w), activation, alpha, seed, scale, C)  # no singular values needed
        tr[i] = model.accuracy(theta)
        va[i] = model.accuracy(theta, X_val, y_val)
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
        If an activation is unknown, ``width`` is not a positive integer or ``scale`` is not positive.

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


def numerical_rank(singular_values, n_rows: int) -> int:
    r"""Numerical rank: how many singular values exceed :math:`\tau = \sigma_1 \max(n, m)\, \varepsilon`.

    .. math:: \operatorname{rank}_\tau(Z) = \#\{\, i : \sigma_i > \sigma_1 \max(n, m)\, \varepsilon \,\}

    for an :math:`n \times m` matrix with singular values :math:`\sigma_1 \ge \dots \ge \sigma_{\min(n, m)}`
    (the default threshold of ``numpy.linalg.matrix_rank``): singular values below :math:`\tau` cannot be told
    from round-off in the computed SVD.

    Parameters
    ----------
    singular_values : array_like, shape (min(n, m),)
        Descending, non-negative.
    n_rows : int
        ``n`` (the other dimension is taken as ``max(len(singular_values), n_rows)``).

    Returns
    -------
    int

    References
    ----------
    Golub and Van Loan, *Matrix Computations*, 4th ed., 2013, Sec. 5.4.1 (numerical rank).

    Examples
    --------
    >>> numerical_rank([1.0, 1e-3, 1e-17], 3)
    2
    """
    s = np.asarray(singular_values, dtype=np.float64).ravel()
    if s.size == 0 or s[0] <= 0:
        return 0
    return int(np.sum(s > s[0] * max(int(n_rows), s.size) * np.finfo(np.float64).eps))


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
    def ranks(self) -> dict:
        """``{activation: numerical rank}`` of the feature matrix of each activation (:func:`numerical_rank`)."""
        n = self.data.X.shape[0]
        return {name: numerical_rank(s, n) for name, s in self.singular_values.items()}

    @property
    def cond(self) -> float:
        """cond(Z) of the feature matrix of the chosen activation (:func:`condition_number`)."""
        return condition_number(self.singular_values[self.activation])

    def summary(self) -> dict:
        """The headline numbers.

        Returns
        -------
        dict
            ``"training accuracy"``, ``"validation accuracy"``, ``"cond(Z)"``, ``"dead ReLU neurons"``,
            ``"numerical rank, <activation>"`` for sin, tanh and ReLU, and ``"validation accuracy, width m"`` for
            every width of the curve.
        """
        tr, va = self.accuracies
        return {"training accuracy": tr, "validation accuracy": va, "cond(Z)": self.cond,
                "dead ReLU neurons": self.dead_neurons,
                **{f"numerical rank, {a}": r for a, r in self.ranks.items()},
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
        For an unknown ``data`` or a bad ``n_train`` (:func:`train_validation_data`), or an ``activation``,
        a width, ``alpha`` or ``scale`` that :func:`elm` rejects.

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

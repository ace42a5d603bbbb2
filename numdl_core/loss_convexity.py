r"""Why classifiers are trained with the cross-entropy, not the squared error: convex versus non-convex losses.

For one neuron :math:`\sigma(w_1 x_1 + w_2 x_2)` with labels :math:`y_i \in \{0, 1\}`
(:func:`numdl_core.classify.loss_landscape`):

.. math::
    E_{\mathrm{sq}}(w) = \frac1{2n}\sum_i (\sigma(z_i) - y_i)^2, \qquad
    E_{\mathrm{ce}}(w) = \frac1n\sum_i -y_i\log\sigma(z_i) - (1-y_i)\log(1-\sigma(z_i)), \qquad z_i = w^\top x_i.

:math:`E_{\mathrm{ce}}` is a sum of softplus functions of linear functions, hence convex;
:math:`E_{\mathrm{sq}}` is not: where the sigmoid saturates it flattens into plateaus with vanishing gradient.
On a grid, a convex function has non-negative second differences along every line,
:math:`F_{k-1} - 2F_k + F_{k+1} \ge 0`; one negative second difference proves non-convexity
(:func:`min_second_difference`).

References
----------
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 3 (why cross-entropy).
S. Boyd and L. Vandenberghe, *Convex Optimization*, Cambridge University Press, 2004, Sec. 3.1.4 and 3.2.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numdl_core._validate import check_positive
from numdl_core.classify import loss_landscape
from numdl_core.data import make_dataset, n_classes_of

__all__ = ["min_second_difference", "LossComparison", "compare_losses"]


def min_second_difference(F) -> float:
    r"""The smallest second difference of a grid of values along rows, columns and the main diagonals.

    .. math::
        \min\big(\min_{j,i} F_{j,i-1} - 2F_{j,i} + F_{j,i+1},\ \min_{j,i} F_{j-1,i} - 2F_{j,i} + F_{j+1,i},\
        \min_{j,i} F_{j-1,i-1} - 2F_{j,i} + F_{j+1,i+1}\big).

    A convex function sampled on a uniform grid gives a value :math:`\ge 0` (up to round-off); a negative value
    proves that the function is not convex.

    Parameters
    ----------
    F : array_like, shape (m, n), m, n >= 3
        Values on a uniform grid.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``F`` is not a 2-D array of at least 3 x 3 values.

    References
    ----------
    Boyd and Vandenberghe (2004), Sec. 3.1.4 (second-order condition along lines).

    Examples
    --------
    >>> w = np.linspace(-1.0, 1.0, 5)
    >>> min_second_difference(np.add.outer(w ** 2, w ** 2))   # 2 h^2 with h = 0.5
    0.5
    """
    F = np.asarray(F, dtype=np.float64)
    if F.ndim != 2 or min(F.shape) < 3:
        raise ValueError(f"F must be a 2-D grid of at least 3 x 3 values, got shape {F.shape}")
    return float(min((F[:, 2:] - 2 * F[:, 1:-1] + F[:, :-2]).min(), (F[2:] - 2 * F[1:-1] + F[:-2]).min(),
                     (F[2:, 2:] - 2 * F[1:-1, 1:-1] + F[:-2, :-2]).min()))


@dataclass(frozen=True)
class LossComparison:
    """The squared loss and the cross-entropy of one sigmoid neuron over a grid of weights.

    Attributes
    ----------
    w : ndarray, shape (n_grid,)
        The grid of :math:`w_1` and of :math:`w_2`.
    squared, cross_entropy : ndarray, shape (n_grid, n_grid)
        ``[j, i]`` at :math:`(w_1, w_2) = (w_i, w_j)`.
    curvature_squared, curvature_cross_entropy : float
        Their :func:`min_second_difference`.
    squared_not_convex : bool
        The squared loss has a negative second difference while the cross-entropy's are all non-negative (to
        round-off, ``>= -1e-12``).
    """

    w: np.ndarray
    squared: np.ndarray
    cross_entropy: np.ndarray
    curvature_squared: float
    curvature_cross_entropy: float
    squared_not_convex: bool


def compare_losses(data: str = "linear", *, noise: float = 0.0, w_max: float = 10.0, seed: int = 0,
                   n_samples: int = 200, n_grid: int = 61) -> LossComparison:
    r"""Both losses of :math:`\sigma(w_1 x_1 + w_2 x_2)` on a two-class data set over :math:`|w_1|, |w_2| \le` ``w_max``.

    Parameters
    ----------
    data : str
        A two-class data set of :func:`numdl_core.data.make_dataset` (``"linear"``, ``"ellipses"``,
        ``"moons"``, ``"circles"``, ``"spirals"``).
    noise : float
        Jitter of the points.
    w_max : float
        Half-width of the window of weights.
    seed : int
        Seeds the points.
    n_samples : int
        Number of points.
    n_grid : int
        Grid points per axis (at least 3).

    Returns
    -------
    LossComparison

    Raises
    ------
    ValueError
        If the data set does not have two classes, ``w_max`` is not positive or ``n_grid < 3``.

    References
    ----------
    Ruthotto and Haber, Module 3.

    Examples
    --------
    >>> r = compare_losses("linear", w_max=20.0)
    >>> r.curvature_squared < 0 <= r.curvature_cross_entropy, r.squared_not_convex
    (True, True)
    """
    if n_classes_of(data) != 2:
        raise ValueError(f"the one-neuron model needs two classes; {data!r} has {n_classes_of(data)}")
    w_max = check_positive("w_max", w_max)
    if int(n_grid) < 3:
        raise ValueError(f"n_grid must be at least 3, got {n_grid}")
    X, y = make_dataset(data, n_samples, noise, seed)
    w = np.linspace(-float(w_max), float(w_max), int(n_grid))
    sq, ce = loss_landscape(X, y, w, w, "squared"), loss_landscape(X, y, w, w, "cross_entropy")
    d_sq, d_ce = min_second_difference(sq), min_second_difference(ce)
    return LossComparison(w, sq, ce, d_sq, d_ce, bool(d_sq < 0 <= d_ce + 1e-12))

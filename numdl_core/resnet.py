r"""Residual networks as discretized ODEs: the forward pass (forward Euler and RK4), the backward pass of the
Euler network (the discrete adjoint), and the stability of forward Euler on the linear test equation
(Module 7 of the course, slides ``07-NumDNN-ResNets.tex``).

With **samples as rows** (the course stores them as columns and writes :math:`\mathbf K_j \mathbf Y_j`), a residual
network of :math:`L` layers with step size :math:`h` is forward Euler on :math:`\dot Y = \sigma(Y K(t) + b(t))`:

.. math::
    Y_{j+1} = Y_j + h\, \sigma(Y_j K_j + \mathbf 1 b_j^\top), \qquad j = 0, \ldots, L-1,

so the network's depth :math:`L` and step :math:`h` play the roles of the number of time steps and the step
size, and the final time is :math:`T = L h`. With :math:`\sigma` the identity and :math:`b = 0` each layer
multiplies by :math:`I + hK`; along an eigenvector of :math:`K` with eigenvalue :math:`\lambda` the state is
multiplied by :math:`1 + h\lambda`, and the network is stable (states stay bounded for every depth) when

.. math::
    |1 + h\lambda| \le 1 \quad \text{for every eigenvalue } \lambda \text{ of } K,

the disc of radius 1 around :math:`-1` being forward Euler's region of absolute stability.

References
----------
E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018) 014004
(arXiv:1705.03341, 2017).
K. He, X. Zhang, S. Ren and J. Sun, Deep residual learning for image recognition, CVPR 2016.
E. Hairer, S. P. Nørsett and G. Wanner, *Solving Ordinary Differential Equations I*, 2nd ed., Springer, 1993
(Sec. II.1, the classical Runge-Kutta method; Sec. IV.2, stability regions).
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 7 (slides 07-NumDNN-ResNets.tex).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["ACTIVATIONS", "SCHEMES", "forward", "backward_euler", "amplification_factors", "max_stable_step"]

SCHEMES = ("euler", "rk4")


def _tanh_prime(a: np.ndarray) -> np.ndarray:
    return 1.0 - np.tanh(a) ** 2


#: name -> (activation, its derivative), both elementwise.
ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "tanh": (np.tanh, _tanh_prime),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a: (a > 0).astype(float)),
    "identity": (lambda a: a, np.ones_like),
}


def _check(Y0: np.ndarray, K: np.ndarray, b: np.ndarray, h: float, activation: str
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    Y0 = np.asarray(Y0, dtype=float)
    K = np.asarray(K, dtype=float)
    b = np.asarray(b, dtype=float)
    if Y0.ndim != 2:
        raise ValueError(f"Y0 must have shape (n, d), got {Y0.shape}")
    n, d = Y0.shape
    if K.ndim != 3 or K.shape[1:] != (d, d):
        raise ValueError(f"K must have shape (L, {d}, {d}), got {K.shape}")
    if b.shape != (K.shape[0], d):
        raise ValueError(f"b must have shape ({K.shape[0]}, {d}), got {b.shape}")
    if not np.isfinite(h):
        raise ValueError(f"h must be a finite number, got {h}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
    return Y0, K, b, float(h)


def forward(Y0: np.ndarray, K: np.ndarray, b: np.ndarray, h: float, *, activation: str = "tanh",
            scheme: str = "euler") -> np.ndarray:
    r"""All states of a residual network: forward Euler (the ResNet) or classical RK4 per layer.

    ``"euler"`` (He et al. 2016; Haber and Ruthotto 2017):

    .. math::
        Y_{j+1} = Y_j + h\, \sigma(Y_j K_j + \mathbf 1 b_j^\top).

    ``"rk4"``: one classical Runge-Kutta step of size :math:`h` of :math:`\dot Y = F_j(Y) = \sigma(Y K_j +
    \mathbf 1 b_j^\top)` per layer (Hairer, Nørsett and Wanner, Sec. II.1):

    .. math::
        Y_{j+1} = Y_j + \tfrac h6 (Z_1 + 2 Z_2 + 2 Z_3 + Z_4), \quad
        Z_1 = F_j(Y_j),\; Z_2 = F_j(Y_j + \tfrac h2 Z_1),\; Z_3 = F_j(Y_j + \tfrac h2 Z_2),\;
        Z_4 = F_j(Y_j + h Z_3).

    Parameters
    ----------
    Y0 : ndarray, shape (n, d)
        Input features, one sample per row.
    K : ndarray, shape (L, d, d)
        Layer weights.
    b : ndarray, shape (L, d)
        Layer biases.
    h : float
        Step size (the final time is ``T = L * h``).
    activation : {"tanh", "relu", "identity"}
        The elementwise :math:`\sigma`.
    scheme : {"euler", "rk4"}
        Time integrator per layer.

    Returns
    -------
    ndarray, shape (L+1, n, d)
        ``Y[0] = Y0`` and the state after every layer.

    Raises
    ------
    ValueError
        Wrong shapes, a non-finite ``h``, an unknown activation or scheme.

    Examples
    --------
    With the identity, ``K = -I`` and ``b = 0`` every Euler layer multiplies by ``1 - h``:

    >>> Y = forward(np.ones((1, 2)), -np.stack([np.eye(2)] * 3), np.zeros((3, 2)), 0.5, activation="identity")
    >>> Y[:, 0, 0]
    array([1.   , 0.5  , 0.25 , 0.125])
    """
    Y0, K, b, h = _check(Y0, K, b, h, activation)
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {SCHEMES}")
    act = ACTIVATIONS[activation][0]
    L = K.shape[0]
    Y = np.empty((L + 1, *Y0.shape))
    Y[0] = Y0
    for j in range(L):
        def F(Z: np.ndarray, j: int = j) -> np.ndarray:
            return act(Z @ K[j] + b[j])
        if scheme == "euler":
            Y[j + 1] = Y[j] + h * F(Y[j])
        else:
            Z1 = F(Y[j])
            Z2 = F(Y[j] + 0.5 * h * Z1)
            Z3 = F(Y[j] + 0.5 * h * Z2)
            Z4 = F(Y[j] + h * Z3)
            Y[j + 1] = Y[j] + (h / 6.0) * (Z1 + 2.0 * Z2 + 2.0 * Z3 + Z4)
    return Y


def backward_euler(Y: np.ndarray, K: np.ndarray, b: np.ndarray, h: float, dYL: np.ndarray, *,
                   activation: str = "tanh") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backpropagation through the Euler ResNet: the discrete adjoint (reverse) loop.

    For a loss :math:`\ell(Y_L)` with :math:`\Delta_L = \partial \ell / \partial Y_L`, :math:`A_j = Y_j K_j +
    \mathbf 1 b_j^\top` and :math:`G_j = \Delta_{j+1} \odot \sigma'(A_j)`, for :math:`j = L-1, \ldots, 0`:

    .. math::
        \nabla_{K_j} \ell = h\, Y_j^\top G_j, \qquad \nabla_{b_j} \ell = h\, G_j^\top \mathbf 1, \qquad
        \Delta_j = \Delta_{j+1} + h\, G_j K_j^\top,

    the transpose of each layer's Jacobian applied to :math:`\Delta_{j+1}`; the identity term carries the
    gradient back unchanged, which is why residual networks train at depth (He et al. 2016; Haber and
    Ruthotto 2017). The name refers to the forward scheme, forward Euler, not to the backward Euler method.

    Parameters
    ----------
    Y : ndarray, shape (L+1, n, d)
        The states from ``forward(..., scheme="euler")`` with the same ``K``, ``b``, ``h``, ``activation``.
    K : ndarray, shape (L, d, d)
        Layer weights.
    b : ndarray, shape (L, d)
        Layer biases.
    h : float
        Step size.
    dYL : ndarray, shape (n, d)
        Gradient of the loss in the final state ``Y[L]``.
    activation : {"tanh", "relu", "identity"}
        The activation of the forward pass.

    Returns
    -------
    dY0 : ndarray, shape (n, d)
        Gradient in the input ``Y0``.
    dK : ndarray, shape (L, d, d)
        Gradient in the weights.
    db : ndarray, shape (L, d)
        Gradient in the biases.

    Raises
    ------
    ValueError
        Shapes that do not match, a non-finite ``h`` or an unknown activation.
    """
    Y = np.asarray(Y, dtype=float)
    if Y.ndim != 3:
        raise ValueError(f"Y must have shape (L+1, n, d), got {Y.shape}")
    _, K, b, h = _check(Y[0], K, b, h, activation)
    L = K.shape[0]
    if Y.shape[0] != L + 1:
        raise ValueError(f"Y has {Y.shape[0]} states, K has {L} layers (need L+1 states)")
    delta = np.array(dYL, dtype=float)
    if delta.shape != Y.shape[1:]:
        raise ValueError(f"dYL must have shape {Y.shape[1:]}, got {delta.shape}")
    dact = ACTIVATIONS[activation][1]
    dK = np.empty_like(K)
    db = np.empty_like(b)
    for j in range(L - 1, -1, -1):
        G = delta * dact(Y[j] @ K[j] + b[j])
        dK[j] = h * (Y[j].T @ G)
        db[j] = h * G.sum(axis=0)
        delta = delta + h * (G @ K[j].T)
    return delta, dK, db


def amplification_factors(K: np.ndarray, h: float, *, scheme: str = "euler") -> np.ndarray:
    r"""Amplification factors :math:`R(h\lambda)` of one layer on the linear test equation :math:`\dot Y = YK`.

    With :math:`\lambda` the eigenvalues of :math:`K` (those of :math:`K^\top`, the course's convention, are the
    same), one layer multiplies the component along each eigenvector by

    .. math::
        R_{\mathrm{Euler}}(z) = 1 + z, \qquad R_{\mathrm{RK4}}(z) = 1 + z + \tfrac{z^2}{2} + \tfrac{z^3}{6}
        + \tfrac{z^4}{24}, \qquad z = h\lambda,

    and the network is stable when :math:`|R(h\lambda)| \le 1` for all of them (Hairer, Nørsett and Wanner,
    Sec. IV.2; Haber and Ruthotto 2017).

    Parameters
    ----------
    K : ndarray, shape (d, d)
        Layer weight (one matrix).
    h : float
        Step size.
    scheme : {"euler", "rk4"}
        The integrator.

    Returns
    -------
    ndarray, shape (d,), complex
        :math:`R(h\lambda_i)`; take ``abs`` for the growth per layer.

    Raises
    ------
    ValueError
        ``K`` not square, or an unknown scheme.

    Examples
    --------
    The course's rotation with slight damping, ``a = -0.001``, ``h = 0.1``:

    >>> K = np.array([[-0.001, -0.2], [0.2, -0.001]])
    >>> np.round(np.abs(amplification_factors(K, 0.1)), 6)
    array([1.0001, 1.0001])
    """
    K = np.asarray(K, dtype=float)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square matrix, got shape {K.shape}")
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {SCHEMES}")
    z = h * np.linalg.eigvals(K).astype(complex)
    if scheme == "euler":
        return 1.0 + z
    return 1.0 + z + z ** 2 / 2.0 + z ** 3 / 6.0 + z ** 4 / 24.0


def max_stable_step(K: np.ndarray) -> float:
    r"""Largest step :math:`h` for which the forward-Euler network with weight :math:`K` is stable.

    For :math:`\lambda = \alpha + i\beta`, :math:`|1 + h\lambda|^2 = 1 + 2h\alpha + h^2|\lambda|^2 \le 1` holds
    exactly for

    .. math::
        0 \le h \le h_{\max} = \min_{\lambda \ne 0} \frac{-2\, \mathrm{Re}\,\lambda}{|\lambda|^2},

    which needs :math:`\mathrm{Re}\,\lambda < 0` for every nonzero eigenvalue: an eigenvalue on the imaginary axis
    (e.g. an antisymmetric :math:`K`) or in the right half plane makes forward Euler unstable for every
    :math:`h > 0` (Haber and Ruthotto 2017). For :math:`K` symmetric negative definite this is
    :math:`2 / |\lambda_{\min}|`.

    Parameters
    ----------
    K : ndarray, shape (d, d)
        Layer weight (one matrix).

    Returns
    -------
    float
        :math:`h_{\max}`; ``0.0`` when no positive step is stable (real parts within ``1e-12`` relative of zero
        count as zero), ``inf`` when every eigenvalue is zero.

    Raises
    ------
    ValueError
        ``K`` not square.

    Examples
    --------
    >>> max_stable_step(np.diag([-1.0, -3.0]))  # 2 / 3
    0.666...
    >>> max_stable_step(np.array([[0.0, 1.0], [-1.0, 0.0]]))  # antisymmetric: unstable for every h
    0.0
    """
    K = np.asarray(K, dtype=float)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square matrix, got shape {K.shape}")
    lam = np.linalg.eigvals(K).astype(complex)
    scale = float(np.max(np.abs(lam))) if lam.size else 0.0
    if scale == 0.0:
        return float("inf")
    lam = lam[np.abs(lam) > 1e-12 * scale]
    if np.any(lam.real >= -1e-12 * scale):
        return 0.0
    return float(np.min(-2.0 * lam.real / np.abs(lam) ** 2))

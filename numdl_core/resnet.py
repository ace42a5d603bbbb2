r"""Residual networks as discretized ODEs: forward passes with several time integrators, their discrete adjoints
(backward passes), the reversible leapfrog (Hamiltonian) network, and the stability of each integrator on the linear
test equation (Module 7 of the course, slides ``07-NumDNN-ResNets.tex``).

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

Options shared by :func:`forward` and :func:`backward` (keyword-only, same names in both):

- ``scheme`` (:data:`SCHEMES`): ``"euler"`` (the ResNet), ``"heun"`` and ``"midpoint"`` (two-stage, order 2),
  ``"rk4"`` (classical Runge-Kutta, order 4), all one step of size :math:`h` per layer of
  :math:`\dot Y = f_j(Y)`; ``"leapfrog"`` (Störmer-Verlet, order 2, reversible) for the second-order equation
  :math:`\ddot Y = f_j(Y)`, :math:`\dot Y(0) = 0`.
- ``architecture`` (:data:`ARCHITECTURES`), the right-hand side :math:`f_j`:
  ``"standard"`` :math:`f_j(Y) = \sigma(Y K_j + \mathbf 1 b_j^\top)`;
  ``"antisymmetric"`` :math:`f_j(Y) = \sigma(Y (K_j - K_j^\top - \gamma I) + \mathbf 1 b_j^\top)` (Jacobian
  eigenvalues :math:`-\gamma \sigma' + i\beta`: on the imaginary axis for :math:`\gamma = 0`, where forward Euler
  is unstable for every :math:`h`);
  ``"parabolic"`` :math:`f_j(Y) = -\sigma(Y K_j + \mathbf 1 b_j^\top) K_j^\top` (rows form of the course's
  :math:`-K^\top \sigma(K y + b)`; Jacobian :math:`-K_j\, \mathrm{diag}(\sigma') K_j^\top`, symmetric negative
  semidefinite). ``"leapfrog"`` with ``"parabolic"`` is the Hamiltonian (leapfrog) network of Haber and Ruthotto
  (2017) and Chang et al. (2018): :math:`Y_{j+1} = 2Y_j - Y_{j-1} - h^2 \sigma(Y_j K_j + b_j) K_j^\top`.
- ``gamma`` (float, default 0): the shift :math:`\gamma` of the antisymmetric architecture (ignored by the others).

References
----------
E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018) 014004
(arXiv:1705.03341, 2017).
K. He, X. Zhang, S. Ren and J. Sun, Deep residual learning for image recognition, CVPR 2016.
B. Chang, L. Meng, E. Haber, L. Ruthotto, D. Begert and E. Holtham, Reversible architectures for arbitrarily
deep residual neural networks, AAAI 2018.
E. Hairer, S. P. Nørsett and G. Wanner, *Solving Ordinary Differential Equations I*, 2nd ed., Springer, 1993
(Sec. II.1, Runge-Kutta methods; Sec. IV.2, stability regions).
E. Hairer, C. Lubich and G. Wanner, *Geometric Numerical Integration*, 2nd ed., Springer, 2006 (Sec. I.1.4,
the Störmer-Verlet scheme).
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 7 (slides 07-NumDNN-ResNets.tex).
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from numdl_core._validate import as_float_array

__all__ = ["ACTIVATIONS", "ARCHITECTURES", "SCHEMES", "TABLEAUS", "forward", "backward", "backward_euler", "linearized",
           "reverse", "reverse_states", "layer_jacobian", "layer_eigenvalues", "stability_function",
           "amplification_factors", "max_stable_step"]

#: Every scheme name valid in :func:`forward`, :func:`backward` and the stability helpers.
SCHEMES = ("euler", "heun", "midpoint", "rk4", "leapfrog")
#: Every right-hand side valid as ``architecture=``.
ARCHITECTURES = ("standard", "antisymmetric", "parabolic")

#: Butcher tableaus ``(A, weights)`` of the explicit Runge-Kutta schemes (strictly lower triangular ``A``).
TABLEAUS: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "euler": (np.zeros((1, 1)), np.array([1.0])),
    "heun": (np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([0.5, 0.5])),
    "midpoint": (np.array([[0.0, 0.0], [0.5, 0.0]]), np.array([0.0, 1.0])),
    "rk4": (np.array([[0.0, 0.0, 0.0, 0.0], [0.5, 0.0, 0.0, 0.0], [0.0, 0.5, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]),
            np.array([1.0, 2.0, 2.0, 1.0]) / 6.0),
}


def _tanh_prime(a: np.ndarray) -> np.ndarray:
    return 1.0 - np.tanh(a) ** 2


#: name -> (activation, its derivative), both elementwise.
ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "tanh": (np.tanh, _tanh_prime),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a: (a > 0).astype(float)),
    "identity": (lambda a: a, np.ones_like),
}


def _check(Y0: np.ndarray, K: np.ndarray, b: np.ndarray, h: float, activation: str, scheme: str = "euler",
           architecture: str = "standard", gamma: float = 0.0
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    Y0, K, b = as_float_array("Y0", Y0), as_float_array("K", K), as_float_array("b", b)
    if Y0.ndim != 2:
        raise ValueError(f"Y0 must have shape (n, d), got {Y0.shape}")
    n, d = Y0.shape
    if K.ndim != 3 or K.shape[1:] != (d, d):
        raise ValueError(f"K must have shape (L, {d}, {d}), got {K.shape}")
    if b.shape != (K.shape[0], d):
        raise ValueError(f"b must have shape ({K.shape[0]}, {d}), got {b.shape}")
    if isinstance(h, (str, bytes)) or h is None or np.ndim(h) != 0:
        raise TypeError(f"h must be a number, got {h!r}")
    if not np.isfinite(h):
        raise ValueError(f"h must be a finite number, got {h}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
    _check_names(scheme, architecture, gamma)
    return Y0, K, b, float(h)


def _check_names(scheme: str, architecture: str, gamma: float) -> None:
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {SCHEMES}")
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}; choose one of {ARCHITECTURES}")
    if not np.isfinite(gamma):
        raise ValueError(f"gamma must be a finite number, got {gamma}")


class _Rhs:
    """The right-hand side f_j of one layer and its vector-Jacobian products (in Y and in K_j, b_j)."""

    def __init__(self, Kj: np.ndarray, bj: np.ndarray, activation: str, architecture: str, gamma: float):
        self.K, self.b, self.arch = Kj, bj, architecture
        self.act, self.dact = ACTIVATIONS[activation]
        self.W = Kj - Kj.T - gamma * np.eye(Kj.shape[0]) if architecture == "antisymmetric" else Kj

    def __call__(self, Y: np.ndarray) -> np.ndarray:
        S = self.act(Y @ self.W + self.b)
        return -S @ self.K.T if self.arch == "parabolic" else S

    def jvp(self, Y: np.ndarray, dY: np.ndarray, dK: np.ndarray, db: np.ndarray) -> np.ndarray:
        """The directional derivative of f at Y along (dY, dK, db)."""
        dW = dK - dK.T if self.arch == "antisymmetric" else dK
        A = Y @ self.W + self.b
        dS = self.dact(A) * (dY @ self.W + Y @ dW + db)
        if self.arch == "parabolic":
            return -dS @ self.K.T - self.act(A) @ dK.T
        return dS

    def vjp(self, Y: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(J_Y^T P, J_K^T P, J_b^T P) for the adjoint P of f(Y)."""
        A = Y @ self.W + self.b
        if self.arch == "parabolic":
            G = -(P @ self.K) * self.dact(A)
            dK = Y.T @ G - P.T @ self.act(A)
        else:
            G = P * self.dact(A)
            dK = Y.T @ G
            if self.arch == "antisymmetric":
                dK = dK - dK.T
        return G @ self.W.T, dK, G.sum(axis=0)


def forward(Y0: np.ndarray, K: np.ndarray, b: np.ndarray, h: float, *, activation: str = "tanh",
            scheme: str = "euler", architecture: str = "standard", gamma: float = 0.0) -> np.ndarray:
    r"""All states of a residual network: one step of a time integrator per layer.

    ``"euler"`` (He et al. 2016; Haber and Ruthotto 2017), with :math:`f_j(Y) = \sigma(Y K_j + \mathbf 1
    b_j^\top)` for the standard architecture:

    .. math::
        Y_{j+1} = Y_j + h\, f_j(Y_j).

    ``"heun"``, ``"midpoint"``, ``"rk4"``: the explicit Runge-Kutta step of :data:`TABLEAUS` (Hairer, Nørsett
    and Wanner, Sec. II.1), e.g. for RK4

    .. math::
        Y_{j+1} = Y_j + \tfrac h6 (Z_1 + 2 Z_2 + 2 Z_3 + Z_4), \quad
        Z_1 = f_j(Y_j),\; Z_2 = f_j(Y_j + \tfrac h2 Z_1),\; Z_3 = f_j(Y_j + \tfrac h2 Z_2),\;
        Z_4 = f_j(Y_j + h Z_3),

    Heun :math:`Y_{j+1} = Y_j + \tfrac h2 (f_j(Y_j) + f_j(Y_j + h f_j(Y_j)))`, midpoint
    :math:`Y_{j+1} = Y_j + h f_j(Y_j + \tfrac h2 f_j(Y_j))`.
    ``"leapfrog"``: Störmer-Verlet for :math:`\ddot Y = f(Y)`, :math:`\dot Y(0) = 0` (Chang et al. 2018):

    .. math::
        Y_1 = Y_0 + \tfrac{h^2}{2} f_0(Y_0), \qquad Y_{j+1} = 2 Y_j - Y_{j-1} + h^2 f_j(Y_j) \quad (j \ge 1).

    The architectures (``f_j``) are listed in the module docstring.

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
    scheme : {"euler", "heun", "midpoint", "rk4", "leapfrog"}
        Time integrator per layer (:data:`SCHEMES`).
    architecture : {"standard", "antisymmetric", "parabolic"}
        The right-hand side :math:`f_j` (:data:`ARCHITECTURES`).
    gamma : float
        Shift of the antisymmetric architecture :math:`K - K^\top - \gamma I`.

    Returns
    -------
    ndarray, shape (L+1, n, d)
        ``Y[0] = Y0`` and the state after every layer.

    Raises
    ------
    ValueError
        Wrong shapes, a non-finite ``h`` or ``gamma``, an unknown activation, scheme or architecture.

    References
    ----------
    He et al. (2016); Haber and Ruthotto (2017); Chang et al. (2018); Hairer, Nørsett and Wanner, Sec. II.1.

    Examples
    --------
    With the identity, ``K = -I`` and ``b = 0`` every Euler layer multiplies by ``1 - h``:

    >>> Y = forward(np.ones((1, 2)), -np.stack([np.eye(2)] * 3), np.zeros((3, 2)), 0.5, activation="identity")
    >>> Y[:, 0, 0]
    array([1.   , 0.5  , 0.25 , 0.125])
    """
    Y0, K, b, h = _check(Y0, K, b, h, activation, scheme, architecture, gamma)
    L = K.shape[0]
    Y = np.empty((L + 1, *Y0.shape))
    Y[0] = Y0
    if scheme == "leapfrog":
        for j in range(L):
            f = _Rhs(K[j], b[j], activation, architecture, gamma)
            if j == 0:
                Y[1] = Y[0] + (0.5 * h * h) * f(Y[0])
            else:
                Y[j + 1] = 2.0 * Y[j] - Y[j - 1] + (h * h) * f(Y[j])
        return Y
    A, w = TABLEAUS[scheme]
    for j in range(L):
        f = _Rhs(K[j], b[j], activation, architecture, gamma)
        if scheme == "euler":
            Y[j + 1] = Y[j] + h * f(Y[j])
            continue
        stages = []
        for i in range(len(w)):
            Z = Y[j].copy()
            for m in range(i):
                if A[i, m]:
                    Z += (h * A[i, m]) * stages[m]
            stages.append(f(Z))
        Y[j + 1] = Y[j] + h * sum(wi * k for wi, k in zip(w, stages) if wi)
    return Y


def backward(Y: np.ndarray, K: np.ndarray, b: np.ndarray, h: float, dYL: np.ndarray, *, activation: str = "tanh",
             scheme: str = "euler", architecture: str = "standard", gamma: float = 0.0
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backpropagation through a residual network: the discrete adjoint of :func:`forward`, any scheme.

    For a loss :math:`\ell(Y_L)` with :math:`\Lambda_L = \partial\ell/\partial Y_L`, each layer's step
    :math:`Y_{j+1} = \Phi_j(Y_j)` is transposed in reverse order, :math:`\Lambda_j = (\partial \Phi_j /
    \partial Y_j)^\top \Lambda_{j+1}`, :math:`\nabla_{\theta_j}\ell = (\partial\Phi_j/\partial\theta_j)^\top
    \Lambda_{j+1}`. For an explicit Runge-Kutta step with stages :math:`Z_i = Y_j + h\sum_{m<i} a_{im} k_m`,
    :math:`k_i = f_j(Z_i)`, :math:`Y_{j+1} = Y_j + h \sum_i w_i k_i`, for :math:`i = s, \ldots, 1`:

    .. math::
        \kappa_i = h\, w_i \Lambda_{j+1} + h \sum_{m > i} a_{mi}\, \zeta_m, \qquad
        \zeta_i = J_{f_j}(Z_i)^\top \kappa_i, \qquad
        \Lambda_j = \Lambda_{j+1} + \sum_i \zeta_i,

    and :math:`\nabla_{\theta_j}\ell = \sum_i (\partial f_j(Z_i)/\partial\theta_j)^\top \kappa_i`. For Euler and
    the standard architecture, with :math:`G_j = \Lambda_{j+1} \odot \sigma'(Y_j K_j + b_j)`:
    :math:`\nabla_{K_j}\ell = h Y_j^\top G_j`, :math:`\nabla_{b_j}\ell = h G_j^\top \mathbf 1`,
    :math:`\Lambda_j = \Lambda_{j+1} + h G_j K_j^\top`. For the leapfrog recursion, :math:`\Lambda_{j-1}` also
    receives :math:`-\Lambda_{j+1}` and :math:`\Lambda_j` receives :math:`2\Lambda_{j+1} + h^2
    J_{f_j}(Y_j)^\top \Lambda_{j+1}` (Haber and Ruthotto 2017; Chang et al. 2018).

    Parameters
    ----------
    Y : ndarray, shape (L+1, n, d)
        The states from :func:`forward` with the same ``K``, ``b``, ``h`` and options.
    K, b, h
        Layer weights, biases and step size, as in :func:`forward`.
    dYL : ndarray, shape (n, d)
        Gradient of the loss in the final state ``Y[L]``.
    activation, scheme, architecture, gamma
        The options of the forward pass (see :func:`forward`).

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
        Shapes that do not match, a non-finite ``h`` or ``gamma``, an unknown activation, scheme or architecture.

    References
    ----------
    Haber and Ruthotto (2017); Chang et al. (2018); Hairer, Nørsett and Wanner, Sec. II.1.

    Examples
    --------
    >>> Y0, K, b = np.ones((1, 1)), np.full((2, 1, 1), -1.0), np.zeros((2, 1))
    >>> Y = forward(Y0, K, b, 0.5, activation="identity", scheme="heun")
    >>> float(backward(Y, K, b, 0.5, np.ones((1, 1)), activation="identity", scheme="heun")[0][0, 0])
    0.390625
    """
    Y = as_float_array("Y", Y)
    if Y.ndim != 3:
        raise ValueError(f"Y must have shape (L+1, n, d), got {Y.shape}")
    _, K, b, h = _check(Y[0], K, b, h, activation, scheme, architecture, gamma)
    L = K.shape[0]
    if Y.shape[0] != L + 1:
        raise ValueError(f"Y has {Y.shape[0]} states, K has {L} layers (need L+1 states)")
    lam = np.array(as_float_array("dYL", dYL))
    if lam.shape != Y.shape[1:]:
        raise ValueError(f"dYL must have shape {Y.shape[1:]}, got {lam.shape}")
    dK = np.empty_like(K)
    db = np.empty_like(b)
    if scheme == "leapfrog":
        nxt = np.zeros_like(lam)  # the part of Lambda_{j} already received from step j+1 (the -Lambda_{j+2} term)
        for j in range(L - 1, -1, -1):
            f = _Rhs(K[j], b[j], activation, architecture, gamma)
            c = 0.5 * h * h if j == 0 else h * h
            gY, dK[j], db[j] = f.vjp(Y[j], lam)
            dK[j] *= c
            db[j] *= c
            new = nxt + (lam if j == 0 else 2.0 * lam) + c * gY
            nxt = -lam if j >= 1 else nxt
            lam = new
        return lam, dK, db
    A, w = TABLEAUS[scheme]
    s = len(w)
    for j in range(L - 1, -1, -1):
        f = _Rhs(K[j], b[j], activation, architecture, gamma)
        if scheme == "euler":
            gY, gK, gb = f.vjp(Y[j], lam)
            dK[j], db[j] = h * gK, h * gb
            lam = lam + h * gY
            continue
        Zs, ks = [], []
        for i in range(s):
            Z = Y[j].copy()
            for m in range(i):
                if A[i, m]:
                    Z += (h * A[i, m]) * ks[m]
            Zs.append(Z)
            ks.append(f(Z))
        zeta = [None] * s
        gK_sum = np.zeros_like(K[j])
        gb_sum = np.zeros_like(b[j])
        new = lam.copy()
        for i in range(s - 1, -1, -1):
            kappa = (h * w[i]) * lam
            for m in range(i + 1, s):
                if A[m, i]:
                    kappa = kappa + (h * A[m, i]) * zeta[m]
            zeta[i], gK, gb = f.vjp(Zs[i], kappa)
            gK_sum += gK
            gb_sum += gb
            new += zeta[i]
        dK[j], db[j] = gK_sum, gb_sum
        lam = new
    return lam, dK, db


def linearized(Y: np.ndarray, K: np.ndarray, b: np.ndarray, h: float, dY0: np.ndarray, dK: np.ndarray,
               db: np.ndarray, *, activation: str = "tanh", scheme: str = "euler", architecture: str = "standard",
               gamma: float = 0.0) -> np.ndarray:
    r"""The linearized network (forward-mode derivative): all states' derivatives along :math:`(\delta Y_0,
    \delta K, \delta b)`; :func:`backward` is its transpose.

    Each step is differentiated: for a Runge-Kutta step, :math:`\delta Z_i = \delta Y_j + h\sum_{m<i} a_{im}
    \delta k_m`, :math:`\delta k_i = J_{f_j}(Z_i)\delta Z_i + \partial_\theta f_j(Z_i)\,\delta\theta_j`,
    :math:`\delta Y_{j+1} = \delta Y_j + h \sum_i w_i \delta k_i`; for leapfrog

    .. math::
        \delta Y_{j+1} = 2\delta Y_j - \delta Y_{j-1} + h^2 \big(J_{f_j}(Y_j)\delta Y_j +
        \partial_\theta f_j(Y_j)\,\delta\theta_j\big),

    with, for the standard architecture, :math:`J_{f_j}(Y)\delta Y + \partial_\theta f_j\,\delta\theta =
    \sigma'(Y K_j + b_j) \odot (\delta Y K_j + Y \delta K_j + \mathbf 1 \delta b_j^\top)`. The adjoint
    test :math:`\langle W, \delta Y_L\rangle = \langle \mathrm{backward}(W), (\delta Y_0, \delta K, \delta b)
    \rangle` checks :func:`backward` against it.

    Parameters
    ----------
    Y, K, b, h
        As in :func:`backward`.
    dY0, dK, db : ndarray
        The direction, shapes of ``Y[0]``, ``K``, ``b``.
    activation, scheme, architecture, gamma
        The options of the forward pass (see :func:`forward`).

    Returns
    -------
    ndarray, shape (L+1, n, d)
        :math:`\delta Y_0, \ldots, \delta Y_L`.

    Raises
    ------
    ValueError
        Shapes that do not match, or unknown names.

    References
    ----------
    Haber and Ruthotto (2017); Ruthotto and Haber, Module 0 (adjoint test).
    """
    Y = as_float_array("Y", Y)
    if Y.ndim != 3:
        raise ValueError(f"Y must have shape (L+1, n, d), got {Y.shape}")
    _, K, b, h = _check(Y[0], K, b, h, activation, scheme, architecture, gamma)
    L = K.shape[0]
    dY0, dK, db = (np.asarray(a, dtype=float) for a in (dY0, dK, db))
    if Y.shape[0] != L + 1 or dY0.shape != Y.shape[1:] or dK.shape != K.shape or db.shape != b.shape:
        raise ValueError("Y must have L+1 states and dY0, dK, db the shapes of Y[0], K and b")
    dY = np.empty_like(Y)
    dY[0] = dY0
    if scheme == "leapfrog":
        for j in range(L):
            f = _Rhs(K[j], b[j], activation, architecture, gamma)
            df = f.jvp(Y[j], dY[j], dK[j], db[j])
            dY[j + 1] = dY[j] + 0.5 * h * h * df if j == 0 else 2.0 * dY[j] - dY[j - 1] + (h * h) * df
        return dY
    A, w = TABLEAUS[scheme]
    for j in range(L):
        f = _Rhs(K[j], b[j], activation, architecture, gamma)
        ks, dks = [], []
        for i in range(len(w)):
            Z, dZ = Y[j].copy(), dY[j].copy()
            for m in range(i):
                if A[i, m]:
                    Z += (h * A[i, m]) * ks[m]
                    dZ += (h * A[i, m]) * dks[m]
            ks.append(f(Z))
            dks.append(f.jvp(Z, dZ, dK[j], db[j]))
        dY[j + 1] = dY[j] + h * sum(wi * dk for wi, dk in zip(w, dks) if wi)
    return dY


def backward_euler(Y: np.ndarray, K: np.ndarray, b: np.ndarray, h: float, dYL: np.ndarray, *,
                   activation: str = "tanh") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backpropagation through the Euler ResNet: :func:`backward` with ``scheme="euler"``.

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
    Y, K, b, h, dYL, activation
        As in :func:`backward` (``Y`` from ``forward(..., scheme="euler")``).

    Returns
    -------
    dY0, dK, db : ndarray
        As in :func:`backward`.

    Raises
    ------
    ValueError
        Shapes that do not match, a non-finite ``h`` or an unknown activation.
    """
    return backward(Y, K, b, h, dYL, activation=activation, scheme="euler")


def reverse_states(Y_prev: np.ndarray, Y_last: np.ndarray, K: np.ndarray, b: np.ndarray, h: float, *,
                   activation: str = "tanh", architecture: str = "standard", gamma: float = 0.0
                   ) -> Iterator[tuple[int, np.ndarray]]:
    r"""The states of a leapfrog network from its last two, newest first, in O(1) memory.

    The leapfrog recursion :math:`Y_{j+1} = 2Y_j - Y_{j-1} + h^2 f_j(Y_j)` solved for the older state,

    .. math::
        Y_{j-1} = 2 Y_j - Y_{j+1} + h^2 f_j(Y_j), \qquad j = L-1, \ldots, 1,

    is explicit: the network is reversible, and a training loop can recompute the states during the backward
    pass instead of storing them (Chang et al. 2018; Haber and Ruthotto 2017). Yields ``(L, Y_L)``,
    ``(L-1, Y_{L-1})``, ..., ``(0, Y_0)``; only the two newest states are held.

    Parameters
    ----------
    Y_prev, Y_last : ndarray, shape (n, d)
        :math:`Y_{L-1}` and :math:`Y_L` from ``forward(..., scheme="leapfrog")``.
    K, b, h
        Layer weights, biases and step size, as in :func:`forward`.
    activation, architecture, gamma
        The options of the forward pass.

    Yields
    ------
    (int, ndarray)
        The layer index ``j`` and the reconstructed state :math:`Y_j` (a new array each time).

    Raises
    ------
    ValueError
        Wrong shapes, ``L < 1``, or unknown names.

    References
    ----------
    Chang et al. (2018); Haber and Ruthotto (2017); Hairer, Lubich and Wanner (2006), Sec. I.1.4.
    """
    Y_last = np.array(Y_last, dtype=float)
    Y_prev = np.array(Y_prev, dtype=float)
    _, K, b, h = _check(Y_last, K, b, h, activation, "leapfrog", architecture, gamma)
    if Y_prev.shape != Y_last.shape:
        raise ValueError(f"Y_prev has shape {Y_prev.shape}, Y_last {Y_last.shape}")
    L = K.shape[0]
    if L < 1:
        raise ValueError("the network needs at least one layer")
    yield L, Y_last.copy()
    yield L - 1, Y_prev.copy()
    nxt, cur = Y_last, Y_prev
    for j in range(L - 1, 0, -1):
        f = _Rhs(K[j], b[j], activation, architecture, gamma)
        old = 2.0 * cur - nxt + (h * h) * f(cur)
        nxt, cur = cur, old
        yield j - 1, old.copy()


def reverse(Y_prev: np.ndarray, Y_last: np.ndarray, K: np.ndarray, b: np.ndarray, h: float, *,
            activation: str = "tanh", architecture: str = "standard", gamma: float = 0.0) -> np.ndarray:
    r"""All states of a leapfrog network reconstructed from its last two: :func:`reverse_states` collected.

    .. math::
        Y_{j-1} = 2 Y_j - Y_{j+1} + h^2 f_j(Y_j), \qquad j = L-1, \ldots, 1.

    Parameters
    ----------
    Y_prev, Y_last : ndarray, shape (n, d)
        :math:`Y_{L-1}` and :math:`Y_L`.
    K, b, h
        Layer weights, biases and step size, as in :func:`forward`.
    activation, architecture, gamma
        The options of the forward pass.

    Returns
    -------
    ndarray, shape (L+1, n, d)
        The states in forward order, ``[0]`` the reconstructed input.

    Raises
    ------
    ValueError
        As :func:`reverse_states`.

    References
    ----------
    Chang et al. (2018); Haber and Ruthotto (2017).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> Y0, K, b = rng.standard_normal((4, 2)), rng.standard_normal((50, 2, 2)), np.zeros((50, 2))
    >>> Y = forward(Y0, K, b, 0.1, scheme="leapfrog", architecture="parabolic")
    >>> R = reverse(Y[-2], Y[-1], K, b, 0.1, architecture="parabolic")
    >>> bool(np.abs(R[0] - Y0).max() < 1e-12)
    True
    """
    K = np.asarray(K, dtype=float)
    out = np.empty((K.shape[0] + 1, *np.shape(Y_last))) if K.ndim == 3 else None
    for j, Yj in reverse_states(Y_prev, Y_last, K, b, h, activation=activation, architecture=architecture,
                                gamma=gamma):
        out[j] = Yj
    return out


def layer_jacobian(K: np.ndarray, *, architecture: str = "standard", gamma: float = 0.0) -> np.ndarray:
    r"""The matrix :math:`J` of one layer's right-hand side linearized at :math:`\sigma' = 1` (rows: :math:`f(Y)
    \approx Y J`).

    .. math::
        J_{\mathrm{standard}} = K, \qquad J_{\mathrm{antisymmetric}} = K - K^\top - \gamma I, \qquad
        J_{\mathrm{parabolic}} = -K K^\top.

    With :math:`\sigma'(A) \in [0, 1]` the true Jacobian scales columns by :math:`\sigma'`; at :math:`Y = 0`,
    :math:`b = 0` and :math:`\sigma = \tanh` it equals :math:`J` (Haber and Ruthotto 2017).

    Parameters
    ----------
    K : ndarray, shape (d, d)
        One layer's weight.
    architecture : {"standard", "antisymmetric", "parabolic"}
        The right-hand side.
    gamma : float
        Shift of the antisymmetric architecture.

    Returns
    -------
    ndarray, shape (d, d)

    Raises
    ------
    ValueError
        ``K`` not square, an unknown architecture.

    References
    ----------
    Haber and Ruthotto (2017).
    """
    K = np.asarray(K, dtype=float)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square matrix, got shape {K.shape}")
    _check_names("euler", architecture, gamma)
    if architecture == "antisymmetric":
        return K - K.T - gamma * np.eye(K.shape[0])
    if architecture == "parabolic":
        return -K @ K.T
    return K.copy()


def layer_eigenvalues(K: np.ndarray, *, scheme: str = "euler", architecture: str = "standard",
                      gamma: float = 0.0) -> np.ndarray:
    r"""The eigenvalues :math:`\lambda` whose :math:`z = h\lambda` decide a layer's stability under ``scheme``.

    For the Runge-Kutta schemes the eigenvalues of :func:`layer_jacobian` :math:`J` (first-order equation
    :math:`\dot Y = YJ`). For ``"leapfrog"`` (second-order :math:`\ddot Y = YJ`, i.e. the first-order system
    :math:`\dot Y = V`, :math:`\dot V = YJ`) the eigenvalues :math:`\pm\sqrt{\mu}` of that system, :math:`\mu`
    the eigenvalues of :math:`J`:

    .. math::
        \lambda \in \operatorname{eig}(J) \;\text{(Runge-Kutta)}, \qquad
        \lambda \in \{\pm\sqrt{\mu} : \mu \in \operatorname{eig}(J)\} \;\text{(leapfrog)}.

    Parameters
    ----------
    K : ndarray, shape (d, d)
        One layer's weight.
    scheme, architecture, gamma
        As in :func:`forward`.

    Returns
    -------
    ndarray, complex, shape (d,) or (2d,) for leapfrog

    Raises
    ------
    ValueError
        ``K`` not square, unknown names.

    References
    ----------
    Hairer, Nørsett and Wanner, Sec. IV.2; Hairer, Lubich and Wanner (2006), Sec. I.5.
    """
    _check_names(scheme, architecture, gamma)
    J = layer_jacobian(K, architecture=architecture, gamma=gamma)
    lam = np.linalg.eigvals(J).astype(complex)
    scale = float(np.max(np.abs(lam))) if lam.size else 0.0
    tiny = 1e-12 * scale
    lam = np.where(np.abs(lam.real) <= tiny, 1j * lam.imag, lam)  # round-off real parts of imaginary eigenvalues
    lam = np.where(np.abs(lam.imag) <= tiny, lam.real + 0j, lam)
    if scheme == "leapfrog":
        r = np.sqrt(lam)
        return np.concatenate([r, -r])
    return lam


def stability_function(z: np.ndarray | complex, scheme: str = "euler") -> np.ndarray:
    r"""The stability function :math:`R(z)` of ``scheme``: one step on :math:`\dot y = \lambda y` multiplies by
    :math:`R(h\lambda)`.

    .. math::
        R_{\mathrm{Euler}}(z) = 1 + z, \qquad R_{\mathrm{Heun}}(z) = R_{\mathrm{midpoint}}(z) = 1 + z
        + \tfrac{z^2}{2}, \qquad R_{\mathrm{RK4}}(z) = \sum_{k=0}^4 \tfrac{z^k}{k!}.

    For ``"leapfrog"`` on :math:`\ddot y = \mu y` with :math:`z^2 = h^2\mu` (:math:`z = h\lambda`,
    :math:`\lambda = \pm\sqrt\mu`), the recursion :math:`y_{j+1} = (2 + z^2) y_j - y_{j-1}` has the roots of
    :math:`\xi^2 - (2 + z^2)\xi + 1 = 0`; returned is the root of largest modulus. Their product is 1, so
    :math:`|R| \le 1` exactly when both lie on the unit circle: :math:`z \in [-2i, 2i]` (the stability
    "region" of leapfrog is that segment of the imaginary axis). The region of absolute stability of every
    scheme is :math:`\{z : |R(z)| \le 1\}`.

    Parameters
    ----------
    z : complex or ndarray
        Points :math:`h\lambda`.
    scheme : str
        One of :data:`SCHEMES`.

    Returns
    -------
    ndarray, complex (same shape as ``z``)

    Raises
    ------
    ValueError
        Unknown scheme.

    References
    ----------
    Hairer, Nørsett and Wanner, Sec. IV.2; Hairer and Wanner, *Solving ODEs II*, Sec. IV.2 (stability
    functions); Hairer, Lubich and Wanner (2006), Sec. I.5 (Störmer-Verlet on the harmonic oscillator).

    Examples
    --------
    >>> complex(stability_function(1j, "rk4"))
    (0.5416666666666666+0.8333333333333334j)
    >>> float(abs(stability_function(1.9j, "leapfrog")))
    1.0
    """
    _check_names(scheme, "standard", 0.0)
    z = np.asarray(z, dtype=complex)
    if scheme == "euler":
        return 1.0 + z
    if scheme in ("heun", "midpoint"):
        return 1.0 + z + z ** 2 / 2.0
    if scheme == "rk4":
        return 1.0 + z + z ** 2 / 2.0 + z ** 3 / 6.0 + z ** 4 / 24.0
    c = 1.0 + z ** 2 / 2.0  # roots c +- sqrt(c^2 - 1)
    s = np.sqrt(c * c - 1.0)
    r1, r2 = c + s, c - s
    return np.where(np.abs(r1) >= np.abs(r2), r1, r2)


def amplification_factors(K: np.ndarray, h: float, *, scheme: str = "euler", architecture: str = "standard",
                          gamma: float = 0.0) -> np.ndarray:
    r"""Amplification factors :math:`R(h\lambda)` of one layer on the linear test equation :math:`\dot Y = YJ`.

    With :math:`\lambda` the eigenvalues of :func:`layer_eigenvalues` (for the standard architecture those of
    :math:`K`; those of :math:`K^\top`, the course's convention, are the same), one layer multiplies the
    component along each eigenvector by

    .. math::
        R_{\mathrm{Euler}}(z) = 1 + z, \qquad R_{\mathrm{RK4}}(z) = 1 + z + \tfrac{z^2}{2} + \tfrac{z^3}{6}
        + \tfrac{z^4}{24}, \qquad z = h\lambda,

    (all schemes: :func:`stability_function`), and the network is stable when :math:`|R(h\lambda)| \le 1` for all
    of them (Hairer, Nørsett and Wanner, Sec. IV.2; Haber and Ruthotto 2017).

    Parameters
    ----------
    K : ndarray, shape (d, d)
        Layer weight (one matrix).
    h : float
        Step size.
    scheme : str
        One of :data:`SCHEMES`.
    architecture, gamma
        As in :func:`forward`.

    Returns
    -------
    ndarray, complex, shape (d,) (``(2d,)`` for leapfrog)
        :math:`R(h\lambda_i)`; take ``abs`` for the growth per layer.

    Raises
    ------
    ValueError
        ``K`` not square, or an unknown scheme or architecture.

    References
    ----------
    Hairer, Nørsett and Wanner, Sec. IV.2; Haber and Ruthotto (2017).

    Examples
    --------
    The course's rotation with slight damping, ``a = -0.001``, ``h = 0.1``:

    >>> K = np.array([[-0.001, -0.2], [0.2, -0.001]])
    >>> np.round(np.abs(amplification_factors(K, 0.1)), 6)
    array([1.0001, 1.0001])
    """
    return stability_function(h * layer_eigenvalues(K, scheme=scheme, architecture=architecture, gamma=gamma),
                              scheme)


def _poly_R(scheme: str) -> np.ndarray:
    """Coefficients of R(z) in increasing powers (Runge-Kutta schemes)."""
    return {"euler": np.array([1.0, 1.0]), "heun": np.array([1.0, 1.0, 0.5]), "midpoint": np.array([1.0, 1.0, 0.5]),
            "rk4": np.array([1.0, 1.0, 0.5, 1 / 6, 1 / 24])}[scheme]


def _ray_limit(lam: complex, scheme: str) -> float:
    """sup{t >= 0 : |R(s lam)| <= 1 for all 0 <= s <= t} for a Runge-Kutta scheme (exact, by polynomial roots)."""
    c = _poly_R(scheme) * lam ** np.arange(len(_poly_R(scheme)))  # R(t lam) = sum c_k t^k
    P = np.polynomial.Polynomial(c)
    Q = (P * np.polynomial.Polynomial(np.conj(c))).coef.real  # |R(t lam)|^2, real coefficients
    Q[0] -= 1.0
    Q = Q[1:]  # (|R|^2 - 1) / t
    nz = np.flatnonzero(np.abs(Q) > 1e-14 * np.abs(Q).max())
    Q = Q[nz[0]:] if nz.size else Q  # divide out t^k: the sign just right of 0
    if not nz.size:
        return float("inf")
    poly = np.polynomial.Polynomial(Q)
    roots = poly.roots()
    pos = np.sort([r.real for r in roots if abs(r.imag) <= 1e-9 * max(1.0, abs(r)) and r.real > 0])
    edges = np.concatenate([[0.0], pos])
    for k, left in enumerate(edges):
        right = edges[k + 1] if k + 1 < len(edges) else 2.0 * left + 1.0
        if poly(0.5 * (left + right)) > 1e-13 * np.abs(Q).max() * max(1.0, right) ** len(Q):
            return float(left)
    return float("inf")


def max_stable_step(K: np.ndarray, *, scheme: str = "euler", architecture: str = "standard",
                    gamma: float = 0.0) -> float:
    r"""Largest step :math:`h` for which the network with weight :math:`K` is stable (:math:`|R(h\lambda)| \le 1`).

    Forward Euler, :math:`\lambda = \alpha + i\beta`: :math:`|1 + h\lambda|^2 = 1 + 2h\alpha + h^2|\lambda|^2 \le 1`
    holds exactly for

    .. math::
        0 \le h \le h_{\max} = \min_{\lambda \ne 0} \frac{-2\, \mathrm{Re}\,\lambda}{|\lambda|^2},

    which needs :math:`\mathrm{Re}\,\lambda < 0` for every nonzero eigenvalue: an eigenvalue on the imaginary axis
    (e.g. an antisymmetric :math:`K`) or in the right half plane makes forward Euler unstable for every
    :math:`h > 0` (Haber and Ruthotto 2017). For :math:`K` symmetric negative definite this is
    :math:`2 / |\lambda_{\min}|`. Other Runge-Kutta schemes: the first :math:`t > 0` where the polynomial
    :math:`|R(t\lambda)|^2 - 1` turns positive, from its roots (Heun and midpoint are unstable on the imaginary
    axis too, :math:`|R(i y)|^2 = 1 + y^4/4`; RK4 is stable there for :math:`|y| \le 2\sqrt 2`). Leapfrog:
    :math:`h \le 2/\sqrt{-\mu}` for every eigenvalue :math:`\mu \le 0` of :math:`J`, 0 if some :math:`\mu` is not
    real and non-positive.

    Parameters
    ----------
    K, scheme, architecture, gamma
        As in :func:`layer_eigenvalues` (``K`` one layer's weight).

    Returns
    -------
    float
        :math:`h_{\max}`; ``0.0`` when no positive step is stable (real parts within ``1e-12`` relative of zero
        count as zero), ``inf`` when every step is stable (e.g. every eigenvalue zero).

    Raises
    ------
    ValueError
        As :func:`layer_eigenvalues`: ``K`` not square, unknown names.

    References
    ----------
    Haber and Ruthotto (2017); Hairer, Nørsett and Wanner, Sec. IV.2.

    Examples
    --------
    >>> max_stable_step(np.diag([-1.0, -3.0]))  # 2 / 3
    0.666...
    >>> max_stable_step(np.array([[0.0, 1.0], [-1.0, 0.0]]))  # antisymmetric: unstable for every h
    0.0
    >>> round(max_stable_step(np.array([[0.0, 1.0], [-1.0, 0.0]]), scheme="rk4"), 6)  # 2 sqrt(2)
    2.828427
    """
    K = np.asarray(K, dtype=float)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square matrix, got shape {K.shape}")
    _check_names(scheme, architecture, gamma)
    lam = layer_eigenvalues(K, scheme="euler", architecture=architecture, gamma=gamma)
    scale = float(np.max(np.abs(lam))) if lam.size else 0.0
    if scale == 0.0:
        return float("inf")
    lam = lam[np.abs(lam) > 1e-12 * scale]
    if scheme == "leapfrog":
        if np.any(np.abs(lam.imag) > 0) or np.any(lam.real > 0):
            return 0.0
        return float(np.min(2.0 / np.sqrt(-lam.real)))
    if scheme == "euler":
        if np.any(lam.real >= -1e-12 * scale):
            return 0.0
        return float(np.min(-2.0 * lam.real / np.abs(lam) ** 2))
    return float(min(_ray_limit(complex(l_), scheme) for l_ in lam))

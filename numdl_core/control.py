r"""Optimal control and Neural ODEs: discretize-then-optimize against optimize-then-discretize (Module 8 of the
course, slides ``08-NumDNN-OptimalControl.tex``).

A Neural ODE fits the weights :math:`\theta` of a vector field :math:`f(y, \theta)` so that the solution of

.. math::
    \partial_t y(t) = f(y(t), \theta), \qquad y(0) = y_0,

matches observations :math:`c_i` at times :math:`0 < t_1 < \dots < t_n \le T`:
:math:`\min_\theta L(\theta) = \sum_i \|y(t_i) - c_i\|^2`. Its gradient can be computed two ways.

**Discretize-then-optimize** (DTO, "Disc→Diff"): discretize first (here the classical Runge-Kutta method RK4 with
a fixed step), then differentiate the discrete loss exactly: backpropagation through the solver, i.e. the discrete
adjoint (:func:`rk4_value_and_grad`). The gradient is the exact gradient of the loss the computer evaluates, however
inaccurate the discretization.

**Optimize-then-discretize** (OTD, "Diff→Disc"): differentiate the continuous problem (the adjoint equation),

.. math::
    -\partial_t z(t) = \Big(\frac{\partial f}{\partial y}(y(t), \theta)\Big)^\top z(t), \qquad
    z(t_n) = \frac{\partial L}{\partial y(t_n)}, \qquad
    \nabla_\theta L = \int_0^T \Big(\frac{\partial f}{\partial \theta}(y(t), \theta)\Big)^\top z(t)\, dt,

with a jump :math:`z(t_i^-) = z(t_i^+) + \partial L / \partial y(t_i)` at every observation time, then solve the
forward and the adjoint equation with any solver: here the adaptive Dormand-Prince pair :func:`rk45` at a chosen
tolerance, with :math:`y` recomputed backward in time alongside :math:`z` (Chen et al. 2018) and reset to the forward
value at each observation time. The result approximates the gradient of the *continuous* loss; it is consistent
with the computed loss only when both solves are accurate (:func:`otd_value_and_grad`).

The course's example (:func:`spiral_data`): 30 points on :math:`t \in (0, 1.5]` of :math:`\partial_t y = y^3 A`
(componentwise cube, :math:`y` a row vector), :math:`A = [[-0.1, 2], [-2, -0.1]]`, :math:`y_0 = (2, 0)`, fitted with
the field :math:`f(y, \theta) = \tanh(y^3 K_1 + b_1) K_2 + b_2` of width 50 (:class:`CubicTanhField`).
**Rows are examples**: a state is an array of shape ``(n, d)``, one trajectory per row.

References
----------
R. T. Q. Chen, Y. Rubanova, J. Bettencourt and D. Duvenaud, Neural ordinary differential equations, NeurIPS 2018.
A. Gholami, K. Keutzer and G. Biros, ANODE: unconditionally accurate memory-efficient gradients for neural ODEs,
IJCAI 2019 (arXiv:1902.10298).
D. Onken and L. Ruthotto, Discretize-optimize vs. optimize-discretize for time-series regression and continuous
normalizing flows, arXiv:2005.13420, 2020 (Sec. 8: the spiral).
E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018) 014004.
E. Hairer, S. P. Nørsett and G. Wanner, *Solving Ordinary Differential Equations I*, 2nd ed., Springer, 1993
(Sec. II.1: RK4; Sec. II.4: step size control and the initial step; Sec. II.5: Dormand-Prince 5(4) and its dense
output).
J. R. Dormand and P. J. Prince, A family of embedded Runge-Kutta formulae, J. Comput. Appl. Math. 6 (1980) 19-26.
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 8 (slides 08-NumDNN-OptimalControl.tex).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from numdl_core.checks import DerivativeCheck, observed_order
from numdl_core.optim import Objective

__all__ = ["SPIRAL_A", "SPIRAL_Y0", "SPIRAL_T", "METHODS", "CubicTanhField", "SpiralData", "spiral_data",
           "spiral_rhs", "rk4", "rk4_step", "rk4_step_jvp", "rk4_step_vjp", "rk4_value_and_grad", "RK45Result",
           "rk45", "otd_value_and_grad", "SpiralFit", "taylor_check", "ToleranceStudy", "tolerance_study"]

SPIRAL_A = np.array([[-0.1, 2.0], [-2.0, -0.1]])
"""The course's matrix :math:`A` of :math:`\\partial_t y = y^3 A`."""
SPIRAL_Y0 = np.array([[2.0, 0.0]])
"""The initial state :math:`y_0 = (2, 0)` (one row)."""
SPIRAL_T = 1.5
"""The final time: observations at :math:`t_i = i T / n`, :math:`i = 1..n`."""
METHODS = ("dto", "otd")
"""Gradient methods of :class:`SpiralFit`: discretize-then-optimize (RK4) and optimize-then-discretize (RK45)."""


# ----------------------------------------------------------------------------------------------------- the field
class CubicTanhField:
    r"""The course's model field :math:`f(Y, \theta) = \tanh(Y^{3} K_1 + \mathbf 1 b_1^\top) K_2 + \mathbf 1 b_2^\top`.

    :math:`Y^3` is the componentwise cube (as in the true dynamics :math:`y^3 A`), :math:`K_1` of shape
    ``(dim, width)``, :math:`K_2` of shape ``(width, dim)``; rows of :math:`Y` are independent states.
    ``theta = concatenate([K1.ravel(), b1, K2.ravel(), b2])`` (C order). With :math:`U = Y^3`,
    :math:`H = \tanh(U K_1 + b_1)` the transposed Jacobians applied to :math:`Z` (shape of :math:`Y`) are

    .. math::
        G = (Z K_2^\top) \odot (1 - H^2), \quad (\partial_Y f)^\top Z = 3 Y^2 \odot (G K_1^\top), \quad
        \nabla_{K_1} = U^\top G, \ \nabla_{b_1} = G^\top \mathbf 1, \ \nabla_{K_2} = H^\top Z, \
        \nabla_{b_2} = Z^\top \mathbf 1 .

    Parameters
    ----------
    width : int, optional
        Hidden width (the course: 50).
    dim : int, optional
        State dimension (2 for the spiral).

    Raises
    ------
    ValueError
        For ``width < 1`` or ``dim < 1``.

    References
    ----------
    Chen et al. (2018), the ``ode_demo`` field; Onken and Ruthotto (2020), Sec. 8.

    Examples
    --------
    >>> field = CubicTanhField(width=3)
    >>> field.n_params, field.f(np.ones((1, 2)), np.zeros(field.n_params)).tolist()
    (17, [[0.0, 0.0]])
    """

    def __init__(self, width: int = 50, dim: int = 2):
        if int(width) < 1 or int(dim) < 1:
            raise ValueError(f"width and dim must be at least 1, got {width} and {dim}")
        self.width, self.dim = int(width), int(dim)
        self.n_params = 2 * self.dim * self.width + self.width + self.dim

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Views ``(K1, b1, K2, b2)`` into ``theta``.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        K1 : ndarray, shape (dim, width)
        b1 : ndarray, shape (width,)
        K2 : ndarray, shape (width, dim)
        b2 : ndarray, shape (dim,)

        Raises
        ------
        ValueError
            If ``theta`` does not have ``n_params`` entries.
        """
        theta = np.asarray(theta)
        if theta.size != self.n_params:
            raise ValueError(f"theta must have {self.n_params} entries (width {self.width}), got {theta.size}")
        d, w = self.dim, self.width
        return (theta[:d * w].reshape(d, w), theta[d * w:d * w + w], theta[d * w + w:2 * d * w + w].reshape(w, d),
                theta[2 * d * w + w:])

    def init(self, seed: int = 0, std: float = 0.1) -> np.ndarray:
        r"""Initial weights: :math:`K_1, K_2` with independent :math:`N(0, \text{std}^2)` entries, zero biases.

        Parameters
        ----------
        seed : int, optional
            Seed of numpy's generator.
        std : float, optional
            Standard deviation of the weights (the ``ode_demo`` of Chen et al.: 0.1).

        Returns
        -------
        theta : ndarray, shape (n_params,)
        """
        rng = np.random.default_rng(seed)
        theta = np.zeros(self.n_params)
        K1, _, K2, _ = self.unpack(theta)
        K1[...] = std * rng.standard_normal(K1.shape)
        K2[...] = std * rng.standard_normal(K2.shape)
        return theta

    def f(self, Y: np.ndarray, theta: np.ndarray) -> np.ndarray:
        r""":math:`f(Y, \theta)`.

        Parameters
        ----------
        Y : ndarray, shape (n, dim)
        theta : ndarray, shape (n_params,)

        Returns
        -------
        ndarray, shape (n, dim)
        """
        return _forward(self.unpack(theta), np.asarray(Y, dtype=float))[0]

    def vjp(self, Y: np.ndarray, theta: np.ndarray, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r"""The transposed Jacobians applied to :math:`Z`: :math:`((\partial_Y f)^\top Z, (\partial_\theta f)^\top Z)`.

        Parameters
        ----------
        Y, Z : ndarray, shape (n, dim)
        theta : ndarray, shape (n_params,)

        Returns
        -------
        dY : ndarray, shape (n, dim)
        dtheta : ndarray, shape (n_params,)
        """
        P = self.unpack(theta)
        _, cache = _forward(P, np.asarray(Y, dtype=float))
        g = np.zeros(self.n_params)
        return _vjp(P, cache, np.asarray(Z, dtype=float), self.unpack(g)), g

    def jvp(self, Y: np.ndarray, theta: np.ndarray, dY: np.ndarray, dtheta: np.ndarray) -> np.ndarray:
        r"""The linearization :math:`\partial_Y f\, dY + \partial_\theta f\, d\theta`.

        Parameters
        ----------
        Y, dY : ndarray, shape (n, dim)
        theta, dtheta : ndarray, shape (n_params,)

        Returns
        -------
        ndarray, shape (n, dim)
        """
        K1, b1, K2, b2 = self.unpack(theta)
        dK1, db1, dK2, db2 = self.unpack(dtheta)
        Y = np.asarray(Y, dtype=float)
        U = Y**3
        H = np.tanh(U @ K1 + b1)
        dA = (3.0 * Y**2 * dY) @ K1 + U @ dK1 + db1
        return ((1.0 - H * H) * dA) @ K2 + H @ dK2 + db2


def _forward(P, Y):
    K1, b1, K2, b2 = P
    U = Y * Y * Y
    H = np.tanh(U @ K1 + b1)
    return H @ K2 + b2, (Y, U, H)


def _vjp(P, cache, Z, G):
    """(d_Y f)^T Z; adds (d_theta f)^T Z into the views G = (gK1, gb1, gK2, gb2)."""
    K1, _, K2, _ = P
    Y, U, H = cache
    gK1, gb1, gK2, gb2 = G
    gK2 += H.T @ Z
    gb2 += Z.sum(axis=0)
    D = (Z @ K2.T) * (1.0 - H * H)
    gK1 += U.T @ D
    gb1 += D.sum(axis=0)
    return 3.0 * Y * Y * (D @ K1.T)


# ----------------------------------------------------------------------------------------------------- the data
def spiral_rhs(t: float, y: np.ndarray, A: np.ndarray = SPIRAL_A) -> np.ndarray:
    r"""The true dynamics :math:`\partial_t y = y^3 A` (componentwise cube, row vector times :math:`A`).

    Parameters
    ----------
    t : float
        Time (unused: the system is autonomous; the argument order of ``scipy.integrate.solve_ivp``).
    y : ndarray, shape (dim,) or (n, dim)
    A : ndarray, shape (dim, dim), optional

    Returns
    -------
    ndarray, the shape of ``y``
    """
    return (np.asarray(y, dtype=float) ** 3) @ A


@dataclass(frozen=True)
class SpiralData:
    """The observations of :func:`spiral_data`.

    Attributes
    ----------
    t : ndarray, shape (n_obs,)
        Observation times :math:`t_i = i T / n`.
    C : ndarray, shape (n_obs, n, dim)
        The true states :math:`y(t_i)` (one row per trajectory).
    y0 : ndarray, shape (n, dim)
        The initial state.
    T : float
        The final time.
    """

    t: np.ndarray
    C: np.ndarray
    y0: np.ndarray
    T: float


def spiral_data(n_obs: int = 30, T: float = SPIRAL_T, y0: np.ndarray = SPIRAL_Y0) -> SpiralData:
    r"""The course's time series: :math:`y(t_i)` of :math:`\partial_t y = y^3 A` at :math:`t_i = iT/n`, :math:`i=1..n`.

    Solved with ``scipy.integrate.solve_ivp`` (DOP853, ``rtol = atol = 1e-12``): an integrator independent of this
    module's.

    Parameters
    ----------
    n_obs : int, optional
        Number of observations (the course: 30).
    T : float, optional
        Final time (the course: 1.5).
    y0 : ndarray, shape (n, 2), optional
        Initial state(s) (the course: (2, 0)).

    Returns
    -------
    SpiralData

    Raises
    ------
    ValueError
        For ``n_obs < 1`` or ``T <= 0``.

    References
    ----------
    Chen et al. (2018), ``ode_demo``; Onken and Ruthotto (2020), Sec. 8.

    Examples
    --------
    >>> d = spiral_data()
    >>> d.C.shape, round(float(d.t[-1]), 2)
    ((30, 1, 2), 1.5)
    """
    from scipy.integrate import solve_ivp

    if int(n_obs) < 1 or not T > 0:
        raise ValueError(f"n_obs must be >= 1 and T > 0, got {n_obs} and {T}")
    y0 = np.atleast_2d(np.asarray(y0, dtype=float))
    t = T * np.arange(1, int(n_obs) + 1) / int(n_obs)
    sol = solve_ivp(lambda s, y: spiral_rhs(s, y.reshape(y0.shape)).ravel(), (0.0, T), y0.ravel(), method="DOP853",
                    t_eval=t, rtol=1e-12, atol=1e-12)
    return SpiralData(t, sol.y.T.reshape(len(t), *y0.shape), y0, float(T))


# ----------------------------------------------------------------------------------------------------- RK4 (DTO)
def rk4_step(field: CubicTanhField, Y: np.ndarray, theta: np.ndarray, h: float) -> np.ndarray:
    r"""One classical Runge-Kutta step of :math:`\partial_t Y = f(Y, \theta)`.

    .. math::
        k_1 = f(Y), \ k_2 = f(Y + \tfrac h2 k_1), \ k_3 = f(Y + \tfrac h2 k_2), \ k_4 = f(Y + h k_3), \quad
        Y^+ = Y + \tfrac h6 (k_1 + 2k_2 + 2k_3 + k_4).

    Parameters
    ----------
    field : CubicTanhField
    Y : ndarray, shape (n, dim)
    theta : ndarray, shape (n_params,)
    h : float
        Step size.

    Returns
    -------
    ndarray, shape (n, dim)

    References
    ----------
    Hairer, Nørsett and Wanner (1993), Sec. II.1.
    """
    return _rk4_step(field.unpack(theta), np.asarray(Y, dtype=float), h)[0]


def _rk4_step(P, Y, h):
    k1, c1 = _forward(P, Y)
    k2, c2 = _forward(P, Y + 0.5 * h * k1)
    k3, c3 = _forward(P, Y + 0.5 * h * k2)
    k4, c4 = _forward(P, Y + h * k3)
    return Y + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4), (c1, c2, c3, c4)


def _rk4_step_back(P, caches, h, lam, G):
    """Transposed linearization of one RK4 step: returns d loss / d Y, adds the theta part into G."""
    c1, c2, c3, c4 = caches
    g4 = _vjp(P, c4, (h / 6.0) * lam, G)
    g3 = _vjp(P, c3, (h / 3.0) * lam + h * g4, G)
    g2 = _vjp(P, c2, (h / 3.0) * lam + 0.5 * h * g3, G)
    g1 = _vjp(P, c1, (h / 6.0) * lam + 0.5 * h * g2, G)
    return lam + g1 + g2 + g3 + g4


def rk4_step_jvp(field: CubicTanhField, Y: np.ndarray, theta: np.ndarray, h: float, dY: np.ndarray,
                 dtheta: np.ndarray) -> np.ndarray:
    r"""The linearization of :func:`rk4_step`: :math:`\partial_Y Y^+ dY + \partial_\theta Y^+ d\theta`.

    Each stage is differentiated: :math:`dk_1 = J_1 (dY, d\theta)`, :math:`dk_2 = J_2 (dY + \tfrac h2 dk_1,
    d\theta)`, ... with :math:`J_s` the Jacobian of :math:`f` at the stage's input.

    Parameters
    ----------
    field, Y, theta, h
        As in :func:`rk4_step`.
    dY, dtheta : ndarray
        The direction, shaped as ``Y`` and ``theta``.

    Returns
    -------
    ndarray, shape (n, dim)
    """
    Y = np.asarray(Y, dtype=float)
    P = field.unpack(theta)
    k1 = _forward(P, Y)[0]
    d1 = field.jvp(Y, theta, dY, dtheta)
    Y2 = Y + 0.5 * h * k1
    k2 = _forward(P, Y2)[0]
    d2 = field.jvp(Y2, theta, dY + 0.5 * h * d1, dtheta)
    Y3 = Y + 0.5 * h * k2
    k3 = _forward(P, Y3)[0]
    d3 = field.jvp(Y3, theta, dY + 0.5 * h * d2, dtheta)
    d4 = field.jvp(Y + h * k3, theta, dY + h * d3, dtheta)
    return dY + (h / 6.0) * (d1 + 2.0 * d2 + 2.0 * d3 + d4)


def rk4_step_vjp(field: CubicTanhField, Y: np.ndarray, theta: np.ndarray, h: float, W: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    r"""The transpose of :func:`rk4_step_jvp` applied to :math:`W`: one step of backpropagation through RK4.

    With :math:`\bar k_4 = \tfrac h6 W`, then backwards :math:`g_s = J_s^\top \bar k_s` and
    :math:`\bar k_3 = \tfrac h3 W + h g_4`, :math:`\bar k_2 = \tfrac h3 W + \tfrac h2 g_3`,
    :math:`\bar k_1 = \tfrac h6 W + \tfrac h2 g_2`; the result is :math:`W + \sum_s g_s^Y` and
    :math:`\sum_s g_s^\theta`.

    Parameters
    ----------
    field, Y, theta, h
        As in :func:`rk4_step`.
    W : ndarray, shape (n, dim)
        The cotangent of the step's output.

    Returns
    -------
    dY : ndarray, shape (n, dim)
    dtheta : ndarray, shape (n_params,)

    References
    ----------
    Gholami, Keutzer and Biros (2019), Sec. 3 (the discrete adjoint of a Runge-Kutta step).
    """
    P = field.unpack(theta)
    _, caches = _rk4_step(P, np.asarray(Y, dtype=float), h)
    g = np.zeros(field.n_params)
    return _rk4_step_back(P, caches, h, np.asarray(W, dtype=float), field.unpack(g)), g


def rk4(field: CubicTanhField, Y0: np.ndarray, theta: np.ndarray, T: float, n_steps: int) -> np.ndarray:
    r"""RK4 with ``n_steps`` steps of size :math:`h = T / N` from :math:`Y(0) = Y_0`: all states.

    Parameters
    ----------
    field : CubicTanhField
    Y0 : ndarray, shape (n, dim)
    theta : ndarray, shape (n_params,)
    T : float
        Final time.
    n_steps : int
        Number of steps :math:`N`.

    Returns
    -------
    ndarray, shape (n_steps + 1, n, dim)
        :math:`Y_k \approx Y(k h)`.

    Raises
    ------
    ValueError
        For ``n_steps < 1``.

    Examples
    --------
    >>> field = CubicTanhField(width=2)
    >>> rk4(field, np.ones((1, 2)), np.zeros(field.n_params), 1.0, 3).shape
    (4, 1, 2)
    """
    if int(n_steps) < 1:
        raise ValueError(f"n_steps must be at least 1, got {n_steps}")
    P = field.unpack(theta)
    h = float(T) / int(n_steps)
    Y = np.empty((int(n_steps) + 1, *np.shape(Y0)))
    Y[0] = Y0
    for k in range(int(n_steps)):
        Y[k + 1] = _rk4_step(P, Y[k], h)[0]
    return Y


def rk4_value_and_grad(field: CubicTanhField, Y0: np.ndarray, theta: np.ndarray, T: float, n_steps: int,
                       loss: Callable[[np.ndarray], tuple[float, np.ndarray]]) -> tuple[float, np.ndarray, np.ndarray]:
    r"""Discretize-then-optimize: the loss of the RK4 states and its exact gradient by backpropagation.

    Forward: :math:`Y_{k+1} = \Phi_h(Y_k, \theta)` (:func:`rk4_step`), stage values stored. Backward (the discrete
    adjoint): :math:`\Lambda_N = \partial L/\partial Y_N`, then for :math:`k = N-1, \dots, 0`

    .. math::
        \nabla_\theta L \mathrel{+}= (\partial_\theta \Phi_h(Y_k))^\top \Lambda_{k+1}, \qquad
        \Lambda_k = (\partial_Y \Phi_h(Y_k))^\top \Lambda_{k+1} + \partial L / \partial Y_k .

    Cost: one forward solve (4 field evaluations per step) and one backward sweep (4 transposed Jacobian products
    per step); memory: the stage values of every step.

    Parameters
    ----------
    field, Y0, theta, T, n_steps
        As in :func:`rk4`.
    loss : callable
        ``loss(states) -> (L, dL/dstates)`` on the states of shape ``(n_steps + 1, n, dim)``.

    Returns
    -------
    L : float
    grad : ndarray, shape (n_params,)
    states : ndarray, shape (n_steps + 1, n, dim)

    Raises
    ------
    ValueError
        For ``n_steps < 1``.

    References
    ----------
    Gholami, Keutzer and Biros (2019); Onken and Ruthotto (2020); Ruthotto and Haber, Module 8.
    """
    if int(n_steps) < 1:
        raise ValueError(f"n_steps must be at least 1, got {n_steps}")
    N = int(n_steps)
    P = field.unpack(theta)
    h = float(T) / N
    Y = np.empty((N + 1, *np.shape(Y0)))
    Y[0] = Y0
    caches = []
    for k in range(N):
        Y[k + 1], c = _rk4_step(P, Y[k], h)
        caches.append(c)
    L, dY = loss(Y)
    g = np.zeros(field.n_params)
    G = field.unpack(g)
    lam = dY[N]
    for k in range(N - 1, -1, -1):
        lam = _rk4_step_back(P, caches[k], h, lam, G) + dY[k]
    return float(L), g, Y


# ----------------------------------------------------------------------------------------------------- RK45
# Dormand-Prince 5(4): nodes C, stages A, 5th-order weights B (FSAL: the 7th stage is f at the new point),
# error weights E (5th minus 4th order, over the 7 stages) and the dense output P (Hairer, Norsett, Wanner, II.5)
_C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0])
_A = [np.array([]), np.array([1 / 5]), np.array([3 / 40, 9 / 40]), np.array([44 / 45, -56 / 15, 32 / 9]),
      np.array([19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729]),
      np.array([9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656])]
_B = np.array([35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84])
_E = np.array([-71 / 57600, 0.0, 71 / 16695, -71 / 1920, 17253 / 339200, -22 / 525, 1 / 40])
_P = np.array([
    [1, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432],
    [0, 0, 0, 0],
    [0, 131558114200 / 32700410799, -68118460800 / 10900136933, 87487479700 / 32700410799],
    [0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072],
    [0, 127303824393 / 49829197408, -318862633887 / 49829197408, 701980252875 / 199316789632],
    [0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844],
    [0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423]])
_SAFETY, _MIN_FACTOR, _MAX_FACTOR = 0.9, 0.2, 10.0


@dataclass(frozen=True)
class RK45Result:
    """The result of :func:`rk45`.

    Attributes
    ----------
    t : ndarray, shape (m + 1,)
        The start and the end of every accepted step.
    y : ndarray, shape (m + 1, size)
        The solution there.
    t_eval, y_eval : ndarray
        The requested output times and the dense-output solution there (shape ``(len(t_eval), size)``).
    nfev : int
        Evaluations of the right-hand side.
    n_rejected : int
        Rejected step attempts.
    h_next : float
        The step size proposed after the last accepted step.
    success : bool
        False if the step size fell below round-off or ``max_steps`` was reached.
    message : str
    """

    t: np.ndarray
    y: np.ndarray
    t_eval: np.ndarray
    y_eval: np.ndarray
    nfev: int
    n_rejected: int
    h_next: float
    success: bool
    message: str


def _rms(x: np.ndarray) -> float:
    return float(np.linalg.norm(x) / x.size ** 0.5)


def _initial_step(fun, t0, y0, f0, direction, length, rtol, atol) -> float:
    """Hairer, Norsett and Wanner, Sec. II.4: the starting step size (error order 4)."""
    scale = atol + np.abs(y0) * rtol
    d0, d1 = _rms(y0 / scale), _rms(f0 / scale)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = min(h0, length)
    f1 = fun(t0 + direction * h0, y0 + direction * h0 * f0)
    d2 = _rms((f1 - f0) / scale) / h0
    h1 = max(1e-6, h0 * 1e-3) if max(d1, d2) <= 1e-15 else (0.01 / max(d1, d2)) ** 0.2
    return min(100 * h0, h1, length)


def rk45(fun: Callable[[float, np.ndarray], np.ndarray], t_span: tuple[float, float], y0: np.ndarray, *,
         rtol: float = 1e-3, atol: float = 1e-6, t_eval: np.ndarray | None = None, first_step: float | None = None,
         max_steps: int = 100_000) -> RK45Result:
    r"""The embedded Runge-Kutta pair of Dormand and Prince, order 5(4), with step-size control and dense output.

    Each step of size :math:`h` computes the seven stages :math:`k_s = f(t + c_s h, y + h \sum_j a_{sj} k_j)`
    (the last one at the new point, reused as the first of the next step), the 5th-order solution
    :math:`y^+ = y + h \sum_s b_s k_s` and the error estimate :math:`e = h \sum_s e_s k_s` (5th minus 4th order).
    The step is accepted when

    .. math::
        \|e\| = \Big(\frac1m \sum_i \Big(\frac{e_i}{\text{atol} + \text{rtol} \max(|y_i|, |y^+_i|)}\Big)^2\Big)^{1/2}
        < 1,

    and the next step is :math:`h \min(10, 0.9 \|e\|^{-1/5})` (after a rejection :math:`h \max(0.2,
    0.9 \|e\|^{-1/5})` is retried, and the accepted step is not enlarged). The same controller, constants and
    starting step (Hairer, Nørsett and Wanner, Sec. II.4) as ``scipy.integrate.solve_ivp(method="RK45")``, so the
    accepted steps agree. Output at ``t_eval`` by the 4th-order dense output (Sec. II.6). ``t_span`` may run
    backward in time (``t_span[1] < t_span[0]``).

    Parameters
    ----------
    fun : callable
        ``fun(t, y) -> dy/dt``, flat arrays of the shape of ``y0``.
    t_span : (float, float)
        Start and end time.
    y0 : ndarray, shape (size,)
    rtol, atol : float, optional
        Relative and absolute tolerance.
    t_eval : ndarray, optional
        Output times inside ``t_span``, in the direction of integration.
    first_step : float, optional
        The first step size (default: chosen as above).
    max_steps : int, optional
        At most this many steps (accepted and rejected); then ``success = False``.

    Returns
    -------
    RK45Result

    Raises
    ------
    ValueError
        For non-positive tolerances or a ``y0`` with non-finite entries.

    References
    ----------
    Dormand and Prince (1980); Hairer, Nørsett and Wanner (1993), Sec. II.4-II.6.

    Examples
    --------
    >>> r = rk45(lambda t, y: -y, (0.0, 1.0), np.array([1.0]), rtol=1e-8, atol=1e-10, t_eval=np.array([1.0]))
    >>> bool(abs(r.y_eval[0, 0] - np.exp(-1)) < 1e-8), r.success
    (True, True)
    """
    if not (rtol > 0 and atol > 0):
        raise ValueError(f"rtol and atol must be positive, got {rtol} and {atol}")
    y = np.array(y0, dtype=float).ravel()
    if not np.all(np.isfinite(y)):
        raise ValueError("y0 has non-finite entries")
    t0, t1 = float(t_span[0]), float(t_span[1])
    direction = 1.0 if t1 >= t0 else -1.0
    length = abs(t1 - t0)
    t_eval = np.array([] if t_eval is None else t_eval, dtype=float).ravel()
    y_eval = np.full((t_eval.size, y.size), np.nan)
    K = np.empty((7, y.size))
    f = fun(t0, y)
    nfev = 1
    if first_step is None:
        h_abs = _initial_step(fun, t0, y, f, direction, length, rtol, atol) if length > 0 else 0.0
        nfev += 1 if length > 0 else 0
    else:
        h_abs = min(abs(float(first_step)), length)
    ts, ys = [t0], [y.copy()]
    t, n_rej, steps, j = t0, 0, 0, 0
    while j < t_eval.size and direction * (t_eval[j] - t0) <= 0:  # output at the start itself
        y_eval[j] = y
        j += 1
    message, ok = "The solver reached the end of the interval.", True
    while direction * (t1 - t) > 0:
        min_step = 10 * abs(np.nextafter(t, direction * np.inf) - t)
        h_abs = max(h_abs, min_step)
        rejected = False
        while True:
            steps += 1
            if steps > max_steps:
                return _result(ts, ys, t_eval, y_eval, nfev, n_rej, h_abs, False,
                               f"more than max_steps = {max_steps} steps")
            if h_abs < min_step:
                return _result(ts, ys, t_eval, y_eval, nfev, n_rej, h_abs, False,
                               "the step size fell below round-off")
            t_new = t + direction * h_abs
            if direction * (t_new - t1) > 0:
                t_new = t1
            h = t_new - t
            h_abs = abs(h)
            K[0] = f
            for s in range(1, 6):
                K[s] = fun(t + _C[s] * h, y + (K[:s].T @ _A[s]) * h)
            y_new = y + h * (K[:6].T @ _B)
            f_new = fun(t_new, y_new)
            K[6] = f_new
            nfev += 6
            if not (np.all(np.isfinite(y_new)) and np.all(np.isfinite(f_new))):
                err = np.inf
            else:
                scale = atol + np.maximum(np.abs(y), np.abs(y_new)) * rtol
                err = _rms((K.T @ _E) * h / scale)
            if err < 1:
                factor = _MAX_FACTOR if err == 0 else min(_MAX_FACTOR, _SAFETY * err ** -0.2)
                h_abs *= min(1.0, factor) if rejected else factor
                break
            h_abs *= max(_MIN_FACTOR, _SAFETY * err ** -0.2) if np.isfinite(err) else _MIN_FACTOR
            rejected = True
            n_rej += 1
        while j < t_eval.size and direction * (t_eval[j] - t_new) <= 0:
            x = (t_eval[j] - t) / h
            y_eval[j] = y + h * ((K.T @ _P) @ (x ** np.arange(1, 5)))
            j += 1
        t, y, f = t_new, y_new, f_new
        ts.append(t)
        ys.append(y.copy())
    return _result(ts, ys, t_eval, y_eval, nfev, n_rej, h_abs, ok, message)


def _result(ts, ys, t_eval, y_eval, nfev, n_rej, h_abs, ok, message) -> RK45Result:
    return RK45Result(np.array(ts), np.array(ys), t_eval, y_eval, int(nfev), int(n_rej), float(h_abs), bool(ok),
                      message)


# ----------------------------------------------------------------------------------------------------- OTD
def otd_value_and_grad(field: CubicTanhField, Y0: np.ndarray, theta: np.ndarray, t_obs: np.ndarray, C: np.ndarray,
                       *, rtol: float = 1e-7, atol: float = 1e-9, max_steps: int = 20_000
                       ) -> tuple[float, np.ndarray, dict]:
    r"""Optimize-then-discretize: the loss :math:`\sum_i \|Y(t_i) - C_i\|^2` and the continuous-adjoint gradient.

    Forward: :func:`rk45` from :math:`Y(0) = Y_0` with dense output at the :math:`t_i`. Backward, interval by
    interval from :math:`t_n` to :math:`0`, :func:`rk45` at the same tolerances on the augmented state
    :math:`(Y, z, \lambda)`:

    .. math::
        \partial_t Y = f(Y, \theta), \quad \partial_t z = -(\partial_Y f)^\top z, \quad
        \partial_t \lambda = -(\partial_\theta f)^\top z, \qquad
        z(t_n) = 2 (Y(t_n) - C_n), \ \lambda(t_n) = 0,

    :math:`Y` recomputed backward in time (Chen et al. 2018) and reset to the forward value at each :math:`t_i`,
    where :math:`z` jumps by :math:`2(Y(t_i) - C_i)`. The gradient is :math:`\lambda(0) = \int_0^{t_n}
    (\partial_\theta f)^\top z\, dt`. It approximates the gradient of the continuous loss; at a loose tolerance it
    is not the gradient of the loss the forward solve computes (the course: the Taylor test stalls at order 1).

    Parameters
    ----------
    field : CubicTanhField
    Y0 : ndarray, shape (n, dim)
    theta : ndarray, shape (n_params,)
    t_obs : ndarray, shape (n_obs,)
        Increasing observation times, all positive.
    C : ndarray, shape (n_obs, n, dim)
        Observations.
    rtol, atol : float, optional
        Tolerances of both solves (the course: 1e-7 and 1e-9, or 1e-2 and 1e-2).
    max_steps : int, optional
        Step limit of each solve; a solve that fails (blow-up) gives an infinite loss and a nan gradient.

    Returns
    -------
    L : float
    grad : ndarray, shape (n_params,)
    info : dict
        ``Y`` (the forward states at ``t_obs``), ``nfev_forward``, ``nfev_backward``, ``steps_forward``.

    Raises
    ------
    ValueError
        For non-increasing or non-positive ``t_obs``, or ``C`` of the wrong shape.

    References
    ----------
    Chen et al. (2018), Algorithm 1 and Appendix B (observations at several times); Onken and Ruthotto (2020);
    Ruthotto and Haber, Module 8 (the adjoint equation).
    """
    Y0 = np.atleast_2d(np.asarray(Y0, dtype=float))
    t_obs = np.asarray(t_obs, dtype=float).ravel()
    C = np.asarray(C, dtype=float)
    if t_obs.size < 1 or t_obs[0] <= 0 or np.any(np.diff(t_obs) <= 0):
        raise ValueError("t_obs must be positive and increasing")
    if C.shape != (t_obs.size, *Y0.shape):
        raise ValueError(f"C must have shape {(t_obs.size, *Y0.shape)}, got {C.shape}")
    P = field.unpack(theta)
    shape, m, p = Y0.shape, Y0.size, field.n_params

    def rhs(t, y):
        return _forward(P, y.reshape(shape))[0].ravel()

    fw = rk45(rhs, (0.0, float(t_obs[-1])), Y0.ravel(), rtol=rtol, atol=atol, t_eval=t_obs, max_steps=max_steps)
    info = {"nfev_forward": fw.nfev, "steps_forward": fw.t.size - 1, "nfev_backward": 0}
    Y = fw.y_eval.reshape(C.shape)
    info["Y"] = Y
    if not fw.success or not np.all(np.isfinite(Y)):
        return float("inf"), np.full(p, np.nan), info
    R = Y - C
    L = float(np.sum(R * R))
    dL = 2.0 * R

    def aug(t, a):
        Ya, Z = a[:m].reshape(shape), a[m:2 * m].reshape(shape)
        F, cache = _forward(P, Ya)
        out = np.empty_like(a)
        G = field.unpack(out[2 * m:])
        for v in G:
            v[...] = 0.0
        out[:m] = F.ravel()
        out[m:2 * m] = -_vjp(P, cache, Z, G).ravel()
        out[2 * m:] *= -1.0
        return out

    a = np.concatenate([Y[-1].ravel(), dL[-1].ravel(), np.zeros(p)])
    times = np.concatenate([[0.0], t_obs])
    h = None
    for i in range(t_obs.size, 0, -1):
        bw = rk45(aug, (times[i], times[i - 1]), a, rtol=rtol, atol=atol, first_step=h, max_steps=max_steps)
        info["nfev_backward"] += bw.nfev
        if not bw.success or not np.all(np.isfinite(bw.y[-1])):
            return L, np.full(p, np.nan), info
        a, h = bw.y[-1].copy(), bw.h_next
        if i > 1:  # reset Y to the forward value, jump of z by dL/dY(t_{i-1})
            a[:m] = Y[i - 2].ravel()
            a[m:2 * m] += dL[i - 2].ravel()
    return L, a[2 * m:].copy(), info


# ----------------------------------------------------------------------------------------------------- the fit
class SpiralFit(Objective):
    r"""The course's Neural-ODE fit of the spiral as an objective for ``numdl_core.optim``.

    :math:`L(\theta) = \sum_{i=1}^{n} \|Y(t_i; \theta) - C_i\|^2` with :math:`Y` from :class:`CubicTanhField`:

    - ``method="dto"``: :math:`Y` from :func:`rk4` with ``n_steps`` steps (a multiple of ``n_obs``), gradient by
      backpropagation through RK4 (:func:`rk4_value_and_grad`): exact for this loss;
    - ``method="otd"``: :math:`Y` from :func:`rk45` at ``rtol``, ``atol``, gradient from the continuous adjoint
      solved at the same tolerances (:func:`otd_value_and_grad`).

    Parameters
    ----------
    method : {"dto", "otd"}
    n_steps : int, optional
        RK4 steps over :math:`[0, T]` (DTO; the course: 30).
    rtol, atol : float, optional
        RK45 tolerances (OTD).
    width : int, optional
        Width of the field (the course: 50).
    n_obs : int, optional
        Number of observations (the course: 30).

    Attributes
    ----------
    field : CubicTanhField
    data : SpiralData
    n_params : int

    Raises
    ------
    ValueError
        For an unknown method, or ``n_steps`` not a positive multiple of ``n_obs``.

    References
    ----------
    Onken and Ruthotto (2020), Sec. 8; Ruthotto and Haber, Module 8.

    Examples
    --------
    >>> fit = SpiralFit("dto")
    >>> theta = fit.field.init(seed=0)
    >>> L, g = fit.value_and_grad(theta)
    >>> g.shape, L > 0
    ((252,), True)
    """

    def __init__(self, method: str = "dto", *, n_steps: int = 30, rtol: float = 1e-7, atol: float = 1e-9,
                 width: int = 50, n_obs: int = 30):
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if int(n_steps) < 1 or int(n_steps) % int(n_obs):
            raise ValueError(f"n_steps must be a positive multiple of n_obs = {n_obs}, got {n_steps}")
        if not (rtol > 0 and atol > 0):
            raise ValueError(f"rtol and atol must be positive, got {rtol} and {atol}")
        self.method, self.n_steps, self.rtol, self.atol = method, int(n_steps), float(rtol), float(atol)
        self.field = CubicTanhField(width)
        self.data = spiral_data(int(n_obs))
        self.n_params = self.field.n_params
        self._every = self.n_steps // int(n_obs)

    def _loss(self, states: np.ndarray) -> tuple[float, np.ndarray]:
        d = np.zeros_like(states)
        R = states[self._every::self._every] - self.data.C
        d[self._every::self._every] = 2.0 * R
        return float(np.sum(R * R)), d

    def predict(self, theta: np.ndarray) -> np.ndarray:
        """The model's states at the observation times (the ones the loss compares).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        ndarray, shape (n_obs, n, dim)
        """
        d = self.data
        if self.method == "dto":
            with np.errstate(all="ignore"):
                return rk4(self.field, d.y0, theta, d.T, self.n_steps)[self._every::self._every]
        P = self.field.unpack(theta)
        r = rk45(lambda t, y: _forward(P, y.reshape(d.y0.shape))[0].ravel(), (0.0, d.T), d.y0.ravel(),
                 rtol=self.rtol, atol=self.atol, t_eval=d.t, max_steps=20_000)
        return r.y_eval.reshape(d.C.shape)

    def value(self, theta: np.ndarray) -> float:
        r"""The loss :math:`L(\theta)` alone (the forward solve).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
            The packed weights (:meth:`CubicTanhField.unpack`).

        Returns
        -------
        float
            ``inf`` if the solve blew up.
        """
        with np.errstate(all="ignore"):
            R = self.predict(theta) - self.data.C
            L = float(np.sum(R * R))
        return L if np.isfinite(L) else float("inf")

    # documented in Objective
    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        d = self.data
        with np.errstate(all="ignore"):
            if self.method == "dto":
                L, g, _ = rk4_value_and_grad(self.field, d.y0, theta, d.T, self.n_steps, self._loss)
            else:
                L, g, _ = otd_value_and_grad(self.field, d.y0, theta, d.t, d.C, rtol=self.rtol, atol=self.atol)
        if not np.isfinite(L):
            return float("inf"), np.full(self.n_params, np.nan)
        return L, g


# ----------------------------------------------------------------------------------------------------- checks
def taylor_check(fit: SpiralFit, theta: np.ndarray, *, seed: int = 0, k_max: int = 20) -> DerivativeCheck:
    r"""The course's derivative check of a :class:`SpiralFit` gradient: :math:`h = 2^{-k}`, :math:`k = 1..k_{max}`.

    .. math::
        E_0(h) = |L(\theta + hv) - L(\theta)|, \qquad E_1(h) = |L(\theta + hv) - L(\theta) - h \nabla L^\top v|,

    :math:`v` standard normal (``seed``). A gradient consistent with the computed loss gives
    :math:`E_1 = O(h^2)` (DTO; OTD at a tight tolerance); an inconsistent one stalls at :math:`E_1 = O(h)` (OTD at a
    loose tolerance). As :func:`numdl_core.checks.derivative_check`, but from :math:`h = 1/2` (the course's range,
    down to :math:`2^{-20} \approx 9.5\cdot10^{-7}`).

    Parameters
    ----------
    fit : SpiralFit
    theta : ndarray, shape (n_params,)
    seed : int, optional
        Seed of the direction :math:`v`.
    k_max : int, optional
        Smallest step :math:`2^{-k_{max}}`.

    Returns
    -------
    DerivativeCheck

    Raises
    ------
    ValueError
        For ``k_max < 2``.

    References
    ----------
    Ruthotto and Haber, Module 0 and Module 8 (the three derivative checks of the spiral).
    """
    if int(k_max) < 2:
        raise ValueError(f"k_max must be at least 2, got {k_max}")
    v = np.random.default_rng(seed).standard_normal(fit.n_params)
    f0, g = fit.value_and_grad(theta)
    dvdf = float(g @ v)
    h = 2.0 ** -np.arange(1, int(k_max) + 1, dtype=float)
    ft = np.array([fit.value(theta + hi * v) for hi in h])
    err0, err1 = np.abs(ft - f0), np.abs(ft - f0 - h * dvdf)
    floor = 1e3 * np.finfo(float).eps * max(abs(f0), abs(dvdf), 1.0)
    order0, order1 = observed_order(h, err0, floor), observed_order(h, err1, floor)
    exact = bool(np.all(err1 <= floor))
    passed = exact or bool(np.isfinite(order1) and order1 >= 1.5)
    return DerivativeCheck(h, err0, err1, None, order0, order1, float("nan"), passed, exact)


@dataclass(frozen=True)
class ToleranceStudy:
    """The result of :func:`tolerance_study`.

    Attributes
    ----------
    tols : ndarray
        The tolerances ``rtol`` (with ``atol = rtol / 100``).
    otd_error : ndarray
        :math:`\\|g_{OTD}(\\text{tol}) - g^*\\| / \\|g^*\\|` with :math:`g^*` the OTD gradient at ``rtol = 1e-11``.
    nfev : ndarray
        Field evaluations of the forward plus the backward solve, per tolerance.
    dto_error : float
        The same error of the DTO gradient (RK4, ``n_steps``): the gradient of the discrete loss differs from the
        continuous one by the discretization error.
    """

    tols: np.ndarray
    otd_error: np.ndarray
    nfev: np.ndarray
    dto_error: float


def tolerance_study(theta: np.ndarray, tols=(1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9), *,
                    n_steps: int = 30, width: int = 50) -> ToleranceStudy:
    r"""How close the OTD gradient comes to the gradient of the continuous loss as the tolerance tightens.

    For each ``rtol`` (``atol = rtol / 100``) the error :math:`\|g_{OTD} - g^*\| / \|g^*\|` against the reference
    :math:`g^*` (OTD at ``rtol = 1e-11``, ``atol = 1e-13``), and the cost in field evaluations.

    Parameters
    ----------
    theta : ndarray, shape (n_params,)
    tols : sequence of float, optional
    n_steps : int, optional
        RK4 steps of the DTO gradient compared in ``dto_error``.
    width : int, optional

    Returns
    -------
    ToleranceStudy

    References
    ----------
    Onken and Ruthotto (2020); Ruthotto and Haber, Module 8.
    """
    tols = np.asarray(tols, dtype=float)
    ref = SpiralFit("otd", rtol=1e-11, atol=1e-13, width=width)
    g_ref = ref.value_and_grad(theta)[1]
    d = ref.data
    errs, nfev = [], []
    for tol in tols:
        _, g, info = otd_value_and_grad(ref.field, d.y0, theta, d.t, d.C, rtol=tol, atol=tol / 100)
        errs.append(np.linalg.norm(g - g_ref) / np.linalg.norm(g_ref))
        nfev.append(info["nfev_forward"] + info["nfev_backward"])
    g_dto = SpiralFit("dto", n_steps=n_steps, width=width).value_and_grad(theta)[1]
    return ToleranceStudy(tols, np.array(errs), np.array(nfev), float(np.linalg.norm(g_dto - g_ref)
                                                                       / np.linalg.norm(g_ref)))

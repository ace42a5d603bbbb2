r"""Tractable loss landscapes: over-parameterized two-layer ReLU networks, escaping strict saddles with noise,
and low-rank factorization losses without spurious local minima.

Three claims, each checked numerically:

1. **Du, Zhai, Póczos and Singh (2019).** For :math:`f(x) = m^{-1/2} \sum_r a_r\,\mathrm{relu}(w_r^\top x)` with
   fixed :math:`a_r = \pm 1`, unit inputs and :math:`\lambda_0 = \lambda_{\min}(H^\infty) > 0`, gradient descent
   on :math:`\tfrac12 \sum_i (f(x_i) - y_i)^2` (only :math:`W` trained) converges linearly,
   :math:`\|u(k) - y\|^2 \le (1 - \eta\lambda_0/2)^k \|u(0) - y\|^2`, once :math:`m` is large, and every
   :math:`w_r` moves only :math:`O(1/\sqrt m)`.
2. **Ge, Huang, Jin and Yuan (2015); Jin et al. (2017).** Gradient descent stays at a strict saddle (or converges
   to it from its stable manifold); noise in the gradient escapes it.
3. **Ge, Lee and Ma (2016).** :math:`\|u u^\top - M\|_F^2` has no spurious local minimum: every local minimum is
   global and every other critical point is a strict saddle (or a maximum). A single neuron with the squared loss can
   have spurious minima (Auer, Herbster and Warmuth 1996): here a sine neuron fitting a teacher.

Rows are examples: ``X`` has shape ``(n, d)``, ``W`` has shape ``(m, d)`` (row ``r`` is :math:`w_r`).

References
----------
S. S. Du, X. Zhai, B. Póczos and A. Singh, "Gradient descent provably optimizes over-parameterized neural
networks", ICLR 2019, arXiv:1810.02054.
R. Ge, F. Huang, C. Jin and Y. Yuan, "Escaping from saddle points — online stochastic gradient for tensor
decomposition", COLT 2015.
C. Jin, R. Ge, P. Netrapalli, S. M. Kakade and M. I. Jordan, "How to escape saddle points efficiently", ICML 2017.
R. Ge, J. D. Lee and T. Ma, "Matrix completion has no spurious local minimum", NeurIPS 2016.
P. Auer, M. Herbster and M. K. Warmuth, "Exponentially many local minima for single neurons", NeurIPS 1996.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

import numpy as np

from numdl_core.iterate import BLOWUP, Step, apply_sent, check_positive, check_stop, converged, record, tunable

__all__ = ["SCALINGS", "LANDSCAPES", "unit_sphere_data", "relu_gram", "finite_gram", "TwoLayerReLU",
           "du_rate", "average_rate", "loglog_slope", "relative_movement", "max_neuron_movement", "MovementStudy",
           "movement_study", "Landscape", "landscape", "noisy_gradient_descent", "plain_gradient_descent",
           "escape_iteration", "escape_time",
           "CriticalPoint", "critical_points"]

SCALINGS = ("ntk", "mean-field")
"""Output scalings of :class:`TwoLayerReLU`: ``m^(-1/2)`` (Du et al.) or ``1/m`` with the step times ``m``."""
LANDSCAPES = ("factorization", "neuron")
"""Names of the 2-D landscapes of :func:`landscape`."""


def unit_sphere_data(n: int = 20, d: int = 10, *, seed: int = 0,
                     duplicate: bool = False) -> tuple[np.ndarray, np.ndarray]:
    r"""``n`` inputs on the unit sphere of :math:`\mathbb R^d` and labels :math:`y_i \sim U[-1, 1]`.

    With ``duplicate=True`` the second input is a copy of the first (its label stays different): then
    :math:`\lambda_0 = \lambda_{\min}(H^\infty) = 0`, no network fits both, and the loss cannot fall below
    :math:`(y_1 - y_2)^2 / 4` (the assumption of Du et al. fails).

    Parameters
    ----------
    n, d : int
        Number of examples (rows) and input dimension (at least 2).
    seed : int
        Seed of the draw.
    duplicate : bool
        Copy the first input into the second (needs ``n >= 2``).

    Returns
    -------
    X : ndarray, shape (n, d)
        Rows :math:`x_i = g_i / \|g_i\|`, :math:`g_i \sim N(0, I)` (Du et al. assume :math:`\|x_i\| = 1`).
    y : ndarray, shape (n,)

    Raises
    ------
    ValueError
        If ``n < 1`` or ``d < 2``.

    References
    ----------
    Du, Zhai, Póczos and Singh (2019), ICLR, Assumption: :math:`\|x_i\| = 1`, :math:`|y_i| = O(1)`.

    Examples
    --------
    >>> X, y = unit_sphere_data(3, 4)
    >>> np.allclose(np.linalg.norm(X, axis=1), 1.0), y.shape
    (True, (3,))
    """
    if int(n) < 1 or int(d) < 2:
        raise ValueError(f"need n >= 1 examples and d >= 2 dimensions, got n = {n}, d = {d}")
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((int(n), int(d)))
    X, y = G / np.linalg.norm(G, axis=1, keepdims=True), rng.uniform(-1.0, 1.0, int(n))
    if duplicate and X.shape[0] >= 2:
        X[1] = X[0]
    return X, y


def relu_gram(X: np.ndarray) -> np.ndarray:
    r"""The infinite-width Gram matrix of Du et al. (2019) in closed form.

    .. math:: H^\infty_{ij} = x_i^\top x_j\, \mathbb E_{w \sim N(0, I)}\big[\mathbf 1\{w^\top x_i \ge 0,\,
       w^\top x_j \ge 0\}\big] = x_i^\top x_j\, \frac{\pi - \theta_{ij}}{2\pi},

    :math:`\theta_{ij}` the angle between :math:`x_i` and :math:`x_j` (the probability that a random hyperplane
    through 0 leaves both on its positive side).

    Parameters
    ----------
    X : array_like, shape (n, d)
        Inputs (rows, nonzero).

    Returns
    -------
    ndarray, shape (n, n)
        Symmetric positive semidefinite; positive definite when no two inputs are parallel.

    Raises
    ------
    ValueError
        If a row of ``X`` is zero or not finite.

    References
    ----------
    Du, Zhai, Póczos and Singh (2019), ICLR, Eq. (4) and Theorem 3.1.

    Examples
    --------
    >>> relu_gram(np.eye(2))            # orthogonal unit inputs: angle pi/2
    array([[0.5, 0. ],
           [0. , 0.5]])
    """
    X = np.asarray(X, dtype=float)
    norms = np.linalg.norm(X, axis=1)
    if X.ndim != 2 or not np.all(np.isfinite(X)) or np.any(norms == 0):
        raise ValueError("X must be a finite 2-D array with nonzero rows")
    G = X @ X.T
    cos = np.clip(G / np.outer(norms, norms), -1.0, 1.0)
    return G * (np.pi - np.arccos(cos)) / (2 * np.pi)


def finite_gram(W: np.ndarray, X: np.ndarray) -> np.ndarray:
    r"""The Gram matrix of a finite network, :math:`H(W)_{ij} = x_i^\top x_j \frac1m \sum_r
    \mathbf 1\{w_r^\top x_i \ge 0,\, w_r^\top x_j \ge 0\}` (a Monte Carlo estimate of :func:`relu_gram`
    when the rows of ``W`` are drawn from :math:`N(0, I)`).

    Parameters
    ----------
    W : array_like, shape (m, d)
        First-layer weights, row :math:`r` is :math:`w_r`.
    X : array_like, shape (n, d)
        Inputs.

    Returns
    -------
    ndarray, shape (n, n)
        The matrix with :math:`\frac{du}{dt} = -H(W)(u - y)` under gradient flow (Du et al., Eq. (3)).

    References
    ----------
    Du, Zhai, Póczos and Singh (2019), ICLR, Eq. (3).

    Examples
    --------
    >>> finite_gram(np.array([[1.0, 1.0]]), np.eye(2))   # one neuron active on both inputs
    array([[1., 0.],
           [0., 1.]])
    """
    W, X = np.asarray(W, dtype=float), np.asarray(X, dtype=float)
    S = (X @ W.T >= 0).astype(float)
    return (X @ X.T) * (S @ S.T) / W.shape[0]


class TwoLayerReLU:
    r"""The two-layer ReLU network of Du et al. (2019) as an objective of its first layer ``W``.

    .. math:: u_i = c_m \sum_{r=1}^m a_r\,\mathrm{relu}(w_r^\top x_i),\qquad
       L(W) = \tfrac12 \sum_i (u_i - y_i)^2,\qquad
       \nabla_{w_r} L = c_m a_r \sum_i (u_i - y_i)\,\mathbf 1\{w_r^\top x_i \ge 0\}\, x_i,

    :math:`c_m = m^{-1/2}` (``scaling="ntk"``, Du et al.) or :math:`c_m = 1/m` (``"mean-field"``, Mei, Montanari
    and Nguyen 2018; then :attr:`step_scale` ``= m``: gradient descent takes steps :math:`m\eta`, so that each
    neuron moves :math:`O(1)`, and the claim of small weight movement fails). :math:`w_r(0) \sim N(0, I)`,
    :math:`a_r` uniform on :math:`\{-1, 1\}` and fixed. The flat parameter vector is ``W.ravel()``.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Inputs (rows).
    y : array_like, shape (n,)
        Targets.
    m : int
        Width (number of hidden neurons).
    scaling : {"ntk", "mean-field"}
        The output scaling :math:`c_m`.
    seed : int
        Seed of :math:`W(0)` and :math:`a`.

    Attributes
    ----------
    a : ndarray, shape (m,)
    theta0 : ndarray, shape (m * d,)
        :math:`W(0)` flattened.
    n_params : int
    step_scale : float
        1 (``"ntk"``) or ``m`` (``"mean-field"``): multiply a step size by it.

    Raises
    ------
    ValueError
        For ``m < 1``, an unknown scaling or shapes that do not match.

    References
    ----------
    Du, Zhai, Póczos and Singh (2019), ICLR, Eq. (1)-(2); Mei, Montanari and Nguyen (2018), PNAS (mean field).

    Examples
    --------
    >>> net = TwoLayerReLU(np.eye(2), np.zeros(2), 4, seed=0)
    >>> net.n_params, net.value_and_grad(net.theta0)[1].shape
    (8, (8,))
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, m: int, *, scaling: str = "ntk", seed: int = 0):
        self.X = np.asarray(X, dtype=float)
        self.y = np.asarray(y, dtype=float).ravel()
        if self.X.ndim != 2 or self.y.size != self.X.shape[0]:
            raise ValueError(f"X must be (n, d) and y (n,), got {self.X.shape} and {self.y.shape}")
        if int(m) < 1:
            raise ValueError(f"the width m must be at least 1, got {m}")
        if scaling not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {scaling!r}")
        self.m, self.d, self.scaling = int(m), self.X.shape[1], scaling
        rng = np.random.default_rng(seed)
        self.theta0 = rng.standard_normal(self.m * self.d)
        self.a = rng.choice([-1.0, 1.0], self.m)
        self.c = self.m ** -0.5 if scaling == "ntk" else 1.0 / self.m
        self.step_scale = 1.0 if scaling == "ntk" else float(self.m)
        self.n_params = self.m * self.d

    def predict(self, theta: np.ndarray, X: np.ndarray | None = None) -> np.ndarray:
        """The outputs :math:`u` of the network with weights ``theta`` (``W.ravel()``).

        Parameters
        ----------
        theta : ndarray, shape (m * d,)
        X : ndarray, shape (k, d), optional
            Inputs (default: the training inputs).

        Returns
        -------
        ndarray, shape (k,)
        """
        X = self.X if X is None else np.asarray(X, dtype=float)
        return self.c * np.maximum(X @ np.reshape(theta, (self.m, self.d)).T, 0.0) @ self.a

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """The loss :math:`L(W)` and its gradient (formula above).

        Parameters
        ----------
        theta : ndarray, shape (m * d,)

        Returns
        -------
        loss : float
        grad : ndarray, shape (m * d,)
        """
        W = np.reshape(theta, (self.m, self.d))
        Z = self.X @ W.T
        r = self.c * np.maximum(Z, 0.0) @ self.a - self.y
        G = self.c * self.a[:, None] * (((Z >= 0) * r[:, None]).T @ self.X)
        return 0.5 * float(r @ r), G.ravel()

    def gram(self, theta: np.ndarray) -> np.ndarray:
        """:func:`finite_gram` of the weights ``theta``.

        Parameters
        ----------
        theta : ndarray, shape (m * d,)

        Returns
        -------
        ndarray, shape (n, n)
        """
        return finite_gram(np.reshape(theta, (self.m, self.d)), self.X)


def du_rate(step: float, lam0: float) -> float:
    r"""The linear rate of Du et al. (2019), Theorem 4.1: :math:`\|u(k) - y\|^2 \le (1 - \eta\lambda_0/2)^k
    \|u(0) - y\|^2`.

    Parameters
    ----------
    step : float
        The step :math:`\eta`.
    lam0 : float
        :math:`\lambda_0 = \lambda_{\min}(H^\infty)`.

    Returns
    -------
    float
        :math:`1 - \eta\lambda_0/2`.

    References
    ----------
    Du, Zhai, Póczos and Singh (2019), ICLR, Theorem 4.1.

    Examples
    --------
    >>> du_rate(0.5, 0.2)
    0.95
    """
    return 1.0 - float(step) * float(lam0) / 2.0


def average_rate(losses: Sequence[float]) -> float:
    r"""The average rate per iteration of a loss curve, :math:`(L_K / L_0)^{1/K}`: the :math:`\rho` with
    :math:`L_K = \rho^K L_0`.

    Parameters
    ----------
    losses : sequence of float
        :math:`L_0, \ldots, L_K` (at least 2, positive).

    Returns
    -------
    float
        nan if there are fewer than 2 values or one is not positive.

    References
    ----------
    Nocedal and Wright, Numerical Optimization, 2nd ed., Springer 2006, Sec. 2.2 (linear convergence).

    Examples
    --------
    >>> average_rate([8.0, 4.0, 2.0, 1.0])
    0.5
    """
    L = np.asarray(losses, dtype=float)
    if L.size < 2 or not np.all(L > 0) or not np.all(np.isfinite(L)):
        return float("nan")
    return float(np.exp((np.log(L[-1]) - np.log(L[0])) / (L.size - 1)))


def loglog_slope(x: Sequence[float], y: Sequence[float]) -> float:
    r"""The least-squares slope :math:`p` of :math:`\log y = p \log x + c`.

    Parameters
    ----------
    x, y : sequence of float
        Positive values, at least two.

    Returns
    -------
    float
        nan if fewer than two pairs are positive and finite.

    References
    ----------
    Golub and Van Loan, Matrix Computations, 4th ed., 2013, Sec. 5.3 (linear least squares).

    Examples
    --------
    >>> round(loglog_slope([1, 4, 16], [1.0, 0.5, 0.25]), 12)
    -0.5
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)[0])


def relative_movement(theta: np.ndarray, theta0: np.ndarray) -> float:
    r""":math:`\|W - W(0)\|_F / \|W(0)\|_F`.

    Parameters
    ----------
    theta, theta0 : ndarray
        Current and initial weights (any equal shapes).

    Returns
    -------
    float

    References
    ----------
    Du, Zhai, Póczos and Singh (2019), ICLR, Lemma 4.1 (each :math:`w_r` moves :math:`O(1/\sqrt m)`).

    Examples
    --------
    >>> relative_movement(np.array([3.0, 4.0]), np.array([3.0, 0.0]))
    1.3333333333333333
    """
    return float(np.linalg.norm(np.asarray(theta) - theta0) / np.linalg.norm(theta0))


def max_neuron_movement(theta: np.ndarray, theta0: np.ndarray, m: int) -> float:
    r""":math:`\max_r \|w_r - w_r(0)\|` for ``theta = W.ravel()`` with ``m`` rows.

    Parameters
    ----------
    theta, theta0 : ndarray, shape (m * d,)
    m : int
        Number of neurons (rows of ``W``).

    Returns
    -------
    float

    References
    ----------
    Du, Zhai, Póczos and Singh (2019), ICLR, Lemma 4.1: :math:`\|w_r(k) - w_r(0)\| \le 4\sqrt n \|y - u(0)\| /
    (\sqrt m \lambda_0)`.

    Examples
    --------
    >>> max_neuron_movement(np.array([1.0, 0.0, 0.0, 2.0]), np.zeros(4), 2)
    2.0
    """
    D = np.reshape(np.asarray(theta) - theta0, (int(m), -1))
    return float(np.max(np.linalg.norm(D, axis=1)))


@dataclass
class MovementStudy:
    """Weight movement against the width (:func:`movement_study`).

    Attributes
    ----------
    widths : ndarray
    relative : ndarray
        :math:`\\|W - W(0)\\|_F / \\|W(0)\\|_F` after training, per width.
    max_neuron : ndarray
        :math:`\\max_r \\|w_r - w_r(0)\\|` per width.
    final_loss, initial_loss : ndarray
        Loss after and before training, per width.
    slope, slope_max : float
        Fitted log-log slopes of ``relative`` and ``max_neuron`` against the width (theory: -1/2 with ``"ntk"``).
    lam0 : float
        :math:`\\lambda_{\\min}(H^\\infty)`.
    numbers : dict
        Headline numbers by name.
    """

    widths: np.ndarray
    relative: np.ndarray
    max_neuron: np.ndarray
    final_loss: np.ndarray
    initial_loss: np.ndarray
    slope: float
    slope_max: float
    lam0: float
    numbers: dict = field(default_factory=dict)


def _train(net: TwoLayerReLU, step: float, iterations: int) -> tuple[np.ndarray, float, float]:
    """Plain gradient descent on ``net`` for ``iterations`` steps: (W, final loss, initial loss)."""
    theta, t = net.theta0.copy(), step * net.step_scale
    f0, g = net.value_and_grad(theta)
    f = f0
    for _ in range(iterations):
        theta -= t * g
        f, g = net.value_and_grad(theta)
        if not np.isfinite(f):
            break
    return theta, f, f0


def movement_study(widths: Sequence[int] = (16, 32, 64, 128, 256, 512, 1024, 2048), *, n: int = 20, d: int = 10,
                   step: float = 1.0, iterations: int = 300, scaling: str = "ntk", seed: int = 0,
                   progress: Callable[[float], None] | None = None) -> MovementStudy:
    r"""Train the network of :class:`TwoLayerReLU` at each width for the same number of gradient steps and
    measure how far the weights moved; fit the slope of the movement against :math:`m` on log-log axes.

    Du et al.: :math:`\|w_r(k) - w_r(0)\| = O(m^{-1/2})`, hence :math:`\|W - W(0)\|_F / \|W(0)\|_F =
    O(m^{-1/2})` (:math:`\|W(0)\|_F \approx \sqrt{md}`): slope :math:`-\tfrac12`. With ``"mean-field"`` each
    neuron moves :math:`O(1)`: slope near 0.

    Parameters
    ----------
    widths : sequence of int
        The widths :math:`m`.
    n, d : int
        Data of :func:`unit_sphere_data`.
    step : float
        Step :math:`\eta` (times :attr:`TwoLayerReLU.step_scale`).
    iterations : int
        Gradient steps per width.
    scaling : {"ntk", "mean-field"}
    seed : int
        Seed of the data and of every network.
    progress : callable, optional
        ``progress(fraction)`` after each width.

    Returns
    -------
    MovementStudy

    Raises
    ------
    ValueError
        For an empty ``widths`` or a bad step or iteration count.

    References
    ----------
    Du, Zhai, Póczos and Singh (2019), ICLR, Lemma 4.1 and Theorem 4.1.
    """
    widths = np.array(sorted({int(w) for w in widths}), dtype=int)
    if widths.size < 2:
        raise ValueError("need at least two widths")
    step = check_positive("step", step)
    _, iterations = check_stop(0.0, iterations)
    X, y = unit_sphere_data(n, d, seed=seed)
    rel, mx, fl, f0s = [], [], [], []
    for i, m in enumerate(widths):
        net = TwoLayerReLU(X, y, m, scaling=scaling, seed=seed + 1)
        with np.errstate(all="ignore"):
            theta, f, f0 = _train(net, step, iterations)
            rel.append(relative_movement(theta, net.theta0))
            mx.append(max_neuron_movement(theta, net.theta0, m))
        fl.append(f)
        f0s.append(f0)
        if progress is not None:
            progress((i + 1) / widths.size)
    rel, mx = np.array(rel), np.array(mx)
    lam0 = float(np.linalg.eigvalsh(relu_gram(X))[0])
    slope, slope_max = loglog_slope(widths, rel), loglog_slope(widths, mx)
    numbers = {"fitted slope of ||W - W0||_F / ||W0||_F": slope, "fitted slope of max_r ||w_r - w_r(0)||": slope_max,
               "lambda_0 = lambda_min(H_inf)": lam0, f"relative movement at m = {widths[-1]}": rel[-1],
               f"final loss at m = {widths[0]}": fl[0], f"final loss at m = {widths[-1]}": fl[-1]}
    return MovementStudy(widths, rel, mx, np.array(fl), np.array(f0s), slope, slope_max, lam0, numbers)


# ---------------------------------------------------------------------------------------------- 2-D landscapes
_NEURON_X = np.linspace(-1.0, 1.0, 9)
_NEURON_Y = np.sin(2.0 * _NEURON_X + 0.5)  # the teacher neuron u* = (2, 0.5)


class Landscape:
    r"""A loss on :math:`\mathbb R^2` with its gradient and Hessian (an objective for the optimizers).

    ``"factorization"``: :math:`f(u) = \|u u^\top - M\|_F^2`, :math:`M = \mathrm{diag}(\lambda_1, \lambda_2)`,
    :math:`\nabla f = 4(\|u\|^2 u - M u)`, :math:`\nabla^2 f = 4(\|u\|^2 I + 2 u u^\top - M)`. Critical points:
    0 and :math:`\pm\sqrt{\lambda_i} e_i` for :math:`\lambda_i > 0`; the minima are global, the others strict
    saddles or a maximum (Ge, Lee and Ma 2016).

    ``"neuron"``: one sine neuron with weight and bias :math:`u = (w, b)` fitted by squared loss to nine points
    :math:`x_i \in [-1, 1]` of a teacher :math:`y_i = \sin(2 x_i + 0.5)`, :math:`f(u) = \sum_i (\sin(w x_i + b)
    - y_i)^2`; besides the global minima (the teacher and its symmetric copies, :math:`f = 0`) it has spurious
    local minima at other frequencies (:math:`|w| \approx 5.93`, :math:`f \approx 6.85`). With
    :math:`z_i = w x_i + b`, :math:`r_i = \sin z_i - y_i`, :math:`\tilde x_i = (x_i, 1)`:
    :math:`\nabla f = \sum_i 2 r_i \cos z_i\, \tilde x_i`, :math:`\nabla^2 f = \sum_i 2(\cos^2 z_i - r_i
    \sin z_i) \tilde x_i \tilde x_i^\top`.

    Parameters
    ----------
    name : {"factorization", "neuron"}
    lam1, lam2 : float
        Eigenvalues of :math:`M` (``"factorization"`` only).

    Attributes
    ----------
    n_params : int
        2.
    box : tuple of float
        ``(lo, hi)``: the square drawn and searched for critical points.

    Raises
    ------
    ValueError
        For a name other than ``"factorization"`` and ``"neuron"``.

    References
    ----------
    Ge, Lee and Ma (2016), NeurIPS; Auer, Herbster and Warmuth (1996), NeurIPS; Parascandolo, Huttunen and
    Virtanen (2016), "Taming the waves: sine as activation function in deep neural networks" (local minima of
    sine units).

    Examples
    --------
    >>> f = Landscape("factorization", lam1=1.0, lam2=0.5)
    >>> f.value_and_grad(np.array([1.0, 0.0]))    # a global minimum: f = lam2^2
    (0.25, array([0., 0.]))
    """

    def __init__(self, name: str = "factorization", *, lam1: float = 1.0, lam2: float = 0.5):
        if name not in LANDSCAPES:
            raise ValueError(f"landscape must be one of {LANDSCAPES}, got {name!r}")
        self.name, self.lam1, self.lam2 = name, float(lam1), float(lam2)
        self.M = np.diag([self.lam1, self.lam2])
        self.n_params = 2
        self.box = (-1.6, 1.6) if name == "factorization" else (-6.5, 6.5)

    def value(self, U: np.ndarray) -> np.ndarray:
        """:math:`f` at points ``U`` of shape (..., 2) (vectorized, for grids).

        Parameters
        ----------
        U : array_like, shape (..., 2)

        Returns
        -------
        ndarray, shape (...)
        """
        U = np.asarray(U, dtype=float)
        u1, u2 = U[..., 0], U[..., 1]
        if self.name == "factorization":
            return (u1 * u1 - self.lam1) ** 2 + 2 * (u1 * u2) ** 2 + (u2 * u2 - self.lam2) ** 2
        s = np.sin(u1[..., None] * _NEURON_X + u2[..., None])
        return np.sum((s - _NEURON_Y) ** 2, axis=-1)

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """:math:`f` and :math:`\\nabla f` at one point.

        Parameters
        ----------
        theta : ndarray, shape (2,)

        Returns
        -------
        f : float
        g : ndarray, shape (2,)
        """
        u = np.asarray(theta, dtype=float)
        if self.name == "factorization":
            return float(self.value(u)), 4.0 * ((u @ u) * u - self.M @ u)
        z = u[0] * _NEURON_X + u[1]
        r, ds = np.sin(z) - _NEURON_Y, np.cos(z)
        return float(r @ r), np.array([2 * (r * ds) @ _NEURON_X, 2 * np.sum(r * ds)])

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """:math:`\\nabla^2 f` at one point (formulas above).

        Parameters
        ----------
        theta : ndarray, shape (2,)

        Returns
        -------
        ndarray, shape (2, 2)
        """
        u = np.asarray(theta, dtype=float)
        if self.name == "factorization":
            return 4.0 * ((u @ u) * np.eye(2) + 2 * np.outer(u, u) - self.M)
        z = u[0] * _NEURON_X + u[1]
        s, ds = np.sin(z), np.cos(z)
        c = 2 * (ds * ds - (s - _NEURON_Y) * s)
        Xt = np.column_stack([_NEURON_X, np.ones_like(_NEURON_X)])
        return (Xt * c[:, None]).T @ Xt

    def hess_vec(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        """:math:`\\nabla^2 f(\\theta) v`.

        Parameters
        ----------
        theta, v : ndarray, shape (2,)

        Returns
        -------
        ndarray, shape (2,)
        """
        return self.hessian(theta) @ np.asarray(v, dtype=float)

    def saddle(self) -> np.ndarray:
        r"""The strict saddle :math:`(0, \sqrt{\lambda_2})` of ``"factorization"`` (for :math:`\lambda_1 >
        \lambda_2 > 0`; else the origin).

        Returns
        -------
        ndarray, shape (2,)
        """
        if self.name == "factorization" and self.lam1 > self.lam2 > 0:
            return np.array([0.0, np.sqrt(self.lam2)])
        return np.zeros(2)


def landscape(name: str = "factorization", *, lam1: float = 1.0, lam2: float = 0.5) -> Landscape:
    """The :class:`Landscape` called ``name``.

    Parameters
    ----------
    name : {"factorization", "neuron"}
    lam1, lam2 : float
        Eigenvalues of :math:`M` for ``"factorization"``.

    Returns
    -------
    Landscape

    Examples
    --------
    >>> landscape("neuron").box
    (-6.5, 6.5)
    """
    return Landscape(name, lam1=lam1, lam2=lam2)


def _check_noise(v: float) -> float:
    v = float(v)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"noise must be a number >= 0, got {v}")
    return v


_NOISY_TUNABLES = {"step": lambda v: check_positive("step", v), "noise": _check_noise}


@tunable("step", "noise")
def noisy_gradient_descent(obj, theta0: np.ndarray, *, step: float = 0.05, noise: float = 0.1, seed: int = 0,
                           tol: float | None = 1e-10, maxiter: int = 10**6,
                           blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Noisy gradient descent :math:`\theta_{k+1} = \theta_k - \eta(\nabla f(\theta_k) + \sigma \xi_k)`,
    :math:`\xi_k \sim N(0, I)` independent (Ge et al. 2015). ``noise = 0`` is plain gradient descent.

    It stops as every method of :mod:`numdl_core.iterate` does; with ``tol=None`` it never stops on the
    gradient, only at ``maxiter`` or a blow-up: a saddle has a zero gradient, and the noise is what moves it
    (the page and :func:`escape_time` run it so).

    Parameters
    ----------
    obj : object
        ``value_and_grad(theta) -> (float, ndarray)``.
    theta0 : array_like
        Start (copied).
    step : float
        :math:`\eta`. Tunable.
    noise : float
        :math:`\sigma \ge 0`. Tunable.
    seed : int
        Seed of the noise.
    tol : float or None
        Stop when ``grad_norm <= tol * max(1, grad_norm_0)`` (None: never on the gradient).
    maxiter, blowup : int, float
        See :mod:`numdl_core.iterate`.

    Yields
    ------
    Step
        From iteration 0; ``info``: ``work`` (2 per gradient), ``step``, ``noise``.

    Raises
    ------
    ValueError
        For a bad step, noise, ``maxiter`` or ``theta0`` (at the first ``next``), or a bad value sent.

    References
    ----------
    Ge, Huang, Jin and Yuan (2015), COLT, Theorem 6 (noisy SGD escapes strict saddles in polynomial time);
    Jin, Ge, Netrapalli, Kakade and Jordan (2017), ICML (perturbed gradient descent).

    Examples
    --------
    >>> f = landscape("factorization")
    >>> [s.x.tolist() for s in noisy_gradient_descent(f, f.saddle(), noise=0.0, maxiter=2)][-1] == f.saddle().tolist()
    True
    """
    params = {"step": step, "noise": noise}
    params = {k: check(params[k]) for k, check in _NOISY_TUNABLES.items()}
    checked_tol, maxiter = check_stop(0.0 if tol is None else tol, maxiter)
    tol = None if tol is None else checked_tol
    theta = np.array(theta0, dtype=float).ravel()
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta0 has non-finite entries (nan or inf)")
    rng = np.random.default_rng(seed)
    f, g = obj.value_and_grad(theta)
    f0 = float(f)
    st, stop = record(0, theta, f, np.linalg.norm(g), {"step": 0.0, "noise": 0.0}, work=0.0, loss0=f0, blowup=blowup)
    g0 = st.grad_norm
    sent = yield st
    for k in range(1, maxiter + 1):
        if stop:
            return
        params = apply_sent(sent, params, _NOISY_TUNABLES)
        if tol is not None and converged(st.grad_norm, g0, tol):
            return
        xi = rng.standard_normal(theta.shape)
        theta = theta - params["step"] * (np.asarray(g) + params["noise"] * xi)
        f, g = obj.value_and_grad(theta)
        st, stop = record(k, theta, f, np.linalg.norm(g), dict(params), work=2.0 * k, loss0=f0, blowup=blowup)
        sent = yield st


@tunable("step")
def plain_gradient_descent(obj, theta0: np.ndarray, *, step: float = 0.05, tol: float | None = 1e-10,
                           maxiter: int = 10**6, blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Gradient descent :math:`\theta_{k+1} = \theta_k - \eta \nabla f(\theta_k)` that does not stop at a zero
    gradient when ``tol=None``: :func:`noisy_gradient_descent` with ``noise = 0`` (only ``step`` tunable), so that
    a run started at a saddle visibly stays there (with the default ``tol`` it stops there at once: the gradient
    test cannot tell a saddle from a minimum).

    Parameters
    ----------
    obj, theta0, step, tol, maxiter, blowup
        As :func:`noisy_gradient_descent` (``tol=None``: no stop on the gradient).

    Yields
    ------
    Step
        As :func:`noisy_gradient_descent`.

    References
    ----------
    Lee, Simchowitz, Jordan and Recht (2016), "Gradient descent only converges to minimizers", COLT (from a
    random start; not from the saddle's stable manifold).

    Examples
    --------
    >>> f = landscape("factorization")
    >>> [round(s.loss, 6) for s in plain_gradient_descent(f, f.saddle(), tol=None, maxiter=2)]   # f = lam1^2
    [1.0, 1.0, 1.0]
    >>> len(list(plain_gradient_descent(f, f.saddle())))   # the default tol takes the saddle for a solution
    1
    """
    return (yield from noisy_gradient_descent(obj, theta0, step=step, noise=0.0, tol=tol, maxiter=maxiter,
                                              blowup=blowup))


def escape_time(f: Landscape, theta0: np.ndarray, *, step: float = 0.05, noise: float = 0.1, seed: int = 0,
                radius: float = 0.5, maxiter: int = 2000) -> int | None:
    """The first iteration of :func:`noisy_gradient_descent` from ``theta0`` that is farther than ``radius``
    from the saddle :meth:`Landscape.saddle` after the run came within ``radius`` of it (None: not within
    ``maxiter`` iterations).

    Parameters
    ----------
    f : Landscape
    theta0 : array_like, shape (2,)
    step, noise : float
        :math:`\eta`, :math:`\sigma` (``noise = 0``: plain gradient descent).
    seed : int
        Seed of the noise.
    radius : float
    maxiter : int

    Returns
    -------
    int or None

    References
    ----------
    Jin et al. (2017), ICML, Theorem 3 (escape time of perturbed gradient descent).

    Examples
    --------
    >>> f = landscape("factorization")
    >>> escape_time(f, f.saddle(), noise=0.0) is None, escape_time(f, f.saddle(), noise=0.1) < 200
    (True, True)
    """
    s0 = f.saddle()
    near = False
    for st in noisy_gradient_descent(f, theta0, step=step, noise=noise, seed=seed, tol=None, maxiter=maxiter):
        d = float(np.linalg.norm(st.x - s0))
        near = near or d <= radius
        if near and d > radius:
            return int(st.iteration)
        if st.info.get("diverged"):
            return None
    return None


def escape_iteration(path: np.ndarray, saddle: np.ndarray, radius: float = 0.5) -> int | None:
    """The first iteration at which a path is farther than ``radius`` from the saddle.

    Parameters
    ----------
    path : array_like, shape (K, 2)
        Iterates :math:`\\theta_0, \\ldots, \\theta_{K-1}`.
    saddle : array_like, shape (2,)
    radius : float

    Returns
    -------
    int or None
        None if the path never leaves the ball (or never reaches it).

    References
    ----------
    Jin et al. (2017), ICML: escape = leaving a ball around the saddle with a decrease of the loss.

    Examples
    --------
    >>> escape_iteration([[0.0, 0.0], [0.1, 0.0], [0.7, 0.0]], [0.0, 0.0])
    2
    """
    d = np.linalg.norm(np.asarray(path, dtype=float) - np.asarray(saddle, dtype=float), axis=1)
    far = np.nonzero(d > radius)[0]
    return int(far[0]) if far.size else None


@dataclass
class CriticalPoint:
    """A critical point of a :class:`Landscape`.

    Attributes
    ----------
    x : ndarray, shape (2,)
    value : float
    eigenvalues : ndarray, shape (2,)
        Of the Hessian, ascending.
    kind : str
        ``"global minimum"``, ``"spurious minimum"``, ``"strict saddle"``, ``"maximum"`` or ``"degenerate"``.
    """

    x: np.ndarray
    value: float
    eigenvalues: np.ndarray
    kind: str


def critical_points(f: Landscape, *, n: int = 81, tol: float = 1e-6) -> list[CriticalPoint]:
    r"""All critical points of ``f`` in its box, classified by the Hessian's eigenvalues.

    The gradient norm is evaluated on an ``n x n`` grid; every grid point where it is a local minimum among its
    8 neighbours starts Newton's method on :math:`\nabla f = 0` (:math:`x \leftarrow x - (\nabla^2 f)^{-1}
    \nabla f`, 50 steps at most); converged points (:math:`\|\nabla f\| \le 10^{-10}`) inside the box are merged
    when closer than :math:`10^{-6}`. A point with both eigenvalues above ``tol`` is a minimum (global when its
    value is within :math:`10^{-8}` of the lowest minimum, else spurious), both below :math:`-`\ ``tol`` a
    maximum, one of each a strict saddle, else degenerate.

    Parameters
    ----------
    f : Landscape
    n : int
        Grid points per axis (at least 5).
    tol : float
        Eigenvalue threshold.

    Returns
    -------
    list of CriticalPoint
        Sorted by value.

    Raises
    ------
    ValueError
        If ``n < 5``.

    References
    ----------
    Ge, Lee and Ma (2016), NeurIPS (strict saddle property); Nocedal and Wright (2006), Sec. 2.1
    (second-order conditions), Sec. 11.1 (Newton's method for nonlinear equations).

    Examples
    --------
    >>> sorted(c.kind for c in critical_points(landscape("factorization")))
    ['global minimum', 'global minimum', 'maximum', 'strict saddle', 'strict saddle']
    """
    if int(n) < 5:
        raise ValueError(f"need a grid of at least 5 points per axis, got {n}")
    lo, hi = f.box
    t = np.linspace(lo, hi, int(n))
    U = np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1)
    G = np.array([[np.linalg.norm(f.value_and_grad(U[i, j])[1]) for j in range(t.size)] for i in range(t.size)])
    P = np.pad(G, 1, constant_values=np.inf)
    nb = np.min([P[1 + di:P.shape[0] - 1 + di, 1 + dj:P.shape[1] - 1 + dj] for di, dj in itertools.product(
        (-1, 0, 1), repeat=2) if (di, dj) != (0, 0)], axis=0)
    found: list[np.ndarray] = []
    for i, j in zip(*np.nonzero(G <= nb)):
        x = U[i, j].copy()
        for _ in range(50):
            g = f.value_and_grad(x)[1]
            if np.linalg.norm(g) <= 1e-12:
                break
            try:
                x = x - np.linalg.solve(f.hessian(x), g)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(x)):
                break
        ok = np.all(np.isfinite(x)) and np.linalg.norm(f.value_and_grad(x)[1]) <= 1e-10
        inside = ok and np.all(x >= lo - 1e-9) and np.all(x <= hi + 1e-9)
        if inside and all(np.linalg.norm(x - y) > 1e-6 for y in found):
            found.append(x)
    pts = []
    for x in found:
        ev = np.linalg.eigvalsh(f.hessian(x))
        kind = ("minimum" if ev[0] > tol else "maximum" if ev[1] < -tol else
                "strict saddle" if ev[0] < -tol and ev[1] > tol else "degenerate")
        pts.append(CriticalPoint(x, float(f.value_and_grad(x)[0]), ev, kind))
    best = min((p.value for p in pts if p.kind == "minimum"), default=np.nan)
    for p in pts:
        if p.kind == "minimum":
            p.kind = "global minimum" if p.value <= best + 1e-8 else "spurious minimum"
    return sorted(pts, key=lambda p: p.value)

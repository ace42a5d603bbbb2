r"""Dynamical systems and deep learning: training a ResNet as optimal control with the method of successive
approximations (MSA) of Pontryagin's maximum principle, parareal (parallel-in-time) forward propagation, and
architectures read as time integrators (ResNet = forward Euler, LM-ResNet = a linear two-step method).

Samples are rows. The network is the Euler ResNet of :mod:`numdl_core.resnet`,
:math:`Y_{j+1} = Y_j + h\,\sigma(Y_j K_j + \mathbf 1 b_j^\top)`, trained on the terminal loss
:math:`\Phi(Y_L) = \tfrac{1}{2n}\|Y_L - C\|_F^2` (a target state :math:`C`: the control problem of moving every
sample to its target).

- **MSA** (Li, Chen, Tai and E 2017): forward state :math:`Y_j`, backward costate :math:`P_j = -\Lambda_j`
  (:math:`\Lambda_j = \partial \Phi / \partial Y_j`, the adjoint of :func:`numdl_core.resnet.backward`), then in every
  layer maximize the Hamiltonian :math:`H_j(\theta) = \langle P_{j+1}, \sigma(Y_j K + \mathbf 1 b^\top)\rangle`
  with states and costates frozen. Plain MSA can diverge; the extended MSA subtracts a penalty :math:`\rho` on the
  change of the layer's output (:func:`msa`).
- **Parareal** (Lions, Maday and Turinici 2001; Günther, Ruthotto, Schroder, Cyr and Gauger 2020): a cheap coarse
  propagator :math:`G` run sequentially, corrected by an expensive fine propagator :math:`F` run in parallel over
  :math:`N` time slices; exact (equal to the sequential fine solve) after at most :math:`N` iterations
  (:func:`parareal`).
- **LM-ResNet** (Lu, Zhong, Li and Dong 2018): :math:`u_{j+1} = (1-k_j) u_j + k_j u_{j-1} + h f_j(u_j)`, a linear
  two-step method; :math:`k = 0` is the ResNet (:func:`lm_forward`, :func:`lm_boundary_locus`).

References
----------
W. E, A proposal on machine learning via dynamical systems, Commun. Math. Stat. 5 (2017) 1-11.
Q. Li, L. Chen, C. Tai and W. E, Maximum principle based algorithms for deep learning, JMLR 18 (2018) 1-29
(arXiv:1710.09513, 2017).
E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018) 014004.
Y. Lu, A. Zhong, Q. Li and B. Dong, Beyond finite layer neural networks: bridging deep architectures and numerical
differential equations, ICML 2018.
J.-L. Lions, Y. Maday and G. Turinici, Résolution d'EDP par un schéma en temps pararéel, C. R. Acad. Sci. Paris 332
(2001) 661-668.
P. Parpas and C. Muir, Predict globally, correct locally: parallel-in-time optimal control of neural networks,
arXiv:1902.02542, 2019.
S. Günther, L. Ruthotto, J. B. Schroder, E. C. Cyr and N. R. Gauger, Layer-parallel training of deep residual neural
networks, SIAM J. Math. Data Sci. 2 (2020) 1-23.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Callable, Iterator

import numpy as np

from numdl_core import resnet
from numdl_core._validate import as_float_array
from numdl_core.iterate import BLOWUP, Step, _drive, check_positive, check_stop, record

__all__ = ["control_problem", "terminal_loss", "control_loss", "costate", "hamiltonian", "msa", "gradient_descent",
           "euler_propagator", "fine_solve", "parareal", "lm_forward", "lm_roots", "lm_boundary_locus", "SOLVERS"]


def control_problem(n: int = 12, d: int = 2, L: int = 8, *, seed: int = 0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""A small control problem: move ``n`` points of the plane to targets with an ``L``-layer ResNet.

    Inputs on the unit circle, :math:`y_i = (\cos t_i, \sin t_i)`, targets the rotated and shrunk points
    :math:`c_i = 0.5 R_{\pi/3} y_i` (first two coordinates; further ones zero), initial controls
    :math:`K_j = 0.1\,N(0,1)`, :math:`b_j = 0`.

    Parameters
    ----------
    n, d, L : int
        Samples, state dimension (at least 2), layers.
    seed : int
        Seed for the initial controls.

    Returns
    -------
    Y0 : ndarray, shape (n, d)
    C : ndarray, shape (n, d)
        The targets.
    K0 : ndarray, shape (L, d, d)
    b0 : ndarray, shape (L, d)

    Raises
    ------
    ValueError
        ``n``, ``L`` < 1 or ``d`` < 2.

    References
    ----------
    Li, Chen, Tai and E (2017), Sec. 5 (small test problems for MSA).
    """
    if n < 1 or L < 1 or d < 2:
        raise ValueError(f"need n >= 1, L >= 1, d >= 2; got n={n}, d={d}, L={L}")
    t = 2 * np.pi * np.arange(n) / n
    Y0 = np.zeros((n, d))
    Y0[:, 0], Y0[:, 1] = np.cos(t), np.sin(t)
    a = np.pi / 3
    C = np.zeros((n, d))
    C[:, 0] = 0.5 * (np.cos(a) * Y0[:, 0] - np.sin(a) * Y0[:, 1])
    C[:, 1] = 0.5 * (np.sin(a) * Y0[:, 0] + np.cos(a) * Y0[:, 1])
    rng = np.random.default_rng(seed)
    return Y0, C, 0.1 * rng.standard_normal((L, d, d)), np.zeros((L, d))


def terminal_loss(YL: np.ndarray, C: np.ndarray) -> tuple[float, np.ndarray]:
    r"""The terminal loss :math:`\Phi(Y_L) = \tfrac{1}{2n}\|Y_L - C\|_F^2` and its gradient :math:`(Y_L - C)/n`.

    Parameters
    ----------
    YL, C : ndarray, shape (n, d)
        Final state and targets.

    Returns
    -------
    f : float
    dYL : ndarray, shape (n, d)

    Raises
    ------
    ValueError
        If ``YL`` and ``C`` are not 2-D of the same shape with at least one row (nan and inf propagate).
    TypeError
        If either is no array of numbers.

    References
    ----------
    Li, Chen, Tai and E (2017), Eq. (1) (terminal cost of the control problem).
    """
    YL, C = as_float_array("YL", YL), as_float_array("C", C)
    if YL.ndim != 2 or YL.shape != C.shape or YL.shape[0] == 0:
        raise ValueError(f"YL and C must have the same shape (n, d) with n >= 1, got {YL.shape} and {C.shape}")
    R = YL - C
    n = R.shape[0]
    return float(0.5 * np.sum(R * R) / n), R / n


def _split(theta: np.ndarray, L: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    theta = np.asarray(theta, dtype=float).ravel()
    if theta.size != L * d * d + L * d:
        raise ValueError(f"theta must have {L * d * d + L * d} entries, got {theta.size}")
    return theta[:L * d * d].reshape(L, d, d), theta[L * d * d:].reshape(L, d)


def control_loss(theta: np.ndarray, Y0: np.ndarray, C: np.ndarray, h: float, L: int, *,
                 activation: str = "tanh") -> tuple[float, np.ndarray]:
    r"""The loss :math:`\Phi(Y_L(\theta))` of the Euler ResNet as a function of the flat controls and its gradient
    (backpropagation, :func:`numdl_core.resnet.backward`).

    .. math::
        \theta = (\mathrm{vec}\,K_0, \ldots, \mathrm{vec}\,K_{L-1}, b_0, \ldots, b_{L-1}), \qquad
        \nabla_{K_j}\Phi = h\, Y_j^\top (\Lambda_{j+1} \odot \sigma'(Y_j K_j + \mathbf 1 b_j^\top)).

    Parameters
    ----------
    theta : ndarray, shape (L d^2 + L d,)
    Y0, C : ndarray, shape (n, d)
    h : float
    L : int
    activation : str
        As in :func:`numdl_core.resnet.forward`.

    Returns
    -------
    f : float
    g : ndarray, same shape as ``theta``

    Raises
    ------
    ValueError
        ``theta`` of the wrong size, shapes that do not match.

    References
    ----------
    Haber and Ruthotto (2017); Li, Chen, Tai and E (2017).
    """
    Y0 = np.asarray(Y0, dtype=float)
    K, b = _split(theta, L, Y0.shape[1])
    Y = resnet.forward(Y0, K, b, h, activation=activation)
    f, dYL = terminal_loss(Y[-1], C)
    _, dK, db = resnet.backward(Y, K, b, h, dYL, activation=activation)
    return f, np.concatenate([dK.ravel(), db.ravel()])


def costate(Y: np.ndarray, K: np.ndarray, b: np.ndarray, h: float, C: np.ndarray, *,
            activation: str = "tanh") -> np.ndarray:
    r"""The costates :math:`P_j` of the discrete maximum principle (the negated adjoint of backpropagation).

    .. math::
        P_L = -\nabla \Phi(Y_L), \qquad P_j = P_{j+1} + h\, (P_{j+1} \odot \sigma'(Y_j K_j + \mathbf 1 b_j^\top))
        K_j^\top = \nabla_{Y_j} \big(\langle P_{j+1}, Y_j + h\,\sigma(Y_j K_j + \mathbf 1 b_j^\top)\rangle\big),

    so :math:`P_j = -\partial \Phi / \partial Y_j`: ``-P[0]`` is the input gradient of
    :func:`numdl_core.resnet.backward`.

    Parameters
    ----------
    Y : ndarray, shape (L+1, n, d)
        States from :func:`numdl_core.resnet.forward` (Euler).
    K, b, h
        Controls and step.
    C : ndarray, shape (n, d)
        Targets of :func:`terminal_loss`.
    activation : str

    Returns
    -------
    ndarray, shape (L+1, n, d)

    Raises
    ------
    ValueError
        Shapes that do not match.

    References
    ----------
    Li, Chen, Tai and E (2017), Eq. (4) (discrete PMP); L. S. Pontryagin et al., *The Mathematical Theory of
    Optimal Processes*, 1962.
    """
    Y = np.asarray(Y, dtype=float)
    K = np.asarray(K, dtype=float)
    b = np.asarray(b, dtype=float)
    if Y.ndim != 3 or K.ndim != 3 or Y.shape[0] != K.shape[0] + 1:
        raise ValueError(f"need Y of shape (L+1, n, d) and K of shape (L, d, d); got {Y.shape}, {K.shape}")
    dact = resnet.ACTIVATIONS[activation][1]
    P = np.empty_like(Y)
    P[-1] = -terminal_loss(Y[-1], C)[1]
    for j in range(K.shape[0] - 1, -1, -1):
        G = P[j + 1] * dact(Y[j] @ K[j] + b[j])
        P[j] = P[j + 1] + h * G @ K[j].T
    return P


def hamiltonian(Yj: np.ndarray, Pj1: np.ndarray, Kj: np.ndarray, bj: np.ndarray, *, activation: str = "tanh"
                ) -> tuple[float, np.ndarray, np.ndarray]:
    r"""One layer's Hamiltonian and its gradient in the layer's controls.

    .. math::
        H_j(K, b) = \langle P_{j+1}, \sigma(Y_j K + \mathbf 1 b^\top)\rangle, \qquad
        \nabla_K H_j = Y_j^\top (P_{j+1} \odot \sigma'), \qquad \nabla_b H_j = (P_{j+1} \odot \sigma')^\top \mathbf 1.

    With :math:`P = -\Lambda`, :math:`h \nabla_{\theta_j} H_j = -\nabla_{\theta_j}\Phi` at the current controls:
    one gradient-ascent step on every :math:`H_j` is one gradient-descent step on the loss.

    Parameters
    ----------
    Yj, Pj1 : ndarray, shape (n, d)
        State :math:`Y_j` and costate :math:`P_{j+1}`.
    Kj : ndarray, shape (d, d)
    bj : ndarray, shape (d,)
    activation : str

    Returns
    -------
    H : float
    dK : ndarray, shape (d, d)
    db : ndarray, shape (d,)

    References
    ----------
    Li, Chen, Tai and E (2017), Eq. (3).
    """
    act, dact = resnet.ACTIVATIONS[activation]
    A = Yj @ Kj + bj
    G = Pj1 * dact(A)
    return float(np.sum(Pj1 * act(A))), Yj.T @ G, G.sum(axis=0)


def _stuck(k: int, f: float, g: np.ndarray) -> str | None:
    """Why iteration ``k`` cannot move on: after iteration 0, a gradient exactly zero at a nonzero loss (every
    tanh saturated, e.g. after a huge step or ``h``) ends the run as diverged, with this reason."""
    if k >= 1 and f > 0 and not np.any(g):
        return "the gradient vanished at a nonzero loss: every unit saturated (step, lr or h too large?)"
    return None


def msa(Y0: np.ndarray, C: np.ndarray, K0: np.ndarray, b0: np.ndarray, h: float, *, rho: float = 1.0,
        lr: float = 1.0, inner: int = 5, activation: str = "tanh", tol: float = 1e-10, maxiter: int = 10**6,
        blowup: float = BLOWUP) -> Iterator[Step]:
    r"""The (extended) method of successive approximations: forward state, backward costate, maximize every
    layer's (augmented) Hamiltonian with states and costates frozen.

    Each iteration: :math:`Y = ` forward, :math:`P = ` :func:`costate`, then for every layer :math:`j`
    (independently, in parallel) ``inner`` gradient-ascent steps of size ``lr`` on

    .. math::
        \tilde H_j(\theta) = H_j(\theta) - \frac{\rho}{2}\, h\, \big\|\sigma(Y_j K + \mathbf 1 b^\top)
        - \sigma(Y_j K_j^{old} + \mathbf 1 b_j^{old\top})\big\|_F^2,

    the first penalty term of the extended MSA (Li et al. 2017, Eq. (10): the state equation's residual
    :math:`\|Y_{j+1} - Y_j - h f_j\|^2 / h`; the costate residual is dropped). :math:`\rho = 0` is plain MSA,
    which overshoots when ``lr * inner`` is large (maximizing :math:`H_j` far beyond where the frozen costate is
    valid); :math:`\rho > 0` keeps each layer's output near its old value.

    Parameters
    ----------
    Y0, C : ndarray, shape (n, d)
        Inputs and targets.
    K0, b0 : ndarray, shapes (L, d, d), (L, d)
        Initial controls.
    h : float
        Step size of the ResNet.
    rho : float
        Penalty of the extended MSA (>= 0); tunable.
    lr : float
        Step of the inner ascent on :math:`\tilde H_j`; tunable.
    inner : int
        Inner ascent steps per layer and iteration.
    activation : str
    tol, maxiter, blowup
        The stopping rules of the protocol (gradient of the loss).

    Yields
    ------
    Step
        ``x`` the flat controls (as :func:`control_loss`), ``loss`` :math:`\Phi`, ``grad_norm`` of the loss;
        ``info["hamiltonian"]`` the sum of :math:`H_j` after the update (with the old states). A gradient exactly
        zero at a nonzero loss after iteration 0 (every unit saturated) ends the run as diverged, with the reason.

    Raises
    ------
    ValueError
        Bad shapes, ``rho < 0``, a non-positive ``h``, ``lr`` or ``inner``.

    References
    ----------
    Q. Li, L. Chen, C. Tai and W. E, Maximum principle based algorithms for deep learning, JMLR 18 (2018),
    Algorithms 1 (MSA) and 2 (E-MSA).
    """
    Y0 = np.asarray(Y0, dtype=float)
    K = np.array(K0, dtype=float)
    b = np.array(b0, dtype=float)
    L, d = K.shape[0], Y0.shape[1]
    h = check_positive("h", h)
    if int(inner) < 1:
        raise ValueError(f"inner must be >= 1, got {inner}")
    inner = int(inner)
    tol, maxiter = check_stop(tol, maxiter)

    def nonneg(v: float) -> float:
        v = float(v)
        if not np.isfinite(v) or v < 0:
            raise ValueError(f"rho must be >= 0, got {v}")
        return v

    params = {"rho": nonneg(rho), "lr": check_positive("lr", lr)}
    act, dact = resnet.ACTIVATIONS[activation]

    def state():
        theta = np.concatenate([K.ravel(), b.ravel()])
        f, g = control_loss(theta, Y0, C, h, L, activation=activation)
        return theta, f, g

    def iterations():
        nonlocal params, K, b
        theta, f, g = state()
        f0 = f
        params = yield record(0, theta, f, np.linalg.norm(g), {"hamiltonian": 0.0, **params}, work=0.0, loss0=f0,
                              blowup=blowup)
        k = 0
        while True:
            k += 1
            Y = resnet.forward(Y0, K, b, h, activation=activation)
            P = costate(Y, K, b, h, C, activation=activation)
            Htot = 0.0
            for j in range(L):
                S_old = act(Y[j] @ K[j] + b[j])
                Kj, bj = K[j].copy(), b[j].copy()
                for _ in range(inner):
                    A = Y[j] @ Kj + bj
                    _, dK, db = hamiltonian(Y[j], P[j + 1], Kj, bj, activation=activation)
                    G = params["rho"] * h * (act(A) - S_old) * dact(A)
                    Kj = Kj + params["lr"] * (dK - Y[j].T @ G)
                    bj = bj + params["lr"] * (db - G.sum(axis=0))
                K[j], b[j] = Kj, bj
                Htot += hamiltonian(Y[j], P[j + 1], Kj, bj, activation=activation)[0]
            theta, f, g = state()
            params = yield record(k, theta, f, np.linalg.norm(g), {"hamiltonian": Htot, **params},
                                  work=2.0 * k * (inner + 1), loss0=f0, blowup=blowup, reason=_stuck(k, f, g))

    tun = {"rho": nonneg, "lr": lambda v: check_positive("lr", v)}
    return (yield from _drive(iterations(), params, tun, tol=tol, maxiter=maxiter))


msa.tunables = ("rho", "lr")


def gradient_descent(Y0: np.ndarray, C: np.ndarray, K0: np.ndarray, b0: np.ndarray, h: float, *,
                     step: float = 1.0, activation: str = "tanh", tol: float = 1e-10, maxiter: int = 10**6,
                     blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Gradient descent on :func:`control_loss`, the baseline for :func:`msa` on the same problem.

    .. math::
        \theta_{k+1} = \theta_k - \eta\, \nabla \Phi(Y_L(\theta_k)).

    Parameters
    ----------
    Y0, C, K0, b0, h
        As :func:`msa`.
    step : float
        :math:`\eta`; tunable.
    activation, tol, maxiter, blowup
        As :func:`msa`.

    Yields
    ------
    Step
        ``x`` the flat controls, ``loss`` :math:`\Phi`; a vanished gradient ends the run as in :func:`msa`.

    Raises
    ------
    ValueError
        Bad shapes or a non-positive ``h`` or ``step``.

    References
    ----------
    Li, Chen, Tai and E (2017), Sec. 2 (gradient descent as one inner step of MSA).
    """
    Y0 = np.asarray(Y0, dtype=float)
    K0 = np.asarray(K0, dtype=float)
    L = K0.shape[0]
    h = check_positive("h", h)
    theta = np.concatenate([K0.ravel(), np.asarray(b0, dtype=float).ravel()])
    tol, maxiter = check_stop(tol, maxiter)
    params = {"step": check_positive("step", step)}

    def iterations():
        nonlocal params, theta
        f, g = control_loss(theta, Y0, C, h, L, activation=activation)
        f0 = f
        params = yield record(0, theta, f, np.linalg.norm(g), dict(params), work=0.0, loss0=f0, blowup=blowup)
        k = 0
        while True:
            k += 1
            theta = theta - params["step"] * g
            f, g = control_loss(theta, Y0, C, h, L, activation=activation)
            params = yield record(k, theta, f, np.linalg.norm(g), dict(params), work=2.0 * k, loss0=f0,
                                  blowup=blowup, reason=_stuck(k, f, g))

    return (yield from _drive(iterations(), params, {"step": lambda v: check_positive("step", v)}, tol=tol,
                              maxiter=maxiter))


gradient_descent.tunables = ("step",)


def euler_propagator(f: Callable[[float, np.ndarray], np.ndarray], t0: float, t1: float, y: np.ndarray,
                     steps: int) -> np.ndarray:
    r"""``steps`` forward Euler steps from :math:`t_0` to :math:`t_1`: :math:`y \leftarrow y + \delta f(t, y)`,
    :math:`\delta = (t_1 - t_0)/\text{steps}`.

    Parameters
    ----------
    f : callable
        ``f(t, y)``, the right-hand side.
    t0, t1 : float
    y : ndarray
    steps : int (>= 1)

    Returns
    -------
    ndarray
        The state at :math:`t_1`.

    Raises
    ------
    ValueError
        ``steps`` < 1.

    References
    ----------
    Hairer, Nørsett and Wanner, *Solving ODEs I*, Sec. I.7.
    """
    if int(steps) < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    dt = (t1 - t0) / int(steps)
    y = np.array(y, dtype=float)
    for i in range(int(steps)):
        y = y + dt * f(t0 + i * dt, y)
    return y


def fine_solve(f: Callable[[float, np.ndarray], np.ndarray], y0: np.ndarray, T: float, N: int, fine: int
               ) -> np.ndarray:
    r"""The sequential fine solution at the slice ends :math:`t_n = nT/N`: :math:`U_{n+1} = F(U_n)`, ``F`` =
    ``fine`` Euler steps per slice (:func:`euler_propagator`).

    Parameters
    ----------
    f : callable
    y0 : ndarray
    T : float
    N, fine : int

    Returns
    -------
    ndarray, shape (N+1, *y0.shape)

    References
    ----------
    Lions, Maday and Turinici (2001).
    """
    U = [np.array(y0, dtype=float)]
    for n in range(N):
        U.append(euler_propagator(f, n * T / N, (n + 1) * T / N, U[-1], fine))
    return np.stack(U)


def parareal(f: Callable[[float, np.ndarray], np.ndarray], y0: np.ndarray, T: float, N: int, *, coarse: int = 1,
             fine: int = 20, iterations: int | None = None) -> np.ndarray:
    r"""Parareal iterates with Euler coarse and fine propagators.

    With :math:`G` = ``coarse`` Euler steps and :math:`F` = ``fine`` Euler steps per slice :math:`[t_n, t_{n+1}]`,
    :math:`U^0_{n+1} = G(U^0_n)` and

    .. math::
        U^{k+1}_0 = y_0, \qquad U^{k+1}_{n+1} = G(U^{k+1}_n) + F(U^k_n) - G(U^k_n).

    The :math:`F(U^k_n)` are independent (parallel over slices); only :math:`G` runs sequentially. By induction
    :math:`U^k_n = ` the fine solution for :math:`n \le k`: after at most :math:`N` iterations parareal is exact.

    Parameters
    ----------
    f : callable
        ``f(t, y)``.
    y0 : ndarray
    T : float
        Final time.
    N : int
        Time slices (>= 1).
    coarse, fine : int
        Euler steps per slice of :math:`G` and :math:`F`.
    iterations : int, optional
        Parareal iterations (default ``N``).

    Returns
    -------
    ndarray, shape (iterations+1, N+1, *y0.shape)
        ``U[k]`` the iterate :math:`U^k` at every slice end.

    Raises
    ------
    ValueError
        ``N``, ``coarse`` or ``fine`` < 1, negative ``iterations``.

    References
    ----------
    Lions, Maday and Turinici (2001); M. J. Gander and S. Vandewalle, Analysis of the parareal time-parallel
    time-integration method, SIAM J. Sci. Comput. 29 (2007) (exactness after N iterations); Günther et al. (2020);
    Parpas and Muir (2019).
    """
    N = int(N)
    if N < 1 or int(coarse) < 1 or int(fine) < 1:
        raise ValueError(f"N, coarse and fine must be >= 1; got {N}, {coarse}, {fine}")
    iterations = N if iterations is None else int(iterations)
    if iterations < 0:
        raise ValueError(f"iterations must be >= 0, got {iterations}")
    t = np.linspace(0.0, T, N + 1)

    def G(n, y):
        return euler_propagator(f, t[n], t[n + 1], y, coarse)

    U = np.empty((iterations + 1, N + 1, *np.shape(y0)))
    U[0, 0] = y0
    for n in range(N):
        U[0, n + 1] = G(n, U[0, n])
    for k in range(iterations):
        Fk = [euler_propagator(f, t[n], t[n + 1], U[k, n], fine) for n in range(N)]  # parallel in n
        Gk = [G(n, U[k, n]) for n in range(N)]
        U[k + 1, 0] = y0
        for n in range(N):
            U[k + 1, n + 1] = G(n, U[k + 1, n]) + Fk[n] - Gk[n]
    return U


def lm_forward(Y0: np.ndarray, K: np.ndarray, b: np.ndarray, h: float, k: float | np.ndarray, *,
               activation: str = "tanh") -> np.ndarray:
    r"""The LM-ResNet: a linear two-step method per layer (the first layer a ResNet/Euler step).

    .. math::
        u_1 = u_0 + h f_0(u_0), \qquad u_{j+1} = (1 - k_j) u_j + k_j u_{j-1} + h f_j(u_j), \qquad
        f_j(u) = \sigma(u K_j + \mathbf 1 b_j^\top).

    :math:`k_j = 0` is the ResNet (forward Euler, :func:`numdl_core.resnet.forward`).

    Parameters
    ----------
    Y0 : ndarray, shape (n, d)
    K, b, h
        As :func:`numdl_core.resnet.forward`.
    k : float or ndarray, shape (L,)
        The (trainable, here fixed) coefficients :math:`k_j`; ``k[0]`` is unused.
    activation : str

    Returns
    -------
    ndarray, shape (L+1, n, d)

    Raises
    ------
    ValueError
        Shapes that do not match, non-finite ``k``.

    References
    ----------
    Lu, Zhong, Li and Dong (2018), Eq. (4).
    """
    Y0 = np.asarray(Y0, dtype=float)
    K = np.asarray(K, dtype=float)
    b = np.asarray(b, dtype=float)
    L = K.shape[0]
    kk = np.broadcast_to(np.asarray(k, dtype=float), (L,))
    if not np.all(np.isfinite(kk)):
        raise ValueError("k must be finite")
    act = resnet.ACTIVATIONS[activation][0]
    U = np.empty((L + 1, *Y0.shape))
    U[0] = Y0
    for j in range(L):
        F = h * act(U[j] @ K[j] + b[j])
        U[j + 1] = U[j] + F if j == 0 else (1 - kk[j]) * U[j] + kk[j] * U[j - 1] + F
    return U


def lm_roots(z: np.ndarray | complex, k: float) -> np.ndarray:
    r"""The largest root modulus of the LM-ResNet's characteristic polynomial on :math:`\dot y = \lambda y`,
    :math:`z = h\lambda`.

    .. math::
        \xi^2 - (1 - k + z)\,\xi - k = 0;

    the method is absolutely stable at :math:`z` when both roots satisfy :math:`|\xi| \le 1`.

    Parameters
    ----------
    z : complex or ndarray
    k : float

    Returns
    -------
    ndarray, float (same shape as ``z``)
        :math:`\max |\xi|`.

    References
    ----------
    Hairer and Wanner, *Solving ODEs II*, Sec. V.1 (stability of multistep methods); Lu et al. (2018).
    """
    z = np.asarray(z, dtype=complex)
    a = 1.0 - k + z
    s = np.sqrt(a * a + 4.0 * k)
    return np.maximum(np.abs((a + s) / 2), np.abs((a - s) / 2))


def lm_boundary_locus(k: float, n: int = 400) -> np.ndarray:
    r"""The boundary locus of the LM-ResNet's stability region: the :math:`z` where a root has modulus 1.

    .. math::
        z(\vartheta) = \xi - (1 - k) - k / \xi, \qquad \xi = e^{i\vartheta}, \; \vartheta \in [0, 2\pi].

    For :math:`k = 0` (ResNet/Euler) :math:`z = e^{i\vartheta} - 1`, the unit circle around :math:`-1`.

    Parameters
    ----------
    k : float
    n : int
        Points on the curve.

    Returns
    -------
    ndarray, complex, shape (n,)

    References
    ----------
    Hairer and Wanner, *Solving ODEs II*, Sec. V.1 (root locus curve); Lu et al. (2018).
    """
    xi = np.exp(1j * np.linspace(0.0, 2 * np.pi, int(n)))
    return xi - (1.0 - k) - k / xi


SOLVERS = MappingProxyType({"dynamics.msa": msa, "dynamics.gradient_descent": gradient_descent})
"""Read-only ``{name: generator function}`` of this module's iterative methods."""

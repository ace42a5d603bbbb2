r"""The experiments of the residual-networks lesson, each a function of plain parameters that returns its arrays and
its headline ``numbers`` (the page draws them, the exported script prints them): the course's 2-D rotation
network and its stability, the convergence orders of the integrators against ``scipy.integrate.solve_ivp``, the
derivative and adjoint checks of every integrator, the antisymmetric architecture (forward Euler against the
two-stage schemes) and the reversibility of the leapfrog (Hamiltonian) network. Samples are rows.

The course's example (``EResNet_Forward.m``, columns :math:`y`): :math:`y_{j+1} = y_j + h \tanh(K_c y_j)`,
:math:`K_c = \begin{pmatrix} a & -c \\ c & a \end{pmatrix}`, eigenvalues :math:`a \pm ic`, so with rows
:math:`Y_{j+1} = Y_j + h\tanh(Y_j K_c^\top)` and

.. math::
    |1 + h\lambda| = \sqrt{(1 + ha)^2 + h^2 c^2} = 1.0001 \quad (a = -0.001,\ c = 0.2,\ h = 0.1).

References
----------
E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018) 014004.
B. Chang, L. Meng, E. Haber, L. Ruthotto, D. Begert and E. Holtham, Reversible architectures for arbitrarily
deep residual neural networks, AAAI 2018.
E. Hairer, S. P. Nørsett and G. Wanner, *Solving Ordinary Differential Equations I*, Springer, 1993.
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 7 (07-NumDNN-ResNets.tex,
``resnet/examples/EResNet_Forward.m``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from scipy.integrate import solve_ivp

from numdl_core import resnet
from numdl_core.checks import AdjointCheck, DerivativeCheck, adjoint_check, derivative_check, observed_order

__all__ = ["EXPECTED_ORDER", "rotation_weight", "RotationExample", "rotation_example", "ConvergenceStudy",
           "convergence_study", "IntegratorCheck", "integrator_checks", "AntisymmetricStudy", "antisymmetric_study",
           "ReversibilityStudy", "reversibility_study"]

#: The order of accuracy of each scheme (leapfrog: for the second-order equation).
EXPECTED_ORDER = {"euler": 1, "heun": 2, "midpoint": 2, "rk4": 4, "leapfrog": 2}


def rotation_weight(a: float, c: float = 0.2) -> np.ndarray:
    r"""The course's weight in the rows convention: :math:`K = K_c^\top`, :math:`K_c = \begin{pmatrix} a & -c \\
    c & a\end{pmatrix}` (eigenvalues :math:`a \pm ic`).

    .. math::
        Y_{j+1} = Y_j + h\,\sigma(Y_j K_c^\top) \iff y_{j+1} = y_j + h\,\sigma(K_c y_j).

    Parameters
    ----------
    a : float
        The damping (diagonal) entry; the course uses -0.001.
    c : float
        The rotation (off-diagonal) entry; the course uses 0.2.

    Returns
    -------
    ndarray, shape (2, 2)

    References
    ----------
    Ruthotto and Haber, ``EResNet_Forward.m``.
    """
    return np.array([[a, -c], [c, a]], dtype=float).T


@dataclass(frozen=True)
class RotationExample:
    """Result of :func:`rotation_example`.

    Attributes
    ----------
    states : ndarray, shape (m+1, 2, 2)
        The states of the two points (rows: Y0 = (1, 1) and -(1, 1)) through the layers, up to the last finite one.
    z : ndarray, complex
        :math:`h\\lambda` for the layer's eigenvalues (:func:`numdl_core.resnet.layer_eigenvalues`).
    amplification : float
        :math:`\\max |R(h\\lambda)|`, the growth per layer of the linearized network.
    growth : float
        :math:`\\|Y_N\\|_F / \\|Y_0\\|_F` (``inf`` if it overflowed).
    h_max : float
        The largest stable step of the scheme for this weight.
    diverged_at : int or None
        The first layer whose state is not finite (or above 1e100), if any.
    numbers : dict
        The headline numbers.
    """

    states: np.ndarray
    z: np.ndarray
    amplification: float
    growth: float
    h_max: float
    diverged_at: int | None
    numbers: dict = field(default_factory=dict)


def rotation_example(a: float = -0.001, h: float = 0.1, n_layers: int = 1000, *, scheme: str = "euler",
                     activation: str = "tanh", c: float = 0.2) -> RotationExample:
    r"""The course's 2-D network: two points :math:`\pm(1, 1)` through ``n_layers`` layers of the rotation weight
    (:func:`rotation_weight`), with the stability of the chosen integrator.

    .. math::
        Y_{j+1} = \Phi_h(Y_j), \qquad \text{growth} = \frac{\|Y_N\|_F}{\|Y_0\|_F}, \qquad
        \text{stable} \iff \max_\lambda |R(h\lambda)| \le 1.

    The course (Euler, tanh, :math:`a = -0.001`, :math:`h = 0.1`, 1000 layers): :math:`|1 + h\lambda| = 1.0001`
    and growth 1.102.

    Parameters
    ----------
    a : float
        Diagonal entry of :math:`K_c`.
    h : float
        Step size.
    n_layers : int
        Number of layers :math:`N` (at least 1).
    scheme : str
        One of :data:`numdl_core.resnet.SCHEMES`.
    activation : str
        One of :data:`numdl_core.resnet.ACTIVATIONS`.
    c : float
        Off-diagonal entry of :math:`K_c`.

    Returns
    -------
    RotationExample

    Raises
    ------
    ValueError
        ``n_layers < 1``, a non-positive or non-finite ``h``, unknown names.

    References
    ----------
    Ruthotto and Haber, ``EResNet_Forward.m``; Haber and Ruthotto (2017).

    Examples
    --------
    >>> ex = rotation_example()
    >>> round(ex.amplification, 6), round(ex.growth, 3)
    (1.0001, 1.102)
    """
    n_layers = int(n_layers)
    if n_layers < 1:
        raise ValueError(f"n_layers must be at least 1, got {n_layers}")
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"h must be a positive number, got {h}")
    K = rotation_weight(a, c)
    Y0 = np.array([[1.0, 1.0], [-1.0, -1.0]])
    with np.errstate(all="ignore"):
        Y = resnet.forward(Y0, np.repeat(K[None], n_layers, 0), np.zeros((n_layers, 2)), h, activation=activation,
                           scheme=scheme)
        norms = np.linalg.norm(Y, axis=(1, 2))
    bad = ~np.isfinite(norms) | (norms > 1e100)
    diverged_at = int(np.argmax(bad)) if bad.any() else None
    states = Y if diverged_at is None else Y[:diverged_at]
    growth = float(norms[-1] / norms[0]) if diverged_at is None else float("inf")
    z = h * resnet.layer_eigenvalues(K, scheme=scheme)
    amp = float(np.max(np.abs(resnet.stability_function(z, scheme))))
    h_max = resnet.max_stable_step(K, scheme=scheme)
    numbers = {"|R(hλ)| per layer": amp, "largest stable h": h_max, "stable (1 = yes)": float(amp <= 1 + 1e-12)}
    if diverged_at is None:
        numbers["‖Y_N‖/‖Y_0‖"] = growth
    else:
        numbers["diverged at layer"] = float(diverged_at)
    return RotationExample(states, z, amp, growth, h_max, diverged_at, numbers)


@dataclass(frozen=True)
class ConvergenceStudy:
    """Result of :func:`convergence_study`.

    Attributes
    ----------
    Ls : ndarray
        Numbers of layers.
    hs : ndarray
        Step sizes ``T / L``.
    errors : dict
        Scheme -> relative errors :math:`\\|Y_L - Y(T)\\|_F / \\|Y(T)\\|_F` against ``solve_ivp``.
    orders : dict
        Scheme -> observed order (median slope of the last three usable pairs).
    numbers : dict
        The headline numbers (the observed orders).
    """

    Ls: np.ndarray
    hs: np.ndarray
    errors: dict
    orders: dict
    numbers: dict = field(default_factory=dict)


def convergence_study(schemes: Sequence[str] = resnet.SCHEMES, *, T: float = 1.0,
                      Ls: Sequence[int] = (4, 8, 16, 32, 64, 128), n: int = 4, d: int = 3,
                      activation: str = "tanh", architecture: str = "standard", seed: int = 3) -> ConvergenceStudy:
    r"""The error of each integrator against ``scipy.integrate.solve_ivp`` (DOP853, ``rtol = atol = 1e-13``) as the
    number of layers grows, for a network with equal layers (the autonomous ODE).

    .. math::
        \dot Y = f(Y) \ \text{(Runge-Kutta)}, \quad \ddot Y = f(Y),\ \dot Y(0) = 0 \ \text{(leapfrog)}, \qquad
        e(h) = \frac{\|Y_L - Y(T)\|_F}{\|Y(T)\|_F} \approx C h^p,

    with :math:`Y_0`, :math:`K` and :math:`b` standard normal (``seed``); the order :math:`p` is the slope of
    :math:`\log e` against :math:`\log h`: 1 (Euler), 2 (Heun, midpoint, leapfrog), 4 (RK4).

    Parameters
    ----------
    schemes : sequence of str
        Integrators to compare.
    T : float
        Final time.
    Ls : sequence of int
        Numbers of layers (increasing).
    n, d : int
        Samples and features of :math:`Y_0`.
    activation, architecture : str
        As in :func:`numdl_core.resnet.forward`.
    seed : int
        Seed of :math:`Y_0, K, b`.

    Returns
    -------
    ConvergenceStudy

    Raises
    ------
    ValueError
        An unknown scheme, fewer than two ``Ls``, a non-positive ``T``.

    References
    ----------
    Hairer, Nørsett and Wanner, Sec. II.1; Virtanen et al., SciPy 1.0, Nature Methods 17 (2020) (``solve_ivp``).
    """
    Ls = np.array(sorted(int(L) for L in Ls))
    if Ls.size < 2 or Ls[0] < 1:
        raise ValueError(f"need at least two positive numbers of layers, got {list(Ls)}")
    if not (np.isfinite(T) and T > 0):
        raise ValueError(f"T must be positive, got {T}")
    for s in schemes:
        resnet._check_names(s, architecture, 0.0)
    rng = np.random.default_rng(seed)
    Y0, K1, b1 = rng.standard_normal((n, d)), rng.standard_normal((1, d, d)), rng.standard_normal((1, d))

    def f(y: np.ndarray) -> np.ndarray:
        return resnet._Rhs(K1[0], b1[0], activation, architecture, 0.0)(y.reshape(n, d)).ravel()

    opts = dict(method="DOP853", rtol=1e-13, atol=1e-13)
    ref1 = solve_ivp(lambda t, y: f(y), (0, T), Y0.ravel(), **opts).y[:, -1].reshape(n, d)
    ref2 = None
    if "leapfrog" in schemes:
        m = n * d
        ref2 = solve_ivp(lambda t, z: np.concatenate([z[m:], f(z[:m])]), (0, T),
                         np.concatenate([Y0.ravel(), np.zeros(m)]), **opts).y[:m, -1].reshape(n, d)
    hs = T / Ls
    errors, orders = {}, {}
    for s in schemes:
        ref = ref2 if s == "leapfrog" else ref1
        errors[s] = np.array([np.linalg.norm(resnet.forward(Y0, np.repeat(K1, L, 0), np.repeat(b1, L, 0), T / L,
                                                            activation=activation, scheme=s,
                                                            architecture=architecture)[-1] - ref)
                              for L in Ls]) / np.linalg.norm(ref)
        orders[s] = observed_order(hs, errors[s], floor=1e-11)
    numbers = {f"{s} order": orders[s] for s in schemes if np.isfinite(orders[s])}
    return ConvergenceStudy(Ls, hs, errors, orders, numbers)


@dataclass(frozen=True)
class IntegratorCheck:
    """One integrator's checks (:func:`integrator_checks`).

    Attributes
    ----------
    scheme : str
        The integrator.
    taylor : DerivativeCheck
        Taylor test of the loss and its gradient by :func:`numdl_core.resnet.backward`.
    adjoint : AdjointCheck
        :func:`numdl_core.resnet.linearized` against :func:`numdl_core.resnet.backward`.
    """

    scheme: str
    taylor: DerivativeCheck
    adjoint: AdjointCheck


def integrator_checks(schemes: Sequence[str] = resnet.SCHEMES, *, architecture: str = "standard",
                      activation: str = "tanh", gamma: float = 0.1, n: int = 5, d: int = 3, n_layers: int = 6,
                      h: float = 0.3, seed: int = 0) -> list[IntegratorCheck]:
    r"""Taylor test and adjoint test of the backward pass of every integrator.

    Loss :math:`\ell = \tfrac12 \|Y_L(Y_0, K, b) - C\|_F^2` with random :math:`Y_0, K, b, C` (``seed``):

    .. math::
        E_1(t) = |\ell(x + tv) - \ell(x) - t\,\nabla\ell^\top v| = O(t^2), \qquad
        \langle W, J v\rangle = \langle J^\top W, v\rangle,

    :math:`J v` from :func:`numdl_core.resnet.linearized`, :math:`J^\top W` from
    :func:`numdl_core.resnet.backward`.

    Parameters
    ----------
    schemes : sequence of str
        Integrators to check.
    architecture, activation, gamma
        As in :func:`numdl_core.resnet.forward`.
    n, d, n_layers : int
        Samples, features and layers of the random network.
    h : float
        Step size.
    seed : int
        Seed of the network, the target and the directions.

    Returns
    -------
    list of IntegratorCheck

    Raises
    ------
    ValueError
        Unknown names, non-positive sizes.

    References
    ----------
    Ruthotto and Haber, Module 0 (derivative checks); Haber and Ruthotto (2017).
    """
    if min(n, d, n_layers) < 1:
        raise ValueError(f"n, d and n_layers must be positive, got {n}, {d}, {n_layers}")
    rng = np.random.default_rng(seed)
    Y0, K, b = rng.standard_normal((n, d)), 0.7 * rng.standard_normal((n_layers, d, d)), 0.5 * rng.standard_normal(
        (n_layers, d))
    C = rng.standard_normal((n, d))
    s0, s1 = n * d, n * d + n_layers * d * d
    x0 = np.concatenate([Y0.ravel(), K.ravel(), b.ravel()])

    def split(x):
        return x[:s0].reshape(n, d), x[s0:s1].reshape(n_layers, d, d), x[s1:].reshape(n_layers, d)

    out = []
    for s in schemes:
        opts = dict(activation=activation, scheme=s, architecture=architecture, gamma=gamma)

        def fun(x, opts=opts):
            y0, k, bb = split(x)
            Y = resnet.forward(y0, k, bb, h, **opts)
            r = Y[-1] - C
            return 0.5 * float(np.sum(r * r)), np.concatenate([g.ravel() for g in resnet.backward(Y, k, bb, h, r,
                                                                                                  **opts)])

        Y = resnet.forward(Y0, K, b, h, **opts)
        taylor = derivative_check(fun, x0, seed=seed + 1, n=14)
        adj = adjoint_check(lambda v, Y=Y, opts=opts: resnet.linearized(Y, K, b, h, *split(v), **opts)[-1],
                            lambda w, Y=Y, opts=opts: np.concatenate([g.ravel() for g in resnet.backward(
                                Y, K, b, h, w, **opts)]), x0.size, seed=seed + 2)
        out.append(IntegratorCheck(s, taylor, adj))
    return out


@dataclass(frozen=True)
class AntisymmetricStudy:
    """Result of :func:`antisymmetric_study`.

    Attributes
    ----------
    hs : ndarray
        Step sizes of the growth curves (with the chosen ``h``).
    growth : dict
        Scheme -> :math:`\\|Y_N\\|/\\|Y_0\\|` at final time ``T`` (``N = round(T/h)``) for each of ``hs``.
    hs_fine : ndarray
        Step sizes of the amplification curves.
    amplification : dict
        Scheme -> :math:`\\max|R(h\\lambda)|` for each of ``hs_fine``.
    h_max : dict
        Scheme -> largest stable step.
    z : ndarray, complex
        :math:`h\\lambda` at the chosen ``h`` (the eigenvalues of :math:`K - K^\\top - \\gamma I`).
    numbers : dict
        Headline numbers at the chosen ``h``.
    """

    hs: np.ndarray
    growth: dict
    hs_fine: np.ndarray
    amplification: dict
    h_max: dict
    z: np.ndarray
    numbers: dict = field(default_factory=dict)


def antisymmetric_study(h: float = 0.1, *, gamma: float = 0.0, omega: float = 1.0, T: float = 20.0,
                        activation: str = "identity", schemes: Sequence[str] = ("euler", "heun", "midpoint", "rk4"),
                        hs: Sequence[float] = (0.05, 0.1, 0.2, 0.5, 1.0)) -> AntisymmetricStudy:
    r"""The antisymmetric architecture :math:`f(Y) = \sigma(Y(K - K^\top - \gamma I))` with
    :math:`K = \tfrac\omega2 \begin{pmatrix} 0 & 1 \\ -1 & 0 \end{pmatrix}` (eigenvalues :math:`-\gamma \pm i\omega`)
    integrated to time ``T`` from :math:`Y_0 = (1, 0)` by each scheme.

    .. math::
        |R_{\mathrm{Euler}}(i h\omega)|^2 = 1 + h^2\omega^2 > 1, \qquad
        |R_{\mathrm{Heun}}(i h\omega)|^2 = 1 + \tfrac{(h\omega)^4}{4},

    so with :math:`\gamma = 0` forward Euler grows for every :math:`h` and the two-stage schemes only at fourth order;
    with :math:`\gamma > 0` Euler needs :math:`h \le 2\gamma/(\gamma^2 + \omega^2)` while Heun and midpoint are
    stable up to a much larger step (RK4 even on the imaginary axis, :math:`h\omega \le 2\sqrt2`).

    Parameters
    ----------
    h : float
        The step size of the headline numbers.
    gamma : float
        The shift :math:`\gamma \ge 0`.
    omega : float
        The frequency :math:`\omega > 0`.
    T : float
        Final time.
    activation : str
        One of :data:`numdl_core.resnet.ACTIVATIONS`.
    schemes : sequence of str
        Runge-Kutta schemes to compare.
    hs : sequence of float
        Step sizes of the growth curves (``h`` is added); the amplification curves use 60 steps from 0.01 to 3.

    Returns
    -------
    AntisymmetricStudy

    Raises
    ------
    ValueError
        Non-positive ``h``, ``T`` or ``omega``, negative ``gamma``, leapfrog or unknown schemes.

    References
    ----------
    Haber and Ruthotto (2017), Sec. 3 (antisymmetric networks); Ruthotto and Haber, 07-NumDNN-ResNets.tex
    ("Stability: a non-trivial example", "Multistep methods").

    Examples
    --------
    >>> s = antisymmetric_study(0.1)
    >>> round(s.numbers["euler growth"], 4), round(s.numbers["heun growth"], 4)
    (2.7048, 1.0025)
    """
    if not (h > 0 and T > 0 and omega > 0 and gamma >= 0):
        raise ValueError(f"need h, T, omega > 0 and gamma >= 0, got h={h}, T={T}, omega={omega}, gamma={gamma}")
    if any(s not in resnet.TABLEAUS for s in schemes):
        raise ValueError(f"schemes must be Runge-Kutta schemes {tuple(resnet.TABLEAUS)}, got {tuple(schemes)}")
    K = 0.5 * omega * np.array([[0.0, 1.0], [-1.0, 0.0]])
    Y0 = np.array([[1.0, 0.0]])
    hs_all = np.array(sorted(set(float(x) for x in hs) | {float(h)}))
    fine = np.geomspace(0.01, 3.0, 60)
    growth = {s: np.empty(hs_all.size) for s in schemes}
    opts = dict(architecture="antisymmetric", gamma=gamma, activation=activation)
    for i, hh in enumerate(hs_all):
        N = max(1, int(round(T / hh)))
        Ks, bs = np.repeat(K[None], N, 0), np.zeros((N, 2))
        for s in schemes:
            with np.errstate(all="ignore"):
                growth[s][i] = np.linalg.norm(resnet.forward(Y0, Ks, bs, T / N, scheme=s, **opts)[-1])
    lam = resnet.layer_eigenvalues(K, architecture="antisymmetric", gamma=gamma)
    amp = {s: np.abs(resnet.stability_function(np.outer(fine, lam), s)).max(axis=1) for s in schemes}
    h_max = {s: resnet.max_stable_step(K, scheme=s, architecture="antisymmetric", gamma=gamma) for s in schemes}
    k = int(np.flatnonzero(hs_all == float(h))[0])
    numbers = {}
    for s in schemes:
        numbers[f"{s} growth"] = growth[s][k]
        numbers[f"{s} |R| per layer"] = float(np.abs(resnet.stability_function(h * lam, s)).max())
        numbers[f"{s} largest stable h"] = h_max[s]
    numbers = {key: float(v) for key, v in numbers.items() if np.isfinite(v)}
    return AntisymmetricStudy(hs_all, growth, fine, amp, h_max, h * lam, numbers)


@dataclass(frozen=True)
class ReversibilityStudy:
    """Result of :func:`reversibility_study`.

    Attributes
    ----------
    leapfrog_error : ndarray, shape (N+1,)
        :math:`\\|\\tilde Y_j - Y_j\\|_F / \\|Y_j\\|_F` of the states reconstructed by
        :func:`numdl_core.resnet.reverse`.
    euler_error : ndarray, shape (N+1,)
        The same for the Euler network run backwards, :math:`\\tilde Y_j = \\tilde Y_{j+1} - h f_j(\\tilde Y_{j+1})`.
    gradient_difference : float
        Largest relative difference of the gradient computed from the reconstructed states and from the stored ones.
    Ns : ndarray
        Depths of the memory table.
    stored_bytes, reversible_bytes : ndarray
        Bytes of states held by backpropagation with all states stored (:math:`N+1`) and when reversing (2).
    numbers : dict
        The headline numbers.
    """

    leapfrog_error: np.ndarray
    euler_error: np.ndarray
    gradient_difference: float
    Ns: np.ndarray
    stored_bytes: np.ndarray
    reversible_bytes: np.ndarray
    numbers: dict = field(default_factory=dict)


def reversibility_study(n_layers: int = 1000, h: float = 0.05, *, width: int = 4, n: int = 50,
                        activation: str = "tanh", scale: float = 0.5, seed: int = 0,
                        Ns: Sequence[int] = (10, 100, 1000, 10_000)) -> ReversibilityStudy:
    r"""Reconstruct the input of the Hamiltonian (leapfrog, parabolic) network from its last two states, against
    running the Euler network backwards; the gradient from reconstructed states; the memory it saves.

    .. math::
        Y_{j-1} = 2Y_j - Y_{j+1} - h^2 \sigma(Y_j K_j + b_j) K_j^\top \quad \text{(exact: round-off only)},
        \qquad \tilde Y_j = \tilde Y_{j+1} - h f_j(\tilde Y_{j+1}) \quad \text{(Euler: an } O(h) \text{ guess)}.

    Backpropagation needs every :math:`Y_j`: stored, that is :math:`(N+1)\,n\,d` numbers; reversed on the fly,
    two states (:func:`numdl_core.resnet.reverse_states`), whatever the depth.

    Parameters
    ----------
    n_layers : int
        Depth :math:`N` (at least 2).
    h : float
        Step size.
    width : int
        Features :math:`d`.
    n : int
        Samples.
    activation : str
        One of :data:`numdl_core.resnet.ACTIVATIONS`.
    scale : float
        Weights :math:`K_j` = ``scale`` · standard normal (biases 0.1 · standard normal).
    seed : int
        Seed of the inputs and weights.
    Ns : sequence of int
        Depths of the memory table.

    Returns
    -------
    ReversibilityStudy

    Raises
    ------
    ValueError
        ``n_layers < 2`` or non-positive sizes.

    References
    ----------
    Chang et al. (2018); Haber and Ruthotto (2017); Gomez, Ren, Urtasun and Grosse, The reversible residual
    network, NeurIPS 2017.

    Examples
    --------
    >>> s = reversibility_study(200)
    >>> bool(s.numbers["leapfrog: input reconstruction error"] < 1e-12)
    True
    """
    n_layers = int(n_layers)
    if n_layers < 2 or width < 1 or n < 1:
        raise ValueError(f"need n_layers >= 2 and positive width, n; got {n_layers}, {width}, {n}")
    rng = np.random.default_rng(seed)
    Y0 = rng.standard_normal((n, width))
    K = scale * rng.standard_normal((n_layers, width, width))
    b = 0.1 * rng.standard_normal((n_layers, width))
    C = rng.standard_normal((n, width))
    opts = dict(activation=activation, architecture="parabolic")
    with np.errstate(all="ignore"):
        Y = resnet.forward(Y0, K, b, h, scheme="leapfrog", **opts)
        R = resnet.reverse(Y[-2], Y[-1], K, b, h, **opts)
        err_lf = np.linalg.norm(R - Y, axis=(1, 2)) / np.linalg.norm(Y, axis=(1, 2))
        g_stored = resnet.backward(Y, K, b, h, Y[-1] - C, scheme="leapfrog", **opts)
        g_rev = resnet.backward(R, K, b, h, R[-1] - C, scheme="leapfrog", **opts)
        gdiff = max(float(np.abs(a - c).max() / max(np.abs(a).max(), 1e-300)) for a, c in zip(g_stored, g_rev))
        E = resnet.forward(Y0, K, b, h, scheme="euler", **opts)
        back = np.empty_like(E)
        back[-1] = E[-1]
        for j in range(n_layers - 1, -1, -1):
            back[j] = back[j + 1] - h * resnet._Rhs(K[j], b[j], activation, "parabolic", 0.0)(back[j + 1])
        err_eu = np.linalg.norm(back - E, axis=(1, 2)) / np.linalg.norm(E, axis=(1, 2))
    Ns = np.array([int(x) for x in Ns])
    state = n * width * 8
    stored, rev = (Ns + 1) * state, np.full(Ns.size, 2 * state)
    numbers = {"leapfrog: input reconstruction error": err_lf[0], "Euler run backwards: input error": err_eu[0],
               "gradient from reconstructed states: max rel. difference": gdiff,
               "states stored (N + 1)": n_layers + 1, "states held when reversing": 2}
    numbers = {k: float(v) for k, v in numbers.items() if np.isfinite(v)}
    return ReversibilityStudy(err_lf, err_eu, gdiff, Ns, stored, rev, numbers)

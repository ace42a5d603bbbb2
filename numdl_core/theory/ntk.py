r"""The neural tangent kernel of a two-layer ReLU network, its empirical version, lazy training and spectral bias.

The network :math:`f(x) = m^{-1/2} \sum_{r=1}^m a_r\, \mathrm{relu}(w_r^\top x)` with :math:`w_r \sim N(0, I)`,
:math:`a_r \sim N(0, 1)` and both layers trained. Its empirical tangent kernel
:math:`\hat K(x, x') = \nabla_\theta f(x)^\top \nabla_\theta f(x')` (:func:`empirical_ntk`, :func:`jacobian`)
converges, as :math:`m \to \infty`, to the deterministic kernel :func:`relu_ntk` at the Monte Carlo rate
:math:`m^{-1/2}` (Jacot, Gabriel and Hongler 2018); during gradient descent on the squared loss the weights and the
kernel move by :math:`O(m^{-1/2})` (lazy training, Lee et al. 2019), so the trained network approaches kernel
regression with :func:`relu_ntk` (Arora et al. 2019), and the residual decays along the kernel's eigenvectors at
rates :math:`e^{-\eta \lambda_i t}` (spectral bias, :func:`predicted_residual`). Samples are rows of ``X``.

References
----------
A. Jacot, F. Gabriel and C. Hongler, Neural tangent kernel: convergence and generalization in neural networks,
NeurIPS 2018. J. Lee, L. Xiao, S. S. Schoenholz, Y. Bahri, R. Novak, J. Sohl-Dickstein and J. Pennington, Wide neural
networks of any depth evolve as linear models under gradient descent, NeurIPS 2019. S. Arora, S. S. Du, W. Hu, Z. Li,
R. Salakhutdinov and R. Wang, On exact computation with an infinitely wide neural net, NeurIPS 2019.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from numdl_core._validate import as_float_array

from numdl_core.iterate import BLOWUP, Step, _drive, check_positive, check_stop, record, tunable

__all__ = ["relu_ntk", "init_network", "network", "network_loss", "jacobian", "empirical_ntk", "ntk_gd",
           "kernel_regression", "predicted_residual", "circle_inputs", "deep_relu_ntk", "deep_init", "deep_network",
           "deep_empirical_ntk"]


def _X(X, name: str = "X") -> np.ndarray:
    X = as_float_array(name, X)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2 or not np.all(np.isfinite(X)):
        raise ValueError(f"{name} must be a finite 2-D array (samples as rows)")
    return X


def relu_ntk(X1: np.ndarray, X2: np.ndarray) -> np.ndarray:
    r"""The infinite-width neural tangent kernel of the two-layer ReLU network (both layers trained).

    .. math:: K(x, x') = \frac{x^\top x'\,(\pi - t)}{2\pi} + \frac{\|x\|\,\|x'\|\,(\sin t + (\pi - t)\cos t)}{2\pi},
              \qquad t = \angle(x, x'),

    the first term :math:`E[a^2]\, x^\top x'\, P(w^\top x > 0, w^\top x' > 0)` from the hidden weights, the second
    :math:`E[\mathrm{relu}(w^\top x)\,\mathrm{relu}(w^\top x')]` (the arc-cosine kernel of degree 1) from the output
    weights. A zero row gives a zero kernel row.

    Parameters
    ----------
    X1 : ndarray, shape (n1, d)
    X2 : ndarray, shape (n2, d)

    Returns
    -------
    K : ndarray, shape (n1, n2)

    Raises
    ------
    ValueError
        Non-finite inputs or different numbers of columns.

    References
    ----------
    A. Jacot, F. Gabriel and C. Hongler, NeurIPS 2018; Y. Cho and L. K. Saul, Kernel methods for deep learning,
    NeurIPS 2009 (the arc-cosine kernel); S. Arora et al., On exact computation with an infinitely wide neural net,
    NeurIPS 2019.

    Examples
    --------
    >>> relu_ntk(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])).round(6)
    array([[1.      , 0.159155]])
    """
    X1, X2 = _X(X1, "X1"), _X(X2, "X2")
    if X1.shape[1] != X2.shape[1]:
        raise ValueError(f"X1 and X2 must have the same number of columns, got {X1.shape[1]} and {X2.shape[1]}")
    n1, n2 = np.linalg.norm(X1, axis=1), np.linalg.norm(X2, axis=1)
    G = X1 @ X2.T
    N = np.outer(n1, n2)
    c = np.clip(np.divide(G, N, out=np.zeros_like(G), where=N > 0), -1.0, 1.0)
    t = np.arccos(c)
    return (G * (np.pi - t) + N * (np.sqrt(1.0 - c * c) + (np.pi - t) * c)) / (2 * np.pi)


def init_network(d: int, m: int, *, seed: int = 0) -> np.ndarray:
    r"""Random parameters :math:`\theta = (\mathrm{vec}\,W, a)` with :math:`W_{rj}, a_r \sim N(0, 1)` i.i.d.

    Parameters
    ----------
    d : int
        Input dimension.
    m : int
        Width.
    seed : int

    Returns
    -------
    theta : ndarray, shape (m * d + m,)
        ``W`` (m × d, row r = :math:`w_r`) flattened row by row, then ``a``.

    Raises
    ------
    ValueError
        ``d`` or ``m`` below 1.

    References
    ----------
    A. Jacot, F. Gabriel and C. Hongler, NeurIPS 2018 (the NTK parameterization).
    """
    if int(d) < 1 or int(m) < 1:
        raise ValueError("d and m must be at least 1")
    return np.random.default_rng(seed).standard_normal(int(m) * int(d) + int(m))


def _split(theta: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    theta = np.asarray(theta, dtype=np.float64).ravel()
    m = theta.size // (d + 1)
    if m < 1 or m * (d + 1) != theta.size:
        raise ValueError(f"theta must have m * ({d} + 1) entries")
    return theta[: m * d].reshape(m, d), theta[m * d:]


def network(theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    r"""The network's outputs :math:`f(x_i) = m^{-1/2} \sum_r a_r\, \mathrm{relu}(w_r^\top x_i)`.

    Parameters
    ----------
    theta : ndarray, shape (m * d + m,)
        Parameters as from :func:`init_network`.
    X : ndarray, shape (n, d)

    Returns
    -------
    f : ndarray, shape (n,)

    References
    ----------
    A. Jacot, F. Gabriel and C. Hongler, NeurIPS 2018.
    """
    X = _X(X)
    W, a = _split(theta, X.shape[1])
    return np.maximum(X @ W.T, 0.0) @ a / np.sqrt(len(a))


def jacobian(theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    r"""The Jacobian :math:`J_{i,:} = \nabla_\theta f(x_i)^\top`:
    :math:`\partial f/\partial w_r = m^{-1/2} a_r 1[w_r^\top x > 0]\, x`,
    :math:`\partial f/\partial a_r = m^{-1/2} \mathrm{relu}(w_r^\top x)`.

    Parameters
    ----------
    theta : ndarray, shape (m * d + m,)
    X : ndarray, shape (n, d)

    Returns
    -------
    J : ndarray, shape (n, m * d + m)

    References
    ----------
    A. Jacot, F. Gabriel and C. Hongler, NeurIPS 2018.
    """
    X = _X(X)
    W, a = _split(theta, X.shape[1])
    Z = X @ W.T
    s = 1.0 / np.sqrt(len(a))
    JW = ((Z > 0) * a * s)[:, :, None] * X[:, None, :]
    return np.hstack([JW.reshape(len(X), -1), np.maximum(Z, 0.0) * s])


def empirical_ntk(theta: np.ndarray, X1: np.ndarray, X2: np.ndarray | None = None) -> np.ndarray:
    r"""The empirical tangent kernel :math:`\hat K = J(X_1) J(X_2)^\top`, computed without forming ``J``:

    .. math:: \hat K(x, x') = \frac1m \sum_r \big(a_r^2\, 1[w_r^\top x > 0]\,1[w_r^\top x' > 0]\; x^\top x'
              + \mathrm{relu}(w_r^\top x)\,\mathrm{relu}(w_r^\top x')\big).

    Parameters
    ----------
    theta : ndarray, shape (m * d + m,)
    X1 : ndarray, shape (n1, d)
    X2 : ndarray, shape (n2, d), optional
        Default ``X1``.

    Returns
    -------
    K : ndarray, shape (n1, n2)

    References
    ----------
    A. Jacot, F. Gabriel and C. Hongler, NeurIPS 2018, Theorem 1.
    """
    X1 = _X(X1)
    X2 = X1 if X2 is None else _X(X2)
    W, a = _split(theta, X1.shape[1])
    Z1, Z2 = X1 @ W.T, X2 @ W.T
    m = len(a)
    return ((((Z1 > 0) * a * a) @ (Z2 > 0).T) * (X1 @ X2.T) + np.maximum(Z1, 0) @ np.maximum(Z2, 0).T) / m


def network_loss(theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    r"""The squared loss :math:`L(\theta) = \tfrac12 \|f(X) - y\|^2` and its gradient :math:`J^\top (f - y)`.

    Parameters
    ----------
    theta : ndarray, shape (m * d + m,)
    X : ndarray, shape (n, d)
    y : ndarray, shape (n,)

    Returns
    -------
    loss : float
    grad : ndarray, shape (m * d + m,)

    References
    ----------
    J. Lee et al., Wide neural networks of any depth evolve as linear models under gradient descent, NeurIPS 2019.
    """
    f, g, _ = _loss(theta, _X(X), y)
    return f, g


def _loss(theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    W, a = _split(theta, X.shape[1])
    m = len(a)
    Z = X @ W.T
    H = np.maximum(Z, 0.0)
    r = H @ a / np.sqrt(m) - np.asarray(y, dtype=np.float64).ravel()
    gW = (((Z > 0) * r[:, None]) * a).T @ X / np.sqrt(m)
    ga = H.T @ r / np.sqrt(m)
    return 0.5 * float(r @ r), np.concatenate([gW.ravel(), ga]), r


@tunable("step")
def ntk_gd(X: np.ndarray, y: np.ndarray, theta0: np.ndarray | None = None, *, m: int = 64, step: float = 1.0,
           seed: int = 0, tol: float = 1e-10, maxiter: int = 10**6, blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Gradient descent :math:`\theta_{k+1} = \theta_k - \eta \nabla L(\theta_k)` on :func:`network_loss`.

    Follows the protocol of :mod:`numdl_core.iterate`. Each :class:`~numdl_core.iterate.Step` carries in ``info``:
    ``residual`` (:math:`f(X) - y`), ``weight_change`` (:math:`\|\theta_k - \theta_0\| / \|\theta_0\|`),
    ``step`` and ``work`` (2 passes per iteration).

    Parameters
    ----------
    X : ndarray, shape (n, d)
    y : ndarray, shape (n,)
    theta0 : ndarray, optional
        Start; default :func:`init_network` ``(d, m, seed=seed)``.
    m : int
        Width (ignored when ``theta0`` is given).
    step : float
        Step :math:`\eta > 0`; the linearized dynamics are stable for :math:`\eta < 2/\lambda_{\max}(K)`. Tunable.
    seed : int
    tol, maxiter, blowup : float, int, float, optional
        Stop at ``grad_norm <= tol * max(1, grad_norm_0)``, after ``maxiter`` iterations, or on a blow-up.

    Yields
    ------
    Step

    Raises
    ------
    ValueError
        A non-positive step, a start of the wrong size, a bad ``tol`` or ``maxiter``.

    References
    ----------
    J. Lee et al., NeurIPS 2019; S. Arora et al., NeurIPS 2019.

    Examples
    --------
    >>> _, X = circle_inputs(4, bias=True)
    >>> steps = list(ntk_gd(X, np.ones(4), m=8, step=0.5, maxiter=3))
    >>> [s.iteration for s in steps], steps[-1].loss < steps[0].loss
    ([0, 1, 2, 3], True)
    """
    X = _X(X)
    y = np.asarray(y, dtype=np.float64).ravel()
    if y.size != X.shape[0]:
        raise ValueError(f"y must have {X.shape[0]} entries")
    theta = init_network(X.shape[1], m, seed=seed) if theta0 is None else np.array(theta0, dtype=np.float64).ravel()
    if theta.size % (X.shape[1] + 1) or theta.size == 0 or not np.all(np.isfinite(theta)):
        raise ValueError(f"theta0 must have m * ({X.shape[1]} + 1) finite entries")
    tol, maxiter = check_stop(tol, maxiter)
    params = {"step": check_positive("step", step)}
    t0 = theta.copy()
    n0 = max(float(np.linalg.norm(t0)), 1e-300)

    def info(theta, r) -> dict:
        return {"residual": r, "weight_change": float(np.linalg.norm(theta - t0) / n0), "step": params["step"]}

    def iterations():
        nonlocal params, theta
        f, g, r = _loss(theta, X, y)
        f0 = f
        params = yield record(0, theta, f, np.linalg.norm(g), info(theta, r), work=0.0, loss0=f0, blowup=blowup)
        k = 0
        while True:
            k += 1
            theta = theta - params["step"] * g
            f, g, r = _loss(theta, X, y)
            params = yield record(k, theta, f, np.linalg.norm(g), info(theta, r), work=2.0 * k, loss0=f0,
                                  blowup=blowup)

    return (yield from _drive(iterations(), params, {"step": lambda v: check_positive("step", v)}, tol=tol,
                              maxiter=maxiter))


def kernel_regression(K_train: np.ndarray, K_test: np.ndarray, y: np.ndarray, *, f0_train: np.ndarray | None = None,
                      f0_test: np.ndarray | None = None) -> np.ndarray:
    r"""The limit of the linearized network trained to zero loss: kernel ("ridgeless") regression.

    .. math:: f_\infty(x) = f_0(x) + K(x, X)\, K(X, X)^{-1} (y - f_0(X))

    (``f0`` = 0 by default: the prediction of the infinite-width network with symmetric initialization).

    Parameters
    ----------
    K_train : ndarray, shape (n, n)
        :math:`K(X, X)`, symmetric positive definite.
    K_test : ndarray, shape (p, n)
        :math:`K(x, X)` at the test points.
    y : ndarray, shape (n,)
    f0_train, f0_test : ndarray, optional
        The initial network's outputs at the training and test points.

    Returns
    -------
    ndarray, shape (p,)

    References
    ----------
    S. Arora et al., On exact computation with an infinitely wide neural net, NeurIPS 2019, eq. (8); J. Lee et al.,
    NeurIPS 2019, eq. (9).
    """
    y = np.asarray(y, dtype=np.float64).ravel()
    r = y - (0.0 if f0_train is None else np.asarray(f0_train, dtype=float))
    out = np.asarray(K_test, dtype=float) @ np.linalg.solve(np.asarray(K_train, dtype=float), r)
    return out + (0.0 if f0_test is None else np.asarray(f0_test, dtype=float))


def predicted_residual(K: np.ndarray, r0: np.ndarray, step: float, iterations: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The linearized residual dynamics :math:`r_{k+1} = (I - \eta K) r_k` in the eigenbasis of ``K``.

    With :math:`K = \sum_i \lambda_i v_i v_i^\top`: :math:`v_i^\top r_k = (1 - \eta\lambda_i)^k\, v_i^\top r_0
    \approx e^{-\eta \lambda_i k}\, v_i^\top r_0`.

    Parameters
    ----------
    K : ndarray, shape (n, n)
        Symmetric kernel matrix.
    r0 : ndarray, shape (n,)
        Initial residual.
    step : float
    iterations : ndarray of int

    Returns
    -------
    lam : ndarray, shape (n,)
        Eigenvalues, descending.
    V : ndarray, shape (n, n)
        Eigenvectors (columns).
    C : ndarray, shape (len(iterations), n)
        Predicted components :math:`(1 - \eta \lambda_i)^k v_i^\top r_0`.

    References
    ----------
    S. Arora, S. S. Du, W. Hu, Z. Li and R. Wang, Fine-grained analysis of optimization and generalization for
    overparameterized two-layer neural networks, ICML 2019, Section 4.
    """
    lam, V = np.linalg.eigh(np.asarray(K, dtype=float))
    lam, V = lam[::-1], V[:, ::-1]
    c0 = V.T @ np.asarray(r0, dtype=float)
    k = np.asarray(iterations, dtype=float)[:, None]
    return lam, V, np.power(1.0 - step * lam[None, :], k) * c0[None, :]


def circle_inputs(n: int, *, bias: bool = False) -> tuple[np.ndarray, np.ndarray]:
    r"""``n`` equally spaced angles :math:`\phi_i \in [0, 2\pi)` and the points :math:`(\cos\phi_i, \sin\phi_i)`
    (with ``bias``, the 3-D points :math:`(\cos\phi_i, \sin\phi_i, 1)/\sqrt2`, a bias coordinate).

    Parameters
    ----------
    n : int
    bias : bool

    Returns
    -------
    phi : ndarray, shape (n,)
    X : ndarray, shape (n, 2) or (n, 3)

    Raises
    ------
    ValueError
        ``n`` below 1.

    References
    ----------
    A. Jacot, F. Gabriel and C. Hongler, NeurIPS 2018, Section 6 (inputs on the unit circle).
    """
    if int(n) < 1:
        raise ValueError("n must be at least 1")
    phi = 2 * np.pi * np.arange(int(n)) / int(n)
    X = np.stack([np.cos(phi), np.sin(phi)], axis=1)
    if bias:
        X = np.hstack([X, np.ones((len(phi), 1))]) / np.sqrt(2.0)
    return phi, X


def deep_relu_ntk(X1: np.ndarray, X2: np.ndarray, depth: int) -> np.ndarray:
    r"""The NTK of the ReLU network with ``depth`` hidden layers in the parameterization of Arora et al. (2019),
    :math:`c_\sigma = 2`: :math:`\Sigma^0 = x^\top x'`,
    :math:`\Sigma^h = \sqrt{\Sigma^{h-1}(x,x)\Sigma^{h-1}(x',x')}\,(\sin t_h + (\pi - t_h)\cos t_h)/\pi`,
    :math:`\dot\Sigma^h = (\pi - t_h)/\pi` (:math:`t_h` the angle of the layer-(h−1) covariance) and
    :math:`\Theta = \Sigma^L + \sum_{h=1}^{L} \Sigma^{h-1} \prod_{h'=h}^{L} \dot\Sigma^{h'}`.

    With ``depth = 1`` this is ``2 * relu_ntk`` (the factor :math:`c_\sigma`).

    Parameters
    ----------
    X1 : ndarray, shape (n1, d)
    X2 : ndarray, shape (n2, d)
    depth : int
        Number of hidden layers L ≥ 1.

    Returns
    -------
    K : ndarray, shape (n1, n2)

    Raises
    ------
    ValueError
        ``depth`` below 1 or mismatched columns.

    References
    ----------
    S. Arora, S. S. Du, W. Hu, Z. Li, R. Salakhutdinov and R. Wang, On exact computation with an infinitely wide
    neural net, NeurIPS 2019, Theorem 3.1 and eqs. (9)-(11).
    """
    X1, X2 = _X(X1), _X(X2)
    if X1.shape[1] != X2.shape[1] or int(depth) < 1:
        raise ValueError("X1 and X2 need the same number of columns and depth must be at least 1")
    S, d1, d2 = X1 @ X2.T, np.sum(X1 * X1, axis=1), np.sum(X2 * X2, axis=1)
    theta = S.copy()
    for _ in range(int(depth)):
        N = np.sqrt(np.outer(d1, d2))
        c = np.clip(np.divide(S, N, out=np.zeros_like(S), where=N > 0), -1.0, 1.0)
        t = np.arccos(c)
        S = N * (np.sqrt(1 - c * c) + (np.pi - t) * c) / np.pi  # diagonals stay: Sigma^h(x, x) = ||x||^2
        theta = theta * (np.pi - t) / np.pi + S
    return theta


def deep_init(d: int, m: int, depth: int, *, seed: int = 0) -> np.ndarray:
    r"""N(0, 1) parameters :math:`(\mathrm{vec}\,W^1, \ldots, \mathrm{vec}\,W^{L+1})` of the deep network
    (:math:`W^1`: m × d, :math:`W^h`: m × m, :math:`W^{L+1}`: 1 × m), flattened row by row.

    Parameters
    ----------
    d, m, depth : int
        Input dimension, width, hidden layers.
    seed : int

    Returns
    -------
    ndarray, shape (m d + (depth - 1) m² + m,)

    References
    ----------
    S. Arora et al., NeurIPS 2019, eq. (6).
    """
    return np.random.default_rng(seed).standard_normal(int(m) * int(d) + (int(depth) - 1) * int(m) ** 2 + int(m))


def _deep(theta: np.ndarray, X: np.ndarray, depth: int):
    theta = np.asarray(theta, dtype=np.float64).ravel()
    d = X.shape[1]
    if depth == 1:
        m = theta.size // (d + 1)
    else:  # (depth - 1) m^2 + (d + 1) m = theta.size
        m = int(round((-(d + 1) + np.sqrt((d + 1) ** 2 + 4 * (depth - 1) * theta.size)) / (2 * (depth - 1))))
    sizes = [(m, d)] + [(m, m)] * (depth - 1) + [(1, m)]
    if sum(a * b for a, b in sizes) != theta.size:
        raise ValueError("theta does not match deep_init(d, m, depth)")
    Ws, k = [], 0
    for a, b in sizes:
        Ws.append(theta[k:k + a * b].reshape(a, b))
        k += a * b
    G, Z = [X], []
    for W in Ws[:-1]:
        Z.append(G[-1] @ W.T)
        G.append(np.sqrt(2.0 / m) * np.maximum(Z[-1], 0.0))
    return Ws, G, Z, m


def deep_network(theta: np.ndarray, X: np.ndarray, depth: int) -> np.ndarray:
    r"""The outputs :math:`f(x) = W^{L+1} g^L`, :math:`g^h = \sqrt{2/m}\,\mathrm{relu}(W^h g^{h-1})`,
    :math:`g^0 = x`.

    Parameters
    ----------
    theta : ndarray
        As from :func:`deep_init`.
    X : ndarray, shape (n, d)
    depth : int

    Returns
    -------
    ndarray, shape (n,)

    References
    ----------
    S. Arora et al., NeurIPS 2019, eq. (6).
    """
    Ws, G, _, _ = _deep(theta, _X(X), int(depth))
    return G[-1] @ Ws[-1][0]


def deep_empirical_ntk(theta: np.ndarray, X: np.ndarray, depth: int) -> np.ndarray:
    r"""The empirical tangent kernel of :func:`deep_network` by backpropagation:
    :math:`\hat\Theta = G^L G^{L\top} + \sum_{h=1}^{L} (B^h B^{h\top}) \odot (G^{h-1} G^{h-1\top})`, with
    :math:`B^h = \partial f / \partial (W^h g^{h-1})` per sample (rows).

    Parameters
    ----------
    theta : ndarray
    X : ndarray, shape (n, d)
    depth : int

    Returns
    -------
    ndarray, shape (n, n)

    References
    ----------
    A. Jacot, F. Gabriel and C. Hongler, NeurIPS 2018; S. Arora et al., NeurIPS 2019.
    """
    Ws, G, Z, m = _deep(theta, _X(X), int(depth))
    K = G[-1] @ G[-1].T
    B = np.broadcast_to(Ws[-1], (len(G[0]), m))
    for h in range(int(depth), 0, -1):  # B: derivative w.r.t. g^h; then w.r.t. the pre-activation z^h
        Bz = B * np.sqrt(2.0 / m) * (Z[h - 1] > 0)
        K = K + (Bz @ Bz.T) * (G[h - 1] @ G[h - 1].T)
        B = Bz @ Ws[h - 1]
    return K

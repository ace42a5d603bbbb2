r"""The dynamic view of deep learning: Neural ODEs, adaptive solvers, non-crossing flows and the deep limit.

A residual network with :math:`N` layers and step :math:`h = T/N` is the forward Euler method for

.. math::
    \partial_t Y(t) = f(Y(t), \theta) = \tanh(Y W + \mathbf 1 b^\top), \qquad Y(0) = X,

(rows of :math:`Y` are examples; the course writes them as columns). A Neural ODE (Chen et al. 2018) solves the
same equation with an adaptive solver (here Dormand-Prince 5(4), :func:`numdl_core.control.rk45`): its cost, the
number of function evaluations (NFE), grows as the tolerance tightens and as the learned field stiffens in training.
The flow map of an ODE is a homeomorphism, so trajectories cannot cross and a 1-D flow preserves the order of its
inputs (Yan et al. 2019); one Euler step :math:`y + h f(y)` with a large :math:`h` is not monotone when
:math:`1 + h f'(y) < 0` and can swap two inputs. As :math:`N \to \infty` with :math:`h = T/N` the ResNet converges to
the ODE flow with error :math:`O(1/N)` (Thorpe and van Gennip 2018; Lu et al. 2020).

References
----------
R. T. Q. Chen, Y. Rubanova, J. Bettencourt and D. Duvenaud, Neural ordinary differential equations, NeurIPS 2018.
H. Yan, J. Du, V. Y. F. Tan and J. Feng, On robustness of neural ordinary differential equations, ICLR 2020
(arXiv:1910.05513, 2019).
M. Thorpe and Y. van Gennip, Deep limits of residual neural networks, arXiv:1810.11741, 2018.
Y. Lu, C. Ma, Y. Lu, J. Lu and L. Ying, A mean-field analysis of deep ResNet and beyond, ICML 2020.
E. Hairer, S. P. Nørsett and G. Wanner, *Solving Ordinary Differential Equations I*, Springer, 1993 (Sec. II.3).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from types import MappingProxyType
from typing import Callable, Iterator

import numpy as np

from numdl_core._validate import check_count, check_positive
from numdl_core.control import rk45
from numdl_core.iterate import BLOWUP, Step, _drive, check_stop, record, tunable

__all__ = ["TanhField", "euler_resnet", "ode_flow", "nfe_vs_tolerance", "deep_limit", "DeepLimit",
           "order_preserved", "euler_classifier_loss", "swap_counterexample", "plain_classifier_loss",
           "two_moons_like", "init_params", "ode_training", "noise_accuracy", "SOLVERS"]


class TanhField:
    r"""The autonomous field :math:`f(Y, \theta) = \tanh(Y W + \mathbf 1 b^\top)` of a Neural ODE / ResNet block.

    ``theta = concatenate([W.ravel(), b])`` with :math:`W` of shape ``(dim, dim)``; its Jacobians are
    :math:`\partial_Y f[\,\dot Y] = (1 - H^2) \odot (\dot Y W)`, :math:`H = f(Y, \theta)`.

    Parameters
    ----------
    dim : int
        State dimension (rows of ``Y`` are examples).

    Raises
    ------
    ValueError
        For ``dim < 1``.

    References
    ----------
    Chen et al. (2018), NeurIPS; Haber and Ruthotto (2018), Inverse Problems 34.

    Examples
    --------
    >>> F = TanhField(1)
    >>> F.n_params, F.f(np.zeros((1, 1)), np.array([1.0, 0.0])).tolist()
    (2, [[0.0]])
    """

    def __init__(self, dim: int = 2):
        if int(dim) < 1:
            raise ValueError(f"dim must be at least 1, got {dim}")
        self.dim = int(dim)
        self.n_params = self.dim * self.dim + self.dim

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Views ``(W, b)`` into ``theta``.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        W : ndarray, shape (dim, dim)
        b : ndarray, shape (dim,)

        Raises
        ------
        ValueError
            For a ``theta`` of the wrong size.
        """
        theta = np.asarray(theta, dtype=float).ravel()
        if theta.size != self.n_params:
            raise ValueError(f"theta must have {self.n_params} entries, got {theta.size}")
        d = self.dim
        return theta[: d * d].reshape(d, d), theta[d * d:]

    def f(self, Y: np.ndarray, theta: np.ndarray) -> np.ndarray:
        r""":math:`\tanh(Y W + \mathbf 1 b^\top)`.

        Parameters
        ----------
        Y : ndarray, shape (n, dim)
        theta : ndarray, shape (n_params,)

        Returns
        -------
        ndarray, shape (n, dim)
        """
        W, b = self.unpack(theta)
        return np.tanh(np.asarray(Y, dtype=float) @ W + b)


def euler_resnet(field: TanhField, X: np.ndarray, theta: np.ndarray, T: float, N: int) -> np.ndarray:
    r"""The ResNet :math:`Y_{k+1} = Y_k + h f(Y_k, \theta)`, :math:`h = T/N`, :math:`k = 0..N-1` (forward Euler).

    Parameters
    ----------
    field : TanhField
    X : ndarray, shape (n, dim)
        Inputs, one example per row.
    theta : ndarray
        Weights shared by all layers (an autonomous ODE).
    T : float
        Final time.
    N : int
        Number of layers (at least 1).

    Returns
    -------
    ndarray, shape (N + 1, n, dim)
        All states :math:`Y_0, \dots, Y_N`.

    Raises
    ------
    ValueError
        For ``N < 1``.

    References
    ----------
    Haber and Ruthotto (2018); E (2017), Commun. Math. Stat. 5.

    Examples
    --------
    >>> euler_resnet(TanhField(1), np.zeros((1, 1)), np.array([0.0, 1.0]), 1.0, 2)[-1].item()
    0.7615941559557649
    """
    if int(N) < 1:
        raise ValueError(f"N must be at least 1, got {N}")
    N, h = int(N), float(T) / int(N)
    Y = np.empty((N + 1, *np.shape(X)))
    Y[0] = X
    for k in range(N):
        Y[k + 1] = Y[k] + h * field.f(Y[k], theta)
    return Y


def ode_flow(field: TanhField, X: np.ndarray, theta: np.ndarray, T: float, *, rtol: float = 1e-6,
             atol: float = 1e-9, t_eval: np.ndarray | None = None):
    r"""The Neural ODE :math:`Y(T)`: the adaptive Dormand-Prince pair :func:`numdl_core.control.rk45` on all rows.

    Parameters
    ----------
    field, X, theta, T
        As in :func:`euler_resnet`.
    rtol, atol : float
        Tolerances of the adaptive solver.
    t_eval : ndarray, optional
        Output times in [0, T] (dense output).

    Returns
    -------
    YT : ndarray, shape (n, dim)
        The solution at ``T``.
    result : RK45Result
        The solver's record (``nfev`` = the NFE, ``y_eval`` at ``t_eval``).

    References
    ----------
    Chen et al. (2018), NeurIPS; Dormand and Prince (1980).
    """
    X = np.asarray(X, dtype=float)
    shape = X.shape
    r = rk45(lambda t, y: field.f(y.reshape(shape), theta).ravel(), (0.0, float(T)), X.ravel(), rtol=rtol,
             atol=atol, t_eval=t_eval)
    return r.y[-1].reshape(shape), r


def nfe_vs_tolerance(field: TanhField, X: np.ndarray, theta: np.ndarray, T: float,
                     tols=(1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)) -> np.ndarray:
    r"""The number of function evaluations of the adaptive solve for each tolerance (``rtol = tol``,
    ``atol = tol / 100``). For an order-5 pair it grows like :math:`\mathrm{tol}^{-1/5}`.

    Parameters
    ----------
    field, X, theta, T
        As in :func:`euler_resnet`.
    tols : sequence of float
        Positive tolerances.

    Returns
    -------
    ndarray of int, shape (len(tols),)

    References
    ----------
    Chen et al. (2018), NeurIPS, Fig. 3; Hairer, Nørsett and Wanner (1993), Sec. II.4.
    """
    return np.array([ode_flow(field, X, theta, T, rtol=float(t), atol=float(t) / 100)[1].nfev for t in tols])


@dataclass(frozen=True)
class DeepLimit:
    """The result of :func:`deep_limit`.

    Attributes
    ----------
    N : ndarray of int
        Depths.
    error : ndarray
        Max-norm distance of the ResNet output to the reference flow.
    slope : float
        Least-squares slope of log(error) against log(N) (-1 for Euler).
    """

    N: np.ndarray
    error: np.ndarray
    slope: float


def deep_limit(field: TanhField, X: np.ndarray, theta: np.ndarray, T: float, Ns=(4, 8, 16, 32, 64, 128)) -> DeepLimit:
    r"""The ResNet with :math:`N` layers, :math:`h = T/N`, against the ODE flow: :math:`\max |Y_N - Y(T)| = O(1/N)`.

    The reference :math:`Y(T)` is the adaptive solve at ``rtol = 1e-11``.

    Parameters
    ----------
    field, X, theta, T
        As in :func:`euler_resnet`.
    Ns : sequence of int
        Depths.

    Returns
    -------
    DeepLimit

    References
    ----------
    Thorpe and van Gennip (2018), arXiv:1810.11741; Lu et al. (2020), ICML.
    """
    ref, _ = ode_flow(field, X, theta, T, rtol=1e-11, atol=1e-13)
    N = np.array([int(n) for n in Ns])
    err = np.array([np.max(np.abs(euler_resnet(field, X, theta, T, n)[-1] - ref)) for n in N])
    ok = err > 0
    slope = float(np.polyfit(np.log(N[ok]), np.log(err[ok]), 1)[0]) if ok.sum() >= 2 else float("nan")
    return DeepLimit(N, err, slope)


def order_preserved(x: np.ndarray, y: np.ndarray) -> bool:
    r"""Whether a 1-D map kept the order of its inputs: :math:`x_i < x_j \Rightarrow y_i < y_j` for all pairs.

    Parameters
    ----------
    x, y : ndarray, shape (n,)
        Inputs and outputs.

    Returns
    -------
    bool

    References
    ----------
    Yan et al. (2019), ICLR 2020, Sec. 3 (ODE flows are homeomorphisms: trajectories do not cross).

    Examples
    --------
    >>> order_preserved(np.array([0.0, 1.0]), np.array([2.0, 1.0]))
    False
    """
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    i = np.argsort(x, kind="stable")
    return bool(np.all(np.diff(y[i]) > 0))


def swap_counterexample(w: float = 2.0, b: float = 0.0, h: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    r"""Two inputs that one Euler step :math:`y + h \tanh(w y + b)` swaps.

    For :math:`w < 0` the step has derivative :math:`1 + h w (1 - \tanh^2) < 0` near :math:`y^* = -b/w` when
    :math:`h |w| > 1`: it is decreasing there, so :math:`y^* \pm \delta` change places (the exact flow never does).
    The default uses :math:`w \to -|w|`.

    Parameters
    ----------
    w, b, h : float
        Field weight, bias and step.

    Returns
    -------
    x : ndarray, shape (2,)
        Inputs :math:`y^* - \delta < y^* + \delta`, :math:`\delta = 0.1 / |w|`.
    y : ndarray, shape (2,)
        Their images after one step.

    References
    ----------
    Yan et al. (2019); Hairer, Nørsett and Wanner (1993), Sec. II.3.

    Examples
    --------
    >>> x, y = swap_counterexample()
    >>> bool(y[0] > y[1])
    True
    """
    w = -abs(float(w)) or -1.0
    ys = -float(b) / w
    d = 0.1 / abs(w)
    x = np.array([ys - d, ys + d])
    return x, x + float(h) * np.tanh(w * x + float(b))


def euler_classifier_loss(field: TanhField, X: np.ndarray, c: np.ndarray, params: np.ndarray, T: float, N: int
                          ) -> tuple[float, np.ndarray]:
    r"""Logistic loss of a ResNet / Euler Neural ODE classifier and its exact (discrete-adjoint) gradient.

    ``params = concatenate([theta, w, [w0]])``; :math:`Y_N` = :func:`euler_resnet`, scores
    :math:`s = Y_N w + w_0`, labels :math:`c \in \{0, 1\}`,

    .. math::
        L = \frac1n \sum_i \log(1 + e^{s_i}) - c_i s_i, \qquad
        \Lambda_N = \tfrac1n (\sigma(s) - c) w^\top, \quad
        \Lambda_k = \Lambda_{k+1} + h\, ((1 - H_k^2) \odot \Lambda_{k+1}) W^\top,

    :math:`\nabla_W = h \sum_k Y_k^\top G_k`, :math:`\nabla_b = h \sum_k G_k^\top \mathbf 1`,
    :math:`G_k = (1 - H_k^2) \odot \Lambda_{k+1}`.

    Parameters
    ----------
    field : TanhField
    X : ndarray, shape (n, dim)
    c : ndarray, shape (n,)
        Labels 0 / 1.
    params : ndarray, shape (field.n_params + dim + 1,)
    T : float
    N : int

    Returns
    -------
    loss : float
    grad : ndarray, shape of ``params``

    References
    ----------
    Haber and Ruthotto (2018); Chen et al. (2018) (the adjoint).
    """
    params = np.asarray(params, dtype=float).ravel()
    d, p = field.dim, field.n_params
    theta, w, w0 = params[:p], params[p:p + d], params[p + d]
    W, b = field.unpack(theta)
    Y = euler_resnet(field, X, theta, T, N)
    h = float(T) / int(N)
    s = Y[-1] @ w + w0
    c = np.asarray(c, dtype=float).ravel()
    n = s.size
    loss = float(np.mean(np.logaddexp(0.0, s) - c * s))
    r = (0.5 * (1 + np.tanh(s / 2)) - c) / n
    gw, gw0 = Y[-1].T @ r, r.sum()
    lam = np.outer(r, w)
    gW, gb = np.zeros_like(W), np.zeros_like(b)
    for k in range(int(N) - 1, -1, -1):
        H = np.tanh(Y[k] @ W + b)
        G = (1 - H**2) * lam
        gW += h * Y[k].T @ G
        gb += h * G.sum(axis=0)
        lam = lam + h * G @ W.T
    return loss, np.concatenate([gW.ravel(), gb, gw, [gw0]])


def plain_classifier_loss(X: np.ndarray, c: np.ndarray, params: np.ndarray, width: int) -> tuple[float, np.ndarray]:
    r"""Logistic loss of a plain (non-residual) one-hidden-layer tanh network and its gradient.

    ``params = concatenate([W1.ravel(), b1, w, [w0]])`` with :math:`W_1` of shape ``(dim, width)``; scores
    :math:`s = \tanh(X W_1 + b_1) w + w_0`, :math:`L = \frac1n\sum_i \log(1 + e^{s_i}) - c_i s_i`,
    :math:`r = (\sigma(s) - c)/n`, :math:`G = (1 - H^2)\odot (r w^\top)`, :math:`\nabla_{W_1} = X^\top G`.

    Parameters
    ----------
    X : ndarray, shape (n, dim)
    c : ndarray, shape (n,)
        Labels 0 / 1.
    params : ndarray, shape (dim * width + 2 * width + 1,)
    width : int

    Returns
    -------
    loss : float
    grad : ndarray, shape of ``params``

    References
    ----------
    Bishop (2006), *Pattern Recognition and Machine Learning*, Sec. 5.3 (backpropagation).
    """
    X = np.asarray(X, dtype=float)
    d, m = X.shape[1], int(width)
    params = np.asarray(params, dtype=float).ravel()
    W1, b1 = params[: d * m].reshape(d, m), params[d * m: d * m + m]
    w, w0 = params[d * m + m: d * m + 2 * m], params[-1]
    H = np.tanh(X @ W1 + b1)
    s = H @ w + w0
    c = np.asarray(c, dtype=float).ravel()
    loss = float(np.mean(np.logaddexp(0.0, s) - c * s))
    r = (0.5 * (1 + np.tanh(s / 2)) - c) / s.size
    G = (1 - H**2) * np.outer(r, w)
    return loss, np.concatenate([(X.T @ G).ravel(), G.sum(axis=0), H.T @ r, [r.sum()]])


def two_moons_like(n: int = 100, *, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""A 2-D two-class problem: two interleaved half circles (labels 0 / 1) with Gaussian noise.

    Parameters
    ----------
    n : int
        Points (half per class).
    noise : float
        Standard deviation of the noise.
    seed : int

    Returns
    -------
    X : ndarray, shape (n, 2)
    c : ndarray, shape (n,)

    References
    ----------
    Pedregosa et al. (2011), scikit-learn ``make_moons`` (the same construction).
    """
    n = check_count("n", n, 2)
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, np.pi, n)
    c = (np.arange(n) % 2).astype(float)
    X = np.where(c[:, None] == 0, np.c_[np.cos(a), np.sin(a)], np.c_[1 - np.cos(a), 0.5 - np.sin(a)])
    return X + float(noise) * rng.standard_normal((n, 2)), c


def _loss_fn(model: str, X, c, T, N, width) -> tuple[Callable, int]:
    if model == "ode":
        F = TanhField(X.shape[1])
        return (lambda p: euler_classifier_loss(F, X, c, p, T, N)), F.n_params + X.shape[1] + 1
    if model == "plain":
        return (lambda p: plain_classifier_loss(X, c, p, width)), X.shape[1] * width + 2 * width + 1
    raise ValueError(f"model must be 'ode' or 'plain', got {model!r}")


def init_params(model: str = "ode", dim: int = 2, width: int = 2, seed: int = 0) -> np.ndarray:
    r"""Start of :func:`ode_training`: 0.5 times standard normal weights of the model's size.

    Parameters
    ----------
    model : {"ode", "plain"}
    dim : int
        Input dimension.
    width : int
        Hidden units of the plain model.
    seed : int

    Returns
    -------
    ndarray
        ``dim^2 + 2 dim + 1`` entries (``"ode"``) or ``dim * width + 2 * width + 1`` (``"plain"``).

    Raises
    ------
    ValueError
        For an unknown ``model``.

    References
    ----------
    Chen et al. (2018), NeurIPS.
    """
    dim, width = check_count("dim", dim), check_count("width", width)
    size = {"ode": dim * dim + 2 * dim + 1, "plain": dim * width + 2 * width + 1}.get(model)
    if size is None:
        raise ValueError(f"model must be 'ode' or 'plain', got {model!r}")
    return 0.5 * np.random.default_rng(seed).standard_normal(size)


@tunable("lr")
def ode_training(data: tuple[np.ndarray, np.ndarray], theta0: np.ndarray, *, model: str = "ode", T: float = 1.0,
                 N: int = 10, width: int = 2, lr: float = 0.5, rtol: float = 1e-4, tol: float = 1e-10,
                 maxiter: int = 10**6, blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Gradient descent on a Neural ODE classifier (``model="ode"``) or a plain tanh network (``"plain"``).

    ``"ode"``: the field :class:`TanhField` integrated to ``T`` by the ResNet / Euler with ``N`` steps (the
    gradient: :func:`euler_classifier_loss`); each Step also records ``info["nfe"]``, the function evaluations
    the adaptive Dormand-Prince solve of the *current* field needs at ``rtol`` over the training inputs (it grows
    as training stiffens the field). ``"plain"``: :func:`plain_classifier_loss` with ``width`` hidden units.
    :math:`p \leftarrow p - \eta \nabla L(p)`.

    Parameters
    ----------
    data : (X, c)
        Inputs (rows) and labels 0 / 1.
    theta0 : ndarray
        Start (:func:`init_params`).
    model : {"ode", "plain"}
    T : float
        Final time of the ODE.
    N : int
        Euler steps of the ODE model.
    width : int
        Hidden units of the plain model.
    lr : float
        Step size (tunable mid-run).
    rtol : float
        Tolerance of the adaptive solve whose NFE is recorded.
    tol, maxiter, blowup
        The protocol of :mod:`numdl_core.iterate`.

    Yields
    ------
    Step
        ``x`` the parameters, ``loss``, ``grad_norm``, ``info["nfe"]`` (ODE model), ``info["accuracy"]``.

    Raises
    ------
    ValueError
        For an unknown ``model``, non-positive ``T``, ``rtol``, ``lr`` or a start of the wrong size.

    References
    ----------
    Chen et al. (2018), NeurIPS, Sec. 3 and Fig. 3d (NFE grows over training).
    """
    X, c = data
    X = np.asarray(X, dtype=float)
    c = np.asarray(c, dtype=float).ravel()
    T, rtol = check_positive("T", T), check_positive("rtol", rtol)
    N, width = check_count("N", N), check_count("width", width)
    lr = check_positive("lr", lr)
    tol, maxiter = check_stop(tol, maxiter)
    fun, size = _loss_fn(model, X, c, T, N, width)
    p = np.array(theta0, dtype=float).ravel()
    if p.size != size or not np.all(np.isfinite(p)):
        raise ValueError(f"theta0 must have {size} finite entries for model {model!r}, got {p.size}")
    F = TanhField(X.shape[1])

    def stats(k, loss0):
        with np.errstate(all="ignore"):
            f, g = fun(p) if np.all(np.isfinite(p)) else (np.inf, np.full(size, np.inf))
            info = {"accuracy": float(np.mean((predict(p) > 0) == (c > 0.5)))}
            if model == "ode" and np.all(np.isfinite(p)):
                info["nfe"] = int(ode_flow(F, X, p[:F.n_params], T, rtol=rtol, atol=rtol / 100)[1].nfev)
        s, stop = record(k, p, f, float(np.linalg.norm(g)), info, work=float(k), loss0=loss0, blowup=blowup)
        return (s, stop), g

    def predict(q):
        if model == "ode":
            return euler_resnet(F, X, q[:F.n_params], T, N)[-1] @ q[F.n_params:-1] + q[-1]
        d = X.shape[1]
        return np.tanh(X @ q[: d * width].reshape(d, width) + q[d * width: d * width + width]) @ \
            q[d * width + width: -1] + q[-1]

    def iterations():
        nonlocal p
        rec, g = stats(0, np.inf)
        loss0 = rec[0].loss
        params = yield rec
        for k in itertools.count(1):
            p = p - params["lr"] * g
            rec, g = stats(k, loss0)
            params = yield rec

    return (yield from _drive(iterations(), {"lr": lr}, {"lr": lambda v: check_positive("lr", v)}, tol=tol,
                              maxiter=maxiter))


def noise_accuracy(predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray, c: np.ndarray, sigmas,
                   *, n_draws: int = 20, seed: int = 0) -> np.ndarray:
    r"""Accuracy of a classifier under Gaussian input noise: the mean over ``n_draws`` of
    :math:`\frac1n\sum_i [\operatorname{sign} s(x_i + \sigma z_i) = c_i]`, :math:`z_i \sim N(0, I)`.

    Parameters
    ----------
    predict : callable
        ``predict(X) -> scores`` (class 1 where positive).
    X, c : ndarray
        Clean inputs and labels 0 / 1.
    sigmas : sequence of float
        Noise levels (the same draws ``z`` for every level).
    n_draws : int
    seed : int

    Returns
    -------
    ndarray, shape (len(sigmas),)

    References
    ----------
    Yan et al. (2019), ICLR 2020, Sec. 3 (Gaussian-noise robustness of ODE nets against CNNs).
    """
    X = np.asarray(X, dtype=float)
    c = np.asarray(c, dtype=float).ravel() > 0.5
    Z = np.random.default_rng(seed).standard_normal((check_count("n_draws", n_draws), *X.shape))
    return np.array([np.mean([np.mean((predict(X + float(s) * z) > 0) == c) for z in Z]) for s in sigmas])


SOLVERS = MappingProxyType({"neural_odes.training": ode_training})
"""Read-only ``{name: generator function}`` of this module's iterative methods (the live run of the page)."""

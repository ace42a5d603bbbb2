r"""The course's stability experiment for residual networks (Module 7, ``EResNet_Stability.m``).

A residual network with one weight matrix shared by all :math:`N` layers and no bias is forward Euler with step
:math:`h = T/N` on :math:`\dot{\mathbf y} = \tanh(K(\theta)\mathbf y)`. The course fits the two parameters of a
:math:`3 \times 3` circulant

.. math::
    K(\theta) = \begin{pmatrix} -\theta_1-\theta_2 & \theta_1 & \theta_2 \\ \theta_2 & -\theta_1-\theta_2 & \theta_1
    \\ \theta_1 & \theta_2 & -\theta_1-\theta_2 \end{pmatrix}

to targets :math:`C` made by the fine network (:math:`N = 200`) at :math:`\theta = (1, 1)`, and draws the misfit

.. math::
    \Phi_N(\theta) = \tfrac12 \| Y_N(\theta) - C \|_F^2, \qquad Y_{j+1} = Y_j + h\,\tanh(Y_j K(\theta)^\top),
    \quad h = T/N,

over a :math:`101 \times 101` grid of :math:`\theta \in [0.2, 2]^2`, once on the training inputs :math:`Y_0` and
once on fresh inputs. :math:`K(1, 1)` has the eigenvalues :math:`\{0, -3, -3\}`: with :math:`T = 10` the coarse
network (:math:`N = 5`, :math:`h = 2`) has :math:`|1 + h\lambda| = 5 > 1` and is unstable, the fine one
(:math:`N = 100`, :math:`h = 0.1`) has :math:`|1 + h\lambda| = 0.7` and is stable. The unstable network's
misfit has its minimum far from :math:`(1, 1)` and a different one on other inputs (it does not generalize); the
stable network's minimum is close to :math:`(1, 1)` and the same on both.

**Samples are rows** here (the course stores them as columns and writes :math:`K Y`): a state is
:math:`Y \in \mathbb R^{n \times 3}` and a layer computes :math:`Y K^\top`, i.e. ``numdl_core.resnet.forward``
with the layer weight :math:`K(\theta)^\top`.

The grid is computed in one vectorized sweep: all :math:`\theta` of a block advance together, the state of a
block is an array of shape ``(d, m, n)`` (``m`` parameter points, ``n`` examples) and the product with the stack of
:math:`d \times d` weights is :math:`d^2` broadcast multiply-adds; blocks of about :math:`10^5` numbers stay in the
CPU cache.

References
----------
E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018) 014004
(arXiv:1705.03341, 2017).
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 7 (slides 07-NumDNN-ResNets.tex;
NumDL-MATLAB ``resnet/examples/EResNet_Stability.m``).
P. J. Davis, *Circulant Matrices*, Wiley, 1979 (eigenvalues of circulant matrices).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from numdl_core import resnet

__all__ = ["COURSE_N", "THETA_RANGE", "circulant_K", "circulant_eigenvalues", "amplification",
           "batched_forward", "StabilityProblem", "stability_problem", "LossGrid", "loss_grid", "loss_along_diagonal",
           "StabilityResult", "stability_experiment"]

#: The course's numbers of layers: coarse (unstable), fine (stable), and the one that makes the targets.
COURSE_N = (5, 100, 200)
#: The course's parameter range for both :math:`\theta_1` and :math:`\theta_2`.
THETA_RANGE = (0.2, 2.0)
_BLOCK = 50_000  # numbers per block state (d * m * n): 0.4 MB, stays in the L2 cache (measured best)


def circulant_K(theta1, theta2) -> np.ndarray:
    r"""The course's circulant weight :math:`K(\theta)` (column convention), for one or many :math:`\theta`.

    .. math::
        K(\theta) = -(\theta_1+\theta_2) I + \theta_1 P + \theta_2 P^2, \qquad
        P = \begin{pmatrix} 0&1&0\\0&0&1\\1&0&0 \end{pmatrix},

    the matrix ``getK`` of ``EResNet_Stability.m``: rows and columns sum to zero, so :math:`K\mathbf 1 = 0`.

    Parameters
    ----------
    theta1, theta2 : float or array_like
        The parameters (broadcast against each other).

    Returns
    -------
    ndarray, shape (..., 3, 3)
        :math:`K(\theta)` for every broadcast :math:`(\theta_1, \theta_2)`.

    References
    ----------
    L. Ruthotto and E. Haber, Numerical Methods for Deep Learning, Module 7 (``EResNet_Stability.m``).

    Examples
    --------
    >>> circulant_K(1.0, 1.0)
    array([[-2.,  1.,  1.],
           [ 1., -2.,  1.],
           [ 1.,  1., -2.]])
    """
    t1, t2 = np.broadcast_arrays(np.asarray(theta1, dtype=float), np.asarray(theta2, dtype=float))
    K = np.empty(t1.shape + (3, 3))
    s = -(t1 + t2)
    for r in range(3):
        K[..., r, r] = s
        K[..., r, (r + 1) % 3] = t1
        K[..., r, (r + 2) % 3] = t2
    return K


def circulant_eigenvalues(theta1, theta2) -> np.ndarray:
    r"""Eigenvalues of :math:`K(\theta)` in closed form (the DFT of its first row).

    A circulant matrix with first row :math:`(c_0, c_1, c_2)` has the eigenvectors :math:`(1, \omega^k,
    \omega^{2k})` and eigenvalues :math:`\lambda_k = \sum_j c_j \omega^{jk}`, :math:`\omega = e^{2\pi i/3}`
    (Davis 1979). For :math:`K(\theta)`:

    .. math::
        \lambda_0 = 0, \qquad \lambda_{1,2} = -\tfrac32(\theta_1+\theta_2) \pm i\,\tfrac{\sqrt3}{2}(\theta_1-\theta_2),

    so :math:`K(1, 1)` has :math:`\{0, -3, -3\}`.

    Parameters
    ----------
    theta1, theta2
        As in :func:`circulant_K`.

    Returns
    -------
    ndarray, shape (..., 3), complex
        :math:`(\lambda_0, \lambda_1, \lambda_2)`.

    References
    ----------
    P. J. Davis, Circulant Matrices, Wiley, 1979, Sec. 3.2.

    Examples
    --------
    >>> circulant_eigenvalues(1.0, 1.0).real
    array([ 0., -3., -3.])
    """
    t1, t2 = np.broadcast_arrays(np.asarray(theta1, dtype=float), np.asarray(theta2, dtype=float))
    re = -1.5 * (t1 + t2)
    im = 0.5 * np.sqrt(3.0) * (t1 - t2)
    return np.stack([np.zeros_like(re) + 0j, re + 1j * im, re - 1j * im], axis=-1)


def amplification(N: int, T: float = 10.0, theta: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    r"""Forward Euler's growth factors :math:`|1 + h\lambda_k|` per layer, :math:`h = T/N`, at :math:`\theta`.

    On the linearized network each layer multiplies the component along the :math:`k`-th eigenvector of
    :math:`K(\theta)` by :math:`1 + h\lambda_k`; the network is stable when every factor is at most 1 (Haber and
    Ruthotto 2017). At :math:`\theta = (1, 1)`, :math:`T = 10`: :math:`|1 - 3h| = 5` for :math:`N = 5` and
    :math:`0.7` for :math:`N = 100`.

    Parameters
    ----------
    N : int
        Number of layers (time steps), at least 1.
    T : float
        Final time.
    theta : (float, float)
        The parameters of :math:`K`.

    Returns
    -------
    ndarray, shape (3,)
        :math:`|1 + h\lambda_k|` in the order of :func:`circulant_eigenvalues`.

    Raises
    ------
    ValueError
        ``N < 1`` or a non-finite ``T``.

    References
    ----------
    E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018) 014004.

    Examples
    --------
    >>> amplification(5)
    array([1., 5., 5.])
    """
    N, T = _check_N_T(N, T)
    return np.abs(1.0 + (T / N) * circulant_eigenvalues(*theta))


def _grid(name: str, n: int, lo: float, hi: float) -> np.ndarray:
    """``n >= 2`` equispaced points of the finite range ``lo < hi`` (ValueError otherwise)."""
    if int(n) != n or n < 2:
        raise ValueError(f"{name} must be an integer >= 2, got {n}")
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"the range must be finite with lo < hi, got [{lo}, {hi}]")
    return np.linspace(lo, hi, int(n))


def _check_N_T(N: int, T: float) -> tuple[int, float]:
    if int(N) != N or N < 1:
        raise ValueError(f"the number of layers N must be a positive integer, got {N}")
    if not np.isfinite(T) or T <= 0:
        raise ValueError(f"the final time T must be a positive number, got {T}")
    return int(N), float(T)


def _activation(name: str) -> Callable[[np.ndarray], None]:
    """An in-place version of ``resnet.ACTIVATIONS[name]``."""
    if name not in resnet.ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(resnet.ACTIVATIONS)}")
    if name == "tanh":
        return lambda z: np.tanh(z, out=z)
    if name == "relu":
        return lambda z: np.maximum(z, 0.0, out=z)
    if name == "identity":
        return lambda z: None
    act = resnet.ACTIVATIONS[name][0]

    def apply(z: np.ndarray) -> None:
        z[...] = act(z)
    return apply


def _sweep(Y0: np.ndarray, W: np.ndarray, h: float, N: int, act: Callable[[np.ndarray], None]) -> np.ndarray:
    """Final states of one block, layout (d, m, n): Y[c] <- Y[c] + h act(sum_k Y[k] W[:, k, c])."""
    d = Y0.shape[1]
    m = W.shape[0]
    Y = np.empty((d, m, Y0.shape[0]))
    Y[...] = Y0.T[:, None, :]
    w = [[np.ascontiguousarray(W[:, k, c])[:, None] for c in range(d)] for k in range(d)]
    Z = np.empty_like(Y)
    tmp = np.empty_like(Y[0])
    for _ in range(N):
        for c in range(d):
            np.multiply(Y[0], w[0][c], out=Z[c])
            for k in range(1, d):
                np.multiply(Y[k], w[k][c], out=tmp)
                Z[c] += tmp
        act(Z)
        Z *= h
        Y += Z
    return Y


def batched_forward(Y0: np.ndarray, K: np.ndarray, h: float, N: int, *, activation: str = "tanh") -> np.ndarray:
    r"""Final states of :math:`m` residual networks at once, each with one weight shared by its :math:`N` layers.

    For every :math:`i = 1, \ldots, m` (samples as rows, no bias, the convention of ``resnet.forward``):

    .. math::
        Y^{(i)}_0 = Y_0, \qquad Y^{(i)}_{j+1} = Y^{(i)}_j + h\,\sigma(Y^{(i)}_j K_i), \quad j = 0, \ldots, N-1,

    i.e. ``resnet.forward(Y0, np.repeat(K[i][None], N, 0), np.zeros((N, d)), h, activation=activation)[-1]``
    for every :math:`i`, computed together: :math:`d^2` broadcast multiply-adds and one activation per layer over
    all :math:`m n d` numbers, in blocks that stay in the cache. Cost :math:`O(N m n d^2)`.

    Parameters
    ----------
    Y0 : ndarray, shape (n, d)
        Inputs, one example per row, shared by all networks.
    K : ndarray, shape (m, d, d)
        One weight per network.
    h : float
        Step size.
    N : int
        Number of layers.
    activation : {"tanh", "relu", "identity"}
        The elementwise :math:`\sigma` (``resnet.ACTIVATIONS``).

    Returns
    -------
    ndarray, shape (m, n, d)
        :math:`Y^{(i)}_N` for every network.

    Raises
    ------
    ValueError
        Wrong shapes, non-finite entries, ``N < 1`` or an unknown activation.

    References
    ----------
    E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018) 014004.

    Examples
    --------
    With the identity and :math:`K = -\tfrac12 I` every layer multiplies by :math:`1 - h/2`:

    >>> batched_forward(np.ones((1, 2)), -0.5 * np.eye(2)[None], 1.0, 3, activation="identity")
    array([[[0.125, 0.125]]])
    """
    Y0, K = _check_batch(Y0, K)
    N, _ = _check_N_T(N, 1.0)
    if not np.isfinite(h):
        raise ValueError(f"h must be a finite number, got {h}")
    act = _activation(activation)
    m, (n, d) = K.shape[0], Y0.shape
    out = np.empty((m, n, d))
    size = max(1, _BLOCK // max(1, n * d))
    for a in range(0, m, size):
        out[a:a + size] = _sweep(Y0, K[a:a + size], float(h), N, act).transpose(1, 2, 0)
    return out


def _check_batch(Y0: np.ndarray, K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    Y0 = np.asarray(Y0, dtype=float)
    K = np.asarray(K, dtype=float)
    if Y0.ndim != 2:
        raise ValueError(f"Y0 must have shape (n, d), got {Y0.shape}")
    d = Y0.shape[1]
    if K.ndim != 3 or K.shape[1:] != (d, d):
        raise ValueError(f"K must have shape (m, {d}, {d}), got {K.shape}")
    if not (np.all(np.isfinite(Y0)) and np.all(np.isfinite(K))):
        raise ValueError("Y0 and K must have finite entries")
    return Y0, K


@dataclass(frozen=True)
class StabilityProblem:
    r"""The data of the experiment: inputs, targets and the network that made the targets.

    Attributes
    ----------
    Y0, Y0_test : ndarray, shape (n, 3)
        Training and fresh inputs, :math:`0.1\,\mathcal N(0, 1)` entries, one example per row.
    C, C_test : ndarray, shape (n, 3)
        Targets: the network with ``N_true`` layers at ``theta_true`` applied to ``Y0`` and ``Y0_test``.
    T : float
        Final time.
    N_true : int
        Layers of the network that made the targets.
    theta_true : (float, float)
        Its parameters.
    activation : str
        The activation of every network of the experiment.
    """

    Y0: np.ndarray
    Y0_test: np.ndarray
    C: np.ndarray
    C_test: np.ndarray
    T: float
    N_true: int
    theta_true: tuple[float, float]
    activation: str


def stability_problem(*, n_examples: int = 20, scale: float = 0.1, T: float = 10.0, N_true: int = 200,
                      theta_true: tuple[float, float] = (1.0, 1.0), activation: str = "tanh",
                      seed: int = 0) -> StabilityProblem:
    r"""Training and fresh inputs and their targets, as in ``EResNet_Stability.m``.

    :math:`Y_0, Y_0^{\rm test} \in \mathbb R^{n \times 3}` with entries ``scale`` :math:`\cdot\,\mathcal N(0, 1)`
    (the course: ``Y0 = .1*randn(3, 20)``, columns), and :math:`C = Y_{N_{\rm true}}(\theta_{\rm true})` with
    :math:`h = T / N_{\rm true}`:

    .. math::
        Y_{j+1} = Y_j + \tfrac{T}{N_{\rm true}}\,\sigma(Y_j K(\theta_{\rm true})^\top).

    Parameters
    ----------
    n_examples : int
        Examples per set (the course: 20).
    scale : float
        Standard deviation of the inputs' entries (the course's code: 0.1).
    T : float
        Final time (the course: 10).
    N_true : int
        Layers of the target network (the course: 200).
    theta_true : (float, float)
        Parameters of the target network (the course: (1, 1)).
    activation : str
        ``"tanh"`` (the course), ``"relu"`` or ``"identity"``.
    seed : int
        Seed of ``numpy.random.default_rng``: the training inputs are its first draw, the fresh ones its second.

    Returns
    -------
    StabilityProblem

    Raises
    ------
    ValueError
        ``n_examples < 1``, a non-positive ``scale`` or ``T``, ``N_true < 1`` or an unknown activation.

    References
    ----------
    L. Ruthotto and E. Haber, Numerical Methods for Deep Learning, Module 7 (``EResNet_Stability.m``).
    """
    if int(n_examples) != n_examples or n_examples < 1:
        raise ValueError(f"n_examples must be a positive integer, got {n_examples}")
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, got {scale}")
    N_true, T = _check_N_T(N_true, T)
    _activation(activation)
    rng = np.random.default_rng(seed)
    Y0 = scale * rng.standard_normal((int(n_examples), 3))
    Y0_test = scale * rng.standard_normal((int(n_examples), 3))
    Kt = circulant_K(*theta_true).T[None]
    C, C_test = (batched_forward(Y, Kt, T / N_true, N_true, activation=activation)[0] for Y in (Y0, Y0_test))
    return StabilityProblem(Y0, Y0_test, C, C_test, T, N_true, (float(theta_true[0]), float(theta_true[1])),
                            activation)


@dataclass(frozen=True)
class LossGrid:
    r"""The misfits over a grid of :math:`\theta`.

    Attributes
    ----------
    theta : ndarray, shape (g,)
        Grid values of both :math:`\theta_1` and :math:`\theta_2`.
    train, test : ndarray, shape (g, g)
        :math:`\Phi_N` on the training and on the fresh inputs; ``[i2, i1]`` is the value at
        :math:`(\theta_1, \theta_2) = (` ``theta[i1], theta[i2]`` :math:`)` (rows are :math:`\theta_2`, as a
        plot's y axis).
    N : int
        Number of layers.
    h : float
        Step size ``T / N``.
    """

    theta: np.ndarray
    train: np.ndarray
    test: np.ndarray
    N: int
    h: float


def loss_grid(problem: StabilityProblem, N: int, *, n_grid: int = 101, lo: float = THETA_RANGE[0],
              hi: float = THETA_RANGE[1], progress: Callable[[float], None] | None = None) -> LossGrid:
    r"""The misfit :math:`\Phi_N(\theta)` on the training and the fresh inputs over a square grid of :math:`\theta`.

    .. math::
        \Phi_N(\theta) = \tfrac12 \|Y_N(\theta) - C\|_F^2, \qquad Y_{j+1} = Y_j + h\,\sigma(Y_j K(\theta)^\top),
        \quad h = T/N,

    for :math:`\theta_1, \theta_2` in ``linspace(lo, hi, n_grid)`` (the course: 101 values in :math:`[0.2, 2]`,
    10,201 networks, each run on both input sets). Computed by :func:`batched_forward` block by block; ``progress``
    is called after each block with the fraction done (a progress bar).

    Parameters
    ----------
    problem : StabilityProblem
        Inputs and targets (:func:`stability_problem`).
    N : int
        Number of layers of the fitted network.
    n_grid : int
        Grid values per axis (at least 2).
    lo, hi : float
        The range of both parameters, ``lo < hi``.
    progress : callable, optional
        ``progress(fraction)`` with ``fraction`` in (0, 1], called after each block.

    Returns
    -------
    LossGrid

    Raises
    ------
    ValueError
        ``N < 1``, ``n_grid < 2`` or an empty or non-finite range.

    References
    ----------
    E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018) 014004;
    L. Ruthotto and E. Haber, Numerical Methods for Deep Learning, Module 7 (``EResNet_Stability.m``).
    """
    N, T = _check_N_T(N, problem.T)
    theta = _grid("n_grid", n_grid, lo, hi)
    t1, t2 = np.meshgrid(theta, theta)  # [i2, i1]
    train, test = _misfit_stack(problem, circulant_K(t1.ravel(), t2.ravel()), N, progress)
    shape = (theta.size, theta.size)
    return LossGrid(theta, train.reshape(shape), test.reshape(shape), N, T / N)


def _misfit_stack(problem: StabilityProblem, K: np.ndarray, N: int,
                  progress: Callable[[float], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Training and test misfits of the N-layer networks with the (column-convention) weights K (m, 3, 3)."""
    W = np.swapaxes(K, 1, 2)  # rows: Y K^T
    Y0 = np.vstack([problem.Y0, problem.Y0_test])
    n = problem.Y0.shape[0]
    target = np.vstack([problem.C, problem.C_test]).T[:, None, :]  # (d, 1, 2n)
    act = _activation(problem.activation)
    h = problem.T / N
    m = W.shape[0]
    size = max(1, _BLOCK // Y0.size)
    train = np.empty(m)
    test = np.empty(m)
    for a in range(0, m, size):
        R = _sweep(Y0, W[a:a + size], h, N, act)
        R -= target
        R *= R
        S = R.sum(axis=0)  # (m, 2n)
        train[a:a + size] = 0.5 * S[:, :n].sum(axis=1)
        test[a:a + size] = 0.5 * S[:, n:].sum(axis=1)
        if progress is not None:
            progress(min(1.0, (a + size) / m))
    return train, test


def loss_along_diagonal(problem: StabilityProblem, N: int, *, n_points: int = 101, lo: float = THETA_RANGE[0],
                        hi: float = THETA_RANGE[1]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The misfits :math:`\Phi_N(t, t)` on the diagonal :math:`\theta_1 = \theta_2 = t` (a cheap 1-D cut of the grid).

    On the diagonal :math:`K(t, t)` is symmetric with eigenvalues :math:`\{0, -3t, -3t\}`, so the linearized
    network is stable exactly for :math:`|1 - 3th| \le 1`, i.e. :math:`t \le 2/(3h)`: for :math:`N = 5`
    (:math:`h = 2`) only :math:`t \le 1/3` of the range :math:`[0.2, 2]`.

    Parameters
    ----------
    problem : StabilityProblem
        Inputs and targets.
    N : int
        Number of layers.
    n_points : int
        Values of :math:`t` (at least 2).
    lo, hi : float
        The range of :math:`t`, ``lo < hi``.

    Returns
    -------
    t, train, test : ndarray, shape (n_points,)

    Raises
    ------
    ValueError
        ``N < 1``, ``n_points < 2`` or an empty range.

    References
    ----------
    L. Ruthotto and E. Haber, Numerical Methods for Deep Learning, Module 7 (``EResNet_Stability.m``).
    """
    N, _ = _check_N_T(N, problem.T)
    t = _grid("n_points", n_points, lo, hi)
    train, test = _misfit_stack(problem, circulant_K(t, t), N)
    return t, train, test


@dataclass(frozen=True)
class StabilityResult:
    r"""The experiment at one number of layers: the grids, the minimizer and the stability factors.

    Attributes
    ----------
    grid : LossGrid
        The misfits on the training and the fresh inputs.
    theta_min : (float, float)
        The grid point of smallest training misfit.
    train_min, test_at_min : float
        Training and test misfit there.
    gap : float
        The largest :math:`|\Phi_N^{\rm train} - \Phi_N^{\rm test}|` on the grid (the course's "abs. diff"
        picture; its colour bar ends there).
    eigenvalues : ndarray, shape (3,), complex
        Eigenvalues of :math:`K(\theta_{\rm true})`.
    factors : dict
        ``{N: max |1 + (T/N) lambda|}`` over the nonzero eigenvalues of :math:`K(\theta_{\rm true})` (``-3``
        at :math:`(1, 1)`; the eigenvalue 0 gives 1 for every ``h``), for the course's ``N`` and this one.
    numbers : dict
        The headline numbers (name -> float) the page shows and the exported script prints.
    """

    grid: LossGrid
    theta_min: tuple[float, float]
    train_min: float
    test_at_min: float
    gap: float
    eigenvalues: np.ndarray
    factors: dict = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)


def stability_experiment(N: int = 5, *, n_grid: int = 101, activation: str = "tanh", seed: int = 0,
                         progress: Callable[[float], None] | None = None) -> StabilityResult:
    r"""The course's experiment at ``N`` layers: grids, minimizer, train/test gap, :math:`|1 + h\lambda|`.

    :func:`stability_problem` (20 examples of 3 features, :math:`T = 10`, targets from :math:`N = 200` at
    :math:`\theta = (1, 1)`), then :func:`loss_grid` over ``linspace(0.2, 2, n_grid)``:
    :math:`\theta^* = \arg\min_{\rm grid} \Phi_N^{\rm train}` and the gap
    :math:`\max_{\rm grid} |\Phi_N^{\rm train} - \Phi_N^{\rm test}|`. The course finds :math:`\theta^* \approx
    (0.20, 0.22)` with a large gap for :math:`N = 5` (:math:`|1 + h\lambda| = 5`) and :math:`\theta^* \approx (0.94,
    0.94)` with a gap near :math:`10^{-4}` for :math:`N = 100` (:math:`|1 + h\lambda| = 0.7`).

    Parameters
    ----------
    N : int
        Layers of the fitted network (the course: 5 and 100).
    n_grid : int
        Grid values per axis (the course: 101).
    activation : str
        ``"tanh"`` (the course), ``"relu"`` or ``"identity"``.
    seed : int
        Seed of the inputs.
    progress : callable, optional
        Passed to :func:`loss_grid`.

    Returns
    -------
    StabilityResult

    Raises
    ------
    ValueError
        Invalid ``N``, ``n_grid`` or activation (from :func:`loss_grid`, :func:`stability_problem`).

    References
    ----------
    E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018) 014004;
    L. Ruthotto and E. Haber, Numerical Methods for Deep Learning, Module 7 (``EResNet_Stability.m``).
    """
    problem = stability_problem(activation=activation, seed=seed)
    grid = loss_grid(problem, N, n_grid=n_grid, progress=progress)
    i2, i1 = np.unravel_index(np.argmin(grid.train), grid.train.shape)
    theta_min = (float(grid.theta[i1]), float(grid.theta[i2]))
    train_min, test_at_min = float(grid.train[i2, i1]), float(grid.test[i2, i1])
    gap = float(np.max(np.abs(grid.train - grid.test)))
    lam = circulant_eigenvalues(*problem.theta_true)
    factors = {n: float(np.max(amplification(n, problem.T, problem.theta_true)[1:]))
               for n in sorted({*COURSE_N, N})}
    at_true = _misfits(problem, N, problem.theta_true)
    numbers = {"h = T/N": grid.h, "|1 + hλ| at θ = (1, 1), λ = −3": factors[N],
               "minimizer θ1": theta_min[0], "minimizer θ2": theta_min[1],
               "|1 + hλ| at the minimizer": float(np.max(amplification(N, problem.T, theta_min)[1:])),
               "train loss at the minimizer": train_min, "test loss at the minimizer": test_at_min,
               "largest |train − test| on the grid": gap,
               "train loss at θ = (1, 1)": at_true[0], "test loss at θ = (1, 1)": at_true[1]}
    return StabilityResult(grid, theta_min, train_min, test_at_min, gap, lam, factors, numbers)


def _misfits(problem: StabilityProblem, N: int, theta: tuple[float, float]) -> tuple[float, float]:
    """Training and test misfit of the N-layer network at one ``theta``."""
    W = circulant_K(*theta).T[None]
    out = []
    for Y, C in ((problem.Y0, problem.C), (problem.Y0_test, problem.C_test)):
        Y_N = batched_forward(Y, W, problem.T / N, N, activation=problem.activation)[0]
        out.append(0.5 * float(np.sum((Y_N - C) ** 2)))
    return out[0], out[1]

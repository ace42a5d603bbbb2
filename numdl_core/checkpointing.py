r"""Memory of backpropagation through a residual network / Neural ODE: stored states, checkpointing, reversing.

The gradient of a loss :math:`\ell(Y_N)` of the final state of a network of :math:`N` layers needs, in its
backward (adjoint) loop, the state :math:`Y_j` of every layer :math:`j = N-1, \ldots, 0` (the Jacobian of layer
:math:`j` is evaluated at :math:`Y_j`; slides ``08-NumDNN-OptimalControl.tex``: "y(t) needed to solve the adjoint
equation (memory!)"). Three ways to have them, with samples as rows (:math:`Y_j` of shape ``(n, d)``):

``"stored"``
    keep all :math:`N + 1` states of the forward pass: :math:`O(N)` states, :math:`N` layer evaluations.
``"checkpoint"``
    (ANODE, Gholami, Keutzer and Biros 2019) keep one state per block of :math:`B` layers, the checkpoints
    :math:`Y_0, Y_B, Y_{2B}, \ldots`; in the backward pass recompute the states of one block from its checkpoint,
    then run the block's adjoint steps. States held at the peak and layer evaluations:

    .. math::
        S_{\rm ckpt} = \lceil N/B \rceil + \max(1, \min(B, N) - 1), \qquad
        E_{\rm ckpt} = N + \sum_{k} (B_k - 1) = 2N - \lceil N/B \rceil,

    minimal near :math:`B = \sqrt N` (:math:`S \approx 2\sqrt N` at about two forward passes of work). Griewank
    and Walther's *revolve* (2000) nests checkpoints recursively: :math:`O(\log N)` states for
    :math:`O(N \log N)` work.
``"reversible"``
    a network whose layers can be run backwards reconstructs :math:`Y_{j-1}` from :math:`(Y_j, Y_{j+1})` during
    the backward pass: :math:`O(1)` states (two), :math:`2N - 1` layer evaluations. Here the leapfrog
    (Verlet) discretization of the second-order ODE :math:`\ddot Y = -\sigma(Y K(t) + b(t)) K(t)^\top` (the
    Hamiltonian-inspired network of Haber and Ruthotto 2017, the leapfrog network of Chang et al. 2018):

    .. math::
        Y_1 = Y_0 + \tfrac{h^2}{2} F_0(Y_0), \quad Y_{j+1} = 2 Y_j - Y_{j-1} + h^2 F_j(Y_j), \quad
        F_j(Y) = -\sigma(Y K_j + \mathbf 1 b_j^\top) K_j^\top

    (``numdl_core.resnet.forward(..., scheme="leapfrog", architecture="parabolic")``, :math:`\dot Y(0) = 0`) is
    reversible exactly (up to round-off): :math:`Y_{j-1} = 2 Y_j - Y_{j+1} + h^2 F_j(Y_j)`
    (``numdl_core.resnet.reverse_states``), the idea of RevNets (Gomez et al. 2017).

Counts: *states stored* is the largest number of ``(n, d)`` state arrays kept at once between layer evaluations
(the transient arrays inside one layer and the adjoint are not counted); *layer evaluations* counts the
evaluations of a layer function that produce a state (forward pass plus recomputation or reconstruction); every
regime also runs :math:`N` adjoint steps. The loss is the misfit :math:`\ell(Y_N) = \tfrac12 \|Y_N - C\|_F^2`.

Note that the weights :math:`K_j, b_j` and their gradients are :math:`O(N)` in every regime
(:math:`N (d^2 + d)` numbers); the states (:math:`n d` numbers each) dominate when there are many samples.

References
----------
A. Gholami, K. Keutzer and G. Biros, ANODE: unconditionally accurate memory-efficient gradients for neural ODEs,
IJCAI 2019 (arXiv:1902.10298).
A. Griewank and A. Walther, Algorithm 799: revolve: an implementation of checkpointing for the reverse or adjoint
mode of computational differentiation, ACM Trans. Math. Softw. 26 (2000) 19-45.
B. Chang, L. Meng, E. Haber, L. Ruthotto, D. Begert and E. Holtham, Reversible architectures for arbitrarily deep
residual neural networks, AAAI 2018.
A. N. Gomez, M. Ren, R. Urtasun and R. B. Grosse, The reversible residual network: backpropagation without storing
activations, NeurIPS 2017.
E. Haber and L. Ruthotto, Stable architectures for deep neural networks, Inverse Problems 34 (2018) 014004.
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 8 (slides 08-NumDNN-OptimalControl.tex).
"""
from __future__ import annotations

import math
import time
import tracemalloc
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from numdl_core import resnet
from numdl_core.checks import DerivativeCheck, derivative_check

__all__ = ["REGIMES", "NETWORKS", "MemoryGradient", "MemoryStudy", "default_block", "expected_counts", "gradient",
           "gradient_checks", "measure_memory"]

REGIMES = ("stored", "checkpoint", "reversible")
NETWORKS = ("euler", "leapfrog")


@dataclass
class MemoryGradient:
    """The loss and gradient of one backpropagation, with what it cost.

    Attributes
    ----------
    loss : float
        :math:`\\tfrac12 \\|Y_N - C\\|_F^2`.
    dY0 : ndarray, shape (n, d)
        Gradient in the input.
    dK : ndarray, shape (N, d, d)
        Gradient in the weights.
    db : ndarray, shape (N, d)
        Gradient in the biases.
    regime : str
        ``"stored"``, ``"checkpoint"`` or ``"reversible"``.
    network : str
        ``"euler"`` (the ResNet) or ``"leapfrog"`` (the reversible network).
    block : int
        Block size :math:`B` (``"checkpoint"``; ``N`` otherwise).
    states_stored : int
        Largest number of states held at once (measured by the implementation).
    layer_evals : int
        Layer evaluations that produced a state (forward + recomputation or reconstruction).
    """

    loss: float
    dY0: np.ndarray
    dK: np.ndarray
    db: np.ndarray
    regime: str
    network: str
    block: int
    states_stored: int
    layer_evals: int


@dataclass
class MemoryStudy:
    """Memory and time of the three regimes for growing depth :math:`N` (see :func:`measure_memory`).

    Attributes
    ----------
    N : ndarray of int, shape (m,)
        The depths.
    blocks : ndarray of int, shape (m,)
        The checkpointing block size used at each depth.
    peak_bytes : dict
        Regime -> ndarray (m,): peak memory traced during one gradient (``tracemalloc``), in bytes.
    seconds : dict
        Regime -> ndarray (m,): the fastest of ``repeats`` gradient evaluations, in seconds.
    states : dict
        Regime -> ndarray (m,) of int: states stored (counted).
    layer_evals : dict
        Regime -> ndarray (m,) of int: layer evaluations (counted).
    state_bytes : dict
        Regime -> ndarray (m,): ``states * n * d * 8`` bytes (float64).
    max_diff_checkpoint : ndarray, shape (m,)
        :math:`\\max |\\nabla_{\\rm ckpt} - \\nabla_{\\rm stored}|` over all entries of the Euler ResNet's gradient.
    max_diff_reversible : ndarray, shape (m,)
        The same for the leapfrog network, reversible against stored.
    n, d : int
        Samples and width.
    """

    N: np.ndarray
    blocks: np.ndarray
    peak_bytes: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    states: dict = field(default_factory=dict)
    layer_evals: dict = field(default_factory=dict)
    state_bytes: dict = field(default_factory=dict)
    max_diff_checkpoint: np.ndarray = field(default_factory=lambda: np.zeros(0))
    max_diff_reversible: np.ndarray = field(default_factory=lambda: np.zeros(0))
    n: int = 0
    d: int = 0


def default_block(N: int) -> int:
    r"""The checkpointing block size :math:`B = \mathrm{round}(\sqrt N)`, which minimizes :math:`N/B + B`.

    Parameters
    ----------
    N : int
        Number of layers (at least 1).

    Returns
    -------
    int
        :math:`B \ge 1`.

    Raises
    ------
    ValueError
        If ``N < 1``.

    Examples
    --------
    >>> default_block(100), default_block(1000)
    (10, 32)
    """
    if int(N) < 1:
        raise ValueError(f"N must be at least 1 layer, got {N}")
    return max(1, int(round(math.sqrt(int(N)))))


def expected_counts(N: int, regime: str, block: int | None = None) -> tuple[int, int]:
    r"""States stored and layer evaluations of one gradient, by formula.

    .. math::
        \text{stored: } (N + 1,\ N), \qquad
        \text{checkpoint: } \big(\lceil N/B \rceil + \max(1, \min(B, N) - 1),\ 2N - \lceil N/B \rceil\big),
        \qquad \text{reversible: } (2,\ 2N - 1).

    Parameters
    ----------
    N : int
        Number of layers (at least 1).
    regime : {"stored", "checkpoint", "reversible"}
        The memory regime.
    block : int, optional
        Block size :math:`B` of ``"checkpoint"`` (default :func:`default_block`), clipped to ``1..N``.

    Returns
    -------
    (int, int)
        States stored, layer evaluations.

    Raises
    ------
    ValueError
        ``N < 1``, ``block < 1`` or an unknown regime.

    References
    ----------
    Gholami, Keutzer and Biros (2019); Griewank and Walther (2000).

    Examples
    --------
    >>> expected_counts(100, "stored"), expected_counts(100, "checkpoint", 10), expected_counts(100, "reversible")
    ((101, 100), (19, 190), (2, 199))
    """
    N = int(N)
    if N < 1:
        raise ValueError(f"N must be at least 1 layer, got {N}")
    if regime == "stored":
        return N + 1, N
    if regime == "reversible":
        return 2, 2 * N - 1
    if regime == "checkpoint":
        B = _block(N, block)
        n_ckpt = -(-N // B)
        return n_ckpt + max(1, B - 1), 2 * N - n_ckpt
    raise ValueError(f"unknown regime {regime!r}; choose one of {REGIMES}")


def _block(N: int, block: int | None) -> int:
    if block is None:
        return default_block(N)
    if not float(block).is_integer() or int(block) < 1:
        raise ValueError(f"block must be an integer >= 1, got {block}")
    return min(int(block), N)


def _check(Y0, K, b, h, C, activation):
    Y0, K, b, h = resnet._check(Y0, K, b, h, activation)
    if K.shape[0] < 1:
        raise ValueError("the network needs at least one layer (K of shape (N, d, d) with N >= 1)")
    C = np.asarray(C, dtype=float)
    if C.shape != Y0.shape:
        raise ValueError(f"C must have the shape of Y0 {Y0.shape}, got {C.shape}")
    return Y0, K, b, h, C


def _parabolic(Y: np.ndarray, Kj: np.ndarray, bj: np.ndarray, act) -> tuple[np.ndarray, np.ndarray]:
    """f_j(Y) = -act(Y K_j + b_j) K_j^T (resnet's "parabolic" right-hand side) and S = act(Y K_j + b_j)."""
    S = act(Y @ Kj + bj)
    return -(S @ Kj.T), S


def gradient(Y0: np.ndarray, K: np.ndarray, b: np.ndarray, h: float, C: np.ndarray, *, regime: str = "stored",
             network: str | None = None, block: int | None = None, activation: str = "tanh") -> MemoryGradient:
    r"""Loss :math:`\tfrac12\|Y_N - C\|_F^2` and its gradient by backpropagation in one memory regime.

    ``network="euler"`` is the ResNet :math:`Y_{j+1} = Y_j + h\sigma(Y_j K_j + \mathbf 1 b_j^\top)`
    (``numdl_core.resnet.forward``), ``"leapfrog"`` the reversible network
    ``resnet.forward(..., scheme="leapfrog", architecture="parabolic")``.
    The adjoint step of layer :math:`j` of the Euler network, with :math:`\Delta_N = Y_N - C` and
    :math:`G_j = \Delta_{j+1} \odot \sigma'(Y_j K_j + \mathbf 1 b_j^\top)`:

    .. math::
        \nabla_{K_j}\ell = h Y_j^\top G_j, \quad \nabla_{b_j}\ell = h G_j^\top \mathbf 1, \quad
        \Delta_j = \Delta_{j+1} + h G_j K_j^\top;

    of the leapfrog network, with :math:`P = \Delta_{j+1}`, :math:`S = \sigma(A_j)`, :math:`A_j = Y_j K_j +
    \mathbf 1 b_j^\top`, :math:`c_j = h^2` and :math:`G = -c_j (P K_j) \odot \sigma'(A_j)`:

    .. math::
        \nabla_{K_j}\ell = Y_j^\top G - c_j P^\top S, \quad \nabla_{b_j}\ell = G^\top \mathbf 1, \quad
        \Delta_j \mathrel{+}= 2P + G K_j^\top, \quad \Delta_{j-1} \mathrel{+}= -P

    (for :math:`j = 0`, where :math:`Y_1 = Y_0 + \tfrac{h^2}{2} F_0(Y_0)`: :math:`c_0 = h^2/2` and
    :math:`\Delta_0 \mathrel{+}= P + G K_0^\top`). Each adjoint step needs :math:`Y_j`: ``"stored"`` keeps them
    all, ``"checkpoint"`` recomputes them block by block from one stored state per block (Euler network),
    ``"reversible"`` reconstructs them backwards with ``numdl_core.resnet.reverse_states`` (leapfrog network),
    holding two. Stored and checkpointed gradients agree to round-off (the same operations on the same states);
    reversing adds the round-off of the reconstruction.

    Parameters
    ----------
    Y0 : ndarray, shape (n, d)
        Input features.
    K : ndarray, shape (N, d, d)
        Layer weights (``N >= 1``).
    b : ndarray, shape (N, d)
        Layer biases.
    h : float
        Step size.
    C : ndarray, shape (n, d)
        Target of the final state.
    regime : {"stored", "checkpoint", "reversible"}
        The memory regime.
    network : {"euler", "leapfrog"}, optional
        Default ``"leapfrog"`` for ``"reversible"``, else ``"euler"``.
    block : int, optional
        Block size :math:`B` of ``"checkpoint"`` (default :func:`default_block`; clipped to ``N``).
    activation : {"tanh", "relu", "identity"}
        The activation.

    Returns
    -------
    MemoryGradient
        Loss, gradients and the counts (see :func:`expected_counts` for their formulas).

    Raises
    ------
    ValueError
        Wrong shapes, unknown regime / network / activation, ``block < 1``, ``"reversible"`` on the Euler network
        (forward Euler cannot be run backwards without solving a nonlinear equation per layer) or
        ``"checkpoint"`` on the leapfrog network (not implemented here).

    References
    ----------
    Gholami, Keutzer and Biros (2019) (ANODE); Griewank and Walther (2000); Chang et al. (2018); Gomez et al.
    (2017).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> Y0, C = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    >>> K, b = 0.5 * rng.standard_normal((12, 2, 2)), np.zeros((12, 2))
    >>> s, c = gradient(Y0, K, b, 0.1, C), gradient(Y0, K, b, 0.1, C, regime="checkpoint", block=4)
    >>> (s.states_stored, s.layer_evals), (c.states_stored, c.layer_evals), bool(np.abs(s.dK - c.dK).max() < 1e-14)
    ((13, 12), (6, 21), True)
    """
    if regime not in REGIMES:
        raise ValueError(f"unknown regime {regime!r}; choose one of {REGIMES}")
    network = network or ("leapfrog" if regime == "reversible" else "euler")
    if network not in NETWORKS:
        raise ValueError(f"unknown network {network!r}; choose one of {NETWORKS}")
    if regime == "reversible" and network != "leapfrog":
        raise ValueError("the 'reversible' regime needs network='leapfrog': forward Euler cannot be run backwards "
                         "without solving a nonlinear equation per layer")
    if regime == "checkpoint" and network != "euler":
        raise ValueError("the 'checkpoint' regime is implemented for network='euler'")
    Y0, K, b, h, C = _check(Y0, K, b, h, C, activation)
    N = K.shape[0]
    if network == "euler":
        if regime == "stored":
            Y = resnet.forward(Y0, K, b, h, activation=activation)
            res = Y[-1] - C
            dY0, dK, db = resnet.backward_euler(Y, K, b, h, res, activation=activation)
            return MemoryGradient(0.5 * float(np.sum(res * res)), dY0, dK, db, regime, network, N, N + 1, N)
        return _euler_checkpoint(Y0, K, b, h, C, _block(N, block), activation)
    return _leapfrog_gradient(Y0, K, b, h, C, regime, activation)


def _euler_checkpoint(Y0, K, b, h, C, B, activation) -> MemoryGradient:
    act, dact = resnet.ACTIVATIONS[activation]
    N = K.shape[0]
    ckpts = [Y0]  # Y_0, Y_B, Y_2B, ...: kept until the end
    Y, evals, peak = Y0, 0, 1
    for j in range(N):  # forward: keep only the checkpoints and the current state
        Y = Y + h * act(Y @ K[j] + b[j])
        evals += 1
        if (j + 1) % B == 0 and j + 1 < N:
            ckpts.append(Y)
        peak = max(peak, len(ckpts) + (Y is not ckpts[-1]))
    res = Y - C
    loss = 0.5 * float(np.sum(res * res))
    delta = res
    del Y  # Y_N is not needed in the backward pass
    dK, db = np.empty_like(K), np.empty_like(b)
    for k in range(len(ckpts) - 1, -1, -1):
        s, e = k * B, min(k * B + B, N)
        buf = [ckpts[k]]
        for j in range(s, e - 1):  # recompute Y_{s+1} .. Y_{e-1} from the checkpoint
            buf.append(buf[-1] + h * act(buf[-1] @ K[j] + b[j]))
            evals += 1
        peak = max(peak, len(ckpts) + len(buf) - 1)
        for j in range(e - 1, s - 1, -1):  # the block's adjoint steps (as resnet.backward_euler)
            Yj = buf.pop()
            G = delta * dact(Yj @ K[j] + b[j])
            dK[j] = h * (Yj.T @ G)
            db[j] = h * G.sum(axis=0)
            delta = delta + h * (G @ K[j].T)
    return MemoryGradient(loss, delta, dK, db, "checkpoint", "euler", B, peak, evals)


def _leapfrog_gradient(Y0, K, b, h, C, regime, activation) -> MemoryGradient:
    act, dact = resnet.ACTIVATIONS[activation]
    N, h2 = K.shape[0], h * h
    if regime == "stored":
        Ys = resnet.forward(Y0, K, b, h, activation=activation, scheme="leapfrog", architecture="parabolic")
        states = ((j, Ys[j]) for j in range(N, -1, -1))
        peak, evals = N + 1, N
    else:  # forward keeping only the last two states (the formula of resnet.forward's leapfrog), then reverse
        prev, cur = Y0, Y0 + (0.5 * h2) * _parabolic(Y0, K[0], b[0], act)[0]
        for j in range(1, N):
            prev, cur = cur, 2.0 * cur - prev + h2 * _parabolic(cur, K[j], b[j], act)[0]
        states = resnet.reverse_states(prev, cur, K, b, h, activation=activation, architecture="parabolic")
        del prev, cur
        peak, evals = 2, 2 * N - 1  # reverse_states reconstructs Y_{N-2} .. Y_0: N - 1 evaluations
    res = next(states)[1] - C
    loss = 0.5 * float(np.sum(res * res))
    a_next, a_cur = res, np.zeros_like(res)  # adjoints of Y_{j+1} (complete) and Y_j (partial)
    dK, db = np.empty_like(K), np.empty_like(b)
    for j in range(N - 1, -1, -1):
        Yj = next(states)[1]
        c = h2 if j >= 1 else 0.5 * h2
        A = Yj @ K[j] + b[j]
        G = -c * (a_next @ K[j]) * dact(A)
        dK[j] = Yj.T @ G - c * (a_next.T @ act(A))
        db[j] = G.sum(axis=0)
        a_cur = a_cur + (2.0 * a_next if j >= 1 else a_next) + G @ K[j].T
        if j >= 1:
            a_next, a_cur = a_cur, -a_next
    return MemoryGradient(loss, a_cur, dK, db, regime, "leapfrog", N, peak, evals)


def gradient_checks(N: int = 16, *, n: int = 20, d: int = 2, T: float = 2.0, block: int | None = None,
                    activation: str = "tanh", seed: int = 0) -> dict[str, DerivativeCheck]:
    r"""Taylor tests of the gradient of every regime, in all weights and the input at once.

    For the random problem of :func:`measure_memory` at depth :math:`N` (``seed``), with
    :math:`\theta = (K, b, Y_0)` and a random direction :math:`v`,
    :math:`E_1(h) = |\ell(\theta + hv) - \ell(\theta) - h \nabla\ell^\top v| = O(h^2)` for a correct gradient
    (:func:`numdl_core.checks.derivative_check`): a checkpointed or reversed gradient that used a wrong state would
    show order 1.

    Parameters
    ----------
    N : int
        Depth (at least 1).
    n, d, T, block, activation, seed
        As for :func:`measure_memory`.

    Returns
    -------
    dict
        Regime -> :class:`numdl_core.checks.DerivativeCheck` (``order``, ``passed``, ``err1``, ...).

    Raises
    ------
    ValueError
        ``N``, ``n`` or ``d`` below 1, ``T <= 0``.

    References
    ----------
    Ruthotto and Haber, Module 0 (the derivative check); Gholami, Keutzer and Biros (2019).

    Examples
    --------
    >>> {r: round(c.order) for r, c in gradient_checks(8).items()}
    {'stored': 2, 'checkpoint': 2, 'reversible': 2}
    """
    N, n, d = int(N), int(n), int(d)
    if min(N, n, d) < 1 or not (np.isfinite(T) and T > 0):
        raise ValueError(f"N, n, d must be >= 1 and T > 0, got N={N}, n={n}, d={d}, T={T}")
    Y0, K, b, C = _random_problem(N, n, d, seed)
    sizes = (K.size, b.size)

    def fun(regime: str):
        def f(th: np.ndarray) -> tuple[float, np.ndarray]:
            Kt = th[:sizes[0]].reshape(K.shape)
            bt = th[sizes[0]:sizes[0] + sizes[1]].reshape(b.shape)
            g = gradient(th[sizes[0] + sizes[1]:].reshape(Y0.shape), Kt, bt, T / N, C, regime=regime, block=block,
                         activation=activation)
            return g.loss, np.concatenate([g.dK.ravel(), g.db.ravel(), g.dY0.ravel()])
        return f

    theta = np.concatenate([K.ravel(), b.ravel(), Y0.ravel()])
    return {r: derivative_check(fun(r), theta, seed=seed) for r in REGIMES}


def _random_problem(N: int, n: int, d: int, seed: int) -> tuple[np.ndarray, ...]:
    """Y0, K, b, C of the memory study at depth N (independent of the other depths)."""
    rng = np.random.default_rng([seed, N])
    Y0, C = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    K, b = rng.standard_normal((N, d, d)) / math.sqrt(d), 0.1 * rng.standard_normal((N, d))
    return Y0, K, b, C


def measure_memory(Ns: Sequence[int] = (16, 32, 64, 128, 256, 512), *, n: int = 200, d: int = 2,
                   T: float = 2.0, block: int | None = None, activation: str = "tanh", repeats: int = 3,
                   seed: int = 0) -> MemoryStudy:
    r"""Peak memory and time of one gradient per regime, for growing depth :math:`N` at fixed final time :math:`T`.

    For each :math:`N` (step :math:`h = T/N`, the Neural-ODE limit): random :math:`Y_0, C \in \mathbb R^{n \times
    d}`, :math:`K_j = \tfrac{1}{\sqrt d}` randn, :math:`b_j = 0.1` randn (``seed``). The Euler ResNet's gradient
    with all states stored and with checkpointing (block :math:`B`, default :math:`\mathrm{round}\sqrt N`); the
    leapfrog network's with stored states (the reference) and reversed. Peak memory is the traced peak
    (``tracemalloc``, which sees numpy's buffers) of one call, including the gradients (:math:`N(d^2 + d)`
    numbers in every regime); time is the fastest of ``repeats`` calls without tracing. Expected growth:
    stored :math:`O(N n d)`, checkpoint :math:`O(\sqrt N n d)`, reversible :math:`O(n d)` plus the gradients.
    Timings depend on the machine; counts and differences do not.

    Parameters
    ----------
    Ns : sequence of int
        Depths (each at least 1).
    n, d : int
        Samples and width.
    T : float
        Final time (> 0).
    block : int, optional
        Block size for every depth (clipped to ``N``); default :func:`default_block` of each.
    activation : {"tanh", "relu", "identity"}
        The activation.
    repeats : int
        Timed repetitions (at least 1).
    seed : int
        Seed of the random problem.

    Returns
    -------
    MemoryStudy
        Peak bytes, seconds, counted states and evaluations, state bytes and the largest gradient differences.

    Raises
    ------
    ValueError
        Empty ``Ns``, a depth < 1, ``n`` or ``d`` < 1, ``T <= 0``, ``repeats < 1``.

    References
    ----------
    Gholami, Keutzer and Biros (2019); Chang et al. (2018).

    Examples
    --------
    >>> m = measure_memory((8, 32), n=50, repeats=1)
    >>> m.states["stored"].tolist(), m.states["checkpoint"].tolist(), m.states["reversible"].tolist()
    ([9, 33], [5, 11], [2, 2])
    """
    Ns = [int(N) for N in Ns]
    if not Ns or min(Ns) < 1:
        raise ValueError(f"Ns must be a non-empty list of depths >= 1, got {Ns}")
    if int(n) < 1 or int(d) < 1:
        raise ValueError(f"n and d must be >= 1, got n={n}, d={d}")
    if not (np.isfinite(T) and T > 0):
        raise ValueError(f"T must be a positive number, got {T}")
    if int(repeats) < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    n, d = int(n), int(d)
    out = MemoryStudy(np.array(Ns), np.array([_block(N, block) for N in Ns]), n=n, d=d)
    cases = {"stored": ("stored", "euler"), "checkpoint": ("checkpoint", "euler"),
             "reversible": ("reversible", "leapfrog")}
    table: dict[str, dict[str, list]] = {r: {"peak": [], "sec": [], "states": [], "evals": []} for r in cases}
    diff_ck, diff_rev = [], []
    for N, B in zip(Ns, out.blocks):
        Y0, K, b, C = _random_problem(N, n, d, seed)
        args = (Y0, K, b, T / N, C)
        got = {}
        for name, (regime, network) in cases.items():
            kw = dict(regime=regime, network=network, block=int(B), activation=activation)
            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
            got[name] = g = gradient(*args, **kw)
            peak = tracemalloc.get_traced_memory()[1] - base
            tracemalloc.stop()
            best = math.inf
            for _ in range(int(repeats)):
                t0 = time.perf_counter()
                gradient(*args, **kw)
                best = min(best, time.perf_counter() - t0)
            for key, v in (("peak", peak), ("sec", best), ("states", g.states_stored), ("evals", g.layer_evals)):
                table[name][key].append(v)
        ref = gradient(*args, regime="stored", network="leapfrog", activation=activation)
        diff_ck.append(_maxdiff(got["checkpoint"], got["stored"]))
        diff_rev.append(_maxdiff(got["reversible"], ref))
    for name, t in table.items():
        out.peak_bytes[name] = np.array(t["peak"], dtype=float)
        out.seconds[name] = np.array(t["sec"], dtype=float)
        out.states[name] = np.array(t["states"], dtype=int)
        out.layer_evals[name] = np.array(t["evals"], dtype=int)
        out.state_bytes[name] = out.states[name] * float(n * d * 8)
    out.max_diff_checkpoint = np.array(diff_ck)
    out.max_diff_reversible = np.array(diff_rev)
    return out


def _maxdiff(a: MemoryGradient, b: MemoryGradient) -> float:
    return float(max(np.abs(a.dK - b.dK).max(), np.abs(a.db - b.db).max(), np.abs(a.dY0 - b.dY0).max()))
